"""Matrix decompositions of ``tf.linalg``: ``svd``, ``qr``, ``eigh``, ``eigvalsh``, ``eig``, ``eigvals``,
``slogdet``, ``logdet``, ``pinv``, ``matrix_rank`` and the ``lu`` family.

Gradients are JAX's derivatives of implementations written as TF computes each output (linalg_grad.py):
``eigh`` reads only the lower triangle, as TF's kernel, so its gradient is TF's lower-triangular one;
the wide (``M < N``) QR is TF's partition ``a = [x, y]``, ``r = [qr(x).r, q^H y]``; the complement
columns of a full SVD follow the thin ones without turning (TF's ``full_matrices`` gradient).
"""

from __future__ import annotations

import collections
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

Qr = collections.namedtuple("Qr", ["q", "r"])
LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])
Lu = collections.namedtuple("Lu", ["lu", "p"])


def _adj(x: Any) -> Any:
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _follow(thin: Any, complement: Any) -> Any:
    """``complement`` (orthonormal columns orthogonal to ``thin``'s, held constant) projected off ``thin``
    and renormalised: the same value, and the derivative ``-thin thin'^H complement`` (no turn within the
    complement, as TF's gradient)."""
    c = lax.stop_gradient(complement)
    c = c - thin @ (_adj(thin) @ c)
    return c / jnp.linalg.norm(c, axis=-2, keepdims=True)


def _svd_impl(x: Any, *, full_matrices: bool, compute_uv: bool) -> Any:
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    u, s, vh = jnp.linalg.svd(x, full_matrices=False)
    v = _adj(vh)
    m, n = x.shape[-2:]
    if full_matrices and m != n:
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(x), full_matrices=True)
        k = min(m, n)
        if m > n:
            u = jnp.concatenate([u, _follow(u, uf[..., :, k:])], axis=-1)
        else:
            v = jnp.concatenate([v, _follow(v, _adj(vhf)[..., :, k:])], axis=-1)
    return s, u, v


def _qr_impl(x: Any, *, full_matrices: bool) -> Any:
    dtype = x.dtype
    if dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype(jnp.float32)  # (no LAPACK kernel for them)
    m, n = x.shape[-2:]
    if m < n:  # TF's gradient: reduce to the square QR of the first M columns
        q, u = jnp.linalg.qr(x[..., :, :m])
        r = jnp.concatenate([u, _adj(q) @ x[..., :, m:]], axis=-1)
    else:
        q, r = jnp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q.astype(dtype), r.astype(dtype)


def _lower_hermitian(x: Any) -> Any:
    """The Hermitian matrix TF's self-adjoint kernels see: ``x``'s lower triangle, mirrored."""
    return jnp.tril(x) + _adj(jnp.tril(x, -1))


def _eigh_impl(x: Any) -> Any:
    w, v = jnp.linalg.eigh(_lower_hermitian(x))
    return w.astype(x.dtype), v


def _eigvalsh_impl(x: Any) -> Any:
    return jnp.linalg.eigvalsh(_lower_hermitian(x)).astype(x.dtype)


