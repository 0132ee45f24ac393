"""``tf.data.Dataset``: the base class, its methods (each builds one stage), and cardinality.

A dataset is a recipe: each ``iter()`` starts a fresh pass through its stages, which are Python
generators handing flat tuples of numpy components to the next stage (``structure.py``). The
stages live in one module per concept: ``sources``, ``transformations`` (map, filter, counting),
``nested`` (flat_map, interleave), ``stateful`` (scan, reduce, unique, cache), ``combinations``,
``batching``, ``grouping``, ``shuffling``, ``prefetch``; user functions in ``functions``, element
structures and specs in ``structure``, iteration in ``iterator``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.tensor import Tensor, convert_python

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1
INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


class Dataset:
    """A sequence of elements, each a nested structure (tuples, dicts) of tensors (``tf.data.Dataset``).

    Build one from data (``from_tensor_slices``, ``range``, ``from_generator``), transform it
    (``map``, ``filter``, ``shuffle``, ``batch``, ``prefetch``, ...) and iterate it in Python.

    >>> import tapejax as tf
    >>> ds = tf.data.Dataset.from_tensor_slices([1, 2, 3, 4]).map(lambda x: x * 10).batch(3)
    >>> ds.element_spec
    TensorSpec(shape=(None,), dtype=tf.int32, name=None)
    >>> [b.tolist() for b in ds.as_numpy_iterator()]
    [[10, 20, 30], [40]]

    Differences from TensorFlow:
      * Elements are computed on the host by Python stages (numpy components between stages); there
        are no string tensors, file readers (TFRecord, text lines, CSV), ``save``/``load``/``snapshot``,
        ragged or sparse batching, or ``ignore_errors``.
      * ``map``/``filter``/``scan`` functions are traced once for the ``element_spec`` when the dataset
        is built and once per compiled program (per element signature; vectorised for
        ``map(f).batch(n)``), so a Python side effect in them runs at least twice where TF's runs once. One XLA cannot compile (output shapes that depend on values,
        a Python ``if`` on a tensor) runs eagerly, op by op, per element.
      * A dataset function compiles once per element shape: elements whose shapes keep changing
        (sequences of every length) compile again and again; pad or bucket them first.
      * ``map(f).batch(n)`` of a function that touches no Variable runs ``f`` vectorised over each
        batch (one compiled call): equal to TF's element-by-element results up to float rounding; its
        random draws give each element its own key (other numbers than element by element).
      * Parallel ``map`` and ``interleave`` keep the input order whatever ``deterministic`` says
        (an order TF allows); ``interleave`` reads its inputs on one thread.
      * Shuffles, ``sample_from_datasets`` and random ops in dataset functions are reproducible for a
        seed (``tf.random.set_seed`` before the dataset is built) but draw other sequences than TF's; a
        function's random stream goes on from pass to pass, where TF's restarts with each iterator
        (giving the same augmentation every epoch under a global seed); ``Options`` are kept and merged but change nothing; ``cache(filename)`` writes its own
        file format (``<filename>.tapejax-cache.npz``), not TF's.
      * A dataset function that reads Variables runs (under ``prefetch``, on its thread) as a
        ``tf.function``: tracing another ``tf.function`` that uses the same Variables at that moment
        is not supported (README: Variables used by two threads while one traces).
      * Inside ``tf.function`` (``for x in ds``, ``iter(ds)``, an iterator argument, ``reduce``) the pipeline
        keeps running in Python on the host and the compiled program pulls each element with a host callback
        (~70 us a scalar, ~180 us a 64x784 float32 batch, on a loaded 2-core CPU). The program has static
        shapes: a ``None`` dimension must come from a known set of shapes (``batch`` without
        ``drop_remainder`` of a dataset of known cardinality: full batches and the last one; a ``for`` loop
        traces its body for each), else tracing raises ``ValueError`` asking for ``drop_remainder=True``;
        ``get_next`` there reads full batches only (``InvalidArgumentError`` at run time for the partial one).
        Reading a dataset on the host while tracing (``as_numpy_iterator``) raises ``NotImplementedError``. A
        tape differentiates through a ``for`` loop over a dataset (a ``tf.while_loop`` here), where TF's
        gradient is None (its loop is a dataset ``reduce``).
    """

    _tf_name = "Dataset"

    def __init__(self, element_spec: Any, inputs: tuple[Dataset, ...] = ()) -> None:
        self._element_spec = element_spec
        self._inputs = inputs
        self._own_options: Any = None

    # -- what subclasses provide -------------------------------------------------------------------
    def _iter(self) -> Iterator[structure.Flat]:
        """A fresh pass: the elements as flat tuples of numpy components."""
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN

    def _index_root(self) -> Any:
        """The ``from_tensor_slices`` dataset whose rows this one hands out in some order (``_iter_index_blocks``),
        or None: then ``batch`` gathers rows at once instead of stacking slices."""
        return None

    # -- properties ---------------------------------------------------------------------------------
    @property
    def element_spec(self) -> Any:
        """The nested ``tf.TensorSpec`` of one element."""
        return self._element_spec

    def cardinality(self) -> Tensor:
        """The number of elements as an int64 scalar: ``tf.data.INFINITE_CARDINALITY`` (-1) or ``UNKNOWN_CARDINALITY`` (-2)."""
        return Tensor(convert_python(np.int64(self._cardinality()), None))

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<{self._tf_name} element_spec={self._element_spec!r}>"

    def __iter__(self) -> Any:
        from tapejax._src.data.iterator import OwnedIterator
        from tapejax._src.function import in_trace

        if in_trace():  # each run of the program reads a fresh pass
            return graph.dataset_iterator(self, "Iterating a tf.data.Dataset")
        return OwnedIterator(self)

    def _ag_for_stmt(
        self, extra_test: Any, body: Any, get_state: Any, set_state: Any, symbol_names: Any, opts: Any
    ) -> None:
        """AutoGraph's ``for x in dataset`` (TF's ``_tf_ag_dataset_for_stmt``, the same arguments):
        ``body(x)`` per element, the loop state read by ``get_state()`` and written back by
        ``set_state(state)``, stopping once ``extra_test()`` is false. Inside ``tf.function`` it is one
        ``tf.while_loop`` pulling each element from the host pipeline (``graph.py``)."""
        graph.for_stmt(self, extra_test, body, get_state, set_state, symbol_names)

    def as_numpy_iterator(self) -> Any:
        """An iterator over the elements as numpy values (scalars as numpy scalars).

        >>> import tapejax as tf
        >>> list(tf.data.Dataset.range(3).as_numpy_iterator())
        [np.int64(0), np.int64(1), np.int64(2)]
        """
        from tapejax._src.data.iterator import NumpyIterator

        return NumpyIterator(self)

    def options(self) -> Any:
        """The ``tf.data.Options`` in effect: this dataset's merged over its inputs'."""
        from tapejax._src.data.options import Options

        merged = Options()
        for d in self._inputs:
            merged = merged.merge(d.options())
        return merged.merge(self._own_options) if self._own_options is not None else merged

    def with_options(self, options: Any, name: str | None = None) -> Dataset:
        """This dataset with ``options`` set (accepted; tapejax's engine reads none of them)."""
        from tapejax._src.data.options import Options, OptionsDataset

        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a tf.data.Options, got {type(options).__name__}.")
        return OptionsDataset(self, options)

    # -- sources ------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        """One element per slice along the first dimension of every component.

        Raises:
          ValueError: a scalar component, or components of different first dimensions.
        """
        return sources.TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        """A dataset of one element: ``tensors``."""
        return sources.TensorDataset(tensors)

    @staticmethod
    def range(*args: Any, output_type: Any = None, name: str | None = None) -> Dataset:
        """``range([start,] stop[, step])`` as int64 scalars (``output_type`` to change the dtype)."""
        return sources.RangeDataset(args, output_type)

    @staticmethod
    def counter(start: Any = 0, step: Any = 1, dtype: Any = None, name: str | None = None) -> Dataset:
        """An infinite count from ``start`` by ``step`` (int64 unless ``dtype``)."""
        return sources.counter(start, step, dtype)

    @staticmethod
    def random(seed: Any = None, rerandomize_each_iteration: Any = None, name: str | None = None) -> Dataset:
        """An infinite dataset of random int64 values in ``[0, 2**32)``: the same sequence each pass
        unless ``rerandomize_each_iteration``."""
        return sources.RandomDataset(seed, rerandomize_each_iteration)

    @staticmethod
    def from_generator(
        generator: Callable[..., Any],
        output_types: Any = None,
        output_shapes: Any = None,
        args: Any = None,
        output_signature: Any = None,
        name: str | None = None,
    ) -> Dataset:
        """The elements a Python generator yields (``generator`` is called again for each pass).

        Declare them with ``output_signature`` (nested ``tf.TensorSpec``), or with the deprecated
        ``output_types`` and optional ``output_shapes``.

        Raises:
          TypeError: no ``output_signature``/``output_types``, or both; ``generator`` not callable.
          InvalidArgumentError: (when an element is read, eagerly or in ``tf.function``) the generator
            raised a ``ValueError``/``TypeError``, or yielded an element that does not match; other
            exceptions as TF maps them (``UnimplementedError``, ``ResourceExhaustedError``,
            ``UnknownError``), with the exception and its traceback in the message.
        """
        return sources.GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*args: Any, datasets: Any = None, name: str | None = None) -> Dataset:
        """Elements of several datasets side by side (a tuple or dict of datasets, or several arguments)."""
        return combinations.ZipDataset(args, datasets)

    @staticmethod
    def choose_from_datasets(datasets: Any, choice_dataset: Dataset, stop_on_empty_dataset: bool = True) -> Dataset:
        """The next element of ``datasets[i]`` for each int64 ``i`` from ``choice_dataset``."""
        return combinations.ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(
        datasets: Any,
        weights: Any = None,
        seed: int | None = None,
        stop_on_empty_dataset: bool = False,
        rerandomize_each_iteration: bool | None = None,
    ) -> Dataset:
        """Elements drawn at random from ``datasets`` with probabilities ``weights`` (uniform by default)."""
        return combinations.sample_from_datasets(
            datasets, weights, seed, stop_on_empty_dataset, rerandomize_each_iteration
        )

    # -- transformations ----------------------------------------------------------------------------
    def map(
        self,
        map_func: Callable[..., Any],
        num_parallel_calls: int | None = None,
        deterministic: bool | None = None,
        synchronous: bool | None = None,
        use_unbounded_threadpool: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """``map_func`` of every element (a tuple element is spread over its arguments).

        ``map_func`` is traced once per element signature (``tf.function``) and runs compiled;
        ``num_parallel_calls`` (``tf.data.AUTOTUNE``) runs that many calls at once on threads, in order.

        Raises:
          InvalidArgumentError: ``num_parallel_calls`` not positive (or AUTOTUNE).
        """
        return transformations.MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """The elements for which ``predicate`` (a scalar ``tf.bool``) is True.

        Raises:
          ValueError: ``predicate`` does not return a scalar bool.
        """
        return transformations.FilterDataset(self, predicate)

    def flat_map(self, map_func: Callable[..., Any], name: str | None = None) -> Dataset:
        """The elements of the dataset ``map_func`` returns for each element, one after another."""
        return nested.FlatMapDataset(self, map_func)

    def interleave(
        self,
        map_func: Callable[..., Any],
        cycle_length: int | None = None,
        block_length: int | None = None,
        num_parallel_calls: int | None = None,
        deterministic: bool | None = None,
        name: str | None = None,
    ) -> Dataset:
        """``flat_map`` reading ``cycle_length`` inner datasets at once, ``block_length`` elements from each in turn."""
        return nested.InterleaveDataset(self, map_func, cycle_length, block_length, num_parallel_calls)

    def enumerate(self, start: Any = 0, name: str | None = None) -> Dataset:
        """``(index, element)`` pairs, the index an int64 from ``start``."""
        return Dataset.zip(Dataset.counter(start), self)

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        """This dataset's elements, then ``dataset``'s.

        Raises:
          TypeError: the two element structures or dtypes differ.
        """
        return combinations.ConcatenateDataset(self, dataset)

    def repeat(self, count: Any = None, name: str | None = None) -> Dataset:
        """The elements ``count`` times (None or -1: forever)."""
        return transformations.RepeatDataset(self, count)

    def take(self, count: Any, name: str | None = None) -> Dataset:
        """The first ``count`` elements (-1: all)."""
        return transformations.TakeDataset(self, count)

    def skip(self, count: Any, name: str | None = None) -> Dataset:
        """All but the first ``count`` elements (-1: none)."""
        return transformations.SkipDataset(self, count)

    def shard(self, num_shards: Any, index: Any, name: str | None = None) -> Dataset:
        """Every ``num_shards``-th element, from the ``index``-th (one worker's share).

        Raises:
          InvalidArgumentError: ``num_shards`` not positive, or ``index`` outside ``[0, num_shards)``.
        """
        return transformations.ShardDataset(self, num_shards, index)

    def take_while(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """The elements until ``predicate`` is first False."""
        return transformations.TakeWhileDataset(self, predicate)

    def scan(self, initial_state: Any, scan_func: Callable[..., Any], name: str | None = None) -> Dataset:
        """``scan_func(state, element) -> (new_state, output)`` over the elements, yielding the outputs."""
        return stateful.ScanDataset(self, initial_state, scan_func)

    def reduce(self, initial_state: Any, reduce_func: Callable[..., Any], name: str | None = None) -> Any:
        """The final state of ``reduce_func(state, element) -> new_state`` over the elements, as Tensors.

        >>> import tapejax as tf
        >>> print(tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x))
        tf.Tensor(10, shape=(), dtype=int64)
        """
        return stateful.reduce(self, initial_state, reduce_func)

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """``transformation_func(self)``, for chaining.

        Raises:
          TypeError: ``transformation_func`` does not return a Dataset.
        """
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("`transformation_func` must return a `tf.data.Dataset` object.")
        return out

    def unique(self, name: str | None = None) -> Dataset:
        """The elements seen for the first time (one int32 or int64 component).

        Raises:
          TypeError: another dtype or structure.
        """
        return stateful.UniqueDataset(self)

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        """The elements of the first complete pass, kept in memory (or in ``filename``) and replayed after."""
        return stateful.CacheDataset(self, filename)

    def get_single_element(self, name: str | None = None) -> Any:
        """The dataset's only element, as Tensors.

        Raises:
          InvalidArgumentError: the dataset is empty or has more than one element.
        """
        from tapejax._src.function import in_trace

        if in_trace():  # read when the program runs, as TF's DatasetToSingleElement
            return graph.single_element(self)
        it = self._iter()
        try:
            first = next(it)
        except StopIteration:
            raise errors.invalid_argument("Dataset was empty.") from None
        for _ in it:
            raise errors.invalid_argument("Dataset had more than one element.")
        return structure.to_tensors(self._element_spec, first)

    # -- batching -----------------------------------------------------------------------------------
    def batch(
        self,
        batch_size: Any,
        drop_remainder: bool = False,
        num_parallel_calls: int | None = None,
        deterministic: bool | None = None,
        name: str | None = None,
    ) -> Dataset:
        """Consecutive elements stacked ``batch_size`` at a time; the last batch may be smaller unless ``drop_remainder``.

        Raises:
          InvalidArgumentError: ``batch_size`` not positive; (when iterated) elements of different shapes.
        """
        return batching.BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(
        self,
        batch_size: Any,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """``batch`` padding each component to ``padded_shapes`` (None dims: the batch's longest) with ``padding_values`` (0)."""
        return batching.PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name: str | None = None) -> Dataset:
        """Splits each element along its first dimension into elements.

        Raises:
          ValueError: a scalar component.
        """
        return batching.UnbatchDataset(self)

    def rebatch(self, batch_size: Any, drop_remainder: bool = False, name: str | None = None) -> Dataset:
        """The batched elements re-cut into batches of ``batch_size`` (a list: successive sizes, cycled)."""
        return batching.RebatchDataset(self, batch_size, drop_remainder)

    def window(
        self, size: Any, shift: Any = None, stride: Any = 1, drop_remainder: bool = False, name: str | None = None
    ) -> Dataset:
        """Windows of ``size`` elements, every ``shift``, ``stride`` apart, each a (structure of) Dataset."""
        return batching.WindowDataset(self, size, shift, stride, drop_remainder)

    def group_by_window(
        self,
        key_func: Callable[..., Any],
        reduce_func: Callable[[Any, Dataset], Dataset],
        window_size: Any = None,
        window_size_func: Callable[[Any], Any] | None = None,
        name: str | None = None,
    ) -> Dataset:
        """Groups elements by the int64 ``key_func``; every ``window_size`` of a key go through ``reduce_func(key, window)``."""
        return grouping.GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(
        self,
        element_length_func: Callable[..., Any],
        bucket_boundaries: Any,
        bucket_batch_sizes: Any,
        padded_shapes: Any = None,
        padding_values: Any = None,
        pad_to_bucket_boundary: bool = False,
        no_padding: bool = False,
        drop_remainder: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """Padded batches of elements of similar length (the buckets between ``bucket_boundaries``)."""
        return grouping.bucket_by_sequence_length(
            self,
            element_length_func,
            bucket_boundaries,
            bucket_batch_sizes,
            padded_shapes,
            padding_values,
            pad_to_bucket_boundary,
            no_padding,
            drop_remainder,
        )

    # -- order and pipelining -----------------------------------------------------------------------
    def shuffle(
        self,
        buffer_size: Any,
        seed: int | None = None,
        reshuffle_each_iteration: bool = True,
        name: str | None = None,
    ) -> Dataset:
        """Elements drawn at random from a buffer of the next ``buffer_size`` ones (TF's buffered shuffle).

        With ``seed`` (or a global ``tf.random.set_seed``) the sequence of passes is reproducible;
        ``reshuffle_each_iteration=False`` repeats the first pass's order.

        Raises:
          InvalidArgumentError: ``buffer_size`` not positive.
        """
        return shuffling.ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def prefetch(self, buffer_size: Any, name: str | None = None) -> Dataset:
        """Prepares up to ``buffer_size`` elements ahead on a background thread (``tf.data.AUTOTUNE``: a few).

        Differences from TensorFlow: where the buffer is empty when an element is asked for (the
        thread could not keep up, e.g. on a loaded machine), the consumer makes that element itself
        instead of waiting for the thread; the elements, their order and errors are the same. An
        element is a copy of the arrays it was made from: a ``from_generator`` generator that changes
        the array it yielded does not change the element (TF 2.21 may use an aligned yielded array in
        place, so its prefetched element shows the later change).
        """
        return prefetch.PrefetchDataset(self, buffer_size)


def as_int(value: Any, what: str) -> int:
    """A Python int from an int, numpy integer or integer scalar Tensor argument."""
    if isinstance(value, Tensor) or hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"{what} must be a scalar, got shape {value.shape}.")
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, got {value!r}.")
    return int(value)


# Last: the stage modules subclass Dataset.
from tapejax._src.data import (  # noqa: E402
    batching,
    combinations,
    graph,
    grouping,
    nested,
    prefetch,
    shuffling,
    sources,
    stateful,
    transformations,
)
