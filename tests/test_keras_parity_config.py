"""tf.keras.config against real TF 2.21 / Keras 3.15: names, defaults and error messages."""

import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_defaults():
    yield
    for cfg in (tf.keras.config, tf_real.keras.config):
        cfg.set_floatx("float32")
        cfg.set_epsilon(1e-7)
    tf.keras.backend.clear_session()
    tf_real.keras.backend.clear_session()


def test_names_are_tf_keras_config_names_and_defaults_match():
    ours = {n for n in dir(tf.keras.config) if not n.startswith("_")}
    theirs = {n for n in dir(tf_real.keras.config) if not n.startswith("_")}
    assert ours <= theirs
    assert theirs - ours == {"set_backend"}  # the name README lists as missing
    for name in ("floatx", "epsilon", "image_data_format", "backend", "max_epochs", "max_steps_per_epoch",
                 "is_interactive_logging_enabled", "is_traceback_filtering_enabled", "is_flash_attention_enabled",
                 "is_nnx_enabled"):  # fmt: skip
        assert getattr(tf.keras.config, name)() == getattr(tf_real.keras.config, name)(), name
    assert repr(tf.keras.config.dtype_policy()) == repr(tf_real.keras.config.dtype_policy())


@pytest.mark.parametrize(
    ("setter", "value"),
    [("set_floatx", "float8"), ("set_image_data_format", "x"), ("set_dtype_policy", 3), ("set_dtype_policy", "foo")],
)
def test_errors_match(setter, value):
    with pytest.raises(ValueError) as real:
        getattr(tf_real.keras.config, setter)(value)
    with pytest.raises(ValueError) as ours:
        getattr(tf.keras.config, setter)(value)
    if setter == "set_floatx":  # (the set of accepted names prints in hash order)
        assert str(ours.value).split(".")[0] == str(real.value).split(".")[0]
    else:
        assert str(ours.value) == str(real.value)


def test_set_dtype_policy_matches_layers():
    for cfg in (tf.keras.config, tf_real.keras.config):
        cfg.set_dtype_policy("float64")
    ours, real = tf.keras.layers.Dense(1), tf_real.keras.layers.Dense(1)
    assert ours.dtype_policy.name == real.dtype_policy.name == "float64"
    assert tf.keras.Input((1,)).dtype == tf_real.keras.Input((1,)).dtype == "float32"
