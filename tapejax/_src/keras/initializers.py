"""``tf.keras.initializers``: Keras 3.15's initializers (``__call__(shape, dtype=None)``), and ``get``.

Seeds follow Keras 3: a random initializer holds one integer seed (``seed``, or with ``seed=None``
one drawn from Python's ``random`` module when it is constructed, as Keras'
``make_default_seed``) and draws statelessly from ``[seed, 0]``, so the same initializer object
gives the same values on every call, and two unseeded objects give different ones.

Differences from Keras: the draws are tapejax's stateless ops (JAX's threefry generator), so a
seeded initializer's values differ from Keras' on TensorFlow (philox) although their
distribution is the same; ``seed`` takes an int or None (not a ``keras.random.SeedGenerator``).
"""

from __future__ import annotations

import inspect
import math
import random as python_random
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.keras import backend, object_config
from tapejax._src.ops import (
    array_ops,
    creation_ops,
    decomposition_ops,
    diag_ops,
    math_ops,
    reduction_ops,
    shape_ops,
    stateless_random_ops,
)
from tapejax._src.tensor import Tensor

_MODULE = "keras.initializers"


def _standardize_dtype(dtype: Any) -> dtypes_lib.DType:
    """Keras' ``standardize_dtype``: None is ``tf.keras.backend.floatx()`` (float32 by default)."""
    return dtypes_lib.as_dtype(backend.floatx() if dtype is None else dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in shape)


class Initializer:
    """Base class of Keras initializers: subclasses implement ``__call__(shape, dtype=None)``.

    ``get_config`` returns the constructor's arguments and ``from_config`` calls the constructor
    with them; ``clone`` is ``from_config(get_config())``.
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        """A new tensor of ``shape`` and ``dtype`` (None: ``floatx()``, float32 by default)."""
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self) -> dict[str, Any]:
        """The initializer's configuration, a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """An initializer from ``get_config()``'s dict."""
        return cls(**config)

    def clone(self) -> Any:
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())


class Constant(Initializer):
    """Fills with ``value`` (a scalar, or an array that broadcasts to the shape).

    >>> import tapejax as tf
    >>> print(tf.keras.initializers.Constant(3.0)((2,)))
    tf.Tensor([3. 3.], shape=(2,), dtype=float32)
    """

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        dtype = _standardize_dtype(dtype)
        value = math_ops.cast(array_ops.convert_to_tensor(self.value), dtype)
        return value * creation_ops.ones(_shape(shape), dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": object_config.serialize_object(self.value)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(object_config.deserialize_value(config["value"]))


class Zeros(Initializer):
    """Fills with zeros.

    >>> import tapejax as tf
    >>> print(tf.keras.initializers.get("zeros")((2,), "int32"))
    tf.Tensor([0 0], shape=(2,), dtype=int32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return creation_ops.zeros(_shape(shape), _standardize_dtype(dtype))


class Ones(Initializer):
    """Fills with ones."""

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return creation_ops.ones(_shape(shape), _standardize_dtype(dtype))


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square ones get a rectangular eye).

    ``get_config()`` is ``{}``: as in Keras, ``gain`` does not survive a config round trip.

    Raises:
      ValueError: when called with a shape that is not 2-D.
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = _standardize_dtype(dtype)
        rows, cols = _shape(shape)
        return self.gain * creation_ops.eye(rows, cols, dtype=dtype)


