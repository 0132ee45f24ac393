"""The one timing helper every benchmark shares: warm-up, repeats, median, ``block_until_ready``.

JAX dispatches asynchronously, so a timed call is only finished once its outputs are ready:
:func:`block` waits for every JAX array in a result (tapejax Tensors and Variables included; TF and
PyTorch CPU tensors are already computed when their op returns).

:func:`measure` times one function. :func:`compare` times several side by side and interleaves their
repeats (round 1 of every implementation, then round 2, ...), so that load from other processes on
a shared machine falls on all of them alike and ratios taken within one run stay meaningful; each
round starts one implementation later than the one before (:func:`round_order`), so that the cost
that falls on a round's first calls does not always fall on the same ones.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax

__all__ = ["Timing", "block", "calls", "compare", "format_seconds", "measure", "round_order"]


def _is_array_holder(x: Any) -> bool:
    # tapejax Tensors/Variables (and anything else array-like that JAX accepts) expose __jax_array__.
    return hasattr(x, "__jax_array__") and not isinstance(x, jax.Array)


def block(result: Any) -> Any:
    """Waits until every JAX array in ``result`` (any nest; tapejax Tensors/Variables too) is computed.

    Returns ``result`` unchanged.
    """
    leaves = jax.tree_util.tree_leaves(result, is_leaf=_is_array_holder)
    arrays = []
    for leaf in leaves:
        if _is_array_holder(leaf):
            leaf = leaf.__jax_array__()
        if isinstance(leaf, jax.Array):
            arrays.append(leaf)
    if arrays:
        jax.block_until_ready(arrays)
    return result


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of each repeat, divided by ``per`` (the calls one repeat makes)."""

    times: tuple[float, ...]
    per: int = 1

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the repeats were."""
        return (self.max - self.min) / self.median if self.median > 0 else 0.0

    def __str__(self) -> str:
        return f"{format_seconds(self.median)} (median of {len(self.times)}, min {format_seconds(self.min)})"


def _time_once(fn: Callable[[], Any], per: int) -> float:
    t0 = time.perf_counter()
    block(fn())
    return (time.perf_counter() - t0) / per


def measure(fn: Callable[[], Any], *, warmup: int = 2, repeats: int = 7, per: int = 1) -> Timing:
    """Times ``fn()`` (blocking on its result): ``warmup`` untimed calls, then ``repeats`` timed ones.

    Args:
      fn: the work of one repeat; returns what must be ready before the clock stops.
      warmup: untimed calls first (compilation, caches).
      repeats: timed calls; report their median.
      per: how many operations one ``fn()`` performs (e.g. a loop of 1000 ops): times are divided by it.
    """
    for _ in range(warmup):
        block(fn())
    return Timing(tuple(_time_once(fn, per) for _ in range(repeats)), per)


def compare(
    fns: Mapping[str, Callable[[], Any]],
    *,
    warmup: int = 2,
    repeats: int = 7,
    per: Mapping[str, int] | int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Timing]:
    """Times several functions side by side, interleaving their repeats.

    Args:
      fns: label -> function, as for :func:`measure`.
      warmup, repeats: as for :func:`measure`.
      per: one divisor for all, or one per label.
      progress: called with a short message before each warm-up and each round.

    Returns:
      label -> Timing, in the order of ``fns``; each Timing's ``times`` are in round order, so
      ``a.times[r] / b.times[r]`` is a ratio of two calls timed in the same round.
    """
    per_of = {k: per if isinstance(per, int) else per.get(k, 1) for k in fns}
    for label, fn in fns.items():
        if progress and warmup:
            progress(f"{label} (warm-up)")
        for _ in range(warmup):
            block(fn())
    times: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(repeats):
        if progress:
            progress(f"round {r + 1}/{repeats}")
        gc.collect()  # between rounds, not inside a timed call
        for label in round_order(list(fns), r):
            times[label].append(_time_once(fns[label], per_of[label]))
    return {k: Timing(tuple(v), per_of[k]) for k, v in times.items()}


def round_order(labels: list[str], r: int) -> list[str]:
    """The order of round ``r`` (from 0) in :func:`compare`: ``labels`` rotated to start at ``r`` (mod their number).

    The first calls of a round run slower than the rest on a loaded machine (the round's garbage
    collection, the scheduler): with a fixed order the same rows always paid it (keras_mlp's row timed
    second paid 400-700 µs more main-thread CPU a step, whichever row it was). Rotated, each row takes
    the first places in at most ``ceil(repeats / len(labels))`` rounds each, which the median
    over rounds leaves out.

    >>> [round_order(["a", "b", "c"], r) for r in range(4)]
    [['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['a', 'b', 'c']]
    """
    k = r % len(labels) if labels else 0
    return labels[k:] + labels[:k]


def calls(fn: Callable[[], Any], n: int) -> Callable[[], Any]:
    """A function that calls ``fn`` ``n`` times back to back and returns the last result.

    Every call's result is waited for (:func:`block`): tapejax defers work until a value is read
    and drops queued work whose results nobody holds, so an unread result would not be computed.
    """
    if n == 1:
        return fn

    def run() -> Any:
        out = None
        for _ in range(n):
            out = block(fn())
        return out

    return run


def format_seconds(s: float) -> str:
    """``3.2 µs``, ``41.0 ms``, ``1.29 s``: three significant figures."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    raise AssertionError("unreachable")
