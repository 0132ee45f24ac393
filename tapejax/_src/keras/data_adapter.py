"""The data ``fit``/``evaluate``/``predict`` accept, as batches: arrays, ``tf.data`` datasets, generators.

Each batch is a tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` of nested tapejax Tensors;
:class:`EpochIterator` walks the batches of one epoch as Keras 3.15's ``EpochIterator`` does
(``steps_per_epoch``, running out of data, an iterator kept across epochs).
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapejax._src import nest
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.ops import array_ops


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` from ``(x,)``, ``(x, y)``, ``(x, y, sample_weight)`` or ``x`` (Keras' helper).

    Raises:
      ValueError: for a tuple of another length (Keras' message).

    >>> import tapejax as tf
    >>> tf.keras.utils.unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """The inverse of :func:`unpack_x_y_sample_weight`: ``x`` (``(x,)`` if ``x`` is a tuple or list),
    ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return x if not isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_array(x: Any) -> bool:
    """An array or tensor with a batch dimension (scalars and Python lists are not, as in Keras)."""
    is_array = isinstance(x, (np.ndarray, TensorBase, VariableBase)) or (
        hasattr(x, "__array__") and hasattr(x, "shape")
    )
    return is_array and len(x.shape) >= 1


def _is_array_structure(x: Any) -> bool:
    leaves = [v for v in nest.flatten(x) if v is not None]
    return bool(leaves) and all(_is_array(v) for v in leaves)


def _is_dataset(x: Any) -> bool:
    from tapejax._src.data.dataset import Dataset

    return isinstance(x, Dataset)


def _to_numpy(x: Any) -> Any:
    return None if x is None else np.asarray(x)


def _to_tensor(x: Any) -> Any:
    if x is None or isinstance(x, (TensorBase, VariableBase)):
        return x
    return array_ops.convert_to_tensor(np.asarray(x))


def class_weight_to_sample_weights(y: Any, class_weight: dict[int, float]) -> np.ndarray:
    """Per-sample weights ``class_weight[label]`` (1 for absent labels; one-hot ``y`` is argmaxed), as Keras."""
    from tapejax._src.keras import backend

    y_numpy = np.asarray(y)
    sample_weight = np.ones(shape=(y_numpy.shape[0],), dtype=backend.floatx())
    if y_numpy.ndim > 1:
        y_numpy = np.argmax(y_numpy, axis=-1) if y_numpy.shape[-1] != 1 else np.squeeze(y_numpy, axis=-1)
    y_numpy = np.round(y_numpy).astype("int32")
    for i in range(y_numpy.shape[0]):
        sample_weight[i] = class_weight.get(int(y_numpy[i]), 1.0)
    return sample_weight


def _check_class_weight(y: Any, class_weight: Any) -> None:
    if class_weight is not None and nest.is_nested(y):
        raise ValueError("`class_weight` is only supported for Models with a single output.")


def train_validation_split(arrays: Any, validation_split: float) -> tuple[Any, Any]:
    """The arrays split into the first ``1 - validation_split`` and the last part (Keras' rule).

    Raises:
      ValueError: for data that is not arrays, or too few samples (Keras' messages).
    """
    flat = nest.flatten(arrays)
    unsplitable = [type(t) for t in flat if t is not None and not _is_array(t)]
    if unsplitable:
        raise ValueError(
            "Argument `validation_split` is only supported for tensors or NumPy arrays."
            f"Found incompatible type in the input: {unsplitable}"
        )
    if all(t is None for t in flat):
        return arrays, arrays
    first = next(t for t in flat if t is not None)
    batch_dim = int(np.shape(first)[0])
    split_at = math.floor(batch_dim * (1.0 - validation_split))
    if split_at == 0 or split_at == batch_dim:
        raise ValueError(
            f"Training data contains {batch_dim} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by `validation_split={validation_split}`. Either provide more data, "
            "or a different value for the `validation_split` argument."
        )
    arrays = nest.map_structure(_to_numpy, arrays)
    train = nest.map_structure(lambda t: None if t is None else t[:split_at], arrays)
    val = nest.map_structure(lambda t: None if t is None else t[split_at:], arrays)
    return train, val


