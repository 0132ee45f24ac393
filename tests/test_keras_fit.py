"""Keras' training API (issue 16): compile/fit/evaluate/predict against a hand-written tape loop,
the progress bar's text, callbacks, datasets/generators, a train_step override, weights and splits."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.keras.compile_utils import get_loss, get_metric


@pytest.fixture
def float64():
    tf.keras.backend.clear_session()
    tf.keras.backend.set_floatx("float64")
    yield
    tf.keras.backend.set_floatx("float32")


def _data(n=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = x @ rng.normal(size=(d, 1)) + 0.1 * rng.normal(size=(n, 1))
    return x, y


def _mlp(seed=1):
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential(
        [tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(1)]
    )


def test_fit_evaluate_predict_equal_a_tape_loop_exactly_in_float64(float64):
    x, y = _data(8)
    model = _mlp()
    init = model.get_weights()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)

    ref = _mlp()
    ref.set_weights(init)
    opt = tf.keras.optimizers.Adam(0.05)
    losses, maes = [], []
    for _ in range(3):
        total = count = abs_total = 0.0
        for start in range(0, 8, 4):
            xb, yb = tf.constant(x[start : start + 4]), tf.constant(y[start : start + 4])
            with tf.GradientTape() as tape:
                pred = ref(xb)
                loss = tf.reduce_mean(tf.square(pred - yb))
            grads = tape.gradient(loss, ref.trainable_variables)
            opt.apply_gradients(zip(grads, ref.trainable_variables, strict=True))
            total += float(loss) * len(xb)
            count += len(xb)
            abs_total += float(tf.reduce_sum(tf.abs(pred - yb)))
        losses.append(total / count)
        maes.append(abs_total / count)
    for w, r in zip(model.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_allclose(w, r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(history.history["mae"], maes, rtol=1e-12)
    assert history.epoch == [0, 1, 2] and history is model.history
    pred = ref(tf.constant(x)).numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), pred, rtol=1e-12)
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=0)
    np.testing.assert_allclose([loss, mae], [np.mean((pred - y) ** 2), np.mean(np.abs(pred - y))], rtol=1e-12)
    assert model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True) == {"loss": loss, "mae": mae}
    assert model.metrics_names == ["loss", "compile_metrics"]


def test_accuracy_resolves_from_shapes_and_metrics_names():
    tf.keras.backend.clear_session()
    x = np.eye(4, dtype="float32")
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(4, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy", "acc"], weighted_metrics=["acc"])
    logs = model.train_on_batch(x, np.arange(4), return_dict=True)
    assert sorted(logs) == ["acc", "accuracy", "loss", "weighted_acc"]
    names = [type(m).__name__ for m in model._compile_metrics.metrics]
    assert names == ["SparseCategoricalAccuracy"] * 3
    kinds = {}
    for y_true, y_pred in (((4,), (4, 1)), ((4, 1), (4, 3)), ((4, 3), (4, 3)), ((4,), (4, 3))):
        metric = get_metric("accuracy", np.zeros(y_true), np.zeros(y_pred))
        kinds[y_true, y_pred] = (type(metric).__name__, metric.name)
    assert list(kinds.values()) == [
        ("BinaryAccuracy", "accuracy"), ("SparseCategoricalAccuracy", "accuracy"),
        ("CategoricalAccuracy", "accuracy"), ("SparseCategoricalAccuracy", "accuracy"),
    ]  # fmt: skip
    assert get_metric("mse", None, None).name == "mse"
    assert type(get_loss("ce", np.zeros((4,)), np.zeros((4, 1)))).__name__ == "LossFunctionWrapper"
    assert get_loss("ce", np.zeros((4,)), np.zeros((4, 1))).fn is tf.keras.losses.binary_crossentropy


def test_multi_output_losses_weights_and_names(float64):
    x, y = _data(8)
    labels = (np.arange(8) % 2).astype("int64")
    inp = tf.keras.Input((3,))
    a = tf.keras.layers.Dense(1, name="a")(inp)
    b = tf.keras.layers.Dense(2, activation="softmax", name="b")(inp)
    model = tf.keras.Model(inp, [a, b])
    model.compile("sgd", loss={"a": "mse", "b": "sparse_categorical_crossentropy"}, loss_weights=[1.0, 0.5],
                  metrics={"a": "mae", "b": ["accuracy"]})  # fmt: skip
    pa, pb = (t.numpy() for t in model(tf.constant(x)))
    logs = model.evaluate(x, [y, labels], verbose=0, return_dict=True)
    mse = np.mean((pa - y) ** 2)
    ce = -np.mean(np.log(np.clip(pb[np.arange(8), labels], 1e-7, 1)))
    assert sorted(logs) == ["a_loss", "a_mae", "b_accuracy", "b_loss", "loss"]
    np.testing.assert_allclose([logs["a_loss"], logs["b_loss"], logs["loss"]], [mse, ce, mse + 0.5 * ce], rtol=1e-10)
    flat = model.evaluate(x, [y, labels], verbose=0)
    assert flat == [logs["loss"], logs["a_loss"], logs["b_loss"], logs["a_mae"], logs["b_accuracy"]]


def test_progress_bar_text_verbose_1_and_2(capsys):
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=3, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n")
    bar = "\x1b\\[1m2/2\x1b\\[0m \x1b\\[32m━{20}\x1b\\[0m\x1b\\[37m\x1b\\[0m \x1b\\[1m\\d+s\x1b\\[0m \\d+[mu]?s/step - loss: \\d\\.\\d{4}"
    assert re.search("\r" + bar + " *\n", out), out
    assert "\x1b[1m1/2\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━\x1b[0m" in out
    assert "Epoch 2/2\n" in out
    model.fit(x, y, batch_size=3, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 - \d+s - \d+(ms|us|s)/step - loss: \d\.\d{4}", lines[1]), lines[1]
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_formats_like_keras(capsys):
    bar = tf.keras.utils.Progbar(10, verbose=2)
    bar.update(5, [("loss", 1.0)])
    bar.update(10, [("loss", 0.0001)])
    out = capsys.readouterr().out
    assert re.fullmatch(r"10/10 - \d+s - \d+(us|ms|s)/step - loss: 1\.0000e-04\n", out), out
    with pytest.raises(ValueError, match="Only one of `stateful_metrics`"):
        tf.keras.utils.Progbar(1, stateful_metrics=["a"], stateless_metrics=["b"])


def test_callback_hooks_order_and_logs():
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile("sgd", "mse")
    calls = []
    cb = tf.keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_train_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: calls.append(f"train_end {sorted(logs)}"),
        on_test_end=lambda logs: calls.append("test_end"),
    )
    model.fit(x, y, batch_size=3, epochs=2, initial_epoch=1, validation_data=(x, y), callbacks=[cb], verbose=0)
    assert calls == [
        "train_begin", "epoch_begin 1", "batch_end 0 ['loss']", "batch_end 1 ['loss']", "test_end",
        "epoch_end 1 ['loss', 'val_loss']", "train_end ['loss', 'val_loss']",
    ]  # fmt: skip


def test_early_stopping_patience_and_restore_best_weights():
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile(tf.keras.optimizers.SGD(0.01), "mse")
    snapshots = []
    losses = iter([1.0, 0.5, 0.7, 0.6, 0.4, 0.3])

    class Fake(tf.keras.callbacks.Callback):  # runs before EarlyStopping: it sees these losses
        def on_epoch_end(self, epoch, logs=None):
            logs["loss"] = next(losses)
            snapshots.append(model.get_weights())

    stop = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, epochs=6, callbacks=[Fake(), stop], verbose=0)
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3 and stop.best == 0.5 and stop.best_epoch == 1
    for w, s in zip(model.get_weights(), snapshots[1], strict=True):
        np.testing.assert_array_equal(w, s)
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        stop = tf.keras.callbacks.EarlyStopping(monitor="my_metric")
        stop.set_model(model)
        stop._set_monitor_op()


def test_early_stopping_baseline_and_max_mode():
    model = tf.keras.Sequential([])
    for baseline, stopped in ((0.9, 2), (None, 0)):  # under the baseline, improvements do not reset the wait
        stop = tf.keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2, baseline=baseline, mode="max")
        stop.set_model(model)
        stop.on_train_begin()
        model.stop_training = False
        for epoch, acc in enumerate([0.5, 0.6, 0.55]):
            stop.on_epoch_end(epoch, {"val_accuracy": acc})
        assert model.stop_training == bool(stopped) and stop.stopped_epoch == stopped and stop.best == 0.6
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_accuracy`"):
        stop.on_epoch_end(2, {"loss": 1.0})


def test_learning_rate_scheduler_and_reduce_on_plateau():
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile(tf.keras.optimizers.SGD(0.1), "mse")
    seen = []
    sched = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
    probe = tf.keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate))
    )
    history = model.fit(x, y, epochs=3, callbacks=[sched, probe], verbose=0)
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)

    plateau = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.02)
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch, loss in enumerate([1.0, 1.0, 1.0, 1.0]):
        plateau.on_epoch_end(epoch, {"loss": loss})
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.02, rtol=1e-6)
    with pytest.raises(ValueError, match=r"factor >= 1\.0"):
        tf.keras.callbacks.ReduceLROnPlateau(factor=1.0)


def test_csv_logger_terminate_on_nan_and_remote_monitor(tmp_path, capsys):
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile("sgd", "mse")
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, callbacks=[tf.keras.callbacks.CSVLogger(path)], verbose=0)
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,loss,val_loss" and rows[1].startswith("0,") and rows[2].endswith(",NA")
    model.fit(x, y, epochs=1, callbacks=[tf.keras.callbacks.CSVLogger(path, separator=";", append=True)], verbose=0)
    assert len(path.read_text().splitlines()) == 4

    bad = np.full_like(y, np.nan)
    history = model.fit(x, bad, batch_size=2, epochs=3, callbacks=[tf.keras.callbacks.TerminateOnNaN()], verbose=0)
    assert history.epoch == [0] and "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(x, bad, callbacks=[tf.keras.callbacks.TerminateOnNaN(raise_error=True)], verbose=0)
    with pytest.raises(NotImplementedError, match="RemoteMonitor is not supported"):
        tf.keras.callbacks.RemoteMonitor()


def test_validation_split_and_freq(float64):
    x, y = _data(10)
    model = _mlp()
    init = model.get_weights()
    model.compile("sgd", "mse")
    history = model.fit(x, y, epochs=3, validation_split=0.2, validation_freq=[1, 3], shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 2
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(x[8:], y[8:], verbose=0), rtol=1e-12)
    ref = _mlp()
    ref.set_weights(init)
    ref.compile("sgd", "mse")
    ref.fit(x[:8], y[:8], epochs=3, shuffle=False, verbose=0)
    for w, r in zip(model.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_array_equal(w, r)
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_class_weight_equals_sample_weight(float64):
    x, _ = _data(8)
    labels = np.array([0, 1, 1, 0, 2, 1, 0, 2])
    weights = {0: 0.5, 1: 2.0}
    out = []
    sample_weight = np.array([weights.get(c, 1.0) for c in labels])
    for kwargs in ({"class_weight": weights}, {"sample_weight": sample_weight}):
        tf.keras.utils.set_random_seed(3)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        history = model.fit(x, labels, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
        out.append((history.history, model.get_weights()))
    assert out[0][0] == out[1][0]
    for a, b in zip(out[0][1], out[1][1], strict=True):
        np.testing.assert_array_equal(a, b)
    probs = model.predict(x, batch_size=8, verbose=0)
    per_sample = -np.log(probs[np.arange(8), labels]) * sample_weight
    logs = model.evaluate(x, labels, sample_weight=sample_weight, batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], per_sample.mean(), rtol=1e-10)  # Keras: sum(w * l) / n
    accurate = probs.argmax(-1) == labels
    np.testing.assert_allclose(logs["accuracy"], (accurate * sample_weight).sum() / sample_weight.sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="cannot be specified at the same time"):
        model.train_on_batch(x, labels, sample_weight=np.ones(8), class_weight=weights)
    assert model.get_compile_config()["loss"] == "sparse_categorical_crossentropy"


def test_dataset_and_generator_inputs_give_the_array_results(float64):
    x, y = _data(8)
    results = []
    for kind in ("arrays", "dataset", "generator"):
        model = _mlp()
        model.compile("sgd", "mse")
        if kind == "arrays":
            history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        elif kind == "dataset":
            history = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), epochs=2, shuffle=False, verbose=0)
        else:

            def gen():
                while True:
                    for i in (0, 4):
                        yield x[i : i + 4], y[i : i + 4]

            history = model.fit(gen(), steps_per_epoch=2, epochs=2, shuffle=False, verbose=0)
        results.append(history.history["loss"])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)
    np.testing.assert_allclose(results[2], results[0], rtol=1e-12)
    model = _mlp()
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="Your input ran out of data"):  # (as Keras, even with no steps_per_epoch)
        model.fit((batch for batch in [(x, y)]), epochs=2, shuffle=False, verbose=0)
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored since the data `x` was"):
        model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), verbose=0)
    with pytest.raises(ValueError, match=r"When providing `x` as a tf\.data\.Dataset, `y` should not be passed"):
        model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), y, verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type"):  # (Keras takes generators, not iterators)
        model.fit(iter([(x, y)]), verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type"):  # (nor Python lists)
        model.fit(x, list(y[:, 0]), verbose=0)


def test_train_step_override_with_tape_and_own_metrics(float64):
    x, y = _data(8)

    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(1)
            self.loss_tracker = tf.keras.metrics.Mean(name="loss")
            self.mae_metric = tf.keras.metrics.MeanAbsoluteError(name="mae")

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            inputs, targets = data
            with tf.GradientTape() as tape:
                pred = self(inputs, training=True)
                loss = tf.reduce_mean(tf.square(pred - targets))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables, strict=True))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(targets, pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    tf.keras.utils.set_random_seed(0)
    model = Custom()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.125), run_eagerly=True)  # (the step runs uncompiled)
    model(tf.constant(x[:1]))
    w0 = [w.numpy() for w in model.trainable_variables]
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    kernel, bias = w0
    losses = []
    for _ in range(2):
        pred = x @ kernel + bias
        losses.append(np.mean((pred - y) ** 2))
        g = 2 * (pred - y) / 8
        kernel, bias = kernel - 0.125 * x.T @ g, bias - 0.125 * g.sum(0)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(model.trainable_variables[0].numpy(), kernel, rtol=1e-12)
    assert sorted(history.history) == ["loss", "mae"]
    assert model.predict_on_batch(x).shape == (8, 1) and model.run_eagerly
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no jit_compile warning: "auto" follows run_eagerly
        model.compile(optimizer="sgd")
    assert model.train_function is None and not model.run_eagerly
    # Keras' TF backend: "auto" is False on a CPU-only machine, True with an accelerator.
    assert model.jit_compile == any(d.device_type != "CPU" for d in tf.config.list_physical_devices())


def test_compute_loss_adds_regularization_and_errors():
    tf.keras.backend.clear_session()
    x = np.ones((2, 3), "float32")
    model = tf.keras.Sequential(
        [tf.keras.Input((3,)), tf.keras.layers.Dense(1, kernel_initializer="ones", kernel_regularizer=tf.keras.regularizers.L2(0.1))]
    )  # fmt: skip
    model.compile("sgd", "mse")
    loss = model.test_on_batch(x, np.zeros((2, 1)))
    np.testing.assert_allclose(loss, 9.0 + 0.1 * 3, rtol=1e-6)
    fresh = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using the model\."):
        fresh.fit(x, np.zeros((2, 1)), verbose=0)
    fresh.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        fresh.train_on_batch(x, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="Arguments not recognized"):
        model.evaluate(x, np.zeros((2, 1)), verbose=0, bogus=1)
    model.reset_metrics()
    assert float(model.metrics[0].result()) == 0.0


def test_model_checkpoint_formats_names_and_saves_the_best(tmp_path, capsys):
    tf.keras.backend.clear_session()
    x, y = _data(6)
    model = _mlp()
    model.compile(tf.keras.optimizers.SGD(0.05), "mse")
    every = tf.keras.callbacks.ModelCheckpoint(
        str(tmp_path / "w-{epoch:02d}-{loss:.3f}.weights.h5"), monitor="loss", save_weights_only=True
    )
    best = tf.keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="loss", save_best_only=True, verbose=1)
    history = model.fit(x, y, batch_size=6, epochs=2, callbacks=[every, best], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    losses = history.history["loss"]
    assert names == ["best.keras", f"w-01-{losses[0]:.3f}.weights.h5", f"w-02-{losses[1]:.3f}.weights.h5"]
    assert f"Epoch 1: loss improved from None to {losses[0]:.5f}, saving model to" in capsys.readouterr().out
    reloaded = tf.keras.models.load_model(tmp_path / "best.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    assert reloaded.get_compile_config()["loss"] == "mse" and reloaded.optimizer.get_config()[
        "learning_rate"
    ] == np.float32(0.05)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        tf.keras.callbacks.ModelCheckpoint("x.h5", save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        tf.keras.callbacks.ModelCheckpoint("x.keras", save_freq="batch")


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    tf.keras.backend.clear_session()
    x, y = _data(6)
    backup = tmp_path / "backup"

    class Interrupt(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    model = _mlp()
    model.compile(tf.keras.optimizers.SGD(0.05), "mse")
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, batch_size=6, epochs=4, callbacks=[tf.keras.callbacks.BackupAndRestore(backup), Interrupt()], verbose=0)  # fmt: skip
    saved = model.get_weights()
    assert (backup / "training_metadata.json").read_text() == '{"epoch": 2, "batch": 0}'
    resumed = _mlp(seed=5)
    resumed.compile(tf.keras.optimizers.SGD(0.05), "mse")
    history = resumed.fit(x, y, batch_size=6, epochs=4, callbacks=[tf.keras.callbacks.BackupAndRestore(backup)], verbose=0)  # fmt: skip
    assert history.epoch == [2, 3] and not backup.exists()
    straight = _mlp(seed=6)
    straight.compile(tf.keras.optimizers.SGD(0.05), "mse")
    straight.set_weights(saved)
    straight.fit(x, y, batch_size=6, epochs=2, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_steps_per_execution_runs_groups_of_batches_per_call(float64):
    x, y = _data(8)
    weights, ends = [], []
    for spe in (1, 3):
        model = _mlp()
        model.compile(tf.keras.optimizers.SGD(0.125), "mse", steps_per_execution=spe)
        seen = tf.keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(batch))
        history = model.fit(x, y, batch_size=2, epochs=1, shuffle=False, callbacks=[seen], verbose=0)
        weights.append((model.get_weights(), history.history["loss"]))
    assert ends == [0, 1, 2, 3, 2, 3]  # spe=3: one call for batches 0-2, one for batch 3
    for a, b in zip(weights[0][0], weights[1][0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_allclose(weights[0][1], weights[1][1], rtol=1e-13)
    assert model.evaluate(x, y, batch_size=2, verbose=0) == pytest.approx(model.evaluate(x, y, batch_size=8, verbose=0))
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), model(tf.constant(x)).numpy(), rtol=1e-13)


def test_guide_pattern_compute_loss_and_compiled_metrics_in_overridden_steps(float64):
    x, y = _data(8)

    class Guide(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            inputs, targets = data
            with tf.GradientTape() as tape:
                pred = self(inputs, training=True)
                loss = self.compute_loss(y=targets, y_pred=pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables, strict=True))
            for metric in self.metrics:
                metric.update_state(loss) if metric.name == "loss" else metric.update_state(targets, pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            inputs, targets = data
            pred = self(inputs, training=False)
            self.metrics[0].update_state(self.compute_loss(y=targets, y_pred=pred) * 2.0)  # (visibly custom)
            self.metrics[1].update_state(targets, pred)
            return {m.name: m.result() for m in self.metrics}

    model = Guide()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert list(history.history) == ["mae", "loss"]  # (the logs' keys sorted: compile_metrics, loss)
    pred = model.predict(x, verbose=0)
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose([logs["loss"], logs["mae"]], [2 * np.mean((pred - y) ** 2), np.mean(np.abs(pred - y))])


def test_subclass_called_with_inputs_and_outputs_is_functional_with_its_train_step():
    tf.keras.backend.clear_session()
    calls = []

    class Counting(tf.keras.Model):  # no __init__: Keras makes CustomModel(inputs, outputs) functional
        def train_step(self, data):
            calls.append("train_step")
            return super().train_step(data)

    inputs = tf.keras.Input((3,))
    model = Counting(inputs, tf.keras.layers.Dense(1)(inputs))
    assert isinstance(model, Counting) and type(model).__name__ == "Counting" and model.name == "counting"
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=2, verbose=0)
    traced = len(calls)
    model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=2, verbose=0)
    assert 1 <= traced <= 2 and len(calls) == traced  # the override is traced, then its compiled program runs


def test_compute_loss_override_without_training_argument():
    tf.keras.backend.clear_session()

    class Scaled(tf.keras.Model):  # Keras' older compute_loss signature, no `training`
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, inputs):
            return self.dense(inputs)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            return 3.0 * super().compute_loss(x, y, y_pred, sample_weight)

    model = Scaled()
    model.compile("sgd", "mse")
    np.testing.assert_allclose(model.test_on_batch(np.ones((2, 3)), np.zeros((2, 1))), 27.0, rtol=1e-6)
