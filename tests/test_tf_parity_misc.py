"""Parity with TF 2.21 for tf.nest, tf.debugging, tf.config and tf.random's shapes/dtypes (run with the TF
environment: /tmp/tfenv/bin/python -m pytest -q tests/test_tf_parity_misc.py -p no:cacheprovider)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

NT = collections.namedtuple("NT", "b a")
STRUCTURES = [
    {"b": [1, 2], "a": (3, NT(4, 5)), "c": None},
    collections.OrderedDict([("z", 1), ("y", {"q": 2, "p": [3]})]),
    [[], (), {}, [None]],
    "leaf",
    {1, 2},
]


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:
        return (type(e).__name__, e.message if hasattr(e, "message") else str(e))


@pytest.mark.parametrize("s", STRUCTURES, ids=range(len(STRUCTURES)))
def test_nest_flatten_pack_map_match_tf(s) -> None:
    assert tf.nest.flatten(s) == tf_real.nest.flatten(s)
    flat = list(range(len(tf_real.nest.flatten(s))))
    assert tf.nest.pack_sequence_as(s, flat) == tf_real.nest.pack_sequence_as(s, flat)
    assert tf.nest.is_nested(s) == tf_real.nest.is_nested(s)
    assert tf.nest.map_structure(repr, s) == tf_real.nest.map_structure(repr, s)


@pytest.mark.parametrize(
    ("a", "b", "kw"),
    [
        ([1, 2], [1], {}),
        ([1, 2], (1, 2), {}),
        ({"a": 1}, {"b": 1}, {}),
        ({"a": 1}, {"b": 1}, {"check_types": False}),
        ([1, [2]], [1, 2], {}),
        (NT(1, 2), (1, 2), {}),
        ({"a": 1}, collections.OrderedDict(a=1), {}),
        ([[1, 2]], [[1]], {}),
    ],
)
def test_nest_assert_same_structure_matches_tf(a, b, kw) -> None:
    assert _outcome(lambda: tf.nest.assert_same_structure(a, b, **kw)) == _outcome(
        lambda: tf_real.nest.assert_same_structure(a, b, **kw)
    )


def test_nest_pack_errors_match_tf() -> None:
    for args in (([1, 2], [1]), (1, 5), (1, [1, 2])):
        assert _outcome(lambda args=args: tf.nest.pack_sequence_as(*args)) == _outcome(
            lambda args=args: tf_real.nest.pack_sequence_as(*args)
        )


X = [1.0, 2.0, 3.0, 4.0]
Y = [1.0, 5.0, 3.0, -4.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, y: m.debugging.assert_equal(x, y),
        lambda m, x, y: m.debugging.assert_equal(x, y, message="hello", summarize=2),
        lambda m, x, y: m.debugging.assert_none_equal(x, y),
        lambda m, x, y: m.debugging.assert_less(x, y),
        lambda m, x, y: m.debugging.assert_less_equal(x, y),
        lambda m, x, y: m.debugging.assert_greater(x, y, summarize=-1),
        lambda m, x, y: m.debugging.assert_greater_equal(x, y),
        lambda m, x, y: m.debugging.assert_near(x, y, message="m"),
        lambda m, x, y: m.debugging.assert_positive(y),
        lambda m, x, y: m.debugging.assert_negative(x, message="m", summarize=1),
        lambda m, x, y: m.debugging.assert_non_negative(y),
        lambda m, x, y: m.debugging.assert_non_positive(x),
        lambda m, x, y: m.debugging.assert_integer(x),
        lambda m, x, y: m.debugging.assert_type(x, m.int32),
        lambda m, x, y: m.debugging.assert_rank(x, 2, message="m"),
        lambda m, x, y: m.debugging.assert_rank_at_least(x, 3),
        lambda m, x, y: m.debugging.assert_rank_in(x, [0, 2]),
        lambda m, x, y: m.debugging.assert_scalar(x),
        lambda m, x, y: m.debugging.assert_shapes([(x, ("N",)), (m.zeros([2, 4]), ("N", "M"))]),
        lambda m, x, y: m.debugging.assert_shapes([(m.zeros([2, 3, 4]), (..., "K")), (x, ("K",))]),
        lambda m, x, y: m.debugging.Assert(False, [x, "hi", 3]),
        lambda m, x, y: m.debugging.Assert(m.constant(False), [y], summarize=2),
        lambda m, x, y: m.debugging.assert_same_float_dtype([x, m.constant(1.0, m.float64)]),
    ],
)
def test_debugging_errors_match_tf(call) -> None:
    mine = _outcome(lambda: call(tf, tf.constant(X), tf.constant(Y)))
    theirs = _outcome(lambda: call(tf_real, tf_real.constant(X), tf_real.constant(Y)))
    assert mine == theirs


def test_config_cpu_devices_match_tf() -> None:
    assert [tuple(d) for d in tf.config.list_physical_devices("CPU")][:1] == [
        tuple(d) for d in tf_real.config.list_physical_devices("CPU")
    ]
    assert [tuple(d) for d in tf.config.list_logical_devices("CPU")][:1] == [
        tuple(d) for d in tf_real.config.list_logical_devices("CPU")
    ]
    assert tf.config.get_soft_device_placement() == tf_real.config.get_soft_device_placement()
    assert tf.config.functions_run_eagerly() == tf_real.config.functions_run_eagerly()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.random.stateless_normal([2, 3], seed=[1, 2], dtype=m.float64),
        lambda m: m.random.stateless_uniform([3], seed=[1, 2], minval=None, maxval=None, dtype=m.uint32),
        lambda m: m.random.stateless_uniform([3], seed=[1, 2], minval=0, maxval=7, dtype=m.int64),
        lambda m: m.random.stateless_categorical(m.zeros([2, 3]), 4, seed=[1, 2]),
        lambda m: m.random.stateless_gamma([3, 2], seed=[1, 2], alpha=[1.0, 2.0]),
        lambda m: m.random.stateless_poisson([3, 2], seed=[1, 2], lam=2.0),
        lambda m: m.random.stateless_binomial([5], seed=[1, 2], counts=5.0, probs=0.5, output_dtype=m.int64),
        lambda m: m.random.split(m.constant([1, 2], m.int64), 3),
        lambda m: m.random.fold_in([1, 2], 3),
        lambda m: m.random.categorical(m.zeros([2, 3]), 4),
        lambda m: m.random.gamma([3], alpha=[1.0, 2.0]),
        lambda m: m.random.poisson([3, 2], lam=2.0, dtype=m.int64),
        lambda m: m.random.Generator.from_seed(1).uniform([2], maxval=5, dtype=m.int32),
        lambda m: m.random.Generator.from_seed(1).make_seeds(3),
        lambda m: m.random.create_rng_state(1, "philox"),
    ],
)
def test_random_shapes_and_dtypes_match_tf(call) -> None:
    mine, theirs = call(tf), call(tf_real)
    assert tuple(mine.shape) == tuple(theirs.shape) and mine.dtype.name == theirs.dtype.name


def test_random_argument_errors_match_tf_classes() -> None:
    cases = [
        lambda m: m.random.stateless_normal([2], seed=[1, 2, 3]),
        lambda m: m.random.stateless_uniform([3], seed=[1, 2], dtype=m.int32),
        lambda m: m.random.stateless_uniform([3], seed=[1, 2], minval=5, maxval=1, dtype=m.int32),
        lambda m: m.random.stateless_gamma([3], seed=[1, 2], alpha=[1.0, 2.0]),
        lambda m: m.random.categorical([0.5, 0.5], 4),
        lambda m: m.random.Generator.from_seed(1).uniform([3], dtype=m.int32),
    ]
    for c in cases:
        mine, theirs = _outcome(lambda c=c: c(tf)), _outcome(lambda c=c: c(tf_real))
        assert mine[0] == theirs[0], (mine, theirs)
    assert (
        np.asarray(tf.random.create_rng_state(7, 1)).tolist()
        == np.asarray(tf_real.random.create_rng_state(7, 1)).tolist()
    )
