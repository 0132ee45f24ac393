"""AutoGraph's run-time operators: the calls converted code makes (``ag__.if_stmt`` ...).

Each operator decides when it runs, from the values it gets: a Python value keeps Python's
semantics (a Python ``if`` on a Python bool runs one branch), a tensor traced by ``tf.function``
becomes ``tf.cond`` / ``tf.while_loop`` (tapejax's, in ``control_flow``). The loop state travels
through ``get_state`` / ``set_state`` closures over the converted function's variables, as in TF's
``autograph/operators/control_flow.py``; the error messages are TF 2.21's.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import jax

from tapejax._src import control_flow, random_state
from tapejax._src.core import TensorBase, VariableBase, tape_state
from tapejax._src.function import _Discovery, _is_traced, in_trace

_UNSPECIFIED = object()


class Undefined:
    """A variable that is not assigned yet on this path (TF's ``variables.Undefined``)."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str) -> None:
        self.symbol_name = symbol_name

    def read(self) -> Any:
        raise UnboundLocalError(f"'{self.symbol_name}' is used before assignment")

    def __repr__(self) -> str:
        return self.symbol_name


class UndefinedReturnValue:
    """The return value of a function before a ``return`` ran (TF's ``UndefinedReturnValue``)."""


def ld(v: Any) -> Any:
    """Loads a variable: an :class:`Undefined` one raises ``UnboundLocalError``, as Python would."""
    if isinstance(v, Undefined):
        return v.read()
    return v


def ldu(load_v: Callable[[], Any], name: str) -> Any:
    """Loads a variable that may not exist (yet): :class:`Undefined` then."""
    try:
        return load_v()
    except (KeyError, AttributeError, NameError):
        return Undefined(name)


def autograph_artifact(f: Any) -> Any:
    """Marks a function defined inside converted code as converted already (calls of it run it as is)."""
    f.__tapejax_autograph_converted__ = True
    return f


def ret(retval: Any, do_return: Any) -> Any:
    """The converted function's return value: ``None`` where no ``return`` ran."""
    del do_return
    return None if isinstance(retval, UndefinedReturnValue) else retval


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (TensorBase, VariableBase))


def _is_symbolic(x: Any) -> bool:
    """A tensor whose value is only known when the compiled program runs (TF's graph tensor)."""
    return _is_tensor(x) and _is_traced(x)


# ---------------------------------------------------------------------------------------------
# Logical expressions


def not_(a: Any) -> Any:
    """``not a``: ``tf.logical_not`` for a tensor."""
    if _is_tensor(a):
        from tapejax._src.ops.math_ops import logical_not

        return logical_not(a)
    return not a


def and_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """``a and b``, lazy as in Python: for a symbolic tensor ``a``, ``tf.cond(a, b, lambda: a)``.

    >>> and_(lambda: 0, lambda: 1 / 0)  # a Python value: the second operand never runs
    0
    """
    a_val = a()
    if _is_symbolic(a_val):
        return control_flow.cond(a_val, b, lambda: a_val)
    return a_val and b()


def or_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """``a or b``, lazy as in Python: for a symbolic tensor ``a``, ``tf.cond(a, lambda: a, b)``."""
    a_val = a()
    if _is_symbolic(a_val):
        return control_flow.cond(a_val, lambda: a_val, b)
    return a_val or b()


def if_exp(cond: Any, if_true: Callable[[], Any], if_false: Callable[[], Any], expr_repr: str) -> Any:
    """``x if cond else y``: ``tf.cond`` for a symbolic tensor condition."""
    if _is_symbolic(cond):
        cond = _verify_condition(cond, f"if expression ({expr_repr})")
        return control_flow.cond(cond, if_true, if_false)
    return if_true() if cond else if_false()


def _verify_condition(cond: Any, tag: str) -> Any:
    """TF's check that a traced condition is a scalar ``tf.bool`` (any shape of one element)."""
    from tapejax._src.ops.array_ops import reshape

    hint = "to check for None, use `is not None`"
    if cond.dtype.name != "bool":
        raise ValueError(
            f"condition of {tag} expected to be `tf.bool` scalar, got {cond}; to use as boolean Tensor, "
            f"use `tf.cast`; {hint}"
        )
    if len(cond.shape) > 0:
        n = 1
        for d in cond.shape:
            n *= int(d)
        if n > 1:
            raise ValueError(f"condition of {tag} expected to be `tf.bool` scalar, got {cond}; {hint}")
        cond = reshape(cond, ())
    return cond


