"""tf.keras.losses against real Keras 3.15 (TF backend) on random inputs: values with every reduction
and sample weights, Keras masks, functional forms, dtypes, configs, serialization and tape gradients.

Runs only where Keras and TensorFlow are installed:
``/tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_keras_parity_losses.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

keras_real = pytest.importorskip("keras")
tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402
from tapejax.keras import losses  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TF's own numpy-2 __array__ warning

RNG = np.random.default_rng(7)
B, C = 5, 4
LOGITS = RNG.normal(size=(B, C)).astype(np.float32)
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = RNG.integers(0, C, size=(B,))
ONE_HOT = np.eye(C, dtype=np.float32)[LABELS]
BINARY = RNG.integers(0, 2, size=(B, C)).astype(np.float32)
DENSE = RNG.normal(size=(B, C)).astype(np.float32)
POS = RNG.uniform(0.1, 2, size=(B, C)).astype(np.float32)
EMB = RNG.normal(size=(6, 3))
EMB = (EMB / np.linalg.norm(EMB, axis=1, keepdims=True)).astype(np.float32)
EMB_LABELS = np.array([0, 1, 0, 2, 1, 3])
SEG_TRUE = (RNG.uniform(size=(2, 4, 4, 1)) > 0.5).astype(np.float32)
SEG_PRED = RNG.uniform(size=(2, 4, 4, 1)).astype(np.float32)
CTC_TRUE = np.array([[1, 2, 2, 0], [3, 1, 0, 0]])
CTC_PRED = RNG.normal(size=(2, 6, 5)).astype(np.float32)

CASES = [
    ("MeanSquaredError", {}, DENSE, POS),
    ("MeanAbsoluteError", {}, DENSE, POS),
    ("MeanAbsolutePercentageError", {}, DENSE, POS),
    ("MeanSquaredLogarithmicError", {}, POS, DENSE),
    ("CosineSimilarity", {}, DENSE, POS),
    ("Huber", {"delta": 0.3}, DENSE, 2 * POS),
    ("LogCosh", {}, DENSE, 3 * POS),
    ("Hinge", {}, BINARY, DENSE),
    ("Hinge", {}, DENSE, POS),
    ("SquaredHinge", {}, BINARY, DENSE),
    ("CategoricalHinge", {}, ONE_HOT, DENSE),
    ("KLDivergence", {}, PROBS, np.roll(PROBS, 1, 0)),
    ("Poisson", {}, POS, POS[::-1].copy()),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BINARY, LOGITS),
    ("BinaryFocalCrossentropy", {}, BINARY, PROBS),
    (
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "from_logits": True, "label_smoothing": 0.2},
        BINARY,
        8 * LOGITS,  # saturated: Keras's TF backend takes the stable logits form
    ),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, ONE_HOT, PROBS),
    ("CategoricalFocalCrossentropy", {}, ONE_HOT, PROBS),
    (
        "CategoricalFocalCrossentropy",
        {"alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1},
        ONE_HOT,
        LOGITS,
    ),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, LABELS, LOGITS),
    ("Dice", {}, SEG_TRUE, SEG_PRED),
    ("Dice", {"axis": (1, 2, 3)}, SEG_TRUE, SEG_PRED),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, SEG_TRUE, SEG_PRED),
    ("Circle", {}, EMB_LABELS, EMB),
    ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, EMB_LABELS, EMB),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.8}, LABELS, PROBS),
    ("CTC", {}, CTC_TRUE, CTC_PRED),
]
IDS = [f"{n}-{i}" for i, (n, *_) in enumerate(CASES)]


def _weights(name, cfg, y_true):
    if name in ("Dice", "Tversky"):
        return np.float32(0.7) if cfg.get("axis") is None else np.array([0.3, 0.9], np.float32)
    return RNG.uniform(size=(len(y_true),)).astype(np.float32)


def _assert_same(ours, theirs, rtol=2e-5, atol=1e-6):
    theirs = np.asarray(keras_real.ops.convert_to_numpy(theirs))
    ours = ours.numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.parametrize(("name", "cfg", "y_true", "y_pred"), CASES, ids=IDS)
def test_values_with_every_reduction_and_weights_match_keras(name, cfg, y_true, y_pred):
    sw = _weights(name, cfg, y_true)
    for reduction in ("sum_over_batch_size", "sum", None, "mean_with_sample_weight"):
        for weights in (None, sw):
            ours = getattr(losses, name)(**cfg, reduction=reduction)(y_true, y_pred, sample_weight=weights)
            theirs = getattr(keras_real.losses, name)(**cfg, reduction=reduction)(y_true, y_pred, sample_weight=weights)
            _assert_same(ours, theirs)


@pytest.mark.parametrize(("name", "cfg", "y_true", "y_pred"), CASES, ids=IDS)
def test_tape_gradients_match_tf(name, cfg, y_true, y_pred):
    v = tf_real.Variable(y_pred)
    with tf_real.GradientTape() as tape:
        theirs = getattr(keras_real.losses, name)(**cfg)(y_true, v)
    want = tape.gradient(theirs, v).numpy()
    u = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        ours = getattr(losses, name)(**cfg)(y_true, u)
    np.testing.assert_allclose(tape.gradient(ours, u).numpy(), want, rtol=1e-4, atol=1e-6)


def test_gradients_at_kinks_and_bounds_match_tf():
    cases = [
        ("Hinge", BINARY, np.where(BINARY > 0, 1.0, -1.0).astype(np.float32)),  # 1 - y * p == 0
        ("MeanAbsoluteError", DENSE, DENSE.copy()),  # abs at 0
        ("KLDivergence", PROBS, np.clip(DENSE, 0, 1)),  # clip bounds
        ("Circle", np.arange(6), EMB),  # no positive pair anywhere
        ("CategoricalHinge", ONE_HOT, np.zeros_like(DENSE)),  # ties in the max
    ]
    for name, y_true, y_pred in cases:
        v = tf_real.Variable(y_pred)
        with tf_real.GradientTape() as tape:
            theirs = getattr(keras_real.losses, name)()(y_true, v)
        u = tf.Variable(y_pred)
        with tf.GradientTape() as tape2:
            ours = getattr(losses, name)()(y_true, u)
        np.testing.assert_allclose(tape2.gradient(ours, u).numpy(), tape.gradient(theirs, v).numpy(), atol=1e-6)


FUNCTIONAL = [
    ("mse", {}, DENSE[:, :1], POS[:, 0]),
    ("mape", {}, DENSE, POS),
    ("msle", {}, POS, DENSE),
    ("kld", {}, PROBS, PROBS[::-1].copy()),
    ("logcosh", {}, DENSE, POS),
    ("huber", {"delta": 0.5}, DENSE[:, 0], POS[:, :1]),
    ("cosine_similarity", {"axis": 0}, DENSE, POS),
    ("squared_hinge", {}, DENSE, POS),
    ("binary_crossentropy", {"from_logits": True, "axis": 0}, BINARY, LOGITS),
    ("binary_focal_crossentropy", {"from_logits": True, "gamma": 1.0}, BINARY, 20 * LOGITS),
    ("categorical_crossentropy", {"axis": 0}, ONE_HOT, PROBS),
    ("categorical_focal_crossentropy", {"axis": 0}, ONE_HOT, PROBS),
    ("sparse_categorical_crossentropy", {"ignore_class": 0}, LABELS, PROBS),
    ("dice", {"axis": 1}, DENSE, POS),
    ("tversky", {"axis": [1]}, DENSE, POS),
    ("circle", {"ref_labels": EMB_LABELS[::-1].copy(), "ref_embeddings": EMB[::-1].copy()}, EMB_LABELS, EMB),
    ("circle", {"ref_embeddings": EMB[::-1].copy()}, EMB_LABELS, EMB),
    ("categorical_generalized_cross_entropy", {"q": 0.3}, LABELS, PROBS),
    ("ctc", {}, CTC_TRUE, CTC_PRED),
    ("mse", {}, DENSE.astype(np.float64), POS.astype(np.float64)),
    ("kld", {}, PROBS.astype(np.float64), PROBS[::-1].astype(np.float64)),
]


@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), FUNCTIONAL, ids=[f[0] for f in FUNCTIONAL])
def test_functional_forms_match_tf_keras(name, kwargs, y_true, y_pred):
    theirs = getattr(tf_real.keras.losses, name)(y_true, y_pred, **kwargs)
    _assert_same(getattr(losses, name)(y_true, y_pred, **kwargs), theirs, rtol=1e-5)


def test_keras_masks_match_keras():
    y_true = RNG.normal(size=(3, 4, 2)).astype(np.float32)
    y_pred = RNG.normal(size=(3, 4, 2)).astype(np.float32)
    labels = RNG.integers(0, 2, size=(3, 4))
    labels[0, 1] = -1
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    cases = [
        ("MeanSquaredError", {}, y_true),
        ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}, labels),
    ]
    for name, cfg, target in cases:
        for reduction in ("sum_over_batch_size", "sum", None, "mean_with_sample_weight"):
            for weights in (None, RNG.uniform(size=(3, 1)).astype(np.float32)):
                theirs_pred = tf_real.constant(y_pred)
                theirs_pred._keras_mask = tf_real.constant(mask)
                ours_pred = tf.constant(y_pred)
                ours_pred._keras_mask = tf.constant(mask)
                theirs = getattr(keras_real.losses, name)(**cfg, reduction=reduction)(target, theirs_pred, weights)
                ours = getattr(losses, name)(**cfg, reduction=reduction)(target, ours_pred, weights)
                _assert_same(ours, theirs)


def test_dtypes_match_keras():
    for dtype in (None, "float64", "float16", "mixed_float16"):
        theirs = keras_real.losses.Huber(dtype=dtype)
        ours = losses.Huber(dtype=dtype)
        assert ours.dtype == theirs.dtype
        _assert_same(ours(DENSE, POS), theirs(DENSE, POS), rtol=1e-3)


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES}))
def test_configs_and_serialization_match_keras(name):
    kwargs = next(cfg for n, cfg, *_ in CASES if n == name)
    theirs = getattr(keras_real.losses, name)(**kwargs, reduction="sum", name="x")
    ours = getattr(losses, name)(**kwargs, reduction="sum", name="x")
    assert ours.get_config() == theirs.get_config()
    assert losses.serialize(ours) == keras_real.losses.serialize(theirs)
    if name == "CategoricalGeneralizedCrossEntropy":  # left out of Keras 3.15's lookup table
        for lookup in (keras_real.losses.get, losses.get):
            with pytest.raises(ValueError, match="Could not interpret loss identifier"):
                lookup(name)
    else:
        assert losses.get(name).get_config() == keras_real.losses.get(name).get_config()


def test_function_serialization_and_lookup_match_keras():
    for name in ("mse", "MAE", "kld", "logcosh", "msle", "huber", "ctc", "poisson"):
        ours, theirs = getattr(losses, name), getattr(tf_real.keras.losses, name)
        assert ours.__name__ == theirs.__name__
        assert losses.serialize(ours) == keras_real.losses.serialize(theirs)
    for identifier in ("mse", "bce", "KLD", "log_cosh", "categorical_focal_crossentropy", "circle"):
        assert losses.get(identifier).__name__ == keras_real.losses.get(identifier).__name__
    for identifier in ("logcosh", "huber_loss", "nope"):
        with pytest.raises(ValueError):
            keras_real.losses.get(identifier)
        with pytest.raises(ValueError):
            losses.get(identifier)


def test_backend_epsilon_matches_keras():
    y_true, y_pred = BINARY, np.clip(DENSE, 0, 1)
    try:
        keras_real.backend.set_epsilon(1e-2)
        tf.keras.backend.set_epsilon(1e-2)
        for name in (
            "BinaryCrossentropy",
            "CategoricalCrossentropy",
            "KLDivergence",
            "Poisson",
            "Dice",
            "CosineSimilarity",
        ):
            _assert_same(getattr(losses, name)()(y_true, y_pred), getattr(keras_real.losses, name)()(y_true, y_pred))
    finally:
        keras_real.backend.set_epsilon(1e-7)
        tf.keras.backend.set_epsilon(1e-7)
