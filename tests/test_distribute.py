"""tf.distribute (issue 19): strategies on 4 simulated CPU devices in a subprocess, one-replica behaviour here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapejax as tf

# One subprocess (JAX's CPU device count is fixed once its backends start) runs every 4-device check
# and prints one JSON line of results; the tests below read it.
_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tapejax as tf

    out = {}
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 4)
    out["logical"] = [d.name for d in tf.config.list_logical_devices("CPU")]
    out["physical"] = [d.name for d in tf.config.list_physical_devices()]
    try:
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    except RuntimeError as e:
        out["late_error"] = str(e)

    s = tf.distribute.MirroredStrategy()
    out["replicas"] = s.num_replicas_in_sync
    out["worker_devices"] = list(s.extended.worker_devices)
    with s.scope():
        v = tf.Variable([1.0, 2.0])
        out["variable_sharding"] = [str(v._value.sharding.spec), len(v._value.sharding.device_set)]
        out["scope_context"] = [tf.distribute.get_replica_context() is None, tf.distribute.in_cross_replica_context(),
                                tf.distribute.has_strategy(), tf.distribute.get_strategy() is s]

    # A distributed dataset, run with all_reduce and replica ids, reduce.
    data = np.arange(16.0, dtype=np.float32).reshape(8, 2)
    def fn(x):
        ctx = tf.distribute.get_replica_context()
        return x * 2.0, ctx.all_reduce(tf.distribute.ReduceOp.SUM, x), ctx.replica_id_in_sync_group
    batch = next(iter(s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(data).batch(8))))
    out["batch_values"] = [t.numpy().tolist() for t in s.experimental_local_results(batch)]
    doubled, summed, ids = s.run(fn, args=(batch,))
    out["doubled"] = [t.numpy().tolist() for t in doubled.values]
    out["summed"] = [t.numpy().tolist() for t in summed.values]
    out["ids"] = [int(t) for t in ids.values]
    out["out_sharding"] = str(doubled.stacked._value.sharding.spec)
    out["gathered"] = s.gather(doubled, axis=0).numpy().tolist()
    out["reduce"] = {
        "sum_none": s.reduce("SUM", doubled, axis=None).numpy().tolist(),
        "mean_none": s.reduce(tf.distribute.ReduceOp.MEAN, doubled, axis=None).numpy().tolist(),
        "sum_0": s.reduce("SUM", doubled, axis=0).numpy().tolist(),
        "mean_0": s.reduce("MEAN", doubled, axis=0).numpy().tolist(),
        "plain_mean": s.reduce("MEAN", tf.constant([1.0, 2.0]), axis=None).numpy().tolist(),
        "plain_sum_0": float(s.reduce("SUM", tf.constant([1.0, 2.0]), axis=0)),
    }
    try:
        s.reduce("SUM", tf.constant(1.0), axis=None)
    except ValueError as e:
        out["plain_sum_error"] = str(e)
    broadcast = s.run(lambda x: x + 1.0, args=(tf.constant(1.0),))
    out["broadcast"] = [float(t) for t in broadcast.values]
    out["average_loss"] = [float(t) for t in s.run(lambda: tf.nn.compute_average_loss(tf.constant([1.0, 2.0]))).values]

    def dataset_fn(ctx):
        out["input_context"] = [ctx.num_input_pipelines, ctx.input_pipeline_id, ctx.num_replicas_in_sync,
                                ctx.get_per_replica_batch_size(8)]
        return tf.data.Dataset.range(16).batch(ctx.get_per_replica_batch_size(8))
    first = next(iter(s.distribute_datasets_from_function(dataset_fn)))
    out["from_function"] = [t.numpy().tolist() for t in first.values]
    try:
        next(iter(s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(data).batch(7))))
    except tf.errors.InvalidArgumentError as e:
        out["uneven_error"] = str(e)
    with s.scope():
        w = tf.Variable(0.0)
    s.run(lambda: w.assign(tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32) + 1.0))
    out["none_assignment"] = float(w)
    with s.scope():
        summed = tf.Variable(0.0, aggregation=tf.VariableAggregation.SUM)
        averaged = tf.Variable(0.0, aggregation=tf.VariableAggregation.MEAN)
    def aggregate():
        r = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32) + 1.0
        summed.assign_add(r)
        averaged.assign(r)
    s.run(aggregate)
    out["aggregated"] = [float(summed), float(averaged)]

    # A data-parallel custom training loop (float64, Adam, the tutorial's pattern) against one device
    # on the global batch: run inside tf.function and eagerly.
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(32, 5)), rng.normal(size=(32, 1))
    W0, W1 = rng.normal(size=(5, 8)) * 0.3, rng.normal(size=(8, 1)) * 0.3
    GLOBAL_BATCH = 16

    def per_example(ws, x, y):
        return tf.reduce_sum(tf.square(tf.matmul(tf.nn.relu(tf.matmul(x, ws[0])), ws[1]) - y), axis=1)

    def train(strategy, compiled):
        with strategy.scope():
            ws = [tf.Variable(W0), tf.Variable(W1)]
            opt = tf.keras.optimizers.Adam(0.01)
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(per_example(ws, x, y), global_batch_size=GLOBAL_BATCH)
            opt.apply_gradients(zip(tape.gradient(loss, ws), ws))
            return loss
        def dist_step(batch):
            return strategy.reduce("SUM", strategy.run(step, args=batch), axis=None)
        dist_step = tf.function(dist_step) if compiled else dist_step
        losses = []
        dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(GLOBAL_BATCH)
        for _ in range(3):
            for batch in strategy.experimental_distribute_dataset(dataset):
                losses.append(float(dist_step(batch)))
        shardings = {str(u._value.sharding.spec) for u in [*ws, *opt.variables]}
        return [u.numpy() for u in ws], losses, sorted(shardings)

    def train_one_device():
        ws = [tf.Variable(W0), tf.Variable(W1)]
        opt = tf.keras.optimizers.Adam(0.01)
        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(per_example(ws, x, y))
            opt.apply_gradients(zip(tape.gradient(loss, ws), ws))
            return loss
        losses = [float(step(x, y)) for _ in range(3) for x, y in tf.data.Dataset.from_tensor_slices((X, Y)).batch(GLOBAL_BATCH)]
        return [u.numpy() for u in ws], losses

    ref_w, ref_losses = train_one_device()
    for compiled in (True, False):
        ws, losses, shardings = train(s, compiled)
        out[f"loop_{compiled}"] = {
            "weight_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(ws, ref_w)),
            "loss_diff": max(abs(a - b) for a, b in zip(losses, ref_losses)),
            "shardings": shardings,
            "moved": max(float(np.max(np.abs(a - b))) for a, b in zip(ws, [W0, W1])),
        }

    # Checkpoints: one written by one device restores here (replicated), and one written here restores there.
    ckpt_dir = sys.argv[1]
    with s.scope():
        restored = tf.Variable(np.zeros((2, 3)))
    tf.train.Checkpoint(w=restored).read(ckpt_dir + "/one").assert_consumed()
    s.run(lambda: restored.assign_add(tf.distribute.get_replica_context().all_reduce("MEAN", tf.ones((2, 3), tf.float64))))
    out["restored_on_four"] = restored.numpy().tolist()
    with s.scope():
        ws4 = [tf.Variable(W0), tf.Variable(W1)]
    ws4[0].assign_add(tf.ones_like(ws4[0]))
    tf.train.Checkpoint(w0=ws4[0], w1=ws4[1]).write(ckpt_dir + "/four")
    out["written_on_four"] = [u.numpy().tolist() for u in ws4]

    # Keras: a model made and compiled in scope() trains with fit, evaluates and predicts as on one device.
    tf.keras.backend.set_floatx("float64")
    Xk = rng.normal(size=(32, 6))
    Yk = (Xk[:, :1] > 0).astype("float64")
    def make_model():
        init = tf.keras.initializers.GlorotUniform
        model = tf.keras.Sequential([
            tf.keras.Input((6,)),
            tf.keras.layers.Dense(8, activation="relu", kernel_initializer=init(3)),
            tf.keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init(4)),
        ])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
        return model
    with s.scope():
        dist_model = make_model()
    one_model = make_model()
    fits = [m.fit(Xk, Yk, batch_size=8, epochs=2, verbose=0, shuffle=False).history for m in (dist_model, one_model)]
    # (30 examples in batches of 12: the last, 6, does not split over 4 replicas and runs whole)
    evals = [m.evaluate(Xk[:30], Yk[:30], batch_size=12, verbose=0) for m in (dist_model, one_model)]
    preds = [m.predict(Xk, batch_size=12, verbose=0) for m in (dist_model, one_model)]
    out["fit"] = {
        "history": fits,
        "weight_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(dist_model.get_weights(), one_model.get_weights())),
        "evaluate": evals,
        "predict_diff": float(np.max(np.abs(preds[0] - preds[1]))),
        "predict_shape": list(preds[0].shape),
        "sharding": str(dist_model.weights[0]._v.sharding.spec),
        # (issue 18) compilations of each train-step program over 2 epochs: 1 when no input's sharding changes
        "step_compiles": [p.jitted._cache_size() for e in dist_model.train_function._entries for p in e.programs.values()],
    }
    tf.keras.backend.set_floatx("float32")

    # Beyond TF: a Variable partitioned over a mesh axis trains as a whole one and keeps its layout.
    Ws, Xs = rng.normal(size=(8, 6)), rng.normal(size=(5, 8))
    def train_sharded(sharded):
        u = tf.Variable(Ws)
        if sharded:
            tf.distribute.shard(u, ("model", None))
        opt = tf.keras.optimizers.Adam(0.1)
        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.tanh(tf.matmul(x, u)) ** 2)
            opt.apply_gradients([(tape.gradient(loss, u), u)])
        for _ in range(3):
            step(tf.constant(Xs))
        return u
    sharded_w, whole_w = train_sharded(True), train_sharded(False)
    out["shard"] = {
        "spec": str(sharded_w._value.sharding.spec),
        "blocks": [list(b.data.shape) for b in sharded_w._value.addressable_shards],
        "diff": float(np.max(np.abs(sharded_w.numpy() - whole_w.numpy()))),
    }
    try:
        tf.distribute.shard(tf.Variable(np.zeros((6, 2))), ("model", None))
    except ValueError as e:
        out["shard_error"] = str(e)

    # Device strings name JAX's devices.
    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:2"])
    out["two"] = [two.num_replicas_in_sync, list(two.extended.worker_devices)]
    one = tf.distribute.OneDeviceStrategy("/cpu:1")
    with one.scope():
        u = tf.Variable(1.0)
    out["one_device"] = [u.device, float(one.run(lambda x: x * 2.0, args=(tf.constant(3.0),)))]
    try:
        with s.scope(), one.scope():
            pass
    except RuntimeError as e:
        out["mixing_error"] = str(e)
    try:
        tf.distribute.MirroredStrategy(["/cpu:9"])
    except ValueError as e:
        out["unknown_device"] = str(e)
    print(json.dumps(out))
    """
)


