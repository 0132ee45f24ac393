"""tf.nest: flatten order, packing, mapping and structure errors, as checked against TF 2.21."""

from __future__ import annotations

import collections
import types

import numpy as np
import pytest

import tapejax as tf

NT = collections.namedtuple("NT", "b a")
A = collections.namedtuple("A", "x y")
A_again = collections.namedtuple("A", "x y")
C = collections.namedtuple("C", "x y")


def test_flatten_sorts_dict_keys_and_keeps_none_as_a_leaf() -> None:
    s = {"b": [1, 2], "a": (3, NT(4, 5)), "c": None}
    assert tf.nest.flatten(s) == [3, 4, 5, 1, 2, None]
    assert tf.nest.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [2, 1]
    assert tf.nest.flatten(None) == [None] and tf.nest.flatten("ab") == ["ab"]
    assert tf.nest.flatten({1, 2}) == [{1, 2}] and tf.nest.flatten([[], ()]) == []


def test_flatten_keeps_tensors_whole_and_expands_indexed_slices_only_when_asked() -> None:
    t = tf.constant([1, 2])
    assert tf.nest.flatten(t)[0] is t
    s = tf.IndexedSlices(tf.constant([1.0]), tf.constant([0]), tf.constant([3]))
    assert tf.nest.flatten(s) == [s]
    parts = tf.nest.flatten(s, expand_composites=True)
    assert [p is q for p, q in zip(parts, [s.values, s.indices, s.dense_shape], strict=True)] == [True] * 3
    back = tf.nest.pack_sequence_as(s, parts, expand_composites=True)
    assert isinstance(back, tf.IndexedSlices) and back.values is s.values


def test_pack_sequence_as_fills_dicts_in_sorted_key_order_keeping_their_own_order() -> None:
    s = {"b": [1, 2], "a": (3, NT(4, 5)), "c": None}
    out = tf.nest.pack_sequence_as(s, list(range(6)))
    assert out == {"b": [3, 4], "a": (0, NT(b=1, a=2)), "c": 5} and list(out) == ["b", "a", "c"]
    od = tf.nest.pack_sequence_as(collections.OrderedDict([("b", 1), ("a", 2)]), [10, 20])
    assert type(od) is collections.OrderedDict and list(od.items()) == [("b", 20), ("a", 10)]
    dd = tf.nest.pack_sequence_as(collections.defaultdict(list, a=1), [5])
    assert dd.default_factory is list and dd == {"a": 5}
    assert tf.nest.pack_sequence_as([[], ()], []) == [[], ()]
    assert tf.nest.pack_sequence_as(1, [5]) == 5
    assert tf.nest.pack_sequence_as({"b": 1, "a": 2}.values(), [3, 4]) == [3, 4]


def test_pack_sequence_as_errors_are_tfs() -> None:
    with pytest.raises(
        ValueError,
        match=r"^Could not pack sequence. Structure had 2 atoms, but flat_sequence had 1 items.  Structure: \[1, 2\], flat_sequence: \[1\].$",
    ):
        tf.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(
        TypeError,
        match=r"^Attempted to pack value:\n  5\ninto a structure, but found incompatible type `<class 'int'>` instead.$",
    ):
        tf.nest.pack_sequence_as(1, 5)
    with pytest.raises(
        ValueError,
        match=r"^The target structure is of type `<class 'int'>`\n  1\nHowever the input is a sequence \(<class 'list'>\) of length 2.",
    ):
        tf.nest.pack_sequence_as(1, [1, 2])


def test_map_structure_over_several_structures() -> None:
    assert tf.nest.map_structure(lambda a, b: a + b, {"x": 1, "y": [2]}, {"y": [20], "x": 10}) == {"x": 11, "y": [22]}
    assert tf.nest.map_structure(lambda x: None, [1, [2]]) == [None, [None]]
    assert tf.nest.map_structure(lambda x: x * 2, (1, 2)) == (2, 4)
    assert tf.nest.map_structure(lambda a, b: a + b, [1], (1,), check_types=False) == [2]
    out = tf.nest.map_structure(lambda x: x + 1.0, [tf.constant(1.0)])
    assert isinstance(out[0], tf.Tensor) and float(out[0]) == 2.0


