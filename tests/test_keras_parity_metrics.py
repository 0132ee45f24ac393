"""tf.keras.metrics against Keras 3.15 itself (TF backend): every metric on random inputs with sample weights.

Run with the TF environment:
/tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_keras_parity_metrics.py
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(1234)


def _probs(n: int, c: int) -> np.ndarray:
    return RNG.uniform(0.0, 1.0, size=(n, c)).astype(np.float32)


def _softmax(n: int, c: int) -> np.ndarray:
    x = RNG.normal(size=(n, c)).astype(np.float32)
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def _onehot(n: int, c: int) -> np.ndarray:
    return np.eye(c, dtype=np.float32)[RNG.integers(0, c, size=n)]


def _binary(n: int, c: int) -> np.ndarray:
    return RNG.integers(0, 2, size=(n, c)).astype(np.float32)


def _weights(n: int) -> np.ndarray:
    return RNG.uniform(0.0, 2.0, size=(n,)).astype(np.float32)


# Each case: (name, constructor kwargs, batch generator returning (y_true, y_pred)).
Batch = Callable[[], tuple[np.ndarray, np.ndarray]]


def _bin_probs() -> tuple[np.ndarray, np.ndarray]:
    return _binary(8, 3), _probs(8, 3)


def _cat_probs() -> tuple[np.ndarray, np.ndarray]:
    return _onehot(8, 5), _softmax(8, 5)


def _sparse_probs() -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 5, size=(8,)).astype(np.int32), _softmax(8, 5)


def _sparse_col_probs() -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 5, size=(8, 1)).astype(np.float32), _softmax(8, 5)


def _regression() -> tuple[np.ndarray, np.ndarray]:
    return RNG.normal(size=(8, 4)).astype(np.float32), RNG.normal(size=(8, 4)).astype(np.float32)


def _positive() -> tuple[np.ndarray, np.ndarray]:
    return RNG.uniform(0.1, 3.0, size=(8, 4)).astype(np.float32), RNG.uniform(0.1, 3.0, size=(8, 4)).astype(np.float32)


def _hinge_pm() -> tuple[np.ndarray, np.ndarray]:
    return RNG.choice([-1.0, 1.0], size=(8, 3)).astype(np.float32), RNG.normal(size=(8, 3)).astype(np.float32)


def _binary_1d() -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 2, size=(16,)).astype(np.float32), RNG.uniform(size=(16,)).astype(np.float32)


def _equal_ints() -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 3, size=(8, 1)).astype(np.float32), RNG.integers(0, 3, size=(8, 1)).astype(np.float32)


def _segmentation() -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 3, size=(8,)).astype(np.int32), RNG.integers(0, 3, size=(8,)).astype(np.int32)


def _logits() -> tuple[np.ndarray, np.ndarray]:
    return _binary(8, 3), RNG.normal(size=(8, 3)).astype(np.float32) * 3


def _ties() -> tuple[np.ndarray, np.ndarray]:
    # Predictions on the threshold grid (ties with the thresholds) and outside [0, 1].
    return _binary(8, 3), RNG.choice([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5], size=(8, 3)).astype(np.float32)


CASES: list[tuple[str, dict[str, Any], Batch]] = [
    ("Mean", {}, lambda: (RNG.normal(size=(8, 3)).astype(np.float32), None)),  # type: ignore[list-item]
    ("Sum", {}, lambda: (RNG.normal(size=(8, 3)).astype(np.float32), None)),  # type: ignore[list-item]
    ("Accuracy", {}, _equal_ints),
    ("BinaryAccuracy", {}, _bin_probs),
    ("BinaryAccuracy", {"threshold": 0.3}, _bin_probs),
    ("CategoricalAccuracy", {}, _cat_probs),
    ("SparseCategoricalAccuracy", {}, _sparse_probs),
    ("SparseCategoricalAccuracy", {}, _sparse_col_probs),
    ("TopKCategoricalAccuracy", {"k": 2}, _cat_probs),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, _sparse_probs),
    ("MeanSquaredError", {}, _regression),
    ("RootMeanSquaredError", {}, _regression),
    ("MeanAbsoluteError", {}, _regression),
    ("MeanAbsolutePercentageError", {}, _regression),
    ("MeanSquaredLogarithmicError", {}, _positive),
    ("CosineSimilarity", {}, _regression),
    ("LogCoshError", {}, _regression),
    ("R2Score", {}, _regression),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, _regression),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, _regression),
    ("PearsonCorrelation", {}, _regression),
    ("ConcordanceCorrelation", {}, _regression),
    ("KLDivergence", {}, lambda: (_softmax(8, 4), _softmax(8, 4))),
    ("Poisson", {}, _positive),
    ("BinaryCrossentropy", {}, _bin_probs),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, _logits),
    ("CategoricalCrossentropy", {}, _cat_probs),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, _cat_probs),
    ("SparseCategoricalCrossentropy", {}, _sparse_probs),
    ("Hinge", {}, _bin_probs),
    ("Hinge", {}, _hinge_pm),
    ("SquaredHinge", {}, _hinge_pm),
    ("CategoricalHinge", {}, _cat_probs),
    ("TruePositives", {}, _bin_probs),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.9]}, _bin_probs),
    ("TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]}, _ties),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, _ties),
    ("Precision", {}, _bin_probs),
    ("Precision", {"thresholds": [0.3, 0.6]}, _bin_probs),
    ("Precision", {"top_k": 2}, _bin_probs),
    ("Precision", {"class_id": 1}, _bin_probs),
    ("Recall", {}, _bin_probs),
    ("Recall", {"top_k": 1, "class_id": 2, "thresholds": 0.4}, _bin_probs),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, _ties),
    ("PrecisionAtRecall", {"recall": 0.6}, _bin_probs),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 11}, _bin_probs),
    ("SensitivityAtSpecificity", {"specificity": 0.4}, _bin_probs),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 1}, _bin_probs),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "class_id": 0}, _bin_probs),
    ("AUC", {}, _bin_probs),
    ("AUC", {}, _ties),
    ("AUC", {"num_thresholds": 7, "curve": "PR"}, _bin_probs),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, _bin_probs),
    ("AUC", {"curve": "PRGAIN", "summation_method": "majoring"}, _bin_probs),
    ("AUC", {"thresholds": [0.1, 0.35, 0.8]}, _bin_probs),
    ("AUC", {"multi_label": True}, _bin_probs),
    ("AUC", {"multi_label": True, "curve": "PR", "label_weights": [0.2, 1.0, 0.5]}, _bin_probs),
    ("AUC", {"multi_label": True, "num_labels": 3, "thresholds": [0.25, 0.5]}, _bin_probs),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, _bin_probs),
    ("AUC", {"from_logits": True}, _logits),
    ("AUC", {}, _binary_1d),
    ("MeanIoU", {"num_classes": 3}, _segmentation),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 0}, _segmentation),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, _segmentation),
    ("BinaryIoU", {}, _binary_1d),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, _binary_1d),
    ("OneHotIoU", {"num_classes": 5, "target_class_ids": [1, 3]}, _cat_probs),
    ("OneHotMeanIoU", {"num_classes": 5}, _cat_probs),
    ("F1Score", {}, _bin_probs),
    ("F1Score", {"average": "micro", "threshold": 0.5}, _bin_probs),
    ("F1Score", {"average": "macro"}, _bin_probs),
    ("FBetaScore", {"average": "weighted", "beta": 2.0, "threshold": 0.4}, _bin_probs),
]


def _run(metric: Any, batches: list[tuple[Any, Any, Any]]) -> np.ndarray:
    for y_true, y_pred, w in batches:
        if y_pred is None:
            metric.update_state(y_true, sample_weight=w)
        else:
            metric.update_state(y_true, y_pred, sample_weight=w)
    return np.asarray(metric.result())


@pytest.mark.parametrize(("name", "kwargs", "batch"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_metric_matches_keras_with_sample_weights(name: str, kwargs: dict[str, Any], batch: Batch) -> None:
    b1, b2, b3 = batch(), batch(), batch()
    n = len(b1[0])
    weights = _weights(n)
    if "IoU" in name:
        weights = RNG.integers(0, 3, size=(n,)).astype(np.int32)  # the matrix is integer by default
    batches = [(*b1, None), (*b2, weights), (*b3, np.ones_like(weights))]
    ours = _run(getattr(tf.keras.metrics, name)(**kwargs), batches)
    theirs = _run(getattr(keras_real.metrics, name)(**kwargs), batches)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)


def _f64(x: Any) -> Any:
    return x if x is None or x.dtype.kind in "iu" else x.astype(np.float64)


@pytest.mark.parametrize(("name", "kwargs", "batch"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_metric_matches_keras_on_float64_numpy_inputs(name: str, kwargs: dict[str, Any], batch: Batch) -> None:
    (t1, p1), (t2, p2) = batch(), batch()
    weights = _weights(len(t1)).astype(np.float64)
    if "IoU" in name:
        weights = RNG.integers(0, 3, size=(len(t1),))
    batches = [(_f64(t1), _f64(p1), None), (_f64(t2), _f64(p2), weights)]
    if "TopK" in name:  # TF's in_top_k takes float32 predictions only, in both (error classes differ)
        with pytest.raises(tf_real.errors.InvalidArgumentError):
            _run(getattr(keras_real.metrics, name)(**kwargs), batches)
        with pytest.raises(ValueError, match="float32"):
            _run(getattr(tf.keras.metrics, name)(**kwargs), batches)
        return
    ours = _run(getattr(tf.keras.metrics, name)(**kwargs), batches)
    theirs = _run(getattr(keras_real.metrics, name)(**kwargs), batches)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize(("name", "kwargs", "batch"), CASES[:12], ids=[c[0] for c in CASES[:12]])
def test_config_matches_keras(name: str, kwargs: dict[str, Any], batch: Batch) -> None:
    del batch
    ours = getattr(tf.keras.metrics, name)(name="m", **kwargs).get_config()
    theirs = getattr(keras_real.metrics, name)(name="m", **kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize(
    "name",
    ["Precision", "AUC", "MeanIoU", "F1Score", "SensitivityAtSpecificity", "IoU", "BinaryIoU", "R2Score"],
)
def test_more_configs_match_keras(name: str) -> None:
    kwargs: dict[str, Any] = {
        "Precision": {"thresholds": [0.2, 0.4], "top_k": 3, "class_id": 1},
        "AUC": {"num_thresholds": 17, "curve": "PR", "multi_label": True, "num_labels": 3, "from_logits": True},
        "MeanIoU": {"num_classes": 4, "ignore_class": 2},
        "F1Score": {"average": "macro", "threshold": 0.3},
        "SensitivityAtSpecificity": {"specificity": 0.3, "num_thresholds": 9, "class_id": 2},
        "IoU": {"num_classes": 4, "target_class_ids": [1, 3], "sparse_y_pred": False},
        "BinaryIoU": {"target_class_ids": [1], "threshold": 0.7},
        "R2Score": {"class_aggregation": None, "num_regressors": 3},
    }[name]
    ours = getattr(tf.keras.metrics, name)(name="m", **kwargs).get_config()
    theirs = getattr(keras_real.metrics, name)(name="m", **kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize(
    "fn",
    [
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "kld",
        "poisson",
        "logcosh",
        "mape",
        "msle",
        "pearson_correlation",
        "concordance_correlation",
        "huber",
        "binary_focal_crossentropy",
    ],
)
def test_metric_functions_match_keras(fn: str) -> None:
    if "sparse" in fn:
        y_true, y_pred = _sparse_probs()
    elif "categorical" in fn:
        y_true, y_pred = _cat_probs()
    else:
        y_true, y_pred = _bin_probs()
    ours = np.asarray(getattr(tf.keras.metrics, fn)(y_true, y_pred))
    theirs = np.asarray(getattr(tf_real.keras.metrics, fn)(y_true, y_pred))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("identifier", ["accuracy", "mse", "MAE", "AUC", "auc", "f1_score", "bce", "msle", "hinge"])
def test_get_resolves_names_as_keras(identifier: str) -> None:
    assert type(tf.keras.metrics.get(identifier)).__name__ == type(keras_real.metrics.get(identifier)).__name__


@pytest.mark.parametrize("name", ["BinaryAccuracy", "MeanSquaredError", "CategoricalCrossentropy"])
def test_keras_mask_on_predictions_matches_keras(name: str) -> None:
    from keras.src import backend as keras_backend

    y_true, y_pred = _bin_probs()
    mask = RNG.integers(0, 2, size=(len(y_true),)).astype(bool)
    weights = _weights(len(y_true))
    ours_pred = tf.constant(y_pred)
    ours_pred._keras_mask = tf.constant(mask)
    theirs_pred = tf_real.constant(y_pred)
    keras_backend.set_keras_mask(theirs_pred, tf_real.constant(mask))
    ours = getattr(tf.keras.metrics, name)()
    ours.update_state(y_true, ours_pred, sample_weight=weights)
    theirs = getattr(keras_real.metrics, name)()
    theirs.update_state(y_true, theirs_pred, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=2e-5)


@pytest.mark.parametrize("name", ["Mean", "AUC", "Precision", "MeanIoU", "F1Score", "BinaryAccuracy"])
def test_serialize_matches_keras(name: str) -> None:
    kwargs = {"MeanIoU": {"num_classes": 3}}.get(name, {})
    ours = tf.keras.metrics.serialize(getattr(tf.keras.metrics, name)(name="m", **kwargs))
    theirs = keras_real.metrics.serialize(getattr(keras_real.metrics, name)(name="m", **kwargs))
    assert ours == theirs
    assert tf.keras.metrics.serialize(tf.keras.metrics.binary_accuracy) == keras_real.metrics.serialize(
        keras_real.metrics.binary_accuracy
    )


def test_get_of_a_class_needing_arguments_raises_type_error_as_keras() -> None:
    with pytest.raises(TypeError):
        keras_real.metrics.get("mean_io_u")
    with pytest.raises(TypeError):
        tf.keras.metrics.get("mean_io_u")


def test_variables_names_shapes_and_dtypes_match_keras() -> None:
    for ctor in ("Mean", "Precision", "AUC"):
        ours = getattr(tf.keras.metrics, ctor)(name="m")
        theirs = getattr(keras_real.metrics, ctor)(name="m")
        assert [(v.shape, v.dtype.name) for v in ours.variables] == [
            (tuple(v.shape), v.dtype) for v in theirs.variables
        ]
        assert [v.name for v in ours.variables] == [f"{v.path}:0" for v in theirs.variables]
        assert not any(v.trainable for v in ours.variables)


def test_names_are_tf_keras_metrics_names() -> None:
    ours = {n for n in dir(tf.keras.metrics) if not n.startswith("_")}
    theirs = {n for n in dir(tf_real.keras.metrics) if not n.startswith("_")}
    assert ours <= theirs
    for name in theirs:  # a class where TF has a class, the same function where TF shares one
        assert isinstance(getattr(tf.keras.metrics, name), type) == isinstance(
            getattr(tf_real.keras.metrics, name), type
        )
        if not isinstance(getattr(tf_real.keras.metrics, name), type) and name not in (
            "get",
            "serialize",
            "deserialize",
        ):
            assert getattr(tf.keras.metrics, name).__name__ == getattr(tf_real.keras.metrics, name).__name__, name


def test_string_lookup_table_matches_keras() -> None:
    from keras.src.metrics import ALL_OBJECTS_DICT as theirs

    from tapejax._src.keras.metrics import ALL_OBJECTS_DICT as ours

    assert {k: v.__name__ for k, v in ours.items()} == {k: v.__name__ for k, v in theirs.items()}