def _per_output_sample_weight(y: Any, sample_weight: Any) -> Any:
    """Sample weights in the structure of a nested ``y``: given so, or one per-sample array repeated (Keras)."""
    if isinstance(sample_weight, (list, tuple, dict)):
        try:
            nest.assert_same_structure(y, sample_weight)
        except (ValueError, TypeError):
            raise ValueError(
                "You should provide one `sample_weight` array per output in `y`. The two structures did not match:\n"
                f"- y: {y}\n- sample_weight: {sample_weight}\n"
            ) from None
        return sample_weight
    shape = np.shape(sample_weight)
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
        raise ValueError(
            "For a model with multiple outputs, when providing a single `sample_weight` array, it should only have "
            "one scalar score per sample (i.e. shape `(num_samples,)`). If you want to use non-scalar sample "
            "weights, pass a `sample_weight` argument with one array per model output."
        )
    return nest.map_structure(lambda _: sample_weight, y)


class _ArrayAdapter:
    """Batches of NumPy arrays (or tensors), shuffled each epoch if asked; the last batch may be smaller."""

    def __init__(self, x: Any, y: Any, sample_weight: Any, batch_size: int | None, shuffle: Any, class_weight: Any):
        if sample_weight is not None:
            if class_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if nest.is_nested(y):
                sample_weight = _per_output_sample_weight(y, sample_weight)
        _check_class_weight(y, class_weight)
        if class_weight is not None:
            sample_weight = class_weight_to_sample_weights(_to_numpy(y), class_weight)
        data = pack_x_y_sample_weight(x, y, sample_weight)
        self._data = nest.map_structure(_to_numpy, data)
        sizes = {int(np.shape(a)[0]) for a in nest.flatten(self._data) if a is not None}
        if len(sizes) > 1:
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. "
                f"Received sizes: {sorted(sizes)}"
            )
        self.num_samples = sizes.pop() if sizes else 0
        self.batch_size = batch_size or 32
        self.num_batches = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.shuffle = shuffle

    def peek(self) -> Any:
        """The first batch (not shuffled), without consuming anything."""
        return nest.map_structure(lambda a: None if a is None else _to_tensor(a[: self.batch_size]), self._data)

    def __iter__(self) -> Iterator[Any]:
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":  # shuffled within each batch-sized chunk, as Keras
            order = np.concatenate([start + np.random.permutation(min(size, n - start)) for start in range(0, n, size)])
        elif self.shuffle:
            order = np.random.permutation(n)
        else:
            order = None
        for start in range(0, n, size):
            index = slice(start, start + size) if order is None else order[start : start + size]
            # NumPy slices: the compiled step takes them as arguments, and JAX's C++ dispatch moves them to the
            # device (cheaper than a Tensor made per array in Python); an eager step converts them first.
            yield nest.map_structure(lambda a, i=index: None if a is None else a[i], self._data)


_EMPTY = object()


class _IterableAdapter:
    """Batches from a ``tf.data.Dataset`` (re-iterated each epoch) or a Python generator."""

    def __init__(self, source: Any, class_weight: Any) -> None:
        self.source = source
        self.class_weight = class_weight
        self.num_batches: int | None = None
        self._peeked: list[Any] = []  # a generator's first element, taken by peek() and yielded first
        if _is_dataset(source):
            n = int(source.cardinality())
            self.num_batches = n if n >= 0 else None
        else:  # a generator: its first element checked (and kept) now, as Keras' GeneratorDataAdapter
            first = next(source, _EMPTY)
            if first is _EMPTY:
                raise ValueError(
                    "When passing a Python generator to a Keras model, the generator must yield at least one batch. "
                    "Received an empty generator."
                )
            if not isinstance(first, tuple):
                raise ValueError(
                    "When passing a Python generator to a Keras model, the generator must return a tuple, either "
                    f"(input,) or (inputs, targets) or (inputs, targets, sample_weights). Received: {first}"
                )
            self._peeked.append(first)

    def peek(self) -> Any:
        """The first batch, without consuming it (a generator's element is kept for the next pass)."""
        if _is_dataset(self.source):
            element = next(iter(self.source), None)
        elif self._peeked:
            element = self._peeked[0]
        else:
            element = next(self.source, None)
            if element is not None:
                self._peeked.append(element)
        return None if element is None else self._convert(element)

    def _convert(self, element: Any) -> Any:
        x, y, sw = unpack_x_y_sample_weight(element)
        if self.class_weight is not None:
            _check_class_weight(y, self.class_weight)
            sw = class_weight_to_sample_weights(_to_numpy(y), self.class_weight)
        return nest.map_structure(_to_tensor, pack_x_y_sample_weight(x, y, sw))

    def __iter__(self) -> Iterator[Any]:
        while self._peeked:
            yield self._convert(self._peeked.pop(0))
        for element in self.source:
            yield self._convert(element)


