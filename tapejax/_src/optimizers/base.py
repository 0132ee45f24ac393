"""The Keras ``Optimizer`` machinery: validation, slots, and one compiled update per ``apply_gradients``.

An optimizer turns ``apply_gradients(zip(grads, vars))`` into ONE call of a cached ``jax.jit``
function of ``(params, grads, slots, glob, lr, iterations)`` that returns the new parameters, slots
and step count, which are then written back into the Variables. Everything that can fail (pairs,
``None`` gradients, shapes, dtypes) is checked before anything is written, so a failed call leaves
every Variable and slot as it was.

The compiled function is shared by every variable set of the same shapes and dtypes (JAX's own
cache keys on them); the learning rate is an input, so ``opt.learning_rate = 0.5`` does not
recompile. Built-in schedules are traced into the same function.
"""

from __future__ import annotations

import functools
import re
import sys
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, cast

import jax
import jax.core
import jax.numpy as jnp
import numpy as np
from jax._src import core as _core

from tapejax._src import executable_cache
from tapejax._src.core import TensorBase, VariableBase, tape_state
from tapejax._src.distribute import context as distribute_context
from tapejax._src.indexed_slices import IndexedSlices
from tapejax._src.optimizers import schedules as schedules_lib
from tapejax._src.optimizers import transforms
from tapejax._src.tensor import TensorShape, convert_python
from tapejax._src.variable import Variable

# Attributes whose change alters what the compiled update computes but not the slots' layout.
_NOT_HYPERPARAMETERS = frozenset({"learning_rate", "name", "built"})
# An optimizer's state, left out of its update's cache key (``Optimizer._program_key``): what the
# update's trace does not read, or reads only as arguments.
_PROGRAM_STATE = frozenset(
    {
        "_ready",
        "_fns",
        "_iterations",
        "_variables",
        "_learning_rate",
        "_trainable_variables",
        "_slots",
        "_glob",
        "_plans",
        "_refs",
        "_wd_exclude_ids",
        "_wd_exclude_pattern",
    }
)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


def _is_float_dtype(dtype: Any) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.inexact))


class _Plan:
    """What one variable set needs per call: its slot Variables and the compiled step.

    ``fn`` is the pure update function; ``jitted`` its compilations keyed by the arguments they donate
    (see :func:`donatable`), made when first needed and shared by the plans of one ``fn``. It holds no
    reference to the set's own Variables, so a dead Variable's slots can be dropped.
    """

    __slots__ = ("exes", "fn", "jitted", "key", "slot_groups", "state_treedef")

    def __init__(
        self,
        slot_groups: Any,
        fn: Callable[..., Any],
        jitted: dict[tuple[int, ...], Callable[..., Any]],
        state_treedef: Any = None,
        key: Any = None,
    ):
        self.slot_groups = slot_groups
        self.fn = fn
        self.jitted = jitted
        self.state_treedef = state_treedef
        # What ``fn``'s trace reads besides its arguments (see Optimizer._program_key), or None: then
        # ``exes`` holds, per donation, the executable from ``executable_cache`` (False: none, jitted).
        self.key = key
        self.exes: dict[tuple[int, ...], Any] = {}

    def compiled(self, donate: tuple[int, ...]) -> Callable[..., Any]:
        """The update compiled to donate the arguments at positions ``donate`` (jitted once)."""
        fn = self.jitted.get(donate)
        if fn is None:
            fn = self.jitted[donate] = jax.jit(self.fn, donate_argnums=donate)
        return fn

    def run(self, donate: tuple[int, ...], args: tuple[Any, ...]) -> Any:
        """``fn(*args)`` compiled to donate ``donate``: with a ``key``, the executable a later process
        loads from the on-disk cache instead of tracing and lowering the update again."""
        exe = self.exes.get(donate)
        if exe is None and self.key is not None and type(_core.trace_ctx.trace) is _core.EvalTrace:
            exe = self.exes[donate] = executable_cache.compiled_call(self.fn, self.key, args, donate) or False
        if exe:
            try:
                return exe(*args)
            except TypeError:  # arguments of other shapes or dtypes (raised before anything runs): jitted
                self.exes[donate] = False
            except jax.errors.JaxRuntimeError as e:  # a loaded executable that cannot run (see executable_cache.failed)
                deleted = any(isinstance(a, jax.Array) and a.is_deleted() for a in jax.tree_util.tree_leaves(args))
                if deleted or executable_cache.failed(exe, e) is None:
                    raise
                self.exes[donate] = False
        return self.compiled(donate)(*args)


