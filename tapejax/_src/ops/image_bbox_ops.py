"""Random crops that keep objects in view (``tf.image.sample_distorted_bounding_box`` and its
stateless form), as TF's kernel (``sample_distorted_bounding_box_op.cc``) decides them.

TF tries up to ``max_attempts`` crops in turn: an aspect ratio drawn from ``aspect_ratio_range``,
a height between the ones giving the smallest and largest area of ``area_range`` (rounded as the
kernel rounds, then nudged by one row into the area range), a random position; the first crop that
covers at least ``min_object_covered`` of some bounding box wins, else the whole image. Here all
attempts are drawn at once and the first that succeeds is taken, in one XLA op (it also runs
inside ``tf.function``).

Differences from TensorFlow: the random numbers differ from TF's (JAX's generator), so the crop
chosen for a seed differs; which crops can be chosen, and with what rule, are TF's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src.core import Op, bind
from tapejax._src.ops import array_ops, random_ops, stateless_random_ops, utils
from tapejax._src.tensor import Tensor

_SIZE_DTYPES = ("uint8", "int8", "int16", "int32", "int64")


class SampleDistortedBoundingBoxV2(NamedTuple):
    """``tf.image.sample_distorted_bounding_box``'s result: ``begin``, ``size`` and ``bboxes``."""

    begin: Tensor
    size: Tensor
    bboxes: Tensor


class StatelessSampleDistortedBoundingBox(NamedTuple):
    """``tf.image.stateless_sample_distorted_bounding_box``'s result: ``begin``, ``size``, ``bboxes``."""

    begin: Tensor
    size: Tensor
    bboxes: Tensor


def _crop_impl(
    seed: Any, image_size: Any, boxes: Any, min_covered: Any, *,
    aspect: tuple[float, float], area: tuple[float, float], attempts: int,
) -> Any:  # fmt: skip
    h = image_size[0].astype(jnp.float32)
    w = image_size[1].astype(jnp.float32)
    k_ratio, k_height, k_y, k_x = jax.random.split(stateless_random_ops.key_from_seed(seed), 4)
    ratio = jax.random.uniform(k_ratio, (attempts,), jnp.float32) * (aspect[1] - aspect[0]) + aspect[0]
    min_area, max_area = area[0] * w * h, area[1] * w * h
    # GenerateRandomCrop, with lrintf's round-half-to-even as jnp.round.
    height = jnp.round(jnp.sqrt(min_area / ratio))
    max_height = jnp.round(jnp.sqrt(max_area / ratio))
    fitted = jnp.floor((w + 0.5 - 1e-7) / ratio)
    fitted = jnp.where(jnp.round(fitted * ratio) > w, fitted - 1, fitted)
    max_height = jnp.minimum(jnp.where(jnp.round(max_height * ratio) > w, fitted, max_height), h)
    height = jnp.minimum(height, max_height)
    extra = jnp.floor(jax.random.uniform(k_height, (attempts,)) * (max_height - height + 1))
    height = jnp.where(height < max_height, height + extra, height)
    width = jnp.round(height * ratio)
    too_small = width * height < min_area
    height = jnp.where(too_small, height + 1, height)
    width = jnp.round(height * ratio)
    too_big = width * height > max_area
    height = jnp.where(too_big, height - 1, height)
    width = jnp.round(height * ratio)
    crop_area = width * height
    ok = (crop_area >= min_area) & (crop_area <= max_area) & (width <= w) & (height <= h) & (width > 0) & (height > 0)
    y = jnp.where(height < h, jnp.floor(jax.random.uniform(k_y, (attempts,)) * (h - height)), 0.0)
    x = jnp.where(width < w, jnp.floor(jax.random.uniform(k_x, (attempts,)) * (w - width)), 0.0)
    # SatisfiesOverlapConstraints: the boxes in whole pixels (truncated, as the kernel's int casts).
    by0, bx0 = jnp.trunc(boxes[:, 0] * h), jnp.trunc(boxes[:, 1] * w)
    by1, bx1 = jnp.trunc(boxes[:, 2] * h), jnp.trunc(boxes[:, 3] * w)
    object_area = (bx1 - bx0) * (by1 - by0)
    ix0, iy0 = jnp.maximum(x[:, None], bx0), jnp.maximum(y[:, None], by0)
    ix1, iy1 = jnp.minimum((x + width)[:, None], bx1), jnp.minimum((y + height)[:, None], by1)
    inter = jnp.where((ix0 > ix1) | (iy0 > iy1), 0.0, (ix1 - ix0) * (iy1 - iy0))
    covered = (object_area >= 1.0) & (inter / jnp.where(object_area >= 1.0, object_area, 1.0) >= min_covered)
    ok = ok & (crop_area >= 1.0) & jnp.any(covered, axis=1)
    first = jnp.argmax(ok)
    found = jnp.any(ok)
    x0 = jnp.where(found, x[first], 0.0)
    y0 = jnp.where(found, y[first], 0.0)
    cw = jnp.where(found, width[first], w)
    ch = jnp.where(found, height[first], h)
    dtype = image_size.dtype
    begin = jnp.stack([y0, x0, 0.0]).astype(dtype)
    size = jnp.stack([ch, cw, -1.0]).astype(dtype)
    bboxes = jnp.stack([y0 / h, x0 / w, (y0 + ch) / h, (x0 + cw) / w]).astype(jnp.float32).reshape(1, 1, 4)
    return begin, size, bboxes


