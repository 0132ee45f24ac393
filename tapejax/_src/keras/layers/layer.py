"""``tf.keras.layers.Layer``: Keras 3's base layer on tapejax Modules and Variables.

A layer builds its weights on its first call (from the input shape), tracks the layers, weights and
metrics assigned to its attributes (also inside lists and dicts) in assignment order, resolves the
``training`` argument through nested calls, propagates masks, collects ``add_loss`` and weight
regularization losses, and records calls on symbolic inputs (``tf.keras.Input``) for functional models.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import threading
import weakref
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import function as function_lib
from tapejax._src import nest
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.keras import backend
from tapejax._src.keras.keras_tensor import KerasTensor, Node, any_symbolic, spec_of
from tapejax._src.keras.layers.input_spec import InputSpec, assert_input_compatibility, fits, standardize_shape
from tapejax._src.keras.object_config import to_snake_case
from tapejax._src.keras.variables import KerasVariable
from tapejax._src.module import Module, NameScope
from tapejax._src.ops import array_ops, math_ops, shape_ops
from tapejax._src.tensor import Tensor, keras_mask
from tapejax._src.variable import Variable


class _CallContext:
    __slots__ = ("training",)

    def __init__(self) -> None:
        self.training: Any = None  # the `training` value the calls inside the entry layer's call inherit


class _State(threading.local):
    def __init__(self) -> None:
        self.call_context: _CallContext | None = None
        # The context of the outermost call, reset at each one (one at a time per thread: the calls
        # inside it find ``call_context`` set).
        self.entry_context = _CallContext()
        self.path: list[str] = []  # the names of the layers being built or called, outermost first


_state = _State()
# Whether any layer ever held an ``add_loss`` loss: until then every ``_losses`` list is empty and the
# outermost call has nothing to clear (the recursive clear costs a call per layer of the model).
_losses_added = False

_trainable_of = operator.attrgetter("trainable")

# Bumped by every change to the layers or weights any layer tracks (``_track``, ``__delattr__``,
# ``Sequential.pop``/``build``): a layer's weight list, cached with the version it was collected at,
# is collected again after any such change (see ``Layer._weight_tuple``).
_tracking_version = 0
# The layers holding a cached weight list: a change drops them all, so that no cache keeps a weight
# that was removed (``del layer.w`` frees its buffer, as without the cache).
_cached_layers: weakref.WeakSet[Layer] = weakref.WeakSet()


def tracking_changed() -> None:
    """Drops every layer's cached weight list (call after changing a ``_layers`` or weight list)."""
    global _tracking_version
    _tracking_version += 1
    if _cached_layers:
        for layer in list(_cached_layers):
            layer.__dict__.pop("_weights_cache", None)
        _cached_layers.clear()


class _CallPlan:
    """What the fast path of ``Layer.__call__`` reads of a layer, gathered at its first call.

    A layer keeps its plan (``_call_plan``) until any of its attributes is set or deleted
    (``Layer.__setattr__``/``__delattr__`` drop it), so a plan always matches the layer's attributes.
    """

    __slots__ = ("dtype", "masks", "name", "spec", "training_default", "training_pos", "var_kwargs")

    def __init__(self, layer: Layer) -> None:
        # the NumPy dtype floating inputs must have for the fast path (else cast: the general path), or None
        self.dtype = layer._dtype_policy._np_dtype if layer._convert_input_args and layer.autocast else None
        self.masks = bool(layer.supports_masking)  # (a layer's compute_mask is then checked at each call)
        self.spec = layer.input_spec
        self.name = layer._name
        params = layer._call_params
        self.training_pos = params.training_pos
        self.var_kwargs = params.var_kwargs
        self.training_default = params.training_default


# The attributes a plan reads (and "_layers", set by ``Layer.__init__``): all of them instance attributes.
_PLAN_FIELDS = frozenset(
    (
        "_layers",
        "_dtype_policy",
        "_convert_input_args",
        "autocast",
        "supports_masking",
        "input_spec",
        "_name",
        "_call_params",
        "activity_regularizer",
    )
)


class _WeightsCache:
    """A layer's weights (``Layer.weights``'s order) as collected at ``version`` of the tracking."""

    __slots__ = ("version", "weights")

    def __init__(self, version: int, weights: tuple[Variable, ...]) -> None:
        self.version = version
        self.weights = weights


