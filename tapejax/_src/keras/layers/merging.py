"""Keras' merging layers: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``,
``Concatenate``, ``Dot`` and their functional forms (``tf.keras.layers.add`` ...), with Keras 3's masks."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.ops import creation_ops, linalg_ops, math_ops, reduction_ops, shape_ops
from tapejax._src.tensor import keras_mask


def _mask(x: Any) -> Any:
    return keras_mask(x)


def _set_mask(x: Any, mask: Any) -> None:
    x._keras_mask = mask


def _expand_mask(mask: Any, x: Any) -> Any:
    return shape_ops.broadcast_to(shape_ops.expand_dims(mask, -1), shape_ops.shape(x))


class Merge(Layer):
    """The base of the element-wise merge layers: called on a list of tensors (Keras' ``Merge``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs: list[Any]) -> Any:
        raise NotImplementedError

    def _apply_merge_op_and_or_mask(self, op_fn: Any, inputs: list[Any]) -> Any:
        # Keras' rule for Maximum/Minimum: masked entries take the other inputs' values; the output mask
        # is the OR of the masks (kept only if every input has one).
        output = output_mask = None
        for x in inputs:
            mask = _mask(x)
            if mask is not None:
                mask = _expand_mask(mask, x)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = math_ops.where(mask, x, output)
            if output_mask is not None:
                output = math_ops.where(output_mask, output, x)
            output_mask = (
                math_ops.logical_or(output_mask, mask) if mask is not None and output_mask is not None else None
            )
            output = op_fn(output, x)
        if output_mask is not None:
            _set_mask(output, reduction_ops.reduce_any(output_mask, axis=-1))
        return output

    @staticmethod
    def _elementwise_shape(shape1: Any, shape2: Any) -> Any:
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return Merge._elementwise_shape(shape2, shape1)
        if not shape2:
            return shape1
        out = list(shape1[: -len(shape2)])
        for i, j in zip(shape1[-len(shape2) :], shape2, strict=True):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape1} and {shape2}")
        return tuple(out)

    def build(self, input_shape: Any) -> None:
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: input_shape={input_shape} "
                "(not a list of shapes)"
            )
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"Cannot merge tensors with different batch sizes. Received tensors with shapes {input_shape}"
            )
        output_shape = input_shape[0][1:]
        for shape in input_shape[1:]:
            output_shape = self._elementwise_shape(output_shape, shape[1:])
        self._reshape_required = len({len(s) for s in input_shape}) != 1

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: inputs={inputs} (not a list of tensors)"
            )
        inputs = list(inputs)
        if getattr(self, "_reshape_required", False):
            # Lower-rank inputs get axes inserted after the batch axis (Keras' rule).
            max_ndim = max(len(x.shape) for x in inputs)
            reshaped = []
            for x in inputs:
                for _ in range(max_ndim - len(x.shape)):
                    x = shape_ops.expand_dims(x, axis=1)
                reshaped.append(x)
            inputs = reshaped
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        output_shape = input_shape[0][1:]
        for shape in input_shape[1:]:
            output_shape = self._elementwise_shape(output_shape, shape[1:])
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        return (next(iter(batch_sizes)) if len(batch_sizes) == 1 else None, *output_shape)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        if not isinstance(mask, (tuple, list)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (tuple, list)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. "
                f"Received: inputs={inputs} of length {len(inputs)}, and mask={mask} of length {len(mask)}"
            )
        if any(m is None for m in mask):
            return None
        output_mask = mask[0]
        for m in mask[1:]:
            output_mask = math_ops.logical_or(output_mask, m)
        return output_mask


class Add(Merge):
    """Adds a list of inputs (``tf.keras.layers.Add``).

    >>> import tapejax as tf
    >>> print(tf.keras.layers.Add()([tf.ones([1, 2]), tf.ones([1, 2])]))
    tf.Tensor([[2. 2.]], shape=(1, 2), dtype=float32)
    """

    def _merge_function(self, inputs: list[Any]) -> Any:
        output = inputs[0]
        for x in inputs[1:]:
            output = math_ops.add(output, x)
        return output


class Subtract(Merge):
    """Subtracts the second of two inputs from the first (``tf.keras.layers.Subtract``)."""

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={input_shape}"
            )

    def _merge_function(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        return math_ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Multiplies a list of inputs element-wise (``tf.keras.layers.Multiply``); masked entries count as 1."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        masks = [_mask(x) for x in inputs]
        has_output_mask = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks, strict=True):
            if mask is not None:
                mask = _expand_mask(mask, x)
                x = math_ops.where(mask, x, math_ops.cast(1, x.dtype))
                if has_output_mask:
                    output_mask = mask if output_mask is None else math_ops.logical_or(output_mask, mask)
            output = x if output is None else math_ops.multiply(output, x)
        if has_output_mask:
            output = math_ops.where(output_mask, output, math_ops.cast(0, output.dtype))
            _set_mask(output, reduction_ops.reduce_any(output_mask, axis=-1))
        return output


class Average(Merge):
    """Averages a list of inputs element-wise (``tf.keras.layers.Average``)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        output = inputs[0]
        for x in inputs[1:]:
            output = math_ops.add(output, x)
        return output / len(inputs)


class Maximum(Merge):
    """The element-wise maximum of a list of inputs (``tf.keras.layers.Maximum``)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        return self._apply_merge_op_and_or_mask(math_ops.maximum, inputs)


