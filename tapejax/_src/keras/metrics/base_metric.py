"""``tf.keras.metrics.Metric``: Keras 3's base class of stateful metrics, on tapejax Variables.

A metric holds non-trainable Variables (``add_variable``) that ``update_state`` accumulates into with
``assign``/``assign_add`` and ``result`` reads. Its Variables are plain tapejax Variables, so a metric
updated inside ``tf.function`` has its assignments lifted and written back like any other Variable's.
A metric is not a ``tf.Module``: Keras tracks metric variables apart from layer weights.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.distribute import context as distribute_context
from tapejax._src.keras import backend
from tapejax._src.ops.creation_ops import zeros
from tapejax._src.variable import Variable


def to_snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``"MeanIoU"`` -> ``"mean_io_u"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix: str) -> str:
    """Keras's ``auto_name``: the snake-case name, then ``name_1``, ``name_2``, ... for later objects.

    The counter is Keras's global one (shared with layers; ``tf.keras.backend.clear_session`` resets it).
    """
    name = to_snake_case(prefix)
    uid = backend.get_uid(name)
    return name if uid == 1 else f"{name}_{uid - 1}"


def standardize_dtype(dtype: Any) -> str:
    """A dtype (or dtype policy) as Keras's string name of the compute dtype (``"float32"``).

    ``None`` is Keras's floatx, ``"int"`` int64 (the TF backend's), ``"mixed_float16"`` float16.
    """
    if dtype is None:
        return backend.floatx()
    if dtype == "int":
        return "int64"
    if isinstance(dtype, str) and dtype in ("mixed_float16", "mixed_bfloat16"):  # the policy's compute dtype
        return dtype[len("mixed_") :]
    if hasattr(dtype, "compute_dtype"):  # a Keras DTypePolicy
        return standardize_dtype(dtype.compute_dtype)
    try:
        return dtypes_lib.as_dtype(dtype).name
    except TypeError:
        raise ValueError(
            f"Cannot convert {dtype!r} to a mixed precision DTypePolicy. Valid policies include 'mixed_float16', "
            "'mixed_bfloat16', and the name of any float dtype such as 'float32'."
        ) from None


def _initial_value(initializer: Any, shape: tuple[int, ...], dtype: str) -> Any:
    if isinstance(initializer, str) and to_snake_case(initializer) in ("zeros", "ones"):
        # The metrics' own initializers, as concrete numpy values (no op, also inside a trace).
        return (np.zeros if to_snake_case(initializer) == "zeros" else np.ones)(shape, dtype)
    from tapejax._src.keras import initializers

    init = initializers.get(initializer)
    if init is None:
        raise ValueError(f"Could not interpret initializer identifier: {initializer!r}")
    return init(shape=shape, dtype=dtype)


class Metric:
    """Encapsulates metric logic and state (``tf.keras.metrics.Metric``).

    Subclasses create their state in ``__init__`` with ``self.add_variable(...)``, accumulate into it in
    ``update_state`` (``self.v.assign(...)``) and compute the value in ``result``.

    Args:
      dtype: the dtype of the metric's computations and result (a string, ``tf.DType`` or dtype policy,
        whose compute dtype is used); defaults to Keras's floatx (``"float32"``).
      name: the metric's name; defaults to the class name in snake case, made unique (``"mean_1"``).

    Differences from Keras: metrics and Variables appended to a list attribute after its assignment are not tracked (Keras's
    tracked lists see them).

    >>> import tapejax as tf
    >>> class CountPositives(tf.keras.metrics.Metric):
    ...     def __init__(self, name="count_positives", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.count = self.add_variable(shape=(), initializer="zeros", name="count")
    ...     def update_state(self, values):
    ...         self.count.assign_add(tf.reduce_sum(tf.cast(tf.constant(values) > 0, self.dtype)))
    ...     def result(self):
    ...         return tf.identity(self.count)
    >>> m = CountPositives()
    >>> m.update_state([1.0, -2.0, 3.0])
    >>> float(m.result())
    2.0
    >>> m.reset_state(); float(m.result())
    0.0
    """

    def __init__(self, dtype: Any = None, name: str | None = None) -> None:
        self.name = name or auto_name(self.__class__.__name__)
        self._dtype = standardize_dtype(dtype)
        self._metrics: list[Metric] = []
        self._variables: list[Variable] = []
        self._tracking = True

    def __setattr__(self, name: str, value: Any) -> None:
        # Keras's Tracker: Variables and sub-metrics assigned to attributes (also inside lists, tuples
        # and dicts) are tracked, once each.
        if self.__dict__.get("_tracking"):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value: Any) -> None:
        if isinstance(value, Metric):
            if not any(m is value for m in self._metrics):
                self._metrics.append(value)
        elif isinstance(value, Variable):
            if not any(v is value for v in self._variables):
                self._variables.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self._track(item)
        elif isinstance(value, dict):
            for item in value.values():
                self._track(item)

    def _check_super_called(self) -> None:
        if "_tracking" not in self.__dict__:
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` method. Go add it!")

    @property
    def dtype(self) -> str:
        """The metric's compute dtype, as Keras's string name (``"float32"``)."""
        return self._dtype

    def add_variable(
        self, shape: Any, initializer: Any, dtype: Any = None, aggregation: str = "sum", name: str | None = None
    ) -> Variable:
        """Creates a non-trainable state Variable of the metric (named ``"<metric name>/<name>"``).

        Args:
          shape: the Variable's shape.
          initializer: a Keras initializer, its name (``"zeros"``) or a callable ``initializer(shape, dtype)``.
          dtype: the Variable's dtype; defaults to ``"float32"`` (Keras's floatx), not the metric's.
          aggregation: Keras's cross-replica aggregation (``"sum"``, ``"mean"``, ...): how the replicas'
            updates combine under a ``tf.distribute`` strategy.
          name: the Variable's name.
        """
        from tapejax._src.function import escape_trace

        self._check_super_called()
        dtype = standardize_dtype(dtype)
        shape = tuple(int(d) for d in shape) if shape is not None else ()
        # Created eagerly even when first met inside a tf.function trace (as TF's init_scope).
        with escape_trace():
            value = _initial_value(initializer, shape, dtype)
            scoped = f"{self.name.replace('/', '>')}/{name or 'variable'}"
            variable = Variable(value, trainable=False, name=scoped, dtype=dtype)
        distribute_context.set_aggregation(variable, aggregation)  # (tf.distribute: how replicas' updates combine)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape: Any = (), initializer: Any = None, dtype: Any = None, name: str | None = None) -> Any:
        """Keras's backward-compatible alias of :meth:`add_variable`."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """The metric's state Variables, then its sub-metrics' (in creation order)."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def reset_state(self) -> None:
        """Sets every state Variable to zeros (called between epochs)."""
        for v in self.variables:
            v.assign(zeros(v.shape, dtype=v.dtype))

    def update_state(self, *args: Any, **kwargs: Any) -> Any:
        """Accumulates statistics for the metric (subclasses implement it)."""
        raise NotImplementedError

    def result(self) -> Any:
        """The current value of the metric: a scalar Tensor or a dict of them (subclasses implement it)."""
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # -- Keras's stateless API (used by JAX-style trainers): state passed in and returned --------------
    def _check_state(self, metric_variables: Any) -> None:
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received list with length {len(metric_variables)}, "
                f"but expected {len(self.variables)} variables."
            )

    def _with_state(self, metric_variables: Any, fn: Any) -> tuple[Any, list[Any]]:
        variables = self.variables
        saved = [v.read_value() for v in variables]
        try:
            if metric_variables is not None:
                for v, value in zip(variables, metric_variables, strict=True):
                    v.assign(value)
            out = fn()
            return out, [v.read_value() for v in variables]
        finally:
            for v, value in zip(variables, saved, strict=True):
                v.assign(value)

    def stateless_update_state(self, metric_variables: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """``update_state`` on the given state values; returns the new values, leaving the Variables as they were."""
        self._check_state(metric_variables)
        return self._with_state(metric_variables, lambda: self.update_state(*args, **kwargs))[1]

    def stateless_result(self, metric_variables: Any) -> Any:
        """``result()`` computed from the given state values."""
        self._check_state(metric_variables)
        return self._with_state(metric_variables, self.result)[0]

    def stateless_reset_state(self) -> list[Any]:
        """The state values ``reset_state()`` would give, leaving the Variables as they were."""
        return self._with_state(None, self.reset_state)[1]

    # -- serialization --------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The metric's constructor arguments (``{"name": ..., "dtype": ...}`` and the subclass's)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """A new metric from ``get_config()``'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name}>"

    def __str__(self) -> str:
        return self.__repr__()


def is_tensor_like(x: Any) -> bool:
    """Whether ``x`` is a tapejax Tensor or Variable."""
    return isinstance(x, (TensorBase, VariableBase))
