"""tf.nn's convolutions, pooling and normalization against TensorFlow itself (skipped without TF).

Run with the TF environment: /tmp/tfenv/bin/python -m pytest -q tests/test_tf_parity_nn.py
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")

import tapejax as tf  # noqa: E402

RNG = np.random.default_rng(0)


def _r(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    return RNG.normal(size=shape).astype(dtype)


def _check(ours: Callable[..., Any], theirs: Callable[..., Any], *xs: np.ndarray, grad: bool = True) -> None:
    """Same values, dtype and shape; and the same gradient for a fixed cotangent when ``grad``."""
    want, got = theirs(*xs), ours(*xs)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype.name == want.dtype.name
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)
    if not grad:
        return
    ct = np.cos(np.arange(int(np.prod(want.shape)))).reshape(want.shape).astype(want.dtype.as_numpy_dtype)
    ts = [tf_real.constant(x) for x in xs]
    with tf_real.GradientTape() as tape:
        tape.watch(ts)
        y = theirs(*ts)
    want_g = tape.gradient(y, ts, output_gradients=tf_real.constant(ct))
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = ours(*ts)
    got_g = tape.gradient(y, ts, output_gradients=tf.constant(ct))
    for g, w in zip(got_g, want_g, strict=True):
        np.testing.assert_allclose(
            tf.convert_to_tensor(g).numpy(), tf_real.convert_to_tensor(w).numpy(), rtol=1e-4, atol=1e-4
        )


def _both(name: str, *args: Any, **kwargs: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def ours(*xs: Any) -> Any:
        return getattr(tf.nn, name)(*xs, *args, **kwargs)

    def theirs(*xs: Any) -> Any:
        return getattr(tf_real.nn, name)(*xs, *args, **kwargs)

    return ours, theirs


@pytest.mark.parametrize(
    ("strides", "padding", "dilations"),
    [
        (1, "SAME", 1),
        (2, "SAME", 1),
        ([2, 3], "VALID", 1),
        (1, "VALID", [2, 1]),
        (2, [[0, 0], [1, 2], [0, 1], [0, 0]], 1),
    ],
)
def test_conv2d_matches_tf(strides: Any, padding: Any, dilations: Any) -> None:
    _check(*_both("conv2d", strides, padding, dilations=dilations), _r(2, 7, 6, 4), _r(3, 2, 4, 5))


def test_conv2d_grouped_and_int32_match_tf() -> None:
    _check(*_both("conv2d", 1, "SAME"), _r(1, 5, 5, 4), _r(3, 3, 2, 6))
    xi = RNG.integers(-5, 5, (1, 5, 5, 2)).astype(np.int32)
    wi = RNG.integers(-3, 3, (2, 2, 2, 3)).astype(np.int32)
    _check(*_both("conv2d", 1, "SAME"), xi, wi, grad=False)


def test_conv1d_conv3d_convolution_match_tf() -> None:
    _check(*_both("conv1d", 2, "SAME"), _r(2, 9, 3), _r(3, 3, 4))
    _check(*_both("conv1d", 1, "VALID", dilations=2), _r(2, 9, 3), _r(3, 3, 4))
    _check(*_both("conv3d", [1, 2, 1, 2, 1], "SAME"), _r(1, 5, 4, 6, 2), _r(2, 3, 2, 2, 3))
    # (data_format given: TF 2.21's Conv3D gradient fails on the None that convolution passes)
    _check(*_both("convolution", padding="SAME", data_format="NDHWC"), _r(1, 5, 4, 6, 2), _r(2, 3, 2, 2, 3))


@pytest.mark.parametrize(
    ("out_shape", "padding"),
    [
        ([2, 7, 6, 4], "SAME"),
        ([2, 8, 6, 4], "SAME"),
        ([2, 10, 7, 4], "VALID"),
        ([2, 7, 5, 4], [[0, 0], [2, 1], [0, 1], [0, 0]]),
    ],
)
def test_conv2d_transpose_matches_tf(out_shape: list[int], padding: Any) -> None:
    _check(*_both("conv2d_transpose", out_shape, 2, padding), _r(2, 4, 3, 5), _r(3, 2, 4, 5))


def test_other_transposes_match_tf() -> None:
    _check(*_both("conv1d_transpose", [2, 9, 3], 2, "SAME"), _r(2, 5, 4), _r(3, 3, 4))
    _check(*_both("conv3d_transpose", [1, 5, 4, 6, 2], [1, 2, 1, 2, 1], "SAME"), _r(1, 3, 4, 3, 3), _r(2, 3, 2, 2, 3))
    _check(*_both("atrous_conv2d_transpose", [2, 7, 6, 4], 2, "SAME"), _r(2, 7, 6, 5), _r(3, 2, 4, 5))
    _check(*_both("atrous_conv2d_transpose", [2, 7, 6, 4], 2, "VALID"), _r(2, 3, 4, 5), _r(3, 2, 4, 5))


def test_depthwise_separable_atrous_match_tf() -> None:
    x, wd = _r(2, 7, 6, 4), _r(3, 3, 4, 2)
    _check(*_both("depthwise_conv2d", [1, 1, 1, 1], "SAME"), x, wd)
    _check(*_both("depthwise_conv2d", [1, 2, 2, 1], "VALID"), x, wd)
    _check(*_both("depthwise_conv2d", [1, 1, 1, 1], "SAME", dilations=[2, 2]), x, wd)
    _check(*_both("separable_conv2d", [1, 1, 1, 1], "SAME"), x, wd, _r(1, 1, 8, 3))
    _check(*_both("atrous_conv2d", 2, "SAME"), x, _r(3, 2, 4, 5))


@pytest.mark.parametrize(
    ("ksize", "strides", "padding"), [(2, 2, "SAME"), (3, 2, "SAME"), (3, 1, "VALID"), ([2, 3], [1, 2], "SAME")]
)
def test_pooling_matches_tf_including_ties(ksize: Any, strides: Any, padding: str) -> None:
    ties = np.round(_r(2, 6, 5, 3))  # many equal values: the max-pool gradient's tie rule is compared
    _check(*_both("max_pool2d", ksize, strides, padding), ties)
    _check(*_both("avg_pool2d", ksize, strides, padding), _r(2, 6, 5, 3))
    ours, theirs = _both("max_pool_with_argmax", ksize, strides, padding)
    _check(lambda x: ours(x)[0], lambda x: theirs(x)[0], ties)
    _check(lambda x: ours(x)[1], lambda x: theirs(x)[1], ties, grad=False)


def test_pooling_1d_3d_generic_match_tf() -> None:
    _check(*_both("max_pool1d", 3, 2, "SAME"), np.round(_r(2, 9, 3)))
    _check(*_both("avg_pool1d", 3, 2, "SAME"), _r(2, 9, 3))
    _check(*_both("max_pool3d", 2, 2, "SAME"), np.round(_r(1, 5, 4, 6, 2)))
    _check(*_both("avg_pool3d", [2, 3, 2], [1, 2, 2], "SAME"), _r(1, 5, 4, 6, 2))
    _check(*_both("max_pool2d", 2, 2, [[0, 0], [1, 0], [1, 1], [0, 0]]), _r(2, 5, 4, 3))
    _check(*_both("pool", [2, 2], "AVG", padding="VALID", dilations=[2, 2]), _r(2, 7, 6, 3))
    _check(*_both("pool", [2, 3], "MAX", strides=[2, 2], padding="SAME"), _r(2, 7, 6, 3))


def test_normalization_and_activations_match_tf() -> None:
    _check(*_both("local_response_normalization", depth_radius=2, bias=1.5, alpha=0.3, beta=0.6), _r(1, 2, 3, 7))
    _check(*_both("silu", beta=1.7), _r(3, 4))
    _check(*_both("crelu", axis=0), _r(3, 4))
    _check(*_both("depth_to_space", 2), _r(1, 2, 3, 8))
    _check(*_both("space_to_depth", 2), _r(1, 4, 6, 3))
    scale = np.abs(_r(4)) + 0.5
    _check(lambda x, m, o: tf.nn.batch_normalization(x, m, scale, o, scale, 1e-3),
           lambda x, m, o: tf_real.nn.batch_normalization(x, m, scale, o, scale, 1e-3), _r(3, 4), _r(4), _r(4))  # fmt: skip
    w = np.abs(_r(3, 1)) + 0.5
    _check(lambda x: tf.add_n(tf.nn.weighted_moments(x, [0], w)),
           lambda x: tf_real.add_n(tf_real.nn.weighted_moments(x, [0], w)), _r(3, 4))  # fmt: skip


def test_losses_match_tf() -> None:
    z = RNG.uniform(0, 1, (3, 4)).astype(np.float32)
    _check(*_both("weighted_cross_entropy_with_logits", pos_weight=2.5), z, _r(3, 4))
    t = RNG.uniform(0, 3, (3, 4)).astype(np.float32)
    _check(lambda li: tf.nn.log_poisson_loss(t, li, compute_full_loss=True),
           lambda li: tf_real.nn.log_poisson_loss(t, li, compute_full_loss=True), _r(3, 4))  # fmt: skip
    sw = RNG.uniform(0, 1, (5,)).astype(np.float32)
    _check(lambda x: tf.nn.compute_average_loss(x, sample_weight=sw),
           lambda x: tf_real.nn.compute_average_loss(x, sample_weight=sw), _r(5))  # fmt: skip
    _check(*_both("embedding_lookup", [[2, 0], [2, 1]], max_norm=1.0), _r(3, 4))


@pytest.mark.parametrize("blank_index", [None, 2, -1])
def test_ctc_loss_matches_tf(blank_index: int | None) -> None:
    labels = np.array([[1, 3, 3], [3, 4, 0], [4, 0, 0]], np.int32)

    def ours(x: Any) -> Any:
        return tf.nn.ctc_loss(labels, x, [3, 2, 1], [6, 5, 3], blank_index=blank_index)

    def theirs(x: Any) -> Any:
        return tf_real.nn.ctc_loss(labels, x, [3, 2, 1], [6, 5, 3], blank_index=blank_index)

    _check(ours, theirs, _r(6, 3, 5))


@pytest.mark.parametrize(
    ("strides", "padding", "rates"), [([1, 1, 1, 1], "SAME", [1, 1, 1, 1]), ([1, 2, 1, 1], "VALID", [1, 1, 2, 1])]
)
def test_morphology_matches_tf_including_ties(strides: list[int], padding: str, rates: list[int]) -> None:
    x, f = np.round(_r(2, 6, 5, 3)), np.round(_r(2, 3, 3))  # integer-valued: ties
    _check(*_both("dilation2d", strides, padding, "NHWC", rates), x, f)
    _check(*_both("erosion2d", strides, padding, "NHWC", rates), x, f)


def test_depthwise_backprops_match_tf() -> None:
    _check(lambda w, dy: tf.nn.depthwise_conv2d_backprop_input([2, 7, 6, 3], w, dy, [1, 2, 2, 1], "VALID"),
           lambda w, dy: tf_real.nn.depthwise_conv2d_backprop_input([2, 7, 6, 3], w, dy, [1, 2, 2, 1], "VALID"),
           _r(3, 2, 3, 2), _r(2, 3, 3, 6))  # fmt: skip
    _check(lambda x, dy: tf.nn.depthwise_conv2d_backprop_filter(x, [3, 2, 3, 2], dy, [1, 1, 1, 1], "SAME"),
           lambda x, dy: tf_real.nn.depthwise_conv2d_backprop_filter(x, [3, 2, 3, 2], dy, [1, 1, 1, 1], "SAME"),
           _r(2, 5, 4, 3), _r(2, 5, 4, 6))  # fmt: skip


def test_collapse_repeated_and_ctc_unique_labels_match_tf() -> None:
    labels = RNG.integers(0, 3, (4, 7)).astype(np.int64)
    lengths = np.array([7, 0, 3, 5], np.int64)
    for got, want in zip(
        tf.nn.collapse_repeated(labels, lengths), tf_real.nn.collapse_repeated(labels, lengths), strict=True
    ):
        assert got.dtype.name == want.dtype.name
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for got, want in zip(tf.nn.ctc_unique_labels(labels), tf_real.nn.ctc_unique_labels(labels), strict=True):
        assert got.dtype.name == want.dtype.name
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_compute_accidental_hits_matches_tf() -> None:
    true_classes = RNG.integers(0, 6, (5, 3)).astype(np.int64)
    sampled = RNG.integers(0, 6, (7,)).astype(np.int64)
    got, want = (
        tf.nn.compute_accidental_hits(true_classes, sampled, 3),
        tf_real.nn.compute_accidental_hits(true_classes, sampled, 3),
    )
    for g, w in zip(got, want, strict=True):
        assert g.dtype.name == w.dtype.name
        np.testing.assert_array_equal(g.numpy(), w.numpy())
