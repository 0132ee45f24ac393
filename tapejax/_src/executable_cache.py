"""Compiled queue programs saved on disk whole, so that a script's second run skips JAX's tracing and lowering.

JAX's persistent compilation cache (``compile_cache.py``) removes XLA's compile from a second run,
but each program is still traced to a jaxpr and lowered to StableHLO first, because the HLO text is
that cache's key (10-50 ms a small program, and about 30-50 ms for the process's first lowering,
which sets up MLIR). This cache keys a deferred queue's program (``lazy._call``) by a fingerprint
of its structure instead: each op's name and implementation (the function's module, qualified name
and source line, and the values its closure holds), its parameters, the wiring, the inputs'
shapes and dtypes, with the jax/jaxlib versions, the backend, the JAX settings that change what a
trace makes, ``XLA_FLAGS``, and the size and modification time of every tapejax source file when
``import tapejax`` ran (once the files on disk differ, this process saves nothing: it runs the code
it imported, not the edited files). A program whose
structure holds anything without a stable fingerprint (an arbitrary object, a large constant)
is simply not cached here. A hit loads the serialized executable
(``jax.experimental.serialize_executable``) in about a millisecond. The output shapes and dtypes
of each op (``lazy.out_avals``, which traces the op once per process: 1-4 ms) are saved the same
way (``<dir>/tapejax-avals``), so that a second run records its ops without tracing them either.
The kernels of the ops that always run at the call (a pullback on computed inputs, ``unstack``)
are saved too, per input shapes and dtypes (:class:`Kernel`).

It lives in the persistent cache's directory (``<dir>/tapejax-executables``) and follows its
settings: off when ``compile_cache`` did not turn the cache on (``TAPEJAX_COMPILATION_CACHE=0``,
the user's own ``jax_compilation_cache_dir``, an unwritable directory); also off with
``TAPEJAX_EXECUTABLE_CACHE=0``, and on a machine with more than one device. An unreadable, corrupt
or mismatched file is ignored (the program compiles and the file is rewritten; a corrupt one is
removed first, as its program is not saved again when JAX's persistent cache serves the compile).

Differences from TensorFlow: TF's eager mode compiles nothing; this is tapejax's answer to XLA's
per-program compile time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import sys
import threading
import time
import types
import weakref
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax._src import core as _core
from jax._src.array import ArrayImpl as _ArrayImpl

from tapejax._src import compile_cache

ENABLE_ENV = "TAPEJAX_EXECUTABLE_CACHE"
SUBDIR = "tapejax-executables"
AVALS_SUBDIR = "tapejax-avals"
_FORMAT = "tapejax-executable-2"
_MAX_CONST_BYTES = 1 << 16  # closure constants up to this size are part of a fingerprint

# Counters for tests and benchmarks: programs loaded from disk, compiled and saved, not cacheable.
stats = {"hits": 0, "misses": 0, "unstable": 0, "errors": 0, "avals_hits": 0}

_directory: str | bool | None = False  # False: not resolved yet
_environment: str | None = None
# Per Op: its fingerprint (None: not stable). Keyed by the Op; Ops live as long as their tables.
_OP_FP: dict[Any, str | None] = {}
# Loaded or compiled executables -> the Python function they were made from and their file (see
# fallback() and failed()).
_SOURCES: weakref.WeakKeyDictionary[Any, tuple[Callable[..., Any], str]] = weakref.WeakKeyDictionary()


class _Unstable(Exception):
    """Raised inside a fingerprint: a part has no stable, process-independent description."""


def directory() -> str | None:
    """The directory executables are saved in, or None when this cache is off (see the module notes)."""
    global _directory
    if _directory is False:
        d = compile_cache.cache_dir
        off = os.environ.get(ENABLE_ENV, "1").strip().lower() in {"0", "false", "no", "off"}
        if d is None or off or jax.config.jax_disable_jit or len(jax.devices()) != 1:
            _directory = None
        else:
            path = os.path.join(d, SUBDIR)
            try:
                os.makedirs(path, exist_ok=True)
                _directory = path if os.access(path, os.W_OK | os.X_OK) else None
            except OSError:
                _directory = None
    return _directory  # type: ignore[return-value]


def reset() -> None:
    """Forgets the resolved directory and environment (tests: after changing the settings)."""
    global _directory, _environment, _avals_dir
    _directory = _avals_dir = False
    _environment = None


def _source_digest() -> str:
    """The size and modification time of every tapejax source file when ``import tapejax`` ran: an edit
    makes new keys (``compile_cache.source_digest``; see :func:`_sources_unchanged`)."""
    if compile_cache.source_digest is None:  # (the cache turned on other than by set_up: tests)
        compile_cache.source_digest = compile_cache.sources_digest()
    return compile_cache.source_digest


_checked = [0.0, True]  # (when the files were last compared with the import's digest, unchanged?)


def _sources_unchanged() -> bool:
    """Whether tapejax's source files are still those this process imported (checked at most once a
    second; once changed, for good): a process running the old code must not save its programs under
    the edited files' key, where a later process would load them as the new code's."""
    if _checked[1]:
        now = time.monotonic()
        # (the import's digest counts as a check: a short script's first save walks no files)
        if now - max(_checked[0], compile_cache.source_digest_at) > 1.0:
            _checked[0] = now
            _checked[1] = compile_cache.sources_digest() == _source_digest()
    return bool(_checked[1])


_CONFIG = (
    "jax_enable_x64",
    "jax_default_matmul_precision",
    "jax_numpy_rank_promotion",
    "jax_numpy_dtype_promotion",
    "jax_default_prng_impl",
    "jax_threefry_partitionable",
    "jax_softmax_custom_jvp",
    "jax_enable_checks",
    "jax_debug_nans",
    "jax_debug_infs",
)


def _environment_key() -> str:
    """What besides the program decides its executable: versions, backend, JAX settings, tapejax's source."""
    global _environment
    if _environment is None:
        import jaxlib

        dev = jax.devices()[0]
        _environment = repr(
            (
                _FORMAT,
                jax.__version__,
                jaxlib.__version__,
                dev.platform,
                dev.client.platform_version,
                dev.device_kind,
                sys.version_info[:2],
                # (XLA's flags change what it compiles, e.g. fast math: JAX's own cache keys them too)
                os.environ.get("XLA_FLAGS", ""),
                os.environ.get("LIBTPU_INIT_ARGS", ""),
            )
        )
    config = tuple(getattr(jax.config, name, None) for name in _CONFIG)  # (may change at any time)
    return _environment + repr(config) + _source_digest()


