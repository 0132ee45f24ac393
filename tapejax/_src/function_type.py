"""The types a ``tf.function`` is traced for: ``input_signature`` checks and TF's signature text.

TF describes each argument by a trace type: a ``TensorSpec`` for a tensor, ``Literal[value]`` for a
Python value, ``Tuple[...]``/``List[...]``/``Dict[[key, type], ...]`` for containers; this module
binds call arguments to an ``input_signature`` with TF's errors and prints signatures as TF does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.tensor import Tensor, TensorShape, convert_python
from tapejax._src.tensor_spec import TensorSpec, TypeSpec


def type_text(x: Any) -> str:
    """TF's text for the trace type of ``x`` (a spec, a Python value or a container of them)."""
    if isinstance(x, TypeSpec):
        return repr(x)
    if isinstance(x, VariableBase):
        return repr(TensorSpec(tuple(x.shape), x.dtype))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return f"{type(x).__name__}[{', '.join(f'[{n!r}, {type_text(getattr(x, n))}]' for n in x._fields)}]"
    if isinstance(x, tuple):
        return f"Tuple[{', '.join(type_text(c) for c in x)}]"
    if isinstance(x, list):
        return f"List[{', '.join(type_text(c) for c in x)}]"
    if isinstance(x, dict):
        return f"Dict[{', '.join(f'[{k!r}, {type_text(v)}]' for k, v in x.items())}]"
    return f"Literal[{x!r}]"


def check_input_signature(input_signature: Any) -> tuple[Any, ...] | None:
    """``input_signature`` as a tuple, or TF's TypeError for one that is not a nest of TensorSpecs."""
    if input_signature is None:
        return None
    if not isinstance(input_signature, (tuple, list)):
        raise TypeError(f"input_signature must be either a tuple or a list, got {type(input_signature)}.")
    bad = [x for x in _leaves(input_signature) if not isinstance(x, TypeSpec)]
    if bad:
        raise TypeError(
            "input_signature must be a possibly nested sequence of TensorSpec objects, got invalid args "
            f"{bad} with types {[type(x) for x in bad]}."
        )
    return tuple(input_signature)


def _leaves(x: Any) -> list[Any]:
    if isinstance(x, (tuple, list)):
        return [leaf for c in x for leaf in _leaves(c)]
    if isinstance(x, dict):
        return [leaf for c in x.values() for leaf in _leaves(c)]
    return [x]


class _CastError(Exception):
    pass


def _spec_of(value: Any) -> TensorSpec:
    v = value._v
    return TensorSpec(tuple(v.shape), dtypes_lib.from_numpy(np.dtype(v.dtype)))


def _cast(value: Any, spec: Any) -> Any:
    """``value`` as the signature's ``spec`` admits it (a Tensor for a TensorSpec), or _CastError."""
    if isinstance(spec, TensorSpec):
        if isinstance(value, (TensorBase, VariableBase)):
            if not spec.is_compatible_with(value):
                raise _CastError(f"Can not cast {_spec_of(value)!r} to {spec!r}")
            return value
        if isinstance(value, TypeSpec):
            return value
        try:
            t = Tensor(convert_python(value, spec.dtype._np, "tf.function"))
        except (TypeError, ValueError) as e:
            raise _CastError(str(e).replace("tf.function: c", "C", 1)) from None
        if not spec.shape.is_compatible_with(TensorShape(tuple(t._v.shape))):
            raise _CastError(f"Can not cast {_spec_of(t)!r} to {spec!r}")
        return t
    if isinstance(spec, (tuple, list)):
        if type(value) is not type(spec) and not (isinstance(value, tuple) and isinstance(spec, tuple)):
            raise _CastError(f"Can not cast {value!r} to {type(spec).__name__} type.")
        if len(value) != len(spec):
            raise _CastError(f"Can not cast {value!r} to {type_text(spec)}.")
        out = [_cast(v, s) for v, s in zip(value, spec, strict=True)]
        return type(value)(*out) if hasattr(value, "_fields") else type(value)(out)
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise _CastError(f"{value!r} has different keys with the TraceType {type_text(spec)}.")
        return {k: _cast(value[k], spec[k]) for k in spec}
    return value


