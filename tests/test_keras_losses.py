"""tf.keras.losses (Keras 3.15): every loss against a NumPy reference of Keras's formula, Keras's
documented values, configs, lookup, errors, masks, and gradients on the tape and in tf.function.

Real-Keras parity (values, reductions, weights, masks, gradients) is tests/test_keras_parity_losses.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax.keras import losses

EPS = 1e-7
RNG = np.random.default_rng(0)
DENSE = RNG.normal(size=(3, 4)).astype(np.float32)
POS = RNG.uniform(0.1, 2.0, size=(3, 4)).astype(np.float32)
LOGITS = RNG.normal(size=(3, 4)).astype(np.float32)
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = np.array([2, 0, 3])
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
BINARY = (RNG.uniform(size=(3, 4)) > 0.5).astype(np.float32)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_l2n(x, axis):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), EPS)


def _np_focal_bce(t, p, gamma, alpha=None):
    o = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(o) + (1 - t) * np.log(1 - o))
    p_t = t * p + (1 - t) * (1 - p)
    w = 1.0 if alpha is None else t * alpha + (1 - t) * (1 - alpha)
    return (w * (1 - p_t) ** gamma * bce).mean(-1)


def _np_circle(labels, emb, gamma=80.0, margin=0.4, remove_diagonal=True):
    dist = np.maximum(1 - emb @ emb.T, 0.0)
    pos = labels[:, None] == labels[None, :]
    neg = ~pos
    if remove_diagonal:
        pos &= ~np.eye(len(labels), dtype=bool)
    pos_w = np.maximum((margin + dist) * pos, 0)
    neg_w = np.maximum((1 + margin - dist) * neg, 0)
    with np.errstate(divide="ignore"):
        p = np.log(np.where(pos, np.exp(-gamma * pos_w * (margin - dist)), 0).sum(1))
        n = np.log(np.where(neg, np.exp(gamma * neg_w * (1 - margin - dist)), 0).sum(1))
    return np.logaddexp(p + n, 0)


# -- per-sample values of the functional forms against NumPy ----------------------------------------------------
FUNCTIONAL = [
    ("mape", DENSE, POS, lambda t, p: 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1)),
    (
        "msle",
        POS,
        DENSE,
        lambda t, p: np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1),
    ),
    ("cosine_similarity", DENSE, POS, lambda t, p: -np.sum(_np_l2n(t, -1) * _np_l2n(p, -1), -1)),
    (
        "huber",
        DENSE,
        2 * POS,
        lambda t, p: np.mean(np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5), -1),
    ),
    ("logcosh", DENSE, POS, lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    ("hinge", BINARY, DENSE, lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0), -1)),
    ("hinge", DENSE, POS, lambda t, p: np.mean(np.maximum(1 - t * p, 0), -1)),  # not 0/1: kept as given
    ("squared_hinge", BINARY, DENSE, lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0) ** 2, -1)),
    (
        "categorical_hinge",
        ONE_HOT,
        DENSE,
        lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
    ),
    (
        "kld",
        PROBS,
        PROBS[::-1].copy(),
        lambda t, p: np.sum(np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1)), -1),
    ),
    ("poisson", POS, POS[::-1].copy(), lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    ("binary_focal_crossentropy", BINARY, PROBS, lambda t, p: _np_focal_bce(t, p, 2.0)),
    ("dice", BINARY, PROBS, lambda t, p: 1 - 2 * (t * p).sum() / (t.sum() + p.sum() + EPS)),
    (
        "tversky",
        BINARY,
        PROBS,
        lambda t, p: 1 - (t * p).sum() / ((t * p).sum() + 0.5 * ((1 - p) * t).sum() + 0.5 * (p * (1 - t)).sum() + EPS),
    ),
]


@pytest.mark.parametrize(("name", "y_true", "y_pred", "reference"), FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_forms_match_numpy(name, y_true, y_pred, reference):
    got = getattr(losses, name)(y_true, y_pred)
    want = reference(y_true.astype(np.float64), y_pred.astype(np.float64))
    assert got.dtype == tf.float32 and tuple(got.shape) == np.shape(want)
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=2e-6)


def test_focal_crossentropies_match_numpy():
    got = losses.binary_focal_crossentropy(BINARY, LOGITS, apply_class_balancing=True, alpha=0.3, from_logits=True)
    np.testing.assert_allclose(got.numpy(), _np_focal_bce(BINARY, _sigmoid(LOGITS), 2.0, 0.3), rtol=1e-5)
    alpha = [0.1, 0.2, 0.3, 0.4]
    got = losses.categorical_focal_crossentropy(ONE_HOT, LOGITS, alpha=alpha, gamma=1.5, from_logits=True)
    p = np.clip(PROBS, EPS, 1 - EPS)
    np.testing.assert_allclose(
        got.numpy(), np.sum(np.array(alpha) * (1 - p) ** 1.5 * -ONE_HOT * np.log(p), -1), rtol=1e-5
    )


def test_generalized_cross_entropy_and_circle_match_numpy():
    got = losses.categorical_generalized_cross_entropy(LABELS, PROBS, q=0.3)
    np.testing.assert_allclose(got.numpy(), (1 - PROBS[np.arange(3), LABELS] ** 0.3) / 0.3, rtol=1e-5)
    emb = RNG.normal(size=(6, 3))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    labels = np.array([0, 1, 0, 2, 1, 1])
    want = _np_circle(labels, emb.astype(np.float64))
    np.testing.assert_allclose(losses.circle(labels, emb).numpy(), want, rtol=1e-4)
    # Only the positive losses count in the mean (Keras's mask): label 2 has no positive pair.
    assert want[3] == 0 and (want[[0, 1, 2, 4, 5]] > 0).all()
    np.testing.assert_allclose(float(losses.Circle()(labels, emb)), want.sum() / 5, rtol=1e-4)
    np.testing.assert_allclose(float(losses.Circle(reduction="sum")(labels, emb)), want.sum(), rtol=1e-4)


# -- Keras's documented values -----------------------------------------------------------------------------------
def test_keras_documented_values():
    assert float(losses.MeanSquaredError()([1.0, 0.0, 1.0], [0.9, 0.1, 0.8])) == pytest.approx(0.02, abs=1e-6)
    assert float(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).numpy().mean()) == pytest.approx(
        0.155, abs=1e-3
    )
    assert float(losses.logcosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]).numpy().mean()) == pytest.approx(
        0.108, abs=1e-3
    )
    cos = losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]])
    np.testing.assert_allclose(cos.numpy(), [0.0, -1.0, 1.0], atol=1e-6)
    y_true, y_pred = [[0, 1, 0, 0]], [[-18.6, 0.51, 2.94, -12.8]]
    bfce = losses.BinaryFocalCrossentropy
    assert float(bfce(gamma=2, from_logits=True)(y_true, y_pred)) == pytest.approx(0.691, abs=1e-3)
    assert float(bfce(apply_class_balancing=True, gamma=2, from_logits=True)(y_true, y_pred)) == pytest.approx(
        0.51, abs=1e-3
    )
    y_true, y_pred = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    assert float(bfce(gamma=3, from_logits=True)(y_true, y_pred, sample_weight=[0.8, 0.2])) == pytest.approx(
        0.133, abs=1e-3
    )
    assert float(bfce(gamma=4, from_logits=True, reduction="sum")(y_true, y_pred)) == pytest.approx(1.222, abs=1e-3)
    none = bfce(apply_class_balancing=True, gamma=5, from_logits=True, reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(none.numpy(), [0.0004, 0.8670], atol=1e-4)
    np.testing.assert_allclose(
        losses.binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2).numpy(),
        [0.330, 0.206],
        atol=1e-3,
    )
    cfce = losses.CategoricalFocalCrossentropy(reduction=None)
    np.testing.assert_allclose(
        cfce([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).numpy(),
        [3.2058331e-05, 4.6627346e-01],
        rtol=1e-4,
    )
    y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    np.testing.assert_allclose(losses.dice(y_true, y_pred, axis=(1, 2, 3)).numpy(), [0.5, 0.75757575], rtol=1e-6)
    dice = losses.Dice()(y_true, y_pred)
    assert dice.shape == () and float(dice) == pytest.approx(0.6164384, rel=1e-6)


def test_ctc_of_a_tiny_alignment():
    # Two frames, uniform over {blank, 1}: three of the four paths give [1], so the loss is -log(3/4).
    got = losses.ctc([[1]], tf.zeros([1, 2, 2]))
    assert got.dtype == tf.float32 and tuple(got.shape) == (1,)
    np.testing.assert_allclose(got.numpy(), [-np.log(0.75)], rtol=1e-5)
    # Zeros in y_true are padding: label lengths 1 and 2.
    labels = np.array([[1, 0], [1, 1]])
    per_sample = losses.CTC(reduction=None)(labels, tf.zeros([2, 3, 2])).numpy()
    np.testing.assert_allclose(per_sample, [-np.log(6 / 8), -np.log(1 / 8)], rtol=1e-5)
    assert float(losses.CTC()(labels, tf.zeros([2, 3, 2]))) == pytest.approx(per_sample.mean(), rel=1e-6)
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc([1, 2], tf.zeros([2, 3, 2]))
    with pytest.raises(ValueError, match="y_pred"):
        losses.ctc([[1, 2]], tf.zeros([2, 3]))


# -- reductions, weights and masks -------------------------------------------------------------------------------
def test_keras_mask_on_predictions_leaves_entries_out():
    y_true = RNG.normal(size=(2, 3, 2)).astype(np.float32)
    y_pred = tf.constant(RNG.normal(size=(2, 3, 2)).astype(np.float32))
    mask = np.array([[True, True, False], [True, False, False]])
    y_pred._keras_mask = tf.constant(mask)
    per_step = ((y_true - y_pred.numpy()) ** 2).mean(-1)
    assert float(losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx(per_step[mask].mean(), rel=1e-6)
    assert float(losses.MeanSquaredError(reduction="sum")(y_true, y_pred)) == pytest.approx(
        per_step[mask].sum(), rel=1e-6
    )

    class SquaredError(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.square(y_true - y_pred), -1)

    assert float(SquaredError()(y_true, y_pred)) == pytest.approx(per_step[mask].mean(), rel=1e-6)

    w = tf.Variable(np.ones((2, 3, 2), np.float32))
    with tf.GradientTape() as tape:
        doubled = w * 2.0
        doubled._keras_mask = tf.constant(mask)
        value = losses.MeanSquaredError()(np.zeros((2, 3, 2), np.float32), doubled)
    # d/dw of mean over the 3 kept steps of mean((2w)^2): 8w / 2 / 3 on kept entries, 0 elsewhere.
    want = np.broadcast_to(np.where(mask[..., None], 4 / 3, 0.0), (2, 3, 2))
    np.testing.assert_allclose(tape.gradient(value, w).numpy(), want, rtol=1e-6)


def test_ignore_class_and_mask_combine():
    labels = np.array([[1, -1, 0], [0, 1, 1]])
    logits = RNG.normal(size=(2, 3, 2)).astype(np.float32)
    y_pred = tf.constant(logits)
    mask = np.array([[True, True, True], [True, True, False]])
    y_pred._keras_mask = tf.constant(mask)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    ce = -np.take_along_axis(log_p, np.maximum(labels, 0)[..., None], -1)[..., 0]
    keep = mask & (labels != -1)
    value = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, y_pred)
    assert float(value) == pytest.approx(ce[keep].mean(), rel=1e-5)


def test_mean_with_sample_weight_and_broadcast_weights():
    y_true, y_pred = np.zeros((2, 3), np.float32), DENSE[:2, :3]
    per_sample = (y_pred**2).mean(-1)
    sw = np.array([0.25, 2.0], np.float32)
    got = losses.MeanSquaredError(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=sw)
    assert float(got) == pytest.approx((per_sample * sw).sum() / sw.sum(), rel=1e-6)
    got = losses.MeanSquaredError(reduction="mean")(y_true, y_pred, sample_weight=sw[:, None])  # (2, 1) squeezed
    assert float(got) == pytest.approx((per_sample * sw).mean(), rel=1e-6)
    none = losses.Huber(reduction="none")(y_true, y_pred, sample_weight=sw)
    assert tuple(none.shape) == (2,)


# -- configs, names and lookup -------------------------------------------------------------------------------------
CONFIGS = {  # Keras 3.15's get_config() keys (checked in Keras: Huber and CosineSimilarity keep only two).
    "MeanSquaredError": {"name": "mean_squared_error"},
    "MeanAbsoluteError": {"name": "mean_absolute_error"},
    "MeanAbsolutePercentageError": {"name": "mean_absolute_percentage_error"},
    "MeanSquaredLogarithmicError": {"name": "mean_squared_logarithmic_error"},
    "CosineSimilarity": {"name": "cosine_similarity"},
    "Huber": {"name": "huber_loss"},
    "LogCosh": {"name": "log_cosh"},
    "Hinge": {"name": "hinge"},
    "SquaredHinge": {"name": "squared_hinge"},
    "CategoricalHinge": {"name": "categorical_hinge"},
    "KLDivergence": {"name": "kl_divergence"},
    "Poisson": {"name": "poisson"},
    "BinaryCrossentropy": {"name": "binary_crossentropy", "from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "BinaryFocalCrossentropy": {
        "name": "binary_focal_crossentropy", "from_logits": False, "label_smoothing": 0.0, "axis": -1,
        "apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0,
    },
    "CategoricalCrossentropy": {
        "name": "categorical_crossentropy", "from_logits": False, "label_smoothing": 0.0, "axis": -1,
    },
    "CategoricalFocalCrossentropy": {
        "name": "categorical_focal_crossentropy", "from_logits": False, "label_smoothing": 0.0, "axis": -1,
        "alpha": 0.25, "gamma": 2.0,
    },
    "SparseCategoricalCrossentropy": {
        "name": "sparse_categorical_crossentropy", "from_logits": False, "ignore_class": None,
    },
    "CTC": {"name": "ctc"},
    "Dice": {"name": "dice", "axis": None},
    "Tversky": {"name": "tversky", "alpha": 0.5, "beta": 0.5, "axis": None},
    "Circle": {"name": "circle", "gamma": 80.0, "margin": 0.4, "remove_diagonal": True},
    "CategoricalGeneralizedCrossEntropy": {"name": "categorical_generalized_cross_entropy", "q": 0.5},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_default_configs_and_round_trip(name):
    cls = getattr(losses, name)
    loss = cls()
    want = {**CONFIGS[name], "reduction": "sum_over_batch_size"}
    assert loss.get_config() == want and loss.name == want["name"] and loss.dtype == "float32"
    again = cls.from_config({**want, "name": "x", "reduction": None})
    assert again.name == "x" and again.reduction is None
    if name == "CategoricalGeneralizedCrossEntropy":  # not in Keras 3.15's lookup table
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            losses.deserialize(losses.serialize(loss))
    else:
        assert losses.deserialize(losses.serialize(loss)).get_config() == want


def test_config_keeps_arguments_and_lookup_follows_keras():
    cfg = losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, from_logits=True).get_config()
    assert cfg["apply_class_balancing"] and cfg["alpha"] == 0.4 and cfg["from_logits"]
    assert losses.get("mse") is losses.MSE and losses.get("bce") is losses.binary_crossentropy
    assert losses.get("kld") is losses.KLD is losses.kullback_leibler_divergence
    assert losses.get("log_cosh") is losses.logcosh and losses.logcosh.__name__ == "log_cosh"
    assert losses.get("mape") is losses.MAPE and losses.get("MSLE") is losses.msle
    assert isinstance(losses.get("Huber"), losses.Huber) and isinstance(losses.get(losses.Dice), losses.Dice)
    huber = losses.get({"class_name": "Huber", "config": {"name": "h", "reduction": "sum"}})
    assert huber.name == "h" and huber.reduction == "sum"
    assert losses.get(None) is None
    for bad in ("logcosh", "huber_loss", 3):  # Keras's names: log_cosh, huber (and Huber)
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            losses.get(bad)
    assert losses.serialize(losses.kld) == {
        "module": "builtins", "class_name": "function", "config": "kl_divergence", "registered_name": "function",
    }  # fmt: skip
    assert losses.deserialize("mean_squared_error") is losses.mse
    assert isinstance(losses.deserialize("MeanSquaredError"), losses.MeanSquaredError)


def test_custom_loss_serializes_and_names_itself():
    class FocalThing(losses.Loss):
        def call(self, y_true, y_pred):
            return y_pred - y_true

    cfg = losses.serialize(FocalThing())
    assert cfg == {
        "module": None, "class_name": "FocalThing", "config": {"name": "focal_thing", "reduction": "sum_over_batch_size"},
        "registered_name": "FocalThing",
    }  # fmt: skip
    assert isinstance(losses.deserialize(cfg, custom_objects={"FocalThing": FocalThing}), FocalThing)


def test_reduction_names():
    assert losses.Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")
    assert losses.Reduction.SUM_OVER_BATCH_SIZE == "sum_over_batch_size"
    losses.Reduction.validate("sum")
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        losses.Reduction.validate("mean")


def test_errors_are_keras():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.Huber(reduction="auto")
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.categorical_crossentropy(ONE_HOT, PROBS, axis=True)
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_focal_crossentropy(BINARY, PROBS[:, :3])
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_focal_crossentropy([[1.0]], [[0.7]])
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):  # the classes check as their functions do
        losses.CategoricalCrossentropy()([[1.0]], [[0.7]])
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.CategoricalFocalCrossentropy(axis=True)(ONE_HOT, PROBS)
    with pytest.raises(ValueError, match=r"Only axis=-1 is currently supported\. Received: axis=0"):
        losses.SparseCategoricalCrossentropy(axis=0)(LABELS, PROBS)
    last_axis = losses.SparseCategoricalCrossentropy(axis=1, reduction=None)(LABELS, PROBS)  # = -1 for rank 2
    np.testing.assert_allclose(last_axis.numpy(), -np.log(PROBS[np.arange(3), LABELS]), rtol=1e-5)


def test_public_names_are_tf_2_21s():
    names = json.loads((Path(__file__).parent / "data" / "keras_names.json").read_text())["losses"]
    public = sorted(n for n in dir(losses) if not n.startswith("_"))
    assert public == sorted(names)
    with pytest.raises(AttributeError):
        losses.mean_squared_error  # noqa: B018 - TF 2.21's tf.keras.losses has only the aliases


def test_dtypes():
    assert losses.huber(DENSE.astype(np.float64), POS.astype(np.float64)).dtype == tf.float64
    assert losses.KLDivergence()(PROBS.astype(np.float64), PROBS).dtype == tf.float32
    assert losses.Poisson(dtype="float64")(POS, POS).dtype == tf.float64
    assert losses.Poisson(dtype="mixed_float16").dtype == "float16"


# -- gradients -----------------------------------------------------------------------------------------------------
GRADIENTS = [
    (losses.Huber(delta=0.5), lambda t, p: jnp.mean(optax_huber(p - t, 0.5)), DENSE, POS),
    (losses.LogCosh(), lambda t, p: jnp.mean(jnp.log(jnp.cosh(p - t))), DENSE, POS),
    (
        losses.CosineSimilarity(),
        lambda t, p: jnp.mean(-jnp.sum(t * p, -1) / (jnp.linalg.norm(t, axis=-1) * jnp.linalg.norm(p, axis=-1))),
        DENSE,
        POS,
    ),
    (losses.KLDivergence(), lambda t, p: jnp.mean(jnp.sum(t * jnp.log(t / p), -1)), PROBS, PROBS[::-1].copy()),
    (losses.Poisson(), lambda t, p: jnp.mean(p - t * jnp.log(p + EPS)), POS, POS[::-1].copy()),
    (
        losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True),
        lambda t, x: jnp.mean(
            (1 - (t * jax.nn.sigmoid(x) + (1 - t) * (1 - jax.nn.sigmoid(x)))) ** 2
            * (jnp.maximum(x, 0) - x * t + jnp.log1p(jnp.exp(-jnp.abs(x))))
        ),
        BINARY,
        LOGITS,
    ),
    (
        losses.CategoricalFocalCrossentropy(from_logits=True),
        lambda t, x: jnp.mean(jnp.sum(0.25 * (1 - jax.nn.softmax(x)) ** 2 * -t * jax.nn.log_softmax(x), -1)),
        ONE_HOT,
        LOGITS,
    ),
    (
        losses.Tversky(alpha=0.3, beta=0.7),
        lambda t, p: 1 - (t * p).sum() / ((t * p).sum() + 0.3 * ((1 - p) * t).sum() + 0.7 * (p * (1 - t)).sum() + EPS),
        BINARY,
        PROBS,
    ),
    (
        losses.CategoricalGeneralizedCrossEntropy(q=0.4),
        lambda t, p: jnp.mean((1 - jnp.sum(p * jax.nn.one_hot(t, 4), -1) ** 0.4) / 0.4),
        LABELS,
        PROBS,
    ),
]


def optax_huber(x, delta):
    return jnp.where(jnp.abs(x) <= delta, 0.5 * x**2, delta * jnp.abs(x) - 0.5 * delta**2)


@pytest.mark.parametrize(("loss", "reference", "y_true", "y_pred"), GRADIENTS, ids=lambda c: getattr(c, "name", ""))
def test_tape_gradient_matches_jax(loss, reference, y_true, y_pred):
    p = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y_true, p)
    got = tape.gradient(value, p).numpy()
    want = jax.grad(reference, argnums=1)(jnp.asarray(y_true), jnp.asarray(y_pred, jnp.float32))
    np.testing.assert_allclose(got, np.asarray(want), rtol=2e-4, atol=1e-6)


def test_gradient_at_kinks_is_tfs():
    # tf.maximum sends the gradient to its first argument on ties; tf.clip_by_value passes it at the bounds.
    p = tf.Variable([[1.0, -1.0]])
    with tf.GradientTape() as tape:
        value = losses.Hinge()([[1.0, 0.0]], p)  # 1 - y * p == 0 exactly
    np.testing.assert_allclose(tape.gradient(value, p).numpy(), [[-0.5, 0.5]])
    q = tf.Variable([[1.0, 0.5, 2.0]])
    with tf.GradientTape() as tape:
        value = losses.KLDivergence(reduction="sum")([[0.2, 0.3, 0.5]], q)  # q clipped to [1e-7, 1]
    np.testing.assert_allclose(tape.gradient(value, q).numpy(), [[-0.2, -0.6, 0.0]], rtol=1e-6)


def test_circle_without_positive_pairs_has_zero_gradient():
    emb = tf.Variable(np.eye(3, dtype=np.float32))
    with tf.GradientTape() as tape:
        value = losses.Circle()([0, 1, 2], emb)
    assert float(value) == 0.0
    np.testing.assert_array_equal(tape.gradient(value, emb).numpy(), np.zeros((3, 3), np.float32))


def test_losses_in_tf_function_match_eager():
    w = tf.Variable(LOGITS)
    loss = losses.CategoricalFocalCrossentropy(from_logits=True, alpha=[0.1, 0.2, 0.3, 0.4])

    def step(y_true):
        with tf.GradientTape() as tape:
            value = loss(y_true, w, sample_weight=[1.0, 0.5, 2.0]) + losses.logcosh(y_true, w)[0]
        return value, tape.gradient(value, w)

    eager = step(ONE_HOT)
    compiled = tf.function(step)(ONE_HOT)
    np.testing.assert_allclose(compiled[0].numpy(), eager[0].numpy(), rtol=1e-5)
    np.testing.assert_allclose(compiled[1].numpy(), eager[1].numpy(), rtol=1e-5, atol=1e-7)


def test_backend_epsilon_and_floatx_are_read_at_each_call():
    try:
        tf.keras.backend.set_epsilon(1e-3)
        value = losses.BinaryCrossentropy()([[1.0]], [[0.0]])  # the prediction clipped to epsilon
        assert float(value) == pytest.approx(-np.log(1e-3), rel=1e-5)
        assert float(losses.poisson([[1.0]], [[0.0]])[0]) == pytest.approx(-np.log(1e-3), rel=1e-5)
        tf.keras.backend.set_floatx("float64")
        huber = losses.Huber()
        assert huber.dtype == "float64" and huber([[1.0]], [[0.0]]).dtype == tf.float64
    finally:
        tf.keras.backend.set_epsilon(1e-7)
        tf.keras.backend.set_floatx("float32")
    assert float(losses.BinaryCrossentropy()([[1.0]], [[0.0]])) == pytest.approx(-np.log(np.float32(1e-7)), rel=1e-4)
