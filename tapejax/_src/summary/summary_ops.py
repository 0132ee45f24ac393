"""``tf.summary.write`` and the typed summaries (``scalar``, ``histogram``, ``image``, ``text``).

Each writes what TF 2.21 with TensorBoard writes: one ``Summary.Value`` whose ``tensor`` holds the data
in TensorBoard's v2 layout (a float32 scalar; a ``[k, 3]`` float64 histogram of ``[left, right, count]``
rows; a string vector ``[width, height, png, ...]``; a string tensor) and whose ``metadata`` names the
plugin (``scalars``, ``histograms``, ``images``, ``text``), under the tag prefixed by the name scopes.

Eagerly the event is written at once. Inside ``tf.function`` (any JAX trace) the values go to the
host through ``jax.debug.callback(..., ordered=True)``: the event is written each time the compiled
program runs, with the step and condition values of that run (a Variable step such as
``optimizer.iterations`` is read in the program).
"""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jax
import numpy as np

from tapejax._src import errors
from tapejax._src.context import get_current_name_scope, name_scope
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.function import in_trace
from tapejax._src.summary import writer as writer_lib

_NO_STEP = (
    "No step set. Please specify one either through the `step` argument or through tf.summary.experimental.set_step()"
)
_INVALID_SCOPE_CHARACTERS = re.compile(r"[^-_/.A-Za-z0-9]")
_DTYPES = {
    "float32": "DT_FLOAT",
    "float64": "DT_DOUBLE",
    "float16": "DT_HALF",
    "int8": "DT_INT8",
    "int16": "DT_INT16",
    "int32": "DT_INT32",
    "int64": "DT_INT64",
    "uint8": "DT_UINT8",
    "uint16": "DT_UINT16",
    "uint32": "DT_UINT32",
    "uint64": "DT_UINT64",
    "bool": "DT_BOOL",
}


def _ops() -> Any:
    import tapejax

    return tapejax


# -- protobufs (tensorboardX's compiled TF protos) ------------------------------------------------------
def _tensor_proto(value: np.ndarray) -> Any:
    """A ``TensorProto`` of a NumPy array (numbers, or bytes objects for DT_STRING)."""
    *_, tensor_pb2, tensor_shape_pb2 = writer_lib._tensorboardx()
    from tensorboardX.proto import types_pb2

    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in value.shape])
    if value.dtype == object or value.dtype.kind in "SU":
        strings = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in value.ravel().tolist()]
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=shape, string_val=strings)
    dtype = getattr(types_pb2, _DTYPES[value.dtype.name])
    content = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<")).tobytes()
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, tensor_content=content)


def _metadata(plugin_name: str | None, description: str | None, metadata: Any = None) -> Any:
    summary_pb2 = writer_lib._tensorboardx()[2]
    if metadata is not None:
        if hasattr(metadata, "SerializeToString"):
            metadata = metadata.SerializeToString()
        return summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    md = summary_pb2.SummaryMetadata(summary_description=description or "")
    if plugin_name is not None:
        md.plugin_data.plugin_name = plugin_name
    return md


def plugin_metadata(plugin_name: str, content: bytes = b"") -> Any:
    """A ``SummaryMetadata`` naming a TensorBoard plugin, with its content bytes."""
    md = _metadata(plugin_name, None)
    md.plugin_data.content = content
    return md


