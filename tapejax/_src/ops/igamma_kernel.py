"""TF's (Eigen's) incomplete gamma kernels: ``igamma``, ``igammac`` and ``IgammaGradA``.

Eigen (``SpecialFunctionsImpl.h``, from Cephes) sums a power series for ``x <= a`` (or ``x <= 1``)
and a continued fraction otherwise, each stopped after a fixed number of iterations: 2000 for the
values, 200 (float32) or 500 (float64) for the derivative in ``a``. XLA's (``lax.igamma``) series
has no cap: it runs until its terms are below the precision, about ``sqrt(a)`` iterations near
``x == a``, so ``igamma(1e20, 1e20)`` in float64 did not finish in minutes (TF: milliseconds). These
are Eigen's loops, vectorized: one ``while_loop`` per branch, each element frozen once it
converged, the loop ends when all did or at the cap. Arguments must be broadcast; callers handle
the edges of the domain (``x == 0``, ``a <= 0``, NaN, inf) as TF's kernels do, on top.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_VALUE_ITERATIONS = 2000
_DERIVATIVE_ITERATIONS = {np.dtype(np.float32): 200, np.dtype(np.float64): 500}


def _constants(dtype: Any) -> tuple[float, float, float]:
    """Eigen's cephes_helper: machep, big and biginv."""
    eps = float(jnp.finfo(dtype).eps)
    if np.dtype(dtype) == np.float64:
        return eps / 2, 1 / eps, eps
    return eps / 2, 1 / (eps / 2), eps / 2


def _log_main_term(a: Any, x: Any) -> tuple[Any, Any]:
    """``log(x ** a * exp(-x) / gamma(a))``, and whether Eigen's main_igamma_term is 0 there."""
    logax = a * jnp.log(x) - x - lax.lgamma(a)
    return logax, (logax < -np.log(float(jnp.finfo(a.dtype).max))) | jnp.isnan(logax)


def _loop(body: Any, state: tuple[Any, ...], enabled: Any, cap: int) -> tuple[Any, ...]:
    """Runs ``body`` (state -> new state, done) on the enabled elements until all are done or ``cap``."""

    def cond(carry: Any) -> Any:
        i, on, _ = carry
        return (i < cap) & jnp.any(on)

    def step(carry: Any) -> Any:
        i, on, s = carry
        new, done = body(s)
        s = tuple(jnp.where(on, n, o) for n, o in zip(new, s, strict=True))
        return i + 1, on & ~done, s

    return lax.while_loop(cond, step, (jnp.zeros((), jnp.int32), enabled, state))[2]


