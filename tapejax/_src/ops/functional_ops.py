"""Higher-order functions (``tf.map_fn``, ``tf.scan``, ``tf.foldl``, ``tf.foldr``, ``tf.vectorized_map``,
``tf.switch_case``, ``tf.case``).

Eagerly, ``map_fn``/``scan``/``foldl``/``foldr`` are Python loops over the first dimension (each
step's ops recorded by tapes, as TF eager runs them). Inside ``tf.function`` (traced values) each is
ONE ``lax.scan``, an op tapes record, built as ``tf.while_loop`` is (see ``control_flow``: the
Variables a step reads are inputs of the op, those it assigns are carried and written back).
``vectorized_map`` is always one ``jax.vmap`` op; ``switch_case``/``case`` run the taken branch
eagerly and are one ``lax.switch`` op when traced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._src import control_flow, errors, nest
from tapejax._src import dtypes as dtypes_lib
from tapejax._src.control_flow import _reads, _traced_op, _untaped
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.ops import array_ops, shape_ops, utils
from tapejax._src.tensor import Tensor, _wrap


def _traced(x: Any) -> bool:
    return isinstance(getattr(x, "_v", None), jax.core.Tracer)  # pyright: ignore[reportAttributeAccessIssue]


def _tensors(structure: Any, what: str) -> tuple[list[Any], Any]:
    """The leaves of ``structure`` as tensors (Python values converted), and the structure."""
    leaves = nest.flatten(structure)
    return [utils.as_tensor(x, None, what) for x in leaves], structure


def _elems(elems: Any, what: str) -> tuple[list[Any], int]:
    leaves, _ = _tensors(elems, what)
    if not leaves:
        raise ValueError(f"{what}: elems must be a Tensor or a (possibly nested) sequence of Tensors, got {elems!r}.")
    for x in leaves:
        if not utils.shape_of(x):
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    n = utils.shape_of(leaves[0])[0]
    for x in leaves[1:]:
        if utils.shape_of(x)[0] != n:
            raise ValueError(
                f"{what}: all elems must have the same first dimension, got shapes "
                f"{[list(utils.shape_of(t)) for t in leaves]}."
            )
    return leaves, n


def _arrays(structure: Any) -> tuple[list[Any], Any]:
    leaves = nest.flatten(structure)
    return [utils.as_tensor(x)._value for x in leaves], structure


def _loop(
    step: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: list[Any],
    xs_structure: Any,
    n: int,
    reverse: bool,
) -> tuple[Any, list[Any] | None, Any]:
    """Runs ``carry, y = step(carry, x_i)`` over the rows of ``xs``.

    Returns the final carry and either (eagerly) the list of per-step ``y`` or (traced) None and
    the stacked ``y`` leaves as one structure.
    """
    init_leaves, _ = _tensors(init, "scan")
    if not any(_traced(x) for x in [*init_leaves, *xs]):
        rows = [array_ops.unstack(x) for x in xs]
        carry, ys = init, [None] * n
        for i in reversed(range(n)) if reverse else range(n):
            carry, ys[i] = step(carry, nest.pack_sequence_as(xs_structure, [r[i] for r in rows]))
        return carry, ys, None
    init_vals = [x._value for x in init_leaves]
    x_vals = [x._value for x in xs]
    nc, nx = len(init_vals), len(x_vals)

    def body(*arrays: Any) -> tuple[Any, ...]:
        carry = nest.pack_sequence_as(init, [_wrap(a) for a in arrays[:nc]])
        row = nest.pack_sequence_as(xs_structure, [_wrap(a) for a in arrays[nc:]])
        new, y = step(carry, row)
        nest.assert_same_structure(init, new)
        c_arrs, _ = _arrays(new)
        y_arrs, _ = _arrays(y)
        return (*c_arrs, *y_arrs), y

    # The Variables the step reads are inputs of the op, those it assigns carried (control_flow).
    avals = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in init_vals]
    avals += [jax.ShapeDtypeStruct(v.shape[1:], v.dtype) for v in x_vals]
    fns = control_flow._Functions([body], avals, "scan")
    b_fn, consts, written = fns.fns[0], fns.consts[0], fns.written
    ns, nw = len(fns.state), sum(written)

    def impl(*args: Any) -> Any:
        state, seq, st, cs = args[:nc], args[nc : nc + nx], args[nc + nx : nc + nx + ns], args[nc + nx + ns :]
        fixed = [a for a, w in zip(st, written, strict=True) if not w]

        def f(carry: Any, x: Any) -> Any:
            it_c, it_f = iter(carry[nc:]), iter(fixed)
            full = [next(it_c) if w else next(it_f) for w in written]
            out = b_fn(*carry[:nc], *x, *full, *cs)
            k = len(out) - nw
            return (*out[:nc], *out[k:]), tuple(out[nc:k])

        carried = [a for a, w in zip(st, written, strict=True) if w]
        carry, ys = jax.lax.scan(f, (*state, *carried), tuple(seq), length=n, reverse=reverse)
        return (*carry[:nc], *ys, *carry[nc:])

    out = control_flow._bind("Scan", impl, [*init_leaves, *xs, *fns.inputs()], consts, variables=fns.const_vars)
    fns.write_back(out[len(out) - nw :])
    carry = nest.pack_sequence_as(init, out[:nc])
    return carry, None, nest.pack_sequence_as(fns.trees[0], out[nc : len(out) - nw])


def _stack(ys: list[Any], like: Any) -> Any:
    flat = [nest.flatten(y) for y in ys]
    return nest.pack_sequence_as(like, [shape_ops.stack(list(col)) for col in zip(*flat, strict=True)])


def _signature_dtypes(signature: Any) -> list[Any]:
    return [getattr(s, "dtype", s) for s in nest.flatten(signature)]


def _check_output(y: Any, signature: Any) -> None:
    """TF's map_fn checks each result against ``fn_output_signature`` (default: elems' structure)."""
    try:
        nest.assert_same_structure(signature, y)
    except (ValueError, TypeError):
        raise ValueError(
            f"The two structures don't have the same nested structure: fn_output_signature {signature!r} and the "
            f"output of fn {y!r}."
        ) from None
    for got, want in zip(nest.flatten(y), _signature_dtypes(signature), strict=True):
        got_dtype = utils.as_tensor(got).dtype
        if want is not None and got_dtype != dtypes_lib.as_dtype(want):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray dtype is {dtypes_lib.as_dtype(want).name} but Op is trying to write dtype "
                f"{got_dtype.name} (map_fn: pass fn_output_signature when fn's output dtype differs from elems').",
            )


def map_fn(
    fn: Callable[..., Any],
    elems: Any,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: str | None = None,
    fn_output_signature: Any = None,
) -> Any:
    """Applies ``fn`` to each slice of ``elems`` along its first dimension and stacks the results (``tf.map_fn``).

    ``elems`` may be a nest of tensors with one first dimension; ``fn`` receives the same nest of
    rows. Its output must match ``fn_output_signature`` (dtypes or ``tf.TensorSpec``s, nested as
    the output), which defaults to ``elems``' structure and dtypes.

    Raises:
      ValueError: for scalar elems, or an output whose structure differs from the signature.
      InvalidArgumentError: for an output whose dtype differs from the signature.

    >>> import tapejax as tf
    >>> print(tf.map_fn(lambda r: tf.reduce_sum(r), tf.constant([[1, 2], [3, 4]])))
    tf.Tensor([3 7], shape=(2,), dtype=int32)
    """
    leaves, n = _elems(elems, "map_fn")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    if signature is None:
        signature = nest.pack_sequence_as(elems, [x.dtype for x in leaves])

    def step(carry: Any, row: Any) -> tuple[Any, Any]:
        y = fn(row)
        _check_output(y, signature)
        return carry, y

    if n == 0:
        return nest.pack_sequence_as(
            signature,
            [
                Tensor(jnp.zeros((0, *(getattr(s, "shape", None) or ())), dtypes_lib.as_dtype(d)._np))
                for s, d in zip(nest.flatten(signature), _signature_dtypes(signature), strict=True)
            ],
        )
    _, ys, stacked = _loop(step, (), leaves, nest.pack_sequence_as(elems, leaves), n, reverse=False)
    return stacked if ys is None else _stack(ys, ys[0])


def _first(leaves: list[Any], structure: Any, n: int, last: bool, what: str) -> tuple[Any, list[Any]]:
    """The first (last) row of the elems as the initial accumulator, and the remaining elems."""
    if n == 0:
        raise errors.OutOfRangeError(None, None, f"{what}: Tried to read from index 0 but array size is: 0")
    if last:
        return nest.pack_sequence_as(structure, [x[-1] for x in leaves]), [x[:-1] for x in leaves]
    return nest.pack_sequence_as(structure, [x[0] for x in leaves]), [x[1:] for x in leaves]


def _carry_init(initializer: Any) -> Any:
    return nest.pack_sequence_as(initializer, _tensors(initializer, "scan")[0])


def scan(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: str | None = None,
) -> Any:
    """Stacks the accumulators ``a_i = fn(a_{i-1}, elems[i])`` (``tf.scan``).

    Without ``initializer``, ``a_0`` is ``elems[0]`` (the first output). With ``reverse``, the
    elements are visited from last to first and the outputs stay aligned with them.

    Raises:
      OutOfRangeError: for empty elems without ``initializer``.

    >>> import tapejax as tf
    >>> print(tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4])))
    tf.Tensor([ 1  3  6 10], shape=(4,), dtype=int32)
    """
    leaves, n = _elems(elems, "scan")
    structure = nest.pack_sequence_as(elems, leaves)

    def step(carry: Any, row: Any) -> tuple[Any, Any]:
        new = fn(carry, row)
        return new, new

    if initializer is None:
        init, rest = _first(leaves, structure, n, reverse, "scan")
        first = [array_ops.reshape(x, [1, *utils.shape_of(x)]) for x in nest.flatten(init)]
        if n == 1:
            return nest.pack_sequence_as(init, first)
        _, ys, stacked = _loop(step, init, rest, structure, n - 1, reverse)
        out = stacked if ys is None else _stack(ys, ys[0])
        parts = [[a, b] if not reverse else [b, a] for a, b in zip(first, nest.flatten(out), strict=True)]
        return nest.pack_sequence_as(init, [shape_ops.concat(p, 0) for p in parts])
    init = _carry_init(initializer)
    if n == 0:
        return nest.pack_sequence_as(
            init, [Tensor(jnp.zeros((0, *x.shape), np.dtype(x._v.dtype))) for x in nest.flatten(init)]
        )
    _, ys, stacked = _loop(step, init, leaves, structure, n, reverse)
    return stacked if ys is None else _stack(ys, ys[0])


def _fold(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, reverse: bool, what: str) -> Any:
    leaves, n = _elems(elems, what)
    structure = nest.pack_sequence_as(elems, leaves)
    if initializer is None:
        init, rest = _first(leaves, structure, n, reverse, what)
        n -= 1
    else:
        init, rest = _carry_init(initializer), leaves
    if n == 0:
        return init

    def step(carry: Any, row: Any) -> tuple[Any, Any]:
        return fn(carry, row), ()

    carry, _, _ = _loop(step, init, rest, structure, n, reverse)
    return carry


def foldl(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """The last accumulator of ``a = fn(a, x)`` over ``elems`` from first to last (``tf.foldl``).

    Without ``initializer``, ``a`` starts as ``elems[0]``.

    Raises:
      OutOfRangeError: for empty elems without ``initializer``.

    >>> import tapejax as tf
    >>> print(tf.foldl(lambda a, x: a * 10 + x, tf.constant([1, 2, 3])))
    tf.Tensor(123, shape=(), dtype=int32)
    """
    return _fold(fn, elems, initializer, False, "foldl")


def foldr(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """The last accumulator of ``a = fn(a, x)`` over ``elems`` from last to first (``tf.foldr``).

    >>> import tapejax as tf
    >>> print(tf.foldr(lambda a, x: a * 10 + x, tf.constant([1, 2, 3])))
    tf.Tensor(321, shape=(), dtype=int32)
    """
    return _fold(fn, elems, initializer, True, "foldr")


def vectorized_map(fn: Callable[[Any], Any], elems: Any, fallback_to_while_loop: bool = True, warn: bool = True) -> Any:
    """``map_fn`` vectorized: ``fn`` traced once on one row and batched with ``jax.vmap`` (``tf.vectorized_map``).

    One op, which tapes record (its gradient is JAX's derivative of the batched function). Each
    eager call traces and compiles ``fn`` anew, as TF's eager ``vectorized_map`` traces a function:
    in a loop, put the call inside ``tf.function``.

    Raises:
      ValueError: for scalar elems.

    >>> import tapejax as tf
    >>> print(tf.vectorized_map(lambda r: tf.reduce_sum(r * r), tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    tf.Tensor([ 5. 25.], shape=(2,), dtype=float32)
    """
    leaves, _ = _elems(elems, "vectorized_map")
    structure = nest.pack_sequence_as(elems, leaves)
    rows = [jax.ShapeDtypeStruct(x._v.shape[1:], x._v.dtype) for x in leaves]
    return _as_op(
        "VectorizedMap",
        lambda *xs: fn(nest.pack_sequence_as(structure, list(xs))),
        leaves,
        rows,
        lambda f, n: jax.vmap(f, in_axes=(0,) * len(leaves) + (None,) * (n - len(leaves))),
        True,
    )


def _switch(index: Any, branches: list[Callable[[], Any]], names: list[str], op: str) -> Any:
    """One ``lax.switch`` op over ``branches`` (``index`` traced, already in range); Variables a branch
    assigns are written back after it (see ``control_flow``)."""

    def arrays_of(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            y = fn()
            return tuple(control_flow._leaves(y, op)), y

        return run

    fns = control_flow._Functions([arrays_of(b) for b in branches], [], op)
    control_flow._check_branches(fns.trees, names, op)
    return control_flow._run_branches("Case", index, fns)


def switch_case(
    branch_index: Any, branch_fns: Any, default: Callable[[], Any] | None = None, name: str = "switch_case"
) -> Any:
    """Runs ``branch_fns[branch_index]()`` (``tf.switch_case``); out of range: ``default``, else the last branch.

    ``branch_fns`` is a list of callables, of ``(index, callable)`` pairs or a dict, whose keys form
    ``range(n)``.

    Raises:
      TypeError: if ``branch_index`` is not a Tensor (TF's rule).
      ValueError: if the keys are not ``0..n-1``.

    >>> import tapejax as tf
    >>> print(tf.switch_case(tf.constant(1), [lambda: tf.constant(10), lambda: tf.constant(20)]))
    tf.Tensor(20, shape=(), dtype=int32)
    """
    if not isinstance(branch_index, (TensorBase, VariableBase)):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
    elif branch_fns and all(isinstance(b, (tuple, list)) for b in branch_fns):
        items = sorted((int(k), f) for k, f in branch_fns)
    else:
        items = list(enumerate(branch_fns))
    keys = [k for k, _ in items]
    if keys != list(range(len(items))):
        raise ValueError(
            f"branch indices (keys) must form contiguous range of [0 to {len(items)}) but found "
            f"{{{','.join(map(str, keys))}}}"
        )
    fns = [f for _, f in items]
    for f in [*fns, default]:
        if f is not None and not callable(f):
            raise TypeError(f"switch_case: every branch must be callable, got {f!r}.")
    fallback = default if default is not None else fns[-1]
    if not _traced(branch_index):
        i = int(utils.concrete(branch_index))  # type: ignore[arg-type]
        return fns[i]() if 0 <= i < len(fns) else fallback()
    i = branch_index._value
    safe = jnp.where((i >= 0) & (i < len(fns)), i, len(fns))  # (on the trace: JAX values, not an op)
    names = [f"branches[{k}]" for k in range(len(fns) + 1)]
    return _switch(safe.astype(jnp.int32), [*fns, fallback], names, "tf.switch_case")


def case(
    pred_fn_pairs: Any,
    default: Callable[[], Any] | None = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
) -> Any:
    """Runs the function of the first true predicate of ``pred_fn_pairs``, else ``default`` (``tf.case``).

    Raises:
      TypeError: if ``pred_fn_pairs`` is not a list or tuple of ``(pred, callable)`` pairs.
      InvalidArgumentError: eagerly, if no predicate is true and there is no ``default``.

    >>> import tapejax as tf
    >>> print(tf.case([(tf.constant(False), lambda: tf.constant(1)), (tf.constant(True), lambda: tf.constant(2))]))
    tf.Tensor(2, shape=(), dtype=int32)
    """
    if not isinstance(pred_fn_pairs, (list, tuple)):
        raise TypeError(
            f"pred_fn_pairs must be a list or tuple of (pred, fn) pairs, got {type(pred_fn_pairs).__name__}."
        )
    for p in pred_fn_pairs:
        if not isinstance(p, tuple) or len(p) != 2 or not callable(p[1]):
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple of (predicate, callable), got {p!r}.")
    preds = [utils.as_tensor(p, None, "case") for p, _ in pred_fn_pairs]
    fns = [f for _, f in pred_fn_pairs]
    if not any(_traced(p) for p in preds):
        for p, f in zip(preds, fns, strict=True):
            if bool(utils.concrete(p)):
                return f()
        if default is None:
            raise errors.InvalidArgumentError(None, None, "Input error: None of conditions evaluated as True:")
        return default()
    if default is None:  # as TF's graph case: the last pair's function is the default
        default, fns, preds = fns[-1], fns[:-1], preds[:-1]
    if not preds:
        return default()
    flags = jnp.stack([p._value.astype(bool).reshape(()) for p in preds])
    index = jnp.where(flags.any(), jnp.argmax(flags), len(fns)).astype(jnp.int32)  # (on the trace)
    names = ["true_fn", *["false_fn"] * len(fns)]  # (TF builds tf.case of nested tf.conds)
    return _switch(index, [*fns, default], names, "tf.cond")


def _as_op(
    name: str,
    fn: Callable[..., Any],
    inputs: list[Any],
    avals: list[Any],
    wrap: Callable[[Callable[..., Any], int], Callable[..., Any]],
    captures: bool,
) -> Any:
    """Runs ``fn(*inputs)`` as ONE recorded op whose implementation is ``wrap(f, n_args)`` of ``fn`` on
    arrays (a JAX transformation: ``jax.checkpoint``, ``jax.vmap``), traced on ``avals``.

    The Variables ``fn`` reads become inputs of the op (found by a first trace), so that tapes see
    their reads and gradients reach them, eagerly as inside ``tf.function``; with ``captures``, so do
    the Tensors it closes over that a tape records (else they get no gradient, as in TF's
    ``recompute_grad``).
    """
    from tapejax._src.custom_gradient import _Swap

    trees: list[Any] = []
    n = len(inputs)

    def body(*arrays: Any) -> tuple[Any, ...]:
        y = fn(*[_wrap(a) for a in arrays])
        trees.append(y)
        return tuple(_arrays(y)[0])

    reads = _reads()
    jax.eval_shape(_untaped(body, reads), *avals)
    # (concrete Tensors as Variables are: traced while fn runs, inputs of the op)
    variables = (*reads.variables.values(), *(reads.tensors.values() if captures else ()))

    def lifted(*arrays: Any) -> tuple[Any, ...]:
        with _Swap(variables, arrays[n:]):
            return body(*arrays[:n])

    var_avals = [jax.ShapeDtypeStruct(v._v.shape, v._v.dtype) for v in variables]
    b_fn, consts = jax.closure_convert(_untaped(lifted, _reads()), *avals, *var_avals)
    wrapped = wrap(b_fn, n + len(variables) + len(consts))

    def impl(*arrays: Any) -> Any:
        return wrapped(*arrays)

    out = _traced_op(name, impl, [*inputs, *variables], consts, reads, captures)
    return nest.pack_sequence_as(trees[0], out)


def recompute_grad(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` whose intermediate values are recomputed in the backward pass instead of kept (``tf.recompute_grad``).

    The call is one op on ``jax.checkpoint``: tapes record it (gradients reach its inputs and the
    Variables ``f`` reads) and the backward pass re-runs ``f``'s forward.

    >>> import tapejax as tf
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.recompute_grad(lambda a: a * a * a)(x)
    >>> print(tape.gradient(y, x))
    tf.Tensor(12.0, shape=(), dtype=float32)
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"recompute_grad: keyword arguments are not supported, got {sorted(kwargs)}.")
        leaves, _ = _tensors(list(args), "recompute_grad")
        avals = [jax.ShapeDtypeStruct(x._v.shape, x._v.dtype) for x in leaves]
        return _as_op(
            "RecomputeGrad",
            lambda *xs: f(*nest.pack_sequence_as(list(args), list(xs))),
            leaves,
            avals,
            lambda g, _: jax.checkpoint(g),
            False,
        )

    wrapper.__wrapped__ = f  # type: ignore[attr-defined]
    wrapper.__doc__ = f.__doc__
    return wrapper


def grad_pass_through(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` whose gradient is the identity: the output gradient passes to the inputs unchanged (``tf.grad_pass_through``).

    For a non-differentiable ``f`` (``tf.round``, an assignment) as a straight-through estimator.

    >>> import tapejax as tf
    >>> x = tf.constant(0.4)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.grad_pass_through(tf.round)(x)
    >>> print(y, tape.gradient(y, x))
    tf.Tensor(0.0, shape=(), dtype=float32) tf.Tensor(1.0, shape=(), dtype=float32)
    """
    from tapejax._src.custom_gradient import custom_gradient

    @custom_gradient
    def through(*args: Any, **kwargs: Any) -> Any:
        def grad(*dys: Any, variables: Any = None) -> Any:
            return (dys, [None] * len(variables)) if variables is not None else dys

        return f(*args, **kwargs), grad

    return through


def _out_dtypes(Tout: Any) -> tuple[list[Any], bool]:
    if isinstance(Tout, (list, tuple)):
        return [dtypes_lib.as_dtype(d) for d in Tout], True
    return [dtypes_lib.as_dtype(Tout)], False


def _host_call(
    name: str,
    func: Callable[..., Any],
    inp: Any,
    Tout: Any,
    tensors_in: bool,
) -> Any:
    """Runs ``func`` on the host inside a trace: one op on ``jax.pure_callback`` (not differentiable)."""
    dts, is_list = _out_dtypes(Tout)
    xs = [utils.as_tensor(x, None, name) for x in inp]

    def call(*arrays: Any) -> tuple[Any, ...]:
        args = [Tensor(np.asarray(a)) if tensors_in else np.asarray(a) for a in arrays]
        out = func(*args)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outs) != len(dts):
            raise ValueError(f"{name}: func returned {len(outs)} values, Tout names {len(dts)}.")
        return tuple(
            np.asarray(o._value if isinstance(o, (TensorBase, VariableBase)) else o, d._np)
            for o, d in zip(outs, dts, strict=True)
        )

    # The output shapes come from one call on zeros of the input shapes, at trace time.
    probe = call(*[np.zeros(x._v.shape, x._v.dtype) for x in xs])
    shapes = tuple(jax.ShapeDtypeStruct(p.shape, p.dtype) for p in probe)

    def impl(*arrays: Any) -> Any:
        return jax.pure_callback(call, shapes, *arrays)

    op = _host_op(name, impl)
    from tapejax._src.core import bind

    out = list(bind(op, *xs))
    return out if is_list else out[0]


def _host_op(name: str, impl: Callable[..., Any]) -> Any:
    from tapejax._src.core import Op

    return Op(name, impl, multiple_results=True, differentiable=False, runs_user_code=True)


def numpy_function(
    func: Callable[..., Any],
    inp: Any,
    Tout: Any,
    stateful: bool = True,
    name: str | None = None,
) -> Any:
    """Calls ``func`` on the numpy values of ``inp`` and returns its results as tensors (``tf.numpy_function``).

    ``Tout`` is a dtype (one result) or a list of dtypes. As TF, no gradient flows through it.
    Eagerly the results keep the dtypes ``func`` gives them (as TF eager does); inside
    ``tf.function`` it is one host callback (``jax.pure_callback``) whose results have ``Tout``.

    Differences from TensorFlow: inside ``tf.function``, ``func`` is called once more at trace time
    on zeros to learn the output shapes, which must not depend on the input values.

    >>> import numpy as np
    >>> import tapejax as tf
    >>> print(tf.numpy_function(lambda a: np.sort(a), [tf.constant([3, 1, 2])], tf.int32))
    tf.Tensor([1 2 3], shape=(3,), dtype=int32)
    """
    if any(_traced(x) for x in inp):
        return _host_call("PyFunc", func, inp, Tout, tensors_in=False)
    dts, is_list = _out_dtypes(Tout) if not (isinstance(Tout, (list, tuple)) and not Tout) else ([], True)
    args = [np.asarray(utils.as_tensor(x, None, "PyFunc")._value) for x in inp]
    out = func(*args)
    if is_list and not dts:
        return None
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return [array_ops.convert_to_tensor(o) for o in outs] if is_list else array_ops.convert_to_tensor(outs[0])


def py_function(func: Callable[..., Any], inp: Any, Tout: Any, name: str | None = None) -> Any:
    """Calls ``func`` on ``inp`` as eager Tensors and returns its results converted to ``Tout`` (``tf.py_function``).

    Eagerly ``func`` simply runs, so a tape records its ops and gradients flow through it, as TF's.
    Inside ``tf.function`` it is one host callback (``jax.pure_callback``).

    Differences from TensorFlow: inside ``tf.function`` no gradient flows through it (TF records
    ``func``'s ops on a tape there too), and ``func`` is called once more at trace time on zeros to
    learn the output shapes.

    Raises:
      InvalidArgumentError: if a result does not convert to its ``Tout`` dtype.

    >>> import tapejax as tf
    >>> print(tf.py_function(lambda a: a * 2, [tf.constant([1.0, 2.0])], tf.float32))
    tf.Tensor([2. 4.], shape=(2,), dtype=float32)
    """
    if any(_traced(x) for x in inp):
        return _host_call("EagerPyFunc", func, inp, Tout, tensors_in=True)
    dts, is_list = _out_dtypes(Tout) if Tout is not None else ([], True)
    out = func(*[utils.as_tensor(x, None, "EagerPyFunc") for x in inp])
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(outs) != len(dts):
        if not dts:
            return []
        raise ValueError(f"EagerPyFunc: func returned {len(outs)} values, Tout names {len(dts)}.")
    results = []
    for o, d in zip(outs, dts, strict=True):
        try:
            results.append(array_ops.convert_to_tensor(o, d))
        except (TypeError, ValueError) as e:
            raise errors.InvalidArgumentError(None, None, f"EagerPyFunc: {type(e).__name__}: {e}") from None
    return results if is_list else results[0]


def scan_with_carry(
    step: Callable[[Any, Any], tuple[Any, Any]], init: Any, elems: Any, reverse: bool = False
) -> tuple[Any, Any]:
    """``carry, y_i = step(carry, elems[i])`` over the rows of ``elems``: the final carry and the stacked
    ``y`` (aligned with ``elems``; visited last to first with ``reverse``), as ``jax.lax.scan``.

    Eagerly the steps run one by one (as TF eager); inside ``tf.function`` (any trace) they are one
    ``lax.scan``. Differentiable under a tape, also with respect to Variables ``step`` reads. Used by
    Keras' recurrent layers.

    >>> import tapejax as tf
    >>> from tapejax._src.ops.functional_ops import scan_with_carry
    >>> total, running = scan_with_carry(lambda c, x: (c + x, c * x), tf.constant(0), tf.constant([1, 2, 3]))
    >>> int(total), running.numpy().tolist()
    (6, [0, 2, 9])
    """
    leaves, n = _elems(elems, "scan")
    structure = nest.pack_sequence_as(elems, leaves)
    init = _carry_init(init)
    carry, ys, stacked = _loop(step, init, leaves, structure, n, reverse)
    return carry, (stacked if ys is None else _stack(ys, ys[0]))
