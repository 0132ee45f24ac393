"""tf.Tensor and tf.TensorShape: printing, conversion, iteration, indexing and the Python protocol."""

from __future__ import annotations

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf


# -- printing -------------------------------------------------------------------------------------
def test_str_of_a_vector_is_tf_format() -> None:
    assert str(tf.constant([1.0, 2.0, 3.0])) == "tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)"


def test_str_of_a_scalar_is_tf_format() -> None:
    assert str(tf.constant(6.0)) == "tf.Tensor(6.0, shape=(), dtype=float32)"
    assert str(tf.constant(6)) == "tf.Tensor(6, shape=(), dtype=int32)"
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"


def test_repr_of_a_vector_is_tf_format() -> None:
    assert (
        repr(tf.constant([1.0, 2.0])) == "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    )
    assert repr(tf.constant([1, 2])) == "<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>"


def test_repr_of_a_scalar_is_tf_format() -> None:
    assert repr(tf.constant(1.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.5>"
    assert repr(tf.constant(2.0, tf.float64)) == "<tf.Tensor: shape=(), dtype=float64, numpy=2.0>"


def test_multiline_str_and_repr_start_on_a_new_line() -> None:
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert str(t) == "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"
    assert repr(t) == (
        "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[1., 2.],\n       [3., 4.]], dtype=float32)>"
    )


def test_the_issue_example_prints_as_tf() -> None:
    out = tf.constant([1, 2, 3], dtype=tf.float32) * tf.Variable([10.0, 20.0, 30.0])
    assert str(out) == "tf.Tensor([10. 40. 90.], shape=(3,), dtype=float32)"


# -- conversion -----------------------------------------------------------------------------------
def test_numpy_of_a_scalar_is_a_numpy_scalar() -> None:
    v = tf.constant(1.5).numpy()
    assert type(v) is np.float32 and v == 1.5
    assert type(tf.constant(2).numpy()) is np.int32


def test_numpy_of_a_vector_is_an_ndarray_copy() -> None:
    t = tf.constant([1.0, 2.0])
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.flags.writeable
    a[0] = 9.0
    assert t.numpy()[0] == 1.0


def test_python_number_conversions_of_scalars() -> None:
    assert float(tf.constant(2.5)) == 2.5
    assert int(tf.constant(3)) == 3
    assert bool(tf.constant(1)) is True
    assert complex(tf.constant(1 + 2j)) == 1 + 2j
    assert [10, 20, 30][tf.constant(1)] == 20


def test_index_needs_an_integer_scalar() -> None:
    with pytest.raises(TypeError, match="integer scalar"):
        [1, 2][tf.constant(1.0)]


def test_truth_value_of_a_vector_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1, 2]))


def test_numpy_and_jax_interop() -> None:
    t = tf.constant([1.0, 2.0])
    assert np.asarray(t).dtype == np.float32
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(jnp.sin(t), np.sin([1.0, 2.0]), rtol=1e-6)
    assert isinstance(np.float32(2) * t, tf.Tensor)
    leaves, tree = jax.tree_util.tree_flatten(t)
    assert len(leaves) == 1 and isinstance(jax.tree_util.tree_unflatten(tree, leaves), tf.Tensor)
    doubled = jax.jit(lambda x: x * 2)(t)
    assert isinstance(doubled, tf.Tensor) and doubled.numpy().tolist() == [2.0, 4.0]


def test_copy_and_pickle() -> None:
    t = tf.constant([1, 2])
    assert copy.copy(t) is t and copy.deepcopy(t) is t
    back = pickle.loads(pickle.dumps(t))
    assert back.dtype == tf.int32 and back.numpy().tolist() == [1, 2]


# -- properties -----------------------------------------------------------------------------------
def test_shape_dtype_ndim_device() -> None:
    t = tf.zeros([2, 3])
    assert t.shape == (2, 3) and t.get_shape() == [2, 3]
    assert t.dtype == tf.float32 and t.ndim == 2 and len(t) == 2
    assert t.device.startswith("/job:localhost/replica:0/task:0/device:")


def test_name_is_undefined_in_eager_mode() -> None:
    with pytest.raises(AttributeError, match="eager"):
        _ = tf.constant(1).name


def test_len_of_a_scalar_raises() -> None:
    with pytest.raises(TypeError):
        len(tf.constant(1.0))