# References to an array that ``donatable`` sees when only its Variable holds it: the Variable, the
# list passed in, the loop variable and ``sys.getrefcount``'s own argument.
_SOLE_OWNER_REFS = 4


def donatable(arrays: list[Any]) -> bool:
    """Whether XLA may reuse (donate) the buffers of ``arrays``, each the value of one Variable.

    Only if nothing but its Variable references each one: a Tensor from ``read_value()``, a tape's
    saved input, a deferred op's input, another Variable or the Python-scalar cache all hold a
    reference, and a donated buffer is dead. Values under a trace (``tf.function``) are never
    donated here (the compiled function's inputs are the caller's). A NumPy view of a buffer
    (``np.asarray`` of a value on CPU) holds no Python reference, but JAX does not donate a buffer
    with external references (it copies instead), so such a view stays valid too. ``arrays`` must be
    a list referenced only by the caller's one name.

    Only arrays on a single device, in a process with one device, are donated: placing an array on
    a sharding (``jax.device_put(x, NamedSharding(...))``, as ``tf.distribute`` does with a new
    Variable's value) makes a second array object that shares ``x``'s buffer on its first device,
    which no reference count shows.
    """
    if not _one_device():
        return False
    for a in arrays:  # (a loop variable: _SOLE_OWNER_REFS counts it)
        if (
            isinstance(a, jax.core.Tracer)
            or type(a.sharding) is not jax.sharding.SingleDeviceSharding
            or sys.getrefcount(a) > _SOLE_OWNER_REFS
        ):
            return False
    return True


@functools.cache
def _one_device() -> bool:
    return jax.device_count() == 1


