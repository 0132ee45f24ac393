"""``tf.keras.callbacks.RemoteMonitor``: not supported (it posts logs over HTTP)."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Keras' callback that posts each epoch's logs to a server: not implemented in tapejax.

    Raises:
      NotImplementedError: always, when constructed.

    Differences from Keras: unsupported (tapejax does not send network requests); write a
    ``LambdaCallback`` that posts ``logs`` instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "tf.keras.callbacks.RemoteMonitor is not supported by tapejax (it would post logs over HTTP). "
            "Use a tf.keras.callbacks.LambdaCallback(on_epoch_end=...) that sends `logs` yourself."
        )