# -- the generic write ----------------------------------------------------------------------------------
def _is_traced(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


_TENSORS = (TensorBase, VariableBase)


def _host(x: Any) -> np.ndarray:
    """The value of a Tensor, Variable, NumPy or Python value, on the host (no op, no compile)."""
    return np.asarray(x._value if isinstance(x, _TENSORS) else x)


def _rank(x: Any) -> int:
    return len(x.shape) if isinstance(x, _TENSORS) else np.ndim(x)


def _write(
    tag: str | None,
    tensor: Any,
    step: Any,
    metadata: Any,
    to_host: Callable[[np.ndarray], np.ndarray] = np.asarray,
) -> Any:
    """Writes ``to_host(value of tensor)`` under ``tag`` at ``step`` to the default writer, if recording.

    ``tensor`` is a Tensor-like, a NumPy string array, or a callable returning one (called only when
    a summary is recorded). Returns a bool Tensor: whether it was written. With ``tag=None`` the value
    holds serialized ``Summary`` protobufs, each written as it is (``write_raw_pb``), and the step is
    checked before the recording condition, as TF does there.
    """
    tf = _ops()
    writer = writer_lib._state.writer
    if writer is None:
        return tf.constant(False)
    if step is None and tag is None:
        step = writer_lib.get_step()
        if step is None:
            raise ValueError(_NO_STEP)
    cond = writer_lib.recording_condition()
    if not isinstance(cond, (bool, np.bool_)):
        cond = tf.convert_to_tensor(cond)
        if not _is_traced(cond._value) and not bool(np.asarray(cond._value)):
            return tf.constant(False)
    elif not cond:
        return tf.constant(False)
    if step is None:
        step = writer_lib.get_step()
        if step is None:
            raise ValueError(_NO_STEP)
    value = tensor() if callable(tensor) else tensor
    strings = isinstance(value, np.ndarray) and (value.dtype == object or value.dtype.kind in "SU")
    cond_v = np.bool_(True) if isinstance(cond, (bool, np.bool_)) else cond._value
    inputs = [step] + ([] if strings else [value])
    traced = in_trace() or _is_traced(cond_v) or any(_is_traced(x._value) for x in inputs if isinstance(x, _TENSORS))
    if traced:
        # Through ops, so that tf.function lifts a Variable step or value (a direct read would be a constant).
        step_v = tf.identity(step)._value
        value_v = None if strings else tf.identity(value)._value
    else:
        step_v = _host(step)
        value_v = None if strings else _host(value)
    summary_pb2 = writer_lib._tensorboardx()[2]
    md = metadata

    def emit(step_a: Any, cond_a: Any, *value_a: Any) -> None:
        if not bool(np.asarray(cond_a)):
            return
        host = value if strings else np.asarray(value_a[0])
        if tag is None:
            for raw in np.asarray(host, dtype=object).ravel().tolist():
                writer.add_summary(summary_pb2.Summary.FromString(raw), int(np.asarray(step_a)))
            return
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, metadata=md, tensor=_tensor_proto(to_host(host)))]
        )
        writer.add_summary(summary, int(np.asarray(step_a)))

    arrays = [step_v, cond_v] + ([] if strings else [value_v])
    if traced:
        jax.debug.callback(emit, *arrays, ordered=True)
        return cond if not isinstance(cond, (bool, np.bool_)) else tf.constant(True)
    if getattr(writer, "_closed", False):
        raise errors.NotFoundError(
            None, None, f"Resource of SummaryWriter {writer!r} does not exist: it was closed. [Op:WriteSummary]"
        )
    emit(*arrays)
    return tf.constant(True) if isinstance(cond, (bool, np.bool_)) else cond


def write(tag: str, tensor: Any, step: Any = None, metadata: Any = None, name: str | None = None) -> Any:
    """Writes ``tensor`` under ``tag`` to the default writer if one is recording (``tf.summary.write``).

    Args:
      tag: the summary tag (as given: no name-scope prefix is added here).
      tensor: a Tensor-like value, or a callable returning one (called only when written). Strings:
        a Python ``str``/``bytes`` or a NumPy array of them.
      step: the int64 step; None means ``tf.summary.experimental.get_step()``.
      metadata: a ``SummaryMetadata`` protobuf (any class with ``SerializeToString``) or its bytes.
      name: ignored.

    Returns:
      A bool Tensor: True if written, False without a default writer or when ``record_if`` is off.

    Raises:
      ValueError: TF's "No step set..." when recording with neither ``step`` nor a default step.

    Differences from TensorFlow: tapejax has no string tensors, so strings are Python/NumPy values.
    """
    del name
    return _write(
        tag, _strings_or_value(tensor), step, _metadata(None, None, metadata if metadata is not None else b"")
    )


def write_raw_pb(tensor: Any, step: Any = None, name: str | None = None) -> Any:
    """Writes serialized ``Summary`` protobufs as they are (``tf.summary.experimental.write_raw_pb``).

    Args:
      tensor: ``bytes`` of one serialized ``Summary``, or a list or NumPy array of them.
      step: the step; None means ``tf.summary.experimental.get_step()``.
      name: ignored.

    Returns:
      A bool Tensor: True if written, False without a default writer or when ``record_if`` is off.

    Raises:
      ValueError: no step (checked before ``record_if``, as TF).

    Differences from TensorFlow: the protobufs are Python ``bytes`` (tapejax has no string tensors).
    """
    del name
    raw = np.asarray(tensor if isinstance(tensor, (list, tuple, np.ndarray)) else [tensor], dtype=object)
    return _write(None, raw, step, None)


