"""``tf.Module``: a named container whose Variables and submodules are found through its attributes."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from tapejax._src.variable import Variable

_VALID_IDENTIFIER = re.compile(r"^[a-zA-Z_]([a-zA-Z0-9_])*$")


def _camel_to_snake(value: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", value).lower()


class _ScopeStack(threading.local):
    def __init__(self) -> None:
        self.names: list[str] = []


_scopes = _ScopeStack()


class NameScope:
    """A module's name scope: ``.name`` is the scope string (``"outer/inner/"``); usable in ``with``.

    Entering it makes it the enclosing scope of modules created inside, as TF's ``tf.name_scope`` does.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        _scopes.names.append(self._name)
        return self._name

    def __exit__(self, *exc: object) -> None:
        _scopes.names.pop()

    def __repr__(self) -> str:
        return f"NameScope({self._name!r})"


class Module:
    """Base class of TF's object-oriented models: ``tf.Module``.

    Variables, trainable variables and submodules are discovered through the module's attributes,
    including inside lists, tuples and dicts (nested), in TF's order: attributes sorted by name (dict
    entries by key), the module's own values first, then its submodules' recursively; each object
    appears once.

    Args:
      name: the module's name (a Python identifier); defaults to the class name in snake_case.

    Raises:
      ValueError: if ``name`` is not a valid identifier.

    Differences from TensorFlow: ``name_scope`` nests module scopes but does not prefix the names of
    Variables created inside it (TF names them ``"outer/w:0"``); ``with_path``/checkpoint tracking
    are not implemented.

    >>> import tapejax as tf
    >>> class Dense(tf.Module):
    ...     def __init__(self, n_in, n_out, name=None):
    ...         super().__init__(name=name)
    ...         self.w = tf.Variable(tf.constant([[1.0] * n_out] * n_in), name="w")
    ...         self.b = tf.Variable(tf.constant([0.0] * n_out), name="b")
    >>> class MLP(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = [Dense(2, 3), Dense(3, 1)]
    ...         self.scale = tf.Variable(1.0, trainable=False, name="scale")
    >>> m = MLP()
    >>> m.name, [v.name for v in m.trainable_variables]
    ('mlp', ['b:0', 'w:0', 'b:0', 'w:0'])
    >>> len(m.variables), len(m.submodules)
    (5, 2)
    """

    # Attributes never searched (TF ignores its checkpoint bookkeeping the same way).
    _TF_MODULE_IGNORED_PROPERTIES: ClassVar[frozenset[str]] = frozenset(("_name", "_name_scope"))

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not _VALID_IDENTIFIER.match(name):
            raise ValueError(
                f"{name!r} is not a valid module name. Module names must be valid Python identifiers (e.g. a valid "
                "class name)."
            )
        self._name = name
        outer = _scopes.names[-1] if _scopes.names else ""
        self._name_scope = NameScope(f"{outer}{name}/")

    @property
    def name(self) -> str:
        """The module's name, as passed to (or derived in) the constructor."""
        return self._name

    @property
    def name_scope(self) -> NameScope:
        """The module's name scope (``with module.name_scope: ...``)."""
        return self._name_scope

    @property
    def variables(self) -> tuple[Variable, ...]:
        """All Variables of this module and its submodules (deduplicated, TF's order)."""
        return tuple(self._flatten(predicate=_is_variable))

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        """The trainable Variables of this module and its submodules."""
        return tuple(self._flatten(predicate=_is_trainable_variable))

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        """The non-trainable Variables of this module and its submodules."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable))

    @property
    def submodules(self) -> tuple[Module, ...]:
        """Every module reachable through attributes, breadth-first like TF (not including ``self``)."""
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive: bool = True, predicate: Callable[[Any], bool] | None = None) -> Iterator[Any]:
        """Yields the values reachable through attributes for which ``predicate`` holds."""
        return _flatten_module(self, recursive, predicate or (lambda _: True), {id(self)}, [])

    @classmethod
    def with_name_scope(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: runs ``method`` inside ``self.name_scope``."""

        @functools.wraps(method)
        def wrapped(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return wrapped

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"


def _is_variable(obj: Any) -> bool:
    return isinstance(obj, Variable)


def _is_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and obj.trainable


def _is_non_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and not obj.trainable


def _is_module(obj: Any) -> bool:
    return isinstance(obj, Module)


def _leaves(value: Any) -> Iterator[Any]:
    """``tf.nest.flatten``: lists and tuples in order, dicts by sorted key; anything else is a leaf."""
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:
            keys = list(value)
        for k in keys:
            yield from _leaves(value[k])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _flatten_module(
    module: Module, recursive: bool, predicate: Callable[[Any], bool], seen: set[int], stack: list[int]
) -> Iterator[Any]:
    # TF's _flatten_module: the module's own leaves first (attributes sorted by name), then each
    # submodule in that order; one ``seen`` set across the whole walk; cycles stop recursion.
    module_id = id(module)
    if module_id in stack:
        recursive = False
    ignored = module._TF_MODULE_IGNORED_PROPERTIES
    attributes = vars(module)
    submodules = []
    for key in sorted(attributes):
        if key in ignored:
            continue
        for leaf in _leaves(attributes[key]):
            leaf_id = id(leaf)
            if leaf_id in seen:
                continue
            seen.add(leaf_id)
            if predicate(leaf):
                yield leaf
            if recursive and isinstance(leaf, Module):
                submodules.append(leaf)
    stack.append(module_id)
    for sub in submodules:
        yield from _flatten_module(sub, recursive, predicate, seen, stack)
    stack.pop()
