"""Keras 3's metric helpers (``keras/src/metrics/metrics_utils.py``) in tapejax ops.

Conversion with Keras's rules, the rank fix-up of ``y_true``/``y_pred``, and the update of the
confusion-matrix Variables (true/false positives/negatives per threshold) that the thresholded
metrics (Precision, Recall, AUC, ...) share, including Keras's bucketed path for evenly spaced
thresholds.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import tensor as tensor_lib
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.keras import backend
from tapejax._src.ops.array_ops import convert_to_tensor, reshape
from tapejax._src.ops.creation_ops import one_hot
from tapejax._src.ops.math_ops import cast, ceil, greater, logical_and, logical_not, maximum, minimum, rsqrt, where
from tapejax._src.ops.reduction_ops import cumsum, reduce_sum
from tapejax._src.ops.segment_ops import top_k, unsorted_segment_sum
from tapejax._src.ops.shape_ops import broadcast_to, expand_dims, reverse, squeeze, transpose

NEG_INF = -1e10


def to_tensor(x: Any, dtype: Any = None) -> Any:
    """Keras's ``convert_to_tensor``: Tensors are cast to ``dtype``; other values converted (ints/bools by cast)."""
    if isinstance(x, (TensorBase, VariableBase)):
        if dtype is not None and x.dtype != dtypes_lib.as_dtype(dtype):
            return cast(x, dtype)
        return convert_to_tensor(x)
    if dtype is None:
        return convert_to_tensor(x)
    d = dtypes_lib.as_dtype(dtype)
    if d.is_bool or d.is_integer:
        return cast(convert_to_tensor(x), d)
    return convert_to_tensor(x, dtype=d)


