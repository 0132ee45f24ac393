"""What ``Model.compile`` makes of its ``loss`` and ``metrics`` arguments (Keras 3.15's ``compile_utils``).

``CompileLoss`` sums the (weighted) losses of the model's outputs and tracks each output's loss when
there are several; ``CompileMetrics`` holds the metrics of each output, resolving ``"accuracy"`` /
``"crossentropy"`` from the shapes of the targets and predictions as Keras does.
"""

from __future__ import annotations

from typing import Any

from tapejax._src import nest
from tapejax._src.keras import backend
from tapejax._src.keras import losses as losses_module
from tapejax._src.keras import metrics as metrics_module
from tapejax._src.keras.metrics.base_metric import Metric
from tapejax._src.ops import math_ops


def _shape(x: Any) -> tuple[Any, ...]:
    return tuple(x.shape)


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    """Keras' guess from shapes: a binary output (last dim 1), sparse labels (lower rank or last dim 1)."""
    t, p = _shape(y_true), _shape(y_pred)
    t_last = t[-1] if t else None
    p_last = p[-1] if p else None
    is_binary = p_last == 1
    is_sparse = len(t) < len(p) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _object_name(obj: Any) -> str:
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return obj.__name__
    return type(obj).__name__.lower()


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


def _flat_outputs(y_pred: Any, output_names: list[str] | None) -> list[str] | None:
    """The names of the model's outputs in flattening order (dict keys sorted, as ``nest.flatten``)."""
    if isinstance(y_pred, dict):
        return sorted(y_pred)
    n = len(nest.flatten(y_pred))
    if output_names and len(output_names) == n:
        return list(output_names)
    return None


def _per_output(arg: Any, names: list[str] | None, n: int, what: str) -> list[Any]:
    """One entry per output from ``arg``: a single value for all, a list of ``n``, or a dict by output name."""
    if isinstance(arg, dict):
        if names is None or not set(arg) <= set(names):
            raise ValueError(f"Expected keys {names} in {what} dict, but found {what}.keys()={list(arg)}")
        return [arg.get(name) for name in names]
    if isinstance(arg, (list, tuple)):
        if len(arg) != n:
            raise ValueError(
                f"`{what}` should be a list with one entry per output of the model ({n} outputs). Received: {what}={arg}"
            )
        return list(arg)
    return [arg] * n


