"""``tf.keras.utils`` basics: seeding, label encoding, normalization."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from tapejax._src import random_state


def set_random_seed(seed: int) -> None:
    """Seeds Python's ``random``, NumPy's global generator and tapejax's (``tf.random.set_seed``), as Keras.

    Raises:
      ValueError: if ``seed`` is not an int (Keras' message).

    >>> import tapejax as tf
    >>> tf.keras.utils.set_random_seed(1); a = tf.random.uniform([2])
    >>> tf.keras.utils.set_random_seed(1); b = tf.random.uniform([2])
    >>> bool(tf.reduce_all(a == b))
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    random_state.GLOBAL.set_seed(seed)


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encodes integer labels (``y.shape + (num_classes,)``, float32), as Keras' NumPy version.

    >>> import tapejax as tf
    >>> tf.keras.utils.to_categorical([0, 2], num_classes=3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if hasattr(x, "numpy"):
        x = x.numpy()
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    batch_size = x.shape[0]
    categorical = np.zeros((batch_size, num_classes), dtype="float32")
    categorical[np.arange(batch_size), x] = 1
    return np.reshape(categorical, (*input_shape, num_classes))


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """Scales ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero), as Keras."""
    from tapejax._src.core import TensorBase, VariableBase

    if isinstance(x, (TensorBase, VariableBase)):
        from tapejax._src.ops import linalg_ops, math_ops

        norm = linalg_ops.norm(x, ord=order, axis=axis, keepdims=True)
        return math_ops.divide_no_nan(x, norm)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def get_file(fname: Any = None, origin: Any = None, *args: Any, **kwargs: Any) -> str:
    """Keras' downloader: not available (tapejax runs offline).

    Raises:
      NotImplementedError: always, naming the file; load data from disk (e.g. scikit-learn's bundled
        datasets) instead.
    """
    raise NotImplementedError(
        f"tf.keras.utils.get_file({fname!r}, origin={origin!r}): tapejax does not download files. Fetch the file "
        "yourself and load it from disk (or use an offline dataset such as sklearn.datasets.load_digits)."
    )
