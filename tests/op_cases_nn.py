"""Gradient cases of tf.nn's convolutions, pooling, normalization and losses (tests/test_op_gradients.py)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from op_case import Case

import tapejax as tf

C = Case


def _conv(
    x: Any, w: Any, strides: Any, padding: Any, dn: tuple[str, str, str], groups: int = 1, dil: Any = None
) -> Any:
    return lax.conv_general_dilated(
        x, w, strides, padding, rhs_dilation=dil, dimension_numbers=dn, feature_group_count=groups
    )


def _max_pool(x: Any, k: tuple[int, ...], s: tuple[int, ...], padding: str) -> Any:
    return lax.reduce_window(x, -jnp.inf, lax.max, k, s, padding)


def _avg_pool(x: Any, k: tuple[int, ...], s: tuple[int, ...], padding: str) -> Any:
    total = lax.reduce_window(x, 0.0, lax.add, k, s, padding)
    return total / lax.reduce_window(jnp.ones_like(x), 0.0, lax.add, k, s, padding)


def _lrn(x: Any, r: int, bias: float, alpha: float, beta: float) -> Any:
    sq = jnp.pad(x * x, ((0, 0), (0, 0), (0, 0), (r, r)))
    c = x.shape[-1]
    sqr_sum = sum(sq[..., i : i + c] for i in range(2 * r + 1))
    return x / (bias + alpha * sqr_sum) ** beta


def _d2s(x: Any, b: int) -> Any:
    n, h, w, c = x.shape
    return x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, -1)


def _conv_transpose(dy: Any, w: Any, out_shape: tuple[int, ...], strides: Any, padding: str, dn: Any) -> Any:
    # The transpose as the input gradient of the forward convolution.
    def fwd(x: Any) -> Any:
        return _conv(x, w, strides, padding, dn)

    return jax.vjp(fwd, jnp.zeros(out_shape, dy.dtype))[1](dy)[0]


_CTC_LABELS = np.array([[0, 1, 1], [2, 0, 0]], np.int32)


def _dilation2d_valid(x: Any, f: Any) -> Any:
    fh, fw, _ = f.shape
    oh, ow = x.shape[1] - fh + 1, x.shape[2] - fw + 1
    return jnp.max(jnp.stack([x[:, i : i + oh, j : j + ow, :] + f[i, j] for i in range(fh) for j in range(fw)]), 0)


NHWC = ("NHWC", "HWIO", "NHWC")
NDHWC = ("NDHWC", "DHWIO", "NDHWC")

CASES = [
    C(
        "conv2d_same_strided",
        lambda x, w: tf.nn.conv2d(x, w, strides=2, padding="SAME"),
        lambda x, w: _conv(x, w, (2, 2), "SAME", NHWC),
        ((2, 5, 4, 3), (3, 2, 3, 2)),
    ),
    C(
        "conv2d_explicit_dilated_nchw",
        lambda x, w: tf.nn.conv2d(x, w, 1, [[0, 0], [0, 0], [1, 0], [0, 2]], data_format="NCHW", dilations=[1, 2]),
        lambda x, w: _conv(x, w, (1, 1), ((1, 0), (0, 2)), ("NCHW", "HWIO", "NCHW"), dil=(1, 2)),
        ((1, 2, 4, 4), (2, 2, 2, 3)),
    ),
    C(
        "conv1d",
        lambda x, w: tf.nn.conv1d(x, w, stride=1, padding="VALID"),
        lambda x, w: _conv(x, w, (1,), "VALID", ("NWC", "WIO", "NWC")),
        ((2, 5, 2), (3, 2, 3)),
    ),
    C(
        "conv3d",
        lambda x, w: tf.nn.conv3d(x, w, strides=[1, 1, 2, 1, 1], padding="SAME"),
        lambda x, w: _conv(x, w, (1, 2, 1), "SAME", NDHWC),
        ((1, 3, 4, 3, 2), (2, 2, 2, 2, 2)),
    ),
    C(
        "depthwise_conv2d",
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        lambda x, w: _conv(x, w.reshape(3, 2, 1, 6), (1, 1), "SAME", NHWC, groups=3),
        ((1, 4, 4, 3), (3, 2, 3, 2)),
    ),
    C(
        "conv2d_transpose",
        lambda dy, w: tf.nn.conv2d_transpose(dy, w, [2, 5, 4, 3], strides=2, padding="SAME"),
        lambda dy, w: _conv_transpose(dy, w, (2, 5, 4, 3), (2, 2), "SAME", NHWC),
        ((2, 3, 2, 2), (3, 2, 3, 2)),
    ),
    C(
        "conv3d_transpose",
        lambda dy, w: tf.nn.conv3d_transpose(dy, w, [1, 3, 4, 3, 2], strides=[1, 1, 2, 1, 1], padding="VALID"),
        lambda dy, w: _conv_transpose(dy, w, (1, 3, 4, 3, 2), (1, 2, 1), "VALID", NDHWC),
        ((1, 2, 2, 2, 2), (2, 2, 2, 2, 2)),
    ),
    C(
        "max_pool2d",
        lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
        lambda x: _max_pool(x, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"),
        ((2, 5, 4, 2),),
    ),
    C(
        "max_pool3d",
        lambda x: tf.nn.max_pool3d(x, 2, 1, "VALID"),
        lambda x: _max_pool(x, (1, 2, 2, 2, 1), (1, 1, 1, 1, 1), "VALID"),
        ((1, 3, 3, 3, 2),),
        numeric_order=0,  # TF's MaxPool3D has no float64 kernel (max_pool2d's float64 check covers the rule)
    ),
    C(
        "max_pool_with_argmax",
        lambda x: tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")[0],
        lambda x: _max_pool(x, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"),
        ((1, 5, 4, 2),),
    ),
    C(
        "avg_pool2d_same",
        lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
        lambda x: _avg_pool(x, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"),
        ((2, 5, 4, 2),),
    ),
    C(
        "avg_pool3d",
        lambda x: tf.nn.avg_pool3d(x, 2, 2, "SAME"),
        lambda x: _avg_pool(x, (1, 2, 2, 2, 1), (1, 2, 2, 2, 1), "SAME"),
        ((1, 3, 3, 3, 2),),
    ),
    C(
        "silu_beta",
        lambda x, b: tf.nn.silu(x, beta=b[0]),
        lambda x, b: x * jax.nn.sigmoid(b[0] * x),
        ((3, 4), (1,)),
    ),
    C(
        "lrn",
        lambda x: tf.nn.local_response_normalization(x, depth_radius=1, bias=2.0, alpha=0.5, beta=0.75),
        lambda x: _lrn(x, 1, 2.0, 0.5, 0.75),
        ((1, 2, 2, 5),),
        numeric_order=0,  # TF's LRN has no float64 kernel; the float32 tape-vs-jax.grad check covers it
    ),
    C("depth_to_space", lambda x: tf.nn.depth_to_space(x, 2), lambda x: _d2s(x, 2), ((1, 2, 3, 8),)),
    C(
        "space_to_depth",
        lambda x: tf.nn.space_to_depth(x, 2) * tf.range(8, dtype=x.dtype),
        lambda x: x.reshape(1, 2, 2, 1, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 2, 1, 8) * jnp.arange(8),
        ((1, 4, 2, 2),),
    ),
    C(
        "ctc_loss_blank_last",
        lambda x: tf.nn.ctc_loss(_CTC_LABELS, x, [3, 1], [4, 3], blank_index=-1),
        lambda x: optax.ctc_loss(
            jnp.transpose(x, (1, 0, 2))[:, :, jnp.array([3, 0, 1, 2])],
            jnp.array([[0.0, 0, 0, 0], [0, 0, 0, 1]]),
            jnp.asarray(_CTC_LABELS + 1),
            jnp.array([[0.0, 0, 0], [0, 1, 1]]),
        ),
        ((4, 2, 4),),
        numeric_order=1,  # TF's second derivative through ctc_loss is NaN; ours (the true one) is not pinned
    ),
    C(
        "dilation2d",
        lambda x, f: tf.nn.dilation2d(x, f, [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1]),
        _dilation2d_valid,
        ((1, 4, 3, 2), (2, 2, 2)),
    ),
    C(
        "depthwise_conv2d_backprop_input",
        lambda w, dy: tf.nn.depthwise_conv2d_backprop_input([1, 5, 4, 2], w, dy, [1, 2, 2, 1], "SAME"),
        lambda w, dy: jax.vjp(
            lambda x: _conv(x, w.reshape(3, 2, 1, 4), (2, 2), "SAME", NHWC, groups=2), jnp.zeros((1, 5, 4, 2), dy.dtype)
        )[1](dy)[0],
        ((3, 2, 2, 2), (1, 3, 2, 4)),
    ),
    C(
        "depthwise_conv2d_backprop_filter",
        lambda x, dy: tf.nn.depthwise_conv2d_backprop_filter(x, [3, 2, 2, 2], dy, [1, 2, 2, 1], "SAME"),
        lambda x, dy: jax.vjp(
            lambda w: _conv(x, w.reshape(3, 2, 1, 4), (2, 2), "SAME", NHWC, groups=2), jnp.zeros((3, 2, 2, 2), dy.dtype)
        )[1](dy)[0],
        ((1, 5, 4, 2), (1, 3, 2, 4)),
    ),
]


# tf.conv and the Conv2DBackprop*V2 ops (conv_extra_ops.py): the JAX program is written with lax directly.
def _jconv(x: Any, w: Any, stride: int = 1, padding: Any = "SAME", dil: Any = (1, 1), groups: int = 1) -> Any:
    return jax.lax.conv_general_dilated(
        x, w, (stride, stride), padding, rhs_dilation=dil, dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups,
    )  # fmt: skip


def _raw_convs(x: Any, w: Any, dy: Any) -> Any:
    outs = [
        tf.conv(x, w, [1, 2, 2, 1], "SAME"),
        tf.conv(x, w, [1, 1, 1, 1], "EXPLICIT", explicit_paddings=[0, 0, 1, 0, 0, 1, 0, 0], dilations=[1, 1, 2, 1]),
        tf.conv2d_backprop_input_v2(x, w, dy, [1, 2, 2, 1], "SAME"),
        tf.conv2d_backprop_filter_v2(x, w, dy, [1, 2, 2, 1], "SAME"),
    ]
    return tf.concat([tf.reshape(o, [-1]) for o in outs], 0)


def _jraw_convs(x: Any, w: Any, dy: Any) -> Any:
    _, vjp_x = jax.vjp(lambda a: _jconv(a, w, 2), x)
    _, vjp_w = jax.vjp(lambda f: _jconv(x, f, 2), w)
    outs = [_jconv(x, w, 2), _jconv(x, w, 1, ((1, 0), (0, 1)), (1, 2)), vjp_x(dy)[0], vjp_w(dy)[0]]
    return jnp.concatenate([o.reshape(-1) for o in outs])


CASES.append(Case("raw_conv_and_backprop_v2", _raw_convs, _jraw_convs, ((1, 4, 4, 2), (2, 2, 2, 3), (1, 2, 2, 3))))


def _jisotonic(x: Any) -> Any:
    from tapejax._src.ops import isotonic_ops

    return isotonic_ops._isotonic_impl(x, decreasing=True)[0]


CASES.append(
    Case(
        "isotonic_regression", lambda x: tf.nn.isotonic_regression(x * x).output, lambda x: _jisotonic(x * x), ((3, 5),)
    )
)


def _fractional_pools(x: Any) -> Any:
    from tapejax._src.core import bind
    from tapejax._src.ops import fractional_pool_ops as fp

    rows, cols = tf.constant([0, 2, 3, 5], tf.int64), tf.constant([0, 1, 3, 4], tf.int64)
    outs = [
        bind(fp._max_pool, x, rows, cols, overlapping=True, is_max=True),
        bind(fp._avg_pool, x, rows, cols, overlapping=False, is_max=False),
    ]
    return tf.concat([tf.reshape(o, [-1]) for o in outs], 0)


def _jfractional_pools(x: Any) -> Any:
    from tapejax._src.ops import fractional_pool_ops as fp

    rows, cols = jnp.array([0, 2, 3, 5]), jnp.array([0, 1, 3, 4])
    outs = [
        fp._pool_impl(x, rows, cols, overlapping=True, is_max=True),
        fp._pool_impl(x, rows, cols, overlapping=False, is_max=False),
    ]
    return jnp.concatenate([o.reshape(-1) for o in outs])


CASES.append(Case("fractional_max_avg_pool", _fractional_pools, _jfractional_pools, ((2, 5, 4, 2),)))
