"""Special functions (``tf.math.erf``, ``lgamma``, ``igamma``, ``bessel_i0``, ``xlogy``, ...).

TF defines them for floating tensors only (``xlogy``/``xdivy``/``xlog1py`` also for complex).
Gradients are TF's registered ones: JAX's derivative where it is the same, a custom JVP where TF
chose a convention (``xlogy`` at ``x == 0``), and ``nondiff`` inputs where TF's gradient is None
(``polygamma``'s order, ``zeta``'s ``x``, ``betainc``'s ``a`` and ``b``).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
from jax import lax

from tapejax._src.core import Op, bind
from tapejax._src.ops import igamma_kernel, utils
from tapejax._src.tensor import Tensor


def _nonzero(x: Any) -> Any:
    return (x != 0).astype(x.dtype)


# xlogy, xdivy and xlog1py are 0 where x == 0 (whatever y is), and so are their gradients: TF's
# _XLogyGrad & co. are xlogy(x != 0, y) and xdivy(x, y) (for xdivy: xdivy(x != 0, y) and
# xdivy(-x, y ** 2); for xlog1py: xlog1py(x != 0, y) and xdivy(x, y + 1)). The JVPs below are written
# with the same functions, so that higher derivatives follow TF's rules too.
@jax.custom_jvp
def _xlogy_impl(x: Any, y: Any) -> Any:
    zero = x == 0
    return jnp.where(zero, jnp.zeros((), x.dtype), x * jnp.log(jnp.where(zero, jnp.ones_like(y), y)))


@jax.custom_jvp
def _xdivy_impl(x: Any, y: Any) -> Any:
    zero = x == 0
    return jnp.where(zero, jnp.zeros((), x.dtype), x / jnp.where(zero, jnp.ones_like(y), y))


@jax.custom_jvp
def _xlog1py_impl(x: Any, y: Any) -> Any:
    zero = x == 0
    return jnp.where(zero, jnp.zeros((), x.dtype), x * jnp.log1p(jnp.where(zero, jnp.zeros_like(y), y)))


# TF's gradient functions for these do not conjugate (unlike Mul's): for complex inputs the
# partials enter conjugated here, which gives TF's unconjugated gradients after the tape's convention.
def _tf_partial(p: Any) -> Any:
    """A partial derivative as TF's gradient functions that do not conjugate use it (see above)."""
    return jnp.conj(p) if p.dtype.kind == "c" else p


@_xlogy_impl.defjvp
def _xlogy_jvp(primals: Any, tangents: Any) -> Any:
    x, y = primals
    dx, dy = _tf_partial(_xlogy_impl(_nonzero(x), y)), _tf_partial(_xdivy_impl(x, y))
    return _xlogy_impl(x, y), tangents[0] * dx + tangents[1] * dy


@_xdivy_impl.defjvp
def _xdivy_jvp(primals: Any, tangents: Any) -> Any:
    x, y = primals
    dx, dy = _tf_partial(_xdivy_impl(_nonzero(x), y)), _tf_partial(_xdivy_impl(-x, y * y))
    return _xdivy_impl(x, y), tangents[0] * dx + tangents[1] * dy


@_xlog1py_impl.defjvp
def _xlog1py_jvp(primals: Any, tangents: Any) -> Any:
    x, y = primals
    dx, dy = _tf_partial(_xlog1py_impl(_nonzero(x), y)), _tf_partial(_xdivy_impl(x, y + 1))
    return _xlog1py_impl(x, y), tangents[0] * dx + tangents[1] * dy


# TF's registered gradients of the Bessel functions and Ndtri, as JVPs written with the same
# functions (so higher orders follow them too). TF's BesselI1 gradient at 0 is 1 (the true one is
# 0.5); JAX's derivatives of i0 at 0 (1, through |x|) and of ndtri at 1 (0, not inf) differ as well.
@jax.custom_jvp
def _i0(x: Any) -> Any:
    return jsp.i0(x)


@jax.custom_jvp
def _i0e(x: Any) -> Any:
    return jsp.i0e(x)


@jax.custom_jvp
def _i1(x: Any) -> Any:
    return jsp.i1(x)


@jax.custom_jvp
def _i1e(x: Any) -> Any:
    return jsp.i1e(x)


