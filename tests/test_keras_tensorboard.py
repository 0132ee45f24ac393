"""tf.keras.callbacks.TensorBoard: the files of a tiny fit, read back with TensorBoard's event reader.

The expected (step, tag) sequences per file are those Keras 3.15's callback writes (TF 2.21 with
TensorBoard 2.21, same model, data, batch size and validation split, checked side by side);
the values against the History and the model's weights."""

from __future__ import annotations

import glob
import io
import json
import os

import numpy as np
import pytest

import tapejax as tf

pytest.importorskip("tensorboardX")
event_file_loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")

from tapejax._src.summary.summary_ops import histogram_buckets  # noqa: E402


def _files(log_dir, sub):
    """One list per event file (in creation order) of (step, tag, plugin, value, metadata)."""
    out = []
    for path in sorted(
        glob.glob(os.path.join(str(log_dir), sub, "events.out.tfevents.*")), key=lambda p: int(p.split(".")[-2])
    ):
        records = []
        for event in event_file_loader.LegacyEventFileLoader(path).Load():
            for v in event.summary.value:
                records.append(
                    (
                        event.step,
                        v.tag,
                        v.metadata.plugin_data.plugin_name,
                        tensor_util.make_ndarray(v.tensor),
                        v.metadata,
                    )
                )
        out.append(records)
    return out


def _steps_tags(records, skip="/histogram"):
    return [(s, t) for s, t, *_ in records if skip not in t]