def _unsupported_arg(arg_name: str, arg_description: str, input_type: str) -> ValueError:
    return ValueError(
        f"When providing `x` as a {input_type}, `{arg_name}` should not be passed. Instead, {arg_description} "
        f"should be included as part of the {input_type}."
    )


def get_data_adapter(
    x: Any, y: Any = None, sample_weight: Any = None, batch_size: int | None = None,
    shuffle: Any = False, class_weight: Any = None,
) -> Any:  # fmt: skip
    """The adapter of ``x``: arrays (with ``y``/``sample_weight``), a ``tf.data.Dataset``, or a generator.

    Raises:
      ValueError: ``y``/``sample_weight`` given with a dataset or generator, ``class_weight`` with a
        generator, other data types (Keras' messages).
    """
    if _is_array_structure((x, y, sample_weight)):
        return _ArrayAdapter(x, y, sample_weight, batch_size, shuffle, class_weight)
    if _is_dataset(x) or isinstance(x, types.GeneratorType):
        kind = "tf.data.Dataset" if _is_dataset(x) else "generator"
        if y is not None:
            raise _unsupported_arg("y", "the targets", kind)
        if sample_weight is not None:
            raise _unsupported_arg("sample_weights", "the sample weights", kind)
        if kind == "generator" and class_weight is not None:
            raise ValueError(
                f"Argument `class_weight` is not supported for Python generator inputs. Received: class_weight={class_weight}"
            )
        if shuffle:
            expectation = (
                "The Dataset is expected to already be shuffled (via `.shuffle(buffer_size)`)."
                if kind == "tf.data.Dataset"
                else "The generator is expected to yield already-shuffled data."
            )
            warnings.warn(
                f"`shuffle=True` was passed, but will be ignored since the data `x` was provided as a {kind}. "
                + expectation,
                stacklevel=4,
            )
        return _IterableAdapter(x, class_weight)
    raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")


class EpochIterator:
    """The batches of each epoch: ``for step, batch in iterator.enumerate_epoch()`` (Keras 3.15's rules).

    With ``steps_per_epoch`` the same underlying iterator continues across epochs (a generator or a
    repeated dataset keeps going), restarting only after a full pass over finite data; running out
    of data early ends the epoch with Keras' warning.
    """

    def __init__(
        self, x: Any, y: Any = None, sample_weight: Any = None, batch_size: int | None = None,
        steps_per_epoch: int | None = None, shuffle: Any = False, class_weight: Any = None,
    ) -> None:  # fmt: skip
        from tapejax._src.keras import backend

        cap = backend._globals["max_steps_per_epoch"]  # tf.keras.config.set_max_steps_per_epoch (debugging)
        if cap and (not steps_per_epoch or cap < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {int(cap)}", stacklevel=2)
            steps_per_epoch = cap
        self.steps_per_epoch = steps_per_epoch
        self.adapter = get_data_adapter(x, y, sample_weight, batch_size, shuffle, class_weight)
        self._num_batches = self.adapter.num_batches
        self._current: Iterator[Any] | None = None
        self._steps_seen = 0

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch: ``steps_per_epoch``, else the data's count (None while unknown)."""
        return self.steps_per_epoch or self._num_batches

    def _interrupted_warning(self) -> None:
        warnings.warn(
            "Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
            "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function "
            "when building your dataset.",
            stacklevel=3,
        )

    def peek(self) -> Any:
        """The first batch (to build the model), without consuming it; None for no data."""
        return self.adapter.peek()

    def reset(self) -> None:
        """Forgets the iterator kept across epochs."""
        self._current = None
        self._steps_seen = 0

    def enumerate_epoch(self) -> Iterator[tuple[int, Any]]:
        """``(step, batch)`` for one epoch."""
        steps = self.steps_per_epoch or self._num_batches or -1
        if steps > 0:
            if self._current is None or self.steps_per_epoch is None:
                self._current = iter(self.adapter)
                self._steps_seen = 0
            for step in range(steps):
                if self._num_batches and self._steps_seen >= self._num_batches:
                    if self.steps_per_epoch:
                        self._interrupted_warning()
                    break
                try:
                    batch = next(self._current)
                except StopIteration:
                    if self._num_batches is None:
                        self._num_batches = self._steps_seen
                    self._interrupted_warning()
                    self._current = None
                    return
                self._steps_seen += 1
                yield step, batch
            if self._num_batches and self._steps_seen >= self._num_batches:
                self._current = None
                self._steps_seen = 0
        else:  # unknown length: until the data runs out, which Keras reports with its warning
            step = 0
            for batch in self.adapter:
                yield step, batch
                step += 1
            self._num_batches = step
            self._interrupted_warning()