def _series(a: Any, x: Any, enabled: Any, derivative: bool) -> Any:
    """Eigen's igamma_series_impl: igamma(a, x) or its derivative in ``a`` (x > 0, a > 0, not x > max(1, a))."""
    machep, _, _ = _constants(a.dtype)
    logax, zero = _log_main_term(a, x)
    ax = jnp.exp(logax) / a
    one, nil = jnp.ones_like(a), jnp.zeros_like(a)

    def body(s: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
        r, c, ans, dc_da, dans_da = s
        r = r + 1
        term = x / r
        dc_da = term * dc_da - x / (r * r) * c
        dans_da = dans_da + dc_da
        c = c * term
        ans = ans + c
        done = jnp.abs(dc_da) <= machep * jnp.abs(dans_da) if derivative else c <= machep * ans
        return (r, c, ans, dc_da, dans_da), done

    cap = _DERIVATIVE_ITERATIONS[np.dtype(a.dtype)] if derivative else _VALUE_ITERATIONS
    _, _, ans, _, dans_da = _loop(body, (a, one, one, nil, nil), enabled & ~zero, cap)
    if derivative:  # d(ans * ax)/da, with d(ax)/da = ax * (log(x) - digamma(a + 1))
        ans = ans * (jnp.log(x) - lax.digamma(a + 1)) + dans_da
    return jnp.where(zero, nil, ans * ax)


def _continued_fraction(a: Any, x: Any, enabled: Any, derivative: bool) -> Any:
    """Eigen's igammac_cf_impl: igammac(a, x) or its derivative in ``a`` (x >= 1, x >= a, a > 0)."""
    machep, big, biginv = _constants(a.dtype)
    logax, zero = _log_main_term(a, x)
    zero = zero | jnp.isinf(x)
    ax = jnp.exp(logax)
    nil = jnp.zeros_like(a)
    y = 1 - a
    z = x + y + 1
    pkm1, qkm1 = x + 1, z * x
    ans = pkm1 / qkm1
    dqkm1 = -x
    dans = -ans * dqkm1 / qkm1

    def body(s: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
        c, y, z, pkm2, pkm1, qkm2, qkm1, dpkm2, dpkm1, dqkm2, dqkm1, ans, dans = s
        c, y, z = c + 1, y + 1, z + 2
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c
        dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c
        nonzero = qk != 0
        safe_qk = jnp.where(nonzero, qk, 1)
        new_ans = jnp.where(nonzero, pk / safe_qk, ans)
        new_dans = jnp.where(nonzero, (dpk - new_ans * dqk) / safe_qk, dans)
        if derivative:
            done = nonzero & (jnp.abs(new_dans - dans) <= machep)
        else:
            done = nonzero & (jnp.abs(ans - new_ans) <= machep * jnp.abs(new_ans))
        scale = jnp.where(jnp.abs(pk) > big, biginv, 1).astype(a.dtype)
        new = (c, y, z, pkm1 * scale, pk * scale, qkm1 * scale, qk * scale, dpkm1 * scale, dpk * scale)
        return (*new, dqkm1 * scale, dqk * scale, new_ans, new_dans), done

    cap = _DERIVATIVE_ITERATIONS[np.dtype(a.dtype)] if derivative else _VALUE_ITERATIONS
    state = (nil, y, z, jnp.ones_like(a), pkm1, x, qkm1, nil, nil, nil, dqkm1, ans, dans)
    out = _loop(body, state, enabled & ~zero, cap)
    ans, dans = out[11], out[12]
    if derivative:  # d(ans * ax)/da, with d(ax)/da = ax * (log(x) - digamma(a))
        ans = ans * (jnp.log(x) - lax.digamma(a)) + dans
    return jnp.where(zero, nil, ans * ax)


def _safe(a: Any, x: Any, use: Any) -> tuple[Any, Any]:
    """``a`` and ``x`` with 1 where ``use`` is False: no NaN or inf in the lanes a branch ignores."""
    return jnp.where(use, a, 1), jnp.where(use, x, 1)


def _upcast(fn: Any) -> Any:
    def wrapped(a: Any, x: Any) -> Any:
        if a.dtype in (jnp.float32, jnp.float64):
            return fn(a, x)
        return fn(a.astype(jnp.float32), x.astype(jnp.float32)).astype(a.dtype)

    return wrapped


def _generic(a: Any, x: Any, derivative: bool) -> Any:
    """Eigen's igamma_generic_impl (igamma, or IgammaGradA with ``derivative``)."""
    valid = (x > 0) & (a > 0) & ~jnp.isnan(a) & ~jnp.isnan(x)
    use_cf = (x > 1) & (x > a)
    cf = _continued_fraction(*_safe(a, x, valid & use_cf), valid & use_cf, derivative)
    series = _series(*_safe(a, x, valid & ~use_cf), valid & ~use_cf, derivative)
    out = jnp.where(use_cf, -cf if derivative else 1 - cf, series)
    out = jnp.where(valid, out, jnp.full_like(out, jnp.nan))
    return jnp.where(x == 0, jnp.zeros_like(out), out)


@_upcast
def igamma(a: Any, x: Any) -> Any:
    """Eigen's igamma (TF's Igamma kernel)."""
    return _generic(a, x, derivative=False)


@_upcast
def igammac(a: Any, x: Any) -> Any:
    """Eigen's igammac (TF's Igammac kernel)."""
    valid = (x >= 0) & (a > 0) & ~jnp.isnan(a) & ~jnp.isnan(x)
    use_series = (x < 1) | (x < a)
    series = _series(*_safe(a, x, valid & use_series), valid & use_series, derivative=False)
    cf = _continued_fraction(*_safe(a, x, valid & ~use_series), valid & ~use_series, derivative=False)
    out = jnp.where(use_series, 1 - series, cf)
    return jnp.where(valid, out, jnp.full_like(out, jnp.nan))


@jax.custom_jvp
@_upcast
def igamma_grad_a(a: Any, x: Any) -> Any:
    """Eigen's igamma_der_a (TF's IgammaGradA kernel), which has no gradient in TF."""
    return _generic(a, x, derivative=True)


@igamma_grad_a.defjvp
def _igamma_grad_a_jvp(primals: Any, tangents: Any) -> Any:
    raise LookupError(
        "gradient registry has no entry for: IgammaGradA (TF defines no second derivative of igamma in a)"
    )
