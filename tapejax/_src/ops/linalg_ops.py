"""Linear algebra (``tf.linalg``)."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import numpy as np
from jax import lax
from jax._src import core as jax_core

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors, executable_cache, lazy
from tapejax._src.core import Op, bind
from tapejax._src.lazy import Pending
from tapejax._src.ops import math_ops, shape_ops, utils
from tapejax._src.tensor import Tensor


def _matmul_impl(a: Any, b: Any, *, transpose_a: bool, transpose_b: bool, adjoint_a: bool, adjoint_b: bool) -> Any:
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        if adjoint_a:
            a = jnp.conj(a)
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        if adjoint_b:
            b = jnp.conj(b)
    return jnp.matmul(a, b)


_matmul = Op("MatMul", _matmul_impl, same_dtype=True)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    name: str | None = None,
) -> Tensor:
    """Matrix product of (batched) matrices ``a @ b`` (``tf.linalg.matmul``).

    Both operands must have rank >= 2 and the same dtype.

    Raises:
      InvalidArgumentError: on rank < 2, mismatched inner dimensions or dtypes.

    >>> import tapejax as tf
    >>> print(tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[3.0], [4.0]])))
    tf.Tensor([[11.]], shape=(1, 1), dtype=float32)
    """
    a, b = utils.as_tensors_like([a, b], "MatMul")
    if a._v.dtype.kind == "b":  # (TF has no bool kernel; bfloat16's numpy kind is "V")
        utils.require_kind("MatMul", a, "fciu", "numeric")
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    for i, s in enumerate((sa, sb)):
        if len(s) < 2:
            raise utils.invalid_argument(
                f"MatMul: In[{i}] ndims must be >= 2: {len(s)} (shapes {list(sa)} and {list(sb)}). "
                "Fix: use tf.linalg.matvec for a matrix-vector product, or tf.expand_dims the vector."
            )
    k_a = sa[-2] if (transpose_a or adjoint_a) else sa[-1]
    k_b = sb[-1] if (transpose_b or adjoint_b) else sb[-2]
    if k_a != k_b:
        raise utils.invalid_argument(
            f"MatMul: Matrix size-incompatible: In[0]: {list(sa)}, In[1]: {list(sb)} "
            f"(transpose_a={bool(transpose_a or adjoint_a)}, transpose_b={bool(transpose_b or adjoint_b)}): "
            f"the inner dimensions {k_a} and {k_b} must agree."
        )
    _check_batch("MatMul", sa[:-2], sb[:-2], sa, sb)
    return bind(
        _matmul, a, b,
        transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
        adjoint_a=bool(adjoint_a), adjoint_b=bool(adjoint_b),
    )  # fmt: skip


def _check_batch(op_name: str, ba: tuple[int, ...], bb: tuple[int, ...], sa: Any, sb: Any) -> None:
    if utils.broadcast_shapes(ba, bb) is None:
        raise utils.invalid_argument(
            f"{op_name}: In[0] and In[1] must have compatible batch dimensions: {list(sa)} vs. {list(sb)}"
        )


def _tensordot_impl(a: Any, b: Any, *, axes: tuple[tuple[int, ...], tuple[int, ...]]) -> Any:
    return jnp.tensordot(a, b, axes=axes)


def _einsum_impl(*xs: Any, equation: str) -> Any:
    return jnp.einsum(equation, *xs)


def _matvec_impl(a: Any, b: Any, *, adjoint_a: bool, transpose_a: bool) -> Any:
    return _matmul_impl(
        a, b[..., None], transpose_a=transpose_a, transpose_b=False, adjoint_a=adjoint_a, adjoint_b=False
    )[..., 0]


def _inv_impl(x: Any, *, adjoint: bool) -> Any:
    y = jnp.linalg.inv(x)
    return jnp.conj(jnp.swapaxes(y, -1, -2)) if adjoint else y


def _solve_impl(a: Any, b: Any, *, adjoint: bool) -> Any:
    if adjoint:
        a = jnp.conj(jnp.swapaxes(a, -1, -2))
    return jnp.linalg.solve(a, b)


def _norm_impl(x: Any, *, ord: Any, axis: tuple[int, ...] | None, keepdims: bool, matrix: bool) -> Any:  # noqa: A002
    # TF's construction, including sqrt(sum(x * conj(x))): its gradient at 0 is NaN, as TF.
    if ord in ("fro", "euclidean", 2, 2.0):
        if matrix and ord in (2, 2.0):
            assert axis is not None
            axes = tuple(a % x.ndim for a in axis)
            perm = tuple(i for i in range(x.ndim) if i not in axes) + axes
            singular = jnp.linalg.svd(jnp.transpose(x, perm), compute_uv=False)
            largest = jnp.max(jnp.abs(singular), axis=-1, keepdims=True)[..., None]
            result = jnp.transpose(largest, tuple(int(i) for i in np.argsort(perm)))
        else:
            # math_ops' sqrt: TF's SqrtGrad is 0 for a zero upstream gradient, even at a NaN norm
            result = math_ops._sqrt_impl(jnp.sum(x * jnp.conj(x), axis=axis, keepdims=True))
    else:
        result = math_ops._abs_impl(x)  # TF's abs: gradient 0 at 0
        if ord == 1:
            result = jnp.sum(result, axis=None if axis is None else axis[0], keepdims=True, dtype=result.dtype)
            if matrix:
                assert axis is not None
                result = jnp.max(result, axis=axis[-1], keepdims=True)
        elif ord == np.inf:
            if matrix:
                assert axis is not None
                result = jnp.sum(result, axis=axis[1], keepdims=True, dtype=result.dtype)
            result = jnp.max(result, axis=None if axis is None else axis[0], keepdims=True)
        else:
            result = jnp.power(jnp.sum(jnp.power(result, ord), axis=axis, keepdims=True), 1.0 / ord)
    if not keepdims:
        result = jnp.squeeze(result, axis)
    return result


_tensordot = Op("Tensordot", _tensordot_impl, same_dtype=True)
_einsum = Op("Einsum", _einsum_impl, same_dtype=True)
_matvec = Op("MatVec", _matvec_impl, same_dtype=True)
_inv = Op("MatrixInverse", _inv_impl)
_det = Op("MatrixDeterminant", jnp.linalg.det)
_solve = Op("MatrixSolve", _solve_impl, same_dtype=True)


def _cholesky_impl(x: Any) -> Any:
    # TF reads only the lower triangle (jnp.linalg.cholesky averages x with its transpose); the
    # gradient is TF's symmetric one, as JAX's (the value's change passes it straight through).
    sym = jnp.tril(x) + jnp.conj(jnp.swapaxes(jnp.tril(x, -1), -1, -2))  # (Hermitian: conjugate mirror)
    return jnp.linalg.cholesky(x + lax.stop_gradient(sym - x))


_cholesky = Op("Cholesky", _cholesky_impl)
_norm = Op("Norm", _norm_impl)


def _first_singular_impl(x: Any, *, adjoint: bool = False) -> Any:
    """Flat batch index of the first matrix of ``x`` that TF's kernels would call singular, else -1.

    TF's MatrixInverse and MatrixSolve factorise with partial pivoting and raise when a pivot is not
    positive in absolute value, running with denormals flushed to zero; jnp.linalg.inv/solve factorise
    the same way (lax.linalg.lu), and a zero pivot is what makes them return inf/NaN. So a pivot below
    the dtype's smallest normal number counts as zero. A NaN pivot does not: TF's test (Eigen's
    minCoeff) catches one only in the first position, and NaN input gives NaN output anyway.
    """
    tiny = jnp.finfo(x.dtype).tiny
    if x.dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype(jnp.float32)  # (no LU kernel for them; the values are exact in float32)
    if adjoint:
        x = jnp.swapaxes(x, -1, -2)  # the matrix _solve_impl factorises (conj leaves |pivots| as they are)
    lu, _, _ = lax.linalg.lu(x)
    pivots = jnp.abs(jnp.diagonal(lu, axis1=-2, axis2=-1))
    singular = jnp.any(pivots < tiny, axis=-1).reshape(-1)
    if singular.size == 0:
        return jnp.int32(-1)
    return jnp.where(jnp.any(singular), jnp.argmax(singular).astype(jnp.int32), jnp.int32(-1))


_first_singular = Op("FirstSingularMatrix", _first_singular_impl, differentiable=False)
_first_singular_adjoint = Op(
    "FirstSingularMatrixAdjoint", functools.partial(_first_singular_impl, adjoint=True), differentiable=False
)


# The checks' programs per (check, input aval), from the executable cache (or the jitted kernel).
_CHECK_RUNS: dict[tuple[Any, ...], Any] = {}


def _run_check(check: Op, leaves: list[Any]) -> Any:
    return check.impl(leaves[0])


def _check_run(check: Op, x: Any) -> Any:
    """``check``'s kernel on the concrete array ``x``: the program a later process loads from the
    executable cache (keyed by the check Op's fingerprint and ``x``'s aval), not lowered again there;
    the jitted kernel when that cache is off."""
    key = (check, jax.typeof(x))
    exe = _CHECK_RUNS.get(key)
    if exe is None:
        exe = executable_cache.compiled(functools.partial(_run_check, check), ("invertibility-check", check), [x])
        if len(_CHECK_RUNS) > 256:
            _CHECK_RUNS.clear()
        _CHECK_RUNS[key] = exe = exe or False
    if exe:
        try:
            return exe([x])
        except jax.errors.JaxRuntimeError as e:  # a loaded program that cannot run (executable_cache.failed)
            if executable_cache.failed(exe, e) is None:
                raise
            _CHECK_RUNS[key] = False
    return check.kernel(())(x)


def _check_invertible(op_name: str, message: str, x: Tensor, check: Op) -> None:
    """Raises TF's InvalidArgumentError if a matrix of ``x`` is singular (see _first_singular_impl).

    Runs before the op is bound, so nothing is recorded or assigned on error. A pending ``x`` is
    computed with the queue and the check in one program; reading the answer back ends that queue.
    Traced values (tf.function) are not checked: the kernel returns inf/NaN there.
    """
    v = x._v
    if isinstance(v, jax.core.Tracer) or type(jax_core.trace_ctx.trace) is not jax_core.EvalTrace:  # pyright: ignore[reportAttributeAccessIssue]
        return
    executable_cache.initialize_lapack()  # (the check's LU kernel is lowered in each process)
    if type(v) is Pending and v.value is None:
        first = int(lazy.run_with(check, [v]))
    else:
        first = int(_check_run(check, lazy.concrete(v)))
    if first < 0:
        return
    shape = utils.shape_of(x)
    subject = "the matrix"
    if len(shape) > 2:
        subject = f"matrix [{', '.join(str(int(i)) for i in np.unravel_index(first, shape[:-2]))}] of the batch"
    raise utils.invalid_argument(
        f"{op_name}: {message} (input {dtypes_lib.from_numpy(np.dtype(v.dtype)).name}{list(shape)}: {subject} "
        "has a zero pivot in its LU factorisation, so it is singular). Fix: make the matrix nonsingular, e.g. "
        "add a small multiple of tf.eye to it, or check it for linearly dependent rows."
    )


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Contracts ``a`` and ``b`` over the given axes (``tf.tensordot``).

    ``axes`` is an int N (the last N axes of ``a`` with the first N of ``b``) or a pair of axis lists.

    Raises:
      InvalidArgumentError: if the contracted dimensions differ.

    >>> import tapejax as tf
    >>> print(tf.tensordot(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), 1))
    tf.Tensor(11.0, shape=(), dtype=float32)
    """
    a, b = utils.as_tensors_like([a, b], "Tensordot")
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    if isinstance(axes, (int, np.integer)) or (utils.is_tensor(axes) and not axes._v.shape):
        n = utils.static_int(axes, "axes")
        if not 0 <= n <= min(len(sa), len(sb)):
            raise ValueError(f"tensordot: axes={n} must be in [0, {min(len(sa), len(sb))}] for shapes {sa} and {sb}.")
        ax_a, ax_b = tuple(range(len(sa) - n, len(sa))), tuple(range(n))
    else:
        if len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}.")
        ax_a = tuple(utils.normalize_axis("Tensordot", d, len(sa), sa) for d in utils.static_ints(axes[0], "axes"))
        ax_b = tuple(utils.normalize_axis("Tensordot", d, len(sb), sb) for d in utils.static_ints(axes[1], "axes"))
        if len(ax_a) != len(ax_b):
            raise utils.invalid_argument(
                f"Tensordot: different number of contraction axes {list(ax_a)} and {list(ax_b)}."
            )
    for i, j in zip(ax_a, ax_b, strict=True):
        if sa[i] != sb[j]:
            raise utils.invalid_argument(
                f"Tensordot: contracted dimensions differ: a.shape[{i}] = {sa[i]} vs. b.shape[{j}] = {sb[j]} "
                f"(shapes {list(sa)} and {list(sb)})."
            )
    return bind(_tensordot, a, b, axes=(ax_a, ax_b))


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation over ``inputs`` (``tf.einsum``), e.g. ``"ij,jk->ik"``.

    Raises:
      InvalidArgumentError: if the equation does not fit the inputs' shapes or dtypes differ.

    >>> import tapejax as tf
    >>> print(tf.einsum("i,i->", tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])))
    tf.Tensor(11.0, shape=(), dtype=float32)
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {equation!r}.")
    tensors = utils.as_tensors_like(list(inputs), "Einsum")
    return bind(_einsum, *tensors, equation=equation.replace(" ", ""))


