"""``tf.nest``: flatten, pack and map nested Python structures exactly as TensorFlow does.

Nested structures are lists, tuples, namedtuples, dicts and other ``Mapping``\\s, dict views,
``attrs`` classes and other ``collections.abc.Sequence``\\s (not ``str``/``bytes``); everything else
(``None``, numbers, strings, sets, Tensors, Variables, arrays) is a leaf. Mappings are flattened in
SORTED key order, whatever their insertion order, and rebuilt keeping their own order. With
``expand_composites=True`` an ``IndexedSlices`` (tapejax's one composite tensor) is expanded to its
``values``, ``indices`` and ``dense_shape`` (when not None).

Written in plain Python rather than on ``jax.tree_util``, whose dict order, ``None`` (an empty
node) and namedtuple rules are not TF's.

Differences from TensorFlow: Variables are always leaves (TF 2.21 expands a ``ResourceVariable``
to its handle under ``expand_composites=True``); there is no ``tf.SparseTensor``/``RaggedTensor``.
"""

from __future__ import annotations

import collections.abc as cabc
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tapejax._src.indexed_slices import IndexedSlices

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and isinstance(getattr(type(x), "_fields", None), tuple)


def _is_attrs(x: Any) -> bool:
    return getattr(type(x), "__attrs_attrs__", None) is not None


def _nested(x: Any, expand_composites: bool = False) -> bool:
    if isinstance(x, (str, bytes, bytearray)):
        return False
    if isinstance(x, (cabc.Mapping, cabc.MappingView, cabc.Sequence)) or _is_attrs(x):
        return True
    return expand_composites and isinstance(x, IndexedSlices)


def _sorted_keys(mapping: Any) -> list[Any]:
    return sorted(mapping)


def _children(x: Any) -> list[Any]:
    """One level of ``x``'s children in TF's flatten order (mappings by sorted key)."""
    if isinstance(x, cabc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    if _is_attrs(x):
        return [getattr(x, a.name) for a in type(x).__attrs_attrs__]
    if isinstance(x, IndexedSlices):
        return [x.values, x.indices] + ([] if x.dense_shape is None else [x.dense_shape])
    return list(x)


def _sequence_like(instance: Any, args: list[Any]) -> Any:
    """A structure like ``instance`` (one level) holding ``args`` (in flatten order)."""
    if isinstance(instance, cabc.Mapping):
        by_key = dict(zip(_sorted_keys(instance), args, strict=True))
        items = [(k, by_key[k]) for k in instance]
        if isinstance(instance, defaultdict):
            return type(instance)(instance.default_factory, items)
        return type(instance)(items)
    if isinstance(instance, cabc.MappingView):
        return list(args)
    if _is_namedtuple(instance):
        return type(instance)(*args)
    if _is_attrs(instance):
        return type(instance)(*args)
    if isinstance(instance, IndexedSlices):
        return IndexedSlices(*args)
    if isinstance(instance, (list, tuple)):
        return type(instance)(args)
    try:
        return type(instance)(args)
    except TypeError:
        return list(args)


def is_nested(seq: Any) -> bool:
    """Whether ``seq`` is a nested structure (``tf.nest.is_nested``): a list, tuple, dict, namedtuple, attrs...

    Strings, sets, ``None`` and tensors are not.

    >>> import tapejax as tf
    >>> tf.nest.is_nested([1]), tf.nest.is_nested("ab"), tf.nest.is_nested(None)
    (True, False, False)
    """
    return _nested(seq)


def _flatten_into(x: Any, out: list[Any], expand: bool) -> None:
    if _nested(x, expand):
        for c in _children(x):
            _flatten_into(c, out, expand)
    else:
        out.append(x)


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    """The leaves of ``structure`` as a flat list, dicts in sorted key order (``tf.nest.flatten``).

    A leaf (including ``None``) gives ``[leaf]``.

    Raises:
      TypeError: a dict whose keys cannot be sorted.

    >>> import tapejax as tf
    >>> tf.nest.flatten({"b": [1, 2], "a": (3, None)})
    [3, None, 1, 2]
    """
    out: list[Any] = []
    _flatten_into(structure, out, expand_composites)
    return out


def _describe(x: Any) -> str:
    return f"type={type(x).__name__} str={x}"


class _Dot:
    def __repr__(self) -> str:
        return "."


_DOT = _Dot()


def _structure_error(nest1: Any, nest2: Any, detail: str, expand: bool) -> str:
    return (
        "The two structures don't have the same nested structure.\n\n"
        f"First structure: {_describe(nest1)}\n\nSecond structure: {_describe(nest2)}\n\n"
        f"More specifically: {detail}\n"
        f"Entire first structure:\n{_map1(lambda _: _DOT, nest1, expand)}\n"
        f"Entire second structure:\n{_map1(lambda _: _DOT, nest2, expand)}"
    )


class _Mismatch(Exception):
    def __init__(self, detail: str, is_type_error: bool) -> None:
        self.detail = detail
        self.is_type_error = is_type_error


def _same_namedtuples(a: Any, b: Any) -> bool:
    return (
        _is_namedtuple(a) and _is_namedtuple(b)
        and type(a).__name__ == type(b).__name__ and type(a)._fields == type(b)._fields
    )  # fmt: skip


def _check(o1: Any, o2: Any, check_types: bool, expand: bool) -> None:
    s1, s2 = _nested(o1, expand), _nested(o2, expand)
    if s1 != s2:
        seq, leaf = (o1, o2) if s1 else (o2, o1)
        raise _Mismatch(
            f'Substructure "{_describe(seq)}" is a sequence, while substructure "{_describe(leaf)}" is not', False
        )
    if not s1:
        return
    if check_types:
        t1, t2 = type(o1), type(o2)
        mappings = isinstance(o1, cabc.Mapping) and isinstance(o2, cabc.Mapping)
        if t1 is not t2 and not mappings and not _same_namedtuples(o1, o2):
            raise _Mismatch(
                "The two namedtuples don't have the same sequence type. "
                f"First structure {_describe(o1)} has type {t1.__name__}, while second structure {_describe(o2)} "
                f"has type {t2.__name__}",
                True,
            )
        if mappings and set(o1) != set(o2):
            raise _Mismatch(
                "The two dictionaries don't have the same set of keys. "
                f"First structure has keys {_describe(list(o1))}, while second structure has keys {_describe(list(o2))}",
                False,
            )
    c1, c2 = _children(o1), _children(o2)
    if len(c1) != len(c2):
        raise _Mismatch(
            "The two structures don't have the same number of elements. "
            f"First structure: {_describe(o1)}. Second structure: {_describe(o2)}",
            False,
        )
    for a, b in zip(c1, c2, strict=True):
        _check(a, b, check_types, expand)


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True, expand_composites: bool = False) -> None:
    """Raises unless ``nest1`` and ``nest2`` have the same nesting (``tf.nest.assert_same_structure``).

    Args:
      nest1: a nested structure.
      nest2: another one.
      check_types: also require the same sequence types (namedtuples of one name and fields count as
        one type; all mappings count as one type, with the same keys).
      expand_composites: expand ``IndexedSlices`` into their component tensors.

    Raises:
      ValueError: different nesting, numbers of elements or dict keys.
      TypeError: different sequence types (with ``check_types``).

    >>> import tapejax as tf
    >>> tf.nest.assert_same_structure([1, (2, 3)], ["a", ("b", "c")])
    """
    try:
        _check(nest1, nest2, check_types, expand_composites)
    except _Mismatch as m:
        message = _structure_error(nest1, nest2, m.detail, expand_composites)
        raise (TypeError if m.is_type_error else ValueError)(message) from None


