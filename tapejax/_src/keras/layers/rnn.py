"""Keras' recurrent layers: the cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ``StackedRNNCells``),
``RNN`` over a cell, ``SimpleRNN``, ``LSTM``, ``GRU``, and the wrappers ``Bidirectional``,
``TimeDistributed`` (Keras 3.15's formulas, weight names and masks).

The time loop is one op (:func:`tapejax._src.ops.functional_ops.scan_with_carry`): step by step when
eager, one ``lax.scan`` inside ``tf.function``; differentiable under a tape through the cell's weights.
Masked steps keep the previous states and repeat the previous output (zeros with
``zero_output_for_mask``), as Keras.
"""

from __future__ import annotations

import copy
from typing import Any

from tapejax._src import nest
from tapejax._src.core import TensorBase
from tapejax._src.keras import activations, constraints, initializers, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.keras.layers.regularization import _dropout, _stream
from tapejax._src.ops import array_ops, creation_ops, functional_ops, linalg_ops, math_ops, shape_ops


def _check_units(units: Any) -> None:
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got {units}.")


class _DropoutCell:
    """Keras' ``DropoutRNNCell``: one input and one recurrent dropout mask per sequence (not per step)."""

    dropout: float
    recurrent_dropout: float

    def _init_dropout(self, dropout: float, recurrent_dropout: float, seed: Any) -> None:
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.seed = seed
        object.__setattr__(self, "_seed_stream", _stream(seed, self.dropout > 0 or self.recurrent_dropout > 0))
        object.__setattr__(self, "_dropout_mask", None)
        object.__setattr__(self, "_recurrent_dropout_mask", None)

    def _mask_for(self, like: Any, rate: float) -> Any:
        return _dropout(creation_ops.ones_like(like), rate, None, self._seed_stream)

    def get_dropout_mask(self, step_input: Any) -> Any:
        if self._dropout_mask is None and self.dropout > 0:
            object.__setattr__(self, "_dropout_mask", self._mask_for(step_input, self.dropout))
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input: Any) -> Any:
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            object.__setattr__(self, "_recurrent_dropout_mask", self._mask_for(step_input, self.recurrent_dropout))
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        object.__setattr__(self, "_dropout_mask", None)

    def reset_recurrent_dropout_mask(self) -> None:
        object.__setattr__(self, "_recurrent_dropout_mask", None)


class _CellBase(Layer, _DropoutCell):
    """Common arguments of the three built-in cells."""

    def __init__(
        self,
        units: int,
        activation: Any,
        use_bias: bool,
        kernel_initializer: Any,
        recurrent_initializer: Any,
        bias_initializer: Any,
        kernel_regularizer: Any,
        recurrent_regularizer: Any,
        bias_regularizer: Any,
        kernel_constraint: Any,
        recurrent_constraint: Any,
        bias_constraint: Any,
        dropout: float,
        recurrent_dropout: float,
        seed: Any,
        **kwargs: Any,
    ) -> None:
        _check_units(units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)

    def _weight(self, name: str, shape: tuple[int, ...], initializer: Any, kind: str) -> Any:
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=initializer,
            regularizer=getattr(self, f"{kind}_regularizer"),
            constraint=getattr(self, f"{kind}_constraint"),
        )

    def _base_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [creation_ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]


class SimpleRNNCell(_CellBase):
    """One step of a fully-connected RNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``."""

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
            kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint, dropout, recurrent_dropout, seed, **kwargs,
        )  # fmt: skip
        self.state_size = units
        self.output_size = units

    def build(self, input_shape: Any) -> None:
        self.kernel = self._weight("kernel", (input_shape[-1], self.units), self.kernel_initializer, "kernel")
        self.recurrent_kernel = self._weight(
            "recurrent_kernel", (self.units, self.units), self.recurrent_initializer, "recurrent"
        )
        self.bias = self._weight("bias", (self.units,), self.bias_initializer, "bias") if self.use_bias else None

    def call(self, sequence: Any, states: Any, training: bool = False) -> Any:
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        dp_mask = self.get_dropout_mask(sequence)
        rec_dp_mask = self.get_recurrent_dropout_mask(prev_output)
        if training and dp_mask is not None:
            sequence = sequence * dp_mask
        h = linalg_ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if training and rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask
        output = h + linalg_ops.matmul(prev_output, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._base_config()}


