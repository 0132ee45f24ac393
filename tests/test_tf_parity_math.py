"""Parity of issue 14's tf.math ops with TensorFlow itself: values, dtypes, shapes and tape
gradients (None where TF's is None), on inputs that include TF's special points (zero divisors,
x == 0 in xlogy, zeros in products, ties). Runs where TensorFlow is installed:
``/tmp/tfenv/bin/python -m pytest -q tests/test_tf_parity_math.py -p no:cacheprovider``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapejax as tj

tf_real = pytest.importorskip("tensorflow")

_P = np.array([0.5, 1.5, 2.0, 0.25], np.float32)
_U = np.array([-0.5, 0.0, 0.3, 0.9], np.float32)
_Z = np.array([0.0, 1.5, 0.0, -2.0], np.float32)  # zeros
_T = np.array([2.0, 2.0, 3.0, 0.0, 5.0, 0.0, 0.0], np.float32)  # ties and zeros
_IDS = [0, 0, 1, 1, 1, 2, 2]

# name -> (program of (tf module, *tensors), inputs)
PROGRAMS: dict[str, tuple[Any, tuple[np.ndarray, ...]]] = {
    "acos": (lambda m, x: m.math.acos(x), (_U,)),
    "asin": (lambda m, x: m.math.asin(x), (_U,)),
    "atan": (lambda m, x: m.math.atan(x), (_U,)),
    "acosh": (lambda m, x: m.math.acosh(x + 1.5), (_U,)),
    "asinh": (lambda m, x: m.math.asinh(x), (_U,)),
    "atanh": (lambda m, x: m.math.atanh(x), (_U,)),
    "atan2": (lambda m, y, x: m.math.atan2(y, x), (_U, _Z)),
    "reciprocal": (lambda m, x: m.math.reciprocal(x), (_P,)),
    "reciprocal_no_nan": (lambda m, x: m.math.reciprocal_no_nan(x), (_Z,)),
    "divide_no_nan": (lambda m, x, y: m.math.divide_no_nan(x, y), (_U, _Z)),
    "multiply_no_nan": (lambda m, x, y: m.math.multiply_no_nan(x, y), (_U, _Z)),
    "nextafter": (lambda m, x, y: m.math.nextafter(x, y), (_U, _Z)),
    "angle": (lambda m, x, y: m.math.angle(m.complex(x, y)), (_U, _Z)),
    "log_sigmoid": (lambda m, x: m.math.log_sigmoid(x * 30), (_U,)),
    "softsign": (lambda m, x: m.math.softsign(x), (_Z,)),
    "saturate_cast": (lambda m, x: m.saturate_cast(x * 1e5, m.float16), (_U,)),
    "erf": (lambda m, x: m.math.erf(x), (_U,)),
    "erfc": (lambda m, x: m.math.erfc(x), (_U,)),
    "erfinv": (lambda m, x: m.math.erfinv(x), (_U,)),
    "erfcinv": (lambda m, x: m.math.erfcinv(x), (_P,)),
    "ndtri": (lambda m, x: m.math.ndtri(x / 3), (_P,)),
    "lgamma": (lambda m, x: m.math.lgamma(x), (_U,)),
    "digamma": (lambda m, x: m.math.digamma(x), (_P,)),
    "polygamma": (lambda m, n, x: m.math.polygamma(m.round(n * 2), x), (_P, _P)),
    "zeta": (lambda m, s, q: m.math.zeta(s + 1.5, q), (_P, _P)),
    "igamma": (lambda m, a, x: m.math.igamma(a, x), (_P, _P)),
    "igammac": (lambda m, a, x: m.math.igammac(a, x), (_P, _P)),
    "betainc": (lambda m, a, b, x: m.math.betainc(a, b, x / 3), (_P, _P[::-1].copy(), _P)),
    "lbeta": (lambda m, x: m.math.lbeta(m.reshape(x, [2, 2])), (_P,)),
    "bessel_i0": (lambda m, x: m.math.bessel_i0(x), (_Z,)),
    "bessel_i0e": (lambda m, x: m.math.bessel_i0e(x), (_Z,)),
    "bessel_i1": (lambda m, x: m.math.bessel_i1(x), (_Z,)),
    "bessel_i1e": (lambda m, x: m.math.bessel_i1e(x), (_Z,)),
    "xlogy": (lambda m, x, y: m.math.xlogy(x, y), (_Z, _P)),
    "xdivy": (lambda m, x, y: m.math.xdivy(x, y), (_Z, _P)),
    "xlog1py": (lambda m, x, y: m.math.xlog1py(x, y), (_Z, _P)),
    "segment_sum": (lambda m, x: m.math.segment_sum(x, _IDS), (_T,)),
    "segment_mean": (lambda m, x: m.math.segment_mean(x, _IDS), (_T,)),
    "segment_max": (lambda m, x: m.math.segment_max(x, _IDS), (_T,)),
    "segment_min": (lambda m, x: m.math.segment_min(x, _IDS), (_T,)),
    "segment_prod": (lambda m, x: m.math.segment_prod(x, _IDS), (_T,)),
    "unsorted_segment_max": (lambda m, x: m.math.unsorted_segment_max(x, [2, 2, -1, 0, 0, 2, 1], 4), (_T,)),
    "unsorted_segment_prod": (lambda m, x: m.math.unsorted_segment_prod(x, [2, 2, -1, 0, 0, 2, 1], 4), (_T,)),
    "unsorted_segment_sqrt_n": (lambda m, x: m.math.unsorted_segment_sqrt_n(x, [2, 2, -1, 0, 0, 2, 1], 4), (_T,)),
    "cumprod": (lambda m, x: m.math.cumprod(x, exclusive=True), (_Z,)),
    "cumprod_reverse": (lambda m, x: m.math.cumprod(x, reverse=True), (_Z,)),
    "cumulative_logsumexp": (lambda m, x: m.math.cumulative_logsumexp(x, reverse=True), (_U,)),
    "reduce_euclidean_norm": (lambda m, x: m.math.reduce_euclidean_norm(m.reshape(x, [2, 2]), axis=0), (_Z,)),
    "l2_normalize": (lambda m, x: m.math.l2_normalize(m.reshape(x, [2, 2]), axis=1), (_Z,)),
    "top_k": (lambda m, x: m.math.top_k(x, k=3)[0], (_T,)),
    "approx_max_k": (lambda m, x: m.math.approx_max_k(x, 3)[0], (_T,)),
    "confusion_matrix": (
        lambda m, w: m.math.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], weights=w, dtype=m.float32),
        (_P,),
    ),
    "polyval": (lambda m, a, x: m.math.polyval([a, 2.0 * a, 3.0], x), (_P, _U)),
    "count_nonzero": (lambda m, x: m.math.count_nonzero(x), (_Z,)),
    "zero_fraction": (lambda m, x: m.math.zero_fraction(x), (_Z,)),
    "rint": (lambda m, x: m.math.rint(x * 3), (_U,)),
    "is_inf": (lambda m, x: m.math.is_inf(1 / x), (_Z,)),
    "truncatediv": (lambda m, x, y: m.truncatediv(x * 7, y + 3), (_U, _Z)),
    "bincount": (lambda m: m.math.bincount(m.constant([1, 1, 4, 0]), minlength=6), ()),
    "in_top_k": (lambda m, p: m.math.in_top_k([0, 3], m.reshape(p, [2, 2]) * 0 + [[1.0, 2.0]], 1), (_P,)),
    "invert_permutation": (lambda m: m.math.invert_permutation([2, 0, 1]), ()),
}


def _run(m: Any, name: str, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, Any, list[Any]]:
    fn, _ = PROGRAMS[name]
    ts = [m.constant(a) for a in arrays]
    with m.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = fn(m, *ts)
    grads = tape.gradient(y, ts) if ts and y.dtype.is_floating else [None] * len(ts)
    return y.numpy(), y.dtype.name, [None if g is None else np.asarray(m.convert_to_tensor(g)) for g in grads]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_dtypes_and_gradients_match_tensorflow(name: str) -> None:
    arrays = PROGRAMS[name][1]
    want, want_dtype, want_grads = _run(tf_real, name, arrays)
    got, got_dtype, got_grads = _run(tj, name, arrays)
    assert got_dtype == want_dtype and got.shape == want.shape
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=2e-5, atol=1e-6)
    for g, w in zip(got_grads, want_grads, strict=True):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=2e-4, atol=1e-5)


# Second derivatives (nested tapes) where TF's gradient is a convention, not the true derivative.
SECOND_ORDER = [
    "xlogy",
    "xdivy",
    "xlog1py",
    "divide_no_nan",
    "multiply_no_nan",
    "cumprod",
    "segment_prod",
    "segment_max",
    "l2_normalize",
    "betainc",
    "bessel_i0e",
]


def _second(m: Any, name: str) -> list[Any]:
    fn, arrays = PROGRAMS[name]
    ts = [m.constant(a) for a in arrays]
    with m.GradientTape(persistent=True) as outer:
        for t in ts:
            outer.watch(t)
        with m.GradientTape() as inner:
            for t in ts:
                inner.watch(t)
            y = m.reduce_sum(fn(m, *ts))
        gs = inner.gradient(y, ts)
        s = m.add_n([m.reduce_sum(g * g) for g in gs if g is not None])
    return [None if h is None else np.asarray(m.convert_to_tensor(h)) for h in outer.gradient(s, ts)]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_tensorflow(name: str) -> None:
    for got, want in zip(_second(tj, name), _second(tf_real, name), strict=True):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


def test_complex_gradients_match_tensorflows_conjugation() -> None:
    """TF's MulNoNan, Xlogy & co., Cumprod and SegmentProd gradients do not conjugate (Mul's does)."""
    z0 = np.array([1 + 2j, -3 + 0.5j, 2 - 1j], np.complex64)

    def grads(m: Any) -> list[np.ndarray]:
        z = m.constant(z0)
        with m.GradientTape(persistent=True) as tape:
            tape.watch(z)
            ys = [
                m.math.angle(z),
                m.math.xlogy(z, z + 1),
                m.math.xdivy(z, z + 1),
                m.math.xlog1py(z, z),
                m.math.multiply_no_nan(z, z),
                m.math.divide_no_nan(z, z * 2),
                m.math.cumprod(z, exclusive=True, reverse=True),
                m.math.segment_prod(z, [0, 0, 1]),
                m.math.reciprocal(z),
                m.math.l2_normalize(z),
            ]
        return [tape.gradient(y, z).numpy() for y in ys]

    for got, want in zip(grads(tj), grads(tf_real), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
