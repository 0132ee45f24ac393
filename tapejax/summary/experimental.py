"""``tf.summary.experimental``: the default step, ``summary_scope`` and ``write_raw_pb``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.summary.summary_ops import summary_scope as summary_scope
from tapejax._src.summary.summary_ops import write_raw_pb as write_raw_pb
from tapejax._src.summary.writer import get_step as get_step
from tapejax._src.summary.writer import set_step as set_step


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.summary.experimental", name)
