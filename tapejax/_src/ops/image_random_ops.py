"""Random image augmentations (``tf.image.random_*`` and ``stateless_random_*``).

Each op draws its random numbers with ``tf.random.uniform`` (tapejax's global or seeded streams,
:mod:`tapejax._src.ops.random_ops`), or ``tf.random.stateless_uniform`` for the stateless forms
(a ``[2]`` seed), and applies the deterministic ``tf.image`` op, as TF writes
them. The shapes, dtypes, ranges and argument checks are TF's.

Differences from TensorFlow: the random numbers differ from TF's (JAX's generator), so a given seed
does not pick the same flips, deltas or crops as in TF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from jax import lax

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import (
    array_ops,
    image_color_ops,
    image_ops,
    math_ops,
    random_ops,
    shape_ops,
    stateless_random_ops,
    utils,
)
from tapejax._src.tensor import Tensor


def _uniform(shape: list[int], minval: Any, maxval: Any, seed: Any, stateless: bool, dtype: Any = None) -> Tensor:
    """A ``tf.random.uniform`` draw, or ``tf.random.stateless_uniform`` with a ``[2]`` seed."""
    d = dtypes_lib.float32 if dtype is None else dtype
    if stateless:
        return stateless_random_ops.stateless_uniform(shape, seed, minval, maxval, dtype=d)
    return random_ops.uniform(shape, minval, maxval, dtype=d, seed=seed)


def _random_flip(image: Any, axis_from_end: int, seed: Any, op_name: str, stateless: bool = False) -> Tensor:
    t, shape = image_ops._image(image, op_name)
    axis = len(shape) - axis_from_end
    flipped = shape_ops.reverse(t, [axis])
    if len(shape) == 3:
        mirror = math_ops.less(_uniform([], 0, 1.0, seed, stateless), 0.5)
        return math_ops.where(mirror, flipped, t)
    # TF's batch form: a 0/1 weight per image, flips * flipped + (1 - flips) * image.
    flips = math_ops.round(array_ops.reshape(_uniform([shape[0]], 0, 1.0, seed, stateless), [shape[0], 1, 1, 1]))
    flips = math_ops.cast(flips, dtypes_lib.as_dtype(t._v.dtype))
    return math_ops.add(math_ops.multiply(flips, flipped), math_ops.multiply(math_ops.subtract(1, flips), t))


def random_flip_left_right(image: Any, seed: Any = None) -> Tensor:
    """Flips an image (or each image of a batch) left-right with probability 1/2
    (``tf.image.random_flip_left_right``).

    >>> import tapejax as tf
    >>> tf.image.random_flip_left_right(tf.ones([2, 3, 1])).shape
    TensorShape([2, 3, 1])
    """
    return _random_flip(image, 2, seed, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: Any = None) -> Tensor:
    """Flips an image (or each image of a batch) upside down with probability 1/2
    (``tf.image.random_flip_up_down``)."""
    return _random_flip(image, 3, seed, "random_flip_up_down")


def random_brightness(image: Any, max_delta: float, seed: Any = None) -> Tensor:
    """:func:`~tapejax.image.adjust_brightness` by a delta drawn from ``[-max_delta, max_delta)``
    (``tf.image.random_brightness``).

    Raises:
      ValueError: for a negative ``max_delta``.
    """
    return _random_brightness(image, max_delta, seed, stateless=False)


def _random_brightness(image: Any, max_delta: float, seed: Any, stateless: bool) -> Tensor:
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return image_ops.adjust_brightness(image, _uniform([], -max_delta, max_delta, seed, stateless))


def _check_range(lower: float, upper: float) -> None:
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def random_contrast(image: Any, lower: float, upper: float, seed: Any = None) -> Tensor:
    """:func:`~tapejax.image.adjust_contrast` by a factor drawn from ``[lower, upper)``
    (``tf.image.random_contrast``).

    Raises:
      ValueError: unless ``0 <= lower < upper``.
    """
    return _random_contrast(image, lower, upper, seed, stateless=False)


def _random_contrast(image: Any, lower: float, upper: float, seed: Any, stateless: bool) -> Tensor:
    _check_range(lower, upper)
    return image_ops.adjust_contrast(image, _uniform([], lower, upper, seed, stateless))


def random_saturation(image: Any, lower: float, upper: float, seed: Any = None) -> Tensor:
    """:func:`~tapejax.image.adjust_saturation` by a factor drawn from ``[lower, upper)``
    (``tf.image.random_saturation``).

    Raises:
      ValueError: unless ``0 <= lower < upper``.
    """
    return _random_saturation(image, lower, upper, seed, stateless=False)


def _random_saturation(image: Any, lower: float, upper: float, seed: Any, stateless: bool) -> Tensor:
    _check_range(lower, upper)
    return image_color_ops.adjust_saturation(image, _uniform([], lower, upper, seed, stateless))


def random_hue(image: Any, max_delta: float, seed: Any = None) -> Tensor:
    """:func:`~tapejax.image.adjust_hue` by a delta drawn from ``[-max_delta, max_delta)``
    (``tf.image.random_hue``).

    Raises:
      ValueError: unless ``0 <= max_delta <= 0.5``.
    """
    return _random_hue(image, max_delta, seed, stateless=False)


def _random_hue(image: Any, max_delta: float, seed: Any, stateless: bool) -> Tensor:
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return image_color_ops.adjust_hue(image, _uniform([], -max_delta, max_delta, seed, stateless))


def _crop_impl(x: Any, offsets: Any, *, size: tuple[int, ...]) -> Any:
    return lax.dynamic_slice(x, [offsets[i] for i in range(x.ndim)], size)


_crop = Op("RandomCrop", _crop_impl, nondiff=(1,))


def random_crop(value: Any, size: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """A window of ``size`` at a uniformly random offset of ``value`` (``tf.image.random_crop``);
    any rank, ``size`` one entry per dimension.

    Raises:
      InvalidArgumentError: if ``size`` does not fit ``value``.

    >>> import tapejax as tf
    >>> tf.image.random_crop(tf.zeros([5, 6, 3]), [2, 3, 3]).shape
    TensorShape([2, 3, 3])
    """
    return _random_crop(value, size, seed, stateless=False)


def _random_crop(value: Any, size: Any, seed: Any, stateless: bool) -> Tensor:
    t = utils.as_tensor(value, None, "random_crop")
    shape = utils.shape_of(t)
    dims = utils.static_ints(size, "size")
    if len(dims) != len(shape) or any(d < 0 or d > s for d, s in zip(dims, shape, strict=True)):
        raise utils.invalid_argument(
            f"random_crop: Need value.shape >= size, got value shape {list(shape)} and size {list(dims)}."
        )
    limit = np.asarray(shape, np.int64) - np.asarray(dims, np.int64) + 1
    # TF: a uniform integer over the dtype's range, modulo the number of valid offsets.
    draws = _uniform([len(shape)], 0, np.iinfo(np.int32).max, seed, stateless, dtypes_lib.int32)
    offsets = math_ops.mod(draws, limit.astype(np.int32))
    return bind(_crop, t, offsets, size=dims)


# -- stateless forms: the same ops with the numbers drawn by tf.random.stateless_uniform ---------
def stateless_random_flip_left_right(image: Any, seed: Any) -> Tensor:
    """:func:`random_flip_left_right` determined by a ``[2]`` ``seed``
    (``tf.image.stateless_random_flip_left_right``): the same seed gives the same flips.

    >>> import tapejax as tf
    >>> x = tf.reshape(tf.range(6.0), [2, 3, 1])
    >>> a = tf.image.stateless_random_flip_left_right(x, seed=[1, 2])
    >>> bool(tf.reduce_all(a == tf.image.stateless_random_flip_left_right(x, seed=[1, 2])))
    True
    """
    return _random_flip(image, 2, seed, "stateless_random_flip_left_right", stateless=True)


def stateless_random_flip_up_down(image: Any, seed: Any) -> Tensor:
    """:func:`random_flip_up_down` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_flip_up_down``)."""
    return _random_flip(image, 3, seed, "stateless_random_flip_up_down", stateless=True)


def stateless_random_brightness(image: Any, max_delta: float, seed: Any) -> Tensor:
    """:func:`random_brightness` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_brightness``)."""
    return _random_brightness(image, max_delta, seed, stateless=True)


def stateless_random_contrast(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """:func:`random_contrast` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_contrast``)."""
    return _random_contrast(image, lower, upper, seed, stateless=True)


def stateless_random_saturation(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """:func:`random_saturation` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_saturation``)."""
    return _random_saturation(image, lower, upper, seed, stateless=True)


def stateless_random_hue(image: Any, max_delta: float, seed: Any) -> Tensor:
    """:func:`random_hue` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_hue``)."""
    return _random_hue(image, max_delta, seed, stateless=True)


def stateless_random_crop(value: Any, size: Any, seed: Any, name: str | None = None) -> Tensor:
    """:func:`random_crop` determined by a ``[2]`` ``seed`` (``tf.image.stateless_random_crop``)."""
    return _random_crop(value, size, seed, stateless=True)
