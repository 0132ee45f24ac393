"""tf.keras.config (Keras 3.15's global settings); values checked against Keras 3.15 (TF backend)."""

import copy
import logging

import numpy as np
import pytest

import tapejax as tf

config = tf.keras.config


@pytest.fixture(autouse=True)
def _restore_defaults():
    yield
    config.set_floatx("float32")
    config.set_epsilon(1e-7)
    config.set_image_data_format("channels_last")
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    tf.keras.backend.clear_session()


def test_defaults_and_backend_name():
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    assert config.backend() == "tensorflow"
    assert config.is_interactive_logging_enabled() is True
    assert config.is_traceback_filtering_enabled() is True
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None
    assert repr(config.dtype_policy()) == '<DTypePolicy "float32">'
    assert config.floatx is tf.keras.backend.floatx
    assert tf.keras.backend.backend() == "tensorflow"
    assert tf.keras.utils.is_interactive_logging_enabled is config.is_interactive_logging_enabled


def test_set_floatx_reaches_new_layers_and_input():
    config.set_floatx("float64")
    tf.keras.backend.clear_session()
    d = tf.keras.layers.Dense(2)
    d.build((1, 3))
    assert d.kernel.dtype == tf.float64 and d.compute_dtype == "float64"
    assert tf.keras.Input((2,)).dtype == "float64"
    assert config.floatx() == "float64"


def test_bad_settings_raise_keras_errors():
    with pytest.raises(ValueError, match="Unknown `floatx` value: float8"):
        config.set_floatx("float8")
    with pytest.raises(ValueError, match=r"Received: data_format=none"):
        config.set_image_data_format(None)
    assert config.floatx() == "float32" and config.image_data_format() == "channels_last"


def test_epsilon_reaches_losses():
    config.set_epsilon(0.1)
    assert config.epsilon() == 0.1
    y0, y1 = np.array([[0.0]], "float32"), np.array([[1.0]], "float32")
    np.testing.assert_allclose(tf.keras.losses.MeanAbsolutePercentageError()(y0, y1), 1000.0, rtol=1e-6)
    np.testing.assert_allclose(tf.keras.losses.Poisson()(y1, y0), -np.log(0.1), rtol=1e-6)


def test_image_data_format_reaches_conv_and_pooling():
    config.set_image_data_format("CHANNELS_FIRST")
    assert config.image_data_format() == "channels_first"
    assert tf.keras.layers.Conv2D(2, 3).data_format == "channels_first"
    assert tf.keras.layers.MaxPooling2D().data_format == "channels_first"


def test_dtype_policy_set_and_reset_by_clear_session():
    config.set_dtype_policy("float64")
    assert repr(config.dtype_policy()) == '<DTypePolicy "float64">'
    d = tf.keras.layers.Dense(2)
    d.build((1, 3))
    assert d.kernel.dtype == tf.float64
    assert tf.keras.Input((2,)).dtype == "float32"  # Input follows floatx, not the policy (as Keras)
    assert tf.keras.layers.Dense(1, dtype="float16").dtype_policy.name == "float16"
    config.set_dtype_policy(tf.keras.DTypePolicy("bfloat16"))
    assert tf.keras.layers.Dense(1).dtype_policy.name == "bfloat16"
    tf.keras.backend.clear_session()
    assert config.dtype_policy().name == "float32"


def test_dtype_policy_errors():
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        config.set_dtype_policy(3)
    with pytest.raises(ValueError, match="Cannot convert 'foo' to a mixed precision DTypePolicy"):
        config.set_dtype_policy("foo")
    with pytest.raises(ValueError, match="mixed-precision"):
        config.set_dtype_policy("mixed_float16")
    assert config.dtype_policy().name == "float32"


