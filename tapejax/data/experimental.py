"""``tf.data.experimental``: cardinality constants and checks, and transformations for ``Dataset.apply``."""

from typing import Any as _Any

from tapejax._src.data.dataset import AUTOTUNE as AUTOTUNE
from tapejax._src.data.dataset import INFINITE_CARDINALITY as INFINITE_CARDINALITY
from tapejax._src.data.dataset import UNKNOWN_CARDINALITY as UNKNOWN_CARDINALITY
from tapejax._src.data.experimental import Counter as Counter
from tapejax._src.data.experimental import assert_cardinality as assert_cardinality
from tapejax._src.data.experimental import bucket_by_sequence_length as bucket_by_sequence_length
from tapejax._src.data.experimental import cardinality as cardinality
from tapejax._src.data.experimental import choose_from_datasets as choose_from_datasets
from tapejax._src.data.experimental import enumerate_dataset as enumerate_dataset
from tapejax._src.data.experimental import from_list as from_list
from tapejax._src.data.experimental import get_single_element as get_single_element
from tapejax._src.data.experimental import get_structure as get_structure
from tapejax._src.data.experimental import group_by_window as group_by_window
from tapejax._src.data.experimental import map_and_batch as map_and_batch
from tapejax._src.data.experimental import sample_from_datasets as sample_from_datasets
from tapejax._src.data.experimental import scan as scan
from tapejax._src.data.experimental import shuffle_and_repeat as shuffle_and_repeat
from tapejax._src.data.experimental import take_while as take_while
from tapejax._src.data.experimental import unbatch as unbatch
from tapejax._src.data.experimental import unique as unique
from tapejax._src.data.optional import Optional as Optional
from tapejax._src.data.options import AutotuneOptions as AutotuneOptions
from tapejax._src.data.options import DistributeOptions as DistributeOptions
from tapejax._src.data.options import OptimizationOptions as OptimizationOptions
from tapejax._src.data.options import ThreadingOptions as ThreadingOptions
from tapejax._src.errors import missing_attribute as _missing_attribute


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.data.experimental", name)
