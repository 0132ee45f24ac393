"""Keras 3's update rules, exactly, as optax gradient transformations.

optax's own aliases differ from Keras in details that change the numbers (``optax.adam`` puts
epsilon inside the bias correction and defaults it to 1e-8; Keras uses the "epsilon hat" form with
1e-7; Keras's Nadam keeps a running ``u_product``; Keras's clip-by-norm divides by
``max(norm, clipnorm)``), so each rule here is transcribed from ``keras/src/optimizers/*.py``
operation by operation, in the variable's dtype, in Keras's order of operations.

Hyper-parameters enter each formula as Keras on TensorFlow gives them: where Keras writes
``ops.cast(self.beta_1, variable.dtype)`` the value is ``float32(beta_1)`` widened (TF converts a
Python float to a float32 tensor before casting it; see :func:`keras_cast`), and where it uses the Python
float itself (``1 - self.beta_1``, ``self.epsilon``) it is the exact double. For float32 Variables
the two are the same number; for float64 ones they differ by a float32 rounding (about 1e-8
relative), which Keras's results carry.

Every transformation is a :class:`Rule`, optax's ``GradientTransformationExtraArgs`` in all but
name (the fields ``init`` and ``update``: ``optax.GradientTransformationExtraArgs(*rule)`` is one;
optax itself is not imported, its import costing 40-100 ms of a script's first training step),
whose ``update`` takes the
extra keyword arguments ``learning_rate`` (a scalar, cast to each parameter's dtype, as Keras does)
and ``step`` (Keras's ``iterations``: the number of updates already applied). It returns *deltas*
(``new_param = param + delta``) and a :class:`KerasState`. Decoupled weight decay is not part of
these transformations: Keras applies it to the variables before the update
(``v -= v * weight_decay * lr``), and so does the optimizer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class KerasState(NamedTuple):
    """State of a Keras rule: optimizer-wide arrays and, per parameter leaf, its slot arrays.

    Attributes:
      glob: arrays shared by all parameters (Nadam's ``u_product``), usually empty.
      slots: one tuple of slot arrays per parameter leaf, in leaf order (e.g. Adam's
        ``(momentum, velocity)``).
    """

    glob: tuple[Any, ...]
    slots: tuple[tuple[Any, ...], ...]


class Rule(NamedTuple):
    """An update rule as an optax gradient transformation: ``init(params) -> state`` and
    ``update(updates, state, params=None, **extra) -> (updates, state)`` (optax's two fields).

    >>> rule = sgd()
    >>> deltas, _ = rule.update([jnp.ones(2)], rule.init([jnp.zeros(2)]), learning_rate=0.5, step=0)
    >>> deltas[0].tolist()
    [-0.5, -0.5]
    """

    init: Callable[..., Any]
    update: Callable[..., Any]


LeafUpdate = Callable[[Any, tuple[Any, ...], Any, Any, tuple[Any, ...]], tuple[Any, tuple[Any, ...]]]


class _SparseRows(threading.local):
    """While the rule of a parameter whose gradient was an ``IndexedSlices`` runs (``update``'s
    ``sparse_rows``): its rows squared, and their absolute values, each summed per index."""

    squares: Any = None
    absolute: Any = None


_ROWS = _SparseRows()


def _square_of(g: Any) -> Any:
    """``g ** 2`` as Keras computes it: of an IndexedSlices, the rows are squared before duplicate
    indices add up (Keras 3 applies ``ops.square`` to the slices), so this is not ``sum(g) ** 2``."""
    return jnp.square(g) if _ROWS.squares is None else _ROWS.squares


def _abs_of(g: Any) -> Any:
    """``|g|`` as Keras computes it (see :func:`_square_of`)."""
    return jnp.abs(g) if _ROWS.absolute is None else _ROWS.absolute


def _keras_rule(
    init_leaf: Callable[[Any], tuple[Any, ...]],
    update_leaf: LeafUpdate,
    init_glob: Callable[[list[Any]], tuple[Any, ...]] = lambda leaves: (),
    update_glob: Callable[[tuple[Any, ...], Any], tuple[Any, ...]] = lambda glob, step: glob,
) -> Rule:
    """Builds a transformation from a per-parameter rule ``update_leaf(g, slots, lr, step, glob)``.

    ``g`` and ``lr`` arrive cast to the parameter's dtype; ``update_leaf`` returns
    ``(delta, new_slots)``. ``update`` may take ``sparse_rows``: per parameter, None or the
    ``(squares, absolute)`` of an IndexedSlices gradient's rows (see :func:`_square_of`).
    """

    def init(params: Any) -> KerasState:
        leaves = jax.tree_util.tree_leaves(params)
        return KerasState(tuple(init_glob(leaves)), tuple(tuple(init_leaf(p)) for p in leaves))

    def update(
        updates: Any,
        state: KerasState,
        params: Any = None,
        *,
        learning_rate: Any,
        step: Any,
        sparse_rows: Sequence[Any] | None = None,
        **extra: Any,
    ) -> tuple[Any, KerasState]:
        del extra
        g_leaves, treedef = jax.tree_util.tree_flatten(updates)
        p_leaves = g_leaves if params is None else jax.tree_util.tree_leaves(params)
        rows = list(sparse_rows) if sparse_rows is not None else [None] * len(g_leaves)
        glob = tuple(update_glob(state.glob, step))
        lr = jnp.asarray(learning_rate)
        deltas = []
        new_slots = []
        for g, p, slots, r in zip(g_leaves, p_leaves, state.slots, rows, strict=True):
            dtype = p.dtype
            if r is not None:
                _ROWS.squares, _ROWS.absolute = r[0].astype(dtype), r[1].astype(dtype)
            try:
                delta, slots = update_leaf(g.astype(dtype), slots, lr.astype(dtype), step, glob)
            finally:
                _ROWS.squares = _ROWS.absolute = None
            deltas.append(delta)
            new_slots.append(tuple(slots))
        return jax.tree_util.tree_unflatten(treedef, deltas), KerasState(glob, tuple(new_slots))

    return Rule(init, update)


def full_like(p: Any, value: Any = 0) -> Any:
    """``jnp.full_like(p, value)``; for a concrete ``p`` made on the host and transferred.

    Slots are created eagerly, once per shape: ``jnp.zeros_like`` would compile an XLA program for
    each new shape (about 0.1 s each on a 2-core CPU), a transfer compiles nothing.
    """
    if isinstance(p, jax.core.Tracer):
        return jnp.full_like(p, value)
    # (np.zeros for zeros: calloc'd pages the transfer reads without making them resident; np.full
    # writes every page first, a transient host copy of each slot in the peak memory)
    host = (
        np.zeros(p.shape, p.dtype)
        if isinstance(value, (int, float)) and value == 0
        else np.full(p.shape, value, p.dtype)
    )
    return jax.device_put(host)


def _zeros(n: int) -> Callable[[Any], tuple[Any, ...]]:
    return lambda p: tuple(full_like(p) for _ in range(n))


def _local_step(step: Any, dtype: Any, offset: int = 1) -> Any:
    return (step + offset).astype(dtype)


def keras_cast(value: Any, dtype: Any) -> Any:
    """``ops.cast(value, dtype)`` of a hyper-parameter as Keras 3 on TensorFlow computes it.

    ``tf.cast`` first converts a Python float to a *float32* tensor, so a float64 Variable sees
    ``float64(float32(0.9))`` wherever Keras casts a hyper-parameter (``beta_1`` in Adam's
    ``beta_1 ** t``, SGD's ``momentum``, the weight decay, ...). A NumPy scalar keeps its own dtype
    in that conversion, as does an int (exactly representable either way).

    >>> import jax.numpy as jnp
    >>> float(keras_cast(0.9, jnp.float64))
    0.8999999761581421
    >>> float(keras_cast(0.9, jnp.float32)) == float(jnp.float32(0.9))
    True
    """
    if isinstance(value, float) and not isinstance(value, np.floating):
        value = np.float32(value)
    return jnp.asarray(value, dtype)


def _hyper_pow(base: float, exponent: Any) -> Any:
    """Keras's ``ops.power(ops.cast(base, dtype), local_step)`` (the base rounded as in :func:`keras_cast`)."""
    return jnp.power(keras_cast(base, exponent.dtype), exponent)


def sgd(momentum: float = 0.0, nesterov: bool = False) -> Rule:
    """Keras ``SGD``: ``v -= lr * g``; momentum ``m = momentum * m - lr * g; v += m``; Nesterov
    ``v += momentum * m - lr * g``. Slots: ``(momentum,)`` when ``momentum != 0``, else none."""
    if momentum == 0:
        return _keras_rule(_zeros(0), lambda g, s, lr, step, glob: (-(g * lr), ()))

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        (m,) = slots
        mu = keras_cast(momentum, g.dtype)
        m = m * mu - g * lr
        delta = m * mu - g * lr if nesterov else m
        return delta, (m,)

    return _keras_rule(_zeros(1), update_leaf)


def adam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False) -> Rule:
    """Keras ``Adam`` (epsilon-hat form): ``v -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(s) + eps)``.

    Slots: ``(momentum, velocity)`` plus ``velocity_hat`` with ``amsgrad``.
    """

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        m, v = slots[0], slots[1]
        t = _local_step(step, g.dtype)
        alpha = lr * jnp.sqrt(1 - _hyper_pow(beta_2, t)) / (1 - _hyper_pow(beta_1, t))
        m = m + (g - m) * (1 - beta_1)
        v = v + (_square_of(g) - v) * (1 - beta_2)
        if amsgrad:
            v_hat = jnp.maximum(slots[2], v)
            delta = -((m * alpha) / (jnp.sqrt(v_hat) + epsilon))
            return delta, (m, v, v_hat)
        return -((m * alpha) / (jnp.sqrt(v) + epsilon)), (m, v)

    return _keras_rule(_zeros(3 if amsgrad else 2), update_leaf)


def rmsprop(rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False) -> Rule:
    """Keras ``RMSprop``: ``s = rho * s + (1 - rho) * g^2; v -= lr * g / sqrt(s + eps)``.

    ``centered`` subtracts the squared moving mean of ``g`` inside the root; ``momentum > 0`` keeps
    ``mom = momentum * mom + increment``. Slots: ``(velocity[, momentum][, average_gradient])``.
    """
    use_momentum = momentum > 0

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        velocity = rho * slots[0] + (1 - rho) * _square_of(g)
        new: list[Any] = [velocity]
        if use_momentum:
            mom = slots[1]
        if centered:
            average_grad = rho * slots[-1] + (1 - rho) * g
            denominator = velocity - jnp.square(average_grad) + epsilon
        else:
            denominator = velocity + epsilon
        increment = (lr * g) / jnp.sqrt(denominator)
        if use_momentum:
            mom = momentum * mom + increment
            new.append(mom)
            delta = -mom
        else:
            delta = -increment
        if centered:
            new.append(average_grad)
        return delta, tuple(new)

    return _keras_rule(_zeros(1 + use_momentum + centered), update_leaf)


def adagrad(initial_accumulator_value: float = 0.1, epsilon: float = 1e-7) -> Rule:
    """Keras ``Adagrad``: ``a += g^2; v -= lr * g / sqrt(a + eps)``. Slot: ``(accumulator,)``."""

    def init_leaf(p: Any) -> tuple[Any, ...]:
        # Keras's Constant initializer computes ops.cast(value, dtype) * ones.
        return (full_like(p, keras_cast(initial_accumulator_value, p.dtype)),)

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        acc = slots[0] + _square_of(g)
        return -((lr * g) / jnp.sqrt(acc + epsilon)), (acc,)

    return _keras_rule(init_leaf, update_leaf)


def adadelta(rho: float = 0.95, epsilon: float = 1e-7) -> Rule:
    """Keras ``Adadelta`` (with a learning rate): ``delta = -sqrt(D + eps) * g / sqrt(G + eps); v += lr * delta``.

    Slots: ``(accumulated_grad, accumulated_delta_var)``.
    """

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        acc_grad, acc_delta = slots
        acc_grad = rho * acc_grad + (1 - rho) * _square_of(g)
        delta_var = -((jnp.sqrt(acc_delta + epsilon) * g) / jnp.sqrt(acc_grad + epsilon))
        if _ROWS.squares is None:
            delta_squared = jnp.square(delta_var)
        else:  # Keras's delta_var of an IndexedSlices is per row too: its rows' squares add up
            delta_squared = (acc_delta + epsilon) / (acc_grad + epsilon) * _ROWS.squares
        acc_delta = rho * acc_delta + (1 - rho) * delta_squared
        return lr * delta_var, (acc_grad, acc_delta)

    return _keras_rule(_zeros(2), update_leaf)


def adamax(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> Rule:
    """Keras ``Adamax``: ``u = max(b2 * u, |g|); v -= lr * m / ((1 - b1^t) * (u + eps))``.

    Slots: ``(momentum, norm)``.
    """

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        m, u = slots
        beta_1_power = _hyper_pow(beta_1, _local_step(step, g.dtype))
        m = m + (g - m) * (1 - beta_1)
        u = jnp.maximum(beta_2 * u, _abs_of(g))
        return -((lr * m) / ((1 - beta_1_power) * (u + epsilon))), (m, u)

    return _keras_rule(_zeros(2), update_leaf)


def nadam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> Rule:
    """Keras ``Nadam``: Adam with Nesterov momentum and the momentum schedule ``u_t = b1 * (1 - 0.5 * 0.96^t)``.

    ``glob`` holds Keras's ``u_product`` (the running product of ``u_t``, in the first parameter's
    dtype), updated once per step before the parameters. Slots: ``(momentum, velocity)``.
    """

    def init_glob(leaves: list[Any]) -> tuple[Any, ...]:
        dtype = leaves[0].dtype if leaves else jnp.float32
        return (jnp.ones((), dtype),)

    def update_glob(glob: tuple[Any, ...], step: Any) -> tuple[Any, ...]:
        (u_product,) = glob
        dtype = u_product.dtype
        # Keras's _backend_update_step uses the Python floats beta_1 and 0.96 here, not their casts.
        return (u_product * beta_1 * (1.0 - 0.5 * jnp.power(jnp.asarray(0.96, dtype), _local_step(step, dtype))),)

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        dtype = g.dtype
        m, v = slots
        local_step = _local_step(step, dtype)
        next_step = _local_step(step, dtype, 2)
        # Keras casts beta_1, beta_2 and the decay 0.96 once and uses the cast values throughout,
        # (1 - beta_1) and (1 - beta_2) included.
        b1 = keras_cast(beta_1, dtype)
        b2 = keras_cast(beta_2, dtype)
        decay = keras_cast(0.96, dtype)
        u_t = b1 * (1.0 - 0.5 * jnp.power(decay, local_step))
        u_t_1 = b1 * (1.0 - 0.5 * jnp.power(decay, next_step))
        u_product_t = glob[0].astype(dtype)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = jnp.power(b2, local_step)
        m = m + (g - m) * (1 - b1)
        v = v + (_square_of(g) - v) * (1 - b2)
        m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
        v_hat = v / (1 - beta_2_power)
        return -((m_hat * lr) / (jnp.sqrt(v_hat) + epsilon)), (m, v)

    return _keras_rule(_zeros(2), update_leaf, init_glob, update_glob)


def lion(beta_1: float = 0.9, beta_2: float = 0.99) -> Rule:
    """Keras ``Lion``: ``v -= lr * sign(b1 * m + (1 - b1) * g); m = b2 * m + (1 - b2) * g``. Slot: ``(momentum,)``."""

    def update_leaf(g: Any, slots: tuple[Any, ...], lr: Any, step: Any, glob: Any) -> tuple[Any, tuple[Any, ...]]:
        (m,) = slots
        b1 = keras_cast(beta_1, g.dtype)
        b2 = keras_cast(beta_2, g.dtype)
        delta = -(lr * jnp.sign(m * b1 + g * (1.0 - b1)))
        return delta, (m * b2 + g * (1.0 - b2),)

    return _keras_rule(_zeros(1), update_leaf)


# -- gradient clipping, Keras's formulas ---------------------------------------------------------------
def clip_by_norm(g: Any, clipnorm: float) -> Any:
    """Keras's per-variable clip: ``g * clipnorm / max(||g||, clipnorm)`` (NaN-safe at ``g = 0``)."""
    l2sum = jnp.sum(jnp.square(g), keepdims=True)
    pred = l2sum > 0
    l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, jnp.ones_like(l2sum))), l2sum)
    return (g * clipnorm) / jnp.maximum(l2norm, clipnorm)


