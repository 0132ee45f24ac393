"""Keras' numeric preprocessing layers: Normalization (with ``adapt``), Rescaling, CategoryEncoding and
Discretization (Keras 3.15's semantics, on tapejax ops)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.keras import backend
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import array_ops, creation_ops, math_ops, misc_ops, reduction_ops, shape_ops
from tapejax._src.tensor import keras_mask


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase))


class Normalization(Layer):
    """Feature-wise normalization: ``(x - mean) / sqrt(variance)`` (or its inverse with ``invert=True``).

    The mean and variance are given (``mean=``, ``variance=``) or computed by :meth:`adapt` over a
    dataset, separately for each index of the kept ``axis`` (``None``: one mean and variance for all).
    The denominator is ``max(sqrt(variance), epsilon())``.

    Args:
      axis: the kept axes (an int, a tuple, or None).
      mean, variance: the statistics (broadcast to the kept axes); both or neither.
      invert: apply the inverse transformation (``mean + x * sqrt(variance)``).

    Raises:
      ValueError: for only one of ``mean``/``variance``, shapes that differ, or a rank above the
        number of axes (Keras' messages).

    >>> import numpy as np
    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 2.0, 3.0], np.float32))
    >>> print(layer(tf.constant([1.0, 2.0, 3.0])))
    tf.Tensor([-1.2247448  0.         1.2247448], shape=(3,), dtype=float32)

    Differences from Keras: an adapted layer reads its ``mean``/``variance`` weights at each call, so
    ``set_weights`` takes effect at once (Keras refreshes them when weights are loaded).
    """

    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape: Any = None
        self.mean: Any = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"The rank of `mean` must be less than or equal to the number of axes ({len(self.axis)}). "
                    f"Received: mean shape {np.shape(mean)} for axis {self.axis}"
                )

    def build(self, input_shape: Any) -> None:
        if input_shape is None:
            return
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim={ndim}, while "
                f"axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received axis={self.axis}, "
                    f"inputs.shape={tuple(input_shape)}, with unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._mean_and_var_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=self._mean_and_var_shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros", trainable=False)
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean)
            variance = np.asarray(self.input_variance)
            if mean.ndim > 0:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            shape = tuple(self._broadcast_shape)
            self.mean = math_ops.cast(array_ops.constant(np.broadcast_to(mean, shape)), self.compute_dtype)
            self.variance = math_ops.cast(array_ops.constant(np.broadcast_to(variance, shape)), self.compute_dtype)

    def adapt(self, data: Any) -> None:
        """Computes the mean and variance of ``data`` (an array, a tensor, or an iterable of batches).

        Raises:
          ValueError: for an empty iterable or data whose kept axes differ from the built shape.
          TypeError: for unsupported data.
        """
        data_is_iterable = False
        if isinstance(data, np.ndarray) or _is_tensor(data):
            input_shape = tuple(data.shape)
        elif hasattr(data, "element_spec") and hasattr(data, "batch"):  # a tf.data.Dataset
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            if len(spec.shape) == 1:
                data = data.batch(128)
                spec = data.element_spec
                spec = spec[0] if isinstance(spec, tuple) else spec
            input_shape = tuple(spec.shape)
            data_is_iterable = True
        elif hasattr(data, "__iter__"):
            data_is_iterable = True
            data_iter = iter(data)
            first = next(data_iter, None)
            if first is None:
                raise ValueError(
                    "adapt() received an empty iterable (no batches). Expected at least one batch. Pass a non-empty "
                    "iterable of arrays or tensors, e.g. layer.adapt([x]) or layer.adapt(list_of_batches)."
                )
            first = _extract_batch(first)
            if getattr(first, "shape", None) is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays or tensors with a `.shape` attribute (e.g. numpy "
                    f"arrays or backend tensors). Got an element of type {type(first).__name__}. Ensure each yielded "
                    "element is array-like with a `.shape` attribute."
                )
            input_shape = tuple(first.shape)
            data = _chain(first, data_iter)
        else:
            raise TypeError(
                f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, backend tensors, "
                "`tf.data.Dataset`, `keras.utils.PyDataset`, and iterables of batches (e.g. list, generator)."
            )
        if not self.built:
            self.build(input_shape)
        else:
            for d in self._keep_axis:
                if input_shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"The layer was built with input_shape={self._build_input_shape}, but adapt() is being called "
                        f"with data with an incompatible shape, data.shape={input_shape}"
                    )
        if isinstance(data, np.ndarray):
            total_mean = np.mean(data, axis=self._reduce_axis)
            total_var = np.var(data, axis=self._reduce_axis)
        elif not data_is_iterable:
            x = data if data.dtype.is_floating else math_ops.cast(data, "float32")
            total_mean = reduction_ops.reduce_mean(x, list(self._reduce_axis))
            total_var = reduction_ops.reduce_variance(x, list(self._reduce_axis))
        else:
            # Keras' running combination of per-batch means and variances.
            total_mean = creation_ops.zeros(self._mean_and_var_shape)
            total_var = creation_ops.zeros(self._mean_and_var_shape)
            total_count = 0
            for batch in data:
                batch = array_ops.convert_to_tensor(_extract_batch(batch))
                batch = math_ops.cast(batch, self.compute_dtype)
                for d in self._keep_axis:
                    if batch.shape[d] != self._build_input_shape[d]:
                        raise ValueError(
                            f"adapt() yielded a batch with incompatible shape. Expected {self._build_input_shape}, "
                            f"got {tuple(batch.shape)}."
                        )
                batch_mean = reduction_ops.reduce_mean(batch, list(self._reduce_axis))
                batch_var = reduction_ops.reduce_variance(batch, list(self._reduce_axis))
                batch_count = math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
                total_count += batch_count
                batch_weight = float(batch_count) / total_count
                existing_weight = 1.0 - batch_weight
                new_mean = total_mean * existing_weight + batch_mean * batch_weight
                total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + (
                    batch_var + (batch_mean - new_mean) ** 2
                ) * batch_weight
                total_mean = new_mean
        self.adapt_mean.assign(math_ops.cast(total_mean, self.adapt_mean.dtype))
        self.adapt_variance.assign(math_ops.cast(total_var, self.adapt_variance.dtype))
        self.finalize_state()

    def finalize_state(self) -> None:
        """Sets ``mean``/``variance`` (broadcastable tensors) from the adapted weights."""
        if self.input_mean is not None or not self.built:
            return
        self.mean, self.variance = self._adapted_statistics()

    def _adapted_statistics(self) -> tuple[Any, Any]:
        shape = self._broadcast_shape
        mean = math_ops.cast(array_ops.reshape(self.adapt_mean, shape), self.compute_dtype)
        variance = math_ops.cast(array_ops.reshape(self.adapt_variance, shape), self.compute_dtype)
        return mean, variance

    def call(self, inputs: Any) -> Any:
        if self.mean is None:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        inputs = math_ops.cast(array_ops.convert_to_tensor(inputs), self.compute_dtype)
        mean, variance = (self.mean, self.variance) if self.input_mean is not None else self._adapted_statistics()
        std = math_ops.maximum(math_ops.sqrt(variance), math_ops.cast(backend.epsilon(), variance.dtype))
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }

    def get_build_config(self) -> dict[str, Any] | None:
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config:
            self.build(config["input_shape"])


def _extract_batch(batch: Any) -> Any:
    if isinstance(batch, (tuple, list)) and batch and hasattr(batch[0], "shape"):
        return batch[0]
    if isinstance(batch, dict):
        return next(iter(batch.values()))
    return batch


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


def _serialize_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    return value


def _deserialize_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


class Rescaling(Layer):
    """Rescales its inputs: ``inputs * scale + offset``, in the layer's compute dtype.

    Args:
      scale: a number, or an array broadcast against the channels (reshaped to ``(c, 1, 1)`` when
        the global image data format is ``"channels_first"``).
      offset: a number or an array.

    >>> import tapejax as tf
    >>> print(tf.keras.layers.Rescaling(1 / 127.5, offset=-1)(tf.constant([0, 255])))
    tf.Tensor([-1.  1.], shape=(2,), dtype=float32)
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        dtype = self.compute_dtype
        scale = math_ops.cast(array_ops.convert_to_tensor(self.scale), dtype)
        offset = math_ops.cast(array_ops.convert_to_tensor(self.offset), dtype)
        scale_shape = tuple(scale.shape)
        if len(scale_shape) > 0 and backend.image_data_format() == "channels_first":
            scale = array_ops.reshape(scale, scale_shape + (1,) * (3 - len(scale_shape)))
        return math_ops.cast(array_ops.convert_to_tensor(inputs), dtype) * scale + offset

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": _serialize_value(self.scale), "offset": _serialize_value(self.offset)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Rescaling:
        config = dict(config)
        config["scale"] = _deserialize_value(config["scale"])
        config["offset"] = _deserialize_value(config["offset"])
        return cls(**config)


