"""Image file codecs (``tf.image.decode_*`` / ``encode_*``, JPEG quality changes) on Pillow.

Pillow is an optional dependency: without it these functions raise ``ImportError`` saying so.
tapejax has no string tensors, so encoded images are Python ``bytes`` both ways (what
``open(path, "rb").read()`` gives, where TF takes ``tf.io.read_file``'s string tensor); decoded
images are uint8 (or uint16) Tensors ``[height, width, channels]``, GIFs and WebPs
``[frames, h, w, channels]``.

Differences from TensorFlow: PNG, BMP, GIF and WebP decode exactly (as checked); JPEG pixels come from Pillow's
libjpeg decoder, which differs from TF's default (``dct_method=""``, libjpeg's fast integer DCT) by
a few levels (at most 5 seen); ``fancy_upscaling``, ``try_recover_truncated``,
``acceptable_fraction`` and ``dct_method`` are accepted and ignored; encoded JPEG bytes differ
from TF's (same quality, subsampling and density settings). None of these ops is differentiable,
as in TF.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _pil(op: str) -> Any:
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"tf.image.{op} needs Pillow in tapejax (pip install pillow).") from e
    return Image


def _contents(contents: Any, op: str) -> bytes:
    if isinstance(contents, (bytes, bytearray, memoryview)):
        return bytes(contents)
    if isinstance(contents, np.ndarray) and contents.dtype.kind in "SO" and contents.ndim == 0:
        return bytes(contents.item())
    if isinstance(contents, np.bytes_):
        return bytes(contents)
    raise TypeError(
        f"tf.image.{op}: tapejax takes the encoded image as Python bytes (it has no string tensors), got "
        f"{type(contents).__name__}. Fix: pass open(path, 'rb').read()."
    )


def _open(contents: Any, op: str) -> Any:
    image_cls = _pil(op)
    try:
        image = image_cls.open(io.BytesIO(_contents(contents, op)))
        image.load()
    except (OSError, SyntaxError, ValueError) as e:
        raise errors.InvalidArgumentError(None, None, f"{op}: cannot decode the image: {e}") from None
    return image


def _to_tensor(array: np.ndarray) -> Tensor:
    from tapejax._src.ops.array_ops import constant

    return constant(array)


def _pixels(image: Any, channels: int, op: str) -> np.ndarray:
    if channels not in (0, 1, 2, 3, 4):
        raise errors.InvalidArgumentError(None, None, f"{op}: channels must be 0, 1, 2, 3 or 4, got {channels}")
    if channels:
        image = image.convert(_MODES[channels])
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "I;16"):
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    array = np.asarray(image)
    return array[..., None] if array.ndim == 2 else array


def decode_png(contents: Any, channels: int = 0, dtype: Any = dtypes_lib.uint8, name: str | None = None) -> Tensor:
    """A PNG image as a ``[height, width, channels]`` Tensor (``tf.image.decode_png``).

    Args:
      contents: the PNG file's bytes.
      channels: 0 (as stored), 1 (grayscale), 2 (grayscale + alpha), 3 (RGB) or 4 (RGBA).
      dtype: uint8, or uint16 (8-bit images scaled by 257, as TF).

    Raises:
      InvalidArgumentError: for bytes that are not an image.

    >>> import tapejax as tf
    >>> png = tf.image.encode_png(tf.constant([[[255, 0, 0]]], tf.uint8))
    >>> print(tf.image.decode_png(png))
    tf.Tensor([[[255   0   0]]], shape=(1, 1, 3), dtype=uint8)
    """
    image = _open(contents, "decode_png")
    wide = image.mode.startswith("I;16") or image.mode == "I"
    if wide and channels in (0, 1):
        array = np.asarray(image).astype(np.uint16)[..., None]
    else:
        array = _pixels(image, channels, "decode_png")
    want = dtypes_lib.as_dtype(dtype)
    if want == dtypes_lib.uint16:
        array = array.astype(np.uint16) * (1 if array.dtype == np.uint16 else 257)
    elif array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)  # the high byte, as TF
    return _to_tensor(array.astype(want.as_numpy_dtype))


def decode_bmp(contents: Any, channels: int = 0, name: str | None = None) -> Tensor:
    """A BMP image as a uint8 ``[height, width, channels]`` Tensor (``tf.image.decode_bmp``);
    ``channels`` 0, 1, 3 or 4."""
    return _to_tensor(_pixels(_open(contents, "decode_bmp"), channels, "decode_bmp"))


def decode_gif(contents: Any, name: str | None = None) -> Tensor:
    """Every frame of a GIF as a uint8 ``[frames, height, width, 3]`` Tensor (``tf.image.decode_gif``)."""
    image_cls = _pil("decode_gif")
    from PIL import ImageSequence

    try:
        image = image_cls.open(io.BytesIO(_contents(contents, "decode_gif")))
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
    except (OSError, SyntaxError, ValueError) as e:
        raise errors.InvalidArgumentError(None, None, f"decode_gif: cannot decode the image: {e}") from None
    return _to_tensor(np.stack(frames))


def decode_webp(contents: Any, channels: int = 0, dtype: Any = dtypes_lib.uint8, name: str | None = None) -> Tensor:
    """A WebP image (every frame of an animation) as a ``[frames, height, width, channels]`` Tensor
    (``tf.image.decode_webp``).

    Args:
      channels: 0 (as stored), or the stored count (3 for RGB, 4 for RGBA): TF converts neither way.
      dtype: uint8, or a float dtype (``convert_image_dtype``'s ``[0, 1]``).

    Raises:
      InvalidArgumentError: ``channels`` other than the stored count, as TF.
    """
    from PIL import ImageSequence

    from tapejax._src.ops.image_ops import convert_image_dtype

    image = _open(contents, "decode_webp")
    stored = 4 if "A" in image.mode else 3
    if channels not in (0, stored):
        raise errors.InvalidArgumentError(
            None, None, "Number of channels requested does not match input [Op:DecodeWebP]"
        )
    mode = "RGBA" if stored == 4 else "RGB"
    frames = np.stack([np.asarray(frame.convert(mode)) for frame in ImageSequence.Iterator(image)])
    out = _to_tensor(frames)
    want = dtypes_lib.as_dtype(dtype)
    return out if want == dtypes_lib.uint8 else convert_image_dtype(out, want)


def decode_jpeg(
    contents: Any,
    channels: int = 0,
    ratio: int = 1,
    fancy_upscaling: bool = True,
    try_recover_truncated: bool = False,
    acceptable_fraction: float = 1,
    dct_method: str = "",
    name: str | None = None,
) -> Tensor:
    """A JPEG image as a uint8 ``[height, width, channels]`` Tensor (``tf.image.decode_jpeg``).

    Args:
      channels: 0 (as stored), 1 (grayscale) or 3 (RGB).
      ratio: 1, 2, 4 or 8: decode downscaled by this factor (libjpeg's DCT scaling).

    Differences from TensorFlow: see the module: pixel values can differ by a few levels.
    """
    if ratio not in (1, 2, 4, 8):
        raise errors.InvalidArgumentError(None, None, f"decode_jpeg: ratio must be 1, 2, 4, or 8, got {ratio}")
    if channels not in (0, 1, 3):
        raise errors.InvalidArgumentError(None, None, f"decode_jpeg: channels must be 0, 1 or 3, got {channels}")
    image_cls = _pil("decode_jpeg")
    try:
        image = image_cls.open(io.BytesIO(_contents(contents, "decode_jpeg")))
        if image.format != "JPEG":
            raise ValueError(f"not a JPEG file ({image.format})")
        if ratio > 1:
            image.draft(image.mode, (max(image.width // ratio, 1), max(image.height // ratio, 1)))
        image.load()
    except (OSError, SyntaxError, ValueError) as e:
        raise errors.InvalidArgumentError(None, None, f"decode_jpeg: cannot decode the image: {e}") from None
    return _to_tensor(_pixels(image, channels, "decode_jpeg"))


def decode_and_crop_jpeg(
    contents: Any,
    crop_window: Any,
    channels: int = 0,
    ratio: int = 1,
    fancy_upscaling: bool = True,
    try_recover_truncated: bool = False,
    acceptable_fraction: float = 1,
    dct_method: str = "",
    name: str | None = None,
) -> Tensor:
    """:func:`decode_jpeg`, then the window ``crop_window = [y, x, height, width]``
    (``tf.image.decode_and_crop_jpeg``).

    Raises:
      InvalidArgumentError: a window outside the image.
    """
    y, x, h, w = utils.static_ints(crop_window, "crop_window")
    image = decode_jpeg(contents, channels, ratio).numpy()
    if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > image.shape[0] or x + w > image.shape[1]:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"jpeg::Uncompress failed. Invalid JPEG data or crop window (crop window [{y}, {x}, {h}, {w}] for a "
            f"{image.shape[0]}x{image.shape[1]} image). [Op:DecodeAndCropJpeg]",
        )
    return _to_tensor(np.ascontiguousarray(image[y : y + h, x : x + w]))


def decode_image(
    contents: Any,
    channels: int | None = None,
    dtype: Any = dtypes_lib.uint8,
    name: str | None = None,
    expand_animations: bool = True,
) -> Tensor:
    """A BMP, GIF, JPEG, PNG or WebP image, by its format (``tf.image.decode_image``).

    GIFs and WebPs give ``[frames, h, w, c]`` (the first frame without ``expand_animations``);
    a non-uint8 ``dtype`` converts as ``tf.image.convert_image_dtype`` (floats in ``[0, 1]``).

    Raises:
      InvalidArgumentError: an unknown format.
    """
    from tapejax._src.ops.image_ops import convert_image_dtype

    data = _contents(contents, "decode_image")
    ch = channels or 0
    if data[:3] == b"\xff\xd8\xff":
        out = decode_jpeg(data, ch)
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        out = decode_png(data, ch, dtypes_lib.uint16 if dtype == dtypes_lib.uint16 else dtypes_lib.uint8)
    elif data[:3] == b"GIF":
        out = decode_gif(data)
        if not expand_animations:
            out = out[0]
    elif data[:2] == b"BM":
        out = decode_bmp(data, ch)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        out = decode_webp(data, ch)
        if not expand_animations:
            out = out[0]
    else:
        raise errors.InvalidArgumentError(
            None, None, "Unknown image file format. One of JPEG, PNG, GIF, BMP, WebP required. [Op:DecodeImage]"
        )
    want = dtypes_lib.as_dtype(dtype)
    return out if out.dtype == want else convert_image_dtype(out, want)


def _image_array(image: Any, op: str, allowed: tuple[str, ...]) -> np.ndarray:
    t = utils.as_tensor(image, None, op)
    if utils.dtype_name(t) not in allowed:
        raise errors.InvalidArgumentError(
            None, None, f"{op}: Value for attr 'T' of {utils.dtype_name(t)} is not in the list of allowed values: "
            f"{', '.join(allowed)}"
        )  # fmt: skip
    array = utils.concrete(t)
    if array is None:
        raise TypeError(f"{op}: tapejax encodes images eagerly (Pillow), not inside tf.function.")
    if array.ndim != 3 or array.shape[-1] not in (1, 2, 3, 4):
        raise errors.InvalidArgumentError(
            None, None, f"{op}: image must be 3-dimensional [height, width, channels], got {list(array.shape)}"
        )
    return array


def encode_png(image: Any, compression: int = -1, name: str | None = None) -> bytes:
    """A uint8 or uint16 ``[height, width, channels]`` image as PNG bytes (``tf.image.encode_png``).

    Args:
      compression: zlib level 0-9, -1 for the default (6).
    """
    image_cls = _pil("encode_png")
    array = _image_array(image, "EncodePng", ("uint8", "uint16"))
    c = array.shape[-1]
    if array.dtype == np.uint16:
        if c != 1:
            raise errors.InvalidArgumentError(
                None, None, "EncodePng: tapejax writes 16-bit PNGs with one channel only."
            )
        pil = image_cls.fromarray(array[..., 0].astype(np.uint16), "I;16")
    else:
        pil = image_cls.fromarray(array[..., 0] if c == 1 else array, _MODES[c])
    buf = io.BytesIO()
    pil.save(buf, "PNG", compress_level=6 if compression == -1 else int(compression))
    return buf.getvalue()


def encode_jpeg(
    image: Any,
    format: str = "",  # noqa: A002 - TF's name
    quality: int = 95,
    progressive: bool = False,
    optimize_size: bool = False,
    chroma_downsampling: bool = True,
    density_unit: str = "in",
    x_density: int = 300,
    y_density: int = 300,
    xmp_metadata: str = "",
    name: str | None = None,
) -> bytes:
    """A uint8 ``[height, width, 1 or 3]`` image as JPEG bytes (``tf.image.encode_jpeg``).

    Args:
      format: ``""`` (by channels), ``"grayscale"`` or ``"rgb"``.
      quality: 0-100.
      chroma_downsampling: 4:2:0 chroma subsampling (else 4:4:4).
      density_unit, x_density, y_density: the resolution written in the header.
    """
    image_cls = _pil("encode_jpeg")
    array = _image_array(image, "EncodeJpeg", ("uint8",))
    if array.shape[-1] not in (1, 3):
        raise errors.InvalidArgumentError(
            None, None, f"EncodeJpeg: image must have 1 or 3 channels, got {array.shape[-1]}"
        )
    pil = image_cls.fromarray(array[..., 0] if array.shape[-1] == 1 else array, "L" if array.shape[-1] == 1 else "RGB")
    if format == "grayscale":
        pil = pil.convert("L")
    elif format == "rgb":
        pil = pil.convert("RGB")
    buf = io.BytesIO()
    dpi = (x_density, y_density) if density_unit == "in" else (x_density * 2.54, y_density * 2.54)
    pil.save(
        buf, "JPEG", quality=int(quality), progressive=bool(progressive), optimize=bool(optimize_size),
        subsampling=2 if chroma_downsampling else 0, dpi=dpi,
    )  # fmt: skip
    return buf.getvalue()


def is_jpeg(contents: Any, name: str | None = None) -> Tensor:
    """Whether the bytes start as a JPEG file does (``tf.image.is_jpeg``), a bool scalar Tensor.

    >>> import tapejax as tf
    >>> print(tf.image.is_jpeg(b"\\xff\\xd8\\xff\\xe0"))
    tf.Tensor(True, shape=(), dtype=bool)
    """
    return _to_tensor(np.asarray(_contents(contents, "is_jpeg")[:3] == b"\xff\xd8\xff"))


def extract_jpeg_shape(contents: Any, output_type: Any = dtypes_lib.int32, name: str | None = None) -> Tensor:
    """A JPEG's ``[height, width, channels]`` read from its header (``tf.image.extract_jpeg_shape``)."""
    image_cls = _pil("extract_jpeg_shape")
    try:
        image = image_cls.open(io.BytesIO(_contents(contents, "extract_jpeg_shape")))
        if image.format != "JPEG":
            raise ValueError(f"not a JPEG file ({image.format})")
    except (OSError, SyntaxError, ValueError) as e:
        raise errors.InvalidArgumentError(None, None, f"ExtractJpegShape: cannot read the header: {e}") from None
    channels = {"L": 1, "RGB": 3, "CMYK": 4, "YCbCr": 3}.get(image.mode, len(image.getbands()))
    return _to_tensor(
        np.asarray([image.height, image.width, channels], dtypes_lib.as_dtype(output_type).as_numpy_dtype)
    )


def adjust_jpeg_quality(image: Any, jpeg_quality: Any, dct_method: str = "", name: str | None = None) -> Tensor:
    """``image`` after a JPEG round trip at ``jpeg_quality`` (``tf.image.adjust_jpeg_quality``): the
    compression artefacts, in the image's own dtype (floats are read as ``[0, 1]``).

    Args:
      image: ``[height, width, 1 or 3]`` or a batch ``[..., height, width, 1 or 3]``.
      jpeg_quality: 0-100.

    Raises:
      InvalidArgumentError: a quality outside ``[0, 100]``.
    """
    from tapejax._src.ops import image_ops
    from tapejax._src.ops.array_ops import constant

    t = utils.as_tensor(image, None, "adjust_jpeg_quality")
    q = int(utils.static_int(jpeg_quality, "jpeg_quality"))
    if not 0 <= q <= 100:
        raise errors.InvalidArgumentError(None, None, f"jpeg_quality must be in the interval [0, 100], got {q}")
    as_uint8 = image_ops.convert_image_dtype(t, dtypes_lib.uint8, saturate=True)
    array = utils.concrete(as_uint8)
    if array is None:
        raise TypeError(
            "adjust_jpeg_quality: tapejax runs the JPEG round trip eagerly (Pillow), not inside tf.function."
        )
    flat = array.reshape(-1, *array.shape[-3:])
    out = np.stack([decode_jpeg(encode_jpeg(im, quality=q), channels=im.shape[-1]).numpy() for im in flat])
    result = constant(out.reshape(array.shape))
    return image_ops.convert_image_dtype(result, t.dtype) if t.dtype != dtypes_lib.uint8 else result


def _quality_range(min_jpeg_quality: Any, max_jpeg_quality: Any) -> tuple[int, int]:
    lo, hi = int(min_jpeg_quality), int(max_jpeg_quality)
    if lo < 0 or hi < 0 or lo > 100 or hi > 100:
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if lo >= hi:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    return lo, hi


def random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: int | None = None) -> Tensor:
    """:func:`adjust_jpeg_quality` at a quality drawn uniformly from ``[min, max)``
    (``tf.image.random_jpeg_quality``; TF's seeding rules).

    Raises:
      ValueError: bounds outside ``[0, 100]`` or not increasing, as TF.
    """
    from tapejax._src.ops import random_ops

    lo, hi = _quality_range(min_jpeg_quality, max_jpeg_quality)
    q = random_ops.uniform([], lo, hi, dtype=dtypes_lib.int32, seed=seed)
    return adjust_jpeg_quality(image, int(q))


def stateless_random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: Any) -> Tensor:
    """:func:`adjust_jpeg_quality` at a quality drawn from ``[min, max)`` by a ``[2]`` ``seed``
    (``tf.image.stateless_random_jpeg_quality``)."""
    from tapejax._src.ops import stateless_random_ops

    lo, hi = _quality_range(min_jpeg_quality, max_jpeg_quality)
    q = stateless_random_ops.stateless_uniform([], seed, lo, hi, dtype=dtypes_lib.int32)
    return adjust_jpeg_quality(image, int(q))
