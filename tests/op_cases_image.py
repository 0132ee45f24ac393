"""Gradient cases of tf.image (tests/test_op_gradients.py)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from op_case import Case

import tapejax as tf
from tapejax._src.ops import image_color_ops, image_crop_ops, image_metrics_ops, image_ops, image_transform_ops

_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3")
_TRANSFORM = [[0.9, 0.2, 0.3, -0.1, 1.1, 0.2, 0.0, 0.0]]


def _resizes(x: Any) -> Any:
    outs = [tf.image.resize(x, [3, 7], m) for m in _METHODS]
    return tf.concat([tf.reshape(tf.cast(o, x.dtype), [-1]) for o in outs], 0)


def _jresizes(x: Any) -> Any:
    outs = [image_ops._resize_impl(x, size=(3, 7), method=m, antialias=False) for m in _METHODS]
    return jnp.concatenate([o.astype(x.dtype).reshape(-1) for o in outs])


def _filters(x: Any) -> Any:
    patches = tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME")
    converted = tf.image.convert_image_dtype(tf.image.convert_image_dtype(x, tf.float64), x.dtype)
    return tf.concat([tf.reshape(t, [-1]) for t in (tf.image.sobel_edges(x), patches, converted * x)], 0)


def _jfilters(x: Any) -> Any:
    patches = image_ops._extract_patches_impl(x, sizes=(2, 2), strides=(1, 2), rates=(1, 1), padding="SAME")
    return jnp.concatenate([t.reshape(-1) for t in (image_metrics_ops._sobel_impl(x), patches, x * x)])


def _float32_kernels(x: Any) -> Any:
    rgb = x[0, :, :3, :]
    adjusted = [tf.image.adjust_hue(rgb, 0.2), tf.image.adjust_saturation(rgb, 0.5)]
    return tf.concat([_resizes(x), *[tf.reshape(o, [-1]) for o in adjusted]], 0)


def _jfloat32_kernels(x: Any) -> Any:
    c = image_color_ops
    rgb = x[0, :, :3, :]
    adjusted = [c._adjust_hue_impl(rgb, 0.2), c._adjust_saturation_impl(rgb, 0.5)]
    return jnp.concatenate([_jresizes(x), *[o.reshape(-1) for o in adjusted]])


def _exact_kernels(x: Any) -> Any:
    rgb = tf.reshape(x[0, :, :3, :], [-1, 3])
    colors = [tf.image.rgb_to_hsv(rgb), tf.image.hsv_to_rgb(rgb / 2.0)]
    return tf.concat([_filters(x), *[tf.reshape(o, [-1]) for o in colors]], 0)


def _jexact_kernels(x: Any) -> Any:
    c = image_color_ops
    rgb = x[0, :, :3, :].reshape(-1, 3)
    colors = [c._rgb_to_hsv(rgb), c._hsv_to_rgb(rgb / 2.0)]
    return jnp.concatenate([_jfilters(x), *[o.reshape(-1) for o in colors]])


# Inputs in 0.5..2: away from colour ties (where TF picks one channel's branch).
CASES = [
    # Resizing, hue and saturation compute in float32 whatever the input (TF's kernels): no float64
    # numerical check; their derivatives are checked against jax.grad.
    Case("image_float32_kernels", _float32_kernels, _jfloat32_kernels, ((1, 4, 3, 3),), "pos", numeric_order=0),
    Case("image_exact_kernels", _exact_kernels, _jexact_kernels, ((1, 4, 3, 3),), "pos"),
    # SSIM computes in float32 (TF's convert_image_dtype to float32 first): no float64 numerical check.
    Case(
        "image_ssim_and_multiscale",
        lambda x, y: tf.concat(
            [
                tf.image.ssim(x, y, 2.0, filter_size=3),
                tf.image.ssim_multiscale(x, y, 2.0, power_factors=(0.4, 0.6), filter_size=3),
            ],
            0,
        ),
        lambda x, y: jnp.concatenate(
            [
                image_metrics_ops._ssim_impl(x, y, 2.0, size=3, sigma=1.5, k1=0.01, k2=0.03, index_map=False),
                image_metrics_ops._ms_ssim_impl(
                    x, y, 2.0, power_factors=(0.4, 0.6), size=3, sigma=1.5, k1=0.01, k2=0.03
                ),
            ]
        ),
        ((1, 6, 7, 2), (1, 6, 7, 2)),
        "pos",
        numeric_order=0,
    ),
    # Boxes kept inside the image (0.5..2 scaled by 0.4): no sample on a pixel edge or the border.
    Case(
        "image_crop_and_resize",
        lambda img, b: tf.concat(
            [
                tf.reshape(tf.image.crop_and_resize(img, b * 0.4, [0, 1], [3, 2], method=m), [-1])
                for m in ("nearest",)  # (its boxes' gradient is the bilinear one, as TF's)
            ],
            0,
        ),
        lambda img, b: jnp.concatenate(
            [
                image_crop_ops._crop_and_resize_impl(
                    img, b * 0.4, jnp.array([0, 1]), jnp.float32(0), crop=(3, 2), method=m
                ).reshape(-1)
                for m in ("nearest",)
            ]
        ),
        ((2, 4, 5, 2), (2, 4)),
        "pos",
        numeric_order=0,  # computed in float32 (TF's kernel); checked against jax.grad and TF's
    ),
    # A crop of the full size has one possible offset: a deterministic check of the crop's gradient.
    Case("image_random_crop", lambda x: tf.image.random_crop(x, [2, 3]) * x, lambda x: x * x, ((2, 3),)),
    # TF's gradient of ImageProjectiveTransformV3 is the inverse warp, not the true derivative: no numerical check.
    Case(
        "image_projective_transform",
        lambda x: image_transform_ops.image_projective_transform_v3(x, _TRANSFORM, fill_mode="REFLECT") * x,
        lambda x: (
            image_transform_ops._impl(
                x, jnp.asarray(_TRANSFORM), fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT", out_hw=(4, 3)
            )
            * x
        ),
        ((1, 4, 3, 2),),
        "pos",
        numeric_order=0,
    ),
]


def _volume_patches(x: Any) -> Any:
    return tf.extract_volume_patches(x, [1, 2, 2, 1, 1], [1, 1, 2, 1, 1], "SAME")


def _jvolume_patches(x: Any) -> Any:
    from tapejax._src.ops import conv_extra_ops

    return conv_extra_ops._volume_patches_impl(x, sizes=(2, 2, 1), strides=(1, 2, 1), padding="SAME")


CASES.append(Case("extract_volume_patches", _volume_patches, _jvolume_patches, ((1, 2, 3, 2, 2),)))