_stateless_crop = Op("StatelessSampleDistortedBoundingBox", _crop_impl, multiple_results=True, differentiable=False)
_crop_seed = Op("SampleDistortedBoundingBoxV2", random_ops._seed_pair_impl, multiple_results=True, differentiable=False)


def _pair(value: Any, default: tuple[float, float], what: str, op: str) -> tuple[float, float]:
    if value is None:
        v: tuple[float, ...] = default
    else:
        arr = utils.concrete(value) if utils.is_tensor(value) else np.asarray(value, np.float64)
        if arr is None:
            raise TypeError(f"{op}: tapejax needs a static {what.lower()} (Python floats), not a traced tensor.")
        v = tuple(float(x) for x in np.asarray(arr).reshape(-1))
    if len(v) != 2:
        raise utils.invalid_argument(f"{what} field must specify 2 dimensions [Op:{op}]")
    return v[0], v[1]


def _sample(
    op: str, image_size: Any, bounding_boxes: Any, seed_pair: Any, min_object_covered: Any,
    aspect_ratio_range: Any, area_range: Any, max_attempts: Any, use_image_if_no_bounding_boxes: Any,
) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
    size = utils.as_tensor(image_size, None, op)
    if utils.dtype_name(size) not in _SIZE_DTYPES:
        raise utils.invalid_argument(
            f"Value for attr 'T' of {utils.dtype_name(size)} is not in the list of allowed values: "
            f"{', '.join(_SIZE_DTYPES)} [Op:{op}]"
        )
    if utils.shape_of(size) != (3,):
        raise utils.invalid_argument(
            f"image_size must contain 3 elements[{','.join(map(str, utils.shape_of(size)))}] [Op:{op}]"
        )
    boxes = utils.as_tensor(bounding_boxes, np.dtype(np.float32), op)
    sb = utils.shape_of(boxes)
    if len(sb) != 3 or sb[-1] != 4:
        raise utils.invalid_argument(
            f"input boxes must be 3-dimensional [batch, num_boxes, coords]: {list(sb)} [Op:{op}]"
        )
    aspect = _pair(aspect_ratio_range, (0.75, 1.33), "Aspect ratio range", op)
    area = _pair(area_range, (0.05, 1.0), "Area range", op)
    if aspect[0] <= 0 or aspect[1] <= 0:
        raise utils.invalid_argument(
            f"Aspect ratio range must be non-negative: [{aspect[0]:g}, {aspect[1]:g}] [Op:{op}]"
        )
    if area[0] <= 0 or area[1] <= 0:
        raise utils.invalid_argument(f"Area range must be non-negative: [{area[0]:g}, {area[1]:g}] [Op:{op}]")
    if area[0] > 1 or area[1] > 1:
        raise utils.invalid_argument(
            f"Area range must be less then or equal to 1.0: [{area[0]:g}, {area[1]:g}] [Op:{op}]"
        )
    attempts = 100 if max_attempts is None else utils.static_int(max_attempts, "max_attempts")
    if attempts <= 0:
        raise utils.invalid_argument(f"Max attempts must be non-negative: {attempts} [Op:{op}]")
    flat = array_ops.reshape(boxes, [-1, 4])
    values = utils.concrete(flat)
    if values is not None and values.size and (values.min() < 0 or values.max() > 1):
        bad = values[(values < 0) | (values > 1)][0]
        raise utils.invalid_argument(f"All bounding box coordinates must be in [0.0, 1.0]: {bad:g} [Op:{op}]")
    if utils.shape_of(flat)[0] == 0:
        if not use_image_if_no_bounding_boxes:
            raise utils.invalid_argument(
                "No bounding boxes provided as input. One must enable use_image_if_no_bounding_boxes if you wish "
                f"to not provide any bounding boxes. [Op:{op}]"
            )
        flat = np.array([[0.0, 0.0, 1.0, 1.0]], np.float32)
    covered = utils.as_tensor(min_object_covered, np.dtype(np.float32), op)
    return bind(_stateless_crop, seed_pair, size, flat, covered, aspect=aspect, area=area, attempts=attempts)


