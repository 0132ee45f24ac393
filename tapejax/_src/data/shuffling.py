"""``shuffle``: TF's buffered shuffle, and the seeds of tf.data's random stages."""

from __future__ import annotations

import itertools
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
        # (the vectorised shuffle reads its input ahead: a repeat of a shuffle under it would start
        # that shuffle's passes earlier than the element path, and a later pass would shuffle otherwise)
        return None if _repeats_a_shuffle(self._input) else self._input._index_root()

    def _iter_index_blocks(self) -> Iterator[np.ndarray]:
        """The same shuffle of the input's row indices (``from_tensor_slices`` under it), in blocks: a
        batch gathers its rows in one step."""
        return _shuffled_blocks(self._input._iter_index_blocks(), self._size, self._seeds.next_rng())

    def _cardinality(self) -> int:
        return self._input._cardinality()


def _repeats_a_shuffle(ds: Any) -> bool:
    """Whether ``repeat`` of a ``shuffle`` is in ``ds``'s chain of row-index stages."""
    from tapejax._src.data.transformations import RepeatDataset, SkipDataset, TakeDataset

    repeat = False
    while isinstance(ds, (RepeatDataset, TakeDataset, SkipDataset, ShuffleDataset)):
        if repeat and isinstance(ds, ShuffleDataset):
            return True
        repeat = repeat or isinstance(ds, RepeatDataset)
        ds = ds._input
    return False


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


_BLOCK = 16 * _DRAWS  # most input indices shuffled per vectorised step of _shuffled_blocks (the first steps: fewer)


def _shuffled_blocks(blocks: Iterator[np.ndarray], size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """:func:`_buffered_shuffle` of the integers in ``blocks`` (int64 arrays), vectorised: the same
    items in the same order from the same generator, in int64 blocks of any length.

    Each input item replaces the buffer item drawn for it, so the item out at a step is the one the
    previous step drawing the same buffer position put there (or the buffer's item before the block):
    a stable sort of a block's draws by position finds it for every step at once. The first blocks
    are short (a pass's first batch comes soon), then up to ``_BLOCK`` items.

    >>> rngs = [np.random.Generator(np.random.Philox(1)) for _ in range(2)]
    >>> items = list(_buffered_shuffle(iter(range(10)), 4, rngs[0]))
    >>> blocks = _shuffled_blocks(iter([np.arange(3), np.arange(3, 10)]), 4, rngs[1])
    >>> items == np.concatenate(list(blocks)).tolist()
    True
    """
    if size == UNKNOWN:
        size = 2**62
    parts: list[np.ndarray] = []
    held = 0
    rest = iter(())
    for block in blocks:  # the buffer's first fill
        if held + len(block) >= size:
            parts.append(block[: size - held])
            rest = itertools.chain([block[size - held :]], blocks)
            held = size
            break
        parts.append(block)
        held += len(block)
    buf = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    draws = np.zeros(0, np.int64)  # drawn positions not used yet (drawn _DRAWS at a time, as _buffered_shuffle)
    step = _DRAWS  # items per vectorised step: grows to _BLOCK
    items = np.zeros(0, np.int64)  # input items not shuffled yet
    for block in itertools.chain(rest, [None]):
        if block is not None:
            items = np.concatenate([items, block]) if len(items) else block
            if len(items) < step:
                continue
        while len(items) >= step or (block is None and len(items)):
            m = min(step, len(items))
            if len(draws) < m:
                groups = -(-(m - len(draws)) // _DRAWS)
                draws = np.concatenate([draws, *(rng.integers(0, size, _DRAWS) for _ in range(groups))])
            yield _replace_drawn(buf, items[:m], draws[:m])
            items, draws, step = items[m:], draws[m:], min(4 * step, _BLOCK)
    if len(buf):  # the input ended: the buffer drains in random order (a few hundred items a block)
        left = buf.tolist()
        m = len(left)
        draws = rng.integers(0, np.arange(m, 0, -1)).tolist()
        for start in range(0, m, _DRAWS):
            # _buffered_shuffle's swap with the last item and pop, without moving the last item:
            # positions from ``last`` up are never read again (-40% bytecodes; same items out)
            drained: list[int] = []
            append = drained.append
            for i, last in zip(draws[start : start + _DRAWS], range(m - 1 - start, -1, -1), strict=False):
                append(left[i])
                left[i] = left[last]
            yield np.array(drained, np.int64)


def _replace_drawn(buf: np.ndarray, items: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """The items out when ``items`` in turn replace the buffer's items at positions ``slots``
    (``buf`` updated in place)."""
    m = len(items)
    if len(buf) <= 1 << 16:  # (a stable sort of 16-bit keys is a radix sort: ~10x a 64-bit one here)
        order = np.argsort(slots.astype(np.uint16), kind="stable")
    else:  # unique keys in the stable order (buffers hold fewer than 2**50 items): any sort gives it
        order = np.argsort(slots * m + np.arange(m))
    sorted_slots, sorted_items = slots[order], items[order]
    first = np.empty(m, bool)  # the first step drawing its position takes the buffer's item ...
    first[0] = True
    np.not_equal(sorted_slots[1:], sorted_slots[:-1], out=first[1:])
    taken = np.empty(m, np.int64)  # ... the others the item the step before put there
    taken[1:] = sorted_items[:-1]
    taken[first] = buf[sorted_slots[first]]
    out = np.empty(m, np.int64)
    out[order] = taken
    last = np.empty(m, bool)  # the last step drawing its position leaves its item there
    last[-1] = True
    last[:-1] = first[1:]
    buf[sorted_slots[last]] = sorted_items[last]
    return out
