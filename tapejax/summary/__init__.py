"""``tf.summary``: TensorBoard summaries (``scalar``, ``histogram``, ``image``, ``text``, ``audio``) and their writers."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.summary.summary_ops import audio as audio
from tapejax._src.summary.summary_ops import histogram as histogram
from tapejax._src.summary.summary_ops import image as image
from tapejax._src.summary.summary_ops import scalar as scalar
from tapejax._src.summary.summary_ops import should_record_summaries as should_record_summaries
from tapejax._src.summary.summary_ops import text as text
from tapejax._src.summary.summary_ops import trace_export as trace_export
from tapejax._src.summary.summary_ops import trace_off as trace_off
from tapejax._src.summary.summary_ops import trace_on as trace_on
from tapejax._src.summary.summary_ops import write as write
from tapejax._src.summary.writer import SummaryWriter as SummaryWriter
from tapejax._src.summary.writer import create_file_writer as create_file_writer
from tapejax._src.summary.writer import create_noop_writer as create_noop_writer
from tapejax._src.summary.writer import flush as flush
from tapejax._src.summary.writer import record_if as record_if
from tapejax.summary import experimental as experimental


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.summary", name)