def stateless_sample_distorted_bounding_box(
    image_size: Any,
    bounding_boxes: Any,
    seed: Any,
    min_object_covered: Any = 0.1,
    aspect_ratio_range: Any = None,
    area_range: Any = None,
    max_attempts: Any = None,
    use_image_if_no_bounding_boxes: Any = None,
    name: str | None = None,
) -> StatelessSampleDistortedBoundingBox:
    """A random crop of an image that covers part of its objects, fixed by ``seed``
    (``tf.image.stateless_sample_distorted_bounding_box``).

    Args:
      image_size: ``[height, width, channels]`` (uint8, int8, int16, int32 or int64).
      bounding_boxes: float32 ``[batch, N, 4]`` boxes ``[ymin, xmin, ymax, xmax]`` in ``[0, 1]``.
      seed: a ``[2]`` integer seed.
      min_object_covered: the crop must contain at least this fraction of some box's area.
      aspect_ratio_range: the crop's ``width / height`` range (default ``(0.75, 1.33)``).
      area_range: the crop's share of the image area (default ``(0.05, 1.0)``).
      max_attempts: crops tried before the whole image is used (default 100).
      use_image_if_no_bounding_boxes: with no boxes, treat the whole image as one.

    Returns:
      ``(begin, size, bboxes)``: ``[y, x, 0]`` and ``[h, w, -1]`` for ``tf.slice`` (of
      ``image_size``'s dtype) and the crop as a float32 ``[1, 1, 4]`` box.

    Raises:
      InvalidArgumentError: for TF's bad arguments (coordinates outside ``[0, 1]``, no boxes without
        ``use_image_if_no_bounding_boxes``, ranges not of 2 positive values, ...).

    >>> import tapejax as tf
    >>> begin, size, box = tf.image.stateless_sample_distorted_bounding_box(
    ...     [100, 200, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=[1, 2], area_range=[1.0, 1.0])
    >>> print(begin, size)
    tf.Tensor([0 0 0], shape=(3,), dtype=int32) tf.Tensor([100 200  -1], shape=(3,), dtype=int32)
    """
    op = "StatelessSampleDistortedBoundingBox"
    s = utils.as_tensor(seed, None, op)
    if utils.shape_of(s) != (2,):
        raise utils.invalid_argument(f"seed must have shape [2], not {list(utils.shape_of(s))} [Op:{op}]")
    out = _sample(
        op, image_size, bounding_boxes, s, min_object_covered, aspect_ratio_range, area_range, max_attempts,
        use_image_if_no_bounding_boxes,
    )  # fmt: skip
    return StatelessSampleDistortedBoundingBox(*out)


def sample_distorted_bounding_box(
    image_size: Any,
    bounding_boxes: Any,
    seed: int = 0,
    min_object_covered: Any = 0.1,
    aspect_ratio_range: Any = None,
    area_range: Any = None,
    max_attempts: Any = None,
    use_image_if_no_bounding_boxes: Any = None,
    name: str | None = None,
) -> SampleDistortedBoundingBoxV2:
    """A random crop of an image that covers part of its objects (``tf.image.sample_distorted_bounding_box``).

    As :func:`stateless_sample_distorted_bounding_box`, with TF's seeding rules for stateful ops:
    a non-zero ``seed`` is the op seed (each call draws a new crop, the sequence repeats after
    ``tf.random.set_seed``); ``seed=0`` (TF: unseeded) draws from the global stream.

    >>> import tapejax as tf
    >>> begin, size, box = tf.image.sample_distorted_bounding_box([100, 200, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=1)
    >>> size.shape, box.shape
    (TensorShape([3]), TensorShape([1, 1, 4]))
    """
    pair = random_ops._draw(_crop_seed, seed or None)
    out = _sample(
        "SampleDistortedBoundingBoxV2", image_size, bounding_boxes, pair, min_object_covered, aspect_ratio_range,
        area_range, max_attempts, use_image_if_no_bounding_boxes,
    )  # fmt: skip
    return SampleDistortedBoundingBoxV2(*out)


