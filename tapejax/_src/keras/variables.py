"""Keras' weights: tapejax Variables with a Keras name and path, a regularizer and a constraint."""

from __future__ import annotations

from typing import Any

from tapejax._src.variable import Variable, _numpy_text

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")


class KerasVariable(Variable):
    """A layer weight (``keras.Variable``): a ``tf.Variable`` named as Keras names it.

    ``name`` is the weight's own name (``"kernel"``); ``path`` adds the layers it was created in
    (``"sequential/dense/kernel"``). ``regularizer`` (a callable of the weight giving a scalar loss)
    is read by ``Layer.losses``; ``constraint`` (a callable giving the projected value) is applied by
    the optimizers after each update, as Keras does.

    Created directly, it takes Keras 3.15's arguments: a value, or an initializer (a name such as
    ``"ones"`` or a callable of ``shape`` and ``dtype``) with ``shape``; ``name`` defaults to
    ``"variable"``, ``"variable_1"``, ... Assigned to a layer's attribute it is tracked (a plain
    ``tf.Variable`` is not, as in Keras 3).

    Differences from Keras: it is a ``tf.Variable`` (``isinstance`` is True; Keras' is not), and
    ``autocast``/``synchronization`` have no effect.

    >>> import tapejax as tf
    >>> tf.keras.Variable("ones", shape=(2,), name="w").numpy()
    array([1., 1.], dtype=float32)
    >>> tf.keras.backend.clear_session()
    >>> layer = tf.keras.layers.Dense(2)
    >>> layer.build((None, 3))
    >>> layer.kernel.name, layer.kernel.path, layer.kernel.shape
    ('kernel', 'dense/kernel', TensorShape([3, 2]))
    """

    __slots__ = ("_path", "constraint", "regularizer")

    def __init__(
        self,
        initializer: Any = None,
        shape: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: Any = "none",
        synchronization: Any = "auto",
        name: str | None = None,
        *,
        path: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
    ) -> None:
        # Keras 3.15's signature (keras.Variable(initializer, shape=None, dtype=None, trainable=True,
        # autocast=True, aggregation="none", synchronization="auto", name=None)): a value, or an
        # initializer (its name or a callable of shape and dtype) with ``shape``. ``autocast`` and
        # ``synchronization`` are accepted and have no effect here (no mixed-precision autocast scope,
        # one replica). path/regularizer/constraint are add_weight's.
        from tapejax._src.distribute import context as distribute_context
        from tapejax._src.keras import backend, initializers

        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                f"Argument `name` must be a string and cannot contain character `/`. Received: name={name}"
            )
        if name is None:  # (first: Keras takes the name's uid before it validates the rest)
            from tapejax._src.keras.metrics.base_metric import auto_name

            name = auto_name("variable")
        if str(getattr(aggregation, "name", aggregation)).lower() not in _AGGREGATIONS:
            raise ValueError(
                "Invalid value for argument `aggregation`. Expected one of `None`, `'none'`, `'mean'`, `'sum'`, "
                f"`'only_first_replica'`. Received: aggregation={aggregation}"
            )
        if initializer is None:
            raise ValueError(
                "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor."
            )
        if isinstance(initializer, str):
            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    "When creating a Variable from an initializer, the `shape` argument should be specified. "
                    f"Received: initializer={initializer} and shape={shape}"
                )
            dtype = backend.standardize_dtype(dtype or backend.floatx())
            initializer = initializer(tuple(shape), dtype=dtype)
        super().__init__(initializer, trainable=trainable, name=name, dtype=dtype)
        self._name = name
        self._path = name if path is None else path
        self.regularizer = regularizer
        self.constraint = constraint
        distribute_context.set_aggregation(self, aggregation)

    @property
    def path(self) -> str:
        """The weight's path: the names of the layers it was created in, then its own name."""
        return self._path

    def __pos__(self) -> Any:
        """``+v``: the weight's value (Keras' ``__pos__``; a plain ``tf.Variable`` raises TypeError)."""
        return self.value()

    def __repr__(self) -> str:
        from tapejax._src.function import in_trace

        if in_trace():
            return f"<Variable path={self._path}, shape={tuple(self.shape)}, dtype={self.dtype.name}>"
        return (
            f"<Variable path={self._path}, shape={tuple(self.shape)}, dtype={self.dtype.name}, "
            f"value={_numpy_text(self._value, False)}>"
        )