def _eig_impl(x: Any) -> Any:
    # JAX differentiates eigenvectors of LAPACK's normalisation (unit norm, largest entry real) on request.
    w, v = lax.linalg.eig(x, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
    return w, v


def _eigvals_impl(x: Any) -> Any:
    # (eigenvector derivatives enabled: the second derivative of the eigenvalues goes through them)
    return lax.linalg.eig(
        x, compute_left_eigenvectors=False, compute_right_eigenvectors=False, enable_eigvec_derivs=True
    )[0]


def _slogdet_impl(x: Any) -> Any:
    sign, logabs = jnp.linalg.slogdet(x)
    # TF's gradient ignores the sign's cotangent (a complex sign does change with x).
    return lax.stop_gradient(sign).astype(x.dtype), logabs.astype(x.dtype)


def _logdet_impl(x: Any) -> Any:
    # TF's Cholesky reads the lower triangle (of a Hermitian matrix, for complex input); its gradient is
    # symmetric, which is JAX's once the lower-triangle value passes the change in x straight through.
    chol = jnp.linalg.cholesky(x + lax.stop_gradient(_lower_hermitian(x) - x))
    return 2.0 * jnp.sum(jnp.log(jnp.real(jnp.diagonal(chol, axis1=-2, axis2=-1))), axis=-1)


def _pinv_impl(x: Any, rcond: Any) -> Any:
    # TF's construction through the SVD (so its gradient is the SVD's, as TF's).
    s, u, v = _svd_impl(x, full_matrices=False, compute_uv=True)
    s = s.astype(x.dtype)
    cutoff = rcond * jnp.max(jnp.real(s), axis=-1, initial=-jnp.inf)
    s = jnp.where(jnp.real(s) > cutoff[..., None], s, jnp.asarray(np.inf, x.dtype))
    return (v / s[..., None, :]) @ _adj(u)


def _matrix_rank_impl(x: Any, tol: Any) -> Any:
    s = jnp.linalg.svd(x, compute_uv=False)
    return jnp.sum(s > tol[..., None], axis=-1).astype(jnp.int32)


def _matrix_rank_default_impl(x: Any) -> Any:
    s = jnp.linalg.svd(x, compute_uv=False)
    tol = jnp.finfo(x.dtype).eps * max(x.shape[-2:]) * jnp.max(s, axis=-1, keepdims=True, initial=-jnp.inf)
    return jnp.sum(s > tol, axis=-1).astype(jnp.int32)


def _lu_impl(x: Any, *, index_dtype: Any) -> Any:
    lu, _, perm = lax.linalg.lu(x)
    return lu, perm.astype(index_dtype)


def _unpack_lu(lu: Any) -> tuple[Any, Any]:
    n = lu.shape[-1]
    lower = jnp.where(np.tri(n, k=-1, dtype=bool), lu, jnp.eye(n, dtype=lu.dtype))
    return lower, jnp.triu(lu)


def _inverse_perm(perm: Any) -> Any:
    return jnp.argsort(perm, axis=-1)


def _lu_reconstruct_impl(lu: Any, perm: Any) -> Any:
    lower, upper = _unpack_lu(lu)
    return jnp.take_along_axis(lower @ upper, _inverse_perm(perm)[..., :, None], axis=-2)


def _lu_solve_impl(lu: Any, perm: Any, rhs: Any) -> Any:
    lower, upper = _unpack_lu(lu)
    batch = jnp.broadcast_shapes(lu.shape[:-2], perm.shape[:-1], rhs.shape[:-2])
    lower = jnp.broadcast_to(lower, batch + lower.shape[-2:])
    upper = jnp.broadcast_to(upper, batch + upper.shape[-2:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    perm = jnp.broadcast_to(perm, batch + perm.shape[-1:])
    permuted = jnp.take_along_axis(rhs, perm[..., :, None], axis=-2)
    y = lax.linalg.triangular_solve(lower, permuted, left_side=True, lower=True)
    return lax.linalg.triangular_solve(upper, y, left_side=True, lower=False)


def _lu_matrix_inverse_impl(lu: Any, perm: Any) -> Any:
    eye = jnp.broadcast_to(jnp.eye(lu.shape[-1], dtype=lu.dtype), lu.shape)
    return _lu_solve_impl(lu, perm, eye)


_svd = Op("Svd", _svd_impl, multiple_results=True)
_singular_values = Op("SvdValues", _svd_impl)
_qr = Op("Qr", _qr_impl, multiple_results=True)
_eigh = Op("SelfAdjointEigV2", _eigh_impl, multiple_results=True)
_eigvalsh = Op("SelfAdjointEigValues", _eigvalsh_impl)
_eig = Op("Eig", _eig_impl, multiple_results=True)
_eigvals = Op("EigValues", _eigvals_impl)
_slogdet = Op("LogMatrixDeterminant", _slogdet_impl, multiple_results=True)
_logdet = Op("LogDet", _logdet_impl)
_pinv = Op("Pinv", _pinv_impl, nondiff=(1,))
_matrix_rank = Op("MatrixRank", _matrix_rank_impl, differentiable=False)
_matrix_rank_default = Op("MatrixRankDefaultTol", _matrix_rank_default_impl, differentiable=False)
_lu = Op("Lu", _lu_impl, multiple_results=True, differentiable=False)  # TF registers no gradient for Lu
_lu_reconstruct = Op("LuReconstruct", _lu_reconstruct_impl, nondiff=(1,))
_lu_solve = Op("LuSolve", _lu_solve_impl, nondiff=(1,))
_lu_matrix_inverse = Op("LuMatrixInverse", _lu_matrix_inverse_impl, nondiff=(1,))


_LAPACK_KINDS = (np.float32, np.float64, np.complex64, np.complex128)


def _matrix(op_name: str, x: Any, *, square: bool, half_ok: bool = False) -> Any:
    """``x`` as a float or complex tensor of rank >= 2 (square if asked), with TF's errors."""
    x = utils.as_tensor(x, None, op_name)
    dt = x._v.dtype
    if dt not in _LAPACK_KINDS:
        if dt == jnp.float16 and not half_ok:
            raise errors.NotFoundError(
                None, None, f"{op_name}: no kernel for {utils.describe([x])}, as TF. Fix: tf.cast it to tf.float32."
            )
        if dt != jnp.float16:  # (bfloat16 too: TF's linear-algebra ops do not list it)
            raise utils.invalid_argument(
                f"{op_name}: Value for attr 'T' of {utils.dtype_name(x)} is not in the list of allowed values: "
                "double, float, half, complex64, complex128. Fix: tf.cast the input to tf.float32."
            )
    s = utils.shape_of(x)
    if len(s) < 2:
        raise utils.invalid_argument(f"{op_name}: Input tensor 0 must have rank >= 2, got {len(s)} (shape {list(s)})")
    if square and s[-1] != s[-2]:
        raise utils.invalid_argument(f"{op_name}: Input matrix must be square, got shape {list(s)}.")
    return x


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None) -> Any:
    """Singular value decomposition ``tensor = u @ diag(s) @ adjoint(v)`` of (batched) matrices (``tf.linalg.svd``).

    Args:
      tensor: a float or complex tensor of shape ``[..., M, N]``.
      full_matrices: ``u`` ``[..., M, M]`` and ``v`` ``[..., N, N]`` instead of ``K = min(M, N)`` columns.
      compute_uv: return ``(s, u, v)``; else only ``s``.

    Returns:
      ``s`` (``[..., K]``, descending, real dtype), and if ``compute_uv`` ``u`` and ``v`` (not ``v``'s adjoint).

    The gradient is TF's (for distinct singular values); with ``full_matrices`` the extra columns follow the
    thin ones without turning within their span, as TF's.

    Differences from TensorFlow: singular vectors can differ in sign (a phase, for complex input) from
    TF's, as between any two LAPACKs; ``u @ diag(s) @ adjoint(v)`` agrees. Where singular values repeat,
    the gradient through ``u``/``v`` is inf/NaN (TF broadens ``1 / (s_i^2 - s_j^2)`` into finite values). TF
    raises NotImplementedError for the gradient of ``full_matrices=True`` with ``|M - N| > 1``; tapejax gives one.

    >>> import tapejax as tf
    >>> print(tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False))
    tf.Tensor([3. 2.], shape=(2,), dtype=float32)
    """
    x = _matrix("Svd", tensor, square=False)
    if not compute_uv:
        return bind(_singular_values, x, full_matrices=False, compute_uv=False)
    return bind(_svd, x, full_matrices=bool(full_matrices), compute_uv=True)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> Qr:  # noqa: A002 - TF's name
    """QR decomposition ``input = q @ r`` of (batched) matrices (``tf.linalg.qr``): ``q`` has orthonormal
    columns, ``r`` is upper triangular.

    Returns:
      ``Qr(q, r)``: ``q`` ``[..., M, K]``, ``r`` ``[..., K, N]`` with ``K = min(M, N)``, or ``q`` ``[..., M, M]``
      and ``r`` ``[..., M, N]`` if ``full_matrices``.

    The gradient is TF's, also for wide matrices (``M < N``).

    Differences from TensorFlow: ``q`` and ``r`` can differ in the signs of ``q``'s columns (and ``r``'s
    rows) from TF's, as between two LAPACKs. TF raises NotImplementedError for the gradient of
    ``full_matrices=True`` with ``M > N``; tapejax gives JAX's (whose extra columns of ``q`` are LAPACK's).

    >>> import tapejax as tf
    >>> q, r = tf.linalg.qr(tf.constant([[3.0, 1.0], [4.0, 2.0]]))
    >>> print(tf.round(tf.abs(r) * 10) / 10)
    tf.Tensor(
    [[5.  2.2]
     [0.  0.4]], shape=(2, 2), dtype=float32)
    """
    x = _matrix("Qr", input, square=False, half_ok=True)
    q, r = bind(_qr, x, full_matrices=bool(full_matrices))
    return Qr(q, r)


def eigh(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Eigen-decomposition of (batched) self-adjoint matrices (``tf.linalg.eigh``).

    Only the lower triangle of ``tensor`` is read, as TF; the gradient is TF's, which is lower triangular.

    Returns:
      ``(e, v)``: eigenvalues ``[..., N]`` in ascending order (of ``tensor``'s dtype, also complex) and
      eigenvectors ``v[..., :, i]`` ``[..., N, N]``.

    Differences from TensorFlow: eigenvectors can differ in sign (phase) from TF's. Where eigenvalues
    repeat, the gradient through ``v`` is inf/NaN (TF broadens ``1 / (e_i - e_j)`` into finite values).

    >>> import tapejax as tf
    >>> e, v = tf.linalg.eigh(tf.constant([[2.0, 1.0], [1.0, 2.0]]))
    >>> print(e)
    tf.Tensor([1. 3.], shape=(2,), dtype=float32)
    """
    x = _matrix("SelfAdjointEigV2", tensor, square=True)
    e, v = bind(_eigh, x)
    return e, v


def eigvalsh(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues of (batched) self-adjoint matrices, ascending (``tf.linalg.eigvalsh``); reads the lower triangle.

    >>> import tapejax as tf
    >>> print(tf.linalg.eigvalsh(tf.constant([[2.0, 1.0], [1.0, 2.0]])))
    tf.Tensor([1. 3.], shape=(2,), dtype=float32)
    """
    return bind(_eigvalsh, _matrix("SelfAdjointEigV2", tensor, square=True))


def _general_matrix(op_name: str, tensor: Any) -> Any:
    x = utils.as_tensor(tensor, None, op_name)
    if x._v.dtype not in _LAPACK_KINDS:
        raise TypeError(
            f"{op_name}: expected a float32, float64, complex64 or complex128 tensor, got {utils.describe([x])}."
        )
    return _matrix(op_name, x, square=True)


def _complex_of(x: Any) -> Any:
    return dtypes_lib.complex64 if x._v.dtype in (np.float32, np.complex64) else dtypes_lib.complex128


def eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues of (batched) square matrices, complex (``tf.linalg.eigvals``, ``tf.eigvals``).

    Returns:
      ``[..., N]`` of complex64 (float32, complex64 input) or complex128.

    Differences from TensorFlow: the eigenvalues come in LAPACK's order, which can differ from TF's (Eigen's
    Schur form); integer and float16 input raise TypeError (TF: an UnboundLocalError). The gradient is TF's.

    >>> import tapejax as tf
    >>> print(tf.linalg.eigvals(tf.constant([[2.0, 0.0], [0.0, 1.0]])))
    tf.Tensor([2.+0.j 1.+0.j], shape=(2,), dtype=complex64)
    """
    x = _general_matrix("Eig", tensor)
    from tapejax._src.ops import math_ops

    return bind(_eigvals, math_ops.cast(x, _complex_of(x)))


def eig(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Eigen-decomposition of (batched) square matrices ``tensor @ v = v @ diag(e)`` (``tf.linalg.eig``, ``tf.eig``).

    Returns:
      ``(e, v)``, complex (complex64 for float32/complex64 input): eigenvalues ``[..., N]`` and unit-norm
      eigenvectors ``v[..., :, i]``.

    Differences from TensorFlow: the eigenvalues come in LAPACK's order, which can differ from TF's (Eigen's
    Schur form), and each eigenvector may differ from TF's by a complex phase (LAPACK makes its largest
    entry real). The gradient through ``v`` keeps that normalisation, so it agrees with TF's for functions
    of ``v`` that do not depend on the phase (``abs(v)``, ``v v^H``, any real eigenvector) and differs in
    the phase part otherwise. Where eigenvalues repeat, the gradient through ``v`` is inf/NaN (TF broadens
    ``1 / (e_i - e_j)`` into finite values).

    >>> import tapejax as tf
    >>> e, v = tf.linalg.eig(tf.constant([[2.0, 0.0], [0.0, 1.0]]))
    >>> print(e)
    tf.Tensor([2.+0.j 1.+0.j], shape=(2,), dtype=complex64)
    """
    x = _general_matrix("Eig", tensor)
    from tapejax._src.ops import math_ops

    e, v = bind(_eig, math_ops.cast(x, _complex_of(x)))
    return e, v


def slogdet(input: Any, name: str | None = None) -> LogMatrixDeterminant:  # noqa: A002 - TF's name
    """Sign and log of the absolute determinant of (batched) square matrices (``tf.linalg.slogdet``).

    Returns:
      ``LogMatrixDeterminant(sign, log_abs_determinant)``, both of ``input``'s dtype and shape ``[...]``. A
      singular matrix gives sign 0 and ``-inf``, as TF. Only ``log_abs_determinant`` carries a gradient.

    >>> import tapejax as tf
    >>> sign, logabs = tf.linalg.slogdet(tf.constant([[-2.0, 0.0], [0.0, 0.5]]))
    >>> print(sign, logabs)
    tf.Tensor(-1.0, shape=(), dtype=float32) tf.Tensor(0.0, shape=(), dtype=float32)
    """
    x = _matrix("LogMatrixDeterminant", input, square=True)
    sign, logabs = bind(_slogdet, x)
    return LogMatrixDeterminant(sign, logabs)


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """Log of the determinant of (batched) Hermitian positive-definite matrices, through their Cholesky
    factor (``tf.linalg.logdet``): real (float32 for complex64 input).

    A matrix that is not positive definite gives NaN, as TF.

    >>> import tapejax as tf
    >>> print(tf.linalg.logdet(tf.constant([[4.0, 0.0], [0.0, 1.0]])))
    tf.Tensor(1.3862944, shape=(), dtype=float32)
    """
    return bind(_logdet, _matrix("Cholesky", matrix, square=True))


def _float_matrix_for_python_op(a: Any) -> Any:
    x = utils.as_tensor(a, None, "pinv")
    if x._v.dtype.kind != "f" and x._v.dtype != jnp.bfloat16:
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {utils.dtype_name(x)}).")
    rank = len(utils.shape_of(x))
    if rank < 2:
        raise ValueError(f"Input `a` must have at least 2 dimensions (saw: {rank}).")
    return _matrix("Svd", x, square=False)


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None) -> Tensor:
    """Moore-Penrose pseudo-inverse of (batched) real matrices, through the SVD (``tf.linalg.pinv``).

    Singular values at most ``rcond * max(s)`` count as zero; ``rcond`` defaults to
    ``10 * max(M, N) * eps`` of the dtype. The gradient is the SVD's, as TF's (no gradient for ``rcond``).

    Raises:
      TypeError: for a non-float ``a`` (complex too, as TF).
      ValueError: for rank < 2.

    >>> import tapejax as tf
    >>> print(tf.linalg.pinv(tf.constant([[2.0, 0.0], [0.0, 0.0]])))
    tf.Tensor(
    [[0.5 0. ]
     [0.  0. ]], shape=(2, 2), dtype=float32)
    """
    x = _float_matrix_for_python_op(a)
    if rcond is None:
        rcond = 10.0 * max(utils.shape_of(x)[-2:]) * float(np.finfo(np.dtype(x._v.dtype)).eps)
    r = utils.as_tensor(rcond, x._v.dtype, "pinv")
    utils.check_same_dtype("pinv", [x, r])
    return bind(_pinv, x, r)


def matrix_rank(a: Any, tol: Any = None, validate_args: bool = False, name: str | None = None) -> Tensor:
    """Number of singular values above ``tol`` of (batched) real matrices, int32 (``tf.linalg.matrix_rank``).

    ``tol`` defaults to ``eps * max(M, N) * max(s)`` of the dtype. Not differentiable.

    >>> import tapejax as tf
    >>> print(tf.linalg.matrix_rank(tf.constant([[1.0, 2.0], [2.0, 4.0]])))
    tf.Tensor(1, shape=(), dtype=int32)
    """
    x = _float_matrix_for_python_op(a)
    if tol is None:
        return bind(_matrix_rank_default, x)
    t = utils.as_tensor(tol, x._v.dtype, "matrix_rank")
    utils.check_same_dtype("matrix_rank", [x, t])
    return bind(_matrix_rank, x, t)


def lu(input: Any, output_idx_type: Any = dtypes_lib.int32, name: str | None = None) -> Lu:  # noqa: A002
    """LU decomposition with partial pivoting of (batched) square matrices (``tf.linalg.lu``).

    Returns:
      ``Lu(lu, p)``: ``lu`` packs the unit lower triangular ``L`` (below the diagonal) and ``U``, and
      ``p`` (``output_idx_type``, int32 or int64) is the row permutation: ``tf.gather(input, p) = L @ U``.
      Not differentiable, as TF (which registers no gradient for ``Lu``; use ``lu_reconstruct`` and
      ``lu_solve``, which are).

    Differences from TensorFlow: a singular matrix gives its factorisation, where TF's kernel raises only
    on some batches; the pivots (rows of equal magnitude) follow LAPACK.

    >>> import tapejax as tf
    >>> lu, p = tf.linalg.lu(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    >>> print(p)
    tf.Tensor([1 0], shape=(2,), dtype=int32)
    """
    x = _matrix("Lu", input, square=True)
    idx = dtypes_lib.as_dtype(output_idx_type)
    if idx not in (dtypes_lib.int32, dtypes_lib.int64):
        raise TypeError(f"Lu: output_idx_type must be tf.int32 or tf.int64, got {idx!r}.")
    lu_, p = bind(_lu, x, index_dtype=idx._np)
    return Lu(lu_, p)


def _lu_args(op_name: str, lower_upper: Any, perm: Any) -> tuple[Any, Any]:
    lu_ = _matrix(op_name, lower_upper, square=True)
    p = utils.as_tensor(perm, None, op_name)
    if p._v.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: perm must be an integer tensor, got {utils.describe([p])}.")
    sl, sp = utils.shape_of(lu_), utils.shape_of(p)
    if not sp or sp[-1] != sl[-1] or utils.broadcast_shapes(sl[:-2], sp[:-1]) is None:
        raise utils.invalid_argument(
            f"{op_name}: perm must have shape [..., {sl[-1]}] matching lower_upper {list(sl)}, got {list(sp)}."
        )
    return lu_, p


def lu_reconstruct(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """The matrix whose ``tf.linalg.lu`` is ``(lower_upper, perm)`` (``tf.linalg.lu_reconstruct``).

    Differentiable in ``lower_upper``, as TF.

    >>> import tapejax as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(tf.linalg.lu_reconstruct(*tf.linalg.lu(x)))
    tf.Tensor(
    [[1. 2.]
     [3. 4.]], shape=(2, 2), dtype=float32)
    """
    lu_, p = _lu_args("lu_reconstruct", lower_upper, perm)
    return bind(_lu_reconstruct, lu_, p)


def lu_solve(lower_upper: Any, perm: Any, rhs: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """Solves ``x @ X = rhs`` for ``X``, given ``tf.linalg.lu(x)`` (``tf.linalg.lu_solve``).

    Batch dimensions broadcast. Differentiable in ``lower_upper`` and ``rhs``, as TF. A singular factor
    gives inf/NaN, as TF.

    >>> import tapejax as tf
    >>> lu, p = tf.linalg.lu(tf.constant([[2.0, 0.0], [0.0, 4.0]]))
    >>> print(tf.linalg.lu_solve(lu, p, tf.constant([[2.0], [2.0]])))
    tf.Tensor(
    [[1. ]
     [0.5]], shape=(2, 1), dtype=float32)
    """
    lu_, p = _lu_args("lu_solve", lower_upper, perm)
    r = utils.as_tensor(rhs, lu_._v.dtype, "lu_solve")
    utils.check_same_dtype("lu_solve", [lu_, r])
    sl, sr = utils.shape_of(lu_), utils.shape_of(r)
    if len(sr) < 2 or sr[-2] != sl[-1] or utils.broadcast_shapes(sl[:-2], sr[:-2]) is None:
        raise utils.invalid_argument(
            f"lu_solve: rhs must have shape [..., {sl[-1]}, K] matching lower_upper {list(sl)}, got {list(sr)}."
        )
    return bind(_lu_solve, lu_, p, r)


def lu_matrix_inverse(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """The inverse of the matrix whose ``tf.linalg.lu`` is ``(lower_upper, perm)`` (``tf.linalg.lu_matrix_inverse``).

    >>> import tapejax as tf
    >>> print(tf.linalg.lu_matrix_inverse(*tf.linalg.lu(tf.constant([[2.0, 0.0], [0.0, 4.0]]))))
    tf.Tensor(
    [[0.5  0.  ]
     [0.   0.25]], shape=(2, 2), dtype=float32)
    """
    lu_, p = _lu_args("lu_matrix_inverse", lower_upper, perm)
    return bind(_lu_matrix_inverse, lu_, p)