def _global_name(obj: Any) -> str | None:
    """``module:qualname`` when that name finds ``obj`` itself (a module-level function, class, ufunc)."""
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str) or "<" in name:
        return None
    found: Any = sys.modules.get(module)
    for part in name.split("."):
        found = getattr(found, part, None)
    return f"{module}:{name}" if found is obj else None


def _fp(obj: Any, out: list[str], seen: dict[int, int], depth: int) -> None:
    if depth > 64:
        raise _Unstable("too deep")
    t = type(obj)
    if obj is None or obj is Ellipsis or t is bool or t is int or t is str or t is bytes or t is complex:
        out.append(f"{t.__name__}:{obj!r}")
    elif t is float:
        out.append(f"f:{obj.hex()}")
    elif isinstance(obj, tuple) or t is list:
        out.append(f"({t.__module__}.{t.__qualname__}:{len(obj)}")
        for v in obj:
            _fp(v, out, seen, depth + 1)
        out.append(")")
    elif t is dict:
        out.append(f"{{{len(obj)}")
        for k, v in obj.items():
            _fp(k, out, seen, depth + 1)
            _fp(v, out, seen, depth + 1)
        out.append("}")
    elif t is frozenset or t is set:
        parts = []
        for v in obj:
            sub: list[str] = []
            _fp(v, sub, seen, depth + 1)
            parts.append("|".join(sub))
        out.append(f"set:{sorted(parts)!r}")
    elif t is slice:
        out.append("slice")
        _fp((obj.start, obj.stop, obj.step), out, seen, depth + 1)
    elif t is _core.ShapedArray:
        out.append(f"aval:{obj!r}")
    elif isinstance(obj, np.dtype):
        if obj.hasobject:
            raise _Unstable("object dtype")
        out.append(f"dtype:{obj.str}:{obj.name}")
    elif isinstance(obj, np.generic):
        out.append(f"np:{obj.dtype.str}:{obj.dtype.name}:{obj.tobytes().hex()}")
    elif t is np.ndarray:
        if obj.dtype.hasobject or obj.nbytes > _MAX_CONST_BYTES:
            raise _Unstable("large or object array")
        digest = hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()
        out.append(f"nd:{obj.dtype.str}:{obj.dtype.name}:{obj.shape}:{digest}")
    elif type(obj).__name__ == "Op" and type(obj).__module__ == "tapejax._src.core":
        fp = op_fingerprint(obj)
        if fp is None:
            raise _Unstable("op")
        out.append(fp)
    elif id(obj) in seen:  # a function met again (recursion through closures)
        out.append(f"seen:{seen[id(obj)]}")
    else:
        name = _global_name(obj)
        if name is not None:
            out.append(f"g:{name}")
            return
        seen[id(obj)] = len(seen)
        if t is types.FunctionType:
            code = obj.__code__
            out.append(f"fn:{obj.__module__}:{obj.__qualname__}:{code.co_filename}:{code.co_firstlineno}")
            _fp(obj.__defaults__, out, seen, depth + 1)
            _fp(obj.__kwdefaults__, out, seen, depth + 1)
            cells = obj.__closure__ or ()
            for name, cell in zip(code.co_freevars, cells, strict=True):
                out.append(f"cell:{name}")
                try:
                    value = cell.cell_contents
                except ValueError:  # an empty cell (a name assigned later)
                    raise _Unstable("empty cell") from None
                _fp(value, out, seen, depth + 1)
        elif t is functools.partial:
            out.append("partial")
            _fp(obj.func, out, seen, depth + 1)
            _fp(obj.args, out, seen, depth + 1)
            _fp(obj.keywords, out, seen, depth + 1)
        else:
            raise _Unstable(t.__qualname__)