def encode_categorical_inputs(inputs: Any, output_mode: str, depth: int, dtype: Any, count_weights: Any = None) -> Any:
    """Keras' ``encode_categorical_inputs``: integer inputs as one-hot, multi-hot or count vectors of ``depth``.

    Multi-hot and count reduce over axis 1 (axis 0 for rank-1 inputs); one-hot drops a trailing
    axis of size 1. Values outside ``[0, depth)`` are not counted.
    """
    if output_mode == "int":
        return math_ops.cast(inputs, dtype)
    if len(inputs.shape) == 0:
        inputs = shape_ops.expand_dims(inputs, -1)
    if output_mode == "one_hot":
        if len(inputs.shape) > 1 and inputs.shape[-1] == 1:
            inputs = array_ops.reshape(inputs, tuple(inputs.shape[:-1]))
        return creation_ops.one_hot(math_ops.cast(inputs, "int32"), depth, dtype=dtype)
    axis = 1 if len(inputs.shape) > 1 else 0
    if output_mode == "multi_hot":
        return reduction_ops.reduce_max(creation_ops.one_hot(math_ops.cast(inputs, "int32"), depth, dtype=dtype), axis)
    if count_weights is not None:
        dtype = count_weights.dtype
    encoded = creation_ops.one_hot(math_ops.cast(inputs, "int32"), depth, dtype=dtype)
    if count_weights is not None:
        encoded = encoded * shape_ops.expand_dims(count_weights, -1)
    return reduction_ops.reduce_sum(encoded, axis)


