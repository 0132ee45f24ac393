"""tf.Module: naming and discovery of Variables and submodules through attributes (TF's order)."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


class Dense(tf.Module):
    def __init__(self, n_in: int, n_out: int, name: str | None = None) -> None:
        super().__init__(name=name)
        self.w = tf.Variable(np.ones((n_in, n_out), np.float32), name="w")
        self.b = tf.Variable(np.zeros((n_out,), np.float32), name="b")

    def __call__(self, x):
        return x @ self.w + self.b


class MLP(tf.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [Dense(2, 3, name="first"), Dense(3, 1, name="second")]
        self.step = tf.Variable(0, trainable=False, name="step")

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_default_name_is_snake_case_and_name_scope_ends_with_slash():
    class MyFancyModel(tf.Module):
        pass

    m = MyFancyModel()
    assert m.name == "my_fancy_model"
    assert m.name_scope.name == "my_fancy_model/"
    assert tf.Module(name="custom").name == "custom"


def test_invalid_name_raises():
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="has space")


def test_modules_created_inside_a_name_scope_nest_their_scope():
    outer = tf.Module(name="outer")
    with outer.name_scope:
        inner = tf.Module(name="inner")
    assert inner.name_scope.name == "outer/inner/"


def test_variables_in_attribute_order_own_first_then_submodules():
    m = MLP()
    assert [v.name for v in m.variables] == ["step:0", "b:0", "w:0", "b:0", "w:0"]
    assert m.variables[1] is m.layers[0].b
    assert m.variables[3] is m.layers[1].b
    assert [v.name for v in m.trainable_variables] == ["b:0", "w:0", "b:0", "w:0"]
    assert m.non_trainable_variables == (m.step,)
    assert m.submodules == tuple(m.layers)


def test_containers_are_searched_dicts_by_sorted_key_and_duplicates_dropped():
    m = tf.Module()
    a, b, c = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b"), tf.Variable(3.0, name="c")
    m.z = {"y": b, "x": [a, (c, a)]}
    m.alias = a
    assert [v.name for v in m.variables] == ["a:0", "c:0", "b:0"]


def test_submodules_are_breadth_first_and_cycles_terminate():
    root, child, grandchild = tf.Module(name="root"), tf.Module(name="child"), tf.Module(name="grandchild")
    other = tf.Module(name="other")
    root.a = child
    root.b = other
    child.c = grandchild
    grandchild.back = root  # a cycle
    grandchild.v = tf.Variable(1.0)
    assert root.submodules == (child, other, grandchild)
    assert len(root.variables) == 1


def test_with_name_scope_decorator():
    class Scoped(tf.Module):
        @tf.Module.with_name_scope
        def build(self):
            return tf.Module(name="inside")

    assert Scoped(name="s").build().name_scope.name == "s/inside/"


def test_module_trains_with_an_optimizer():
    m = Dense(2, 1)
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[1.0], [2.0]])
    opt = tf.keras.optimizers.SGD(0.01)
    loss_fn = tf.keras.losses.MeanSquaredError()
    first = float(loss_fn(y, m(x)))
    for _ in range(50):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, m(x))
        opt.apply_gradients(zip(tape.gradient(loss, m.trainable_variables), m.trainable_variables, strict=True))
    assert float(loss_fn(y, m(x))) < first / 10