def test_tensor_shape_behaves_as_tf() -> None:
    s = tf.constant([[1, 2, 3], [4, 5, 6]]).shape
    assert isinstance(s, tf.TensorShape)
    assert s == (2, 3) and s == [2, 3] and s != (3, 2)
    assert s.as_list() == [2, 3] and s.rank == 2 and s.ndims == 2 and len(s) == 2
    assert s[0] == 2 and s[-1] == 3 and s[1:] == tf.TensorShape([3])
    assert list(s) == [2, 3] and s.num_elements() == 6 and s.is_fully_defined()
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert str(tf.TensorShape([3])) == "(3,)" and str(tf.TensorShape([])) == "()"
    assert hash(s) == hash(tf.TensorShape([2, 3]))


def test_partially_known_tensor_shapes() -> None:
    s = tf.TensorShape([None, 3])
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert not s.is_fully_defined() and s.num_elements() is None and str(s) == "(None, 3)"
    unknown = tf.TensorShape(None)
    assert unknown.rank is None and str(unknown) == "<unknown>" and unknown.is_compatible_with([1, 2, 3])
    with pytest.raises(ValueError):
        unknown.as_list()
    with pytest.raises(ValueError, match="incompatible"):
        s.assert_is_compatible_with([1])


# -- iteration ------------------------------------------------------------------------------------
def test_iteration_yields_rows_of_rank_minus_one() -> None:
    rows = list(tf.constant([[1, 2], [3, 4], [5, 6]]))
    assert len(rows) == 3 and all(isinstance(r, tf.Tensor) and r.shape == (2,) for r in rows)
    assert rows[2].numpy().tolist() == [5, 6]


def test_iterating_a_scalar_raises() -> None:
    with pytest.raises(TypeError, match="scalar"):
        iter(tf.constant(1.0))


def test_iterating_1000_elements_does_not_index_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src.ops import array_ops

    binds = []
    bind = array_ops.bind
    monkeypatch.setattr(array_ops, "bind", lambda op, *a, **p: (binds.append(op.name), bind(op, *a, **p))[1])
    t = tf.range(1000)
    values = [int(x) for x in t]
    assert values == list(range(1000))
    assert len(binds) <= 1000 // 16 + 1  # one dispatch per chunk of rows, never one per row


def test_iterating_outside_a_tape_off_cpu_uses_one_chunk_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off CPU, rows come from one cached kernel, a chunk of rows per call (not JAX's per-chunk compiles)."""
    from tapejax._src import tensor
    from tapejax._src.core import Op
    from tapejax._src.ops import array_ops

    calls: list[tuple[tuple[str, int], ...]] = []
    kernel = Op.kernel

    def counting(op: Op, params: tuple[tuple[str, int], ...]):
        k = kernel(op, params)
        if op is not array_ops._unstack:
            return k
        return lambda *a: (calls.append(params), k(*a))[1]

    monkeypatch.setattr(Op, "kernel", counting)
    monkeypatch.setattr(tensor, "_host_rows", lambda v: False)  # as on a GPU
    t = tf.constant(np.arange(1000, dtype=np.float32).reshape(500, 2))
    rows = list(t)
    assert np.array_equal(np.stack([r.numpy() for r in rows]), t.numpy())
    assert len(calls) == -(-500 // tensor._ROW_CHUNK)
    assert len(set(calls)) == 1


def test_iterating_a_cpu_tensor_dispatches_nothing_and_rows_behave_as_tensors(monkeypatch: pytest.MonkeyPatch) -> None:
    """On CPU, rows are immutable views of the host buffer: no kernel runs; every use sees the row."""
    from tapejax._src import core

    ran: list[str] = []
    kernel = core.Op.kernel
    monkeypatch.setattr(core.Op, "kernel", lambda op, params: (ran.append(op.name), kernel(op, params))[1])
    m = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    rows = list(m)
    assert ran == []  # no dispatch, not even a deferred one
    assert [r.shape for r in rows] == [tf.TensorShape([2])] * 3
    assert rows[1].dtype == tf.float32
    del m  # a row keeps the buffer it views alive
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(rows[2])[0] = 99.0  # immutable, as a Tensor is
    monkeypatch.setattr(core.Op, "kernel", kernel)
    np.testing.assert_array_equal((rows[2] * 2 + rows[0]).numpy(), [8.0, 11.0])
    np.testing.assert_array_equal(tf.reduce_sum(rows[1]).numpy(), 5.0)
    v = tf.Variable(rows[0])
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(rows[0].numpy(), [0.0, 1.0])
    scalars = list(tf.constant([1.5, 2.5]))
    assert float(scalars[1]) == 2.5 and scalars[0].numpy() == np.float32(1.5)
    with tf.GradientTape() as tape:
        tape.watch(scalars[0])
        y = scalars[0] * scalars[0] + scalars[1]
    assert tape.gradient(y, scalars[0]).numpy() == 3.0
    assert isinstance(scalars[0]._value, jax.Array)  # other readers see a device array


def test_rows_taken_while_a_tape_records_carry_gradients() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.constant(0.0)
        for i, row in enumerate(x):
            total += row * float(i)
    np.testing.assert_array_equal(tape.gradient(total, x).numpy(), [0.0, 1.0, 2.0])
    it = iter(x)  # started outside a tape, continued inside one
    next(it)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = next(it) * 5.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 5.0, 0.0])


