"""``tf.keras.callbacks.LearningRateScheduler``: sets the learning rate at each epoch's start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapejax._src.keras.callbacks.callback import Callback
from tapejax._src.keras.progbar import print_msg


class LearningRateScheduler(Callback):
    """Sets ``optimizer.learning_rate = schedule(epoch, lr)`` (or ``schedule(epoch)``) at each epoch's start.

    Args:
      schedule: a function of ``(epoch, lr)`` (or of ``epoch``) returning a float.
      verbose: 1 prints each update.

    Raises:
      ValueError: if ``schedule`` returns something other than a float, or the optimizer has no
        ``learning_rate``.

    Also adds ``learning_rate`` to each epoch's logs.

    >>> import tapejax as tf
    >>> cb = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    >>> cb.schedule(0, 1.0)
    0.5
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = float(np.asarray(optimizer.learning_rate))
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # a schedule of the epoch only
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))