class Optimizer:
    """Base class of the Keras optimizers (``tf.keras.optimizers.Optimizer``).

    Subclasses define ``_transform()`` (the update rule, an optax transformation from
    :mod:`transforms`) and ``_slot_names()``; this class does the rest: clipping, weight decay,
    learning rate and schedules, EMA, slots, validation and the compiled update.

    Args:
      learning_rate: a float, a ``LearningRateSchedule``, or a callable taking no arguments.
      weight_decay: if set, ``v -= v * weight_decay * lr`` before each update (decoupled decay).
      clipnorm: clip each gradient to this L2 norm.
      clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
      global_clipnorm: clip all gradients together to this global L2 norm.
      use_ema: keep an exponential moving average of the variables (see ``finalize_variable_values``).
      ema_momentum: the EMA's momentum.
      ema_overwrite_frequency: every this many steps, overwrite the variables with their EMA.
      loss_scale_factor: gradients are divided by it before the update.
      gradient_accumulation_steps: not implemented (must be None).
      name: the optimizer's name.

    Raises:
      ValueError: for more than one clipping option, or an unrecognised keyword.

    Differences from TensorFlow (Keras 3):

    - A Variable not seen before gets its slots when first updated (Keras 3 raises ``Unknown
      variable``; Keras 2 did the same as tapejax). Slots of garbage-collected Variables are dropped.
    - A gradient whose shape does not match its Variable raises ``ValueError`` before anything is
      written (Keras may broadcast it or fail half-way). Floating gradients of another dtype are cast,
      as Keras does; integer gradients raise.
    - ``tf.IndexedSlices`` gradients are densified inside the compiled update (duplicate indices
      add up), except that the rules squaring the gradient (Adam, Nadam, RMSprop, Adagrad,
      Adadelta's accumulator) or taking its absolute value (Adamax) do so row by row before rows of
      one index add up, as Keras 3 does: the numbers match Keras's with duplicate indices too. With
      ``clipnorm``/``clipvalue``/``global_clipnorm`` set, such a gradient follows the dense rule.
    - ``minimize`` is the TF 2.x (Keras 2) method; Keras 3 removed it.
    - ``learning_rate``/``momentum`` may be ints; ``gradient_accumulation_steps`` is not implemented.
    - Structural hyperparameters (``amsgrad``, ``centered``, ``momentum`` on/off, ``use_ema``) cannot
      change after the first update; other hyperparameters can (the update recompiles once).
    - XLA fuses the update and contracts ``a * b + c`` into one fused multiply-add, so results agree
      with Keras to a few roundings of the variable's dtype, not bit for bit: about 1e-6 relative in
      float32, about 1e-15 in float64 (hyper-parameters are rounded through float32 where Keras on
      TensorFlow rounds them, see ``transforms.keras_cast``). Built-in schedules compute in float32,
      as Keras's do; the fused multiply-add can move their value by one float32 rounding at some
      steps (``PolynomialDecay``, ``InverseTimeDecay``, ``CosineDecay`` with ``alpha`` or warmup).
    """

    _STRUCTURAL: ClassVar[frozenset[str]] = frozenset({"use_ema"})
    _default_name: ClassVar[str | None] = None
    _has_learning_rate: ClassVar[bool] = True
    _fns: dict[Any, tuple[Callable[..., Any], dict[tuple[int, ...], Callable[..., Any]]]]
    _learning_rate: Any
    _glob_names: ClassVar[tuple[str, ...]] = ()
    # The subclass's own hyperparameters, added to ``get_config()`` (each is an attribute of that name).
    _config_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        learning_rate: Any,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        d = self.__dict__
        d["_ready"] = False
        d["_fns"] = {}
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps:
            raise NotImplementedError("tapejax does not implement gradient_accumulation_steps yet.")
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
        if (
            use_ema
            and ema_overwrite_frequency
            and (not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1)
        ):
            raise ValueError(
                f"`ema_overwrite_frequency` must be an integer >= 1 or None. Received: {ema_overwrite_frequency}"
            )
        self.name = name or self._default_name or _camel_to_snake(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._iterations = Variable(np.int64(0), trainable=False, name=f"{self.name}/iteration")
        self._variables: list[Variable] = [self._iterations]
        self._learning_rate = self._make_learning_rate(learning_rate)
        self._trainable_variables: list[Variable] = []
        self._slots: dict[int, tuple[Variable, ...]] = {}
        self._glob: tuple[Variable, ...] | None = None
        self._plans: dict[tuple[int, ...], _Plan] = {}
        self._refs: dict[int, Any] = {}
        self._wd_exclude_ids: set[int] = set()
        self._wd_exclude_pattern: re.Pattern[str] | None = None
        d["_ready"] = True

    # -- hyperparameters ----------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if d.get("_ready") and not name.startswith("_") and name not in _NOT_HYPERPARAMETERS:
            if name in self._STRUCTURAL and d.get("built"):
                raise ValueError(
                    f"{type(self).__name__}: `{name}` decides which slots the optimizer keeps and cannot change "
                    "after it is built; create a new optimizer instead."
                )
            # The compiled update bakes hyperparameters in as constants: recompile on change.
            d["_fns"].clear()
            d["_plans"].clear()
        object.__setattr__(self, name, value)

    def _make_learning_rate(self, learning_rate: Any) -> Any:
        if learning_rate is None and not self._has_learning_rate:
            return None
        if isinstance(learning_rate, schedules_lib.LearningRateSchedule):
            return learning_rate
        if callable(learning_rate) and not isinstance(learning_rate, (TensorBase, VariableBase)):
            return learning_rate
        try:
            value = float(cast(Any, learning_rate))
        except (TypeError, ValueError):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable "
                "(that takes in the current iteration value and returns the corresponding learning rate value). "
                f"Received instead: learning_rate={learning_rate!r}"
            ) from None
        var = Variable(np.float32(value), trainable=False, name=f"{self.name}/learning_rate")
        self._variables.insert(1, var)
        return var

    @property
    def learning_rate(self) -> Any:
        """The current learning rate: a float32 Variable, or the schedule's value at ``iterations``.

        Settable: ``opt.learning_rate = 0.5`` changes the value without recompiling.
        """
        lr = self._learning_rate
        if isinstance(lr, schedules_lib.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable):
            return lr
        return lr()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        current = self._learning_rate
        if isinstance(value, schedules_lib.LearningRateSchedule) or (
            callable(value) and not isinstance(value, (TensorBase, VariableBase))
        ):
            if isinstance(current, Variable):
                self._variables.remove(current)
            self._learning_rate = value
            self._fns.clear()
            self._plans.clear()
            return
        if isinstance(current, schedules_lib.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` constructor "
                "argument, hence its learning rate is not settable. If you need the learning rate to be settable, "
                "you should instantiate the optimizer with a float `learning_rate` argument."
            )
        if isinstance(current, Variable):
            current._assign_array(jnp.asarray(np.float32(float(cast(Any, value)))))
        else:
            self._learning_rate = self._make_learning_rate(value)
            self._fns.clear()
            self._plans.clear()

    @property
    def iterations(self) -> Variable:
        """The number of updates applied so far (an int64 Variable)."""
        return self._iterations

    @property
    def variables(self) -> list[Variable]:
        """The optimizer's own Variables: ``iterations``, the learning rate, then every slot."""
        return list(self._variables)

    # -- subclass interface -------------------------------------------------------------------------
    def _transform(self) -> transforms.Rule:
        raise NotImplementedError

    def _slot_names(self) -> tuple[str, ...]:
        raise NotImplementedError

    # -- building ----------------------------------------------------------------------------------
    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates the slots of ``var_list`` (done automatically by the first ``apply_gradients``)."""
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"{type(self).__name__}.build expects tf.Variable objects, got {type(v).__name__}.")
        self._create_slots(var_list)
        if not self.built:
            self._trainable_variables = var_list
            self.__dict__["built"] = True

    def _create_slots(self, variables: Sequence[Variable]) -> None:
        new = [v for v in variables if v._uid not in self._slots]
        if not new:
            return
        for v in new:
            if not _is_float_dtype(v._value.dtype):
                raise ValueError(
                    f"{type(self).__name__}: cannot optimize Variable '{v.name}' of dtype {v.dtype.name}: "
                    "only floating-point Variables can be trained."
                )
        tx = self._transform()
        # Slots start from the variables' shapes and dtypes only, computed eagerly even when the first
        # apply_gradients runs inside tf.function (the Variables then hold tracers).
        with jax.ensure_compile_time_eval():
            protos = {v._uid: _concrete_like(v._value) for v in new}
            if self._glob is None:
                glob = cast(transforms.KerasState, tx.init(tuple(protos.values()))).glob
                glob_names = self._glob_names + tuple(f"global_{i}" for i in range(len(self._glob_names), len(glob)))
                self._glob = tuple(
                    Variable(a, trainable=False, name=f"{self.name}/{n}")
                    for n, a in zip(glob_names, glob, strict=False)
                )
                self._variables.extend(self._glob)
            names = self._slot_names() + (("average",) if self.use_ema else ())
            per_var: dict[int, list[Variable]] = {}
            init = {uid: cast(transforms.KerasState, tx.init((p,))).slots[0] for uid, p in protos.items()}
            # Keras 3's order in `variables` (as in TF 2.21): per variable, its slots in turn.
            for v in new:
                for j, slot_name in enumerate(names):
                    arrays = init[v._uid]
                    value = arrays[j] if j < len(arrays) else transforms.full_like(protos[v._uid])
                    base = v.name.replace("/", "_").replace(":", "_")
                    slot = Variable(value, trainable=False, name=f"{self.name}/{base}_{slot_name}")
                    per_var.setdefault(v._uid, []).append(slot)
                    self._variables.append(slot)
        for v in new:
            self._slots[v._uid] = tuple(per_var.get(v._uid, ()))
            self._refs[v._uid] = weakref.ref(v, _forget(self, v._uid))

    def _drop_variable(self, uid: int) -> None:
        slots = self._slots.pop(uid, ())
        dead = {id(s) for s in slots}
        self._variables = [v for v in self._variables if id(v) not in dead]
        self._refs.pop(uid, None)
        self._plans.clear()

    def _own_variables(self) -> tuple[Variable, ...]:
        lr = self._learning_rate
        return (self._iterations, lr) if isinstance(lr, Variable) else (self._iterations,)

    # -- weight decay -------------------------------------------------------------------------------
    def exclude_from_weight_decay(
        self, var_list: Sequence[Variable] | None = None, var_names: Sequence[str] | None = None
    ) -> None:
        """Exempts Variables (or any whose name contains one of ``var_names``) from weight decay.

        Raises:
          ValueError: if called after the optimizer is built.
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._wd_exclude_ids = {v._uid for v in var_list or ()}
        self._wd_exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, v: Variable) -> bool:
        if v._uid in self._wd_exclude_ids:
            return False
        return not (self._wd_exclude_pattern is not None and self._wd_exclude_pattern.search(v.name))

    # -- applying -----------------------------------------------------------------------------------
    def apply_gradients(
        self, grads_and_vars: Iterable[tuple[Any, Variable]], name: str | None = None, **kwargs: Any
    ) -> Variable:
        """Applies one update step: ``grads_and_vars`` is any iterable of ``(gradient, Variable)``.

        Gradients may be Tensors, arrays or ``tf.IndexedSlices``; ``None`` gradients are skipped with
        a warning, as in Keras. Floating gradients of another dtype are cast to the Variable's dtype.

        Returns:
          the ``iterations`` Variable (incremented).

        Raises:
          ValueError: if every gradient is ``None``, or a gradient's shape or dtype does not fit its
            Variable (then nothing is updated).
          TypeError: if an entry is not a ``(gradient, Variable)`` pair.
        """
        grads: list[Any] = []
        variables: list[Variable] = []
        missing: list[str] = []
        for pair in grads_and_vars:
            try:
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError(
                    f"{type(self).__name__}.apply_gradients expects (gradient, variable) pairs, e.g. "
                    f"zip(grads, variables); got {pair!r}."
                ) from None
            if not isinstance(v, Variable):
                raise TypeError(
                    f"{type(self).__name__}.apply_gradients: the second element of each pair must be a tf.Variable, "
                    f"got {type(v).__name__}. (Did you swap the order? Keras expects (gradient, variable).)"
                )
            if g is None:
                missing.append(v.name)
                continue
            grads.append(g)
            variables.append(v)
        if not variables:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument?",
                UserWarning,
                stacklevel=2,
            )
        replica = distribute_context.in_replica_step()
        if replica is not None:  # inside strategy.run: the replicas' gradients are summed (all-reduce), as TF
            grads = replica.all_reduce(replica._gradient_reduce, grads)
        self._apply(grads, variables)
        for v in variables:  # Keras projects constrained weights (layer weights' `constraint`) after the update
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))
        return self._iterations

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        """Keras 3's ``apply(grads, trainable_variables)``; without variables, uses the built ones."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"When passing `grads` as a list of gradient tensors, the gradients must match "
                    f"`optimizer.variables` one-to-one. Received a list of {len(grads)} gradients, but the optimizer "
                    f"is tracking {len(self._trainable_variables)} trainable variables."
                )
            trainable_variables = self._trainable_variables
        self.apply_gradients(zip(grads, trainable_variables, strict=True))

    def minimize(
        self, loss: Any, var_list: Any, grad_loss: Any = None, name: str | None = None, tape: Any = None
    ) -> Variable:
        """Computes the gradients of ``loss`` and applies them (the TF 2.x Keras-2 ``minimize``).

        Args:
          loss: a callable taking no arguments that returns the loss, or a loss Tensor (then
            ``tape`` is required: the GradientTape that recorded it).
          var_list: the Variables to update, or a callable returning them.
          grad_loss: optional gradient of the loss (``output_gradients``).
          name: ignored.
          tape: the GradientTape that recorded a Tensor ``loss``.

        Returns:
          the ``iterations`` Variable.

        Differences from TensorFlow: Keras 3 removed ``minimize``; this is the TF 2.x signature.

        >>> import tapejax as tf
        >>> x = tf.Variable(10.0)
        >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
        >>> _ = opt.minimize(lambda: x * x, [x])
        >>> float(x)
        8.0
        """
        from tapejax._src.tape import GradientTape

        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            with GradientTape() as tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss_value = loss()
                if callable(var_list):
                    var_list = var_list()
        else:
            loss_value = loss() if callable(loss) else loss
            if callable(var_list):
                var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss_value, var_list, grad_loss)
        return self.apply_gradients(zip(grads, var_list, strict=True))

    def _grad_array(self, g: Any, v: Variable) -> Any:
        """The gradient as an array (or ``(values, indices)`` for IndexedSlices), checked against ``v``."""
        va = v._value
        if isinstance(g, (TensorBase, VariableBase)):
            ga = g._value
        elif isinstance(g, IndexedSlices):
            return self._sparse_arrays(g, v)
        else:
            try:
                ga = convert_python(g, None, "apply_gradients")
            except (TypeError, ValueError) as e:
                raise ValueError(f"apply_gradients: the gradient of Variable '{v.name}' is not a tensor: {e}") from None
        if ga.shape != va.shape:
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: shape mismatch: the gradient for Variable '{v.name}' has "
                f"shape {TensorShape(ga.shape)}, the variable has shape {TensorShape(va.shape)}. Nothing was updated."
            )
        if ga.dtype != va.dtype and not _is_float_dtype(ga.dtype):
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: dtype mismatch: the gradient for Variable '{v.name}' is "
                f"{np.dtype(ga.dtype).name}, the variable is {np.dtype(va.dtype).name}. Nothing was updated."
            )
        return ga

    def _sparse_arrays(self, g: IndexedSlices, v: Variable) -> tuple[Any, Any]:
        va = v._value
        values = g.values._value if isinstance(g.values, (TensorBase, VariableBase)) else jnp.asarray(g.values)
        indices = g.indices._value if isinstance(g.indices, (TensorBase, VariableBase)) else jnp.asarray(g.indices)
        dense_shape = g.dense_shape._value if isinstance(g.dense_shape, (TensorBase, VariableBase)) else g.dense_shape
        if dense_shape is not None and not isinstance(dense_shape, jax.core.Tracer):  # (traced: tf.function)
            dense = tuple(int(d) for d in np.asarray(dense_shape))
            if dense != va.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply_gradients: shape mismatch: the IndexedSlices gradient for Variable "
                    f"'{v.name}' has dense_shape {list(dense)}, the variable has shape {list(va.shape)}. Nothing was updated."
                )
        if (
            indices.ndim != 1
            or values.ndim != va.ndim
            or values.shape[1:] != va.shape[1:]
            or values.shape[0] != indices.shape[0]
            or not jnp.issubdtype(indices.dtype, jnp.integer)
        ):
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: the IndexedSlices gradient for Variable '{v.name}' "
                f"(values {list(values.shape)}, indices {np.dtype(indices.dtype).name}{list(indices.shape)}) does not "
                f"fit the variable's shape {list(va.shape)}. Nothing was updated."
            )
        if not _is_float_dtype(values.dtype):
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: dtype mismatch: the gradient for Variable '{v.name}' is "
                f"{np.dtype(values.dtype).name}, the variable is {np.dtype(va.dtype).name}. Nothing was updated."
            )
        return values, indices

    def _apply(self, grads: list[Any], variables: list[Variable]) -> None:
        arrays = [self._grad_array(g, v) for g, v in zip(grads, variables, strict=True)]
        key = tuple(v._uid for v in variables)
        plan = self._plans.get(key)
        if plan is None:
            if len(set(key)) != len(key):
                names = [v.name for v in variables]
                raise ValueError(
                    f"{type(self).__name__}.apply_gradients: a Variable appears more than once in {names}."
                )
            if not self.built:
                self.build(variables)
            plan = self._make_plan(tuple(variables))
            self._plans[key] = plan
        self._execute(plan, variables, arrays)

    def _lr_mode(self) -> str:
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return "variable"
        if isinstance(lr, schedules_lib._JaxSchedule) and type(lr).__call__ is schedules_lib._JaxSchedule.__call__:
            return "schedule"
        return "host"

    def _lr_input(self, mode: str) -> Any:
        if mode == "variable":
            return cast(Variable, self._learning_rate)._value
        if mode == "schedule":
            return None
        lr = self._learning_rate
        value = lr(self._iterations) if isinstance(lr, schedules_lib.LearningRateSchedule) else lr()
        # Keras casts the value straight to each variable's dtype: a float64 tensor reaches a float64
        # variable unrounded, a Python float through float32 (``tf.cast`` of a Python float).
        if isinstance(value, (TensorBase, VariableBase)):
            value = value._value
        if jnp.issubdtype(getattr(value, "dtype", np.int32), jnp.floating):
            return value
        if isinstance(value, jax.Array):
            return value.astype(jnp.float32)
        return np.float32(cast(Any, value))

    def _make_plan(self, variables: tuple[Variable, ...]) -> _Plan:
        self._create_slots(variables)
        wd_mask = tuple(self.weight_decay is not None and self._use_weight_decay(v) for v in variables)
        mode = self._lr_mode()
        entry = self._fns.get((wd_mask, mode))
        if entry is None:
            entry = self._fns[(wd_mask, mode)] = (functools.partial(self._pure_step, wd_mask=wd_mask, lr_mode=mode), {})
        return _Plan(tuple(self._slots[v._uid] for v in variables), *entry, key=self._program_key(wd_mask, mode))

    def _program_key(self, wd_mask: tuple[bool, ...], lr_mode: str) -> Any:
        """What ``_pure_step``'s trace reads besides its arguments, for ``executable_cache`` (None: not
        cached): the class, every attribute but the optimizer's own state, and the built-in schedule.

        Only tapejax's own classes: their code is keyed by tapejax's source files (a subclass defined
        elsewhere could change its rule between runs with no key changing). Every attribute is keyed,
        public or not, except the state listed in ``_PROGRAM_STATE`` (Variables, slots and caches,
        which reach the trace as arguments or not at all); an attribute without a stable description
        (an object, a callable, a Tensor) leaves the update uncached. A learning rate Variable or a
        callable called on the host is an argument; a built-in schedule traced into the update is keyed
        by its class and attributes.
        """
        cls = type(self)
        if not cls.__module__.startswith("tapejax.") or "<" in cls.__qualname__:
            return None
        state = {k: v for k, v in self.__dict__.items() if k not in _PROGRAM_STATE}
        schedule = None
        if lr_mode == "schedule":
            lr = type(self._learning_rate)
            if not lr.__module__.startswith("tapejax.") or "<" in lr.__qualname__:
                return None
            attrs = {k: v for k, v in vars(self._learning_rate).items() if k != "_compiled"}
            schedule = (f"{lr.__module__}:{lr.__qualname__}", sorted(attrs.items()))
        return (
            "optimizer-update",
            f"{cls.__module__}:{cls.__qualname__}",
            sorted(state.items()),
            lr_mode,
            wd_mask,
            schedule,
        )

    def _execute(self, plan: _Plan, variables: list[Variable], grads: list[Any]) -> None:
        glob = self._glob or ()
        if tape_state.tapes:
            _announce(variables, *plan.slot_groups, glob, self._own_variables())
        lr = self._lr_input(self._lr_mode())  # (may run a schedule's Python code: before the checks below)
        params = [v._value for v in variables]
        slots = [s._value for group in plan.slot_groups for s in group]
        # The old weights and slots are donated to XLA when nothing else holds them, so an update
        # keeps one copy of each (the new values reuse the buffers).
        donate = (0,) if donatable(params) else ()
        if slots and donatable(slots):
            donate = (*donate, 2)
        del slots
        new_params, new_slots, new_glob, new_iterations = plan.run(
            donate,
            (
                tuple(params),
                tuple(grads),
                tuple([tuple([s._value for s in group]) for group in plan.slot_groups]),
                tuple([g._value for g in glob]),
                lr,
                self._iterations._value,
            ),
        )
        del params
        for v, a in zip(variables, new_params, strict=True):
            v._assign_array(a)
        for group, arrays in zip(plan.slot_groups, new_slots, strict=True):
            for s, a in zip(group, arrays, strict=True):
                s._assign_array(a)
        for g, a in zip(glob, new_glob, strict=True):
            g._assign_array(a)
        self._iterations._assign_array(new_iterations)

    def _learning_rate_in_trace(self, lr_in: Any, iterations: Any, lr_mode: str) -> Any:
        if lr_mode == "schedule":
            return cast(schedules_lib._JaxSchedule, self._learning_rate)._lr_at(iterations)
        return lr_in

    def _preprocess(self, params: Sequence[Any], grads: Sequence[Any]) -> list[Any]:
        """Densifies IndexedSlices, unscales and clips the gradients (inside the trace)."""
        dense = [_densify(g, p) for g, p in zip(grads, params, strict=True)]
        if self.loss_scale_factor is not None:
            dense = [g / self.loss_scale_factor for g in dense]
        clip = transforms.keras_clip(self.clipnorm, self.clipvalue, self.global_clipnorm)
        return list(cast(list[Any], clip.update(dense, clip.init(dense))[0]))

    def _sparse_rows(self, params: Sequence[Any], grads: Sequence[Any]) -> list[Any] | None:
        """Per parameter, None or the squared and absolute rows of its IndexedSlices gradient, summed
        per index, for Keras's rules (see ``transforms._square_of``); None without sparse gradients
        or with clipping (then IndexedSlices follow the dense rule, see the class docstring)."""
        if not any(isinstance(g, tuple) for g in grads):
            return None
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            return None
        rows: list[Any] = []
        for g, p in zip(grads, params, strict=True):
            if not isinstance(g, tuple):
                rows.append(None)
                continue
            values, indices = g
            if self.loss_scale_factor is not None:
                values = values / self.loss_scale_factor
            values = values.astype(p.dtype)  # (Keras casts to the variable's dtype first, then squares)
            rows.append((_densify((jnp.square(values), indices), p), _densify((jnp.abs(values), indices), p)))
        return rows

    def _pure_step(
        self,
        params: tuple[Any, ...],
        grads: tuple[Any, ...],
        slots: tuple[tuple[Any, ...], ...],
        glob: tuple[Any, ...],
        lr_in: Any,
        iterations: Any,
        *,
        wd_mask: tuple[bool, ...],
        lr_mode: str,
    ) -> tuple[Any, ...]:
        grads_list = self._preprocess(params, grads)
        lr = self._learning_rate_in_trace(lr_in, iterations, lr_mode)
        params_list = list(params)
        if self.weight_decay is not None:
            for i, p in enumerate(params_list):
                if wd_mask[i]:
                    wd = transforms.keras_cast(self.weight_decay, p.dtype)
                    params_list[i] = p - p * wd * jnp.asarray(lr).astype(p.dtype)
        n = len(self._slot_names())
        rule_slots = tuple(s[:n] for s in slots)
        tx = self._transform()
        deltas, new_state = tx.update(
            grads_list,
            transforms.KerasState(glob, rule_slots),
            params_list,
            learning_rate=lr,
            step=iterations,
            sparse_rows=self._sparse_rows(params, grads),
        )
        state = cast(transforms.KerasState, new_state)
        new_params = [p + d for p, d in zip(params_list, cast(list[Any], deltas), strict=True)]
        new_slots = list(state.slots)
        if self.use_ema:
            new_params, averages = self._ema(new_params, [s[n] for s in slots], iterations)
            new_slots = [(*s, a) for s, a in zip(new_slots, averages, strict=True)]
        return tuple(new_params), tuple(new_slots), state.glob, iterations + 1

    def _ema(self, params: list[Any], averages: list[Any], iterations: Any) -> tuple[list[Any], list[Any]]:
        new_averages = []
        for p, avg in zip(params, averages, strict=True):
            momentum = (iterations != 0).astype(p.dtype) * self.ema_momentum
            new_averages.append(momentum * avg + (1 - momentum) * p)
        if self.ema_overwrite_frequency:
            overwrite = (iterations + 1) % self.ema_overwrite_frequency == 0
            params = [jnp.where(overwrite, a, p) for p, a in zip(params, new_averages, strict=True)]
        return params, new_averages

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With ``use_ema``, overwrites each Variable with its moving average (Keras does this after fit)."""
        if not self.use_ema:
            return
        for v in var_list:
            slots = self._slots.get(v._uid)
            if slots is not None:
                v._assign_array(slots[-1]._value)

    # -- config ------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The optimizer's hyperparameters as a dict (``from_config`` rebuilds an unbuilt copy)."""
        lr = self._learning_rate
        if isinstance(lr, schedules_lib.LearningRateSchedule):
            learning_rate: Any = schedules_lib.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(np.asarray(lr._value))
        else:
            learning_rate = lr
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            **{key: getattr(self, key) for key in self._config_keys},
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
        """Creates an optimizer from ``get_config()``'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules_lib.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} iterations={int(np.asarray(self._iterations._value))}>"


def _concrete_like(value: Any) -> Any:
    """``value`` itself, or zeros of its shape and dtype if it is a tracer (inside tf.function)."""
    return jnp.zeros(value.shape, value.dtype) if isinstance(value, jax.core.Tracer) else value


def _announce(*groups: Sequence[Variable]) -> None:
    """Tells the active tf.function traces which Variables this update reads and writes.

    The update reads and writes Variables directly (not through ops), so ``tf.function`` would not
    see them: it would bake their values in as constants. Announced, they are lifted to inputs and
    outputs of the compiled function like Variables assigned by ops.
    """
    hooks = [h for h in (getattr(t, "_on_assign", None) for t in tape_state.tapes) if h is not None]
    if hooks:
        for group in groups:
            for v in group:
                for hook in hooks:
                    hook(v)


def _forget(opt: Optimizer, uid: int) -> Callable[[Any], None]:
    """A weakref callback dropping a dead Variable's slots, without keeping the optimizer alive."""
    opt_ref = weakref.ref(opt)

    def callback(_: Any) -> None:
        o = opt_ref()
        if o is not None:
            o._drop_variable(uid)

    return callback


def _densify(g: Any, p: Any) -> Any:
    if isinstance(g, tuple):
        values, indices = g
        # (rows in the variable's dtype before duplicates add up, as Keras: float16 rows can overflow)
        return jnp.zeros(p.shape, p.dtype).at[indices].add(values.astype(p.dtype))
    return g
