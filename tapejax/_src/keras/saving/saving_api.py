"""Keras 3's saving entry points: ``Model.save``/``save_weights``/``load_weights``/``to_json`` (as
:class:`SavingMixin`, a base of ``tf.keras.Model``), ``load_model``, ``save_model``, ``model_from_json``.

Differences from Keras: only the Keras 3 formats (``.weights.h5``, ``.keras``) are read and written:
no legacy ``.h5`` model files, TF SavedModels, sharded ``.weights.json`` files, Orbax directories or
Hugging Face paths.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tapejax._src.keras.saving import saving_lib


def _ask_to_proceed_with_overwrite(filepath: str) -> bool:
    """Keras' prompt before overwriting a file (``overwrite=False``)."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def save_weights(model: Any, filepath: Any, overwrite: bool = True, max_shard_size: Any = None) -> None:
    """Writes ``model``'s weights to a ``.weights.h5`` file in Keras 3's layout.

    Raises:
      ValueError: for another file name, an unbuilt model, or ``max_shard_size`` (not supported).
      ImportError: without ``h5py`` (``pip install tapejax[keras]``).
    """
    path = str(filepath)
    if max_shard_size is not None:
        raise ValueError("tapejax does not write sharded weights files (`max_shard_size`); save one `.weights.h5`.")
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    if os.path.exists(path) and not overwrite and not _ask_to_proceed_with_overwrite(path):
        return
    saving_lib.save_weights_only(model, filepath)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
    """Loads weights from a ``.weights.h5`` file or a ``.keras`` archive (Keras 3's layout).

    Raises:
      ValueError: for a file that does not match the model (Keras' message; the weights are then
        unchanged), an unbuilt model, or a file format tapejax does not read.
      FileNotFoundError / OSError: for a missing or unreadable file (h5py's).
    """
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = str(filepath)
    if path.endswith(".keras") and objects_to_skip is not None:
        raise ValueError("`objects_to_skip` only supports loading '.weights.h5' files.")
    if path.endswith((".keras", ".weights.h5")):
        saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch, objects_to_skip=objects_to_skip)
        return
    raise ValueError(
        "File format not supported: filepath="
        f"{path}. tapejax reads Keras 3's `.weights.h5` and `.keras` files (not legacy `.h5` files, sharded "
        "`.weights.json` files or TF checkpoints: use `tf.train.Checkpoint` for those)."
    )


def save_model(model: Any, filepath: Any, overwrite: bool = True, zipped: Any = None, **kwargs: Any) -> None:
    """Saves ``model`` as a ``.keras`` archive (config.json, metadata.json, model.weights.h5).

    Raises:
      ValueError: for another extension or ``zipped=False`` (a directory: not supported).
    """
    if zipped is False:
        raise ValueError("tapejax writes zipped `.keras` archives only (`zipped=False` is not supported).")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = str(filepath)
    if os.path.exists(path) and not overwrite and not _ask_to_proceed_with_overwrite(path):
        return
    saving_lib.save_model(model, filepath)


def load_model(
    filepath: Any,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,  # noqa: A002 - Keras' name
    safe_mode: bool = True,
) -> Any:
    """A model from a ``.keras`` archive: built from config.json, then its weights loaded.

    Args:
      custom_objects: classes and functions by name (registered ones are found without it).
      compile: whether to compile the model as it was saved (when the model supports it).
      safe_mode: False lets ``Lambda`` layers load serialized Python lambdas (their bytecode), as does
        ``tf.keras.config.enable_unsafe_deserialization()``, which overrides it.

    >>> import os, tempfile
    >>> import tapejax as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> model.save(path)
    >>> print(tf.keras.models.load_model(path)(tf.constant([[1.0, 2.0]])))
    tf.Tensor([[3.]], shape=(1, 1), dtype=float32)
    """
    from tapejax._src.keras import backend

    # As Keras' SafeModeScope: the session's setting (tf.keras.config.enable_unsafe_deserialization()) wins
    # over the argument, and Lambda layers read the effective value while the model is built.
    outer = backend._settings.safe_mode
    backend._settings.safe_mode = bool(safe_mode) if outer is None else outer
    try:
        return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile)
    finally:
        backend._settings.safe_mode = outer


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """A new model (fresh weights) from ``model.to_json()``."""
    return saving_lib.deserialize_model(json.loads(json_string), custom_objects, compile=False)


class SavingMixin:
    """``Model.save``, ``save_weights``, ``load_weights``, ``to_json`` (Keras 3's formats)."""

    def save_weights(self, filepath: Any, overwrite: bool = True, max_shard_size: Any = None) -> None:
        """Writes the weights to a ``.weights.h5`` file that Keras 3 reads too.

        >>> import os, tempfile
        >>> import tapejax as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> model.save_weights(path)
        >>> other = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> other.load_weights(path)
        >>> bool((other.layers[0].kernel.numpy() == model.layers[0].kernel.numpy()).all())
        True
        """
        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Loads weights saved by ``save_weights`` or ``save`` (here or in Keras 3): see :func:`load_weights`."""
        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def save(self, filepath: Any, overwrite: bool = True, zipped: Any = None, **kwargs: Any) -> None:
        """Saves the model as a ``.keras`` archive: see :func:`save_model`."""
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as JSON (``json.dumps`` keyword arguments pass through)."""
        return json.dumps(saving_lib.serialize_model(self), **kwargs)
