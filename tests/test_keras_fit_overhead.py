"""train_on_batch feeds NumPy arrays straight into the compiled step; reset_metrics zeroes Keras' metrics directly."""

from __future__ import annotations

import numpy as np

import tapejax as tf


class _Peak(tf.keras.metrics.Metric):
    """A metric with its own reset (to a non-zero value, counting its calls): run as written."""

    def __init__(self) -> None:
        super().__init__(name="peak")
        self.best = self.add_variable(shape=(), initializer="zeros", name="best")
        self.resets = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.best.assign(tf.maximum(self.best, tf.reduce_max(y_pred)))

    def result(self):
        return self.best

    def reset_state(self):
        self.resets += 1
        self.best.assign(-100.0)


def _model() -> tuple[tf.keras.Model, _Peak]:
    tf.keras.utils.set_random_seed(0)
    peak = _Peak()
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae", peak])
    return model, peak


def test_train_on_batch_numpy_logs_one_step_and_reset_metrics():
    model, peak = _model()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((4, 2)).astype(np.float32)
    for _ in range(2):  # each call's logs are its own batch's: the metrics were reset before it
        kernel, bias = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
        pred = x @ kernel + bias
        pointer = model.layers[0].kernel._value.unsafe_buffer_pointer()
        loss, mae, best = model.train_on_batch(x, y)
        np.testing.assert_allclose(loss, np.mean((pred - y) ** 2), rtol=1e-5)
        np.testing.assert_allclose(mae, np.mean(np.abs(pred - y)), rtol=1e-5)
        np.testing.assert_allclose(best, max(-100.0, pred.max()), rtol=1e-5)
    # The compiled step donated the kernel's old buffer to its new value (issue 18).
    assert model.layers[0].kernel._value.unsafe_buffer_pointer() == pointer
    assert peak.resets == 2  # the metric's own reset_state ran on each call
    # A Tensor batch of the same shapes reuses the NumPy batches' trace.
    model.train_on_batch(tf.constant(x), tf.constant(y))
    assert model.train_function.experimental_get_tracing_count() == 1

    model.reset_metrics()
    tracker, mae_metric = model.metrics[0], model.metrics[1].metrics[0]
    assert [float(v.numpy()) for v in (*tracker.variables, *mae_metric.variables)] == [0.0] * 4
    assert float(peak.best.numpy()) == -100.0 and peak.resets == 4
    # The next step starts from the reset zeros: the logs are one step's.
    kernel, bias = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
    loss, _, _ = model.test_on_batch(x, y)
    np.testing.assert_allclose(loss, np.mean((x @ kernel + bias - y) ** 2), rtol=1e-5)
