"""``tf.train.CheckpointManager``: numbered saves in a directory, keeping the newest ``max_to_keep``."""

from __future__ import annotations

import os
import time
from typing import Any

from tapejax._src.checkpoint.checkpoint import (
    _DATA_SUFFIX,
    _INDEX_SUFFIX,
    read_checkpoint_state,
    update_checkpoint_state,
)


class CheckpointManager:
    """Saves ``checkpoint`` as ``directory/<checkpoint_name>-<n>`` and deletes all but the newest ``max_to_keep``.

    Args:
      checkpoint: the ``tf.train.Checkpoint`` to save and restore.
      directory: where the files and the ``checkpoint`` state file go (an existing state is resumed).
      max_to_keep: how many to keep (None: all).
      keep_checkpoint_every_n_hours: also keep one checkpoint per this many hours.
      checkpoint_name: the files' prefix.
      step_counter: a Variable read by ``checkpoint_interval``.
      checkpoint_interval: save only when ``step_counter`` advanced this much since the last save.
      init_fn: called by ``restore_or_initialize`` when there is nothing to restore.

    Raises:
      ValueError: for ``checkpoint_interval`` without ``step_counter`` (TF's message).

    >>> import os, tempfile
    >>> import tapejax as tf
    >>> ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    >>> manager = tf.train.CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=2)
    >>> paths = [manager.save() for _ in range(3)]
    >>> [os.path.basename(p) for p in manager.checkpoints]
    ['ckpt-2', 'ckpt-3']
    """

    def __init__(
        self,
        checkpoint: Any,
        directory: Any,
        max_to_keep: int | None,
        keep_checkpoint_every_n_hours: float | None = None,
        checkpoint_name: str = "ckpt",
        step_counter: Any = None,
        checkpoint_interval: int | None = None,
        init_fn: Any = None,
    ) -> None:
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_every_seconds = (
            None if keep_checkpoint_every_n_hours is None else keep_checkpoint_every_n_hours * 3600
        )
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_checkpoint_step: int | None = None
        self._maybe_delete: dict[str, float] = {}
        self._latest_checkpoint: str | None = None
        self._last_preserved_timestamp = time.time()
        state = read_checkpoint_state(self._directory)
        if state is not None:
            self._latest_checkpoint = state["model_checkpoint_path"]
            stamps = state["all_model_checkpoint_timestamps"]
            for i, path in enumerate(state["all_model_checkpoint_paths"]):
                if os.path.exists(path + _INDEX_SUFFIX):
                    self._maybe_delete[path] = stamps[i] if i < len(stamps) else time.time()
            self._last_preserved_timestamp = state.get("last_preserved_timestamp", self._last_preserved_timestamp)

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Any:
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The newest checkpoint's path, or None."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list[str]:
        """The checkpoints kept, oldest first."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number: Any = None, check_interval: bool = True, options: Any = None) -> str | None:
        """Saves a numbered checkpoint (``save_counter`` by default) and deletes the oldest beyond ``max_to_keep``.

        Returns:
          the path written, or None when ``checkpoint_interval`` skipped this save.
        """
        if self._checkpoint_interval is not None:
            step = int(_value(self._step_counter))
            if self._last_checkpoint_step is not None:
                if step == self._last_checkpoint_step:
                    return None
                if check_interval and step < self._last_checkpoint_step + self._checkpoint_interval:
                    return None
            self._last_checkpoint_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = int(_value(counter if checkpoint_number is None else checkpoint_number))
        path = self._checkpoint.write(f"{self._prefix}-{number}", options)
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = time.time()
        self._latest_checkpoint = path
        self._sweep()
        self._record_state()
        return path

    def restore_or_initialize(self) -> str | None:
        """Restores the latest checkpoint and returns its path; otherwise calls ``init_fn`` and returns None."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = int(_value(self._step_counter))
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = next(iter(self._maybe_delete.items()))
            del self._maybe_delete[path]
            if (
                self._keep_every_seconds is not None
                and stamp - self._keep_every_seconds > self._last_preserved_timestamp
            ):
                self._last_preserved_timestamp = stamp
                continue
            for suffix in (_INDEX_SUFFIX, _DATA_SUFFIX):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)

    def _record_state(self) -> None:
        if self._latest_checkpoint is None:
            return
        update_checkpoint_state(
            self._directory,
            self._latest_checkpoint,
            list(self._maybe_delete),
            list(self._maybe_delete.values()),
            self._last_preserved_timestamp,
        )


def _value(x: Any) -> Any:
    return x.numpy() if hasattr(x, "numpy") else x
