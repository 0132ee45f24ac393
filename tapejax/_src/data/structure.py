"""Dataset elements: their nested structure, their ``tf.TensorSpec`` and their host (numpy) values.

tf.data's structures are tuples (namedtuples too) and dicts; everything else, a Python list included,
is one component that converts to a tensor (TF's ``tf.data`` nest, unlike ``tf.nest``). A dataset
passes its elements between stages as flat tuples of numpy arrays, one per component in ``tf.nest``
order (dict keys sorted): tf.data runs on the host, and numpy slices, stacks and pads there without a
device round trip per element. Users see them packed and converted to ``tf.Tensor`` (or numpy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import TensorBase, VariableBase, _ArrayImpl, _wrap
from tapejax._src.data.device import to_arrays
from tapejax._src.tensor import Tensor, TensorShape, convert_python
from tapejax._src.tensor_spec import TensorSpec, TypeSpec

Flat = tuple[np.ndarray, ...]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_structure(x: Any) -> bool:
    """Whether ``x`` is a tf.data structure (a tuple or dict), not one component."""
    return isinstance(x, (tuple, dict))


def flatten(structure: Any) -> list[Any]:
    """The components of ``structure`` in TF's order (dict keys sorted)."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, tuple):
        return [leaf for x in structure for leaf in flatten(x)]
    return [structure]


def pack(structure: Any, flat: Iterable[Any]) -> Any:
    """``flat`` in the shape of ``structure`` (dicts keep ``structure``'s key order)."""
    it = iter(flat)
    return _pack(structure, it)


def _pack(structure: Any, it: Any) -> Any:
    if isinstance(structure, dict):
        values = {k: _pack(structure[k], it) for k in sorted(structure)}
        return type(structure)((k, values[k]) for k in structure)
    if _is_namedtuple(structure):
        return type(structure)(*[_pack(x, it) for x in structure])
    if isinstance(structure, tuple):
        return tuple(_pack(x, it) for x in structure)
    return next(it)


def map_structure(fn: Callable[..., Any], structure: Any, *rest: Any) -> Any:
    """``fn`` of the components of ``structure`` (and of the same-shaped ``rest``), in its shape."""
    flats = [flatten(structure), *[flatten(r) for r in rest]]
    return pack(structure, [fn(*xs) for xs in zip(*flats, strict=True)])


def same_structure(a: Any, b: Any) -> bool:
    """Whether two structures nest the same way (types of tuples aside, dict keys equal)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and set(a) == set(b)
            and all(same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(same_structure(x, y) for x, y in zip(a, b, strict=True))
        )
    return True


# -- values ------------------------------------------------------------------------------------------
def to_numpy(value: Any, what: str = "tf.data") -> np.ndarray:
    """One component as a numpy array with TF's dtype (Python ints int32, floats float32)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            raise TypeError(f"{what}: tapejax has no string or object tensors, got a numpy array of {value.dtype}.")
        return value
    if isinstance(value, (TensorBase, VariableBase)):
        return np.asarray(value.numpy())
    if value is None:
        raise TypeError(f"{what}: a dataset component cannot be None.")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what}: tapejax has no string tensors, got {value!r}.")
    return np.asarray(convert_python(value, None, what))


def normalize(element: Any, what: str = "tf.data") -> tuple[Any, Flat]:
    """An element's structure and its components as numpy arrays (TF's ``normalize_element``).

    The arrays are the dataset's own read-only copies, as TF copies into tensors: changing the
    caller's array afterwards does not change the dataset.
    """
    flat = tuple(frozen(np.array(to_numpy(x, what))) for x in flatten(element))
    return element, flat


def frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only: the dataset hands it out again (each pass), so no user may write to it."""
    a.flags.writeable = False
    return a


def spec_of_array(a: np.ndarray) -> TensorSpec:
    return TensorSpec(a.shape, dtypes_lib.from_numpy(a.dtype))


def spec_of(structure: Any, flat: Flat) -> Any:
    """The nested ``TensorSpec`` of an element."""
    return pack(structure, [spec_of_array(a) for a in flat])


def to_tensors(spec: Any, flat: Flat) -> Any:
    """The element packed as ``spec`` with ``tf.Tensor`` components (a window's datasets stay datasets)."""
    types = set(map(type, flat))  # (map and set in C: ~3 us less a (batch, label) element than comprehensions)
    if types == _ARRAY_TYPES:  # (moved to the device by a prefetch thread: wrapped, per element of a loop)
        tensors = list(map(_wrap, flat))
    elif types == _NUMPY_TYPES:
        tensors = list(map(_wrap, to_arrays(flat)))
    else:
        tensors = [_tensor(a) for a in flat]
    if type(spec) is tuple and len(spec) == len(tensors) and set(map(type, spec)) <= _SPEC_TYPES:
        return tuple(tensors)
    return pack(spec, tensors)


_ARRAY_TYPES = {_ArrayImpl}
_NUMPY_TYPES = {np.ndarray}
_SPEC_TYPES = {TensorSpec}


def _tensor(a: Any) -> Any:
    """A component as a Tensor: numpy converted, a JAX array (moved by prefetch) wrapped, a dataset kept."""
    if isinstance(a, np.ndarray):
        return Tensor(convert_python(a, None))
    if hasattr(a, "element_spec"):
        return a
    return Tensor(a)


def to_numpy_element(spec: Any, flat: Flat) -> Any:
    """The element packed as ``spec`` with numpy components (scalars as numpy scalars, as TF's ``.numpy()``)."""
    return pack(spec, [_user_array(a) if isinstance(a, np.ndarray) else a for a in flat])


def _user_array(a: np.ndarray) -> Any:
    """A numpy value the user owns (TF's ``.numpy()`` gives a fresh array): a dataset's read-only
    array is copied; scalars are numpy scalars."""
    if a.ndim == 0:
        return a[()]
    return a if a.flags.writeable else a.copy()


class DatasetSpec(TypeSpec):
    """The spec of a dataset-valued component, e.g. of ``window``'s elements (``tf.data.DatasetSpec``).

    >>> import tapejax as tf
    >>> tf.data.Dataset.range(3).window(2).element_spec
    DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))
    """

    __slots__ = ("_dataset_shape", "_element_spec")

    def __init__(self, element_spec: Any, dataset_shape: Any = ()) -> None:
        self._element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def element_spec(self) -> Any:
        """The spec of the inner dataset's elements."""
        return self._element_spec

    @property
    def value_type(self) -> type:
        from tapejax._src.data.dataset import Dataset

        return Dataset

    @staticmethod
    def from_value(value: Any) -> DatasetSpec:
        """The spec of a dataset."""
        return DatasetSpec(value.element_spec)

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = getattr(spec_or_value, "element_spec", None)
        return other is not None and same_structure(other, self._element_spec)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is DatasetSpec
            and other._element_spec == self._element_spec  # type: ignore[attr-defined]
            and other._dataset_shape == self._dataset_shape  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((DatasetSpec, repr(self._element_spec)))

    def __repr__(self) -> str:
        return f"DatasetSpec({self._element_spec!r}, {self._dataset_shape!r})"


PROBE_SIZES = (12, 24)


def probe_dims(shape: TensorShape, which: int) -> list[int]:
    """Concrete dims standing in for ``shape`` when a function is traced to learn its output spec.

    A None dim is 12 (``which=0``), then 24 (``which=1``: output dims that differ follow it and
    become None); both divide by 2, 3, 4, 6 and 12 for reshapes and are long enough for small
    indices. An unknown rank is rank 1, then 2.
    """
    size = PROBE_SIZES[which]
    if shape.rank is None:
        return [size] * (which + 1)
    return [size if d is None else d for d in shape.as_list()]


# -- specs -------------------------------------------------------------------------------------------
def relax(a: TensorSpec, b: TensorSpec) -> TensorSpec | None:
    """The most specific spec compatible with both (dims that differ become None), or None for another dtype."""
    if a.dtype != b.dtype:
        return None
    return TensorSpec(_relax_shape(a.shape, b.shape), a.dtype)


def _relax_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list(), strict=True)])


def batched(spec: Any, batch_size: int | None) -> Any:
    """``spec`` with a leading batch dimension on every component."""

    def one(s: TensorSpec) -> TensorSpec:
        if s.shape.rank is None:
            return TensorSpec(None, s.dtype)
        return TensorSpec(TensorShape([batch_size]).concatenate(s.shape), s.dtype)

    return map_structure(one, spec)


def unbatched(spec: Any, what: str) -> Any:
    """``spec`` without its leading dimension (TF's ValueError for a scalar component)."""

    def one(s: TensorSpec) -> TensorSpec:
        if s.shape.rank == 0:
            raise ValueError(f"{what}: Unbatching a tensor is only supported for rank >= 1")
        return TensorSpec(s.shape[1:] if s.shape.rank is not None else None, s.dtype)

    return map_structure(one, spec)


def check_compatible(spec: Any, flat: Flat, what: str) -> None:
    """Raises TF's errors when produced values do not match the declared specs (from_generator)."""
    specs = flatten(spec)
    if len(specs) != len(flat):
        raise TypeError(f"{what}: the element has {len(flat)} components, the declared structure {len(specs)}.")
    for s, a in zip(specs, flat, strict=True):
        if s.dtype._np != a.dtype:
            raise TypeError(f"{what}: a component of dtype {a.dtype.name} does not match the declared {s.dtype.name}.")
        if not s.shape.is_compatible_with(TensorShape(a.shape)):
            raise ValueError(
                f"{what}: `generator` yielded an element of shape {a.shape} where an element of shape "
                f"{s.shape} was expected."
            )


def relax_specs(a: Any, b: Any, what: str) -> Any:
    """Two element specs relaxed into one (TypeError where structures or dtypes differ)."""
    if not same_structure(a, b):
        raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
    out = []
    for x, y in zip(flatten(a), flatten(b), strict=True):
        r = relax(x, y)
        if r is None:
            raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
        out.append(r)
    return pack(a, out)
