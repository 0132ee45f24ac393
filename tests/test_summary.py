"""tf.summary: event files written by tapejax, read back with TensorBoard's own event reader.

Expected layouts (tags, plugin names, dtypes, shapes, histogram rows, image header) are those of
files written by TF 2.21 with TensorBoard 2.21, checked side by side; values against NumPy."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import tapejax as tf

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")


def _read(logdir: str) -> dict[str, list[tuple[int, np.ndarray, object]]]:
    """tag -> [(step, value, metadata)] as TensorBoard reads the directory."""
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        out[tag] = [
            (e.step, tensor_util.make_ndarray(e.tensor_proto), acc.SummaryMetadata(tag)) for e in acc.Tensors(tag)
        ]
    return out


@pytest.fixture(autouse=True)
def _no_default_step():
    yield
    tf.summary.experimental.set_step(None)


def test_scalar_written_as_tf2_float32_tensor_with_scalars_plugin(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=3):
        assert tf.summary.scalar("loss", 0.5).numpy() is np.True_
        tf.summary.scalar("loss", tf.constant(0.25, tf.float64), step=4, description="the loss")
        with tf.name_scope("outer"):
            tf.summary.scalar("x", tf.Variable(1))
    events = _read(tmp_path)
    assert sorted(events) == ["loss", "outer/x"]
    (s0, v0, md), (s1, v1, _) = events["loss"]
    assert (s0, s1) == (3, 4)
    assert v0.dtype == np.float32 and v0.shape == () and v0 == 0.5 and v1 == 0.25
    assert md.plugin_data.plugin_name == "scalars"
    assert events["outer/x"][0][1] == 1.0
    (name,) = os.listdir(tmp_path)
    assert name.startswith("events.out.tfevents.") and name.endswith(f".{os.getpid()}.{name.split('.')[-2]}.v2")


def test_histogram_matches_tensorboard_v2_buckets(tmp_path):
    data = np.random.RandomState(0).randn(3, 50)
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        tf.summary.histogram("h", tf.constant(data, tf.float32))
        tf.summary.histogram("const", np.ones([5]), buckets=3)
        tf.summary.histogram("empty", np.zeros([0]))
    events = _read(tmp_path)
    h, md = events["h"][0][1], events["h"][0][2]
    assert md.plugin_data.plugin_name == "histograms"
    assert h.dtype == np.float64 and h.shape == (30, 3)
    x = data.astype(np.float32).astype(np.float64).ravel()
    counts, edges = np.histogram(x, bins=30, range=(x.min(), x.max()))
    np.testing.assert_allclose(h[:, 0], edges[:-1], rtol=1e-12)
    np.testing.assert_allclose(h[:, 1], edges[1:], rtol=1e-12)
    np.testing.assert_array_equal(h[:, 2], counts)
    # TF's edge cases: one value -> all in the last bucket with equal edges; no data -> zeros.
    np.testing.assert_array_equal(events["const"][0][1], [[1, 1, 0], [1, 1, 0], [1, 1, 5]])
    np.testing.assert_array_equal(events["empty"][0][1], np.zeros((30, 3)))


def test_image_writes_width_height_and_pngs_of_the_first_max_outputs(tmp_path):
    from PIL import Image

    images = np.random.RandomState(0).rand(2, 4, 5, 3).astype(np.float32)
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=1):
        tf.summary.image("img", images, max_outputs=1)
        tf.summary.image("gray", np.full([3, 2, 2, 1], 7, np.uint8))
    events = _read(tmp_path)
    value = events["img"][0][1]
    assert events["img"][0][2].plugin_data.plugin_name == "images"
    assert value.shape == (3,) and list(value[:2]) == [b"5", b"4"]
    # tf.image.convert_image_dtype(float -> uint8, saturate=True): truncation of x * 255.5
    expected = np.clip(images[0] * 255.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(value[2]))), expected)
    gray = events["gray"][0][1]
    assert len(gray) == 5
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(gray[4]))), np.full([2, 2], 7, np.uint8))


def test_text_writes_string_tensors(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=2):
        tf.summary.text("t", "hello")
        tf.summary.text("t2", ["a", "bb"])
        with pytest.raises(TypeError):
            tf.summary.text("bad", 3.0)
    events = _read(tmp_path)
    assert events["t"][0][1] == b"hello" and events["t"][0][1].shape == ()
    assert list(events["t2"][0][1]) == [b"a", b"bb"]
    assert events["t"][0][2].plugin_data.plugin_name == "text"


def test_audio_writes_wav_clips_with_tensorboards_audio_metadata(tmp_path):
    import wave

    from tensorboard.plugins.audio import metadata as audio_metadata

    clips = np.random.RandomState(1).uniform(-1.2, 1.2, [2, 50, 2]).astype(np.float32)
    clips[0, 0, 0], clips[0, 1, 0] = 0.5 / 32768, -1.5 / 32768  # TF rounds half away from zero: 1, -2
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=2):
        tf.summary.audio("a", clips, 16000, max_outputs=1, description="d")
        tf.summary.audio("none", clips, 8000, max_outputs=0)
        with pytest.raises(ValueError, match="Unknown encoding"):
            tf.summary.audio("x", clips, 8000, encoding="mp3")
        with pytest.raises(ValueError, match="must have rank 3"):
            tf.summary.audio("x", clips[0], 8000)
    events = _read(tmp_path)
    step, value, md = events["a"][0]
    assert step == 2 and value.shape == (1, 2) and value[0, 1] == b""
    assert md.plugin_data.plugin_name == "audio" and md.summary_description == "d"
    assert audio_metadata.parse_plugin_metadata(md.plugin_data.content).encoding == audio_metadata.Encoding.Value("WAV")
    with wave.open(io.BytesIO(value[0, 0])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, 16000, 50)
        samples = np.frombuffer(w.readframes(50), "<i2").reshape(50, 2)
    scaled = clips[0].astype(np.float64) * 32768
    expected = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5), -32768, 32767)
    np.testing.assert_array_equal(samples, expected)
    assert samples[0, 0] == 1 and samples[1, 0] == -2
    assert events["none"][0][1].shape == (0, 2)


def test_step_handling_as_tf(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    # Without a default writer nothing is written and no step is needed.
    assert not tf.summary.scalar("a", 1.0).numpy()
    with writer.as_default():
        with pytest.raises(ValueError, match=r"No step set\. Please specify one either through the `step` argument"):
            tf.summary.scalar("a", 1.0)
        with tf.summary.record_if(False):
            assert not tf.summary.scalar("a", 1.0).numpy()  # not recording: no step needed
        tf.summary.experimental.set_step(5)
        assert tf.summary.experimental.get_step() == 5
        tf.summary.scalar("a", 1.0)
        with writer.as_default(step=tf.Variable(9, dtype=tf.int64)):
            tf.summary.scalar("a", 2.0)
        assert tf.summary.experimental.get_step() == 5  # as_default(step) restores the step
        tf.summary.scalar("a", 3.0)
    assert [(s, float(v)) for s, v, _ in _read(tmp_path)["a"]] == [(5, 1.0), (9, 2.0), (5, 3.0)]


def test_record_if_and_should_record_summaries(tmp_path):
    assert not tf.summary.should_record_summaries().numpy()
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)
    with writer.as_default(step=step):
        assert tf.summary.should_record_summaries().numpy()
        with tf.summary.record_if(lambda: step % 2 == 0):
            for _ in range(4):
                tf.summary.scalar("even", tf.cast(step, tf.float32))
                step.assign_add(1)
        with tf.summary.record_if(tf.constant(False)):
            assert not tf.summary.should_record_summaries().numpy()
            assert not tf.summary.scalar("never", 1.0).numpy()
    with tf.summary.create_noop_writer().as_default():
        assert not tf.summary.should_record_summaries().numpy()
        assert not tf.summary.scalar("noop", 1.0, step=0).numpy()
    events = _read(tmp_path)
    assert [(s, float(v)) for s, v, _ in events["even"]] == [(0, 0.0), (2, 2.0)]
    assert "never" not in events


def test_set_as_default_and_flush_make_events_readable(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=100, flush_millis=10**7)
    writer.set_as_default(step=1)
    try:
        tf.summary.scalar("s", 4.0)
        assert _read(tmp_path) == {}  # still queued
        tf.summary.flush()
        assert float(_read(tmp_path)["s"][0][1]) == 4.0
    finally:
        tf.summary.experimental.set_step(None)
        with tf.summary.create_noop_writer().as_default():
            pass
        from tapejax._src.summary import writer as writer_lib

        writer_lib._state.writer = None
    with pytest.raises(ValueError, match="Invalid argument to flush"):
        tf.summary.flush(writer="x")


def test_closed_writer_raises_on_as_default_and_ignores_flush(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    writer.set_as_default(step=1)
    try:
        writer.close()
        with pytest.raises(tf.errors.NotFoundError, match=r"does not exist.*\[Op:WriteSummary\]"):
            tf.summary.scalar("x", 1.0)
        tf.summary.flush()
    finally:
        from tapejax._src.summary import writer as writer_lib

        writer_lib._state.writer = None
        tf.summary.experimental.set_step(None)
    writer.flush()
    writer.close()
    with pytest.raises(RuntimeError, match="is already closed"):
        writer.set_as_default()
    with pytest.raises(RuntimeError, match="is already closed"):
        writer.as_default()
    with pytest.raises(ValueError, match="`logdir` cannot be None"):
        tf.summary.create_file_writer(None)


def test_summaries_inside_tf_function_use_the_step_of_each_run(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        with writer.as_default(step=step):
            y = x * v
            tf.summary.scalar("y", y)
            tf.summary.histogram("hx", x * tf.ones([4]), buckets=2)
            with tf.summary.record_if(lambda: step % 2 == 0):  # a condition on the Variable, in the program
                tf.summary.scalar("even", y)
        step.assign_add(1)
        return y

    for i in range(3):
        f(tf.constant(float(i)))
    # Leaving as_default() flushed in each run (fewer events than max_queue: nothing else flushed them).
    events = _read(tmp_path)
    assert [(s, float(v)) for s, v, _ in events["y"]] == [(0, 0.0), (1, 2.0), (2, 4.0)]
    np.testing.assert_array_equal(events["hx"][2][1], [[2, 2, 0], [2, 2, 4]])
    assert [s for s, _, _ in events["even"]] == [0, 2]


def test_summary_under_a_tape_keeps_gradients(tmp_path):
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
        with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
            tf.summary.scalar("y", y)
            tf.summary.histogram("y2", y * tf.ones([2]))
    assert float(tape.gradient(y, v)) == 6.0
    assert float(_read(tmp_path)["y"][0][1]) == 9.0


def test_write_summary_scope_and_non_scalar_error(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=0):
        with tf.name_scope("a"), tf.summary.experimental.summary_scope("my op", "Default") as (tag, scope):
            assert (tag, scope) == ("a/my op", "a/myop/")
            assert tf.summary.write(tag, tf.constant([1, 2])).numpy()
        assert tf.summary.write("lazy", lambda: tf.constant(1.5)).numpy()
        with pytest.raises(ValueError, match=r"Expected scalar shape, saw shape: \(2,\)\."):
            tf.summary.scalar("vec", [1.0, 2.0])
        with pytest.raises(ValueError, match=r"must have rank 4\.  Received rank 1, shape \(2,\)"):
            tf.summary.image("img", [1.0, 2.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x >= 0"):
            tf.summary.image("img", np.zeros([1, 2, 2, 1]), max_outputs=-1)
    # Without a writer a scalar's shape is still checked (TF asserts it first); an image's is not.
    with pytest.raises(ValueError, match="Expected scalar shape"):
        tf.summary.scalar("vec", np.zeros([1]), step=0)
    assert not tf.summary.image("img", [1.0], step=0).numpy()
    events = _read(tmp_path)
    np.testing.assert_array_equal(events["a/my op"][0][1], np.array([1, 2], np.int32))
    assert events["a/my op"][0][1].dtype == np.int32
    assert float(events["lazy"][0][1]) == 1.5


def test_write_raw_pb_writes_serialized_summaries(tmp_path):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.scalar import summary_v2 as scalar_summary

    raw = scalar_summary.scalar_pb("raw", 2.5).SerializeToString()
    other = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="simple", simple_value=1.5)]).SerializeToString()
    assert not tf.summary.experimental.write_raw_pb(raw, step=1).numpy()  # no writer
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with tf.summary.record_if(False), pytest.raises(ValueError, match="No step set"):
            tf.summary.experimental.write_raw_pb(raw)  # TF checks the step first here
        assert tf.summary.experimental.write_raw_pb([raw, other], step=7).numpy()
    assert [(s, float(v)) for s, v, _ in _read(tmp_path)["raw"]] == [(7, 2.5)]
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("simple")] == [(7, 1.5)]


def test_trace_export_needs_trace_on():
    with pytest.raises(ValueError, match=r"Must enable trace before export through tf\.summary\.trace_on\."):
        tf.summary.trace_export("g", step=0)
    tf.summary.trace_on(graph=True)
    tf.summary.trace_export("g", step=0)
    tf.summary.trace_off()


def test_missing_names_point_to_tf():
    with pytest.raises(AttributeError):
        tf.summary.not_a_summary  # noqa: B018
