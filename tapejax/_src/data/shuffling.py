"""``shuffle``: TF's buffered shuffle, and the seeds of tf.data's random stages."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import errors, random_state
from tapejax._src.data import structure
from tapejax._src.data.dataset import UNKNOWN, Dataset, as_int

_DEFAULT_GLOBAL_SEED = 87654321  # TF's seed when an op has a seed and the global seed is unset


def op_seeds(seed: Any) -> tuple[int, int] | None:
    """(global seed, op seed) by TF's rules: None when neither is set (fresh entropy each time).

    With only the global seed set (``tf.random.set_seed``), each new random stage takes the next op
    seed of a counter that ``set_seed`` restarts, so a script that sets the seed is reproducible.
    """
    from tapejax._src.ops import random_ops

    global_seed = random_state.GLOBAL.seed
    if seed is None and global_seed is None:
        return None
    if seed is None:
        stream = ("tf.data", int(global_seed), 0)  # type: ignore[arg-type]
        count = random_ops._seeded_calls.get(stream, 0)
        random_ops._seeded_calls[stream] = count + 1
        return int(global_seed), count  # type: ignore[arg-type]
    return (_DEFAULT_GLOBAL_SEED if global_seed is None else int(global_seed)), as_int(seed, "seed")


class SeedSequence:
    """The random generators of a random stage's passes: pass ``k`` of a seeded stage is reproducible;
    ``reshuffle=False`` gives every pass the first pass's generator."""

    def __init__(self, seed: Any, reshuffle: bool) -> None:
        seeds = op_seeds(seed)
        self._seeds = (secrets.randbits(62), secrets.randbits(62)) if seeds is None else seeds
        self._reshuffle = reshuffle
        self._passes = 0

    def next_rng(self) -> np.random.Generator:
        k = self._passes if self._reshuffle else 0
        self._passes += 1
        return np.random.Generator(np.random.Philox(np.random.SeedSequence([self._seeds[0], self._seeds[1], k])))


class ShuffleDataset(Dataset):
    _tf_name = "_ShuffleDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: Any, seed: Any, reshuffle_each_iteration: Any) -> None:
        self._input = input_dataset
        size = as_int(buffer_size, "buffer_size")
        if size <= 0 and size != UNKNOWN:
            raise errors.invalid_argument("buffer_size must be greater than zero or UNKNOWN_CARDINALITY")
        self._size = size
        self._seeds = SeedSequence(
            seed, bool(reshuffle_each_iteration if reshuffle_each_iteration is not None else True)
        )
        super().__init__(input_dataset.element_spec, (input_dataset,))

    def _iter(self) -> Iterator[structure.Flat]:
        return _buffered_shuffle(self._input._iter(), self._size, self._seeds.next_rng())

    def _index_root(self) -> Any:
        return self._input._index_root()

    def _iter_indices(self) -> Iterator[int]:
        """The same shuffle of the input's row indices (``from_tensor_slices`` under it): a batch
        gathers its rows in one step."""
        return _buffered_shuffle(self._input._iter_indices(), self._size, self._seeds.next_rng())

    def _cardinality(self) -> int:
        return self._input._cardinality()


_DRAWS = 256  # random buffer positions drawn at once (one numpy call instead of one per element)


def _buffered_shuffle(it: Iterator[Any], size: int, rng: np.random.Generator) -> Iterator[Any]:
    """TF's buffered shuffle of ``it``'s items: the buffer stays full while input lasts (a random item
    out, the next input item in its place), then drains in random order."""
    if size == UNKNOWN:  # TF: the whole input (its cardinality) in the buffer
        size = 2**62
    buf: list[Any] = []
    for item in it:
        buf.append(item)
        if len(buf) == size:
            break
    draws: list[int] = []
    for item in it:
        if not draws:
            draws = rng.integers(0, len(buf), _DRAWS).tolist()[::-1]
        i = draws.pop()
        out, buf[i] = buf[i], item
        yield out
    if buf:
        for i in rng.integers(0, np.arange(len(buf), 0, -1)).tolist():
            buf[i], buf[-1] = buf[-1], buf[i]
            yield buf.pop()
