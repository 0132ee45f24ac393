"""Buffer donation in ``apply_gradients``: one copy of each weight and slot, and no use after donation.

An update donates a Variable's (or slot's) old buffer to XLA only when nothing else references it;
every value a user, a tape or a deferred op still holds must stay readable and unchanged.
"""

from __future__ import annotations

import numpy as np
import optax
import pytest

import tapejax as tf

OPTIMIZERS = {
    "sgd": lambda: tf.keras.optimizers.SGD(0.1),
    "adam": lambda: tf.keras.optimizers.Adam(0.1),
    "optax": lambda: tf.keras.optimizers.Optax(optax.adam(0.1)),
}


def _pointer(v: tf.Variable) -> int:
    return v._value.unsafe_buffer_pointer()


def _step(opt: object, v: tf.Variable, x: tf.Tensor) -> None:
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.tanh(v * x))
    opt.apply_gradients([(tape.gradient(loss, v), v)])  # type: ignore[attr-defined]


def _problem() -> tuple[tf.Variable, tf.Tensor]:
    v = tf.Variable(np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3))
    return v, tf.constant(np.full((2, 3), 0.5, np.float32))


@pytest.mark.parametrize("name", ["adam", "optax"])
def test_update_reuses_the_weight_and_slot_buffers(name: str) -> None:
    opt = OPTIMIZERS[name]()
    v, x = _problem()
    _step(opt, v, x)  # creates the slots
    slots = [s for s in opt.variables if s.shape == v.shape]
    assert slots
    before = _pointer(v), [_pointer(s) for s in slots]
    _step(opt, v, x)
    # Without donation the new values could not be where the old ones were (both alive at once).
    assert (_pointer(v), [_pointer(s) for s in slots]) == before


@pytest.mark.parametrize("name", ["adam", "optax"])
def test_values_read_before_an_update_stay_valid(name: str) -> None:
    opt = OPTIMIZERS[name]()
    v, x = _problem()
    _step(opt, v, x)
    old = v.numpy()
    slot = next(s for s in opt.variables if s.shape == v.shape)
    old_slot, kept_slot = slot.numpy(), slot.read_value()
    kept = {
        "read_value": v.read_value(),
        "identity": tf.identity(v),
        "convert_to_tensor": tf.convert_to_tensor(v),
        "value": v.value(),
        "deferred op": v + 0.0,
        "forced op": tf.identity(v),
        "other Variable": tf.Variable(v),
    }
    kept["forced op"].numpy()
    raw = v._value
    for _ in range(2):
        _step(opt, v, x)
    assert not np.array_equal(v.numpy(), old)
    for what, t in kept.items():
        np.testing.assert_array_equal(t.numpy(), old, err_msg=what)
    assert not raw.is_deleted()
    np.testing.assert_array_equal(np.asarray(raw), old)
    np.testing.assert_array_equal(kept_slot.numpy(), old_slot)
    assert not np.array_equal(slot.numpy(), old_slot)


def test_a_numpy_view_of_a_weight_stays_valid() -> None:
    v = tf.Variable(np.ones(3, np.float32))
    opt = tf.keras.optimizers.SGD(0.5)
    opt.apply_gradients([(tf.ones(3), v)])
    view = np.asarray(v)  # shares the buffer on CPU: JAX copies rather than donate a buffer with views
    opt.apply_gradients([(tf.ones(3), v)])
    np.testing.assert_array_equal(view, np.full(3, 0.5, np.float32))
    np.testing.assert_array_equal(v.numpy(), np.zeros(3, np.float32))


def test_a_tensor_a_variable_was_made_from_stays_valid() -> None:
    t = tf.constant([1.0, 2.0, 3.0])
    v = tf.Variable(t)
    w = tf.Variable(1.0)  # Python scalars come from a shared cache of device arrays
    opt = tf.keras.optimizers.SGD(0.5)
    opt.apply_gradients([(tf.ones(3), v), (tf.constant(2.0), w)])
    opt.apply_gradients([(tf.ones(3), v), (tf.constant(2.0), w)])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [0.0, 1.0, 2.0])
    assert float(tf.constant(1.0)) == 1.0 and float(w) == -1.0


def test_a_persistent_tape_keeps_its_saved_values() -> None:
    v = tf.Variable([0.5, -0.5])
    opt = tf.keras.optimizers.Adam(0.1)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.sin(v) * v)
    g1 = tape.gradient(loss, v)
    opt.apply_gradients([(g1, v)])
    opt.apply_gradients([(g1, v)])
    g2 = tape.gradient(loss, v)  # the tape's saved read of v is the pre-update value
    expected = np.cos([0.5, -0.5]) * [0.5, -0.5] + np.sin([0.5, -0.5])
    np.testing.assert_allclose(g2.numpy(), expected, rtol=1e-6)


def test_an_array_placed_on_a_sharding_is_not_donated() -> None:
    # device_put onto a sharding (what tf.distribute does with a new Variable's value) shares the
    # buffer between two array objects: a reference count cannot see the other one.
    import jax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    t = tf.constant([1.0, 2.0, 3.0])
    mesh = Mesh(np.array(jax.devices()[:1]), ("replica",))
    v = tf.Variable(jax.device_put(t._value, NamedSharding(mesh, PartitionSpec())))
    opt = tf.keras.optimizers.SGD(0.5)
    opt.apply_gradients([(tf.ones(3), v)])
    opt.apply_gradients([(tf.ones(3), v)])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [0.0, 1.0, 2.0])