_W = np.arange(6.0).reshape(2, 3)


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> dict:
    ckpt_dir = str(tmp_path_factory.mktemp("distribute_ckpt"))
    tf.train.Checkpoint(w=tf.Variable(_W)).write(ckpt_dir + "/one")  # written by one device
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, ckpt_dir],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["ckpt_dir"] = ckpt_dir
    return result


def test_logical_device_configuration_gives_four_cpu_devices(four: dict) -> None:
    assert four["logical"] == [f"/device:CPU:{i}" for i in range(4)]
    assert four["physical"] == ["/physical_device:CPU:0"]  # one physical CPU, as TF
    assert four["late_error"].startswith("Virtual devices cannot be modified after being initialized")


def test_mirrored_strategy_replicates_variables_created_in_scope(four: dict) -> None:
    assert four["replicas"] == 4
    assert four["worker_devices"] == [f"/job:localhost/replica:0/task:0/device:CPU:{i}" for i in range(4)]
    assert four["variable_sharding"] == ["P()", 4]
    assert four["scope_context"] == [True, True, True, True]


def test_run_gives_each_replica_its_slice_and_all_reduce_sums_them(four: dict) -> None:
    data = np.arange(16.0).reshape(4, 2, 2)  # (replica, per-replica batch, features)
    np.testing.assert_array_equal(four["batch_values"], data)
    np.testing.assert_array_equal(four["doubled"], data * 2)
    np.testing.assert_array_equal(four["summed"], [data.sum(0)] * 4)
    assert four["ids"] == [0, 1, 2, 3]
    assert four["out_sharding"] == "P('data',)"
    np.testing.assert_array_equal(four["gathered"], data.reshape(8, 2) * 2)
    assert four["broadcast"] == [2.0] * 4


