"""The Keras 3 optimizers: ``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``, ``Adadelta``, ``Adamax``,
``Nadam``, ``Lion``. Each is its Keras signature and defaults plus an exact update rule from
:mod:`transforms`; the machinery is in :class:`~tapejax._src.optimizers.base.Optimizer`.

Differences from TensorFlow (all optimizers): a Variable not seen before gets its slots on first
use (Keras 3 raises ``Unknown variable``); ``learning_rate`` and ``momentum`` accept ints (Keras
requires floats); ``gradient_accumulation_steps`` is not implemented.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tapejax._src.optimizers import transforms
from tapejax._src.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras's ``SGD``.

    ``w -= lr * g``; with momentum ``velocity = momentum * velocity - lr * g; w += velocity``; with
    Nesterov ``w += momentum * velocity - lr * g``.

    Args:
      learning_rate: float, schedule or callable (default 0.01).
      momentum: float in [0, 1].
      nesterov: whether to use Nesterov momentum.
      **kwargs: the common optimizer arguments (``weight_decay``, ``clipnorm``, ``clipvalue``,
        ``global_clipnorm``, ``use_ema``, ``loss_scale_factor``, ``name``, ...).

    >>> import tapejax as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    >>> w.numpy(), int(opt.iterations)
    (array([0.9, 1.9], dtype=float32), 1)
    """

    _STRUCTURAL: ClassVar[frozenset[str]] = frozenset({"use_ema", "momentum"})
    _default_name: ClassVar[str | None] = "sgd"

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def _transform(self) -> transforms.Rule:
        return transforms.sgd(self.momentum, self.nesterov)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0 else ()

    _config_keys: ClassVar[tuple[str, ...]] = ("momentum", "nesterov")


class Adam(Optimizer):
    """Adam, Keras's form: ``w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)``.

    Epsilon is "epsilon hat" (outside the bias correction) with default 1e-7: not ``optax.adam``.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      beta_1: decay of the first moment.
      beta_2: decay of the second moment.
      epsilon: the epsilon-hat constant.
      amsgrad: use the AMSGrad maximum of past second moments.
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.Adam(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(0.5), w)])
    >>> round(float(w), 4)
    0.9
    """

    _STRUCTURAL: ClassVar[frozenset[str]] = frozenset({"use_ema", "amsgrad"})
    _default_name: ClassVar[str | None] = "adam"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _transform(self) -> transforms.Rule:
        return transforms.adam(self.beta_1, self.beta_2, self.epsilon, self.amsgrad)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    _config_keys: ClassVar[tuple[str, ...]] = ("beta_1", "beta_2", "epsilon", "amsgrad")