def test_unpacking_a_tensor() -> None:
    a, b = tf.constant([1.0, 2.0])
    assert float(a) == 1.0 and float(b) == 2.0


# -- indexing -------------------------------------------------------------------------------------
T = np.arange(24).reshape(2, 3, 4).astype(np.int32)


@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        (1, 2),
        (1, -1, -2),
        slice(None),
        slice(1, None),
        (slice(None), slice(None, None, 2)),
        (slice(None), slice(None, None, -1)),
        (slice(None, None, -2), 1),
        (Ellipsis, 1),
        (0, Ellipsis),
        (Ellipsis,),
        None,
        (None, 0),
        (slice(None), None, 1),
        (Ellipsis, None),
        (slice(0, 10),),
        (slice(-10, 2), slice(5, 1, -1)),
    ],
    ids=repr,
)
def test_indexing_matches_numpy(key: object) -> None:
    got = tf.constant(T)[key]
    want = T[key]
    assert got.shape == want.shape and got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), want)


def test_scalar_tensors_are_valid_indices() -> None:
    t = tf.constant(T)
    np.testing.assert_array_equal(t[tf.constant(1), tf.constant(-1, tf.int64)].numpy(), T[1, -1])
    np.testing.assert_array_equal(t[:, tf.constant(1) : tf.constant(3)].numpy(), T[:, 1:3])


def test_newaxis_index() -> None:
    assert tf.constant(T)[tf.newaxis, ..., tf.newaxis].shape == (1, 2, 3, 4, 1)


@pytest.mark.parametrize("key", [2, -3, (0, 3), (0, 0, 4), (0, 0, 0, 0)], ids=repr)
def test_out_of_range_index_raises_invalid_argument(key: object) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="StridedSlice"):
        tf.constant(T)[key]


@pytest.mark.parametrize("key", [2, -3, (0, 3), (1, -4)], ids=repr)
def test_out_of_range_tensor_index_raises_invalid_argument(key: object) -> None:
    # A scalar int tensor index is checked as a Python int is (TF eager); it used to be clamped.
    keys = key if isinstance(key, tuple) else (key,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="StridedSlice: slice index"):
        tf.constant(T)[tuple(tf.constant(k) for k in keys)]


def test_out_of_range_tensor_index_assign_raises_and_leaves_the_variable() -> None:
    v = tf.Variable([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        v[tf.constant(5)].assign(9.0)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])


def test_zero_step_raises_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="step"):
        tf.constant(T)[::0]


@pytest.mark.parametrize("key", [np.array([0, 1]), 1.0, "a", (tf.constant([0, 1]),), tf.constant(1.0)], ids=repr)
def test_unsupported_index_types_raise_type_error(key: object) -> None:
    with pytest.raises(TypeError, match="valid indices"):
        tf.constant(T)[key]


def test_list_key_is_the_tuple_of_indices() -> None:
    # TF 2.21 (checked): x[[0, 1]] is x[0, 1], as its _slice_helper reads a list as the index tuple.
    np.testing.assert_array_equal(tf.constant(T)[[0, 1]].numpy(), T[0, 1])


def test_item_assignment_raises_type_error() -> None:
    t = tf.constant([1, 2])
    with pytest.raises(TypeError, match="does not support item assignment"):
        t[0] = 5


# -- hashing and identity ----------------------------------------------------------------------------
def test_tensors_are_unhashable_use_ref() -> None:
    t = tf.constant([1.0])
    with pytest.raises(TypeError, match=r"ref\(\)"):
        hash(t)
    with pytest.raises(TypeError):
        _ = {t: 1}
    r = t.ref()
    assert {r: 1}[t.ref()] == 1 and r.deref() is t and t.ref() != tf.constant([1.0]).ref()
    assert t.experimental_ref() == r


def test_equality_is_element_wise() -> None:
    t = tf.constant([1, 2, 3])
    eq = t == tf.constant([1, 0, 3])
    assert isinstance(eq, tf.Tensor) and eq.numpy().tolist() == [True, False, True]
    assert (t != 2).numpy().tolist() == [True, False, True]
    assert (t == None) is False  # noqa: E711 - TF's behaviour
    assert (t != None) is True  # noqa: E711