def op_fingerprint(op: Any) -> str | None:
    """A process-independent description of ``op`` (name, flags, implementation), or None (cached per Op)."""
    try:
        return _OP_FP[op]
    except KeyError:
        pass
    parts = [f"op:{op.name}:{op.multiple_results}"]
    try:
        _fp(op.impl, parts, {}, 0)
        fp: str | None = "<" + "|".join(parts) + ">"
    except _Unstable:
        fp = None
    if len(_OP_FP) > 4096:  # (it holds the Ops: pullbacks of old gradients too)
        _OP_FP.clear()
    _OP_FP[op] = fp
    return fp


def fingerprint(key: Any, leaves: list[Any]) -> str | None:
    """The stable description of a queue program ``key`` (``lazy._call``) run on ``leaves``, or None.

    >>> import numpy as np
    >>> fingerprint((("Sin", 2.0),), [np.zeros(3)]) == fingerprint((("Sin", 2.0),), [np.zeros(3)])
    True
    >>> fingerprint((("Sin", 2.0),), [np.zeros(3)]) == fingerprint((("Sin", 2.0),), [np.zeros(4)])
    False
    >>> fingerprint((object(),), []) is None  # no stable description: not cached
    True
    """
    parts: list[str] = []
    try:
        _fp(key, parts, {}, 0)
        for leaf in leaves:
            aval = jax.typeof(leaf)
            if type(aval) is not _core.ShapedArray:
                raise _Unstable("leaf")
            parts.append(f"leaf:{aval!r}")
    except _Unstable:
        return None
    return _environment_key() + "|".join(parts)


def _path(directory: str, fp: str) -> str:
    return os.path.join(directory, hashlib.sha256(fp.encode()).hexdigest())


def compiled(fn: Callable[..., Any], key: Any, leaves: list[Any]) -> Any | None:
    """The compiled executable of ``fn`` (queue program ``key``) for ``leaves``: loaded from disk, or
    compiled now and saved. None when the cache is off or the program has no stable fingerprint
    (then ``jax.jit(fn)`` is the way to run it).

    Call it with ``[leaves]``; called with leaves of other shapes or dtypes it raises ``TypeError``
    before running anything: :func:`fallback` gives the jitted function then.
    """
    return _compiled(fn, key, leaves, (leaves,), ())


