"""Reading a dataset inside ``tf.function``: the pipeline stays on the host, the program pulls from it.

TF runs a dataset as ops of the graph. Here the pipeline keeps running in Python on the host and the
compiled program pulls each element with an ordered host callback (``jax.experimental.io_callback``,
the one JAX primitive that may have side effects and results): nothing is frozen into the program,
each run reads the next elements. A ``for`` loop over a dataset is a ``tf.while_loop`` whose body
pulls an element (with a has-value flag for the end) and runs the loop body under a ``tf.cond`` on
it, as TF's ``_tf_iterator_for_stmt`` does.

A loop that reads a whole pass nobody else reads (``for x in dataset`` without ``break``,
``reduce``) pulls a *block* of elements per callback (as many as are ready, up to ~4 MB) and runs
an inner loop over it, so the callback's cost (~70-180 us on a 2-core CPU) is shared by the block;
a pipeline error is raised by the pull after the elements before it, as one pull per element would.
Iterators (captured, passed as arguments, or looped with ``break``) are read one element per pull:
an element read ahead would be lost to the iterator's next reader.

The callbacks take no operands: JAX moves a callback's operands into device arrays on each call
(~100 us on a 2-core CPU), its results cost a copy. What a callback reads is therefore fixed when
the program is traced: a dataset's pass (started at the ``iter()`` of each run) or an iterator
captured by the function live in a host slot the trace names; an iterator passed as an argument is
bound to its slot by one callback per run that takes its handle (its only runtime operand).

Shapes: a compiled loop body has static shapes. A dataset whose element spec has ``None``
dimensions is read as its *shape classes*, the concrete shapes its elements can have, known from
the pipeline: ``batch(n)`` without ``drop_remainder`` of ``m`` elements gives batches of ``n`` and
one of ``m % n`` (when ``m`` is known). A ``for`` loop traces its body once per class and picks the
branch per element; ``get_next`` reads the first class (the full batch) and raises
``InvalidArgumentError`` at run time for an element of another shape.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
from jax import lax

from tapejax._src import errors, host_callback
from tapejax._src.core import Op, TensorBase, _wrap, bind
from tapejax._src.data import structure
from tapejax._src.tensor import Tensor
from tapejax._src.tensor_spec import TensorSpec

ShapeClass = tuple[tuple[tuple[int, ...], np.dtype], ...]  # one (shape, dtype) per flat component

_ids = itertools.count(1)
_MAX_UNROLLED = 1000  # reads by a Python loop in one trace before it is taken for an endless unrolled loop
_BLOCK_MAX = 64  # elements one callback of a block loop reads at most
_BLOCK_BYTES = 4 << 20  # and about this many bytes of them
# Host slots that running programs read: a trace names a slot, each run fills it (a dataset's pass
# stays there until the next run of the program, or the end of its for loop, closes it).
_slots: dict[int, Any] = {}
# Eager iterators by handle (for iterators passed to a tf.function as arguments).
_handles: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


class _OnCallback(threading.local):
    active = False


_on_callback = _OnCallback()  # a program's callback is reading (it must not wait for programs)


# -- the host side ---------------------------------------------------------------------------------
class HostReader:
    """A pass over a dataset's flat elements that eager code and running programs both read (in turn)."""

    def __init__(self, gen: Iterator[structure.Flat]) -> None:
        self._gen = gen
        self._lock = threading.Lock()
        self.in_graph = False  # a program read it: eager reads wait for programs in flight first
        self.stash: structure.Flat | None = None  # the element a multi-class pull is handing out
        self.had_value: dict[int, bool] = {}  # per pull site: whether its last pull found an element
        self.deferred: BaseException | None = None  # raised by the next block pull (after the block's elements)
        self.ended = False  # a block pull found the end
        self.take = getattr(gen, "take", None)  # several full batches at once (batching.GatheredBatches)

    def next_flat(self) -> structure.Flat | None:
        """The next element, or None past the end."""
        if self.in_graph and not _on_callback.active:
            jax.effects_barrier()  # programs dispatched earlier read first, in order
        with self._lock:
            try:
                return next(self._gen)
            except StopIteration:
                return None

    def pull(self) -> structure.Flat | None:
        """The next element for a program (numpy components), or None past the end."""
        self.in_graph = True
        _on_callback.active = True
        try:
            flat = self.next_flat()
        finally:
            _on_callback.active = False
        return None if flat is None else tuple(np.asarray(a) for a in flat)

    def ready(self) -> bool:
        """Whether the next element is there without waiting (a prefetch thread has it; a pipeline
        without one computes it when asked)."""
        ready = getattr(self._gen, "ready", None)
        return True if ready is None else bool(ready())

    def reserve(self, n: int) -> None:
        """A consumer reads up to ``n`` elements at a time: an AUTOTUNE prefetch buffer grows to it."""
        reserve = getattr(self._gen, "reserve", None)
        if reserve is not None:
            reserve(n)

    def close(self) -> None:
        close = getattr(self._gen, "close", None)
        if close is not None:
            close()  # a prefetch thread lets go of its input