def _strings_or_value(data: Any) -> Any:
    if callable(data):
        return lambda: _strings_or_value(data())
    if isinstance(data, (str, bytes)):
        return np.array(data, dtype=object)
    if isinstance(data, (list, tuple, np.ndarray)):
        array = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
        if array.size and all(isinstance(v, (str, bytes)) for v in array.ravel().tolist()):
            return np.asarray(data, dtype=object)
    return data


@contextmanager
def summary_scope(name: str | None, default_name: str = "summary", values: Any = None) -> Iterator[tuple[str, str]]:
    """Yields ``(tag, scope)``: ``tag`` is ``name`` under the current name scopes (``tf.summary.experimental.summary_scope``).

    >>> import tapejax as tf
    >>> with tf.name_scope("outer"):
    ...     with tf.summary.experimental.summary_scope("loss/a b") as (tag, scope):
    ...         print(tag, scope)
    outer/loss/a b outer/loss/ab/
    """
    del values
    name = name or default_name
    current = get_current_name_scope()
    tag = f"{current}/{name}" if current else name
    scope_name = _INVALID_SCOPE_CHARACTERS.sub("", name) or default_name
    with name_scope(scope_name) as scope:
        yield tag, scope


def should_record_summaries() -> Any:
    """Whether summaries would be written here: a default writer and a true ``record_if`` (a bool Tensor).

    >>> import tapejax as tf
    >>> print(tf.summary.should_record_summaries())
    tf.Tensor(False, shape=(), dtype=bool)
    """
    tf = _ops()
    cond = writer_lib.recording_condition()
    if isinstance(cond, (bool, np.bool_)):
        return tf.constant(bool(cond))
    return tf.cast(cond, tf.bool)


# -- typed summaries ------------------------------------------------------------------------------------
def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> Any:
    """Writes a scalar (as float32) under ``name`` prefixed by the name scopes (``tf.summary.scalar``).

    Args:
      name: the tag (name scopes are prepended).
      data: a real scalar (Tensor, Variable, NumPy or Python number).
      step: the step; None means ``tf.summary.experimental.get_step()``.
      description: the summary's Markdown description.

    Returns:
      A bool Tensor: whether it was written.

    Raises:
      ValueError: a non-scalar ``data`` (always), or no step when written (TF's messages).

    >>> import tempfile, tapejax as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default():
    ...     print(tf.summary.scalar("acc", 0.9, step=3))
    tf.Tensor(True, shape=(), dtype=bool)
    """
    if _rank(data) != 0:
        raise ValueError(f"Expected scalar shape, saw shape: {tuple(np.shape(_host(data)))}.")
    with summary_scope(name, "scalar_summary") as (tag, _):
        return _write(tag, data, step, _metadata("scalars", description), lambda a: np.asarray(a).astype(np.float32))


