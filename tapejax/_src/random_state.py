"""The global random state of ``tf.random``: one object holding one JAX PRNG key.

Kept in one place (``GLOBAL._value``) so that ``tf.function`` can lift it into a compiled program
like a Variable, and ``tf.random.set_seed`` can reset it.

The first eager draws of each kind of sample (``random_ops._draw``, :func:`host_turn`) split the
key on the host with JAX's threefry written in NumPy (below) and hash their bits there too: no
program is compiled for the hash (about a second of XLA compile on the 2-core machines here, in
every new process), and the values are JAX's bit for bit. Draws that repeat (a loop's), and those
the host does not make (other samples, another PRNG implementation or setting), are deferred like
other ops (lazy.py) with the key as an input: the key they leave behind is a pending value, which
this object holds as a Variable holds its value (``_v``); ``_value`` computes it when read.

:data:`LOCK` is held from reading the key to storing the next one: by every eager draw, and by a
``tf.function`` that draws, from its call's read of the key to the store of the key its program
returns (and while it traces), so that threads drawing at once never share a key, as TF's
generator kernels advance their state under a lock.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

import jax
import numpy as np

from tapejax._src import lazy

LOCK = threading.RLock()


class RandomState:
    """A mutable box around a JAX PRNG key (raw ``uint32[2]``), advanced by every draw.

    ``_v`` is the key: an array, a :class:`~tapejax._src.lazy.Pending` value (an eager draw's), or
    None until first used; ``_value`` is the array.
    """

    __slots__ = ("__weakref__", "_v", "seed")

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        # Made on first use, not at import: creating a JAX array starts JAX's backends, after which
        # the CPU device count (tf.config.set_logical_device_configuration) can no longer change.
        self._v: Any = None

    @property
    def _value(self) -> Any:
        v = self._v
        if v is None:
            v = self._v = seed_key(_entropy() if self.seed is None else self.seed)
        elif type(v) is lazy.Pending:
            v = self._v = v.value if v.value is not None else lazy.force(v)
        elif type(v) is np.ndarray:  # (an eager draw's next key, made on the host)
            with jax.ensure_compile_time_eval():
                v = self._v = jax.device_put(v)
        return v

    @_value.setter
    def _value(self, key: Any) -> None:
        self._v = key

    def key_for_draw(self) -> Any:
        """The key for the next draw: an array, or a pending value (an eager draw's next key)."""
        v = self._v
        return self._value if v is None else v

    def host_key(self) -> np.ndarray | None:
        """The key as a NumPy array (made on the host when new, computed when pending), or None when
        it is traced.

        Only for JAX's default threefry keys (see :func:`host_ready`).
        """
        v = self._v
        if v is None:
            v = self._v = seed_key_host(_entropy() if self.seed is None else self.seed)
        if type(v) is np.ndarray:
            return v
        if isinstance(v, jax.core.Tracer):
            return None
        return np.asarray(self._value)  # (a pending key computed: a repeating draw's, rarely)

    def set_pending(self, key: Any) -> None:
        """Stores a draw's next key, pending (queued with the draw) or computed."""
        self._v = key
        if type(key) is lazy.Pending:
            lazy.hold(key, self)  # (a run outputs the key while this state still holds it)

    def set_seed(self, seed: int | None) -> None:
        self.seed = seed
        self._v = None

    def next_key(self) -> Any:
        """Splits the key: stores one half, returns the other (works on traced keys too)."""
        self._value, sub = _split(self._value)
        return sub


def _entropy() -> int:
    return secrets.randbits(62)


def seed_key(seed: int) -> Any:
    """``jax.random.PRNGKey(seed)``, made on the host when it can be (no compiled program).

    The default threefry key of a 64-bit seed is its two 32-bit halves (JAX's ``threefry_seed``);
    another PRNG implementation, or a seed offset, goes through JAX.

    >>> import jax, numpy as np
    >>> bool(np.array_equal(seed_key(-3), jax.random.PRNGKey(-3)))
    True
    """
    with jax.ensure_compile_time_eval():  # concrete even when first read inside a trace
        if jax.config.jax_default_prng_impl == "threefry2x32" and not jax.config.jax_random_seed_offset:
            return jax.device_put(seed_key_host(seed))
        return jax.random.PRNGKey(seed)


def seed_key_host(seed: int) -> np.ndarray:
    """The default threefry key of ``seed`` as a NumPy ``uint32[2]``: its 64 bits' two halves."""
    bits = np.array([np.int64(seed)]).view(np.uint64)  # (OverflowError beyond int64, as JAX)
    return np.concatenate([bits >> np.uint64(32), bits & np.uint64(0xFFFFFFFF)]).astype(np.uint32)


# JAX's threefry2x32 on the host (NumPy), for eager draws: splitting a key, folding data into it and
# a small draw's random bits need no compiled program (the threefry hash is ~1 s of XLA compile on
# the 2-core machines here), and give JAX's values bit for bit (uint32 arithmetic wraps alike).
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
# Eager draws of up to this many numbers hash their bits on the host (NumPy: ~1 us a number, no
# compile); larger ones in a compiled program, where XLA's hash is faster.
HOST_DRAW_MAX = 1 << 16
_UINT = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def host_ready() -> bool:
    """Whether JAX's settings are those the host functions below reproduce (the default threefry
    key, partitionable bits, no seed offset)."""
    return (
        jax.config.jax_default_prng_impl == "threefry2x32"
        and bool(jax.config.jax_threefry_partitionable)
        and not jax.config.jax_random_seed_offset
    )


# Draws per (op, shape, dtype) made on the host (``host_turn``): a draw that repeats (a loop's) is
# better hashed inside its compiled program, which is compiled once and costs no host time per step.
HOST_DRAWS = 2
_host_draws: dict[Any, int] = {}


def host_turn(signature: Any) -> bool:
    """Whether a draw of this ``(op, shape, dtype)`` is made on the host: JAX's default key settings,
    at most :data:`HOST_DRAW_MAX` numbers, and among the first :data:`HOST_DRAWS` of the signature."""
    n = _host_draws.get(signature, 0)
    if n >= HOST_DRAWS:  # (a loop's draws: this check only)
        return False
    if int(np.prod(signature[1], dtype=np.int64)) > HOST_DRAW_MAX or not host_ready():
        return False
    if len(_host_draws) > 4096:
        _host_draws.clear()
    _host_draws[signature] = n + 1
    return True


def threefry2x32(k1: Any, k2: Any, x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The threefry 2x32 hash of the counts ``(x0, x1)`` (uint32 arrays) under the key ``(k1, k2)``
    (JAX's ``_threefry2x32_lowering``: 20 rounds, a key injection after every four)."""
    ks = (np.uint32(k1), np.uint32(k2), np.uint32(k1) ^ np.uint32(k2) ^ np.uint32(0x1BD11BDA))
    x0 = np.asarray(x0, np.uint32) + ks[0]
    x1 = np.asarray(x1, np.uint32) + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))
            x1 = x0 ^ x1
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def host_split(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``jax.random.split(key)`` (two keys) on the host."""
    b1, b2 = threefry2x32(key[0], key[1], np.zeros(2, np.uint32), np.arange(2, dtype=np.uint32))
    return np.array([b1[0], b2[0]], np.uint32), np.array([b1[1], b2[1]], np.uint32)


def host_fold_in(key: np.ndarray, data: int) -> np.ndarray:
    """``jax.random.fold_in(key, data)`` on the host (data as uint32)."""
    b1, b2 = threefry2x32(key[0], key[1], np.zeros(1, np.uint32), np.array([data], np.int64).astype(np.uint32))
    return np.array([b1[0], b2[0]], np.uint32)


def host_bits(key: np.ndarray, bit_width: int, shape: tuple[int, ...]) -> np.ndarray:
    """``jax.random.bits`` of ``bit_width`` bits and this shape on the host (partitionable threefry)."""
    n = int(np.prod(shape, dtype=np.int64))
    index = np.arange(n, dtype=np.uint64)
    hi, lo = (index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)
    b1, b2 = threefry2x32(key[0], key[1], hi, lo)
    if bit_width == 64:
        bits = (b1.astype(np.uint64) << np.uint64(32)) | b2.astype(np.uint64)
    else:
        bits = (b1 ^ b2).astype(_UINT[bit_width])
    return bits.reshape(shape)


@jax.jit
def _split(key: Any) -> tuple[Any, Any]:
    k1, k2 = jax.random.split(key)
    return k1, k2


GLOBAL = RandomState()
