"""tf.keras.metrics: the Metric base class, every metric against a NumPy reference, tf.function, lookup.

Values here are computed independently with NumPy (float64); the exact Keras 3.15 values are
checked in tests/test_keras_parity_metrics.py (run with /tmp/tfenv).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
import pytest

import tapejax as tf

M = tf.keras.metrics
RNG = np.random.default_rng(7)
EPS = 1e-7


def _f32(x: Any) -> np.ndarray:
    return np.asarray(x, np.float32)


def _close(ours: Any, ref: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    ours = np.asarray(ours)
    assert ours.shape == np.shape(ref)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)


Y_BIN = _f32(RNG.integers(0, 2, size=(6, 3)))
P_BIN = _f32(RNG.uniform(size=(6, 3)))
W6 = _f32(RNG.uniform(0.0, 2.0, size=(6,)))
Y_REG = _f32(RNG.normal(size=(6, 4)))
P_REG = _f32(RNG.normal(size=(6, 4)))


def _wmean(per_sample: np.ndarray, w: np.ndarray | None = None) -> float:
    per_sample = np.asarray(per_sample, np.float64)
    if w is None:
        return float(per_sample.mean())
    return float((per_sample * w).sum() / w.sum())


# -- the base class --------------------------------------------------------------------------------------
class _CountPositives(M.Metric):
    def __init__(self, name: str = "count_positives", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.inner = M.Sum(name="inner")

    def update_state(self, values: Any) -> None:
        values = tf.constant(values)
        self.count.assign_add(tf.reduce_sum(tf.cast(values > 0, "float32")))
        self.inner.update_state(values)

    def result(self) -> Any:
        return self.count + self.inner.result()


def test_subclass_variables_are_non_trainable_and_tracked_with_sub_metrics() -> None:
    m = _CountPositives()
    assert [v.name for v in m.variables] == ["count_positives/count:0", "inner/total:0"]
    assert not any(v.trainable for v in m.variables)
    assert not isinstance(m, tf.Module)
    assert float(m([1.0, -2.0, 3.0])) == 2.0 + 2.0
    m.reset_state()
    assert float(m.result()) == 0.0
    assert repr(m) == "<_CountPositives name=count_positives>"
    assert m.get_config() == {"name": "count_positives", "dtype": "float32"}


def test_metrics_and_variables_inside_containers_are_tracked() -> None:
    class Pair(M.Metric):
        def __init__(self) -> None:
            super().__init__(name="pair")
            self.parts = [M.Mean(name="a"), {"b": M.Sum(name="b")}]
            self.extra = (tf.Variable(1.0, trainable=False, name="x"),)

    assert [v.name for v in Pair().variables] == ["x:0", "a/total:0", "a/count:0", "b/total:0"]


def test_metric_without_super_init_raises_runtime_error() -> None:
    class Broken(M.Metric):
        def __init__(self) -> None:
            pass

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable(shape=(), initializer="zeros")


def test_add_variable_dtype_defaults_to_float32_and_initializers() -> None:
    m = M.Metric(name="m", dtype="float64")
    assert m.dtype == "float64"
    v = m.add_variable(shape=(2,), initializer="ones")
    assert v.dtype == tf.float32 and v.numpy().tolist() == [1.0, 1.0]
    w = m.add_variable(shape=(2, 2), initializer=lambda shape, dtype: np.full(shape, 3, dtype), dtype="int32")
    assert w.dtype == tf.int32 and w.numpy().tolist() == [[3, 3], [3, 3]]
    c = m.add_variable(shape=(3,), initializer=tf.keras.initializers.Constant(2.0), name="c")
    assert c.numpy().tolist() == [2.0, 2.0, 2.0] and c.name == "m/c:0"
    with pytest.raises(ValueError, match="initializer"):
        m.add_variable(shape=(), initializer="glorot_uniform_nonsense")
    with pytest.raises(NotImplementedError):
        m.update_state(1.0)
    assert M.Mean(dtype="mixed_float16").dtype == "float16" and M.Mean(dtype=tf.float64).dtype == "float64"
    assert M.MeanIoU(num_classes=2).dtype == "int64"  # Keras's "int" on the TF backend
    with pytest.raises(ValueError, match="Cannot convert 'float' to a mixed precision DTypePolicy"):
        M.Mean(dtype="float")


def test_default_names_are_made_unique_per_class() -> None:
    a, b = M.AUC(), M.AUC()
    assert a.name.startswith("auc") and b.name != a.name
    assert M.Mean().name == "mean"  # Keras's explicit defaults are not uniquified
    tf.keras.backend.clear_session()  # Keras's global name counter, shared with layers
    assert M.Precision().name == "precision"


def test_stateless_api_leaves_variables_unchanged() -> None:
    m = M.Mean()
    m.update_state([2.0])
    state = m.stateless_update_state([tf.constant(1.0), tf.constant(1.0)], [4.0, 6.0])
    assert [float(s) for s in state] == [11.0, 3.0]
    assert float(m.result()) == 2.0
    assert float(m.stateless_result(state)) == pytest.approx(11.0 / 3.0)
    assert [float(s) for s in m.stateless_reset_state()] == [0.0, 0.0]
    with pytest.raises(ValueError, match="corresponding 1:1"):
        m.stateless_result([tf.constant(1.0)])


# -- reductions --------------------------------------------------------------------------------------------
def test_mean_and_sum_weight_rows_and_average_extra_dims() -> None:
    values = _f32(RNG.normal(size=(6, 3)))
    m = M.Mean()
    m.update_state(values, sample_weight=W6)
    _close(m.result(), _wmean(values.mean(1), W6))
    s = M.Sum()
    s.update_state(values, sample_weight=W6)
    _close(s.result(), float((values.sum(1) * W6).sum()), rtol=1e-5)
    w2 = _f32(RNG.uniform(size=(6, 3)))
    m2 = M.Mean()
    m2.update_state(values, sample_weight=w2)
    # Weights of the values' rank: summed per row for the count.
    _close(m2.result(), float((values * w2).sum() / 3 / (w2.sum() / 3)), rtol=1e-5)


def test_mean_counts_samples_without_weights_and_dtype() -> None:
    m = M.Mean(dtype="float64")
    m.update_state([1.0, 3.0])
    m.update_state(5.0)
    assert m.result().dtype == tf.float64 and float(m.result()) == 3.0


def test_mean_metric_wrapper_passes_kwargs_and_serializes_fn() -> None:
    m = M.MeanMetricWrapper(fn=M.binary_accuracy, threshold=0.9)
    m.update_state(_f32([[1.0], [0.0]]), _f32([[0.95], [0.5]]))
    assert float(m.result()) == 1.0
    config = m.get_config()
    assert config["threshold"] == 0.9 and config["fn"]["config"] == "binary_accuracy"
    again = M.MeanMetricWrapper.from_config(config)
    assert again._fn is M.binary_accuracy and again._fn_kwargs == {"threshold": 0.9}


def test_keras_mask_of_predictions_weights_the_samples() -> None:
    y_pred = tf.constant(P_BIN)
    y_pred._keras_mask = tf.constant([True, False, True, True, False, True])
    keep = np.array([1, 0, 1, 1, 0, 1], np.float64)
    m = M.BinaryAccuracy()
    m.update_state(Y_BIN, y_pred, sample_weight=W6)
    _close(m.result(), _wmean(((P_BIN > 0.5) == Y_BIN).mean(1), W6 * keep))
    values = tf.constant(P_BIN[:, 0])
    values._keras_mask = tf.constant(keep.astype(bool))
    mean = M.Mean()
    mean.update_state(values)  # Keras applies a values' mask only together with weights
    _close(mean.result(), float(P_BIN[:, 0].astype(np.float64).mean()))
    mean.reset_state()
    mean.update_state(values, sample_weight=W6)
    _close(mean.result(), _wmean(P_BIN[:, 0], W6 * keep))


# -- accuracy ------------------------------------------------------------------------------------------------
def test_accuracy_functions_against_numpy() -> None:
    onehot = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, size=8)]
    scores = _f32(RNG.uniform(size=(8, 5)))
    labels = onehot.argmax(-1)
    _close(M.binary_accuracy(Y_BIN, P_BIN), ((P_BIN > 0.5) == Y_BIN).astype(np.float32))
    _close(M.categorical_accuracy(onehot, scores), (labels == scores.argmax(-1)).astype(np.float32))
    _close(M.sparse_categorical_accuracy(labels, scores), (labels == scores.argmax(-1)).astype(np.float32))
    col = M.sparse_categorical_accuracy(labels[:, None].astype(np.float32), scores)
    _close(col, (labels == scores.argmax(-1)).astype(np.float32))  # (n, 1) labels: matches of shape (n,)
    top2 = np.argsort(-scores, -1)[:, :2]
    in_top2 = (top2 == labels[:, None]).any(-1).astype(np.float32)
    _close(M.top_k_categorical_accuracy(onehot, scores, k=2), in_top2)
    _close(M.sparse_top_k_categorical_accuracy(labels, scores, k=2), in_top2)
    _close(M.sparse_top_k_categorical_accuracy(labels, top2.astype(np.float32), k=2, from_sorted_ids=True), in_top2)


def test_accuracy_classes_weighted_means() -> None:
    onehot = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, size=6)]
    scores = _f32(RNG.uniform(size=(6, 4)))
    hit = (onehot.argmax(-1) == scores.argmax(-1)).astype(np.float64)
    m = M.CategoricalAccuracy()
    m.update_state(onehot, scores, sample_weight=W6)
    _close(m.result(), _wmean(hit, W6))
    b = M.BinaryAccuracy(threshold=0.3)
    b.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(b.result(), _wmean(((P_BIN > 0.3) == Y_BIN).mean(1), W6))
    a = M.Accuracy()
    a.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(a.result()) == 0.75
    assert M.TopKCategoricalAccuracy(k=3, name="t").get_config() == {"name": "t", "dtype": "float32", "k": 3}


# -- regression ----------------------------------------------------------------------------------------------
def _reg_refs() -> dict[str, np.ndarray]:
    t, p = Y_REG.astype(np.float64), P_REG.astype(np.float64)
    pos_t, pos_p = np.abs(t) + 0.1, np.abs(p) + 0.1
    nt = t / np.linalg.norm(t, axis=-1, keepdims=True)
    npr = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return {
        "MeanSquaredError": ((t - p) ** 2).mean(-1),
        "MeanAbsoluteError": np.abs(t - p).mean(-1),
        "MeanAbsolutePercentageError": 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
        "MeanSquaredLogarithmicError": ((np.log1p(pos_p) - np.log1p(pos_t)) ** 2).mean(-1),
        "CosineSimilarity": (nt * npr).sum(-1),
        "LogCoshError": np.log(np.cosh(p - t)).mean(-1),
    }


@pytest.mark.parametrize("name", list(_reg_refs()))
def test_regression_metrics_against_numpy(name: str) -> None:
    t, p = Y_REG, P_REG
    if name == "MeanSquaredLogarithmicError":
        t, p = np.abs(t) + 0.1, np.abs(p) + 0.1
    m = getattr(M, name)()
    m.update_state(t, p, sample_weight=W6)
    _close(m.result(), _wmean(_reg_refs()[name], W6), rtol=2e-5)


def test_root_mean_squared_error_and_r2_score_against_numpy() -> None:
    t, p = Y_REG.astype(np.float64), P_REG.astype(np.float64)
    rmse = M.RootMeanSquaredError()
    rmse.update_state(Y_REG, P_REG, sample_weight=W6)
    _close(rmse.result(), np.sqrt(_wmean(((t - p) ** 2).mean(-1), W6)))
    w = W6.astype(np.float64)[:, None]
    mean = (t * w).sum(0) / w.sum()
    ss_tot = ((t - mean) ** 2 * w).sum(0)
    raw = 1 - ((t - p) ** 2 * w).sum(0) / ss_tot
    for aggregation, ref in [
        ("uniform_average", raw.mean()),
        ("variance_weighted_average", (raw * ss_tot).sum() / ss_tot.sum()),
        (None, raw),
    ]:
        r2 = M.R2Score(class_aggregation=aggregation)
        r2.update_state(Y_REG, P_REG, sample_weight=W6)
        _close(r2.result(), ref, rtol=1e-4, atol=1e-5)
    adj = M.R2Score(num_regressors=2)
    adj.update_state(Y_REG, P_REG)
    raw = 1 - ((t - p) ** 2).sum(0) / ((t - t.mean(0)) ** 2).sum(0)
    n = t.size
    _close(adj.result(), 1 - (1 - raw.mean()) * (n - 1) / (n - 2 - 1), rtol=1e-4)


def test_r2_score_errors_and_fallback_warning() -> None:
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="max")
    with pytest.raises(ValueError, match="num_regressors"):
        M.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        M.R2Score().update_state([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    m = M.R2Score(num_regressors=5)
    m.update_state([[1.0], [2.0], [4.0]], [[1.5], [2.0], [3.0]])
    with pytest.warns(UserWarning, match="More independent predictors"):
        r = m.result()
    plain = M.R2Score()
    plain.update_state([[1.0], [2.0], [4.0]], [[1.5], [2.0], [3.0]])
    # (the two values come from differently fused programs: the lazy engine's fused rounding)
    np.testing.assert_allclose(float(r), float(plain.result()), rtol=1e-6)


def test_correlation_functions_against_numpy() -> None:
    ref = [np.corrcoef(a, b)[0, 1] for a, b in zip(Y_REG.astype(np.float64), P_REG.astype(np.float64), strict=True)]
    _close(M.pearson_correlation(Y_REG, P_REG), np.float32(ref), rtol=1e-4, atol=1e-5)
    t, p = Y_REG.astype(np.float64), P_REG.astype(np.float64)
    mt, mp = t.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = t.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (mt - mp) ** 2
    ccc = (2 * (t - mp) * (p - mp) / (norm + EPS)).mean(-1)  # Keras's covariance term
    _close(M.concordance_correlation(Y_REG, P_REG), np.float32(ccc), rtol=1e-4, atol=1e-5)
    m = M.PearsonCorrelation()
    m.update_state(Y_REG, P_REG, sample_weight=W6)
    _close(m.result(), _wmean(np.asarray(ref), W6), rtol=1e-4)


# -- probabilistic and hinge ---------------------------------------------------------------------------------
def test_probabilistic_and_hinge_metrics_against_numpy() -> None:
    t, p = Y_BIN.astype(np.float64), P_BIN.astype(np.float64)
    pc = np.clip(p, EPS, 1 - EPS)
    tc = np.clip(t, EPS, 1)
    pm = 2 * t - 1  # 0/1 labels become -1/1
    refs = {
        "KLDivergence": (tc * np.log(tc / np.clip(p, EPS, 1))).sum(-1),
        "Poisson": (p - t * np.log(p + EPS)).mean(-1),
        "BinaryCrossentropy": -(t * np.log(pc) + (1 - t) * np.log(1 - pc)).mean(-1),
        "Hinge": np.maximum(1 - pm * p, 0).mean(-1),
        "SquaredHinge": (np.maximum(1 - pm * p, 0) ** 2).mean(-1),
        "CategoricalHinge": np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
    }
    for name, ref in refs.items():
        m = getattr(M, name)()
        m.update_state(Y_BIN, P_BIN, sample_weight=W6)
        _close(m.result(), _wmean(ref, W6), rtol=2e-5)


def test_hinge_keeps_labels_that_are_not_binary() -> None:
    t = _f32([[-1.0, 1.0], [1.0, -1.0]])
    p = _f32([[0.3, 0.2], [-0.5, 0.9]])
    _close(M.hinge(t, p), np.maximum(1 - t * p, 0).mean(-1))


def test_crossentropy_classes_pass_their_options() -> None:
    onehot = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    logits = _f32(RNG.normal(size=(4, 3)))
    smooth = onehot * 0.8 + 0.2 / 3
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    m = M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)
    m.update_state(onehot, logits)
    _close(m.result(), float(-(smooth * logp).sum(-1).mean()), rtol=1e-5)
    s = M.SparseCategoricalCrossentropy(from_logits=True)
    s.update_state([0, 2, 1, 1], logits)
    _close(s.result(), float(-logp[np.arange(4), [0, 2, 1, 1]].mean()), rtol=1e-5)


# -- confusion-matrix metrics ---------------------------------------------------------------------------------
def _counts(t: np.ndarray, p: np.ndarray, thresholds: list[float], w: np.ndarray | None = None) -> np.ndarray:
    """[tp, fp, tn, fn] per threshold (flattened; weights per row)."""
    w = np.ones(t.shape[0]) if w is None else w
    ww = np.broadcast_to(w.reshape(-1, *[1] * (t.ndim - 1)), t.shape).ravel()
    t, p = t.ravel() != 0, p.ravel()
    out = []
    for th in thresholds:
        pos = p > th
        out.append([ww[t & pos].sum(), ww[~t & pos].sum(), ww[~t & ~pos].sum(), ww[t & ~pos].sum()])
    return np.asarray(out, np.float64)


@pytest.mark.parametrize("thresholds", [None, [0.0, 0.5, 1.0]], ids=["default", "evenly-spaced"])
def test_count_metrics_against_numpy(thresholds: list[float] | None) -> None:
    ths = [0.5] if thresholds is None else thresholds
    ref = _counts(Y_BIN, P_BIN, ths, W6)
    for i, name in enumerate(["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"]):
        m = getattr(M, name)(thresholds=thresholds)
        m.update_state(Y_BIN, P_BIN, sample_weight=W6)
        _close(m.result(), ref[:, i] if thresholds else ref[0, i], rtol=1e-5)


def test_precision_recall_thresholds_top_k_and_class_id() -> None:
    ref = _counts(Y_BIN, P_BIN, [0.3, 0.6], W6)
    p = M.Precision(thresholds=[0.3, 0.6])
    p.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(p.result(), ref[:, 0] / (ref[:, 0] + ref[:, 1]))
    r = M.Recall(thresholds=[0.3, 0.6])
    r.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(r.result(), ref[:, 0] / (ref[:, 0] + ref[:, 3]))
    # top_k: only each row's k largest predictions can be positive (at threshold -inf by default).
    top1 = (P_BIN.max(-1, keepdims=True) == P_BIN).astype(np.float64)
    tp, fp = (top1 * Y_BIN).sum(), (top1 * (1 - Y_BIN)).sum()
    pk = M.Precision(top_k=1)
    pk.update_state(Y_BIN, P_BIN)
    _close(pk.result(), tp / (tp + fp))
    c = _counts(Y_BIN[:, 1:2], P_BIN[:, 1:2], [0.5])
    pc = M.Precision(class_id=1)
    pc.update_state(Y_BIN, P_BIN)
    _close(pc.result(), c[0, 0] / (c[0, 0] + c[0, 1]))
    assert float(M.Recall().result()) == 0.0  # no data: divide_no_nan
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])


def test_x_at_y_metrics_against_numpy() -> None:
    n = 11
    ths = [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]
    c = _counts(Y_BIN, P_BIN, ths, W6)
    tp, fp, tn, fn = c.T
    recall, precision, specificity = _dnn(tp, tp + fn), _dnn(tp, tp + fp), _dnn(tn, tn + fp)
    cases = [
        (M.PrecisionAtRecall(0.6, num_thresholds=n), np.max(np.where(recall >= 0.6, precision, 0))),
        (M.RecallAtPrecision(0.5, num_thresholds=n), np.max(np.where(precision >= 0.5, recall, 0))),
        (M.SensitivityAtSpecificity(0.4, num_thresholds=n), np.max(np.where(specificity >= 0.4, recall, 0))),
        (M.SpecificityAtSensitivity(0.7, num_thresholds=n), np.max(np.where(recall >= 0.7, specificity, 0))),
    ]
    for m, ref in cases:
        m.update_state(Y_BIN, P_BIN, sample_weight=W6)
        _close(m.result(), ref, rtol=1e-5)
    with pytest.raises(ValueError, match=r"`recall` must be in the range \[0, 1\]"):
        M.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        M.SensitivityAtSpecificity(0.5, num_thresholds=0)


def _dnn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """divide_no_nan: 0 where the denominator is 0."""
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _exact_roc_auc(t: np.ndarray, p: np.ndarray) -> float:
    pos, neg = p[t == 1], p[t == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def test_auc_roc_approaches_the_exact_area() -> None:
    t = RNG.integers(0, 2, size=400)
    p = np.clip(t * 0.3 + RNG.uniform(size=400) * 0.7, 0, 1).astype(np.float32)
    m = M.AUC(num_thresholds=2000)
    m.update_state(t, p)
    assert float(m.result()) == pytest.approx(_exact_roc_auc(t, p), abs=2e-3)


@pytest.mark.parametrize(
    ("curve", "method"),
    [
        ("ROC", "interpolation"),
        ("ROC", "minoring"),
        ("PR", "majoring"),
        ("PR", "minoring"),
        ("PRGAIN", "interpolation"),
    ],
)
def test_auc_riemann_sums_against_numpy(curve: str, method: str) -> None:
    n = 7
    ths = [-EPS] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + EPS]
    tp, fp, tn, fn = _counts(Y_BIN, P_BIN, ths, W6).T
    recall = _dnn(tp, tp + fn)
    if curve == "ROC":
        x, y = _dnn(fp, fp + tn), recall
    elif curve == "PR":
        x, y = recall, _dnn(tp, tp + fp)
    else:
        scale = _dnn(tp + fn, tn + fp)
        x = np.maximum(np.where(tp == 0, 0, 1 - scale * _dnn(fn, tp)), 0)
        y = np.where(tp == 0, 1, 1 - scale * _dnn(fp, tp))
    heights = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:])}.get(
        method, np.maximum(y[:-1], y[1:])
    )
    m = M.AUC(num_thresholds=n, curve=curve, summation_method=method)
    m.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(m.result(), float(((x[:-1] - x[1:]) * heights).sum()), rtol=1e-5, atol=1e-6)


def test_auc_pr_interpolation_against_numpy() -> None:
    n = 5
    ths = [-EPS, 0.25, 0.5, 0.75, 1 + EPS]
    tp, fp, _, fn = _counts(Y_BIN, P_BIN, ths).T
    p = tp + fp
    dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = _dnn(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _dnn(p[:-1], np.maximum(p[1:], 0)), 1.0)
    ref = _dnn(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum()
    m = M.AUC(num_thresholds=n, curve="PR")
    m.update_state(Y_BIN, P_BIN)
    _close(m.result(), float(ref), rtol=1e-5)


def test_auc_multi_label_is_the_mean_of_per_label_aucs() -> None:
    per_label = []
    for j in range(3):
        m = M.AUC(num_thresholds=50)
        m.update_state(Y_BIN[:, j], P_BIN[:, j], sample_weight=W6)
        per_label.append(float(m.result()))
    ml = M.AUC(num_thresholds=50, multi_label=True)
    ml.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(ml.result(), np.mean(per_label), rtol=1e-5)
    weighted = M.AUC(num_thresholds=50, multi_label=True, label_weights=[0.2, 1.0, 0.5])
    weighted.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(weighted.result(), np.dot(per_label, [0.2, 1.0, 0.5]) / 1.7, rtol=1e-5)
    explicit = M.AUC(thresholds=[0.25, 0.5, 0.75], multi_label=True, num_labels=3)
    assert explicit.true_positives.shape == (5, 3) and explicit.num_thresholds == 5
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state([1.0, 0.0], [0.2, 0.4])
    with pytest.raises(ValueError, match="num_labels"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        M.AUC(curve="DET")


def test_auc_from_logits_applies_a_sigmoid() -> None:
    logits = _f32(RNG.normal(size=(6, 3)) * 3)
    a, b = M.AUC(from_logits=True), M.AUC()
    a.update_state(Y_BIN, logits)
    b.update_state(Y_BIN, 1 / (1 + np.exp(-logits.astype(np.float64))))
    _close(a.result(), float(b.result()), rtol=1e-5)


# -- IoU and F-scores -----------------------------------------------------------------------------------------
def _confusion(t: np.ndarray, p: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    cm = np.zeros((k, k))
    for a, b, ww in zip(t, p, w, strict=True):
        if 0 <= a < k and 0 <= b < k:
            cm[a, b] += ww
    return cm


def _iou(cm: np.ndarray, ids: list[int]) -> float:
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1) - tp
    valid = denom[ids] > 1e-9
    return float(np.where(valid, tp[ids] / (denom[ids] + EPS), 0).sum() / (valid.sum() + EPS))


def test_iou_metrics_against_numpy() -> None:
    t = RNG.integers(0, 4, size=20)
    p = RNG.integers(0, 4, size=20)
    w = RNG.integers(0, 3, size=20)
    cm = _confusion(t, p, 4, w)
    m = M.MeanIoU(num_classes=4)
    assert m.total_cm.dtype == tf.int64
    m.update_state(t, p, sample_weight=w)
    _close(m.total_cm.numpy(), cm.astype(np.int64))
    _close(m.result(), _iou(cm, [0, 1, 2, 3]), rtol=1e-5)
    iou = M.IoU(num_classes=4, target_class_ids=[1, 3])
    iou.update_state(t, p, sample_weight=w)
    _close(iou.result(), _iou(cm, [1, 3]), rtol=1e-5)
    ignored = M.MeanIoU(num_classes=4, ignore_class=0)
    ignored.update_state(t, p, sample_weight=w)
    _close(ignored.result(), _iou(_confusion(t, p, 4, w * (t != 0)), [0, 1, 2, 3]), rtol=1e-5)
    onehot = M.OneHotMeanIoU(num_classes=4)
    onehot.update_state(np.eye(4)[t], np.eye(4)[p] * 0.9, sample_weight=w)
    _close(onehot.result(), _iou(cm, [0, 1, 2, 3]), rtol=1e-5)
    with pytest.raises(ValueError, match="out of range"):
        M.IoU(num_classes=2, target_class_ids=[2])


def test_binary_iou_thresholds_at_or_above() -> None:
    t = np.array([0, 1, 0, 1, 1], np.int32)
    p = _f32([0.3, 0.3, 0.7, 0.9, 0.2])
    m = M.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    m.update_state(t, p)
    _close(m.result(), _iou(_confusion(t, (p >= 0.3).astype(int), 2, np.ones(5)), [0, 1]), rtol=1e-5)


@pytest.mark.parametrize(
    ("average", "threshold"), [(None, None), ("micro", 0.5), ("macro", None), ("weighted", 0.5), ("weighted", None)]
)
def test_f_beta_score_against_numpy(average: str | None, threshold: float | None) -> None:
    beta = 2.0
    t, p = Y_BIN.astype(np.float64), P_BIN.astype(np.float64)
    pred = (p > threshold) if threshold else (p == p.max(-1, keepdims=True))
    pred = pred.astype(np.float64)
    w = W6.astype(np.float64)[:, None]
    axis = None if average == "micro" else 0
    tp, fp = (pred * t * w).sum(axis), (pred * (1 - t) * w).sum(axis)
    fn = ((1 - pred) * t * w).sum(axis)
    prec, rec = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
    f = (1 + beta**2) * prec * rec / (beta**2 * prec + rec + EPS)
    if average == "weighted":
        support = (t * w).sum(0)
        f = (f * support / (support.sum() + EPS)).sum()
    elif average is not None:
        f = f.mean()
    m = M.FBetaScore(average=average, beta=beta, threshold=threshold)
    m.update_state(Y_BIN, P_BIN, sample_weight=W6)
    _close(m.result(), f, rtol=1e-4, atol=1e-6)


def test_f_score_argument_errors() -> None:
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=1)
    with pytest.raises(ValueError, match="threshold"):
        M.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="2D inputs"):
        M.F1Score().update_state([1.0, 0.0], [0.3, 0.6])
    assert "beta" not in M.F1Score().get_config()


# -- tf.function, gradients ---------------------------------------------------------------------------------
def test_metrics_update_inside_tf_function_as_eagerly() -> None:
    eager = [M.Mean(), M.AUC(num_thresholds=9), M.Precision(thresholds=[0.3, 0.7]), M.F1Score(average="macro")]
    traced = [M.Mean(), M.AUC(num_thresholds=9), M.Precision(thresholds=[0.3, 0.7]), M.F1Score(average="macro")]

    def update(metrics: list[Any], y: Any, p: Any, w: Any) -> list[Any]:
        metrics[0].update_state(p, sample_weight=w)
        for m in metrics[1:]:
            m.update_state(y, p, sample_weight=w)
        return [m.result() for m in metrics]

    step = tf.function(lambda y, p, w: update(traced, y, p, w))
    for _ in range(2):
        y, p, w = tf.constant(Y_BIN), tf.constant(P_BIN), tf.constant(W6)
        ours = step(y, p, w)
        ref = update(eager, y, p, w)
    for a, b in zip(ours, ref, strict=True):
        _close(a, np.asarray(b), rtol=1e-6)
    for a, b in zip(traced, eager, strict=True):  # the Variables were written back
        for va, vb in zip(a.variables, b.variables, strict=True):
            _close(va.numpy(), vb.numpy(), rtol=1e-6)


def test_metric_functions_are_differentiable_on_a_tape() -> None:
    t = tf.constant(_f32([[-1.0, 1.0, 1.0]]))
    p = tf.constant(_f32([[0.5, 0.2, 1.5]]))
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = tf.keras.metrics.hinge(t, p)
    # d/dp mean(max(1 - t p, 0)) = -t / 3 where 1 - t p > 0.
    _close(tape.gradient(loss, p), _f32([[1 / 3, -1 / 3, 0.0]]))
    m = M.Mean()
    with tf.GradientTape() as tape:
        m.update_state(p)
    assert tape.watched_variables() == ()


# -- lookup and serialization -----------------------------------------------------------------------------
def test_get_resolves_names_aliases_classes_and_instances() -> None:
    assert type(M.get("accuracy")) is M.Accuracy
    assert type(M.get("mse")) is M.MeanSquaredError and type(M.get("MAPE")) is M.MeanAbsolutePercentageError
    assert type(M.get("AUC")) is M.AUC and type(M.get("auc")) is M.AUC
    assert type(M.get("f1_score")) is M.F1Score
    assert type(M.get(M.Recall)) is M.Recall
    inst = M.Precision()
    assert M.get(inst) is inst and M.get(M.hinge) is M.hinge and M.get(None) is None
    pr = M.get({"class_name": "AUC", "config": {"curve": "PR", "num_thresholds": 11}})
    assert pr.curve.value == "PR" and pr.num_thresholds == 11
    for bad in ("acc", "nope", 3, {"class_name": "Nope", "config": {}}):
        with pytest.raises(ValueError, match="Could not interpret metric identifier"):
            M.get(bad)


@pytest.mark.parametrize(
    "metric",
    [
        M.Mean(name="a"), M.BinaryAccuracy(threshold=0.3), M.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True),
        M.AUC(thresholds=[0.2, 0.6], curve="PR", summation_method="minoring"), M.Precision(top_k=2, class_id=1),
        M.SpecificityAtSensitivity(0.4, num_thresholds=20), M.MeanIoU(num_classes=3, ignore_class=0),
        M.OneHotIoU(num_classes=4, target_class_ids=[1]), M.FBetaScore(beta=0.5, average="micro"),
        M.R2Score(class_aggregation=None), M.CategoricalCrossentropy(label_smoothing=0.1, from_logits=True),
        M.PearsonCorrelation(axis=0), M.TruePositives(thresholds=[0.1, 0.9]),
    ],
    ids=lambda m: type(m).__name__,
)  # fmt: skip
def test_serialize_deserialize_round_trip(metric: Any) -> None:
    config = M.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == type(metric).__name__
    again = M.deserialize(config)
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    assert type(metric).from_config(metric.get_config()).get_config() == metric.get_config()


def test_serialize_functions_and_custom_classes() -> None:
    assert M.serialize(M.binary_accuracy)["config"] == "binary_accuracy"
    assert M.serialize(None) is None
    custom = M.serialize(_CountPositives(name="c"))
    assert custom["registered_name"] == "_CountPositives"
    again = M.deserialize(custom, custom_objects={"_CountPositives": _CountPositives})
    assert isinstance(again, _CountPositives) and again.name == "c"
    assert M.deserialize("nope") == "nope"  # Keras returns an unknown name unchanged; get raises
    assert type(M.deserialize("msle")) is M.MeanSquaredLogarithmicError


def test_public_names_are_tf_21_metrics_names() -> None:
    names = json.loads((pathlib.Path(__file__).parent / "data" / "keras_names.json").read_text())["metrics"]
    assert [n for n in names if not hasattr(M, n)] == []
    # The loss-named functions are tf.keras.losses' own, as in TF 2.21.
    for name in ("mse", "MAE", "mape", "msle", "kld", "logcosh", "hinge", "poisson", "huber", "binary_crossentropy"):
        assert getattr(M, name) is getattr(tf.keras.losses, name)
    assert M.kld is M.KLD is M.kullback_leibler_divergence
    with pytest.raises(AttributeError, match=r"does not implement tf\.keras\.metrics\.Nope"):
        _ = M.Nope