def new_handle(iterator: Any) -> int:
    """A handle under which a program finds ``iterator`` (weakly held)."""
    h = next(_ids)
    _handles[h] = iterator
    return h


def _zeros(cls: ShapeClass) -> tuple[np.ndarray, ...]:
    return tuple(np.zeros(shape, dtype) for shape, dtype in cls)


def _fits(flat: structure.Flat, cls: ShapeClass) -> bool:
    return len(flat) == len(cls) and all(a.shape == s and a.dtype == d for a, (s, d) in zip(flat, cls, strict=True))


def _describe(flat: structure.Flat) -> str:
    return ", ".join(f"{a.dtype.name}{list(a.shape)}" for a in flat)


# -- shape classes ---------------------------------------------------------------------------------
def shape_classes(ds: Any) -> list[ShapeClass] | None:
    """The concrete shapes the dataset's elements can have (fully defined specs: one), or None when
    the pipeline does not tell (a dimension that depends on the data)."""
    from tapejax._src.data import (
        batching,
        combinations,
        experimental,
        options,
        prefetch,
        shuffling,
        stateful,
        transformations,
    )
    from tapejax._src.data.dataset import INFINITE, UNKNOWN

    specs = structure.flatten(ds.element_spec)
    if not all(type(s) is TensorSpec for s in specs):  # a window's datasets are not tensors
        return None
    if all(s.shape.is_fully_defined() for s in specs):
        return [tuple((tuple(s.shape.as_list()), np.dtype(s.dtype._np)) for s in specs)]
    same_shapes = (
        prefetch.PrefetchDataset,
        shuffling.ShuffleDataset,
        options.OptionsDataset,
        experimental._AssertCardinalityDataset,
        stateful.CacheDataset,
        stateful.UniqueDataset,
        transformations.FilterDataset,
        transformations.TakeWhileDataset,
        transformations.RepeatDataset,
        transformations.TakeDataset,
        transformations.SkipDataset,
        transformations.ShardDataset,
    )
    if isinstance(ds, same_shapes):
        return shape_classes(ds._input)
    if isinstance(ds, batching.BatchDataset):
        inner = shape_classes(ds._input)
        if inner is None or len(inner) != 1:
            return None
        n, size = ds._input._cardinality(), ds._size
        sizes = [size]
        if not ds._drop:
            if n == UNKNOWN:
                return None
            if n != INFINITE and n % size:
                sizes = [size, n % size] if n > size else [n % size]
        return [tuple(((b, *shape), dtype) for shape, dtype in inner[0]) for b in sizes]
    if isinstance(ds, transformations.MapDataset):
        from tapejax._src.data.functions import _abstract_call

        inner = shape_classes(ds._input)
        if inner is None:
            return None
        out = []
        for cls in inner:
            avals, _, _ = _abstract_call(ds._fn._flat_fn, [jax.ShapeDtypeStruct(s, d) for s, d in cls])
            out.append(tuple((tuple(a.shape), np.dtype(a.dtype)) for a in avals))
        return out
    if isinstance(ds, combinations.ZipDataset):  # (enumerate too): each combination of its inputs' classes
        parts = [shape_classes(d) for d in ds._datasets]
        if any(p is None for p in parts) or np.prod([len(p) for p in parts]) > _MAX_ZIP_CLASSES:
            return None
        return [tuple(c for cls in combo for c in cls) for combo in itertools.product(*parts)]  # type: ignore[misc]
    return None


