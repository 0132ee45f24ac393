"""Gradient cases of the random ops TF differentiates: gamma in alpha (TF's implicit reparameterisation,
JAX's gamma derivative) and the parameterized truncated normal in its parameters (TF's implicit gradient,
which for an inverse-CDF sampler is the pathwise derivative)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from op_case import Case

import tapejax as tf
from tapejax._src.ops.stateless_random_ops import key_from_seed

_SEED = jnp.asarray([1, 2], jnp.int32)


def _gamma_jnp(a):
    s = jax.random.gamma(key_from_seed(_SEED), jnp.broadcast_to(a, (3, 2)), (3, 2), a.dtype)
    return jnp.maximum(s, np.finfo(a.dtype).tiny)


def _ptn_jnp(m, s):
    lo, hi = (-1.0 - m) / s, (1.5 - m) / s
    shape = (4,)
    m, s = jnp.broadcast_to(m, shape), jnp.broadcast_to(s, shape)
    lo, hi = jnp.broadcast_to(lo, shape), jnp.broadcast_to(hi, shape)
    return jax.random.truncated_normal(key_from_seed(_SEED), lo, hi, shape, m.dtype) * s + m


CASES = [
    # The sample is not a smooth function of alpha for a fixed key (a rejection sampler): TF's and JAX's
    # gradient is the implicit one, which finite differences do not give.
    Case(
        "stateless_gamma",
        lambda a: tf.random.stateless_gamma([3, 2], seed=[1, 2], alpha=a, dtype=a.dtype),
        _gamma_jnp,
        ((2,),),
        "pos",
        numeric_order=0,
    ),
    Case(
        "stateless_parameterized_truncated_normal",
        lambda m, s: tf.random.stateless_parameterized_truncated_normal(
            [4], seed=[1, 2], means=m, stddevs=s, minvals=-1.0, maxvals=1.5
        ),
        _ptn_jnp,
        ((), ()),
        "pos",
        numeric_order=1,
    ),
]