class DTypePolicy:
    """A layer's dtypes (``tf.keras.DTypePolicy``): the dtype of its weights and of its computations.

    ``"float32"``, ``"float64"``, ``"float16"``, ``"bfloat16"`` set both.

    Differences from Keras: the mixed policies (``"mixed_float16"``, ``"mixed_bfloat16"``) are not
    supported yet (they raise ValueError).
    """

    def __init__(self, name: str | None = None) -> None:
        name = backend.floatx() if name is None else name
        if not isinstance(name, str):
            raise TypeError(
                f"'name' must be a string, such as 'mixed_float16'. Received: name={name} (of type {type(name)})"
            )
        if name.startswith("mixed_"):
            raise ValueError(
                f"tapejax does not support the mixed-precision policy {name!r} yet; use 'float32', 'float16', "
                "'bfloat16' or 'float64'."
            )
        self._name = name
        self._dtype = backend.standardize_dtype(name)
        self._np_dtype = _np_dtype(self._dtype)

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def _policy(dtype: Any) -> DTypePolicy:
    if isinstance(dtype, DTypePolicy):
        return dtype
    if isinstance(dtype, dict):  # a serialized policy
        return DTypePolicy(**dtype.get("config", dtype))
    if dtype is None:  # tf.keras.config.dtype_policy(): the one set_dtype_policy set, else floatx()'s
        return backend._settings.dtype_policy or DTypePolicy(backend.floatx())
    return DTypePolicy(backend.standardize_dtype(dtype))


class _TrackedList(list):  # type: ignore[type-arg]
    """A list attribute of a layer: layers, weights and metrics added to it later are tracked too."""

    def __init__(self, values: Any, owner: Layer) -> None:
        super().__init__(values)
        self._owner = owner

    def append(self, value: Any) -> None:
        self._owner._track(value)
        super().append(value)

    def extend(self, values: Any) -> None:
        values = list(values)
        for v in values:
            self._owner._track(v)
        super().extend(values)

    def insert(self, index: Any, value: Any) -> None:
        self._owner._track(value)
        super().insert(index, value)

    def __setitem__(self, index: Any, value: Any) -> None:
        for v in value if isinstance(index, slice) else [value]:
            self._owner._track(v)
        super().__setitem__(index, value)

    def __iadd__(self, values: Any) -> _TrackedList:  # type: ignore[override,misc]
        self.extend(values)
        return self


class _TrackedDict(dict):  # type: ignore[type-arg]
    """A dict attribute of a layer: layers, weights and metrics stored in it later are tracked too."""

    def __init__(self, values: Any, owner: Layer) -> None:
        super().__init__(values)
        self._owner = owner

    def __setitem__(self, key: Any, value: Any) -> None:
        self._owner._track(value)
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for v in dict(*args, **kwargs).values():
            self._owner._track(v)
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self._owner._track(default)
        return super().setdefault(key, default)


def _is_metric(value: Any) -> bool:
    try:
        from tapejax._src.keras.metrics.base_metric import Metric
    except ImportError:  # (the metrics package is optional to the layer)
        return False
    return isinstance(value, Metric)


def _auto_name(cls: type) -> str:
    prefix = to_snake_case(cls.__name__)  # Keras' naming: "Conv2D" -> "conv2d", "ReLU" -> "re_lu"
    uid = backend.get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


_NOT_TRACKED = frozenset(
    (
        "_layers",
        "_trainable_variables",
        "_non_trainable_variables",
        "_metrics",
        "_losses",
        "_inbound_nodes",
        "_call_params",
        "_build_shapes",
        "_name",
        "_name_scope",
        "_owner",
        "input_spec",
        "_weights_cache",
        "_call_plan",
    )
)