def signature_text(params: list[inspect.Parameter], specs: tuple[Any, ...]) -> str:
    """``(x: TensorSpec(...), n: Literal[2] = <captured_default_value>)``: a signature with its types."""
    parts = []
    for i, p in enumerate(params):
        if i < len(specs):
            parts.append(f"{p.name}: {type_text(specs[i])}")
        elif p.default is not inspect.Parameter.empty:
            parts.append(f"{p.name}: {type_text(p.default)} = <captured_default_value>")
    return f"({', '.join(parts)})"


def bind_to_signature(
    fn: Callable[..., Any], input_signature: tuple[Any, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """The call's arguments as the positional values ``input_signature`` describes (Tensors for specs).

    Raises:
      TypeError: TF's "Binding inputs to tf.function failed due to ..." for a missing, extra or
        incompatible argument (wrong dtype, rank or shape; a value that does not convert).
    """
    params = _parameters(fn)
    n = len(input_signature)
    if params is None:
        params = [inspect.Parameter(f"args_{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(n)]
    elif len(params) >= 1 and params[0].kind == inspect.Parameter.VAR_POSITIONAL:
        params = [inspect.Parameter(f"{params[0].name}_{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(n)]
    fixed = [p for p in params[n:] if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    sig = inspect.Signature([p.replace(annotation=inspect.Parameter.empty) for p in params[:n] + fixed])
    try:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise _CastError(str(e)) from None
        for p in fixed:
            if p.name in bound.arguments and bound.arguments[p.name] != p.default:
                raise _CastError(f"Can not cast {bound.arguments[p.name]!r} to {type_text(p.default)}")
        out = []
        for p, spec in zip(params[:n], input_signature, strict=True):
            if p.name not in bound.arguments:
                raise _CastError(f"missing a required argument: {p.name!r}")
            out.append(_cast(bound.arguments[p.name], spec))
    except _CastError as e:
        raise TypeError(
            f"Binding inputs to tf.function failed due to `{e}`. Received args: {args} and kwargs: {kwargs} "
            f"for signature: {signature_text(params[:n] + fixed, input_signature)}."
        ) from None
    return tuple(out)


def _parameters(fn: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature
        return None


def canonical_arguments(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Keyword arguments of positional parameters moved to their positions (TF binds ``f(x=t)`` as
    ``f(t)``: one trace for both); other calls unchanged."""
    params = _parameters(fn)
    if params is None:
        return args, kwargs
    try:
        bound = inspect.Signature(params).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"Binding inputs to tf.function failed due to `{e}`. Received args: {args} and kwargs: {kwargs} "
            f"for signature: {inspect.Signature(params)}."
        ) from None
    return tuple(bound.args), dict(bound.kwargs)


def with_defaults(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """The call with the defaults of the parameters it left out filled in (TF binds them: ``f(x)`` is
    ``f(x, training=False)``), or None if it left none out (or does not bind: the call then raises)."""
    params = _parameters(fn)
    if params is None:
        return None
    try:
        bound = inspect.Signature(params).bind(*args, **kwargs)
    except TypeError:
        return None
    n = len(bound.arguments)
    bound.apply_defaults()
    if len(bound.arguments) == n:
        return None
    return tuple(bound.args), dict(bound.kwargs)


def parameter_names(fn: Callable[..., Any], n_args: int, kwarg_names: list[str]) -> list[tuple[str, str]]:
    """(name, kind) of each positional then keyword argument of a call, for the signature text."""
    params = _parameters(fn) or []
    out: list[tuple[str, str]] = []
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var = next((p for p in params if p.kind == p.VAR_POSITIONAL), None)
    for i in range(n_args):
        if i < len(positional):
            out.append((positional[i].name, positional[i].kind.name))
        else:
            out.append((f"{var.name if var else 'args'}_{i - len(positional)}", "POSITIONAL_ONLY"))
    by_name = {p.name: p for p in params}
    for k in kwarg_names:
        p = by_name.get(k)
        out.append((k, p.kind.name if p is not None and p.kind != p.VAR_KEYWORD else "KEYWORD_ONLY"))
    return out