class LSTMCell(_CellBase):
    """One LSTM step (Keras 3): gates ``i, f, c, o`` in that order in ``kernel``/``recurrent_kernel``/``bias``.

    ``unit_forget_bias=True`` initializes the forget gate's bias to ones.
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
            kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint, dropout, recurrent_dropout, seed, **kwargs,
        )  # fmt: skip
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape: Any) -> None:
        u = self.units
        self.kernel = self._weight("kernel", (input_shape[-1], 4 * u), self.kernel_initializer, "kernel")
        self.recurrent_kernel = self._weight("recurrent_kernel", (u, 4 * u), self.recurrent_initializer, "recurrent")
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
                    return shape_ops.concat(
                        [
                            base((u,), dtype=dtype),
                            initializers.get("ones")((u,), dtype=dtype),
                            base((2 * u,), dtype=dtype),
                        ],
                        0,
                    )

            self.bias = self._weight("bias", (4 * u,), init, "bias")
        else:
            self.bias = None

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask = self.get_dropout_mask(inputs) if training and 0.0 < self.dropout < 1.0 else None
        if dp_mask is not None:
            inputs = inputs * dp_mask
        rec_mask = self.get_recurrent_dropout_mask(h_tm1) if training and 0.0 < self.recurrent_dropout < 1.0 else None
        if rec_mask is not None:
            h_tm1 = h_tm1 * rec_mask
        z = linalg_ops.matmul(inputs, self.kernel) + linalg_ops.matmul(h_tm1, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        z0, z1, z2, z3 = shape_ops.split(z, 4, axis=1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **self._base_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRUCell(_CellBase):
    """One GRU step (Keras 3): gates ``z, r, h``; ``reset_after=True`` (the default, cuDNN's form) applies
    the reset gate after the recurrent matmul and uses a ``(2, 3 * units)`` bias (input and recurrent)."""

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
            kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint, dropout, recurrent_dropout, seed, **kwargs,
        )  # fmt: skip
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units
        self.output_size = units

    def build(self, input_shape: Any) -> None:
        u = self.units
        self.kernel = self._weight("kernel", (input_shape[-1], 3 * u), self.kernel_initializer, "kernel")
        self.recurrent_kernel = self._weight("recurrent_kernel", (u, 3 * u), self.recurrent_initializer, "recurrent")
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self._weight("bias", shape, self.bias_initializer, "bias")
        else:
            self.bias = None

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        input_bias = recurrent_bias = None
        if self.use_bias:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h_tm1_in = h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        else:
            h_tm1_in = h_tm1
        matrix_x = linalg_ops.matmul(inputs, self.kernel)
        if input_bias is not None:
            matrix_x = matrix_x + input_bias
        x_z, x_r, x_h = shape_ops.split(matrix_x, 3, axis=-1)
        u = self.units
        if self.reset_after:
            matrix_inner = linalg_ops.matmul(h_tm1_in, self.recurrent_kernel)
            if recurrent_bias is not None:
                matrix_inner = matrix_inner + recurrent_bias
        else:
            matrix_inner = linalg_ops.matmul(h_tm1_in, self.recurrent_kernel[:, : 2 * u])
        recurrent_z, recurrent_r = matrix_inner[:, :u], matrix_inner[:, u : 2 * u]
        z = self.recurrent_activation(x_z + recurrent_z)
        r = self.recurrent_activation(x_r + recurrent_r)
        if self.reset_after:
            recurrent_h = r * matrix_inner[:, 2 * u :]
        else:
            recurrent_h = linalg_ops.matmul(r * h_tm1_in, self.recurrent_kernel[:, 2 * u :])
        hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **self._base_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


class StackedRNNCells(Layer):
    """Cells applied one after the other within each step (a multi-layer RNN as one cell)."""

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError(
                    f"All cells must have a `state_size` attribute. Received cell without a `state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return last.state_size[0] if isinstance(last.state_size, (list, tuple)) else last.state_size

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        out = []
        for cell in self.cells:
            get = getattr(cell, "get_initial_state", None)
            if get is not None:
                out.append(get(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                out.append([creation_ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes])
        return out

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        new_states = []
        for cell, state in zip(self.cells, states, strict=True):
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            kwargs = {"training": training} if cell._call_params.training_pos is not None else {}
            inputs, state = cell(inputs, state, **kwargs)
            new_states.append(list(state) if isinstance(state, (list, tuple)) else [state])
        return inputs, new_states

    def build(self, input_shape: Any) -> None:
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            output_dim = getattr(cell, "output_size", None)
            if output_dim is None:
                output_dim = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
            input_shape = (*tuple(input_shape)[:-1], output_dim)

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.layers import serialize

        return {**super().get_config(), "cells": [serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> StackedRNNCells:
        from tapejax._src.keras.layers import deserialize

        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _expand_to(mask: Any, like: Any) -> Any:
    """A ``(batch,)`` step mask as ``(batch, 1, ...)`` to select between states or outputs like ``like``."""
    return array_ops.reshape(mask, [-1] + [1] * (len(like.shape) - 1))


class RNN(Layer):
    """A recurrent layer running ``cell`` over the time axis of ``(batch, time, features)`` inputs.

    Args:
      cell: a cell (``call(inputs, states) -> (output, new_states)`` and ``state_size``), or a list of cells
        (stacked).
      return_sequences: return every step's output (``(batch, time, units)``) instead of the last one.
      return_state: also return the final states.
      go_backwards: run the sequence backwards (and return the reversed sequence).
      stateful: carry the final states of a batch into the next call (``reset_state()`` clears them).
      unroll: accepted (the loop is a compiled scan either way).
      zero_output_for_mask: masked steps output zeros instead of repeating the previous output.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(4), return_sequences=True)
    >>> layer(tf.ones([2, 3, 5])).shape
    TensorShape([2, 3, 4])
    """

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of integers, one integer "
                f"per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        object.__setattr__(self, "states", None)
        state_size = cell.state_size
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor).")
        self.state_size = [state_size] if isinstance(state_size, int) else list(state_size)
        self.single_state = isinstance(state_size, int)

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        step_input_shape = (sequences_shape[0], *tuple(sequences_shape[2:]))
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_input_shape)
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: "
                    f"sequence.shape={tuple(sequences_shape)}"
                )
            from tapejax._src import function as function_lib
            from tapejax._src.variable import Variable

            with function_lib.escape_trace():
                states = [
                    Variable(s, trainable=False, name="rnn_state")
                    for s in nest.flatten(self.get_initial_state(sequences_shape[0]))
                ]
            object.__setattr__(self, "states", states)

    def get_initial_state(self, batch_size: int | None) -> list[Any]:
        get = getattr(self.cell, "get_initial_state", None)
        if get is not None:
            init = get(batch_size=batch_size)
        else:
            return [creation_ops.zeros((batch_size, d), dtype=self.cell.compute_dtype) for d in self.state_size]
        return list(init) if isinstance(init, (list, tuple)) else [init]

    def reset_state(self) -> None:
        """Zeroes the states of a stateful RNN."""
        if self.states is not None:
            for v in self.states:
                v.assign(creation_ops.zeros_like(v))

    def reset_states(self) -> None:
        self.reset_state()

    def inner_loop(self, sequences: Any, initial_state: list[Any], mask: Any, training: bool = False) -> Any:
        cell_kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_params.training_pos is not None:
            cell_kwargs["training"] = training
        structure = initial_state

        def call_cell(x: Any, flat_states: list[Any]) -> tuple[Any, list[Any]]:
            out, new_states = self.cell(x, nest.pack_sequence_as(structure, flat_states), **cell_kwargs)
            return out, nest.flatten(new_states)

        rank = len(sequences.shape)
        time_major = shape_ops.transpose(sequences, [1, 0, *range(2, rank)])
        # The output a masked first step repeats: Keras' states[0] (the last cell's first state when stacked).
        first = initial_state[-1] if isinstance(self.cell, StackedRNNCells) else initial_state
        prev = nest.flatten(first)[0]
        init_carry = (nest.flatten(initial_state), creation_ops.zeros_like(prev) if self.zero_output_for_mask else prev)

        if mask is None:

            def step(carry: Any, x: Any) -> tuple[Any, Any]:
                out, new_states = call_cell(x, carry[0])
                return (new_states, out), out

            elems: Any = time_major
        else:
            mask_tm = shape_ops.transpose(math_ops.cast(mask, "bool"), [1, 0])

            def step(carry: Any, xm: Any) -> tuple[Any, Any]:
                states, out_tm1 = carry
                x, m = xm
                out, new_states = call_cell(x, states)
                other = creation_ops.zeros_like(out) if self.zero_output_for_mask else out_tm1
                masked_out = math_ops.where(_expand_to(m, out), out, other)
                merged = [math_ops.where(_expand_to(m, s), ns, s) for s, ns in zip(states, new_states, strict=True)]
                return (merged, masked_out), masked_out

            elems = (time_major, mask_tm)
        (final_states, _), outputs = functional_ops.scan_with_carry(step, init_carry, elems, reverse=self.go_backwards)
        if self.go_backwards:  # (Keras returns the sequence in the order it was processed)
            outputs = shape_ops.reverse(outputs, [0])
        last_output = outputs[-1]
        outputs = shape_ops.transpose(outputs, [1, 0, *range(2, len(outputs.shape))])
        return last_output, outputs, nest.pack_sequence_as(structure, final_states)

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        if initial_state is None:
            initial_state = list(self.states) if self.stateful else self.get_initial_state(sequences.shape[0])
            if self.stateful:
                initial_state = nest.pack_sequence_as(self.get_initial_state(sequences.shape[0]), initial_state)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = nest.map_structure(
            lambda s: s if isinstance(s, TensorBase) else array_ops.convert_to_tensor(s, dtype=self.cell.compute_dtype),
            list(initial_state),
        )
        cell = self.cell
        if isinstance(cell, _DropoutCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        last_output, outputs, states = self.inner_loop(sequences, initial_state, mask, training)
        if isinstance(cell, _DropoutCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        if self.stateful:
            for var, s in zip(self.states, nest.flatten(states), strict=True):
                var.assign(s)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def compute_mask(self, inputs: Any, mask: Any) -> Any:
        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.layers import serialize

        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize(self.cell),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> RNN:
        from tapejax._src.keras.layers import deserialize

        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


def _rnn_layer_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"dtype": kwargs.get("dtype"), "trainable": kwargs.get("trainable", True)}


class _CellRNN(RNN):
    """The base of ``SimpleRNN``/``LSTM``/``GRU``: an ``RNN`` over its own cell, with the cell's arguments."""

    _cell_class: Any = None
    _cell_name = ""
    _cell_keys: tuple[str, ...] = ()

    def __init__(self, units: int, cell_kwargs: dict[str, Any], rnn_kwargs: dict[str, Any], **kwargs: Any) -> None:
        _check_units(units)
        use_cudnn = kwargs.pop("use_cudnn", "auto")
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"Invalid valid received for argument `use_cudnn`. Expected one of {{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
            )
        cell = self._cell_class(units, name=self._cell_name, **cell_kwargs, **_rnn_layer_kwargs(kwargs))
        super().__init__(cell, **rnn_kwargs, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name: str) -> Any:
        # The cell's hyper-parameters read through the layer, as Keras' properties (``layer.units``).
        if name in type(self)._cell_keys and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config, "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        return cls(**config)


