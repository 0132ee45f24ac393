"""tf.image.non_max_suppression_overlaps / combined_non_max_suppression against TF 2.21's outputs
(tests/data/nms_tf221.json, random boxes and scores run through TF 2.21), plus errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tapejax as tf

TF_OUT = json.loads((Path(__file__).parent / "data" / "nms_tf221.json").read_text())


@pytest.mark.parametrize("case", ["shared", "perclass", "pad", "pad_clip_total"])
def test_combined_nms_matches_tf(case):
    c = TF_OUT[case]
    per, total, iou, score, pad, clip = c["args"]
    boxes, scores = np.asarray(c["boxes"], np.float32), np.asarray(c["scores"], np.float32)
    got = tf.image.combined_non_max_suppression(
        boxes, scores, per, total, iou, score, pad_per_class=pad, clip_boxes=clip
    )
    assert [t.dtype.name for t in got] == c["dtypes"]
    for g, want in zip(got, c["out"], strict=True):
        assert g.shape == np.shape(want)
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6, atol=1e-7)


def test_combined_nms_inside_function_and_errors():
    c = TF_OUT["shared"]
    f = tf.function(lambda b, s: tf.image.combined_non_max_suppression(b, s, 3, 5, 0.5, 0.2))
    got = f(tf.constant(c["boxes"]), tf.constant(c["scores"]))
    np.testing.assert_allclose(got[1].numpy(), c["out"][1], rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="either 1 or 3"):
        tf.image.combined_non_max_suppression(np.zeros((1, 2, 2, 4), np.float32), np.zeros((1, 2, 3), np.float32), 1, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="4-D"):
        tf.image.combined_non_max_suppression(np.zeros((2, 4), np.float32), np.zeros((2, 3), np.float32), 1, 1)


def test_nms_overlaps_matches_tf():
    c = TF_OUT["overlaps"]
    ov, sc = np.asarray(c["ov"], np.float32), np.asarray(c["sc"], np.float32)
    got = tf.image.non_max_suppression_overlaps(ov, sc, 4, 0.5, 0.2)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), c["res"][0])
    np.testing.assert_array_equal(tf.image.non_max_suppression_overlaps(ov, sc, 6).numpy(), c["res"][1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        tf.image.non_max_suppression_overlaps(ov[:3], sc, 2)
