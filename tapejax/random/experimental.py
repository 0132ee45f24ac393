"""``tf.random.experimental``: the stateless split/fold_in/shuffle and the Generator API under their experimental names."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.stateless_random_ops import stateless_fold_in as stateless_fold_in
from tapejax._src.ops.stateless_random_ops import stateless_shuffle as stateless_shuffle
from tapejax._src.ops.stateless_random_ops import stateless_split as stateless_split
from tapejax._src.random_generator import Algorithm as Algorithm
from tapejax._src.random_generator import Generator as Generator
from tapejax._src.random_generator import create_rng_state as create_rng_state
from tapejax._src.random_generator import get_global_generator as get_global_generator
from tapejax._src.random_generator import set_global_generator as set_global_generator


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.random.experimental", name)
