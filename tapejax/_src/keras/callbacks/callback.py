"""``tf.keras.callbacks.Callback``: the base class with every hook of ``fit``/``evaluate``/``predict``."""

from __future__ import annotations

from typing import Any


class Callback:
    """The base class of callbacks (``tf.keras.callbacks.Callback``): every hook does nothing.

    ``fit``, ``evaluate`` and ``predict`` call ``set_model``/``set_params`` and then the hooks with the
    epoch or batch index and a ``logs`` dict of Python floats (metric name -> value).

    >>> import tapejax as tf
    >>> class Count(tf.keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, sorted(logs))
    >>> Count().on_epoch_end(0, {"loss": 1.0})
    0 ['loss']
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Receives ``{"verbose", "epochs", "steps"}`` from the training loop."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Receives the model being trained, evaluated or run."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model the callback is attached to."""
        return self._model

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A training batch begins (the default ``on_train_batch_begin`` calls it)."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A training batch ended (the default ``on_train_batch_end`` calls it)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """An epoch of ``fit`` begins."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """An epoch of ``fit`` ended: ``logs`` holds its metrics (and ``val_`` ones after validation)."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A training batch begins."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A training batch ended: ``logs`` holds the running metrics of the epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """An evaluation batch begins."""

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """An evaluation batch ended."""

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A prediction batch begins."""

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A prediction batch ended: ``logs["outputs"]`` holds its outputs."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """``fit`` begins."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """``fit`` ended: ``logs`` holds the last epoch's."""

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """``evaluate`` (or a validation pass) begins."""

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """``evaluate`` (or a validation pass) ended: ``logs`` holds its metrics."""

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """``predict`` begins."""

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """``predict`` ended."""
