"""Gradient cases of tf.linalg's decompositions, solvers and diagonal ops (see tests/test_op_gradients.py).

Several ops share a case (their outputs concatenated) to keep the table's compile time small. Outputs that
are defined only up to sign (singular vectors, eigenvectors) enter through their squares, which do not
depend on the sign LAPACK picks.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from op_case import Case

import tapejax as tf

C = Case

_PERM = np.array([2, 0, 1], np.int32)


def _flat(*ts):
    return tf.concat([tf.reshape(t, [-1]) for t in ts], 0)


def _jflat(*xs):
    return jnp.concatenate([jnp.reshape(x, -1) for x in xs])


def _tf_diag_ops(x, d):
    return _flat(
        tf.linalg.diag_part(x, k=(-1, 1), padding_value=7.0),
        tf.linalg.set_diag(x, d, k=1),
        tf.linalg.band_part(x, 1, 0),
        tf.linalg.trace(x[:, :3] * x[:, 1:]),
        tf.linalg.diag(d * d, k=-1),
        tf.linalg.tensor_diag(d * x[0, :3]),
        tf.linalg.tensor_diag_part(x[:, :3] * x[:, 1:]),
    )


def _jnp_diag_ops(x, d):
    sq = x[:, :3] * x[:, 1:]
    return _jflat(
        jnp.stack(
            [
                jnp.pad(jnp.diagonal(x, 1), (0, 0)),
                jnp.diagonal(x),
                jnp.pad(jnp.diagonal(x, -1), (0, 1), constant_values=7.0),
            ]
        ),
        x - jnp.diag(jnp.diagonal(x, 1), 1)[:3, :4] + jnp.diag(d, 1)[:3, :4],
        jnp.tril(x) - jnp.tril(x, -2),
        jnp.trace(sq),
        jnp.diag(d * d, -1),
        jnp.diag(d * x[0, :3]),
        jnp.diagonal(sq),
    )


def _lower_sym(x):  # what eigh reads
    return jnp.tril(x) + jnp.tril(x, -1).T


def _unit_lower(lu):
    return jnp.tril(lu, -1) + jnp.eye(lu.shape[-1])


def _jnp_lu_solve(lu, rhs):
    y = jsl.solve_triangular(_unit_lower(lu), rhs[_PERM], lower=True)
    return jsl.solve_triangular(jnp.triu(lu), y, lower=False)


def _tf_svd(x):
    s, u, v = tf.linalg.svd(x)
    return _flat(s, u * u, v * v, tf.linalg.svd(x * 2.0, compute_uv=False))


def _jnp_svd(x):
    u, s, vh = jnp.linalg.svd(x, full_matrices=False)
    return _jflat(s, u * u, vh.T * vh.T, jnp.linalg.svd(x * 2.0, compute_uv=False))


def _tf_qr(tall, wide):
    return _flat(*tf.linalg.qr(tall), *tf.linalg.qr(wide))


def _jnp_qr(tall, wide):
    q, r = jnp.linalg.qr(wide[:, :3])
    return _jflat(*jnp.linalg.qr(tall), q, jnp.concatenate([r, q.T @ wide[:, 3:]], 1))  # TF's wide QR


def _tf_eigh(x):
    e, v = tf.linalg.eigh(x)
    return _flat(e, v * v, tf.linalg.eigvalsh(x * 2.0))


def _jnp_eigh(x):
    e, v = jnp.linalg.eigh(_lower_sym(x))
    return _jflat(e, v * v, jnp.linalg.eigvalsh(_lower_sym(x * 2.0)))


_ROWS = np.array([[1.0], [-2.0], [0.5]])  # weights by row: the loss does not depend on the eigenvalues' order


def _tf_eig(x):
    e, v = tf.linalg.eig(x)
    ev = tf.linalg.eigvals(x * 2.0)
    return tf.reduce_sum(tf.math.real(e * tf.math.conj(e) + ev * ev)) + tf.reduce_sum(
        tf.math.real(v * tf.math.conj(v)) * _ROWS
    )


def _jnp_eig(x):
    e, v = jax.lax.linalg.eig(x, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
    ev = jnp.linalg.eigvals(x * 2.0)
    return jnp.sum(jnp.real(e * jnp.conj(e) + ev * ev)) + jnp.sum(jnp.real(v * jnp.conj(v)) * _ROWS)


def _tf_dets(a):
    a = (a + tf.linalg.matrix_transpose(a)) / 2  # logdet reads the lower triangle (symmetric gradient, as TF)
    return _flat(tf.linalg.slogdet(a)[1], tf.linalg.logdet(a))


def _jnp_dets(a):
    a = (a + a.T) / 2
    return _jflat(jnp.linalg.slogdet(a)[1], jnp.linalg.slogdet(a)[1])


def _tf_lu(lu, b):
    return _flat(
        tf.linalg.lu_reconstruct(lu, _PERM), tf.linalg.lu_solve(lu, _PERM, b), tf.linalg.lu_matrix_inverse(lu, _PERM)
    )


def _jnp_lu(lu, b):
    return _jflat(
        (_unit_lower(lu) @ jnp.triu(lu))[jnp.argsort(_PERM)], _jnp_lu_solve(lu, b), _jnp_lu_solve(lu, jnp.eye(3))
    )


def _tf_triangular(a, b):
    return _flat(tf.linalg.triangular_solve(a, b, lower=False, adjoint=True), tf.linalg.cholesky_solve(a, b[0]))


def _jnp_triangular(a, b):
    return _jflat(jsl.solve_triangular(jnp.triu(a).T, b, lower=True), jsl.cho_solve((jnp.tril(a), True), b[0]))


def _tf_lstsq(tall, b, wide):
    return _flat(tf.linalg.lstsq(tall, b, l2_regularizer=0.1), tf.linalg.lstsq(wide, tall[:3]))


def _jnp_lstsq(tall, b, wide):
    return _jflat(
        jnp.linalg.solve(tall.T @ tall + 0.1 * jnp.eye(3), tall.T @ b),
        wide.T @ jnp.linalg.solve(wide @ wide.T, tall[:3]),
    )


_MAIN = np.array([[0.0], [3.0], [0.0]])  # a dominant main diagonal: well conditioned


def _tf_tridiagonal(d, b):
    d = d + _MAIN
    return _flat(
        tf.linalg.tridiagonal_matmul(d, b),
        tf.linalg.tridiagonal_solve(d, b),
        tf.linalg.tridiagonal_solve(d, b, partial_pivoting=False),
    )


def _jnp_tridiagonal(d, b):
    d = d + _MAIN
    a = jnp.diag(d[1]) + jnp.diag(d[0, :-1], 1) + jnp.diag(d[2, 1:], -1)
    return _jflat(a @ b, jnp.linalg.solve(a, b), jnp.linalg.solve(a, b))


CASES: list[Case] = [
    C("linalg_diag_ops", _tf_diag_ops, _jnp_diag_ops, ((3, 4), (3,))),
    C("linalg_svd", _tf_svd, _jnp_svd, ((3, 4),)),
    C("linalg_qr", _tf_qr, _jnp_qr, ((4, 3), (3, 5))),
    C("linalg_eigh", _tf_eigh, _jnp_eigh, ((3, 3),)),
    C("linalg_eig", _tf_eig, _jnp_eig, ((3, 3),)),
    C("linalg_slogdet_logdet", _tf_dets, _jnp_dets, ((3, 3),), "spd"),
    C("linalg_pinv", lambda x: tf.linalg.pinv(x), jnp.linalg.pinv, ((3, 2),)),
    C("linalg_lu_family", _tf_lu, _jnp_lu, ((3, 3), (3, 2)), "pos"),
    C("linalg_triangular_cholesky_solve", _tf_triangular, _jnp_triangular, ((3, 3), (2, 3, 2)), "pos"),
    C("linalg_lstsq", _tf_lstsq, _jnp_lstsq, ((4, 3), (4, 2), (3, 5))),
    C(
        "linalg_cross_normalize",
        lambda a, b: _flat(tf.linalg.cross(a, b), tf.linalg.normalize(a, axis=1)[0]),
        lambda a, b: _jflat(jnp.cross(a, b), a / jnp.linalg.norm(a, axis=1, keepdims=True)),
        ((2, 3), (2, 3)),
    ),
    C("linalg_tridiagonal", _tf_tridiagonal, _jnp_tridiagonal, ((3, 4), (4, 2))),
    # (first order only: expm's second-order program takes long to compile)
    C("linalg_expm", lambda x: tf.linalg.expm(x * 0.5), lambda x: jsl.expm(x * 0.5), ((2, 2),), numeric_order=1),
]


# tf.linalg.sqrtm (TF's Sylvester gradient through a custom rule) and tf.linalg.eigh_tridiagonal.
def _tf_tridiag_eigh(a, b):
    w, v = tf.linalg.eigh_tridiagonal(a, b, eigvals_only=False)
    # eigenvectors enter through v v^T (sign-free), as in linalg_eigh
    return _flat(tf.linalg.eigh_tridiagonal(a * 2.0, b), w, tf.matmul(v * w, v, transpose_b=True))


def _jnp_tridiag_eigh(a, b):
    def dense(d, e):
        return jnp.diag(d) + jnp.diag(e, -1) + jnp.diag(e, 1)

    w, v = jnp.linalg.eigh(dense(a, b))
    return _jflat(jnp.linalg.eigvalsh(dense(a * 2.0, b)), w, (v * w) @ v.T)


def _jnp_sqrtm(x):
    from tapejax._src.ops import linalg_more_ops

    return linalg_more_ops._sqrtm_impl(x)


CASES += [
    C("linalg_sqrtm", lambda x: tf.linalg.sqrtm(x), _jnp_sqrtm, ((3, 3),), "spd"),
    C("linalg_eigh_tridiagonal", _tf_tridiag_eigh, _jnp_tridiag_eigh, ((4,), (3,))),
]