def test_equality_of_unbroadcastable_shapes_is_a_scalar_bool_tensor() -> None:
    # TF: tf.equal(..., incompatible_shape_error=False): a scalar False (True for !=) Tensor.
    t = tf.constant([1, 2, 3])
    eq, ne = t == tf.constant([1, 2]), t != tf.constant([1, 2])
    assert isinstance(eq, tf.Tensor) and eq.shape == () and not bool(eq.numpy())
    assert isinstance(ne, tf.Tensor) and bool(ne.numpy())


def test_equality_of_different_dtypes_raises_as_tf_equal() -> None:
    # It used to return Python False (True for !=), hiding the mismatch.
    with pytest.raises(tf.errors.InvalidArgumentError, match="different dtypes"):
        _ = tf.ones([2]) == tf.constant([1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="different dtypes"):
        _ = tf.ones([2]) != tf.constant([1, 2])
    with pytest.raises(TypeError, match=r"cannot convert 1\.5"):
        _ = tf.constant([1, 2]) == 1.5
    with pytest.raises(tf.errors.InvalidArgumentError, match="different dtypes"):
        _ = tf.constant([1, 2, 3]) == tf.constant([1.0, 2.0])  # dtypes are checked before shapes, as TF


# -- operators ------------------------------------------------------------------------------------
def test_operators_and_reflected_operators() -> None:
    x = tf.constant([1.0, 2.0, 4.0])
    cases = [
        (x + 1, [2, 3, 5]),
        (1 + x, [2, 3, 5]),
        (x - 1, [0, 1, 3]),
        (1 - x, [0, -1, -3]),
        (x * 2, [2, 4, 8]),
        (2 * x, [2, 4, 8]),
        (x / 2, [0.5, 1, 2]),
        (4 / x, [4, 2, 1]),
        (x // 3, [0, 0, 1]),
        (5 // x, [5, 2, 1]),
        (x % 3, [1, 2, 1]),
        (5 % x, [0, 1, 1]),
        (x**2, [1, 4, 16]),
        (2**x, [2, 4, 16]),
        (-x, [-1, -2, -4]),
        (abs(-x), [1, 2, 4]),
    ]
    for got, want in cases:
        assert isinstance(got, tf.Tensor) and got.dtype == tf.float32
        np.testing.assert_allclose(got.numpy(), want)


def test_matmul_operator_and_reflected() -> None:
    a = tf.constant([[1.0, 2.0]])
    assert (a @ tf.constant([[3.0], [4.0]])).numpy().tolist() == [[11.0]]
    assert ([[3.0], [4.0]] @ a).shape == (2, 2)


def test_comparison_operators_return_bool_tensors() -> None:
    x = tf.constant([1, 2, 3])
    assert (x < 2).numpy().tolist() == [True, False, False]
    assert (x <= 2).numpy().tolist() == [True, True, False]
    assert (x > 2).numpy().tolist() == [False, False, True]
    assert (x >= 2).numpy().tolist() == [False, True, True]
    assert (x > 2).dtype == tf.bool


def test_bitwise_and_logical_operators() -> None:
    p, q = tf.constant([True, False]), tf.constant([True, True])
    assert (p & q).numpy().tolist() == [True, False]
    assert (p | q).numpy().tolist() == [True, True]
    assert (p ^ q).numpy().tolist() == [False, True]
    assert (~p).numpy().tolist() == [False, True]
    assert (tf.constant(6) & 3).numpy() == 2


def test_integer_true_division_gives_float64_as_tf() -> None:
    out = tf.constant([1, 2]) / tf.constant([2, 4])
    assert out.dtype == tf.float64 and out.numpy().tolist() == [0.5, 0.5]


def test_constant_of_a_tensor_is_the_tensor_itself():
    # TF returns the same EagerTensor: a tape still sees it, and a deferred value is not computed.
    from tapejax._src.lazy import Pending

    t = tf.constant([1, 2])
    assert tf.constant(t) is t and tf.constant(t, dtype=tf.int32) is t
    with pytest.raises(TypeError, match=r"Expected tensor \[1 2\] with dtype tf.float32, but got dtype tf.int32"):
        tf.constant(t, dtype=tf.float32)  # TF refuses to cast a tensor here
    p = tf.constant(2.0) * 3.0
    assert type(p._v) is Pending and type(tf.constant(p)._v) is Pending
    np.testing.assert_array_equal(tf.constant(p, shape=[2]).numpy(), [6.0, 6.0])
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant(x) * x
    assert float(tape.gradient(y, x)) == 6.0
    v = tf.Variable([1.0, 2.0])
    assert tf.constant(v, dtype=tf.float64).dtype == tf.float64  # a Variable is converted, as TF
