"""The Keras eager step's cached state (issue 18): each layer's call plan and each layer's weight list.

A layer's fast call reads a plan gathered at its first call (dropped when any attribute of the layer is
set); ``weights``/``trainable_weights`` reuse the weight list collected at the current version of the
tracking (bumped by every layer or weight added or removed anywhere). Each test changes what a cache
holds after it was filled and checks the result against Keras 3.15 on TF 2.21 (values checked there).
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.keras.layers import layer as layer_lib

keras = tf.keras


def _same(a: list[object], b: list[object]) -> bool:
    """The same objects in the same order (Variables' ``==`` is elementwise)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


@pytest.fixture
def general_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the layers called through the general path (``_eager_call``), in order."""
    calls: list[str] = []
    original = layer_lib.Layer._eager_call

    def counting(self: layer_lib.Layer, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
        calls.append(self.name)
        return original(self, args, kwargs)

    monkeypatch.setattr(layer_lib.Layer, "_eager_call", counting)
    return calls


class _Twice(keras.layers.Layer):
    def call(self, x: tf.Tensor) -> tf.Tensor:
        return x * 2.0


def test_sequential_step_takes_the_fast_path_with_training_propagated(general_calls: list[str]) -> None:
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(4, kernel_initializer="ones"), keras.layers.Dropout(0.5)]
    )
    x = tf.ones([8, 4])
    general_calls.clear()
    dropped = model(x, training=True).numpy()
    assert sorted(set(dropped.ravel().tolist())) == [0.0, 8.0]  # (Keras: dropout reaches the inner layer)
    np.testing.assert_array_equal(model(x, training=False).numpy(), np.full([8, 4], 4.0))
    np.testing.assert_array_equal(model(x).numpy(), np.full([8, 4], 4.0))
    assert general_calls == []
    assert isinstance(model.layers[0].__dict__["_call_plan"], layer_lib._CallPlan)


def test_plan_follows_autocast_and_dtype_policy_set_after_calls() -> None:
    layer = _Twice()
    x64 = tf.constant(np.array([1.5], np.float64))
    x32 = tf.constant(np.array([1.5], np.float32))
    assert layer(x64).dtype == tf.float32  # (cast to the compute dtype)
    layer.autocast = False
    assert layer(x64).dtype == tf.float64
    layer.autocast = True
    assert layer(x64).dtype == tf.float32
    layer.dtype_policy = "float64"
    assert layer(x32).dtype == tf.float64
    assert layer(x64).dtype == tf.float64


def test_plan_follows_input_spec_replaced_after_calls() -> None:
    dense = keras.layers.Dense(2, name="d")
    dense(tf.zeros([1, 3]))
    dense.input_spec = keras.InputSpec(ndim=3)
    with pytest.raises(ValueError, match=r"of layer 'd' is incompatible with the layer: expected ndim=3, found ndim=2"):
        dense(tf.zeros([1, 3]))
    other = keras.layers.Dense(2, name="e")
    other(tf.ones([1, 3]))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, but received .* \(1, 4\)"):
        other(tf.ones([1, 4]))


def test_activity_regularizer_set_after_calls_adds_its_loss(general_calls: list[str]) -> None:
    dense = keras.layers.Dense(1, kernel_initializer="ones")
    dense(tf.ones([2, 1]))  # (built by the general path)
    general_calls.clear()
    dense(tf.ones([2, 1]))
    assert dense.losses == [] and general_calls == []
    dense.activity_regularizer = keras.regularizers.L2(0.5)
    dense(tf.ones([2, 1]))
    assert [float(v) for v in dense.losses] == [0.5]
    assert general_calls == [dense.name]


def test_masks_and_add_loss_through_a_sequential() -> None:
    model = keras.Sequential(
        [keras.Input((2, 3)), keras.layers.Masking(0.0), keras.layers.Dense(1, kernel_initializer="ones")]
    )
    out = model(tf.constant(np.array([[[0, 0, 0], [1, 2, 3]]], np.float32)))
    assert out.numpy().ravel().tolist() == [0.0, 6.0]
    assert out._keras_mask.numpy().tolist() == [[False, True]]

    class AddsLoss(keras.layers.Layer):
        def call(self, x: tf.Tensor) -> tf.Tensor:
            self.add_loss(tf.reduce_sum(x))
            return x

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="ones"), AddsLoss()])
    model(tf.ones([1, 2]))
    model(tf.ones([1, 2]))
    assert [float(v) for v in model.losses] == [4.0]  # (the outermost call clears the last call's losses)


def test_trainable_weights_follow_layers_added_popped_and_flags_toggled() -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert len(model.trainable_weights) == 2
    model.add(keras.layers.Dense(4))
    assert [tuple(w.shape) for w in model.trainable_weights] == [(3, 2), (2,), (2, 4), (4,)]
    model.pop()
    assert len(model.trainable_weights) == 2
    first = model.layers[0]
    first.kernel.trainable = False  # (a weight's own flag: no tracking changes)
    assert _same(model.trainable_weights, [first.bias]) and _same(model.non_trainable_weights, [first.kernel])
    first.kernel.trainable = True
    first.trainable = False
    assert model.trainable_weights == [] and len(model.weights) == 2
    first.trainable = True
    assert _same(model.trainable_weights, [first.kernel, first.bias])
    assert model.trainable_weights is not model.trainable_weights  # (a new list each time, as Keras)


def test_weights_added_built_later_and_deleted() -> None:
    class Block(keras.layers.Layer):
        def __init__(self) -> None:
            super().__init__()
            self.inner = keras.layers.Dense(2, name="inner")
            self.extra: list[object] = []

        def call(self, x: tf.Tensor) -> tf.Tensor:
            return self.inner(x)

    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.block = Block()

        def call(self, x: tf.Tensor) -> tf.Tensor:
            return self.block(x)

    net = Net()
    assert net.trainable_weights == []  # (nothing built yet)
    extra = tf.keras.Variable(1.0, name="extra")  # (a plain tf.Variable is no weight, as Keras 3.15)
    net.block.extra.append(extra)  # (a tracked list of a sublayer)
    assert _same(net.trainable_weights, [extra])
    frozen = tf.keras.Variable(2.0, trainable=False, name="frozen")
    net.block.frozen = frozen
    assert _same(net.weights, [extra, frozen]) and _same(net.trainable_weights, [extra])
    net(tf.ones([1, 3]))  # builds the Dense two levels down
    inner = net.block.inner
    assert _same(net.weights, [extra, frozen, inner.kernel, inner.bias])
    assert _same(net.trainable_weights, [extra, inner.kernel, inner.bias])
    del net.block.frozen  # (a deleted Variable attribute is no weight any more, as Keras)
    assert _same(net.weights, [extra, inner.kernel, inner.bias])


def test_a_deleted_weight_is_not_kept_alive_by_a_cached_weight_list() -> None:
    outer = keras.Sequential([keras.Input((1,)), _Twice()])
    inner = outer.layers[0]
    inner.__dict__["_state_locked"] = False  # (built: Keras' lock; a plain tf.Variable is no weight since s10)
    inner.w = tf.keras.Variable(np.ones(3, np.float32))
    assert len(outer.weights) == 1 and len(inner.weights) == 1  # (both cache their lists)
    ref = weakref.ref(inner.w)
    del inner.w
    gc.collect()
    assert ref() is None and outer.weights == []
