"""The global random state of ``tf.random``: one object holding one JAX PRNG key.

Kept in one place (``GLOBAL._value``) so that ``tf.function`` can lift it into a compiled program
like a Variable, and ``tf.random.set_seed`` can reset it.
"""

from __future__ import annotations

import secrets
from typing import Any

import jax


class RandomState:
    """A mutable box around a JAX PRNG key (raw ``uint32[2]``), advanced by every draw."""

    __slots__ = ("_key", "seed")

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        # Made on first use, not at import: creating a JAX array starts JAX's backends, after which
        # the CPU device count (tf.config.set_logical_device_configuration) can no longer change.
        self._key: Any = None

    @property
    def _value(self) -> Any:
        if self._key is None:
            with jax.ensure_compile_time_eval():  # concrete even when first read inside a trace
                self._key = jax.random.PRNGKey(_entropy() if self.seed is None else self.seed)
        return self._key

    @_value.setter
    def _value(self, key: Any) -> None:
        self._key = key

    def set_seed(self, seed: int | None) -> None:
        self.seed = seed
        self._key = None

    def next_key(self) -> Any:
        """Splits the key: stores one half, returns the other (works on traced keys too)."""
        self._value, sub = _split(self._value)
        return sub


def _entropy() -> int:
    return secrets.randbits(62)


@jax.jit
def _split(key: Any) -> tuple[Any, Any]:
    k1, k2 = jax.random.split(key)
    return k1, k2


GLOBAL = RandomState()
