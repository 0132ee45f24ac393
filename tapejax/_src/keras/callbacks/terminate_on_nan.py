"""``tf.keras.callbacks.TerminateOnNaN``: stops training at a NaN or infinite loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src.keras.callbacks.callback import Callback
from tapejax._src.keras.progbar import print_msg


class TerminateOnNaN(Callback):
    """Stops ``fit`` (or raises, with ``raise_error=True``) when a batch's loss is NaN or infinite.

    Raises:
      RuntimeError: with ``raise_error=True``, at the first such batch.

    >>> import tapejax as tf
    >>> tf.keras.callbacks.TerminateOnNaN().raise_error
    False
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training "
                    "immediately."
                )
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
