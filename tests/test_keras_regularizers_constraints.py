"""tf.keras.regularizers and tf.keras.constraints: values against NumPy, gradients, configs, string lookup."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapejax as tf

R = tf.keras.regularizers
C = tf.keras.constraints
W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5], [-0.5, 2.0, 1.0], [0.0, -1.0, 2.5]], np.float32)
EPS = 1e-7


def _f32(v: float) -> float:
    return float(np.float32(v))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l1_l2_l1l2_values_and_gradients(dtype: Any) -> None:
    w = tf.Variable(W.astype(dtype))
    cases = [
        (R.L1(0.3), _f32(0.3) * np.abs(W).sum(), _f32(0.3) * np.sign(W)),
        (R.L2(0.3), 0.3 * (W**2).sum(), 0.6 * W),
        (R.L1L2(l1=0.1, l2=0.2), 0.1 * np.abs(W).sum() + 0.2 * (W**2).sum(), 0.1 * np.sign(W) + 0.4 * W),
    ]
    for reg, value, grad in cases:
        with tf.GradientTape() as tape:
            loss = reg(w)
        assert loss.shape == () and loss.dtype.name == np.dtype(dtype).name
        np.testing.assert_allclose(loss.numpy(), value, rtol=1e-6)
        np.testing.assert_allclose(tape.gradient(loss, w).numpy(), grad, rtol=1e-6)


def test_defaults_and_configs_checked_in_keras() -> None:
    assert R.L1().get_config() == {"l1": 0.009999999776482582}  # (Keras keeps l1 as a float32 tensor)
    assert R.L2().get_config() == {"l2": 0.01}
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.L1L2(l1=None, l2=0.5).get_config() == {"l1": 0.0, "l2": 0.5}
    assert R.OrthogonalRegularizer().get_config() == {"factor": 0.009999999776482582, "mode": "rows"}
    assert R.L1L2()(tf.constant(W)).numpy() == 0.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "a"])
def test_regularizer_arguments_are_validated(bad: Any) -> None:
    with pytest.raises(ValueError, match="Invalid value for argument l2: expected a non-negative float"):
        R.L2(bad)
    with pytest.raises(ValueError, match="Invalid value for argument factor"):
        R.OrthogonalRegularizer(factor=bad)


def _orthogonal_np(w: np.ndarray, factor: float, mode: str) -> float:
    m = w if mode == "rows" else w.T
    m = m * np.minimum(1 / np.sqrt((m**2).sum(axis=1, keepdims=True)), 1 / EPS)
    p = m @ m.T
    n = p.shape[0]
    return factor * 0.5 * np.abs(p * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_orthogonal_regularizer_value_and_gradient(mode: str, dtype: Any) -> None:
    reg = R.OrthogonalRegularizer(factor=0.5, mode=mode)
    w = tf.constant(W.astype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(w)
        loss = reg(w)
    assert loss.dtype.name == np.dtype(dtype).name
    np.testing.assert_allclose(loss.numpy(), _orthogonal_np(W.astype(np.float64), 0.5, mode), rtol=1e-5)
    # An orthogonal matrix has no penalty, and the gradient is that of the NumPy formula.
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))[0]
    assert abs(float(reg(tf.constant(q)).numpy())) < 1e-7
    h = 1e-6
    e = np.zeros_like(W, np.float64)
    e[1, 2] = h
    numeric = (_orthogonal_np(W + e, 0.5, mode) - _orthogonal_np(W - e, 0.5, mode)) / (2 * h)
    np.testing.assert_allclose(tape.gradient(loss, w).numpy()[1, 2], numeric, rtol=1e-3)


def test_orthogonal_regularizer_errors() -> None:
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        R.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        R.OrthogonalRegularizer()(tf.ones([2, 2, 2]))


def test_regularizers_work_inside_tf_function() -> None:
    w = tf.Variable(W)
    reg = R.L1L2(l1=0.1, l2=0.2)

    @tf.function
    def step() -> Any:
        with tf.GradientTape() as tape:
            loss = reg(w) + R.OrthogonalRegularizer()(w)
        return tape.gradient(loss, w)

    with tf.GradientTape() as tape:
        loss = reg(w) + R.OrthogonalRegularizer()(w)
    np.testing.assert_allclose(step().numpy(), tape.gradient(loss, w).numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("identifier", "cls"),
    [("l1", "L1"), ("L1", "L1"), ("l2", "L2"), ("L1L2", "L1L2"), ("l1l2", "L1L2"),
     ("orthogonal_regularizer", "OrthogonalRegularizer"), ("OrthogonalRegularizer", "OrthogonalRegularizer"),
     ("regularizer", "Regularizer"), ("Regularizer", "Regularizer")],
)  # fmt: skip
def test_regularizer_get_resolves_keras_names(identifier: str, cls: str) -> None:
    assert type(R.get(identifier)) is getattr(R, cls)


def test_regularizer_get_serialize_deserialize() -> None:
    assert R.get(None) is None
    reg = R.L1L2(l1=0.1, l2=0.2)
    assert R.get(reg) is reg
    assert type(R.get(R.L2)) is R.L2
    config = R.serialize(reg)
    assert config == {
        "module": "keras.regularizers",
        "class_name": "L1L2",
        "config": {"l1": 0.1, "l2": 0.2},
        "registered_name": None,
    }
    for again in (
        R.deserialize(config),
        R.get(config),
        R.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}),
    ):
        assert type(again) is R.L1L2 and again.get_config() == reg.get_config()
    fn = lambda x: tf.reduce_sum(x)  # noqa: E731
    assert R.get(fn) is fn
    for bad in ("l1_l2", "nope", 3):  # ("l1_l2" is no Keras 3.15 lookup name: its snake_case is "l1l2")
        with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
            R.get(bad)
    assert R.l1_l2 is R.L1L2 and R.l2 is R.L2 and R.orthogonal_regularizer is R.OrthogonalRegularizer
    with pytest.raises(NotImplementedError):
        R.Regularizer().get_config()
    assert R.Regularizer()(tf.constant(W)) == 0.0


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=tuple(np.atleast_1d(axis)), keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_max_norm_unit_norm_min_max_norm_values(axis: Any) -> None:
    w = W * 2.0
    n = _norms(w, axis)
    np.testing.assert_allclose(C.MaxNorm(2.0, axis=axis)(w).numpy(), w * np.clip(n, 0, 2.0) / (EPS + n), rtol=1e-6)
    np.testing.assert_allclose(C.UnitNorm(axis=axis)(w).numpy(), w / (EPS + n), rtol=1e-6)
    desired = 0.5 * np.clip(n, 1.0, 3.0) + 0.5 * n
    np.testing.assert_allclose(C.MinMaxNorm(1.0, 3.0, 0.5, axis=axis)(w).numpy(), w * desired / (EPS + n), rtol=1e-6)


def test_constraint_defaults_configs_and_non_neg() -> None:
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert C.NonNeg().get_config() == {} and C.Constraint().get_config() == {}
    np.testing.assert_array_equal(C.NonNeg()(W).numpy(), np.maximum(W, 0))
    w = tf.constant(W)
    assert C.Constraint()(w) is w


def test_constraint_on_a_variable_inside_tf_function() -> None:
    v = tf.Variable(W * 3.0)
    constraint = C.MaxNorm(1.0)

    @tf.function
    def project() -> None:
        v.assign(constraint(v))

    project()
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=0), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("identifier", "cls"),
    [("max_norm", "MaxNorm"), ("MaxNorm", "MaxNorm"), ("min_max_norm", "MinMaxNorm"), ("non_neg", "NonNeg"),
     ("NonNeg", "NonNeg"), ("unit_norm", "UnitNorm"), ("constraint", "Constraint")],
)  # fmt: skip
def test_constraint_get_resolves_keras_names(identifier: str, cls: str) -> None:
    assert type(C.get(identifier)) is getattr(C, cls)


def test_constraint_get_serialize_deserialize() -> None:
    assert C.get(None) is None
    c = C.MinMaxNorm(0.5, 2.0, 0.7, axis=[0, 1])
    assert C.get(c) is c and type(C.get(C.NonNeg)) is C.NonNeg
    config = C.serialize(c)
    assert config == {
        "module": "keras.constraints",
        "class_name": "MinMaxNorm",
        "config": {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": [0, 1]},
        "registered_name": None,
    }
    for again in (C.deserialize(config), C.get(config), C.MinMaxNorm.from_config(c.get_config())):
        assert type(again) is C.MinMaxNorm and again.get_config() == c.get_config()
    for bad in ("nope", 5, {"class_name": "Nope", "config": {}}):
        with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
            C.get(bad)
    with pytest.raises(ValueError, match="Unknown `config` as a `dict`"):
        C.get({"config": {}})
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg and C.unit_norm is C.UnitNorm
    assert C.min_max_norm is C.MinMaxNorm


def test_custom_constraint_round_trips_through_custom_objects() -> None:
    class Clip(C.Constraint):
        def __init__(self, limit: float = 1.0) -> None:
            self.limit = limit

        def __call__(self, w: Any) -> Any:
            return tf.clip_by_value(w, -self.limit, self.limit)

        def get_config(self) -> dict[str, Any]:
            return {"limit": self.limit}

    config = C.serialize(Clip(0.5))
    assert config["class_name"] == "Clip" and config["registered_name"] == "Clip" and config["module"] == __name__
    again = C.deserialize(config, custom_objects={"Clip": Clip})
    np.testing.assert_array_equal(again(W).numpy(), np.clip(W, -0.5, 0.5))

    class NoConfig:
        def __call__(self, w: Any) -> Any:
            return w

    with pytest.raises(TypeError, match="Cannot serialize object"):
        C.serialize(NoConfig())