@jax.custom_jvp
def _ndtri(x: Any) -> Any:
    return jsp.ndtri(x)


def _safe_reciprocal(x: Any) -> Any:
    return 1 / jnp.where(x == 0, jnp.ones_like(x), x)


@_i0.defjvp
def _i0_jvp(primals: Any, tangents: Any) -> Any:
    (x,) = primals
    return _i0(x), tangents[0] * _i1(x)


@_i0e.defjvp
def _i0e_jvp(primals: Any, tangents: Any) -> Any:
    (x,) = primals
    y = _i0e(x)
    return y, tangents[0] * (_i1e(x) - jnp.sign(x) * y)


@_i1.defjvp
def _i1_jvp(primals: Any, tangents: Any) -> Any:
    (x,) = primals
    y = _i1(x)
    return y, tangents[0] * jnp.where(x == 0, jnp.ones_like(x), _i0(x) - y * _safe_reciprocal(x))


@_i1e.defjvp
def _i1e_jvp(primals: Any, tangents: Any) -> Any:
    (x,) = primals
    y = _i1e(x)
    d = _i0e(x) - y * (jnp.sign(x) + _safe_reciprocal(x))
    return y, tangents[0] * jnp.where(x == 0, jnp.full_like(x, 0.5), d)


@_ndtri.defjvp
def _ndtri_jvp(primals: Any, tangents: Any) -> Any:
    y = _ndtri(primals[0])
    return y, tangents[0] * (np.sqrt(2 * np.pi).astype(y.dtype) * jnp.exp(y * y / 2))


def _erfcinv_impl(x: Any) -> Any:
    return -_ndtri(0.5 * x) * np.sqrt(0.5).astype(x.dtype)  # TF's formula (erfcinv(1) is -0.0)


def _lbeta_impl(x: Any) -> Any:
    return jnp.sum(lax.lgamma(x), axis=-1) - lax.lgamma(jnp.sum(x, axis=-1))


@jax.custom_jvp
def _betainc_core(a: Any, b: Any, x: Any) -> Any:
    return lax.betainc(a, b, x)


@_betainc_core.defjvp
def _betainc_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _BetaincGrad for x, in log space with xlog1py/xlogy so that the tails at a == 1 or b == 1
    # stay finite (JAX's rule gives NaN at x == 0 there); a and b are nondiff (TF: None).
    a, b, x = primals
    log_beta = lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)
    partial_x = jnp.exp(_xlog1py_impl(b - 1, -x) + _xlogy_impl(a - 1, x) - log_beta)
    return _betainc_core(a, b, x), tangents[2] * partial_x


def _betainc_impl(a: Any, b: Any, x: Any) -> Any:
    a, b, x = jnp.broadcast_arrays(a, b, x)
    out = _betainc_core(a, b, x)
    return jnp.where((a <= 0) | (b <= 0), _const_like(out, jnp.nan), out)  # (TF's NaN, where XLA's is 0)


# TF's (Eigen's) values at the edges of the domains, where XLA's differ: constants selected by
# ``where`` on the output, only where XLA's value differs (so gradients elsewhere are untouched).
def _const_like(v: Any, c: float) -> Any:
    return jnp.full_like(v, c)


def _zeta_value(x: Any, q: Any) -> Any:
    """TF's Zeta kernel's values, edges included (x == inf, q == inf, the x < 1 domain)."""
    out = jsp.zeta(x, q)
    inf = jnp.inf
    at_inf_x = jnp.where(q < 1, _const_like(out, inf), jnp.where(q == 1, _const_like(out, 1), _const_like(out, 0)))
    out = jnp.where((q == inf) & (x > 1), _const_like(out, 0), out)
    out = jnp.where(x == inf, at_inf_x, out)
    out = jnp.where(((x < 1) | jnp.isnan(q)) & (x != 1), _const_like(out, jnp.nan), out)
    return jnp.where((x == 1) & jnp.isnan(q), _const_like(out, jnp.inf), out)


@jax.custom_jvp
def _zeta_core(x: Any, q: Any) -> Any:
    return _zeta_value(x, q)


