"""``tf.TensorArray``: a list of same-dtype Tensors, indexed by step, as TF's eager implementation.

The elements are the Tensors written (not copies), so a tape that recorded how they were made
reaches them through ``read``, ``stack``, ``gather`` and ``concat``, and gradients flow as in TF.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapejax._src import dtypes as dtypes_lib
from tapejax._src import errors
from tapejax._src.ops import utils
from tapejax._src.tensor import Tensor, TensorShape


def _merge(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.rank is None:
        return b
    if b.rank is None:
        return a
    return TensorShape([x if x is not None else y for x, y in zip(a.as_list(), b.as_list(), strict=True)])


def _index(value: Any, what: str) -> int | None:
    """``value`` as a Python int; None if it is a traced tensor (inside tf.function)."""
    if utils.is_tensor(value) or isinstance(value, np.ndarray):
        v = utils.concrete(value)
        return None if v is None else int(v)
    return int(value)


class TensorArray:
    """A growable array of Tensors of one dtype, written and read by index (``tf.TensorArray``).

    Args:
      dtype: the elements' dtype.
      size: the initial number of elements (required, as in TF's eager mode).
      dynamic_size: writes past the end grow the array.
      clear_after_read: an element read once is cleared; reading it again raises (default True).
      infer_shape: the first written element's shape becomes ``element_shape``.
      element_shape: the elements' shape (unwritten elements read as zeros of it).
      tensor_array_name, handle, flow, colocate_with_first_write_call, name: TF's graph-mode
        arguments; ``handle`` and ``flow`` are refused as in TF's eager mode.

    Inside ``tf.function``, as TF's graph TensorArray, ``write``/``unstack``/``scatter``/``split``
    return a new array and leave this one unchanged (use the returned one). An array written at a
    traced index (in a ``tf.while_loop`` body, an AutoGraph loop over ``tf.range``) or passed as a
    ``tf.while_loop`` loop var holds one Tensor ``[size, *element_shape]`` instead of a list; tapes
    differentiate through ``write``/``read``/``stack``/``gather``/``scatter``/``concat``, and an
    element shape not given is inferred from the loop body's first ``write``.

    Differences from TensorFlow: in that traced form the size is static (a Python int or an eager
    tensor): ``dynamic_size=True`` cannot grow it past its size (XLA's shapes are static: give the
    size, e.g. the loop's trip count), ``split`` and ``clear_after_read`` checks are not available,
    and out-of-range indices are not checked (XLA clamps them).

    >>> import tapejax as tf
    >>> ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, clear_after_read=False)
    >>> ta = ta.write(0, 10).write(1, 20)
    >>> print(ta.stack(), ta.read(1))
    tf.Tensor([10. 20.], shape=(2,), dtype=float32) tf.Tensor(20.0, shape=(), dtype=float32)
    """

    def __init__(
        self,
        dtype: Any,
        size: Any = None,
        dynamic_size: bool | None = None,
        clear_after_read: bool | None = None,
        tensor_array_name: str | None = None,
        handle: Any = None,
        flow: Any = None,
        infer_shape: bool = True,
        element_shape: Any = None,
        colocate_with_first_write_call: bool = True,
        name: str | None = None,
    ) -> None:
        if handle is not None:
            raise ValueError("TensorArray handles are not supported when eager execution is enabled.")
        if size is None:
            raise ValueError("Size must be declared for TensorArrays when eager execution is enabled.")
        self._dtype = dtypes_lib.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(element_shape)
        self._previously_read: set[int] = set()
        n = _index(size, "size")
        if n is None:
            raise ValueError(
                "TensorArray: tapejax needs a static size (a Python int or an eager tensor) inside tf.function; "
                "XLA's shapes are static."
            )
        self._tensors: list[Tensor | None] = [None] * n
        self._buf: Tensor | None = None  # the traced form: one Tensor [size, *element_shape]
        self._probe = False  # a stand-in while a loop body is traced to find the element shape

    @property
    def dtype(self) -> Any:
        """The elements' dtype."""
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        """Whether writes past the end grow the array."""
        return self._dynamic_size

    @property
    def element_shape(self) -> TensorShape:
        """The elements' (possibly partly) known shape."""
        return self._element_shape

    @property
    def flow(self) -> Tensor:
        """For compatibility (TF's graph-mode flow); a constant 0."""
        from tapejax._src.ops.array_ops import constant

        return constant(0)

    @property
    def handle(self) -> None:
        """For compatibility; TF's eager TensorArray has no handle either."""
        return None

    def identity(self) -> TensorArray:
        """This array (TF's graph-mode identity is a no-op eagerly)."""
        return self

    def grad(self, source: Any, flow: Any = None, name: str | None = None) -> Any:
        """Not supported, as in TF's eager mode: tapes differentiate through the elements directly."""
        raise NotImplementedError(
            "TensorArray.grad is not supported when executing eagerly; eager's gradient implementation does not "
            "use/need this function to compute gradients of operations that use TensorArrays."
        )

    def _zeros_at(self, i: int) -> Tensor:
        from tapejax._src.ops.creation_ops import zeros

        t = self._tensors[i]
        if t is None:
            if not self._element_shape.is_fully_defined():
                # TF's message (its zeros() of the unknown shape); the element was never written.
                raise ValueError(f"Cannot convert a partially known TensorShape {self._element_shape} to a Tensor.")
            t = self._tensors[i] = zeros(self._element_shape.as_list(), self._dtype)
        return t

    def read(self, index: Any, name: str | None = None) -> Tensor:
        """The element at ``index`` (zeros of ``element_shape`` if never written).

        Raises:
          OutOfRangeError: a negative index or one past the end.
          InvalidArgumentError: reading a cleared element again (``clear_after_read``).
        """
        i = _index(index, "read")
        if i is None or self._buf is not None or self._probe:
            return self._traced_read(index)
        if i < 0:
            raise errors.OutOfRangeError(None, None, f"Reading from negative indices (index {i}) is not allowed.")
        if i >= len(self._tensors):
            raise errors.OutOfRangeError(
                None, None, f"Tried to read from index {i} but array size is: {len(self._tensors)} "
            )
        t = self._tensors[i]
        if t is None and i in self._previously_read:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Could not read index {i} twice because it was cleared after a previous read (perhaps try setting "
                "clear_after_read = false?)",
            )
        t = self._zeros_at(i) if t is None else t
        if self._clear_after_read and not _in_trace():  # (a read changes nothing inside tf.function)
            self._tensors[i] = None
            self._previously_read.add(i)
        return t

    def _write(self, index: Any, value: Any) -> None:
        from tapejax._src.ops.array_ops import convert_to_tensor

        i = _index(index, "write")
        if i is None or self._buf is not None or self._probe:
            raise _Traced
        if i < 0:
            raise errors.OutOfRangeError(None, None, f"Writing to negative indices (index {i}) is not allowed.")
        size = len(self._tensors)
        if i >= size:
            if not self._dynamic_size:
                raise errors.OutOfRangeError(
                    None, None, f"Tried to write to index {i} but array is not resizeable and size is: {size} "
                )
            self._tensors.extend([None] * (i - size + 1))
        if not isinstance(value, Tensor):
            value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype {value.dtype.name} ",
            )
        if not self._element_shape.is_compatible_with(value.shape):
            raise ValueError(f"Incompatible shape for value ({value.shape}), expected ({self._element_shape})")
        if self._infer_shape:
            self._element_shape = _merge(self._element_shape, value.shape)
        self._tensors[i] = value

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """Writes ``value`` at ``index`` and returns the array (use the returned one, as in TF).

        Raises:
          OutOfRangeError: a negative index, or one past the end without ``dynamic_size``.
          InvalidArgumentError: a value of another dtype.
          ValueError: a value whose shape is incompatible with ``element_shape``.
        """
        target = self._target()
        try:
            target._write(index, value)
        except _Traced:
            return self._traced_write(index, value)
        return target

    def _target(self) -> TensorArray:
        """The array a write changes: this one eagerly (TF's eager TensorArray); inside tf.function a copy,
        as TF's graph TensorArray (a write inside a branch or loop body must not change the array outside)."""
        from tapejax._src.function import in_trace

        return self._like_list() if in_trace() else self

    def stack(self, name: str | None = None) -> Tensor:
        """The elements stacked into one Tensor ``[size, *element_shape]``."""
        from tapejax._src.ops.array_ops import convert_to_tensor
        from tapejax._src.ops.creation_ops import zeros
        from tapejax._src.ops.shape_ops import stack

        if self._buf is not None or self._probe:
            return self._dense()
        if not self._tensors:
            if self._element_shape.is_fully_defined():
                return zeros([0, *self._element_shape.as_list()], self._dtype)
            return convert_to_tensor(np.zeros([0], self._dtype.as_numpy_dtype), self._dtype)
        return stack([self._zeros_at(i) for i in range(len(self._tensors))])

    def gather(self, indices: Any, name: str | None = None) -> Tensor:
        """The elements at ``indices``, stacked."""
        from tapejax._src.ops.shape_ops import stack

        idx = utils.concrete(indices) if utils.is_tensor(indices) else np.asarray(indices)
        if idx is None or self._buf is not None or self._probe:
            from tapejax._src.ops.index_ops import gather

            return gather(self._dense(), indices)
        return stack([self._zeros_at(int(i)) for i in np.asarray(idx).reshape(-1)])

    def concat(self, name: str | None = None) -> Tensor:
        """The elements concatenated along their first dimension.

        Raises:
          InvalidArgumentError: if an element is a scalar.
        """
        from tapejax._src.ops.shape_ops import concat

        if self._buf is not None or self._probe:
            from tapejax._src.ops.array_ops import reshape

            buf = self._dense()
            if buf.shape.rank < 2:
                raise errors.InvalidArgumentError(
                    None, None, "Concat saw a scalar shape at index 0 but requires at least vectors."
                )
            return reshape(buf, [-1, *buf.shape.as_list()[2:]])
        parts = [self._zeros_at(i) for i in range(len(self._tensors))]
        for i, t in enumerate(parts):
            if t.shape.rank == 0:
                raise errors.InvalidArgumentError(
                    None, None, f"Concat saw a scalar shape at index {i} but requires at least vectors."
                )
        return concat(parts, 0)

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """Replaces the elements with the rows of ``value``.

        Raises:
          ValueError: more rows than a non-dynamic array's size.
        """
        from tapejax._src.ops.array_ops import convert_to_tensor, unstack

        if self._buf is not None:
            v = convert_to_tensor(value, dtype_hint=self._dtype)
            if v.shape.as_list() != self._buf.shape.as_list():
                raise ValueError(
                    f"TensorArray.unstack: inside tf.function tapejax keeps the array's shape "
                    f"{self._buf.shape}; got a value of shape {v.shape}."
                )
            return self._like(v)
        tensors = unstack(value)
        if len(tensors) > len(self._tensors) and not self._dynamic_size:
            raise ValueError(
                f"Cannot unstack {len(tensors)} tensors into a TensorArray of static size {len(self._tensors)} "
            )
        target = self._target()
        target._tensors = list(tensors)
        return target

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        """Writes the rows of ``value`` at ``indices``."""
        from tapejax._src.ops.array_ops import unstack

        idx = utils.concrete(indices) if utils.is_tensor(indices) else np.asarray(indices)
        if idx is None or self._buf is not None or self._probe:
            return self._traced_scatter(indices, value)
        target = self._target()
        for i, row in zip(np.asarray(idx).reshape(-1), unstack(value), strict=False):
            target._write(int(i), row)
        return target

    def split(self, value: Any, lengths: Any, name: str | None = None) -> TensorArray:
        """Replaces the elements with consecutive pieces of ``value`` of the given ``lengths``.

        Raises:
          InvalidArgumentError: lengths not a vector, a scalar value, lengths not summing to the
            first dimension, or (without ``dynamic_size``) a count other than the size.
        """
        from tapejax._src.ops.array_ops import convert_to_tensor
        from tapejax._src.ops.shape_ops import split

        if self._buf is not None:
            raise NotImplementedError("TensorArray.split: tapejax does not support it inside tf.function loops.")
        v = convert_to_tensor(value, dtype_hint=self._dtype)
        if v.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype {v.dtype.name} "
            )
        lens = np.asarray(utils.concrete(lengths) if utils.is_tensor(lengths) else lengths)
        if lens.ndim != 1:
            raise errors.InvalidArgumentError(
                None, None, f"Expected lengths to be a vector, received shape: {list(lens.shape)} "
            )
        if v.shape.rank == 0:
            raise errors.InvalidArgumentError(
                None, None, f"Expected value to be at least a vector, but received shape: {v.shape.as_list()} "
            )
        if int(lens.sum()) != v.shape[0]:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected sum of lengths to be equal to values.shape[0], but sum of lengths is {int(lens.sum())} "
                f"and value's shape is: {v.shape.as_list()} ",
            )
        if not self._dynamic_size and len(lens) != len(self._tensors):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray's size is not equal to the size of lengths ({len(self._tensors)} vs. {len(lens)}), "
                "and the TensorArray is not marked as dynamically resizeable.",
            )
        target = self._target()
        target._tensors = list(split(v, [int(n) for n in lens]))
        return target

    def size(self, name: str | None = None) -> Tensor:
        """The number of elements, an int32 scalar."""
        from tapejax._src.ops.array_ops import constant

        return constant(len(self._tensors))

    def close(self, name: str | None = None) -> None:
        """Drops every element."""
        del self._tensors[:]

    # -- the traced form ---------------------------------------------------------------------------
    def _like(self, buf: Any) -> TensorArray:
        """A new array with this one's settings in the traced form, holding ``buf``."""
        ta = object.__new__(TensorArray)
        ta._dtype = self._dtype
        ta._dynamic_size = self._dynamic_size
        ta._clear_after_read = self._clear_after_read
        ta._infer_shape = self._infer_shape
        ta._element_shape = TensorShape(buf.shape.as_list()[1:])
        ta._previously_read = set()
        ta._tensors = [None] * len(self._tensors)
        ta._buf = buf
        ta._probe = False
        return ta

    def _dense(self) -> Tensor:
        """The elements as one Tensor ``[size, *element_shape]`` (unwritten ones zeros)."""
        from tapejax._src.ops.creation_ops import zeros
        from tapejax._src.ops.shape_ops import stack

        if self._buf is not None:
            return self._buf
        for t in self._tensors:
            if t is not None:
                self._element_shape = _merge(self._element_shape, t.shape)
        if not self._element_shape.is_fully_defined():
            raise ValueError(
                f"TensorArray: inside tf.function tapejax needs the element shape (now {self._element_shape}) "
                "before the array is read or carried by a loop. Fix: pass element_shape=, or write it first."
            )
        if self._probe or not self._tensors:
            return zeros([len(self._tensors), *self._element_shape.as_list()], self._dtype)
        return stack([self._zeros_at(i) for i in range(len(self._tensors))])

    def _checked_value(self, value: Any, what: str) -> Tensor:
        from tapejax._src.ops.array_ops import convert_to_tensor

        v = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype_hint=self._dtype)
        if v.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype {v.dtype.name} "
            )
        return v

    def _traced_read(self, index: Any) -> Tensor:
        from tapejax._src.ops.index_ops import gather

        return gather(self._dense(), index)

    def _traced_write(self, index: Any, value: Any) -> TensorArray:
        from tapejax._src.ops.array_ops import reshape
        from tapejax._src.ops.shape_ops import expand_dims

        v = self._checked_value(value, "write")
        if self._dynamic_size and _index(index, "write") is None and not self._probe:
            raise NotImplementedError(
                f"TensorArray.write at a traced index into a TensorArray with dynamic_size=True (size "
                f"{len(self._tensors)}): inside tf.function tapejax cannot grow it (XLA's shapes are static), and "
                "writes past its size would be lost. Fix: create it with a static size (e.g. the loop's trip count, "
                "a Python int or an eager tensor) and dynamic_size=False."
            )
        if not self._element_shape.is_compatible_with(v.shape):
            raise ValueError(f"Incompatible shape for value ({v.shape}), expected ({self._element_shape})")
        if self._infer_shape or self._buf is None:
            self._element_shape = _merge(self._element_shape, v.shape)
        if self._probe:
            return self
        return self._like(_scatter(self._dense(), reshape(_int32(index), [1, 1]), expand_dims(v, 0)))

    def _traced_scatter(self, indices: Any, value: Any) -> TensorArray:
        from tapejax._src.ops.array_ops import reshape

        v = self._checked_value(value, "scatter")
        self._element_shape = _merge(self._element_shape, TensorShape(v.shape.as_list()[1:]))
        if self._probe:
            return self
        return self._like(_scatter(self._dense(), reshape(_int32(indices), [-1, 1]), v))

    def _merged_shape(self) -> TensorShape:
        """``element_shape`` refined by the elements written."""
        shape = self._element_shape
        for t in self._tensors:
            if t is not None:
                shape = _merge(shape, t.shape)
        return shape

    def _known_element_shape(self) -> bool:
        return self._merged_shape().is_fully_defined()

    def _probe_copy(self) -> TensorArray:
        """A stand-in that records the element shape a traced loop body writes (see control_flow)."""
        ta = self._like_list()
        ta._probe = True
        return ta

    def _like_list(self) -> TensorArray:
        ta = object.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._tensors = list(self._tensors)
        ta._previously_read = set(self._previously_read)
        return ta


def _in_trace() -> bool:
    from tapejax._src.function import in_trace

    return in_trace()


class _Traced(Exception):
    """Internal: a write that takes the traced form."""


def _int32(x: Any) -> Tensor:
    from tapejax._src.ops.array_ops import convert_to_tensor
    from tapejax._src.ops.math_ops import cast

    t = x if utils.is_tensor(x) else convert_to_tensor(np.asarray(x))
    return cast(t, "int32")


def _scatter(buf: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    from tapejax._src.ops.scatter_ops import tensor_scatter_nd_update

    return tensor_scatter_nd_update(buf, indices, updates)
