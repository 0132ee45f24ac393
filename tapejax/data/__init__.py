"""``tf.data``: input pipelines (``Dataset``), their iterators and options."""

from typing import Any as _Any

from tapejax._src.data.dataset import AUTOTUNE as AUTOTUNE
from tapejax._src.data.dataset import INFINITE_CARDINALITY as INFINITE_CARDINALITY
from tapejax._src.data.dataset import UNKNOWN_CARDINALITY as UNKNOWN_CARDINALITY
from tapejax._src.data.dataset import Dataset as Dataset
from tapejax._src.data.iterator import Iterator as Iterator
from tapejax._src.data.iterator import NumpyIterator as NumpyIterator
from tapejax._src.data.options import Options as Options
from tapejax._src.data.options import ThreadingOptions as ThreadingOptions
from tapejax._src.data.structure import DatasetSpec as DatasetSpec
from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax.data import experimental as experimental


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.data", name)
