"""``tf.keras.InputSpec``: the rank, dtype and shape a layer accepts, checked at each call (Keras' messages)."""

from __future__ import annotations

from typing import Any

from tapejax._src import nest
from tapejax._src.keras import backend


def standardize_shape(shape: Any) -> tuple[int | None, ...]:
    """A shape (tuple, list, TensorShape) as a tuple of ints and Nones."""
    if hasattr(shape, "as_list"):
        shape = shape.as_list() if shape.rank is not None else None
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if isinstance(shape, int):
        shape = (shape,)
    out = []
    for d in shape:
        if d is None:
            out.append(None)
            continue
        if hasattr(d, "value"):
            d = d.value
        if not isinstance(d, int) and not (hasattr(d, "__index__")):
            raise ValueError(
                f"Cannot convert '{shape}' to a shape. Found invalid dimension '{d}' of type '{type(d)}'. "
            )
        d = int(d)
        if d < 0:
            raise ValueError(f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed.")
        out.append(d)
    return tuple(out)


class InputSpec:
    """The rank, dtype and shape of an input a layer accepts (``tf.keras.InputSpec``); None dims match any.

    >>> import tapejax as tf
    >>> tf.keras.InputSpec(ndim=2, axes={-1: 3})
    InputSpec(ndim=2, axes={-1: 3})
    """

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict[int, int] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = backend.standardize_dtype(dtype) if dtype is not None else None
        if shape is not None:
            self.shape: tuple[int | None, ...] | None = standardize_shape(shape)
            self.ndim = len(self.shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1  # type: ignore[operator]
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}")

    def __repr__(self) -> str:
        spec = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self) -> dict[str, Any]:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputSpec:
        return cls(**config)


def _prefix(i: int, spec: InputSpec, layer_name: str) -> str:
    return f"Input {i} with name '{spec.name}' of layer '{layer_name}' is incompatible with the layer: "


def fits(spec: InputSpec, x: Any) -> bool:
    """Whether one array-like ``x`` (with ``_v``: a Tensor) passes ``spec``: the common case, checked fast."""
    v = x._v
    shape = v.shape
    ndim = len(shape)
    if spec.ndim is not None and ndim != spec.ndim and not spec.allow_last_axis_squeeze:
        return False
    if (spec.max_ndim is not None and ndim > spec.max_ndim) or (spec.min_ndim is not None and ndim < spec.min_ndim):
        return False
    if spec.dtype is not None and v.dtype.name != spec.dtype:
        return False
    for axis, value in spec.axes.items():
        if value is not None and shape[axis] != value:
            return False
    if spec.shape is not None:
        if spec.allow_last_axis_squeeze:
            return False  # (the full check decides)
        for spec_dim, dim in zip(spec.shape, shape, strict=False):
            if spec_dim is not None and spec_dim != dim:
                return False
    return True


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Raises Keras' ValueError when ``inputs`` do not fit ``input_spec`` (a spec or a structure of them)."""
    if not input_spec:
        return
    if type(input_spec) is InputSpec and hasattr(inputs, "_v") and fits(input_spec, inputs):
        return
    specs = nest.flatten(input_spec)
    if isinstance(inputs, dict):
        names = [s.name for s in specs]
        if all(names):
            for n in names:
                if n not in inputs:
                    raise ValueError(
                        f'Missing data for input "{n}". You passed a data dictionary with keys '
                        f"{list(inputs.keys())}. Expected the following keys: {names}"
                    )
            inputs = [inputs[n] for n in names]
    flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} input tensors. '
            f"Inputs received: {flat}"
        )
    for i, (x, spec) in enumerate(zip(flat, specs, strict=True)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(
                f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) as input for layer '{layer_name}'."
            )
        shape = standardize_shape(x.shape)
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(
                _prefix(i, spec, layer_name)
                + f"expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}"
            )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(_prefix(i, spec, layer_name) + f"expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(
                _prefix(i, spec, layer_name)
                + f"expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: {shape}"
            )
        if spec.dtype is not None:
            dtype = backend.standardize_dtype(x.dtype)
            if dtype != spec.dtype:
                raise ValueError(_prefix(i, spec, layer_name) + f"expected dtype={spec.dtype}, found dtype={dtype}")
        for axis, value in spec.axes.items():
            if value is not None and shape[axis] not in {value, None}:
                raise ValueError(
                    _prefix(i, spec, layer_name)
                    + f"expected axis {axis} of input shape to have value {value}, but received input with shape {shape}"
                )
        if spec.shape is not None:
            spec_shape = spec.shape
            if spec.allow_last_axis_squeeze:
                if shape and shape[-1] == 1:
                    shape = shape[:-1]
                if spec_shape and spec_shape[-1] == 1:
                    spec_shape = spec_shape[:-1]
            for spec_dim, dim in zip(spec_shape, shape, strict=False):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise ValueError(_prefix(i, spec, layer_name) + f"expected shape={spec.shape}, found shape={shape}")