def test_reduce_matches_tf(four: dict) -> None:
    # Values checked against TF 2.21's MirroredStrategy on 4 logical CPUs.
    r = four["reduce"]
    np.testing.assert_array_equal(r["sum_none"], [[48, 56], [64, 72]])
    np.testing.assert_array_equal(r["mean_none"], [[12, 14], [16, 18]])
    np.testing.assert_array_equal(r["sum_0"], [112, 128])
    np.testing.assert_array_equal(r["mean_0"], [14, 16])
    assert r["plain_mean"] == [1.0, 2.0] and r["plain_sum_0"] == 12.0
    assert "cannot be reduced with the given reduce op ReduceOp.SUM" in four["plain_sum_error"]


def test_compute_average_loss_defaults_to_the_global_batch(four: dict) -> None:
    assert four["average_loss"] == [0.375] * 4  # (1 + 2) / (2 * 4 replicas), as TF


def test_distribute_datasets_from_function(four: dict) -> None:
    assert four["input_context"] == [1, 0, 4, 2]
    assert four["from_function"] == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_uneven_batch_raises(four: dict) -> None:
    assert "does not split evenly over 4 replicas" in four["uneven_error"]


def test_per_replica_assignments_combine_by_aggregation(four: dict) -> None:
    assert four["none_assignment"] == 1.0  # TF reads replica 0's copy of an aggregation-NONE Variable
    assert four["aggregated"] == [10.0, 2.5]  # 1 + 2 + 3 + 4 and their mean, as TF 2.21


