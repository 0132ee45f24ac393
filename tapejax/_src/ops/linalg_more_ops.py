"""``tf.linalg.sqrtm`` (``tf.matrix_square_root``) and ``tf.linalg.eigh_tridiagonal``.

The square root runs on ``jax.scipy.linalg.sqrtm`` (a Schur method, as TF's Eigen kernel); its
gradient is TF's registered one (the Sylvester equation ``R^T X + X R^T = G``, solved through its
Kronecker form as TF does), attached with ``jax.custom_vjp`` since JAX has no derivative for the
Schur decomposition. The tridiagonal eigensolver builds the (small, dense) Hermitian matrix and
runs ``jnp.linalg.eigh``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

_REAL = (np.dtype(np.float32), np.dtype(np.float64))
_COMPLEX = (np.dtype(np.complex64), np.dtype(np.complex128))


def _principal_sqrt(a: Any) -> Any:
    r = jax.scipy.linalg.sqrtm(a)
    if jnp.iscomplexobj(a):
        return r.astype(a.dtype)
    # TF's real Schur kernel gives NaN when the root is not real (a negative real eigenvalue); the
    # complex Schur root then has a sizeable imaginary part.
    not_real = jnp.max(jnp.abs(r.imag)) > 1e-3 * (1 + jnp.max(jnp.abs(r.real)))
    return jnp.where(not_real | jnp.any(jnp.isnan(r.real)), jnp.nan, r.real).astype(a.dtype)


@jax.custom_vjp
def _sqrtm_2d(a: Any) -> Any:
    return _principal_sqrt(a)


def _sqrtm_fwd(a: Any) -> Any:
    r = _sqrtm_2d(a)  # itself, so that differentiating the rule again uses it (second order)
    return r, r


def _sqrtm_bwd(r: Any, g: Any) -> Any:
    # A = R R, so dA = R dR + dR R; the adjoint solves R^T X + X R^T = G (TF's _MatrixSquareRootGrad).
    n = r.shape[-1]
    eye = jnp.eye(n, dtype=r.dtype)
    k = jnp.kron(r.T, eye) + jnp.kron(eye, r)
    return (jnp.linalg.solve(k, g.reshape(-1)).reshape(n, n),)


_sqrtm_2d.defvjp(_sqrtm_fwd, _sqrtm_bwd)


def _sqrtm_impl(x: Any) -> Any:
    if x.shape[-1] == 0:
        return x
    flat = x.reshape(-1, *x.shape[-2:])
    return jax.vmap(_sqrtm_2d)(flat).reshape(x.shape)


_sqrtm = Op("MatrixSquareRoot", _sqrtm_impl)


def sqrtm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The principal square root of each square matrix in the batch (``tf.linalg.sqrtm``,
    ``tf.matrix_square_root``): ``R`` with ``R @ R = input`` and eigenvalues of non-negative real part.

    For a real matrix with a negative real eigenvalue the root is not real and the result is all
    NaN, as TF's real Schur kernel gives.

    Args:
      input: float32, float64, complex64 or complex128 ``[..., M, M]``.

    Raises:
      InvalidArgumentError: for another dtype, rank < 2 or non-square matrices.

    Differences from TensorFlow: JAX's Schur decomposition runs on CPU only, so this op does too;
    NaN is decided from the imaginary part of the complex Schur root (above 1e-3 of the root's
    scale), which can differ from TF's for eigenvalues within rounding of the negative real axis;
    a zero eigenvalue of multiplicity >= 2 (the zero matrix) gives TF NaN (a 0/0 in its Schur
    recurrence) and here its root.

    >>> import tapejax as tf
    >>> print(tf.linalg.sqrtm(tf.constant([[4.0, 1.0], [0.0, 9.0]])))
    tf.Tensor(
    [[2.  0.2]
     [0.  3. ]], shape=(2, 2), dtype=float32)
    """
    op = "MatrixSquareRoot"
    t = utils.as_tensor(input, None, op)
    if t._v.dtype not in _REAL + _COMPLEX:
        raise utils.invalid_argument(
            f"{op}: Value for attr 'T' of {utils.dtype_name(t)} is not in the list of allowed values: double, float, "
            "complex64, complex128. Fix: tf.cast the input to tf.float32."
        )
    shape = utils.shape_of(t)
    if len(shape) < 2:
        raise utils.invalid_argument(f"{op}: Input tensor 0 must have rank >= 2, got {len(shape)}")
    if shape[-1] != shape[-2]:
        raise utils.invalid_argument(f"{op}: Input matrix must be square. Got shape {list(shape)}.")
    return bind(_sqrtm, t)


