"""Array utilities (``tf.roll``, ``tf.repeat``, ``tf.meshgrid``, ``tf.searchsorted``, ``tf.sequence_mask``,
``tf.reverse_sequence``, ``tf.unique``, ``tf.unravel_index``, ``tf.dynamic_partition``,
``tf.dynamic_stitch``, ``tf.histogram_fixed_width``, ``tf.shape_n``, ``tf.ensure_shape``, ...).

Ops whose output size depends on values (``unique``, ``dynamic_partition``, ``dynamic_stitch``,
``sequence_mask`` without ``maxlen``) read those values back on the host first, as TF's eager
kernels do, and cannot run on traced values.
"""

from __future__ import annotations

import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import array_ops, shape_ops, utils
from tapejax._src.tensor import Tensor, TensorShape

Ints = tuple[int, ...]


def _roll_impl(x: Any, *, shift: Ints, axis: Ints) -> Any:
    return jnp.roll(x, shift, axis) if axis else x


def _repeat_impl(x: Any, *, repeats: Ints, axis: int, total: int) -> Any:
    return jnp.repeat(x, np.asarray(repeats), axis=axis, total_repeat_length=total)


def _searchsorted_impl(sorted_sequence: Any, values: Any, *, side: str, out_type: np.dtype) -> Any:
    search = jnp.vectorize(lambda s, v: jnp.searchsorted(s, v, side=side), signature="(n),(m)->(m)")
    return search(sorted_sequence, values).astype(out_type)


def _sequence_mask_impl(lengths: Any, *, maxlen: int, dtype: np.dtype, compare: str = "int32") -> Any:
    # TF compares range(maxlen) with the lengths cast to maxlen's dtype (a float maxlen: float lengths).
    return (jnp.arange(maxlen, dtype=compare) < lengths[..., None].astype(compare)).astype(dtype)


def _reverse_sequence_impl(x: Any, lengths: Any, *, seq_axis: int, batch_axis: int) -> Any:
    i = jnp.arange(x.shape[seq_axis])
    n = jnp.expand_dims(lengths.astype(i.dtype), 1)  # [batch, 1]
    src = jnp.where(i < n, n - 1 - i, i)  # [batch, seq]
    shape = [1] * x.ndim
    shape[batch_axis], shape[seq_axis] = x.shape[batch_axis], x.shape[seq_axis]
    if batch_axis > seq_axis:
        src = src.T
    return jnp.take_along_axis(x, jnp.broadcast_to(src.reshape(shape), x.shape), axis=seq_axis)


def _unique_impl(x: Any, *, size: int, out_idx: np.dtype) -> Any:
    # jnp.unique sorts; TF keeps the order of first occurrence.
    y, first, inverse, counts = jnp.unique(x, return_index=True, return_inverse=True, return_counts=True, size=size)
    order = jnp.argsort(first)
    rank = jnp.argsort(order)
    return y[order], rank[inverse.reshape(-1)].astype(out_idx), counts[order].astype(out_idx)


def _unravel_index_impl(indices: Any, *, dims: Ints) -> Any:
    return jnp.stack(jnp.unravel_index(indices, dims)).astype(indices.dtype)


def _dynamic_partition_impl(x: Any, partitions: Any, *, sizes: Ints) -> Any:
    p = partitions.reshape(-1)
    rows = x.reshape((p.shape[0], *x.shape[partitions.ndim :]))
    return tuple(jnp.take(rows, jnp.nonzero(p == k, size=n)[0], axis=0) for k, n in enumerate(sizes))


def _dynamic_stitch_impl(source: Any, *data: Any, inner: Ints) -> Any:
    rows = jnp.concatenate([d.reshape((-1, *inner)) for d in data])
    return jnp.take(rows, source, axis=0, mode="fill", fill_value=0)


def _histogram_bins_impl(values: Any, value_range: Any, *, nbins: int, dtype: np.dtype) -> Any:
    lo, hi = value_range[0], value_range[1]
    scaled = (values - lo) / (hi - lo) * nbins
    return jnp.clip(jnp.floor(scaled), 0, nbins - 1).astype(dtype)


def _histogram_impl(values: Any, value_range: Any, *, nbins: int, dtype: np.dtype) -> Any:
    bins = _histogram_bins_impl(values, value_range, nbins=nbins, dtype=np.dtype(np.int32))
    return jnp.bincount(bins.reshape(-1), length=nbins).astype(dtype)


