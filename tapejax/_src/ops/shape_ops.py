"""Shape manipulation (``tf.stack``, ``tf.concat``, ``tf.split``, ``tf.transpose``, ``tf.pad``, ``tf.shape``, ...).

Shape arguments are static params (hashable tuples); the wrappers check them against the input's
static shape so that errors are TF's, raised before anything runs.
"""

from __future__ import annotations

import builtins
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, TensorBase, VariableBase, bind
from tapejax._src.ops import array_ops, utils
from tapejax._src.tensor import Tensor, _flatten

Ints = tuple[int, ...]


def _stack_impl(*xs: Any, axis: int) -> Any:
    return jnp.stack(xs, axis=axis)


def _concat_impl(*xs: Any, axis: int) -> Any:
    return jnp.concatenate(xs, axis=axis)


def _split_impl(x: Any, *, sizes: Ints, axis: int) -> Any:
    starts = np.cumsum((0, *sizes[:-1]))
    return tuple(lax.slice_in_dim(x, int(s), int(s) + n, axis=axis) for s, n in zip(starts, sizes, strict=True))


def _squeeze_impl(x: Any, *, axis: Ints) -> Any:
    return jnp.squeeze(x, axis=axis)


def _expand_dims_impl(x: Any, *, axis: int) -> Any:
    return jnp.expand_dims(x, axis)


def _tile_impl(x: Any, *, multiples: Ints) -> Any:
    return jnp.tile(x, multiples)


def _shape_impl(x: Any, *, out_type: np.dtype) -> Any:
    return jnp.array(x.shape, dtype=out_type)


def _size_impl(x: Any, *, out_type: np.dtype) -> Any:
    return jnp.array(x.size, dtype=out_type)


def _rank_impl(x: Any) -> Any:
    return jnp.array(x.ndim, dtype=jnp.int32)


def _broadcast_to_impl(x: Any, *, shape: Ints) -> Any:
    return jnp.broadcast_to(x, shape)


def _pad_impl(x: Any, constant_values: Any, *, paddings: tuple[tuple[int, int], ...], mode: str) -> Any:
    if mode == "CONSTANT":
        # TF's Pad gradient does not reach constant_values.
        return lax.pad(x, lax.stop_gradient(constant_values), [(lo, hi, 0) for lo, hi in paddings])
    return jnp.pad(x, paddings, mode=mode.lower())


def _reverse_impl(x: Any, *, axis: Ints) -> Any:
    return jnp.flip(x, axis) if axis else x


def _slice_impl(x: Any, *, begin: Ints, size: Ints) -> Any:
    return lax.slice(x, begin, tuple(b + s for b, s in zip(begin, size, strict=True)))


def _transpose_impl(x: Any, *, perm: Ints, conjugate: bool) -> Any:
    y = jnp.transpose(x, perm)
    return jnp.conj(y) if conjugate else y


_stack = Op("Pack", _stack_impl, same_dtype=True)
_concat = Op("ConcatV2", _concat_impl, same_dtype=True)
_split = Op("SplitV", _split_impl, multiple_results=True)
_squeeze = Op("Squeeze", _squeeze_impl)
_expand_dims = Op("ExpandDims", _expand_dims_impl)
_tile = Op("Tile", _tile_impl)
_shape = Op("Shape", _shape_impl, differentiable=False)
_size = Op("Size", _size_impl, differentiable=False)
_rank = Op("Rank", _rank_impl, differentiable=False)
_broadcast_to = Op("BroadcastTo", _broadcast_to_impl)
_pad = Op("PadV2", _pad_impl, same_dtype=True, nondiff=(1,))  # TF: constant_values gets no gradient
_reverse = Op("ReverseV2", _reverse_impl)
_slice = Op("Slice", _slice_impl)
_transpose = Op("Transpose", _transpose_impl)


def _tensor_list(values: Any, op_name: str) -> list[Any]:
    if isinstance(values, (TensorBase, VariableBase)):
        return array_ops.unstack(values)  # TF accepts a tensor and unpacks it along its first axis
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op_name}: expected a non-empty list of tensors, got {values!r}.")
    return pack_list(values, None, op_name)


