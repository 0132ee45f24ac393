"""Singular and non-positive-definite input to tf.linalg's factorising ops (linalg_ops.py).

TF 2.21 (checked on CPU): ``inv`` raises InvalidArgumentError "Input is not invertible." and
``solve`` "Input matrix is not invertible." when their LU factorisation has a zero pivot (denormals
flushed to zero), in eager mode and when a tf.function's graph runs; ``det`` of a singular matrix is
0 and ``cholesky`` of a matrix that is not positive definite gives NaN, neither raising.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy

SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
FLOAT_DTYPES = [tf.float32, tf.float64, tf.complex64, tf.complex128]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_inv_of_singular_matrix_raises_invalid_argument(dtype: tf.DType) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.linalg.inv(tf.constant(SINGULAR, dtype))
    message = str(info.value)
    assert message.startswith(f"MatrixInverse: Input is not invertible. (input {dtype.name}[2, 2]: the matrix ")
    assert "singular" in message and "Fix:" in message


@pytest.mark.parametrize(
    "matrix",
    [
        [[0.0, 0.0], [0.0, 0.0]],
        [[0.1, 0.2], [0.2, 0.4]],  # singular in float32 too (TF raises)
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        [[0.0]],
        [[1e-40, 0.0], [0.0, 1.0]],  # a subnormal pivot: TF flushes it to zero
    ],
    ids=["zeros", "tenths", "3x3", "1x1", "subnormal"],
)
def test_inv_raises_wherever_tf_finds_a_zero_pivot(matrix: list[list[float]]) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(tf.constant(matrix))


def test_inv_with_adjoint_of_singular_matrix_raises_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^MatrixInverse: Input is not invertible"):
        tf.linalg.inv(tf.constant(SINGULAR), adjoint=True)


def test_inv_of_batch_with_one_singular_matrix_raises_and_names_it() -> None:
    batch = tf.stack([tf.stack([tf.eye(2), tf.eye(2)]), tf.stack([tf.eye(2), tf.constant(SINGULAR)])])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.linalg.inv(batch)
    assert str(info.value).startswith(
        "MatrixInverse: Input is not invertible. (input float32[2, 2, 2, 2]: matrix [1, 1] of the batch"
    )


def test_inv_of_nearly_singular_matrix_returns_large_values_as_tf() -> None:
    got = tf.linalg.inv(tf.constant([[1.0, 2.0], [1.0, 2.0000002]])).numpy()
    assert np.all(np.isfinite(got)) and np.abs(got).max() > 1e6  # TF 2.21: 8.388609e+06 ...


def test_inv_of_matrix_holding_inf_returns_tf_values_without_error() -> None:
    np.testing.assert_array_equal(
        tf.linalg.inv(tf.constant([[np.inf, 0.0], [0.0, 1.0]])).numpy(), [[0.0, 0.0], [0.0, 1.0]]
    )


def test_inv_of_matrix_holding_nan_gives_nan_without_error() -> None:
    # Documented difference: TF raises only when its first pivot is NaN ([[nan, 0], [0, 1]]), not
    # for [[1, 0], [0, nan]]; tapejax gives NaN for both.
    for m in ([[np.nan, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, np.nan]]):
        assert np.isnan(tf.linalg.inv(tf.constant(m)).numpy()).any()


def test_inv_of_empty_input_does_not_raise() -> None:
    assert tf.linalg.inv(tf.zeros([0, 0])).shape == (0, 0)
    assert tf.linalg.inv(tf.zeros([0, 2, 2])).shape == (0, 2, 2)
    assert tf.linalg.inv(tf.zeros([3, 0, 0])).shape == (3, 0, 0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_solve_of_singular_matrix_raises_invalid_argument(dtype: tf.DType) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.linalg.solve(tf.constant(SINGULAR, dtype), tf.ones([2, 1], dtype))
    assert str(info.value).startswith(
        f"MatrixSolve: Input matrix is not invertible. (input {dtype.name}[2, 2]: the matrix "
    )


def test_solve_with_adjoint_of_singular_matrix_raises_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^MatrixSolve: Input matrix is not invertible"):
        tf.linalg.solve(tf.constant([[1.0, 2.0], [3.0, 6.0]]), tf.ones([2, 1]), adjoint=True)


def test_solve_of_batch_with_one_singular_matrix_raises_and_names_it() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"float32\[2, 2, 2\]: matrix \[1\] of the batch"):
        tf.linalg.solve(tf.stack([tf.eye(2), tf.constant(SINGULAR)]), tf.ones([2, 2, 1]))


def test_solve_shape_errors_come_before_the_singularity_check() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch dimensions"):
        tf.linalg.solve(tf.constant(SINGULAR), tf.ones([3, 1]))


def test_singular_check_reads_a_queued_input_and_keeps_other_queued_values() -> None:
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    before = a * 2.0  # queued, not read yet
    singular = tf.stack([a[0], a[0] * 2.0])  # a queued input
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(singular)
    np.testing.assert_array_equal(before.numpy(), [[2.0, 4.0], [6.0, 8.0]])
    good = tf.linalg.inv(a * 1.0)  # a queued, invertible input still gives its inverse
    np.testing.assert_allclose(good.numpy(), np.linalg.inv([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-6)


def test_singular_inv_raises_with_deferred_execution_off() -> None:
    previous = lazy.set_enabled(False)
    try:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
            tf.linalg.inv(tf.constant(SINGULAR) * 1.0)
    finally:
        lazy.set_enabled(previous)


def test_variable_is_unchanged_when_inv_or_solve_raises() -> None:
    v = tf.Variable(tf.eye(2))
    v.assign(tf.constant(SINGULAR))  # pending when inv reads it
    with pytest.raises(tf.errors.InvalidArgumentError):
        v.assign(tf.linalg.inv(v))
    with pytest.raises(tf.errors.InvalidArgumentError):
        v.assign_sub(tf.linalg.solve(v, tf.eye(2)))
    np.testing.assert_array_equal(v.numpy(), SINGULAR)


def test_tape_still_differentiates_after_inv_raised_under_it() -> None:
    x = tf.Variable([[2.0, 0.0], [0.0, 4.0]])
    with tf.GradientTape() as tape:
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.linalg.inv(x * 0.0)
        y = tf.reduce_sum(tf.linalg.inv(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[-0.25, -0.125], [-0.125, -0.0625]], rtol=1e-6)


def test_inside_tf_function_singular_inv_and_solve_give_non_finite_values() -> None:
    # Documented difference: the traced matrix is not checked (TF raises when its graph runs).
    inv = tf.function(lambda m: tf.linalg.inv(m))
    solve = tf.function(lambda m, r: tf.linalg.solve(m, r))
    assert not np.isfinite(inv(tf.constant(SINGULAR)).numpy()).all()
    assert not np.isfinite(solve(tf.constant(SINGULAR), tf.ones([2, 1])).numpy()).all()
    np.testing.assert_allclose(inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).numpy(), [[0.5, 0.0], [0.0, 0.25]])


def test_det_of_singular_matrix_is_zero_without_error() -> None:
    assert tf.linalg.det(tf.constant(SINGULAR)).numpy() == 0.0  # TF 2.21: -0.0
    np.testing.assert_array_equal(tf.linalg.det(tf.stack([tf.eye(2), tf.constant(SINGULAR)])).numpy(), [1.0, 0.0])


def test_cholesky_of_non_positive_definite_matrix_gives_nan_without_error() -> None:
    # TF 2.21's CPU kernel gives NaN (lower triangle) instead of raising "Cholesky decomposition was
    # not successful"; a batch keeps its positive definite matrices' factors.
    c = tf.linalg.cholesky(tf.stack([tf.eye(2), -tf.eye(2), tf.constant([[1.0, 2.0], [2.0, 1.0]])])).numpy()
    np.testing.assert_array_equal(c[0], np.eye(2))
    for bad in c[1:]:
        assert np.isnan(bad[np.tril_indices(2)]).all()
        assert bad[0, 1] == 0.0
