"""tf.keras.losses: Keras 3's documented values, reductions, sample weights, and tape gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax.keras import losses

Y_TRUE_2 = [[0.0, 1.0], [0.0, 0.0]]
LOGITS_2 = [[-18.6, 0.51], [2.94, -12.8]]
ONE_HOT = [[0, 1, 0], [0, 0, 1]]
PROBS = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]


def _np(t):
    return np.asarray(t.numpy())


# -- Keras's documented values --------------------------------------------------------------------------
def test_binary_crossentropy_documented_values():
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce(Y_TRUE_2, LOGITS_2)) == pytest.approx(0.8654, abs=2e-4)
    assert float(bce(Y_TRUE_2, LOGITS_2, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(Y_TRUE_2, LOGITS_2)) == pytest.approx(
        1.730, abs=1e-3
    )
    none = losses.BinaryCrossentropy(from_logits=True, reduction=None)(Y_TRUE_2, LOGITS_2)
    np.testing.assert_allclose(_np(none), [0.235, 1.496], atol=1e-3)
    np.testing.assert_allclose(
        _np(losses.binary_crossentropy(Y_TRUE_2, [[0.6, 0.4], [0.4, 0.6]])), [0.916, 0.714], atol=1e-3
    )


@pytest.mark.parametrize("sparse", [False, True])
def test_categorical_crossentropy_documented_values(sparse):
    cls = losses.SparseCategoricalCrossentropy if sparse else losses.CategoricalCrossentropy
    labels = [1, 2] if sparse else ONE_HOT
    assert float(cls()(labels, PROBS)) == pytest.approx(1.177, abs=1e-3)
    assert float(cls()(labels, PROBS, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(0.814, abs=1e-3)
    assert float(cls(reduction="sum")(labels, PROBS)) == pytest.approx(2.354, abs=1e-3)
    np.testing.assert_allclose(_np(cls(reduction=None)(labels, PROBS)), [0.0513, 2.303], atol=1e-3)
    fn = losses.sparse_categorical_crossentropy if sparse else losses.categorical_crossentropy
    np.testing.assert_allclose(_np(fn(labels, PROBS)), [0.0513, 2.303], atol=1e-3)


def test_mean_squared_and_absolute_error():
    yt = np.array([[0.0, 1.0], [0.0, 0.0]], np.float32)
    yp = np.array([[1.0, 1.0], [1.0, 0.0]], np.float32)
    assert float(losses.MeanSquaredError()(yt, yp)) == 0.5
    assert float(losses.MeanAbsoluteError()(yt, yp)) == 0.5
    np.testing.assert_allclose(_np(losses.mse(yt, yp)), [0.5, 0.5])
    np.testing.assert_allclose(_np(losses.MeanSquaredError(reduction="none")(yt, yp)), [0.5, 0.5])
    assert float(losses.MeanSquaredError(reduction="sum")(yt, yp)) == 1.0
    assert losses.mse is losses.MSE and losses.MAE is losses.mae and losses.mse.__name__ == "mean_squared_error"


def test_reductions_with_sample_weight():
    yt = np.zeros((4, 1), np.float32)
    yp = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    sw = np.array([1.0, 0.0, 2.0, 0.0], np.float32)
    per_sample = np.array([1.0, 4.0, 9.0, 16.0])
    assert float(losses.MeanSquaredError()(yt, yp, sample_weight=sw)) == pytest.approx((per_sample * sw).sum() / 4)
    assert float(losses.MeanSquaredError(reduction="mean_with_sample_weight")(yt, yp, sample_weight=sw)) == (
        pytest.approx((per_sample * sw).sum() / 3)
    )
    assert float(losses.MeanSquaredError(reduction="sum")(yt, yp, sample_weight=2.0)) == pytest.approx(60.0)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_label_smoothing_matches_keras_formula():
    yt = np.array([[0.0, 1.0, 0.0]], np.float32)
    yp = np.array([[0.2, 0.5, 0.3]], np.float32)
    smoothed = yt * 0.9 + 0.1 / 3
    expected = -(smoothed * np.log(yp)).sum()
    assert float(losses.CategoricalCrossentropy(label_smoothing=0.1)(yt, yp)) == pytest.approx(expected, rel=1e-5)
    b_smoothed = yt * 0.8 + 0.5 * 0.2
    b_expected = -(b_smoothed * np.log(yp) + (1 - b_smoothed) * np.log(1 - yp)).mean()
    assert float(losses.BinaryCrossentropy(label_smoothing=0.2)(yt, yp)) == pytest.approx(b_expected, rel=1e-5)


def test_probabilities_are_clipped_like_keras():
    value = float(losses.BinaryCrossentropy()([[1.0]], [[0.0]]))
    assert value == pytest.approx(-np.log(np.float32(1e-7)), rel=1e-4)


def test_rank_fix_up_and_shape_errors():
    yt = np.array([1.0, 2.0], np.float32)
    yp = np.array([[1.5], [2.5]], np.float32)
    assert float(losses.MeanSquaredError()(yt, yp)) == pytest.approx(0.25)
    np.testing.assert_allclose(_np(losses.SparseCategoricalCrossentropy()(np.array([[1], [2]]), PROBS)).shape, ())
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_crossentropy([[1.0, 0.0]], [[0.5, 0.5, 0.5]])
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.sparse_categorical_crossentropy([1, 2, 0], PROBS)


def test_dtypes_follow_keras():
    yt = np.zeros((2, 2))
    yp = np.full((2, 2), 0.5)  # float64
    assert losses.MeanSquaredError()(yt, yp).dtype == tf.float32  # Keras casts to floatx
    assert losses.MeanSquaredError(dtype="float64")(yt, yp).dtype == tf.as_dtype("float64")
    assert losses.mse(yt, yp).dtype == tf.as_dtype("float64")  # functional: y_pred's dtype


def test_ignore_class_masks_and_renormalizes():
    labels = np.array([1, -1, 2])
    probs = np.array([[0.05, 0.95, 0.0], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1]], np.float32)
    value = float(losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, probs))
    expected = (-np.log(np.float32(0.95)) - np.log(np.float32(0.1))) / 2
    assert value == pytest.approx(expected, rel=1e-5)


# -- gradients on the tape ------------------------------------------------------------------------------
def _tape_grad(loss_fn, y_true, y_pred):
    p = tf.Variable(np.asarray(y_pred, np.float32))
    with tf.GradientTape() as tape:
        loss = loss_fn(y_true, p)
    return np.asarray(tape.gradient(loss, p))


GRAD_CASES = [
    (losses.MeanSquaredError(), lambda yt, yp: jnp.mean((yt - yp) ** 2), ONE_HOT, PROBS),
    (
        losses.MeanAbsoluteError(),
        lambda yt, yp: jnp.mean(jnp.abs(yt - yp)),
        ONE_HOT,
        [[0.3, 0.5, 0.1], [0.2, 0.1, 0.6]],
    ),
    (
        losses.BinaryCrossentropy(from_logits=True),
        lambda yt, x: jnp.mean(jnp.maximum(x, 0) - x * yt + jnp.log1p(jnp.exp(-jnp.abs(x)))),
        Y_TRUE_2,
        LOGITS_2,
    ),
    (
        losses.CategoricalCrossentropy(from_logits=True),
        lambda yt, x: jnp.mean(-jnp.sum(yt * jax.nn.log_softmax(x), -1)),
        ONE_HOT,
        [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]],
    ),
    (
        losses.CategoricalCrossentropy(),
        lambda yt, p: jnp.mean(-jnp.sum(yt * jnp.log(p / p.sum(-1, keepdims=True)), -1)),
        ONE_HOT,
        [[0.2, 0.5, 0.3], [0.1, 0.3, 0.6]],
    ),
]


@pytest.mark.parametrize(("loss", "reference", "y_true", "y_pred"), GRAD_CASES, ids=lambda c: getattr(c, "name", ""))
def test_tape_gradient_matches_jax(loss, reference, y_true, y_pred):
    got = _tape_grad(loss, y_true, y_pred)
    want = jax.jit(jax.grad(reference, argnums=1))(jnp.asarray(y_true, jnp.float32), jnp.asarray(y_pred, jnp.float32))
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-7)


def test_sparse_crossentropy_gradient_is_softmax_minus_one_hot():
    logits = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], np.float32)
    got = _tape_grad(losses.SparseCategoricalCrossentropy(from_logits=True), np.array([1, 2]), logits)
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(got, (softmax - np.eye(3)[[1, 2]]) / 2, rtol=1e-5, atol=1e-7)


def test_each_loss_call_is_one_node_on_the_tape():
    p = tf.Variable(np.asarray(PROBS, np.float32))
    with tf.GradientTape() as tape:
        losses.CategoricalCrossentropy()(ONE_HOT, p, sample_weight=[1.0, 2.0])
    assert len(tape._nodes) == 1


def test_custom_loss_subclass_uses_reduction():
    class SquaredError(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - y_true) * (y_pred - y_true)

    p = tf.Variable([1.0, 3.0])
    with tf.GradientTape() as tape:
        loss = SquaredError(reduction="sum")([0.0, 0.0], p)
    assert float(loss) == 10.0
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, p)), [2.0, 6.0])
    assert SquaredError().name == "squared_error"


def test_get_and_config():
    assert losses.get("mse") is losses.mse
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    with pytest.raises(ValueError):
        losses.get("nope")
    cfg = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1).get_config()
    assert losses.CategoricalCrossentropy.from_config(cfg).get_config() == cfg


REAL_KERAS_CASES = [
    ("MeanSquaredError", {}, "dense"),
    ("MeanAbsoluteError", {"reduction": "sum"}, "dense"),
    ("BinaryCrossentropy", {}, "probs"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "probs"),
    ("CategoricalCrossentropy", {"from_logits": True, "reduction": None}, "logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse-probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "reduction": "mean_with_sample_weight"}, "sparse-logits"),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TF's own numpy-2 __array__ warning
@pytest.mark.parametrize(("name", "cfg", "kind"), REAL_KERAS_CASES, ids=[f"{n}-{k}" for n, _, k in REAL_KERAS_CASES])
def test_losses_match_real_keras(name, cfg, kind):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 4)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = rng.integers(0, 4, size=(5,))
    y_true = {"dense": rng.normal(size=(5, 4)), "probs": np.eye(4)[labels], "logits": np.eye(4)[labels]}.get(
        kind, labels
    )
    y_pred = logits if "logits" in kind else (probs if "probs" in kind else rng.normal(size=(5, 4)).astype(np.float32))
    sw = rng.uniform(size=(5,)).astype(np.float32)
    ours = getattr(losses, name)(**cfg)(y_true, y_pred, sample_weight=sw)
    theirs = getattr(keras.losses, name)(**cfg)(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(ours.numpy(), np.asarray(keras.ops.convert_to_numpy(theirs)), rtol=1e-5, atol=1e-6)


def test_mae_gradient_is_zero_where_the_prediction_equals_the_target():
    v = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.MeanAbsoluteError()(tf.constant([[1.0, 0.0]]), v)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [[0.0, 0.5]])  # TF 2.21: abs' gradient at 0 is 0


@pytest.mark.parametrize("labels", [[-1, 0, 2], [0, 5, 1], [0.0, 3.0, 1.0]])
def test_sparse_categorical_crossentropy_rejects_labels_outside_the_classes(labels):
    # TF raises; -1 wrapped round to the last class and 5 gave NaN.
    logits = tf.constant([[1.0, 2.0, 3.0]] * 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        tf.keras.losses.sparse_categorical_crossentropy(tf.constant(labels), logits, from_logits=True)
