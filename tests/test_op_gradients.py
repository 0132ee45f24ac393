"""One op-gradient table drives: tape gradient vs ``jax.grad`` of the same program, and a float64
numerical check of first and second derivatives through nested tapes. A coverage test makes sure
every differentiable op of the op table is exercised by some entry."""

from __future__ import annotations

import gc
import importlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from op_case import Case

import tapejax as tf
from tapejax._src import backward, core, lazy
from tapejax._src.tape import GradientTape


def _complex(x: Any) -> Any:
    return tf.cast(x, tf.complex64 if x.dtype == tf.float32 else tf.complex128)


def _softplus(x: Any) -> Any:
    return jnp.logaddexp(x, 0.0)


def _x_logits_ce(labels: Any, logits: Any) -> Any:
    return -jnp.sum(jax.nn.softmax(labels) * jax.nn.log_softmax(logits), axis=-1)


C = Case
CASES: list[Case] = [
    # element-wise unary
    C("negative", lambda x: tf.negative(x), lambda x: -x, ((3, 4),)),
    C("abs", lambda x: tf.abs(x), jnp.abs, ((3, 4),)),
    C("square", lambda x: tf.square(x), jnp.square, ((3, 4),)),
    C("sqrt", lambda x: tf.sqrt(x), jnp.sqrt, ((3, 4),), "pos"),
    C("rsqrt", lambda x: tf.math.rsqrt(x), lambda x: 1 / jnp.sqrt(x), ((3, 4),), "pos"),
    C("exp", lambda x: tf.exp(x), jnp.exp, ((3, 4),)),
    C("expm1", lambda x: tf.math.expm1(x), jnp.expm1, ((3, 4),)),
    C("log", lambda x: tf.math.log(x), jnp.log, ((3, 4),), "pos"),
    C("log1p", lambda x: tf.math.log1p(x), jnp.log1p, ((3, 4),), "pos"),
    C("sin", lambda x: tf.sin(x), jnp.sin, ((3, 4),)),
    C("cos", lambda x: tf.cos(x), jnp.cos, ((3, 4),)),
    C("tan", lambda x: tf.tan(x), jnp.tan, ((3, 4),), "unit"),
    C("tanh", lambda x: tf.tanh(x), jnp.tanh, ((3, 4),)),
    C("sinh", lambda x: tf.sinh(x), jnp.sinh, ((3, 4),)),
    C("cosh", lambda x: tf.cosh(x), jnp.cosh, ((3, 4),)),
    C("sigmoid", lambda x: tf.sigmoid(x), jax.nn.sigmoid, ((3, 4),)),
    C("sign", lambda x: tf.sign(x) * x, lambda x: jnp.sign(x) * x, ((3, 4),)),
    C("identity", lambda x: tf.identity(x) * x, lambda x: x * x, ((3,),)),
    C("cast", lambda x: tf.cast(tf.cast(x, tf.float64), x.dtype) * x, lambda x: x * x, ((3,),)),
    # TF 2's tf.linspace is linspace_nd, built from differentiable ops (not the LinSpace kernel).
    C("linspace", lambda a, b: tf.linspace(a, b, 5, axis=1), lambda a, b: jnp.linspace(a, b, 5, axis=1), ((3,), (3,))),
    C(
        "fill",
        lambda x: tf.fill([2, 3], x) * tf.range(3, dtype=x.dtype),
        lambda x: jnp.full((2, 3), x) * jnp.arange(3),
        ((),),
    ),
    C(
        "real_imag_conj",
        lambda x: tf.math.real(tf.math.conj(_complex(x))) * x + tf.math.imag(_complex(x) * 1j),
        lambda x: x * x + x,
        ((3,),),
    ),
    # nn
    C("relu", lambda x: tf.nn.relu(x), jax.nn.relu, ((3, 4),)),
    C("relu6", lambda x: tf.nn.relu6(x * 4), lambda x: jnp.clip(x * 4, 0, 6), ((3, 4),)),
    C("leaky_relu", lambda x: tf.nn.leaky_relu(x), lambda x: jnp.where(x > 0, x, 0.2 * x), ((3, 4),)),
    C("elu", lambda x: tf.nn.elu(x), jax.nn.elu, ((3, 4),)),
    C("selu", lambda x: tf.nn.selu(x), jax.nn.selu, ((3, 4),)),
    C("gelu", lambda x: tf.nn.gelu(x), lambda x: jax.nn.gelu(x, approximate=False), ((3, 4),)),
    C("gelu_tanh", lambda x: tf.nn.gelu(x, approximate=True), lambda x: jax.nn.gelu(x, approximate=True), ((3, 4),)),
    C("softplus", lambda x: tf.nn.softplus(x), _softplus, ((3, 4),)),
    C("softmax", lambda x: tf.nn.softmax(x), jax.nn.softmax, ((3, 4),)),
    C("log_softmax", lambda x: tf.nn.log_softmax(x), jax.nn.log_softmax, ((3, 4),)),
    C("l2_loss", lambda x: tf.nn.l2_loss(x), lambda x: jnp.sum(x * x) / 2, ((3, 4),)),
    C("bias_add", lambda x, b: tf.nn.bias_add(x, b), lambda x, b: x + b, ((3, 4), (4,))),
    C(
        "softmax_cross_entropy_with_logits",
        lambda lab, z: tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(lab), logits=z),
        _x_logits_ce,
        ((3, 5), (3, 5)),
    ),
    C(
        "sparse_softmax_cross_entropy_with_logits",
        lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 4, 2]), logits=z),
        lambda z: -jnp.take_along_axis(jax.nn.log_softmax(z), jnp.array([[0], [4], [2]]), axis=-1)[:, 0],
        ((3, 5),),
    ),
    C(
        "sigmoid_cross_entropy_with_logits",
        lambda lab, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.sigmoid(lab), logits=z),
        lambda lab, z: jnp.maximum(z, 0) - z * jax.nn.sigmoid(lab) + jnp.log1p(jnp.exp(-jnp.abs(z))),
        ((3, 4), (3, 4)),
    ),
    C(
        "moments",
        lambda x: tf.add_n(list(tf.nn.moments(x, axes=[0]))),
        lambda x: jnp.mean(x, 0) + jnp.var(x, 0),
        ((5, 3),),
        numeric_order=1,
    ),
    # binary element-wise
    C("add", lambda x, y: tf.add(x, y), jnp.add, ((3, 4), (4,))),
    C("subtract", lambda x, y: tf.subtract(x, y), jnp.subtract, ((3, 4), (3, 1))),
    C("multiply", lambda x, y: tf.multiply(x, y), jnp.multiply, ((3, 4), ())),
    C("divide", lambda x, y: tf.divide(x, y), jnp.divide, ((3, 4), (3, 4)), "pos"),
    C("truediv", lambda x, y: tf.truediv(x, y), jnp.divide, ((3, 4), (4,)), "pos"),
    C("pow", lambda x, y: tf.pow(x, y), jnp.power, ((3, 4), (3, 4)), "pos"),
    C("maximum", lambda x, y: tf.maximum(x, y), jnp.maximum, ((3, 4), (3, 4))),
    C("minimum", lambda x, y: tf.minimum(x, y), jnp.minimum, ((3, 4), (4,))),
    C("squared_difference", lambda x, y: tf.math.squared_difference(x, y), lambda x, y: (x - y) ** 2, ((3, 4), (4,))),
    C("mod", lambda x, y: tf.math.mod(x, y), jnp.mod, ((3, 4), (3, 4)), "pos"),
    C("add_n", lambda x, y: tf.add_n([x, y, x]), lambda x, y: x + y + x, ((3, 4), (3, 4))),
    C("where", lambda x, y: tf.where(x > y, x, y * 2), lambda x, y: jnp.where(x > y, x, y * 2), ((3, 4), (3, 4))),
    C(
        "operators",
        lambda x, y: (x + 1) * y - x / (y * y + 1) + (-x) ** 2,
        lambda x, y: (x + 1) * y - x / (y * y + 1) + x**2,
        ((3,), (3,)),
    ),
    # reductions
    C("reduce_sum", lambda x: tf.reduce_sum(x, axis=1), lambda x: jnp.sum(x, axis=1), ((3, 4),)),
    C("reduce_mean", lambda x: tf.reduce_mean(x), jnp.mean, ((3, 4),)),
    C("reduce_max", lambda x: tf.reduce_max(x, axis=0), lambda x: jnp.max(x, axis=0), ((3, 4),)),
    C(
        "reduce_min",
        lambda x: tf.reduce_min(x, axis=-1, keepdims=True),
        lambda x: jnp.min(x, axis=-1, keepdims=True),
        ((3, 4),),
    ),
    C("reduce_prod", lambda x: tf.reduce_prod(x, axis=1), lambda x: jnp.prod(x, axis=1), ((3, 4),), "pos"),
    C("reduce_std", lambda x: tf.math.reduce_std(x, axis=1), lambda x: jnp.std(x, axis=1), ((3, 4),)),
    C("reduce_variance", lambda x: tf.math.reduce_variance(x), jnp.var, ((3, 4),)),
    C("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=1), lambda x: jax.nn.logsumexp(x, axis=1), ((3, 4),)),
    C("cumsum", lambda x: tf.cumsum(x, axis=1), lambda x: jnp.cumsum(x, axis=1), ((3, 4),)),
    C("clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: jnp.clip(x, -0.5, 0.5), ((3, 4),)),
    C(
        "clip_by_norm",
        lambda x: tf.clip_by_norm(x, 0.5),
        lambda x: x * 0.5 / jnp.maximum(jnp.sqrt(jnp.sum(x * x)), 0.5),
        ((3, 4),),
    ),
    C(
        "clip_by_global_norm",
        lambda x, y: tf.add_n([tf.reduce_sum(t) for t in tf.clip_by_global_norm([x, y], 0.5)[0]]),
        lambda x, y: (jnp.sum(x) + jnp.sum(y)) * 0.5 / jnp.maximum(jnp.sqrt(jnp.sum(x * x) + jnp.sum(y * y)), 0.5),
        ((3,), (2, 2)),
    ),
    # linear algebra
    C("matmul", lambda a, b: tf.matmul(a, b), jnp.matmul, ((3, 4), (4, 2))),
    C(
        "matmul_transposed",
        lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
        lambda a, b: a.T @ b.T,
        ((4, 3), (2, 4)),
    ),
    C("matmul_batched", lambda a, b: a @ b, jnp.matmul, ((2, 3, 4), (2, 4, 2))),
    C("tensordot", lambda a, b: tf.tensordot(a, b, axes=1), lambda a, b: jnp.tensordot(a, b, axes=1), ((3, 4), (4, 2))),
    C(
        "einsum",
        lambda a, b: tf.einsum("ij,jk->ik", a, b),
        lambda a, b: jnp.einsum("ij,jk->ik", a, b),
        ((3, 4), (4, 2)),
    ),
    C("matvec", lambda a, b: tf.linalg.matvec(a, b), lambda a, b: a @ b, ((3, 4), (4,))),
    C("inv", lambda a: tf.linalg.inv(a), jnp.linalg.inv, ((3, 3),), "spd"),
    C("det", lambda a: tf.linalg.det(a), jnp.linalg.det, ((3, 3),), "spd"),
    C("solve", lambda a, b: tf.linalg.solve(a, b), jnp.linalg.solve, ((3, 3), (3, 2)), "spd"),
    # (symmetrized first: cholesky reads only the lower triangle, with TF's symmetric gradient, which
    # is the derivative only along symmetric directions; the numerical check takes any direction)
    C(
        "cholesky",
        lambda a: tf.linalg.cholesky((a + tf.linalg.matrix_transpose(a)) / 2),
        lambda a: jnp.linalg.cholesky((a + a.T) / 2),
        ((3, 3),),
        "spd",
    ),
    C(
        "global_norm",
        lambda x, y: tf.linalg.global_norm([x, y]),
        lambda x, y: jnp.sqrt(jnp.sum(x * x) + jnp.sum(y * y)),
        ((3,), (2, 2)),
    ),
    C("norm", lambda x: tf.norm(x), lambda x: jnp.sqrt(jnp.sum(x * x)), ((3, 4),)),
    C("linalg_norm_axis", lambda x: tf.linalg.norm(x, axis=1), lambda x: jnp.sqrt(jnp.sum(x * x, axis=1)), ((3, 4),)),
    C("transpose", lambda x: tf.transpose(x) * tf.range(3, dtype=x.dtype), lambda x: x.T * jnp.arange(3), ((3, 4),)),
    C("matrix_transpose", lambda x: tf.linalg.matrix_transpose(x), lambda x: jnp.swapaxes(x, -1, -2), ((2, 3, 4),)),
    # shape
    C(
        "reshape",
        lambda x: tf.reshape(x, [4, -1]) * tf.range(3, dtype=x.dtype),
        lambda x: x.reshape(4, -1) * jnp.arange(3),
        ((3, 4),),
    ),
    C(
        "concat",
        lambda x, y: tf.concat([x, y, x], axis=0),
        lambda x, y: jnp.concatenate([x, y, x], 0),
        ((2, 3), (1, 3)),
    ),
    C("stack", lambda x, y: tf.stack([x, y], axis=1), lambda x, y: jnp.stack([x, y], 1), ((2, 3), (2, 3))),
    C("unstack", lambda x: tf.unstack(x)[1] * 2, lambda x: x[1] * 2, ((3, 4),)),
    C(
        "iterate",
        lambda x: tf.add_n([r * float(i) for i, r in enumerate(x)]),
        lambda x: sum(r * i for i, r in enumerate(x)),
        ((3, 4),),
    ),
    C("split", lambda x: tf.split(x, 2, axis=1)[1] * 3, lambda x: x[:, 2:] * 3, ((3, 4),)),
    C("split_sizes", lambda x: tf.split(x, [1, 3], axis=1)[0] * 3, lambda x: x[:, :1] * 3, ((3, 4),)),
    C("squeeze", lambda x: tf.squeeze(x), jnp.squeeze, ((3, 1, 4),)),
    C(
        "expand_dims",
        lambda x: tf.expand_dims(x, 1) * tf.ones([3, 2, 4], x.dtype),
        lambda x: x[:, None] * jnp.ones((3, 2, 4)),
        ((3, 4),),
    ),
    C(
        "tile",
        lambda x: tf.tile(x, [2, 1]) * tf.range(6, dtype=x.dtype)[:, None],
        lambda x: jnp.tile(x, (2, 1)) * jnp.arange(6)[:, None],
        ((3, 4),),
    ),
    C("gather", lambda x: tf.gather(x, tf.constant([2, 0, 2])), lambda x: x[jnp.array([2, 0, 2])], ((3, 4),)),
    C("gather_axis1", lambda x: tf.gather(x, [3, 1], axis=1), lambda x: x[:, jnp.array([3, 1])], ((3, 4),)),
    C(
        "gather_nd",
        lambda x: tf.gather_nd(x, [[0, 1], [2, 3]]),
        lambda x: x[jnp.array([0, 2]), jnp.array([1, 3])],
        ((3, 4),),
    ),
    C("boolean_mask", lambda x: tf.boolean_mask(x, [True, False, True]), lambda x: x[jnp.array([0, 2])], ((3, 4),)),
    C(
        "broadcast_to",
        lambda x: tf.broadcast_to(x, [3, 4]) * tf.range(3, dtype=x.dtype)[:, None],
        lambda x: jnp.broadcast_to(x, (3, 4)) * jnp.arange(3)[:, None],
        ((4,),),
    ),
    C(
        "pad",
        lambda x: tf.pad(x, [[1, 0], [0, 2]]) * tf.range(4, dtype=x.dtype)[:, None],
        lambda x: jnp.pad(x, ((1, 0), (0, 2))) * jnp.arange(4)[:, None],
        ((3, 4),),
    ),
    C(
        "reverse",
        lambda x: tf.reverse(x, [1]) * tf.range(4, dtype=x.dtype),
        lambda x: x[:, ::-1] * jnp.arange(4),
        ((3, 4),),
    ),
    C("slice", lambda x: tf.slice(x, [1, 0], [2, 3]), lambda x: x[1:3, 0:3], ((3, 4),)),
    C("strided_slice", lambda x: x[::-1, 1::2] * 2 + x[0, -1], lambda x: x[::-1, 1::2] * 2 + x[0, -1], ((3, 4),)),
    C(
        "sort",
        lambda x: tf.sort(x, axis=-1) * tf.range(4, dtype=x.dtype),
        lambda x: jnp.sort(x, axis=-1) * jnp.arange(4),
        ((3, 4),),
    ),
    C(
        "stop_gradient",
        lambda x: x * tf.stop_gradient(x),
        lambda x: x * jax.lax.stop_gradient(x),
        ((3,),),
        numeric_order=0,
    ),
]

# Op families added later keep their cases in tests/op_cases_<family>.py (a ``CASES`` list each).
for _path in sorted(Path(__file__).parent.glob("op_cases_*.py")):
    CASES.extend(importlib.import_module(_path.stem).CASES)


def _inputs(case: Case, dtype: Any, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for shape in case.shapes:
        if case.domain == "pos":
            x = rng.uniform(0.5, 2.0, shape)
        elif case.domain == "unit":
            x = rng.uniform(-0.9, 0.9, shape)
        elif case.domain == "spd" and len(shape) == 2 and shape[0] == shape[1]:
            a = rng.normal(size=shape)
            x = a @ a.T + shape[0] * np.eye(shape[0])
        else:
            x = rng.normal(size=shape)
        out.append(np.asarray(x, dtype=dtype))
    return out


def _cotangent(out_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.asarray(np.random.default_rng(1).normal(size=out_shape), dtype=dtype)


def _tape_grads(case: Case, xs: list[np.ndarray]) -> tuple[Any, list[np.ndarray]]:
    """The forward value recorded under a tape and the tape's gradients (zeros for None)."""
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = case.tf_fn(*ts)
    ct = _cotangent(tuple(y.shape), xs[0].dtype)
    grads = tape.gradient(y, ts, output_gradients=tf.constant(ct))
    return y, [
        np.zeros_like(x) if g is None else tf.convert_to_tensor(g).numpy() for g, x in zip(grads, xs, strict=True)
    ]


def _jax_reference(case: Case, xs: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """``jnp_fn``'s value and its VJP of the fixed cotangent, from one ``jax.vjp``."""
    y, vjp = jax.vjp(lambda *a: case.jnp_fn(*a), *[jnp.asarray(x) for x in xs])
    ct = _cotangent(tuple(np.shape(y)), xs[0].dtype)
    return np.asarray(y), [np.asarray(g) for g in vjp(jnp.asarray(ct, dtype=y.dtype))]


def _check_forward(got: Any, want: np.ndarray) -> None:
    assert tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_and_tape_gradient_match_jax(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forward value (as a plain call and as recorded under a tape) against ``jnp_fn``, and the tape
    gradient against ``jax.vjp`` of the same program."""
    xs = _inputs(case, np.float32)
    # (One test for both checks: they share the reference run and the float32 kernels, whose compiles
    # are most of their time, whichever pytest-xdist worker runs them.)
    want_y, want = _jax_reference(case, xs)
    _check_forward(case.tf_fn(*[tf.constant(x) for x in xs]), want_y)
    # Both forms of a step. First as in a loop of new structures: the recorded ops run at the call and
    # the gradient node by node (per-op VJP kernels). Then as in a loop that repeats: the ops queued
    # and the step compiled whole (see lazy._recent and lazy.tape_structures).
    for module, cache in ((backward, "_PULLBACKS"), (backward, "_BY_SIGNATURE"), (lazy, "_PROGRAMS")):
        monkeypatch.setattr(module, cache, OrderedDict())  # a structure new to this test, whatever ran before
    monkeypatch.setattr(lazy, "_SEEN", set())
    forms: list[object] = []
    real = backward._pullback_core
    monkeypatch.setattr(backward, "_pullback_core", lambda *a: (forms.append(a[3]), real(*a))[1])
    # The compiled form on a sample: every case's whole-step pullback is compiled (inside tf.function)
    # by the float64 numerical check below, and tests/test_lazy.py covers the engine's compiled steps.
    for run in ("by node", "compiled") if case.name in _EAGER_SAMPLE else ("by node",):
        forms.clear()
        for record in ("_recent", "tape_structures"):
            monkeypatch.setattr(lazy, record, lazy.Recent([run == "by node"] * lazy.RECENT))
        y, grads = _tape_grads(case, xs)
        _check_forward(y, want_y)
        for got, w, x in zip(grads, want, xs, strict=True):
            assert got.shape == x.shape and got.dtype == x.dtype
            np.testing.assert_allclose(got, w, rtol=1e-4, atol=1e-5)
        assert (backward._node_vjp_by_kernel in forms) == (run == "by node")


# -- float64 numerical check, to second order through nested tapes ---------------------------------
def numerical_check(
    fn: Callable[..., Any],
    xs: list[np.ndarray],
    order: int = 2,
    eps: float = 1e-6,
    tol: float = 1e-5,
    compiled: bool = True,
) -> None:
    """Checks tape derivatives of ``fn`` against central differences, up to ``order``.

    First order: <tape grad, v> vs (f(x + eps v) - f(x - eps v)) / 2 eps, for f = <fn(x), ct>.
    Second order: the outer tape's gradient of <inner grad, v> (a Hessian-vector product through
    nested tapes) vs central differences of the inner tape gradient.
    Both orders come from one pair of nested tapes (the inner tape's gradient is the first derivative;
    the outer tape's, the second): one program, run at x and at x +- eps v. Order 1: one tape alone.

    ``compiled``: the tapes run inside ``tf.function`` (one program, called at the three points: the
    same gradient rules as eagerly, at a fraction of the compile time of the eager check's per-op
    kernels); else eagerly.

    Raises:
      AssertionError: if a derivative disagrees.
    """
    rng = np.random.default_rng(2)
    vs = [rng.normal(size=x.shape) for x in xs]
    wrap = tf.function(autograph=False) if compiled else (lambda f: f)

    def scalar(*ts: Any) -> Any:
        y = fn(*ts)  # against a fixed random cotangent of y's shape (stateless: the same at every call)
        return tf.reduce_sum(y * tf.random.stateless_normal(y.shape, seed=[2, 0], dtype=y.dtype))

    def dense(gs: Any, ts: list[Any]) -> list[Any]:
        return [tf.zeros_like(t) if g is None else tf.convert_to_tensor(g) for g, t in zip(gs, ts, strict=True)]

    @wrap
    def derivatives(ts: list[Any], vts: list[Any]) -> Any:
        """y, its gradient and (order 2) the Hessian-vector product with ``vts``."""
        if order < 2:
            with tf.GradientTape() as tape:
                tape.watch(ts)
                y = scalar(*ts)
            return y, dense(tape.gradient(y, ts), ts), []
        with tf.GradientTape() as outer:
            outer.watch(ts)
            with tf.GradientTape() as inner:
                inner.watch(ts)
                y = scalar(*ts)
            g_in = inner.gradient(y, ts)
            gv = tf.add_n(
                [
                    tf.reduce_sum(tf.convert_to_tensor(gi) * vi)
                    for gi, vi in zip(g_in, vts, strict=True)
                    if gi is not None
                ]
            )
        return y, dense(g_in, ts), dense(outer.gradient(gv, ts), ts)

    vts = [tf.constant(v) for v in vs]

    def at(sign: float) -> Any:
        y, g, hv = derivatives([tf.constant(x + sign * eps * v) for x, v in zip(xs, vs, strict=True)], vts)
        return float(y), [gi.numpy() for gi in g], [h.numpy() for h in hv]

    _, g, hv = at(0.0)
    (y_plus, g_plus, _), (y_minus, g_minus, _) = at(1.0), at(-1.0)
    analytic = sum(float(np.sum(gi * vi)) for gi, vi in zip(g, vs, strict=True))
    numeric = (y_plus - y_minus) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=tol, atol=tol, err_msg="first derivative")
    for h, gp, gm in zip(hv, g_plus, g_minus, strict=True) if order >= 2 else ():
        np.testing.assert_allclose(h, (gp - gm) / (2 * eps), rtol=10 * tol, atol=10 * tol, err_msg="second derivative")


# Ops with data-dependent output shapes cannot be traced, nor can Python iteration of a tensor (TF
# raises too, inside tf.function without AutoGraph): their check runs eagerly.
_EAGER_ONLY = {"boolean_mask", "dynamic_partition", "dynamic_stitch", "iterate"}
# The eager check (per-op kernels, the lazy engine's nested tapes) on a sample of every family; every
# case's eager first order is also checked against jax.grad above, in both of the engine's forms.
_EAGER_SAMPLE = {"sinh", "softmax", "matmul", "gather", "reduce_max", "cholesky", "conv2d_same_strided", "cumsum"}


@pytest.mark.parametrize("case", [c for c in CASES if c.numeric_order], ids=lambda c: c.name)
def test_numerical_float64_second_order(case: Case) -> None:
    xs = _inputs(case, np.float64, seed=3)
    numerical_check(case.tf_fn, xs, order=case.numeric_order, compiled=case.name not in _EAGER_ONLY)
    if case.name in _EAGER_SAMPLE:
        numerical_check(case.tf_fn, xs, order=case.numeric_order, compiled=False)


def test_eager_sample_names_are_cases() -> None:
    assert {c.name for c in CASES if c.numeric_order} >= (_EAGER_SAMPLE | _EAGER_ONLY)


def test_dropout_gradient_is_its_scaled_mask() -> None:
    x = tf.constant(np.random.default_rng(0).uniform(1.0, 2.0, (50,)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.5, seed=3)
    g = tape.gradient(y, x).numpy()
    kept = y.numpy() != 0
    assert 0 < kept.sum() < 50
    np.testing.assert_allclose(g, np.where(kept, 2.0, 0.0))


def test_tf_not_differentiable_ops_give_none() -> None:
    """TF registers OneHot and Range as NotDifferentiable: the tape gives None through them."""
    a = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        ys = [
            tf.one_hot([0, 2], 3, on_value=a, off_value=a * 0),
            tf.range(a, a * 4, 1.0),
        ]
    for y in ys:
        assert tape.gradient(y, a) is None


# Differentiable ops whose gradient is pinned by a dedicated test instead of a table entry.
_DEDICATED = {"Dropout": test_dropout_gradient_is_its_scaled_mask}


def test_numerical_check_catches_a_wrong_first_derivative() -> None:
    @tf.custom_gradient
    def bad_sin(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * tf.cos(x) * 1.01

        return tf.sin(x), grad

    for compiled in (True, False):
        with pytest.raises(AssertionError, match="first derivative"):
            numerical_check(bad_sin, [np.array([0.3, 1.2])], compiled=compiled)


def test_numerical_check_catches_a_wrong_second_derivative() -> None:
    @tf.custom_gradient
    def cube(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            # Right value 3x², wrong derivative: stop_gradient hides one factor from the outer tape.
            return dy * 3 * x * tf.stop_gradient(x)

        return x * x * x, grad

    for compiled in (True, False):
        numerical_check(cube, [np.array([0.3, 1.2])], order=1, compiled=compiled)  # first order is right
        with pytest.raises(AssertionError, match="second derivative"):
            numerical_check(cube, [np.array([0.3, 1.2])], order=2, compiled=compiled)


def test_every_differentiable_op_has_a_gradient_case() -> None:
    """Runs every case under a tape and collects the Ops recorded; compares with the op table."""
    seen: set[core.Op] = set()
    for case in CASES:
        ts = [tf.constant(x) for x in _inputs(case, np.float32)]
        with GradientTape(persistent=True) as tape:
            tape.watch(ts)
            case.tf_fn(*ts)
        seen.update(node.op for node in tape._nodes)
    table = set()
    gc.collect()
    import tapejax._src.ops as ops_pkg

    for mod_name in _op_modules(ops_pkg):
        mod = __import__(mod_name, fromlist=["_"])
        for value in vars(mod).values():
            if isinstance(value, core.Op) and value.differentiable:
                table.add(value)
    missing = sorted(op.name for op in table - seen if op.name not in _DEDICATED)
    assert not missing, f"differentiable ops without a gradient case: {missing}"


def _op_modules(pkg: Any) -> list[str]:
    import pkgutil

    return [f"{pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]