def matvec(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    adjoint_a: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: str | None = None,
) -> Tensor:
    """Matrix-vector product ``a @ b`` for (batched) matrices and vectors (``tf.linalg.matvec``).

    >>> import tapejax as tf
    >>> print(tf.linalg.matvec(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([1.0, 1.0])))
    tf.Tensor([3. 7.], shape=(2,), dtype=float32)
    """
    a, b = utils.as_tensors_like([a, b], "MatVec")
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    if len(sa) < 2 or len(sb) < 1:
        raise utils.invalid_argument(
            f"MatVec: a must have rank >= 2 and b rank >= 1, got shapes {list(sa)} and {list(sb)}."
        )
    k_a = sa[-2] if (transpose_a or adjoint_a) else sa[-1]
    if k_a != sb[-1]:
        raise utils.invalid_argument(f"MatVec: Matrix size-incompatible: In[0]: {list(sa)}, In[1]: {list(sb)}.")
    _check_batch("MatVec", sa[:-2], sb[:-1], sa, sb)
    return bind(_matvec, a, b, adjoint_a=bool(adjoint_a), transpose_a=bool(transpose_a))


def _square_matrix(op_name: str, x: Any) -> Any:
    x = utils.as_tensor(x, None, op_name)
    dt = x._v.dtype
    if dt.kind not in "fc":
        utils.require_float(op_name, x)
    if dt == jnp.bfloat16:  # (TF's linear-algebra ops do not list bfloat16; XLA's LAPACK calls crash on it)
        raise utils.invalid_argument(
            f"{op_name}: Value for attr 'T' of bfloat16 is not in the list of allowed values: double, float, "
            "half, complex64, complex128. Fix: tf.cast the input to tf.float32."
        )
    if dt == jnp.float16 and op_name != "MatrixInverse":  # (TF lists half but has no CPU kernel)
        raise errors.NotFoundError(
            None, None, f"{op_name}: no kernel for {utils.describe([x])}, as TF. Fix: tf.cast it to tf.float32."
        )
    s = utils.shape_of(x)
    if len(s) < 2 or s[-1] != s[-2]:
        raise utils.invalid_argument(
            f"{op_name}: Input matrix must be square (shape [..., M, M]), got shape {list(s)}."
        )
    return x


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Inverse of (batched) square matrices (``tf.linalg.inv``).

    Args:
      input: a float or complex tensor of shape ``[..., M, M]``.
      adjoint: return the adjoint (conjugate transpose) of the inverse.

    Returns:
      A tensor of ``input``'s shape and dtype.

    Raises:
      InvalidArgumentError: if ``input`` is not square, or (as TF: "Input is not invertible.") if a
        matrix of the batch is singular: its LU factorisation with partial pivoting has a zero (or
        subnormal) pivot. A nearly singular matrix gives large values, as TF.

    Checking singularity reads one number back from the device: a value ``input`` waits on is
    computed (with what else is queued, see deferred execution in the README) at the call.

    Differences from TensorFlow: inside ``tf.function`` the traced matrix is not checked, and a singular
    one gives inf/NaN entries (TF raises when the graph runs). TF also raises for some inputs holding
    NaN (when its first pivot is NaN); tapejax gives NaN for those, as TF does for the others. float16
    is inverted in float32 and rounded back (XLA has no half inverse): its gradient may differ from
    TF's in the last bit.

    >>> import tapejax as tf
    >>> print(tf.linalg.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])))
    tf.Tensor(
    [[0.5  0.  ]
     [0.   0.25]], shape=(2, 2), dtype=float32)
    >>> try:
    ...     tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(str(e).split(" (")[0])
    MatrixInverse: Input is not invertible.
    """
    x = _square_matrix("MatrixInverse", input)
    if x._v.dtype == jnp.float16:  # (TF has a half kernel; XLA's LAPACK has none: float32, rounded back)
        return math_ops.cast(inv(math_ops.cast(x, np.float32), adjoint), np.float16)
    _check_invertible("MatrixInverse", "Input is not invertible.", x, _first_singular)
    return bind(_inv, x, adjoint=bool(adjoint))


def det(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Determinant of (batched) square matrices (``tf.linalg.det``).

    A singular matrix has determinant 0, as TF (no error, unlike ``inv`` and ``solve``).

    >>> import tapejax as tf
    >>> print(tf.linalg.det(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    tf.Tensor(-2.0, shape=(), dtype=float32)
    """
    return bind(_det, _square_matrix("MatrixDeterminant", input))


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """Solves ``matrix @ x = rhs`` for ``x``; ``rhs`` has shape ``[..., M, K]`` (``tf.linalg.solve``).

    Args:
      matrix: a float or complex tensor of shape ``[..., M, M]``.
      rhs: a tensor of ``matrix``'s dtype and shape ``[..., M, K]`` (the same batch dimensions).
      adjoint: solve ``adjoint(matrix) @ x = rhs`` instead.

    Returns:
      ``x``, of ``rhs``'s shape and dtype.

    Raises:
      InvalidArgumentError: if the shapes or dtypes do not fit, or (as TF: "Input matrix is not
        invertible.") if a matrix of the batch is singular: its LU factorisation with partial pivoting
        has a zero (or subnormal) pivot.

    Checking singularity reads one number back from the device: a value ``matrix`` waits on is
    computed (with what else is queued) at the call.

    Differences from TensorFlow: inside ``tf.function`` the traced matrix is not checked, and a singular
    one gives inf/NaN (TF raises when the graph runs). TF also raises for some matrices holding NaN
    (when its first pivot is NaN); tapejax gives NaN for those, as TF does for the others.

    >>> import tapejax as tf
    >>> print(tf.linalg.solve(tf.constant([[2.0, 0.0], [0.0, 4.0]]), tf.constant([[2.0], [2.0]])))
    tf.Tensor(
    [[1. ]
     [0.5]], shape=(2, 1), dtype=float32)
    """
    m = _square_matrix("MatrixSolve", matrix)
    r = utils.as_tensor(rhs, m._v.dtype, "MatrixSolve")
    utils.check_same_dtype("MatrixSolve", [m, r])
    sm, sr = utils.shape_of(m), utils.shape_of(r)
    if len(sr) != len(sm) or sr[:-2] != sm[:-2] or sr[-2] != sm[-1]:
        raise utils.invalid_argument(
            f"MatrixSolve: Input matrix and right-hand side must have the same batch dimensions and number of rows: "
            f"{list(sm)} vs. {list(sr)}."
        )
    check = _first_singular_adjoint if adjoint else _first_singular
    _check_invertible("MatrixSolve", "Input matrix is not invertible.", m, check)
    return bind(_solve, m, r, adjoint=bool(adjoint))


