"""``python -m tapejax SCRIPT.py [ARGS...]``: run an unmodified TensorFlow script on tapejax.

Inside this process only, ``import tensorflow`` (and ``tensorflow.keras``, ``tensorflow.math``, ...)
is served by tapejax: a meta-path finder maps every ``tensorflow[.x.y]`` import to
``tapejax[.x.y]``, the same module objects, and every ``keras[.x.y]`` import (Keras 3, which TF 2.21
serves as ``tf.keras``) to ``tapejax.keras[.x.y]``. The script runs as ``__main__`` with
``sys.argv = [SCRIPT, ARGS...]`` and its directory first on ``sys.path``, as with ``python SCRIPT``.

Without a display (and without ``MPLBACKEND`` set), matplotlib's backend is set to ``Agg`` so that
``plt.show()`` returns at once instead of blocking or failing.

A script that uses a TensorFlow name tapejax lacks stops with a traceback ending in
``tapejax does not implement tf.foo.bar yet``.

Also: ``python -m tapejax -m MODULE [ARGS]`` and ``python -m tapejax -c CODE [ARGS]``.
With no arguments it prints this usage and exits with status 2.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import re
import runpy
import sys
import traceback
import types
import warnings
from collections.abc import Sequence
from typing import Any

USAGE = """usage: python -m tapejax SCRIPT.py [ARGS...]
       python -m tapejax -m MODULE [ARGS...]
       python -m tapejax -c CODE [ARGS...]

Runs a TensorFlow script unmodified on tapejax: `import tensorflow as tf` imports tapejax."""

_TF = "tensorflow"
_THIS_FILE = os.path.abspath(__file__)
_PACKAGE_DIR = os.path.dirname(_THIS_FILE)


# Top-level names served by tapejax in this process: ``tensorflow`` and (Keras 3 is ``tf.keras``) ``keras``.
_ALIASES = {_TF: "tapejax", "keras": "tapejax.keras"}


def _root(fullname: str) -> str | None:
    root = fullname.split(".", 1)[0]
    return root if root in _ALIASES else None


def _target(fullname: str) -> str:
    root = fullname.split(".", 1)[0]
    return _ALIASES[root] + fullname[len(root) :]


def _tf_name(fullname: str) -> str:
    """``tensorflow.keras.x`` / ``keras.x`` as TF spells it: ``tf.keras.x``."""
    return "tf" + _target(fullname)[len("tapejax") :]


class TensorFlowAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``tensorflow``, ``keras`` and their submodule imports with the matching tapejax modules."""

    def __init__(self) -> None:
        self._real_specs: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if _root(fullname) is None:
            return None
        real = _target(fullname)
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and (real == e.name or real.startswith(e.name + ".")):
                raise ModuleNotFoundError(
                    f"tapejax does not implement {_tf_name(fullname)} yet (`import {fullname}`).", name=fullname
                ) from None
            raise
        self._real_specs[fullname] = getattr(module, "__spec__", None)
        return importlib.util.spec_from_loader(fullname, self, is_package=hasattr(module, "__path__"))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return sys.modules[_target(spec.name)]

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamped the alias's spec on the shared module object: put tapejax's back.
        alias = module.__spec__.name if module.__spec__ is not None else None
        real_spec = self._real_specs.pop(alias, None) if alias else None
        if real_spec is not None:
            module.__spec__ = real_spec


def install() -> TensorFlowAlias:
    """Makes ``import tensorflow`` import tapejax in this process (idempotent)."""
    for finder in sys.meta_path:
        if isinstance(finder, TensorFlowAlias):
            return finder
    finder = TensorFlowAlias()
    sys.meta_path.insert(0, finder)
    return finder


def _headless_matplotlib() -> None:
    if "MPLBACKEND" in os.environ:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["MPLBACKEND"] = "Agg"
        # plt.show() under Agg only warns that it cannot show anything; that is the point here.
        warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")


# -- "tapejax does not implement tf.foo.bar yet" -----------------------------------------------------------
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+)")


def _is_ours(obj: Any) -> bool:
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    elif isinstance(obj, type):
        name = obj.__module__
    else:
        return False
    return name == "tapejax" or name.startswith("tapejax.")


