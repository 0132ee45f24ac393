"""AutoGraph's public API and conversion cache (``tf.autograph.*``).

A function is converted once per code object: its source is parsed, transformed
(:mod:`transformer`), compiled in a factory whose parameters are ``ag__`` and the function's free
variables, and rebuilt with the original globals, defaults and closure cells.

Differences from TensorFlow (2.21):

- library code is never converted: modules of tapejax, JAX, NumPy, Keras ... and any file of the
  standard library or site-packages; TF converts third-party packages outside its allowlist.
- a loop's ``else`` is converted (it runs when no ``break`` did); TF refuses such functions.
- a variable first defined inside a tensor loop is zeros if the loop runs zero times (TF asserts at
  run time that it ran once); ``if`` branches must leave a variable with one shape (TF: unknown
  shape) and loop variables keep their shapes (``shape_invariants`` cannot relax them).
- errors are raised as TF's class and message, without TF's "in user code:" frame listing.
- a tensor whose value is known while tracing (a constant) is a Python condition: same results.
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import logging
import sysconfig
import textwrap
import types
from collections.abc import Callable
from typing import Any

from tapejax._src.autograph import transformer

_DO_NOT_CONVERT = "__tapejax_autograph_do_not_convert__"
_CONVERTED = "__tapejax_autograph_converted__"
# Library code runs as written (TF: its allowlist of modules, tensorflow and numpy among them).
_LIBRARY_MODULES = (
    "tapejax",
    "jax",
    "jaxlib",
    "numpy",
    "scipy",
    "optax",
    "keras",
    "tensorflow",
    "functools",
    "builtins",
)
_LIBRARY_DIRS = tuple(
    sorted({p for k, p in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib")})
)

_code_cache: dict[types.CodeType, tuple[types.CodeType, str] | None] = {}
_verbosity = [0]


class Feature(enum.Enum):
    """AutoGraph's optional features (``tf.autograph.experimental.Feature``): accepted, none is applied.

    Differences from TensorFlow: tapejax converts with TF's default set (none of these), whatever is asked.
    """

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def _is_library(f: Any) -> bool:
    module = getattr(f, "__module__", None) or ""
    if module.split(".")[0] in _LIBRARY_MODULES:
        return True
    filename = getattr(getattr(f, "__code__", None), "co_filename", "")
    return filename.startswith(_LIBRARY_DIRS) or filename.startswith("<")


def _parse(f: types.FunctionType) -> ast.FunctionDef:
    try:
        source = textwrap.dedent(inspect.getsource(f))
    except (OSError, TypeError) as e:
        raise transformer.Unsupported(f"no source code: {e}") from e
    try:
        module = ast.parse(source)
    except SyntaxError as e:
        raise transformer.Unsupported(f"its source does not parse alone: {e}") from e
    ast.increment_lineno(module, f.__code__.co_firstlineno - 1)  # tracebacks point into the file
    if f.__code__.co_name == "<lambda>":
        return _lambda_def(f, module)
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef) and node.name == f.__code__.co_name:
            return node
    raise transformer.Unsupported("its definition was not found in its source")


def _lambda_def(f: types.FunctionType, module: ast.Module) -> ast.FunctionDef:
    """A lambda as ``def tf__lambda(<its arguments>): return <its body>``: the one lambda of its source
    line with its argument names (TF converts lambdas whose source parses too)."""
    code = f.__code__
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = [
        n
        for n in ast.walk(module)
        if isinstance(n, ast.Lambda)
        and n.lineno == code.co_firstlineno
        and [a.arg for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs)] == names
    ]
    if len(found) != 1:
        raise transformer.Unsupported("the lambda cannot be told apart from the others on its line")
    lam = found[0]
    fn = ast.FunctionDef(name="tf__lambda", args=lam.args, body=[ast.Return(lam.body)], decorator_list=[], returns=None)
    return ast.copy_location(fn, lam)


def _converted_code(f: types.FunctionType) -> tuple[types.CodeType, str] | None:
    """The converted function's code object and source, cached per original code; None where the
    function cannot be converted."""
    code = f.__code__
    if code in _code_cache:
        return _code_cache[code]
    result = None
    try:
        fn = _parse(f)
        converted = transformer.convert_function_def(fn, fn.name)
        freevars = [n for n in code.co_freevars if n != "ag__"]
        factory = transformer._def(
            "__ag_factory", ["ag__", *freevars], [converted, ast.Return(transformer._load(converted.name))]
        )
        module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
        compiled = compile(module, code.co_filename, "exec")
        factory_code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
        inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == converted.name)
        shown = copy_renamed(converted, converted.name if fn.name == "tf__lambda" else "tf__" + fn.name)
        result = (inner, ast.unparse(shown))
    except transformer.Unsupported as e:
        _warn(f, str(e))
    _code_cache[code] = result
    return result


def copy_renamed(fn: ast.FunctionDef, name: str) -> ast.FunctionDef:
    import copy

    fn = copy.deepcopy(fn)
    fn.name = name
    return fn


def _warn(f: Any, cause: str) -> None:
    # A log line, as TF's (not a Python warning).
    logging.getLogger("tapejax.autograph").warning(
        "AutoGraph could not transform %s and will run it as-is.\nCause: %s\nTo silence this warning, "
        "decorate the function with @tf.autograph.experimental.do_not_convert",
        f,
        cause,
    )


def _convert_function(f: types.FunctionType) -> Callable[..., Any]:
    got = _converted_code(f)
    if got is None:
        return f
    inner, _ = got
    from tapejax._src.autograph import operators

    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or (), strict=True))
    cells["ag__"] = types.CellType(operators)
    closure = tuple(cells[n] for n in inner.co_freevars)
    new = types.FunctionType(inner, f.__globals__, f.__name__, f.__defaults__, closure)
    new.__kwdefaults__ = f.__kwdefaults__
    new.__dict__.update(f.__dict__)
    setattr(new, _CONVERTED, True)
    new.__wrapped__ = f  # type: ignore[attr-defined]
    return new


def convert_callable(f: Any) -> Callable[..., Any]:
    """``f`` converted where it is user code, else ``f`` itself (TF's ``converted_call`` rules)."""
    if getattr(f, _DO_NOT_CONVERT, False) or getattr(f, _CONVERTED, False):
        return f
    if isinstance(f, types.FunctionType):
        if _is_library(f):
            return f
        return _convert_function(f)
    if isinstance(f, types.MethodType):
        func = f.__func__
        if not isinstance(func, types.FunctionType) or _is_library(func) or getattr(func, _DO_NOT_CONVERT, False):
            return f
        return types.MethodType(_convert_function(func), f.__self__)
    if isinstance(f, functools.partial):
        return functools.partial(convert_callable(f.func), *f.args, **f.keywords)
    return f  # classes, builtins, callable objects: run as they are


def convert_entity(f: Callable[..., Any]) -> Callable[..., Any]:
    """The function ``tf.function`` traces: ``f`` converted, or ``f`` where it cannot be."""
    return convert_callable(f)


def _requested(entity: Any) -> types.FunctionType:
    """The Python function ``to_graph`` / ``to_code`` convert (TF's error for anything else)."""
    f = entity.__func__ if isinstance(entity, types.MethodType) else entity
    if not isinstance(f, types.FunctionType):
        raise ValueError(
            f"converting {entity}: ValueError: Cannot apply autograph to a function that doesn't expose a __code__ "
            "object. If this is a @tf.function, try passing f.python_function instead."
        )
    if _converted_code(f) is None:
        raise ValueError(f"converting {entity}: AutoGraph cannot convert it (its source is not available).")
    return f


def to_graph(entity: Callable[..., Any], recursive: bool = True, experimental_optional_features: Any = None) -> Any:
    """Converts a Python function to one that runs its control flow on tensors (``tf.autograph.to_graph``).

    The converted function runs control flow with TF's semantics when called inside ``tf.function``
    on symbolic tensors, and Python's otherwise.

    Raises:
      ValueError: ``entity`` is not a Python function or method (a ``tf.function``, a builtin), or
        its source is not available; TF's message (TF's class is its internal ``ConversionError``).
    """
    del recursive, experimental_optional_features
    converted = _convert_function(_requested(entity))
    return types.MethodType(converted, entity.__self__) if isinstance(entity, types.MethodType) else converted


def to_code(entity: Callable[..., Any], recursive: bool = True, experimental_optional_features: Any = None) -> str:
    """The source code AutoGraph generates for ``entity`` (``tf.autograph.to_code``).

    >>> import tapejax as tf
    >>> def f(x):
    ...     if x > 0:
    ...         x = -x
    ...     return x
    >>> "ag__.if_stmt" in tf.autograph.to_code(f)
    True

    Raises:
      ValueError: as :func:`to_graph`.

    Differences from TensorFlow: the code is this package's; TF's also wraps the body in a
    ``FunctionScope`` and wraps every load in ``ag__.ld``.
    """
    del recursive, experimental_optional_features
    got = _converted_code(_requested(entity))
    assert got is not None
    return got[1] + "\n"


def do_not_convert(func: Callable[..., Any] | None = None) -> Any:
    """Marks a function to run as written, never converted (``tf.autograph.experimental.do_not_convert``).

    Usable as a decorator, with or without parentheses.
    """
    if func is None:
        return do_not_convert

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    setattr(wrapper, _DO_NOT_CONVERT, True)
    return wrapper


def set_loop_options(
    parallel_iterations: Any = None,
    swap_memory: Any = None,
    maximum_iterations: Any = None,
    shape_invariants: Any = None,
) -> None:
    """Options of the enclosing loop (``tf.autograph.experimental.set_loop_options``): a directive
    AutoGraph reads from the loop's body; calling it does nothing.

    ``maximum_iterations`` as a Python int bounds the loop and makes it reverse-differentiable.

    Differences from TensorFlow: ``shape_invariants`` cannot let a loop variable change shape
    (JAX's loops keep shapes); ``parallel_iterations`` and ``swap_memory`` have no effect.
    """
    del parallel_iterations, swap_memory, maximum_iterations, shape_invariants


def set_verbosity(level: int, alsologtostdout: bool = False) -> None:
    """Sets AutoGraph's log verbosity (``tf.autograph.set_verbosity``); tapejax logs nothing more."""
    del alsologtostdout
    _verbosity[0] = int(level)


def trace(*args: Any) -> None:
    """Prints ``args`` when the function is traced (``tf.autograph.trace``), as Python's print."""
    print(*args)
