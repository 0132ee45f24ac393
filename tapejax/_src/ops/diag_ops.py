"""Diagonals and bands of (batched) matrices: ``tf.linalg.diag``, ``diag_part``, ``set_diag``,
``band_part``, ``trace``, ``tensor_diag`` and ``tensor_diag_part``.

TF's ``MatrixDiagV3`` family addresses diagonal ``d`` of an ``M x N`` matrix (``d > 0`` above the main
one) as a row of a ``[num_diags, max_diag_len]`` block, highest diagonal first, each row padded on
the side its ``align`` names. The index maps between matrix entries and block entries are static
(numpy, computed when the kernel is traced), so each op is one gather: its JAX derivative is the
scatter TF registers as the gradient (``matrix_set_diag`` / ``matrix_diag_part`` of the cotangent).
"""

from __future__ import annotations

import functools
from typing import Any

import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

_ALIGNS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _diag_len(m: int, n: int, d: int) -> int:
    return max(0, min(m + min(0, d), n - max(0, d)))


@functools.lru_cache(maxsize=256)
def _block_map(m: int, n: int, k0: int, k1: int, align: str, width: int) -> tuple[np.ndarray, ...]:
    """For each block entry ``[i, j]`` (diagonal ``k1 - i``): its matrix row, column, and whether it is one."""
    left_super = align in ("LEFT_LEFT", "LEFT_RIGHT")
    left_sub = align in ("LEFT_LEFT", "RIGHT_LEFT")
    rows = np.zeros((k1 - k0 + 1, width), np.int64)
    cols = np.zeros_like(rows)
    valid = np.zeros(rows.shape, bool)
    for i, d in enumerate(range(k1, k0 - 1, -1)):
        length = _diag_len(m, n, d)
        left = (d >= 0 and left_super) or (d <= 0 and left_sub)
        offset = 0 if left else width - length
        t = np.arange(width) - offset
        ok = (t >= 0) & (t < length)
        t = np.where(ok, t, 0)
        rows[i], cols[i], valid[i] = t + max(0, -d), t + max(0, d), ok
    return rows, cols, valid


@functools.lru_cache(maxsize=256)
def _matrix_map(m: int, n: int, k0: int, k1: int, align: str, width: int) -> tuple[np.ndarray, ...]:
    """For each matrix entry ``[r, c]``: its block row and column, and whether it is in the band."""
    rows, cols, valid = _block_map(m, n, k0, k1, align, width)
    bi = np.zeros((m, n), np.int64)
    bj = np.zeros((m, n), np.int64)
    inside = np.zeros((m, n), bool)
    for i, j in zip(*np.nonzero(valid), strict=True):
        r, c = rows[i, j], cols[i, j]
        bi[r, c], bj[r, c], inside[r, c] = i, j, True
    return bi, bj, inside


def _diag_part_impl(x: Any, pad: Any, *, k: tuple[int, int], align: str, width: int, single: bool) -> Any:
    m, n = x.shape[-2:]
    rows, cols, valid = _block_map(m, n, k[0], k[1], align, width)
    out = jnp.where(valid, x[..., rows, cols], pad)
    return out[..., 0, :] if single else out


def _diag_impl(diagonal: Any, pad: Any, *, k: tuple[int, int], align: str, shape: tuple[int, int], single: bool) -> Any:
    if single:
        diagonal = diagonal[..., None, :]
    if not diagonal.shape[-1]:  # empty diagonals (TF: a 1 x 1 matrix of padding for k = 1): nothing to gather
        return jnp.broadcast_to(pad, diagonal.shape[:-2] + shape)
    bi, bj, inside = _matrix_map(shape[0], shape[1], k[0], k[1], align, diagonal.shape[-1])
    return jnp.where(inside, diagonal[..., bi, bj], pad)


def _set_diag_impl(x: Any, diagonal: Any, *, k: tuple[int, int], align: str, single: bool) -> Any:
    if single:
        diagonal = diagonal[..., None, :]
    bi, bj, inside = _matrix_map(x.shape[-2], x.shape[-1], k[0], k[1], align, diagonal.shape[-1])
    return jnp.where(inside, diagonal[..., bi, bj], x)


def _band_part_impl(x: Any, num_lower: Any, num_upper: Any) -> Any:
    m, n = x.shape[-2:]
    below = np.arange(m)[:, None] - np.arange(n)[None, :]  # row - column
    inside = ((num_lower < 0) | (below <= num_lower)) & ((num_upper < 0) | (-below <= num_upper))
    return jnp.where(inside, x, jnp.zeros((), x.dtype))


def _trace_impl(x: Any) -> Any:
    return jnp.trace(x, axis1=-2, axis2=-1).astype(x.dtype)