@pytest.mark.parametrize("compiled", [True, False])
def test_custom_training_loop_matches_one_device_on_the_global_batch(four: dict, compiled: bool) -> None:
    result = four[f"loop_{compiled}"]
    assert result["moved"] > 1e-3
    assert result["weight_diff"] < 1e-12
    assert result["loss_diff"] < 1e-12
    assert result["shardings"] == ["P()"]  # weights and Adam's slots replicated


def test_device_strings_name_jax_devices(four: dict) -> None:
    assert four["two"] == [
        2,
        ["/job:localhost/replica:0/task:0/device:CPU:0", "/job:localhost/replica:0/task:0/device:CPU:2"],
    ]
    assert four["one_device"] == ["/job:localhost/replica:0/task:0/device:CPU:1", 6.0]
    assert four["mixing_error"].startswith("Mixing different tf.distribute.Strategy objects")
    assert "/cpu:9" in four["unknown_device"]


def test_checkpoints_move_between_four_devices_and_one(four: dict) -> None:
    np.testing.assert_array_equal(four["restored_on_four"], _W + 1.0)
    w0, w1 = tf.Variable(np.zeros((5, 8))), tf.Variable(np.zeros((8, 1)))
    tf.train.Checkpoint(w0=w0, w1=w1).read(four["ckpt_dir"] + "/four").assert_consumed()
    np.testing.assert_array_equal(w0.numpy(), four["written_on_four"][0])
    np.testing.assert_array_equal(w1.numpy(), four["written_on_four"][1])