# ---------------------------------------------------------------------------------------------
# Checks of the state variables (TF's messages)


def _is_none_or_undef(v: Any) -> bool:
    return v is None or isinstance(v, (Undefined, UndefinedReturnValue))


def _leaves(x: Any) -> tuple[list[Any], Any]:
    return jax.tree_util.tree_flatten(x, is_leaf=lambda v: _is_tensor(v) or _is_none_or_undef(v))


def _as_tensor(x: Any) -> Any:
    from tapejax._src.ops.array_ops import convert_to_tensor

    return x if _is_tensor(x) else convert_to_tensor(x)


def _dtype_and_shape(x: Any) -> tuple[Any, Any] | None:
    if isinstance(x, (bool, int, float)) or (hasattr(x, "dtype") and hasattr(x, "shape")):
        t = _as_tensor(x)
        return t.dtype, t.shape
    return None


def _verify_cond_vars(body_vars: tuple[Any, ...], orelse_vars: tuple[Any, ...], names: tuple[str, ...]) -> None:
    for name, b, o in zip(names, body_vars, orelse_vars, strict=False):
        (bl, bt), (ol, ot) = _leaves(b), _leaves(o)
        if bt != ot:
            raise TypeError(
                f"'{name}' must have the same nested structure in the main and else branches:\n\n"
                f"The two structures don't have the same nested structure.\n\nFirst structure: {b}\n\n"
                f"Second structure: {o}"
            )
        for bv, ov in zip(bl, ol, strict=True):
            if bv is None:
                raise ValueError(f"'{name}' is None at the end of the main branch.")
            if ov is None:
                raise ValueError(f"'{name}' is None at the end of the else branch.")
            bs, os_ = _dtype_and_shape(bv), _dtype_and_shape(ov)
            if bs is None or os_ is None:
                continue
            if bs[0] != os_[0]:
                raise TypeError(
                    f"'{name}' has dtype {bs[0].name} in the main branch, but dtype {os_[0].name} in the else branch"
                )
            if tuple(bs[1]) != tuple(os_[1]):
                raise ValueError(
                    f"'{name}' has shape {bs[1]} in the main branch, but shape {os_[1]} in the else branch: "
                    "tapejax's tf.cond needs one shape for both branches (TF would give an unknown shape)."
                )


def _verify_branch_vars(vars_: tuple[Any, ...], names: tuple[str, ...], branch: str) -> None:
    for name, v in zip(names, vars_, strict=False):
        if isinstance(v, Undefined):
            raise ValueError(f"'{name}' must also be initialized in the {branch} branch")
        if isinstance(v, UndefinedReturnValue):
            raise ValueError(f"the {branch} branch must also have a return statement.")


def _verify_loop_init_vars(
    init_vars: tuple[Any, ...], names: tuple[str, ...], first_iter_vars: Any = None, extra: str | None = None
) -> None:
    for i, (name, v) in enumerate(zip(names, init_vars, strict=True)):
        if isinstance(v, UndefinedReturnValue):
            fi = None if first_iter_vars is None else first_iter_vars[i]
            if fi:
                raise ValueError(
                    "the return value from a TensorFlow loop may only be a (<class 'tensorflow.python.framework."
                    f"tensor.Tensor'>, <class 'int'>, <class 'float'>, <class 'bool'>); got {type(fi)}"
                )
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may happen if a return "
                "statement depends on a static Python condition such as a hyperparameter"
            )
        if v is None:
            raise ValueError(f"'{name}' is not allowed to be None before the loop")
        if isinstance(v, Undefined):
            raise ValueError(f"'{name}' must be defined before the loop" + (f"\n{extra}" if extra else ""))