def cholesky(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Lower-triangular Cholesky factor of (batched) Hermitian positive-definite matrices (``tf.linalg.cholesky``).

    A matrix that is not positive definite gives NaN, without an error, as TF 2.21 (whose CPU kernel
    no longer raises "Cholesky decomposition was not successful"): check with ``tf.math.is_nan``.

    Differences from TensorFlow: the input is symmetrised (TF reads only its lower triangle); the
    two agree on symmetric input, and both give a symmetric gradient. For a matrix that is not
    positive definite, the factor's lower triangle is NaN and its upper triangle 0, where TF leaves
    the upper triangle unset (and its complex kernel gives zeros and unset values, not NaN).

    >>> import tapejax as tf
    >>> print(tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 2.0]])))
    tf.Tensor(
    [[2. 0.]
     [1. 1.]], shape=(2, 2), dtype=float32)
    """
    return bind(_cholesky, _square_matrix("Cholesky", input))


def norm(
    tensor: Any,
    ord: Any = "euclidean",  # noqa: A002 - TF's name
    axis: Any = None,
    keepdims: bool | None = None,
    name: str | None = None,
) -> Tensor:
    """Vector or matrix norm (``tf.norm``, ``tf.linalg.norm``).

    ``axis=None`` treats the whole tensor as one vector; an int gives vector norms along it, a pair
    of ints matrix norms. ``ord``: ``'euclidean'`` (default), ``'fro'``, 1, 2, ``np.inf`` or any
    p > 0 for vectors; ``'euclidean'``, ``'fro'``, 1, 2, ``np.inf`` for matrices. The Euclidean
    norm is ``sqrt(sum(x * conj(x)))``, so its gradient at 0 is NaN, as TF. Signed integer tensors
    take ``ord`` 1 and ``np.inf`` (integer results, as TF); other norms need a float tensor.

    Raises:
      ValueError: for an unsupported ``ord`` or ``axis``.

    >>> import tapejax as tf
    >>> print(tf.norm(tf.constant([3.0, 4.0])))
    tf.Tensor(5.0, shape=(), dtype=float32)
    >>> print(tf.norm(tf.constant([[1.0, -2.0], [3.0, 4.0]]), ord=1, axis=[0, 1]))
    tf.Tensor(6.0, shape=(), dtype=float32)
    """
    x = utils.as_tensor(tensor, None, "Norm")
    rank = len(utils.shape_of(x))
    matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if matrix:
        assert isinstance(axis, (tuple, list))
        if not all(isinstance(a, int) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        supported: list[Any] = ["euclidean", "fro", 1, 2, np.inf]
        if ord not in supported:
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
        axes: tuple[int, ...] | None = tuple(axis)
    else:
        if not (axis is None or isinstance(axis, (int, np.integer))):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        supported = ["euclidean", 1, 2, np.inf]
        if ord not in supported and (isinstance(ord, str) or not np.isreal(ord) or ord <= 0):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        axes = None if axis is None else (int(axis),)
    if x._v.dtype.kind == "i" and not isinstance(ord, str) and ord not in (1, 2, np.inf):
        # TF: pow(sum(pow(abs(x), p)), 1.0 / p) cannot convert 1.0 / p to the integer dtype
        raise TypeError(f"Cannot convert {1.0 / ord!r} to EagerTensor of dtype {x.dtype.name}")
    if x._v.dtype.kind not in "fc" and not (x._v.dtype.kind == "i" and ord in (1, np.inf)):
        utils.require_float("Norm", x)  # TF's ord 1 and inf (sums and maxima of abs) compute for signed ints
    if axes is not None:
        for a in axes:
            utils.normalize_axis("Norm", a, rank)
    key_ord = ord if isinstance(ord, str) else float(ord)
    return bind(_norm, x, ord=key_ord, axis=axes, keepdims=bool(keepdims), matrix=matrix)


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """Transposes the last two dimensions of ``a`` (``tf.linalg.matrix_transpose``).

    Raises:
      ValueError: if ``a`` has rank < 2.

    >>> import tapejax as tf
    >>> tf.linalg.matrix_transpose(tf.zeros([5, 2, 3])).shape
    TensorShape([5, 3, 2])
    """
    x = utils.as_tensor(a, None, "Transpose")
    rank = len(utils.shape_of(x))
    if rank < 2:
        raise ValueError(
            f"Argument `a` should be a (batch) matrix with rank >= 2. Received `a` = {x!r} with shape {utils.shape_of(x)}"
        )
    perm = (*range(rank - 2), rank - 1, rank - 2)
    return shape_ops.transpose(x, perm, conjugate=conjugate)


# -- adjoint, triangular and least-squares solvers, cross, normalize, expm --------------------------
def adjoint(matrix: Any, name: str | None = None) -> Tensor:
    """Conjugate transpose of the last two dimensions (``tf.linalg.adjoint``).

    Raises:
      ValueError: if ``matrix`` has rank < 2.

    >>> import tapejax as tf
    >>> print(tf.linalg.adjoint(tf.constant([[1 + 2j, 3j]])))
    tf.Tensor(
    [[1.-2.j]
     [0.-3.j]], shape=(2, 1), dtype=complex128)
    """
    return matrix_transpose(matrix, conjugate=True)


def _broadcast_batch(a: Any, b: Any) -> tuple[Any, Any]:
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:])


def _triangular_solve_impl(a: Any, b: Any, *, lower: bool, adjoint: bool) -> Any:
    # lax's solve reads only the ``lower`` triangle and its derivative for ``a`` is that triangle of
    # TF's (band_part of -grad_b @ x^H); the broadcast's derivative sums over batch dims, as TF.
    a, b = _broadcast_batch(a, b)
    return lax.linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=adjoint, conjugate_a=adjoint)


def _cholesky_solve_impl(chol: Any, rhs: Any) -> Any:
    # TF's two triangular solves.
    y = _triangular_solve_impl(chol, rhs, lower=True, adjoint=False)
    return _triangular_solve_impl(chol, y, lower=True, adjoint=True)


def _lstsq_impl(a: Any, b: Any, *, l2_regularizer: float) -> Any:
    # TF's fast path: the regularised normal equations through a Cholesky factor; its registered
    # gradient is this function's derivative.
    a, b = _broadcast_batch(a, b)
    m, n = a.shape[-2:]
    ah = jnp.conj(jnp.swapaxes(a, -1, -2))
    if m >= n:
        gram = ah @ a + l2_regularizer * jnp.eye(n, dtype=a.dtype)
        return _cholesky_solve_impl(jnp.linalg.cholesky(gram), ah @ b)
    gram = a @ ah + l2_regularizer * jnp.eye(m, dtype=a.dtype)
    return ah @ _cholesky_solve_impl(jnp.linalg.cholesky(gram), b)


def _lstsq_min_norm_impl(a: Any, b: Any) -> Any:
    return jnp.vectorize(lambda x, y: jnp.linalg.lstsq(x, y)[0], signature="(m,n),(m,k)->(n,k)")(a, b)


def _cross_impl(a: Any, b: Any) -> Any:
    return jnp.cross(a, b)


def _expm_impl(x: Any) -> Any:
    return jax.scipy.linalg.expm(x)


_triangular_solve = Op("MatrixTriangularSolve", _triangular_solve_impl, same_dtype=True)
_cholesky_solve = Op("CholeskySolve", _cholesky_solve_impl, same_dtype=True)
_lstsq = Op("MatrixSolveLs", _lstsq_impl, same_dtype=True)
# TF's gradient for fast=False raises ValueError ("Gradient not defined"): tapes get None here.
_lstsq_min_norm = Op("MatrixSolveLsMinNorm", _lstsq_min_norm_impl, same_dtype=True, differentiable=False)
_cross = Op("Cross", _cross_impl, same_dtype=True)
_expm = Op("MatrixExponential", _expm_impl)


def _solver_args(op_name: str, matrix: Any, rhs: Any, *, square: bool = True) -> tuple[Any, Any]:
    """``matrix`` ``[..., M, M]`` (or ``[..., M, N]``) and ``rhs`` ``[..., M, K]``, same float dtype,
    broadcastable batch dimensions, with TF's errors."""
    a, b = utils.as_tensors_like([matrix, rhs], op_name)
    dt = a._v.dtype
    if dt not in (np.float32, np.float64, np.complex64, np.complex128):
        if dt == jnp.float16 or (dt == jnp.bfloat16 and op_name == "MatrixTriangularSolve"):  # (MatrixSolveLs: no
            # bfloat16 in its list, the attr error below)
            raise errors.NotFoundError(None, None, f"{op_name}: no kernel for {utils.describe([a, b])}, as TF.")
        raise utils.invalid_argument(
            f"{op_name}: Value for attr 'T' of {utils.dtype_name(a)} is not in the list of allowed values: double, "
            "float, half, complex64, complex128. Fix: tf.cast the inputs to tf.float32."
        )
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    for i, s in enumerate((sa, sb)):
        if len(s) < 2:
            raise utils.invalid_argument(f"{op_name}: In[{i}] ndims must be >= 2: {len(s)} (shape {list(s)})")
    if square and sa[-1] != sa[-2]:
        raise utils.invalid_argument(
            f"{op_name}: In[0] matrices in the last dimensions must be square ({sa[-1]} =/= {sa[-2]})"
        )
    if sa[-2] != sb[-2]:
        raise utils.invalid_argument(
            f"{op_name}: In[0] mismatch In[1] shape: {sa[-2]} vs. {sb[-2]}: {list(sa)} {list(sb)}"
        )
    _check_batch(op_name, sa[:-2], sb[:-2], sa, sb)
    return a, b


def triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: str | None = None
) -> Tensor:
    """Solves ``matrix @ x = rhs`` for a (batched) triangular ``matrix`` (``tf.linalg.triangular_solve``).

    Only the lower (``lower=True``) or upper triangle of ``matrix`` is read; batch dimensions broadcast.
    A zero on the diagonal gives inf/NaN, as TF. The gradient for ``matrix`` is that triangle's, as TF's.

    Args:
      matrix: ``[..., M, M]``, float or complex.
      rhs: ``[..., M, K]``, of ``matrix``'s dtype.
      adjoint: solve ``adjoint(matrix) @ x = rhs``.

    Raises:
      InvalidArgumentError: if the shapes or dtypes do not fit.

    >>> import tapejax as tf
    >>> print(tf.linalg.triangular_solve(tf.constant([[2.0, 0.0], [1.0, 4.0]]), tf.constant([[2.0], [5.0]])))
    tf.Tensor(
    [[1.]
     [1.]], shape=(2, 1), dtype=float32)
    """
    a, b = _solver_args("MatrixTriangularSolve", matrix, rhs)
    return bind(_triangular_solve, a, b, lower=bool(lower), adjoint=bool(adjoint))


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Tensor:
    """Solves ``A @ x = rhs`` given the Cholesky factor ``chol`` of ``A`` (``tf.linalg.cholesky_solve``).

    ``chol`` is read as lower triangular (``tf.linalg.cholesky``'s output); batch dimensions broadcast.

    >>> import tapejax as tf
    >>> chol = tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 2.0]]))
    >>> print(tf.linalg.cholesky_solve(chol, tf.constant([[6.0], [4.0]])))
    tf.Tensor(
    [[1.]
     [1.]], shape=(2, 1), dtype=float32)
    """
    a, b = _solver_args("MatrixTriangularSolve", chol, rhs)
    return bind(_cholesky_solve, a, b)


