"""TF's error classes for Python conversions of traced tensors, raised inside the tf.function body.

Messages and classes checked in TF 2.21 (``tf.function(autograph=False)``, a try/except in the body).
"""

import jax
import numpy as np
import pytest

import tapejax as tf

_ADVICE = "You can attempt the following resolutions to the problem: If you are running in Graph mode"

# name -> (conversion, TF's class, TF's message start; the argument is a float32 scalar unless noted)
_CASES = {
    "bool": (
        bool,
        tf.errors.OperatorNotAllowedInGraphError,
        "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. " + _ADVICE,
    ),
    "float": (float, TypeError, "float() argument must be a string or a real number, not 'SymbolicTensor'"),
    "int": (
        int,
        TypeError,
        "int() argument must be a string, a bytes-like object or a real number, not 'SymbolicTensor'",
    ),
    "complex": (complex, TypeError, "complex() first argument must be a string or a number, not 'SymbolicTensor'"),
    "numpy": (lambda t: t.numpy(), AttributeError, "'SymbolicTensor' object has no attribute 'numpy'"),
    "asarray": (np.asarray, NotImplementedError, "Cannot convert a symbolic tf.Tensor (traced:0) to a numpy array."),
    "iter": (
        lambda t: list(t),
        tf.errors.OperatorNotAllowedInGraphError,
        "Iterating over a symbolic `tf.Tensor` is not allowed. " + _ADVICE,
    ),
    "unpack": (lambda t: (lambda a, b: a)(*t), tf.errors.OperatorNotAllowedInGraphError, "Iterating over a symbolic"),
    # TF: "list indices must be integers or slices, not SymbolicTensor" (Python words it per container)
    "index": (lambda t: [1, 2, 3][t], TypeError, "'SymbolicTensor' object cannot be interpreted as an integer"),
}


def test_conversions_raise_tf_classes_inside_the_body() -> None:
    caught = {}

    @tf.function(autograph=False)
    def f(x, v, i):
        for name, (conv, _, _) in _CASES.items():
            arg = v if name in ("iter", "unpack") else i if name == "index" else x
            try:
                conv(arg)
            except Exception as e:  # the test records what the body sees
                caught[name] = e
        return x + 1.0

    out = f(tf.constant(1.0), tf.constant([1.0, 2.0]), tf.constant(1))
    assert float(out) == 2.0  # the body went on after catching each
    for name, (_, cls, message) in _CASES.items():
        assert isinstance(caught.get(name), cls), (name, caught.get(name))
        assert str(caught[name]).startswith(message), (name, str(caught[name]))
    # Still JAX's classes too: code written for JAX (and tapejax's tf.data fallbacks) catches them.
    for name in ("float", "int", "complex", "numpy", "asarray", "index"):
        assert isinstance(caught[name], jax.errors.TracerArrayConversionError), name


@pytest.mark.parametrize(
    ("conv", "cls", "match"),
    [
        (float, TypeError, r"float\(\) argument must be a string or a real number, not 'SymbolicTensor'"),
        (lambda t: t.numpy(), AttributeError, r"'SymbolicTensor' object has no attribute 'numpy'"),
        (list, tf.errors.OperatorNotAllowedInGraphError, r"^Iterating over a symbolic `tf\.Tensor` is not allowed"),
    ],
)
def test_uncaught_conversion_leaves_tf_function_as_tfs_class(conv, cls, match) -> None:
    v = tf.Variable(1.0)

    @tf.function(autograph=False)
    def f(x):
        v.assign(5.0)
        conv(x)
        return x

    with pytest.raises(cls, match=match):
        f(tf.constant([1.0]))
    assert float(v.numpy()) == 1.0  # the Variable is unchanged


def test_bool_outside_the_body_keeps_tapejax_hint_with_tf_class() -> None:
    @tf.function(autograph=False)
    def g(x):
        return x if x > 0 else -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError, match=r"^Using a symbolic .*tf\.function g:") as info:
        g(tf.constant(1.0))
    assert isinstance(info.value.__cause__, tf.errors.OperatorNotAllowedInGraphError)  # the body's error


def test_autograph_for_over_a_tensor_still_loops() -> None:
    @tf.function
    def total(x):
        s = tf.constant(0.0)
        for row in x:
            s += row
        return s

    assert float(total(tf.constant([1.0, 2.0, 4.0]))) == 7.0


def test_eager_conversions_unchanged() -> None:
    t = tf.constant(2.5)
    i = tf.constant(2)
    assert bool(t) is True and float(t) == 2.5 and int(t) == 2 and complex(t) == 2.5 + 0j
    assert t.numpy() == np.float32(2.5) and np.asarray(t).dtype == np.float32
    assert [10, 20, 30][i] == 30
    assert [float(r) for r in tf.constant([1.0, 2.0])] == [1.0, 2.0]
    a, b = tf.constant([3, 4])
    assert int(a) == 3 and int(b) == 4


def test_list_append_in_a_tensor_loop_is_inaccessible_tensor_error() -> None:
    # TF 2.21: InaccessibleTensorError (a ValueError): "... is out of scope and cannot be used here. ..."
    @tf.function
    def h(x):
        acc = []
        for i in tf.range(3):
            acc.append(x * tf.cast(i, tf.float32))
        return acc[0]

    with pytest.raises(ValueError, match=r"is out of scope and cannot be used here\. Use return values") as info:
        h(tf.constant(1.0))
    assert type(info.value).__name__ == "InaccessibleTensorError"


def test_a_variable_python_value_inside_tf_function_raises_tf_errors():
    # The value at trace time would be frozen into the program: TF raises, and so do we.
    v, vb, vi = tf.Variable(2.0), tf.Variable(True), tf.Variable(3)
    cases = [
        (lambda: v.numpy(), NotImplementedError, "only available when eager execution"),
        (lambda: np.asarray(v), NotImplementedError, "only available when eager execution"),
        (lambda: float(v), AttributeError, "no attribute 'numpy'"),
        (lambda: int(vi), AttributeError, "no attribute 'numpy'"),
        (lambda: bool(vb), tf.errors.OperatorNotAllowedInGraphError, "Python `bool`"),
        (lambda: [1, 2, 3, 4][vi], TypeError, "integer"),
    ]
    for read, cls, match in cases:

        @tf.function(autograph=False)
        def body(read=read, cls=cls, match=match):
            try:
                read()
            except cls as e:  # caught inside the body, as in TF
                assert match in str(e)
                return tf.constant(1)
            return tf.constant(0)

        assert int(body()) == 1
    assert (float(v), int(vi), bool(vb), v.numpy(), [1, 2, 3, 4][vi]) == (2.0, 3, True, 2.0, 4)  # eagerly: values
