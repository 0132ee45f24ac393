"""``import tapejax`` leaves ``tf.keras``, ``tf.data`` and ``tf.optimizers`` for their first use (_src/submodules.py).

(That a fresh ``import tapejax`` does not import them is checked in test_cold_cache's subprocess.)
"""

from __future__ import annotations

import importlib

import pytest

import tapejax
from tapejax._src import submodules


@pytest.mark.parametrize("name", submodules.LAZY)
def test_lazy_submodules_are_the_real_modules(name: str) -> None:
    module = importlib.import_module(f"tapejax.{name}")
    assert getattr(tapejax, name) is module
    assert name in dir(tapejax)


def test_public_names_reach_through_the_lazy_modules() -> None:
    from tapejax import keras

    assert tapejax.keras.layers.Dense is keras.layers.Dense
    assert tapejax.optimizers.Adam is tapejax.keras.optimizers.Adam
    assert tapejax.data.Dataset.range(3).cardinality().numpy() == 3


def test_unknown_names_still_say_tapejax_lacks_them() -> None:
    with pytest.raises(AttributeError, match=r"tapejax does not implement tf\.no_such_name yet"):
        tapejax.no_such_name  # noqa: B018
    assert "no_such_name" not in dir(tapejax)
