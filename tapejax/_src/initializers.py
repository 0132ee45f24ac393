"""TF's ``tf.*`` initializer classes (``tf.zeros_initializer``, ``tf.ones_initializer``, ``tf.constant_initializer``,
``tf.random_normal_initializer``, ``tf.random_uniform_initializer``): callables of ``(shape, dtype)``
returning a new tensor, with ``get_config`` / ``from_config``."""

from __future__ import annotations

from typing import Any

from tapejax._src import dtypes as dtypes_lib
from tapejax._src.ops import array_ops, creation_ops, random_ops
from tapejax._src.tensor import Tensor


class Initializer:
    """The base class of TF's initializers (``tf.keras.initializers.Initializer`` in TF's own module layout)."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for ``from_config``."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """An initializer built from ``get_config()``'s dict."""
        config = dict(config)
        config.pop("dtype", None)  # (TF 1 configs carry a dtype)
        return cls(**config)


def _numeric_or_bool(dtype: Any) -> dtypes_lib.DType:
    return dtypes_lib.as_dtype(dtypes_lib.float32 if dtype is None else dtype)  # (every tapejax dtype is)


class zeros_initializer(Initializer):
    """Creates tensors of zeros (``tf.zeros_initializer``).

    >>> import tapejax as tf
    >>> print(tf.zeros_initializer()([2], tf.int32))
    tf.Tensor([0 0], shape=(2,), dtype=int32)
    """

    def __call__(self, shape: Any, dtype: Any = dtypes_lib.float32, **kwargs: Any) -> Tensor:
        return creation_ops.zeros(shape, _numeric_or_bool(dtype))


class ones_initializer(Initializer):
    """Creates tensors of ones (``tf.ones_initializer``)."""

    def __call__(self, shape: Any, dtype: Any = dtypes_lib.float32, **kwargs: Any) -> Tensor:
        return creation_ops.ones(shape, _numeric_or_bool(dtype))


class constant_initializer(Initializer):
    """Creates tensors of ``value``: a scalar (filled) or as many values as the shape has elements (``tf.constant_initializer``).

    Raises:
      TypeError: when called with a shape whose size differs from ``value``'s (TF's class).

    >>> import tapejax as tf
    >>> print(tf.constant_initializer([1, 2, 3, 4])([2, 2]))
    tf.Tensor(
    [[1 2]
     [3 4]], shape=(2, 2), dtype=int32)
    """

    def __init__(self, value: Any = 0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        # (dtype None: the value's own, as TF 2: ``constant_initializer([1, 2])`` makes int32 tensors)
        return array_ops.constant(self.value, dtype=dtype, shape=shape)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class random_normal_initializer(Initializer):
    """Creates tensors of normal draws with ``mean`` and ``stddev`` (``tf.random_normal_initializer``).

    Differences from TensorFlow: the draws come from tapejax's generator (JAX's), so seeded values
    differ from TF's.
    """

    def __init__(self, mean: Any = 0.0, stddev: Any = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = dtypes_lib.float32, **kwargs: Any) -> Tensor:
        return random_ops.normal(shape, self.mean, self.stddev, dtype, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(Initializer):
    """Creates tensors of uniform draws in ``[minval, maxval)`` (``tf.random_uniform_initializer``).

    Differences from TensorFlow: the draws come from tapejax's generator (JAX's), so seeded values
    differ from TF's.
    """

    def __init__(self, minval: Any = -0.05, maxval: Any = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = dtypes_lib.float32, **kwargs: Any) -> Tensor:
        return random_ops.uniform(shape, self.minval, self.maxval, dtype, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}
