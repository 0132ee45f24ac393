"""``tf.keras.optimizers.schedules``: learning rates as functions of the optimizer step.

Each built-in schedule is a pure ``jnp`` function of the step (``_lr_at``), written with Keras 3's
formulas in float32. Called directly it returns a Tensor; inside an optimizer it is traced into the
one compiled update, so a schedule costs no extra dispatch per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.tensor import Tensor


class LearningRateSchedule:
    """Base class of learning rate schedules: ``schedule(step) -> learning rate``.

    Subclass it and implement ``__call__(self, step)`` (and ``get_config`` to serialize). An
    optimizer calls a custom schedule on the host once per step with its ``iterations`` Variable;
    the built-in schedules are compiled into the optimizer's update instead.

    >>> import tapejax as tf
    >>> class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 / (1.0 + float(step))
    >>> opt = tf.keras.optimizers.SGD(learning_rate=Halving())
    >>> float(opt.learning_rate)
    0.1
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Instantiates a schedule from the output of ``get_config()``."""
        return cls(**config)


def _step_array(step: Any) -> Any:
    if isinstance(step, (TensorBase, VariableBase)):
        return step._value
    return jnp.asarray(np.asarray(step))


class _JaxSchedule(LearningRateSchedule):
    """A schedule defined by a pure function of the step, traceable inside the optimizer's update."""

    def _lr_at(self, step: Any) -> Any:
        raise NotImplementedError

    def __call__(self, step: Any) -> Tensor:
        fn: Callable[[Any], Any] | None = self.__dict__.get("_compiled")
        if fn is None:
            fn = self.__dict__["_compiled"] = jax.jit(self._lr_at)
        return Tensor(fn(_step_array(step)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _check_decay_steps(decay_steps: Any, arg: str = "decay_steps") -> None:
    if decay_steps <= 0:
        raise ValueError(f"Argument `{arg}` must be > 0. Received: {arg}={decay_steps}")


_F32 = jnp.float32


def _div(x: Any, constant: Any) -> Any:
    """``x / constant`` as a true division: XLA would otherwise multiply by the rounded reciprocal
    (``20 * 0.1f > 2``), which moves staircase and cycle boundaries away from TF's."""
    return x / jax.lax.optimization_barrier(_F32(constant))


class ExponentialDecay(_JaxSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (Keras's ExponentialDecay).

    Args:
      initial_learning_rate: the learning rate at step 0.
      decay_steps: positive number of steps per decay period.
      decay_rate: the factor per period.
      staircase: if True, ``step / decay_steps`` is floored (the rate drops in steps).
      name: the schedule's name.

    >>> import tapejax as tf
    >>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    >>> [round(float(s(step)), 4) for step in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(decay_steps)

    def _lr_at(self, step: Any) -> Any:
        p = _div(step.astype(_F32), self.decay_steps)
        if self.staircase:
            p = jnp.floor(p)
        return _F32(self.initial_learning_rate) * jnp.power(_F32(self.decay_rate), p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(_JaxSchedule):
    """``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]`` (Keras's PiecewiseConstantDecay).

    Args:
      boundaries: strictly increasing step numbers.
      values: one more value than ``boundaries``.
      name: the schedule's name.

    Raises:
      ValueError: if ``len(values) != len(boundaries) + 1``.

    >>> import tapejax as tf
    >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(s(step)) for step in (0, 10, 11, 20, 21)]
    [1.0, 1.0, 0.5, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries: list[Any], values: list[Any], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def _lr_at(self, step: Any) -> Any:
        dtype = np.int32 if all(isinstance(v, (int, np.integer)) for v in self.values) else np.float32
        values = [jnp.asarray(v, dtype) for v in self.values]
        bounds = [jnp.asarray(b).astype(step.dtype) for b in self.boundaries]
        result = (step <= bounds[0]).astype(dtype) * values[0]
        result = result + (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1], strict=True):
            result = result + ((step > low) & (step <= high)).astype(dtype) * value
        return result

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(_JaxSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (Keras's InverseTimeDecay).

    Args:
      initial_learning_rate: the learning rate at step 0.
      decay_steps: how often to apply decay.
      decay_rate: the decay rate.
      staircase: if True, ``step / decay_steps`` is floored.
      name: the schedule's name.

    >>> import tapejax as tf
    >>> s = tf.keras.optimizers.schedules.InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)
    >>> [float(s(step)) for step in (0, 2, 6)]
    [1.0, 0.5, 0.25]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(decay_steps)

    def _lr_at(self, step: Any) -> Any:
        p = _div(step.astype(_F32), self.decay_steps)
        if self.staircase:
            p = jnp.floor(p)
        return _F32(self.initial_learning_rate) / (_F32(1) + _F32(self.decay_rate) * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PolynomialDecay(_JaxSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps``.

    ``(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``; with ``cycle``
    the horizon restarts at the next multiple of ``decay_steps`` (Keras's PolynomialDecay).

    Args:
      initial_learning_rate: the learning rate at step 0.
      decay_steps: positive number of steps to decay over.
      end_learning_rate: the final learning rate.
      power: the polynomial's power.
      cycle: whether to cycle beyond ``decay_steps``.
      name: the schedule's name.

    >>> import tapejax as tf
    >>> s = tf.keras.optimizers.schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)
    >>> [round(float(s(step)), 4) for step in (0, 5, 10, 20)]
    [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_decay_steps(decay_steps)

    def _lr_at(self, step: Any) -> Any:
        initial = _F32(self.initial_learning_rate)
        end = _F32(self.end_learning_rate)
        s = step.astype(_F32)
        decay_steps = jax.lax.optimization_barrier(_F32(self.decay_steps))
        if self.cycle:
            multiplier = jnp.where(s == 0, _F32(1), jnp.ceil(s / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            s = jnp.minimum(s, decay_steps)
        p = s / decay_steps
        return (initial - end) * jnp.power(_F32(1) - p, _F32(self.power)) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class CosineDecay(_JaxSchedule):
    """Cosine decay with optional linear warmup (Keras's CosineDecay).

    Without warmup: ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) + alpha)``. With ``warmup_target``, the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then decays from it.

    Args:
      initial_learning_rate: the learning rate at step 0.
      decay_steps: positive number of steps to decay over.
      alpha: the final rate as a fraction of the decay's starting rate.
      name: the schedule's name.
      warmup_target: the rate reached at the end of warmup, or None for no warmup.
      warmup_steps: the number of warmup steps.

    >>> import tapejax as tf
    >>> s = tf.keras.optimizers.schedules.CosineDecay(1.0, decay_steps=10)
    >>> [round(float(s(step)), 4) for step in (0, 5, 10, 15)]
    [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_decay_steps(decay_steps)

    def _decay(self, s: Any, decay_steps: Any, decay_from: Any) -> Any:
        completed = s / decay_steps
        cosine = _F32(0.5) * (_F32(1) + jnp.cos(_F32(math.pi) * completed))
        decayed = _F32(1 - self.alpha) * cosine + _F32(self.alpha)
        return decay_from * decayed

    def _lr_at(self, step: Any) -> Any:
        initial = _F32(self.initial_learning_rate)
        decay_steps = jax.lax.optimization_barrier(_F32(self.decay_steps))
        s = step.astype(_F32)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(s, decay_steps), decay_steps, initial)
        target = _F32(self.warmup_target)
        warmup_steps = jax.lax.optimization_barrier(_F32(self.warmup_steps))
        s = jnp.minimum(s, decay_steps + warmup_steps)
        warm = (target - initial) * (s / warmup_steps) + initial
        return jnp.where(s < warmup_steps, warm, self._decay(s - warmup_steps, decay_steps, target))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


_BUILTIN: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls
    for cls in (ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay, PolynomialDecay, CosineDecay)
}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """The schedule as a Keras-style config dict (``class_name`` + ``config``).

    >>> import tapejax as tf
    >>> tf.keras.optimizers.schedules.serialize(tf.keras.optimizers.schedules.InverseTimeDecay(0.1, 1, 0.5))["class_name"]
    'InverseTimeDecay'
    """
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(learning_rate_schedule).__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """Rebuilds a schedule from :func:`serialize`'s output.

    Raises:
      ValueError: for an unknown ``class_name`` (pass custom classes in ``custom_objects``).
    """
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _BUILTIN.get(name)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}. Pass it in `custom_objects`.")
    return cls.from_config(config.get("config", {}))
