"""tf.linalg.sqrtm / tf.matrix_square_root and tf.linalg.eigh_tridiagonal: values, NaN rules, dtypes,
gradients and errors checked against TF 2.21."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tapejax as tf


@pytest.mark.parametrize(
    ("matrix", "want"),
    [  # TF 2.21's float64 results
        ([[0.0, 1], [-1, 0]], [[0.7071067811865476, 0.7071067811865476], [-0.7071067811865476, 0.7071067811865476]]),
        ([[2.0, 1], [1, 2]], [[1.3660254037844384, 0.36602540378443865], [0.36602540378443865, 1.3660254037844384]]),
        ([[0.0, 0], [0, 1]], [[0.0, 0.0], [0.0, 1.0]]),
        ([[1e-8, 0], [0, 1]], [[0.0001, 0.0], [0.0, 1.0]]),
        ([[-4.0, 1], [0, 9]], np.full((2, 2), np.nan)),
        ([[1.0, 2, 0], [0, -1, 0], [0, 0, 4]], np.full((3, 3), np.nan)),
    ],
)
def test_sqrtm_values_and_tfs_nan_for_negative_eigenvalues(matrix, want):
    got = tf.linalg.sqrtm(tf.constant(matrix, tf.float64))
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-14)


def test_sqrtm_complex_batch_and_alias():
    got = tf.linalg.sqrtm(tf.constant([[-4.0, 1], [0, 9]], tf.complex64))
    assert got.dtype == tf.complex64
    np.testing.assert_allclose(got.numpy(), [[2j, 0.23076922 - 0.15384616j], [0, 3]], rtol=1e-6, atol=1e-7)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 4, 4))
    spd = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4)
    r = tf.matrix_square_root(spd).numpy()
    assert tf.matrix_square_root is tf.linalg.sqrtm and r.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(r @ r, spd, rtol=1e-10)
    assert tf.linalg.sqrtm(tf.ones([3, 0, 0])).shape == (3, 0, 0)


def test_sqrtm_gradient_is_tfs():
    x = tf.Variable([[4.0, 1], [0.5, 9]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.linalg.sqrtm(x) * tf.constant([[1.0, 2], [3, 4]]))
    want = [[0.21716123819351196, 0.3833669126033783], [0.5663985013961792, 0.6451300382614136]]  # TF 2.21
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-5)


def test_sqrtm_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix must be square"):
        tf.linalg.sqrtm(tf.ones([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 2, got 1"):
        tf.linalg.sqrtm(tf.ones([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'T' of int32"):
        tf.linalg.sqrtm(tf.constant([[1, 2], [3, 4]]))


A = tf.constant([1.0, 2, 3, 4])
B = tf.constant([0.5, 0.5, 0.5])
W_TF = [0.77457774, 1.9775844, 3.0224159, 4.225422]  # TF 2.21


def test_eigh_tridiagonal_values_and_selections():
    np.testing.assert_allclose(tf.linalg.eigh_tridiagonal(A, B).numpy(), W_TF, rtol=1e-6)
    np.testing.assert_allclose(
        tf.linalg.eigh_tridiagonal(A, B, select="i", select_range=[1, 2]).numpy(), W_TF[1:3], rtol=1e-6
    )
    got = tf.linalg.eigh_tridiagonal(A, B, select="v", select_range=[1.5, 3.5])
    np.testing.assert_allclose(got.numpy(), W_TF[1:3], rtol=1e-6)
    # (lo, hi]: the interval is open below, as TF's
    w64 = tf.linalg.eigh_tridiagonal(tf.cast(A, tf.float64), tf.cast(B, tf.float64))
    got = tf.linalg.eigh_tridiagonal(
        tf.cast(A, tf.float64), tf.cast(B, tf.float64), select="v", select_range=[w64[1], 3.5]
    )
    np.testing.assert_allclose(got.numpy(), [w64[2].numpy()])
    assert tf.linalg.eigh_tridiagonal(tf.constant([5.0]), tf.zeros([0])).numpy().tolist() == [5.0]


def test_eigh_tridiagonal_vectors_and_complex():
    w, v = tf.linalg.eigh_tridiagonal(A, B, eigvals_only=False)
    dense = np.diag(A.numpy()) + np.diag(B.numpy(), 1) + np.diag(B.numpy(), -1)
    np.testing.assert_allclose(dense @ v.numpy(), v.numpy() * w.numpy(), atol=1e-5)
    _, v2 = tf.linalg.eigh_tridiagonal(A, B, eigvals_only=False, select="i", select_range=[1, 2])
    assert v2.shape == (4, 2)
    wc, vc = tf.linalg.eigh_tridiagonal(
        tf.constant([1.0 + 0j, 2], tf.complex128), tf.constant([1j], tf.complex128), eigvals_only=False
    )
    assert wc.dtype == tf.float64 and vc.dtype == tf.complex128
    np.testing.assert_allclose(wc.numpy(), [0.38196601, 2.61803399], rtol=1e-8)  # TF 2.21
    h = np.array([[1, -1j], [1j, 2]])  # subdiagonal beta, superdiagonal conj(beta)
    np.testing.assert_allclose(h @ vc.numpy(), vc.numpy() * wc.numpy(), atol=1e-12)


def test_eigh_tridiagonal_gradient_is_the_eigenvalue_derivative():
    a, b = tf.Variable(A), tf.Variable(B)
    with tf.GradientTape() as tape:
        w = tf.linalg.eigh_tridiagonal(a, b)
    _, v = np.linalg.eigh(np.diag(A.numpy()) + np.diag(B.numpy(), 1) + np.diag(B.numpy(), -1))
    ga, gb = tape.gradient(w, [a, b])
    np.testing.assert_allclose(ga.numpy(), np.sum(v * v, axis=1), atol=1e-5)  # d(sum w)/d alpha = 1 each
    np.testing.assert_allclose(gb.numpy(), 2 * np.sum(v[1:] * v[:-1], axis=1), atol=1e-5)


def test_eigh_tridiagonal_errors():
    with pytest.raises(ValueError, match="must have the same type"):
        tf.linalg.eigh_tridiagonal(A, tf.cast(B, tf.float64))
    with pytest.raises(ValueError, match="not inexact"):
        tf.linalg.eigh_tridiagonal(tf.constant([1, 2]), tf.constant([1]))
    with pytest.raises(ValueError, match="select must have a value"):
        tf.linalg.eigh_tridiagonal(A, B, select="x")
    with pytest.raises(tf.errors.InvalidArgumentError, match="beta"):
        tf.linalg.eigh_tridiagonal(A, B[:2])


LOGM = json.loads((Path(__file__).parent / "data" / "logm_tf221.json").read_text())


@pytest.mark.parametrize("case", [LOGM[i] for i in (1, 3, 4, 5)])  # Jordan block, 4x4, complex, -1
def test_logm_matches_tf(case):
    m = np.array(case["re"]) + 1j * np.array(case["im"])
    got = tf.linalg.logm(tf.constant(m, tf.complex128))
    assert got.dtype == tf.complex128
    np.testing.assert_allclose(got.numpy(), np.array(case["out_re"]) + 1j * np.array(case["out_im"]), atol=1e-12)
    got64 = tf.linalg.logm(tf.constant(m, tf.complex64))
    want64 = np.array(case["out64_re"]) + 1j * np.array(case["out64_im"])
    assert got64.dtype == tf.complex64
    np.testing.assert_allclose(got64.numpy(), want64, atol=1e-5, rtol=1e-5)


def test_logm_singular_batch_gradient_and_errors():
    assert np.isnan(tf.linalg.logm(tf.constant([[0.0, 0], [0, 1]], tf.complex128)).numpy()).all()  # TF: NaN
    assert tf.linalg.logm(tf.zeros([2, 0, 0], tf.complex64)).shape == (2, 0, 0)
    x = tf.Variable(tf.constant([[1.0 + 0j, 2], [0, 3]]))
    with tf.GradientTape() as tape:
        y = tf.math.real(tf.reduce_sum(tf.linalg.logm(x)))
    assert tape.gradient(y, x) is None  # TF 2.21: LookupError (no gradient registered)
    with pytest.raises(tf.errors.InvalidArgumentError, match="complex64, complex128"):
        tf.linalg.logm([[1.0, 2], [0, 3]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be square"):
        tf.linalg.logm(tf.ones([2, 3], tf.complex64))
