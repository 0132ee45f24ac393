"""Image geometry and resizing (``tf.image``): flips, rotations, crops, pads, ``resize``, patches.

Images are ``[height, width, channels]`` or batches ``[batch, height, width, channels]``. Flips,
rotations, crops and pads are written with the recorded array ops (reverse, transpose, slice, pad),
as TF writes them, so their gradients are those ops'. ``resize`` is one op on ``jax.image``, whose
kernels are ports of TF's (half-pixel centres, Keys cubic with a = -0.5 renormalised at the borders,
TF's ``ScaleAndTranslate`` for the antialiased and Lanczos kernels).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import float_to_int, math_ops, reduction_ops, shape_ops, utils
from tapejax._src.tensor import Tensor

Ints = tuple[int, ...]


def _image(image: Any, op_name: str, ranks: tuple[int, ...] = (3, 4)) -> tuple[Any, Ints]:
    """The image as a tensor and its shape; ValueError (TF's) unless its rank is in ``ranks``."""
    t = utils.as_tensor(image, None, op_name)
    shape = utils.shape_of(t)
    if len(shape) not in ranks:
        if ranks == (3, 4):
            raise ValueError(f"{op_name}: 'image' (shape {shape}) must have either 3 or 4 dimensions.")
        raise ValueError(f"{op_name}: 'image' (shape {shape}) must be {' or '.join(map(str, ranks))}-dimensional.")
    return t, shape


def _at_least_3d(image: Any, op_name: str) -> tuple[Any, Ints]:
    t = utils.as_tensor(image, None, op_name)
    shape = utils.shape_of(t)
    if len(shape) < 3:
        raise ValueError(f"{op_name}: 'image' (shape {shape}) must be at least three-dimensional.")
    return t, shape


# -- flips, rotations, transposes --------------------------------------------------------------
def flip_left_right(image: Any) -> Tensor:
    """Reverses the width axis of an image or a batch (``tf.image.flip_left_right``).

    >>> import tapejax as tf
    >>> print(tf.image.flip_left_right(tf.reshape(tf.range(4), [1, 4, 1]))[0, :, 0])
    tf.Tensor([3 2 1 0], shape=(4,), dtype=int32)
    """
    t, shape = _image(image, "flip_left_right")
    return shape_ops.reverse(t, [len(shape) - 2])


def flip_up_down(image: Any) -> Tensor:
    """Reverses the height axis of an image or a batch (``tf.image.flip_up_down``)."""
    t, shape = _image(image, "flip_up_down")
    return shape_ops.reverse(t, [len(shape) - 3])


def transpose(image: Any, name: str | None = None) -> Tensor:
    """Swaps height and width (``tf.image.transpose``)."""
    t, shape = _image(image, "transpose")
    perm = [1, 0, 2] if len(shape) == 3 else [0, 2, 1, 3]
    return shape_ops.transpose(t, perm)


def rot90(image: Any, k: Any = 1, name: str | None = None) -> Tensor:
    """Rotates an image or a batch by ``k`` quarter turns counter-clockwise (``tf.image.rot90``).

    >>> import tapejax as tf
    >>> print(tf.image.rot90(tf.reshape(tf.range(4), [2, 2, 1]))[..., 0])
    tf.Tensor(
    [[1 3]
     [0 2]], shape=(2, 2), dtype=int32)
    """
    t, shape = _image(image, "rot90")
    k = utils.static_int(k, "k") % 4
    h, w = len(shape) - 3, len(shape) - 2
    perm = list(range(len(shape)))
    perm[h], perm[w] = w, h
    if k == 0:
        return t
    if k == 1:
        return shape_ops.transpose(shape_ops.reverse(t, [w]), perm)
    if k == 2:
        return shape_ops.reverse(t, [h, w])
    return shape_ops.reverse(shape_ops.transpose(t, perm), [w])


# -- crops and pads ------------------------------------------------------------------------------
def _hw(shape: Ints) -> tuple[int, int]:
    return shape[-3], shape[-2]


def crop_to_bounding_box(
    image: Any, offset_height: Any, offset_width: Any, target_height: Any, target_width: Any
) -> Tensor:
    """The ``target_height x target_width`` window at ``(offset_height, offset_width)``
    (``tf.image.crop_to_bounding_box``).

    Raises:
      ValueError: if the window does not lie inside the image or a size is not positive.
    """
    t, shape = _image(image, "crop_to_bounding_box")
    oh, ow = utils.static_int(offset_height, "offset_height"), utils.static_int(offset_width, "offset_width")
    th, tw = utils.static_int(target_height, "target_height"), utils.static_int(target_width, "target_width")
    h, w = _hw(shape)
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    if oh + th > h or ow + tw > w:
        raise ValueError(
            f"crop_to_bounding_box: the window {th}x{tw} at ({oh}, {ow}) does not fit the {h}x{w} image "
            "(height must be >= target + offset, width must be >= target + offset)."
        )
    begin = [0] * len(shape)
    size = list(shape)
    begin[-3], begin[-2], size[-3], size[-2] = oh, ow, th, tw
    return shape_ops.slice(t, begin, size)


def pad_to_bounding_box(
    image: Any, offset_height: Any, offset_width: Any, target_height: Any, target_width: Any
) -> Tensor:
    """Zero-pads an image to ``target_height x target_width``, placing it at the offsets
    (``tf.image.pad_to_bounding_box``).

    Raises:
      ValueError: if the image does not fit at the offsets.
    """
    t, shape = _image(image, "pad_to_bounding_box")
    oh, ow = utils.static_int(offset_height, "offset_height"), utils.static_int(offset_width, "offset_width")
    th, tw = utils.static_int(target_height, "target_height"), utils.static_int(target_width, "target_width")
    h, w = _hw(shape)
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if th - oh - h < 0 or tw - ow - w < 0:
        raise ValueError(
            f"pad_to_bounding_box: the {h}x{w} image at ({oh}, {ow}) does not fit {th}x{tw} "
            "(target must be >= image + offset)."
        )
    paddings = [[0, 0] for _ in shape]
    paddings[-3], paddings[-2] = [oh, th - oh - h], [ow, tw - ow - w]
    return shape_ops.pad(t, paddings)


def resize_with_crop_or_pad(image: Any, target_height: Any, target_width: Any) -> Tensor:
    """Centrally crops and/or zero-pads an image to ``target_height x target_width``
    (``tf.image.resize_with_crop_or_pad``).

    >>> import tapejax as tf
    >>> tf.image.resize_with_crop_or_pad(tf.ones([4, 6, 3]), 6, 2).shape
    TensorShape([6, 2, 3])
    """
    t, shape = _image(image, "resize_with_crop_or_pad")
    th, tw = utils.static_int(target_height, "target_height"), utils.static_int(target_width, "target_width")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    h, w = _hw(shape)
    # TF's offsets: crop (or pad) half the difference, rounding down at the top/left.
    crop_h, crop_w = max((h - th) // 2, 0), max((w - tw) // 2, 0)
    pad_h, pad_w = max((th - h) // 2, 0), max((tw - w) // 2, 0)
    cropped = crop_to_bounding_box(t, crop_h, crop_w, min(th, h), min(tw, w))
    return pad_to_bounding_box(cropped, pad_h, pad_w, th, tw)


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """The central ``central_fraction`` of an image's height and width (``tf.image.central_crop``).

    Raises:
      ValueError: unless ``0 < central_fraction <= 1``.
    """
    t, shape = _image(image, "central_crop")
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if central_fraction == 1.0:
        return t
    h, w = _hw(shape)
    # TF: start = int((size - size * fraction) / 2) computed in float64.
    oh = int((h - h * float(central_fraction)) / 2)
    ow = int((w - w * float(central_fraction)) / 2)
    return crop_to_bounding_box(t, oh, ow, h - 2 * oh, w - 2 * ow)


# -- resize -------------------------------------------------------------------------------------
class ResizeMethod:
    """The ``method`` names of :func:`resize` (``tf.image.ResizeMethod``): plain strings, as TF's."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


# TF's method -> jax.image's method.
_JAX_METHODS = {
    "bilinear": "linear",
    "nearest": "nearest",
    "bicubic": "cubic",
    "area": "area",
    "lanczos3": "lanczos3",
    "lanczos5": "lanczos5",
}
# Methods whose TF kernel antialiases only when asked (the others are ScaleAndTranslate with TF's flag).
_OP_NAMES = {
    "bilinear": "ResizeBilinear",
    "nearest": "ResizeNearestNeighbor",
    "bicubic": "ResizeBicubic",
    "area": "ResizeArea",
    "lanczos3": "ScaleAndTranslate",
    "lanczos5": "ScaleAndTranslate",
}


def _resize_impl(x: Any, *, size: tuple[int, int], method: str, antialias: bool) -> Any:
    if method != "nearest":
        x = x.astype(jnp.float32)  # TF's resize kernels compute and return float32
    shape = (x.shape[0], size[0], size[1], x.shape[3])
    if method == "area":
        return _resize_area(x, shape)
    if method == "nearest":
        return jax.image.resize(x, shape, "nearest")
    if method == "bicubic" and not antialias:
        # TF's ResizeBicubic reads its Keys weights from a 1024-entry table (quantised positions),
        # which moves values by up to ~1e-3 from jax.image's exact cubic: use TF's weights.
        wh, ww = _bicubic_weights(x.shape[1], size[0]), _bicubic_weights(x.shape[2], size[1])
        hi = jax.lax.Precision.HIGHEST
        return jnp.einsum("ph,qw,bhwc->bpqc", wh, ww, x, precision=hi)
    return jax.image.resize(x, shape, _JAX_METHODS[method], antialias=antialias)


_TABLE_SIZE = 1024


def _bicubic_table() -> np.ndarray:
    a = np.float32(-0.5)  # Keys' cubic, as TF's half-pixel ResizeBicubic
    x = (np.arange(_TABLE_SIZE + 1) * (1.0 / _TABLE_SIZE)).astype(np.float32)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + np.float32(1.0)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return np.stack([near, far], axis=1).astype(np.float32)


def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """TF's ResizeBicubic weights ``[out, in]`` (resize_bicubic_op.cc, half-pixel, Keys cubic):
    table-quantised, taps outside the image dropped and the rest renormalised."""
    table = _bicubic_table()
    scale = np.float32(in_size) / np.float32(out_size)
    w = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        loc = (np.float32(o) + np.float32(0.5)) * scale - np.float32(0.5)
        base = int(np.floor(loc))
        offset = int(np.rint((loc - np.float32(base)) * np.float32(_TABLE_SIZE)))
        taps = [table[offset, 1], table[offset, 0], table[_TABLE_SIZE - offset, 0], table[_TABLE_SIZE - offset, 1]]
        weights = [t if 0 <= base - 1 + k < in_size else np.float32(0) for k, t in enumerate(taps)]
        total = np.float32(sum(weights))
        if abs(total) >= 1000 * np.finfo(np.float32).tiny:
            weights = [wk * (np.float32(1) / total) for wk in weights]
        for k, wk in enumerate(weights):
            if wk:
                w[o, base - 1 + k] += wk
    return w


def _resize_area(x: Any, shape: Ints) -> Any:
    # TF's ResizeArea averages the input area each output pixel covers (scale = in / out, no
    # half-pixel offset), which is jax.image's "area" method when it upsamples as well.
    return jax.image.resize(x, shape, "area")


_resize = Op("ResizeBilinear", _resize_impl)
_resize_nearest = Op("ResizeNearestNeighbor", _resize_impl)
_resize_bicubic = Op("ResizeBicubic", _resize_impl)
_resize_area_op = Op("ResizeArea", _resize_impl)
_scale_and_translate = Op("ScaleAndTranslate", _resize_impl)
_RESIZE_OPS = {
    "bilinear": _resize,
    "nearest": _resize_nearest,
    "bicubic": _resize_bicubic,
    "area": _resize_area_op,
    "lanczos3": _scale_and_translate,
    "lanczos5": _scale_and_translate,
}


def _method_name(method: Any) -> str:
    m = method
    if m in ("gaussian", "mitchellcubic"):
        raise NotImplementedError(
            f"tf.image.resize: method {m!r} is not implemented in tapejax (jax.image has no {m} kernel). "
            "Use 'bilinear', 'nearest', 'bicubic', 'area', 'lanczos3' or 'lanczos5'."
        )
    if m not in _JAX_METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    return str(m)


def _size_arg(size: Any) -> tuple[int, int]:
    try:
        dims = utils.static_ints(size, "size")
    except TypeError as e:
        raise ValueError("'size' must be a 1-D int32 Tensor") from e
    if len(dims) != 2:
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    return dims[0], dims[1]


def resize(
    images: Any,
    size: Any,
    method: Any = ResizeMethod.BILINEAR,
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: str | None = None,
) -> Tensor:
    """Resizes an image ``[h, w, c]`` or a batch ``[b, h, w, c]`` to ``size`` (``tf.image.resize``).

    As TF 2: half-pixel centres; the output is float32 for every method except ``"nearest"``,
    which keeps the input's dtype. ``antialias`` widens the kernel when downsampling
    (bilinear, bicubic, lanczos3/5). ``preserve_aspect_ratio`` scales both sides by the smaller
    factor (rounded as TF).

    Raises:
      ValueError: for a rank other than 3 or 4, a bad ``size`` or an unknown method.
      NotImplementedError: for ``"gaussian"`` and ``"mitchellcubic"``.

    Differences from TensorFlow: ``"gaussian"`` and ``"mitchellcubic"`` are not implemented
    (jax.image has no such kernel).

    >>> import tapejax as tf
    >>> print(tf.image.resize(tf.constant([[[0.0], [4.0]]]), [1, 4])[0, :, 0])
    tf.Tensor([0. 1. 3. 4.], shape=(4,), dtype=float32)
    """
    t, shape = _image(images, "resize")
    m = _method_name(method)
    new_h, new_w = _size_arg(size)
    h, w = _hw(shape)
    if preserve_aspect_ratio:
        scale = min(np.float32(new_h) / np.float32(h), np.float32(new_w) / np.float32(w))
        new_h = int(np.round(np.float32(scale) * np.float32(h)))
        new_w = int(np.round(np.float32(scale) * np.float32(w)))
    if new_h <= 0 or new_w <= 0:
        raise utils.invalid_argument(f"resize: output dimensions must be positive, got {[new_h, new_w]}.")
    if t._v.dtype.kind not in "fiu" and not (t._v.dtype.kind == "V" and t._v.dtype == jnp.bfloat16):
        raise utils.invalid_argument(f"resize: expected a real image, got {utils.describe([t])}.")
    batched = t if len(shape) == 4 else shape_ops.expand_dims(t, 0)
    out = bind(_RESIZE_OPS[m], batched, size=(new_h, new_w), method=m, antialias=bool(antialias))
    return out if len(shape) == 4 else shape_ops.squeeze(out, [0])


def resize_with_pad(
    image: Any, target_height: Any, target_width: Any, method: Any = ResizeMethod.BILINEAR, antialias: bool = False
) -> Tensor:
    """Resizes keeping the aspect ratio, then zero-pads to ``target_height x target_width``
    (``tf.image.resize_with_pad``); float32 output except for ``"nearest"``."""
    t, shape = _image(image, "resize_with_pad")
    th, tw = utils.static_int(target_height, "target_height"), utils.static_int(target_width, "target_width")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    h, w = _hw(shape)
    # TF's arithmetic, in float32: the larger ratio decides, sizes floored, padding halved.
    ratio = max(np.float32(w) / np.float32(tw), np.float32(h) / np.float32(th))
    rh_float, rw_float = np.float32(h) / ratio, np.float32(w) / ratio
    rh, rw = int(np.floor(rh_float)), int(np.floor(rw_float))
    pad_h = max(0, int(np.floor((np.float32(th) - rh_float) / np.float32(2))))
    pad_w = max(0, int(np.floor((np.float32(tw) - rw_float) / np.float32(2))))
    resized = resize(t, [rh, rw], method=method, antialias=antialias)
    return pad_to_bounding_box(resized, pad_h, pad_w, th, tw)


# -- patches ------------------------------------------------------------------------------------
def _extract_patches_impl(x: Any, *, sizes: Ints, strides: Ints, rates: Ints, padding: str) -> Any:
    c = x.shape[-1]
    # conv_general_dilated_patches orders a patch's features channel-major (c, kh, kw); TF's
    # ExtractImagePatches orders them (kh, kw, c).
    patches = jax.lax.conv_general_dilated_patches(
        x,
        filter_shape=sizes,
        window_strides=strides,
        padding=padding,
        rhs_dilation=rates,
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    b, oh, ow, _ = patches.shape
    patches = patches.reshape(b, oh, ow, c, sizes[0] * sizes[1])
    return jnp.swapaxes(patches, -1, -2).reshape(b, oh, ow, sizes[0] * sizes[1] * c)


_extract_patches = Op("ExtractImagePatches", _extract_patches_impl)


def _four(value: Any, what: str) -> tuple[int, int]:
    v = utils.static_ints(value, what)
    if len(v) != 4 or v[0] != 1 or v[3] != 1:
        raise utils.invalid_argument(f"ExtractImagePatches: {what} must be [1, rows, cols, 1], got {list(v)}.")
    return v[1], v[2]


def extract_patches(images: Any, sizes: Any, strides: Any, rates: Any, padding: str, name: str | None = None) -> Tensor:
    """Patches of ``sizes`` from a batch ``[b, h, w, c]``, flattened into the depth
    (``tf.image.extract_patches``): ``[b, out_rows, out_cols, ksize_rows * ksize_cols * c]``.

    Args:
      sizes, strides, rates: ``[1, rows, cols, 1]`` each.
      padding: ``"VALID"`` or ``"SAME"``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> print(tf.image.extract_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")[0, 0])
    tf.Tensor(
    [[0. 1. 4. 5.]
     [2. 3. 6. 7.]], shape=(2, 4), dtype=float32)
    """
    t = utils.as_tensor(images, None, "ExtractImagePatches")
    if len(utils.shape_of(t)) != 4:
        raise utils.invalid_argument(
            f"ExtractImagePatches: input must be 4-dimensional, got shape {list(utils.shape_of(t))}."
        )
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'VALID' or 'SAME', got {padding!r}.")
    utils.require_kind("ExtractImagePatches", t, "fiu")
    return bind(
        _extract_patches,
        t,
        sizes=_four(sizes, "ksizes"),
        strides=_four(strides, "strides"),
        rates=_four(rates, "rates"),
        padding=p,
    )


# -- dtype conversion and pixel arithmetic ------------------------------------------------------
def _max_of(dtype: np.dtype) -> int:
    return int(np.iinfo(dtype).max)


def _saturate(x: Any, dtype: np.dtype) -> Any:
    """TF's saturate_cast (tf.dtypes.saturate_cast's limits): clamp to the narrower of the two ranges,
    nudged toward 0 where a limit is not representable in ``x``'s dtype, then cast."""
    lo, hi = math_ops._saturation_limits(dtypes_lib.from_numpy(x.dtype), dtypes_lib.from_numpy(np.dtype(dtype)))
    return float_to_int.astype(jnp.clip(x, lo, hi), dtype=dtype)  # (NaN as TF's cast)


def _convert_impl(x: Any, *, dtype: np.dtype, saturate: bool) -> Any:
    src = x.dtype
    if src.kind in "iu" and dtype.kind in "iu":
        scale_in, scale_out = _max_of(src), _max_of(dtype)
        if scale_in > scale_out:
            scaled = jnp.floor_divide(x, np.array((scale_in + 1) // (scale_out + 1), src))
            return _saturate(scaled, dtype) if saturate else scaled.astype(dtype)
        cast = _saturate(x, dtype) if saturate else x.astype(dtype)
        return cast * np.array((scale_out + 1) // (scale_in + 1), dtype)
    if src.kind not in "iu" and dtype.kind not in "iu":
        return x.astype(dtype)
    if src.kind in "iu":
        return x.astype(dtype) * np.array(1.0 / _max_of(src), dtype)
    with np.errstate(over="ignore"):  # (the scale overflows a float16 for 32-bit integers: inf, as TF)
        scaled = x * np.array(_max_of(dtype) + 0.5, src)
    return _saturate(scaled, dtype) if saturate else float_to_int.astype(scaled, dtype=dtype)


_convert_image_dtype = Op("ConvertImageDtype", _convert_impl)


def _real_dtype(dtype: Any) -> np.dtype:
    d = dtypes_lib.as_dtype(dtype)
    if not (d.is_floating or d.is_integer):
        raise AttributeError("dtype must be either floating point or integer")
    return d._np


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> Tensor:
    """Converts pixel values between dtypes, rescaling integers to and from ``[0, 1]`` floats
    (``tf.image.convert_image_dtype``).

    Integers map their ``[0, MAX]`` onto floats' ``[0, 1]``; float to integer multiplies by
    ``MAX + 0.5`` and truncates; integer to integer shifts by the difference in range.
    ``saturate`` clips before a cast that could overflow.

    Raises:
      AttributeError: for a dtype that is neither floating point nor integer (TF's class).

    >>> import tapejax as tf
    >>> print(tf.image.convert_image_dtype(tf.constant([0, 255], tf.uint8), tf.float32))
    tf.Tensor([0. 1.], shape=(2,), dtype=float32)
    """
    out = _real_dtype(dtype)
    t = utils.as_tensor(image, None, "convert_image_dtype")
    kind = t._v.dtype.kind
    if kind not in "fiu" and not (kind == "V" and t._v.dtype == jnp.bfloat16):
        raise AttributeError("image dtype must be either floating point or integer")
    if t._v.dtype == out:
        from tapejax._src.ops import array_ops

        return array_ops.identity(t)
    return bind(_convert_image_dtype, t, dtype=out, saturate=bool(saturate))


def _to_float(image: Any, op_name: str) -> tuple[Any, np.dtype]:
    """The image in float (float16/float32 kept, else converted to float32) and its original dtype."""
    t = utils.as_tensor(image, None, op_name)
    orig = t._v.dtype
    if orig in (np.float16, np.float32):
        return t, orig
    return convert_image_dtype(t, dtypes_lib.float32), orig


def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """Adds ``delta`` to every pixel, in float (``tf.image.adjust_brightness``); integer images
    are converted to float32 and back, saturating.

    >>> import tapejax as tf
    >>> print(tf.image.adjust_brightness(tf.constant([0.25, 0.5]), 0.25))
    tf.Tensor([0.5  0.75], shape=(2,), dtype=float32)
    """
    flt, orig = _to_float(image, "adjust_brightness")
    adjusted = math_ops.add(flt, math_ops.cast(delta, dtypes_lib.as_dtype(flt._v.dtype)))
    return convert_image_dtype(adjusted, dtypes_lib.as_dtype(orig), saturate=True)


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """Scales each channel's deviation from its mean over height and width by ``contrast_factor``
    (``tf.image.adjust_contrast``).

    Differences from TensorFlow: TF registers no gradient for AdjustContrastv2 (a gradient raises
    ``LookupError``); here the gradient is the derivative of ``(x - mean) * factor + mean``.
    """
    flt, orig = _to_float(images, "adjust_contrast")
    if len(utils.shape_of(flt)) < 3:
        raise utils.invalid_argument(f"AdjustContrastv2: input must be at least 3-D, got {list(utils.shape_of(flt))}.")
    rank = len(utils.shape_of(flt))
    mean = reduction_ops.reduce_mean(flt, [rank - 3, rank - 2], keepdims=True)
    factor = math_ops.cast(contrast_factor, dtypes_lib.as_dtype(flt._v.dtype))
    adjusted = math_ops.add(math_ops.multiply(math_ops.subtract(flt, mean), factor), mean)
    return convert_image_dtype(adjusted, dtypes_lib.as_dtype(orig), saturate=True)


def adjust_gamma(image: Any, gamma: Any = 1, gain: Any = 1) -> Tensor:
    """``gain * image ** gamma`` in float (``tf.image.adjust_gamma``).

    Raises:
      ValueError: for a negative (Python number) ``gamma``.
    """
    flt, orig = _to_float(image, "adjust_gamma")
    if isinstance(gamma, (int, float)) and gamma < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    d = dtypes_lib.as_dtype(flt._v.dtype)
    adjusted = math_ops.multiply(math_ops.cast(gain, d), math_ops.pow(flt, math_ops.cast(gamma, d)))
    return convert_image_dtype(adjusted, dtypes_lib.as_dtype(orig), saturate=True)


def per_image_standardization(image: Any) -> Tensor:
    """Scales each image to zero mean and unit variance (``tf.image.per_image_standardization``):
    ``(x - mean) / max(stddev, 1 / sqrt(num_elements))``, in float32.

    >>> import tapejax as tf
    >>> print(tf.image.per_image_standardization(tf.constant([[[1.0], [3.0]]])))
    tf.Tensor(
    [[[-1.]
      [ 1.]]], shape=(1, 2, 1), dtype=float32)
    """
    t, shape = _at_least_3d(image, "per_image_standardization")
    x = math_ops.cast(t, dtypes_lib.float32)
    axes = [-1, -2, -3]
    mean = reduction_ops.reduce_mean(x, axes, keepdims=True)
    std = reduction_ops.reduce_std(x, axes, keepdims=True)
    n = int(np.prod(shape[-3:]))
    min_std = np.float32(1.0) / np.sqrt(np.float32(n))
    return math_ops.divide(math_ops.subtract(x, mean), math_ops.maximum(std, min_std))
