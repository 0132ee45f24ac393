"""``tf.random``: stateful draws and the global seed, stateless ops on explicit seeds, and ``Generator``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.candidate_sampling_ops import fixed_unigram_candidate_sampler as fixed_unigram_candidate_sampler
from tapejax._src.ops.candidate_sampling_ops import (
    learned_unigram_candidate_sampler as learned_unigram_candidate_sampler,
)
from tapejax._src.ops.candidate_sampling_ops import log_uniform_candidate_sampler as log_uniform_candidate_sampler
from tapejax._src.ops.candidate_sampling_ops import uniform_candidate_sampler as uniform_candidate_sampler
from tapejax._src.ops.nn_ops import all_candidate_sampler as all_candidate_sampler
from tapejax._src.ops.random_ops import categorical as categorical
from tapejax._src.ops.random_ops import gamma as gamma
from tapejax._src.ops.random_ops import normal as normal
from tapejax._src.ops.random_ops import poisson as poisson
from tapejax._src.ops.random_ops import set_seed as set_seed
from tapejax._src.ops.random_ops import shuffle as shuffle
from tapejax._src.ops.random_ops import truncated_normal as truncated_normal
from tapejax._src.ops.random_ops import uniform as uniform
from tapejax._src.ops.stateless_random_ops import fold_in as fold_in
from tapejax._src.ops.stateless_random_ops import split as split
from tapejax._src.ops.stateless_random_ops import stateless_binomial as stateless_binomial
from tapejax._src.ops.stateless_random_ops import stateless_categorical as stateless_categorical
from tapejax._src.ops.stateless_random_ops import stateless_gamma as stateless_gamma
from tapejax._src.ops.stateless_random_ops import stateless_normal as stateless_normal
from tapejax._src.ops.stateless_random_ops import (
    stateless_parameterized_truncated_normal as stateless_parameterized_truncated_normal,
)
from tapejax._src.ops.stateless_random_ops import stateless_poisson as stateless_poisson
from tapejax._src.ops.stateless_random_ops import stateless_truncated_normal as stateless_truncated_normal
from tapejax._src.ops.stateless_random_ops import stateless_uniform as stateless_uniform
from tapejax._src.random_generator import Algorithm as Algorithm
from tapejax._src.random_generator import Generator as Generator
from tapejax._src.random_generator import create_rng_state as create_rng_state
from tapejax._src.random_generator import get_global_generator as get_global_generator
from tapejax._src.random_generator import set_global_generator as set_global_generator
from tapejax.random import experimental as experimental


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.random", name)