def lstsq(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: str | None = None) -> Tensor:
    """Least-squares solution of ``matrix @ x = rhs`` (``tf.linalg.lstsq``).

    With ``fast=True`` (TF's default), the regularised normal equations
    ``(A^H A + l2 I) x = A^H rhs`` (``x = A^H (A A^H + l2 I)^-1 rhs`` when ``M < N``) are solved through a
    Cholesky factor, as TF: a rank-deficient ``matrix`` without ``l2_regularizer`` gives NaN. With
    ``fast=False``, the minimum-norm solution through the SVD (``l2_regularizer`` is ignored, as TF).

    Args:
      matrix: ``[..., M, N]``, float or complex.
      rhs: ``[..., M, K]``, of ``matrix``'s dtype; batch dimensions broadcast (with ``fast=False`` they
        must be equal, as TF).
      l2_regularizer: a Python float or scalar tensor (no gradient).

    Returns:
      ``[..., N, K]``.

    Raises:
      InvalidArgumentError: if the shapes or dtypes do not fit.
      NotImplementedError: for complex128 with ``l2_regularizer != 0``, as TF.

    Differences from TensorFlow: with ``fast=False`` TF's gradient raises ValueError; tapes here give None.

    >>> import tapejax as tf
    >>> print(tf.linalg.lstsq(tf.constant([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), tf.constant([[1.0], [4.0], [0.0]])))
    tf.Tensor(
    [[1.]
     [2.]], shape=(2, 1), dtype=float32)
    """
    a, b = _solver_args("MatrixSolveLs", matrix, rhs, square=False)
    if not fast:
        sa, sb = utils.shape_of(a), utils.shape_of(b)
        if sa[:-2] != sb[:-2]:  # (TF's MatrixSolveLs kernel does not broadcast)
            raise utils.invalid_argument(
                f"MatrixSolveLs: with fast=False the batch dimensions must be equal: {list(sa)} vs. {list(sb)}"
            )
        return bind(_lstsq_min_norm, a, b)
    l2 = l2_regularizer
    if utils.is_tensor(l2):
        v = utils.concrete(l2)
        if v is None or v.ndim:
            raise TypeError(f"lstsq: l2_regularizer must be a Python float or a concrete scalar tensor, got {l2!r}.")
        l2 = v.item()
    if a._v.dtype == np.complex128 and l2 != 0:
        raise NotImplementedError(
            "matrix_solve_ls is currently disabled for complex128 and l2_regularizer != 0 due to poor accuracy."
        )
    return bind(_lstsq, a, b, l2_regularizer=float(l2))


