"""``tf.CriticalSection``: runs functions one at a time, across threads."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

_ids = itertools.count()


class CriticalSection:
    """A mutual-exclusion section (``tf.CriticalSection``): :meth:`execute` runs one function at a
    time among all threads that use this section, so read-modify-write sequences on Variables do
    not interleave.

    Differences from TensorFlow: inside ``tf.function`` the section is held while the function is
    traced, not each time the compiled program runs (tapejax's compiled programs run one at a time
    per call anyway); ``name`` is the given name (TF's raises ``AttributeError`` eagerly).

    >>> import tapejax as tf
    >>> v = tf.Variable(0)
    >>> cs = tf.CriticalSection()
    >>> print(cs.execute(lambda: v.assign_add(1)))
    tf.Tensor(1, shape=(), dtype=int32)
    """

    def __init__(
        self,
        name: str | None = None,
        shared_name: str | None = None,
        critical_section_def: Any = None,
        import_scope: str | None = None,
    ) -> None:
        if critical_section_def is not None:
            raise ValueError("tapejax's CriticalSection cannot be built from a graph's critical_section_def.")
        self._name = name or shared_name or f"CriticalSection_{next(_ids)}"
        self._lock = threading.Lock()
        self._running = threading.local()

    @property
    def name(self) -> str:
        """The section's name."""
        return self._name

    def execute(self, fn: Callable[[], Any], exclusive_resource_access: bool = True, name: str | None = None) -> Any:
        """Runs ``fn()`` while holding the section and returns its outputs converted to Tensors
        (nested structures kept).

        Raises:
          ValueError: if ``fn`` executes this same section again (it would deadlock), as TF.
        """
        from tapejax._src import nest
        from tapejax._src.ops.array_ops import convert_to_tensor

        if getattr(self._running, "active", False):
            raise ValueError(
                f"Attempting to lock a CriticalSection ({self._name}) in which we are already running. This is "
                "illegal and may cause deadlocks."
            )
        with self._lock:
            self._running.active = True
            try:
                out = fn()
            finally:
                self._running.active = False
        return nest.map_structure(lambda t: t if t is None else convert_to_tensor(t), out)
