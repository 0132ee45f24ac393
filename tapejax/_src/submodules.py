"""The public submodules that ``import tapejax`` leaves for their first use (their import is heavy).

``tf.keras``, ``tf.data`` and ``tf.optimizers`` pull in several hundred modules between them; a
script that uses none of them need not import them. ``tapejax.keras`` (attribute access,
``from tapejax import keras``, ``import tapejax.keras``) imports the module on first use, after
which it is a plain attribute of the package.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from tapejax._src.errors import missing_attribute

LAZY = ("data", "keras", "optimizers")


def package_getattr(name: str) -> ModuleType:
    """``tapejax.__getattr__``: imports a lazy submodule; any other unknown name says tapejax lacks it.

    >>> import tapejax
    >>> package_getattr("keras") is tapejax.keras
    True
    """
    if name in LAZY:
        return importlib.import_module(f"tapejax.{name}")
    raise missing_attribute("tapejax", name)


def package_dir(names: list[str]) -> list[str]:
    """``tapejax.__dir__``: the package's names and the lazy submodules."""
    return sorted({*names, *LAZY})