@_zeta_core.defjvp
def _zeta_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _ZetaGrad: -x * zeta(x + 1, q) for q, whatever zeta(x, q) is (finite at x == 1, where
    # JAX's rule gives NaN; -1.17 at x = 0.25, q = 0.95, where the value is NaN); x is nondiff (TF: None).
    x, q = primals
    return _zeta_value(x, q), tangents[1] * (-x * _zeta_value(x + 1, q))


def _zeta_impl(x: Any, q: Any) -> Any:
    x, q = jnp.broadcast_arrays(x, q)
    return _zeta_core(x, q)


def _igamma_value(a: Any, x: Any) -> Any:
    """TF's Igamma: Eigen's kernel (igamma_kernel), with TF's values at a == 0, a == inf and x == 0."""
    out = igamma_kernel.igamma(a, x)
    out = jnp.where(a == 0, _const_like(out, jnp.nan), out)
    out = jnp.where((a == jnp.inf) & (x > 0), _const_like(out, 0), out)
    return jnp.where((x == 0) & ~(a > 0), _const_like(out, 0), out)


def _igammac_value(a: Any, x: Any) -> Any:
    """TF's Igammac: Eigen's kernel (igamma_kernel), with TF's values at a == 0 and a == inf."""
    out = igamma_kernel.igammac(a, x)
    out = jnp.where((a == jnp.inf) & (x > 0) & jnp.isfinite(x), _const_like(out, 1), out)
    return jnp.where(a == 0, _const_like(out, jnp.nan), out)


def _igamma_partials(a: Any, x: Any) -> tuple[Any, Any]:
    """TF's _IgammaGrad: ``IgammaGradA(a, x)`` and ``exp(-x + (a - 1) * log(x) - lgamma(a))``."""
    # TF's IgammaGradA kernel is 0 at x == 0 (any a) and at a == inf (x > 0), -0.0 at x == inf (a
    # finite > 0); XLA's is NaN there (checked on a grid of edge values, float32 and float64).
    grad_a = igamma_kernel.igamma_grad_a(a, x)
    grad_a = jnp.where((x == jnp.inf) & (a > 0), _const_like(grad_a, -0.0), grad_a)
    grad_a = jnp.where((a == jnp.inf) & (x > 0), _const_like(grad_a, 0), grad_a)
    grad_a = jnp.where(x == 0, _const_like(grad_a, 0), grad_a)
    return grad_a, jnp.exp(-x + (a - 1) * jnp.log(x) - lax.lgamma(a))


# TF's gradients are these partials times the upstream gradient wherever TF's value is special-cased
# too (a NaN or inf partial is not masked: igamma(-0.5, 0)'s x-gradient is inf), so the value fixes
# are inside the custom JVP.
@jax.custom_jvp
def _igamma_core(a: Any, x: Any) -> Any:
    return _igamma_value(a, x)


@_igamma_core.defjvp
def _igamma_core_jvp(primals: Any, tangents: Any) -> Any:
    (a, x), (ta, tx) = primals, tangents
    grad_a, grad_x = _igamma_partials(a, x)
    return _igamma_value(a, x), grad_a * ta + grad_x * tx


@jax.custom_jvp
def _igammac_core(a: Any, x: Any) -> Any:
    return _igammac_value(a, x)


@_igammac_core.defjvp
def _igammac_core_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _IgammacGrad: the negated igamma partials.
    (a, x), (ta, tx) = primals, tangents
    grad_a, grad_x = _igamma_partials(a, x)
    return _igammac_value(a, x), -(grad_a * ta + grad_x * tx)


def _igamma_impl(a: Any, x: Any) -> Any:
    a, x = jnp.broadcast_arrays(a, x)
    return _igamma_core(a, x)


def _igammac_impl(a: Any, x: Any) -> Any:
    a, x = jnp.broadcast_arrays(a, x)
    return _igammac_core(a, x)


def _polygamma_impl(n: Any, x: Any) -> Any:
    n, x = jnp.broadcast_arrays(n, x)
    return lax.polygamma(n, x)


# -- the op table ----------------------------------------------------------------------------------
_erf = Op("Erf", lax.erf)
_erfc = Op("Erfc", lax.erfc)


def _erfinv_impl(x: Any) -> Any:
    # TF's Erfinv is ndtri((x + 1) / 2) / sqrt(2): erfinv(-0.0) is +0.0 (XLA's keeps the sign)
    y = lax.erf_inv(x)
    return y + lax.stop_gradient(jnp.where(x == 0, -y, jnp.zeros_like(y)))  # (XLA folds a literal y + 0)


_erfinv = Op("Erfinv", _erfinv_impl)
_erfcinv = Op("Erfcinv", _erfcinv_impl)
_ndtri_op = Op("Ndtri", _ndtri)
_lgamma = Op("Lgamma", lax.lgamma)
_digamma = Op("Digamma", lax.digamma)
_polygamma = Op("Polygamma", _polygamma_impl, same_dtype=True, nondiff=(0,))
_zeta = Op("Zeta", _zeta_impl, same_dtype=True, nondiff=(0,))
# TF's IgammaGradA has no gradient itself: a second derivative in ``a`` raises there (and here).
_igamma = Op("Igamma", _igamma_impl, same_dtype=True)
_igammac = Op("Igammac", _igammac_impl, same_dtype=True)
# TF gives a and b no gradient, but its gradient for x reads them (a second derivative reaches them):
# deps, not nondiff, so that they stay inputs of the recorded op.
_betainc = Op("Betainc", _betainc_impl, same_dtype=True, deps=lambda params, avals: (frozenset({2}),))
_lbeta = Op("Lbeta", _lbeta_impl)
_bessel_i0 = Op("BesselI0", _i0)
_bessel_i0e = Op("BesselI0e", _i0e)
_bessel_i1 = Op("BesselI1", _i1)
_bessel_i1e = Op("BesselI1e", _i1e)
_xlogy = Op("Xlogy", _xlogy_impl, same_dtype=True)
_xdivy = Op("Xdivy", _xdivy_impl, same_dtype=True)
_xlog1py = Op("Xlog1py", _xlog1py_impl, same_dtype=True)


def _unary(op: Op, x: Any) -> Tensor:
    x = utils.as_tensor(x, None, op.name)
    utils.require_kind(op.name, x, "f")
    return bind(op, x)


def _nary(op: Op, *xs: Any, kinds: str = "f") -> Tensor:
    ts = utils.as_tensors_like(xs, op.name)
    utils.require_kind(op.name, ts[0], kinds)
    shapes = [utils.shape_of(t) for t in ts]
    if utils.broadcast_shapes(*shapes) is None:
        raise utils.invalid_argument(
            f"{op.name}: Incompatible shapes: {' vs. '.join(str(list(s)) for s in shapes)}. The arguments must broadcast."
        )
    return bind(op, *ts)


# -- public wrappers -------------------------------------------------------------------------------
def erf(x: Any, name: str | None = None) -> Tensor:
    """The Gauss error function (``tf.math.erf``).

    >>> import tapejax as tf
    >>> print(tf.math.erf(tf.constant([0.0, 10.0])))
    tf.Tensor([0. 1.], shape=(2,), dtype=float32)
    """
    return _unary(_erf, x)


def erfc(x: Any, name: str | None = None) -> Tensor:
    """``1 - erf(x)``, accurate for large ``x`` (``tf.math.erfc``)."""
    return _unary(_erfc, x)


def erfinv(x: Any, name: str | None = None) -> Tensor:
    """Inverse of :func:`erf` on ``(-1, 1)`` (``tf.math.erfinv``)."""
    return _unary(_erfinv, x)


def erfcinv(x: Any, name: str | None = None) -> Tensor:
    """Inverse of :func:`erfc` on ``(0, 2)``, as TF's ``-ndtri(x / 2) * sqrt(1/2)`` (``tf.math.erfcinv``)."""
    return _unary(_erfcinv, x)


def ndtri(x: Any, name: str | None = None) -> Tensor:
    """The inverse of the standard normal CDF (``tf.math.ndtri``)."""
    return _unary(_ndtri_op, x)


def lgamma(x: Any, name: str | None = None) -> Tensor:
    """``log |Gamma(x)|`` (``tf.math.lgamma``); inf at the poles."""
    return _unary(_lgamma, x)


def digamma(x: Any, name: str | None = None) -> Tensor:
    """The derivative of :func:`lgamma` (``tf.math.digamma``); NaN at the poles."""
    return _unary(_digamma, x)


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The ``a``-th derivative of :func:`digamma` (``tf.math.polygamma``); NaN for a non-integer ``a``.

    As TF, ``a`` gets a ``None`` gradient.

    Differences from TensorFlow: at infinite arguments the values are XLA's (TF gives 0 for
    ``polygamma(1, inf)`` and NaN for ``polygamma(40, inf)``; here NaN for both).
    """
    return _nary(_polygamma, a, x)


def zeta(x: Any, q: Any, name: str | None = None) -> Tensor:
    """The Hurwitz zeta function ``sum((q + n) ** -x)`` (``tf.math.zeta``); ``x`` gets a ``None`` gradient, as TF."""
    return _nary(_zeta, x, q)


def igamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The lower regularized incomplete gamma function ``P(a, x)`` (``tf.math.igamma``).

    As TF, its gradient in ``a`` has no derivative itself (second order in ``a`` raises LookupError).
    TF's algorithm (Eigen's series and continued fraction, capped at 2000 terms), so huge arguments
    (``igamma(1e30, 1e30)``) return at once with TF's value.

    Differences from TensorFlow: where ``a`` and ``x`` are both huge (``1e20`` in float64, ``1e12``
    in float32) the value cancels catastrophically (``a * log(x) - x - lgamma(a)``) and a one-ulp
    difference of XLA's ``lgamma`` can give ``inf`` where TF's is a tiny (equally wrong) number.
    """
    return _nary(_igamma, a, x)