def _tensor_diag_impl(d: Any) -> Any:
    return jnp.diag(d.reshape(-1)).reshape(d.shape + d.shape)


def _tensor_diag_part_impl(x: Any) -> Any:
    half = x.shape[: x.ndim // 2]
    size = int(np.prod(half))
    return jnp.diagonal(x.reshape(size, size)).reshape(half)


# TF registers no gradient for padding_value (and k, num_rows, ... are static here).
_diag_part = Op("MatrixDiagPartV3", _diag_part_impl, nondiff=(1,))
_diag = Op("MatrixDiagV3", _diag_impl, nondiff=(1,))
_set_diag = Op("MatrixSetDiagV3", _set_diag_impl, same_dtype=True)
_band_part = Op("MatrixBandPart", _band_part_impl, nondiff=(1, 2))
_trace = Op("Trace", _trace_impl)
_tensor_diag = Op("Diag", _tensor_diag_impl)
_tensor_diag_part = Op("DiagPart", _tensor_diag_part_impl)


def _diag_range(op_name: str, k: Any) -> tuple[int, int, bool]:
    ks = utils.static_ints(k, "k")
    if len(ks) not in (1, 2):
        raise utils.invalid_argument(f"{op_name}: diag_index must be a scalar or a vector of 2 ints, got k={list(ks)}.")
    k0, k1 = (ks[0], ks[0]) if len(ks) == 1 else ks
    if k0 > k1:
        raise utils.invalid_argument(
            f"{op_name}: lower_diag_index must not be larger than upper_diag_index: {k0} > {k1}"
        )
    return k0, k1, k0 == k1


def _check_align(op_name: str, align: Any) -> str:
    if align not in _ALIGNS:
        raise utils.invalid_argument(
            f"{op_name}: Value for attr 'align' of {align!r} is not in the list of allowed values: {', '.join(_ALIGNS)}"
        )
    return str(align)


def _padding(op_name: str, value: Any, x: Any) -> Any:
    if x._v.dtype.kind == "b" and type(value) in (int, float):
        value = bool(value)  # TF casts the default 0 to False for bool matrices
    pad = utils.as_tensor(value, x._v.dtype, op_name)
    utils.check_same_dtype(op_name, [x, pad])
    if utils.shape_of(pad):
        raise utils.invalid_argument(
            f"{op_name}: padding_value must be a scalar, got shape {list(utils.shape_of(pad))}."
        )
    return pad


def _matrix(op_name: str, x: Any) -> Any:
    x = utils.as_tensor(x, None, op_name)
    s = utils.shape_of(x)
    if len(s) < 2:
        raise utils.invalid_argument(f"{op_name}: input must be at least 2-dim, received shape: {list(s)}")
    return x


def diag_part(
    input: Any,  # noqa: A002 - TF's name
    name: str = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """Diagonal ``k`` (or the band of diagonals ``k = (k0, k1)``) of (batched) matrices (``tf.linalg.diag_part``).

    Args:
      input: a tensor of shape ``[..., M, N]``.
      k: the diagonal offset (``> 0`` above the main diagonal), or a pair ``(k0, k1)`` for a band.
      padding_value: what fills the rows of a band that are longer than their diagonal (no gradient).
      align: where shorter diagonals of a band sit in their row: ``"RIGHT_LEFT"`` (superdiagonals
        right, subdiagonals left), ``"LEFT_RIGHT"``, ``"LEFT_LEFT"`` or ``"RIGHT_RIGHT"``.

    Returns:
      ``[..., L]`` for one diagonal, ``[..., k1 - k0 + 1, L]`` for a band (diagonal ``k1`` first), where
      ``L`` is the length of the longest diagonal.

    Raises:
      InvalidArgumentError: for rank < 2, a diagonal outside the matrix, ``k0 > k1`` or an unknown ``align``.

    >>> import tapejax as tf
    >>> print(tf.linalg.diag_part(tf.constant([[1, 2], [3, 4]])))
    tf.Tensor([1 4], shape=(2,), dtype=int32)
    """
    op = "MatrixDiagPartV3"
    x = _matrix(op, input)
    align = _check_align(op, align)
    k0, k1, single = _diag_range(op, k)
    m, n = utils.shape_of(x)[-2:]
    for which, d in (("lower", k0), ("upper", k1)):
        if not (-m < d < n or d == 0):
            raise utils.invalid_argument(
                f"{op}: {which}_diag_index is out of bound: {d}. It must be between {-m} and {n}"
            )
    width = max(_diag_len(m, n, d) for d in range(k0, k1 + 1))
    pad = _padding(op, padding_value, x)
    return bind(_diag_part, x, pad, k=(k0, k1), align=align, width=width, single=single)


def diag(
    diagonal: Any,
    name: str = "diag",
    k: Any = 0,
    num_rows: Any = -1,
    num_cols: Any = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """(Batched) matrices with the given diagonal(s), ``padding_value`` elsewhere (``tf.linalg.diag``).

    Args:
      diagonal: ``[..., L]`` for one diagonal ``k``, or ``[..., k1 - k0 + 1, L]`` for the band
        ``k = (k0, k1)`` (diagonal ``k1`` first, aligned as ``align`` says, see ``diag_part``).
      k: the diagonal offset (``> 0`` above the main diagonal) or a pair ``(k0, k1)``.
      num_rows, num_cols: the matrix shape; -1 infers the smallest one (square when both are -1).
      padding_value: the value off the diagonals (no gradient).

    Raises:
      InvalidArgumentError: if the shape does not fit the diagonals, or ``diagonal`` is a scalar.

    >>> import tapejax as tf
    >>> print(tf.linalg.diag(tf.constant([1, 2])))
    tf.Tensor(
    [[1 0]
     [0 2]], shape=(2, 2), dtype=int32)
    """
    op = "MatrixDiagV3"
    d = utils.as_tensor(diagonal, None, op)
    align = _check_align(op, align)
    k0, k1, single = _diag_range(op, k)
    s = utils.shape_of(d)
    if not s:
        raise utils.invalid_argument(f"{op}: diagonal must be at least 1-dim, received shape: {list(s)}")
    if not single and (len(s) < 2 or s[-2] != k1 - k0 + 1):
        raise utils.invalid_argument(
            f"{op}: The number of diagonals provided in the input does not match the lower_diag_index and "
            f"upper_diag_index range: diagonal shape {list(s)}, k = ({k0}, {k1}) needs {k1 - k0 + 1} rows."
        )
    width = s[-1]
    rows, cols = utils.static_int(num_rows, "num_rows"), utils.static_int(num_cols, "num_cols")
    min_rows, min_cols = width - min(k1, 0), width + max(k0, 0)
    if rows == -1 and cols == -1:
        rows = cols = max(min_rows, min_cols)
    elif rows == -1:
        rows = min_rows
    elif cols == -1:
        cols = min_cols
    if rows < min_rows:
        raise utils.invalid_argument(f"{op}: The number of rows is too small ({rows} < {min_rows}).")
    if cols < min_cols:
        raise utils.invalid_argument(f"{op}: The number of columns is too small ({cols} < {min_cols}).")
    if rows != min_rows and cols != min_cols:
        raise utils.invalid_argument(
            f"{op}: The number of rows or columns is not consistent with the specified d_lower, d_upper, and "
            f"diagonal (num_rows={rows}, num_cols={cols}, k=({k0}, {k1}), diagonal length {width})."
        )
    pad = _padding(op, padding_value, d)
    return bind(_diag, d, pad, k=(k0, k1), align=align, shape=(rows, cols), single=single)


def set_diag(
    input: Any,  # noqa: A002 - TF's name
    diagonal: Any,
    name: str = "set_diag",
    k: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """``input`` with diagonal ``k`` (or the band ``k = (k0, k1)``) replaced by ``diagonal`` (``tf.linalg.set_diag``).

    ``diagonal`` has the shape ``diag_part(input, k)`` has (see ``diag_part`` for bands and ``align``).

    Raises:
      InvalidArgumentError: if ``diagonal``'s shape or dtype does not fit.

    >>> import tapejax as tf
    >>> print(tf.linalg.set_diag(tf.zeros([2, 2]), [1.0, 2.0]))
    tf.Tensor(
    [[1. 0.]
     [0. 2.]], shape=(2, 2), dtype=float32)
    """
    op = "MatrixSetDiagV3"
    x = _matrix(op, input)
    align = _check_align(op, align)
    k0, k1, single = _diag_range(op, k)
    s = utils.shape_of(x)
    m, n = s[-2:]
    for which, d in (("lower", k0), ("upper", k1)):
        if not (-m < d < n or d == 0):
            raise utils.invalid_argument(
                f"{op}: {which}_diag_index is out of bound: {d}. It must be between {-m} and {n}"
            )
    width = max(_diag_len(m, n, d) for d in range(k0, k1 + 1))
    dg = utils.as_tensor(diagonal, x._v.dtype, op)
    utils.check_same_dtype(op, [x, dg])
    want = s[:-2] + ((width,) if single else (k1 - k0 + 1, width))
    if utils.shape_of(dg) != want:
        raise utils.invalid_argument(
            f"{op}: diagonal must have shape {list(want)} (input.shape[:-2] + the diagonals' lengths) for input "
            f"shape {list(s)} and k = ({k0}, {k1}), got {list(utils.shape_of(dg))}."
        )
    return bind(_set_diag, x, dg, k=(k0, k1), align=align, single=single)


def band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Keeps ``num_lower`` subdiagonals and ``num_upper`` superdiagonals of (batched) matrices, zeroing the
    rest (``tf.linalg.band_part``); a negative count keeps the whole triangle.

    Raises:
      InvalidArgumentError: for rank < 2, or ``num_lower`` (``num_upper``) above the number of rows (columns).

    >>> import tapejax as tf
    >>> print(tf.linalg.band_part(tf.ones([3, 3]), 0, -1))
    tf.Tensor(
    [[1. 1. 1.]
     [0. 1. 1.]
     [0. 0. 1.]], shape=(3, 3), dtype=float32)
    """
    op = "MatrixBandPart"
    x = _matrix(op, input)
    m, n = utils.shape_of(x)[-2:]
    lo = utils.as_tensor(num_lower, np.int64, op)
    hi = utils.as_tensor(num_upper, np.int64, op)
    for what, t, limit, dim in (("num_lower", lo, m, "rows"), ("num_upper", hi, n, "columns")):
        if t._v.dtype.kind not in "iu" or utils.shape_of(t):
            raise TypeError(f"{op}: {what} must be a scalar integer, got {utils.describe([t])}.")
        v = utils.concrete(t)
        if v is not None and int(v) > limit:
            raise utils.invalid_argument(
                f"{op}: {what} must be negative or less or equal to number of {dim} ({limit}) got: {int(v)}"
            )
    return bind(_band_part, x, lo, hi)


def trace(x: Any, name: str | None = None) -> Tensor:
    """Sum of the main diagonal of (batched) matrices, shape ``[...]`` (``tf.linalg.trace``).

    Raises:
      InvalidArgumentError: for rank < 2 or a bool tensor.

    >>> import tapejax as tf
    >>> print(tf.linalg.trace(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    tf.Tensor(5.0, shape=(), dtype=float32)
    """
    t = _matrix("Trace", x)
    utils.require_kind("Trace", t, "fciu", "numeric")
    return bind(_trace, t)


def tensor_diag(diagonal: Any, name: str | None = None) -> Tensor:
    """The rank-``2k`` tensor with ``diagonal`` (rank ``k``) on its diagonal (``tf.linalg.tensor_diag``):
    ``out[i1..ik, i1..ik] = diagonal[i1..ik]``, zeros elsewhere.

    Raises:
      InvalidArgumentError: for a scalar or a bool/small-integer ``diagonal``.

    >>> import tapejax as tf
    >>> tf.linalg.tensor_diag(tf.ones([2, 3])).shape
    TensorShape([2, 3, 2, 3])
    """
    op = "Diag"
    d = utils.as_tensor(diagonal, None, op)
    if not utils.shape_of(d):
        raise utils.invalid_argument(f"{op}: Input must be at least rank 1, got 0")
    if d._v.dtype.kind == "b" or (d._v.dtype.kind in "iu" and d._v.dtype not in (np.int32, np.int64)):
        raise utils.invalid_argument(f"{op}: no kernel for {utils.describe([d])}, as TF. Fix: tf.cast it.")
    return bind(_tensor_diag, d)


def tensor_diag_part(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The diagonal of a rank-``2k`` tensor of shape ``s + s``: ``out[i1..ik] = input[i1..ik, i1..ik]``
    (``tf.linalg.tensor_diag_part``).

    Raises:
      InvalidArgumentError: for an odd rank or a shape that is not ``s + s``.

    >>> import tapejax as tf
    >>> print(tf.linalg.tensor_diag_part(tf.eye(3)))
    tf.Tensor([1. 1. 1.], shape=(3,), dtype=float32)
    """
    op = "DiagPart"
    x = utils.as_tensor(input, None, op)
    s = utils.shape_of(x)
    if len(s) % 2:
        raise utils.invalid_argument(f"{op}: The rank of the tensor should be even and positive, got shape {list(s)}")
    half = len(s) // 2
    for i in range(half):
        if s[i] != s[i + half]:
            raise utils.invalid_argument(f"{op}: Invalid shape {list(s)}: dimensions {i} and {i + half} do not match.")
    if x._v.dtype.kind == "b" or (x._v.dtype.kind in "iu" and x._v.dtype not in (np.int32, np.int64)):
        raise utils.invalid_argument(f"{op}: no kernel for {utils.describe([x])}, as TF. Fix: tf.cast it.")
    return bind(_tensor_diag_part, x)