def rank(x: Any) -> int:
    return len(x.shape)


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Keras's fix-up: squeeze (or, for rank 1, expand) a trailing 1 when the ranks differ by one."""
    r1, r2 = rank(x1), rank(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = expand_dims(x2, -1)
        else:
            x1 = squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = expand_dims(x1, -1)
        else:
            x2 = squeeze(x2, -1)
    return x1, x2


def keras_mask(x: Any) -> Any:
    """The Keras mask a layer attached to ``x`` (``x._keras_mask``), or None."""
    return tensor_lib.keras_mask(x)


def apply_mask(sample_weight: Any, mask: Any, dtype: Any) -> Any:
    """Keras's ``apply_mask`` (reduction ``"sum"``): the weights times the 0/1 mask (or the mask alone)."""
    if mask is None:
        return sample_weight
    float_mask = cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = to_tensor(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def l2_normalize(x: Any, axis: int = -1) -> Any:
    """Keras's ``normalize(x, order=2)``: ``x * min(rsqrt(sum(x**2)), 1 / epsilon)``."""
    if rank(x) == 0:
        x = expand_dims(x, 0)
    inv_norm = rsqrt(reduce_sum(x * x, axis=axis, keepdims=True))
    return x * minimum(inv_norm, 1.0 / backend.epsilon())


def to_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


# -- thresholded confusion matrices -------------------------------------------------------------------
class ConfusionMatrix(enum.Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


def assert_thresholds_range(thresholds: Any) -> None:
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_init_thresholds(thresholds: Any, default_threshold: float = 0.5) -> list[Any]:
    if thresholds is not None:
        assert_thresholds_range(to_list(thresholds))
    return to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds: Any) -> bool:
    """Whether thresholds are ``i / (n - 1)`` for ``n >= 3`` (Keras then uses buckets: O(n + batch))."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _filter_top_k(x: Any, k: int) -> Any:
    idx = top_k(x, k).indices
    mask = reduce_sum(one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def _update_bucketed(
    variables: dict[ConfusionMatrix, Any],
    y_true: Any,
    y_pred: Any,
    thresholds: Any,
    multi_label: bool,
    sample_weights: Any,
    label_weights: Any,
    thresholds_with_epsilon: bool,
) -> None:
    """Keras's ``_update_confusion_matrix_variables_optimized``: one bucket per threshold, then cumsum."""
    num_thresholds = int(thresholds.shape[0])
    dtype = y_pred.dtype
    weights = None
    if sample_weights is not None:
        weights = broadcast_to(cast(sample_weights, dtype), y_pred.shape)
        if not multi_label:
            weights = reshape(weights, [-1])
    if label_weights is not None:
        lw = broadcast_to(expand_dims(label_weights, 0), y_pred.shape)
        if not multi_label:
            lw = reshape(lw, [-1])
        weights = lw if weights is None else weights * lw
    y_pred = minimum(maximum(y_pred, 0.0), 1.0)
    y_true = cast(cast(y_true, "bool"), dtype)
    if not multi_label:
        y_true = reshape(y_true, [-1])
        y_pred = reshape(y_pred, [-1])
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    bucket = ceil(y_pred * float(num_thresholds - 1)) - 1.0
    if thresholds_with_epsilon:
        bucket = maximum(bucket, 0.0)
    bucket = cast(bucket, "int32")
    if multi_label:
        # Per label: segment sums over the batch (one segment id space per label, offset by label).
        num_labels = int(y_pred.shape[-1])
        offsets = np.arange(num_labels, dtype=np.int32) * num_thresholds
        ids = where(bucket >= 0, bucket + offsets, -1)
        tp_b = reshape(unsorted_segment_sum(true_labels, ids, num_thresholds * num_labels), [num_labels, -1])
        fp_b = reshape(unsorted_segment_sum(false_labels, ids, num_thresholds * num_labels), [num_labels, -1])
        tp = transpose(reverse(cumsum(reverse(tp_b, [1]), axis=1), [1]))
        fp = transpose(reverse(cumsum(reverse(fp_b, [1]), axis=1), [1]))
        total_true = reduce_sum(true_labels, axis=0)
        total_false = reduce_sum(false_labels, axis=0)
    else:
        tp_b = unsorted_segment_sum(true_labels, bucket, num_thresholds)
        fp_b = unsorted_segment_sum(false_labels, bucket, num_thresholds)
        tp = reverse(cumsum(reverse(tp_b, [0])), [0])
        fp = reverse(cumsum(reverse(fp_b, [0])), [0])
        total_true = reduce_sum(true_labels)
        total_false = reduce_sum(false_labels)
    if ConfusionMatrix.TRUE_POSITIVES in variables:
        v = variables[ConfusionMatrix.TRUE_POSITIVES]
        v.assign(v + tp)
    if ConfusionMatrix.FALSE_POSITIVES in variables:
        v = variables[ConfusionMatrix.FALSE_POSITIVES]
        v.assign(v + fp)
    if ConfusionMatrix.TRUE_NEGATIVES in variables:
        v = variables[ConfusionMatrix.TRUE_NEGATIVES]
        v.assign(v + (total_false - fp))
    if ConfusionMatrix.FALSE_NEGATIVES in variables:
        v = variables[ConfusionMatrix.FALSE_NEGATIVES]
        v.assign(v + (total_true - tp))


def update_confusion_matrix_variables(
    variables_to_update: dict[ConfusionMatrix, Any],
    y_true: Any,
    y_pred: Any,
    thresholds: Any,
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: Any = None,
    thresholds_distributed_evenly: bool = False,
) -> None:
    """Adds this batch's weighted true/false positive/negative counts per threshold (Keras's function).

    A prediction is positive at a threshold when it is strictly greater than it; any nonzero label
    is positive. With ``multi_label`` the counts are kept per label (``[thresholds, labels]``);
    otherwise all predictions are flattened together.
    """
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    if not variables_to_update:
        return
    invalid = [k for k in variables_to_update if k not in list(ConfusionMatrix)]
    if invalid:
        raise ValueError(f'Invalid keys: "{invalid}". Valid variable key options are: "{list(ConfusionMatrix)}"')
    var_dtype = next(iter(variables_to_update.values())).dtype
    y_true = to_tensor(y_true, var_dtype)
    y_pred = to_tensor(y_pred, var_dtype)
    thresholds_list = [float(t) for t in thresholds]
    thresholds_with_epsilon = thresholds_list[0] < 0.0 or thresholds_list[-1] > 1.0
    thresholds_t = convert_to_tensor(np.asarray(thresholds_list, dtype=var_dtype.as_numpy_dtype))
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = expand_dims(to_tensor(sample_weight, var_dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if rank(y_pred) == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, num_classes), "
                f"found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id : class_id + 1]
        y_pred = y_pred[..., class_id : class_id + 1]
    if label_weights is not None:
        label_weights = to_tensor(label_weights, var_dtype)
    if thresholds_distributed_evenly:
        _update_bucketed(
            variables_to_update,
            y_true,
            y_pred,
            thresholds_t,
            multi_label,
            sample_weight,
            label_weights,
            thresholds_with_epsilon,
        )
        return
    num_thresholds = len(thresholds_list)
    weights = None
    if sample_weight is not None:
        weights = broadcast_to(cast(sample_weight, y_pred.dtype), y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = broadcast_to(expand_dims(label_weights, 0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if multi_label:
        # [thresholds, batch, labels]
        preds = expand_dims(y_pred, 0)
        labels = expand_dims(cast(y_true, "bool"), 0)
        th = reshape(thresholds_t, [num_thresholds] + [1] * rank(y_pred))
        if weights is not None:
            weights = expand_dims(weights, 0)
    else:
        preds = reshape(y_pred, [1, -1])
        labels = reshape(cast(y_true, "bool"), [1, -1])
        th = reshape(thresholds_t, [num_thresholds, 1])
        if weights is not None:
            weights = reshape(weights, [1, -1])
    pred_is_pos = greater(preds, th)
    label_is_pos = broadcast_to(labels, pred_is_pos.shape)

    def add(label: Any, pred: Any, var: Any) -> None:
        both = logical_and(label, pred)
        if weights is not None:
            counts = where(both, broadcast_to(cast(weights, var.dtype), both.shape), 0.0)
        else:
            counts = cast(both, var.dtype)
        var.assign(var + reduce_sum(counts, 1))

    todo = variables_to_update
    if ConfusionMatrix.TRUE_POSITIVES in todo:
        add(label_is_pos, pred_is_pos, todo[ConfusionMatrix.TRUE_POSITIVES])
    if ConfusionMatrix.FALSE_NEGATIVES in todo:
        add(label_is_pos, logical_not(pred_is_pos), todo[ConfusionMatrix.FALSE_NEGATIVES])
    if ConfusionMatrix.FALSE_POSITIVES in todo or ConfusionMatrix.TRUE_NEGATIVES in todo:
        label_is_neg = logical_not(label_is_pos)
        if ConfusionMatrix.FALSE_POSITIVES in todo:
            add(label_is_neg, pred_is_pos, todo[ConfusionMatrix.FALSE_POSITIVES])
        if ConfusionMatrix.TRUE_NEGATIVES in todo:
            add(label_is_neg, logical_not(pred_is_pos), todo[ConfusionMatrix.TRUE_NEGATIVES])