class Minimum(Merge):
    """The element-wise minimum of a list of inputs (``tf.keras.layers.Minimum``)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        return self._apply_merge_op_and_or_mask(math_ops.minimum, inputs)


class Concatenate(Merge):
    """Concatenates a list of inputs along ``axis`` (``tf.keras.layers.Concatenate``, default the last).

    >>> import tapejax as tf
    >>> tf.keras.layers.Concatenate()([tf.ones([2, 3]), tf.ones([2, 1])]).shape
    TensorShape([2, 4])
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self._reshape_required = False

    def build(self, input_shape: Any) -> None:
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) < 1
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape={input_shape}"
            )
        reduced = set()
        for shape in input_shape:
            dims = list(shape)
            del dims[self.axis % len(dims)]
            reduced.add(tuple(dims))
        if len(reduced) != 1:
            ranks = {len(s) for s in reduced}
            bad = len(ranks) != 1 or any(
                len({s[i] for s in reduced if s[i] is not None}) > 1 for i in range(next(iter(ranks)))
            )
            if bad:
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
                    f"Received: input_shape={input_shape}"
                )

    def _merge_function(self, inputs: list[Any]) -> Any:
        return shape_ops.concat(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape: Any) -> Any:
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        if not isinstance(mask, (tuple, list)):
            raise ValueError(f"`mask` should be a list. Received mask={mask}")
        if len(mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. "
                f"Received: inputs={inputs} of length {len(inputs)}, and mask={mask} of length {len(mask)}"
            )
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask, strict=True):
            if m is None:
                masks.append(creation_ops.ones_like(x, dtype="bool"))
            elif len(m.shape) < len(x.shape):
                masks.append(
                    math_ops.logical_or(shape_ops.expand_dims(m, -1), creation_ops.zeros_like(x, dtype="bool"))
                )
            else:
                masks.append(m)
        return reduction_ops.reduce_any(shape_ops.concat(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _normalize(x: Any, axis: int) -> Any:
    """Keras' ``ops.normalize`` (order 2): ``x * min(rsqrt(sum(x**2)), 1/epsilon)``."""
    inv_norm = math_ops.rsqrt(reduction_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True))
    return x * math_ops.minimum(inv_norm, 1.0 / backend.epsilon())


def _batch_dot(x: Any, y: Any, axes: list[int]) -> Any:
    """Keras' ``batch_dot``: contracts ``x``'s axis ``axes[0]`` with ``y``'s ``axes[1]``, batched on axis 0."""
    nx, ny = len(x.shape), len(y.shape)
    if nx < 2 or ny < 2:
        raise ValueError(
            f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {x.shape} and {y.shape}."
        )
    if 0 in axes:
        raise ValueError(
            "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension to "
            "your inputs using keras.ops.expand_dims(x, 0)"
        )
    letters = "abcdefghijklmnopqrstuvwxyz"
    xs = ["B"] + [letters[i] for i in range(1, nx)]
    ys = ["B"] + [letters[nx + i] for i in range(1, ny)]
    ys[axes[1]] = xs[axes[0]]
    out = (
        ["B"]
        + [c for i, c in enumerate(xs) if i not in (0, axes[0])]
        + [c for i, c in enumerate(ys) if i not in (0, axes[1])]
    )
    result = linalg_ops.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    if len(out) == 1:
        result = shape_ops.expand_dims(result, -1)
    return result


class Dot(Merge):
    """The dot product of two inputs along ``axes`` (``tf.keras.layers.Dot``), batched on axis 0.

    Args:
      axes: an int, or two ints (one axis per input).
      normalize: whether to L2-normalize both inputs along those axes first (cosine proximity).

    >>> import numpy as np, tapejax as tf
    >>> x = np.arange(10, dtype="float32").reshape(1, 5, 2)
    >>> y = np.arange(10, 20, dtype="float32").reshape(1, 2, 5)
    >>> print(tf.keras.layers.Dot(axes=(1, 2))([x, y]))
    tf.Tensor(
    [[[260. 360.]
      [320. 445.]]], shape=(1, 2, 2), dtype=float32)
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"Invalid format for argument `axes`: it should contain two elements. Received: axes={axes}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    f"Invalid format for argument `axes`: list elements should be integers. Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize
        self._reshape_required = False

    def _axes(self, rank1: int, rank2: int) -> list[int]:
        if isinstance(self.axes, int):
            return [self.axes % rank1, self.axes % rank2] if self.axes < 0 else [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, (rank1, rank2), strict=True)]

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}"
            )
        shape1, shape2 = input_shape
        axes = self._axes(len(shape1), len(shape2))
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis {axes[0]}) != {shape2[axes[1]]} "
                f"(at axis {axes[1]}). Full input shapes: {shape1}, {shape2}"
            )

    def _merge_function(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        axes = self._axes(len(x1.shape), len(x2.shape))
        if self.normalize:
            x1, x2 = _normalize(x1, axes[0]), _normalize(x2, axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes(len(shape1), len(shape2))
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        out = shape1 + shape2
        return tuple([*out, 1] if len(out) == 1 else out)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs: Any, **kwargs: Any) -> Any:
    """``Add()(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: Any, **kwargs: Any) -> Any:
    """``Subtract()(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Any, **kwargs: Any) -> Any:
    """``Multiply()(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs: Any, **kwargs: Any) -> Any:
    """``Average()(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs: Any, **kwargs: Any) -> Any:
    """``Maximum()(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Any, **kwargs: Any) -> Any:
    """``Minimum()(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Any, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Any, axes: Any = -1, **kwargs: Any) -> Any:
    """``Dot(axes)(inputs)``."""
    return Dot(axes=axes, **kwargs)(inputs)
