"""``tf.keras.callbacks.ReduceLROnPlateau``: multiplies the learning rate by ``factor`` on a plateau."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tapejax._src.keras.callbacks.monitor_callback import MonitorCallback
from tapejax._src.keras.progbar import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Reduces the optimizer's learning rate when ``monitor`` stops improving (Keras 3.15's rules).

    Args:
      monitor: the logged quantity.
      factor: the multiplier (< 1).
      patience: epochs without improvement before reducing.
      verbose: 1 prints each reduction.
      mode: ``"auto"``, ``"min"`` or ``"max"``.
      min_delta: the smallest change counted as an improvement.
      cooldown: epochs to wait after a reduction before counting again.
      min_lr: the lower bound of the learning rate.

    Raises:
      ValueError: if ``factor >= 1``.

    Also adds ``learning_rate`` to each epoch's logs.

    >>> import tapejax as tf
    >>> tf.keras.callbacks.ReduceLROnPlateau(factor=0.5).factor
    0.5
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _reduce_optimizer_lr(self, optimizer: Any, epoch: int) -> bool:
        old_lr = float(np.asarray(optimizer.learning_rate))
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
            return True
        return False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_optimizer_lr(self.model.optimizer, epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than ``cooldown`` epochs ago."""
        return self.cooldown_counter > 0