def pack_list(values: Any, dtype: Any, op_name: str) -> list[Any]:
    """The elements of a (nested) list as tensors of one dtype: ``dtype``, else the first tensor's.

    Python numbers adapt to that dtype, as TF's auto-packing of ``[tensor, 2.0]`` does.
    """
    if dtype is None:
        for v in _flatten(values):
            if isinstance(v, (TensorBase, VariableBase)):
                dtype = v._v.dtype
                break
    if dtype is None:
        # No Tensor: TF's args_to_matching_eager converts the first element alone and the rest to its
        # dtype ([np.float64 array, [2.5]] is float64; [[1], [2.5]] fails: 2.5 is not an int32).
        first = array_ops.convert_to_tensor(values[0])
        tensors = [first] + [
            v if isinstance(v, (TensorBase, VariableBase)) else array_ops.convert_to_tensor(v, first.dtype)
            for v in values[1:]
        ]
    else:
        tensors = [
            v if isinstance(v, (TensorBase, VariableBase)) else array_ops.convert_to_tensor(v, dtype) for v in values
        ]
    utils.check_same_dtype(op_name, tensors)
    return tensors


def _same_float_arrays(values: list[Any] | tuple[Any, ...]) -> bool:
    if not values or not all(type(v) is np.ndarray for v in values):
        return False
    dtype = values[0].dtype
    return dtype in (np.float16, np.float32, np.float64) and all(v.dtype == dtype for v in values)


def stack(values: Any, axis: int = 0, name: str = "stack") -> Tensor:
    """Stacks a list of same-shape tensors into one of rank ``R + 1`` (``tf.stack``).

    Raises:
      ValueError: if ``axis`` is out of range (checked first, as TF does).
      InvalidArgumentError: if the shapes or dtypes differ.

    >>> import tapejax as tf
    >>> print(tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1))
    tf.Tensor(
    [[1 3]
     [2 4]], shape=(2, 2), dtype=int32)
    """
    if (
        isinstance(values, (list, tuple))
        and isinstance(axis, (int, np.integer))
        and axis == 0
        and not _same_float_arrays(values)
        and not any(isinstance(v, (TensorBase, VariableBase)) for v in _flatten(values))
    ):
        # TF's tf.stack converts a list without Tensors as a whole first at axis 0 (its dtype rules:
        # [np.int64 array, ...] is int32 there, int64 at axis 1), and packs only when that fails.
        # (Arrays of one float dtype give the same either way: they are packed, without the walk over
        # every element.)
        try:
            return array_ops.convert_to_tensor(values)
        except (TypeError, ValueError, NotImplementedError):
            pass
    tensors = _tensor_list(values, "Pack")
    shape0 = utils.shape_of(tensors[0])
    ax = utils.static_int(axis, "axis")
    rank = len(shape0) + 1
    if not -rank <= ax < rank:
        # TF's Python wrapper checks the axis against values[0] (a ValueError) before the Pack kernel runs.
        raise ValueError(
            f"Argument `axis` = {ax} not in range [{-rank}, {rank}) (tf.stack of tensors of shape {shape0} "
            f"makes a rank-{rank} result)."
        )
    for i, t in enumerate(tensors[1:], 1):
        if utils.shape_of(t) != shape0:
            raise utils.invalid_argument(
                f"Pack: Shapes of all inputs must match: values[0].shape = {list(shape0)} != "
                f"values[{i}].shape = {list(utils.shape_of(t))}"
            )
    return bind(_stack, *tensors, axis=ax + rank if ax < 0 else ax)


