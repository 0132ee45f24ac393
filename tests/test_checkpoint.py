"""tf.train.Checkpoint / CheckpointManager / latest_checkpoint: TF 2.21's file names, numbering, state
file and status assertions (checked against TF), object graphs of Variables, Modules, containers,
Keras models and optimizers, resumed training equal to uninterrupted training, deferred restoration."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapejax as tf


def _model():
    tf.keras.backend.clear_session()
    return tf.keras.Sequential(
        [tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(1)]
    )


_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(8, 3)).astype(np.float32)
_Y = _RNG.normal(size=(8, 1)).astype(np.float32)


def _step(model, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(_X) - _Y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))


def _copy_weights(src, dst):
    for a, b in zip(src.weights, dst.weights, strict=True):
        b.assign(a.numpy())


def test_save_numbers_files_and_state_file_as_tf(tmp_path):
    v = tf.Variable([1.0, 2.0])
    ckpt = tf.train.Checkpoint(v=v)
    path = ckpt.save(tmp_path / "prefix")
    assert path == str(tmp_path / "prefix-1")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "prefix-1.data-00000-of-00001", "prefix-1.index"]
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "prefix-1"\nall_model_checkpoint_paths: "prefix-1"\n'
    )
    assert ckpt.save(tmp_path / "prefix") == str(tmp_path / "prefix-2")
    assert int(ckpt.save_counter.numpy()) == 2
    # write: exactly the prefix, no number, the state file untouched.
    assert ckpt.write(tmp_path / "w") == str(tmp_path / "w")
    assert tf.train.latest_checkpoint(tmp_path) == str(tmp_path / "prefix-2")
    assert tf.train.latest_checkpoint(tmp_path / "nothing") is None


def test_keys_are_tf_keys(tmp_path):
    # The keys TF 2.21 writes for this program (tf.train.list_variables of its checkpoint).
    m = tf.Module()
    m.w = tf.Variable(3.0)
    m.lst = [tf.Variable(1.0)]
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]), m=m).save(tmp_path / "ck")
    assert tf.train.list_variables(tmp_path) == [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", []),
        ("m/lst/0/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("m/w/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("save_counter/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("v/.ATTRIBUTES/VARIABLE_VALUE", [2]),
    ]
    np.testing.assert_array_equal(tf.train.load_variable(path, "v/.ATTRIBUTES/VARIABLE_VALUE"), [1.0, 2.0])
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found in checkpoint"):
        tf.train.load_variable(path, "nope")


def test_round_trip_of_modules_containers_and_variables(tmp_path):
    m = tf.Module()
    m.w = tf.Variable(3.0)
    m.items = [tf.Variable(1.0), {"b": tf.Variable([4, 5])}]
    v = tf.Variable(np.arange(6.0).reshape(2, 3))
    path = tf.train.Checkpoint(m=m, v=v).save(tmp_path / "ck")
    m2 = tf.Module()
    m2.w = tf.Variable(0.0)
    m2.items = [tf.Variable(0.0), {"b": tf.Variable([0, 0])}]
    v2 = tf.Variable(np.zeros((2, 3)))
    ckpt2 = tf.train.Checkpoint(m=m2, v=v2)
    status = ckpt2.restore(path)
    assert status.assert_consumed() is status
    assert m2.w.numpy() == 3.0 and m2.items[0].numpy() == 1.0
    np.testing.assert_array_equal(m2.items[1]["b"].numpy(), [4, 5])
    np.testing.assert_array_equal(v2.numpy(), np.arange(6.0).reshape(2, 3))
    assert v2.dtype == tf.float64
    assert int(ckpt2.save_counter.numpy()) == 1  # (restored: the next save is number 2)


def test_resumed_training_equals_uninterrupted_training(tmp_path):
    model, opt = _model(), tf.keras.optimizers.Adam(0.1)
    for _ in range(2):
        _step(model, opt)
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(tmp_path / "ck")
    for _ in range(2):
        _step(model, opt)
    resumed, opt2 = _model(), tf.keras.optimizers.Adam(0.1)
    tf.train.Checkpoint(model=resumed, optimizer=opt2).restore(path).assert_consumed()
    assert int(opt2.iterations.numpy()) == 2
    for _ in range(2):
        _step(resumed, opt2)
    for a, b in zip(model.weights, resumed.weights, strict=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_deferred_restoration_into_a_model_built_later(tmp_path):
    model, opt = _model(), tf.keras.optimizers.Adam(0.1)
    _step(model, opt)
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(tmp_path / "ck")
    _step(model, opt)
    tf.keras.backend.clear_session()
    later = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(1)])
    opt2 = tf.keras.optimizers.Adam(0.1)
    status = tf.train.Checkpoint(model=later, optimizer=opt2).restore(path)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.model"):
        status.assert_consumed()
    later(_X)  # builds the layers: their weights (and Adam's slots for them) take the saved values
    status.assert_consumed()
    _step(later, opt2)
    for a, b in zip(model.weights, later.weights, strict=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_status_assertions_raise_as_tf(tmp_path):
    m = tf.Module()
    m.w = tf.Variable(3.0)
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]), m=m).save(tmp_path / "ck")
    partial = tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])).restore(path)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.m\.w"):
        partial.assert_consumed()
    assert partial.assert_existing_objects_matched() is partial
    assert partial.expect_partial() is partial and partial.assert_nontrivial_match() is partial
    extra = tf.train.Checkpoint(v=tf.Variable([0.0, 0.0]), m=m, extra=tf.Variable(1.0)).restore(path)
    with pytest.raises(AssertionError, match="Found 1 Python objects that were not bound to checkpointed values"):
        extra.assert_existing_objects_matched()
    nothing = tf.train.Checkpoint(v=tf.Variable(1.0)).restore(None)
    with pytest.raises(AssertionError, match="No checkpoint specified"):
        nothing.assert_consumed()
    assert nothing.expect_partial() is nothing


def test_errors(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).save(tmp_path / "ck")
    target = tf.Variable([0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(2,\) when attempting to restore"):
        tf.train.Checkpoint(v=target).restore(path)
    np.testing.assert_array_equal(target.numpy(), [0.0, 0.0, 0.0])
    with pytest.raises(tf.errors.NotFoundError, match="You may be missing the checkpoint suffix"):
        tf.train.Checkpoint(v=target).restore(tmp_path / "ck")
    with pytest.raises(ValueError, match="`Checkpoint` was expecting a trackable object"):
        tf.train.Checkpoint(x=3)
    ckpt = tf.train.Checkpoint()
    ckpt.x = 3  # (a plain attribute set later is kept, not saved: as TF)
    ckpt.step = tf.Variable(4)
    assert ckpt.x == 3 and [k for k, _ in tf.train.list_variables(os.path.dirname(ckpt.save(tmp_path / "p")))] == [
        "_CHECKPOINTABLE_OBJECT_GRAPH",
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
        "step/.ATTRIBUTES/VARIABLE_VALUE",
    ]


def test_manager_keeps_the_newest_and_resumes(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    paths = [manager.save() for _ in range(3)]
    assert paths == [str(tmp_path / f"ckpt-{i}") for i in (1, 2, 3)]
    assert manager.checkpoints == paths[1:]
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "ckpt-2.data-00000-of-00001",
        "ckpt-2.index",
        "ckpt-3.data-00000-of-00001",
        "ckpt-3.index",
    ]
    state = (tmp_path / "checkpoint").read_text().splitlines()
    assert state[:3] == [
        'model_checkpoint_path: "ckpt-3"',
        'all_model_checkpoint_paths: "ckpt-2"',
        'all_model_checkpoint_paths: "ckpt-3"',
    ]
    assert manager.save(checkpoint_number=10) == str(tmp_path / "ckpt-10")
    reopened = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=2)
    assert reopened.checkpoints == [str(tmp_path / "ckpt-3"), str(tmp_path / "ckpt-10")]
    ckpt.v.assign(7.0)
    assert reopened.restore_or_initialize() == str(tmp_path / "ckpt-10")
    assert ckpt.v.numpy() == 1.0


def test_manager_interval_and_init_fn(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    with pytest.raises(ValueError, match=r"`step_counter` should be passed if `checkpoint_interval` is not None\."):
        tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=1, checkpoint_interval=2)
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=None, step_counter=step, checkpoint_interval=2)
    saved = []
    for _ in range(5):
        saved.append(manager.save())
        step.assign_add(1)
    assert [p is not None for p in saved] == [True, False, True, False, True]
    calls = []
    empty = tf.train.CheckpointManager(ckpt, tmp_path / "empty", max_to_keep=1, init_fn=lambda: calls.append(1))
    assert empty.restore_or_initialize() is None and calls == [1]


def test_deferred_restoration_when_first_called_inside_tf_function(tmp_path):
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    expected = np.asarray(model(_X))
    path = tf.train.Checkpoint(m=model).save(tmp_path / "ck")
    later = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    status = tf.train.Checkpoint(m=later).restore(path)
    out = tf.function(lambda x: later(x))(tf.constant(_X))  # (built while tracing: the values still land)
    np.testing.assert_array_equal(np.asarray(out), expected)
    status.assert_consumed()