class STFT(Initializer):
    """The kernel of a short-time Fourier transform as a 1-D convolution (``shape = (frame_length, 1, fft_bins)``).

    Args:
      side: ``"real"`` (cosines) or ``"imag"`` (sines).
      window: a window name for ``scipy.signal.get_window`` (``"hann"``, ``"hamming"``, ...), an
        array of ``frame_length`` values, or None.
      scaling: ``"density"`` (divide by the window's L2 norm), ``"spectrum"`` (by its sum) or None.
      periodic: a periodic (not symmetric) window.

    Raises:
      ValueError: for an unknown ``side``, ``window`` or ``scaling`` (Keras' messages).
    """

    def __init__(
        self, side: str = "real", window: Any = "hann", scaling: str | None = "density", periodic: bool = False
    ) -> None:
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            import scipy.signal

            scipy.signal.get_window(window, 1)  # (raises for an unknown window)
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        dtype = _standardize_dtype(dtype)
        frame_length, _, fft_length = _shape(shape)
        win = None
        scaling: Any = 1
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                import scipy.signal

                win = scipy.signal.get_window(win, frame_length, self.periodic)
            win = math_ops.cast(array_ops.convert_to_tensor(win), dtype)
            if len(win.shape) != 1 or win.shape[-1] != frame_length:
                raise ValueError(
                    f"The shape of `window` must be equal to [frame_length].Received: window shape={win.shape}"
                )
            win = array_ops.reshape(win, [frame_length, 1, 1])
            if self.scaling == "density":
                scaling = math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(win)))
            elif self.scaling == "spectrum":
                scaling = reduction_ops.reduce_sum(math_ops.abs(win))
        freq = array_ops.reshape(creation_ops.range(fft_length, dtype=dtype), (1, 1, fft_length)) / (
            (fft_length - 1) * 2
        )
        time = array_ops.reshape(creation_ops.range(frame_length, dtype=dtype), (frame_length, 1, 1))
        args = (-2 * time) * freq * math_ops.acos(math_ops.cast(-1, dtype))
        kernel = math_ops.cos(args) if self.side == "real" else math_ops.sin(args)
        if win is not None:
            kernel = kernel * win / scaling
        return kernel

    def get_config(self) -> dict[str, Any]:
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the integer seed they draw from.

    Raises:
      ValueError: if ``seed`` is neither an int nor None.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._init_seed = seed
        if seed is None:
            seed = python_random.randint(1, int(1e9))  # Keras' make_default_seed
        elif not isinstance(seed, int):
            raise ValueError(
                "`seed` argument should be an instance of `keras.random.SeedGenerator()` or an integer. "
                f"Received: seed={seed}"
            )
        self.seed = seed

    def _seed(self) -> list[int]:
        return [self.seed, 0]

    def get_config(self) -> dict[str, Any]:
        return {"seed": object_config.serialize_object(self._init_seed)}


class RandomNormal(RandomInitializer):
    """Normal draws with ``mean`` and ``stddev``.

    >>> import tapejax as tf
    >>> init = tf.keras.initializers.RandomNormal(stddev=1.0, seed=1)
    >>> bool(tf.reduce_all(init((3,)) == init((3,))))  # a seeded object repeats itself
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return stateless_random_ops.stateless_normal(
            _shape(shape), self._seed(), mean=self.mean, stddev=self.stddev, dtype=_standardize_dtype(dtype)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal draws with ``mean`` and ``stddev``, redrawn beyond two standard deviations."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return stateless_random_ops.stateless_truncated_normal(
            _shape(shape), self._seed(), mean=self.mean, stddev=self.stddev, dtype=_standardize_dtype(dtype)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform draws in ``[minval, maxval)``."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        dtype = _standardize_dtype(dtype)
        return stateless_random_ops.stateless_uniform(
            _shape(shape),
            self._seed(),
            minval=math_ops.cast(self.minval, dtype),
            maxval=math_ops.cast(self.maxval, dtype),
            dtype=dtype,
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape: Any, input_axes: Any = None, output_axes: Any = None) -> tuple[int, int]:
    """Keras' ``(fan_in, fan_out)`` of a weight shape.

    A vector has ``fan_in = fan_out = shape[0]``; a matrix ``(in, out)``; a convolution kernel
    ``(*spatial, in, out)`` multiplies both by the receptive field size; a scalar gives ``(1, 1)``.
    With ``input_axes`` and ``output_axes``, the products of those dimensions.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[a] for a in input_axes)
        fan_out = math.prod(shape[a] for a in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field_size = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field_size), int(shape[-1] * receptive_field_size)


