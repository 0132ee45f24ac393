"""Random nested-tape programs for tests/test_gradient_properties.py, and three ways to run them.

A :class:`Program` is plain data: float64 sources (watched tensors and Variables), a chain of ops from
:data:`OPS` (each written once as ``lambda m, a, b: ...`` over an ops namespace ``m``), and 2-3
nested tapes with their watch modes, gradient sources and the way each inner gradient feeds the next
target (a gradient penalty ``reduce_sum(g * g)``, ``reduce_sum(sin(g))`` or ``g`` itself).

- :func:`run` runs it through a TF-like module: ``tapejax``, real ``tensorflow``, or
  :data:`abstract_tf`, a model of TF's tape on dataflow alone (which gradient is ``None``).
- :func:`jax_reference` computes every gradient value with nested ``jax.grad`` of the same chain on
  ``jnp`` (``jax.custom_vjp`` for the custom gradients).
- :func:`render` writes a program as a standalone tapejax script, for a failure's reproducer.

Where a Variable is read, and what each tape watches, decide only which gradients are ``None``; the
values are partial derivatives, which ``jax.grad`` gives with every source as an argument (each
source is read at exactly one tape level, so a tape that sees it sees all its uses).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

# -- programs ----------------------------------------------------------------------------------------

SCALES = (0.5, 2.0, 3.0)  # custom-gradient identity scales: backward ``k * dy``
SHAPES = ((2, 2), (2,), ())


@dataclass(frozen=True)
class OpSpec:
    arity: int
    fn: Callable[..., Any]  # fn(m, *args, param): the op over namespace m
    code: str  # the same op as tapejax code, for render(): {0}, {1} are the arguments, {p} the param
    matrix: bool = False  # needs two (2, 2) arguments (matmul)


OPS: dict[str, OpSpec] = {
    "sin": OpSpec(1, lambda m, a, p: m.sin(a), "tf.sin({0})"),
    "cos": OpSpec(1, lambda m, a, p: m.cos(a), "tf.cos({0})"),
    "exp": OpSpec(1, lambda m, a, p: m.exp(0.5 * a), "tf.exp(0.5 * {0})"),
    "tanh": OpSpec(1, lambda m, a, p: m.tanh(a), "tf.tanh({0})"),
    "sigmoid": OpSpec(1, lambda m, a, p: m.sigmoid(a), "tf.sigmoid({0})"),
    "square": OpSpec(1, lambda m, a, p: m.square(a), "tf.square({0})"),
    "pow": OpSpec(1, lambda m, a, p: m.pow(a, 2.0), "tf.pow({0}, 2.0)"),
    "relu": OpSpec(1, lambda m, a, p: m.relu(a), "tf.nn.relu({0})"),
    "softplus": OpSpec(1, lambda m, a, p: m.softplus(a), "tf.nn.softplus({0})"),
    "abs": OpSpec(1, lambda m, a, p: m.abs(a), "tf.abs({0})"),
    "sign": OpSpec(1, lambda m, a, p: m.sign(a), "tf.sign({0})"),
    "stop": OpSpec(1, lambda m, a, p: m.stop_gradient(a), "tf.stop_gradient({0})"),
    "sum": OpSpec(1, lambda m, a, p: m.reduce_sum(a), "tf.reduce_sum({0})"),
    "mean": OpSpec(1, lambda m, a, p: m.reduce_mean(a), "tf.reduce_mean({0})"),
    "neg": OpSpec(1, lambda m, a, p: -a, "-{0}"),
    "scale": OpSpec(1, lambda m, a, p: 0.5 * a, "0.5 * {0}"),
    "custom_scale": OpSpec(1, lambda m, a, p: m.custom_scale(a, p), "custom_scale[{p}]({0})"),
    "custom_reads": OpSpec(1, lambda m, a, p: m.custom_reads(a), "custom_reads({0})"),
    "custom_none": OpSpec(1, lambda m, a, p: m.custom_none(a), "custom_none({0})"),
    "add": OpSpec(2, lambda m, a, b, p: a + b, "{0} + {1}"),
    "sub": OpSpec(2, lambda m, a, b, p: a - b, "{0} - {1}"),
    "mul": OpSpec(2, lambda m, a, b, p: a * b, "{0} * {1}"),
    "div": OpSpec(2, lambda m, a, b, p: a / (b * b + 1.0), "{0} / ({1} * {1} + 1.0)"),
    "maximum": OpSpec(2, lambda m, a, b, p: m.maximum(a, b), "tf.maximum({0}, {1})"),
    "where": OpSpec(2, lambda m, a, b, p: m.where(a > 0.0, b, a), "tf.where({0} > 0.0, {1}, {0})"),
    "matmul": OpSpec(2, lambda m, a, b, p: m.matmul(a, b), "tf.matmul({0}, {1})", matrix=True),
    "custom_pair": OpSpec(2, lambda m, a, b, p: _product(m.custom_pair(a, b)), "_product(custom_pair({0}, {1}))"),
}
CUSTOM_OPS = tuple(name for name in OPS if name.startswith("custom"))


def _product(pair: Any) -> Any:
    return pair[0] * pair[1]


@dataclass(frozen=True)
class Source:
    variable: bool
    value: tuple[float, ...]
    shape: tuple[int, ...]
    trainable: bool = True
    read_level: int = 0  # read inside tapes[read_level:] only; len(tapes): before every tape


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # registers: the sources (as read), then one per step
    param: float | None = None


@dataclass(frozen=True)
class TapeSpec:
    persistent: bool
    auto: bool  # watch_accessed_variables
    watch: tuple[int, ...]  # sources watched explicitly, on entering
    sources: tuple[int, ...]  # gradient sources, in order, repeats allowed
    zero: bool = False  # unconnected_gradients=ZERO


@dataclass(frozen=True)
class Feed:
    """How tape j's gradients make tape j+1's target."""

    kind: str  # "square": reduce_sum(g * g); "sin": reduce_sum(sin(g)); "id": g itself
    mix: bool  # also the previous target (a loss plus its gradient penalty)


@dataclass(frozen=True)
class Program:
    sources: tuple[Source, ...]
    steps: tuple[Step, ...]
    extra_target: int | None  # a second register in the first target (a list target)
    tapes: tuple[TapeSpec, ...]  # innermost first
    feeds: tuple[Feed, ...]  # len(tapes) - 1


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(a, b))


@st.composite
def programs(draw: st.DrawFn, *, max_steps: int = 6, ops: Sequence[str] = tuple(OPS), custom: bool = False) -> Program:
    """A random Program; ``custom``: at least one custom-gradient op in the chain."""
    n_tapes = draw(st.integers(2, 3))
    n_tensors, n_vars = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    often = st.sampled_from([True] * 6 + [False])
    sources = []
    for i in range(n_tensors + n_vars):
        shape = draw(st.sampled_from(SHAPES))
        size = int(np.prod(shape))
        magnitude = st.floats(0.2, 1.5, allow_nan=False)
        value = tuple(draw(st.lists(st.tuples(magnitude, st.booleans()), min_size=size, max_size=size)))
        levels = st.sampled_from([0] * 4 * n_tapes + list(range(1, n_tapes + 1)))
        sources.append(
            Source(
                variable=i >= n_tensors,
                value=tuple(-v if neg else v for v, neg in value),
                shape=shape,
                trainable=i < n_tensors or draw(often),
                read_level=draw(levels),
            )
        )
    shapes = [s.shape for s in sources]
    n_steps = draw(st.integers(2, max_steps))
    custom_at = draw(st.integers(0, n_steps - 1)) if custom else -1
    steps = []
    unary = [name for name in ops if OPS[name].arity == 1]
    binary = [name for name in ops if OPS[name].arity == 2]
    used: set[int] = set()
    for k in range(n_steps):
        kinds = [kind for kind in (unary, binary) if kind]
        name = draw(st.sampled_from(CUSTOM_OPS if k == custom_at else draw(st.sampled_from(kinds))))
        spec = OPS[name]
        matrices = [i for i, s in enumerate(shapes) if s == (2, 2)]
        if spec.matrix and not matrices:
            name, spec = "mul", OPS["mul"]
        pool = matrices if spec.matrix else list(range(len(shapes)))
        # The first argument leans to the newest register (deep chains), the others to registers
        # not used yet (chains that read every source).
        newest = pool[-1]
        args = [draw(st.sampled_from([newest, newest, *pool]))]
        for _ in range(spec.arity - 1):
            fresh = [i for i in pool if i not in used and i not in args]
            args.append(draw(st.sampled_from(fresh + fresh + pool)))
        used.update(args)
        args = tuple(args)
        param = draw(st.sampled_from(SCALES)) if name == "custom_scale" else None
        steps.append(Step(name, args, param))
        if name in ("sum", "mean"):
            shapes.append(())
        elif spec.arity == 1:
            shapes.append(shapes[args[0]])
        else:
            shapes.append(_broadcast(shapes[args[0]], shapes[args[1]]))
    n_src = len(sources)
    results = range(n_src, n_src + n_steps - 1)
    extra = draw(st.one_of(st.none(), st.sampled_from(results))) if n_steps > 1 else None
    tapes = []
    for _ in range(n_tapes):
        watch = [i for i in range(n_src) if draw(often)]
        grad_sources = draw(st.lists(st.integers(0, n_src - 1), min_size=1, max_size=3))
        tapes.append(
            TapeSpec(
                persistent=draw(st.booleans()),
                auto=draw(often),
                watch=tuple(watch),
                sources=tuple(grad_sources),
                zero=not draw(often),
            )
        )
    feeds = tuple(
        Feed(draw(st.sampled_from(["square", "square", "sin", "id"])), draw(st.booleans())) for _ in range(n_tapes - 1)
    )
    return Program(tuple(sources), tuple(steps), extra, tuple(tapes), feeds)


# -- ops namespaces ----------------------------------------------------------------------------------


def tf_namespace(tf: Any) -> types.SimpleNamespace:
    """The ops of OPS for a TF-like module (tapejax, tensorflow, abstract_tf), custom gradients included."""

    def make_scale(k: float) -> Callable[..., Any]:
        @tf.custom_gradient
        def custom_scale(a: Any) -> Any:
            return a, lambda dy: k * dy

        return custom_scale

    @tf.custom_gradient
    def custom_reads(a: Any) -> Any:
        return a, lambda dy: dy * (1.0 + a * a)

    @tf.custom_gradient
    def custom_none(a: Any) -> Any:
        return a, lambda dy: None

    @tf.custom_gradient
    def custom_pair(a: Any, b: Any) -> Any:
        return (a, b), lambda da, db: (2.0 * da, db * b)

    scales = {k: make_scale(k) for k in SCALES}
    return types.SimpleNamespace(
        sin=tf.sin, cos=tf.cos, exp=tf.exp, tanh=tf.tanh, sigmoid=tf.sigmoid, square=tf.square, pow=tf.pow,
        relu=tf.nn.relu, softplus=tf.nn.softplus, abs=tf.abs, sign=tf.sign, stop_gradient=tf.stop_gradient,
        reduce_sum=tf.reduce_sum, reduce_mean=tf.reduce_mean, maximum=tf.maximum, where=tf.where,
        matmul=tf.matmul, identity=tf.identity,
        custom_scale=lambda a, k: scales[k](a), custom_reads=custom_reads, custom_none=custom_none,
        custom_pair=custom_pair,
    )  # fmt: skip


def jnp_namespace(scale_error: float = 0.0) -> types.SimpleNamespace:
    """The ops of OPS on jnp, with TF's conventions at kinks (relu' = 0 and abs' = 0 at 0; maximum's
    tie goes to the first argument). Each custom gradient is a ``jax.custom_vjp`` whose forward calls
    itself, so an outer derivative of its output uses the custom rule too, as TF's tape does (a plain
    forward would be differentiated as the identity by the outer ``jax.grad``).

    ``scale_error``: a deliberately wrong model (the custom scales off by this much), for testing
    the tester.
    """

    def make_scale(k: float) -> Callable[..., Any]:
        @jax.custom_vjp
        def custom_scale(a: Any) -> Any:
            return a

        custom_scale.defvjp(lambda a: (custom_scale(a), None), lambda _, dy: ((k + scale_error) * dy,))
        return custom_scale

    @jax.custom_vjp
    def custom_reads(a: Any) -> Any:
        return a

    custom_reads.defvjp(lambda a: (custom_reads(a), a), lambda a, dy: (dy * (1.0 + a * a),))

    @jax.custom_vjp
    def custom_none(a: Any) -> Any:
        return a

    custom_none.defvjp(lambda a: (custom_none(a), None), lambda _, dy: (None,))

    @jax.custom_vjp
    def custom_pair(a: Any, b: Any) -> Any:
        return a, b

    custom_pair.defvjp(lambda a, b: (custom_pair(a, b), b), lambda b, ct: (2.0 * ct[0], ct[1] * b))

    scales = {k: make_scale(k) for k in SCALES}
    return types.SimpleNamespace(
        sin=jnp.sin, cos=jnp.cos, exp=jnp.exp, tanh=jnp.tanh, sigmoid=jax.nn.sigmoid, square=jnp.square,
        pow=jnp.power, relu=lambda a: jnp.where(a > 0, a, 0.0), softplus=jax.nn.softplus,
        abs=lambda a: a * jnp.sign(a), sign=jnp.sign, stop_gradient=jax.lax.stop_gradient,
        reduce_sum=jnp.sum, reduce_mean=jnp.mean, maximum=lambda a, b: jnp.where(a >= b, a, b),
        where=jnp.where, matmul=jnp.matmul, identity=lambda a: a,
        custom_scale=lambda a, k: scales[k](a), custom_reads=custom_reads, custom_none=custom_none,
        custom_pair=custom_pair,
    )  # fmt: skip


# -- running a program -------------------------------------------------------------------------------


def chain(prog: Program, m: Any, regs: Sequence[Any]) -> list[Any]:
    """The first target: the chain's last register, and ``extra_target``'s (a list target)."""
    r = list(regs)
    for step in prog.steps:
        r.append(OPS[step.op].fn(m, *[r[i] for i in step.args], step.param))
    return [r[-1]] if prog.extra_target is None else [r[-1], r[prog.extra_target]]


def feed(f: Feed, m: Any, grads: Sequence[Any], previous: list[Any]) -> list[Any]:
    """The next target (a list, summed) from a tape's gradients (``None`` left out)."""
    gs = [g for g in grads if g is not None]
    if f.kind == "square":
        parts = [m.reduce_sum(g * g) for g in gs]
    elif f.kind == "sin":
        parts = [m.reduce_sum(m.sin(g)) for g in gs]
    else:
        parts = list(gs)
    if f.mix or not parts:
        parts += previous
    return parts