def test_map_structure_argument_errors() -> None:
    with pytest.raises(TypeError, match=r"^func must be callable, got: 1$"):
        tf.nest.map_structure(1, [1])
    with pytest.raises(ValueError, match=r"^Must provide at least one structure$"):
        tf.nest.map_structure(lambda a: a)
    with pytest.raises(
        ValueError, match=r"^Only valid keyword arguments are `check_types` and `expand_composites`, not: `foo`$"
    ):
        tf.nest.map_structure(lambda a: a, [1], foo=1)
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        tf.nest.map_structure(lambda a, b: a, [1], (1,))


def _message(fn) -> tuple[type, str]:
    try:
        fn()
    except (TypeError, ValueError) as e:
        return type(e), str(e)
    raise AssertionError("no error")


def test_assert_same_structure_messages_are_tfs() -> None:
    cls, msg = _message(lambda: tf.nest.assert_same_structure([1, 2], [1]))
    assert cls is ValueError and msg == (
        "The two structures don't have the same nested structure.\n\nFirst structure: type=list str=[1, 2]\n\n"
        "Second structure: type=list str=[1]\n\nMore specifically: The two structures don't have the same number "
        "of elements. First structure: type=list str=[1, 2]. Second structure: type=list str=[1]\n"
        "Entire first structure:\n[., .]\nEntire second structure:\n[.]"
    )
    cls, msg = _message(lambda: tf.nest.assert_same_structure(A(1, 2), C(1, 2)))
    assert (
        cls is TypeError
        and "More specifically: The two namedtuples don't have the same sequence type. "
        "First structure type=A str=A(x=1, y=2) has type A, while second structure type=C str=C(x=1, y=2) has type C\n"
        "Entire first structure:\nA(x=., y=.)"
        in msg
    )
    cls, msg = _message(lambda: tf.nest.assert_same_structure({"a": 1}, {"a": 1, "b": 2}))
    assert (
        cls is ValueError
        and "More specifically: The two dictionaries don't have the same set of keys. First "
        "structure has keys type=list str=['a'], while second structure has keys type=list str=['a', 'b']\n"
        in msg
    )
    for args in (([1, 2], [1, [2]]), ([1, [2]], [1, 2])):
        cls, msg = _message(lambda args=args: tf.nest.assert_same_structure(*args))
        assert (
            cls is ValueError
            and 'Substructure "type=list str=[2]" is a sequence, while substructure "type=int str=2" is not' in msg
        )


def test_assert_same_structure_type_rules() -> None:
    tf.nest.assert_same_structure(A(1, 2), A_again(1, 2))  # same name and fields: one type
    tf.nest.assert_same_structure(A(1, 2), C(1, 2), check_types=False)
    tf.nest.assert_same_structure({"a": 1}, collections.OrderedDict(a=1))  # all mappings are one type
    tf.nest.assert_same_structure({"a": 1}, {"b": 1}, check_types=False)
    tf.nest.assert_same_structure({"a": 1}, [1], check_types=False)
    tf.nest.assert_same_structure(1, "abc")
    tf.nest.assert_same_structure(1, None)
    with pytest.raises(TypeError):
        tf.nest.assert_same_structure({"a": 1}, [1])
    with pytest.raises(ValueError, match="same number of elements"):
        tf.nest.assert_same_structure({"a": 1}, {"b": 1, "c": 2}, check_types=False)


def test_is_nested() -> None:
    assert (
        tf.nest.is_nested([1]) and tf.nest.is_nested({}) and tf.nest.is_nested(A(1, 2)) and tf.nest.is_nested(range(3))
    )
    for leaf in (1, "a", b"x", None, {1}, tf.constant(1), np.ones(2), tf.nest.flatten):
        assert not tf.nest.is_nested(leaf)


def test_attrs_classes_flatten_in_field_order() -> None:
    # What an ``@attr.s`` class looks like to nest (attrs is not a dependency): ``__attrs_attrs__``.
    class P:
        __attrs_attrs__ = (types.SimpleNamespace(name="z"), types.SimpleNamespace(name="a"))

        def __init__(self, z, a):
            self.z, self.a = z, a

        def __eq__(self, other):
            return (self.z, self.a) == (other.z, other.a)

    assert tf.nest.is_nested(P(1, 2)) and tf.nest.flatten(P(1, [2, 3])) == [1, 2, 3]
    assert tf.nest.map_structure(lambda x: x * 10, P(1, 2)) == P(10, 20)


def test_unsortable_dict_keys_raise_type_error() -> None:
    with pytest.raises(TypeError):
        tf.nest.flatten({"b": 1, 1: 2})