# -- tridiagonal eigensolver ----------------------------------------------------------------------
def _eigh_tridiagonal_impl(alpha: Any, beta: Any, *, vectors: bool, lo: int, hi: int) -> Any:
    n = alpha.shape[0]
    real = jnp.real(alpha)
    a = jnp.diag(alpha.astype(beta.dtype) if jnp.iscomplexobj(beta) else real)
    if n > 1:
        a = a + jnp.diag(beta, -1) + jnp.diag(jnp.conj(beta), 1)
    w, v = jnp.linalg.eigh(a)
    if vectors:
        return w[lo:hi], v[:, lo:hi]
    return (w[lo:hi],)


_eigh_tridiagonal = Op("EighTridiagonal", _eigh_tridiagonal_impl, multiple_results=True)


def eigh_tridiagonal(
    alpha: Any,
    beta: Any,
    eigvals_only: bool = True,
    select: str = "a",
    select_range: Any = None,
    tol: Any = None,
    name: str | None = None,
) -> Any:
    """Eigenvalues (ascending) and optionally eigenvectors of the Hermitian tridiagonal matrix with
    diagonal ``alpha`` and subdiagonal ``beta`` (``tf.linalg.eigh_tridiagonal``).

    Args:
      alpha: ``[n]`` float or complex (its real part is used).
      beta: ``[n - 1]`` of ``alpha``'s dtype.
      eigvals_only: return only the eigenvalues; else ``(eigenvalues, eigenvectors)`` with the
        vectors as columns ``[n, k]``.
      select: ``"a"`` all, ``"i"`` the indices ``select_range = [lo, hi]`` (inclusive), ``"v"`` the
        eigenvalues in ``(lo, hi]``.
      tol: accepted for TF's signature (TF's bisection tolerance); the eigenvalues here are exact
        to rounding.

    Raises:
      ValueError: ``alpha`` and ``beta`` of different or non-inexact dtypes, or a bad ``select``.
      InvalidArgumentError: ``beta`` not of length ``n - 1``.
      TypeError: ``select="v"`` inside ``tf.function`` (the count depends on the values).

    Differences from TensorFlow: TF computes by bisection and inverse iteration and its gradient
    runs through the bisection's bounds (not the eigenvalues' derivative); here the values come
    from a dense ``eigh`` and the gradient is the true one. Eigenvectors are unique up to sign
    (phase), which can differ from TF's.

    >>> import tapejax as tf
    >>> print(tf.linalg.eigh_tridiagonal(tf.constant([2.0, 2.0]), tf.constant([1.0])))
    tf.Tensor([1. 3.], shape=(2,), dtype=float32)
    """
    a = utils.as_tensor(alpha, None, "eigh_tridiagonal")
    b = utils.as_tensor(beta, a._v.dtype, "eigh_tridiagonal")
    if a._v.dtype != b._v.dtype:
        raise ValueError("'alpha' and 'beta' must have the same type.")
    if a._v.dtype not in _REAL + _COMPLEX:
        raise ValueError(f"data type {a._v.dtype.type} not inexact")
    if select not in ("a", "i", "v"):
        raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    if len(sa) != 1 or sb != (max(sa[0] - 1, 0),):
        raise utils.invalid_argument(
            f"eigh_tridiagonal: alpha must be [n] and beta [n - 1], got shapes {list(sa)} and {list(sb)}."
        )
    n = sa[0]
    lo, hi = 0, n
    if select == "i":
        first, last = utils.static_ints(select_range, "select_range")
        lo, hi = max(first, 0), min(last, n - 1) + 1
    out = bind(_eigh_tridiagonal, a, b, vectors=not eigvals_only, lo=lo, hi=max(hi, lo))
    if select == "v":
        vl, vu = (float(v) for v in np.asarray(utils.concrete(utils.as_tensor(select_range)), np.float64).reshape(-1))
        w = utils.concrete(out[0])
        if w is None:
            raise TypeError(
                "eigh_tridiagonal: select='v' needs concrete values in tapejax (the count depends on them)."
            )
        keep = np.nonzero((w > vl) & (w <= vu))[0]
        lo, hi = (int(keep[0]), int(keep[-1]) + 1) if len(keep) else (0, 0)
        out = bind(_eigh_tridiagonal, a, b, vectors=not eigvals_only, lo=lo, hi=hi)
    return out[0] if eigvals_only else out


