"""Keras' core layers: Activation, Identity, Masking, Embedding, Lambda, and the reshaping layers
Flatten, Reshape, Permute, RepeatVector (Keras 3.15's arguments, configs, masks and output shapes)."""

from __future__ import annotations

import builtins
import codecs
import inspect
import marshal
import math
import types
import warnings
from typing import Any

import numpy as np

from tapejax._src import nest
from tapejax._src.keras import activations, backend, constraints, initializers, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import (
    array_ops,
    creation_ops,
    index_ops,
    linalg_ops,
    math_ops,
    misc_ops,
    reduction_ops,
    shape_ops,
)


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
      activation: an activation function or its name (``"relu"``, ``"softmax"``...).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.Activation("relu")(tf.constant([-1.0, 2.0])))
    tf.Tensor([0. 2.], shape=(2,), dtype=float32)
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer; masks pass through).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.Identity()(tf.constant([1, 2])))
    tf.Tensor([1 2], shape=(2,), dtype=int32)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class Masking(Layer):
    """Masks the timesteps whose features all equal ``mask_value``: those are zeroed in the output, and
    the output's mask (for downstream layers) is False there.

    Args:
      mask_value: the value marking padding (default 0.0).

    >>> import tapejax as tf
    >>> y = tf.keras.layers.Masking()(tf.constant([[[1.0], [0.0], [2.0]]]))
    >>> print(y._keras_mask)
    tf.Tensor([[ True False  True]], shape=(1, 3), dtype=bool)
    """

    def __init__(self, mask_value: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            from tapejax._src.keras import object_config

            mask_value = object_config.deserialize_value(mask_value)  # a serialized array
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return reduction_ops.reduce_any(math_ops.not_equal(inputs, self._value(inputs)), axis=-1)

    def _value(self, inputs: Any) -> Any:
        return array_ops.convert_to_tensor(np.asarray(self.mask_value, dtype=inputs.dtype.as_numpy_dtype))

    def call(self, inputs: Any) -> Any:
        keep = reduction_ops.reduce_any(math_ops.not_equal(inputs, self._value(inputs)), axis=-1, keepdims=True)
        outputs = math_ops.where(keep, inputs, creation_ops.zeros_like(inputs))
        outputs._keras_mask = shape_ops.squeeze(keep, axis=-1)
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors: row ``i`` of an ``(input_dim, output_dim)``
    table (the ``embeddings`` weight).

    Args:
      input_dim: the vocabulary size (largest index + 1).
      output_dim: the size of each vector.
      embeddings_initializer: default ``"uniform"`` (``RandomUniform(-0.05, 0.05)``).
      embeddings_regularizer, embeddings_constraint, activity_regularizer.
      mask_zero: whether index 0 is padding: the output's mask is ``inputs != 0`` (``input_dim`` must
        then count it).
      weights: an initial table (a list of one array, or the array).

    Raises:
      ValueError: if ``input_dim`` or ``output_dim`` is not a positive int (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.Embedding(3, 2, embeddings_initializer="ones", mask_zero=True)
    >>> y = layer(tf.constant([[0, 2]]))
    >>> y.shape, y._keras_mask.numpy().tolist()
    (TensorShape([1, 2, 2]), [[False, True]])

    Differences from Keras: ``input_length`` is accepted and ignored with Keras' warning; LoRA,
    quantization and sparse or ragged indices are not implemented (``quantization_config`` must be None).
    Negative indices count from the end, as Keras' TensorFlow backend does.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{arg}` must be a positive integer. Received: {arg}={value} (of type {type(value).__name__})."
                )
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        if quantization_config is not None:
            raise ValueError("tapejax's Embedding does not implement quantization: pass quantization_config=None.")
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        self._embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            name="embeddings",
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            trainable=True,
        )

    @property
    def embeddings(self) -> Any:
        """The ``(input_dim, output_dim)`` table (AttributeError before the layer is built)."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        return self._embeddings

    def call(self, inputs: Any) -> Any:
        if inputs.dtype.name not in ("int32", "int64"):
            inputs = math_ops.cast(inputs, "int32")
        # Keras' TensorFlow `take`: negative indices count from the end.
        n = math_ops.cast(self.input_dim, inputs.dtype)
        indices = math_ops.where(inputs < math_ops.cast(0, inputs.dtype), inputs + n, inputs)
        outputs = index_ops.gather(self.embeddings, indices)
        if outputs.dtype.name != self.compute_dtype:
            outputs = math_ops.cast(outputs, self.compute_dtype)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, math_ops.cast(0, inputs.dtype))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*input_shape, self.output_dim)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }


# -- reshaping ------------------------------------------------------------------------------------------
class Flatten(Layer):
    """Flattens each sample: ``(batch, ...)`` becomes ``(batch, prod(...))`` (``(batch, 1)`` for 1D inputs).

    Args:
      data_format: ``"channels_last"`` (default: the global setting) or ``"channels_first"``; with
        ``"channels_first"`` the channels axis is moved last before flattening, as Keras does.

    >>> import tapejax as tf
    >>> tf.keras.layers.Flatten()(tf.ones([2, 3, 4])).shape
    TensorShape([2, 12])
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs: Any) -> Any:
        shape = tuple(inputs.shape)
        rank = len(shape)
        if self._channels_first and rank > 1:
            inputs = shape_ops.transpose(inputs, (0, *range(2, rank), 1))
        return array_ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        rest = tuple(input_shape)[1:]
        flat = 1 if not rest else (None if any(d is None for d in rest) else math.prod(rest))
        return (input_shape[0], flat)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


