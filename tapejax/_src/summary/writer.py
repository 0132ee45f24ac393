"""``tf.summary`` writers and their thread-local state: the default writer, step and recording condition.

A file writer appends ``Event`` records to ``events.out.tfevents.<time>.<host>.<pid>.<n>.v2`` (TF's
file name) through tensorboardX's synchronous ``EventsWriter`` (its protobufs and TFRecord framing);
TF's queue rules are kept here: a flush after ``max_queue`` pending events, or once ``flush_millis``
have passed since the last flush, and on ``flush()``/``close()``/leaving ``as_default()``.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_INSTALL_HINT = (
    "tf.summary writes TensorBoard event files through tensorboardX, which is not installed. "
    "Install the optional extra: pip install 'tapejax[tensorboard]' (or pip install tensorboardX)."
)


def _tensorboardx() -> Any:
    """tensorboardX's event writer and protobuf modules, or TF-style guidance to install them."""
    try:
        from tensorboardX import event_file_writer
        from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return event_file_writer, event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2


class _SummaryState(threading.local):
    """TF's per-thread summary state: the default writer, the default step and the recording condition."""

    def __init__(self) -> None:
        self.writer: SummaryWriter | None = None
        self.step: Any = None
        self.is_recording: Any = None


_state = _SummaryState()


class _SummaryContextManager:
    """``SummaryWriter.as_default()``: makes the writer (and a step) the default; flushes on exit."""

    def __init__(self, writer: SummaryWriter, step: Any = None) -> None:
        self._writer = writer
        self._step = step
        self._old_writer: SummaryWriter | None = None
        self._old_step: Any = None

    def __enter__(self) -> SummaryWriter:
        self._old_writer = _state.writer
        _state.writer = self._writer
        if self._step is not None:
            self._old_step = _state.step
            _state.step = self._step
        return self._writer

    def __exit__(self, *exc: object) -> bool:
        if _state.writer is not None:
            _flush_in_program(_state.writer)
        _state.writer = self._old_writer
        if self._step is not None:
            _state.step = self._old_step
        return False


class SummaryWriter:
    """The interface of a summary writer (``tf.summary.SummaryWriter``); made by ``create_file_writer``."""

    def set_as_default(self, step: Any = None) -> None:
        """Makes this writer the default of the current thread (and ``step`` the default step if given)."""
        self.as_default(step).__enter__()

    def as_default(self, step: Any = None) -> Any:
        """A context manager making this writer (and ``step``, if not None) the default; flushes on exit."""
        return _SummaryContextManager(self, step)

    def init(self) -> None:
        """Initializes the writer."""
        raise NotImplementedError()

    def flush(self) -> None:
        """Writes buffered events to the file."""
        raise NotImplementedError()

    def close(self) -> None:
        """Flushes and closes the writer."""
        raise NotImplementedError()


_WRITER_IDS = itertools.count()