# -- matrix logarithm -------------------------------------------------------------------------------
def _logm_2d(a: Any) -> Any:
    """Inverse scaling and squaring: square roots until ``||A - I||_1 <= 0.25``, then the series of
    ``log(I + Y)`` (30 terms: below 1e-19 there), times ``2^k``; in complex128 throughout."""
    n = a.shape[-1]
    eye = jnp.eye(n, dtype=jnp.complex128)

    def far(c: Any) -> Any:
        x, k = c
        return (jnp.max(jnp.sum(jnp.abs(x - eye), axis=0)) > 0.25) & (k < 60)

    def root(c: Any) -> Any:
        x, k = c
        return jax.scipy.linalg.sqrtm(x).astype(jnp.complex128), k + 1

    x, k = jax.lax.while_loop(far, root, (a.astype(jnp.complex128), jnp.int32(0)))
    y = x - eye
    term, total = y, y
    for j in range(2, 31):
        term = term @ y
        total = total + term * ((-1.0) ** (j + 1) / j)
    out = total * jnp.exp2(k.astype(jnp.float64))
    # a singular matrix has no logarithm: NaN, as TF's kernel gives
    singular = jnp.any(jnp.isnan(x)) | (k >= 60) | (jnp.abs(jnp.linalg.det(a.astype(jnp.complex128))) == 0)
    return jnp.where(singular, jnp.nan + 0j, out).astype(a.dtype)


def _logm_impl(x: Any) -> Any:
    if x.shape[-1] == 0:
        return x
    return jax.vmap(_logm_2d)(x.reshape(-1, *x.shape[-2:])).reshape(x.shape)


# TF registers no gradient for MatrixLogarithm (tape.gradient raises LookupError).
_logm = Op("MatrixLogarithm", _logm_impl, differentiable=False)


def logm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """The principal logarithm of each complex square matrix in the batch (``tf.linalg.logm``):
    ``L`` with ``expm(L) = input`` and eigenvalues of imaginary part in ``(-pi, pi]``.

    Args:
      input: complex64 or complex128 ``[..., M, M]``; a singular matrix gives NaN, as TF.

    Raises:
      InvalidArgumentError: for a real or integer input (as TF: complex only), rank < 2 or
        non-square matrices.

    Differences from TensorFlow: computed by inverse scaling and squaring on JAX's ``sqrtm``
    (CPU only); TF has no gradient for it (``LookupError``), here the gradient is ``None``.

    >>> import tapejax as tf
    >>> print(tf.linalg.logm(tf.constant([[1.0, 0.0], [0.0, 1.0]], tf.complex64)))
    tf.Tensor(
    [[0.+0.j 0.+0.j]
     [0.+0.j 0.+0.j]], shape=(2, 2), dtype=complex64)
    """
    op = "MatrixLogarithm"
    t = utils.as_tensor(input, None, op)
    if t._v.dtype not in _COMPLEX:
        raise utils.invalid_argument(
            f"Value for attr 'T' of {utils.dtype_name(t)} is not in the list of allowed values: complex64, "
            "complex128. Fix: tf.cast the input to tf.complex64. [Op:MatrixLogarithm]"
        )
    shape = utils.shape_of(t)
    if len(shape) < 2:
        raise utils.invalid_argument(f"{op}: Input tensor 0 must have rank >= 2, got {len(shape)}")
    if shape[-1] != shape[-2]:
        raise utils.invalid_argument(f"{op}: Input matrix must be square. Got shape {list(shape)}.")
    return bind(_logm, t)
