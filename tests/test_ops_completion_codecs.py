"""tf.image codecs on Pillow: files written by TF 2.21 decode to TF's pixels (PNG exactly, JPEG within
the few levels Pillow's decoder differs by), round trips, JPEG quality ops and errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

import tapejax as tf

pytest.importorskip("PIL")
TF_OUT = json.loads((Path(__file__).parent / "data" / "codecs_tf221.json").read_text())
IMG = np.asarray(TF_OUT["img"], np.uint8)
JPG, PNG = base64.b64decode(TF_OUT["jpg"]), base64.b64decode(TF_OUT["png"])


def test_png_decodes_exactly_as_tf():
    got = tf.image.decode_png(PNG)
    assert got.dtype == tf.uint8 and got.shape == (12, 17, 3)
    np.testing.assert_array_equal(got.numpy(), IMG)
    np.testing.assert_array_equal(tf.image.decode_png(PNG, channels=4).numpy(), TF_OUT["png_rgba"])
    png16, gray = base64.b64decode(TF_OUT["png16"]), base64.b64decode(TF_OUT["gray"])
    np.testing.assert_array_equal(tf.image.decode_png(png16).numpy(), TF_OUT["png16_as8"])
    np.testing.assert_array_equal(tf.image.decode_png(png16, dtype=tf.uint16).numpy(), TF_OUT["png16_as16"])
    np.testing.assert_array_equal(tf.image.decode_png(gray, dtype=tf.uint16).numpy(), TF_OUT["png8_as16"])
    decoded = tf.image.decode_image(PNG, dtype=tf.float32)
    np.testing.assert_allclose(decoded.numpy(), TF_OUT["image_float"], rtol=1e-6)


def test_jpeg_decodes_close_to_tf():
    got = tf.image.decode_jpeg(JPG)
    assert got.dtype == tf.uint8 and got.shape == (12, 17, 3)
    assert np.abs(got.numpy().astype(int) - np.asarray(TF_OUT["dec_jpg"])).max() <= 6
    assert (
        np.abs(tf.image.decode_jpeg(JPG, channels=1).numpy().astype(int) - np.asarray(TF_OUT["dec_jpg_gray"])).max()
        <= 6
    )
    assert tf.image.decode_jpeg(JPG, ratio=2).shape == tuple(TF_OUT["dec_jpg_r2"])
    crop = tf.image.decode_and_crop_jpeg(JPG, [2, 3, 5, 6]).numpy()
    assert np.abs(crop.astype(int) - np.asarray(TF_OUT["crop"])).max() <= 6
    assert tf.image.extract_jpeg_shape(JPG).numpy().tolist() == TF_OUT["shape"]
    assert bool(tf.image.is_jpeg(JPG)) and not bool(tf.image.is_jpeg(PNG))


def test_round_trips_and_gif():
    from PIL import Image

    assert tf.image.decode_png(tf.image.encode_png(IMG, compression=9)).numpy().tolist() == IMG.tolist()
    jpg = tf.image.encode_jpeg(IMG, quality=100, chroma_downsampling=False)
    assert isinstance(jpg, bytes) and np.abs(tf.image.decode_jpeg(jpg).numpy().astype(int) - IMG).max() <= 3
    frames = [Image.fromarray(np.full((4, 5, 3), v, np.uint8)) for v in (0, 255)]
    import io

    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    gif = tf.image.decode_gif(buf.getvalue())
    assert gif.shape == (2, 4, 5, 3) and gif.numpy()[1].min() == 255
    assert tf.image.decode_image(buf.getvalue(), expand_animations=False).shape == (4, 5, 3)
    bmp = io.BytesIO()
    Image.fromarray(IMG).save(bmp, "BMP")
    np.testing.assert_array_equal(tf.image.decode_image(bmp.getvalue()).numpy(), IMG)


def test_jpeg_quality_ops():
    got = tf.image.adjust_jpeg_quality(IMG, 40)
    assert got.dtype == tf.uint8 and np.abs(got.numpy().astype(int) - np.asarray(TF_OUT["adjust"])).max() <= 8
    as_float = tf.image.adjust_jpeg_quality(IMG.astype(np.float32) / 255, 40)
    assert as_float.dtype == tf.float32 and abs(float(tf.reduce_max(as_float)) - got.numpy().max() / 255) < 1e-6
    batch = tf.image.adjust_jpeg_quality(np.stack([IMG, IMG]), 40)
    assert batch.shape == (2, 12, 17, 3)
    s1 = tf.image.stateless_random_jpeg_quality(IMG, 20, 80, seed=[1, 2])
    np.testing.assert_array_equal(s1.numpy(), tf.image.stateless_random_jpeg_quality(IMG, 20, 80, seed=[1, 2]).numpy())
    assert tf.image.random_jpeg_quality(IMG, 20, 80).shape == IMG.shape
    with pytest.raises(ValueError, match="must be less than"):
        tf.image.random_jpeg_quality(IMG, 50, 40)
    with pytest.raises(ValueError, match="between 0 and 100"):
        tf.image.random_jpeg_quality(IMG, 50, 140)


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid JPEG data or crop window"):
        tf.image.decode_and_crop_jpeg(JPG, [8, 3, 5, 6])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        tf.image.decode_image(b"hello")
    with pytest.raises(TypeError, match="Python bytes"):
        tf.image.decode_png(tf.constant([1, 2]))


WEBP = json.loads((Path(__file__).parent / "data" / "webp_tf221.json").read_text())


@pytest.mark.parametrize("name", sorted(WEBP))
def test_webp_decodes_exactly_as_tf(name):
    data = base64.b64decode(WEBP[name]["file"])  # lossy WebP files (written by Pillow), decoded by TF 2.21
    got = tf.image.decode_webp(data)
    assert got.dtype == tf.uint8 and got.shape == np.shape(WEBP[name]["tf"])
    np.testing.assert_array_equal(got.numpy(), WEBP[name]["tf"])
    np.testing.assert_array_equal(tf.image.decode_image(data).numpy(), WEBP[name]["tf"])
    wrong = 3 if got.shape[-1] == 4 else 4
    with pytest.raises(tf.errors.InvalidArgumentError, match="Number of channels requested does not match input"):
        tf.image.decode_webp(data, channels=wrong)
