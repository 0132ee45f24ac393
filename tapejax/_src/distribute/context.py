"""Which strategy is current, and in which context: TF's cross-replica and replica contexts.

TF keeps a per-thread stack of (strategy, replica context) pairs: ``strategy.scope()`` pushes the
strategy in its cross-replica context, ``strategy.run`` pushes a replica context. The default
strategy (one replica, no scope) is at the bottom.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tapejax._src.distribute.strategy import ReplicaContext, Strategy


class _Stack(threading.local):
    def __init__(self) -> None:
        # (strategy, replica context or None for the cross-replica context), innermost last.
        self.entries: list[tuple[Strategy, ReplicaContext | None]] = []


_stack = _Stack()


def push(strategy: Strategy, replica_context: ReplicaContext | None) -> None:
    _stack.entries.append((strategy, replica_context))


def pop() -> None:
    _stack.entries.pop()


def current() -> tuple[Strategy | None, ReplicaContext | None]:
    """The innermost (strategy, replica context); ``(None, None)`` when only the default strategy is."""
    entries = _stack.entries
    return entries[-1] if entries else (None, None)


def current_strategy() -> Strategy | None:
    """The strategy of the innermost scope or ``run``, or None (the default strategy)."""
    entries = _stack.entries
    return entries[-1][0] if entries else None


def in_replica_step() -> ReplicaContext | None:
    """The replica context of a ``strategy.run`` of a non-default strategy being traced, or None."""
    entries = _stack.entries
    if not entries:
        return None
    ctx = entries[-1][1]
    return ctx if ctx is not None and ctx._collective else None


def num_replicas_in_sync() -> int:
    """The replica count of the current strategy (1 outside every scope)."""
    strategy = current_strategy()
    return 1 if strategy is None else strategy.num_replicas_in_sync


def place_new_variable(value: Any) -> Any:
    """A new Variable's value, placed as the current strategy keeps Variables (replicated on its mesh)."""
    strategy = current_strategy()
    return value if strategy is None else strategy._place_variable(value)


# How each Variable's per-replica assignments combine (``tf.VariableAggregation`` / Keras' ``aggregation``),
# by id; a Variable not here has TF's default, NONE. Entries leave with their Variable.
_AGGREGATION: dict[int, str] = {}


def set_aggregation(variable: Any, aggregation: Any) -> None:
    """Records ``variable``'s aggregation: a ``tf.VariableAggregation`` or Keras' name (``"sum"``, ``"mean"``...)."""
    name = str(getattr(aggregation, "name", aggregation) or "none").lower()
    if name == "none":
        return
    key = id(variable)
    _AGGREGATION[key] = name
    weakref.finalize(variable, _AGGREGATION.pop, key, None)


def aggregation_of(variable: Any) -> str:
    """``"none"``, ``"sum"``, ``"mean"`` or ``"only_first_replica"``."""
    return _AGGREGATION.get(id(variable), "none")
