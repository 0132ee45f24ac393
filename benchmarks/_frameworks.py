"""The frameworks compared, imported only if installed, and tapejax names looked up by TF path.

TensorFlow and PyTorch are optional (``pip install -e .[bench]``): :func:`tensorflow` and
:func:`torch` return the module or None, and :func:`missing` says why. TensorFlow's import writes
C++ log lines to stderr before ``TF_CPP_MIN_LOG_LEVEL`` takes effect; they are swallowed.

:func:`tapejax_api` looks a TF name up in tapejax's public API (``"nn.relu"`` tries
``tapejax.nn.relu``). While a name is not public yet, a few fall back to the op functions it will
re-export; :func:`fallbacks_used` lists them so that RESULTS.md can say so.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from types import ModuleType
from typing import Any

_modules: dict[str, ModuleType | None] = {}
_why: dict[str, str] = {}


def _quiet_import(name: str) -> ModuleType:
    """Imports ``name`` with file descriptor 2 redirected; re-raises with the captured text on failure."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            return importlib.import_module(name)
        except Exception as e:
            sink.seek(0)
            tail = sink.read().decode(errors="replace").strip().splitlines()[-3:]
            raise ImportError(f"{e}; {' '.join(tail)}" if tail else str(e)) from e
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _load(name: str) -> ModuleType | None:
    if name not in _modules:
        try:
            _modules[name] = _quiet_import(name)
        except ImportError as e:
            _modules[name] = None
            _why[name] = "not installed" if isinstance(e.__cause__, ModuleNotFoundError) else f"import failed: {e}"
    return _modules[name]


def tensorflow() -> ModuleType | None:
    """Real TensorFlow, or None if it is not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = _load("tensorflow")
    if tf is not None:
        # TF eager's jacobian re-traces its pfor function on every call and warns each time.
        tf.get_logger().setLevel("ERROR")
    return tf


def torch() -> ModuleType | None:
    """PyTorch, or None if it is not installed."""
    return _load("torch")


def missing(name: str) -> str:
    """Why ``name`` ("tensorflow" or "torch") is unavailable, for a Skipped line."""
    label = {"tensorflow": "TensorFlow", "torch": "PyTorch"}[name]
    return f"{label} {_why.get(name, 'not installed')} (pip install -e .[bench])"


def version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# -- tapejax names ----------------------------------------------------------------------------------
# TF path -> where the op lives until the public namespace re-exports it.
_FALLBACK = {
    "tanh": "tapejax._src.ops.math_ops",
    "sin": "tapejax._src.ops.math_ops",
    "cos": "tapejax._src.ops.math_ops",
    "exp": "tapejax._src.ops.math_ops",
    "maximum": "tapejax._src.ops.math_ops",
    "reduce_sum": "tapejax._src.ops.reduction_ops",
    "reduce_mean": "tapejax._src.ops.reduction_ops",
    "reduce_logsumexp": "tapejax._src.ops.reduction_ops",
}
_fallbacks_used: set[str] = set()


def tapejax_api(path: str) -> Any:
    """``tapejax.<path>`` (``"nn.relu"``, ``"keras.optimizers.Adam"``), or None if tapejax lacks it."""
    import tapejax

    obj: Any = tapejax
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            break
    if obj is None and path in _FALLBACK:
        try:
            obj = getattr(importlib.import_module(_FALLBACK[path]), path, None)
        except ImportError:
            obj = None
        if obj is not None:
            _fallbacks_used.add(f"tapejax.{path} (not public yet: used {_FALLBACK[path]}.{path})")
    return obj


def fallbacks_used() -> list[str]:
    return sorted(_fallbacks_used)