class Layer(Module):
    """The base class of Keras layers (``tf.keras.layers.Layer``).

    Subclasses create weights in ``build(input_shape)`` with :meth:`add_weight` (or in ``__init__``
    when the shapes are known) and compute in ``call(inputs, ...)``; ``__call__`` builds the layer on
    its first call. Attributes holding layers, weights (Keras Variables: ``add_weight``'s or
    ``tf.keras.Variable``; a plain ``tf.Variable`` is not a weight, as in Keras 3.15, so ``fit`` does
    not train it) or metrics (also in lists and dicts) are tracked in assignment order, as Keras
    does. Once ``build`` has returned, adding a new sublayer, Keras weight or metric raises
    ValueError (Keras' lock; Functional and Sequential models stay open), and deleting an attribute
    untracks a Variable only, as Keras.

    Args:
      activity_regularizer: a regularizer applied to the layer's outputs (its loss, divided by the
        batch size, is added to ``losses``).
      trainable: whether the layer's weights are trained (``trainable_weights`` is empty if not).
      dtype: the dtype policy (a dtype name or a ``DTypePolicy``); the default is ``floatx()``.
      autocast: whether floating inputs are cast to the compute dtype.
      name: the layer's name; unique default from the class name (``dense``, ``dense_1``...).
      input_shape, input_dim, batch_size, batch_input_shape: for the first layer of a ``Sequential``.

    Raises:
      ValueError: on unrecognized keyword arguments (Keras' message).

    >>> import tapejax as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale()
    >>> print(layer(tf.constant([[1.0, 2.0]])))
    tf.Tensor([[1. 2.]], shape=(1, 2), dtype=float32)
    >>> [w.name for w in layer.trainable_weights], layer.built
    (['w'], True)

    Differences from Keras: quantization, ``stateless_call``, remat and distribution layouts are not
    implemented; the mixed-precision policies are not supported yet.
    """

    # Keras locks a layer's state when build() returns (Functional and Sequential models stay mutable).
    _locks_after_build: ClassVar[bool] = True

    _TF_MODULE_IGNORED_PROPERTIES: ClassVar[frozenset[str]] = frozenset(
        ("_name", "_name_scope", "_inbound_nodes", "_weights_cache", "_call_plan")
    )

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        obj = super().__new__(cls)
        build = obj.build  # the subclass's build, wrapped so that a direct call also marks the layer built

        @functools.wraps(build)
        def build_wrapper(*a: Any, **k: Any) -> None:
            with _open_path(obj), function_lib.escape_trace():
                build(*a, **k)
                if obj.__dict__.get("_deferred_restorations"):  # (values a tf.train.Checkpoint restore left here)
                    from tapejax._src.checkpoint.restore import restore_deferred

                    restore_deferred(obj)
            object.__setattr__(obj, "built", True)
            object.__setattr__(obj, "_build_shapes", (a, k))
            if obj._locks_after_build:
                object.__setattr__(obj, "_state_locked", True)  # (Keras' _lock_state; built = False keeps it)

        object.__setattr__(obj, "build", build_wrapper)
        object.__setattr__(obj, "_build_is_default", type(obj).build is Layer.build)
        return obj

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        input_dtype = kwargs.pop("input_dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        self.__dict__.pop("_call_plan", None)  # (a layer initialized again)
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], tuple(batch_input_shape[1:])
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                f"Argument `name` must be a string and cannot contain character `/`. Received: name={name} "
                f"(of type {type(name)})"
            )
        s = object.__setattr__
        s(self, "_name", name or _auto_name(type(self)))
        s(self, "_name_scope", NameScope(f"{self._name}/"))
        s(self, "_layers", [])
        s(self, "_trainable_variables", [])
        s(self, "_non_trainable_variables", [])
        s(self, "_metrics", [])
        s(self, "_losses", [])
        s(self, "_inbound_nodes", [])
        s(self, "built", False)
        s(self, "_trainable", bool(trainable))
        s(self, "_dtype_policy", _policy(dtype))
        s(self, "autocast", bool(autocast))
        s(self, "_convert_input_args", True)  # (False for functional models: they convert to their Inputs' dtypes)
        s(self, "input_spec", None)
        s(self, "supports_masking", getattr(self, "supports_masking", False))
        s(self, "_input_shape_arg", None if input_shape is None else (batch_size, *standardize_shape(input_shape)))
        s(self, "_input_dtype_arg", input_dtype)
        s(self, "_call_params", _call_params(type(self)))
        from tapejax._src.keras import regularizers

        s(self, "activity_regularizer", regularizers.get(activity_regularizer))

    # -- tracking -------------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _NOT_TRACKED and "_layers" in self.__dict__:
            value = self._track(value)
        self.__dict__.pop("_call_plan", None)  # (read again at the next call)
        object.__setattr__(self, name, value)

    def _track(self, value: Any) -> Any:
        if isinstance(value, Layer):
            if value is not self and all(value is not x for x in self._layers):
                self._check_unlocked()
                self._layers.append(value)
                tracking_changed()
        elif isinstance(value, KerasVariable):  # (Keras 3.15 does not track a plain tf.Variable: not a weight)
            own = self._trainable_variables if value.trainable else self._non_trainable_variables
            if all(value is not x for x in own):
                self._check_unlocked()
                own.append(value)
                tracking_changed()
        elif _is_metric(value):
            if all(value is not x for x in self._metrics):
                self._check_unlocked()
                self._metrics.append(value)
        elif type(value) is list:
            for v in value:
                self._track(v)
            return _TrackedList(value, self)
        elif type(value) is dict:
            for v in value.values():
                self._track(v)
            return _TrackedDict(value, self)
        elif type(value) is tuple:
            for v in value:
                self._track(v)
        return value

    def _check_unlocked(self) -> None:
        if self.__dict__.get("_state_locked"):
            raise ValueError(
                "You cannot add new elements of state (variables or sub-layers) to a layer that is already built. "
                "All state must be created in the `__init__()` method or in the `build()` method."
            )

    def __delattr__(self, name: str) -> None:
        # Keras untracks a deleted Variable only: a deleted sublayer's (or metric's) weights stay the layer's.
        self.__dict__.pop("_call_plan", None)
        value = getattr(self, name, None)
        if isinstance(value, Variable):
            for own in (self._trainable_variables, self._non_trainable_variables):
                for i, x in enumerate(own):
                    if x is value:
                        del own[i]
                        tracking_changed()
                        break
        object.__delattr__(self, name)

    # -- names, dtypes ---------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return self._name

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value: Any) -> None:
        object.__setattr__(self, "_dtype_policy", _policy(value))

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (Keras 3: the policy's variable dtype)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    # -- weights ------------------------------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        object.__setattr__(self, "_trainable", value)
        # Keras 3 flips the layer's trainable weights too, so that an outer model leaves them out.
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self) -> list[Variable]:
        """The layer's weights and its sublayers', own first, in creation order (each once)."""
        return list(self._weight_tuple())

    def _weight_tuple(self) -> tuple[Variable, ...]:
        # Collected once per version of the tracking (a model's weights are read at every step).
        cache = self.__dict__.get("_weights_cache")
        if cache is not None and cache.version == _tracking_version:
            return cache.weights
        out: list[Variable] = []
        self._collect_weights(out)
        if len(set(map(id, out))) != len(out):  # (a weight shared by two layers: its first place only)
            seen: set[int] = set()
            out = [w for w in out if not (id(w) in seen or seen.add(id(w)))]
        weights = tuple(out)
        object.__setattr__(self, "_weights_cache", _WeightsCache(_tracking_version, weights))
        _cached_layers.add(self)
        return weights

    def _collect_weights(self, out: list[Variable]) -> None:
        # One depth-first pass in Keras' order: own trainable, own non-trainable, then each sublayer's.
        out += self._trainable_variables
        out += self._non_trainable_variables
        for layer in self._layers:
            if layer._layers:
                layer._collect_weights(out)
            else:  # (a layer without sublayers, inline: a model's weights are read at every step)
                out += layer._trainable_variables
                out += layer._non_trainable_variables

    @property
    def trainable_weights(self) -> list[Variable]:
        """The weights the optimizer updates: none if the layer is not trainable."""
        if not self._trainable:
            return []
        cache = self.__dict__.get("_weights_cache")  # (``_weight_tuple`` inline: every step reads this)
        weights = cache.weights if cache is not None and cache.version == _tracking_version else self._weight_tuple()
        # (each weight's own flag is read every time: ``variable.trainable = False`` changes no tracking)
        return list(itertools.compress(weights, map(_trainable_of, weights)))

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """The weights not trained (all of them if the layer is not trainable)."""
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    @property
    def variables(self) -> list[Variable]:  # type: ignore[override]
        return self.weights

    @property
    def trainable_variables(self) -> list[Variable]:  # type: ignore[override]
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:  # type: ignore[override]
        return self.non_trainable_weights

    @property
    def submodules(self) -> tuple[Module, ...]:  # type: ignore[override]
        return tuple(self._flatten_layers(include_self=False))

    @property
    def metrics(self) -> list[Any]:
        out = list(self._metrics)
        for layer in self._layers:
            out.extend(layer.metrics)
        return out

    @property
    def metrics_variables(self) -> list[Variable]:
        return [v for m in self.metrics for v in m.variables]

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> Iterator[Layer]:
        seen: set[int] = set()
        if include_self:
            seen.add(id(self))
            yield self
        queue = list(self._layers)
        while queue:
            layer = queue.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            yield layer
            if recursive:
                queue.extend(layer._layers)

    def add_weight(
        self,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> KerasVariable:
        """Creates a weight of the layer (a :class:`KerasVariable`) and tracks it.

        Args:
          shape: the weight's shape (default ``()``).
          initializer: an initializer or its name; default ``"glorot_uniform"`` for floating weights,
            ``"zeros"`` otherwise.
          dtype: the weight's dtype; default the layer's variable dtype.
          trainable: whether the optimizer trains it.
          regularizer, constraint: a regularizer / constraint or its name.
          name: the weight's name.
        """
        from tapejax._src.keras import constraints, initializers, regularizers

        shape = () if shape is None else standardize_shape(shape)
        dtype = backend.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._trainable_variables) + len(self._non_trainable_variables)}"
        with function_lib.escape_trace():
            value = init(shape, dtype=dtype) if callable(init) else init
            value = array_ops.convert_to_tensor(value, dtype=dtype)
            var = KerasVariable(
                value,
                name=name,
                path="/".join([*_state.path, name]) if _state.path else f"{self._name}/{name}",
                trainable=trainable,
                regularizer=regularizers.get(regularizer),
                constraint=constraints.get(constraint),
            )
        self._track(var)
        if not self._trainable:  # Keras' _track_variable: a frozen layer's new weight is not trained (still watched)
            var.trainable = False
        return var

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays."""
        return [np.asarray(w.numpy()) for w in self.weights]

    def set_weights(self, weights: Any) -> None:
        """Assigns NumPy arrays to the weights (in ``weights`` order).

        Raises:
          ValueError: on a count or shape mismatch (Keras' messages); no weight is changed then.
        """
        layer_weights = self.weights
        if len(layer_weights) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self._name}' with a weight list of length "
                f"{len(weights)}, but the layer was expecting {len(layer_weights)} weights."
            )
        for variable, value in zip(layer_weights, weights, strict=True):
            if tuple(variable.shape) != tuple(np.shape(value)):
                raise ValueError(
                    f"Layer {self._name} weight shape {tuple(variable.shape)} is not compatible with provided "
                    f"weight shape {tuple(np.shape(value))}."
                )
        for variable, value in zip(layer_weights, weights, strict=True):
            variable.assign(np.asarray(value, dtype=variable.dtype.as_numpy_dtype))

    def count_params(self) -> int:
        """The number of scalars in the layer's weights.

        Raises:
          ValueError: if the layer is not built.
        """
        if not self.built:
            raise ValueError(
                "You tried to call `count_params` on layer '" + self._name + "', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # -- losses ------------------------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Adds a loss (a scalar, or a structure of them) to ``losses``: call it inside ``call``."""
        global _losses_added
        _losses_added = True
        for x in nest.flatten(loss):
            self._losses.append(x if isinstance(x, (TensorBase, VariableBase)) else array_ops.convert_to_tensor(x))

    @property
    def losses(self) -> list[Any]:
        """The losses added by the last call (``add_loss``, activity regularizers) of this layer and its
        sublayers, then the regularization losses of the trainable weights, computed now."""
        out: list[Any] = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for w in self.trainable_weights:
            reg = getattr(w, "regularizer", None)
            if reg is not None:
                out.append(reg(w))
        return out

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    # -- building --------------------------------------------------------------------------------------------
    def build(self, input_shape: Any = None) -> None:
        """Creates the layer's weights for inputs of ``input_shape``; the default creates none."""

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config and "input_shape" in config:
            self.build(config["input_shape"])

    def get_build_config(self) -> dict[str, Any] | None:
        shapes = self.__dict__.get("_build_shapes")
        if shapes is None:
            return None
        a, k = shapes
        if a and not k:
            return {"input_shape": _shape_config(a[0])}
        if k and len(k) == 1 and not a:
            return {"input_shape": _shape_config(next(iter(k.values())))}
        return None

    def _maybe_build(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if self.built:
            return
        first = args[0] if args else next(iter(kwargs.values()), None)
        build_params = _build_params(type(self))
        if len(build_params) > 1 and build_params[0] != "input_shape":
            # build(query_shape, value_shape, ...): each call argument's shape by name, as Keras does.
            names = self._call_params.names
            shapes = {}
            for p in build_params:
                arg = p[: -len("_shape")] if p.endswith("_shape") else p
                if arg in kwargs:
                    shapes[p] = nest.map_structure(_shape_of, kwargs[arg])
                elif arg in names and names.index(arg) < len(args):
                    shapes[p] = nest.map_structure(_shape_of, args[names.index(arg)])
            self.build(**shapes)
        else:
            self.build(nest.map_structure(_shape_of, first))
        if not self._build_is_default:
            assert_input_compatibility(self.input_spec, first, self._name)

    # -- calling ------------------------------------------------------------------------------------------------
    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (
            len(args) == 1
            and type(x := args[0]) is Tensor
            and (not kwargs or (len(kwargs) == 1 and "training" in kwargs))
        ):
            plan = self.__dict__.get("_call_plan")
            if plan is None:
                plan = self._make_call_plan()
            if (
                plan is not False
                and self.built
                and keras_mask(x) is None
                and (not plan.masks or type(self).compute_mask is Layer.compute_mask)
                and ((dtype := plan.dtype) is None or x._v.dtype == dtype or not x.dtype.is_floating)
            ):
                # The common eager call: a built layer called on one Tensor of its compute dtype (or
                # autocast off), at most `training=`, with no mask, no activity regularizer and no mask
                # to compute. The steps of ``_eager_call`` without its general cases (``_resolve_training``
                # inline); written out here, not in a method: this runs for every layer of a model's
                # every call.
                spec = plan.spec
                if spec is not None and not (type(spec) is InputSpec and fits(spec, x)):
                    assert_input_compatibility(spec, x, plan.name)
                state = _state
                ctx = state.call_context
                entry = ctx is None
                if entry:
                    ctx = state.call_context = state.entry_context
                    ctx.training = None
                    if _losses_added:
                        self._clear_losses()
                try:
                    pos = plan.training_pos
                    if kwargs:  # (only `training=`, checked above)
                        if pos is None and not plan.var_kwargs:
                            ctx.training = kwargs.pop("training")  # (a call() without the argument does not get it)
                        else:
                            ctx.training = kwargs["training"]
                    elif pos is not None:
                        if pos == 0:  # call(self, training, ...): the tensor is the training argument
                            ctx.training = x
                        else:
                            value = ctx.training
                            if value is None:
                                value = ctx.training = plan.training_default
                            if value is not None:
                                kwargs["training"] = value
                    path = state.path
                    path.append(plan.name)
                    try:
                        return self.call(x, **kwargs)
                    finally:
                        path.pop()
                finally:
                    if entry:
                        state.call_context = None
        if "_layers" not in self.__dict__:
            raise RuntimeError(
                f"In layer '{type(self).__name__}', you forgot to call `super().__init__()` as the first statement "
                "in the `__init__()` method. Go back and add it."
            )
        if any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return self._eager_call(args, kwargs)

    def _make_call_plan(self) -> _CallPlan | Literal[False]:
        """What ``_fast_call`` reads of this layer (kept until an attribute is set), or False: not for it."""
        if not self.__dict__.keys() >= _PLAN_FIELDS or self.activity_regularizer is not None:
            # (a field that is not an instance attribute, e.g. a subclass's property, is read at each
            # call, by the general path; "_layers" is missing when ``super().__init__()`` was not called)
            plan: _CallPlan | Literal[False] = False
        else:
            plan = _CallPlan(self)
        object.__setattr__(self, "_call_plan", plan)
        return plan

    def _convert_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if not self._convert_input_args:
            return args, kwargs
        dtype = self.compute_dtype
        autocast = self.autocast

        def convert(x: Any) -> Any:
            if isinstance(x, (TensorBase, VariableBase)):
                if autocast and x.dtype.is_floating and x.dtype.name != dtype:
                    mask = keras_mask(x)
                    x = math_ops.cast(x, dtype)
                    if mask is not None:
                        x._keras_mask = mask
                return x
            if isinstance(x, (np.ndarray, np.generic)) or (
                isinstance(x, (list, float))
                and not any(isinstance(y, (TensorBase, KerasTensor)) for y in nest.flatten(x))
            ):
                t = array_ops.convert_to_tensor(x)
                if t.dtype.is_floating and (autocast or isinstance(x, (list, float))) and t.dtype.name != dtype:
                    t = math_ops.cast(t, dtype)
                return t
            return x

        if args:
            first = args[0]
            if isinstance(first, TensorBase):
                # (the common case, a tensor already of the compute dtype, costs one dtype comparison)
                if autocast and first._v.dtype != _np_dtype(dtype) and first.dtype.is_floating:
                    args = (convert(first), *args[1:])
            elif first is not None and type(first) is not KerasTensor:
                args = (nest.map_structure(convert, first), *args[1:])
        return args, kwargs

    def _eager_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        args, kwargs = self._convert_args(args, kwargs)
        first = args[0] if args else (next(iter(kwargs.values())) if kwargs else None)
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self._name)
        if not self.built:
            self._maybe_build(args, kwargs)
        ctx = _state.call_context
        entry = ctx is None
        if entry:
            ctx = _state.call_context = _state.entry_context
            ctx.training = None
            if _losses_added:
                self._clear_losses()
        try:
            params = self._call_params
            self._resolve_training(args, kwargs, ctx, params)
            if kwargs.get("mask") is not None:
                if isinstance(kwargs["mask"], (np.ndarray, list)):  # (a NumPy mask becomes a bool tensor, as Keras')
                    kwargs["mask"] = array_ops.convert_to_tensor(np.asarray(kwargs["mask"], bool))
                previous_mask = kwargs["mask"]
            else:
                previous_mask = _mask_of(first)
                if (
                    params.has_mask
                    and previous_mask is not None
                    and any(m is not None for m in nest.flatten(previous_mask))
                ):
                    kwargs["mask"] = previous_mask
            with _open_path(self):
                outputs = self.call(*args, **kwargs)
            object.__setattr__(self, "built", True)
            if self.activity_regularizer is not None:
                for out in nest.flatten(outputs):
                    if isinstance(out, TensorBase):
                        loss = self.activity_regularizer(out)
                        if len(out.shape) > 0:
                            loss = math_ops.divide_no_nan(loss, math_ops.cast(shape_ops.shape(out)[0], loss.dtype))
                        self.add_loss(loss)
            if self.supports_masking and (
                previous_mask is not None or type(self).compute_mask is not Layer.compute_mask
            ):
                self._set_mask_metadata(first, outputs, previous_mask)
        finally:
            if entry:
                _state.call_context = None
        return outputs

    def _resolve_training(self, args: tuple[Any, ...], kwargs: dict[str, Any], ctx: _CallContext, params: Any) -> None:
        # Keras' order: the argument passed > an outer layer's call > the signature's default.
        pos = params.training_pos
        if "training" in kwargs:
            # Keras takes `training=` for every layer; a call() without the argument does not receive it.
            value = kwargs["training"] if pos is not None or params.var_kwargs else kwargs.pop("training")
        elif pos is not None and pos < len(args):
            value = args[pos]
        else:
            value = ctx.training
            if value is None:
                value = params.training_default
            if value is not None and pos is not None:
                kwargs["training"] = value
        ctx.training = value

    def _set_mask_metadata(self, inputs: Any, outputs: Any, previous_mask: Any) -> None:
        flat = nest.flatten(outputs)
        if all(keras_mask(x) is not None for x in flat):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for t, m in zip(flat, nest.flatten(masks), strict=False):
            if m is not None and isinstance(t, TensorBase) and keras_mask(t) is None:
                t._keras_mask = m  # type: ignore[attr-defined]

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """The mask of the outputs: by default the input's (for layers that support masking)."""
        return previous_mask

    # -- symbolic calls (functional models) --------------------------------------------------------------------
    def _symbolic_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        first = args[0] if args else next(iter(kwargs.values()))
        assert_input_compatibility(self.input_spec, first, self._name)
        if not self.built:
            self._maybe_build(args, kwargs)
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """KerasTensors of the outputs for symbolic inputs: by default ``call`` is traced abstractly."""
        leaves = nest.flatten((args, kwargs))
        positions = [i for i, x in enumerate(leaves) if isinstance(x, KerasTensor)]
        specs = [spec_of(leaves[i]) for i in positions]

        def run(tensors: list[Any]) -> Any:
            new = list(leaves)
            for i, t in zip(positions, tensors, strict=True):
                mask = leaves[i]._keras_mask
                new[i] = t
                if mask is not None:
                    t._keras_mask = mask  # (symbolic masks are not propagated)
            a, k = nest.pack_sequence_as((args, kwargs), new)
            return self._eager_call(tuple(a), dict(k))

        return function_lib.output_specs(run, specs, make=_keras_tensor)  # type: ignore[arg-type]

    def compute_output_shape(self, *args: Any, **kwargs: Any) -> Any:
        """The output shape for an input shape (by an abstract call)."""
        shapes = args[0] if args else next(iter(kwargs.values()))
        out = self.compute_output_spec(_shapes_to_keras_tensors(shapes, self.input_dtype))
        return nest.map_structure(lambda t: t.shape, out)

    # -- config ---------------------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (Keras' base keys: name, trainable, dtype)."""
        config: dict[str, Any] = {
            "name": self._name,
            "trainable": self._trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": self._dtype_policy.name},
                "registered_name": None,
            },
        }
        if self.activity_regularizer is not None:
            from tapejax._src.keras import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A layer built from ``get_config()``'s dict."""
        try:
            return cls(**config)
        except Exception as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\nException encountered: {e}"
            ) from e

    # -- functional-API introspection ---------------------------------------------------------------------------
    @property
    def input(self) -> Any:
        return self._node_attr("input_tensors", "input")

    @property
    def output(self) -> Any:
        return self._node_attr("outputs", "output")

    def _node_attr(self, attr: str, what: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self._name}' has no inbound nodes: it was never called on a symbolic {what}."
            )
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer '{self._name}' has multiple inbound nodes, with different {what}s. Use `get_{what}_at` instead."
            )
        value = getattr(self._inbound_nodes[0], attr)
        if attr == "input_tensors":
            return value[0] if len(value) == 1 else value
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name}, built={self.built}>"

    def __str__(self) -> str:
        return self.__repr__()


