"""``Optax``: any optax ``GradientTransformation`` as a Keras-style optimizer."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import jax
import jax.numpy as jnp

from tapejax._src.core import tape_state
from tapejax._src.optimizers.base import Optimizer, _announce, _concrete_like, _forget, _Plan, donatable
from tapejax._src.variable import Variable

if TYPE_CHECKING:
    import optax


class Optax(Optimizer):
    """Wraps any optax transformation so it works like a Keras optimizer on tf.Variables.

    ``apply_gradients``, ``apply``, ``minimize``, ``iterations``, ``variables`` and Keras's clipping
    arguments work as for the other optimizers: one compiled update per call. The optax state is
    created once per variable set and held in Variables (``opt.variables``).

    Args:
      transformation: an ``optax.GradientTransformation`` (e.g. ``optax.adamw(1e-3)``); its
        updates are added to the Variables (``optax.apply_updates``).
      clipnorm: clip each gradient to this L2 norm first (Keras's formula).
      clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]`` first.
      global_clipnorm: clip all gradients to this global L2 norm first.
      loss_scale_factor: gradients are divided by it first.
      name: the optimizer's name.

    Differences from TensorFlow: not a Keras class. The learning rate belongs to the
    transformation, so ``opt.learning_rate`` raises ``AttributeError`` (use
    ``optax.inject_hyperparams`` to change it); a variable set that differs from an earlier call's
    (e.g. because a gradient is ``None``) gets its own optax state.

    >>> import optax
    >>> import tapejax as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.Optax(optax.sgd(0.5))
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    >>> w.numpy()
    array([0.5, 1.5], dtype=float32)
    """

    _has_learning_rate: ClassVar[bool] = False

    def __init__(
        self,
        transformation: optax.GradientTransformation,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        loss_scale_factor: float | None = None,
        name: str = "optax",
    ) -> None:
        if not (hasattr(transformation, "init") and hasattr(transformation, "update")):
            raise TypeError(
                f"Optax expects an optax.GradientTransformation (with init and update), got {type(transformation).__name__}."
            )
        super().__init__(
            learning_rate=None,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            loss_scale_factor=loss_scale_factor,
            name=name,
        )
        self.transformation = transformation
        self._states: dict[tuple[int, ...], tuple[Any, tuple[Variable, ...]]] = {}

    @property
    def learning_rate(self) -> Any:
        raise AttributeError(
            "tapejax.keras.optimizers.Optax has no learning rate of its own: it belongs to the optax transformation. "
            "Build it with optax.inject_hyperparams to change it during training."
        )

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        raise AttributeError(
            "tapejax.keras.optimizers.Optax has no learning rate of its own: it belongs to the optax transformation. "
            "Build it with optax.inject_hyperparams to change it during training."
        )

    def _slot_names(self) -> tuple[str, ...]:
        return ()

    def _create_slots(self, variables: Sequence[Variable]) -> None:
        for v in variables:
            if v._uid not in self._refs:
                self._refs[v._uid] = weakref.ref(v, _forget(self, v._uid))

    def _drop_variable(self, uid: int) -> None:
        for key in [k for k in self._states if uid in k]:
            _, state_vars = self._states.pop(key)
            dead = {id(s) for s in state_vars}
            self._variables = [v for v in self._variables if id(v) not in dead]
        self._refs.pop(uid, None)
        self._plans.clear()

    def _make_plan(self, variables: tuple[Variable, ...]) -> _Plan:
        self._create_slots(variables)
        key = tuple(v._uid for v in variables)
        entry = self._states.get(key)
        if entry is None:
            with jax.ensure_compile_time_eval():
                state = self.transformation.init(tuple(_concrete_like(v._value) for v in variables))
            leaves, treedef = jax.tree_util.tree_flatten(state)
            state_vars = tuple(
                Variable(jnp.asarray(leaf), trainable=False, name=f"{self.name}/state_{len(self._variables) + i}")
                for i, leaf in enumerate(leaves)
            )
            self._variables.extend(state_vars)
            entry = (treedef, state_vars)
            self._states[key] = entry
        fns = self._fns.get("optax")
        if fns is None:
            fns = self._fns["optax"] = (self._optax_step, {})
        return _Plan(entry[1], *fns, state_treedef=entry[0])

    def _execute(self, plan: _Plan, variables: list[Variable], grads: list[Any]) -> None:
        if tape_state.tapes:
            _announce(variables, plan.slot_groups, (self._iterations,))
        params = [v._value for v in variables]
        state_leaves = [s._value for s in plan.slot_groups]
        # Donated when nothing else holds them (see base.donatable): one copy of each weight and state.
        donate = (0,) if donatable(params) else ()
        if state_leaves and donatable(state_leaves):
            donate = (*donate, 2)
        state = jax.tree_util.tree_unflatten(plan.state_treedef, state_leaves)
        del state_leaves
        new_params, new_state, new_iterations = plan.compiled(donate)(
            tuple(params), tuple(grads), state, self._iterations._value
        )
        del params
        for v, a in zip(variables, new_params, strict=True):
            v._assign_array(a)
        for s, a in zip(plan.slot_groups, jax.tree_util.tree_leaves(new_state), strict=True):
            s._assign_array(a)
        self._iterations._assign_array(new_iterations)

    def _optax_step(
        self, params: tuple[Any, ...], grads: tuple[Any, ...], state: Any, iterations: Any
    ) -> tuple[Any, ...]:
        grads_list = tuple(self._preprocess(params, grads))
        updates, new_state = self.transformation.update(grads_list, state, params)
        import optax

        return optax.apply_updates(params, updates), new_state, iterations + 1

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "transformation": self.transformation,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "loss_scale_factor": self.loss_scale_factor,
        }