def _pack(structure: Any, flat: list[Any], index: int, expand: bool) -> tuple[int, Any]:
    packed = []
    for c in _children(structure):
        if _nested(c, expand):
            index, child = _pack(c, flat, index, expand)
            packed.append(child)
        else:
            packed.append(flat[index])
            index += 1
    return index, _sequence_like(structure, packed)


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """``flat_sequence`` rebuilt with the nesting of ``structure`` (``tf.nest.pack_sequence_as``).

    The inverse of :func:`flatten`: mappings take their values in sorted key order.

    Raises:
      TypeError: ``flat_sequence`` is not a sequence.
      ValueError: the numbers of leaves differ.

    >>> import tapejax as tf
    >>> tf.nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 2, 3])
    {'b': 3, 'a': [1, 2]}
    """
    if not _nested(flat_sequence, expand_composites):
        raise TypeError(
            f"Attempted to pack value:\n  {flat_sequence}\ninto a structure, but found incompatible type "
            f"`{type(flat_sequence)}` instead."
        )
    flat = list(flat_sequence)
    if not _nested(structure, expand_composites):
        if len(flat) != 1:
            raise ValueError(
                f"The target structure is of type `{type(structure)}`\n  {structure}\nHowever the input is a "
                f"sequence ({type(flat_sequence)}) of length {len(flat)}.\n  {flat_sequence}\nnest cannot "
                "guarantee that it is safe to map one to the other."
            )
        return flat[0]
    n = len(flatten(structure, expand_composites))
    if n != len(flat):
        raise ValueError(
            f"Could not pack sequence. Structure had {n} atoms, but flat_sequence had {len(flat)} items.  "
            f"Structure: {structure}, flat_sequence: {flat_sequence}."
        )
    return _pack(structure, flat, 0, expand_composites)[1]


def _map1(func: Callable[[Any], Any], structure: Any, expand: bool) -> Any:
    return pack_sequence_as(structure, [func(x) for x in flatten(structure, expand)], expand)


def map_structure(func: Callable[..., Any], *structure: Any, **kwargs: Any) -> Any:
    """``func`` applied to the leaves of one or more structures of the same nesting (``tf.nest.map_structure``).

    The result has the nesting (and sequence types) of the first structure.

    Args:
      func: called with one leaf of each structure.
      *structure: the structures; all checked with :func:`assert_same_structure`.
      **kwargs: ``check_types`` (default True) and ``expand_composites`` (default False) only.

    Raises:
      TypeError: ``func`` is not callable, or (``check_types``) the sequence types differ.
      ValueError: no structure, an unknown keyword, or different nesting.

    >>> import tapejax as tf
    >>> tf.nest.map_structure(lambda a, b: a + b, {"x": 1, "y": [2]}, {"x": 10, "y": [20]})
    {'x': 11, 'y': [22]}
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got: {func}")
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    expand = kwargs.pop("expand_composites", False)
    if kwargs:
        raise ValueError(
            f"Only valid keyword arguments are `check_types` and `expand_composites`, not: `{'`, `'.join(kwargs)}`"
        )
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types, expand_composites=expand)
    flats = [flatten(s, expand) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats, strict=True)], expand)