def concat(values: Any, axis: int, name: str = "concat") -> Tensor:
    """Concatenates tensors along an existing ``axis`` (``tf.concat``).

    Raises:
      InvalidArgumentError: if ranks, dtypes or the dimensions other than ``axis`` differ.

    >>> import tapejax as tf
    >>> print(tf.concat([tf.constant([[1, 2]]), tf.constant([[3, 4]])], axis=0))
    tf.Tensor(
    [[1 2]
     [3 4]], shape=(2, 2), dtype=int32)
    """
    # A single tensor is a one-element list here, as TF (stack, in contrast, unpacks it).
    tensors = _tensor_list([values] if isinstance(values, (TensorBase, VariableBase)) else values, "ConcatV2")
    shapes = [utils.shape_of(t) for t in tensors]
    rank = len(shapes[0])
    if rank == 0:
        raise utils.invalid_argument("ConcatV2: Can't concatenate scalars (use tf.stack instead).")
    ax = utils.normalize_axis("ConcatV2", utils.static_int(axis, "axis"), rank, shapes[0])
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != rank:
            raise utils.invalid_argument(
                f"ConcatV2: Ranks of all input tensors should match: shape[0] = {list(shapes[0])} vs. "
                f"shape[{i}] = {list(s)}"
            )
        for d in range(rank):
            if d != ax and s[d] != shapes[0][d]:
                raise utils.invalid_argument(
                    f"ConcatV2: Dimension {d} in both shapes must be equal: shape[0] = {list(shapes[0])} vs. "
                    f"shape[{i}] = {list(s)}"
                )
    if len(tensors) == 1:
        return array_ops.identity(tensors[0])
    return bind(_concat, *tensors, axis=ax)


