"""``tf.keras.callbacks.LambdaCallback``: a callback made of functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapejax._src.keras.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the given functions (``on_epoch_end(epoch, logs)``...).

    Args:
      on_epoch_begin, on_epoch_end: called with ``(epoch, logs)``.
      on_train_begin, on_train_end: called with ``(logs)``.
      on_train_batch_begin, on_train_batch_end: called with ``(batch, logs)``.
      **kwargs: other hooks by name (``on_test_end=...``), as Keras.

    >>> import tapejax as tf
    >>> cb = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))
    >>> cb.on_epoch_end(2, {"loss": 0.5})
    2 {'loss': 0.5}
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
