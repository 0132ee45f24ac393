"""tf.keras.initializers: values, distributions, Keras 3's seed rule, fans, configs and string lookup."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.keras.initializers import compute_fans

I = tf.keras.initializers  # noqa: E741

# Few distinct shapes: each new shape compiles new kernels.
STATS_SHAPE = (5, 5, 16, 40)  # fan_in 400, fan_out 1000, 16,000 draws
RANDOM_CLASSES = [
    I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling, I.GlorotNormal, I.GlorotUniform,
    I.HeNormal, I.HeUniform, I.LecunNormal, I.LecunUniform, I.Orthogonal,
]  # fmt: skip


@pytest.mark.parametrize("cls", RANDOM_CLASSES, ids=lambda c: c.__name__)
def test_seeded_and_unseeded_objects_repeat_their_values_as_keras3(cls: Any) -> None:
    a = cls(seed=7)
    first = a((6, 5)).numpy()
    np.testing.assert_array_equal(a((6, 5)).numpy(), first)  # same object, same values
    np.testing.assert_array_equal(cls(seed=7)((6, 5)).numpy(), first)  # same seed, same values
    assert not np.array_equal(cls(seed=8)((6, 5)).numpy(), first)
    unseeded = cls()
    np.testing.assert_array_equal(unseeded((6, 5)).numpy(), unseeded((6, 5)).numpy())
    assert not np.array_equal(cls()((6, 5)).numpy(), unseeded((6, 5)).numpy())


def test_unseeded_initializers_follow_pythons_random_seed() -> None:
    # Keras draws the default seed from Python's `random` (keras.utils.set_random_seed seeds it).
    random.seed(3)
    a = I.GlorotUniform()((4, 4)).numpy()
    random.seed(3)
    np.testing.assert_array_equal(I.GlorotUniform()((4, 4)).numpy(), a)


@pytest.mark.parametrize("dtype", [None, "float32", "float64", tf.float64])
def test_dtype_defaults_to_float32_and_follows_the_argument(dtype: Any) -> None:
    want = "float32" if dtype in (None, "float32") else "float64"
    for init in (I.Zeros(), I.Ones(), I.Constant(2.0), I.Identity(), I.RandomNormal(seed=1), I.HeUniform(seed=1)):
        out = init((3, 2), dtype=dtype)
        assert out.dtype.name == want and out.shape == (3, 2)


def test_constant_zeros_ones_identity_values() -> None:
    np.testing.assert_array_equal(I.Zeros()((2, 3), "int32").numpy(), np.zeros((2, 3), np.int32))
    np.testing.assert_array_equal(I.Ones()([2]).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)).numpy(), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(I.Constant([1.0, 2.0, 3.0])((2, 3)).numpy(), [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)).numpy(), 2.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        I.Identity()((2, 2, 2))


def _stats(init: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, float, float]:
    x = init(shape).numpy().astype(np.float64)
    return x, float(x.mean()), float(x.std())


def test_random_normal_uniform_truncated_normal_distributions() -> None:
    x, mean, std = _stats(I.RandomNormal(mean=1.0, stddev=2.0, seed=0), STATS_SHAPE)
    assert abs(mean - 1.0) < 0.06 and abs(std - 2.0) < 0.05
    x, mean, std = _stats(I.RandomUniform(minval=-1.0, maxval=3.0, seed=0), STATS_SHAPE)
    assert x.min() >= -1.0 and x.max() < 3.0 and abs(mean - 1.0) < 0.05 and abs(std - 4 / math.sqrt(12)) < 0.03
    x, mean, std = _stats(I.TruncatedNormal(mean=0.5, stddev=2.0, seed=0), STATS_SHAPE)
    assert x.min() >= 0.5 - 4.0 and x.max() <= 0.5 + 4.0
    assert abs(std - 2.0 * 0.87962566103423978) < 0.05  # a 2-sigma truncation keeps 88% of the stddev


@pytest.mark.parametrize(
    ("shape", "fans"),
    [((), (1, 1)), ((7,), (7, 7)), ((4, 6), (4, 6)), ((3, 3, 8, 16), (72, 144)), ((2, 3, 4, 5, 6), (120, 144))],
)
def test_compute_fans_of_vectors_matrices_and_conv_kernels(shape: tuple[int, ...], fans: tuple[int, int]) -> None:
    assert compute_fans(shape) == fans


def test_compute_fans_with_explicit_axes() -> None:
    assert compute_fans((2, 3, 4, 5), input_axes=(0, 2), output_axes=(1, 3)) == (8, 15)
    init = I.VarianceScaling(
        scale=1.0, mode="fan_in", distribution="uniform", input_axes=(1,), output_axes=(0,), seed=0
    )
    x = init((6, 5)).numpy()  # fan_in = shape[1] = 5, not shape[0] = 6
    assert np.abs(x).max() <= math.sqrt(3.0 / 5) and np.abs(x).max() > math.sqrt(3.0 / 6)


@pytest.mark.parametrize(
    ("mode", "distribution"),
    [
        ("fan_in", "truncated_normal"),
        ("fan_out", "truncated_normal"),
        ("fan_avg", "untruncated_normal"),
        ("fan_in", "uniform"),
        ("fan_out", "uniform"),
    ],
)
def test_variance_scaling_has_the_requested_variance(mode: str, distribution: str) -> None:
    shape = STATS_SHAPE
    n = {"fan_in": 400.0, "fan_out": 1000.0, "fan_avg": 700.0}[mode]
    x, mean, std = _stats(I.VarianceScaling(scale=2.0, mode=mode, distribution=distribution, seed=1), shape)
    target = math.sqrt(2.0 / n)
    # The truncated normal's stddev is corrected by 1 / 0.8796..., so every distribution has variance scale / n.
    assert abs(std - target) < 0.03 * target and abs(mean) < 0.03 * target
    if distribution == "uniform":
        assert np.abs(x).max() <= math.sqrt(3.0) * target
    elif distribution in ("truncated_normal", "normal"):
        assert np.abs(x).max() <= 2 * target / 0.87962566103423978


@pytest.mark.parametrize(
    ("cls", "scale", "mode", "distribution"),
    [
        (I.GlorotUniform, 1.0, "fan_avg", "uniform"),
        (I.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
        (I.HeUniform, 2.0, "fan_in", "uniform"),
        (I.HeNormal, 2.0, "fan_in", "truncated_normal"),
        (I.LecunUniform, 1.0, "fan_in", "uniform"),
        (I.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    ],
)
def test_named_variance_scalings_are_variance_scaling(cls: Any, scale: float, mode: str, distribution: str) -> None:
    ours = cls(seed=5)
    same = I.VarianceScaling(scale=scale, mode=mode, distribution=distribution, seed=5)
    np.testing.assert_array_equal(ours((6, 5)).numpy(), same((6, 5)).numpy())
    assert isinstance(ours, I.VarianceScaling)
    assert ours.get_config() == {"seed": 5, "input_axes": None, "output_axes": None}


def test_variance_scaling_rejects_bad_arguments_with_keras_messages() -> None:
    with pytest.raises(ValueError, match="Argument `scale` must be positive float"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan"):
        I.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: gamma"):
        I.VarianceScaling(distribution="gamma")
    assert I.VarianceScaling(distribution="Normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="`seed` argument should be"):
        I.RandomNormal(seed="1")


@pytest.mark.parametrize("shape", [(6, 5), (5, 6), (2, 3, 5)])
def test_orthogonal_is_orthogonal_with_gain(shape: tuple[int, ...]) -> None:
    q = I.Orthogonal(gain=1.5, seed=3)(shape).numpy().astype(np.float64)
    assert q.shape == shape
    m = q.reshape(-1, shape[-1]) / 1.5
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((3,))


def test_stft_kernel_matches_the_dft_with_a_scipy_window() -> None:
    import scipy.signal

    frame, bins = 8, 5
    n = np.arange(frame)[:, None, None]
    k = np.arange(bins)[None, None, :]
    args = -2 * n * k / ((bins - 1) * 2) * np.pi
    win = scipy.signal.get_window("hann", frame, False)[:, None, None]
    want = np.cos(args) * win / np.sqrt((win**2).sum())
    np.testing.assert_allclose(I.STFT()((frame, 1, bins)).numpy(), want, atol=1e-6)
    want_imag = np.sin(args) * win / np.abs(win).sum()
    np.testing.assert_allclose(I.STFT(side="imag", scaling="spectrum")((frame, 1, bins)).numpy(), want_imag, atol=1e-6)
    with pytest.raises(ValueError, match="side should be 'real' or 'imag'"):
        I.STFT(side="both")
    with pytest.raises(ValueError, match="Scaling is invalid"):
        I.STFT(scaling="power")


def test_initializers_work_inside_tf_function() -> None:
    init = I.GlorotUniform(seed=2)

    @tf.function
    def make() -> Any:
        return init((6, 5)) + I.Orthogonal(seed=1)((6, 5))

    np.testing.assert_allclose(
        make().numpy(), (init((6, 5)) + I.Orthogonal(seed=1)((6, 5))).numpy(), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "init",
    [
        I.Zeros(),
        I.Ones(),
        I.Constant(0.5),
        I.Identity(),
        I.RandomNormal(0.1, 2.0, seed=3),
        I.RandomUniform(-1.0, 2.0, seed=3),
        I.TruncatedNormal(stddev=0.2),
        I.GlorotUniform(seed=1),
        I.GlorotNormal(),
        I.HeNormal(seed=9),
        I.HeUniform(),
        I.LecunNormal(),
        I.LecunUniform(seed=2),
        I.VarianceScaling(3.0, "fan_avg", "untruncated_normal", seed=4, input_axes=[0], output_axes=[1]),
        I.Orthogonal(gain=2.0, seed=1),
        I.STFT(side="imag", window="hamming", scaling=None, periodic=True),
    ],
    ids=lambda i: type(i).__name__,
)
def test_config_round_trips_through_serialize_and_get(init: Any) -> None:
    config = I.serialize(init)
    assert config == {
        "module": "keras.initializers",
        "class_name": type(init).__name__,
        "config": init.get_config(),
        "registered_name": None,
    }
    for again in (I.deserialize(config), I.get(config), type(init).from_config(init.get_config()), init.clone()):
        assert type(again) is type(init) and again.get_config() == init.get_config()
    if getattr(init, "_init_seed", None) is not None:
        np.testing.assert_array_equal(I.get(config)((6, 5)).numpy(), init((6, 5)).numpy())


def test_get_config_values_checked_in_keras() -> None:
    assert I.RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert I.RandomUniform().get_config() == {"seed": None, "minval": -0.05, "maxval": 0.05}
    assert I.VarianceScaling().get_config() == {
        "seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
        "input_axes": None, "output_axes": None,
    }  # fmt: skip
    assert I.Orthogonal().get_config() == {"seed": None, "gain": 1.0}
    assert I.Identity(gain=3.0).get_config() == {}  # (Keras' Identity does not keep gain in its config)
    assert I.STFT().get_config() == {"side": "real", "window": "hann", "periodic": False, "scaling": "density"}


def test_constant_of_an_array_serializes_as_numpy_and_back() -> None:
    init = I.Constant(np.array([1.0, 2.0]))
    config = I.serialize(init)
    assert config["config"] == {
        "value": {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float64"}}
    }
    np.testing.assert_array_equal(I.deserialize(config)((2, 2)).numpy(), [[1.0, 2.0], [1.0, 2.0]])


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("zeros", "Zeros"), ("Zeros", "Zeros"), ("zero", "Zeros"), ("ones", "Ones"), ("one", "Ones"),
        ("glorot_uniform", "GlorotUniform"), ("GlorotNormal", "GlorotNormal"), ("he_normal", "HeNormal"),
        ("he_uniform", "HeUniform"), ("lecun_normal", "LecunNormal"), ("lecun_uniform", "LecunUniform"),
        ("orthogonal", "Orthogonal"), ("OrthogonalInitializer", "Orthogonal"), ("identity", "Identity"),
        ("IdentityInitializer", "Identity"), ("random_normal", "RandomNormal"), ("normal", "RandomNormal"),
        ("uniform", "RandomUniform"), ("truncated_normal", "TruncatedNormal"), ("variance_scaling", "VarianceScaling"),
        ("stft", "STFT"), ("STFTInitializer", "STFT"),
    ],
)  # fmt: skip
def test_get_resolves_keras_names(name: str, cls: str) -> None:
    assert type(I.get(name)) is getattr(I, cls)


def test_public_snake_case_names_are_the_classes() -> None:
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal and I.constant is I.Constant
    assert I.IdentityInitializer is I.Identity and I.STFTInitializer is I.STFT and I.orthogonal is I.Orthogonal


def test_get_of_none_classes_instances_callables_and_tensors() -> None:
    assert I.get(None) is None
    assert type(I.get(I.HeNormal)) is I.HeNormal
    init = I.Ones()
    assert I.get(init) is init
    fn = lambda shape, dtype=None: tf.ones(shape)  # noqa: E731
    assert I.get(fn) is fn
    from_tensor = I.get(tf.constant([[1, 2], [3, 4]]))
    out = from_tensor((2, 2), "float64")
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(I.get(np.ones((2,)))((2,)).numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="Expected `shape` to be"):
        from_tensor((4,))


def test_get_errors_are_keras() -> None:
    for bad in ("nope", 3, {"class_name": "Nope", "config": {}}):
        with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
            I.get(bad)
    with pytest.raises(TypeError, match="could not be deserialized properly"):
        I.get({"class_name": "RandomNormal", "config": {"sttdev": 2.0}})
    with pytest.raises(KeyError):  # Keras 3.15 too: "constant" builds Constant from an empty config
        I.get("constant")
    with pytest.raises(NotImplementedError):
        I.Initializer()((2,))


def test_custom_initializer_serializes_with_its_module_and_resolves_through_custom_objects() -> None:
    class MyInit(I.Initializer):
        def __init__(self, value: float = 1.0) -> None:
            self.value = value

        def __call__(self, shape: Any, dtype: Any = None) -> Any:
            return tf.fill(shape, self.value)

        def get_config(self) -> dict[str, Any]:
            return {"value": self.value}

    config = I.serialize(MyInit(3.0))
    assert config == {"module": __name__, "class_name": "MyInit", "config": {"value": 3.0}, "registered_name": "MyInit"}
    again = I.deserialize(config, custom_objects={"MyInit": MyInit})
    assert isinstance(again, MyInit) and again.value == 3.0


def test_default_dtype_is_keras_floatx() -> None:
    from tapejax._src.keras import backend

    backend.set_floatx("float64")
    try:
        assert I.GlorotUniform(seed=1)((2, 2)).dtype == tf.float64
        assert I.Zeros()((2,)).dtype == tf.float64
        assert tf.keras.activations.exponential(tf.constant([1])).dtype == tf.float64
    finally:
        backend.set_floatx("float32")
    assert I.GlorotUniform(seed=1)((2, 2)).dtype == tf.float32