def _validate_reshape_shape(newshape: tuple[Any, ...], arg: str) -> None:
    unknown = 0
    for dim in newshape:
        if not isinstance(dim, (int, np.integer)):
            continue
        if dim < -1:
            raise ValueError(
                f"Each dimension in `{arg}` must be a non-negative integer, or `-1` for a single unknown dimension. "
                f"Received: {arg}={newshape}."
            )
        unknown += dim == -1
    if unknown > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in `{arg}`. Received: {arg}={newshape}.")


def _reshape_output_shape(input_shape: tuple[Any, ...], newshape: tuple[Any, ...], arg: str) -> tuple[Any, ...]:
    """Keras' ``compute_reshape_output_shape``: ``-1`` resolved where the input's size is known."""
    _validate_reshape_shape(newshape, arg)
    newshape = tuple(d if isinstance(d, (int, np.integer)) else None for d in newshape)
    if None in input_shape or None in newshape:
        return tuple(None if d == -1 else d for d in newshape)
    size = math.prod(input_shape)
    if -1 not in newshape:
        if size != math.prod(newshape):
            raise ValueError(
                f"The total size of the tensor must be unchanged. Received: input_shape={input_shape}, {arg}={newshape}"
            )
        return newshape
    known = math.prod(d for d in newshape if d != -1)
    if known == 0 or size % known != 0:
        raise ValueError(
            "The total size of the tensor must be unchanged, however, the input size cannot by divided by the "
            f"specified dimensions in {arg}. Received: input_shape={input_shape}, {arg}={newshape}"
        )
    return tuple(size // known if d == -1 else d for d in newshape)


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis is kept; one entry may be -1).

    Args:
      target_shape: the shape of each output sample, without the batch axis.

    Raises:
      ValueError: for a dimension below -1, several -1s, or a size that does not fit (Keras' messages).

    >>> import tapejax as tf
    >>> tf.keras.layers.Reshape((2, -1))(tf.ones([4, 6])).shape
    TensorShape([4, 2, 3])
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        _validate_reshape_shape(target_shape, "target_shape")
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = tuple(inputs.shape)
        target = _reshape_output_shape(shape[1:], self.target_shape, "target_shape")
        return array_ops.reshape(inputs, (shape[0], *(-1 if d is None else d for d in target)))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        input_shape = tuple(input_shape)
        return (input_shape[0], *_reshape_output_shape(input_shape[1:], self.target_shape, "target_shape"))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` (1-based) lists the input axis of each output axis.

    Args:
      dims: a permutation of ``1..rank-1``, e.g. ``(2, 1)`` swaps the two axes after the batch.

    Raises:
      ValueError: if ``dims`` is not a permutation of ``1..len(dims)`` (Keras' message).

    >>> import tapejax as tf
    >>> tf.keras.layers.Permute((2, 1))(tf.ones([1, 3, 5])).shape
    TensorShape([1, 5, 3])
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                f"consecutive and start from 1. Received dims={dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Any) -> Any:
        return shape_ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats each ``(batch, features)`` sample ``n`` times: ``(batch, n, features)``.

    Args:
      n: the number of repetitions (a positive int).

    Raises:
      TypeError: if ``n`` is not an int; ValueError: if it is not positive (Keras' messages).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.RepeatVector(2)(tf.constant([[1.0, 2.0]])))
    tf.Tensor(
    [[[1. 2.]
      [1. 2.]]], shape=(1, 2, 2), dtype=float32)
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Any:
        shape = tuple(inputs.shape)
        return misc_ops.repeat(array_ops.reshape(inputs, (shape[0], 1, shape[1])), self.n, axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


# -- Lambda ---------------------------------------------------------------------------------------------------
_BUILTIN_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers", "regularizers")


def _func_dump(fn: types.FunctionType) -> dict[str, Any]:
    """Keras' ``python_utils.func_dump`` of a Python lambda: marshalled bytecode in base64."""
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _cell(value: Any) -> Any:
    return (lambda: value).__closure__[0]  # type: ignore[index]


def _func_load(config: dict[str, Any]) -> types.FunctionType:
    code = marshal.loads(codecs.decode(config["code"].encode("ascii"), "base64"))
    defaults = config.get("defaults")
    closure = config.get("closure")
    return types.FunctionType(
        code,
        {"__builtins__": builtins},
        name=code.co_name,
        argdefs=tuple(defaults) if isinstance(defaults, list) else defaults,
        closure=None if closure is None else tuple(_cell(v) for v in closure),
    )


def _serialize_fn(fn: Any) -> Any:
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        return _func_dump(fn)
    if callable(fn):
        if isinstance(fn, types.FunctionType):
            return {
                "module": "builtins",
                "class_name": "function",
                "config": fn.__name__,
                "registered_name": "function",
            }
        from tapejax._src.keras import object_config

        return object_config.serialize_object(fn)
    raise ValueError(f"Invalid input type for serialization. Received: {fn} of type {type(fn)}.")


def _lambda_error() -> ValueError:
    return ValueError(
        "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. This carries a "
        "potential risk of arbitrary code execution and thus it is disallowed by default. If you trust the source "
        "of the artifact, you can override this error by passing `safe_mode=False` to the loading function, or "
        "calling `keras.config.enable_unsafe_deserialization()."
    )


