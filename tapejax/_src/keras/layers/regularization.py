"""Keras' regularization layers: Dropout (and its spatial forms), GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization.

The random layers act only when called with ``training=True`` (``fit`` passes it). Without a ``seed``
they draw from tapejax's global random state (``tf.random.set_seed`` makes the draws repeat, and
``tf.function`` lifts the state, so every compiled call draws anew). With a ``seed`` a layer owns a
stream like Keras' ``SeedGenerator``: a ``[seed, counter]`` Variable advanced by each draw (so two
layers with the same seed draw the same masks, and a compiled call advances it too).

Differences from Keras: the numbers drawn differ from Keras' (JAX's generator); a layer without a
seed has no ``seed_generator_state`` variable (Keras lists one in ``layer.variables``), and a seeded
layer's state is not listed in ``variables`` either.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapejax._src import function as function_lib
from tapejax._src.keras import backend, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import creation_ops, math_ops, nn_ops, random_ops, stateless_random_ops
from tapejax._src.tensor import Tensor
from tapejax._src.variable import Variable


class _SeedStream:
    """A seeded layer's random stream (Keras' ``SeedGenerator``): ``[seed, counter]``, counter += 1 per draw."""

    __slots__ = ("state",)

    def __init__(self, seed: Any) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        with function_lib.escape_trace():
            self.state = Variable(np.array([seed, 0], np.int64), trainable=False, name="seed_generator_state")

    def next(self) -> Tensor:
        seed = self.state.read_value()
        self.state.assign_add(np.array([0, 1], np.int64))
        return seed


def _stream(seed: Any, active: bool) -> _SeedStream | None:
    return _SeedStream(seed) if active and seed is not None else None


def _uniform(shape: tuple[int, ...], dtype: Any, stream: _SeedStream | None) -> Tensor:
    if stream is None:
        return random_ops.uniform(shape, dtype=dtype)
    return stateless_random_ops.stateless_uniform(shape, seed=stream.next(), dtype=dtype)


def _normal(shape: tuple[int, ...], mean: float, stddev: float, dtype: Any, stream: _SeedStream | None) -> Tensor:
    if stream is None:
        return random_ops.normal(shape, mean=mean, stddev=stddev, dtype=dtype)
    return stateless_random_ops.stateless_normal(shape, seed=stream.next(), mean=mean, stddev=stddev, dtype=dtype)


def _dropout(inputs: Any, rate: float, noise_shape: tuple[int, ...] | None, stream: _SeedStream | None) -> Any:
    """Keras' ``random.dropout``: keep with probability ``1 - rate``, scale the kept by ``1 / (1 - rate)``."""
    if rate == 1.0:
        return creation_ops.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    if stream is None:
        return nn_ops.dropout(inputs, rate, noise_shape=noise_shape)
    return nn_ops.stateless_dropout(inputs, rate, seed=stream.next(), noise_shape=noise_shape)


def _concrete_noise_shape(inputs: Any, noise_shape: tuple[Any, ...] | None) -> tuple[int, ...] | None:
    if noise_shape is None:
        return None
    shape = tuple(inputs.shape)
    return tuple(shape[i] if d is None else d for i, d in enumerate(noise_shape))


def _check_rate(rate: Any) -> None:
    if not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}"
        )


