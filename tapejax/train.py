"""``tf.train``: ``Checkpoint``, ``CheckpointManager``, ``latest_checkpoint``, ``list_variables``, ``load_variable``."""

from typing import Any as _Any

from tapejax._src.checkpoint.checkpoint import Checkpoint as Checkpoint
from tapejax._src.checkpoint.checkpoint import latest_checkpoint as latest_checkpoint
from tapejax._src.checkpoint.checkpoint import list_variables as list_variables
from tapejax._src.checkpoint.checkpoint import load_variable as load_variable
from tapejax._src.checkpoint.manager import CheckpointManager as CheckpointManager
from tapejax._src.errors import missing_attribute as _missing_attribute


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.train", name)
