"""tf.signal.fftnd family and the raw tf.fftnd ops: values against numpy.fft, dtypes, defaults, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
Z = (X + 1j * RNG.standard_normal((2, 3, 4))).astype(np.complex64)


@pytest.mark.parametrize(
    ("kwargs", "np_kwargs"),
    [
        ({}, {}),
        ({"axes": [0, 2]}, {"axes": (0, 2)}),
        ({"fft_length": [5, 2], "axes": [1, -1]}, {"s": (5, 2), "axes": (1, 2)}),
        ({"norm": "ortho"}, {"norm": "ortho"}),
        ({"norm": "forward", "axes": [2]}, {"norm": "forward", "axes": (2,)}),
    ],
)
def test_nd_transforms_match_numpy(kwargs, np_kwargs):
    s = tf.signal
    pairs = [
        (s.fftnd(Z, **kwargs), np.fft.fftn(Z, **np_kwargs), np.complex64),
        (s.ifftnd(Z, **kwargs), np.fft.ifftn(Z, **np_kwargs), np.complex64),
        (s.rfftnd(X, **kwargs), np.fft.rfftn(X, **np_kwargs), np.complex64),
        (s.irfftnd(Z, **kwargs), np.fft.irfftn(Z, **np_kwargs), np.float32),
    ]
    for got, want, dtype in pairs:
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


def test_float64_gives_complex128_and_back():
    x = tf.constant(X.astype(np.float64))
    spectrum = tf.signal.rfftnd(x)
    assert spectrum.dtype == tf.complex128
    back = tf.signal.irfftnd(spectrum, fft_length=x.shape)
    assert back.dtype == tf.float64
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-12)


def test_irfftnd_default_length_is_twice_the_last_minus_one():
    assert tf.signal.irfftnd(Z).shape == (2, 3, 6)
    assert tf.signal.irfftnd(Z, axes=[0, 1]).shape == (2, 4, 4)


def test_python_values_convert_to_complex64_and_float32():
    # TF converts non-Tensor input to the preferred dtype (complex64 for fftnd, float32 for rfftnd).
    assert tf.signal.fftnd([[1.0, 2.0]]).dtype == tf.complex64
    assert tf.signal.fftnd(X).dtype == tf.complex64
    assert tf.signal.rfftnd([[1.0, 2.0]]).dtype == tf.complex64
    assert tf.signal.rfftnd(X.astype(np.float64)).dtype == tf.complex64


def test_raw_ops_take_required_lengths_and_axes():
    got = tf.fftnd(Z, [3, 2], [1, 2])
    np.testing.assert_allclose(got.numpy(), np.fft.fftn(Z, (3, 2), (1, 2)), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(tf.ifftnd(Z, [3], [0]).numpy(), np.fft.ifftn(Z, (3,), (0,)), rtol=1e-4, atol=1e-5)
    assert tf.rfftnd(X, [4], [2], Tcomplex=tf.complex64).shape == (2, 3, 3)
    assert tf.irfftnd(Z, [6], [2], Treal=tf.float32).dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tcomplex"):
        tf.rfftnd(X, [4], [2], Tcomplex=tf.complex128)
    with pytest.raises(TypeError):
        tf.fftnd(Z)  # fft_length and axes are required, as in TF


def test_errors():
    with pytest.raises(ValueError, match="RFFT requires"):
        tf.signal.rfftnd(tf.constant(Z))
    with pytest.raises(ValueError, match="IRFFT requires"):
        tf.signal.irfftnd(tf.constant(X))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tcomplex"):
        tf.signal.fftnd(tf.constant(X))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fft_length"):
        tf.signal.fftnd(Z, fft_length=[2], axes=[0, 1])
    with pytest.raises(ValueError, match="norm"):
        tf.signal.fftnd(Z, norm="both")


def test_gradient_flows_and_in_function():
    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.math.real(tf.signal.rfftnd(v, axes=[1, 2])))
    # d/dx sum(Re(rfft)) = sum over kept frequencies of cos terms: at x, only via the DC/real parts.
    g = tape.gradient(y, v)
    import jax
    import jax.numpy as jnp

    want = jax.grad(lambda a: jnp.sum(jnp.real(jnp.fft.rfftn(a, axes=(1, 2)))))(X)
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-5, atol=1e-5)
    f = tf.function(lambda a: tf.signal.ifftnd(tf.signal.fftnd(a)))
    np.testing.assert_allclose(f(tf.constant(Z)).numpy(), Z, atol=1e-5)
