"""``tf.register_tensor_conversion_function``: how user types become Tensors.

Conversion (``convert_to_tensor``, and every op given a non-Tensor argument) consults this registry
only for values of types it does not know itself, so the common path never reaches it. A type's
``__tf_tensor__(dtype, name)`` method is honoured first, as in TF.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

_registry: dict[int, list[tuple[Any, Callable[..., Any]]]] = collections.defaultdict(list)
_cache: dict[type, list[tuple[Any, Callable[..., Any]]]] = {}
_lock = threading.Lock()
# Whether anything is registered: conversion paths read it before looking a type up.
ACTIVE = False


def register_tensor_conversion_function(
    base_type: type | tuple[type, ...], conversion_func: Callable[..., Any], priority: int = 100
) -> None:
    """Registers ``conversion_func`` to convert objects of ``base_type`` to Tensors
    (``tf.register_tensor_conversion_function``).

    ``conversion_func(value, dtype=None, name=None, as_ref=False)`` must return a Tensor (of
    ``dtype`` when one is given) or ``NotImplemented`` to let the next function try. Functions run
    by ``priority`` (smaller first), then in registration order. A Tensor it returns keeps its tape
    history, so gradients flow through the conversion.

    Raises:
      TypeError: ``base_type`` is not a type or tuple of types, is a Python number or numpy type
        (TF converts those itself), or ``conversion_func`` is not callable.

    >>> import tapejax as tf
    >>> class Meters:
    ...     def __init__(self, v):
    ...         self.v = v
    >>> tf.register_tensor_conversion_function(Meters, lambda m, dtype=None, name=None, as_ref=False: tf.constant(m.v, dtype))
    >>> print(tf.add(Meters(2.0), 1.0))
    tf.Tensor(3.0, shape=(), dtype=float32)
    """
    global ACTIVE
    base_types = base_type if isinstance(base_type, tuple) else (base_type,)
    if any(not isinstance(x, type) for x in base_types):
        raise TypeError(f"Argument `base_type` must be a type or a tuple of types. Obtained: {base_type}")
    if any(issubclass(x, (int, float, np.generic, np.ndarray)) for x in base_types):
        raise TypeError("Cannot register conversions for Python numeric types and NumPy scalars and arrays.")
    if not callable(conversion_func):
        raise TypeError(f"Argument `conversion_func` must be callable. Received {conversion_func}.")
    with _lock:
        _registry[priority].append((base_type, conversion_func))
        _cache.clear()
        ACTIVE = True


def _functions(query: type) -> list[tuple[Any, Callable[..., Any]]]:
    funcs = _cache.get(query)
    if funcs is None:
        with _lock:
            funcs = [(b, f) for _, at in sorted(_registry.items()) for b, f in at if issubclass(query, b)]
            _cache[query] = funcs
    return funcs


def convert(value: Any, np_dtype: Any = None, preferred: Any = None, name: str | None = None) -> Any:
    """``value`` as a Tensor through ``__tf_tensor__`` or a registered function, or None if none applies.

    ``np_dtype`` is the required dtype, ``preferred`` a soft one (tried first, as TF does).
    """
    from tapejax._src import dtypes as dtypes_lib
    from tapejax._src.core import VariableBase
    from tapejax._src.tensor import Tensor

    dtype = None if np_dtype is None else dtypes_lib.from_numpy(np.dtype(np_dtype))
    overload = getattr(value, "__tf_tensor__", None)
    if overload is not None:
        return overload(dtype, name)
    if not ACTIVE:
        return None
    pref = None if preferred is None or dtype is not None else dtypes_lib.from_numpy(np.dtype(preferred))
    for base_type, func in _functions(type(value)):
        ret = None
        if pref is not None:
            try:
                ret = func(value, dtype=pref, name=name, as_ref=False)
            except (TypeError, ValueError):
                ret = None
            else:
                if ret is not NotImplemented and getattr(ret, "dtype", None) != pref:
                    raise RuntimeError(
                        f"Conversion function {func!r} for type {base_type} returned incompatible dtype: "
                        f"requested = {pref.name}, actual = {getattr(ret, 'dtype', None)}"
                    )
        if ret is None:
            ret = func(value, dtype=dtype, name=name, as_ref=False)
        if ret is NotImplemented:
            continue
        if isinstance(ret, VariableBase):  # a recorded read, as TF's ``__tf_tensor__`` of a Variable
            from tapejax._src.ops import array_ops

            ret = array_ops.identity(ret)
        if not isinstance(ret, Tensor):
            raise RuntimeError(f"Conversion function {func!r} for type {base_type} returned non-Tensor: {ret!r}")
        if dtype is not None and ret.dtype != dtype:
            raise RuntimeError(
                f"Conversion function {func} for type {base_type} returned incompatible dtype: "
                f"requested = {dtype.name}, actual = {ret.dtype.name}"
            )
        return ret
    return None