class CategoryEncoding(Layer):
    """Encodes integer features as one-hot, multi-hot or count vectors of ``num_tokens`` entries.

    Args:
      num_tokens: the number of categories (inputs in ``[0, num_tokens)``).
      output_mode: ``"multi_hot"`` (default; ``"binary"`` is an alias), ``"one_hot"`` or ``"count"``.
      sparse: must be False.

    Call arguments:
      inputs: integer tensor; count_weights: weights of each input for ``"count"``.

    Raises:
      ValueError: for an unknown ``output_mode``, a missing or non-positive ``num_tokens``, or
        ``count_weights`` outside ``"count"`` mode (Keras' messages).
      NotImplementedError: for ``sparse=True``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    >>> print(layer(tf.constant([[0, 1, 1], [3, 2, 0]])))
    tf.Tensor(
    [[1. 2. 0. 0.]
     [1. 0. 1. 1.]], shape=(2, 4), dtype=float32)

    Differences from Keras: no sparse outputs; values outside ``[0, num_tokens)`` are not counted
    (TF's bincount raises for negative ones).
    """

    def __init__(
        self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use the "
                "IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise NotImplementedError("tapejax's CategoryEncoding has no sparse outputs (sparse=True).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not `'count'`. "
                    f"Received `count_weights={count_weights}`."
                )
            count_weights = math_ops.cast(array_ops.convert_to_tensor(count_weights), self.compute_dtype)
        inputs = array_ops.convert_to_tensor(inputs)
        return encode_categorical_inputs(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if input_shape is not None and len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return (*tuple(input_shape), self.num_tokens)
            return (*tuple(input_shape[:-1]), self.num_tokens)
        return (*tuple(input_shape[:-1]), self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}


class Discretization(Layer):
    """Buckets continuous features by ranges: ``bin_boundaries`` given, or ``num_bins`` quantiles from ``adapt``.

    A value ``x`` goes to bucket ``i`` with ``bin_boundaries[i-1] <= x < bin_boundaries[i]``; the
    bucket indices are then encoded as ``output_mode`` says (``"int"``: int32 indices).

    Args:
      bin_boundaries: sorted boundaries (``len + 1`` buckets).
      num_bins: the number of buckets to find with :meth:`adapt` (approximate quantiles).
      epsilon: the error tolerance of the quantile summary.
      output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
      sparse: must be False.

    Raises:
      ValueError: for invalid argument combinations (Keras' messages), or a call before ``adapt``.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    >>> print(layer(tf.constant([[-1.5, 1.0, 3.4, 0.5]])))
    tf.Tensor([[0 2 3 1]], shape=(1, 4), dtype=int32)

    Differences from Keras: no sparse outputs.
    """

    def __init__(
        self,
        bin_boundaries: Any = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if sparse and output_mode == "int":
            raise ValueError(
                "`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, or `'count'`. "
                f"Received: sparse={sparse} and output_mode={output_mode}"
            )
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(
                "Unknown value for `output_mode` argument of Discretization. Allowed values are: "
                f"('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode={output_mode}"
            )
        if sparse:
            raise NotImplementedError("tapejax's Discretization has no sparse outputs (sparse=True).")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def input_dtype(self) -> str:
        return backend.floatx()

    @property
    def output_dtype(self) -> str:
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Finds ``num_bins`` quantile boundaries of ``data`` (an array, a tensor, or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use `num_bins` "
                "instead."
            )
        self.reset_state()
        if hasattr(data, "__iter__") and not (isinstance(data, np.ndarray) or _is_tensor(data)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        data = np.array(data).astype("float32")
        self.summary = _merge_summaries(_summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or call "
                "`adapt(dataset)` before you can start using the `Discretization` layer."
            )
        x = array_ops.convert_to_tensor(inputs)
        if not x.dtype.is_floating:
            x = math_ops.cast(x, "float32")
        shape = tuple(x.shape)
        boundaries = array_ops.constant(np.asarray(self.bin_boundaries, x.dtype.as_numpy_dtype).reshape(1, -1))
        flat = array_ops.reshape(x, (1, -1))
        indices = array_ops.reshape(misc_ops.searchsorted(boundaries, flat, side="right"), shape)
        depth = len(self.bin_boundaries) + 1
        return encode_categorical_inputs(indices, self.output_mode, depth, self.output_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return (*tuple(input_shape[:-1]), depth)
            return (*tuple(input_shape), depth)
        if input_shape and len(input_shape) >= 2:
            return (input_shape[0], *tuple(input_shape[2:]), depth)
        return (depth,)

    def get_config(self) -> dict[str, Any]:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Discretization:
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            config = dict(config)
            bin_boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = bin_boundaries
            return layer
        return cls(**config)


# Keras' approximate quantile summary (NumPy, as Keras computes it).
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    increment = elements / (1.0 / epsilon)
    step = max(increment, 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge_summaries(prev_summary: np.ndarray, next_summary: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


class Pipeline(Layer):
    """Applies a sequence of layers in turn (``training`` and masks passed to those that take them).

    Unlike ``Sequential``, a Pipeline is a layer, not a model: no ``fit``, no functional graph.

    Args:
      layers: the layers, applied in order.

    >>> import tapejax as tf
    >>> pipeline = tf.keras.layers.Pipeline([tf.keras.layers.Rescaling(2.0), tf.keras.layers.Rescaling(1.0, offset=1.0)])
    >>> print(pipeline(tf.constant([1.0, 2.0])))
    tf.Tensor([3. 5.], shape=(2,), dtype=float32)
    """

    def __init__(self, layers: Any, name: str | None = None) -> None:
        super().__init__(name=name)
        self._pipeline_layers = layers

    @property
    def layers(self) -> Any:
        return self._pipeline_layers

    def call(self, inputs: Any, training: Any = True, mask: Any = None) -> Any:
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs: dict[str, Any] = {}
            params = layer._call_params
            if params.has_mask:
                kwargs["mask"] = mask
            if params.training_pos is not None and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = keras_mask(outputs)
        return outputs

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Pipeline:
        from tapejax._src.keras.layers import deserialize

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. "
                f"Received config with layers={layers}."
            )
        return cls(**{**config, "layers": [deserialize(x, custom_objects=custom_objects) for x in layers]})

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.layers import serialize

        return {"layers": [serialize(layer) for layer in self._pipeline_layers], "name": self.name}
