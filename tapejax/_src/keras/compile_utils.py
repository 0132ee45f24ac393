"""What ``Model.compile`` makes of its ``loss`` and ``metrics`` arguments (Keras 3.15's ``compile_utils``).

``CompileLoss`` sums the (weighted) losses of the model's outputs and tracks each output's loss when
there are several; ``CompileMetrics`` holds the metrics of each output, resolving ``"accuracy"`` /
``"crossentropy"`` from the shapes of the targets and predictions as Keras does. Both follow Keras'
code path by path, nested structures included: a loss, metric or weight structure may be one value for
all outputs, a list (one per output) or a dict by output name, or mirror a nested output structure
(a dict of lists...), and the logs' names are Keras' (``dense_2_accuracy``, ``bc/dense_b_loss``).

>>> import tapejax as tf
>>> loss = CompileLoss({"a": "mse", "b": ["mae", None]}, loss_weights={"a": 2.0, "b": [1.0, 1.0]})
>>> y = {"a": tf.ones((2, 1)), "b": [tf.zeros((2, 1)), tf.zeros((2, 1))]}
>>> float(loss(y, {"a": tf.zeros((2, 1)), "b": [tf.ones((2, 1)), tf.ones((2, 1))]}))
3.0
>>> [m.name for m in loss.metrics]
['a_loss', 'b/mae_loss']

Differences from Keras: structures are walked with ``tf.nest``'s rules, so an ``OrderedDict`` is taken
in sorted key order like a dict (Keras' tree keeps its insertion order).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from tapejax._src import context, nest
from tapejax._src.keras import backend
from tapejax._src.keras import losses as losses_module
from tapejax._src.keras import metrics as metrics_module
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.keras.object_config import to_snake_case
from tapejax._src.ops import math_ops


# -- Keras' ``tree`` functions on tf.nest's structures (leaves: None, tensors, strings, objects) -----------
def _type_error(expected: Any, got: Any) -> ValueError:
    if isinstance(expected, dict):
        what = "dict, collections.OrderedDict, or collections.defaultdict"
    else:
        what = type(expected).__name__
    return ValueError(f"Expected an instance of {what}, got {got!r}.")


def _children(x: Any) -> list[Any]:
    return [x[k] for k in sorted(x)] if isinstance(x, dict) else list(x)


def _check_node(expected: Any, got: Any) -> None:
    """Raises Keras' (optree's) ValueError unless ``got`` is a node of ``expected``'s type, keys and length."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise _type_error(expected, got)
        if set(expected) != set(got):
            raise ValueError(
                f"dictionary key mismatch; expected key(s): {sorted(expected)}, got key(s): {sorted(got)}; "
                f"dict: {got!r}."
            )
    elif type(got) is not type(expected):
        raise _type_error(expected, got)
    elif len(got) != len(expected):
        raise ValueError(
            f"{type(expected).__name__} arity mismatch; expected: {len(expected)}, got: {len(got)}; {type(expected).__name__}: {got!r}."
        )


def _assert_same_structure(a: Any, b: Any) -> None:
    """Keras' ``tree.assert_same_structure``: the same nesting and node types (list and tuple differ)."""
    if not nest.is_nested(a):
        if nest.is_nested(b):
            raise ValueError("Structures don't have the same nested structure.")
        return
    _check_node(a, b)
    for x, y in zip(_children(a), _children(b), strict=True):
        _assert_same_structure(x, y)


