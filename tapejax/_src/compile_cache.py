"""JAX's persistent compilation cache, turned on by ``import tapejax`` in a per-user directory.

Exploratory code (notebooks, tests, scripts) runs many small programs once, and on XLA every new
program is a compile. With the cache on, a script's second run loads each compiled program from
disk instead (a cache hit costs a fraction of a compile: on the 2-core CPU machines here about 7-11
ms against 28-98 ms for a one-op program, 50-60 ms against 160-480 ms for a small MLP gradient).
Every program is cached, however fast its compile (JAX's own default caches only programs that took
over a second to compile, which leaves out all of tapejax's small kernels).

Settings, read once at ``import tapejax``:

- ``TAPEJAX_COMPILATION_CACHE=0`` (or ``false``/``no``/``off``) turns it off;
- ``TAPEJAX_COMPILATION_CACHE_DIR=/path`` chooses the directory (default
  ``$XDG_CACHE_HOME/tapejax/jax``, else ``~/.cache/tapejax/jax``);
- JAX's own settings win: if ``jax_compilation_cache_dir`` is already set (``jax.config.update``
  before ``import tapejax``, or ``JAX_COMPILATION_CACHE_DIR``) tapejax leaves the cache alone, and a
  ``jax.config.update("jax_compilation_cache_dir", ...)`` made after the import and before the first
  compile still applies; ``jax_persistent_cache_min_compile_time_secs`` is lowered to 0 only while
  it has JAX's default and its environment variable is unset.

A directory that cannot be created or written leaves the cache off (the import never fails). The
directory has no size limit (JAX evicts only when ``jax_compilation_cache_max_size`` is set, which
needs the ``filelock`` package); deleting it at any time is safe.

Differences from TensorFlow: TF has no compilation step to cache in eager mode; this is tapejax's
answer to XLA's per-program compile time.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping

import jax

ENABLE_ENV = "TAPEJAX_COMPILATION_CACHE"
DIR_ENV = "TAPEJAX_COMPILATION_CACHE_DIR"
_OFF = frozenset({"0", "false", "no", "off"})
_JAX_DEFAULT_MIN_COMPILE_TIME = 1.0

# The directory set_up() turned the cache on in, or None (off, or left to the user's JAX settings).
cache_dir: str | None = None


def resolve_cache_dir(environ: Mapping[str, str]) -> str | None:
    """The cache directory that ``environ`` asks for, or ``None`` when it turns the cache off.

    >>> resolve_cache_dir({"TAPEJAX_COMPILATION_CACHE": "0"}) is None
    True
    >>> resolve_cache_dir({"XDG_CACHE_HOME": "/c"})
    '/c/tapejax/jax'
    >>> resolve_cache_dir({"TAPEJAX_COMPILATION_CACHE_DIR": "/d", "XDG_CACHE_HOME": "/c"})
    '/d'
    """
    if environ.get(ENABLE_ENV, "1").strip().lower() in _OFF:
        return None
    explicit = environ.get(DIR_ENV, "").strip()
    if explicit:
        return os.path.expanduser(explicit)
    base = environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tapejax", "jax")


def _writable_dir(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def set_up(environ: Mapping[str, str] | None = None) -> str | None:
    """Turns JAX's persistent compilation cache on (called by ``import tapejax``); returns its directory.

    Returns ``None`` and changes nothing when the environment turns it off, when JAX's
    ``jax_compilation_cache_dir`` is already set (the user's setting wins), or when the directory
    cannot be created or written.
    """
    global cache_dir
    environ = os.environ if environ is None else environ
    path = resolve_cache_dir(environ)
    if path is None or jax.config.jax_compilation_cache_dir is not None or not _writable_dir(path):
        return None
    jax.config.update("jax_compilation_cache_dir", path)
    if (
        jax.config.jax_persistent_cache_min_compile_time_secs == _JAX_DEFAULT_MIN_COMPILE_TIME
        and "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in environ
    ):
        # Small programs are what tapejax compiles most; a hit is cheaper than any compile.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    cache_dir = path
    global source_digest, source_digest_at
    source_digest = sources_digest()  # the code this process runs (see executable_cache)
    source_digest_at = time.monotonic()
    return path


# Size and modification time of every tapejax source file when ``import tapejax`` turned the cache
# on (None: off). executable_cache keys its programs with it, and saves nothing once the files on
# disk differ from it (this process runs the code it imported, not the edited files).
source_digest: str | None = None
source_digest_at = 0.0  # when it was computed (time.monotonic())
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sources_digest() -> str:
    """A digest of the size and modification time of every ``.py`` file of the tapejax package (~2 ms)."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(_PACKAGE_DIR):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(root, f)
                try:
                    st = os.stat(path)
                    h.update(f"{os.path.relpath(path, _PACKAGE_DIR)}:{st.st_size}:{st.st_mtime_ns};".encode())
                except OSError:
                    h.update(f"{path}:missing;".encode())
    return h.hexdigest()