def test_keras_fit_evaluate_predict_in_scope_match_one_device(four: dict) -> None:
    fit = four["fit"]
    assert fit["sharding"] == "P()"
    distributed, single = fit["history"]
    assert distributed.keys() == single.keys() == {"loss", "accuracy"}
    np.testing.assert_allclose(distributed["loss"], single["loss"], rtol=0, atol=1e-12)
    assert distributed["accuracy"] == single["accuracy"]
    assert fit["weight_diff"] < 1e-12
    np.testing.assert_allclose(*fit["evaluate"], rtol=0, atol=1e-12)
    assert fit["predict_shape"] == [32, 1] and fit["predict_diff"] < 1e-12
    assert fit["step_compiles"] == [1]  # the Variables' and slots' shardings stay the same from step 1 (issue 18)


def test_shard_partitions_a_variable_over_a_mesh_axis(four: dict) -> None:
    shard = four["shard"]
    # (the spec as given: tf.function writes values back on their Variable's sharding, issue 18)
    assert shard["spec"] == "P('model', None)" and shard["blocks"] == [[2, 6]] * 4
    assert shard["diff"] < 1e-12
    assert "does not split evenly over the 4 devices of mesh axis 'model'" in four["shard_error"]


# -- one replica, in this process ------------------------------------------------------------------------


def test_default_strategy_outside_every_scope() -> None:
    strategy = tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1
    assert not tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context()
    ctx = tf.distribute.get_replica_context()
    assert ctx.num_replicas_in_sync == 1 and int(ctx.replica_id_in_sync_group) == 0
    assert float(ctx.all_reduce("SUM", tf.constant(3.0))) == 3.0
    assert strategy.experimental_local_results(tf.constant(2.0))[0].numpy() == 2.0


def test_one_replica_strategy_runs_eagerly_and_returns_plain_values() -> None:
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        v = tf.Variable(2.0)
    out = strategy.run(lambda x: v * x, args=(tf.constant(3.0),))
    assert isinstance(out, tf.Tensor) and float(out) == 6.0
    assert float(strategy.reduce("SUM", out, axis=None)) == 6.0  # one replica: SUM of a plain value is allowed
    with strategy.scope(), pytest.raises(RuntimeError, match="compute_average_loss` in cross replica context"):
        tf.nn.compute_average_loss(tf.constant([1.0]))


def test_tpu_strategy_needs_a_tpu() -> None:
    if any(d.device_type == "TPU" for d in tf.config.list_logical_devices()):
        assert tf.distribute.TPUStrategy().num_replicas_in_sync == len(tf.config.list_logical_devices("TPU"))
    else:
        with pytest.raises(ValueError, match="JAX sees no TPU"):
            tf.distribute.TPUStrategy()


def test_reduce_op_and_input_context_errors() -> None:
    assert tf.distribute.ReduceOp("SUM") is tf.distribute.ReduceOp.SUM
    assert tf.distribute.ReduceOp.from_variable_aggregation(tf.VariableAggregation.MEAN) is tf.distribute.ReduceOp.MEAN
    with pytest.raises(ValueError, match="'PROD' is not a valid ReduceOp"):
        tf.distribute.MirroredStrategy().reduce("PROD", tf.constant(1.0), axis=None)
    ctx = tf.distribute.InputContext(num_replicas_in_sync=4)
    assert str(ctx) == "tf.distribute.InputContext(input pipeline id 0, total: 1)"
    with pytest.raises(ValueError, match="is not divisible by `num_replicas_in_sync` 4"):
        ctx.get_per_replica_batch_size(6)
