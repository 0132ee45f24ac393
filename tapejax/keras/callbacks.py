"""``tf.keras.callbacks``: Keras 3.15's callbacks of ``fit``/``evaluate``/``predict``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.callbacks.backup_and_restore import BackupAndRestore as BackupAndRestore
from tapejax._src.keras.callbacks.callback import Callback as Callback
from tapejax._src.keras.callbacks.callback_list import CallbackList as CallbackList
from tapejax._src.keras.callbacks.callback_list import History as History
from tapejax._src.keras.callbacks.callback_list import ProgbarLogger as ProgbarLogger
from tapejax._src.keras.callbacks.csv_logger import CSVLogger as CSVLogger
from tapejax._src.keras.callbacks.early_stopping import EarlyStopping as EarlyStopping
from tapejax._src.keras.callbacks.lambda_callback import LambdaCallback as LambdaCallback
from tapejax._src.keras.callbacks.learning_rate_scheduler import LearningRateScheduler as LearningRateScheduler
from tapejax._src.keras.callbacks.model_checkpoint import ModelCheckpoint as ModelCheckpoint
from tapejax._src.keras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau as ReduceLROnPlateau
from tapejax._src.keras.callbacks.remote_monitor import RemoteMonitor as RemoteMonitor
from tapejax._src.keras.callbacks.tensorboard import TensorBoard as TensorBoard
from tapejax._src.keras.callbacks.terminate_on_nan import TerminateOnNaN as TerminateOnNaN


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.callbacks", name)