def histogram_buckets(data: np.ndarray, bucket_count: int) -> np.ndarray:
    """TensorBoard's v2 histogram of ``data`` (float64): ``[bucket_count, 3]`` rows ``[left, right, count]``."""
    bucket_count = max(0, int(bucket_count))
    data = np.asarray(data, dtype=np.float64).ravel()
    if data.size == 0 or bucket_count == 0:
        return np.zeros((bucket_count, 3), np.float64)
    min_, max_ = data.min(), data.max()
    range_ = max_ - min_
    if range_ == 0:
        edges = np.full(bucket_count, max_)
        counts = np.zeros(bucket_count)
        counts[-1] = data.size
        return np.stack([edges, edges, counts], axis=1)
    width = range_ / bucket_count
    indices = np.minimum(np.floor((data - min_) / width).astype(np.int64), bucket_count - 1)
    counts = np.bincount(indices, minlength=bucket_count).astype(np.float64)
    edges = np.linspace(min_, max_, bucket_count + 1)
    edges[-1] = max_
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def histogram(
    name: str, data: Any, step: Any = None, buckets: int | None = None, description: str | None = None
) -> Any:
    """Writes a histogram of all elements of ``data`` (``tf.summary.histogram``), as TensorBoard's v2 layout.

    Args:
      name: the tag (name scopes are prepended).
      data: a real tensor of any shape (cast to float64).
      step: the step; None means ``tf.summary.experimental.get_step()``.
      buckets: the number of buckets (TF's default 30): equal widths from the minimum to the maximum;
        all-equal data puts every count in the last bucket; empty data gives zero rows.
      description: the summary's Markdown description.

    Returns:
      A bool Tensor: whether it was written.
    """
    count = 30 if buckets is None else int(buckets)
    with summary_scope(name, "histogram_summary") as (tag, _):
        return _write(
            tag,
            data,
            step,
            _metadata("histograms", description),
            lambda a: histogram_buckets(a, count),
        )


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """``tf.image.convert_image_dtype(x, tf.uint8, saturate=True)`` on the host (TF's rules, in NumPy)."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind in "iu":
        scale_in = int(np.iinfo(x.dtype).max)
        if scale_in > 255:
            x = np.floor_divide(x, np.array((scale_in + 1) // 256, x.dtype))
            return np.clip(x, 0, 255).astype(np.uint8)
        return np.clip(x, 0, 255).astype(np.uint8) * np.uint8(256 // (scale_in + 1))
    if x.dtype.kind != "f" and x.dtype.name != "bfloat16":
        raise TypeError(f"tf.summary.image: image dtype must be floating point or integer, got {x.dtype}.")
    scaled = x * np.array(255.5, x.dtype)  # TF multiplies by MAX + 0.5 in the image's dtype and truncates
    return np.clip(scaled.astype(np.float64), 0, 255).astype(np.uint8)


def _encode_images(images: np.ndarray, max_outputs: int) -> np.ndarray:
    from tapejax._src.image_codecs import encode_png

    # TF's dimensions are those of the whole batch: [width, height], then one PNG per image kept.
    pngs = [encode_png(images[i]) for i in range(min(max_outputs, images.shape[0]))]
    return np.array([str(images.shape[2]).encode(), str(images.shape[1]).encode(), *pngs], dtype=object)


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3, description: str | None = None) -> Any:
    """Writes up to ``max_outputs`` images of a ``[k, h, w, c]`` batch as PNGs (``tf.summary.image``).

    Args:
      name: the tag (name scopes are prepended).
      data: ``[k, h, w, c]`` with ``c`` 1, 3 or 4; floats in [0, 1] (converted as
        ``tf.image.convert_image_dtype(data, tf.uint8, saturate=True)``) or uint8.
      step: the step; None means ``tf.summary.experimental.get_step()``.
      max_outputs: the most images written.
      description: the summary's Markdown description.

    Returns:
      A bool Tensor: whether it was written.

    Raises:
      ValueError: ``data`` not of rank 4 (when written).
      InvalidArgumentError: a negative ``max_outputs`` (when written).
      ImportError: without Pillow (the optional extra ``image``), which encodes the PNGs.

    Differences from TensorFlow: PNGs are encoded by Pillow (same pixels; other bytes than libpng's).
    """

    def value() -> Any:  # checked only when written, as TF's lazy tensor
        if _rank(data) != 4:
            shape = tuple(np.shape(_host(data)))
            raise ValueError(f"Tensor  must have rank 4.  Received rank {len(shape)}, shape {shape}")
        if int(max_outputs) < 0:
            raise errors.InvalidArgumentError(
                None, None, f"\nCondition x >= 0 did not hold element-wise:\nx (shape=() dtype=int32) = \n{max_outputs}"
            )
        return data

    with summary_scope(name, "image_summary") as (tag, _):
        return _write(
            tag,
            value,
            step,
            _metadata("images", description),
            lambda a: _encode_images(_to_uint8(a), int(max_outputs)),
        )


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> Any:
    """Writes text (a string or a nested list/array of strings, Markdown) under ``name`` (``tf.summary.text``).

    Returns:
      A bool Tensor: whether it was written.

    Raises:
      TypeError: ``data`` not made of strings.

    Differences from TensorFlow: tapejax has no string tensors: ``data`` is a Python ``str``/``bytes``,
    or a list or NumPy array of them.
    """
    strings = _strings_or_value(data)
    if not isinstance(strings, np.ndarray):
        raise TypeError(f"tf.summary.text: data must be a string or strings, got {type(data).__name__}.")
    with summary_scope(name, "text_summary") as (tag, _):
        return _write(tag, strings, step, _metadata("text", description))


_AUDIO_PLUGIN_DATA: list[Any] = []


def _audio_plugin_data() -> Any:
    """TensorBoard's ``AudioPluginData`` message class, built from its schema (tensorboardX lacks it)."""
    if not _AUDIO_PLUGIN_DATA:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        field = descriptor_pb2.FieldDescriptorProto
        file = descriptor_pb2.FileDescriptorProto(
            name="tapejax/audio_plugin_data.proto", package="tapejax.tensorboard.audio", syntax="proto3"
        )
        message = file.message_type.add(name="AudioPluginData")
        enum = message.enum_type.add(name="Encoding")
        enum.value.add(name="UNKNOWN", number=0)
        enum.value.add(name="WAV", number=11)
        message.field.add(name="version", number=1, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL)
        message.field.add(
            name="encoding",
            number=2,
            type=field.TYPE_ENUM,
            type_name=".tapejax.tensorboard.audio.AudioPluginData.Encoding",
            label=field.LABEL_OPTIONAL,
        )
        message.field.add(name="converted_to_tensor", number=3, type=field.TYPE_BOOL, label=field.LABEL_OPTIONAL)
        pool = descriptor_pool.DescriptorPool()
        pool.Add(file)
        descriptor = pool.FindMessageTypeByName("tapejax.tensorboard.audio.AudioPluginData")
        _AUDIO_PLUGIN_DATA.append(message_factory.GetMessageClass(descriptor))
    return _AUDIO_PLUGIN_DATA[0]


def _encode_wav(clip: np.ndarray, sample_rate: int) -> bytes:
    """``tf.audio.encode_wav``: 16-bit PCM, samples ``x * 32768`` rounded half away from zero, clamped."""
    scaled = clip.astype(np.float32) * np.float32(32768.0)
    samples = np.clip(np.trunc(scaled + np.copysign(np.float32(0.5), scaled)), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(clip.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def audio(
    name: str,
    data: Any,
    sample_rate: Any,
    step: Any = None,
    max_outputs: int = 3,
    encoding: str | None = None,
    description: str | None = None,
) -> Any:
    """Writes up to ``max_outputs`` clips of a ``[k, t, c]`` batch as WAV files (``tf.summary.audio``).

    Args:
      name: the tag (name scopes are prepended).
      data: ``[k, t, c]`` float samples in [-1, 1] (``k`` clips of ``t`` frames and ``c`` channels).
      sample_rate: the sample rate in Hz.
      step: the step; None means ``tf.summary.experimental.get_step()``.
      max_outputs: the most clips written.
      encoding: ``"wav"`` (the default and only one).
      description: the summary's Markdown description.

    Returns:
      A bool Tensor: whether it was written.

    Raises:
      ValueError: an encoding other than ``"wav"``; ``data`` not of rank 3 (when written).
      InvalidArgumentError: a negative ``max_outputs`` (when written).
    """
    if encoding is None:
        encoding = "wav"
    if encoding != "wav":
        raise ValueError(f"Unknown encoding: {encoding!r}")
    md = _metadata("audio", description)
    md.plugin_data.content = _audio_plugin_data()(version=0, encoding=11).SerializeToString()
    rate = int(_host(sample_rate))

    def value() -> Any:  # checked only when written, as TF's lazy tensor
        if _rank(data) != 3:
            shape = tuple(np.shape(_host(data)))
            raise ValueError(f"Tensor  must have rank 3.  Received rank {len(shape)}, shape {shape}")
        if int(max_outputs) < 0:
            raise errors.InvalidArgumentError(
                None, None, f"\nCondition x >= 0 did not hold element-wise:\nx (shape=() dtype=int32) = \n{max_outputs}"
            )
        return data

    def to_host(clips: np.ndarray) -> np.ndarray:
        kept = clips[: int(max_outputs)]
        out = np.empty((kept.shape[0], 2), dtype=object)
        for i, clip in enumerate(kept):
            out[i] = (_encode_wav(clip, rate), b"")
        return out

    with summary_scope(name, "audio_summary") as (tag, _):
        return _write(tag, value, step, md, to_host)


# -- tracing (no graphs in tapejax) ---------------------------------------------------------------------
_trace_on = [False]


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir: str | None = None) -> None:
    """Starts a trace (``tf.summary.trace_on``); tapejax collects no graphs or profiles.

    Differences from TensorFlow: tapejax has no TF graphs to collect: ``trace_on``/``trace_export``
    keep TF's state and errors, and ``trace_export`` writes nothing. Profile with ``jax.profiler``.
    """
    del graph, profiler, profiler_outdir
    _trace_on[0] = True


def trace_export(name: str, step: Any = None, profiler_outdir: str | None = None) -> None:
    """Ends the trace (``tf.summary.trace_export``); writes nothing (no graphs in tapejax).

    Raises:
      ValueError: TF's error when no trace was started with ``trace_on``.
    """
    del name, step, profiler_outdir
    if not _trace_on[0]:
        raise ValueError("Must enable trace before export through tf.summary.trace_on.")
    trace_off()


def trace_off() -> None:
    """Stops the trace and discards it (``tf.summary.trace_off``)."""
    _trace_on[0] = False
