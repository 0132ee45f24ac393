"""``tf.keras.Sequential``: a stack of layers, each reading the previous one's output."""

from __future__ import annotations

from typing import Any

from tapejax._src import nest
from tapejax._src.keras.keras_tensor import KerasTensor
from tapejax._src.keras.layers.input_layer import InputLayer
from tapejax._src.keras.layers.input_spec import standardize_shape
from tapejax._src.keras.layers.layer import Layer, tracking_changed
from tapejax._src.keras.models.functional import Functional
from tapejax._src.keras.models.model import Model
from tapejax._src.tensor import Tensor, keras_mask


class Sequential(Model):
    """A linear stack of layers (``tf.keras.Sequential``).

    With a known input shape (a ``tf.keras.Input`` first, or ``input_shape=`` on the first layer) the
    model is built at once as a functional graph; otherwise on its first call, from the input's shape.

    Args:
      layers: the layers, in order (or add them with :meth:`add`).
      trainable: whether its weights are trained.
      name: the model's name.

    >>> import tapejax as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4), tf.keras.layers.Dense(1)])
    >>> model.output_shape, model.count_params()
    ((None, 1), 21)
    """

    _locks_after_build = False  # (mutable after build, as in Keras)

    def __new__(cls, *args: Any, **kwargs: Any) -> Sequential:
        return Layer.__new__(cls)  # type: ignore[return-value]

    def __init__(self, layers: Any = None, trainable: bool = True, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        object.__setattr__(self, "_functional", None)
        object.__setattr__(self, "_convert_input_args", False)  # (as Keras: the layers or the Input convert)
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Appends a layer (or a ``tf.keras.Input``'s tensor) to the stack.

        Raises:
          ValueError: if ``layer`` is not a layer, or its name is already taken (Keras' messages).
        """
        if hasattr(layer, "_keras_history") and isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]  # type: ignore[index]
            if isinstance(origin, InputLayer):
                layer = origin
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})"
            )
        if isinstance(layer, InputLayer) and self._layers and isinstance(self._layers[0], InputLayer):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input shape "
                f"{self._layers[0].batch_shape}. You cannot add a different Input layer to it."
            )
        if any(layer.name == x.name for x in self._layers):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f'"{layer.name}" is already the name of a layer in this model. Update the `name` argument '
                "to pass a unique name."
            )
        if not self._layers and not isinstance(layer, InputLayer) and layer._input_shape_arg is not None:
            batch_size, *shape = layer._input_shape_arg
            self._track(InputLayer(batch_shape=(batch_size, *shape), dtype=layer._input_dtype_arg))
        self._track(layer)
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_functional", None)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        layer = self._layers.pop()
        tracking_changed()
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_functional", None)
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_functional", None)
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)
        elif self._layers and isinstance(self._layers[0], InputLayer):
            object.__setattr__(self, "built", True)

    def build(self, input_shape: Any = None) -> None:
        if not self._layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. Call `model.add(layer)`."
            )
        if isinstance(self._layers[0], InputLayer):
            if input_shape is not None and tuple(self._layers[0].batch_shape) != standardize_shape(input_shape):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input shape "
                    f"{self._layers[0].batch_shape}. You cannot build it with input_shape {input_shape}"
                )
        else:
            dtype = self._layers[0].compute_dtype
            self._layers.insert(0, InputLayer(batch_shape=standardize_shape(input_shape), dtype=dtype))
            tracking_changed()
        x = self._layers[0].output
        for layer in self._layers[1:]:
            x = layer(x)
        object.__setattr__(self, "_functional", Functional(self._layers[0].output, x, name=self.name))

    @property
    def layers(self) -> list[Layer]:
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return list(layers[1:])
        return list(layers)

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        functional = self._functional
        if functional is not None:
            chain = functional._chain
            if chain is not None and mask is None and type(inputs) is Tensor:
                v = inputs._v
                if (
                    v.dtype == chain.dtype
                    and len(v.shape) == chain.rank
                    and not isinstance(functional._outputs_struct, dict)
                ):
                    return chain.run(inputs)  # (Functional.call's first case, without its call)
            return functional.call(inputs, training=training, mask=mask)
        outputs = inputs
        for layer in self.layers:
            kwargs: dict[str, Any] = {}
            if layer._call_params.has_mask and mask is not None:
                kwargs["mask"] = mask
            if layer._call_params.training_pos is not None and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = nest.map_structure(lambda t: keras_mask(t), outputs)
        return outputs

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._functional.inputs if self._functional is not None else []  # type: ignore[union-attr]

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._functional.outputs if self._functional is not None else []  # type: ignore[union-attr]

    @property
    def input_shape(self) -> Any:
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")
        return self._functional.input_shape

    @property
    def output_shape(self) -> Any:
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")
        return self._functional.output_shape

    @property
    def input(self) -> Any:
        return self._functional.input if self._functional is not None else None

    @property
    def output(self) -> Any:
        return self._functional.output if self._functional is not None else None

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.models.functional import serialize_layer

        layers = [serialize_layer(layer) for layer in self._layers]
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": super().get_config()["dtype"],
            "layers": layers,
        }
        if self.built and self._layers and isinstance(self._layers[0], InputLayer):
            config["build_input_shape"] = list(self._layers[0].batch_shape)  # (Keras writes the built shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        from tapejax._src.keras.layers import deserialize

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            layer = deserialize(entry, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
            if not isinstance(layer, InputLayer) and "build_config" in entry and not layer.built:
                layer.build_from_config(entry["build_config"])
        model._maybe_rebuild()
        return model