def _keras_tensor(shape: tuple[int | None, ...], dtype: Any) -> KerasTensor:
    return KerasTensor(shape, dtypes_lib.from_numpy(np.dtype(dtype)).name)


def _shapes_to_keras_tensors(shapes: Any, dtype: str) -> Any:
    if isinstance(shapes, (tuple, list)) and all(d is None or isinstance(d, int) for d in shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_keras_tensors(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_shapes_to_keras_tensors(s, dtype) for s in shapes)


@functools.cache
def _np_dtype(name: str) -> np.dtype:
    return np.dtype(dtypes_lib.as_dtype(name)._np)


def _mask_of(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return keras_mask(x)
    if isinstance(x, (list, tuple, dict)):
        return nest.map_structure(lambda t: keras_mask(t), x)
    return None


def _shape_of(x: Any) -> Any:
    if hasattr(x, "shape"):
        s = x.shape
        return tuple(s.as_list()) if hasattr(s, "as_list") else tuple(s)
    return None


def _shape_config(shape: Any) -> Any:
    return list(shape) if isinstance(shape, tuple) else shape


class _open_path:
    """Pushes a layer's name on the path of created weights while it builds or calls."""

    __slots__ = ("_name",)

    def __init__(self, layer: Layer) -> None:
        self._name = layer._name

    def __enter__(self) -> None:
        _state.path.append(self._name)

    def __exit__(self, *exc: object) -> None:
        _state.path.pop()


class _CallParams:
    __slots__ = ("has_mask", "names", "training_default", "training_pos", "var_kwargs")

    def __init__(self, call: Any) -> None:
        sig = inspect.signature(call)
        params = list(sig.parameters.values())[1:]  # (without self)
        self.names = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self.var_kwargs = any(p.kind is p.VAR_KEYWORD for p in params)
        self.has_mask = "mask" in self.names
        self.training_pos = self.names.index("training") if "training" in self.names else None
        training = sig.parameters.get("training")
        self.training_default = (
            None if training is None or training.default is inspect.Parameter.empty else training.default
        )


@functools.cache
def _build_params(cls: type) -> list[str]:
    params = list(inspect.signature(cls.build).parameters.values())[1:]
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@functools.cache
def _call_params(cls: type) -> _CallParams:
    return _CallParams(cls.call)