def _deserialize_fn(config: Any, custom_objects: dict[str, Any] | None, safe_mode: bool) -> Any:
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    if config["class_name"] == "__lambda__":
        if safe_mode:
            raise _lambda_error()
        return _func_load(config["config"])
    if config["class_name"] == "function":
        name = config["config"]
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        import importlib

        for mod in _BUILTIN_MODULES:
            try:
                obj = getattr(importlib.import_module(f"tapejax.keras.{mod}"), name, None)
            except (ImportError, AttributeError):
                obj = None
            if callable(obj):
                return obj
        raise TypeError(
            f"Could not locate function '{name}'. Make sure custom classes and functions are decorated with "
            "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they are all "
            f"imported so that the decorator is run before trying to load them. Full object config: {config}"
        )
    from tapejax._src.keras import object_config

    return object_config.deserialize_value(config)


class Lambda(Layer):
    """Wraps a function of its inputs as a layer (stateless code: weights made inside are not tracked).

    Args:
      function: ``f(inputs, **arguments)``; if its signature has ``mask`` / ``training`` they are passed.
      output_shape: the output shape without the batch axis, or a function of the input shape (used by
        ``compute_output_shape``; by default the shape is inferred by tracing ``function``).
      mask: a mask for the outputs, or a function ``mask(inputs, previous_mask)``.
      arguments: extra keyword arguments passed to ``function``.

    >>> import tapejax as tf
    >>> print(tf.keras.layers.Lambda(lambda x: x * 2)(tf.constant([1.0, 2.0])))
    tf.Tensor([2. 4.], shape=(2,), dtype=float32)

    Differences from Keras: a symbolic call (``tf.keras.Input``) takes its output shape from tracing
    ``function``, never from ``output_shape``. A deserialized Python lambda sees only the builtins as its
    globals (Keras': those of its ``python_utils`` module).
    """

    def __init__(
        self, function: Any, output_shape: Any = None, mask: Any = None, arguments: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.arguments = arguments or {}
        self.function = function
        self.supports_masking = mask is not None
        self.mask = mask
        self._output_shape = output_shape
        params = inspect.getfullargspec(function).args
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            try:
                return super().compute_output_shape(input_shape)
            except Exception:
                raise NotImplementedError(
                    "We could not automatically infer the shape of the Lambda's output. Please specify the "
                    "`output_shape` argument for this Lambda layer."
                ) from None
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = nest.flatten(input_shape)[0]
        return (batch_size, *self._output_shape)

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras import object_config

        config: dict[str, Any] = {"function": _serialize_fn(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (
                _serialize_fn(self._output_shape) if callable(self._output_shape) else self._output_shape
            )
        if self.mask is not None:
            config["mask"] = (
                _serialize_fn(self.mask) if callable(self.mask) else object_config.serialize_object(self.mask)
            )
        config["arguments"] = object_config.serialize_object(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None, safe_mode: Any = None
    ) -> Lambda:
        """A Lambda from its config; a Python lambda's bytecode loads only with ``safe_mode=False``.

        Raises:
          ValueError: for a serialized Python lambda in safe mode (Keras' message).
        """
        config = dict(config)
        if safe_mode is None:  # unset: the session's (False after tf.keras.config.enable_unsafe_deserialization())
            safe_mode = backend._settings.safe_mode
        safe = safe_mode is not False
        config["function"] = _deserialize_fn(config["function"], custom_objects, safe)
        if "output_shape" in config:
            shape = _deserialize_fn(config["output_shape"], custom_objects, safe)
            if isinstance(shape, list) and all(isinstance(e, (int, type(None))) for e in shape):
                shape = tuple(shape)
            config["output_shape"] = shape
        if "mask" in config:
            config["mask"] = _deserialize_fn(config["mask"], custom_objects, safe)
        if "arguments" in config:
            from tapejax._src.keras import object_config

            config["arguments"] = object_config.deserialize_value(config["arguments"])
        return cls(**config)


class ReversibleEmbedding(Embedding):
    """An :class:`Embedding` that can also project back: ``layer(hidden, reverse=True)`` gives logits
    ``hidden @ embeddings.T`` (or ``@ reverse_embeddings`` with ``tie_weights=False``).

    Args:
      input_dim, output_dim, embeddings_initializer, embeddings_regularizer, embeddings_constraint,
        mask_zero: as :class:`Embedding`.
      tie_weights: whether the reverse projection reuses the embeddings (else a separate
        ``(output_dim, input_dim)`` weight, ``reverse_embeddings``).
      reverse_dtype: a dtype both operands are cast to in the reverse projection, or None.
      logit_soft_cap: if set, logits become ``tanh(logits / cap) * cap``.

    Call arguments: ``inputs``; ``reverse``: project hidden states to logits instead of looking up.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.ReversibleEmbedding(4, 2, embeddings_initializer="ones")
    >>> print(layer(tf.constant([[1.0, 2.0]]), reverse=True))
    tf.Tensor([[3. 3. 3. 3.]], shape=(1, 4), dtype=float32)

    Differences from Keras: quantization is not implemented.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        tie_weights: bool = True,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        reverse_dtype: Any = None,
        logit_soft_cap: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
                trainable=True,
            )

    def call(self, inputs: Any, reverse: bool = False) -> Any:
        if not reverse:
            result = super().call(inputs)
            mask = super().compute_mask(inputs)
            if mask is not None:
                result._keras_mask = mask
            return result
        kernel = shape_ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = math_ops.cast(inputs, self.reverse_dtype)
            kernel = math_ops.cast(kernel, self.reverse_dtype)
        logits = linalg_ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = math_ops.cast(self.logit_soft_cap, logits.dtype)
            logits = math_ops.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any, reverse: bool = False) -> Any:
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