def _paths(x: Any, prefix: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    if not nest.is_nested(x):
        return {prefix}
    keys = sorted(x) if isinstance(x, dict) else range(len(x))
    out: set[tuple[Any, ...]] = set()
    for k in keys:
        out |= _paths(x[k], (*prefix, k))
    return out


def _assert_same_paths(a: Any, b: Any) -> None:
    if _paths(a) != _paths(b):
        raise ValueError("`a` and `b` don't have the same paths.")


def _map_structure_up_to(shallow: Any, func: Any, *structures: Any) -> Any:
    """``func`` of the sub-structures of ``structures`` at each leaf of ``shallow`` (Keras' ``map_structure_up_to``)."""
    if not nest.is_nested(shallow):
        return func(*structures)
    for s in structures:
        _check_node(shallow, s)
    mapped = [
        _map_structure_up_to(children[0], func, *children[1:])
        for children in zip(_children(shallow), *(_children(s) for s in structures), strict=True)
    ]
    return _rebuild(shallow, mapped)


def _rebuild(node: Any, children: list[Any]) -> Any:
    if isinstance(node, dict):
        by_key = dict(zip(sorted(node), children, strict=True))
        return type(node)((k, by_key[k]) for k in node)
    if hasattr(type(node), "_fields"):
        return type(node)(*children)
    return type(node)(children)


def _lists_to_tuples(x: Any) -> Any:
    if not nest.is_nested(x):
        return x
    children = [_lists_to_tuples(c) for c in _children(x)]
    return tuple(children) if isinstance(x, list) else _rebuild(x, children)


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    """Keras' guess from shapes: a binary output (last dim 1), sparse labels (lower rank or last dim 1)."""
    t, p = tuple(y_true.shape), tuple(y_pred.shape)
    t_last = t[-1] if t else None
    p_last = p[-1] if p else None
    is_binary = p_last == 1
    is_sparse = len(t) < len(p) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _object_name(obj: Any) -> str:
    """Keras' ``naming.get_object_name``."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)


def get_metric(identifier: Any, y_true: Any, y_pred: Any) -> Metric:
    """A metric from an identifier; ``"accuracy"``/``"acc"`` become Binary/Sparse/CategoricalAccuracy."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() not in ("accuracy", "acc"):
        metric_obj = metrics_module.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            metric_obj = metrics_module.BinaryAccuracy(name=str(identifier))
        elif is_sparse:
            metric_obj = metrics_module.SparseCategoricalAccuracy(name=str(identifier))
        else:
            metric_obj = metrics_module.CategoricalAccuracy(name=str(identifier))
    name = identifier if isinstance(identifier, str) else _object_name(metric_obj)
    if not isinstance(metric_obj, Metric):
        metric_obj = metrics_module.MeanMetricWrapper(metric_obj)
    metric_obj.name = name
    return metric_obj


class MetricsList:
    """The metrics of one output (Keras' ``MetricsList``), named after it in the logs."""

    def __init__(self, metrics: list[Metric], output_name: str | None = None) -> None:
        self.metrics = metrics
        self.output_name = output_name

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


def get_metrics_list(metrics: Any, y_true: Any, y_pred: Any, output_name: str | None = None) -> MetricsList | None:
    """The ``MetricsList`` of one output from a metric or a list of them (``None``: no metrics)."""
    if metrics is None:
        return None
    if isinstance(metrics, (list, tuple)):
        return MetricsList([get_metric(m, y_true, y_pred) for m in metrics], output_name=output_name)
    return MetricsList([get_metric(metrics, y_true, y_pred)], output_name=output_name)


def get_loss(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    """A ``Loss`` from an identifier; ``"crossentropy"``/``"ce"`` resolved from the shapes; functions wrapped."""
    if identifier is None:
        return None
    if str(identifier).lower() not in ("crossentropy", "ce"):
        loss_obj = losses_module.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            loss_obj = losses_module.binary_crossentropy
        elif is_sparse:
            loss_obj = losses_module.sparse_categorical_crossentropy
        else:
            loss_obj = losses_module.categorical_crossentropy
    if not isinstance(loss_obj, losses_module.Loss):
        name = identifier if isinstance(identifier, str) else _object_name(loss_obj)
        loss_obj = losses_module.LossFunctionWrapper(loss_obj, name=name)
    return loss_obj


class CompileMetrics(Metric):
    """The metrics (and weighted metrics) of ``compile``, per output; ``result()`` is a dict by name.

    Names are the identifiers given (``"accuracy"``), prefixed by the output's name for a multi-output
    model (``"out_a_accuracy"``); a repeated name gets Keras' ``_1`` / ``weighted_`` forms.
    """

    def __init__(self, metrics: Any, weighted_metrics: Any, output_names: list[str] | None = None) -> None:
        super().__init__(name="compile_metrics")
        if metrics and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError(
                "Expected `metrics` argument to be a list, tuple, or dict. Received instead: "
                f"metrics={metrics} of type {type(metrics)}"
            )
        if weighted_metrics and not isinstance(weighted_metrics, (list, tuple, dict)):
            raise ValueError(
                "Expected `weighted_metrics` argument to be a list, tuple, or dict. Received instead: "
                f"weighted_metrics={weighted_metrics} of type {type(weighted_metrics)}"
            )
        self._tracking = False
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = output_names
        self.built = False
        self._flat_metrics: list[MetricsList | None] = []
        self._flat_weighted_metrics: list[MetricsList | None] = []
        self._resolved_output_names: list[str] | None = None

    @property
    def metrics(self) -> list[Metric]:
        """The individual metrics, unweighted first."""
        return [m for ml in self._flat_metrics + self._flat_weighted_metrics if ml is not None for m in ml.metrics]

    @property
    def variables(self) -> list[Any]:
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolves the metrics from the first batch's targets and predictions (shapes only)."""
        num_outputs = len(nest.flatten(y_pred))
        # "Flat": one list or dict of outputs, not deeper.
        y_pred_is_flat = nest.is_nested(y_pred) and len(y_pred) == num_outputs
        if y_pred_is_flat and isinstance(y_pred, dict):
            if self.output_names and set(y_pred) == set(self.output_names):
                output_names = self.output_names
            else:
                output_names = sorted(y_pred)
        else:
            output_names = self.output_names
        self._resolved_output_names = output_names if num_outputs > 1 and y_pred_is_flat else None
        self._flat_metrics = self._build_metrics_set(
            self._user_metrics, num_outputs, output_names, y_true, y_pred, y_pred_is_flat, "metrics"
        )
        self._flat_weighted_metrics = self._build_metrics_set(
            self._user_weighted_metrics, num_outputs, output_names, y_true, y_pred, y_pred_is_flat, "weighted_metrics"
        )
        self.built = True

    def _build_metrics_set(
        self,
        metrics: Any,
        num_outputs: int,
        output_names: list[str] | None,
        y_true: Any,
        y_pred: Any,
        y_pred_is_flat: bool,
        argument_name: str,
    ) -> list[MetricsList | None]:
        if not metrics:
            return [None] * num_outputs
        if num_outputs == 1:
            # One output: every metric applies to it, named without the output's name.
            return [get_metrics_list(nest.flatten(metrics), nest.flatten(y_true)[0], nest.flatten(y_pred)[0])]
        flat_metrics = None
        if y_pred_is_flat:
            if isinstance(metrics, (list, tuple)) and len(metrics) == num_outputs:
                flat_metrics = list(metrics)
            elif (
                output_names
                and isinstance(metrics, dict)
                and len(metrics) <= num_outputs
                and set(metrics) <= set(output_names)
            ):
                flat_metrics = [metrics.get(name) for name in output_names]
        if flat_metrics is not None:
            try:
                return [
                    get_metrics_list(m, yt, yp, n)
                    for m, yt, yp, n in zip(
                        flat_metrics,
                        self._flatten_y(y_true),
                        self._flatten_y(y_pred),
                        output_names if output_names else [None] * num_outputs,
                        strict=False,
                    )
                ]
            except ValueError as e:
                raise ValueError(f"{e}\nReceived: {argument_name}={metrics}") from e
        try:
            # Deeply nested: `metrics` has the structure of `y_pred` (lists and tuples alike).
            tuples_y_pred = _lists_to_tuples(y_pred)
            names_struct = nest.pack_sequence_as(tuples_y_pred, output_names or [None] * num_outputs)
            return nest.flatten(
                _map_structure_up_to(
                    tuples_y_pred,
                    get_metrics_list,
                    _lists_to_tuples(metrics),
                    _lists_to_tuples(y_true),
                    tuples_y_pred,
                    names_struct,
                )
            )
        except (ValueError, TypeError) as e:
            shape = nest.map_structure(lambda _: "X", y_pred)
            names = (
                f"either be a dict or a list matching the output names of the functional model {self.output_names} or "
                if self.output_names
                else ""
            )
            raise ValueError(
                f"{e}\nInvalid `{argument_name}`. `{argument_name}` should contain metrics objects and {names}match "
                f"the output structure of the model: {shape}.\nReceived: {argument_name}={metrics}"
            ) from e

    def _flatten_y(self, y: Any) -> list[Any]:
        if isinstance(y, dict) and self._resolved_output_names is not None:
            return [y[name] for name in self._resolved_output_names]
        return nest.flatten(y)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        flat_true, flat_pred = self._flatten_y(y_true), self._flatten_y(y_pred)
        for ml, y_t, y_p in zip(self._flat_metrics, flat_true, flat_pred, strict=False):
            if ml:
                ml.update_state(y_t, y_p)
        if sample_weight is not None:
            flat_sw = self._flatten_y(sample_weight)
            # One weight for several outputs: repeated for each.
            if len(flat_sw) < len(flat_true):
                flat_sw = [flat_sw[0]] * len(flat_true)
        else:
            flat_sw = [None] * len(flat_true)
        for ml, y_t, y_p, s_w in zip(self._flat_weighted_metrics, flat_true, flat_pred, flat_sw, strict=False):
            if ml:
                ml.update_state(y_t, y_p, s_w)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def result(self) -> dict[str, Any]:
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results: dict[str, Any] = {}
        counters: dict[str, int] = {}
        for ml in self._flat_metrics:
            if not ml:
                continue
            for m in ml.metrics:
                name = f"{ml.output_name}_{m.name}" if ml.output_name else m.name
                if name not in counters:
                    counters[name] = 1
                else:
                    index = counters[name]
                    counters[name] += 1
                    name = f"{name}_{index}"
                results[name] = m.result()
        for ml in self._flat_weighted_metrics:
            if not ml:
                continue
            for m in ml.metrics:
                name = f"{ml.output_name}_{m.name}" if ml.output_name else m.name
                if name not in counters:
                    counters[name] = 1
                else:
                    name = f"weighted_{m.name}"
                    if ml.output_name:
                        name = f"{ml.output_name}_{name}"
                    if name not in counters:
                        counters[name] = 1
                    else:
                        index = counters[name]
                        counters[name] += 1
                        name = f"{name}_{index}"
                results[name] = m.result()
        return results

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError


class _WeightedLoss:
    """A (loss, weight) pair: one leaf of the loss structure (None where the loss is None)."""

    def __new__(cls, loss: Any, weight: Any) -> Any:
        if loss is None:
            return None
        return object.__new__(cls)

    def __init__(self, loss: Any, weight: Any) -> None:
        self.loss = loss
        self.weight = weight


class _FlatLoss(NamedTuple):
    path: tuple[Any, ...]
    loss: Any
    loss_weights: Any
    name: str


def _resolve_path(path: tuple[Any, ...], obj: Any) -> Any:
    for key in path:
        obj = obj[key]
    return obj


class CompileLoss:
    """The total loss of ``compile(loss=..., loss_weights=...)`` over the model's outputs.

    Args:
      loss: a loss for every output, a list (one per output), a dict by output name, or a structure
        like the model's outputs (``None`` where an output has no loss).
      loss_weights: coefficients of the losses, in the structure of ``loss`` (or flat, in its order).
      output_names: the model's output names (functional models).
    """

    def __init__(self, loss: Any, loss_weights: Any = None, output_names: list[str] | None = None) -> None:
        if loss_weights and not isinstance(loss_weights, (list, tuple, dict, float)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or a list, tuple, or dict "
                f"(multiple output case). Received instead: loss_weights={loss_weights} of type {type(loss_weights)}"
            )
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.name = "compile_loss"
        self.built = False
        self.metrics: list[Metric] = []
        self._flat_losses: list[_FlatLoss] = []
        self._y_pred_build_structure: Any = None
        self._y_true_build_structure: Any = None

    def _build_nested(
        self, y_true: Any, y_pred: Any, loss: Any, output_names: Any, current_path: tuple[Any, ...]
    ) -> None:
        flat_y_pred = nest.flatten(y_pred)
        if not nest.is_nested(loss):
            if loss is None or loss.loss is None:
                return
            resolved = get_loss(loss.loss, y_true, y_pred)
            name_path = current_path
            if not nest.is_nested(output_names):
                output_name = output_names if output_names is not None else resolved.name
                if len(name_path) == 0:
                    name_path = (output_name,)
                elif isinstance(name_path[-1], int):
                    name_path = (*name_path[:-1], output_name)
            name = "/".join(str(p) for p in name_path)
            if name == "":
                flat_names = list(output_names) if isinstance(output_names, dict) else nest.flatten(output_names)
                name = "_".join(str(n) for n in flat_names)
            self._flat_losses.append(_FlatLoss(current_path, resolved, loss.weight, name))
            return
        if (
            isinstance(loss, (list, tuple))
            and all(not nest.is_nested(x) for x in loss)
            and len(loss) == len(flat_y_pred)
        ):
            loss = nest.pack_sequence_as(y_pred, list(loss))
        elif isinstance(loss, (list, tuple)) and not isinstance(y_pred, type(loss)):
            for x in loss:
                self._build_nested(y_true, y_pred, x, output_names, current_path)
            return
        if not nest.is_nested(loss):
            return self._build_nested(y_true, y_pred, loss, output_names, current_path)
        if not isinstance(loss, type(y_pred)):
            raise KeyError(
                f"The path: {current_path} in the `loss` argument, can't be found in the model's output (`y_pred`)."
            )
        if isinstance(loss, dict):
            items: Any = loss.items()

            def has_key(key: Any, obj: Any) -> bool:
                return isinstance(obj, dict) and key in obj

        else:
            items = enumerate(loss)

            def has_key(key: Any, obj: Any) -> bool:
                return isinstance(obj, (list, tuple)) and key < len(obj)

        for key, sub_loss in items:
            if sub_loss is None:
                continue
            if not (has_key(key, y_true) and has_key(key, y_pred)):
                raise KeyError(
                    f"The path: {(*current_path, key)} in the `loss` argument, can't be found in either the model's "
                    "output (`y_pred`) or in the labels (`y_true`)."
                )
            self._build_nested(y_true[key], y_pred[key], sub_loss, output_names[key], (*current_path, key))

    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolves the losses from the first batch's targets and predictions (shapes only)."""
        loss, loss_weights = self._user_loss, self._user_loss_weights
        flat_output_names = self.output_names
        if self.output_names and isinstance(loss, dict) and not isinstance(y_pred, dict):
            if set(self.output_names) == set(loss):
                loss = [loss[name] for name in self.output_names]
                if isinstance(loss_weights, dict):
                    loss_weights = [loss_weights[name] for name in self.output_names]
            else:
                raise ValueError(f"Expected keys {self.output_names} in loss dict, but found loss.keys()={list(loss)}")
        if loss_weights is not None:
            try:
                _assert_same_structure(loss, loss_weights)
            except ValueError:
                flat_weights = nest.flatten(loss_weights)
                if len(nest.flatten(loss)) != len(flat_weights):
                    raise ValueError(
                        f"`loss_weights` must match the number of losses, got {len(nest.flatten(loss))} losses and "
                        f"{len(loss_weights)} weights."
                    ) from None
                loss_weights = nest.pack_sequence_as(loss, flat_weights)
            loss = nest.map_structure(_WeightedLoss, loss, loss_weights)
        else:
            loss = nest.map_structure(lambda x: _WeightedLoss(x, None), loss)
        self._flat_losses = []
        if (
            isinstance(loss, dict)
            and isinstance(y_pred, (list, tuple))
            and flat_output_names
            and set(loss) == set(flat_output_names)
            and len(y_pred) == len(flat_output_names)
        ):
            y_pred = dict(zip(flat_output_names, y_pred, strict=True))
            y_true = dict(zip(flat_output_names, y_true, strict=False))
        elif (
            isinstance(loss, dict)
            and not nest.is_nested(y_pred)
            and flat_output_names
            and set(loss) == set(flat_output_names)
            and len(flat_output_names) == 1
        ):
            y_pred = {flat_output_names[0]: y_pred}
            y_true = {flat_output_names[0]: y_true}
        try:
            output_names = nest.pack_sequence_as(y_pred, flat_output_names)
        except (ValueError, TypeError):
            output_names = nest.pack_sequence_as(y_pred, [None] * len(nest.flatten(y_pred)))
        if not nest.is_nested(loss):
            single = loss
            loss = nest.map_structure(lambda _: single, y_pred)
        self._build_nested(y_true, y_pred, loss, output_names, ())
        if len(self._flat_losses) > 1:
            self.metrics = [metrics_module.Mean(name=f"{flat.name}_loss") for flat in self._flat_losses]
        self._y_pred_build_structure = nest.map_structure(lambda _: None, y_pred)
        self._y_true_build_structure = nest.map_structure(lambda _: None, y_true)
        self.built = True

    def build_from_batch(self, y_true: Any, y_pred: Any) -> None:
        """Builds from a batch's targets as a call would see them (a plain target for a one-output list...)."""
        if nest.is_nested(y_true) or nest.is_nested(y_pred):
            y_true = self._align_y_true(y_true, y_pred)
        self.build(y_true, y_pred)

    def _align_y_true(self, y_true: Any, y_pred: Any) -> Any:
        """``y_true`` in ``y_pred``'s structure, reconciled as Keras does (a dict by output name, one target...)."""
        try:
            _assert_same_structure(y_pred, y_true)
            return y_true
        except ValueError:
            pass
        if not nest.is_nested(y_true) and isinstance(y_pred, (list, tuple, dict)) and len(y_pred) == 1:
            y_true = [y_true]
        elif (
            isinstance(y_pred, (list, tuple))
            and isinstance(y_true, dict)
            and self.output_names
            and set(self.output_names) == set(y_true)
        ):
            y_true = [y_true[name] for name in self.output_names]
        if isinstance(y_true, dict) and len(y_true) == len(nest.flatten(y_pred)):
            # Keras packs the dict's keys in y_pred's structure and fails on them (TypeError in its loss);
            # it never pairs targets with outputs by position when the keys name no output.
            y_pred_struct = nest.map_structure(lambda _: "*", y_pred)
            raise TypeError(
                f"The targets `y` are a dict whose keys {sorted(y_true)} do not match the model's outputs "
                f"(y_pred: {y_pred_struct}, output names: {self.output_names}). Key the targets by the output "
                "names (or the keys of a dict of outputs), or pass them in the outputs' structure."
            )
        try:
            return nest.pack_sequence_as(y_pred, y_true)
        except (ValueError, TypeError):
            pass
        try:
            _assert_same_paths(y_true, y_pred)
            return nest.pack_sequence_as(y_pred, nest.flatten(y_true))
        except (ValueError, TypeError):
            pass
        try:
            # A loss given for only some outputs: the targets of those outputs.
            flat_y_true = nest.flatten(y_true)
            flat_loss = nest.flatten(self._user_loss)
            non_none = [i for i, x in enumerate(flat_loss) if x is not None]
            if len(flat_y_true) != len(non_none):
                raise ValueError("mismatch")
            aligned: list[Any] = [None] * len(flat_loss)
            for y_t, i in zip(flat_y_true, non_none, strict=True):
                aligned[i] = y_t
            return nest.pack_sequence_as(self._user_loss, aligned)
        except (ValueError, TypeError):
            y_true_struct = nest.map_structure(lambda _: "*", y_true)
            y_pred_struct = nest.map_structure(lambda _: "*", y_pred)
            raise ValueError(
                f"y_true and y_pred have different structures.\ny_true: {y_true_struct}\ny_pred: {y_pred_struct}\n"
            ) from None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if not nest.is_nested(y_true) and not nest.is_nested(y_pred):
            # One output: no per-output trackers.
            if not self.built:
                self.build(y_true, y_pred)
            values = []
            for path, loss_fn, weight, _ in self._flat_losses:
                s_w = _resolve_path(path, sample_weight) if nest.is_nested(sample_weight) else sample_weight
                value = math_ops.cast(loss_fn(y_true, y_pred, s_w), backend.floatx())
                values.append(value if weight is None else value * weight)
            return values[0] if values else None
        y_true = self._align_y_true(y_true, y_pred)
        if not self.built:
            self.build(y_true, y_pred)
        try:
            _assert_same_structure(self._y_pred_build_structure, y_pred)
        except ValueError:
            y_pred = nest.pack_sequence_as(self._y_pred_build_structure, nest.flatten(y_pred))
        try:
            _assert_same_structure(self._y_true_build_structure, y_true)
        except ValueError:
            y_true = nest.pack_sequence_as(self._y_true_build_structure, nest.flatten(y_true))
        trackers: list[Any] = self.metrics or [None]
        total = None
        for (path, loss_fn, weight, _), tracker in zip(self._flat_losses, trackers, strict=False):
            y_t, y_p = _resolve_path(path, y_true), _resolve_path(path, y_pred)
            s_w = _resolve_path(path, sample_weight) if nest.is_nested(sample_weight) else sample_weight
            value = math_ops.cast(loss_fn(y_t, y_p, s_w), backend.floatx())
            if tracker is not None:
                # The unweighted loss of each output, averaged over batches weighted by their size, except in
                # a compiled step: there Keras' TensorFlow backend reads the batch size from the static shape,
                # which its fit/evaluate datasets leave unknown (None: every batch weighs 1, so an uneven last
                # batch counts as much as a full one, while the total `loss` is weighted by size).
                batch = None if context.inside_function() else int(nest.flatten(y_p)[0].shape[0])
                tracker.update_state(value, sample_weight=batch)
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total