class Dropout(Layer):
    """Sets input units to 0 with frequency ``rate`` in training, scaling the others by ``1 / (1 - rate)``.

    Args:
      rate: the fraction of units to drop, in ``[0, 1]``.
      noise_shape: the shape of the binary mask (None entries take the input's size), e.g.
        ``(batch, 1, features)`` to drop the same features at every timestep.
      seed: an int making the layer's draws reproducible (its own stream), or None (global stream).

    Call arguments: ``inputs``; ``training``: drop only when True (default False: identity).

    Raises:
      ValueError: for a rate outside ``[0, 1]`` or an invalid ``noise_shape`` (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Dropout(0.5, seed=0)
    >>> print(layer(tf.ones([2, 2])))
    tf.Tensor(
    [[1. 1.]
     [1. 1.]], shape=(2, 2), dtype=float32)
    >>> y = layer(tf.ones([1000]), training=True)
    >>> sorted(set(y.numpy().tolist()))
    [0.0, 2.0]

    Differences from Keras: the masks drawn differ (see the module's note).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = self._validate_noise_shape(noise_shape)
        self._seed_stream = _stream(seed, rate > 0)
        self.supports_masking = True
        self.built = True

    def _validate_noise_shape(self, noise_shape: Any) -> tuple[Any, ...] | None:
        if noise_shape is None:
            return None
        if isinstance(noise_shape, str):
            raise ValueError(
                "Invalid value received for argument `noise_shape`. Expected a tuple or list of integers. "
                f"Received: noise_shape={noise_shape}"
            )
        if not isinstance(noise_shape, tuple):
            try:
                noise_shape = tuple(noise_shape)
            except TypeError:
                raise ValueError(
                    "Invalid value received for argument `noise_shape`. Expected an iterable of integers "
                    f"(e.g., a tuple or list). Received: noise_shape={noise_shape}"
                ) from None
        for i, dim in enumerate(noise_shape):
            if dim is None:
                continue
            if not isinstance(dim, int):
                raise ValueError(
                    "Invalid value received for argument `noise_shape`. Expected all elements to be integers or "
                    f"None. Received element at index {i}: {dim} (type: {type(dim).__name__})"
                )
            if dim <= 0:
                raise ValueError(
                    "Invalid value received for argument `noise_shape`. Expected all dimensions to be positive "
                    f"integers or None. Received negative or zero value at index {i}: {dim}"
                )
        return noise_shape

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training and self.rate > 0:
            return _dropout(inputs, self.rate, _concrete_noise_shape(inputs, self.noise_shape), self._seed_stream)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per (sample, channel)."""

    _ndim = 0

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._ndim)

    def _noise_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return (shape[0], shape[1], *([1] * (len(shape) - 2)))
        return (shape[0], *([1] * (len(shape) - 2)), shape[-1])

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training and self.rate > 0:
            return _dropout(inputs, self.rate, self._noise_shape(tuple(inputs.shape)), self._seed_stream)
        return inputs

    def get_config(self) -> dict[str, Any]:
        # Keras' spatial dropouts write this short config (no "trainable"; "dtype" as a plain string).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole 1D feature maps (channels) of ``(samples, timesteps, channels)`` inputs in training.

    Args:
      rate: the fraction of channels to drop, in ``[0, 1]``.
      seed: an int for reproducible draws, or None.

    >>> import tapejax as tf
    >>> y = tf.keras.layers.SpatialDropout1D(0.5, seed=1)(tf.ones([2, 3, 4]), training=True)
    >>> bool(tf.reduce_all(y[:, 0] == y[:, 2]))  # the same channels dropped at every timestep
    True
    """

    _ndim = 3


class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2D feature maps (channels) of 4D inputs in training.

    Args:
      rate: the fraction of channels to drop, in ``[0, 1]``.
      data_format: ``"channels_last"`` (default: the global setting) or ``"channels_first"``.
      seed: an int for reproducible draws, or None.
    """

    _ndim = 4

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = backend.standardize_data_format(data_format)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(SpatialDropout2D):
    """Drops whole 3D feature maps (channels) of 5D inputs in training.

    Args:
      rate: the fraction of channels to drop, in ``[0, 1]``.
      data_format: ``"channels_last"`` (default: the global setting) or ``"channels_first"``.
      seed: an int for reproducible draws, or None.
    """

    _ndim = 5


class GaussianNoise(Layer):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` in training.

    Args:
      stddev: the noise's standard deviation, in ``[0, 1]``.
      seed: an int for reproducible draws, or None.

    Raises:
      ValueError: for ``stddev`` outside ``[0, 1]`` (Keras' message).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.GaussianNoise(0.1)(tf.ones([2])))  # inference: unchanged
    tf.Tensor([1. 1.], shape=(2,), dtype=float32)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(
                "Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
                f"Received: stddev={stddev}"
            )
        self.stddev = stddev
        self.seed = seed
        self._seed_stream = _stream(seed, stddev > 0)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training and self.stddev > 0:
            return inputs + _normal(tuple(inputs.shape), 0.0, self.stddev, self.compute_dtype, self._seed_stream)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies the inputs by 1-centred Gaussian noise of stddev ``sqrt(rate / (1 - rate))`` in training.

    Args:
      rate: the drop probability, in ``[0, 1]``.
      seed: an int for reproducible draws, or None.

    Raises:
      ValueError: for a rate outside ``[0, 1]`` (Keras' message).
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self._seed_stream = _stream(seed, rate > 0)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return inputs * _normal(tuple(inputs.shape), 1.0, stddev, self.compute_dtype, self._seed_stream)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


class AlphaDropout(Layer):
    """Dropout that keeps a SELU network's mean and variance: dropped units become ``-alpha * scale``,
    then ``a * x + b`` restores the moments (in training only).

    Args:
      rate: the drop probability, in ``[0, 1]``.
      noise_shape: the shape of the binary mask (None entries take the input's size).
      seed: an int for reproducible draws, or None.

    Raises:
      ValueError: for a rate outside ``[0, 1]`` (Keras' message).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self._seed_stream = _stream(seed, rate > 0)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training and self.rate > 0:
            noise_shape = _concrete_noise_shape(inputs, self.noise_shape) or tuple(inputs.shape)
            alpha_p = -_SELU_ALPHA * _SELU_SCALE
            noise = _uniform(tuple(noise_shape), backend.floatx(), self._seed_stream)
            kept = math_ops.cast(math_ops.greater_equal(noise, math_ops.cast(self.rate, noise.dtype)), inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** (-0.5)
            b = -a * alpha_p * self.rate
            x = inputs * kept + alpha_p * (1 - kept)
            return a * x + b
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """Returns its inputs unchanged and adds ``l1 * sum(|x|) + l2 * sum(x**2)``, divided by the batch
    size, to ``losses``.

    Args:
      l1, l2: the regularization factors.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.ActivityRegularization(l1=0.5)
    >>> _ = layer(tf.constant([[1.0, -2.0], [3.0, 0.0]]))
    >>> print(layer.losses[0])
    tf.Tensor(1.5, shape=(), dtype=float32)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