class AdamW(Adam):
    """Adam with decoupled weight decay (``w -= w * weight_decay * lr`` before each update), Keras's ``AdamW``.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      weight_decay: the decay factor (default 0.004; required).
      beta_1: decay of the first moment.
      beta_2: decay of the second moment.
      epsilon: the epsilon-hat constant.
      amsgrad: use AMSGrad.
      **kwargs: the common optimizer arguments.

    Raises:
      ValueError: if ``weight_decay`` is None.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> _ = opt.apply_gradients([(tf.constant(0.0), w)])
    >>> float(w)
    0.949999988079071
    """

    _default_name: ClassVar[str | None] = "adam_w"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float | None = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop, Keras's form: ``v = rho * v + (1 - rho) * g^2; w -= lr * g / sqrt(v + epsilon)``.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      rho: discount of the squared-gradient average.
      momentum: if > 0, heavy-ball momentum on the increments.
      epsilon: added inside the square root.
      centered: normalise by the estimated variance (subtract the squared mean gradient).
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(10.0)
    >>> opt = tf.keras.optimizers.RMSprop(learning_rate=0.1)
    >>> _ = opt.minimize(lambda: (w ** 2) / 2.0, [w])
    >>> round(float(w), 5)
    9.68377
    """

    _STRUCTURAL: ClassVar[frozenset[str]] = frozenset({"use_ema", "momentum", "centered"})
    _default_name: ClassVar[str | None] = "rm_sprop"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _transform(self) -> transforms.Rule:
        return transforms.rmsprop(self.rho, self.momentum, self.epsilon, self.centered)

    def _slot_names(self) -> tuple[str, ...]:
        names = ("velocity",)
        if self.momentum > 0:
            names += ("momentum",)
        if self.centered:
            names += ("average_gradient",)
        return names

    _config_keys: ClassVar[tuple[str, ...]] = ("rho", "momentum", "epsilon", "centered")


class Adagrad(Optimizer):
    """Adagrad, Keras's form: ``a += g^2; w -= lr * g / sqrt(a + epsilon)``.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      initial_accumulator_value: the accumulators' starting value.
      epsilon: added inside the square root.
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.Adagrad(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 5)
    0.90465
    """

    def __init__(
        self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs: Any
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _transform(self) -> transforms.Rule:
        return transforms.adagrad(self.initial_accumulator_value, self.epsilon)

    def _slot_names(self) -> tuple[str, ...]:
        return ("accumulator",)

    _config_keys: ClassVar[tuple[str, ...]] = ("initial_accumulator_value", "epsilon")


class Adadelta(Optimizer):
    """Adadelta with a learning rate, Keras's form.

    Args:
      learning_rate: float, schedule or callable (default 0.001; 1.0 matches the paper).
      rho: the decay rate of both accumulators.
      epsilon: added inside the square roots.
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.Adadelta(learning_rate=1.0)
    >>> _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 5)
    0.99859
    """

    _default_name: ClassVar[str | None] = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _transform(self) -> transforms.Rule:
        return transforms.adadelta(self.rho, self.epsilon)

    def _slot_names(self) -> tuple[str, ...]:
        return ("accumulated_grad", "accumulated_delta_var")

    _config_keys: ClassVar[tuple[str, ...]] = ("rho", "epsilon")


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm), Keras's form.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      beta_1: decay of the first moment.
      beta_2: decay of the infinity norm.
      epsilon: added to the norm.
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.Adamax(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(2.0), w)])
    >>> round(float(w), 5)
    0.9
    """

    _default_name: ClassVar[str | None] = "adamax"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _transform(self) -> transforms.Rule:
        return transforms.adamax(self.beta_1, self.beta_2, self.epsilon)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum", "norm")

    _config_keys: ClassVar[tuple[str, ...]] = ("beta_1", "beta_2", "epsilon")


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum), Keras's form with the ``0.96`` momentum schedule.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      beta_1: decay of the first moment.
      beta_2: decay of the second moment.
      epsilon: the epsilon-hat constant.
      **kwargs: the common optimizer arguments.

    >>> import tapejax as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.Nadam(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)
    0.8937
    """

    _default_name: ClassVar[str | None] = "nadam"
    _glob_names: ClassVar[tuple[str, ...]] = ("u_product",)

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _transform(self) -> transforms.Rule:
        return transforms.nadam(self.beta_1, self.beta_2, self.epsilon)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity")

    _config_keys: ClassVar[tuple[str, ...]] = ("beta_1", "beta_2", "epsilon")


class Lion(Optimizer):
    """Lion (sign of an interpolated momentum), Keras's form.

    ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g); m = beta_2 * m + (1 - beta_2) * g``.

    Args:
      learning_rate: float, schedule or callable (default 0.001).
      beta_1: interpolation of momentum and gradient for the update, in (0, 1].
      beta_2: decay of the momentum (default 0.99).
      **kwargs: the common optimizer arguments.

    Raises:
      ValueError: if ``beta_1`` is not in (0, 1].

    >>> import tapejax as tf
    >>> w = tf.Variable([1.0, 1.0])
    >>> opt = tf.keras.optimizers.Lion(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([3.0, -0.5]), w)])
    >>> w.numpy()
    array([0.9, 1.1], dtype=float32)
    """

    _default_name: ClassVar[str | None] = "lion"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
                f"Received: beta_1={beta_1}."
            )

    def _transform(self) -> transforms.Rule:
        return transforms.lion(self.beta_1, self.beta_2)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum",)

    _config_keys: ClassVar[tuple[str, ...]] = ("beta_1", "beta_2")


_BY_NAME: dict[str, Any] = {  # the Keras classes, all constructible with their defaults
    cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The optimizer as a Keras-style config dict (``class_name`` + ``config``)."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Rebuilds an optimizer from :func:`serialize`'s output.

    Raises:
      ValueError: for an unknown ``class_name``.
    """
    name = config.get("class_name", "")
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer class name: {name!r}")
    return cls.from_config(config.get("config", {}), custom_objects)


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``, ``"SGD"``: default arguments), a config dict, or an instance.

    >>> import tapejax as tf
    >>> tf.keras.optimizers.get("adam").get_config()["learning_rate"]
    0.0010000000474974513

    Raises:
      ValueError: if ``identifier`` cannot be interpreted.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