@dataclass
class Run:
    grads: list[list[Any]]  # per tape, innermost first: one result per requested source (None kept)
    again: list[list[Any] | None]  # a persistent tape's second gradient call, sources reversed


def run(prog: Program, tf: Any, m: Any | None = None) -> Run:
    """Runs ``prog`` with a TF-like module (tapejax, tensorflow, abstract_tf)."""
    m = tf_namespace(tf) if m is None else m
    srcs = []
    for s in prog.sources:
        value = np.asarray(s.value, np.float64).reshape(s.shape)
        srcs.append(
            tf.Variable(value, dtype=tf.float64, trainable=s.trainable)
            if s.variable
            else tf.constant(value, tf.float64)
        )
    regs: list[Any] = [None] * len(srcs)
    n = len(prog.tapes)
    tapes = [tf.GradientTape(persistent=t.persistent, watch_accessed_variables=t.auto) for t in prog.tapes]
    out = Run([[] for _ in tapes], [None] * n)

    def read(level: int) -> None:
        for i, s in enumerate(prog.sources):
            if s.read_level == level:
                regs[i] = srcs[i] if level == 0 else m.identity(srcs[i])

    def level(j: int) -> list[Any]:
        read(j + 1)  # inside tapes[j + 1:], before tapes[j]
        with tapes[j] as tape:
            for i in prog.tapes[j].watch:
                tape.watch(srcs[i])
            if j == 0:
                read(0)
                target = chain(prog, m, regs)
            else:
                previous = level(j - 1)
                target = feed(prog.feeds[j - 1], m, out.grads[j - 1], previous)
        spec = prog.tapes[j]
        kw = {"unconnected_gradients": tf.UnconnectedGradients.ZERO} if spec.zero else {}
        out.grads[j] = list(tape.gradient(target, [srcs[i] for i in spec.sources], **kw))
        if spec.persistent:
            out.again[j] = list(tape.gradient(target, [srcs[i] for i in reversed(spec.sources)], **kw))[::-1]
        return target

    level(n - 1)
    return out


