"""Iterating a dataset: ``tf.data.Iterator`` (``iter(ds)``, in Python and inside ``tf.function``) and ``tf.data.NumpyIterator``."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tapejax._src import errors
from tapejax._src.core import TensorBase, _ArrayImpl, _wrap
from tapejax._src.data import graph, structure
from tapejax._src.function import in_trace
from tapejax._src.tensor import Tensor, convert_python
from tapejax._src.tensor_spec import TensorSpec

_ARRAY_TYPES = {_ArrayImpl}


def check_eager(what: str) -> None:
    """Raises where a dataset would be read on the host while a tf.function is traced (its elements
    would be baked into the program); iteration itself reads in the program (``graph.py``)."""
    if in_trace():
        raise NotImplementedError(
            f"{what} inside tf.function: tapejax's tf.function traces once, so the dataset's elements would be "
            "frozen into the compiled program (the next call would see the same data). Fix: iterate the dataset "
            "(for x in ds, iter(ds), ds.reduce) or pass each batch to the tf.function as arguments."
        )


class Iterator:
    """An iterator over a dataset's elements (``tf.data.Iterator``): ``next(it)`` or ``it.get_next()``.

    It may be read inside ``tf.function`` too, captured or passed as an argument (one trace for all
    iterators of the same element spec): each run of the program reads the next elements.

    >>> import tapejax as tf
    >>> it = iter(tf.data.Dataset.range(3))
    >>> print(next(it), it.get_next())
    tf.Tensor(0, shape=(), dtype=int64) tf.Tensor(1, shape=(), dtype=int64)
    >>> step = tf.function(lambda it: it.get_next() * 10)
    >>> print(step(it))
    tf.Tensor(20, shape=(), dtype=int64)

    Raises:
      StopIteration: ``next()`` past the end (eagerly).
      OutOfRangeError: ``get_next()`` past the end (TF's ``End of sequence``), and a ``tf.function``
        run that reads past the end.
    """

    def __init__(self, dataset: Any) -> None:
        from tapejax._src.data.prefetch import PrefetchDataset

        self._element_spec = dataset.element_spec
        self._dataset = dataset
        # A prefetching dataset moves its elements into JAX arrays on its own thread.
        gen = dataset._iter(to_device=True) if isinstance(dataset, PrefetchDataset) else dataset._iter()
        self._reader = graph.HostReader(gen)
        self._handle = graph.new_handle(self)
        self._handle_tensor: Any = None
        self._classes: Any = False  # not yet computed
        spec = self._element_spec  # a flat tuple of TensorSpecs: its component count (else 0)
        self._flat_count = len(spec) if type(spec) is tuple and all(type(s) is TensorSpec for s in spec) else 0

    @property
    def element_spec(self) -> Any:
        """The nested ``tf.TensorSpec`` of the elements."""
        return self._element_spec

    def __iter__(self) -> Iterator:
        return self

    def _shape_classes(self) -> Any:
        if self._classes is False:
            self._classes = graph.shape_classes(self._dataset)
        return self._classes

    def _graph(self) -> graph.GraphIterator:
        """This iterator as a program being traced reads it (captured by the function)."""
        return graph.captured_iterator(self)

    def __next__(self) -> Any:
        if in_trace():
            return self._graph().get_next()
        flat = self._reader.next_flat()
        if flat is None:
            raise StopIteration
        if len(flat) == self._flat_count and set(map(type, flat)) == _ARRAY_TYPES:
            return tuple(map(_wrap, flat))  # (a prefetched element: to_tensors' first case, in fewer steps)
        return structure.to_tensors(self._element_spec, flat)

    def next(self) -> Any:
        """The next element (``next(it)``)."""
        return self.__next__()

    def get_next(self) -> Any:
        """The next element; ``tf.errors.OutOfRangeError`` past the end."""
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self) -> Any:
        """The next element as a ``tf.experimental.Optional``, empty past the end."""
        from tapejax._src.data.optional import Optional

        if in_trace():
            return self._graph().get_next_as_optional()
        flat = self._reader.next_flat()
        if flat is None:
            return Optional.empty(self._element_spec)
        return Optional.from_value(structure.to_tensors(self._element_spec, flat))

    def _ag_for_stmt(
        self, extra_test: Any, body: Any, get_state: Any, set_state: Any, symbol_names: Any, opts: Any
    ) -> None:
        """AutoGraph's ``for x in iterator`` (TF's ``_tf_iterator_for_stmt``): see ``graph.for_stmt``."""
        graph.for_stmt(self, extra_test, body, get_state, set_state, symbol_names)


class _IteratorKey:
    """An iterator argument's part of a tf.function's cache key: its element spec and shape classes (TF
    keys an iterator by its spec, so every iterator of the same spec shares one trace)."""

    __slots__ = ("classes", "spec")

    def __init__(self, spec: Any, classes: Any) -> None:
        self.spec = spec
        self.classes = classes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _IteratorKey) and repr(other.spec) == repr(self.spec) and other.classes == self.classes

    def __hash__(self) -> int:
        return hash(repr(self.spec))


def _flatten_iterator(it: Iterator) -> tuple[tuple[Any, ...], _IteratorKey]:
    if it._handle_tensor is None:
        it._handle_tensor = Tensor(convert_python(np.int64(it._handle), None))
    return (it._handle_tensor,), _IteratorKey(it._element_spec, it._shape_classes())


def _unflatten_iterator(key: _IteratorKey, children: Any) -> Any:
    (handle,) = children
    value = handle._value if isinstance(handle, TensorBase) else handle
    if isinstance(value, jax.core.Tracer):  # pyright: ignore[reportAttributeAccessIssue]
        # A tf.function being traced: the iterator its run is given (one callback binds it).
        return graph.argument_iterator(key.spec, key.classes, value)
    try:
        found = graph._handles.get(int(np.asarray(value)))
    except (TypeError, ValueError):
        found = None
    return found if found is not None else _Unflattened(key, children)


class _Unflattened:
    """What JAX's tree utilities rebuild from an iterator's leaves that are not its handle."""

    def __init__(self, key: _IteratorKey, children: Any) -> None:
        self.key = key
        self.children = children


class OwnedIterator(Iterator):
    """The iterator ``iter(dataset)`` returns (TF's ``OwnedIterator``)."""


# An iterator passed to a tf.function is one tensor leaf (its handle), as TF passes its resource.
for _cls in (Iterator, OwnedIterator):  # JAX's registry is by exact class
    jax.tree_util.register_pytree_node(_cls, _flatten_iterator, _unflatten_iterator)


class NumpyIterator:
    """An iterator over a dataset's elements as numpy values (``tf.data.NumpyIterator``, from ``as_numpy_iterator``)."""

    def __init__(self, dataset: Any) -> None:
        check_eager("Iterating a tf.data.Dataset")
        self._element_spec = dataset.element_spec
        self._gen = dataset._iter()

    def __iter__(self) -> NumpyIterator:
        return self

    def __next__(self) -> Any:
        check_eager("Reading a tf.data.NumpyIterator")
        return structure.to_numpy_element(self._element_spec, next(self._gen))

    def next(self) -> Any:
        """The next element."""
        return self.__next__()

    def __repr__(self) -> str:
        return f"<tf.data.NumpyIterator element_spec={self._element_spec!r}>"
