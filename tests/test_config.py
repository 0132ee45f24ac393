"""tf.config: JAX's devices as TF's PhysicalDevice/LogicalDevice, the placement flags, and
run_functions_eagerly making tf.function run its Python function eagerly."""

from __future__ import annotations

import pytest

import tapejax as tf


@pytest.fixture(autouse=True)
def _restore_config():
    from tapejax._src import config

    saved = vars(config._state).copy()
    yield
    vars(config._state).update(saved)


def test_physical_and_logical_devices_have_tfs_names() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    assert cpu == tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
    assert cpu._fields == ("name", "device_type") and isinstance(cpu, tuple)
    assert repr(cpu) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    assert tf.config.list_logical_devices("CPU")[0] == tf.config.LogicalDevice("/device:CPU:0", "CPU")
    assert tf.config.list_physical_devices("cpu") == []  # case-sensitive, as TF
    assert tf.config.list_physical_devices("TPU") == [] or all(
        d.device_type == "TPU" for d in tf.config.list_physical_devices("TPU")
    )
    assert cpu in tf.config.list_physical_devices() and tf.config.get_visible_devices("CPU")[0] == cpu


def test_visible_devices_are_remembered_per_type() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_visible_devices([], "GPU")
    assert tf.config.get_visible_devices("GPU") == [] and tf.config.get_visible_devices("CPU")[0] == cpu
    tf.config.set_visible_devices(cpu)
    assert tf.config.get_visible_devices() == [cpu]
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.set_visible_devices([tf.config.PhysicalDevice("/physical_device:CPU:99", "CPU")])
    with pytest.raises(ValueError, match="not of type"):
        tf.config.set_visible_devices([cpu], "GPU")


def test_logical_device_configuration_is_accepted_and_read_back() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    assert tf.config.get_logical_device_configuration(cpu) is None
    assert repr(tf.config.LogicalDeviceConfiguration(memory_limit=10)) == (
        "LogicalDeviceConfiguration(memory_limit=10, experimental_priority=None, experimental_device_ordinal=None)"
    )
    # JAX's backends have started in this process: the CPU count they have is the only one possible
    # (the 4-device configuration is tested in a fresh process in test_distribute.py).
    conf = [tf.config.LogicalDeviceConfiguration()] * len(tf.config.list_logical_devices("CPU"))
    tf.config.set_logical_device_configuration(cpu, conf)
    assert tf.config.get_logical_device_configuration(cpu) == conf
    assert tf.config.experimental.get_virtual_device_configuration(cpu) == conf
    with pytest.raises(RuntimeError, match="cannot be modified after being initialized"):
        tf.config.set_logical_device_configuration(cpu, conf * 2)
    with pytest.raises(ValueError):
        tf.config.set_logical_device_configuration(cpu, [1])
    with pytest.raises(ValueError, match="memory limit on CPU virtual devices"):
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration(memory_limit=10)])
    tf.config.set_logical_device_configuration(cpu, None)


def test_flags_default_to_tfs() -> None:
    assert tf.config.get_soft_device_placement() is True
    tf.config.set_soft_device_placement(False)
    assert tf.config.get_soft_device_placement() is False
    assert tf.config.functions_run_eagerly() is False and tf.config.experimental_functions_run_eagerly() is False
    assert tf.config.experimental.tensor_float_32_execution_enabled() is True


def test_tensor_float_32_switch_sets_jax_matmul_precision() -> None:
    tf.config.experimental.enable_tensor_float_32_execution(False)
    try:
        assert tf.config.experimental.tensor_float_32_execution_enabled() is False
        out = tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[3.0], [4.0]]))
        assert float(out[0, 0]) == 11.0
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(True)
    assert tf.config.experimental.tensor_float_32_execution_enabled() is True


def test_memory_growth_and_device_details_follow_tf_on_cpu() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    with pytest.raises(ValueError, match=r"^Cannot set memory growth on non-GPU and non-Pluggable devices$"):
        tf.config.experimental.set_memory_growth(cpu, True)
    with pytest.raises(KeyError):
        tf.config.experimental.get_memory_growth(cpu)
    assert tf.config.experimental.get_device_details(cpu) == {}
    tf.config.experimental.enable_op_determinism()
    for gpu in tf.config.list_physical_devices("GPU"):  # only where JAX has GPUs
        assert tf.config.experimental.get_memory_growth(gpu) is None
        tf.config.experimental.set_memory_growth(gpu, True)
        assert tf.config.experimental.get_memory_growth(gpu) is True
        assert "device_name" in tf.config.experimental.get_device_details(gpu)


def test_connecting_to_a_cluster_is_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="experimental_connect_to_cluster"):
        tf.config.experimental_connect_to_cluster(None)
    with pytest.raises(NotImplementedError, match="experimental_connect_to_host"):
        tf.config.experimental_connect_to_host("localhost:1")


def test_run_functions_eagerly_runs_the_python_function_without_tracing() -> None:
    seen = []

    @tf.function(autograph=False)
    def f(x):
        seen.append(float(x))  # a Python value of a tensor: only possible eagerly
        return x * 2.0

    tf.config.run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly() is True
    assert float(f(tf.constant(1.0))) == 2.0 and float(f(tf.constant(3.0))) == 6.0
    assert seen == [1.0, 3.0] and f.experimental_get_tracing_count() == 0
    tf.config.experimental_run_functions_eagerly(False)
    with pytest.raises(TypeError, match="float"):  # TF 2.21: float() of a symbolic tensor is a TypeError
        f(tf.constant(1.0))


def test_run_functions_eagerly_keeps_variable_updates_and_gradients() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def step(x):
        v.assign_add(x)
        return v * x

    tf.config.run_functions_eagerly(True)
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = step(x)
    assert float(v) == 3.0 and float(out) == 6.0
    assert float(tape.gradient(out, x)) == 3.0