def cross(a: Any, b: Any, name: str | None = None) -> Tensor:
    """Cross product of 3-element vectors along the last axis (``tf.linalg.cross``).

    Raises:
      InvalidArgumentError: if the shapes differ (no broadcasting, as TF) or for complex/bool input.
      FailedPreconditionError: if the last dimension is not 3, as TF.

    >>> import tapejax as tf
    >>> print(tf.linalg.cross(tf.constant([1.0, 0.0, 0.0]), tf.constant([0.0, 1.0, 0.0])))
    tf.Tensor([0. 0. 1.], shape=(3,), dtype=float32)
    """
    x, y = utils.as_tensors_like([a, b], "Cross")
    utils.require_kind("Cross", x, "fiu", "real numeric")
    sx, sy = utils.shape_of(x), utils.shape_of(y)
    if sx != sy:
        raise utils.invalid_argument(f"Cross: Both inputs must be of same shape: {list(sx)} vs. {list(sy)}")
    if not sx or sx[-1] != 3:
        from tapejax._src.function import in_trace

        if in_trace() and sx:  # TF's graph shape check
            raise ValueError(
                f"Dimension must be 3 but is {sx[-1]} for 'Cross' with input shapes: {list(sx)}, {list(sy)}."
            )
        raise errors.FailedPreconditionError(
            None, None, f"Cross: Cross-products are only defined for 3-element vectors (shape {list(sx)})."
        )
    return bind(_cross, x, y)