def jax_reference(prog: Program, nones: Sequence[Sequence[bool]], m: Any | None = None) -> list[list[Any]]:
    """Every gradient of ``prog`` by nested ``jax.grad`` in float64, given which ones are ``None``
    (``nones``, from the tape rule): those are ``None``, or zeros on a tape with ``zero``."""
    m = jnp_namespace() if m is None else m
    values = [jnp.asarray(np.asarray(s.value, np.float64).reshape(s.shape)) for s in prog.sources]

    def total(parts: list[Any]) -> Any:
        return sum(jnp.sum(p) for p in parts)

    def grad_fns(target: Callable[..., list[Any]], j: int) -> list[Callable[..., Any] | None]:
        spec = prog.tapes[j]
        fns: list[Callable[..., Any] | None] = []
        for k, i in enumerate(spec.sources):
            if not nones[j][k]:
                fns.append(jax.grad(lambda *a, t=target: total(t(*a)), argnums=i))
            elif spec.zero:
                fns.append(lambda *a, i=i: jnp.zeros_like(a[i]))
            else:
                fns.append(None)
        return fns

    levels = []
    target: Callable[..., list[Any]] = lambda *a: chain(prog, m, a)  # noqa: E731
    for j in range(len(prog.tapes)):
        fns = grad_fns(target, j)
        levels.append(fns)
        if j + 1 < len(prog.tapes):

            def target(*a: Any, f: Feed = prog.feeds[j], fns: list[Any] = fns, previous: Any = target) -> list[Any]:
                return feed(f, m, [None if g is None else g(*a) for g in fns], previous(*a))

    def everything(*a: Any) -> list[list[Any]]:
        return [[None if g is None else g(*a) for g in fns] for fns in levels]

    result = jax.jit(everything)(*values)
    return [[None if g is None else np.asarray(g) for g in gs] for gs in result]