def split(
    value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None, name: str = "split"
) -> list[Tensor]:
    """Splits ``value`` along ``axis`` into equal parts or parts of the given sizes (``tf.split``).

    ``num_or_size_splits`` is a number of equal parts, or a list of sizes (one may be -1).

    Raises:
      InvalidArgumentError: if the parts do not add up to the dimension.

    >>> import tapejax as tf
    >>> a, b = tf.split(tf.constant([1, 2, 3, 4, 5]), [2, -1])
    >>> print(a)
    tf.Tensor([1 2], shape=(2,), dtype=int32)
    >>> print(b)
    tf.Tensor([3 4 5], shape=(3,), dtype=int32)
    """
    x = utils.as_tensor(value, None, "Split")
    shape = utils.shape_of(x)
    if not shape:
        raise utils.invalid_argument("Split: cannot split a scalar (input shape ()).")
    ax = utils.normalize_axis("Split", utils.static_int(axis, "axis"), len(shape), shape)
    dim = shape[ax]
    if isinstance(num_or_size_splits, (int, np.integer)) or (
        utils.is_tensor(num_or_size_splits) and not num_or_size_splits._v.shape
    ):
        n = utils.static_int(num_or_size_splits, "num_or_size_splits")
        if n <= 0 or dim % n:
            raise utils.invalid_argument(
                f"Split: Number of ways to split should evenly divide the split dimension, but got split_dim "
                f"{ax} (size = {dim}) and num_split {n}"
            )
        sizes = (dim // n,) * n
    else:
        sizes = utils.static_ints(num_or_size_splits, "num_or_size_splits")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise utils.invalid_argument(f"SplitV: at most one size may be -1 and none below it, got {list(sizes)}.")
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes and known <= dim:
            sizes = tuple(dim - known if s == -1 else s for s in sizes)
        if sum(sizes) != dim or -1 in sizes:
            raise utils.invalid_argument(
                "SplitV: Determined shape must either match input shape along split_dim exactly if fully "
                f"specified, or be less than the size of the input along split_dim if not fully specified. "
                f"Got sizes {list(utils.static_ints(num_or_size_splits, 'num_or_size_splits'))} for dimension "
                f"{ax} of size {dim} (input shape {shape})."
            )
    if num is not None and num != len(sizes):
        raise ValueError(f"split: num={num} does not match the {len(sizes)} parts.")
    return list(bind(_split, x, sizes=sizes, axis=ax))


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Removes size-1 dimensions: all of them, or those in ``axis`` (``tf.squeeze``).

    Raises:
      InvalidArgumentError: if a dimension in ``axis`` is not 1.

    >>> import tapejax as tf
    >>> tf.squeeze(tf.zeros([1, 2, 1])).shape
    TensorShape([2])
    """
    x = utils.as_tensor(input, None, "Squeeze")
    shape = utils.shape_of(x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    else:
        axes = tuple(
            sorted(
                {
                    utils.normalize_axis("Squeeze", a, len(shape), shape)
                    for a in utils.static_ints(axis, "axis", attr=True)
                }
            )
        )
        for a in axes:
            if shape[a] != 1:
                raise utils.invalid_argument(
                    f"Squeeze: Can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]} (input shape {shape})."
                )
    return bind(_squeeze, x, axis=axes)


def expand_dims(input: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Inserts a dimension of size 1 at ``axis`` (in ``[-rank - 1, rank]``) (``tf.expand_dims``).

    >>> import tapejax as tf
    >>> tf.expand_dims(tf.constant([1, 2]), -1).shape
    TensorShape([2, 1])
    """
    x = utils.as_tensor(input, None, "ExpandDims")
    rank = len(utils.shape_of(x))
    ax = utils.static_int(axis, "axis")
    if not -rank - 1 <= ax <= rank:
        raise utils.invalid_argument(f"ExpandDims: Tried to expand dim index {ax} for tensor with {rank} dimensions.")
    return bind(_expand_dims, x, axis=ax + rank + 1 if ax < 0 else ax)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Repeats ``input`` ``multiples[i]`` times along each axis ``i`` (``tf.tile``).

    >>> import tapejax as tf
    >>> print(tf.tile(tf.constant([1, 2]), [2]))
    tf.Tensor([1 2 1 2], shape=(4,), dtype=int32)
    """
    x = utils.as_tensor(input, None, "Tile")
    shape = utils.shape_of(x)
    reps = utils.static_ints(multiples, "multiples")
    if len(reps) != len(shape):
        raise utils.invalid_argument(
            f"Tile: Expected multiples argument to be a vector of length {len(shape)} but got length {len(reps)} "
            f"(input shape {shape})."
        )
    if any(r < 0 for r in reps):
        raise utils.invalid_argument(f"Tile: Expected multiples to be non-negative, got {list(reps)}.")
    return bind(_tile, x, multiples=reps)


def _out_type(out_type: Any, op_name: str) -> np.dtype:
    d = dtypes_lib.int32 if out_type is None else dtypes_lib.as_dtype(out_type)  # (None: TF's default)
    if d.name not in ("int32", "int64"):
        raise TypeError(f"{op_name}: out_type must be tf.int32 or tf.int64, got {d!r}.")
    return d._np


def shape(input: Any, out_type: Any = dtypes_lib.int32, name: str | None = None) -> Tensor:  # noqa: A002
    """The shape of ``input`` as a 1-D int32 tensor (``tf.shape``).

    >>> import tapejax as tf
    >>> print(tf.shape(tf.zeros([2, 3])))
    tf.Tensor([2 3], shape=(2,), dtype=int32)
    """
    x = utils.as_tensor(input, None, "Shape")
    if isinstance(x._v, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
        # Shapes are static under tf.function (XLA's shapes always are): a concrete value, so that
        # ``tf.reshape(x, [tf.shape(x)[0], -1])`` and ``tf.zeros(tf.shape(x))`` work there.
        return Tensor(np.asarray(x._v.shape, _out_type(out_type, "Shape")))
    return bind(_shape, x, out_type=_out_type(out_type, "Shape"))


def size(input: Any, out_type: Any = dtypes_lib.int32, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of elements of ``input`` as an int32 scalar (``tf.size``)."""
    x = utils.as_tensor(input, None, "Size")
    if isinstance(x._v, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
        return Tensor(np.asarray(int(np.prod(x._v.shape)), _out_type(out_type, "Size")))  # (static, see shape)
    return bind(_size, x, out_type=_out_type(out_type, "Size"))


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The number of dimensions of ``input`` as an int32 scalar (``tf.rank``).

    >>> import tapejax as tf
    >>> print(tf.rank(tf.zeros([2, 3])))
    tf.Tensor(2, shape=(), dtype=int32)
    """
    return bind(_rank, utils.as_tensor(input, None, "Rank"))


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Broadcasts ``input`` to ``shape`` with numpy's rules (``tf.broadcast_to``).

    Raises:
      InvalidArgumentError: if ``input``'s shape does not broadcast to ``shape``.
    """
    x = utils.as_tensor(input, None, "BroadcastTo")
    src = utils.shape_of(x)
    target = utils.static_shape_arg(utils.refuse_shape_bools("BroadcastTo", shape, "input"))
    try:
        ok = np.broadcast_shapes(src, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise utils.invalid_argument(
            f"BroadcastTo: Unable to broadcast tensor of shape {list(src)} to tensor of shape {list(target)}."
        )
    return bind(_broadcast_to, x, shape=target)


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0, name: str | None = None
) -> Tensor:
    """Pads ``tensor`` by ``paddings[i] = [before, after]`` along each axis (``tf.pad``).

    ``mode`` is ``"CONSTANT"`` (with ``constant_values``), ``"REFLECT"`` or ``"SYMMETRIC"`` (case-insensitive).
    As in TF, no gradient flows into ``constant_values`` (a watched one gets ``None``).

    Raises:
      ValueError: for an unknown ``mode``.
      InvalidArgumentError: if ``paddings`` does not have shape ``[rank, 2]`` or is too large for ``mode``.

    >>> import tapejax as tf
    >>> print(tf.pad(tf.constant([1, 2]), [[1, 2]]))
    tf.Tensor([0 1 2 0 0], shape=(5,), dtype=int32)
    """
    x = utils.as_tensor(tensor, None, "Pad")
    shape = utils.shape_of(x)
    mode_ = str(mode).upper()
    if mode_ not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(
            f'pad: Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or "SYMMETRIC". Received `mode` = {mode}'
        )
    flat = utils.static_ints(paddings, "paddings")
    if len(flat) != 2 * len(shape):
        raise utils.invalid_argument(
            f"Pad: The first dimension of paddings must be the rank of inputs {len(shape)} with 2 columns, got "
            f"{len(flat)} values for input shape {shape}."
        )
    pairs = tuple((flat[2 * i], flat[2 * i + 1]) for i in range(len(shape)))
    if any(p < 0 for p in flat):
        raise utils.invalid_argument(f"Pad: Paddings must be non-negative, got {[list(p) for p in pairs]}.")
    if mode_ != "CONSTANT":
        limit_offset = 0 if mode_ == "REFLECT" else 1
        for d, (lo, hi) in zip(shape, pairs, strict=True):
            if lo >= d + limit_offset or hi >= d + limit_offset:
                raise utils.invalid_argument(
                    f"MirrorPad: paddings must be less than{' or equal to' if limit_offset else ''} the dimension "
                    f"size: {lo}, {hi} not less than {d + limit_offset} (input shape {shape}, mode {mode_})."
                )
    if mode_ != "CONSTANT" or (
        not isinstance(constant_values, (TensorBase, VariableBase))
        and np.ndim(constant_values) == 0
        and constant_values == 0
    ):
        # TF pads with the dtype's zero here (its Pad/MirrorPad ops without a value): bool too.
        constant_values = np.zeros((), x._v.dtype)
    cv = utils.as_tensor(constant_values, x._v.dtype, "Pad")
    if utils.shape_of(cv) != ():
        raise utils.invalid_argument(f"Pad: constant_values must be a scalar, got shape {utils.shape_of(cv)}.")
    return bind(_pad, x, cv, paddings=pairs, mode=mode_)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverses ``tensor`` along each axis in ``axis`` (``tf.reverse``).

    >>> import tapejax as tf
    >>> print(tf.reverse(tf.constant([[1, 2], [3, 4]]), [1]))
    tf.Tensor(
    [[2 1]
     [4 3]], shape=(2, 2), dtype=int32)
    """
    x = utils.as_tensor(tensor, None, "ReverseV2")
    shape = utils.shape_of(x)
    axes = [utils.normalize_axis("ReverseV2", a, len(shape), shape) for a in utils.static_ints(axis, "axis")]
    if len(set(axes)) != len(axes):
        from tapejax._src.function import in_trace

        if 0 in shape and not in_trace():  # TF's eager kernel returns an empty input first
            return bind(_reverse, x, axis=tuple(sorted(set(axes))))
        raise utils.invalid_argument(f"ReverseV2: axis {list(axes)} specified more than once.")
    return bind(_reverse, x, axis=tuple(sorted(axes)))


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """The part of ``input_`` starting at ``begin`` of extent ``size`` (-1: to the end) (``tf.slice``).

    Raises:
      InvalidArgumentError: if ``begin``/``size`` do not fit the input's shape.

    >>> import tapejax as tf
    >>> print(tf.slice(tf.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]))
    tf.Tensor(
    [[2 3]
     [5 6]], shape=(2, 2), dtype=int32)
    """
    x = utils.as_tensor(input_, None, "Slice")
    shape = utils.shape_of(x)
    b = utils.static_ints(begin, "begin")
    s = utils.static_ints(size, "size")
    if len(b) != len(shape) or len(s) != len(shape):
        raise utils.invalid_argument(
            f"Slice: Expected begin and size arguments to be 1-D tensors of size {len(shape)}, but got shapes "
            f"[{len(b)}] and [{len(s)}] instead (input shape {shape})."
        )
    sizes = []
    for i, (d, bi, si) in enumerate(zip(shape, b, s, strict=True)):
        si = d - bi if si == -1 else si
        if not 0 <= bi <= d or not 0 <= si <= d - bi:
            raise utils.invalid_argument(
                f"Slice: Expected begin[{i}] in [0, {d}] and size[{i}] in [0, {d - bi}], but got begin {bi} and "
                f"size {s[i]} (input shape {shape})."
            )
        sizes.append(si)
    return bind(_slice, x, begin=b, size=tuple(sizes))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str = "transpose") -> Tensor:
    """Permutes the dimensions of ``a`` by ``perm`` (default: reversed) (``tf.transpose``).

    Raises:
      InvalidArgumentError: if ``perm`` is not a permutation of ``range(rank)``.

    >>> import tapejax as tf
    >>> tf.transpose(tf.zeros([2, 3, 4]), [0, 2, 1]).shape
    TensorShape([2, 4, 3])
    """
    x = utils.as_tensor(a, None, "Transpose")
    shape = utils.shape_of(x)
    rank = len(shape)
    p = tuple(range(rank - 1, -1, -1)) if perm is None else utils.static_ints(perm, "perm")
    if len(p) != rank:
        raise utils.invalid_argument(
            f"Transpose: transpose expects a vector of size {rank}. But input(1) is a vector of size {len(p)}."
        )
    p = tuple(d + rank if d < 0 else d for d in p)
    if sorted(p) != list(range(rank)):
        raise utils.invalid_argument(f"Transpose: perm {list(p)} is not a permutation of [0, {rank}).")
    return bind(_transpose, x, perm=p, conjugate=bool(conjugate) and x._v.dtype.kind == "c")


def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: str | None = None,
) -> Tensor:
    """``input_[begin:end:strides]`` spelled as TF's StridedSlice arguments (``tf.strided_slice``).

    Bit ``i`` of a mask applies to entry ``i`` of ``begin``/``end``/``strides``: ``begin_mask`` /
    ``end_mask`` ignore that bound (the full range), ``ellipsis_mask`` makes the entry ``...``,
    ``new_axis_mask`` inserts a size-1 axis and ``shrink_axis_mask`` takes the single index
    ``begin[i]`` (dropping the axis). The same op as ``x[...]`` indexing, with its gradient.

    Raises:
      InvalidArgumentError: for lengths that differ, a zero stride, more than one ellipsis or an
        index out of range for a shrunk axis.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(12), [3, 4])
    >>> print(tf.strided_slice(x, [0, 1], [3, 4], [2, 2]))
    tf.Tensor(
    [[ 1  3]
     [ 9 11]], shape=(2, 2), dtype=int32)
    """
    x = utils.as_tensor(input_, None, "StridedSlice")
    b, e = utils.static_ints(begin, "begin"), utils.static_ints(end, "end")
    s = (1,) * len(b) if strides is None else utils.static_ints(strides, "strides")
    if not len(b) == len(e) == len(s):
        raise utils.invalid_argument(
            f"StridedSlice: Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
            f"[{len(b)}], [{len(e)}], and [{len(s)}] instead."
        )
    if bin(ellipsis_mask & ((1 << len(b)) - 1)).count("1") > 1:
        raise utils.invalid_argument("StridedSlice: Multiple ellipses in slice spec not allowed")
    key: list[Any] = []
    for i, (bi, ei, si) in enumerate(zip(b, e, s, strict=True)):
        bit = 1 << i
        if si == 0:
            raise utils.invalid_argument(f"StridedSlice: strides[{i}] must be non-zero")
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            if si < 0:
                raise utils.invalid_argument("StridedSlice: only stride 1 allowed on non-range indexing.")
            key.append(bi)
        else:
            key.append(builtins.slice(None if begin_mask & bit else bi, None if end_mask & bit else ei, si))
    return array_ops.strided_slice_from_key(x, tuple(key))