class VarianceScaling(RandomInitializer):
    """Draws scaled to the weight's fans: variance ``scale / n``.

    ``n`` is ``fan_in``, ``fan_out`` or their mean (``mode``, each at least 1; see
    :func:`compute_fans`). ``"truncated_normal"`` (also ``"normal"``) draws a normal truncated at
    two standard deviations with stddev ``sqrt(scale / n) / 0.87962566103423978`` (the truncation's
    correction); ``"untruncated_normal"`` a normal of stddev ``sqrt(scale / n)``; ``"uniform"``
    within ``+-sqrt(3 * scale / n)``.

    Raises:
      ValueError: for ``scale <= 0``, an unknown ``mode`` or ``distribution`` (Keras' messages).

    >>> import tapejax as tf
    >>> init = tf.keras.initializers.VarianceScaling(scale=3.0, mode="fan_out", distribution="uniform", seed=0)
    >>> bool(tf.reduce_max(tf.abs(init((100, 4)))) <= 1.5)  # limit sqrt(3 * 3 / 4)
    True
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: Any = None,
        output_axes: Any = None,
    ) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed_distributions = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed_distributions:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}.Please use one of {allowed_distributions}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        scale = self.scale
        fan_in, fan_out = compute_fans(shape, input_axes=self.input_axes, output_axes=self.output_axes)
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        dtype = _standardize_dtype(dtype)
        shape = _shape(shape)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978
            return stateless_random_ops.stateless_truncated_normal(shape, self._seed(), stddev=stddev, dtype=dtype)
        if self.distribution == "untruncated_normal":
            return stateless_random_ops.stateless_normal(shape, self._seed(), stddev=math.sqrt(scale), dtype=dtype)
        limit = math.sqrt(3.0 * scale)
        return stateless_random_ops.stateless_uniform(
            shape, self._seed(), minval=math_ops.cast(-limit, dtype), maxval=math_ops.cast(limit, dtype), dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are the class's (Glorot, He, LeCun)."""

    _scale: float
    _mode: str
    _distribution: str

    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "seed": object_config.serialize_object(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: within ``+-sqrt(6 / (fan_in + fan_out))``.

    >>> import tapejax as tf
    >>> tf.keras.initializers.get("glorot_uniform").get_config()
    {'seed': None, 'input_axes': None, 'output_axes': None}
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal of stddev ``sqrt(2 / (fan_in + fan_out))`` (before truncation)."""

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal of stddev ``sqrt(1 / fan_in)`` (before truncation)."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: within ``+-sqrt(3 / fan_in)``."""

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal of stddev ``sqrt(2 / fan_in)`` (before truncation)."""

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: within ``+-sqrt(6 / fan_in)``."""

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``: Q of the QR of a normal draw, signs fixed by R's diagonal.

    Shapes of rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])``.

    Raises:
      ValueError: when called with a shape of rank < 2.

    >>> import tapejax as tf
    >>> q = tf.keras.initializers.Orthogonal(seed=0)((4, 3))
    >>> bool(tf.reduce_max(tf.abs(tf.matmul(q, q, transpose_a=True) - tf.eye(3))) < 1e-5)
    True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        if len(shape) < 2:
            raise ValueError(
                f"The tensor to initialize must be at least two-dimensional. Received: shape={shape} of rank {len(shape)}."
            )
        shape = _shape(shape)
        num_rows = math.prod(shape[:-1])
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        a = stateless_random_ops.stateless_normal(flat_shape, self._seed(), dtype=_standardize_dtype(dtype))
        q, r = decomposition_ops.qr(a)
        q = q * math_ops.sign(diag_ops.diag_part(r))
        if num_rows < num_cols:
            q = shape_ops.transpose(q)
        return self.gain * array_ops.reshape(q, shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gain": self.gain}


_ALL = (
    Initializer, Constant, Identity, Ones, STFT, Zeros, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
    LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
)  # fmt: skip


ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in _ALL}
ALL_OBJECTS_DICT.update({object_config.to_snake_case(cls.__name__): cls for cls in _ALL})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "normal": RandomNormal,
        "one": Ones,
        "STFTInitializer": STFT,
        "OrthogonalInitializer": Orthogonal,
        "uniform": RandomUniform,
        "zero": Zeros,
    }
)
object_config.register_public(_MODULE, *_ALL)


def serialize(initializer: Any) -> Any:
    """The initializer's config dict (``{"module", "class_name", "config", "registered_name"}``).

    >>> import tapejax as tf
    >>> tf.keras.initializers.serialize(tf.keras.initializers.Ones())
    {'module': 'keras.initializers', 'class_name': 'Ones', 'config': {}, 'registered_name': None}
    """
    return object_config.serialize_object(initializer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The initializer a config dict (or name) describes (an unknown name comes back unchanged, as Keras)."""
    return object_config.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects)


def get(identifier: Any) -> Callable[..., Any] | None:
    """The initializer for ``identifier``: a name (``"he_normal"``, ``"Zeros"``), a config dict, a class, a callable, a tensor.

    None gives None; a class is instantiated; a tensor or numpy array gives an initializer that
    returns it (cast to the requested dtype) for its own shape only.

    Raises:
      ValueError: if ``identifier`` names no initializer (Keras' message), or (when called) a
        tensor initializer gets another shape.

    >>> import tapejax as tf
    >>> type(tf.keras.initializers.get("he_normal")).__name__
    'HeNormal'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": str(identifier), "config": {}})
    elif isinstance(identifier, (Tensor, np.generic, np.ndarray)):
        value = identifier

        def initialize_fn(shape: Any, dtype: Any = None) -> Tensor:
            dtype = _standardize_dtype(dtype)
            if _shape(shape) != _shape(value.shape):
                raise ValueError(
                    f"Expected `shape` to be {value.shape} for direct tensor as initializer. Received shape={shape}"
                )
            return math_ops.cast(array_ops.convert_to_tensor(value), dtype)

        obj = initialize_fn
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