def test_enable_unsafe_deserialization_loads_lambdas_until_clear_session():
    cfg = tf.keras.layers.Lambda(lambda x: x * 2).get_config()
    with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
        tf.keras.layers.Lambda.from_config(copy.deepcopy(cfg))
    config.enable_unsafe_deserialization()
    np.testing.assert_allclose(tf.keras.layers.Lambda.from_config(copy.deepcopy(cfg))(np.ones(2, "float32")), [2, 2])
    with pytest.raises(ValueError, match="Lambda"):  # an explicit safe_mode still wins
        tf.keras.layers.Lambda.from_config(copy.deepcopy(cfg), safe_mode=True)
    tf.keras.backend.clear_session()
    with pytest.raises(ValueError, match="Lambda"):
        tf.keras.layers.Lambda.from_config(copy.deepcopy(cfg))


def test_interactive_logging_switch_sends_messages_to_absl(capsys, caplog):
    config.disable_interactive_logging()
    assert config.is_interactive_logging_enabled() is False
    bar = tf.keras.utils.Progbar(1, verbose=2)
    with caplog.at_level(logging.INFO):
        bar.update(1, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
    assert "loss: 1.0000" in caplog.text
    config.enable_interactive_logging()
    bar = tf.keras.utils.Progbar(1, verbose=2)
    bar.update(1, [("loss", 1.0)])
    assert "loss: 1.0000" in capsys.readouterr().out


def test_traceback_filtering_switch_is_recorded():
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False
    config.enable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is True
    config.disable_traceback_filtering()
    tf.keras.backend.clear_session()
    assert config.is_traceback_filtering_enabled() is True


def test_flash_attention_switch_is_recorded_as_keras():
    assert config.is_flash_attention_enabled() is None and config.is_nnx_enabled() is False
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    tf.keras.backend.clear_session()
    assert config.is_flash_attention_enabled() is None


def test_missing_name_raises_attribute_error():
    with pytest.raises(AttributeError):
        config.set_backend  # noqa: B018


def test_load_model_safe_mode_and_unsafe_deserialization(tmp_path):
    path = str(tmp_path / "lambda.keras")
    tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Lambda(lambda x: x * 2)]).save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        tf.keras.models.load_model(path)
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(tf.keras.models.load_model(path, safe_mode=False)(x), [[2, 2]])
    with pytest.raises(ValueError, match="safe_mode=False"):  # the session is safe again afterwards
        tf.keras.models.load_model(path)
    config.enable_unsafe_deserialization()  # overrides load_model's safe_mode=True (as Keras)
    np.testing.assert_allclose(tf.keras.models.load_model(path)(x), [[2, 2]])


def test_max_epochs_and_max_steps_per_epoch_cap_fit_and_predict():
    # Keras 3.15: 5 optimizer steps (3, then 2 before the 10 samples run out), 2 epochs, 6 predictions.
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((10, 2), "float32"), np.ones((10, 1), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    with pytest.warns(UserWarning) as record:
        history = model.fit(x, y, epochs=5, batch_size=2, verbose=0)
    assert [str(w.message) for w in record][:2] == ["Limiting epochs to 2", "Limiting steps_per_epoch to 3"]
    assert history.epoch == [0, 1] and int(model.optimizer.iterations.numpy()) == 5
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(x, batch_size=2, verbose=0).shape == (6, 1)


def test_epsilon_reaches_metrics():
    config.set_epsilon(0.5)  # values from Keras 3.15 with the same epsilon
    f1 = tf.keras.metrics.F1Score(average="macro", threshold=0.5)
    f1.update_state(np.array([[1, 0], [0, 1]], "float32"), np.array([[0.9, 0.2], [0.7, 0.8]], "float32"))
    np.testing.assert_allclose(f1.result(), 0.41263702511787415, rtol=1e-6)
    iou = tf.keras.metrics.MeanIoU(num_classes=2)
    iou.update_state([0, 1, 1], [0, 1, 0])
    np.testing.assert_allclose(iou.result(), 0.32, rtol=1e-6)