_MAX_ZIP_CLASSES = 8  # shape classes of a zip (each a trace of a loop's body)


def _classes_or_raise(ds: Any, what: str) -> list[ShapeClass]:
    classes = shape_classes(ds)
    if classes is None:
        raise ValueError(
            f"{what} inside tf.function: tapejax compiles the loop with static shapes, and the shapes of this "
            f"dataset's elements ({ds.element_spec}) are only known when it runs (a batch of unknown size: "
            "batch() without drop_remainder of a dataset of unknown cardinality, a filter, from_generator with "
            "None dimensions). Fix: batch(..., drop_remainder=True), or iterate the dataset outside tf.function."
        )
    return classes


# -- the program side ------------------------------------------------------------------------------
def _callback_op(name: str, fn: Callable[[], Any], result: Any) -> Any:
    return host_callback.call(name, fn, result)


def _aval(shape: tuple[int, ...], dtype: Any) -> Any:
    return jax.ShapeDtypeStruct(shape, dtype)


class GraphIterator:
    """An iterator as a traced program sees it: each read is a callback into its host reader.

    ``source()`` gives the host reader when the program runs (from a slot, or an iterator captured
    by the function).
    """

    def __init__(self, element_spec: Any, classes: list[ShapeClass], source: Callable[[], HostReader]) -> None:
        self.element_spec = element_spec
        self._classes = classes
        self._source = source
        self._unrolled = 0  # elements read by Python's own iteration (an unrolled loop)

    # the pulls
    def _pull(self, site: int) -> tuple[Any, Any, list[Callable[[], Any]]]:
        """Pulls the next element: (has-value flag, class index or None, per class: a function giving
        the element as flat Tensors). One class: one callback; several: one for the flag and the
        class, one in the branch of the class for its values."""
        classes = self._classes
        if len(classes) == 1:
            cls = classes[0]
            zeros = _zeros(cls)

            def pull_one() -> tuple[Any, ...]:
                reader = self._source()
                flat = reader.pull()
                reader.had_value[site] = flat is not None
                if flat is None:
                    return (np.bool_(False), *zeros)
                if not _fits(flat, cls):
                    raise errors.invalid_argument(
                        f"IteratorGetNext: an element of shapes [{_describe(flat)}] where the program was "
                        f"compiled for [{_describe(zeros)}]."
                    )
                return (np.bool_(True), *flat)

            out = _callback_op("IteratorGetNext", pull_one, (_aval((), np.bool_), *[_aval(s, d) for s, d in cls]))
            values = list(out[1:])
            return out[0], None, [lambda: values]

        def pull_class() -> tuple[Any, Any]:
            reader = self._source()
            flat = reader.pull()
            reader.had_value[site] = flat is not None
            reader.stash = flat
            if flat is None:
                return np.bool_(False), np.int32(0)
            for k, cls in enumerate(classes):
                if _fits(flat, cls):
                    return np.bool_(True), np.int32(k)
            raise errors.invalid_argument(
                f"IteratorGetNext: an element of shapes [{_describe(flat)}], none of the shapes the program was "
                f"compiled for: {[_describe(_zeros(c)) for c in classes]}."
            )

        has, k = _callback_op("IteratorGetNext", pull_class, (_aval((), np.bool_), _aval((), np.int32)))
        return has, k, [self._taker(c) for c in classes]

    def _taker(self, cls: ShapeClass) -> Callable[[], Any]:
        """A function giving the element a pull left in the host's stash, as flat Tensors of class ``cls``."""

        def take() -> tuple[np.ndarray, ...]:
            stash = self._source().stash
            return stash if stash is not None and _fits(stash, cls) else _zeros(cls)

        return lambda: list(_callback_op("IteratorGetNext", take, tuple(_aval(s, d) for s, d in cls)))

    def _pull_block(self, k: int, after: Any = None) -> tuple[Any, Any, Any, list[Any]]:
        """Pulls up to ``k`` elements of the first shape class with ONE callback: (whether it found
        any element, count, class of an element of another class left in the host's stash after them
        or -1, the block: per component an array of ``k`` stacked elements, the first ``count`` read).

        The block ends early where the next element is not ready (a prefetch thread is still making
        it: the loop runs on what is there), at the end of the data, at an element of another class
        (the stash), or where the pipeline raises or an element fits no class: that error is kept
        and raised by the next pull, after the loop has run on the elements before it (as one pull
        per element would).
        A count of 0 and no stashed element: the end. ``after``: a value computed by the loop over
        the previous block: the pull runs after that loop (and the host callbacks in its body), not
        in parallel with it.
        """
        classes = self._classes
        first = classes[0]

        def pull_block() -> tuple[np.ndarray, ...]:
            reader = self._source()
            if reader.deferred is not None:
                error, reader.deferred = reader.deferred, None
                raise error
            if reader.take is not None and reader.stash is None and not reader.ended:
                # batches gathered straight into the block (a partial last batch: the element path below)
                with reader._lock:  # (as next_flat: one reader at a time)
                    n, gathered = reader.take(k)
                if n:
                    if not all(a.shape[1:] == s and a.dtype == d for a, (s, d) in zip(gathered, first, strict=True)):
                        raise errors.invalid_argument(
                            f"IteratorGetNext: a block of shapes [{_describe(gathered)}] where the program was "
                            f"compiled for [{_describe(_zeros(first))}]."
                        )
                    return (np.bool_(True), np.int32(n), np.int32(-1), *gathered)
            reader.reserve(2 * k)  # a prefetch thread fills the next block while the loop runs on this one
            block = [np.empty((k, *shape), dtype) for shape, dtype in first]
            n, odd = 0, -1
            while n < k and not reader.ended and (n == 0 or reader.ready()):
                try:
                    flat = reader.pull()
                    if flat is None:
                        reader.ended = True
                        break
                    if _fits(flat, first):
                        for out, a in zip(block, flat, strict=True):
                            out[n] = a
                        n += 1
                        continue
                    odd = next((c for c in range(1, len(classes)) if _fits(flat, classes[c])), -1)
                    if odd < 0:
                        raise errors.invalid_argument(
                            f"IteratorGetNext: an element of shapes [{_describe(flat)}], none of the shapes the "
                            f"program was compiled for: {[_describe(_zeros(c)) for c in classes]}."
                        )
                    reader.stash = flat
                    break
                except Exception as e:
                    if n == 0:
                        raise
                    reader.deferred = e
                    break
            for out in block:
                out[n:] = 0  # rows the loop does not read
            return (np.bool_(n > 0 or odd >= 0), np.int32(n), np.int32(odd), *block)

        avals = (_aval((), np.bool_), _aval((), np.int32), _aval((), np.int32), *[_aval((k, *s), d) for s, d in first])
        go, n, odd, *block = host_callback.call("IteratorGetNext", pull_block, avals, after=after)
        return go, n, odd, block

    def _block_size(self) -> int:
        """Elements a block pull reads: up to ``_BLOCK_MAX``, about ``_BLOCK_BYTES`` of them."""
        size = sum(int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize for shape, dtype in self._classes[0])
        return max(1, min(_BLOCK_MAX, _BLOCK_BYTES // max(size, 1)))

    def _block_loop(self, state: tuple[Any, ...], step: Callable[[Any, tuple[Any, ...]], tuple[Any, ...]]) -> Any:
        """:meth:`loop` over blocks of elements (one callback per block): an outer ``tf.while_loop``
        over the blocks, an inner one over a block's elements (the body traced once for the first
        shape class, once more for each other class, run on an element pulled alone)."""
        from tapejax._src.control_flow import cond, while_loop
        from tapejax._src.ops.math_ops import add, greater_equal, less

        spec, n_state, k = self.element_spec, len(state), self._block_size()
        others = [(c, self._taker(self._classes[c])) for c in range(1, len(self._classes))]
        go, count, odd, block = self._pull_block(k)
        m = len(block)

        def by_class(c: Any, st: tuple[Any, ...], j: int = 0) -> Any:
            cls, take = others[j]

            def run() -> Any:
                return tuple(step(structure.pack(spec, take()), st))

            if j == len(others) - 1:
                return run()
            return cond(_equal(c, cls), run, lambda: by_class(c, st, j + 1))

        def outer_test(go: Any, count: Any, odd: Any, *rest: Any) -> Any:
            return go

        def outer_body(go: Any, count: Any, odd: Any, *rest: Any) -> Any:
            blk, st = rest[:m], rest[m:]

            def inner_test(i: Any, *st: Any) -> Any:
                return less(i, count)

            def inner_body(i: Any, *st: Any) -> Any:
                element = structure.pack(spec, list(bind(_ROW, i, *blk)))
                return (add(i, 1), *_tuple(step(element, st), n_state))

            done, *st = _tuple(while_loop(inner_test, inner_body, (Tensor(np.int32(0)), *st)), n_state + 1)
            if others:  # the element of another class; ``done`` comes out of the branch, after it
                done, *st = _tuple(
                    cond(greater_equal(odd, 0), lambda: (done, *by_class(odd, tuple(st))), lambda: (done, *st)),
                    n_state + 1,
                )
            go, count, odd, blk = self._pull_block(k, after=done)
            return (go, count, odd, *blk, *st)

        out = while_loop(outer_test, outer_body, (go, count, odd, *block, *state))
        return tuple(_tuple(out, 3 + m + n_state)[3 + m :])

    def _first_class(self) -> GraphIterator:
        """This iterator read as its first shape class (another shape is a run-time error)."""
        return GraphIterator(self.element_spec, self._classes[:1], self._source)

    def get_next(self) -> Any:
        """The next element; the run raises ``OutOfRangeError`` past the end."""
        classes = self._classes[:1]
        zeros = _zeros(classes[0])

        def pull() -> tuple[np.ndarray, ...]:
            flat = self._source().pull()
            if flat is None:
                raise errors.OutOfRangeError(None, None, "End of sequence")
            if not _fits(flat, classes[0]):
                raise errors.invalid_argument(
                    f"IteratorGetNext: an element of shapes [{_describe(flat)}] where the program was compiled "
                    f"for [{_describe(zeros)}] (batch(..., drop_remainder=True) keeps every batch full)."
                )
            return flat

        out = _callback_op("IteratorGetNext", pull, tuple(_aval(s, d) for s, d in classes[0]))
        return structure.pack(self.element_spec, list(out))

    def get_next_as_optional(self) -> Any:
        """The next element as a ``tf.experimental.Optional`` (empty past the end)."""
        from tapejax._src.data.optional import Optional

        site = next(_ids)
        has, _, takers = self._first_class()._pull(site)
        values = takers[0]()
        source = self._source

        def check() -> None:
            if not source().had_value.get(site, False):
                raise errors.invalid_argument("The given optional does not have a value.")

        def get_value() -> Any:
            _callback_op("OptionalGetValue", check, None)
            return structure.pack(self.element_spec, values)

        return Optional._traced(has, get_value, self.element_spec)

    def __iter__(self) -> GraphIterator:
        return self

    def _graph(self) -> GraphIterator:
        return self

    def _ag_for_stmt(
        self, extra_test: Any, body: Any, get_state: Any, set_state: Any, symbol_names: Any, opts: Any
    ) -> None:
        """AutoGraph's ``for x in iterator`` (TF's ``_tf_iterator_for_stmt``)."""
        for_stmt(self, extra_test, body, get_state, set_state, symbol_names)

    def __next__(self) -> Any:
        self._unrolled += 1
        if self._unrolled > _MAX_UNROLLED:
            raise ValueError(
                f"A Python loop read more than {_MAX_UNROLLED} elements of a tf.data iterator while a tf.function "
                "was traced: the loop is being unrolled and never ends (the end of a dataset is only known when "
                "the program runs). Write `for x in dataset` (or over the iterator) in a tf.function with "
                "AutoGraph on (the default), which compiles it into one loop; Python's own iteration "
                "(autograph=False, or code AutoGraph does not convert) unrolls it."
            )
        return self.get_next()

    def next(self) -> Any:
        """The next element (``next(it)``)."""
        return self.get_next()

    def for_stmt(
        self,
        extra_test: Callable[[], Any] | None,
        body: Callable[[Any], None],
        get_state: Callable[[], Any],
        set_state: Callable[[Any], None],
        fresh: bool = False,
    ) -> None:
        """AutoGraph's ``for`` over this iterator: a ``tf.while_loop`` (see :func:`for_stmt`); ``fresh``:
        the iterator is the loop's own (a dataset's pass), so a loop without ``break`` reads it in blocks.

        A loop with ``break`` reads no element it does not use, even of its own pass: an element read
        ahead would run the pipeline's stages one element further (a ``repeat`` of a reshuffling
        ``shuffle`` would start its next epoch, drawing a seed that the dataset's next pass would
        otherwise take: that pass would come in another order than after the same eager loop)."""
        state = tuple(get_state())

        def step(element: Any, st: tuple[Any, ...]) -> tuple[Any, ...]:
            set_state(st)
            body(element)
            return tuple(get_state())

        test = None
        if extra_test is not None:

            def test(st: tuple[Any, ...]) -> Any:
                set_state(st)
                return extra_test()

        set_state(self.loop(state, step, test, ahead=test is None, block=fresh and test is None))

    def loop(
        self,
        state: tuple[Any, ...],
        step: Callable[[Any, tuple[Any, ...]], tuple[Any, ...]],
        test: Callable[[tuple[Any, ...]], Any] | None = None,
        ahead: bool = True,
        block: bool = False,
    ) -> tuple[Any, ...]:
        """``state = step(element, state)`` for each element while ``test(state)``: one ``tf.while_loop``
        (the body traced once per shape class); the final state.

        ``ahead``: the next element is pulled at the end of each trip (and once before the loop), so the
        loop's condition is its has-value flag and the body needs no ``tf.cond`` (half the traces of
        the body). A loop that may stop early (``break``) pulls in the body instead, under a
        ``tf.cond`` on the flag, as TF's ``_tf_iterator_for_stmt``: no element is taken that the loop
        does not use.

        ``block``: the loop reads every element of a pass nobody else reads (a ``for`` without
        ``break`` over a dataset, ``reduce``): one callback pulls a block of elements
        (:meth:`_block_loop`), so the callback's cost is shared by a block's elements.
        """
        if block and test is None and self._block_size() > 1:  # (an element of ~4 MB or more: one per pull)
            return self._block_loop(state, step)
        from tapejax._src.control_flow import cond, while_loop

        spec = self.element_spec
        n = len(state)
        many = len(self._classes) > 1

        def by_class(k: Any, takers: list[Callable[[], Any]], st: tuple[Any, ...], j: int = 0) -> Any:
            def run() -> Any:
                return tuple(step(structure.pack(spec, takers[j]()), st))

            if j == len(takers) - 1:
                return run()
            return cond(_equal(k, j), run, lambda: by_class(k, takers, st, j + 1))

        def go_on(flag: Any, st: tuple[Any, ...]) -> Any:
            if test is None:
                return flag
            return cond(flag, lambda: _as_bool_tensor(test(st)), lambda: Tensor(np.bool_(False)))

        if not ahead:

            def loop_test(flag: Any, *st: Any) -> Any:
                return go_on(flag, st)

            def loop_body(flag: Any, *st: Any) -> Any:
                has, k, takers = self._pull(next(_ids))
                new = cond(has, lambda: by_class(k, takers, st), lambda: st)
                return (has, *_tuple(new, n))

            out = while_loop(loop_test, loop_body, (Tensor(np.bool_(True)), *state))
            return tuple(_tuple(out, n + 1)[1:])

        # Read ahead: the carry holds the pulled element (one shape class) or its class (several; the
        # host keeps the element until the class's branch takes it).
        has, k, takers = self._pull(next(_ids))
        head = (has, k) if many else (has, *takers[0]())
        m = len(head)

        def ahead_test(*carry: Any) -> Any:
            return go_on(carry[0], carry[m:])

        def ahead_body(*carry: Any) -> Any:
            st = carry[m:]
            element = None if many else structure.pack(spec, list(carry[1:m]))
            new = by_class(carry[1], takers, st) if many else tuple(step(element, st))
            has, k, next_takers = self._pull(next(_ids))
            nxt = (has, k) if many else (has, *next_takers[0]())
            return (*nxt, *_tuple(new, n))

        out = while_loop(ahead_test, ahead_body, (*head, *state))
        return tuple(_tuple(out, m + n)[m:])


def _rows(i: Any, *blocks: Any) -> tuple[Any, ...]:
    return tuple(lax.dynamic_index_in_dim(b, i, keepdims=False) for b in blocks)


# Row ``i`` (in range: the loop's counter) of each block: the element a block loop's trip reads.
_ROW = Op("IteratorGetNext", _rows, multiple_results=True, differentiable=False)


def _tuple(x: Any, n: int) -> tuple[Any, ...]:
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,) if n == 1 else tuple(x)


def _equal(k: Any, j: int) -> Any:
    from tapejax._src.ops.math_ops import equal

    return equal(k, np.int32(j))


def _as_bool_tensor(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return x
    return Tensor(np.bool_(bool(x)))


# -- where programs get their readers --------------------------------------------------------------
def dataset_iterator(ds: Any, what: str) -> GraphIterator:
    """``iter(ds)`` in a trace: each run of the program starts a fresh pass (its slot's reader),
    closing the pass the previous run left."""
    classes = _classes_or_raise(ds, what)
    slot = next(_ids)

    def start() -> None:
        old = _slots.pop(slot, None)
        if old is not None:
            old.close()
        _slots[slot] = HostReader(_program_pass(ds))

    _callback_op("MakeIterator", start, None)
    return GraphIterator(ds.element_spec, classes, lambda: _slots[slot])


def _program_pass(ds: Any) -> Any:
    """The pass a program reads from ``ds``: for ``batch`` of ``from_tensor_slices`` rows (through
    shuffle/repeat/take/skip; under prefetch or options), its batches gathered in the callback that
    reads them, several at once for a block loop (the same batches in the same order: prefetch and
    options change no element, and these stages run no user code; under a prefetch, the next block
    is gathered on a thread while the program runs on the one it took: ``batching.TakesAhead``);
    else ``ds._iter()``."""
    from tapejax._src.data.batching import BatchDataset, TakesAhead
    from tapejax._src.data.options import OptionsDataset
    from tapejax._src.data.prefetch import PrefetchDataset

    inner, ahead = ds, False
    while isinstance(inner, (PrefetchDataset, OptionsDataset)):
        ahead = ahead or (isinstance(inner, PrefetchDataset) and inner._size > 0)
        inner = inner._input
    if isinstance(inner, BatchDataset):
        gathered = inner._gathered_pass()
        if gathered is not None:
            return TakesAhead(gathered) if ahead else gathered
    return ds._iter()


def single_element(ds: Any) -> Any:
    """``ds.get_single_element()`` in a trace: one callback per run reads a fresh pass; TF's
    ``InvalidArgumentError`` when the run finds no element or more than one."""
    cls = _classes_or_raise(ds, "Dataset.get_single_element")[0]

    def read() -> tuple[np.ndarray, ...]:
        gen = ds._iter()
        try:
            first = next(gen, None)
            if first is None:
                raise errors.invalid_argument("Dataset was empty.")
            if next(gen, None) is not None:
                raise errors.invalid_argument("Dataset had more than one element.")
        finally:
            close = getattr(gen, "close", None)
            if close is not None:
                close()
        flat = tuple(np.asarray(a) for a in first)
        if not _fits(flat, cls):
            raise errors.invalid_argument(
                f"DatasetToSingleElement: an element of shapes [{_describe(flat)}] where the program was compiled "
                f"for [{_describe(_zeros(cls))}]."
            )
        return flat

    out = _callback_op("DatasetToSingleElement", read, tuple(_aval(s, d) for s, d in cls))
    return structure.pack(ds.element_spec, list(out))


def release(it: GraphIterator) -> None:
    """Ends the pass a program's ``for`` loop over a dataset started (its prefetch thread stops)."""

    def close() -> None:
        reader = it._source()
        reader.close()

    _callback_op("DeleteIterator", close, None)


def captured_iterator(iterator: Any) -> GraphIterator:
    """An eager iterator read by a trace that captured it (a closure): its own reader, no slot."""
    classes = iterator._shape_classes()
    if classes is None:
        _classes_or_raise(iterator._dataset, "Reading a tf.data.Iterator")
    return GraphIterator(iterator.element_spec, classes, lambda: iterator._reader)


def argument_iterator(element_spec: Any, classes: list[ShapeClass] | None, handle: Any) -> GraphIterator:
    """An iterator passed as a tf.function argument (its handle a traced int64): one callback per run,
    the handle its operand, binds the iterator's reader to the trace's slot."""
    slot = next(_ids)

    def bind_slot(h: Any) -> None:
        iterator = _handles.get(int(h))
        if iterator is None:
            raise errors.invalid_argument("The iterator passed to the tf.function no longer exists.")
        _slots[slot] = weakref.ref(iterator._reader)  # the user's iterator owns it (and its prefetch thread)

    if classes is None:
        raise ValueError(
            "Reading a tf.data.Iterator inside tf.function: tapejax compiles the program with static shapes, and "
            f"the shapes of this iterator's elements ({element_spec}) are only known when it runs. Fix: "
            "batch(..., drop_remainder=True), or read the iterator outside tf.function."
        )
    host_callback.call("IteratorFromHandle", bind_slot, None, _wrap(handle))
    return GraphIterator(element_spec, classes, lambda: _slots[slot]())


def for_stmt(
    iterable: Any,
    extra_test: Callable[[], Any] | None,
    body: Callable[[Any], None],
    get_state: Callable[[], Any],
    set_state: Callable[[Any], None],
    symbol_names: tuple[str, ...] | None = None,
) -> None:
    """AutoGraph's ``for x in dataset`` (TF's ``_tf_ag_dataset_for_stmt``): ``body(x)`` for each element,
    the loop state read with ``get_state()`` and written back with ``set_state(state)``, stopping
    early once ``extra_test()`` (a ``break``) is false. A Python loop outside a trace.

    Raises:
      ValueError: in a trace, a loop variable (``symbol_names``) that is undefined or None before the
        loop (TF's ``'x' must be defined before the loop``: a dataset loop, unlike a ``tf.range``
        loop, makes no placeholder for it).
    """
    from tapejax._src.function import in_trace

    if not in_trace():
        if extra_test is not None and not bool(extra_test()):
            return
        for element in iterable:
            body(element)
            if extra_test is not None and not bool(extra_test()):
                break
        return
    from tapejax._src.autograph.operators import _verify_loop_init_vars
    from tapejax._src.data.dataset import Dataset

    if symbol_names is not None:
        _verify_loop_init_vars(tuple(get_state()), tuple(symbol_names))
    if isinstance(iterable, Dataset):
        it = dataset_iterator(iterable, "Iterating a tf.data.Dataset")
        it.for_stmt(extra_test, body, get_state, set_state, fresh=True)
        release(it)
    else:
        iterable._graph().for_stmt(extra_test, body, get_state, set_state)
