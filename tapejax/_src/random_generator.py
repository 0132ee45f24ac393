"""``tf.random.Generator``: a random stream whose state is a ``tf.Variable``, and the global generator.

The state is TF's int64 vector (``[counter, 0, key]`` for Philox, ``[counter, key]`` for
ThreeFry), held in a non-trainable ``tf.Variable``: each draw reads it, derives a seed pair
``[key, counter]`` for the matching stateless op, and assigns the counter + 1 back. Because the state
is a Variable, ``tf.function`` lifts a Generator created outside it like any other Variable: each
call of the compiled function advances the stream, as in TF.

Differences from TensorFlow: the numbers differ from TF's (JAX's threefry generator behind both
algorithms); the counter advances by one per draw (TF: by the number of random blocks used), so
``skip(n)`` skips ``n`` draws. ``split`` and ``make_seeds`` give different values than TF's.
"""

from __future__ import annotations

import enum
import secrets
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, TensorBase, VariableBase, bind
from tapejax._src.ops import shape_ops, stateless_random_ops, utils
from tapejax._src.tensor import Tensor
from tapejax._src.variable import Variable

__all__ = ["Algorithm", "Generator", "create_rng_state", "get_global_generator", "set_global_generator"]


class Algorithm(enum.Enum):
    """The RNG algorithms TF names (``tf.random.Algorithm``); both run on JAX's threefry here."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


_STATE_SIZES = {Algorithm.PHILOX: 3, Algorithm.THREEFRY: 2, Algorithm.AUTO_SELECT: 3}
_ALG_NAMES = {"philox": Algorithm.PHILOX, "threefry": Algorithm.THREEFRY, "auto_select": Algorithm.AUTO_SELECT}


def _algorithm(alg: Any) -> Algorithm:
    if alg is None:
        return Algorithm.PHILOX
    if isinstance(alg, Algorithm):
        return alg
    if isinstance(alg, str) and alg.lower() in _ALG_NAMES:
        return _ALG_NAMES[alg.lower()]
    if isinstance(alg, (int, np.integer)) and not isinstance(alg, bool):
        for a in Algorithm:
            if a.value == int(alg):
                return a
    raise ValueError(f"Argument `alg` got unsupported value {alg}. Supported values are {list(_ALG_NAMES)}.")


def _state_array(state: Any, alg: Algorithm) -> np.ndarray:
    v = utils.concrete(state) if isinstance(state, (TensorBase, VariableBase)) else np.asarray(state)
    if v is None:
        raise TypeError("tf.random.Generator needs a concrete state: create it outside tf.function.")
    v = np.asarray(v).astype(np.int64).reshape(-1)
    size = _STATE_SIZES[alg]
    if v.shape != (size,):
        raise ValueError(f"The size of the state must be {size} for algorithm {alg.name}, got {v.shape[0]}.")
    return v


def _seed_state(seed: Any, alg: Algorithm) -> np.ndarray:
    """TF's seed-to-state rule: the seed's int64 words, then zeros (``create_rng_state(1, 'philox') == [1, 0, 0]``)."""
    size = _STATE_SIZES[alg]
    if isinstance(seed, (TensorBase, VariableBase)):
        seed = utils.concrete(seed)
    words = np.asarray(seed).reshape(-1)
    if words.dtype.kind not in "iu":
        raise ValueError(f"Seed must be an integer or a list of integers, got {seed!r}.")
    out = np.zeros(size, np.int64)
    n = min(size, words.size)
    out[:n] = words[:n].astype(np.int64)
    return out


def create_rng_state(seed: Any, alg: Any) -> Tensor:
    """The int64 RNG state TF derives from ``seed`` for ``alg`` (``tf.random.create_rng_state``).

    >>> import tapejax as tf
    >>> tf.random.create_rng_state(1, "philox").numpy().tolist()
    [1, 0, 0]
    """
    return Tensor(_seed_state(seed, _algorithm(alg)))


def _read_and_skip_impl(state: Any) -> Any:
    seed = jnp.stack([state[-1], state[0]])
    return state.at[0].add(1), seed


_read_and_skip = Op("RngReadAndSkip", _read_and_skip_impl, multiple_results=True, differentiable=False)


class Generator:
    """A random number generator with its own state (``tf.random.Generator``).

    Create it with :meth:`from_seed` (reproducible) or :meth:`from_non_deterministic_state`.

    >>> import tapejax as tf
    >>> g = tf.random.Generator.from_seed(1)
    >>> a = g.normal([2])
    >>> bool(tf.reduce_all(a == tf.random.Generator.from_seed(1).normal([2])))
    True
    """

    def __init__(self, copy_from: Generator | None = None, state: Any = None, alg: Any = None) -> None:
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("When `copy_from` is given, `state` and `alg` must be None.")
            alg, state = copy_from.algorithm, copy_from.state.numpy()
        self._alg = _algorithm(alg)
        if state is None:
            state = _random_state(self._alg)
        # A concrete Variable even when first created inside tf.function (the global generator's first
        # use): TF creates it in an init_scope, and the trace then lifts it like any outside Variable.
        with jax.ensure_compile_time_eval():
            self._state_var = Variable(_state_array(state, self._alg), trainable=False, name="StateVar", dtype=np.int64)

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A generator whose state comes from ``seed`` (the same seed repeats the stream)."""
        a = _algorithm(alg)
        return cls(state=_seed_state(seed, a), alg=a)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        """A generator with a state from OS entropy."""
        return cls(alg=alg)

    @classmethod
    def from_state(cls, state: Any, alg: Any) -> Generator:
        """A generator with this exact state."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> Generator:
        """A generator from a key (scalar) and a counter (``state size - 1`` ints)."""
        c = np.asarray(utils.concrete(counter) if utils.is_tensor(counter) else counter, np.int64).reshape(-1)
        k = np.asarray(utils.concrete(key) if utils.is_tensor(key) else key, np.int64).reshape(-1)
        return cls(state=np.concatenate([c, k]), alg=alg)

    @property
    def state(self) -> Variable:
        """The int64 state Variable."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        """The algorithm's number (``Algorithm.PHILOX.value`` = 1, as TF)."""
        return self._alg.value

    @property
    def key(self) -> Tensor:
        """The key part of the state (its last element)."""
        return self._state_var[-1]

    def reset(self, state: Any) -> None:
        """Sets the state."""
        self._state_var.assign(_state_array(state, self._alg))

    def reset_from_seed(self, seed: Any) -> None:
        """Sets the state :meth:`from_seed` would give."""
        self._state_var.assign(_seed_state(seed, self._alg))

    def reset_from_key_counter(self, key: Any, counter: Any) -> None:
        """Sets the state from a key and a counter."""
        self.reset(Generator.from_key_counter(key, counter, self._alg).state.numpy())

    def skip(self, delta: int) -> None:
        """Advances the stream by ``delta`` draws."""
        self._state_var.assign(
            self._state_var.numpy() + np.eye(1, _STATE_SIZES[self._alg], 0, np.int64)[0] * int(delta)
        )

    def _next_seed(self) -> Tensor:
        new_state, seed = bind(_read_and_skip, self._state_var)
        self._state_var.assign(new_state)
        return seed

    def normal(
        self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes_lib.float32, name: str | None = None
    ) -> Tensor:
        """Normal samples (as ``tf.random.normal``), advancing the state."""
        return stateless_random_ops.stateless_normal(shape, self._next_seed(), mean, stddev, dtype)

    def truncated_normal(
        self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes_lib.float32, name: str | None = None
    ) -> Tensor:
        """Normal samples within two standard deviations, advancing the state."""
        return stateless_random_ops.stateless_truncated_normal(shape, self._next_seed(), mean, stddev, dtype)

    def uniform(
        self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes_lib.float32, name: str | None = None
    ) -> Tensor:
        """Uniform samples in ``[minval, maxval)``; integers need both bounds or neither (full range).

        Raises:
          ValueError: an integer dtype with only one bound (the default ``minval=0`` counts).
        """
        d = dtypes_lib.as_dtype(dtype)
        if d.is_integer and (minval is None) != (maxval is None):
            raise ValueError(
                f"For integer dtype <dtype: '{d.name}'>, minval and maxval must be both `None` or both non-`None`; "
                f"got minval={minval} and maxval={maxval}"
            )
        return stateless_random_ops.stateless_uniform(shape, self._next_seed(), minval, maxval, d)

    def uniform_full_int(self, shape: Any, dtype: Any = dtypes_lib.uint64, name: str | None = None) -> Tensor:
        """Integers over the dtype's full range (int32, int64, uint32, uint64)."""
        return stateless_random_ops.stateless_uniform(shape, self._next_seed(), None, None, dtype)

    def binomial(
        self, shape: Any, counts: Any, probs: Any, dtype: Any = dtypes_lib.int32, name: str | None = None
    ) -> Tensor:
        """Binomial samples, advancing the state."""
        return stateless_random_ops.stateless_binomial(shape, self._next_seed(), counts, probs, dtype)

    def make_seeds(self, count: int = 1) -> Tensor:
        """``count`` seeds for the stateless ops, as the columns of an int64 ``[2, count]`` tensor."""
        keys = self.uniform_full_int([utils.static_int(count, "count")], dtypes_lib.int64)
        return shape_ops.stack([keys, Tensor(np.zeros(keys.shape.as_list(), np.int64))])

    def split(self, count: int = 1) -> list[Generator]:
        """``count`` new generators whose streams are independent of this one's; advances this one."""
        keys = self.make_seeds(count).numpy()[0]
        return [
            Generator(
                state=np.eye(1, _STATE_SIZES[self._alg], _STATE_SIZES[self._alg] - 1, np.int64)[0] * k, alg=self._alg
            )
            for k in keys
        ]


def _random_state(alg: Algorithm) -> np.ndarray:
    return np.asarray([secrets.randbits(63) for _ in range(_STATE_SIZES[alg])], np.int64)


_global: list[Generator | None] = [None]


def get_global_generator() -> Generator:
    """The global generator, created from OS entropy on first use (``tf.random.get_global_generator``).

    Differences from TensorFlow: as in TF it is independent of ``tf.random.set_seed``; call
    :func:`set_global_generator` with ``Generator.from_seed(...)`` for reproducible draws.
    """
    if _global[0] is None:
        _global[0] = Generator.from_non_deterministic_state()
    return _global[0]


def set_global_generator(generator: Generator) -> None:
    """Replaces the global generator (``tf.random.set_global_generator``)."""
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator expects a tf.random.Generator, got {type(generator).__name__}.")
    _global[0] = generator
