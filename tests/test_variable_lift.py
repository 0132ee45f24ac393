"""Variables created in a tf.function's first call from values computed in its body.

TF lifts such an initial value out of the function (``lift_to_graph``) and computes it once: from
constants, random draws, the call's arguments, other Variables. Here ``function.lift_initial_value``
evaluates the equations of the trace that compute it. Expected values checked in TF 2.21.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy


@pytest.fixture(params=[True, False], ids=["deferred", "TAPEJAX_DEFER=0"])
def deferral(request: pytest.FixtureRequest):
    previous = lazy.set_enabled(request.param)
    yield
    lazy.set_enabled(previous)


class _Dense(tf.Module):
    """The TF guide's "waiting to create variables" module (Introduction to modules)."""

    def __init__(self, out_features: int) -> None:
        super().__init__()
        self.is_built = False
        self.out_features = out_features

    def __call__(self, x):
        if not self.is_built:
            self.w = tf.Variable(tf.random.normal([x.shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.is_built = True
        return tf.matmul(x, self.w) + self.b


@pytest.mark.usefixtures("deferral")
def test_random_initial_values_in_a_first_call() -> None:
    # TF 2.21: works (was ValueError "cannot create a Variable from a traced value" in every mode).
    dense = _Dense(3)
    f = tf.function(lambda x: dense(x))
    x = tf.constant([[1.0, 2.0]])
    y1 = f(x).numpy()
    y2 = f(x).numpy()
    w = dense.w.numpy()
    assert w.shape == (2, 3) and np.all(np.isfinite(w)) and np.std(w) > 0
    np.testing.assert_allclose(y1, x.numpy() @ w, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y1, y2)  # created once, not drawn again
    assert f.experimental_get_tracing_count() == 2  # TF's two traces of a first call that creates


@pytest.mark.usefixtures("deferral")
def test_initial_values_from_arguments_constants_initializers_and_under_a_tape() -> None:
    box: list = []
    outer = tf.Variable([0.5, 1.5])

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            if not box:
                box.append(tf.Variable(x * 2.0))  # TF: from the first call's argument
                box.append(tf.Variable(tf.ones([2]) * 0.1))
                box.append(tf.Variable(tf.keras.initializers.Constant(1.0)((2,)) + outer * 2.0))
            y = tf.reduce_sum(box[0] * box[1] * box[2])
        return tape.gradient(y, box[1])

    g = f(tf.constant([1.0, 2.0]))
    assert [v.numpy().tolist() for v in box] == [[2.0, 4.0], pytest.approx([0.1, 0.1]), [2.0, 4.0]]
    outer.assign([7.0, 7.0])  # (the initial value was read once)
    assert g.numpy().tolist() == [4.0, 16.0]
    assert f(tf.constant([5.0, 5.0])).numpy().tolist() == [4.0, 16.0]  # not initialized again
    assert box[0].numpy().tolist() == [2.0, 4.0]


def test_only_the_initial_value_is_computed_not_the_rest_of_the_body() -> None:
    # TF 2.21: [6, 8] then [8, 10]: the lifted initializer reads no batch of the dataset.
    it = iter(tf.data.Dataset.from_tensor_slices(np.arange(6.0, dtype=np.float32)).batch(2))
    box: list = []

    @tf.function
    def f(x):
        b = next(it)
        if not box:
            box.append(tf.Variable(tf.random.normal([2]) * 0.0 + 3.0))
        return box[0] + x + b

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [4.0, 6.0]
    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [6.0, 8.0]


def test_a_value_that_cannot_be_lifted_is_still_valueerror() -> None:
    box: list = []

    @tf.function
    def f(n):
        def body(i, acc):
            if not box:
                box.append(tf.Variable(acc * 2.0))  # inside a loop body's own trace
            return i + 1, acc + 1.0

        return tf.while_loop(lambda i, acc: i < n, body, (0, tf.constant(1.0)))

    with pytest.raises(ValueError):
        f(tf.constant(3))


@pytest.mark.usefixtures("deferral")
def test_which_trace_the_first_call_runs() -> None:
    # TF 2.21: a liftable initial value (a literal, constants) runs the second trace (the creating block is
    # skipped: 1.5); one computed from the call's arguments or from a Variable created in the same call is
    # not liftable: TF initializes it in the graph and the first call runs the first trace (102.0; 7.0).
    def run(init, x=1.0):
        box: list = []

        @tf.function
        def f(x):
            if not box:
                box.append(tf.Variable(init(x)))
                box[0].assign_add(100.0)
            return box[0] + 0.0

        return float(f(tf.constant(x))), float(f(tf.constant(x)))

    assert run(lambda x: tf.constant(1.5)) == (1.5, 1.5)
    assert run(lambda x: tf.ones([]) * 1.5) == (1.5, 1.5)
    assert run(lambda x: x * 2.0) == (102.0, 102.0)

    box: list = []

    @tf.function
    def g():
        if not box:
            box.append(tf.Variable(1.5))
            box.append(tf.Variable(box[0] * 3.0))
            box[0].assign_add(1.0)
        return box[1] + box[0]

    assert (float(g()), float(g()), float(box[0].numpy())) == (7.0, 7.0, 2.5)