# -- TF's tape rule on dataflow alone ----------------------------------------------------------------


class _ATensor:
    """A tensor of the abstract model: only the tapes on which it is watched or derived (``on``)."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on: set[int] = set()

    def __add__(self, o: Any) -> _ATensor:
        return _add(self, o)

    def __radd__(self, o: Any) -> _ATensor:
        return _add(o, self)

    def __sub__(self, o: Any) -> _ATensor:
        return _sub(self, o)

    def __rsub__(self, o: Any) -> _ATensor:
        return _sub(o, self)

    def __mul__(self, o: Any) -> _ATensor:
        return _mul(self, o)

    def __rmul__(self, o: Any) -> _ATensor:
        return _mul(o, self)

    def __truediv__(self, o: Any) -> _ATensor:
        return _div(self, o)

    def __neg__(self) -> _ATensor:
        return _neg(self)

    def __gt__(self, o: Any) -> _ATensor:
        return _ATensor()  # a boolean: no gradient flows through a comparison


class _AVariable:
    """A Variable of the abstract model: ``handle`` is what the tapes that watch it differentiate."""

    def __init__(self, initial_value: Any, dtype: Any = None, trainable: bool = True) -> None:
        self.trainable = trainable
        self.handle = _ATensor()

    def read(self) -> _ATensor:
        for tape in _ACTIVE:
            if (tape.auto and self.trainable) or id(self) in tape.variables:
                tape.variables.add(id(self))
                self.handle.on.add(id(tape))
        return _identity(self.handle)

    def __add__(self, o: Any) -> _ATensor:
        return self.read() + o

    def __radd__(self, o: Any) -> _ATensor:
        return o + self.read()

    def __sub__(self, o: Any) -> _ATensor:
        return self.read() - o

    def __rsub__(self, o: Any) -> _ATensor:
        return o - self.read()

    def __mul__(self, o: Any) -> _ATensor:
        return self.read() * o

    def __rmul__(self, o: Any) -> _ATensor:
        return o * self.read()

    def __truediv__(self, o: Any) -> _ATensor:
        return self.read() / o

    def __neg__(self) -> _ATensor:
        return -self.read()

    def __gt__(self, o: Any) -> _ATensor:
        self.read()  # (a read watches the Variable on tapes that auto-watch, as TF's)
        return _ATensor()


_ACTIVE: list[_ATape] = []
_Backward = Callable[[list[_ATensor], list[_ATensor], list[_ATensor]], list[Any]]


class _AZeros(_ATensor):
    """The zeros ``unconnected_gradients=ZERO`` gives: a constant."""


def _as_tensor(a: Any) -> _ATensor:
    if isinstance(a, _AVariable):
        return a.read()
    return a if isinstance(a, _ATensor) else _ATensor()  # a Python number: a constant


def _record(backward: _Backward, *inputs: Any, n_out: int = 1) -> list[_ATensor]:
    """An op: recorded on each active tape that watches (or derived) one of its inputs, as TF's."""
    ins = [_as_tensor(a) for a in inputs]
    outs = [_ATensor() for _ in range(n_out)]
    for tape in _ACTIVE:
        if any(id(tape) in a.on for a in ins):
            tape.nodes.append((backward, ins, outs))
            for o in outs:
                o.on.add(id(tape))
    return outs