def _verify_loop_vars(
    entry_vars: tuple[Any, ...], exit_vars: tuple[Any, ...], names: tuple[str, ...], opts: dict[str, Any]
) -> None:
    for name, entry, exit_ in zip(names, entry_vars, exit_vars, strict=True):
        (el, et), (xl, xt) = _leaves(entry), _leaves(exit_)
        if et != xt:
            raise TypeError(
                f"'{name}' does not have the same nested structure after one iteration.\n\n"
                f"The two structures don't have the same nested structure.\n\nFirst structure: {entry}\n\n"
                f"Second structure: {exit_}"
            )
        for e, x in zip(el, xl, strict=True):
            if x is None:
                raise ValueError(f"'{name}' is None at the end of the iteration.")
            es, xs = _dtype_and_shape(e), _dtype_and_shape(x)
            if es is None or xs is None:
                continue
            if es[0] != xs[0]:
                raise TypeError(
                    f"'{name}' has dtype {es[0].name} before the loop, but dtype {xs[0].name} after one iteration"
                )
            if tuple(es[1]) != tuple(xs[1]):
                raise ValueError(
                    f"'{name}' has shape {es[1]} before the loop, but shape {xs[1]} after one iteration. Use "
                    "tf.autograph.experimental.set_loop_options to set shape invariants."
                )


def _to_tensors(vals: tuple[Any, ...]) -> tuple[Any, ...]:
    """Python numbers in the state become tensors, as TF's cond and while_loop convert them."""
    leaves, tree = _leaves(vals)
    return jax.tree_util.tree_unflatten(
        tree, [_as_tensor(v) if isinstance(v, (bool, int, float)) else v for v in leaves]
    )


# ---------------------------------------------------------------------------------------------
# if


def if_stmt(
    cond: Any,
    body: Callable[[], None],
    orelse: Callable[[], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    symbol_names: tuple[str, ...],
    nouts: int,
) -> None:
    """An ``if`` statement: ``tf.cond`` on a symbolic tensor, Python's ``if`` otherwise."""
    if _is_symbolic(cond):
        _tf_if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts)
    elif cond:
        body()
    else:
        orelse()


