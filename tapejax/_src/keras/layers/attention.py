"""Keras' attention layers: ``MultiHeadAttention``, ``GroupQueryAttention``, ``Attention``, ``AdditiveAttention``.

The multi-head layers project with ``EinsumDense`` sublayers named ``query``, ``key``, ``value`` (and
``gate``) and ``attention_output``, built from Keras' einsum equations, so that weights, their paths
and their order are Keras 3.15's and ``set_weights`` transfers. Their attention follows Keras' two
paths on the TensorFlow backend: without dropout, without ``return_attention_scores`` and for 4D
projections, Keras calls ``ops.dot_product_attention`` (a query that may attend to nothing gets a
uniform average of the values); otherwise it applies a masked ``Softmax`` layer (such a query gets
zeros).
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from tapejax._src.keras import backend, constraints, initializers, regularizers
from tapejax._src.keras.layers.activation_layers import Softmax, _large_negative_number
from tapejax._src.keras.layers.einsum_dense import EinsumDense
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.keras.layers.regularization import Dropout, _dropout, _stream
from tapejax._src.ops import array_ops, creation_ops, linalg_ops, math_ops, misc_ops, nn_ops, reduction_ops, shape_ops
from tapejax._src.tensor import keras_mask

# -- Keras' einsum equations (ported from keras/src/layers/attention/multi_head_attention.py) ----------


def _build_attention_equation(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str, int]:
    """The query-key dot product and the combination equations of attention over ``attn_axes``."""
    target = string.ascii_lowercase[:rank]
    batch_dims = tuple(int(i) for i in np.delete(range(rank), (*attn_axes, rank - 1)))
    letter_offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += string.ascii_lowercase[letter_offset]
            letter_offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes] + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _build_proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    """The einsum equation, bias axes and output rank of a projection inside multi-head attention."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims : free_dims + bound_dims]
    out = letters[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, len(free) + len(out)


def _get_output_shape(output_rank: int, known_last_dims: Any) -> list[Any]:
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


# -- helpers shared by the multi-head layers -------------------------------------------------------------


def _as_tensor(x: Any, dtype: str) -> Any:
    """``x`` as a Tensor, floating inputs cast to the layer's compute dtype (its Keras mask kept)."""
    if x is None:
        return None
    mask = keras_mask(x)
    t = array_ops.convert_to_tensor(x)
    if t.dtype.is_floating and t.dtype.name != dtype:
        t = math_ops.cast(t, dtype)
        if mask is not None:
            t._keras_mask = mask  # type: ignore[attr-defined]
    return t


def _keras_mask(x: Any) -> Any:
    return keras_mask(x)


def _to_bool(mask: Any) -> Any:
    mask = array_ops.convert_to_tensor(mask)
    return mask if mask.dtype.name == "bool" else math_ops.cast(mask, "bool")


def _causal_mask(q_len: int, v_len: int) -> Any:
    """``[1, T, S]``: position ``i`` of the query may attend to positions ``j <= i`` of the value."""
    rows = array_ops.reshape(creation_ops.range(q_len, dtype="int32"), (1, q_len, 1))
    cols = array_ops.reshape(creation_ops.range(v_len, dtype="int32"), (1, 1, v_len))
    return math_ops.greater_equal(rows, cols)


def _sliding_window_mask(q_len: int, v_len: int, window: int) -> Any:
    rows = array_ops.reshape(creation_ops.range(q_len, dtype="int32"), (1, q_len, 1))
    cols = array_ops.reshape(creation_ops.range(v_len, dtype="int32"), (1, 1, v_len))
    return math_ops.less(math_ops.abs(rows - cols), window)


def _combined_mask(
    query: Any,
    value: Any,
    query_mask: Any,
    value_mask: Any,
    key_mask: Any,
    attention_mask: Any,
    use_causal_mask: bool,
    sliding_window: int | None,
) -> Any:
    """Keras' ``_compute_attention_mask``: the Keras masks, the causal and sliding-window masks and
    ``attention_mask`` ANDed together into a boolean ``[B, T, S]``-broadcastable mask (or None)."""
    auto = None

    def merge(m: Any) -> None:
        nonlocal auto
        auto = m if auto is None else math_ops.logical_and(auto, m)

    if query_mask is not None:
        merge(shape_ops.expand_dims(_to_bool(query_mask), -1))
    if value_mask is not None:
        merge(shape_ops.expand_dims(_to_bool(value_mask), -2))
    if key_mask is not None:
        merge(shape_ops.expand_dims(_to_bool(key_mask), -2))
    q_len, v_len = int(query.shape[1]), int(value.shape[1])
    if use_causal_mask:
        merge(_causal_mask(q_len, v_len))
    if sliding_window is not None:
        merge(_sliding_window_mask(q_len, v_len, sliding_window))
    if attention_mask is not None:
        attention_mask = _to_bool(attention_mask)
    if auto is not None:
        attention_mask = auto if attention_mask is None else math_ops.logical_and(attention_mask, auto)
    return attention_mask


def _expand_mask(mask: Any, rank: int, axis: int) -> Any:
    for _ in range(rank - len(mask.shape)):
        mask = shape_ops.expand_dims(mask, axis)
    return mask


def _check_flash_attention(flash_attention: Any) -> None:
    if flash_attention:
        raise ValueError(
            "Flash attention is not supported in tapejax (as in Keras' TensorFlow backend): pass "
            f"flash_attention=None or False. Received: flash_attention={flash_attention}"
        )


def _fresh(initializer: Any) -> Any:
    # Keras clones the initializers for each sublayer so that their draws differ.
    return type(initializer).from_config(initializer.get_config())


class _MultiHeadBase(Layer):
    """What the multi-head layers share: sublayer kwargs and the attention itself."""

    _dot_product_equation: str
    _combine_equation: str
    _norm_rank_axes: int  # the number of attention axes
    _scale: float

    def _common_kwargs(self) -> dict[str, Any]:
        return {
            "kernel_regularizer": self._kernel_regularizer_,
            "bias_regularizer": self._bias_regularizer_,
            "activity_regularizer": self._activity_regularizer_,
            "kernel_constraint": self._kernel_constraint_,
            "bias_constraint": self._bias_constraint_,
            "dtype": self.dtype_policy,
            "kernel_initializer": _fresh(self._kernel_initializer_),
            "bias_initializer": _fresh(self._bias_initializer_),
        }

    def get_build_config(self) -> dict[str, Any] | None:
        """Keras' ``{"shapes_dict": {"query_shape": ..., "value_shape": ...[, "key_shape": ...]}}``."""
        shapes = self.__dict__.get("_build_shapes")
        if shapes is None:
            return None
        args, kwargs = shapes
        named = {**dict(zip(("query_shape", "value_shape", "key_shape"), args, strict=False)), **kwargs}
        return {"shapes_dict": {k: tuple(v) for k, v in named.items() if v is not None}}

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config and "shapes_dict" in config:
            self.build(**config["shapes_dict"])

    def _attend(
        self, query: Any, key: Any, value: Any, attention_mask: Any, training: Any, return_scores: bool
    ) -> tuple[Any, Any]:
        n_axes = self._norm_rank_axes
        expansion_axis = -n_axes * 2 - 1
        if not (self._dropout_rate > 0.0 or return_scores or len(query.shape) != 4):
            # Keras' ops.dot_product_attention (TensorFlow backend): masked logits, a plain softmax.
            logits = linalg_ops.einsum(self._dot_product_equation, key, query)
            logits = logits * math_ops.cast(self._scale, logits.dtype)
            if attention_mask is not None:
                mask = _expand_mask(attention_mask, 4, expansion_axis)
                large = creation_ops.fill(
                    tuple(int(d) for d in logits.shape),
                    math_ops.cast(_large_negative_number(logits.dtype), logits.dtype),
                )
                logits = math_ops.where(mask, logits, large)
            probs = nn_ops.softmax(logits, axis=-1)
            return linalg_ops.einsum(self._combine_equation, probs, value), None
        query = query * math_ops.cast(self._scale, query.dtype)
        scores = linalg_ops.einsum(self._dot_product_equation, key, query)
        mask = None if attention_mask is None else _expand_mask(attention_mask, len(scores.shape), expansion_axis)
        scores = self._softmax(scores, mask=mask)
        dropped = self._dropout_layer(scores, training=training) if self._dropout_rate > 0.0 else scores
        return linalg_ops.einsum(self._combine_equation, dropped, value), scores


class MultiHeadAttention(_MultiHeadBase):
    """Multi-head attention (Vaswani et al., 2017): ``num_heads`` scaled dot-product attentions of
    projected queries, keys and values, their outputs projected back to the query's feature size.

    Args:
      num_heads: the number of heads (a positive int).
      key_dim: the size of each head for the query and the key (a positive int).
      value_dim: the size of each head for the value (default ``key_dim``).
      dropout: the dropout rate on the attention probabilities (in training).
      use_bias: whether the projections have biases.
      output_shape: the output's shape besides the batch and sequence axes (an int or a tuple);
        default: the query's last dimension.
      attention_axes: the axes attention is applied over (default: all but the batch, heads and
        features); negative axes count from the end of the query's rank.
      sliding_window: a positive int: each query position attends only to key positions within
        ``sliding_window - 1`` of it.
      flash_attention: must be None or False (not supported).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"`` and ``"zeros"`` (cloned per
        projection).
      kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
        for the projections.
      use_gate: whether a sigmoid gate projected from the query multiplies the heads' outputs.
      seed: an int making the dropout draws reproducible.

    Call arguments: ``query`` ``(B, T, dim)``, ``value`` ``(B, S, dim)``, ``key`` (default ``value``);
    ``attention_mask``: boolean ``(B, T, S)`` (broadcastable; True attends); ``value_mask``,
    ``key_mask`` (default: the inputs' Keras masks); ``return_attention_scores``; ``training``;
    ``use_causal_mask``. The query's Keras mask masks the query and is the output's mask.

    Raises:
      ValueError: for invalid arguments or key/value shapes that disagree (Keras' messages).

    >>> import tapejax as tf
    >>> mha = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, kernel_initializer="ones")
    >>> out, scores = mha(tf.ones([1, 4, 5]), tf.ones([1, 6, 5]), return_attention_scores=True)
    >>> out.shape, scores.shape, float(out[0, 0, 0]), float(scores[0, 0, 0, 0])
    (TensorShape([1, 4, 5]), TensorShape([1, 2, 4, 6]), 30.0, 0.1666666716337204)
    >>> [w.path for w in mha.weights][:2]
    ['multi_head_attention/query/kernel', 'multi_head_attention/query/bias']

    Differences from Keras: flash attention is not supported; the dropout masks drawn differ; the
    Keras masks of the inputs are left on them (Keras removes them); the symbolic attention scores
    have their true shape ``(B, num_heads, T, S)`` (Keras' symbolic shape repeats ``T``).
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                "Received an invalid value for argument `num_heads`, expected a positive integer. "
                f"Received: num_heads={num_heads}"
            )
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError(
                "Received an invalid value for argument `key_dim`, expected a positive integer. "
                f"Received: key_dim={key_dim}"
            )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive integer or `None`. "
                f"Received: value_dim={value_dim}"
            )
        _check_flash_attention(flash_attention)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout_rate = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` should be of type "
                    "tuple, list, or int."
                ) from None
        self._output_shape = output_shape
        self._kernel_initializer_ = initializers.get(kernel_initializer)
        self._bias_initializer_ = initializers.get(bias_initializer)
        self._kernel_regularizer_ = regularizers.get(kernel_regularizer)
        self._bias_regularizer_ = regularizers.get(bias_regularizer)
        self._activity_regularizer_ = regularizers.get(activity_regularizer)
        self._kernel_constraint_ = constraints.get(kernel_constraint)
        self._bias_constraint_ = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"`attention_axes` must be an int, list, or tuple.Received: attention_axes={attention_axes}"
            )
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        self._scale = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout_rate)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def _projection(self, rank: int, heads_dims: list[int], name: str, **extra: Any) -> EinsumDense:
        equation, bias_axes, output_rank = _build_proj_equation(rank - 1, bound_dims=1, output_dims=2)
        return EinsumDense(
            equation,
            output_shape=_get_output_shape(output_rank - 1, heads_dims),
            bias_axes=bias_axes if self._use_bias else None,
            name=name,
            **extra,
            **self._common_kwargs(),
        )

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={value_shape} and key_shape={key_shape}"
            )
        heads_k, heads_v = [self._num_heads, self._key_dim], [self._num_heads, self._value_dim]
        self._query_dense = self._projection(len(query_shape), heads_k, "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(len(key_shape), heads_k, "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(len(query_shape), heads_v, "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(len(value_shape), heads_v, "value")
        self._value_dense.build(value_shape)
        rank = len(value_shape) + 1  # the rank of the projections
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = _build_attention_equation(
            rank, self._attention_axes
        )
        self._norm_rank_axes = len(self._attention_axes)
        norm_axes = tuple(range(scores_rank - self._norm_rank_axes, scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout_rate, dtype=self.dtype_policy, seed=self.seed)
        output_shape = self._output_shape if self._output_shape else [query_shape[-1]]
        equation, bias_axes, output_rank = _build_proj_equation(
            len(query_shape) - 1, bound_dims=2, output_dims=len(output_shape)
        )
        self._output_dense = EinsumDense(
            equation,
            output_shape=_get_output_shape(output_rank - 1, output_shape),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._common_kwargs(),
        )
        dense_input_shape = list(self._query_dense.compute_output_shape(query_shape))
        dense_input_shape[-1] = self._value_dim
        self._output_dense.build(tuple(dense_input_shape))

    def call(
        self,
        query: Any,
        value: Any,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: Any = None,
        use_causal_mask: bool = False,
    ) -> Any:
        dtype = self.compute_dtype
        # Keras fills the *_mask arguments from the inputs' Keras masks, then takes the query's
        # mask from the query alone.
        value_mask = _keras_mask(value) if value_mask is None else value_mask
        key_mask = _keras_mask(key) if key_mask is None and key is not None else key_mask
        query_mask = _keras_mask(query)
        query, value = _as_tensor(query, dtype), _as_tensor(value, dtype)
        key = value if key is None else _as_tensor(key, dtype)
        mask = _combined_mask(
            query,
            value,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            use_causal_mask,
            self._sliding_window,
        )
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        output, scores = self._attend(q, k, v, mask, training, return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if query_mask is not None:
            output._keras_mask = query_mask
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> tuple[Any, ...]:
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={value_shape} and key_shape={key_shape}"
            )
        if self._output_shape:
            query_shape = query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout_rate,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer_),
            "bias_initializer": initializers.serialize(self._bias_initializer_),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer_),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer_),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer_),
            "kernel_constraint": constraints.serialize(self._kernel_constraint_),
            "bias_constraint": constraints.serialize(self._bias_constraint_),
            "seed": self.seed,
        }


class GroupQueryAttention(_MultiHeadBase):
    """Grouped-query attention (Ainslie et al., 2023): ``num_query_heads`` query heads share
    ``num_key_value_heads`` key and value heads (each repeated for its group).

    Args:
      head_dim: the size of each head.
      num_query_heads: the number of query heads.
      num_key_value_heads: the number of key and value heads (dividing ``num_query_heads``).
      dropout, use_bias, sliding_window, flash_attention (None or False), kernel_initializer,
      bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
      kernel_constraint, bias_constraint, use_gate, seed: as ``MultiHeadAttention``'s.

    Call arguments: as ``MultiHeadAttention``'s (``query_mask`` defaults to the query's Keras mask).

    Raises:
      ValueError: if ``num_query_heads`` is not divisible by ``num_key_value_heads`` (Keras' message).

    >>> import tapejax as tf
    >>> gqa = tf.keras.layers.GroupQueryAttention(
    ...     head_dim=2, num_query_heads=4, num_key_value_heads=2, kernel_initializer="ones"
    ... )
    >>> gqa(tf.ones([1, 3, 6]), tf.ones([1, 5, 6])).shape, gqa.weights[2].path, gqa.weights[2].shape
    (TensorShape([1, 3, 6]), 'grouped_query_attention/key/kernel', TensorShape([6, 2, 2]))

    Differences from Keras: flash attention is not supported; the dropout masks drawn differ; Keras'
    class is named ``GroupedQueryAttention`` (exported as ``GroupQueryAttention``): here the class has
    the exported name, so configs carry Keras' ``class_name`` and the default layer names
    (``grouped_query_attention``) are Keras', but in ``.weights.h5`` files the layer's entry in a
    model's layer list is ``group_query_attention`` (Keras: ``grouped_query_attention``).
    """

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window: int | None = None,
        flash_attention: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("name") is None:  # Keras' class is GroupedQueryAttention: its layers' default names
            uid = backend.get_uid("grouped_query_attention")
            kwargs["name"] = "grouped_query_attention" if uid == 1 else f"grouped_query_attention_{uid - 1}"
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window}"
            )
        _check_flash_attention(flash_attention)
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # Keras sets the layer's own activity regularizer too: its output adds a loss besides the projections'.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._scale = 1.0 / math.sqrt(float(head_dim))
        self._norm_rank_axes = 1

    # (Keras' public attributes; the shared code reads the underscored names)
    _dropout_rate = property(lambda self: self.dropout)
    _kernel_initializer_ = property(lambda self: self.kernel_initializer)
    _bias_initializer_ = property(lambda self: self.bias_initializer)
    _kernel_regularizer_ = property(lambda self: self.kernel_regularizer)
    _bias_regularizer_ = property(lambda self: self.bias_regularizer)
    _activity_regularizer_ = property(lambda self: self.activity_regularizer)
    _kernel_constraint_ = property(lambda self: self.kernel_constraint)
    _bias_constraint_ = property(lambda self: self.bias_constraint)

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        heads_q = (None, self.num_query_heads, self.head_dim)
        heads_kv = (None, self.num_key_value_heads, self.head_dim)
        self._query_dense = EinsumDense(
            "bqm,muh->bquh",
            output_shape=heads_q,
            bias_axes="uh" if self.use_bias else None,
            name="query",
            **self._common_kwargs(),
        )
        self._query_dense.build(query_shape)
        self._key_dense = EinsumDense(
            "bkm,mvh->bkvh",
            output_shape=heads_kv,
            bias_axes="vh" if self.use_bias else None,
            name="key",
            **self._common_kwargs(),
        )
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = EinsumDense(
                "bqm,muh->bquh",
                output_shape=heads_q,
                bias_axes="uh" if self.use_bias else None,
                activation="sigmoid",
                name="gate",
                **self._common_kwargs(),
            )
            self._gate_dense.build(query_shape)
        self._value_dense = EinsumDense(
            "bkm,mvh->bkvh",
            output_shape=heads_kv,
            bias_axes="vh" if self.use_bias else None,
            name="value",
            **self._common_kwargs(),
        )
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout_rate, dtype=self.dtype_policy, seed=self.seed)
        # (Keras' equations take the query first; _attend takes the key first, as MultiHeadAttention's.)
        self._dot_product_equation = "bkuh,bquh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm",
            output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None,
            name="attention_output",
            **self._common_kwargs(),
        )
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))

    def call(
        self,
        query: Any,
        value: Any,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: Any = None,
        use_causal_mask: bool = False,
    ) -> Any:
        dtype = self.compute_dtype
        query_mask = _keras_mask(query) if query_mask is None else query_mask
        value_mask = _keras_mask(value) if value_mask is None else value_mask
        key_mask = _keras_mask(key) if key_mask is None and key is not None else key_mask
        query, value = _as_tensor(query, dtype), _as_tensor(value, dtype)
        key = value if key is None else _as_tensor(key, dtype)
        mask = _combined_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask, self.sliding_window
        )
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = misc_ops.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = misc_ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        output, scores = self._attend(q, k, v, mask, training, return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> Any:
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, value_shape={value_shape}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={value_shape} and key_shape={key_shape}"
            )
        return query_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self._dropout_rate,
            "kernel_initializer": initializers.serialize(self._kernel_initializer_),
            "bias_initializer": initializers.serialize(self._bias_initializer_),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer_),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer_),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer_),
            "kernel_constraint": constraints.serialize(self._kernel_constraint_),
            "bias_constraint": constraints.serialize(self._bias_constraint_),
            "seed": self.seed,
        }


# -- Luong- and Bahdanau-style attention ---------------------------------------------------------------


class Attention(Layer):
    """Dot-product (Luong-style) attention of a ``query`` over a ``value`` (and ``key``).

    ``scores = query @ key^T`` (``"dot"``, times ``scale`` if ``use_scale``) or
    ``concat_score_weight * sum(tanh(scale * (query + key)))`` (``"concat"``); the output is
    ``softmax(scores) @ value``.

    Args:
      use_scale: whether a trainable scalar ``scale`` (initialized to 1) multiplies the scores.
      score_mode: ``"dot"`` or ``"concat"``.
      dropout: the dropout rate on the attention distribution (in training).
      seed: an int making the dropout draws reproducible.

    Call arguments: ``inputs``: ``[query, value]`` or ``[query, value, key]``; ``mask``:
    ``[query_mask, value_mask]`` (default: the inputs' Keras masks; masked query positions output 0,
    masked value positions get no attention); ``return_attention_scores``; ``training`` (default
    False); ``use_causal_mask``.

    Raises:
      ValueError: for another ``score_mode`` or inputs that are not a list of 2 or 3 tensors (Keras'
        messages).

    >>> import tapejax as tf
    >>> q = tf.constant([[[1.0, 0.0]]])
    >>> v = tf.constant([[[1.0, 0.0], [0.0, 1.0]]])
    >>> print(tf.keras.layers.Attention()([q, v]))
    tf.Tensor([[[0.7310586  0.26894143]]], shape=(1, 1, 2), dtype=float32)

    Differences from Keras: the dropout masks drawn differ, and a seeded layer keeps its seed stream
    outside its weights (Keras adds a ``seed_generator_state`` variable when ``dropout > 0``).
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self._seed_stream = _stream(seed, dropout > 0)
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", dtype=self.dtype, trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones", dtype=self.dtype, trainable=True
            )

    def _calculate_scores(self, query: Any, key: Any) -> Any:
        if self.score_mode == "dot":
            scores = linalg_ops.matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q = shape_ops.expand_dims(query, -2)
        k = shape_ops.expand_dims(key, -3)
        summed = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * reduction_ops.reduce_sum(math_ops.tanh(summed), axis=-1)

    def _apply_scores(self, scores: Any, value: Any, scores_mask: Any = None, training: Any = False) -> Any:
        if scores_mask is not None:
            padding_mask = math_ops.logical_not(scores_mask)
            max_value = 65504.0 if scores.dtype.name == "float16" else 1.0e9
            if len(padding_mask.shape) == 2:
                padding_mask = shape_ops.expand_dims(padding_mask, -2)
            scores = math_ops.where(padding_mask, scores - math_ops.cast(max_value, scores.dtype), scores)
        weights = nn_ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = _dropout(weights, self.dropout, None, self._seed_stream)
        return linalg_ops.matmul(weights, value), weights

    def _calculate_score_mask(self, scores: Any, v_mask: Any, use_causal_mask: bool) -> Any:
        if not use_causal_mask:
            return v_mask
        causal = _causal_mask(int(scores.shape[-2]), int(scores.shape[-1]))
        if v_mask is not None:
            return math_ops.logical_and(shape_ops.expand_dims(v_mask, -2), causal)
        return causal

    def call(
        self,
        inputs: Any,
        mask: Any = None,
        training: Any = False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        self._validate_inputs(inputs=inputs, mask=mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        if v_mask is not None:
            v_mask = _to_bool(v_mask)
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, attention_scores = self._apply_scores(scores, v, scores_mask=scores_mask, training=training)
        if q_mask is not None:
            q_mask = shape_ops.expand_dims(_to_bool(q_mask), -1)
            output = math_ops.where(q_mask, output, creation_ops.zeros_like(output))
        if return_attention_scores:
            return output, attention_scores
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        self._validate_inputs(inputs=inputs, mask=mask)
        if mask is None or mask[0] is None:
            return None
        return array_ops.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def _validate_inputs(self, inputs: Any, mask: Any = None) -> None:
        class_name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{class_name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(
                    f"{class_name} layer mask must be a list, namely [query_mask, value_mask]. Received: mask={mask}."
                )
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(
                    f"{class_name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, mask={mask}."
                )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: ``scores = sum(scale * tanh(query + key))``, the output
    ``softmax(scores) @ value``.

    Args:
      use_scale: whether a trainable ``scale`` vector (of the feature size, ``"glorot_uniform"``)
        multiplies the ``tanh`` terms (default True).
      dropout: the dropout rate on the attention distribution (in training).

    Call arguments: as ``Attention``'s.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.AdditiveAttention(use_scale=False)
    >>> print(layer([tf.constant([[[0.0, 0.0]]]), tf.constant([[[1.0, -1.0], [3.0, -3.0]]])]))
    tf.Tensor([[[ 2. -2.]]], shape=(1, 1, 2), dtype=float32)

    Differences from Keras: as ``Attention``'s.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=[dim], initializer="glorot_uniform", dtype=self.dtype, trainable=True
            )

    def _calculate_scores(self, query: Any, key: Any) -> Any:
        q = shape_ops.expand_dims(query, -2)
        k = shape_ops.expand_dims(key, -3)
        t = math_ops.tanh(q + k)
        if self.use_scale:
            t = self.scale * t
        return reduction_ops.reduce_sum(t, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config
