"""tf.distribute.MultiWorkerMirroredStrategy (issue 19): two processes on loopback, 2 CPU devices each.

JAX's CPU backend runs the cross-process all-reduces with gloo; each process is started with TF's
``TF_CONFIG``, as a TF multi-worker job.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tapejax._src.distribute.multi_worker import cluster_from_tf_config

_WORKER = textwrap.dedent(
    """
    import json
    import os
    import numpy as np
    import tapejax as tf

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    out = {"replicas": strategy.num_replicas_in_sync, "worker_devices": list(strategy.extended.worker_devices)}

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(32, 5)), rng.normal(size=(32, 1))
    W0, W1 = rng.normal(size=(5, 8)) * 0.3, rng.normal(size=(8, 1)) * 0.3
    GLOBAL_BATCH = 16

    def per_example(ws, x, y):
        return tf.reduce_sum(tf.square(tf.matmul(tf.nn.relu(tf.matmul(x, ws[0])), ws[1]) - y), axis=1)

    with strategy.scope():
        ws = [tf.Variable(W0), tf.Variable(W1)]
        opt = tf.keras.optimizers.Adam(0.01)

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(per_example(ws, x, y), global_batch_size=GLOBAL_BATCH)
        opt.apply_gradients(zip(tape.gradient(loss, ws), ws))
        return loss

    @tf.function
    def dist_step(batch):
        return strategy.reduce("SUM", strategy.run(step, args=batch), axis=None)

    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(GLOBAL_BATCH)
    losses = [float(dist_step(b)) for _ in range(2) for b in strategy.experimental_distribute_dataset(dataset)]
    last = next(iter(strategy.experimental_distribute_dataset(dataset)))
    out["local_rows"] = [t.numpy().tolist() for t in strategy.experimental_local_results(last[1])]

    out["weights"] = [w.numpy().tolist() for w in ws]
    out["losses"] = losses
    out["moved"] = float(np.max(np.abs(ws[0].numpy() - W0)))

    # The same training on one device alone, on the global batches: worker 0 only (the tests compare
    # both workers' weights and losses with it).
    if json.loads(os.environ["TF_CONFIG"])["task"]["index"] == 0:
        ref = [tf.Variable(W0), tf.Variable(W1)]
        ref_opt = tf.keras.optimizers.Adam(0.01)
        ref_losses = []
        for _ in range(2):
            for x, y in dataset:
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(per_example(ref, x, y))
                ref_opt.apply_gradients(zip(tape.gradient(loss, ref), ref))
                ref_losses.append(float(loss))
        out["ref_weights"] = [w.numpy().tolist() for w in ref]
        out["ref_losses"] = ref_losses
    print(json.dumps(out))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def workers() -> list[dict]:
    port = _free_port()
    cluster = {"worker": [f"127.0.0.1:{port}", f"127.0.0.1:{_free_port()}"]}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = []
    for index in range(2):
        env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
        env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _WORKER],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=root,
            )
        )
    results = []
    for p in procs:
        try:
            stdout, stderr = p.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        assert p.returncode == 0, stderr[-3000:]
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def test_two_workers_train_as_one_device_on_the_global_batch(workers: list[dict]) -> None:
    for index, out in enumerate(workers):
        assert out["replicas"] == 4  # 2 processes x 2 CPU devices
        assert out["worker_devices"] == [f"/job:worker/replica:0/task:{index}/device:CPU:{i}" for i in range(2)]
        assert out["moved"] > 1e-3
        for got, want in zip(out["weights"], workers[0]["ref_weights"], strict=True):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"worker {index}'s weights")
        np.testing.assert_allclose(
            out["losses"], workers[0]["ref_losses"], rtol=0, atol=1e-12, err_msg=f"worker {index}'s losses"
        )


def test_each_worker_holds_its_block_of_the_global_batch(workers: list[dict]) -> None:
    rng = np.random.default_rng(0)
    rng.normal(size=(32, 5))
    y = rng.normal(size=(32, 1))[:16].reshape(4, 4, 1)  # the first global batch's targets, per replica
    np.testing.assert_array_equal(workers[0]["local_rows"], y[:2])
    np.testing.assert_array_equal(workers[1]["local_rows"], y[2:])


def test_tf_config_is_read_as_tf_reads_it() -> None:
    config = {"cluster": {"chief": ["c:1"], "worker": ["a:2", "b:3"]}, "task": {"type": "worker", "index": 1}}
    assert cluster_from_tf_config({"TF_CONFIG": json.dumps(config)}) == ("c:1", 3, 2)
    assert cluster_from_tf_config({}) is None
    assert cluster_from_tf_config({"TF_CONFIG": json.dumps({"cluster": {"worker": ["a:1"]}})}) is None
    with pytest.raises(ValueError, match="is not a chief or worker"):
        cluster_from_tf_config(
            {"TF_CONFIG": json.dumps({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "ps", "index": 0}})}
        )
