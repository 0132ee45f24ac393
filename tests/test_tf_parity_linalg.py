"""tf.linalg's diagonals, decompositions and solvers against TensorFlow itself (skipped without it):
values, dtypes and shapes, and gradients for losses that do not depend on the signs (phases) that
LAPACK and Eigen pick for singular vectors and eigenvectors differently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapejax as tj

tf_real = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)


def _grads(m: Any, f: Callable[..., Any], xs: list[np.ndarray]) -> list[np.ndarray]:
    ts = [m.constant(x) for x in xs]
    with m.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(m, *ts)
    return [m.convert_to_tensor(g).numpy() for g in tape.gradient(y, ts)]


def _same_gradients(f: Callable[..., Any], xs: list[np.ndarray], atol: float = 1e-6) -> None:
    for want, got in zip(_grads(tf_real, f, xs), _grads(tj, f, xs), strict=True):
        assert want.shape == got.shape and want.dtype == got.dtype
        np.testing.assert_allclose(got, want, atol=atol, rtol=1e-5)


def _sq(m: Any, x: Any) -> Any:
    return m.math.real(x * m.math.conj(x)) if x.dtype.is_complex else x * x


def _sample(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    x = RNG.normal(size=shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * RNG.normal(size=shape)
    return x.astype(dtype)


@pytest.mark.parametrize("k", [0, 1, -2, (-1, 2)])
@pytest.mark.parametrize("align", ["RIGHT_LEFT", "LEFT_RIGHT"])
def test_diag_family_matches_tf(k: Any, align: str) -> None:
    x = _sample((2, 3, 4), np.float32)
    want = tf_real.linalg.diag_part(x, k=k, padding_value=9, align=align)
    got = tj.linalg.diag_part(x, k=k, padding_value=9, align=align)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    d = want.numpy() * 2
    np.testing.assert_array_equal(
        tj.linalg.set_diag(x, d, k=k, align=align).numpy(), tf_real.linalg.set_diag(x, d, k=k, align=align).numpy()
    )
    for rows, cols in [(-1, -1), (3, -1), (-1, 4), (3, 4)]:
        want = tf_real.linalg.diag(d, k=k, num_rows=rows, num_cols=cols, padding_value=5, align=align)
        got = tj.linalg.diag(d, k=k, num_rows=rows, num_cols=cols, padding_value=5, align=align)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3)])
def test_svd_matches_tf(dtype: type, shape: tuple[int, ...]) -> None:
    x = _sample(shape, dtype)
    for full in (False, True):
        want, got = tf_real.linalg.svd(x, full_matrices=full), tj.linalg.svd(x, full_matrices=full)
        assert [(t.dtype.name, tuple(t.shape)) for t in got] == [(t.dtype.name, tuple(t.shape)) for t in want]
        np.testing.assert_allclose(got[0].numpy(), want[0].numpy(), atol=1e-10)
        cu, cv = RNG.normal(size=got[1].shape), RNG.normal(size=got[2].shape)

        def loss(m: Any, x: Any, full: bool = full, cu: Any = cu, cv: Any = cv) -> Any:
            s, u, v = m.linalg.svd(x, full_matrices=full)
            return m.reduce_sum(s * s) + m.reduce_sum(_sq(m, u) * cu) + m.reduce_sum(_sq(m, v) * cv)

        _same_gradients(loss, [x])


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (3, 3)])
def test_qr_matches_tf(dtype: type, shape: tuple[int, ...]) -> None:
    x = _sample(shape, dtype)
    for want, got in zip(tf_real.linalg.qr(x), tj.linalg.qr(x), strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-10)
    cq, cr = RNG.normal(size=(shape[0], min(shape))), RNG.normal(size=(min(shape), shape[1]))
    _same_gradients(
        lambda m, x: (
            m.reduce_sum(m.math.real(m.linalg.qr(x)[0]) * cq + 0) + m.reduce_sum(m.math.real(m.linalg.qr(x)[1]) * cr)
        ),
        [x],
    )


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigh_eig_slogdet_pinv_match_tf(dtype: type) -> None:
    x = _sample((2, 3, 3), dtype)
    rows = RNG.normal(size=(2, 3, 1))  # weights by row: independent of the eigenvalues' order

    def eigh_loss(m: Any, x: Any) -> Any:
        e, v = m.linalg.eigh(x)
        return m.reduce_sum(m.math.real(e) ** 3) + m.reduce_sum(_sq(m, v) * rows[..., 0, None])

    np.testing.assert_allclose(tj.linalg.eigh(x)[0].numpy(), tf_real.linalg.eigh(x)[0].numpy(), atol=1e-10)
    _same_gradients(eigh_loss, [x])

    def eig_loss(m: Any, x: Any) -> Any:
        e, v = m.linalg.eig(x)
        return (
            m.reduce_sum(_sq(m, e))
            + m.reduce_sum(_sq(m, v) * rows)
            + m.reduce_sum(m.math.imag(m.linalg.eigvals(x)) ** 2)
        )

    got, want = tj.linalg.eigvals(x).numpy(), tf_real.linalg.eigvals(x).numpy()
    # the same eigenvalues, in an order that may differ: each has a match in the other list
    assert np.abs(got[..., :, None] - want[..., None, :]).min(axis=-1).max() < 1e-10
    _same_gradients(eig_loss, [x])
    _same_gradients(lambda m, x: m.math.real(m.linalg.slogdet(x)[1]), [x])
    spd = x @ np.conj(np.swapaxes(x, -1, -2)) + 3 * np.eye(3)
    np.testing.assert_allclose(tj.linalg.logdet(spd).numpy(), tf_real.linalg.logdet(spd).numpy(), atol=1e-10)
    _same_gradients(lambda m, a: m.linalg.logdet(a) * 1.5, [spd])
    if dtype == np.float64:
        cp = RNG.normal(size=(2, 3, 3))
        _same_gradients(lambda m, x: m.reduce_sum(m.linalg.pinv(x) * cp), [x])


def test_solvers_match_tf() -> None:
    a = _sample((3, 3), np.float64) + 3 * np.eye(3)
    b = _sample((2, 3, 2), np.float64)
    for lower in (True, False):
        for adjoint in (True, False):
            f = lambda m, a, b, lower=lower, adjoint=adjoint: m.reduce_sum(  # noqa: E731
                m.linalg.triangular_solve(a, b, lower=lower, adjoint=adjoint) * b
            )
            np.testing.assert_allclose(f(tj, a, b).numpy(), f(tf_real, a, b).numpy(), rtol=1e-10)
            _same_gradients(f, [a, b])
    chol = np.linalg.cholesky(a @ a.T)
    _same_gradients(lambda m, c, b: m.reduce_sum(m.linalg.cholesky_solve(c, b[0]) * b[1]), [chol, b])
    tall, rhs = _sample((4, 2), np.float64), _sample((4, 3), np.float64)
    for l2 in (0.0, 0.5):
        _same_gradients(lambda m, a, b, l2=l2: m.reduce_sum(m.linalg.lstsq(a, b, l2_regularizer=l2) ** 2), [tall, rhs])
        _same_gradients(
            lambda m, a, b, l2=l2: m.reduce_sum(m.linalg.lstsq(a, b, l2_regularizer=l2) ** 2), [tall.T, rhs[:2]]
        )
    x = _sample((3, 3), np.float64)
    lu, p = tf_real.linalg.lu(x)
    got = tj.linalg.lu(x)
    np.testing.assert_allclose(got.lu.numpy(), lu.numpy(), atol=1e-12)
    np.testing.assert_array_equal(got.p.numpy(), p.numpy())
    _same_gradients(lambda m, lu_, b: m.reduce_sum(m.linalg.lu_solve(lu_, p.numpy(), b[0]) ** 2), [lu.numpy(), b])
    _same_gradients(lambda m, lu_: m.reduce_sum(m.linalg.lu_matrix_inverse(lu_, p.numpy()) * x), [lu.numpy()])
    _same_gradients(lambda m, x: m.reduce_sum(m.linalg.expm(x) * a), [x], atol=1e-5)
    u, w = _sample((2, 3), np.float64), _sample((2, 3), np.float64)
    _same_gradients(lambda m, u, w: m.reduce_sum(m.linalg.cross(u, w) * u), [u, w])
    _same_gradients(lambda m, u: m.reduce_sum(m.linalg.normalize(u, ord=1, axis=1)[0] * w), [u])
