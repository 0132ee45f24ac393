"""Keras' weights: tapejax Variables with a Keras name and path, a regularizer and a constraint."""

from __future__ import annotations

from typing import Any

from tapejax._src.variable import Variable, _numpy_text


class KerasVariable(Variable):
    """A layer weight (``keras.Variable``): a ``tf.Variable`` named as Keras names it.

    ``name`` is the weight's own name (``"kernel"``); ``path`` adds the layers it was created in
    (``"sequential/dense/kernel"``). ``regularizer`` (a callable of the weight giving a scalar loss)
    is read by ``Layer.losses``; ``constraint`` (a callable giving the projected value) is applied by
    the optimizers after each update, as Keras does.

    >>> import tapejax as tf
    >>> tf.keras.backend.clear_session()
    >>> layer = tf.keras.layers.Dense(2)
    >>> layer.build((None, 3))
    >>> layer.kernel.name, layer.kernel.path, layer.kernel.shape
    ('kernel', 'dense/kernel', TensorShape([3, 2]))
    """

    __slots__ = ("_path", "constraint", "regularizer")

    def __init__(
        self,
        initial_value: Any,
        *,
        name: str,
        path: str,
        trainable: bool = True,
        dtype: Any = None,
        regularizer: Any = None,
        constraint: Any = None,
    ) -> None:
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype)
        self._name = name
        self._path = path
        self.regularizer = regularizer
        self.constraint = constraint

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
