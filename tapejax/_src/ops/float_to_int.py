"""Floating-point to integer conversion with TF's values where the value does not fit.

TF's ``Cast`` kernel converts a float to an integer with C++'s ``static_cast``, which is undefined
for NaN, infinities and values outside the integer's range. On x86-64 CPUs (TF's pip wheel: Eigen,
AVX) the results are what the instructions give, and they are deterministic:

- int32 / int64: ``cvttss2si`` gives the "integer indefinite" value, the type's minimum, for
  every value that does not fit (NaN, +-inf, 3e9 -> -2147483648).
- uint64: values in ``[2**63, 2**64)`` convert exactly; anything else that does not fit gives
  ``2**63``; negative values down to ``-2**63`` wrap (-1.0 -> 2**64 - 1).
- int8 / int16 / uint8 / uint16 / uint32 depend on the element's position. Eigen converts whole
  packets of elements with vector instructions (a conversion to int32 then saturating packs:
  300.0 -> 127 for int8, -1.0 -> 0 for uint8) and the elements after the last full packet one by
  one (a conversion to int32, or int64 for uint32, whose low bits are kept: 300.0 -> 44 for int8,
  -1.0 -> 255 for uint8). The packet holds ``_PACKET[source]`` elements (8 for uint32): a tensor
  of ``n`` elements converts its first ``n - n % packet`` (in row-major order) the vector way.

Values in range convert by truncation toward zero in every case. :func:`float_to_int` reproduces
all of the above, measured in TF 2.21 on x86-64 for every float dtype and integer dtype. A
``tf.function(jit_compile=True)`` is compiled by XLA in TF, whose conversion saturates (NaN gives 0):
``tf.cast`` and ``saturate_cast`` traced there convert as XLA does (``function.in_xla_compiled_trace``).

Differences from TensorFlow: a tensor large enough for TF to split the conversion among threads
(about 85,000 to 140,000 elements on 2 cores, fewer with more cores) converts the last partial
packet of each thread's block one by one; here only the tensor's own last partial packet is, so
out-of-range int8/int16/uint8/uint16/uint32 values at those block ends differ. On other platforms
(ARM CPUs, GPUs, TF's XLA) TF's undefined values differ again; this is x86-64 CPU's.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

# Elements per vector packet of Eigen's conversion to an 8/16-bit integer, by source dtype; a
# conversion to uint32 goes 8 at a time from every source (measured in TF 2.21, x86-64).
_PACKET = {"float16": 16, "bfloat16": 8, "float32": 32, "float64": 16}
_PACKET_UINT32 = 8


def _fits(t: Any, lo: float, hi: float) -> Any:
    return (t >= lo) & (t < hi)  # False for NaN


def _to_int(t: Any, bits: int) -> Any:
    """``cvttss2si`` of a truncated value: the signed integer, or its minimum where it does not fit."""
    dtype = np.dtype(f"int{bits}")
    ok = _fits(t, -(2.0 ** (bits - 1)), 2.0 ** (bits - 1))
    return jnp.where(ok, jnp.where(ok, t, 0).astype(dtype), np.iinfo(dtype).min)


def _vector_rule(t: Any, dtype: np.dtype, source: str) -> Any:
    if dtype == np.uint32:
        return jnp.where(_fits(t, -(2.0**31), 2.0**32), _to_int(t, 64).astype(dtype), np.uint32(2**31))
    i = _to_int(t, 32)
    if dtype == np.uint8 and source in ("float16", "float64"):
        # (packed through an unsigned 16-bit lane read back as signed: 32768..2**31 give 0)
        return jnp.where(i > 32767, 0, jnp.clip(i, 0, 255)).astype(dtype)
    info = np.iinfo(dtype)
    return jnp.clip(i, int(info.min), int(info.max)).astype(dtype)


def _scalar_rule(t: Any, dtype: np.dtype) -> Any:
    return _to_int(t, 64 if dtype == np.uint32 else 32).astype(dtype)  # (the low bits)


def float_to_int(x: Any, dtype: Any) -> Any:
    """Converts a floating-point array to the integer ``dtype`` as TF 2.21's CPU kernel on x86-64.

    >>> import jax.numpy as jnp
    >>> print(float_to_int(jnp.array([2.7, -1.0, jnp.nan, 3e9]), "int32"))
    [          2          -1 -2147483648 -2147483648]
    """
    dtype = np.dtype(dtype)
    source = str(x.dtype)
    # float16/bfloat16 values are exact in float32, where the limits below are representable.
    t = jnp.trunc(x if source in ("float32", "float64") else x.astype(np.float32))
    if dtype in (np.int32, np.int64):
        return _to_int(t, dtype.itemsize * 8)
    if dtype == np.uint64:
        high = _fits(t, 2.0**63, 2.0**64)
        above = (jnp.where(high, t - 2.0**63, 0).astype(np.int64)).astype(dtype) | np.uint64(2**63)
        return jnp.where(high, above, _to_int(t, 64).astype(dtype))
    n = int(np.prod(x.shape, dtype=np.int64))
    packet = _PACKET_UINT32 if dtype == np.uint32 else _PACKET[source]
    vectorized = n - n % packet
    if vectorized == n:
        return _vector_rule(t, dtype, source)
    if vectorized == 0:
        return _scalar_rule(t, dtype)
    index = lax.broadcasted_iota(np.int64 if n > 2**31 - 1 else np.int32, (n,), 0).reshape(x.shape)
    return jnp.where(index < vectorized, _vector_rule(t, dtype, source), _scalar_rule(t, dtype))


def astype(x: Any, *, dtype: Any) -> Any:
    """``x.astype(dtype)``, with TF's values for a floating-point ``x`` converted to integers."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and (x.dtype.kind == "f" or x.dtype == jnp.bfloat16):
        return float_to_int(x, dtype)
    return x.astype(dtype)