def _tf_if_stmt(
    cond: Any,
    body: Callable[[], None],
    orelse: Callable[[], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    names: tuple[str, ...],
    nouts: int,
) -> None:
    cond = _verify_condition(cond, "if statement")
    init = get_state()
    main_out: list[Any] = []

    def branch(fn: Callable[[], None], label: str) -> Callable[[], Any]:
        def run() -> Any:
            set_state(init)
            fn()
            vals = get_state()
            _verify_branch_vars(vals, names, label)
            outs = _to_tensors(tuple(vals[:nouts]))
            if label == "main":
                main_out[:] = [outs]
            else:
                _verify_cond_vars(main_out[0], outs, names)
            return outs

        return run

    try:
        outs = control_flow.cond(cond, branch(body, "main"), branch(orelse, "else"))
    finally:
        set_state(init)
    set_state(tuple(outs) + tuple(init[nouts:]))


# ---------------------------------------------------------------------------------------------
# while


def while_stmt(
    test: Callable[[], Any],
    body: Callable[[], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    symbol_names: tuple[str, ...],
    opts: dict[str, Any],
) -> None:
    """A ``while`` statement: ``tf.while_loop`` when its condition is a symbolic tensor."""
    first = test()
    # Inside tf.function a tensor condition makes a loop even where its value is known (TF's graph
    # loop; unrolled, a long loop would bloat the program).
    if _is_symbolic(first) or (_is_tensor(first) and in_trace()):
        _tf_while_stmt(test, body, get_state, set_state, symbol_names, opts, first)
        return
    if not first:
        return
    body()
    while _py_condition(test()):
        body()


def _py_condition(value: Any) -> bool:
    if _is_symbolic(value):
        raise NotImplementedError(
            "The condition of while loop started as non-Tensor, then changed to Tensor. This may happen either "
            "because variables changed type, or when a break or return statement inside the loop depends on a "
            "Tensor condition. In both cases, changing to a TF loop should remove the error."
        )
    return bool(value)


def _placeholders_for_undefineds(
    body: Callable[[], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    init: tuple[Any, ...],
    nulls: list[bool],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """Zeros standing for the loop variables that are undefined before the loop, shaped as one staged
    iteration of ``body`` makes them (TF's ``_try_handling_undefineds``): the loop overwrites them
    before they are read."""
    from tapejax._src.ops.creation_ops import zeros

    first: list[Any] = []
    failure = None

    def stage(*arrays: Any) -> Any:
        # The Variables the staged iteration assigns, and the random state, are put back after it.
        discovery = _Discovery()
        saved_tapes = tape_state.tapes
        saved_key = random_state.GLOBAL._value
        tape_state.tapes = [discovery]  # type: ignore[list-item]
        try:
            set_state(_to_tensors(init))
            body()
            vals = get_state()
        finally:
            tape_state.tapes = saved_tapes
            random_state.GLOBAL._value = saved_key
            for k, v in discovery.variables.items():
                v._value = discovery.originals[k]
        leaves, tree = _leaves(vals)
        first.append((tree, leaves))
        return [x._value if _is_tensor(x) else None for x in leaves]

    try:
        jax.eval_shape(stage)
    except (UnboundLocalError, TypeError, ValueError, KeyError) as e:
        failure = f"Note: AutoGraph tried to define it automatically, but ran into a {type(e).__name__}: {e}"
    finally:
        set_state(init)
    if failure is not None or not first:
        _verify_loop_init_vars(init, names, None, failure)
        return init
    tree, leaves = first[0]
    per_var = jax.tree_util.tree_unflatten(tree, leaves)
    out = []
    for v, n, fi in zip(init, nulls, per_var, strict=True):
        fl, ft = _leaves(fi)
        if n and all(_is_tensor(x) or isinstance(x, (bool, int, float)) for x in fl):
            v = jax.tree_util.tree_unflatten(ft, [zeros(_as_tensor(x).shape, _as_tensor(x).dtype) for x in fl])
        out.append(v)
    _verify_loop_init_vars(tuple(out), names, per_var)
    return tuple(out)


def _tf_while_stmt(
    test: Callable[[], Any],
    body: Callable[[], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    names: tuple[str, ...],
    opts: dict[str, Any],
    first_test: Any,
) -> None:
    init = tuple(get_state())
    nulls = [_is_none_or_undef(v) for v in init]
    if any(nulls):
        init = _placeholders_for_undefineds(body, get_state, set_state, init, nulls, names)
    else:
        _verify_loop_init_vars(init, names)
    init = _to_tensors(init)
    # The loop must be traced even where no loop variable is (the condition reads a closed-over
    # tensor): the first condition value rides along as an extra loop variable then.
    carry_test = not any(_is_symbolic(x) for x in _leaves(init)[0])

    def cond_fn(*loop_vars: Any) -> Any:
        set_state(loop_vars[1:] if carry_test else loop_vars)
        return _verify_condition(_as_tensor(test()), "while loop")

    def body_fn(*loop_vars: Any) -> Any:
        vars_ = loop_vars[1:] if carry_test else loop_vars
        set_state(vars_)
        body()
        new = tuple(get_state())
        _verify_loop_vars(vars_, new, names, opts)
        new = _to_tensors(new)
        return (loop_vars[0], *new) if carry_test else new

    start = (_verify_condition(first_test, "while loop"), *init) if carry_test else init
    try:
        final = control_flow.while_loop(
            cond_fn,
            body_fn,
            start,
            maximum_iterations=opts.get("maximum_iterations"),
            parallel_iterations=opts.get("parallel_iterations", 10),
        )
    finally:
        set_state(init)
    final = tuple(final)
    set_state(final[1:] if carry_test else final)


# ---------------------------------------------------------------------------------------------
# for


class _Range:
    """``range`` / ``tf.range`` with a symbolic bound, iterated by a ``for`` without materializing it."""

    def __init__(self, start: Any, limit: Any, delta: Any) -> None:
        self.start, self.limit, self.delta = start, limit, delta


def for_iter(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
    """The iterable of a ``for`` statement: a ``range`` / ``tf.range`` call with a symbolic bound stays
    lazy (its length is only known at run time); anything else is :func:`converted_call`."""
    from tapejax._src.ops import creation_ops

    kwargs = kwargs or {}
    if (f is builtins.range or f is creation_ops.range) and any(_is_symbolic(a) for a in (*args, *kwargs.values())):
        if f is creation_ops.range:
            from tapejax._src.ops.math_ops import cast

            start, limit, delta = _range_args(*args, **kwargs)
            dtype = kwargs.get("dtype")
            if dtype is not None:
                start, limit, delta = (cast(_as_tensor(x), dtype) for x in (start, limit, delta))
            return _Range(start, limit, delta)
        return _Range(*_range_args(*args))
    return converted_call(f, args, kwargs)


def _range_args(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: Any = None) -> tuple:
    del dtype, name
    if limit is None:
        start, limit = 0, start
    return start, limit, delta


def for_stmt(
    iter_: Any,
    extra_test: Callable[[], Any] | None,
    body: Callable[[Any], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    symbol_names: tuple[str, ...],
    opts: dict[str, Any],
) -> None:
    """A ``for`` statement: over a tensor (its first dimension) or a symbolic range, a
    ``tf.while_loop``; over an object with ``_ag_for_stmt`` (``tf.data.Dataset``), that method;
    over anything else, Python's ``for``."""
    if hasattr(iter_, "_ag_for_stmt"):
        iter_._ag_for_stmt(extra_test, body, get_state, set_state, symbol_names, opts)
    elif isinstance(iter_, _Range):
        _tf_range_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts)
    elif _is_symbolic(iter_) or (_is_tensor(iter_) and in_trace()):
        _tf_tensor_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts)
    else:
        for target in iter_:
            if extra_test is not None:
                go = extra_test()
                if _is_symbolic(go):
                    raise NotImplementedError(
                        "break and return statements which depend on a TF condition are not supported in Python for "
                        "loops. Did you intend to make it a TF loop?"
                    )
                if not go:
                    break
            body(target)


def _tf_index_loop(
    n: Any,
    start: Any,
    delta: Any,
    item: Callable[[Any], Any],
    extra_test: Callable[[], Any] | None,
    body: Callable[[Any], None],
    get_state: Callable[[], tuple[Any, ...]],
    set_state: Callable[[tuple[Any, ...]], None],
    names: tuple[str, ...],
    opts: dict[str, Any],
    more: Callable[[Any], Any],
) -> None:
    """A ``for`` as a ``while`` over a hidden index (TF's ``_known_len_tf_for_stmt`` shape)."""
    index = start

    def aug_get_state() -> tuple[Any, ...]:
        return (index, *get_state())

    def aug_set_state(vals: tuple[Any, ...]) -> None:
        nonlocal index
        index, *rest = vals
        set_state(tuple(rest))

    def aug_body() -> None:
        nonlocal index
        body(item(index))
        index = index + delta

    def aug_test() -> Any:
        main = more(index)
        if extra_test is None:
            return main
        return control_flow.cond(main, lambda: _as_tensor(extra_test()), lambda: _as_tensor(False))

    opts = dict(opts)
    if isinstance(n, int) and opts.get("maximum_iterations") is None:
        opts["maximum_iterations"] = n  # a static trip count: the loop is a scan, reverse-differentiable
    _tf_while_stmt(aug_test, aug_body, aug_get_state, aug_set_state, ("<index>", *names), opts, _as_tensor(aug_test()))


def _tf_tensor_for_stmt(
    iter_: Any, extra_test: Any, body: Any, get_state: Any, set_state: Any, names: Any, opts: Any
) -> None:
    from tapejax._src.ops.array_ops import constant

    if len(iter_.shape) == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    n = int(iter_.shape[0])
    _tf_index_loop(
        n,
        constant(0),
        1,
        lambda i: iter_[i],
        extra_test,
        body,
        get_state,
        set_state,
        names,
        opts,
        lambda i: i < n,
    )


def _tf_range_for_stmt(
    r: _Range, extra_test: Any, body: Any, get_state: Any, set_state: Any, names: Any, opts: Any
) -> None:
    from tapejax._src.ops.math_ops import logical_and, logical_or

    start, limit, delta = (_as_tensor(x) for x in (r.start, r.limit, r.delta))
    if _is_tensor(r.start) or _is_tensor(r.limit) or _is_tensor(r.delta):
        dt = next(x.dtype for x in (r.start, r.limit, r.delta) if _is_tensor(x))
        from tapejax._src.ops.math_ops import cast

        start, limit, delta = (cast(x, dt) for x in (start, limit, delta))

    def more(i: Any) -> Any:
        return logical_or(logical_and(delta > 0, i < limit), logical_and(delta < 0, i > limit))

    _tf_index_loop(None, start, delta, lambda i: i, extra_test, body, get_state, set_state, names, opts, more)


# ---------------------------------------------------------------------------------------------
# Calls and builtins


def range_(start_or_stop: Any, stop: Any = _UNSPECIFIED, step: Any = _UNSPECIFIED) -> Any:
    """``range``: ``tf.range`` when an argument is a tensor (empty, not an error, where stop < start)."""
    args = [a for a in (start_or_stop, stop, step) if a is not _UNSPECIFIED]
    if any(_is_tensor(a) for a in args):
        from tapejax._src.ops.creation_ops import range as tf_range
        from tapejax._src.ops.math_ops import maximum

        if step is not _UNSPECIFIED:
            return tf_range(start_or_stop, stop, step)
        if stop is not _UNSPECIFIED:
            return tf_range(start_or_stop, maximum(start_or_stop, stop))
        return tf_range(start_or_stop)
    return builtins.range(*args)


def len_(s: Any) -> Any:
    """``len``: a tensor's static first dimension (TF's error for a scalar)."""
    if _is_tensor(s):
        if len(s.shape) == 0:
            raise ValueError(f"len requires a non-scalar tensor, got one of shape {s.shape}")
        return int(s.shape[0])
    return builtins.len(s)


def abs_(x: Any) -> Any:
    """``abs``: ``tf.abs`` on a tensor."""
    if _is_tensor(x):
        from tapejax._src.ops.math_ops import abs as tf_abs

        return tf_abs(x)
    return builtins.abs(x)


def int_(x: Any = 0, base: Any = _UNSPECIFIED) -> Any:
    """``int``: ``tf.cast(x, tf.int32)`` on a tensor."""
    if _is_tensor(x):
        from tapejax._src.ops.math_ops import cast

        return cast(x, "int32")
    return builtins.int(x) if base is _UNSPECIFIED else builtins.int(x, base)


def float_(x: Any = 0) -> Any:
    """``float``: ``tf.cast(x, tf.float32)`` on a tensor."""
    if _is_tensor(x):
        from tapejax._src.ops.math_ops import cast

        return cast(x, "float32")
    return builtins.float(x)


def _is_dataset(x: Any) -> bool:
    from tapejax._src.data.dataset import Dataset

    return isinstance(x, Dataset)


def enumerate_(s: Any, start: Any = 0) -> Any:
    """``enumerate``: ``dataset.enumerate(start)`` for a ``tf.data.Dataset`` (a dataset loop follows)."""
    if _is_dataset(s):
        return s.enumerate(start)
    return builtins.enumerate(s, start)


def zip_(*iterables: Any, strict: bool = False) -> Any:
    """``zip``: ``tf.data.Dataset.zip`` when every argument is a ``tf.data.Dataset``."""
    if iterables and all(_is_dataset(x) for x in iterables):
        if strict:
            raise ValueError("strict zip not supported by Dataset")
        from tapejax._src.data.dataset import Dataset

        return Dataset.zip(iterables)
    return builtins.zip(*iterables, strict=strict)


_BUILTINS = {
    builtins.range: range_,
    builtins.len: len_,
    builtins.abs: abs_,
    builtins.int: int_,
    builtins.float: float_,
    builtins.enumerate: enumerate_,
    builtins.zip: zip_,
}


def converted_call(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None, *_: Any) -> Any:
    """Calls ``f``, converted first where it is user code (TF's ``converted_call``)."""
    from tapejax._src.autograph import api

    kwargs = kwargs or {}
    try:
        overload = _BUILTINS.get(f)
    except TypeError:  # an unhashable callable
        overload = None
    if overload is not None:
        return overload(*args, **kwargs)
    return api.convert_callable(f)(*args, **kwargs)