def _missing_chain(frame: types.FrameType, lineno: int) -> str | None:
    """The first dotted name on the failing line that starts at a tapejax module and does not resolve.

    Returned as TF spells it, with every part written on the line: ``tf.foo.bar`` for ``tf.foo.bar(x)``
    even though ``tf.foo`` is already missing.
    """
    line = linecache.getline(frame.f_code.co_filename, lineno)
    for match in _CHAIN.finditer(line):
        parts = [p.strip() for p in match.group(1).split(".")]
        obj = frame.f_locals.get(parts[0], frame.f_globals.get(parts[0]))
        if not (isinstance(obj, types.ModuleType) and _is_ours(obj)):
            continue
        prefix = "tf" + obj.__name__[len("tapejax") :]
        for attr in parts[1:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                return ".".join([prefix, *parts[1:]])
            except Exception:
                break
            if not _is_ours(obj):
                break
    return None


def _user_frame(tb: types.TracebackType | None) -> tuple[types.FrameType, int] | None:
    """The innermost traceback frame outside tapejax and the import/runpy machinery."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<frozen"):
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def explain(exc: BaseException) -> str | None:
    """A ``tapejax does not implement tf.x.y yet`` line for an error caused by a missing TF name."""
    if isinstance(exc, ModuleNotFoundError) and "tapejax does not implement" in str(exc):
        return None  # already says so
    if isinstance(exc, ImportError) and not isinstance(exc, ModuleNotFoundError):
        m = re.search(r"cannot import name '(\w+)' from '(tapejax[\w.]*)'", str(exc))
        if m:
            return f"tapejax does not implement tf{m.group(2)[len('tapejax') :]}.{m.group(1)} yet."
        return None
    if not isinstance(exc, AttributeError):
        return None
    where = _user_frame(exc.__traceback__)
    if where is None:
        return None
    chain = _missing_chain(*where)
    if chain is None:
        return None
    message = f"tapejax does not implement {chain} yet."
    return None if message in str(exc) else message


def _print_traceback(exc: BaseException) -> None:
    """Prints ``exc`` as ``python SCRIPT`` would: without the frames of this runner, runpy and importlib."""
    te = traceback.TracebackException.from_exception(exc)
    hidden = (_THIS_FILE, os.path.abspath(runpy.__file__ or ""))

    def keep(stack: traceback.StackSummary) -> traceback.StackSummary:
        frames = [
            f for f in stack if os.path.abspath(f.filename) not in hidden and not f.filename.startswith("<frozen")
        ]
        return traceback.StackSummary.from_list(frames)

    node: traceback.TracebackException | None = te
    while node is not None:
        node.stack = keep(node.stack)
        node = node.__cause__ or node.__context__
    print("".join(te.format()), end="", file=sys.stderr)


def _run(kind: str, target: str, argv: list[str]) -> int:
    install()
    _headless_matplotlib()
    sys.argv = argv
    try:
        if kind == "script":
            path = os.path.abspath(target)
            sys.path.insert(0, os.path.dirname(path))
            runpy.run_path(path, run_name="__main__")
        elif kind == "module":
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, "")
            exec(compile(target, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:
        note = explain(exc)
        if note is not None:
            exc.add_note(note)
        _print_traceback(exc)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tapejax``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(USAGE, file=sys.stderr)
        return 2
    first = args[0]
    if first in ("-h", "--help"):
        print(USAGE + "\n\n" + (__doc__ or "").strip())
        return 0
    if first == "--version":
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"tapejax {version('tapejax')}")
        except PackageNotFoundError:
            print("tapejax (not installed)")
        return 0
    if first in ("-m", "-c"):
        if len(args) < 2:
            print(f"tapejax: option {first} requires an argument\n{USAGE}", file=sys.stderr)
            return 2
        if first == "-m":
            return _run("module", args[1], [args[1], *args[2:]])
        return _run("code", args[1], ["-c", *args[2:]])
    if first.startswith("-"):
        print(f"tapejax: unknown option {first}\n{USAGE}", file=sys.stderr)
        return 2
    if not os.path.exists(first):
        print(f"tapejax: can't open file {first!r}: No such file", file=sys.stderr)
        return 2
    return _run("script", first, args)


if __name__ == "__main__":
    sys.exit(main())