def _space_to_batch_impl(x: Any, *, block: Ints, paddings: tuple[tuple[int, int], ...]) -> Any:
    m = len(block)
    x = jnp.pad(x, ((0, 0), *paddings, *([(0, 0)] * (x.ndim - 1 - m))))
    b, spatial, rest = x.shape[0], x.shape[1 : 1 + m], x.shape[1 + m :]
    split = [b]
    for d, k in zip(spatial, block, strict=True):
        split += [d // k, k]
    x = x.reshape(*split, *rest)
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
    x = x.transpose(*perm, *range(1 + 2 * m, x.ndim))
    return x.reshape(b * int(np.prod(block)), *(d // k for d, k in zip(spatial, block, strict=True)), *rest)


def _batch_to_space_impl(x: Any, *, block: Ints, crops: tuple[tuple[int, int], ...]) -> Any:
    m = len(block)
    n = int(np.prod(block))
    b, spatial, rest = x.shape[0] // n, x.shape[1 : 1 + m], x.shape[1 + m :]
    x = x.reshape(*block, b, *spatial, *rest)
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    x = x.transpose(*perm, *range(2 * m + 1, x.ndim))
    x = x.reshape(b, *(d * k for d, k in zip(spatial, block, strict=True)), *rest)
    index = tuple(slice(lo, x.shape[1 + i] - hi) for i, (lo, hi) in enumerate(crops))
    return x[(slice(None), *index)]


def _timestamp_impl() -> Any:
    # A host call, so that inside tf.function the time is read at each run, not at trace time.
    return jax.pure_callback(lambda: np.float64(time.time()), jax.ShapeDtypeStruct((), np.float64))


_roll = Op("Roll", _roll_impl)
_repeat = Op("Repeat", _repeat_impl)
_searchsorted = Op("SearchSorted", _searchsorted_impl, differentiable=False)
_sequence_mask = Op("SequenceMask", _sequence_mask_impl, differentiable=False)
_reverse_sequence = Op("ReverseSequence", _reverse_sequence_impl, nondiff=(1,))
# TF registers no gradient for Unique (LookupError); here its outputs carry none.
_unique = Op("Unique", _unique_impl, multiple_results=True, differentiable=False)
_unravel_index = Op("UnravelIndex", _unravel_index_impl, differentiable=False)
_dynamic_partition = Op("DynamicPartition", _dynamic_partition_impl, multiple_results=True, nondiff=(1,))
_dynamic_stitch = Op("DynamicStitch", _dynamic_stitch_impl, nondiff=(0,))
_histogram_bins = Op("HistogramFixedWidthBins", _histogram_bins_impl, differentiable=False)
_histogram = Op("HistogramFixedWidth", _histogram_impl, differentiable=False)
_space_to_batch = Op("SpaceToBatchND", _space_to_batch_impl)
_timestamp = Op("Timestamp", _timestamp_impl, differentiable=False, defer=False)
_batch_to_space = Op("BatchToSpaceND", _batch_to_space_impl)


def _host_values(x: Any, op_name: str) -> np.ndarray:
    v = utils.concrete(x)
    if v is None:
        raise TypeError(
            f"{op_name} has a data-dependent output shape and cannot run on traced values (inside tf.function)."
        )
    return v


def _index_dtype(dtype: Any, op_name: str) -> np.dtype:
    d = dtypes_lib.as_dtype(dtype)
    if d.name not in ("int32", "int64"):
        raise TypeError(f"{op_name}: the index dtype must be tf.int32 or tf.int64, got {d!r}.")
    return d._np


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Rolls the elements of ``input`` by ``shift`` along ``axis`` (``tf.roll``); ints or matching lists.

    Raises:
      InvalidArgumentError: if ``axis`` is out of range or ``shift`` and ``axis`` differ in length.

    >>> import tapejax as tf
    >>> print(tf.roll(tf.constant([1, 2, 3, 4]), 1, 0))
    tf.Tensor([4 1 2 3], shape=(4,), dtype=int32)
    """
    x = utils.as_tensor(input, None, "Roll")
    shape = utils.shape_of(x)
    utils.refuse_bool("Roll", shift, "Tshift")
    utils.refuse_bool("Roll", axis, "Taxis")
    shifts, axes = utils.static_ints(shift, "shift"), utils.static_ints(axis, "axis")
    if len(shifts) != len(axes):
        raise utils.invalid_argument(
            f"Roll: shift and axis must have the same size, got shift {list(shifts)} and axis {list(axes)}."
        )
    for a in axes:
        if not -len(shape) <= a < len(shape):
            raise utils.invalid_argument(f"Roll: axis {a} is out of range (input shape {list(shape)}).")
    return bind(_roll, x, shift=shifts, axis=tuple(a % len(shape) for a in axes))


def repeat(input: Any, repeats: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Repeats each element (``axis=None``: of the flattened input) or slice along ``axis`` (``tf.repeat``).

    ``repeats`` is one int or one int per slice.

    Raises:
      ValueError: if ``repeats`` does not match the dimension (TF's class).

    >>> import tapejax as tf
    >>> print(tf.repeat(tf.constant([1, 2]), [2, 3], axis=0))
    tf.Tensor([1 1 2 2 2], shape=(5,), dtype=int32)
    """
    x = utils.as_tensor(input, None, "Repeat")
    if axis is None:
        x = array_ops.reshape(x, [-1])
        ax = 0
    else:
        shape = utils.shape_of(x)
        ax = utils.normalize_axis("Repeat", utils.static_int(axis, "axis"), len(shape), shape)
    dim = utils.shape_of(x)[ax]
    reps = utils.static_ints(repeats, "repeats")
    if len(reps) == 1:
        reps = reps * dim
    if len(reps) != dim:
        raise ValueError(f"Dimensions {dim} and {len(reps)} are not compatible (tf.repeat along axis {ax}).")
    if any(r < 0 for r in reps):
        raise utils.invalid_argument(f"Repeat: repeats must be non-negative, got {list(reps)}.")
    return bind(_repeat, x, repeats=reps, axis=ax, total=sum(reps))


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """Coordinate grids from 1-D tensors (``tf.meshgrid``): ``indexing="xy"`` (default) or ``"ij"``.

    Raises:
      TypeError: for unknown keyword arguments.
      ValueError: for another ``indexing``.
      InvalidArgumentError: if the inputs' dtypes differ.

    >>> import tapejax as tf
    >>> x, y = tf.meshgrid([1, 2], [3, 4, 5])
    >>> x.shape, y.shape
    (TensorShape([3, 2]), TensorShape([3, 2]))
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got '{indexing}'")
    xs = [utils.as_tensor(a, None, "Meshgrid") for a in args]  # each converted alone, as TF
    utils.check_same_dtype("Meshgrid", xs)
    n = len(xs)
    if not n:
        return []
    sizes = [int(np.prod(utils.shape_of(x))) for x in xs]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, x in enumerate(xs):
        pos = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        view = [1] * n
        view[pos] = -1
        out.append(shape_ops.broadcast_to(array_ops.reshape(x, view), sizes))
    return out


def searchsorted(
    sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = dtypes_lib.int32, name: str | None = None
) -> Tensor:
    """Indices where ``values`` would be inserted into the innermost rows of ``sorted_sequence`` (``tf.searchsorted``).

    Raises:
      ValueError: for a ``side`` other than ``"left"`` / ``"right"``.
      InvalidArgumentError: if the leading dimensions or dtypes differ.

    >>> import tapejax as tf
    >>> print(tf.searchsorted([1.0, 3.0, 5.0], [2.0, 5.0], side="right"))
    tf.Tensor([1 3], shape=(2,), dtype=int32)
    """
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}.")
    op_name = "LowerBound" if side == "left" else "UpperBound"
    s, v = utils.as_tensor(sorted_sequence, None, op_name), utils.as_tensor(values, None, op_name)
    utils.check_same_dtype(op_name, [s, v])
    s_shape, v_shape = utils.shape_of(s), utils.shape_of(v)
    if not s_shape or not v_shape or s_shape[:-1] != v_shape[:-1]:
        raise utils.invalid_argument(
            f"{op_name}: sorted_sequence and values must have the same leading dimensions and rank >= 1, got shapes "
            f"{list(s_shape)} and {list(v_shape)}."
        )
    return bind(_searchsorted, s, v, side=side, out_type=_index_dtype(out_type, "searchsorted"))


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = dtypes_lib.bool, name: str | None = None) -> Tensor:
    """``mask[..., j] = j < lengths[...]`` of shape ``lengths.shape + [maxlen]`` (``tf.sequence_mask``).

    ``maxlen`` defaults to ``max(lengths)`` (read from the device).

    >>> import tapejax as tf
    >>> print(tf.sequence_mask([1, 3], 4))
    tf.Tensor(
    [[ True False False False]
     [ True  True  True False]], shape=(2, 4), dtype=bool)
    """
    n = utils.as_tensor(lengths, None, "SequenceMask")
    utils.require_kind("SequenceMask", n, "iufb", "real or bool lengths")
    if isinstance(maxlen, (bool, np.bool_)):  # TF: range(False, True) of bool has no kernel
        raise TypeError(f"sequence_mask: maxlen must be a number, got {maxlen!r}.")
    if maxlen is None:  # TF: max(0, reduce_max(lengths)) in the lengths' dtype
        values = _host_values(n, "sequence_mask without maxlen")
        m = max(values.max().item(), 0) if values.size else 0
        compare = n.dtype.name
    elif isinstance(maxlen, float) or (hasattr(maxlen, "dtype") and dtypes_lib.as_dtype(maxlen.dtype).is_floating):
        # TF: range(0., maxlen) against the lengths cast to maxlen's dtype ([1, 2], 3.5: 4 columns)
        v = utils.concrete(maxlen)
        if v is None or v.ndim:
            raise TypeError(f"sequence_mask: maxlen must be a concrete scalar, got {maxlen!r}.")
        m = float(v)
        compare = "float32" if isinstance(maxlen, float) else dtypes_lib.as_dtype(maxlen.dtype).name
    else:
        m = utils.static_int(maxlen, "maxlen")
        compare = dtypes_lib.as_dtype(maxlen.dtype).name if hasattr(maxlen, "dtype") else "int32"
    if m < 0:
        raise utils.invalid_argument(f"SequenceMask: maxlen must be non-negative, got {m}.")
    width = int(np.ceil(m)) if np.isfinite(m) else -1
    if width < 0:
        raise utils.invalid_argument(f"SequenceMask: maxlen must be finite, got {m}.")
    return bind(_sequence_mask, n, maxlen=width, dtype=dtypes_lib.as_dtype(dtype)._np, compare=compare)


def reverse_sequence(
    input: Any,  # noqa: A002 - TF's name
    seq_lengths: Any,
    seq_axis: Any = None,
    batch_axis: Any = None,
    name: str | None = None,
) -> Tensor:
    """Reverses the first ``seq_lengths[b]`` elements along ``seq_axis`` of each batch row ``b`` (``tf.reverse_sequence``).

    Raises:
      InvalidArgumentError: for bad axes, ``seq_lengths`` of the wrong size, or a length above the dimension.

    >>> import tapejax as tf
    >>> print(tf.reverse_sequence(tf.constant([[1, 2, 3], [4, 5, 6]]), [2, 3], seq_axis=1, batch_axis=0))
    tf.Tensor(
    [[2 1 3]
     [6 5 4]], shape=(2, 3), dtype=int32)
    """
    x = utils.as_tensor(input, None, "ReverseSequence")
    n = utils.as_tensor(seq_lengths, None, "ReverseSequence")
    utils.require_kind("ReverseSequence", n, "iu", "integer seq_lengths")
    shape = utils.shape_of(x)
    sa = utils.normalize_axis("ReverseSequence", utils.static_int(seq_axis, "seq_axis"), len(shape), shape)
    ba = utils.normalize_axis("ReverseSequence", utils.static_int(batch_axis or 0, "batch_axis"), len(shape), shape)
    if sa == ba:
        raise utils.invalid_argument(f"ReverseSequence: seq_dim == batch_dim == {sa}")
    if utils.shape_of(n) != (shape[ba],):
        raise utils.invalid_argument(
            f"ReverseSequence: Length of seq_lengths != input.dims({ba}), ({utils.shape_of(n)} vs. {shape[ba]})"
        )
    values = utils.concrete(n)
    if values is not None:
        for b, length in enumerate(values):
            if length > shape[sa] or length < 0:
                raise utils.invalid_argument(f"ReverseSequence: seq_lens({b}) > input.dims({sa})")
    return bind(_reverse_sequence, x, n, seq_axis=sa, batch_axis=ba)


def _unique_call(x: Any, out_idx: Any, op_name: str) -> tuple[Tensor, Tensor, Tensor]:
    t = utils.as_tensor(x, None, op_name)
    if len(utils.shape_of(t)) != 1:
        raise utils.invalid_argument(f"{op_name}: unique expects a 1D vector, got shape {list(utils.shape_of(t))}.")
    size = len(np.unique(_host_values(t, op_name)))
    return bind(_unique, t, size=size, out_idx=_index_dtype(out_idx, op_name))


def unique(x: Any, out_idx: Any = dtypes_lib.int32, name: str | None = None) -> tuple[Tensor, Tensor]:
    """The distinct elements of a 1-D ``x`` in order of first occurrence, and each element's index into them (``tf.unique``).

    Differences from TensorFlow: a gradient through ``y`` is ``None`` (TF has no gradient for Unique
    and raises ``LookupError``).

    >>> import tapejax as tf
    >>> y, idx = tf.unique(tf.constant([3, 1, 3, 2]))
    >>> print(y, idx)
    tf.Tensor([3 1 2], shape=(3,), dtype=int32) tf.Tensor([0 1 0 2], shape=(4,), dtype=int32)
    """
    y, idx, _ = _unique_call(x, out_idx, "Unique")
    return y, idx


def unique_with_counts(
    x: Any, out_idx: Any = dtypes_lib.int32, name: str | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """``tf.unique``'s ``y`` and ``idx``, and how often each element of ``y`` occurs (``tf.unique_with_counts``)."""
    return _unique_call(x, out_idx, "UniqueWithCounts")


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Tensor:
    """The coordinates of flat ``indices`` in an array of shape ``dims``, one row per dimension (``tf.unravel_index``).

    Raises:
      InvalidArgumentError: for an index outside ``[0, prod(dims))``.

    >>> import tapejax as tf
    >>> print(tf.unravel_index([3, 5], [2, 3]))
    tf.Tensor(
    [[1 1]
     [0 2]], shape=(2, 2), dtype=int32)
    """
    idx = utils.as_tensor(indices, None, "UnravelIndex")
    utils.require_kind("UnravelIndex", idx, "iu", "int32 or int64 indices")
    d = utils.static_ints(dims, "dims")
    if len(utils.shape_of(idx)) > 1:
        raise utils.invalid_argument(
            f"UnravelIndex: The indices can only be scalar or vector, got {list(utils.shape_of(idx))}"
        )
    values = utils.concrete(idx)
    if values is not None and np.any((values < 0) | (values >= int(np.prod(d)))):
        raise utils.invalid_argument(f"UnravelIndex: index is out of bound as with dims {list(d)}")
    return bind(_unravel_index, idx, dims=d)


def dynamic_partition(data: Any, partitions: Any, num_partitions: int, name: str | None = None) -> list[Tensor]:
    """Splits ``data`` into ``num_partitions`` tensors by the partition index of each slice (``tf.dynamic_partition``).

    Raises:
      InvalidArgumentError: if ``partitions``' shape is not a prefix of ``data``'s or an index is out of range.

    >>> import tapejax as tf
    >>> a, b = tf.dynamic_partition(tf.constant([1, 2, 3]), [1, 0, 1], 2)
    >>> print(a, b)
    tf.Tensor([2], shape=(1,), dtype=int32) tf.Tensor([1 3], shape=(2,), dtype=int32)
    """
    x = utils.as_tensor(data, None, "DynamicPartition")
    p = utils.as_tensor(partitions, None, "DynamicPartition")
    utils.require_kind("DynamicPartition", p, "i", "int32 partitions")
    n = utils.static_int(num_partitions, "num_partitions")
    x_shape, p_shape = utils.shape_of(x), utils.shape_of(p)
    if x_shape[: len(p_shape)] != p_shape:
        raise utils.invalid_argument(
            f"DynamicPartition: data.shape must start with partitions.shape, got data.shape = {list(x_shape)}, "
            f"partitions.shape = {list(p_shape)}"
        )
    values = _host_values(p, "DynamicPartition").reshape(-1)
    bad = np.flatnonzero((values < 0) | (values >= n))
    if bad.size:
        raise utils.invalid_argument(f"DynamicPartition: partitions[{bad[0]}] = {values[bad[0]]} is not in [0, {n})")
    sizes = tuple(int(c) for c in np.bincount(values, minlength=n))
    return list(bind(_dynamic_partition, x, p, sizes=sizes))


def dynamic_stitch(indices: Any, data: Any, name: str | None = None) -> Tensor:
    """Interleaves ``data[m]`` into one tensor: ``merged[indices[m][i]] = data[m][i]`` (``tf.dynamic_stitch``).

    A later index wins over an earlier equal one; positions no index names are 0.

    Differences from TensorFlow: with duplicate indices, only the winning slice gets a gradient
    (TF gives every slice the gathered gradient).

    >>> import tapejax as tf
    >>> print(tf.dynamic_stitch([[0, 2], [1, 3]], [[1.0, 2.0], [3.0, 4.0]]))
    tf.Tensor([1. 3. 2. 4.], shape=(4,), dtype=float32)
    """
    if len(indices) != len(data) or not indices:
        raise utils.invalid_argument(
            f"DynamicStitch: expected as many (at least one) indices as data tensors, got {len(indices)} and {len(data)}."
        )
    ds = utils.as_tensors_like(list(data), "DynamicStitch")
    flat, inner = [], None
    for m, (i, d) in enumerate(zip(indices, ds, strict=True)):
        it = utils.as_tensor(i, None, "DynamicStitch")
        utils.require_kind("DynamicStitch", it, "i", "int32 indices")
        i_shape, d_shape = utils.shape_of(it), utils.shape_of(d)
        if d_shape[: len(i_shape)] != i_shape:
            raise utils.invalid_argument(
                f"DynamicStitch: data[{m}].shape = {list(d_shape)} does not start with indices[{m}].shape = "
                f"{list(i_shape)}"
            )
        tail = d_shape[len(i_shape) :]
        if inner is not None and tail != inner:
            raise utils.invalid_argument(
                f"DynamicStitch: data[{m}].shape[{len(i_shape)}:] = {list(tail)} differs from the other slices' "
                f"{list(inner)}"
            )
        inner = tail
        flat.append(_host_values(it, "DynamicStitch").reshape(-1))
    positions = np.concatenate(flat)
    if positions.size and positions.min() < 0:
        raise utils.invalid_argument(f"DynamicStitch: indices must be non-negative, got {int(positions.min())}.")
    size = int(positions.max()) + 1 if positions.size else 0
    source = np.full(size, positions.size, np.int32)  # (past the end: a zero row)
    source[positions] = np.arange(positions.size, dtype=np.int32)  # numpy: the last duplicate wins
    return bind(_dynamic_stitch, Tensor(source), *ds, inner=inner or ())


def _histogram_args(values: Any, value_range: Any, nbins: Any, dtype: Any, op_name: str) -> tuple[Any, ...]:
    v, r = utils.as_tensors_like([values, value_range], op_name)
    utils.require_kind(op_name, v, "fiu", "numeric")
    if utils.shape_of(r) != (2,):
        raise utils.invalid_argument(
            f"{op_name}: value_range should be a vector of 2 elements, got {utils.shape_of(r)}."
        )
    n = utils.static_int(nbins, "nbins")
    if n <= 0:
        raise utils.invalid_argument(f"{op_name}: nbins should be a positive number, but got '{n}'")
    return v, r, n, _index_dtype(dtype, op_name)


def histogram_fixed_width(
    values: Any, value_range: Any, nbins: Any = 100, dtype: Any = dtypes_lib.int32, name: str | None = None
) -> Tensor:
    """Counts ``values`` in ``nbins`` equal bins over ``value_range``; values outside go to the end bins (``tf.histogram_fixed_width``).

    >>> import tapejax as tf
    >>> print(tf.histogram_fixed_width([1.0, 2.0, 3.0, 10.0, -1.0], [0.0, 5.0], nbins=5))
    tf.Tensor([1 1 1 1 1], shape=(5,), dtype=int32)
    """
    v, r, n, d = _histogram_args(values, value_range, nbins, dtype, "HistogramFixedWidth")
    return bind(_histogram, v, r, nbins=n, dtype=d)


def histogram_fixed_width_bins(
    values: Any, value_range: Any, nbins: Any = 100, dtype: Any = dtypes_lib.int32, name: str | None = None
) -> Tensor:
    """The bin index of each of ``values`` for ``tf.histogram_fixed_width`` (``tf.histogram_fixed_width_bins``)."""
    v, r, n, d = _histogram_args(values, value_range, nbins, dtype, "HistogramFixedWidthBins")
    return bind(_histogram_bins, v, r, nbins=n, dtype=d)


def shape_n(input: Any, out_type: Any = dtypes_lib.int32, name: str | None = None) -> list[Tensor]:  # noqa: A002
    """``[tf.shape(x) for x in input]`` (``tf.shape_n``)."""
    return [shape_ops.shape(x, out_type) for x in input]


def identity_n(input: Any, name: str | None = None) -> list[Tensor]:  # noqa: A002 - TF's name
    """``[tf.identity(x) for x in input]``, each with its own dtype (``tf.identity_n``)."""
    return [array_ops.identity(x if utils.is_tensor(x) else utils.as_tensor(x)) for x in input]


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Tensor:
    """``x`` (an identity, differentiable) after checking its shape against ``shape`` (None: any) (``tf.ensure_shape``).

    Raises:
      InvalidArgumentError: if the shapes are not compatible.

    >>> import tapejax as tf
    >>> tf.ensure_shape(tf.zeros([2, 3]), [2, None]).shape
    TensorShape([2, 3])
    """
    t = utils.as_tensor(x, None, "EnsureShape")
    want = TensorShape(shape)
    have = TensorShape(utils.shape_of(t))
    if not have.is_compatible_with(want):
        dims = "?" if want.rank is None else ",".join("?" if d is None else str(d) for d in want.as_list())
        raise utils.invalid_argument(
            f"EnsureShape: Shape of tensor input [{','.join(map(str, have.as_list()))}] is not compatible with "
            f"expected shape [{dims}]."
        )
    return array_ops.identity(t)


def broadcast_static_shape(shape_x: Any, shape_y: Any) -> TensorShape:
    """The broadcast of two ``TensorShape``s (``tf.broadcast_static_shape``).

    Raises:
      ValueError: if they do not broadcast.

    >>> import tapejax as tf
    >>> tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3]))
    TensorShape([2, 3])
    """
    x, y = TensorShape(shape_x), TensorShape(shape_y)
    if x.rank is None or y.rank is None:
        return TensorShape(None)
    out: list[int | None] = []
    xs, ys = x.as_list(), y.as_list()
    n = max(len(xs), len(ys))
    xs, ys = [1] * (n - len(xs)) + xs, [1] * (n - len(ys)) + ys
    for a, b in zip(xs, ys, strict=True):
        if a == 1 or a == b:
            out.append(b)
        elif b == 1:
            out.append(a)
        elif a is None or b is None:
            out.append(a if b is None else b)
        else:
            raise ValueError(
                "Incompatible shapes for broadcasting. Two shapes are compatible if for each dimension pair they "
                f"are either equal or one of them is 1. Received: {tuple(x.as_list())} and {tuple(y.as_list())}."
            )
    return TensorShape(out)


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Tensor:
    """The broadcast of two shapes given as 1-D int tensors (``tf.broadcast_dynamic_shape``).

    Raises:
      InvalidArgumentError: if they do not broadcast.

    >>> import tapejax as tf
    >>> print(tf.broadcast_dynamic_shape([2, 1], [3]))
    tf.Tensor([2 3], shape=(2,), dtype=int32)
    """
    x = utils.as_tensor(shape_x, None, "BroadcastArgs")
    y = utils.as_tensor(shape_y, None, "BroadcastArgs")
    utils.check_same_dtype("BroadcastArgs", [x, y])
    a, b = utils.static_ints(x, "shape_x"), utils.static_ints(y, "shape_y")
    out = utils.broadcast_shapes(a, b)
    if out is None:
        raise utils.invalid_argument(f"BroadcastArgs: Incompatible shapes: {list(a)} vs. {list(b)}")
    return Tensor(np.asarray(out, np.dtype(x._v.dtype)))


def parallel_stack(values: Any, name: str = "parallel_stack") -> Tensor:
    """``tf.stack(values)`` inside ``tf.function`` (``tf.parallel_stack``).

    Raises:
      RuntimeError: when called eagerly, as TF.
    """
    from tapejax._src.function import in_trace

    if not in_trace() and not any(isinstance(getattr(v, "_v", None), jax.core.Tracer) for v in values):  # pyright: ignore[reportAttributeAccessIssue]
        raise RuntimeError("tf.parallel_stack() is not compatible with eager execution.")
    return shape_ops.stack(values)


def _block_args(
    op_name: str, x: Any, block_shape: Any, pairs: Any, what: str
) -> tuple[Any, Ints, tuple[tuple[int, int], ...]]:
    t = utils.as_tensor(x, None, op_name)
    block = utils.static_ints(block_shape, "block_shape")
    flat = utils.static_ints(pairs, what)
    shape = utils.shape_of(t)
    m = len(block)
    if len(flat) != 2 * m:
        raise utils.invalid_argument(f"{op_name}: {what} should have shape [{m}, 2] instead of [{len(flat) // 2}, 2]")
    if len(shape) < 1 + m:
        raise utils.invalid_argument(f"{op_name}: input rank should be >= {1 + m} instead of {len(shape)}")
    for i, k in enumerate(block):
        if k < 1:
            raise utils.invalid_argument(
                f"{op_name}: All values in block_shape must be positive, got value, {k} at index {i}."
            )
    if any(p < 0 for p in flat):
        raise utils.invalid_argument(f"{op_name}: {what.capitalize()} must be non-negative")
    return t, block, tuple((flat[2 * i], flat[2 * i + 1]) for i in range(m))


def space_to_batch_nd(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Moves blocks of the padded spatial dimensions into the batch dimension (``tf.space_to_batch_nd``).

    ``input`` has shape ``[batch] + spatial + remaining`` with ``len(spatial) == len(block_shape)``;
    each padded spatial size must be divisible by its block size.

    Raises:
      InvalidArgumentError: for bad block sizes, negative paddings or indivisible sizes.

    >>> import tapejax as tf
    >>> tf.space_to_batch_nd(tf.zeros([1, 4, 4, 3]), [2, 2], [[0, 0], [0, 0]]).shape
    TensorShape([4, 2, 2, 3])
    """
    x, block, pads = _block_args("SpaceToBatchND", input, block_shape, paddings, "paddings")
    shape = utils.shape_of(x)
    for i, ((lo, hi), k) in enumerate(zip(pads, block, strict=True)):
        padded = shape[1 + i] + lo + hi
        if padded % k:
            raise utils.invalid_argument(
                f"SpaceToBatchND: padded_shape[{i}]={padded} is not divisible by block_shape[{i}]={k}"
            )
    return bind(_space_to_batch, x, block=block, paddings=pads)


def space_to_batch(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.space_to_batch_nd`` under TF 2's name (``tf.space_to_batch``)."""
    return space_to_batch_nd(input, block_shape, paddings)


def batch_to_space(input: Any, block_shape: Any, crops: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``tf.space_to_batch``: moves batch blocks back into space and crops (``tf.batch_to_space``).

    Raises:
      InvalidArgumentError: for bad block sizes, negative or too large crops, or a batch size not
        divisible by the product of the block sizes.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(16), [1, 4, 4, 1])
    >>> y = tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]])
    >>> bool(tf.reduce_all(tf.batch_to_space(y, [2, 2], [[0, 0], [0, 0]]) == x))
    True
    """
    x, block, crops_ = _block_args("BatchToSpaceND", input, block_shape, crops, "crops")
    shape = utils.shape_of(x)
    n = int(np.prod(block))
    if shape[0] % n:
        raise utils.invalid_argument(
            f"BatchToSpaceND: Input batch dimension ({shape[0]}) is not divisible by product of block sizes ({n})"
        )
    for i, ((lo, hi), k) in enumerate(zip(crops_, block, strict=True)):
        cropped = shape[1 + i] * k - lo - hi
        if cropped < 0:
            raise utils.invalid_argument(f"BatchToSpaceND: cropped_shape[{i}]={cropped} must be non-negative")
    return bind(_batch_to_space, x, block=block, crops=crops_)


def required_space_to_batch_paddings(
    input_shape: Any, block_shape: Any, base_paddings: Any = None, name: str | None = None
) -> tuple[Tensor, Tensor]:
    """The ``paddings`` and ``crops`` that make ``input_shape`` (plus ``base_paddings``) divisible by ``block_shape``
    (``tf.required_space_to_batch_paddings``); int32 tensors of shape ``[M, 2]``.

    >>> import tapejax as tf
    >>> paddings, crops = tf.required_space_to_batch_paddings([4, 7], [2, 3])
    >>> print(paddings.numpy().tolist(), crops.numpy().tolist())
    [[0, 0], [0, 2]] [[0, 0], [0, 2]]
    """
    shape = utils.static_ints(input_shape, "input_shape")
    block = utils.static_ints(block_shape, "block_shape")
    if len(shape) != len(block):
        raise ValueError(f"input_shape {list(shape)} and block_shape {list(block)} must have the same length.")
    base = utils.static_ints(base_paddings, "base_paddings") if base_paddings is not None else (0,) * (2 * len(block))
    pads, crops = [], []
    for i, (d, k) in enumerate(zip(shape, block, strict=True)):
        lo, hi = base[2 * i], base[2 * i + 1]
        extra = (k - (d + lo + hi) % k) % k
        pads.append([lo, hi + extra])
        crops.append([0, extra])
    as_array = lambda v: Tensor(np.asarray(v, np.int32).reshape(len(block), 2))  # noqa: E731
    return as_array(pads), as_array(crops)


def timestamp(name: str | None = None) -> Tensor:
    """Seconds since the Unix epoch as a float64 scalar, read when the op runs (``tf.timestamp``).

    >>> import tapejax as tf
    >>> t = tf.timestamp()
    >>> t.dtype, float(t) > 1.5e9
    (tf.float64, True)
    """
    return bind(_timestamp)