class _FileWriter(SummaryWriter):
    """A writer of one event file in ``logdir`` (what ``tf.summary.create_file_writer`` returns)."""

    def __init__(self, logdir: str, max_queue: int, flush_millis: int, filename_suffix: str) -> None:
        event_file_writer, self._event_pb2, *_ = _tensorboardx()
        os.makedirs(logdir, exist_ok=True)
        # TF's file name: events.out.tfevents.<seconds>.<host>.<pid>.<writer number><suffix>
        suffix = f".{os.getpid()}.{next(_WRITER_IDS)}{filename_suffix}"
        self._writer = event_file_writer.EventsWriter(os.path.join(logdir, "events"), suffix)
        self.logdir = logdir
        self._max_queue = max_queue
        self._flush_secs = flush_millis / 1000.0
        self._pending = 0
        self._last_flush = time.time()
        self._lock = threading.Lock()
        self._closed = False
        # Closed (so flushed) when the writer is garbage collected or Python exits, as TF's resource is.
        self._finalizer = weakref.finalize(self, self._writer.close)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"SummaryWriter {self!r} is already closed")

    def set_as_default(self, step: Any = None) -> None:
        """Makes this writer the default of the current thread; RuntimeError once closed."""
        self._check_open()
        super().set_as_default(step)

    def as_default(self, step: Any = None) -> Any:
        """A context manager making this writer the default; RuntimeError once closed."""
        self._check_open()
        return super().as_default(step)

    def init(self) -> None:
        """Does nothing (the file exists from construction); RuntimeError once closed."""
        self._check_open()

    def add_summary(self, summary: Any, step: int) -> None:
        """Appends one ``Event`` holding ``summary`` at ``step`` (nothing once closed: eager writes raise first)."""
        with self._lock:
            if self._closed:
                return
            event = self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
            self._writer.write_event(event)
            self._pending += 1
            if self._pending > self._max_queue or time.time() - self._last_flush > self._flush_secs:
                self._flush_locked()

    def _flush_locked(self) -> None:
        self._writer.flush()
        self._pending = 0
        self._last_flush = time.time()

    def flush(self) -> None:
        """Writes buffered events to the file (nothing once closed)."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def close(self) -> None:
        """Flushes and closes the file; later eager writes raise NotFoundError, ``as_default`` RuntimeError."""
        with self._lock:
            if not self._closed:
                self._finalizer()
                self._closed = True


class _NoopSummaryWriter(SummaryWriter):
    """A writer that writes nothing (``tf.summary.create_noop_writer``); ``as_default`` sets nothing."""

    def set_as_default(self, step: Any = None) -> None:
        """Does nothing."""

    @contextmanager
    def as_default(self, step: Any = None) -> Iterator[None]:
        """A context manager that does nothing."""
        yield

    def init(self) -> None:
        """Does nothing."""

    def flush(self) -> None:
        """Does nothing."""

    def close(self) -> None:
        """Does nothing."""


def create_file_writer(
    logdir: Any,
    max_queue: int | None = None,
    flush_millis: int | None = None,
    filename_suffix: str | None = None,
    name: str | None = None,
    experimental_trackable: bool = False,
    experimental_mesh: Any = None,
) -> SummaryWriter:
    """A writer of a new event file in ``logdir`` (``tf.summary.create_file_writer``).

    Args:
      logdir: the directory (created if missing).
      max_queue: events kept before a flush; TF's default 10.
      flush_millis: the most milliseconds between flushes (checked at each write); TF's default 120000.
      filename_suffix: appended to the file name; TF's default ``".v2"``.
      name, experimental_trackable, experimental_mesh: accepted and ignored.

    Raises:
      ValueError: for ``logdir=None``.
      ImportError: without tensorboardX (the optional extra ``tapejax[tensorboard]``).

    >>> import tempfile, tapejax as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default(step=1):
    ...     print(tf.summary.scalar("loss", 0.5))
    tf.Tensor(True, shape=(), dtype=bool)

    Differences from TensorFlow: a writer is not a tracked resource (``experimental_trackable`` and
    ``experimental_mesh`` change nothing); the file starts with tensorboardX's ``brain.Event:2`` record.
    """
    del name, experimental_trackable, experimental_mesh
    if logdir is None:
        raise ValueError("Argument `logdir` cannot be None")
    return _FileWriter(
        os.fspath(logdir),
        10 if max_queue is None else int(max_queue),
        120_000 if flush_millis is None else int(flush_millis),
        ".v2" if filename_suffix is None else str(filename_suffix),
    )


def create_noop_writer() -> SummaryWriter:
    """A writer that writes nothing (``tf.summary.create_noop_writer``): its ``as_default`` sets no writer.

    >>> import tapejax as tf
    >>> with tf.summary.create_noop_writer().as_default():
    ...     print(tf.summary.scalar("x", 1.0, step=0))
    tf.Tensor(False, shape=(), dtype=bool)
    """
    return _NoopSummaryWriter()


def get_step() -> Any:
    """The default step of the current thread, or None (``tf.summary.experimental.get_step``).

    >>> import tapejax as tf
    >>> tf.summary.experimental.set_step(7)
    >>> tf.summary.experimental.get_step()
    7
    >>> tf.summary.experimental.set_step(None)
    """
    return _state.step


def set_step(step: Any) -> None:
    """Sets the default step of the current thread: an int, a Tensor, a Variable, or None to unset.

    A Variable step is read at each write, so ``optimizer.iterations`` can serve as the step.
    """
    _state.step = step


@contextmanager
def record_if(condition: Any) -> Iterator[None]:
    """Records summaries inside only if ``condition`` (``tf.summary.record_if``).

    Args:
      condition: True, False, a bool Tensor, or a callable returning one (called at each write).

    >>> import tapejax as tf
    >>> with tf.summary.record_if(False):
    ...     print(tf.summary.should_record_summaries())
    tf.Tensor(False, shape=(), dtype=bool)
    """
    old = _state.is_recording
    try:
        _state.is_recording = condition
        yield
    finally:
        _state.is_recording = old


def recording_condition() -> Any:
    """False without a default writer, else the resolved ``record_if`` condition (True when none)."""
    if _state.writer is None:
        return False
    cond: Callable[[], Any] | Any = _state.is_recording
    if callable(cond):
        cond = cond()
    return True if cond is None else cond


def _flush_in_program(writer: SummaryWriter) -> None:
    """Flushes now, or, inside ``tf.function``, each time the compiled program runs (TF's flush op)."""
    from tapejax._src.function import in_trace

    if in_trace():
        import jax

        jax.debug.callback(writer.flush, ordered=True)
    else:
        writer.flush()


def flush(writer: Any = None, name: str | None = None) -> None:
    """Flushes ``writer``, or the default writer; nothing without one (``tf.summary.flush``).

    Raises:
      ValueError: if ``writer`` is not a SummaryWriter.
    """
    del name
    if writer is None:
        writer = _state.writer
        if writer is None:
            return
    if isinstance(writer, SummaryWriter):
        _flush_in_program(writer)
        return
    raise ValueError(f"Invalid argument to flush(): {writer!r}")