def _op(backward: _Backward) -> Callable[..., _ATensor]:
    return lambda *inputs: _record(backward, *inputs)[0]


def _zeros(*_: Any) -> _ATensor:
    return _ATensor()  # TF's zeros_like: a value, not differentiable (no dependency)


# Each backward below is TF's registered gradient (math_grad.py, nn_grad.py of TF 2.21) reduced to
# what it reads, written with the same abstract ops, so that it records on the outer tapes as TF's.
# Broadcast reductions (reduce_sum + reshape) and conj are left out: they carry the dependency as is.
_identity = _op(lambda g, i, o: [g[0]])
_neg = _op(lambda g, i, o: [_neg(g[0])])
_add = _op(lambda g, i, o: [g[0], g[0]])
_sub = _op(lambda g, i, o: [g[0], _neg(g[0])])
_mul = _op(lambda g, i, o: [_mul(g[0], i[1]), _mul(i[0], g[0])])
_div = _op(lambda g, i, o: [_div(g[0], i[1]), _mul(g[0], _div(_div(_neg(i[0]), i[1]), i[1]))])
_transpose = _op(lambda g, i, o: [_transpose(g[0])])
_matmul = _op(lambda g, i, o: [_matmul(g[0], _transpose(i[1])), _matmul(_transpose(i[0]), g[0])])
_broadcast_to = _op(lambda g, i, o: [_reduce_sum(g[0])])
_reduce_sum = _op(lambda g, i, o: [_broadcast_to(g[0])])
_reduce_mean = _op(lambda g, i, o: [_div(_broadcast_to(g[0]), 4.0)])
_square = _op(lambda g, i, o: [_mul(g[0], _mul(i[0], 2.0))])
_log = _op(lambda g, i, o: [_mul(g[0], _reciprocal(i[0]))])
# TanhGrad(y, dy), SigmoidGrad(y, dy), ReciprocalGrad(y, dy): their gradients read y, dy and grad.
_fused_grad = _op(lambda g, i, o: [_mul(_mul(g[0], i[1]), i[0]), _fused_grad(i[0], g[0])])
_reciprocal = _op(lambda g, i, o: [_fused_grad(o[0], g[0])])
_pow = _op(
    lambda g, i, o: [
        _mul(_mul(g[0], i[1]), _pow(i[0], _sub(i[1], 1.0))),
        _mul(_mul(g[0], o[0]), _where(_ATensor(), _log(_where(_ATensor(), i[0], 1.0)), _zeros())),
    ]
)
_exp = _op(lambda g, i, o: [_mul(g[0], o[0])])
_sin = _op(lambda g, i, o: [_mul(g[0], _cos(i[0]))])
_cos = _op(lambda g, i, o: [_mul(_neg(g[0]), _sin(i[0]))])
_tanh = _op(lambda g, i, o: [_fused_grad(o[0], g[0])])
_sigmoid = _op(lambda g, i, o: [_fused_grad(o[0], g[0])])
# ReluGrad(dy, y); its gradient is ReluGrad(grad, y) and zeros_like(y) (a value: "kept").
_relu_grad = _op(lambda g, i, o: [_relu_grad(g[0], i[1]), _zeros()])
_relu = _op(lambda g, i, o: [_relu_grad(g[0], o[0])])
_softplus = _op(lambda g, i, o: [_mul(g[0], _sigmoid(i[0]))])
_where = _op(lambda g, i, o: [None, _where(i[0], g[0], _zeros()), _where(i[0], _zeros(), g[0])])
_maximum = _op(lambda g, i, o: [_where(_ATensor(), g[0], _zeros()), _where(_ATensor(), _zeros(), g[0])])
_sign = _op(lambda g, i, o: [_zeros()])
_abs = _op(lambda g, i, o: [_mul(g[0], _sign(i[0]))])
_stop_gradient = _op(lambda g, i, o: [None])