def compiled_call(fn: Callable[..., Any], key: Any, args: tuple[Any, ...], donate_argnums: tuple[int, ...] = ()) -> Any:
    """:func:`compiled` for ``fn(*args)``: positional pytrees of arrays, those at ``donate_argnums``
    donated (``jax.jit(fn, donate_argnums=donate_argnums)``); call the executable as ``exe(*args)``.

    ``key`` describes everything ``fn``'s trace reads besides the arguments (their tree, shapes and
    dtypes are added here, with the donated positions): a function of a class whose state the trace
    reads (an optimizer's update) gives its own key, which this module cannot check.
    """
    leaves, tree = jax.tree_util.tree_flatten(args)
    return _compiled(fn, ("call", key, str(tree), tuple(donate_argnums)), leaves, args, donate_argnums)


def _compiled(
    fn: Callable[..., Any], key: Any, leaves: list[Any], args: tuple[Any, ...], donate_argnums: tuple[int, ...]
) -> Any | None:
    """:func:`compiled` and :func:`compiled_call`: the executable of ``fn(*args)`` under ``key``
    (fingerprinted with ``leaves``), loaded from disk or compiled now and saved."""
    where = directory()
    if where is None:
        return None
    fp = fingerprint(key, leaves)
    if fp is None:
        stats["unstable"] += 1
        return None
    path = _path(where, fp)
    exe = _load(path, fp)
    if exe is None:
        _listen()
        before = _jax_cache_hits[0]
        try:
            exe = jax.jit(_named(fn, path), donate_argnums=donate_argnums).lower(*args).compile()
        except Exception:  # (the jitted call raises it again, as it would have)
            stats["errors"] += 1
            return None
        stats["misses"] += 1
        # An executable JAX's persistent cache gave back cannot be saved again: on this jaxlib's CPU
        # backend the copy fails to run in another process ("Function ... not found"). Nor can a
        # fresh compile be forced through public API: JAX decides once per process whether its cache
        # is used, and leaves the options that would not change the code (xla_dump_*) out of its key.
        # So the program is named after this cache's key (``_named``): JAX's key changes with it, and
        # JAX's cache serves it only when this cache's file was lost (not after an upgrade or edit of
        # tapejax, which changes every key here while most programs' HLO stays the same).
        if _jax_cache_hits[0] == before:
            _save(path, fp, exe)
    else:
        stats["hits"] += 1
    _SOURCES[exe] = (fn, path)
    return exe


class Kernel:
    """An op's jitted kernel (``core.Op.kernel``) whose executable per input shapes and dtypes comes
    from this cache: loaded from disk when an earlier process compiled it, else compiled and saved.

    For the ops that always run at the call (a gradient's pullback when its inputs are computed,
    ``unstack``): a later process would otherwise trace, lower and look each one up in JAX's cache
    again. Called with anything but concrete arrays (tracers, host values), or with the cache off or
    no stable fingerprint, it is the jitted kernel; an executable that cannot run (:func:`failed`)
    is replaced by it. The same program either way: the same values.

    >>> import jax, jax.numpy as jnp
    >>> k = Kernel(jnp.sin, jax.jit(jnp.sin), ("doc", "sin"))
    >>> float(k(jnp.zeros(())))
    0.0
    """

    __slots__ = ("_exes", "_fn", "_jitted", "_key")

    def __init__(self, fn: Callable[..., Any], jitted: Callable[..., Any], key: Any) -> None:
        self._fn = fn
        self._jitted = jitted
        self._key = key  # (what the op's fingerprint adds to: see compiled_call)
        self._exes: dict[tuple[Any, ...], Any] = {}  # input avals -> executable (or the jitted kernel)

    def __call__(self, *args: Any) -> Any:
        sig = []
        for a in args:
            if type(a) is not _ArrayImpl:  # a tracer, a host value, a Python scalar: jit's own path
                return self._jitted(*args)
            sig.append(a.aval)
        key = tuple(sig)
        exe = self._exes.get(key)
        if exe is None:
            if len(self._exes) >= 64:  # (bounded: an op run on ever new shapes)
                self._exes.clear()
            exe = self._exes[key] = compiled_call(self._fn, self._key, args) or self._jitted
        if exe is not self._jitted:
            try:
                return exe(*args)
            except jax.errors.JaxRuntimeError as e:
                if failed(exe, e) is None:
                    raise
                exe = self._exes[key] = self._jitted
        return exe(*args)


