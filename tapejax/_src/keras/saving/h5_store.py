"""Keras 3's HDF5 weight store (``keras.src.saving.saving_lib.H5IOStore``), on ``h5py``.

Each saveable object's variables live in a group ``<path>/vars`` as datasets ``"0"``, ``"1"``...
(the root object's in ``/vars``); a group holds the object's name as its ``name`` attribute.
"""

from __future__ import annotations

import io
import pathlib
import zipfile
from typing import Any

import numpy as np


def require_h5py() -> Any:
    """The ``h5py`` module.

    Raises:
      ImportError: naming the extra that installs it.
    """
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            "h5py must be installed in order to save or load Keras weights files (.weights.h5, .keras): "
            "`pip install tapejax[keras]` (or `pip install h5py`)."
        ) from e
    return h5py


def _safe_group(parent: Any, name: str) -> Any:
    """Keras' ``safe_get_h5_group``: no links, only groups on the way."""
    h5py = require_h5py()
    current = parent
    for part in name.split("/"):
        if not part:
            raise ValueError(f"Invalid path in H5 file: {name}")
        if part not in current:
            raise KeyError(name)
        kind = current.get(part, default=None, getclass=True, getlink=True)
        if kind in (h5py.ExternalLink, h5py.SoftLink):
            raise ValueError(f"Not allowed: H5 file with {kind.__name__}")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"Invalid H5 file, expected Group but received {type(current)}")
    return current


def _safe_dataset(group: Any, name: str) -> Any:
    """Keras' ``safe_get_h5_dataset``: a plain dataset, not a link, external or virtual."""
    h5py = require_h5py()
    if name not in group:
        raise KeyError(name)
    kind = group.get(name, default=None, getclass=True, getlink=True)
    if kind in (h5py.ExternalLink, h5py.SoftLink):
        raise ValueError(f"Not allowed: H5 file with {kind.__name__}")
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Invalid H5 file, expected Dataset, received {type(dataset)}")
    if dataset.external:
        raise ValueError(f"Not allowed: H5 file with external Dataset: {dataset.external}")
    if dataset.is_virtual:
        raise ValueError("Not allowed: H5 file with virtual Dataset")
    return dataset


class H5IOStore:
    """Variables of saveable objects in an HDF5 file (or a member of a ``.keras`` zip archive).

    Args:
      path_or_io: a path, or an ``io.BytesIO``.
      archive: a ``zipfile.ZipFile``: the file is the archive's member ``path_or_io``.
      mode: ``"r"`` or ``"w"``.
    """

    def __init__(self, path_or_io: Any, archive: zipfile.ZipFile | None = None, mode: str = "r") -> None:
        h5py = require_h5py()
        if mode not in ("w", "r"):
            raise ValueError(f"`mode` should be either 'w' or 'r'. Received: {mode}")
        if isinstance(path_or_io, (str, pathlib.Path)):
            self.path_or_io: Any = pathlib.Path(path_or_io)
        elif isinstance(path_or_io, io.BytesIO):
            self.path_or_io = path_or_io
        else:
            raise TypeError(
                "`path_or_io` should be a `str`, `pathlib.Path` or `io.BytesIO` object. Received: "
                f"path_or_io={path_or_io} of type {type(path_or_io)}."
            )
        self.mode = mode
        self.archive = archive
        self.io_file: Any = None
        if archive is not None:
            self.io_file = io.BytesIO() if mode == "w" else io.BytesIO(archive.read(str(path_or_io)))
            self.h5_file = h5py.File(self.io_file, mode=mode)
        else:
            self.h5_file = h5py.File(self.path_or_io, mode=mode)
        self._entry_path = ""
        self._entry: Any = {}
        self._entry_initialized = False

    # -- entries -------------------------------------------------------------------------------------
    def make(self, path: str, metadata: dict[str, Any] | None = None) -> H5IOStore:
        """Opens the entry of ``path`` for writing (its group is created on the first value or metadata)."""
        if self.mode != "w":
            raise ValueError("`make` is only allowed in write mode.")
        self._entry_path = path
        self._entry = {}
        self._entry_initialized = False
        if metadata:
            self._create_group(path, metadata)
        return self

    def get(self, path: str) -> H5IOStore:
        """Opens the entry of ``path`` for reading (empty when the file has none)."""
        if self.mode != "r":
            raise ValueError("`get` is only allowed in read mode.")
        self._entry_path = path
        self._entry = {}
        self._entry_initialized = True
        if not path:
            if "vars" in self.h5_file:
                self._entry = _safe_group(self.h5_file, "vars")
            return self
        if path in self.h5_file:
            group = _safe_group(self.h5_file, path)
            if "vars" in group:
                self._entry = _safe_group(group, "vars")
                return self
        # Files written by Keras 2.13 name the layers "_layer_checkpoint_dependencies".
        if "_layer_checkpoint_dependencies" in self.h5_file:
            path = path.replace("layers", "_layer_checkpoint_dependencies")
            if path in self.h5_file:
                group = _safe_group(self.h5_file, path)
                if "vars" in group:
                    self._entry = _safe_group(group, "vars")
        return self

    def has_path(self, path: str) -> bool:
        return path in self.h5_file

    def _create_group(self, path: str, metadata: dict[str, Any] | None = None) -> None:
        group = self.h5_file.create_group("vars") if not path else self.h5_file.create_group(path).create_group("vars")
        for k, v in (metadata or {}).items():
            group.attrs[k] = v
        self._entry = group
        self._entry_initialized = True

    def close(self) -> None:
        self.h5_file.close()
        if self.mode == "w" and self.archive is not None:
            self.archive.writestr(str(self.path_or_io), self.io_file.getvalue())
        if self.io_file is not None:
            self.io_file.close()

    # -- values of the open entry ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entry)

    def keys(self) -> Any:
        return self._entry.keys()

    def __contains__(self, key: str) -> bool:
        return key in self._entry

    def __getitem__(self, key: str) -> np.ndarray:
        dataset = _safe_dataset(self._entry, key)
        if dataset.attrs.get("dtype") == "bfloat16":
            import ml_dtypes

            return np.array(dataset, dtype=ml_dtypes.bfloat16)
        return np.array(dataset)

    def __setitem__(self, key: str, value: Any) -> None:
        if self.mode != "w":
            raise ValueError("Setting a value is only allowed in write mode.")
        if not self._entry_initialized:
            self._create_group(self._entry_path)
        value = np.asarray(value)
        if value.dtype.name == "bfloat16":
            dataset = self._entry.create_dataset(key, data=value)
            dataset.attrs["dtype"] = "bfloat16"
        else:
            self._entry[key] = value