X = np.random.RandomState(0).rand(20, 3).astype("float32")
Y = (X.sum(1) > 1.5).astype("float32")
WEIGHTS = ["seq/d1/kernel", "seq/d1/bias", "seq/d2/kernel", "seq/d2/bias"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One model: fit (update_freq="batch", histograms) + evaluate, then fit again with update_freq=2."""
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(4, activation="relu", name="d1"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="d2"),
        ],
        name="seq",
    )
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    out = {}
    for update_freq, histogram_freq in (("batch", 1), (2, 0)):
        log_dir = tmp_path_factory.mktemp(f"tb_{update_freq}")
        cb = tf.keras.callbacks.TensorBoard(
            str(log_dir), write_graph=False, update_freq=update_freq, histogram_freq=histogram_freq
        )
        history = model.fit(X, Y, batch_size=8, epochs=2, validation_split=0.25, callbacks=[cb], verbose=0)
        weights = {w.path: w.numpy() for layer in model.layers for w in layer.weights}
        model.evaluate(X, Y, verbose=0, callbacks=[cb])
        out[update_freq] = (log_dir, history, weights)
    return out


def test_epoch_batch_histogram_and_evaluation_logs_as_keras(runs):
    log_dir, history, weights = runs["batch"]
    assert sorted(os.listdir(log_dir)) == ["train", "validation"]
    (train,) = _files(log_dir, "train")
    expected = []
    for epoch in (0, 1):
        expected += [(s, t) for s in (2 * epoch + 1, 2 * epoch + 2) for t in ("batch_accuracy", "batch_loss")]
        expected += [(epoch, "epoch_accuracy"), (epoch, "epoch_loss"), (epoch, "epoch_learning_rate")]
        expected += [(epoch, f"{w}/histogram") for w in WEIGHTS]
    assert [(s, t) for s, t, *_ in train] == expected
    scalars = {(s, t): v for s, t, p, v, _ in train if p == "scalars"}
    for epoch in (0, 1):
        assert scalars[(epoch, "epoch_loss")] == np.float32(history.history["loss"][epoch])
        assert scalars[(epoch, "epoch_accuracy")] == np.float32(history.history["accuracy"][epoch])
        assert scalars[(epoch, "epoch_learning_rate")] == np.float32(0.01)
        # The last batch's running metrics are the epoch's.
        assert scalars[(2 * epoch + 2, "batch_loss")] == scalars[(epoch, "epoch_loss")]
    # The last histograms are those of the trained weights.
    last = {t: v for s, t, p, v, _ in train if s == 1 and p == "histograms"}
    for path, value in weights.items():
        np.testing.assert_array_equal(last[f"{path}/histogram"], histogram_buckets(value, 30))
    validation, after_fit = _files(log_dir, "validation")
    assert _steps_tags(validation) == [
        (2, "evaluation_accuracy_vs_iterations"),
        (2, "evaluation_loss_vs_iterations"),
        (0, "epoch_accuracy"),
        (0, "epoch_loss"),
        (4, "evaluation_accuracy_vs_iterations"),
        (4, "evaluation_loss_vs_iterations"),
        (1, "epoch_accuracy"),
        (1, "epoch_loss"),
    ]
    val = {(s, t): v for s, t, _, v, _ in validation}
    assert val[(1, "epoch_loss")] == np.float32(history.history["val_loss"][1])
    assert val[(4, "evaluation_loss_vs_iterations")] == val[(1, "epoch_loss")]
    # evaluate() after fit: set_model opened a new validation file; the step is the optimizer's iteration.
    assert _steps_tags(after_fit) == [(4, "evaluation_accuracy_vs_iterations"), (4, "evaluation_loss_vs_iterations")]


def test_integer_update_freq_records_as_keras(runs):
    log_dir, _, _ = runs[2]
    (train,) = _files(log_dir, "train")
    assert [(s, t) for s, t, *_ in train] == [
        (2, "batch_accuracy"),
        (2, "batch_loss"),
        (0, "epoch_accuracy"),
        (0, "epoch_loss"),
        (0, "epoch_learning_rate"),
        (4, "batch_accuracy"),
        (4, "batch_loss"),
        (1, "epoch_accuracy"),
        (1, "epoch_loss"),
        (1, "epoch_learning_rate"),
    ]
    validation, after_fit = _files(log_dir, "validation")
    # Keras' record_if(step % 2 == 0) with the step of the first validation batch (1) drops the first
    # evaluation_* scalars; the second validation (batch 2) writes them at the optimizer's iteration
    # (this model's second fit: 4 + 4); evaluate()'s last batch is 5: nothing.
    assert _steps_tags(validation) == [
        (0, "epoch_accuracy"),
        (0, "epoch_loss"),
        (8, "evaluation_accuracy_vs_iterations"),
        (8, "evaluation_loss_vs_iterations"),
        (1, "epoch_accuracy"),
        (1, "epoch_loss"),
    ]
    assert after_fit == []


def test_write_graph_images_and_steps_per_second(tmp_path):
    from PIL import Image

    model = tf.keras.Sequential(
        [
            tf.keras.Input((6, 6, 2)),
            tf.keras.layers.Conv2D(3, 3, name="c"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(3, name="d"),
        ],
        name="seq",
    )
    model.compile(tf.keras.optimizers.Adam(0.005), "mse")
    cb = tf.keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=2, write_images=True, write_steps_per_second=True)
    # The hooks fit calls, without a fit: two epochs of one batch each.
    cb.set_model(model)
    cb.on_train_begin()
    for epoch in (0, 1, 2):
        cb.on_epoch_begin(epoch)
        cb.on_train_batch_begin(0)
        model.optimizer.iterations.assign_add(1)
        cb.on_train_batch_end(0, {"loss": 0.5})
        cb.on_epoch_end(epoch, {"loss": 0.5})
    cb.on_train_end()
    (train,) = _files(tmp_path, "train")
    step, tag, plugin, value, metadata = train[0]
    assert (step, tag, plugin, metadata.plugin_data.content) == (0, "keras", "graph_keras_model", b"1")
    assert json.loads(value.item()) == json.loads(model.to_json())
    tags = [(s, t) for s, t, *_ in train[1:]]
    images = [f"seq/{w}/image" for w in ("c/kernel", "c/bias", "d/kernel", "d/bias")]
    for epoch in (0, 2):
        assert [t for s, t in tags if s == epoch and t.endswith("/image")] == images
    assert [t for s, t in tags if s == 1] == ["epoch_loss", "epoch_learning_rate", "epoch_steps_per_second"]
    by_tag = {t: v for s, t, _, v, _ in train if s == 2}
    # Keras' weight images: a conv kernel (3, 3, 2, 3) -> 3 images of 3x2 (width 2, height 3); a Dense
    # kernel (48, 3) transposed -> one 3x48 image; a bias -> one 1xn image.
    assert [len(by_tag[t]) for t in images] == [5, 3, 3, 3]
    assert list(by_tag[images[0]][:2]) == [b"2", b"3"] and list(by_tag[images[2]][:2]) == [b"48", b"3"]
    kernel = model.layers[0].weights[0].numpy()
    png = np.asarray(Image.open(io.BytesIO(by_tag[images[0]][2])))
    # A 4-D kernel is logged as it is: kernel[i] is the i-th RGB image (Keras' behaviour).
    np.testing.assert_array_equal(png, np.clip(kernel[0] * 255.5, 0, 255).astype(np.uint8))
    assert by_tag["epoch_steps_per_second"] > 0


def test_argument_errors_as_keras(tmp_path):
    with pytest.raises(ValueError, match="profile_batch must be a non-negative integer or 2-tuple"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), profile_batch=-1)
    with pytest.raises(ValueError, match="profile_batch must be a non-negative integer or 2-tuple"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), profile_batch="5,2")
    with pytest.warns(UserWarning, match="does not profile"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), profile_batch=(2, 4))
    with pytest.raises(ValueError, match="embeddings_freq must be 0"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1)
    cb = tf.keras.callbacks.TensorBoard(str(tmp_path), update_freq="batch")
    assert cb.update_freq == 1 and cb.log_dir == str(tmp_path)
