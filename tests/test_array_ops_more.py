"""Forward values, dtypes, shapes and errors of the array, scatter and context ops of issue 14
(expected values checked against TF 2.21)."""

from __future__ import annotations

import time

import numpy as np
import pytest

import tapejax as tf


def _eq(t: tf.Tensor, want: object, dtype: tf.DType) -> None:
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(want))
    assert tuple(t.shape) == np.asarray(want).shape


# -- scatter ---------------------------------------------------------------------------------------
def test_scatter_nd_adds_duplicates_into_zeros() -> None:
    _eq(tf.scatter_nd([[1], [3], [1]], [1, 2, 3], [5]), [0, 4, 0, 2, 0], tf.int32)
    _eq(tf.scatter_nd([[1, 0]], [[5.0]], tf.constant([2, 2, 1], tf.int64))[1], [[5.0], [0.0]], tf.float32)


def test_tensor_scatter_nd_family_values() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    _eq(tf.tensor_scatter_nd_update(x, [[1]], [[7.0, 8.0]]), [[1, 2], [7, 8]], tf.float32)
    _eq(tf.tensor_scatter_nd_add(x, [[1, 0], [1, 0]], [1.0, 2.0]), [[1, 2], [6, 4]], tf.float32)
    _eq(tf.tensor_scatter_nd_sub(x, [[1, 0]], [9.0]), [[1, 2], [-6, 4]], tf.float32)
    _eq(tf.tensor_scatter_nd_min(x, [[1]], [[0.0, 9.0]]), [[1, 2], [0, 4]], tf.float32)
    _eq(tf.tensor_scatter_nd_max(x, [[0]], [[0.0, 9.0]]), [[1, 9], [3, 4]], tf.float32)
    _eq(tf.tensor_scatter_nd_update([True, False], [[1]], [True]), [True, True], tf.bool)