def igammac(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The upper regularized incomplete gamma function ``Q(a, x) = 1 - P(a, x)`` (``tf.math.igammac``)."""
    return _nary(_igammac, a, x)


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b)`` (``tf.math.betainc``).

    As TF, only ``x`` is differentiable: ``a`` and ``b`` get ``None`` gradients.

    Differences from TensorFlow: the arguments broadcast together (TF requires one shape, or scalars).
    """
    return _nary(_betainc, a, b, x)


def lbeta(x: Any, name: str | None = None) -> Tensor:
    """``log |B(x)|`` of the multivariate beta function over the last axis (``tf.math.lbeta``).

    ``sum(lgamma(x), -1) - lgamma(sum(x, -1))``; an empty last axis gives ``-inf``.

    Raises:
      InvalidArgumentError: for a scalar ``x`` (there is no last axis to reduce), as TF.
    """
    x = utils.as_tensor(x, None, "Lbeta")
    utils.require_kind("Lbeta", x, "f")
    if len(x._v.shape) == 0:
        raise utils.invalid_argument("Lbeta: Invalid reduction dimension (-1 for input with 0 dimension(s).")
    return bind(_lbeta, x)


def bessel_i0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of order 0 (``tf.math.bessel_i0``)."""
    return _unary(_bessel_i0, x)


def bessel_i0e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * bessel_i0(x)`` (``tf.math.bessel_i0e``)."""
    return _unary(_bessel_i0e, x)


def bessel_i1(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of order 1 (``tf.math.bessel_i1``).

    The gradient is TF's, including its value 1 at ``x == 0`` (the true derivative there is 0.5).

    Differences from TensorFlow: the second derivative at ``x == 0`` is 0 (TF's is NaN, from the
    ``where`` around its division by ``x``); likewise for :func:`bessel_i1e`.
    """
    return _unary(_bessel_i1, x)


def bessel_i1e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * bessel_i1(x)`` (``tf.math.bessel_i1e``)."""
    return _unary(_bessel_i1e, x)


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * log(y)``, and 0 where ``x`` is 0, whatever ``y`` (``tf.math.xlogy``).

    The gradients are TF's: both 0 where ``x`` is 0.

    >>> import tapejax as tf
    >>> print(tf.math.xlogy(tf.constant([0.0, 2.0]), tf.constant([0.0, 1.0])))
    tf.Tensor([0. 0.], shape=(2,), dtype=float32)
    """
    return _nary(_xlogy, x, y, kinds="fc")


def xdivy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, and 0 where ``x`` is 0, whatever ``y`` (``tf.math.xdivy``); TF's gradients."""
    return _nary(_xdivy, x, y, kinds="fc")


def xlog1py(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * log1p(y)``, and 0 where ``x`` is 0, whatever ``y`` (``tf.math.xlog1py``); TF's gradients."""
    return _nary(_xlog1py, x, y, kinds="fc")
