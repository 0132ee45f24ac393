"""``tf.train.Checkpoint``: saves and restores an object graph's Variables, with TF's file names.

``save("dir/ckpt")`` writes ``dir/ckpt-<n>.index`` (the object graph, JSON) and
``dir/ckpt-<n>.data-00000-of-00001`` (the values, a NumPy ``.npz`` archive) and records the path in
``dir/checkpoint`` (TF's text format), which ``tf.train.latest_checkpoint`` reads.

Differences from TensorFlow: the files are not TF's (TF's tools and ``tf.train.load_checkpoint``
do not read them, and tapejax does not read TF's); the storage is NumPy's ``.npz`` rather than Orbax
(see the package's docstring); saving is synchronous; ``options`` are accepted and ignored; restoration
is deferred only for Keras layers (their weights created on the first call), not for the
Variables a plain ``tf.Module`` creates later.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import numpy as np

from tapejax._src import errors
from tapejax._src.checkpoint import graph as graph_lib
from tapejax._src.checkpoint.restore import Restoration
from tapejax._src.variable import Variable

STATE_FILENAME = "checkpoint"
_DATA_SUFFIX = ".data-00000-of-00001"
_INDEX_SUFFIX = ".index"


class Checkpoint:
    """Groups trackable objects (Variables, Modules, Keras layers and models, optimizers) for saving.

    Args:
      root: an object whose children become the checkpoint's (optional).
      **kwargs: the objects to save, by name (also settable later as attributes).

    Raises:
      ValueError: for a value that is not trackable (TF's message).

    >>> import os, tempfile
    >>> import tapejax as tf
    >>> v = tf.Variable(1.0)
    >>> ckpt = tf.train.Checkpoint(v=v)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> os.path.basename(path)
    'ckpt-1'
    >>> _ = v.assign(5.0)
    >>> ckpt.restore(path).assert_consumed() is not None
    True
    >>> v.numpy()
    np.float32(1.0)
    """

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            _check_trackable(root)
            for name, child in graph_lib.children(root):
                self._children[name] = child
        for name, value in sorted(kwargs.items()):
            _check_trackable(value)
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        # (as TF's: an attribute set later is tracked if it holds trackables, and kept otherwise)
        if not name.startswith("_") and (graph_lib.is_trackable(value) or isinstance(value, (list, tuple, dict))):
            self._children[name] = value
        object.__setattr__(self, name, value)

    @property
    def save_counter(self) -> Variable:
        """The number of ``save`` calls so far (an int64 Variable, saved and restored with the rest)."""
        if self._save_counter is None:
            counter = Variable(np.int64(0), trainable=False, name="save_counter")
            object.__setattr__(self, "_save_counter", counter)
            self._children["save_counter"] = counter
        return self._save_counter

    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Writes the checkpoint to ``file_prefix`` exactly (no number, no ``checkpoint`` file); returns it."""
        del options
        prefix = os.fspath(file_prefix)
        graph, arrays = graph_lib.serialize(self)
        directory = os.path.dirname(prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        _write_atomic(prefix + _DATA_SUFFIX, buffer.getvalue())
        _write_atomic(prefix + _INDEX_SUFFIX, json.dumps(graph).encode())
        return prefix

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Writes ``<file_prefix>-<save_counter>`` and records it as the latest in the ``checkpoint`` file.

        Returns:
          the path written (pass it to ``restore``).
        """
        self.save_counter.assign_add(np.int64(1))
        prefix = f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}"
        path = self.write(prefix, options)
        update_checkpoint_state(os.path.dirname(path), path, [path])
        return path

    def read(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Restores from ``save_path`` (as :meth:`restore`)."""
        return self.restore(save_path, options)

    def restore(self, save_path: Any, options: Any = None) -> Any:
        """Assigns the saved values to the matching objects; values for objects not created yet wait.

        Returns:
          a status (``assert_consumed()``, ``assert_existing_objects_matched()``,
          ``assert_nontrivial_match()``, ``expect_partial()``); for ``save_path=None`` one that
          restores nothing.

        Raises:
          NotFoundError: when no checkpoint is at ``save_path``.
          ValueError: when a saved value's shape does not match its Variable's.
        """
        del options
        if save_path is None:
            return InitializationOnlyStatus()
        path = os.fspath(save_path)
        if not (os.path.exists(path + _INDEX_SUFFIX) and os.path.exists(path + _DATA_SUFFIX)):
            raise errors.NotFoundError(
                None,
                None,
                f"Error when restoring from checkpoint or SavedModel at {path}: Failed to find any matching files "
                f"for {path}\nPlease double-check that the path is correct. You may be missing the checkpoint "
                "suffix (e.g. the '-1' in 'path/to/ckpt-1').",
            )
        graph, arrays = _read_values(path)
        saved_names = {name for name, _ in graph["nodes"][0]["children"]}
        if "save_counter" in saved_names:
            _ = self.save_counter  # (created so that it is restored: the next save continues the numbering)
        restoration = Restoration(path, graph, arrays)
        restoration.bind(0, self)
        return CheckpointLoadStatus(self, restoration)


def _check_trackable(value: Any) -> None:
    if not graph_lib.is_trackable(value) and not isinstance(value, (list, tuple, dict)):
        raise ValueError(
            "`Checkpoint` was expecting a trackable object (an object derived from `Trackable`), got "
            f"{value}. If you believe this object should be trackable (i.e. it is part of the TensorFlow Python "
            "API and manages state), please open an issue."
        )


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class CheckpointLoadStatus:
    """What ``Checkpoint.restore`` matched; its assertions raise ``AssertionError`` as TF's do."""

    def __init__(self, checkpoint: Checkpoint, restoration: Restoration) -> None:
        self._checkpoint = checkpoint
        self._restoration = restoration

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Asserts that every saved value went to an object and every Variable got a saved value."""
        unresolved = self._restoration.unresolved()
        if unresolved:
            raise AssertionError(
                f"Unresolved object in checkpoint {unresolved[0]}: a saved value that no object in the Python "
                f"program took ({len(unresolved)} unresolved: {unresolved[:10]})"
            )
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Asserts that every Variable reachable now (optimizer slots included) got a saved value."""
        unmatched = self._restoration.unmatched_live(self._checkpoint)
        if unmatched:
            raise AssertionError(
                f"Found {len(unmatched)} Python objects that were not bound to checkpointed values, likely due to "
                f"changes in the Python program. Showing {min(len(unmatched), 10)} of {len(unmatched)} unmatched "
                f"objects: {unmatched[:10]}"
            )
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Asserts that something besides the root matched."""
        if len(self._restoration.matched) <= 1:
            raise AssertionError(
                "Nothing except the root object matched a checkpointed value. Typically this means that the "
                "checkpoint does not match the Python program."
            )
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Marks a partial restore as intended (tapejax never warns about one)."""
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run: eager restores are done."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: eager restores are done."""


class InitializationOnlyStatus:
    """The status of ``restore(None)``: nothing restored; the assertions raise."""

    def _fail(self) -> None:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_consumed(self) -> None:
        self._fail()

    def assert_existing_objects_matched(self) -> None:
        self._fail()

    def assert_nontrivial_match(self) -> None:
        self._fail()

    def expect_partial(self) -> InitializationOnlyStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: Variables are initialized when created."""


# -- the `checkpoint` state file -----------------------------------------------------------------------------
def read_checkpoint_state(directory: str, latest_filename: str | None = None) -> dict[str, Any] | None:
    """The fields of ``directory/checkpoint`` (TF's ``CheckpointState`` text format), or None."""
    path = os.path.join(directory, latest_filename or STATE_FILENAME)
    if not os.path.exists(path):
        return None
    state: dict[str, Any] = {"all_model_checkpoint_paths": [], "all_model_checkpoint_timestamps": []}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition(": ")
            if not key:
                continue
            value = json.loads(value) if value.startswith('"') else float(value)
            if key.startswith("all_"):
                state[key].append(value)
            else:
                state[key] = value
    if "model_checkpoint_path" not in state:
        return None
    for key in ("model_checkpoint_path", "all_model_checkpoint_paths"):
        value = state[key]
        fix = lambda p: p if os.path.isabs(p) else os.path.join(directory, p)  # noqa: E731
        state[key] = [fix(p) for p in value] if isinstance(value, list) else fix(value)
    return state


def update_checkpoint_state(
    directory: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str],
    timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    """Writes ``directory/checkpoint`` with paths relative to ``directory`` (as TF does)."""

    def rel(p: str) -> str:
        return os.path.relpath(p, directory) if directory else p

    lines = [f"model_checkpoint_path: {json.dumps(rel(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(rel(p))}" for p in all_model_checkpoint_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in timestamps or ()]
    if last_preserved_timestamp is not None:
        lines.append(f"last_preserved_timestamp: {last_preserved_timestamp!r}")
    _write_atomic(os.path.join(directory, STATE_FILENAME), ("\n".join(lines) + "\n").encode())


def latest_checkpoint(checkpoint_dir: Any, latest_filename: str | None = None) -> str | None:
    """The path of the newest checkpoint recorded in ``checkpoint_dir``, or None.

    >>> import tapejax as tf
    >>> tf.train.latest_checkpoint("/nonexistent") is None
    True
    """
    state = read_checkpoint_state(os.fspath(checkpoint_dir), latest_filename)
    if state is None:
        return None
    path = state["model_checkpoint_path"]
    return path if os.path.exists(path + _INDEX_SUFFIX) else None


def _checkpoint_prefix(ckpt_dir_or_file: Any) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    if not os.path.exists(path + _INDEX_SUFFIX):
        raise errors.NotFoundError(
            None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for {path}"
        )
    return path


def _read_values(prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with open(prefix + _INDEX_SUFFIX, "rb") as f:
        graph = json.loads(f.read().decode())
    with np.load(prefix + _DATA_SUFFIX, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return graph, arrays


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list[int]]]:
    """``(key, shape)`` of every value in a checkpoint (a path, or a directory: its latest), sorted by key.

    >>> import os, tempfile
    >>> import tapejax as tf
    >>> path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> tf.train.list_variables(path)
    [('_CHECKPOINTABLE_OBJECT_GRAPH', []), ('save_counter/.ATTRIBUTES/VARIABLE_VALUE', []), ('v/.ATTRIBUTES/VARIABLE_VALUE', [2])]
    """
    _, arrays = _read_values(_checkpoint_prefix(ckpt_dir_or_file))
    return sorted([("_CHECKPOINTABLE_OBJECT_GRAPH", []), *((k, list(v.shape)) for k, v in arrays.items())])


def load_variable(ckpt_dir_or_file: Any, name: str) -> np.ndarray:
    """The stored value of key ``name`` (as ``list_variables`` names it).

    Raises:
      NotFoundError: for a key the checkpoint does not hold.
    """
    graph, arrays = _read_values(_checkpoint_prefix(ckpt_dir_or_file))
    if name.endswith(":0"):
        name = name[:-2]
    if name not in arrays:
        raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
    dtype = next((n["dtype"] for n in graph["nodes"] if n.get("key") == name), arrays[name].dtype.name)
    return graph_lib.from_storable(arrays[name], dtype)
