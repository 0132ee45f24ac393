"""tf.data's fused path for ``from_tensor_slices -> shuffle -> batch``: a vectorised shuffle of the row
indices and one gather per batch (tapejax/_src/data/shuffling.py, batching.py), against the general
path (elements shuffled one by one, then stacked); prefetch's elements never alias the input's memory."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.data import batching
from tapejax._src.data.dataset import UNKNOWN
from tapejax._src.data.shuffling import _buffered_shuffle, _shuffled_blocks


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(seed))


@pytest.mark.parametrize(
    ("n", "size", "splits"),
    [
        (0, 4, []),
        (5, 8, [2]),  # the input fits in the buffer: only the drain
        (8, 8, [3]),
        (300, 1, [1, 100]),
        (1000, 37, [37, 40, 600]),
        (9000, 300, [5, 4500]),  # several vectorised steps, draws carried between them
        (50, UNKNOWN, [10]),  # UNKNOWN: the whole input in the buffer
        (70_000 + 5000, 70_000, [69_999]),  # a buffer of more than 2**16 positions (another sort)
    ],
)
def test_shuffled_blocks_equal_the_buffered_shuffle(n: int, size: int, splits: list[int]) -> None:
    want = list(_buffered_shuffle(iter(range(n)), size, _rng(n)))
    rng = _rng(n)
    got = np.concatenate([np.zeros(0, np.int64), *_shuffled_blocks(iter(np.split(np.arange(n), splits)), size, rng)])
    assert got.dtype == np.int64 and got.tolist() == want
    # the generator is left where the buffered shuffle leaves it (a later draw of the same pass agrees)
    ref = _rng(n)
    list(_buffered_shuffle(iter(range(n)), size, ref))
    assert rng.integers(0, 1000, 4).tolist() == ref.integers(0, 1000, 4).tolist()


def _general(ds: tf.data.Dataset, size: int, drop: bool) -> list[list[np.ndarray]]:
    """The batches stacked from the elements of ``ds`` (the element-by-element shuffle)."""
    import jax

    rows = [jax.tree_util.tree_leaves(e) for e in ds.as_numpy_iterator()]
    stop = len(rows) - len(rows) % size if drop else len(rows)
    return [[np.stack(c) for c in zip(*rows[i : i + size], strict=True)] for i in range(0, stop, size)]


def _batches(ds: tf.data.Dataset) -> list[list[np.ndarray]]:
    import jax

    return [[np.asarray(a) for a in jax.tree_util.tree_leaves(b)] for b in ds]


def _assert_same(got: list[list[np.ndarray]], want: list[list[np.ndarray]]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("n", "buffer", "size", "drop", "reshuffle"),
    [
        (103, 16, 10, False, True),  # partial last batch
        (103, 16, 10, True, False),
        (4500, 50, 256, False, True),  # two vectorised steps
        (20, 100, 6, False, True),  # buffer larger than the input
    ],
)
def test_fast_path_gives_the_general_path_batches(n: int, buffer: int, size: int, drop: bool, reshuffle: bool) -> None:
    data = (
        np.arange(n * 2, dtype=np.float16).reshape(n, 2),
        {"label": np.arange(n) % 3, "flag": np.arange(n) % 2 == 0, "code": (np.arange(n) % 200).astype(np.int8)},
    )

    def rows() -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(data).shuffle(buffer, seed=7, reshuffle_each_iteration=reshuffle)

    ds = rows().batch(size, drop_remainder=drop)
    before = batching.gathered_passes
    epochs = [_batches(ds), _batches(ds.prefetch(2))]  # two passes: reshuffled or not
    assert batching.gathered_passes == before + 2  # the fused path was taken for both
    reference = rows()  # the same seed: its passes shuffle as ds's
    for got in epochs:
        _assert_same(got, _general(reference, size, drop))
    assert (epochs[0][0][0] == epochs[1][0][0]).all() != reshuffle
    spec = ds.element_spec
    assert spec[0].shape.as_list() == [size if drop else None, 2] and spec[1]["code"].dtype == tf.int8


def test_unseeded_and_global_seed_passes_are_taken_too() -> None:
    try:
        tf.random.set_seed(11)
        a = tf.data.Dataset.from_tensor_slices(np.arange(40)).shuffle(8).batch(5)
        tf.random.set_seed(11)
        b = tf.data.Dataset.from_tensor_slices(np.arange(40)).shuffle(8)
    finally:
        tf.random.set_seed(None)
    _assert_same(_batches(a), _general(b, 5, False))
    got = np.concatenate([np.asarray(x) for x in tf.data.Dataset.from_tensor_slices(np.arange(40)).shuffle(8).batch(5)])
    assert sorted(got.tolist()) == list(range(40))


_CHAINS = {  # stages between from_tensor_slices(arange(n)) and batch
    "shuffle_repeat": lambda ds: ds.shuffle(7, seed=1).repeat(3),
    "repeat_shuffle": lambda ds: ds.repeat(2).shuffle(9, seed=2),
    "shuffle_take": lambda ds: ds.shuffle(7, seed=3).take(33),
    "skip_shuffle_skip": lambda ds: ds.skip(4).shuffle(5, seed=4).skip(3),
    "take_repeat_forever_take": lambda ds: ds.take(10).repeat().take(47),
    "shuffle_repeat_forever_take": lambda ds: ds.shuffle(9, seed=8).repeat().take(81),  # 3 passes started
    "shuffle_shuffle": lambda ds: ds.shuffle(6, seed=5).shuffle(4, seed=6),
    "negative_counts": lambda ds: ds.take(-1).shuffle(8, seed=7).skip(-1).repeat(2),
    "empty_repeated": lambda ds: ds.take(0).repeat(),
}


@pytest.mark.parametrize("name", sorted(_CHAINS))
def test_chains_of_row_stages_take_the_fast_path(name: str) -> None:
    make = _CHAINS[name]
    ds = make(tf.data.Dataset.from_tensor_slices(np.arange(40))).batch(6)
    reference = make(tf.data.Dataset.from_tensor_slices(np.arange(40)))  # the same seeds
    before = batching.gathered_passes
    for _ in range(2):  # second passes reshuffle as the element path's
        _assert_same(_batches(ds), _general(reference, 6, False))
    assert batching.gathered_passes == before + 2


_VARIABLE = tf.Variable(np.int64(1))


@pytest.mark.parametrize(
    "make",
    [
        lambda ds: ds.map(lambda x: x + _VARIABLE).batch(4),  # a map reading a Variable: element by element
        lambda ds: ds.filter(lambda x: x % 2 == 0).batch(4),
        lambda ds: ds.shuffle(5, seed=1).prefetch(2).batch(4),
        # the vectorised shuffle reads ahead: the inner shuffle's passes would start earlier
        lambda ds: ds.shuffle(3, seed=1).repeat(2).shuffle(4, seed=2).take(5).batch(4),
    ],
)
def test_other_pipelines_take_the_general_path(make: object) -> None:
    ds = make(tf.data.Dataset.from_tensor_slices(np.arange(12)))  # type: ignore[operator]
    before = batching.gathered_passes
    got = np.concatenate([np.asarray(b) for b in ds])
    assert batching.gathered_passes == before and len(got) in (5, 6, 12)


def test_prefetch_copies_a_reused_generator_array() -> None:
    """tapejax's elements are copies (Dataset.prefetch's Differences: TF 2.21 aliases the aligned
    array here, its first element reads -1)."""
    raw = np.arange(1040, dtype=np.float32)
    start = (-raw.ctypes.data % 64) // 4
    buf = raw[start : start + 1024]  # 64-byte aligned: a CPU transfer without a copy would use it in place
    values = buf.copy()

    def gen():  # yields the same array, changed in between
        yield buf
        buf[:] = -1.0
        yield buf

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([1024], tf.float32)).prefetch(2)
    first, second = list(ds)
    np.testing.assert_array_equal(first.numpy(), values)
    np.testing.assert_array_equal(second.numpy(), -np.ones(1024, np.float32))
    batched = tf.data.Dataset.from_tensor_slices(np.ones((8, 4), np.float32)).batch(4)
    assert all((b.numpy() == 1).all() for b in batched.prefetch(1))


def test_to_arrays_plans_follow_the_device_and_dtypes() -> None:
    import jax

    from tapejax._src.data.device import to_arrays

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for device in (jax.devices()[0], jax.devices()[-1], jax.devices()[0]):
        with jax.default_device(device):
            a, b = to_arrays((x, np.array([1, 2], np.int32)))
        assert a.devices() == {device} and b.devices() == {device} and not a.committed
    for value in (x.astype(np.float64), x.T, x[:, ::2], x.astype(np.uint8)):  # another plan each
        (got,) = to_arrays((value,))
        assert got.dtype == jax.device_put(value).dtype and got.shape == value.shape
        np.testing.assert_array_equal(np.asarray(got), value)


@pytest.mark.parametrize("vectorised", [True, False])
def test_map_then_batch_gathers_its_inputs(vectorised: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src.data.functions import StructuredFunction

    if not vectorised:  # a function without a batching rule: mapped element by element
        monkeypatch.setattr(StructuredFunction, "call_batch", lambda self, stacked: None)
    data = (np.arange(23 * 3, dtype=np.float32).reshape(23, 3), np.arange(23) % 4)

    def make() -> tf.data.Dataset:
        rows = tf.data.Dataset.from_tensor_slices(data).shuffle(8, seed=3).take(21)
        return rows.map(lambda x, y: (tf.reverse(x * 2.0, [0]), tf.one_hot(y, 4)))

    ds = make().batch(4)
    before = batching.gathered_passes
    got = _batches(ds)
    assert batching.gathered_passes == before + 1
    _assert_same(got, _general(make(), 4, False))  # (exact: the ops round alike vectorised)
    assert [len(b[0]) for b in got] == [4] * 5 + [1]
