"""Image measures (``tf.image``): PSNR, SSIM, multiscale SSIM, total variation, gradients, Sobel edges.

``ssim`` and ``ssim_multiscale`` are TF's construction (``image_ops_impl._ssim_per_channel``): a
Gaussian window (softmax of ``-x^2 / 2 sigma^2``) applied per channel with a VALID depthwise
convolution, luminance and contrast-structure terms, computed in float32.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import Op, bind
from tapejax._src.ops import image_ops, math_ops, reduction_ops, shape_ops, utils
from tapejax._src.tensor import Tensor

Ints = tuple[int, ...]


def total_variation(images: Any, name: str | None = None) -> Tensor:
    """The sum of absolute differences of neighbouring pixels (``tf.image.total_variation``): a
    scalar for one image, one value per image for a batch.

    >>> import tapejax as tf
    >>> print(tf.image.total_variation(tf.constant([[[0.0], [1.0]], [[3.0], [3.0]]])))
    tf.Tensor(6.0, shape=(), dtype=float32)
    """
    t, shape = image_ops._image(images, "total_variation")
    n = len(shape)
    h, w = n - 3, n - 2

    def diff(axis: int) -> Tensor:
        lo = [0] * n
        size_hi = list(shape)
        size_hi[axis] -= 1
        hi = [0] * n
        hi[axis] = 1
        return math_ops.abs(math_ops.subtract(shape_ops.slice(t, hi, size_hi), shape_ops.slice(t, lo, size_hi)))

    axis = None if n == 3 else [1, 2, 3]
    return math_ops.add(reduction_ops.reduce_sum(diff(h), axis), reduction_ops.reduce_sum(diff(w), axis))


def image_gradients(image: Any) -> tuple[Tensor, Tensor]:
    """Forward differences ``(dy, dx)`` of a batch ``[b, h, w, c]``, zero in the last row/column
    (``tf.image.image_gradients``).

    Raises:
      ValueError: unless the input is 4-D.
    """
    t = utils.as_tensor(image, None, "image_gradients")
    shape = utils.shape_of(t)
    if len(shape) != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {shape}.")
    b, h, w, c = shape
    dy = math_ops.subtract(
        shape_ops.slice(t, [0, 1, 0, 0], [b, h - 1, w, c]), shape_ops.slice(t, [0, 0, 0, 0], [b, h - 1, w, c])
    )
    dx = math_ops.subtract(
        shape_ops.slice(t, [0, 0, 1, 0], [b, h, w - 1, c]), shape_ops.slice(t, [0, 0, 0, 0], [b, h, w - 1, c])
    )
    return shape_ops.pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]]), shape_ops.pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]])


def _sobel_impl(x: Any) -> Any:
    padded = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    kx = ky.T
    h, w = x.shape[1], x.shape[2]

    def apply(k: np.ndarray) -> Any:
        out = jnp.zeros(x.shape, x.dtype)
        for i in range(3):
            for j in range(3):
                if k[i, j]:
                    out = out + padded[:, i : i + h, j : j + w, :] * jnp.asarray(k[i, j], x.dtype)
        return out

    return jnp.stack([apply(ky), apply(kx)], axis=-1)


_sobel = Op("SobelEdges", _sobel_impl)


def sobel_edges(image: Any) -> Tensor:
    """Sobel derivatives ``[b, h, w, c, 2]`` (vertical, horizontal) with reflected borders
    (``tf.image.sobel_edges``).

    Raises:
      ValueError: unless the input is 4-D.
    """
    t = utils.as_tensor(image, None, "sobel_edges")
    if len(utils.shape_of(t)) != 4:
        raise ValueError(f"sobel_edges expects a 4D tensor [batch_size, h, w, d], not {utils.shape_of(t)}.")
    utils.require_kind("sobel_edges", t, "f")
    return bind(_sobel, t)


def psnr(a: Any, b: Any, max_val: Any, name: str | None = None) -> Tensor:
    """Peak signal-to-noise ratio over the last three axes (``tf.image.psnr``), in float32:
    ``20 log10(max_val) - 10 log10(mse)``.

    >>> import tapejax as tf
    >>> print(tf.image.psnr(tf.zeros([2, 2, 1]), tf.fill([2, 2, 1], 0.1), 1.0))
    tf.Tensor(20.0, shape=(), dtype=float32)
    """
    ta = utils.as_tensor(a, None, "psnr")
    tb = utils.as_tensor(b, ta._v.dtype, "psnr")
    if utils.shape_of(ta)[-3:] != utils.shape_of(tb)[-3:] or len(utils.shape_of(ta)) < 3:
        raise ValueError(f"psnr: images must have the same shape, at least 3-D: {utils.describe([ta, tb])}.")
    mv = image_ops.convert_image_dtype(math_ops.cast(max_val, dtypes_lib.as_dtype(ta._v.dtype)), dtypes_lib.float32)
    fa, fb = (
        image_ops.convert_image_dtype(ta, dtypes_lib.float32),
        image_ops.convert_image_dtype(tb, dtypes_lib.float32),
    )
    mse = reduction_ops.reduce_mean(math_ops.squared_difference(fa, fb), [-3, -2, -1])
    return math_ops.subtract(
        math_ops.divide(math_ops.multiply(math_ops.log(mv), 20.0), np.float32(np.log(10.0))),
        math_ops.multiply(math_ops.log(mse), np.float32(10 / np.log(10))),
    )


# -- SSIM -----------------------------------------------------------------------------------------
def _gauss_kernel(size: int, sigma: float, channels: int) -> Any:
    coords = jnp.arange(size, dtype=jnp.float32) - jnp.float32(size - 1) / 2.0
    g = jnp.square(coords) * (-0.5 / jnp.square(jnp.float32(sigma)))
    g = jax.nn.softmax((g[None, :] + g[:, None]).reshape(-1)).reshape(size, size, 1, 1)
    return jnp.tile(g, (1, 1, 1, channels))


def _ssim_terms(x: Any, y: Any, max_val: Any, size: int, sigma: float, k1: float, k2: float) -> tuple[Any, Any]:
    """TF's ``_ssim_helper`` with its depthwise Gaussian reducer: (luminance, contrast-structure) maps."""
    lead, tail = x.shape[:-3], x.shape[-3:]
    kernel = _gauss_kernel(size, sigma, tail[-1])

    def reducer(v: Any) -> Any:
        out = jax.lax.conv_general_dilated(
            v.reshape(-1, *tail),
            kernel,
            (1, 1),
            "VALID",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
            feature_group_count=tail[-1],
            precision=jax.lax.Precision.HIGHEST,
        )
        return out.reshape(*lead, *out.shape[1:])

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mean0, mean1 = reducer(x), reducer(y)
    num0 = mean0 * mean1 * 2.0
    den0 = jnp.square(mean0) + jnp.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(x * y) * 2.0
    den1 = reducer(jnp.square(x) + jnp.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance, cs


def _ssim_impl(x: Any, y: Any, max_val: Any, *, size: int, sigma: float, k1: float, k2: float, index_map: bool) -> Any:
    x, y = jnp.broadcast_arrays(x, y)
    luminance, cs = _ssim_terms(x, y, max_val, size, sigma, k1, k2)
    per_channel = luminance * cs if index_map else jnp.mean(luminance * cs, axis=(-3, -2))
    return jnp.mean(per_channel, axis=-1)


def _downscale(x: Any) -> Any:
    """TF's multiscale step: symmetric padding to even height/width, then a 2x2 average pool."""
    h, w = x.shape[-3], x.shape[-2]
    widths = [(0, 0)] * (x.ndim - 3) + [(0, h % 2), (0, w % 2), (0, 0)]
    x = jnp.pad(x, widths, mode="symmetric")
    h2, w2 = x.shape[-3] // 2, x.shape[-2] // 2
    return x.reshape(*x.shape[:-3], h2, 2, w2, 2, x.shape[-1]).mean(axis=(-4, -2))


def _ms_ssim_impl(
    x: Any, y: Any, max_val: Any, *, power_factors: tuple[float, ...], size: int, sigma: float, k1: float, k2: float
) -> Any:
    x, y = jnp.broadcast_arrays(x, y)
    mcs = []
    for k in range(len(power_factors)):
        if k > 0:
            x, y = _downscale(x), _downscale(y)
        luminance, cs = _ssim_terms(x, y, max_val, size, sigma, k1, k2)
        ssim_per_channel = jnp.mean(luminance * cs, axis=(-3, -2))
        mcs.append(jax.nn.relu(jnp.mean(cs, axis=(-3, -2))))
    mcs.pop()
    stacked = jnp.stack([*mcs, jax.nn.relu(ssim_per_channel)], axis=-1)
    return jnp.mean(jnp.prod(jnp.power(stacked, jnp.asarray(power_factors, stacked.dtype)), axis=-1), axis=-1)


_ssim = Op("SSIM", _ssim_impl)
_ms_ssim = Op("MultiscaleSSIM", _ms_ssim_impl)


def _ssim_inputs(img1: Any, img2: Any, max_val: Any, op_name: str) -> tuple[Any, Any, Any]:
    a = utils.as_tensor(img1, None, op_name)
    b = utils.as_tensor(img2, a._v.dtype, op_name)
    sa, sb = utils.shape_of(a), utils.shape_of(b)
    if len(sa) < 3 or len(sb) < 3 or sa[-3:] != sb[-3:] or utils.broadcast_shapes(sa[:-3], sb[:-3]) is None:
        raise ValueError(f"{op_name}: Two images are not compatible: {sa} and {sb}.")
    utils.check_same_dtype(op_name, [a, b])
    mv = image_ops.convert_image_dtype(math_ops.cast(max_val, dtypes_lib.as_dtype(a._v.dtype)), dtypes_lib.float32)
    fa = image_ops.convert_image_dtype(a, dtypes_lib.float32)
    fb = image_ops.convert_image_dtype(b, dtypes_lib.float32)
    return fa, fb, mv


def _check_filter(op_name: str, shape: Ints, size: int) -> None:
    if size > shape[-3] or size > shape[-2]:
        raise utils.invalid_argument(
            f"{op_name}: the images {list(shape)} are smaller than filter_size {size} in height or width."
        )


def ssim(
    img1: Any,
    img2: Any,
    max_val: Any,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    return_index_map: bool = False,
) -> Tensor:
    """Structural similarity of two images or batches ``[..., h, w, c]`` (``tf.image.ssim``), in float32.

    Returns one value per image (averaged over positions and channels), or with
    ``return_index_map`` the per-position map ``[..., h - filter_size + 1, w - filter_size + 1]``.

    Raises:
      ValueError: for incompatible shapes.
      InvalidArgumentError: for images smaller than ``filter_size``.

    >>> import tapejax as tf
    >>> x = tf.random.uniform([1, 16, 16, 3])
    >>> print(tf.image.ssim(x, x, max_val=1.0))
    tf.Tensor([1.], shape=(1,), dtype=float32)
    """
    fa, fb, mv = _ssim_inputs(img1, img2, max_val, "ssim")
    size = utils.static_int(filter_size, "filter_size")
    _check_filter("ssim", utils.shape_of(fa), size)
    params = {"size": size, "sigma": float(filter_sigma), "k1": float(k1), "k2": float(k2)}
    return bind(_ssim, fa, fb, mv, index_map=bool(return_index_map), **params)


_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(
    img1: Any,
    img2: Any,
    max_val: Any,
    power_factors: Any = _MSSSIM_WEIGHTS,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> Tensor:
    """Multiscale SSIM (``tf.image.ssim_multiscale``): contrast-structure at ``len(power_factors)``
    scales (2x2 average pooling between them) and SSIM at the coarsest, weighted by ``power_factors``.

    Raises:
      InvalidArgumentError: if the coarsest scale is smaller than ``filter_size``.
    """
    fa, fb, mv = _ssim_inputs(img1, img2, max_val, "ssim_multiscale")
    size = utils.static_int(filter_size, "filter_size")
    factors = tuple(float(p) for p in power_factors)
    shape = utils.shape_of(fa)
    h, w = shape[-3], shape[-2]
    for _ in range(len(factors) - 1):
        h, w = (h + h % 2) // 2, (w + w % 2) // 2
    _check_filter("ssim_multiscale", (h, w, 1), size)
    params = {"size": size, "sigma": float(filter_sigma), "k1": float(k1), "k2": float(k2)}
    return bind(_ms_ssim, fa, fb, mv, power_factors=factors, **params)