def _named(fn: Callable[..., Any], path: str) -> Callable[..., Any]:
    """``fn`` under a name made from its file's name (this cache's key): the compiled module's name,
    which JAX's persistent cache keys with the program (the code is the same)."""

    def program(*args: Any) -> Any:
        return fn(*args)

    program.__name__ = program.__qualname__ = f"tapejax_{os.path.basename(path)[:24]}"
    return program


_jax_cache_hits = [0]  # JAX's persistent-cache hits in this process (counted while this cache compiles)
_listening = False


def _count_hit(event: str, **kwargs: Any) -> None:
    if event == "/jax/compilation_cache/cache_hits":
        _jax_cache_hits[0] += 1


def _listen() -> None:
    global _listening
    if not _listening:
        _listening = True
        jax.monitoring.register_event_listener(_count_hit)


def fallback(run: Any) -> Callable[..., Any] | None:
    """The jitted form of the function an executable of :func:`compiled` was made from (None: not one)."""
    entry = _SOURCES.get(run) if isinstance(run, jax.stages.Compiled) else None
    return jax.jit(entry[0]) if entry is not None else None


def failed(run: Any, error: Exception) -> Callable[..., Any] | None:
    """After an executable of :func:`compiled` raised ``error`` (a ``JaxRuntimeError``) when called:
    the jitted form of its function when the executable itself is at fault, its file removed; None
    when it is not one of this cache's or the error is the program's own (out of memory, ...).

    An executable can load and still not run: on this jaxlib's CPU backend, a copy made from JAX's
    persistent cache lacks its compiled functions (``NOT_FOUND: Function ... not found``), raised
    before anything runs.
    """
    entry = _SOURCES.get(run) if isinstance(run, jax.stages.Compiled) else None
    if entry is None or not str(error).startswith("NOT_FOUND"):
        return None
    stats["errors"] += 1
    fn, path = entry
    del _SOURCES[run]
    with contextlib.suppress(OSError):
        os.unlink(path)
    return jax.jit(fn)


# Library calls a saved program may make: XLA's own, and LAPACK's (whose functions JAX looks up when
# it lowers a linear-algebra op: a loaded program calling them unset would crash the process).
_TARGET = re.compile(r'custom_call_target="([^"]+)"')
_BUILT_IN_TARGETS = frozenset({"TopK"})
_lapack_ready = False


def initialize_lapack() -> None:
    """Sets up jaxlib's LAPACK functions once per process, cheaply (see :func:`_lapack_modules`); call
    it before lowering a linear-algebra op, which would otherwise import all of ``scipy.linalg``."""
    global _lapack_ready
    if not _lapack_ready:
        from jax._src.lib import lapack

        with _lapack_modules():
            lapack._lapack.initialize()
        _lapack_ready = True


_LAPACK_MODULES = ("scipy.linalg.cython_blas", "scipy.linalg.cython_lapack")


@contextlib.contextmanager
def _lapack_modules() -> Any:
    """SciPy's two LAPACK/BLAS extension modules loaded on their own while jaxlib reads its function
    pointers from them (``_lapack.initialize``, which imports them by name).

    Imported the ordinary way, each first runs ``scipy.linalg``'s ``__init__`` (0.3-0.5 s: SciPy's
    array API layer, most of NumPy's submodules), which jaxlib does not use. Loaded from their files
    they take about 20 ms. They leave ``sys.modules`` afterwards, so that a later ``import
    scipy.linalg.cython_blas`` runs as it would have (Cython hands it the same module object). When
    SciPy already imported them, or a file is not where SciPy keeps it, nothing is done here.
    """
    import importlib.machinery
    import importlib.util

    added: list[str] = []
    try:
        if not any(name in sys.modules for name in _LAPACK_MODULES):
            with contextlib.suppress(Exception):  # (not found, another layout: the ordinary import)
                scipy = importlib.util.find_spec("scipy")
                where = os.path.join(os.path.dirname(scipy.origin or ""), "linalg")
                for name in _LAPACK_MODULES:
                    base = name.rsplit(".", 1)[1]
                    path = next(
                        p
                        for suffix in importlib.machinery.EXTENSION_SUFFIXES
                        if os.path.exists(p := os.path.join(where, base + suffix))
                    )
                    spec = importlib.util.spec_from_file_location(name, path)
                    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
                    sys.modules[name] = module
                    added.append(name)
                    spec.loader.exec_module(module)  # type: ignore[union-attr]
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _load(path: str, fp: str) -> Any | None:
    from jax.experimental import serialize_executable

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        fmt, stored, lapack, blob, in_tree, out_tree = pickle.loads(data)
        if fmt != _FORMAT or stored != fp:  # (a hash collision, or another format)
            return None
        if lapack:
            initialize_lapack()
        return serialize_executable.deserialize_and_load(blob, in_tree, out_tree)
    except Exception:  # corrupt, truncated, or from an incompatible jaxlib: compiled again
        stats["errors"] += 1
        # Removed: the compile saves it again, but not when JAX's persistent cache serves the program
        # (see _compiled), and each later process would fail to load it first.
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None


