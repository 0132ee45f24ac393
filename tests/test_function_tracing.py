"""tf.function's tracing rules (function.py, concrete_function.py, function_type.py), checked in TF 2.21.

Every expected count, value and message below was read from real TF 2.21 (see
test_function_tracing_tf.py for the side-by-side parity checks).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def test_first_call_reading_a_variable_traces_once_and_lifts_it() -> None:
    v = tf.Variable(1.0)
    traced = []

    @tf.function
    def f(x):
        traced.append(1)
        return x * v

    assert float(f(tf.constant(2.0))) == 2.0 and float(f(tf.constant(3.0))) == 3.0
    assert len(traced) == 1 and f.experimental_get_tracing_count() == 1  # TF: the body runs once
    v.assign(10.0)
    assert float(f(tf.constant(2.0))) == 20.0  # lifted, not baked in as a constant
    f(tf.constant([2.0]))
    assert f.experimental_get_tracing_count() == 2  # a shape retrace counts (TF: 2)


def test_assignments_are_written_back_and_a_returned_variable_is_its_current_value() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def f():
        v.assign_add(1.0)
        return v

    assert float(f()) == 2.0 and float(f()) == 3.0 and float(v) == 3.0


def test_variable_arguments_share_a_trace_by_shape_and_dtype() -> None:
    traced = []

    @tf.function
    def g(a):
        traced.append(1)
        a.assign_add(tf.ones_like(a))
        return a + 1.0

    v1, v2, v3 = tf.Variable(1.0), tf.Variable(5.0), tf.Variable([1.0, 2.0])
    assert float(g(v1)) == 3.0 and float(g(v2)) == 7.0
    np.testing.assert_array_equal(g(v3).numpy(), [3.0, 4.0])
    assert g.experimental_get_tracing_count() == 2 and len(traced) == 2  # TF: 2
    assert (float(v1), float(v2)) == (2.0, 6.0)  # each call wrote its own Variable


def test_python_values_are_keyed_by_value_and_lists_stay_python() -> None:
    seen = []

    @tf.function
    def h(a):
        seen.append(a)
        return tf.constant(1)

    h(1), h(1.0), h(True)  # equal (and hash equal) in Python: one trace, as TF
    assert h.experimental_get_tracing_count() == 1
    h(np.float32(1.0))  # a numpy value is a tensor argument (TF: 2)
    assert h.experimental_get_tracing_count() == 2

    @tf.function
    def total(lst):
        seen.append(type(lst))
        return sum(lst) if isinstance(lst[0], int) else tf.add_n(lst)

    assert int(total([1, 2])) == 3 and int(total([1, 3])) == 4
    assert float(total([tf.constant(1.0), tf.constant(2.0)])) == 3.0
    assert total.experimental_get_tracing_count() == 3 and seen[-1] is list  # TF: 3, a list inside


def test_unhashable_python_argument_raises_tfs_type_error() -> None:
    f = tf.function(lambda a: tf.constant(1))
    with pytest.raises(TypeError, match=r"Could not generate a generic TraceType for \{2\}\.Please verify"):
        f([1, {2}])


def test_keyword_and_default_arguments_are_bound_as_tf_binds_them() -> None:
    @tf.function
    def f(x, training=False):
        return x * 2.0 if not training else x

    f(tf.constant(1.0))
    f(x=tf.constant(1.0))
    f(tf.constant(1.0), training=False)
    f(tf.constant(1.0), False)
    assert f.experimental_get_tracing_count() == 1  # TF: 1
    assert float(f(tf.constant(1.0), training=True)) == 1.0 and f.experimental_get_tracing_count() == 2


def test_variables_created_on_the_first_call_trace_twice_and_later_creation_raises() -> None:
    class Scale(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(2.0)
            return x * self.w

    m = Scale()
    assert float(m(tf.constant(1.0))) == 2.0 and isinstance(m.w.numpy(), np.floating)
    m(tf.constant(1.0))
    m(tf.constant([1.0]))
    assert m.__call__.experimental_get_tracing_count() == 3  # TF: 3 (the first call traced twice)
    other = Scale()
    other(tf.constant(1.0))
    assert other.__call__.experimental_get_tracing_count() == 2  # one cache per instance (TF: 2)

    @tf.function
    def make(x):
        return x * tf.Variable(1.0)

    with pytest.raises(
        ValueError, match=r"^tf\.function only supports singleton tf\.Variables created on the first call\. "
    ):
        make(tf.constant(1.0))


def test_a_captured_variable_sharing_its_array_with_a_captured_tensor_stays_separate() -> None:
    x = tf.constant([1.0, 2.0])
    v = tf.Variable(x)  # holds x's very array

    @tf.function
    def f():
        return v + x

    np.testing.assert_array_equal(f().numpy(), [2.0, 4.0])
    v.assign([5.0, 5.0])
    np.testing.assert_array_equal(f().numpy(), [6.0, 7.0])


def test_gradient_through_a_function_reaches_the_variables_it_reads() -> None:
    w = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * w * w

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    dx, dw = tape.gradient(y, [x, w])
    assert (float(dx), float(dw)) == (9.0, 12.0)


def test_reduce_retracing_counts_generalised_traces_as_tf() -> None:
    @tf.function(reduce_retracing=True)
    def f(x):
        return x

    counts = []
    for shape in ([2], [3], [4], [2, 2], [3, 3], [5]):
        f(tf.ones(shape))
        counts.append(f.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 3, 3, 3]  # TF 2.21: (2,), then (None,), then unknown rank


def test_jit_compile_is_accepted() -> None:
    f = tf.function(lambda x: x + 1.0, jit_compile=True)
    assert float(f(tf.constant(1.0))) == 2.0


def test_returned_python_constants_become_tensors() -> None:
    out = tf.function(lambda: (1, 2.0, None, [3, (4.0,)], {"k": True}))()
    assert out[0].dtype == tf.int32 and out[1].dtype == tf.float32 and out[2] is None
    assert out[3][0].dtype == tf.int32 and out[3][1][0].dtype == tf.float32 and out[4]["k"].dtype == tf.bool
    assert int(out[3][0]) == 3


@pytest.mark.parametrize(
    ("body", "cls", "message"),
    [
        (lambda x: x.numpy(), AttributeError, "'SymbolicTensor' object has no attribute 'numpy'"),
        (float, TypeError, "float() argument must be a string or a real number, not 'SymbolicTensor'"),
        (int, TypeError, "int() argument must be a string, a bytes-like object or a real number, not 'SymbolicTensor'"),
        (
            bool,
            tf.errors.OperatorNotAllowedInGraphError,
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed.",
        ),
    ],
    ids=["numpy", "float", "int", "bool"],
)
def test_python_conversions_of_a_symbolic_tensor_raise_tfs_errors(body, cls, message) -> None:
    f = tf.function(lambda x: body(x), autograph=False)
    with pytest.raises(cls) as info:
        f(tf.constant(1.0))
    assert str(info.value).startswith(message)


def test_input_signature_traces_once_for_every_length_and_converts_arguments() -> None:
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([], tf.int32)])
    def f(x, n):
        return tf.reduce_sum(x) * tf.cast(n, tf.float32)

    assert float(f(tf.ones([2, 3]), tf.constant(1))) == 6.0
    assert float(f(tf.ones([5, 3]), 2)) == 30.0
    assert float(f(np.ones([4, 3]), np.int32(2))) == 24.0  # float64 numpy converted to the spec's dtype (TF)
    assert float(f([[1.0, 2.0, 3.0]], n=1)) == 6.0
    assert f.experimental_get_tracing_count() == 1  # TF: 1


_SIG = (
    "for signature: (x: TensorSpec(shape=(None, 3), dtype=tf.float32, name=None), "
    "n: TensorSpec(shape=(), dtype=tf.int32, name=None))."
)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            (np.ones([2, 3], np.float16), 1),
            "Can not cast TensorSpec(shape=(2, 3), dtype=tf.float16, name=None) to "
            "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)",
        ),
        (
            (tf.ones([3]), 1),
            "Can not cast TensorSpec(shape=(3,), dtype=tf.float32, name=None) to "
            "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)",
        ),
        ((tf.ones([2, 3]),), "missing a required argument: 'n'"),
        ((tf.ones([2, 3]), 1, 2), "too many positional arguments"),
        ((tf.ones([2, 3]), 1.5), "Cannot convert 1.5 to EagerTensor of dtype int32"),
    ],
    ids=["dtype", "rank", "missing", "extra", "conversion"],
)
def test_input_signature_mismatch_raises_tfs_binding_error(args, reason) -> None:
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([], tf.int32)])
    def f(x, n):
        return x

    if isinstance(args[0], np.ndarray):
        args = (tf.constant(args[0]), *args[1:])
    with pytest.raises(TypeError) as info:
        f(*args)
    text = str(info.value)
    assert text.startswith(f"Binding inputs to tf.function failed due to `{reason}`. Received args: ")
    assert text.endswith(_SIG)


def test_input_signature_nests_and_fixed_defaults() -> None:
    @tf.function(input_signature=[(tf.TensorSpec([2]), {"a": tf.TensorSpec([None], tf.int32)})])
    def h(t):
        return t[1]["a"] + 1

    np.testing.assert_array_equal(h((tf.ones([2]), {"a": tf.constant([1, 2, 3])})).numpy(), [2, 3, 4])
    with pytest.raises(TypeError, match=r"has different keys with the TraceType Dict\[\['a', TensorSpec"):
        h((tf.ones([2]), {"b": tf.constant([1])}))
    with pytest.raises(TypeError, match=r"to tuple type\.`"):
        h([tf.ones([2]), {"a": tf.constant([1])}])

    @tf.function(input_signature=[tf.TensorSpec([None])])
    def g(x, y=2):
        return x * y

    with pytest.raises(
        TypeError, match=r"`Can not cast 3 to Literal\[2\]`.*y: Literal\[2\] = <captured_default_value>\)\.$"
    ):
        g(tf.ones([2]), 3)


def test_invalid_input_signatures_raise_tfs_type_errors() -> None:
    with pytest.raises(
        TypeError,
        match=r"^input_signature must be a possibly nested sequence of TensorSpec objects, got invalid args \[1\] with types \[<class 'int'>\]\.$",
    ):
        tf.function(lambda x: x, input_signature=[1])
    with pytest.raises(TypeError, match=r"^input_signature must be either a tuple or a list, got "):
        tf.function(lambda x: x, input_signature=tf.TensorSpec([None]))


def test_get_concrete_function_from_specs_and_values() -> None:
    v = tf.Variable(2.0)

    @tf.function
    def f(x, n=2, *, scale=1.0):
        return {"y": x * v * n, "z": (x, None, 3)}

    c = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32, name="inp"))
    assert isinstance(c, tf.types.experimental.ConcreteFunction)
    spec = tf.TensorSpec([None, 3], tf.float32)
    assert c.structured_input_signature == ((tf.TensorSpec([None, 3], tf.float32, name="inp"), 2), {"scale": 1.0})
    assert c.structured_outputs == {"y": spec, "z": (spec, None, tf.TensorSpec([], tf.int32))}
    assert c.outputs == [spec, spec, tf.TensorSpec([], tf.int32)]
    assert c.pretty_printed_signature(verbose=False) == (
        "(x: TensorSpec(shape=(None, 3), dtype=tf.float32, name='inp'), n: Literal[2], *, scale: Literal[1.0]) -> "
        "Dict[['y', TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)], ['z', Tuple[TensorSpec(shape=(None, 3), "
        "dtype=tf.float32, name=None), Literal[None], TensorSpec(shape=(), dtype=tf.int32, name=None)]]]"
    )
    np.testing.assert_array_equal(c(tf.ones([2, 3]))["y"].numpy(), 4 * np.ones([2, 3]))
    f(tf.ones([5, 3]))  # a subtype of the concrete function's signature: no new trace (TF: still 1)
    assert f.experimental_get_tracing_count() == 1
    c2 = f.get_concrete_function(tf.ones([2, 3]), 3)
    assert c2.structured_input_signature == ((tf.TensorSpec([2, 3], tf.float32, name="x"), 3), {"scale": 1.0})
    assert c2.pretty_printed_signature().splitlines()[:4] == [
        "Input Parameters:",
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(2, 3), dtype=tf.float32, name=None)",
        "  n (POSITIONAL_OR_KEYWORD): Literal[3]",
        "  scale (KEYWORD_ONLY): Literal[1.0]",
    ]
    assert f.experimental_get_tracing_count() == 2
    printed = f.pretty_printed_concrete_signatures()
    assert printed.count("Input Parameters:") == 2 and "\n\nInput Parameters:" in printed


def test_out_of_range_gather_and_integer_division_by_zero_raise_when_the_program_runs() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def g(x, i):
        v.assign_add(1.0)
        return tf.gather(x, i)

    x = tf.constant([1.0, 2.0, 3.0])
    assert float(g(x, tf.constant(1))) == 2.0 and float(v) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 5 is not in \[0, 3\)"):  # TF's text
        g(x, tf.constant(5))
    assert float(v) == 2.0  # the failed run wrote nothing back

    @tf.function
    def d(a, b):
        return a // b, a % b

    assert int(d(tf.constant(7), tf.constant(2))[0]) == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        d(tf.constant(7), tf.constant(0))
    assert np.isinf(tf.function(lambda a, b: a / b)(tf.constant(1.0), tf.constant(0.0)).numpy())  # floats: inf


def test_a_method_binds_keyword_and_default_arguments_without_self() -> None:
    class Model(tf.Module):
        @tf.function
        def __call__(self, x, training=False):
            return x * 2.0 if training else x

    m = Model()
    assert float(m(tf.constant(1.0))) == 1.0 and float(m(x=tf.constant(1.0), training=False)) == 1.0
    assert float(m(tf.constant(1.0), training=True)) == 2.0
    assert m.__call__.experimental_get_tracing_count() == 2  # TF: 2


def test_a_callable_object_taking_args_and_kwargs_is_traced_once():
    # Binding defaults leaves such a call as it is (regression: it recursed forever).
    class Scale:
        def __call__(self, *args, **kwargs):
            return args[0] * 2.0

    f = tf.function(Scale())
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(tf.constant([3.0, 4.0])).numpy(), [6.0, 8.0])
    assert f.experimental_get_tracing_count() == 1