def clip_by_global_norm(grads: Sequence[Any], clipnorm: float) -> list[Any]:
    """Keras's global clip: every gradient times ``clipnorm * min(1 / norm, 1 / clipnorm)``.

    A non-finite global norm makes every gradient NaN, as in Keras.
    """
    dtype = jnp.result_type(*[g.dtype for g in grads])
    use_norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)).astype(dtype) for g in grads])))
    scale = clipnorm * jnp.minimum(1.0 / use_norm, 1.0 / clipnorm)
    scale = scale + (use_norm - use_norm)
    return [g * scale.astype(g.dtype) for g in grads]


def keras_clip(
    clipnorm: float | None = None, clipvalue: float | None = None, global_clipnorm: float | None = None
) -> Rule:
    """Keras's gradient clipping as a stateless transformation (the first option set wins; its state is ``()``).

    Args:
      clipnorm: clip each gradient to this L2 norm.
      clipvalue: clip each element to ``[-clipvalue, clipvalue]``.
      global_clipnorm: scale all gradients together to this global L2 norm.
    """

    def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        leaves, treedef = jax.tree_util.tree_flatten(updates)
        if clipnorm and clipnorm > 0:
            leaves = [clip_by_norm(g, clipnorm) for g in leaves]
        elif global_clipnorm and global_clipnorm > 0:
            leaves = clip_by_global_norm(leaves, global_clipnorm)
        elif clipvalue and clipvalue > 0:
            leaves = [jnp.clip(g, -clipvalue, clipvalue) for g in leaves]
        return jax.tree_util.tree_unflatten(treedef, leaves), state

    return Rule(lambda params: (), update)