class _ATape:
    """TF's GradientTape on the abstract model (watching, recording, the backward walk)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self.auto = watch_accessed_variables
        self.nodes: list[tuple[_Backward, list[_ATensor], list[_ATensor]]] = []
        self.variables: set[int] = set()
        self.tensors: set[int] = set()
        self.used = False

    def __enter__(self) -> _ATape:
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE.remove(self)

    def watch(self, x: Any) -> None:
        if isinstance(x, _AVariable):
            self.variables.add(id(x))
            x.handle.on.add(id(self))
        else:
            self.tensors.add(id(x))
            x.on.add(id(self))

    def gradient(self, target: Any, sources: Sequence[Any], unconnected_gradients: str = "none") -> list[Any]:
        if self.used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients")
        self.used = True
        cts: dict[int, _ATensor] = {}

        def accumulate(t: _ATensor, ct: _ATensor) -> None:
            cts[id(t)] = ct if id(t) not in cts else _add(cts[id(t)], ct)  # TF's AddN of the cotangents

        for t in target if isinstance(target, list) else [target]:
            accumulate(_as_tensor(t), _ATensor())  # the seed: ones, a constant
        for backward, ins, outs in reversed(self.nodes):
            g = [cts.get(id(o)) for o in outs]
            if all(c is None for c in g):
                continue
            for t, ct in zip(ins, backward([_ATensor() if c is None else c for c in g], ins, outs), strict=True):
                if ct is not None:
                    accumulate(t, ct)
        result = []
        for s in sources:
            if isinstance(s, _AVariable):
                ct = cts.get(id(s.handle)) if id(s) in self.variables else None
            else:
                ct = cts.get(id(s)) if id(s) in self.tensors else None
            result.append(_AZeros() if ct is None and unconnected_gradients == "zero" else ct)
        return result


def _custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """TF's custom_gradient: one recorded op of the arguments; its backward is ``grad_fn``'s ops."""

    def wrapper(*args: Any) -> Any:
        saved = list(_ACTIVE)
        _ACTIVE.clear()  # f's own ops lead nowhere (TF records them, but the outputs are the op's)
        try:
            y, grad_fn = f(*args)
        finally:
            _ACTIVE.extend(saved)
        ys = list(y) if isinstance(y, tuple) else [y]

        def backward(g: list[_ATensor], ins: list[_ATensor], outs: list[_ATensor]) -> list[Any]:
            dx = grad_fn(*g)
            return list(dx) if isinstance(dx, tuple) else [dx]

        outs = _record(backward, *args, n_out=len(ys))
        return tuple(outs) if isinstance(y, tuple) else outs[0]

    return wrapper


abstract_tf = types.SimpleNamespace(
    float64="float64", UnconnectedGradients=types.SimpleNamespace(NONE="none", ZERO="zero"),
    constant=lambda value, dtype=None: _ATensor(), Variable=_AVariable, GradientTape=_ATape,
    custom_gradient=_custom_gradient, sin=_sin, cos=_cos, exp=_exp, tanh=_tanh, sigmoid=_sigmoid,
    square=_square, pow=_pow, nn=types.SimpleNamespace(relu=_relu, softplus=_softplus), abs=_abs, sign=_sign,
    stop_gradient=_stop_gradient, reduce_sum=_reduce_sum, reduce_mean=_reduce_mean, maximum=_maximum,
    where=_where, matmul=_matmul, identity=_identity,
)  # fmt: skip
"""A TF-like module whose tensors carry only which tapes they are on: TF's rule for ``None``."""


