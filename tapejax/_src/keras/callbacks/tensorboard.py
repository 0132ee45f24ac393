"""``tf.keras.callbacks.TensorBoard``: Keras 3.15's TensorBoard logs, written through ``tf.summary``.

A port of ``keras/src/callbacks/tensorboard.py``: ``<log_dir>/train`` and ``<log_dir>/validation``
writers; ``epoch_<metric>`` scalars (and ``epoch_learning_rate``) at the epoch index,
``batch_<metric>`` scalars at the global batch for ``update_freq="batch"`` or an int (under Keras'
``record_if(step % update_freq == 0)``), ``evaluation_<metric>_vs_iterations`` at the optimizer's
iteration after each evaluation, ``<weight path>/histogram`` histograms every ``histogram_freq`` epochs
(and ``<weight path>/image`` with ``write_images``), and the model's JSON under ``keras`` with
``write_graph``.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from typing import Any

import numpy as np

import tapejax as tf
from tapejax._src.keras.callbacks.callback import Callback
from tapejax._src.optimizers.base import Optimizer


class TensorBoard(Callback):
    """Writes TensorBoard logs of ``fit``/``evaluate`` (``tf.keras.callbacks.TensorBoard``), as Keras 3.15.

    Args:
      log_dir: the directory; logs go to its ``train`` and ``validation`` subdirectories.
      histogram_freq: every how many epochs to write histograms of the weights (0: never).
      write_graph: write the model's JSON config (``model.to_json()``) under the tag ``keras`` at step
        0, for Sequential and functional models (TensorBoard's conceptual graph).
      write_images: also write each weight as an image (with ``histogram_freq``).
      write_steps_per_second: write ``epoch_steps_per_second`` (and ``batch_steps_per_second``).
      update_freq: ``"epoch"``, ``"batch"`` (= 1) or an int: also write ``batch_<metric>`` scalars
        every that many training batches.
      profile_batch: accepted as Keras validates it; profiling is not available (a warning if nonzero).
      embeddings_freq: must be 0 (embeddings are not written); embeddings_metadata: ignored.

    >>> import os, tempfile, numpy as np, tapejax as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> log_dir = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0,
    ...               callbacks=[tf.keras.callbacks.TensorBoard(log_dir)])
    >>> sorted(os.listdir(log_dir))
    ['train']

    Differences from Keras: no profiler (``profile_batch`` warns and is ignored), no embeddings
    projector (``embeddings_freq`` > 0 raises ValueError), and the train function's op graph is not
    written (tapejax has no TF graphs); the ``keras`` model summary is.
    """

    def __init__(
        self,
        log_dir: Any = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: Any = "epoch",
        profile_batch: Any = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if embeddings_freq:
            raise ValueError(
                "tapejax's TensorBoard callback does not write embeddings for the projector: "
                f"embeddings_freq must be 0. Received: embeddings_freq={embeddings_freq}"
            )
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations: Any = 0
        self._train_accumulated_time = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._writers: dict[str, Any] = {}
        self._prev_summary_state: list[Any] = []

    def _init_profile_batch(self, profile_batch: Any) -> None:
        message = (
            "profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
            f"positive integers signifies a range of batches to profile. Found: {profile_batch}"
        )
        if isinstance(profile_batch, str):
            profile_batch = [int(p) for p in profile_batch.split(",")]
        if isinstance(profile_batch, int):
            start, stop = profile_batch, profile_batch
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            start, stop = profile_batch
        else:
            raise ValueError(message)
        if start < 0 or stop < start:
            raise ValueError(message)
        if start or stop:
            warnings.warn(
                "tapejax's TensorBoard callback does not profile: profile_batch is ignored. "
                "Profile with jax.profiler instead.",
                stacklevel=3,
            )

    def set_model(self, model: Any) -> None:
        """Receives the model; resets the writers and writes its JSON with ``write_graph``."""
        self._model = model
        self._log_write_dir = self.log_dir
        self._train_dir = os.path.join(self._log_write_dir, "train")
        self._val_dir = os.path.join(self._log_write_dir, "validation")
        self._writers = {}
        if self.write_graph:
            self._write_keras_model_summary()

    @property
    def _train_writer(self) -> Any:
        if "train" not in self._writers:
            self._writers["train"] = tf.summary.create_file_writer(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self) -> Any:
        if "val" not in self._writers:
            self._writers["val"] = tf.summary.create_file_writer(self._val_dir)
        return self._writers["val"]

    def _write_keras_model_summary(self) -> None:
        with self._train_writer.as_default():
            if type(self.model).__name__ in ("Functional", "Sequential"):
                keras_model_summary("keras", self.model, step=0)

    def _push_writer(self, writer: Any, step: int) -> None:
        """Makes ``writer`` the default, recording only when ``step % update_freq == 0`` (Keras' rule)."""
        if self.update_freq == "epoch":
            return

        def should_record() -> bool:
            return step % self.update_freq == 0

        context = (writer.as_default(step), tf.summary.record_if(should_record))
        self._prev_summary_state.append(context)
        context[0].__enter__()
        context[1].__enter__()

    def _pop_writer(self) -> None:
        if self.update_freq == "epoch":
            return
        previous = self._prev_summary_state.pop()
        previous[1].__exit__(*sys.exc_info())
        previous[0].__exit__(*sys.exc_info())

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Resets the global batch counter and opens the train writer."""
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._push_writer(self._train_writer, self._global_train_batch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Closes the writers."""
        self._pop_writer()
        self._close_writers()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Opens the validation writer."""
        self._push_writer(self._val_writer, self._global_test_batch)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Writes ``evaluation_<metric>_vs_iterations`` at the optimizer's iteration."""
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer and hasattr(optimizer, "iterations"):
            with self._val_writer.as_default():
                for name, value in (logs or {}).items():
                    tf.summary.scalar(f"evaluation_{name}_vs_iterations", value, step=optimizer.iterations)
        self._pop_writer()

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Counts the global batch (the step of batch-level summaries)."""
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._train_writer, self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Writes ``batch_<metric>`` scalars (recorded per ``update_freq``)."""
        if self.write_steps_per_second:
            batch_run_time = time.time() - self._batch_start_time
            tf.summary.scalar("batch_steps_per_second", 1.0 / batch_run_time, step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                tf.summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Counts the global evaluation batch."""
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._val_writer, self._global_test_batch)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Notes the time and iteration for ``write_steps_per_second``."""
        if self.write_steps_per_second:
            self._previous_epoch_iterations = float(np.asarray(self.model.optimizer.iterations))
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Writes the epoch's metrics, and weight histograms every ``histogram_freq`` epochs."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _collect_learning_rate(self, logs: dict[str, Any]) -> dict[str, Any]:
        optimizer = self.model.optimizer
        if hasattr(optimizer, "inner_optimizer"):
            optimizer = optimizer.inner_optimizer
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                logs[f"learning_rate_{opt.name}"] = float(np.asarray(opt.learning_rate))
        elif isinstance(optimizer, Optimizer):
            logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        return logs

    def _compute_steps_per_second(self) -> float:
        current = float(np.asarray(self.model.optimizer.iterations))
        elapsed = np.float32(time.time() - self._epoch_start_time)
        return float((np.float32(current) - np.float32(self._previous_epoch_iterations)) / elapsed)

    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any] | None) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._compute_steps_per_second()
        if train_logs:
            with self._train_writer.as_default():
                for name, value in train_logs.items():
                    tf.summary.scalar(f"epoch_{name}", value, step=epoch)
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    tf.summary.scalar(f"epoch_{name[4:]}", value, step=epoch)

    def _log_weights(self, epoch: int) -> None:
        with self._train_writer.as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    weight_name = weight.path.replace(":", "_")
                    tf.summary.histogram(f"{weight_name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{weight_name}/image", epoch)
            self._train_writer.flush()

    def _log_weight_as_image(self, weight: Any, weight_name: str, epoch: int) -> None:
        """Writes a weight as an image, shaped as Keras does (channels_last)."""
        # Keras' reshapes, done on the host: Keras converts the image to NumPy before writing it.
        w_img = np.squeeze(weight.numpy())
        shape = w_img.shape
        if len(shape) == 1:  # a bias
            w_img = np.reshape(w_img, [1, shape[0], 1, 1])
        elif len(shape) == 2:  # a Dense kernel
            if shape[0] > shape[1]:
                w_img = np.transpose(w_img)
                shape = w_img.shape
            w_img = np.reshape(w_img, [1, shape[0], shape[1], 1])
        elif len(shape) == 3:  # a convolution kernel (channels_last)
            w_img = np.transpose(w_img, [2, 0, 1])
            shape = w_img.shape
            w_img = np.reshape(w_img, [shape[0], shape[1], shape[2], 1])
        if w_img.ndim == 4 and w_img.shape[-1] in (1, 3, 4):
            tf.summary.image(weight_name, w_img, step=epoch)


def keras_model_summary(name: str, data: Any, step: Any = None) -> Any:
    """Writes ``data.to_json()`` under ``name`` for TensorBoard's conceptual graph (Keras' helper).

    Returns False (with Keras' warning) if the model does not serialize to JSON.
    """
    from tapejax._src.summary.summary_ops import plugin_metadata

    try:
        json_string = data.to_json()
    except Exception as exc:  # as Keras: a model that does not serialize is skipped
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
        return False
    with tf.summary.experimental.summary_scope(name, "graph_keras_model") as (tag, _):
        return tf.summary.write(
            tag=tag, tensor=json_string, step=step, metadata=plugin_metadata("graph_keras_model", b"1")
        )