_RNN_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
_COMMON_CELL_KEYS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "seed",
)  # fmt: skip


def _split_kwargs(
    local: dict[str, Any], cell_keys: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    kwargs = dict(local.pop("kwargs"))
    local.pop("self")
    local.pop("__class__", None)
    cell = {k: local[k] for k in cell_keys if k != "units"}
    rnn = {k: local[k] for k in _RNN_KEYS}
    if local.get("activity_regularizer") is not None:
        kwargs["activity_regularizer"] = local["activity_regularizer"]
    if "use_cudnn" in local:
        kwargs["use_cudnn"] = local["use_cudnn"]
    return cell, rnn, kwargs


class SimpleRNN(_CellRNN):
    """A fully-connected RNN whose output is fed back (``tf.keras.layers.SimpleRNN``).

    >>> import tapejax as tf
    >>> tf.keras.layers.SimpleRNN(4, return_sequences=True)(tf.ones([2, 3, 5])).shape
    TensorShape([2, 3, 4])
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"
    _cell_keys = _COMMON_CELL_KEYS

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["seed"]  # (Keras 3.15's SimpleRNN config has none; its cell's has)
        return config

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        cell, rnn, kw = _split_kwargs(dict(locals()), self._cell_keys)
        super().__init__(units, cell, rnn, **kw)


class LSTM(_CellRNN):
    """Long short-term memory (``tf.keras.layers.LSTM``, Keras 3's gate order and defaults).

    >>> import tapejax as tf
    >>> out, h, c = tf.keras.layers.LSTM(4, return_state=True)(tf.ones([2, 3, 5]))
    >>> out.shape, h.shape, c.shape
    (TensorShape([2, 4]), TensorShape([2, 4]), TensorShape([2, 4]))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"
    _cell_keys = (*_COMMON_CELL_KEYS, "recurrent_activation", "unit_forget_bias")

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Any = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        cell, rnn, kw = _split_kwargs(dict(locals()), self._cell_keys)
        super().__init__(units, cell, rnn, **kw)


class GRU(_CellRNN):
    """Gated recurrent unit (``tf.keras.layers.GRU``; ``reset_after=True`` by default, as Keras 3).

    >>> import tapejax as tf
    >>> tf.keras.layers.GRU(4)(tf.ones([2, 3, 5])).shape
    TensorShape([2, 4])
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
    _cell_keys = (*_COMMON_CELL_KEYS, "recurrent_activation", "reset_after")

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Any = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        cell, rnn, kw = _split_kwargs(dict(locals()), self._cell_keys)
        super().__init__(units, cell, rnn, **kw)


class Wrapper(Layer):
    """The base of layers that wrap another layer (``tf.keras.layers.Wrapper``)."""

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer is a "
                "valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.layers import serialize

        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        from tapejax._src.keras.layers import deserialize

        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every time step (axis 1) of the input, as Keras 3: step by step, stacked.

    >>> import tapejax as tf
    >>> tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(2))(tf.ones([4, 3, 5])).shape
    TensorShape([4, 3, 2])
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    @staticmethod
    def _child_shape(input_shape: Any) -> tuple[Any, ...]:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape: Any) -> None:
        super().build(self._child_shape(input_shape))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if mask is not None:
            if len(mask.shape) < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., `(batch_size, "
                    f"timesteps)`), but it has {len(mask.shape)} dimension(s) with shape {tuple(mask.shape)}."
                )
            if tuple(mask.shape)[:2] != tuple(inputs.shape)[:2]:
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask.shape)} that is "
                    f"incompatible with the input shape {tuple(inputs.shape)}. The first two dimensions of the mask "
                    "(batch size and timesteps) must match the input's first two dimensions. Expected mask shape "
                    f"prefix: ({inputs.shape[0]}, {inputs.shape[1]})."
                )
        params = self.layer._call_params
        outputs = []
        for i in range(inputs.shape[1]):
            kwargs: dict[str, Any] = {}
            if params.has_mask and mask is not None:
                kwargs["mask"] = mask[:, i]
            if params.training_pos is not None:
                kwargs["training"] = training
            outputs.append(self.layer.call(inputs[:, i], **kwargs))
        return shape_ops.stack(outputs, axis=1)


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards and merges their outputs.

    Args:
      layer: an ``RNN`` layer (``LSTM``, ``GRU``...); its copy runs with ``go_backwards=True``.
      merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or None (a list of both).
      backward_layer: an explicit backward layer.

    >>> import tapejax as tf
    >>> tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(3))(tf.ones([2, 4, 5])).shape
    TensorShape([2, 6])
    """

    def __init__(
        self, layer: Any, merge_mode: Any = "concat", weights: Any = None, backward_layer: Any = None, **kwargs: Any
    ) -> None:
        from tapejax._src.keras.layers import deserialize, serialize

        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        config = serialize(layer)
        config["config"]["name"] = "forward_" + layer.name.removeprefix("forward_")
        self.forward_layer = deserialize(config)
        if backward_layer is None:
            config = serialize(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = "backward_" + layer.name.removeprefix("backward_")
            self.backward_layer = deserialize(config)
        else:
            self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. Received: "
                f"forward_layer.go_backwards {self.forward_layer.go_backwards}, "
                f"backward_layer.go_backwards={self.backward_layer.go_backwards}"
            )
        for a in ("stateful", "return_sequences", "return_state"):
            fv, bv = getattr(self.forward_layer, a), getattr(self.backward_layer, a)
            if fv != bv:
                raise ValueError(
                    f'Forward layer and backward layer are expected to have the same value for attribute "{a}", got '
                    f'"{fv}" for forward layer and "{bv}" for backward layer'
                )
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        if not self.forward_layer.built:
            self.forward_layer.build(sequences_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(sequences_shape)

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        kwargs: dict[str, Any] = {}
        if self.forward_layer._call_params.training_pos is not None:
            kwargs["training"] = training
        if self.forward_layer._call_params.has_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states: tuple[Any, ...] = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = shape_ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            output: Any = shape_ops.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_mask(self, inputs: Any, mask: Any) -> Any:
        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            state_mask = [None] * (len(self.forward_layer.state_size) * 2)
            return ([output_mask, output_mask] if self.merge_mode is None else [output_mask]) + state_mask
        return [output_mask, output_mask] if self.merge_mode is None else output_mask

    def reset_state(self) -> None:
        if self.stateful:
            self.forward_layer.reset_state()
            self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    def get_config(self) -> dict[str, Any]:
        from tapejax._src.keras.layers import serialize

        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize(self.forward_layer),
            "backward_layer": serialize(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Bidirectional:
        from tapejax._src.keras.layers import deserialize

        config = copy.deepcopy(config)
        config["layer"] = deserialize(config["layer"], custom_objects=custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize(config["backward_layer"], custom_objects=custom_objects)
        return cls(**config)