def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``tensor`` divided by its norm, and the norm (``tf.linalg.normalize``).

    ``ord`` and ``axis`` are ``tf.norm``'s; the norm keeps the reduced dimensions (size 1) and has
    ``tensor``'s dtype. A zero vector gives NaN, as TF.

    Returns:
      ``(normalized, norm)``.

    >>> import tapejax as tf
    >>> x, n = tf.linalg.normalize(tf.constant([3.0, 4.0]))
    >>> print(x, n)
    tf.Tensor([0.6 0.8], shape=(2,), dtype=float32) tf.Tensor([5.], shape=(1,), dtype=float32)
    """
    x = utils.as_tensor(tensor, None, "Norm")
    n = math_ops.cast(norm(x, ord=ord, axis=axis, keepdims=True), x._v.dtype)
    return math_ops.divide(x, n), n


def expm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """Matrix exponential of (batched) square matrices, by Pade approximation with scaling and
    squaring (``tf.linalg.expm``).

    Raises:
      ValueError: for integer input, as TF.
      InvalidArgumentError: if the matrices are not square.

    >>> import tapejax as tf
    >>> print(tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])))
    tf.Tensor(
    [[1. 1.]
     [0. 1.]], shape=(2, 2), dtype=float32)
    """
    x = utils.as_tensor(input, None, "MatrixExponential")
    if x._v.dtype == jnp.float16:
        raise errors.NotFoundError(None, None, f"MatrixSolve: no kernel for {utils.describe([x])}, as TF.")
    if x._v.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise ValueError(
            f"tf.linalg.expm does not support matrices of type {dtypes_lib.from_numpy(np.dtype(x._v.dtype))!r}"
        )
    return bind(_expm, _square_matrix("MatrixExponential", x))


# -- tridiagonal matrices ----------------------------------------------------------------------------
def _tridiagonal_matmul_impl(diagonals: Any, rhs: Any) -> Any:
    # (compact format: superdiagonal, main diagonal, subdiagonal; the superdiagonal's last and the
    # subdiagonal's first entry are not read)
    sup, main, sub = diagonals[..., 0, :, None], diagonals[..., 1, :, None], diagonals[..., 2, :, None]
    zero = jnp.zeros_like(rhs[..., :1, :])
    above = jnp.concatenate([rhs[..., 1:, :], zero], axis=-2)
    below = jnp.concatenate([zero, rhs[..., :-1, :]], axis=-2)
    return sup * above + main * rhs + sub * below


def _tridiagonal_dense(diagonals: Any) -> Any:
    m = diagonals.shape[-1]
    sup, main, sub = diagonals[..., 0, :], diagonals[..., 1, :], diagonals[..., 2, :]
    eye = jnp.eye(m, dtype=diagonals.dtype)
    upper, lower = jnp.eye(m, k=1, dtype=diagonals.dtype), jnp.eye(m, k=-1, dtype=diagonals.dtype)
    return main[..., :, None] * eye + sup[..., :, None] * upper + sub[..., :, None] * lower


def _tridiagonal_solve_impl(diagonals: Any, rhs: Any, *, partial_pivoting: bool) -> Any:
    if not partial_pivoting:  # the Thomas algorithm, as TF's kernel without pivoting
        return lax.linalg.tridiagonal_solve(diagonals[..., 2, :], diagonals[..., 1, :], diagonals[..., 0, :], rhs)
    # Partial pivoting, as TF's kernel (LAPACK's gtsv): through the dense matrix's pivoted LU. A singular
    # matrix gives NaN, as TF.
    a = _tridiagonal_dense(diagonals)
    lu, _, perm = lax.linalg.lu(a)
    b = jnp.take_along_axis(rhs, perm[..., :, None], axis=-2)
    y = lax.linalg.triangular_solve(lu, b, left_side=True, lower=True, unit_diagonal=True)
    x = lax.linalg.triangular_solve(lu, y, left_side=True, lower=False)
    singular = jnp.any(jnp.diagonal(lu, axis1=-2, axis2=-1) == 0, axis=-1)[..., None, None]
    return jnp.where(singular, jnp.asarray(np.nan, x.dtype), x)


_tridiagonal_matmul = Op("TridiagonalMatMul", _tridiagonal_matmul_impl, same_dtype=True)
_tridiagonal_solve = Op("TridiagonalSolve", _tridiagonal_solve_impl, same_dtype=True)


def _compact_diagonals(op_name: str, diagonals: Any, diagonals_format: str, pad_short: bool = True) -> Any:
    """The ``[..., 3, M]`` compact form of ``diagonals`` given in any of TF's three formats."""
    from tapejax._src.ops import diag_ops

    if diagonals_format == "compact":
        d = utils.as_tensor(diagonals, None, op_name)
        s = utils.shape_of(d)
        if len(s) < 2:
            raise ValueError(f"Expected diagonals to have rank at least 2, got {len(s)}")
        if s[-2] != 3:
            raise ValueError(f"Expected 3 diagonals got {s[-2]}")
        return d
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (tuple, list)) or len(diagonals) != 3:
            raise ValueError("Expected diagonals to be a sequence of length 3.")
        sup, main, sub = utils.as_tensors_like(list(diagonals), op_name)
        m = utils.shape_of(main)[-1]
        if not (utils.shape_of(sup)[:-1] == utils.shape_of(main)[:-1] == utils.shape_of(sub)[:-1]):
            raise ValueError(
                "Tensors representing the three diagonals must have the same shape, except for the last dimension, "
                f"got {utils.shape_of(sub)}, {utils.shape_of(main)}, {utils.shape_of(sup)}"
            )

        def padded(t: Any, what: str, before: int) -> Any:
            n = utils.shape_of(t)[-1]
            if n == m:
                return t
            if n == m - 1 and pad_short:  # (tridiagonal_solve pads, tridiagonal_matmul does not, as TF)
                rank = len(utils.shape_of(t))
                return shape_ops.pad(t, [[0, 0]] * (rank - 1) + [[before, 1 - before]])
            raise ValueError(f"Expected {what} to be have length {m} or {m - 1}, got {n}.")

        return shape_ops.stack([padded(sup, "superdiagonal", 0), main, padded(sub, "subdiagonal", 1)], axis=-2)
    if diagonals_format == "matrix":
        d = utils.as_tensor(diagonals, None, op_name)
        s = utils.shape_of(d)
        if len(s) >= 2 and s[-1] != s[-2]:
            raise ValueError(f"Expected last two dimensions of diagonals to be same, got {s[-1]} and {s[-2]}")
        return diag_ops.diag_part(d, k=(-1, 1), padding_value=0, align="LEFT_RIGHT")
    raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")


def _tridiagonal_dtype(op_name: str, *tensors: Any) -> None:
    utils.check_same_dtype(op_name, list(tensors))
    if tensors[0]._v.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise utils.invalid_argument(
            f"{op_name}: Value for attr 'T' of {utils.dtype_name(tensors[0])} is not in the list of allowed values: "
            "double, float, complex64, complex128. Fix: tf.cast the inputs to tf.float32."
        )


def tridiagonal_matmul(diagonals: Any, rhs: Any, diagonals_format: str = "compact", name: str | None = None) -> Tensor:
    """Product of (batched) tridiagonal matrices with ``rhs`` ``[..., M, N]`` (``tf.linalg.tridiagonal_matmul``).

    Args:
      diagonals: ``"compact"``: ``[..., 3, M]`` (superdiagonal, main diagonal, subdiagonal; the
        superdiagonal's last and the subdiagonal's first entry are ignored); ``"sequence"``: a list of
        those three ``[..., M]`` tensors; ``"matrix"``: the ``[..., M, M]`` matrix (only its three
        diagonals are read).
      rhs: ``[..., M, N]``, of the same dtype and batch shape.

    Raises:
      ValueError: for an unknown format or malformed diagonals.
      InvalidArgumentError: if the shapes or dtypes do not fit.

    >>> import tapejax as tf
    >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    >>> print(tf.linalg.tridiagonal_matmul(d, tf.ones([3, 1])))
    tf.Tensor(
    [[3.]
     [4.]
     [3.]], shape=(3, 1), dtype=float32)
    """
    op = "TridiagonalMatMul"
    if diagonals_format == "sequence" and isinstance(diagonals, (tuple, list)) and len(diagonals) == 3:
        lengths = [utils.shape_of(t)[-1:] for t in diagonals]
        if len(set(lengths)) != 1:
            raise utils.invalid_argument(f"{op}: the three diagonals must have the same length, got {lengths}.")
    d = _compact_diagonals(op, diagonals, diagonals_format, pad_short=False)
    r = utils.as_tensor(rhs, d._v.dtype, op)
    _tridiagonal_dtype(op, d, r)
    sd, sr = utils.shape_of(d), utils.shape_of(r)
    if len(sr) != len(sd) or sr[:-2] != sd[:-2] or sr[-2] != sd[-1]:
        raise utils.invalid_argument(
            f"{op}: rhs must have shape [..., M, N] with the diagonals' batch shape and M = {sd[-1]}: diagonals "
            f"{list(sd)} (compact form), rhs {list(sr)}."
        )
    return bind(_tridiagonal_matmul, d, r)


