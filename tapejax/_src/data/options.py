"""``tf.data.Options`` and its option groups: accepted, type-checked and merged as TF does.

tapejax's engine reads none of them (it has no graph rewrites, thread pools or autotuning to
configure); they exist so that pipelines written for TF run unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tapejax._src.data.dataset import Dataset


class _OptionsBase:
    """Options with a fixed set of typed properties, all None (unset) by default, as TF's ``OptionsBase``."""

    _types: ClassVar[dict[str, Any]] = {}
    _groups: ClassVar[dict[str, type]] = {}

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {})
        for name, cls in self._groups.items():
            self._values[name] = cls()

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in self._types or name in self._groups:
            return values.get(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._types and name not in self._groups:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        want = self._groups.get(name) or self._types[name]
        if value is not None and not isinstance(value, want):
            raise TypeError(f'Property "{name}" must be of type {want}, got: {value!r} (type: {type(value)})')
        self._values[name] = value

    def __eq__(self, other: object) -> bool:
        names = [*self._types, *self._groups]
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in names)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def _merge(self, other: _OptionsBase) -> _OptionsBase:
        """A copy of ``self`` where what ``other`` sets overrides."""
        out = type(self)()
        for name in self._types:
            theirs = other._values.get(name)
            out._values[name] = theirs if theirs is not None else self._values.get(name)
        for name in self._groups:
            out._values[name] = self._values[name]._merge(other._values[name])
        return out


class ThreadingOptions(_OptionsBase):
    """Threading options (``tf.data.ThreadingOptions``): accepted, not used."""

    _types: ClassVar[dict[str, Any]] = {"max_intra_op_parallelism": int, "private_threadpool_size": int}


class AutotuneOptions(_OptionsBase):
    """Autotuning options (``tf.data.experimental.AutotuneOptions``): accepted, not used."""

    _types: ClassVar[dict[str, Any]] = {
        "autotune_algorithm": object,
        "cpu_budget": int,
        "enabled": bool,
        "initial_parallelism": int,
        "min_parallelism": int,
        "ram_budget": int,
    }


class OptimizationOptions(_OptionsBase):
    """Graph-rewrite options (``tf.data.experimental.OptimizationOptions``): accepted, not used."""

    _types: ClassVar[dict[str, Any]] = dict.fromkeys(
        [
            "apply_default_optimizations",
            "filter_fusion",
            "filter_parallelization",
            "inject_prefetch",
            "map_and_batch_fusion",
            "map_and_filter_fusion",
            "map_fusion",
            "map_parallelization",
            "noop_elimination",
            "parallel_batch",
            "seq_interleave_prefetch",
            "shuffle_and_repeat_fusion",
        ],
        bool,
    )


class DistributeOptions(_OptionsBase):
    """Distribution options (``tf.data.experimental.DistributeOptions``): accepted, not used."""

    _types: ClassVar[dict[str, Any]] = {"auto_shard_policy": object, "num_devices": int}


class Options(_OptionsBase):
    """Options of a dataset (``tf.data.Options``), set with ``Dataset.with_options``.

    Every property is None until set; setting an unknown property raises ``AttributeError``, a
    wrong type ``TypeError``, as in TF. Options set later override earlier ones.

    >>> import tapejax as tf
    >>> options = tf.data.Options()
    >>> options.deterministic = False
    >>> tf.data.Dataset.range(3).with_options(options).options().deterministic
    False

    Differences from TensorFlow: the options are kept and merged but change nothing: tapejax's
    pipeline is always deterministic and has no graph rewrites or autotuning.
    """

    _types: ClassVar[dict[str, Any]] = {
        "dataset_name": str,
        "deterministic": bool,
        "experimental_deterministic": bool,
        "experimental_external_state_policy": object,
        "experimental_service": object,
        "experimental_slack": bool,
        "experimental_symbolic_checkpoint": bool,
        "experimental_threading": object,
        "experimental_warm_start": bool,
        "framework_type": list,
    }
    _groups: ClassVar[dict[str, type]] = {
        "autotune": AutotuneOptions,
        "experimental_distribute": DistributeOptions,
        "experimental_optimization": OptimizationOptions,
        "threading": ThreadingOptions,
    }

    def merge(self, options: Options | None) -> Options:
        """These options overridden by what ``options`` sets (a new object)."""
        if options is None:
            return self
        return self._merge(options)  # type: ignore[return-value]


class OptionsDataset(Dataset):
    _tf_name = "_OptionsDataset"

    def __init__(self, input_dataset: Dataset, options: Options) -> None:
        super().__init__(input_dataset.element_spec, (input_dataset,))
        self._input = input_dataset
        self._own_options = options

    def _iter(self) -> Any:
        return self._input._iter()

    def _cardinality(self) -> int:
        return self._input._cardinality()