# -- extract_glimpse -------------------------------------------------------------------------------
def _glimpse_impl(
    seed: Any, x: Any, offsets: Any, *, size: tuple[int, int], centered: bool, normalized: bool, noise: str
) -> Any:
    b, ih, iw, c = x.shape
    gh, gw = size
    y, xo = offsets[:, 0].astype(jnp.float32), offsets[:, 1].astype(jnp.float32)
    # ExtractGlimpseV2's placement (eigen_attention.h, version 2), then the C++ cast (toward zero).
    if normalized:
        y, xo = y * ih, xo * iw
        if centered:
            y, xo = y / 2 + ih / 2 - gh / 2, xo / 2 + iw / 2 - gw / 2
    elif centered:
        y, xo = y + ih / 2, xo + iw / 2
    y0, x0 = jnp.trunc(y).astype(jnp.int32), jnp.trunc(xo).astype(jnp.int32)
    rows = y0[:, None] + jnp.arange(gh)  # [b, gh]
    cols = x0[:, None] + jnp.arange(gw)  # [b, gw]
    inside = ((rows >= 0) & (rows < ih))[:, :, None] & ((cols >= 0) & (cols < iw))[:, None, :]
    batch = jnp.arange(b)[:, None, None]
    picked = x[batch, jnp.clip(rows, 0, ih - 1)[:, :, None], jnp.clip(cols, 0, iw - 1)[:, None, :]]
    key = stateless_random_ops.key_from_seed(seed)
    shape = (b, gh, gw, c)
    if noise == "uniform":  # between the image's smallest and largest value (all channels), as TF
        lo = jnp.min(x, axis=(1, 2, 3)).reshape(b, 1, 1, 1)
        hi = jnp.max(x, axis=(1, 2, 3)).reshape(b, 1, 1, 1)
        fill = jax.random.uniform(key, shape, x.dtype) * (hi - lo) + lo
    elif noise == "gaussian":  # the image's per-channel mean and standard deviation
        mean = jnp.mean(x, axis=(1, 2), keepdims=True)
        std = jnp.std(x, axis=(1, 2), keepdims=True)
        fill = jax.random.normal(key, shape, x.dtype) * std + mean
    else:
        fill = jnp.zeros(shape, x.dtype)
    return jnp.where(inside[..., None], picked, fill)


# TF registers no gradient for ExtractGlimpseV2 (tape.gradient raises LookupError).
_glimpse = Op("ExtractGlimpseV2", _glimpse_impl, differentiable=False)
_glimpse_seed = Op("ExtractGlimpseV2", random_ops._seed_pair_impl, multiple_results=True, differentiable=False)


def extract_glimpse(
    input: Any,  # noqa: A002 - TF's name
    size: Any,
    offsets: Any,
    centered: bool = True,
    normalized: bool = True,
    noise: str = "uniform",
    name: str | None = None,
) -> Tensor:
    """Windows ``size`` of a batch of images ``[b, h, w, c]`` at ``offsets`` (``tf.image.extract_glimpse``).

    Args:
      input: float32 ``[batch, height, width, channels]``.
      size: ``[glimpse_height, glimpse_width]``.
      offsets: float32 ``[batch, 2]`` ``(y, x)`` per image. With ``normalized`` they are fractions of
        the image size; with ``centered`` (and ``normalized``) ``(0, 0)`` centres the window on the
        image centre and ``[-1, 1]`` spans the image; with ``centered`` alone they are measured from
        the image centre to the window's top-left corner; with neither they are the top-left corner
        in pixels. Positions are truncated toward zero, as TF's kernel.
      noise: what fills the parts of a window outside the image: ``"uniform"`` (between the image's
        smallest and largest value), ``"gaussian"`` (the channel's mean and standard deviation) or
        ``"zero"``.

    Raises:
      InvalidArgumentError: for a bad ``noise``, shapes or dtype.

    Differences from TensorFlow: the noise values differ (JAX's generator), and TF's gaussian
    noise has a somewhat smaller spread than the channel's standard deviation used here; TF has no
    gradient for it (``LookupError``), here it is ``None``.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(1.0, 17.0), [1, 4, 4, 1])
    >>> print(tf.image.extract_glimpse(x, [2, 2], [[0.0, 0.0]], noise="zero")[0, :, :, 0])
    tf.Tensor(
    [[ 6.  7.]
     [10. 11.]], shape=(2, 2), dtype=float32)
    """
    op = "ExtractGlimpseV2"
    if noise not in ("uniform", "gaussian", "zero"):
        raise utils.invalid_argument(f"The noise could only be uniform, gaussian, or zero, got{noise} [Op:{op}]")
    x = utils.as_tensor(input, np.dtype(np.float32), op)
    off = utils.as_tensor(offsets, np.dtype(np.float32), op)
    for t in (x, off):
        if t._v.dtype != np.float32:
            raise utils.invalid_argument(f"{op}: input and offsets must be float32, got {utils.describe([x, off])}.")
    sx, so = utils.shape_of(x), utils.shape_of(off)
    if len(sx) != 4:
        raise utils.invalid_argument(f"input must be 4-dimensional{list(sx)} [Op:{op}]")
    if so != (sx[0], 2):
        raise utils.invalid_argument(f"{op}: offsets must be [batch, 2] = [{sx[0]}, 2], got {list(so)}.")
    gh, gw = utils.static_ints(size, "size")
    if gh <= 0 or gw <= 0:
        raise utils.invalid_argument(f"{op}: size must be positive, got {[gh, gw]}.")
    pair = random_ops._draw(_glimpse_seed, None)
    return bind(
        _glimpse, pair, x, off, size=(gh, gw), centered=bool(centered), normalized=bool(normalized), noise=noise
    )
