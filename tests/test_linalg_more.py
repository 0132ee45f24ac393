"""tf.linalg's diagonals, decompositions and solvers: values, shapes, dtypes and errors as TF 2.21's
(checked on CPU; tests/test_tf_parity_linalg.py compares with TF itself where it is installed).
Gradients are in tests/op_cases_linalg.py."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

RNG = np.random.default_rng(0)
X34 = np.arange(12.0, dtype=np.float32).reshape(3, 4)


def _adj(x: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(x, -1, -2))


# -- diagonals and bands ---------------------------------------------------------------------------
def test_diag_part_band_is_padded_and_aligned_as_tf() -> None:
    got = tf.linalg.diag_part(X34, k=(-1, 2), padding_value=9)
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), [[9, 2, 7], [1, 6, 11], [0, 5, 10], [4, 9, 9]])
    got = tf.linalg.diag_part(X34, k=(-1, 2), padding_value=9, align="LEFT_RIGHT")
    np.testing.assert_array_equal(got.numpy(), [[2, 7, 9], [1, 6, 11], [0, 5, 10], [9, 4, 9]])


def test_diag_part_of_one_diagonal_and_bool() -> None:
    np.testing.assert_array_equal(tf.linalg.diag_part(X34, k=-2).numpy(), [8.0])
    np.testing.assert_array_equal(tf.linalg.diag_part(tf.ones([2, 2], tf.bool)).numpy(), [True, True])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 5}, "lower_diag_index is out of bound: 5. It must be between -3 and 4"),
        ({"k": (2, 1)}, "lower_diag_index must not be larger than upper_diag_index: 2 > 1"),
        ({"align": "FOO"}, "align"),
    ],
)
def test_diag_part_rejects_what_tf_rejects(kwargs: dict, match: str) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        tf.linalg.diag_part(X34, **kwargs)


def test_diag_infers_and_checks_the_matrix_shape() -> None:
    assert tf.linalg.diag([1.0, 2.0], k=1).shape == (3, 3)
    assert tf.linalg.diag([1.0, 2.0], k=-1, num_rows=4).shape == (4, 2)
    np.testing.assert_array_equal(
        tf.linalg.diag([[1.0, 2.0], [4.0, 5.0], [6.0, 7.0]], k=(-1, 1)).numpy(), [[4, 2], [6, 5]]
    )
    np.testing.assert_array_equal(tf.linalg.diag([True, False]).numpy(), [[True, False], [False, False]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not consistent"):
        tf.linalg.diag([1.0, 2.0], k=1, num_rows=4, num_cols=5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="too small"):
        tf.linalg.diag([1.0, 2.0], k=1, num_rows=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 1-dim"):
        tf.linalg.diag(1.0)


def test_set_diag_replaces_a_band_and_checks_the_shape() -> None:
    got = tf.linalg.set_diag(X34, [[7.0, 8.0, 9.0], [1.0, 2.0, 3.0]], k=(0, 1))
    np.testing.assert_array_equal(got.numpy(), [[1, 7, 2, 3], [4, 2, 8, 7], [8, 9, 3, 9]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="diagonal must have shape"):
        tf.linalg.set_diag(X34, [7.0, 8.0])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.set_diag(X34, tf.constant([7, 8, 9]))


def test_band_part_keeps_the_band_and_checks_its_width() -> None:
    np.testing.assert_array_equal(tf.linalg.band_part(X34, 1, 0).numpy(), np.tril(X34) - np.tril(X34, -2))
    np.testing.assert_array_equal(tf.linalg.band_part(X34, -1, 1).numpy(), np.tril(np.triu(X34, -3), 1))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"num_lower must be negative or less or equal to number of rows \(3\) got: 4",
    ):
        tf.linalg.band_part(X34, 4, 0)
    with pytest.raises(TypeError):
        tf.linalg.band_part(X34, 1.0, 0)


def test_trace_keeps_integer_dtype_and_rejects_bool_and_vectors() -> None:
    got = tf.linalg.trace(tf.reshape(tf.range(9), [3, 3]))
    assert got.dtype == tf.int32 and int(got) == 12
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.trace(tf.ones([2, 2], tf.bool))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 2-dim"):
        tf.linalg.trace(tf.ones([2]))


def test_tensor_diag_and_tensor_diag_part_are_inverse() -> None:
    d = RNG.normal(size=(2, 3)).astype(np.float32)
    full = tf.linalg.tensor_diag(d)
    assert full.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(tf.linalg.tensor_diag_part(full).numpy(), d)
    with pytest.raises(tf.errors.InvalidArgumentError, match="dimensions 0 and 2 do not match"):
        tf.linalg.tensor_diag_part(tf.ones([2, 2, 3, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least rank 1"):
        tf.linalg.tensor_diag(1.0)


# -- decompositions --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_reconstructs_with_tf_shapes_and_dtypes(shape: tuple, dtype: type, full_matrices: bool) -> None:
    x = RNG.normal(size=shape).astype(dtype)
    s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
    m, n = shape[-2:]
    k = min(m, n)
    assert s.dtype == (tf.float32 if dtype == np.float32 else tf.float64) and s.shape == (*shape[:-2], k)
    assert u.shape == (*shape[:-2], m, m if full_matrices else k) and u.dtype.as_numpy_dtype == dtype
    assert v.shape == (*shape[:-2], n, n if full_matrices else k)
    u, v, s = u.numpy(), v.numpy(), s.numpy()
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ _adj(v[..., :k]), x, atol=1e-5)
    np.testing.assert_allclose(
        _adj(u) @ u, np.broadcast_to(np.eye(u.shape[-1]), (*_adj(u).shape[:-1], u.shape[-1])), atol=1e-5
    )
    assert np.all(np.diff(s, axis=-1) <= 0)


def test_svd_without_vectors_gives_singular_values_only() -> None:
    s = tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False)
    np.testing.assert_allclose(s.numpy(), [3.0, 2.0])


def test_qr_shapes_and_reconstruction() -> None:
    for shape, full, qs, rs in [
        ((3, 4), False, (3, 3), (3, 4)),
        ((4, 3), False, (4, 3), (3, 3)),
        ((4, 3), True, (4, 4), (4, 3)),
    ]:
        x = RNG.normal(size=shape).astype(np.float32)
        q, r = tf.linalg.qr(x, full_matrices=full)
        assert q.shape == qs and r.shape == rs and q.dtype == tf.float32
        np.testing.assert_allclose(q.numpy() @ r.numpy(), x, atol=1e-5)
        np.testing.assert_array_equal(np.tril(r.numpy(), -1), 0)
    q, r = tf.linalg.qr(tf.eye(2, dtype=tf.float16))
    assert q.dtype == tf.float16 and tf.linalg.qr(tf.eye(2)).q is not None


def test_eigh_reads_the_lower_triangle_and_sorts_ascending() -> None:
    x = np.array([[2.0, 99.0], [1.0, 2.0]], np.float32)
    e, v = tf.linalg.eigh(x)
    np.testing.assert_allclose(e.numpy(), [1.0, 3.0], atol=1e-6)
    np.testing.assert_allclose(np.abs(v.numpy()), np.full((2, 2), 0.5**0.5), atol=1e-6)
    np.testing.assert_allclose(tf.linalg.eigvalsh(x).numpy(), [1.0, 3.0], atol=1e-6)
    e, _ = tf.linalg.eigh(tf.eye(2, dtype=tf.complex64))
    assert e.dtype == tf.complex64


def test_eig_is_complex_and_satisfies_the_eigen_equation() -> None:
    x = RNG.normal(size=(2, 3, 3)).astype(np.float32)
    e, v = tf.linalg.eig(x)
    assert e.dtype == tf.complex64 and v.dtype == tf.complex64 and e.shape == (2, 3) and v.shape == (2, 3, 3)
    np.testing.assert_allclose(x @ v.numpy(), v.numpy() * e.numpy()[..., None, :], atol=1e-4)
    np.testing.assert_allclose(np.sort_complex(tf.eigvals(x).numpy()[0]), np.sort_complex(e.numpy()[0]), atol=1e-5)
    assert tf.eig is tf.linalg.eig and tf.eigvals is tf.linalg.eigvals
    with pytest.raises(TypeError):
        tf.linalg.eig(tf.eye(2, dtype=tf.int32))


def test_slogdet_and_logdet() -> None:
    sign, logabs = tf.linalg.slogdet(tf.constant([[-2.0, 1.0], [1.0, 2.0]]))
    assert float(sign) == -1.0 and np.isclose(float(logabs), np.log(5.0))
    sign, logabs = tf.linalg.slogdet(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    assert float(sign) == 0.0 and float(logabs) == -np.inf
    assert tf.linalg.slogdet(tf.eye(2)).log_abs_determinant is not None
    assert np.isnan(float(tf.linalg.logdet(tf.constant([[1.0, 2.0], [2.0, 1.0]]))))
    got = tf.linalg.logdet(tf.constant([[2.0 + 0j, 1j], [-1j, 2.0]], tf.complex64))
    assert got.dtype == tf.float32 and np.isclose(float(got), np.log(3.0), atol=1e-6)


def test_pinv_and_matrix_rank_of_a_rank_deficient_matrix() -> None:
    r = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], np.float32)
    np.testing.assert_allclose(tf.linalg.pinv(r).numpy(), np.linalg.pinv(r), atol=1e-5)
    rank = tf.linalg.matrix_rank(r)
    assert rank.dtype == tf.int32 and int(rank) == 2
    assert int(tf.linalg.matrix_rank(r, tol=5.0)) == 1
    with pytest.raises(TypeError, match="float"):
        tf.linalg.pinv(tf.eye(2, dtype=tf.complex64))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tf.linalg.matrix_rank(tf.ones([3]))


def test_lu_family_round_trips() -> None:
    x = RNG.normal(size=(2, 3, 3)).astype(np.float32)
    lu, p = tf.linalg.lu(x)
    assert p.dtype == tf.int32 and p.shape == (2, 3)
    assert tf.linalg.lu(x, output_idx_type=tf.int64).p.dtype == tf.int64
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), x, atol=1e-5)
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu, p).numpy(), np.linalg.inv(x), atol=1e-4)
    b = RNG.normal(size=(2, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, b).numpy(), np.linalg.solve(x, b), atol=1e-4)


@pytest.mark.parametrize(
    "fn", [tf.linalg.svd, tf.linalg.qr, tf.linalg.eigh, tf.linalg.slogdet, tf.linalg.lu], ids=lambda f: f.__name__
)
def test_decompositions_reject_vectors_and_integers(fn) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 2"):
        fn(tf.ones([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in the list of allowed values"):
        fn(tf.eye(3, dtype=tf.int32))


def test_square_only_decompositions_reject_rectangles_and_float16() -> None:
    for fn in (tf.linalg.eigh, tf.linalg.eig, tf.linalg.slogdet, tf.linalg.logdet, tf.linalg.lu):
        with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
            fn(tf.ones([3, 4]))
    with pytest.raises(tf.errors.NotFoundError):
        tf.linalg.svd(tf.eye(2, dtype=tf.float16))


# -- solvers and the rest --------------------------------------------------------------------------
def test_triangular_solve_reads_one_triangle_and_broadcasts() -> None:
    a = tf.constant([[2.0, 0.0], [1.0, 3.0]])
    b = tf.constant([[1.0], [2.0]])
    np.testing.assert_allclose(tf.linalg.triangular_solve(a, b).numpy(), [[0.5], [0.5]])
    np.testing.assert_allclose(tf.linalg.triangular_solve(a, b, lower=False).numpy(), [[0.5], [2 / 3]], rtol=1e-6)
    np.testing.assert_allclose(tf.linalg.triangular_solve(a, b, adjoint=True).numpy(), [[1 / 6], [2 / 3]], rtol=1e-6)
    assert tf.linalg.triangular_solve(a, tf.stack([b, b, b])).shape == (3, 2, 1)
    assert np.isinf(tf.linalg.triangular_solve(tf.constant([[0.0, 0.0], [1.0, 3.0]]), b).numpy()).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"In\[0\] mismatch In\[1\] shape: 2 vs. 3"):
        tf.linalg.triangular_solve(a, tf.ones([3, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be square"):
        tf.linalg.triangular_solve(tf.ones([2, 3]), tf.ones([2, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.triangular_solve(a, tf.ones([2, 1], tf.float64))


def test_cholesky_solve_solves_the_factored_system() -> None:
    a = np.array([[4.0, 2.0], [2.0, 3.0]], np.float32)
    got = tf.linalg.cholesky_solve(tf.linalg.cholesky(a), [[1.0], [2.0]])
    np.testing.assert_allclose(got.numpy(), [[-0.125], [0.75]], rtol=1e-6)


def test_lstsq_fast_slow_and_regularised() -> None:
    a = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = tf.constant([[1.0], [2.0], [3.0]])
    np.testing.assert_allclose(tf.linalg.lstsq(a, b).numpy(), [[1.0], [2.0]], atol=1e-5)
    np.testing.assert_allclose(tf.linalg.lstsq(a, b, l2_regularizer=0.5).numpy(), [[20 / 21], [34 / 21]], atol=1e-5)
    np.testing.assert_allclose(tf.linalg.lstsq(a, b, l2_regularizer=0.5, fast=False).numpy(), [[1.0], [2.0]], atol=1e-5)
    wide = tf.constant([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(tf.linalg.lstsq(wide, [[1.0], [2.0]]).numpy(), [[0.0], [1.0], [1.0]], atol=1e-5)
    assert np.isnan(tf.linalg.lstsq(tf.ones([3, 2]), tf.ones([3, 1])).numpy()).all()
    with pytest.raises(NotImplementedError, match="complex128"):
        tf.linalg.lstsq(tf.ones([3, 2], tf.complex128), tf.ones([3, 1], tf.complex128), l2_regularizer=0.5)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.lstsq(tf.ones([2, 3, 2]), tf.ones([3, 1]), fast=False)


def test_cross_normalize_expm_adjoint() -> None:
    got = tf.linalg.cross([1, 0, 0], [0, 1, 0])
    assert got.dtype == tf.int32 and got.numpy().tolist() == [0, 0, 1]
    with pytest.raises(tf.errors.FailedPreconditionError):
        tf.linalg.cross([1.0, 0.0], [0.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="same shape"):
        tf.linalg.cross(tf.ones([2, 3]), tf.ones([3]))
    x, n = tf.linalg.normalize(tf.constant([[3.0, 4.0], [6.0, 8.0]]), ord=1, axis=1)
    assert n.shape == (2, 1)
    np.testing.assert_allclose(x.numpy(), [[3 / 7, 4 / 7]] * 2, rtol=1e-6)
    np.testing.assert_allclose(tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])).numpy(), [[1, 1], [0, 1]])
    with pytest.raises(ValueError, match="does not support"):
        tf.linalg.expm(tf.eye(2, dtype=tf.int32))
    got = tf.linalg.adjoint(tf.constant([[1 + 2j, 3j]]))
    np.testing.assert_array_equal(got.numpy(), [[1 - 2j], [-3j]])


def test_tridiagonal_matmul_and_solve_in_every_format() -> None:
    d = np.array([[1.0, 1.0, 0.0], [3.0, 3.0, 3.0], [0.0, 1.0, 1.0]], np.float32)
    dense = np.diag(d[1]) + np.diag(d[0, :-1], 1) + np.diag(d[2, 1:], -1)
    rhs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    for fmt, arg in [("compact", d), ("matrix", dense), ("sequence", [d[0, :-1], d[1], d[2, 1:]])]:
        if fmt != "sequence":
            np.testing.assert_allclose(
                tf.linalg.tridiagonal_matmul(arg, rhs, diagonals_format=fmt).numpy(), dense @ rhs
            )
        got = tf.linalg.tridiagonal_solve(arg, rhs, diagonals_format=fmt)
        np.testing.assert_allclose(got.numpy(), np.linalg.solve(dense, rhs), rtol=1e-5)
    got = tf.linalg.tridiagonal_solve(d, rhs.T, transpose_rhs=True, partial_pivoting=False)
    np.testing.assert_allclose(got.numpy(), np.linalg.solve(dense, rhs), rtol=1e-5)
    assert tf.linalg.tridiagonal_solve(d, rhs[:, 0]).shape == (3,)


def test_tridiagonal_solve_pivots_and_gives_nan_when_singular() -> None:
    needs_pivot = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]], np.float32)
    np.testing.assert_allclose(
        tf.linalg.tridiagonal_solve(needs_pivot, [1.0, 2.0, 3.0]).numpy(), [0.0, 1.0, 2.0], atol=1e-6
    )
    singular = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]], np.float32)
    assert np.isnan(tf.linalg.tridiagonal_solve(singular, [1.0, 2.0, 3.0]).numpy()).all()
    with pytest.raises(ValueError, match="Unrecognized diagonals_format"):
        tf.linalg.tridiagonal_solve(singular, [1.0, 2.0, 3.0], diagonals_format="band")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.tridiagonal_matmul(tf.ones([3, 3], tf.float16), tf.ones([3, 1], tf.float16))


@pytest.mark.parametrize("lower", [True, False])
def test_banded_triangular_solve_reads_left_right_aligned_bands(lower: bool) -> None:
    m = np.array([[3.0, 0.0, 0.0], [1.0, 4.0, 0.0], [2.0, 5.0, 6.0]], np.float32)
    a = m if lower else m.T
    # lower: main diagonal first, then the subdiagonals padded on the left; upper: the superdiagonals
    # padded on the right, main diagonal last
    bands = (
        [[3.0, 4.0, 6.0], [0.0, 1.0, 5.0], [0.0, 0.0, 2.0]]
        if lower
        else [[2.0, 0.0, 0.0], [1.0, 5.0, 0.0], [3.0, 4.0, 6.0]]
    )
    rhs = np.array([[1.0], [2.0], [3.0]], np.float32)
    got = tf.linalg.banded_triangular_solve(bands, rhs, lower=lower)
    np.testing.assert_allclose(got.numpy(), np.linalg.solve(a, rhs), rtol=1e-5)
    got = tf.linalg.banded_triangular_solve(bands, rhs, lower=lower, adjoint=True)
    np.testing.assert_allclose(got.numpy(), np.linalg.solve(a.T, rhs), rtol=1e-5)