def test_scatter_out_of_range_index_raises_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = \[7\] does not index into shape \[5\]"):
        tf.scatter_nd([[1], [7]], [1.0, 2.0], [5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index"):
        tf.tensor_scatter_nd_add([[1.0, 2.0]], [[-1, 0]], [9.0])


def test_scatter_shape_and_dtype_errors() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates must have shape"):
        tf.tensor_scatter_nd_add([[1.0, 2.0], [3.0, 4.0]], [[1, 0]], [9.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Updates shape must have rank at least one"):
        tf.tensor_scatter_nd_add([[1.0, 2.0]], [0, 0], 9.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32 or int64"):
        tf.tensor_scatter_nd_add([1, 2], [[1.0]], [3])
    with pytest.raises(tf.errors.NotFoundError):
        tf.tensor_scatter_nd_add([True, False], [[1]], [True])


def test_tensor_scatter_update_gradient_masks_the_replaced_slices() -> None:
    x, u = tf.constant([1.0, 2.0, 3.0]), tf.constant([5.0])
    with tf.GradientTape() as tape:
        tape.watch([x, u])
        y = tf.tensor_scatter_nd_update(x, [[1]], u)
    gx, gu = tape.gradient(y, [x, u])
    _eq(gx, [1.0, 0.0, 1.0], tf.float32)
    _eq(gu, [1.0], tf.float32)


def test_tensor_scatter_max_gradient_splits_ties_as_tf() -> None:
    x, u = tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch([x, u])
        y = tf.tensor_scatter_nd_max(x, [[1], [0]], u)
    gx, gu = tape.gradient(y, [x, u])
    _eq(gx, [1.0, 0.5, 1.0], tf.float32)
    _eq(gu, [0.5, 0.0], tf.float32)


# -- shapes and arrangement ------------------------------------------------------------------------
def test_strided_slice_masks() -> None:
    x = tf.reshape(tf.range(24), [2, 3, 4])
    _eq(tf.strided_slice(x, [0, 1, 0], [2, 3, 4], [1, 1, 2], shrink_axis_mask=1), [[4, 6], [8, 10]], tf.int32)
    y = tf.strided_slice(x, [1, 0], [0, 0], [1, 1], end_mask=2, new_axis_mask=2, shrink_axis_mask=1)
    assert tuple(y.shape) == (1, 3, 4) and int(y[0, 0, 0]) == 12
    assert tuple(tf.strided_slice(x, [0, 1], [0, -1], [1, -1], ellipsis_mask=1).shape) == (2, 3, 0)
    _eq(tf.strided_slice(x, [0], [0], begin_mask=1, end_mask=1), x.numpy(), tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="equal size"):
        tf.strided_slice(x, [0, 1], [1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-zero"):
        tf.strided_slice(x, [0], [1], [0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="only stride 1 allowed on non-range indexing"):
        tf.strided_slice(x, [0], [-1], [-1], shrink_axis_mask=1)


def test_roll_repeat_meshgrid() -> None:
    _eq(tf.roll([[1, 2, 3], [4, 5, 6]], [1, -1], [0, 1]), [[5, 6, 4], [2, 3, 1]], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.roll([[1, 2, 3]], 1, 2)
    _eq(tf.repeat([[1, 2], [3, 4]], [1, 2], axis=0), [[1, 2], [3, 4], [3, 4]], tf.int32)
    _eq(tf.repeat([[1, 2], [3, 4]], 2), [1, 1, 2, 2, 3, 3, 4, 4], tf.int32)
    with pytest.raises(ValueError, match="not compatible"):
        tf.repeat([[1, 2], [3, 4]], [1, 2, 3], axis=0)
    x, y = tf.meshgrid([1, 2], [3, 4, 5])
    _eq(x, [[1, 2]] * 3, tf.int32)
    _eq(y, [[3, 3], [4, 4], [5, 5]], tf.int32)
    a, b = tf.meshgrid(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0, 5.0]), indexing="ij")
    assert tuple(a.shape) == tuple(b.shape) == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.meshgrid([1, 2], [3.0, 4.0])


def test_searchsorted_and_sequence_mask() -> None:
    _eq(tf.searchsorted([[1.0, 3.0, 5.0]], [[2.0, 5.0]], side="right"), [[1, 3]], tf.int32)
    _eq(tf.searchsorted([1.0, 3.0, 5.0], [2.0, 5.0], out_type=tf.int64), [1, 2], tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.searchsorted([1.0, 3.0, 5.0], [2, 5])
    with pytest.raises(ValueError, match="side"):
        tf.searchsorted([1.0], [1.0], side="middle")
    _eq(tf.sequence_mask([1, 3, 2], 5)[1], [True, True, True, False, False], tf.bool)
    assert tuple(tf.sequence_mask([1, 3, 2]).shape) == (3, 3)
    _eq(tf.sequence_mask([[1, 3], [2, 0]], dtype=tf.float32)[1], [[1, 1, 0], [0, 0, 0]], tf.float32)
    _eq(tf.sequence_mask(2, 4), [True, True, False, False], tf.bool)


def test_reverse_sequence_values_and_errors() -> None:
    _eq(tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1, batch_axis=0), [[2, 1, 3], [6, 5, 4]], tf.int32)
    y = tf.reverse_sequence(tf.reshape(tf.range(12), [3, 2, 2]), [2, 1], seq_axis=0, batch_axis=1)
    _eq(y[:, 0], [[4, 5], [0, 1], [8, 9]], tf.int32)
    _eq(y[:, 1], [[2, 3], [6, 7], [10, 11]], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(1\)"):
        tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 4], seq_axis=1, batch_axis=0)


def test_unique_keeps_first_occurrence_order() -> None:
    y, idx = tf.unique(tf.constant([3.0, 1.0, 3.0, 2.0]))
    _eq(y, [3.0, 1.0, 2.0], tf.float32)
    _eq(idx, [0, 1, 0, 2], tf.int32)
    y, idx, count = tf.unique_with_counts([1, 1, 5], out_idx=tf.int64)
    _eq(y, [1, 5], tf.int32)
    _eq(idx, [0, 0, 1], tf.int64)
    _eq(count, [2, 1], tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1D vector"):
        tf.unique([[1, 2]])


def test_unravel_index() -> None:
    _eq(tf.unravel_index([3, 5], [2, 3]), [[1, 1], [0, 2]], tf.int32)
    _eq(tf.unravel_index(4, [2, 3]), [1, 1], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bound"):
        tf.unravel_index(7, [2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar or vector"):
        tf.unravel_index([[1]], [2, 3])


def test_dynamic_partition_and_stitch() -> None:
    parts = tf.dynamic_partition([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 2], 3)
    assert [p.numpy().tolist() for p in parts] == [[1.0, 3.0], [2.0], [4.0]]
    assert tuple(tf.dynamic_partition(tf.zeros([2, 3]), [1, 1], 2)[0].shape) == (0, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"partitions\[3\] = 3 is not in \[0, 3\)"):
        tf.dynamic_partition([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 3], 3)
    _eq(tf.dynamic_stitch([[0, 2], [1, 3]], [[1.0, 2.0], [3.0, 4.0]]), [1, 3, 2, 4], tf.float32)
    _eq(tf.dynamic_stitch([[0, 2], [1, 2]], [[1.0, 2.0], [3.0, 4.0]]), [1, 3, 4], tf.float32)  # later wins
    _eq(tf.dynamic_stitch([[0, 3]], [[1.0, 2.0]]), [1, 0, 0, 2], tf.float32)


def test_histogram_fixed_width() -> None:
    values = [1.0, 2.0, 3.0, 10.0, -1.0]
    _eq(tf.histogram_fixed_width(values, [0.0, 5.0], nbins=5), [1, 1, 1, 1, 1], tf.int32)
    _eq(tf.histogram_fixed_width_bins(values, [0.0, 5.0], nbins=5), [1, 2, 3, 4, 0], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="nbins"):
        tf.histogram_fixed_width(values, [0.0, 5.0], nbins=0)


def test_shape_helpers() -> None:
    a, b = tf.shape_n([tf.zeros([2, 3]), [1, 2]])
    _eq(a, [2, 3], tf.int32)
    _eq(b, [2], tf.int32)
    i, f = tf.identity_n([1, 2.0])
    assert i.dtype == tf.int32 and f.dtype == tf.float32
    assert tuple(tf.ensure_shape(tf.zeros([2, 3]), [2, None]).shape) == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"not compatible with expected shape \[3,\?\]"):
        tf.ensure_shape(tf.zeros([2, 3]), [3, None])
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3])) == tf.TensorShape([2, 3])
    with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
        tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3, 3]))
    _eq(tf.broadcast_dynamic_shape([2, 1], [3]), [2, 3], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.broadcast_dynamic_shape([2, 1], [3, 3])


def test_parallel_stack_is_graph_only_as_tf() -> None:
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        tf.parallel_stack([[1, 2], [3, 4]])
    f = tf.function(lambda x: tf.parallel_stack([x, x + 1]))
    _eq(f(tf.constant([1, 2])), [[1, 2], [2, 3]], tf.int32)


# -- execution context -----------------------------------------------------------------------------
def test_eager_context_queries() -> None:
    assert tf.executing_eagerly() and not tf.inside_function()
    assert tf.is_tensor(tf.Variable(1.0)) and not tf.is_tensor(1.0) and not tf.is_tensor(np.ones(2))
    np.testing.assert_array_equal(tf.get_static_value(tf.constant([1, 2])), [1, 2])
    assert tf.get_static_value(3) == 3
    assert not tf.is_symbolic_tensor(tf.constant(1))
    seen = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        y = x + 1
        seen.append((tf.executing_eagerly(), tf.inside_function(), tf.is_symbolic_tensor(y), tf.get_static_value(y)))
        with tf.init_scope():
            seen.append(tf.executing_eagerly())
        return y

    f(tf.constant(1.0))
    assert seen[:2] == [(False, True, True, None), True]


def test_name_scope_nests() -> None:
    assert tf.get_current_name_scope() == ""
    with tf.name_scope("a") as s:
        assert s == "a/" and tf.get_current_name_scope() == "a"
        with tf.name_scope("b") as s2:
            assert s2 == "a/b/" and tf.get_current_name_scope() == "a/b"
    assert tf.get_current_name_scope() == ""
    with pytest.raises(ValueError, match="must be a string"):
        tf.name_scope(None)  # type: ignore[arg-type]


def test_graph_helpers_are_eager_no_ops() -> None:
    c = tf.constant(1)
    assert tf.no_op() is None and tf.group(c) is None
    out = tf.tuple([c, None, 2.0])
    assert out[0] is c and out[1] is None and out[2] == 2.0
    with tf.control_dependencies([c]):
        assert int(c + 1) == 2


def test_device_places_on_cpu_and_falls_back_softly() -> None:
    with tf.device("/CPU:0"):
        assert (tf.constant(1.0) + 1).device.endswith("CPU:0")
    with tf.device("/device:TPU:3"):  # absent here: soft placement, no error
        assert float(tf.constant(1.0) + 1) == 2.0


def test_tf_gradients_is_graph_only() -> None:
    with pytest.raises(RuntimeError, match=r"tf.gradients is not supported when eager execution is enabled"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))
    with pytest.raises(RuntimeError, match=r"Use tf\.GradientTape instead"):
        tf.hessians(tf.constant(1.0), tf.constant(1.0))


# -- TensorSpec, initializers, enums ---------------------------------------------------------------
def test_tensor_spec_compatibility_equality_and_hash() -> None:
    s = tf.TensorSpec([2, None], tf.float32, name="x")
    assert repr(s) == "TensorSpec(shape=(2, None), dtype=tf.float32, name='x')"
    assert (s.shape, s.dtype, s.name) == (tf.TensorShape([2, None]), tf.float32, "x")
    assert repr(tf.TensorSpec(None)) == "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"
    assert tf.TensorSpec([2], "int32") == tf.TensorSpec([2], np.int32) == tf.TensorSpec([2], tf.int32)
    assert s.is_compatible_with(tf.zeros([2, 5])) and s.is_compatible_with(tf.TensorSpec([2, 3]))
    assert not s.is_compatible_with(tf.zeros([3, 5])) and not s.is_compatible_with(tf.zeros([2, 5], tf.int32))
    assert not s.is_compatible_with(np.zeros([2, 3], np.float32))  # (TF: only Tensors and specs)
    assert s == tf.TensorSpec([2, None], tf.float32, name="x") and s != tf.TensorSpec([2, None])
    assert hash(s) == hash(tf.TensorSpec([2, None], tf.float32, name="x"))
    assert isinstance(s, tf.TypeSpec) and s.value_type is tf.Tensor
    assert tf.TensorSpec.from_tensor(tf.zeros([2, 3]), name="y") == tf.TensorSpec([2, 3], tf.float32, "y")
    assert tf.TensorSpec.from_spec(s) == s
    assert tf.TensorSpec([2, 3]).most_specific_common_supertype([tf.TensorSpec([2, 4])]) == tf.TensorSpec([2, None])
    assert s.most_specific_common_supertype([tf.TensorSpec([2, 4])]) is None  # names differ, as TF
    assert tf.TensorSpec([2, 3]).is_subtype_of(tf.TensorSpec([None, 3]))
    assert not s.is_subtype_of(tf.TensorSpec([None, None]))


def test_type_spec_from_value() -> None:
    assert tf.type_spec_from_value(tf.zeros([2])) == tf.TensorSpec([2], tf.float32)
    assert tf.type_spec_from_value(np.zeros([2])) == tf.TensorSpec([2], tf.float64)
    assert tf.type_spec_from_value(1.0) == tf.TensorSpec([], tf.float32)
    assert tf.type_spec_from_value([1, 2]) == tf.TensorSpec([2], tf.int32)
    with pytest.raises(TypeError, match="Could not build a TypeSpec"):
        tf.type_spec_from_value(object())


def test_initializers_as_tf() -> None:
    _eq(tf.zeros_initializer()([2, 3]), np.zeros([2, 3]), tf.float32)
    _eq(tf.ones_initializer()([2], tf.bool), [True, True], tf.bool)
    _eq(tf.constant_initializer(3)([2], tf.int32), [3, 3], tf.int32)
    _eq(tf.constant_initializer([1, 2, 3, 4])([2, 2]), [[1, 2], [3, 4]], tf.int32)  # (the value's dtype)
    with pytest.raises(TypeError, match="unsupported shape"):
        tf.constant_initializer([1, 2, 3])([2])
    x = tf.random_normal_initializer(0.0, 1.0, seed=1)([1000])
    assert x.dtype == tf.float32 and abs(float(tf.reduce_mean(x))) < 0.15
    u = tf.random_uniform_initializer(-1.0, 1.0)([1000], tf.float64)
    assert u.dtype == tf.float64 and float(tf.reduce_min(u)) >= -1 and float(tf.reduce_max(u)) < 1
    assert tf.random_uniform_initializer().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    cfg = tf.random_normal_initializer(stddev=2.0).get_config()
    assert tf.random_normal_initializer.from_config(cfg).get_config() == {"mean": 0.0, "stddev": 2.0, "seed": None}
    assert tf.constant_initializer(2.0).get_config() == {"value": 2.0} and tf.zeros_initializer().get_config() == {}


def test_variable_policy_enums() -> None:
    assert [e.name for e in tf.VariableAggregation] == ["NONE", "SUM", "MEAN", "ONLY_FIRST_REPLICA"]
    assert [e.value for e in tf.VariableSynchronization] == [0, 1, 2, 3]
    assert (tf.AggregationMethod.ADD_N, tf.AggregationMethod.DEFAULT, tf.AggregationMethod.EXPERIMENTAL_TREE) == (
        0,
        0,
        1,
    )
    v = tf.Variable(1.0, aggregation=tf.VariableAggregation.MEAN, synchronization=tf.VariableSynchronization.AUTO)
    assert float(v) == 1.0


def test_space_to_batch_and_back() -> None:
    x = tf.reshape(tf.range(2 * 4 * 6), [2, 4, 6, 1])
    y = tf.space_to_batch(x, [2, 3], [[0, 0], [1, 2]])
    assert tuple(y.shape) == (12, 2, 3, 1)
    np.testing.assert_array_equal(y.numpy().ravel()[:12], [0, 2, 5, 0, 14, 17, 0, 26, 29, 0, 38, 41])  # (TF's)
    _eq(tf.batch_to_space(y, [2, 3], [[0, 0], [1, 2]]), x.numpy(), tf.int32)
    assert tuple(tf.space_to_batch_nd(x, [2], [[0, 0]]).shape) == (4, 2, 6, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"padded_shape\[1\]=8 is not divisible"):
        tf.space_to_batch_nd(x, [2, 3], [[0, 0], [1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be positive"):
        tf.space_to_batch(x, [0, 3], [[0, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not divisible by product of block sizes"):
        tf.batch_to_space(tf.zeros([5, 2, 2, 1]), [2, 3], [[0, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"cropped_shape\[1\]=-2"):
        tf.batch_to_space(y, [2, 3], [[0, 0], [9, 2]])


def test_required_space_to_batch_paddings() -> None:
    pads, crops = tf.required_space_to_batch_paddings([4, 7], [2, 3], base_paddings=[[1, 1], [0, 0]])
    _eq(pads, [[1, 1], [0, 2]], tf.int32)
    _eq(crops, [[0, 0], [0, 2]], tf.int32)


def test_timestamp_is_read_at_each_run() -> None:
    t = tf.timestamp()
    assert t.dtype == tf.float64 and tuple(t.shape) == ()
    f = tf.function(lambda: tf.timestamp())
    a = float(f())
    time.sleep(0.01)
    assert float(f()) > a >= float(t)


def test_device_spec_parses_and_prints_as_tf() -> None:
    d = tf.DeviceSpec(job="ps", replica=0, task=1, device_type="GPU", device_index=0)
    assert repr(d) == "<DeviceSpec(job=ps, replica=0, task=1, device_type=GPU, device_index=0)>"
    assert d.to_string() == "/job:ps/replica:0/task:1/device:GPU:0"
    assert tf.DeviceSpec.from_string("/job:worker/task:3/device:CPU:1").to_string() == "/job:worker/task:3/device:CPU:1"
    assert tf.DeviceSpec.from_string("gpu:2").to_string() == "/device:GPU:2"
    assert tf.DeviceSpec.from_string("/device:gpu:*").to_string() == "/device:GPU:*"
    assert tf.DeviceSpec(device_type="CPU") == tf.DeviceSpec.from_string("/CPU")
    assert hash(tf.DeviceSpec(device_type="CPU")) == hash(tf.DeviceSpec.from_string("/device:CPU:*"))
    assert d.make_merged_spec(tf.DeviceSpec(device_type="CPU")).to_string() == "/job:ps/replica:0/task:1/device:CPU:0"
    assert d.replace(job="x").job == "x" and tf.DeviceSpec(device_index=2).to_string() == ""
    with pytest.raises(ValueError, match="Unknown attribute 'b'"):
        tf.DeviceSpec.from_string("/job:a/b")
    with tf.device(tf.DeviceSpec(device_type="CPU", device_index=0)):
        assert (tf.constant(1.0) + 1).device.endswith("CPU:0")


def test_meshgrid_gradient_sums_over_the_broadcast_axes() -> None:
    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0, 5.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        gx, gy = tf.meshgrid(x, y)
        total = tf.reduce_sum(gx * 2.0 + gy)
    dx, dy = tape.gradient(total, [x, y])
    _eq(dx, [6.0, 6.0], tf.float32)  # each x appears in 3 rows, weight 2
    _eq(dy, [2.0, 2.0, 2.0], tf.float32)