def tridiagonal_solve(
    diagonals: Any,
    rhs: Any,
    diagonals_format: str = "compact",
    transpose_rhs: bool = False,
    conjugate_rhs: bool = False,
    name: str | None = None,
    partial_pivoting: bool = True,
    perturb_singular: bool = False,
) -> Tensor:
    """Solves (batched) tridiagonal systems ``A @ x = rhs`` (``tf.linalg.tridiagonal_solve``).

    Args:
      diagonals: ``A`` in one of the formats of ``tridiagonal_matmul``.
      rhs: ``[..., M, K]``, or ``[..., M]`` for one right-hand side (then ``transpose_rhs`` is ignored).
      transpose_rhs: ``rhs`` is given as ``[..., K, M]``.
      conjugate_rhs: conjugate ``rhs`` first.
      partial_pivoting: pivot rows, as LAPACK's gtsv; without it, the Thomas algorithm.

    Returns:
      ``x``, ``[..., M, K]`` (``[..., M]`` for a vector ``rhs``). A singular ``A`` gives NaN (inf/NaN
      without pivoting), as TF.

    Raises:
      NotImplementedError: for ``perturb_singular=True``.

    Differences from TensorFlow: with pivoting the system is solved through the dense matrix's LU
    factorisation (the same pivots and values; O(M^3) work, where TF's kernel is O(M)).
    ``perturb_singular`` is not supported.

    >>> import tapejax as tf
    >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    >>> print(tf.linalg.tridiagonal_solve(d, tf.constant([3.0, 4.0, 3.0])))
    tf.Tensor([1. 1. 1.], shape=(3,), dtype=float32)
    """
    if perturb_singular and not partial_pivoting:
        raise ValueError("partial_pivoting must be True if perturb_singular is.")
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is not supported by tapejax.")
    op = "TridiagonalSolve"
    d = _compact_diagonals(op, diagonals, diagonals_format)
    r = utils.as_tensor(rhs, d._v.dtype, op)
    _tridiagonal_dtype(op, d, r)
    sd, sr = utils.shape_of(d), utils.shape_of(r)
    vector = len(sr) == len(sd) - 1
    if len(sr) not in (len(sd), len(sd) - 1):
        raise ValueError(f"Expected the rank of rhs to be {len(sd) - 1} or {len(sd)}, got {len(sr)}")
    if sr[: len(sd) - 2] != sd[:-2]:
        raise ValueError(f"Batch shapes {sd[:-2]} and {sr[: len(sd) - 2]} are incompatible")
    if vector:
        if conjugate_rhs:
            r = math_ops.conj(r)
        r = shape_ops.expand_dims(r, -1)
    elif transpose_rhs:
        r = matrix_transpose(r, conjugate=conjugate_rhs)
    elif conjugate_rhs:
        r = math_ops.conj(r)
    if utils.shape_of(r)[-2] != sd[-1]:
        raise ValueError(
            "Expected number of left-hand sided and right-hand sides to be equal, got "
            f"{sd[-1]} and {utils.shape_of(r)[-2]}"
        )
    x = bind(_tridiagonal_solve, d, r, partial_pivoting=bool(partial_pivoting))
    return shape_ops.squeeze(x, -1) if vector else x


def banded_triangular_solve(
    bands: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: str | None = None
) -> Tensor:
    """Solves ``A @ x = rhs`` for a (batched) banded triangular ``A`` given by its ``K`` bands
    (``tf.linalg.banded_triangular_solve``).

    Args:
      bands: ``[..., K, M]``: with ``lower=True`` the main diagonal then the ``K - 1`` subdiagonals below
        it (the main diagonal is the top row); with ``lower=False`` the ``K - 1``-th superdiagonal down to the
        main diagonal (the bottom row). Stored with ``"LEFT_RIGHT"`` alignment, as ``tf.linalg.diag_part``'s:
        superdiagonals padded on the right, subdiagonals on the left.
      rhs: ``[..., M, N]``, of ``bands``' dtype; batch dimensions broadcast.
      adjoint: solve ``adjoint(A) @ x = rhs``.

    The gradient is TF's (the triangular solve's, read back on the bands).

    Differences from TensorFlow: the banded matrix is solved densely (O(M^2) per right-hand side). For
    ``K = 1`` TF's gradient for ``bands`` has shape ``[..., M]``; here it has ``bands``' shape (same values).

    >>> import tapejax as tf
    >>> bands = tf.constant([[2.0, 4.0], [0.0, 1.0]])  # main diagonal [2, 4], subdiagonal [1]
    >>> print(tf.linalg.banded_triangular_solve(bands, tf.constant([[2.0], [5.0]])))
    tf.Tensor(
    [[1.]
     [1.]], shape=(2, 1), dtype=float32)
    """
    from tapejax._src.ops import diag_ops

    op = "BandedTriangularSolve"
    b, r = utils.as_tensors_like([bands, rhs], op)
    sb, sr = utils.shape_of(b), utils.shape_of(r)
    if len(sb) < 2 or len(sr) < 2:
        raise utils.invalid_argument(f"{op}: bands and rhs must have rank >= 2, got shapes {list(sb)} and {list(sr)}.")
    k, m = sb[-2:]
    if sr[-2] != m:
        raise utils.invalid_argument(
            f"{op}: bands and rhs must have the same number of rows: {list(sb)} vs. {list(sr)}"
        )
    if not 1 <= k <= m:
        raise utils.invalid_argument(f"{op}: the number of bands must be in [1, {m}] for {m} rows, got {k}.")
    ks = (-(k - 1), 0) if lower else (0, k - 1)
    if k == 1:  # (a band of one diagonal: diag's input without the bands axis)
        b = shape_ops.squeeze(b, -2)
    dense = diag_ops.diag(b, k=ks, num_rows=m, num_cols=m, align="LEFT_RIGHT")
    return triangular_solve(dense, r, lower=lower, adjoint=adjoint)
