"""Iterating a dataset in Python: ``tf.data.Iterator`` (``iter(ds)``) and ``tf.data.NumpyIterator``."""

from __future__ import annotations

from typing import Any

from tapejax._src import errors
from tapejax._src.data import structure
from tapejax._src.function import in_trace


def check_eager(what: str) -> None:
    """Raises where a dataset would be read while a tf.function is traced (its elements would be baked in)."""
    if in_trace():
        raise NotImplementedError(
            f"{what} inside tf.function: tapejax's tf.function traces once, so the dataset's elements would be "
            "frozen into the compiled program (the next call would see the same data). Fix: iterate the dataset "
            "outside and pass each batch to the tf.function as arguments."
        )


class Iterator:
    """An iterator over a dataset's elements (``tf.data.Iterator``): ``next(it)`` or ``it.get_next()``.

    >>> import tapejax as tf
    >>> it = iter(tf.data.Dataset.range(2))
    >>> print(next(it), it.get_next())
    tf.Tensor(0, shape=(), dtype=int64) tf.Tensor(1, shape=(), dtype=int64)

    Raises:
      StopIteration: ``next()`` past the end.
      OutOfRangeError: ``get_next()`` past the end (TF's ``End of sequence``).
    """

    def __init__(self, dataset: Any) -> None:
        from tapejax._src.data.prefetch import PrefetchDataset

        check_eager("Iterating a tf.data.Dataset")
        self._element_spec = dataset.element_spec
        # A prefetching dataset moves its elements into JAX arrays on its own thread.
        self._gen = dataset._iter(to_device=True) if isinstance(dataset, PrefetchDataset) else dataset._iter()

    @property
    def element_spec(self) -> Any:
        """The nested ``tf.TensorSpec`` of the elements."""
        return self._element_spec

    def __iter__(self) -> Iterator:
        return self

    def _next_flat(self) -> structure.Flat:
        check_eager("Reading a tf.data.Iterator")
        return next(self._gen)

    def __next__(self) -> Any:
        return structure.to_tensors(self._element_spec, self._next_flat())

    def next(self) -> Any:
        """The next element (``next(it)``)."""
        return self.__next__()

    def get_next(self) -> Any:
        """The next element; ``tf.errors.OutOfRangeError`` past the end."""
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None


class OwnedIterator(Iterator):
    """The iterator ``iter(dataset)`` returns (TF's ``OwnedIterator``)."""


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