def expected_nones(prog: Program) -> list[list[bool]]:
    """Per tape, per requested source: whether TF's rule gives ``None`` (zeros on a ``zero`` tape)."""
    seen = run(prog, abstract_tf, _ABSTRACT_NS)
    return [[g is None or isinstance(g, _AZeros) for g in gs] for gs in seen.grads]


_ABSTRACT_NS = tf_namespace(abstract_tf)


# -- a reproducer ------------------------------------------------------------------------------------

_PREAMBLE = """\
import numpy as np
import tapejax as tf

def make_scale(k):
    @tf.custom_gradient
    def custom_scale(a):
        return a, lambda dy: k * dy
    return custom_scale

custom_scale = {k: make_scale(k) for k in (0.5, 2.0, 3.0)}

@tf.custom_gradient
def custom_reads(a):
    return a, lambda dy: dy * (1.0 + a * a)

@tf.custom_gradient
def custom_none(a):
    return a, lambda dy: None

@tf.custom_gradient
def custom_pair(a, b):
    return (a, b), lambda da, db: (2.0 * da, db * b)

def _product(pair):
    return pair[0] * pair[1]
"""


def render(prog: Program) -> str:
    """``prog`` as a standalone tapejax script (printing each tape's gradients)."""
    lines = [_PREAMBLE]
    names = []
    for i, s in enumerate(prog.sources):
        value = f"np.array({list(s.value)!r}, np.float64).reshape({s.shape!r})"
        if s.variable:
            names.append(f"v{i}")
            lines.append(f"v{i} = tf.Variable({value}, dtype=tf.float64, trainable={s.trainable})")
        else:
            names.append(f"x{i}")
            lines.append(f"x{i} = tf.constant({value}, tf.float64)")
    regs = list(names)
    n = len(prog.tapes)

    def reads(level: int, pad: str) -> None:
        for i, s in enumerate(prog.sources):
            if s.read_level == level and level > 0:
                regs[i] = f"r{i}"
                lines.append(f"{pad}r{i} = tf.identity({names[i]})")

    def level(j: int, pad: str) -> str:
        spec = prog.tapes[j]
        reads(j + 1, pad)
        lines.append(
            f"{pad}with tf.GradientTape(persistent={spec.persistent}, watch_accessed_variables={spec.auto}) as t{j}:"
        )
        inner = pad + "    "
        for i in spec.watch:
            lines.append(f"{inner}t{j}.watch({names[i]})")
        if j == 0:
            r = list(regs)
            for k, step in enumerate(prog.steps):
                code = OPS[step.op].code.format(*[r[a] for a in step.args], p=step.param)
                lines.append(f"{inner}h{k} = {code}")
                r.append(f"h{k}")
            target = f"[{r[-1]}]" if prog.extra_target is None else f"[{r[-1]}, {r[prog.extra_target]}]"
            lines.append(f"{inner}y0 = {target}")
        else:
            previous = level(j - 1, inner)
            f = prog.feeds[j - 1]
            part = {"square": "tf.reduce_sum(g * g)", "sin": "tf.reduce_sum(tf.sin(g))", "id": "g"}[f.kind]
            lines.append(f"{inner}y{j} = [{part} for g in g{j - 1} if g is not None]")
            lines.append(f"{inner}y{j} = y{j} + {previous}" if f.mix else f"{inner}y{j} = y{j} or {previous}")
        zero = ", unconnected_gradients='zero'" if spec.zero else ""
        srcs = ", ".join(names[i] for i in spec.sources)
        lines.append(f"{pad}g{j} = t{j}.gradient(y{j}, [{srcs}]{zero})")
        lines.append(f"{pad}print('tape {j}:', g{j})")
        return f"y{j}"

    level(n - 1, "")
    return "\n".join(lines) + "\n"