def _save(path: str, fp: str, exe: Any) -> None:
    from jax.experimental import serialize_executable

    unloaded = getattr(exe._executable, "_unloaded_executable", None)
    if unloaded is None or any(
        getattr(unloaded, name, None)
        for name in ("host_callbacks", "keepalive", "ordered_effects", "unordered_effects")
    ):
        return  # (a program calling back into Python cannot run in another process)
    try:
        targets = set(_TARGET.findall(exe.as_text() or ""))
        if any(not t.startswith("lapack_") and t not in _BUILT_IN_TARGETS for t in targets):
            return  # (a library call this process may not have set up: it could crash another)
        lapack = any(t.startswith("lapack_") for t in targets)
        blob, in_tree, out_tree = serialize_executable.serialize(exe)
        data = pickle.dumps((_FORMAT, fp, lapack, blob, in_tree, out_tree), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # (host callbacks, constants, trees that do not pickle): not saved
        stats["errors"] += 1
        return
    _write(path, data)


def _write(path: str, data: bytes) -> None:
    if not _sources_unchanged():
        return
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # readers see the whole file or none
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# Output shapes and dtypes per (op, params, input avals): lazy.out_avals traces each op once per
# process to find them (jax.eval_shape, 1-4 ms an op here); a later process reads them back instead.
_avals_dir: str | bool | None = False


def _avals_directory() -> str | None:
    global _avals_dir
    if _avals_dir is False:
        d = directory()
        _avals_dir = None
        if d is not None:
            path = os.path.join(os.path.dirname(d), AVALS_SUBDIR)
            with contextlib.suppress(OSError):
                os.makedirs(path, exist_ok=True)
                _avals_dir = path
    return _avals_dir  # type: ignore[return-value]


def _avals_key(k: tuple[Any, ...]) -> str | None:
    op, params, in_avals = k
    fp = op_fingerprint(op)
    if fp is None:
        return None
    parts = [fp]
    try:
        _fp(params, parts, {}, 0)
        _fp(in_avals, parts, {}, 0)
    except _Unstable:
        return None
    return _environment_key() + "|".join(parts)


def load_avals(k: tuple[Any, ...]) -> Any | None:
    """The output aval(s) saved for ``k = (op, params, input avals)`` (see ``lazy.out_avals``), or None."""
    where = _avals_directory()
    if where is None:
        return None
    key = _avals_key(k)
    if key is None:
        return None
    try:
        with open(_path(where, key), "rb") as f:
            fmt, stored, outs = pickle.loads(f.read())
        if fmt != _FORMAT or stored != key:
            return None
        made = [_core.ShapedArray(shape, dtype, weak_type=weak) for shape, dtype, weak in outs]
    except Exception:  # (missing, corrupt, another format)
        return None
    stats["avals_hits"] += 1
    return tuple(made) if k[0].multiple_results else made[0]


def save_avals(k: tuple[Any, ...], avals: Any) -> None:
    """Saves the output aval(s) ``lazy.out_avals`` found for ``k`` (nothing when the cache is off)."""
    where = _avals_directory()
    if where is None:
        return
    key = _avals_key(k)
    if key is None:
        return
    outs = avals if k[0].multiple_results else (avals,)
    try:
        data = pickle.dumps(
            (_FORMAT, key, [(tuple(a.shape), a.dtype, a.weak_type) for a in outs]), protocol=pickle.HIGHEST_PROTOCOL
        )
    except Exception:  # (a dtype that does not pickle)
        return
    _write(_path(where, key), data)