class CompileLoss:
    """The total loss of ``compile(loss=..., loss_weights=...)`` over the model's outputs.

    Args:
      loss: a loss (for every output), a list (one per output) or a dict by output name.
      loss_weights: a float, a list or a dict of the outputs' coefficients.
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
        self.built = False
        self.metrics: list[Metric] = []
        self._flat: list[tuple[int, Any, Any]] = []

    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolves the losses from the first batch's targets and predictions (shapes only)."""
        flat_pred = nest.flatten(y_pred)
        flat_true = self._flatten_y(y_true, y_pred)
        n = len(flat_pred)
        names = _flat_outputs(y_pred, self.output_names)
        loss, weights = self._user_loss, self._user_loss_weights
        if n == 1:
            if isinstance(loss, dict):
                loss = next(iter(loss.values())) if len(loss) == 1 else loss
            elif isinstance(loss, (list, tuple)) and len(loss) == 1:
                loss = loss[0]
            if isinstance(weights, dict) and len(weights) == 1:
                weights = next(iter(weights.values()))
            elif isinstance(weights, (list, tuple)) and len(weights) == 1:
                weights = weights[0]
        per_loss = _per_output(loss, names, n, "loss")
        per_weight = _per_output(weights, names, n, "loss_weights") if weights is not None else [None] * n
        self._flat = []
        for i, (identifier, weight) in enumerate(zip(per_loss, per_weight, strict=True)):
            resolved = get_loss(identifier, flat_true[i], flat_pred[i])
            if resolved is not None:
                self._flat.append((i, resolved, weight))
        if len(self._flat) > 1:
            for i, resolved, _ in self._flat:
                name = names[i] if names else resolved.name
                self.metrics.append(metrics_module.Mean(name=f"{name}_loss"))
        self.built = True

    def _flatten_y(self, y_true: Any, y_pred: Any) -> list[Any]:
        if isinstance(y_true, dict) and not isinstance(y_pred, dict) and self.output_names:
            return [y_true[name] for name in self.output_names]
        flat = nest.flatten(y_true)
        if len(flat) == 1 and len(nest.flatten(y_pred)) > 1:
            raise ValueError(
                "y_true and y_pred have different structures: the model has "
                f"{len(nest.flatten(y_pred))} outputs but one target was given."
            )
        return flat

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = nest.flatten(y_pred)
        flat_true = self._flatten_y(y_true, y_pred)
        if sample_weight is not None and nest.is_nested(sample_weight):
            flat_sw = self._flatten_y(sample_weight, y_pred)
        else:
            flat_sw = [sample_weight] * len(flat_pred)
        trackers = self.metrics or [None] * len(self._flat)
        total = None
        for (i, loss_fn, weight), tracker in zip(self._flat, trackers, strict=True):
            value = math_ops.cast(loss_fn(flat_true[i], flat_pred[i], flat_sw[i]), backend.floatx())
            if tracker is not None:
                tracker.update_state(value, sample_weight=int(flat_pred[i].shape[0]))
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


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
        self._flat_metrics: list[tuple[int, str | None, list[Metric]]] = []
        self._flat_weighted: list[tuple[int, str | None, list[Metric]]] = []
        self._output_names_resolved: list[str] | None = None

    @property
    def metrics(self) -> list[Metric]:
        """The individual metrics, unweighted first."""
        return [m for _, _, ms in self._flat_metrics + self._flat_weighted for m in ms]

    @property
    def variables(self) -> list[Any]:
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolves the metrics from the first batch's targets and predictions (shapes only)."""
        flat_pred = nest.flatten(y_pred)
        n = len(flat_pred)
        names = _flat_outputs(y_pred, self.output_names)
        flat_true = nest.flatten(y_true) if not isinstance(y_true, dict) or isinstance(y_pred, dict) else [
            y_true[name] for name in (self.output_names or sorted(y_true))
        ]  # fmt: skip
        self._output_names_resolved = names if n > 1 else None
        self._flat_metrics = self._build_set(self._user_metrics, n, names, flat_true, flat_pred, "metrics")
        self._flat_weighted = self._build_set(
            self._user_weighted_metrics, n, names, flat_true, flat_pred, "weighted_metrics"
        )
        self.built = True

    def _build_set(
        self, metrics: Any, n: int, names: list[str] | None, flat_true: list[Any], flat_pred: list[Any], what: str
    ) -> list[tuple[int, str | None, list[Metric]]]:
        if not metrics:
            return []
        if n == 1:
            ids = nest.flatten(metrics) if not isinstance(metrics, dict) else nest.flatten(list(metrics.values()))
            return [(0, None, [get_metric(m, flat_true[0], flat_pred[0]) for m in ids])]
        per_output = _per_output(metrics, names, n, what)
        out = []
        for i, ids in enumerate(per_output):
            if ids is None:
                continue
            ids = list(ids) if isinstance(ids, (list, tuple)) else [ids]
            out.append((i, names[i] if names else None, [get_metric(m, flat_true[i], flat_pred[i]) for m in ids]))
        return out

    def _flatten_y(self, y: Any) -> list[Any]:
        if isinstance(y, dict) and self._output_names_resolved is not None:
            return [y[name] for name in self._output_names_resolved]
        return nest.flatten(y)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        flat_true, flat_pred = self._flatten_y(y_true), self._flatten_y(y_pred)
        for i, _, ms in self._flat_metrics:
            for m in ms:
                m.update_state(flat_true[i], flat_pred[i])
        if sample_weight is not None:
            flat_sw = self._flatten_y(sample_weight)
            if len(flat_sw) < len(flat_true):
                flat_sw = [flat_sw[0]] * len(flat_true)
        else:
            flat_sw = [None] * len(flat_true)
        for i, _, ms in self._flat_weighted:
            for m in ms:
                m.update_state(flat_true[i], flat_pred[i], sample_weight=flat_sw[i])

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def result(self) -> dict[str, Any]:
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results: dict[str, Any] = {}
        counters: dict[str, int] = {}
        for _, output_name, ms in self._flat_metrics:
            for m in ms:
                name = f"{output_name}_{m.name}" if output_name else m.name
                if name not in counters:
                    counters[name] = 1
                else:
                    index = counters[name]
                    counters[name] += 1
                    name = f"{name}_{index}"
                results[name] = m.result()
        for _, output_name, ms in self._flat_weighted:
            for m in ms:
                name = f"{output_name}_{m.name}" if output_name else m.name
                if name in counters:
                    name = f"weighted_{m.name}"
                    if output_name:
                        name = f"{output_name}_{name}"
                    if name not in counters:
                        counters[name] = 1
                    else:
                        index = counters[name]
                        counters[name] += 1
                        name = f"{name}_{index}"
                else:
                    counters[name] = 1
                results[name] = m.result()
        return results

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError
