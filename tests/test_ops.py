"""One op-spec table drives the forward check of every op: values vs numpy/jnp, exact shape, and the
exact dtype TensorFlow gives. Op-specific rules (dtype inference, errors, random streams) follow."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf

_rng = np.random.default_rng(0)


def f32(*shape: int, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    return _rng.uniform(lo, hi, shape).astype(np.float32)


def f64(*shape: int, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    return _rng.uniform(lo, hi, shape).astype(np.float64)


def i32(*shape: int, lo: int = -5, hi: int = 6) -> np.ndarray:
    return _rng.integers(lo, hi, shape).astype(np.int32)


def b(*shape: int) -> np.ndarray:
    return _rng.integers(0, 2, shape).astype(bool)


def spd(n: int) -> np.ndarray:
    a = _rng.normal(size=(n, n))
    return (a @ a.T + n * np.eye(n)).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class Spec:
    """``tf_fn(*tensors)`` must equal ``ref_fn(*arrays)`` with TF's ``dtype`` (one per output)."""

    name: str  # the public name exercised, as typed after ``tf.``
    tf_fn: Callable[..., Any]
    ref_fn: Callable[..., Any]
    args: tuple[np.ndarray, ...]
    dtype: str | tuple[str, ...]
    tol: float = 1e-5


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf)(x)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


S = Spec
X23, Y23, P23 = f32(2, 3), f32(2, 3), f32(2, 3, lo=0.5, hi=2.0)
I23, J23 = i32(2, 3), i32(2, 3, lo=1, hi=6)
B23, C23 = b(2, 3), b(2, 3)
SPECS: list[Spec] = [
    # -- creation ---------------------------------------------------------------------------------
    S(
        "constant",
        lambda: tf.constant([[1, 2], [3, 4]], dtype=tf.float64),
        lambda: np.array([[1.0, 2], [3, 4]]),
        (),
        "float64",
    ),
    S(
        "convert_to_tensor",
        lambda x: tf.convert_to_tensor([x[0], 2.0 * x[1]]),
        lambda x: np.stack([x[0], 2 * x[1]]),
        (X23,),
        "float32",
    ),
    S("zeros", lambda: tf.zeros([2, 3], tf.int32), lambda: np.zeros((2, 3)), (), "int32"),
    S("ones", lambda: tf.ones((2,)), lambda: np.ones(2), (), "float32"),
    S("zeros_like", lambda x: tf.zeros_like(x), np.zeros_like, (I23,), "int32"),
    S("ones_like", lambda x: tf.ones_like(x, dtype=tf.float64), np.ones_like, (X23,), "float64"),
    S("fill", lambda: tf.fill([2, 2], 1.5), lambda: np.full((2, 2), 1.5), (), "float32"),
    S("eye", lambda: tf.eye(2, 3, batch_shape=[2]), lambda: np.broadcast_to(np.eye(2, 3), (2, 2, 3)), (), "float32"),
    S("range", lambda: tf.range(10, 0, -3), lambda: np.arange(10, 0, -3), (), "int32"),
    S("range", lambda: tf.range(1.0, 2.0, 0.25), lambda: np.arange(1.0, 2.0, 0.25), (), "float32"),
    S("range", lambda: tf.range(4, dtype=tf.int64), lambda: np.arange(4), (), "int64"),
    S("linspace", lambda: tf.linspace(0.0, 1.0, 5), lambda: np.linspace(0, 1, 5), (), "float32"),
    S("linspace", lambda: tf.linspace(0, 10, 3), lambda: np.linspace(0, 10, 3), (), "float64"),
    S(
        "linspace",
        lambda: tf.linspace([0.0, 5.0], [10.0, 40.0], 5, axis=1),
        lambda: np.linspace([0.0, 5.0], [10.0, 40.0], 5, axis=1),
        (),
        "float32",
    ),
    S("identity", lambda x: tf.identity(x), lambda x: x, (X23,), "float32"),
    S("cast", lambda x: tf.cast(x, tf.int32), lambda x: np.trunc(x), (X23,), "int32"),
    S("cast", lambda x: tf.cast(x, tf.float64), lambda x: x, (I23,), "float64"),
    S(
        "one_hot",
        lambda: tf.one_hot([0, 2, -1, 5], 3),
        lambda: np.eye(4, 3)[[0, 2, 3, 3]] * [[1], [1], [0], [0]],
        (),
        "float32",
    ),
    S(
        "one_hot",
        lambda: tf.one_hot([[1], [0]], 2, 5, -1, axis=0),
        lambda: np.array([[[-1], [5]], [[5], [-1]]]),
        (),
        "int32",
    ),
    # -- element-wise math ----------------------------------------------------------------------------
    S("add", lambda x, y: tf.add(x, y), np.add, (X23, Y23[0]), "float32"),
    S("add", lambda x: tf.add(x, 1), lambda x: x + 1, (I23,), "int32"),
    S("subtract", lambda x, y: tf.subtract(x, y), np.subtract, (X23, Y23), "float32"),
    S("multiply", lambda x, y: tf.multiply(x, y), np.multiply, (I23, J23), "int32"),
    S("divide", lambda x, y: tf.divide(x, y), np.divide, (X23, P23), "float32"),
    S("divide", lambda x, y: tf.divide(x, y), np.divide, (I23, J23), "float64"),
    S("truediv", lambda x, y: tf.truediv(x, y), np.divide, (X23, P23), "float32"),
    S("math.floordiv", lambda x, y: tf.math.floordiv(x, y), np.floor_divide, (I23, J23), "int32"),
    S("math.floordiv", lambda x, y: x // y, np.floor_divide, (X23, P23), "float32"),
    S("math.mod", lambda x, y: tf.math.mod(x, y), np.mod, (I23, J23), "int32"),
    S("math.floormod", lambda x, y: tf.math.floormod(x, y), np.mod, (X23, P23), "float32"),
    S("pow", lambda x, y: tf.pow(x, y), np.power, (P23, Y23), "float32"),
    S("pow", lambda x: x**2, lambda x: x**2, (I23,), "int32"),
    S("negative", lambda x: tf.negative(x), np.negative, (I23,), "int32"),
    S("abs", lambda x: tf.abs(x), np.abs, (X23,), "float32"),
    S("abs", lambda: tf.abs(tf.constant([3 + 4j])), lambda: np.array([5.0]), (), "float64"),
    S("sign", lambda x: tf.sign(x), np.sign, (I23,), "int32"),
    S("square", lambda x: tf.square(x), np.square, (X23,), "float32"),
    S("sqrt", lambda x: tf.sqrt(x), np.sqrt, (P23,), "float32"),
    S("math.rsqrt", lambda x: tf.math.rsqrt(x), lambda x: 1 / np.sqrt(x), (P23,), "float32"),
    S("exp", lambda x: tf.exp(x), np.exp, (X23,), "float32"),
    S("math.expm1", lambda x: tf.math.expm1(x), np.expm1, (X23,), "float32"),
    S("math.log", lambda x: tf.math.log(x), np.log, (P23,), "float32"),
    S("math.log1p", lambda x: tf.math.log1p(x), np.log1p, (P23,), "float32"),
    S("sin", lambda x: tf.sin(x), np.sin, (X23,), "float32"),
    S("cos", lambda x: tf.cos(x), np.cos, (X23,), "float32"),
    S("tan", lambda x: tf.tan(x), np.tan, (X23,), "float32", 1e-4),
    S("tanh", lambda x: tf.tanh(x), np.tanh, (X23,), "float32"),
    S("sinh", lambda x: tf.sinh(x), np.sinh, (X23,), "float32"),
    S("cosh", lambda x: tf.cosh(x), np.cosh, (X23,), "float32"),
    S("sigmoid", lambda x: tf.sigmoid(x), _sigmoid, (X23,), "float32"),
    S("math.sigmoid", lambda x: tf.math.sigmoid(x), _sigmoid, (f64(3),), "float64"),
    S("maximum", lambda x, y: tf.maximum(x, y), np.maximum, (X23, Y23), "float32"),
    S("minimum", lambda x, y: tf.minimum(x, y), np.minimum, (I23, J23), "int32"),
    S(
        "math.squared_difference",
        lambda x, y: tf.math.squared_difference(x, y),
        lambda x, y: (x - y) ** 2,
        (X23, Y23),
        "float32",
    ),
    S("add_n", lambda x, y: tf.add_n([x, y, x]), lambda x, y: 2 * x + y, (X23, Y23), "float32"),
    S(
        "round",
        lambda: tf.round(tf.constant([0.5, 1.5, 2.5, -0.5, 1.4])),
        lambda: np.array([0.0, 2, 2, -0, 1]),
        (),
        "float32",
    ),
    S("floor", lambda x: tf.floor(x), np.floor, (X23,), "float32"),
    S("math.ceil", lambda x: tf.math.ceil(x), np.ceil, (X23,), "float32"),
    S("clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), (X23,), "float32"),
    S(
        "clip_by_value",
        lambda x, y: tf.clip_by_value(x, y[0], 3),
        lambda x, y: np.clip(x, y[0], 3),
        (I23, J23),
        "int32",
    ),
    S(
        "clip_by_norm",
        lambda x: tf.clip_by_norm(x, 1.0),
        lambda x: x / max(np.sqrt(np.sum(x * x)), 1.0),
        (X23,),
        "float32",
    ),
    S(
        "clip_by_norm",
        lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
        lambda x: x / np.maximum(np.sqrt(np.sum(x * x, axis=1, keepdims=True)), 1.0),
        (X23,),
        "float32",
    ),
    S(
        "clip_by_global_norm",
        lambda x, y: [*tf.clip_by_global_norm([x, y], 1.0)[0], tf.clip_by_global_norm([x, y], 1.0)[1]],
        lambda x, y: [
            x / max(np.sqrt(np.sum(x * x) + np.sum(y * y)), 1.0),
            y / max(np.sqrt(np.sum(x * x) + np.sum(y * y)), 1.0),
            np.sqrt(np.sum(x * x) + np.sum(y * y)),
        ],
        (X23, f32(4)),
        ("float32", "float32", "float32"),
    ),
    S(
        "linalg.global_norm",
        lambda x, y: tf.linalg.global_norm([x, y]),
        lambda x, y: np.sqrt(np.sum(x * x) + np.sum(y * y)),
        (X23, Y23),
        "float32",
    ),
    S("equal", lambda x, y: tf.equal(x, y), np.equal, (I23, J23), "bool"),
    S("not_equal", lambda x, y: tf.not_equal(x, y), np.not_equal, (I23, J23), "bool"),
    S("less", lambda x, y: tf.less(x, y), np.less, (X23, Y23), "bool"),
    S("less_equal", lambda x, y: tf.less_equal(x, y), np.less_equal, (I23, J23), "bool"),
    S("greater", lambda x, y: tf.greater(x, y), np.greater, (X23, Y23), "bool"),
    S("greater_equal", lambda x, y: tf.greater_equal(x, y), np.greater_equal, (I23, J23), "bool"),
    S("logical_and", lambda x, y: tf.logical_and(x, y), np.logical_and, (B23, C23), "bool"),
    S("logical_or", lambda x, y: tf.logical_or(x, y), np.logical_or, (B23, C23), "bool"),
    S("logical_not", lambda x: tf.logical_not(x), np.logical_not, (B23,), "bool"),
    S("math.logical_xor", lambda x, y: tf.math.logical_xor(x, y), np.logical_xor, (B23, C23), "bool"),
    S("where", lambda c, x, y: tf.where(c, x, y), np.where, (B23, X23, Y23), "float32"),
    S("where", lambda c, x: tf.where(c, x, 0.0), lambda c, x: np.where(c, x, 0), (B23[0], X23), "float32"),
    S("where", lambda c: tf.where(c), np.argwhere, (B23,), "int64"),
    S(
        "math.is_nan",
        lambda: tf.math.is_nan(tf.constant([1.0, np.nan, np.inf])),
        lambda: np.array([0, 1, 0], bool),
        (),
        "bool",
    ),
    S(
        "math.is_finite",
        lambda: tf.math.is_finite(tf.constant([1.0, np.nan, -np.inf])),
        lambda: np.array([1, 0, 0], bool),
        (),
        "bool",
    ),
    # -- reductions and scans ---------------------------------------------------------------------
    S("reduce_sum", lambda x: tf.reduce_sum(x), np.sum, (X23,), "float32"),
    S(
        "reduce_sum",
        lambda x: tf.reduce_sum(x, axis=1, keepdims=True),
        lambda x: x.sum(1, keepdims=True),
        (I23,),
        "int32",
    ),
    S("reduce_sum", lambda x: tf.reduce_sum(x, axis=[0, -1]), lambda x: x.sum(), (I23,), "int32"),
    S("reduce_mean", lambda x: tf.reduce_mean(x, 0), lambda x: x.mean(0), (X23,), "float32"),
    S("reduce_mean", lambda x: tf.reduce_mean(x, 1), lambda x: np.trunc(x.sum(1) / 3), (I23,), "int32"),
    S("reduce_max", lambda x: tf.reduce_max(x, -1), lambda x: x.max(-1), (X23,), "float32"),
    S("reduce_max", lambda: tf.reduce_max(tf.zeros([0])), lambda: np.array(-np.inf), (), "float32"),
    S("reduce_min", lambda x: tf.reduce_min(x), np.min, (I23,), "int32"),
    S("reduce_prod", lambda x: tf.reduce_prod(x, 0), lambda x: x.prod(0), (I23,), "int32"),
    S("math.reduce_std", lambda x: tf.math.reduce_std(x, 1), lambda x: x.std(1), (X23,), "float32"),
    S("math.reduce_variance", lambda x: tf.math.reduce_variance(x), np.var, (f64(4, 2),), "float64"),
    S(
        "math.reduce_variance",
        lambda: tf.math.reduce_variance(tf.constant([1 + 1j, 1 - 1j])),
        lambda: np.array(1.0),
        (),
        "float64",
    ),
    S(
        "reduce_logsumexp",
        lambda x: tf.reduce_logsumexp(x, axis=1),
        lambda x: np.log(np.sum(np.exp(x), axis=1)),
        (X23,),
        "float32",
    ),
    S(
        "reduce_logsumexp",
        lambda: tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf])),
        lambda: np.array(-np.inf),
        (),
        "float32",
    ),
    S("reduce_all", lambda x: tf.reduce_all(x, 0), lambda x: x.all(0), (B23,), "bool"),
    S("reduce_any", lambda x: tf.reduce_any(x), np.any, (B23,), "bool"),
    S("argmax", lambda x: tf.argmax(x), lambda x: x.argmax(0), (X23,), "int64"),
    S("argmax", lambda x: tf.argmax(x, 1, output_type=tf.int32), lambda x: x.argmax(1), (I23,), "int32"),
    S("argmin", lambda x: tf.argmin(x, axis=-1), lambda x: x.argmin(-1), (X23,), "int64"),
    S("cumsum", lambda x: tf.cumsum(x, axis=1), lambda x: x.cumsum(1), (I23,), "int32"),
    S(
        "cumsum",
        lambda x: tf.cumsum(x, exclusive=True, reverse=True),
        lambda x: np.flip(np.cumsum(np.flip(x, 0), 0), 0) - x,
        (X23,),
        "float32",
    ),
    # -- linear algebra ---------------------------------------------------------------------------
    S("matmul", lambda a, b: tf.matmul(a, b), np.matmul, (f32(2, 3), f32(3, 4)), "float32"),
    S(
        "matmul",
        lambda a, b: tf.matmul(a, b, transpose_a=True, adjoint_b=True),
        lambda a, b: a.T @ b.T,
        (f32(3, 2), f32(4, 3)),
        "float32",
    ),
    S("matmul", lambda a, b: a @ b, np.matmul, (f32(5, 2, 3), f32(1, 3, 4)), "float32"),
    S("matmul", lambda a, b: tf.matmul(a, b), np.matmul, (i32(2, 3), i32(3, 2)), "int32"),
    S(
        "tensordot",
        lambda a, b: tf.tensordot(a, b, 1),
        lambda a, b: np.tensordot(a, b, 1),
        (f32(2, 3), f32(3, 4)),
        "float32",
    ),
    S(
        "tensordot",
        lambda a, b: tf.tensordot(a, b, [[0, 2], [2, 0]]),
        lambda a, b: np.tensordot(a, b, [[0, 2], [2, 0]]),
        (f32(2, 3, 4), f32(4, 5, 2)),
        "float32",
    ),
    S(
        "einsum",
        lambda a, b: tf.einsum("bij,bjk->bik", a, b),
        lambda a, b: a @ b,
        (f32(2, 2, 3), f32(2, 3, 2)),
        "float32",
    ),
    S("linalg.matvec", lambda a, v: tf.linalg.matvec(a, v), lambda a, v: a @ v, (f32(2, 3), f32(3)), "float32"),
    S(
        "linalg.matvec",
        lambda a, v: tf.linalg.matvec(a, v, transpose_a=True),
        lambda a, v: a.T @ v,
        (f32(2, 3), f32(2)),
        "float32",
    ),
    S("linalg.inv", lambda a: tf.linalg.inv(a), np.linalg.inv, (spd(3),), "float32", 1e-4),
    S("linalg.det", lambda a: tf.linalg.det(a), np.linalg.det, (spd(3),), "float32", 1e-4),
    S("linalg.solve", lambda a, r: tf.linalg.solve(a, r), np.linalg.solve, (spd(3), f32(3, 2)), "float32", 1e-4),
    S("linalg.cholesky", lambda a: tf.linalg.cholesky(a), np.linalg.cholesky, (spd(3),), "float32", 1e-4),
    S("norm", lambda x: tf.norm(x), lambda x: np.sqrt(np.sum(x * x)), (X23,), "float32"),
    S("norm", lambda x: tf.norm(x, ord=1, axis=1), lambda x: np.abs(x).sum(1), (X23,), "float32"),
    S(
        "norm",
        lambda x: tf.norm(x, ord=3.0, axis=0, keepdims=True),
        lambda x: np.linalg.norm(x, 3, axis=0, keepdims=True),
        (X23,),
        "float32",
    ),
    S(
        "linalg.norm",
        lambda x: tf.linalg.norm(x, ord=np.inf, axis=[0, 1]),
        lambda x: np.linalg.norm(x, np.inf),
        (X23,),
        "float32",
    ),
    S(
        "linalg.norm",
        lambda x: tf.linalg.norm(x, ord=1, axis=(-2, -1)),
        lambda x: np.linalg.norm(x, 1),
        (X23,),
        "float32",
    ),
    S(
        "linalg.norm",
        lambda x: tf.linalg.norm(x, ord=2, axis=[0, 1]),
        lambda x: np.linalg.norm(x, 2),
        (X23,),
        "float32",
        1e-4,
    ),
    S(
        "linalg.norm",
        lambda x: tf.linalg.norm(x, ord="fro", axis=[0, 1]),
        lambda x: np.linalg.norm(x, "fro"),
        (X23,),
        "float32",
    ),
    S("transpose", lambda x: tf.transpose(x), np.transpose, (f32(2, 3, 4),), "float32"),
    S("transpose", lambda x: tf.transpose(x, [1, 0, 2]), lambda x: x.transpose(1, 0, 2), (f32(2, 3, 4),), "float32"),
    S(
        "linalg.matrix_transpose",
        lambda x: tf.linalg.matrix_transpose(x),
        lambda x: x.swapaxes(-1, -2),
        (f32(2, 3, 4),),
        "float32",
    ),
    S("linalg.transpose", lambda x: tf.linalg.transpose(x), lambda x: x.swapaxes(-1, -2), (f32(2, 3, 4),), "float32"),
    # -- shape ------------------------------------------------------------------------------------
    S("reshape", lambda x: tf.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), (X23,), "float32"),
    S(
        "concat",
        lambda x, y: tf.concat([x, y], axis=-1),
        lambda x, y: np.concatenate([x, y], -1),
        (X23, Y23),
        "float32",
    ),
    S("stack", lambda x, y: tf.stack([x, y], axis=1), lambda x, y: np.stack([x, y], 1), (I23, J23), "int32"),
    S("unstack", lambda x: tf.unstack(x, axis=1), lambda x: list(np.moveaxis(x, 1, 0)), (X23,), ("float32",) * 3),
    S("split", lambda x: tf.split(x, 3, axis=1), lambda x: np.split(x, 3, axis=1), (X23,), ("float32",) * 3),
    S("split", lambda x: tf.split(x, [1, -1], axis=1), lambda x: np.split(x, [1], axis=1), (X23,), ("float32",) * 2),
    S("squeeze", lambda x: tf.squeeze(x), np.squeeze, (f32(1, 3, 1),), "float32"),
    S("squeeze", lambda x: tf.squeeze(x, axis=[-1]), lambda x: x[..., 0], (f32(1, 3, 1),), "float32"),
    S("expand_dims", lambda x: tf.expand_dims(x, -1), lambda x: x[..., None], (X23,), "float32"),
    S("tile", lambda x: tf.tile(x, [2, 1]), lambda x: np.tile(x, (2, 1)), (I23,), "int32"),
    S("gather", lambda x: tf.gather(x, [1, 1, 0]), lambda x: x[[1, 1, 0]], (X23,), "float32"),
    S("gather", lambda x: tf.gather(x, [[2], [0]], axis=1), lambda x: x[:, [[2], [0]]], (X23,), "float32"),
    S(
        "gather",
        lambda x: tf.gather(x, [[2, 0], [1, 1]], axis=1, batch_dims=1),
        lambda x: np.take_along_axis(x, np.array([[2, 0], [1, 1]]), 1),
        (X23,),
        "float32",
    ),
    S("gather_nd", lambda x: tf.gather_nd(x, [[1, 2], [0, 0]]), lambda x: x[[1, 0], [2, 0]], (X23,), "float32"),
    S("gather_nd", lambda x: tf.gather_nd(x, [[1]]), lambda x: x[[1]], (X23,), "float32"),
    S("gather_nd", lambda x: tf.gather_nd(x, [[1], [0]], batch_dims=1), lambda x: x[[0, 1], [1, 0]], (X23,), "float32"),
    S("boolean_mask", lambda x, m: tf.boolean_mask(x, m), lambda x, m: x[m], (X23, B23), "float32"),
    S(
        "boolean_mask",
        lambda x: tf.boolean_mask(x, [True, False, True], axis=1),
        lambda x: x[:, [0, 2]],
        (X23,),
        "float32",
    ),
    S("shape", lambda x: tf.shape(x), lambda x: np.array(x.shape), (X23,), "int32"),
    S("shape", lambda x: tf.shape(x, out_type=tf.int64), lambda x: np.array(x.shape), (X23,), "int64"),
    S("size", lambda x: tf.size(x), lambda x: np.array(x.size), (X23,), "int32"),
    S("rank", lambda x: tf.rank(x), lambda x: np.array(x.ndim), (X23,), "int32"),
    S(
        "broadcast_to",
        lambda x: tf.broadcast_to(x, [4, 2, 3]),
        lambda x: np.broadcast_to(x, (4, 2, 3)),
        (X23,),
        "float32",
    ),
    S("pad", lambda x: tf.pad(x, [[1, 0], [2, 1]]), lambda x: np.pad(x, ((1, 0), (2, 1))), (I23,), "int32"),
    S(
        "pad",
        lambda x: tf.pad(x, [[1, 1], [2, 2]], mode="REFLECT"),
        lambda x: np.pad(x, ((1, 1), (2, 2)), mode="reflect"),
        (X23,),
        "float32",
    ),
    S(
        "pad",
        lambda x: tf.pad(x, [[2, 2], [0, 3]], mode="symmetric", constant_values=7),
        lambda x: np.pad(x, ((2, 2), (0, 3)), mode="symmetric"),
        (X23,),
        "float32",
    ),
    S(
        "pad",
        lambda x: tf.pad(x, [[0, 1], [0, 0]], constant_values=7.5),
        lambda x: np.pad(x, ((0, 1), (0, 0)), constant_values=7.5),
        (X23,),
        "float32",
    ),
    S("reverse", lambda x: tf.reverse(x, [0, -1]), lambda x: x[::-1, ::-1], (X23,), "float32"),
    S("slice", lambda x: tf.slice(x, [0, 1], [-1, 2]), lambda x: x[:, 1:3], (X23,), "float32"),
    S("sort", lambda x: tf.sort(x), lambda x: np.sort(x, -1), (X23,), "float32"),
    S("sort", lambda x: tf.sort(x, axis=0, direction="DESCENDING"), lambda x: -np.sort(-x, 0), (I23,), "int32"),
    S("argsort", lambda x: tf.argsort(x), lambda x: np.argsort(x, -1, kind="stable"), (I23,), "int32"),
    S(
        "argsort",
        lambda: tf.argsort(tf.constant([1, 3, 3, 0]), direction="DESCENDING"),
        lambda: np.array([1, 2, 0, 3]),
        (),
        "int32",
    ),
    # -- nn ---------------------------------------------------------------------------------------
    S("nn.relu", lambda x: tf.nn.relu(x), lambda x: np.maximum(x, 0), (X23,), "float32"),
    S("nn.relu", lambda x: tf.nn.relu(x), lambda x: np.maximum(x, 0), (I23,), "int32"),
    S("nn.relu6", lambda x: tf.nn.relu6(x * 4), lambda x: np.clip(x * 4, 0, 6), (X23,), "float32"),
    S("nn.leaky_relu", lambda x: tf.nn.leaky_relu(x), lambda x: np.where(x > 0, x, 0.2 * x), (X23,), "float32"),
    S(
        "nn.leaky_relu",
        lambda x: tf.nn.leaky_relu(x, alpha=0.01),
        lambda x: np.where(x > 0, x, 0.01 * x),
        (f64(3),),
        "float64",
    ),
    S("nn.elu", lambda x: tf.nn.elu(x), lambda x: np.where(x > 0, x, np.expm1(x)), (X23,), "float32"),
    S("nn.selu", lambda x: tf.nn.selu(x), lambda x: np.asarray(jax.nn.selu(x)), (X23,), "float32"),
    S("nn.gelu", lambda x: tf.nn.gelu(x), lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))), (X23,), "float32"),
    S(
        "nn.gelu",
        lambda x: tf.nn.gelu(x, approximate=True),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        (X23,),
        "float32",
    ),
    S("nn.softplus", lambda x: tf.nn.softplus(x), lambda x: np.log1p(np.exp(x)), (X23,), "float32"),
    S("math.softplus", lambda x: tf.math.softplus(x), lambda x: np.log1p(np.exp(x)), (X23,), "float32"),
    S("nn.softmax", lambda x: tf.nn.softmax(x), _softmax, (X23,), "float32"),
    S("nn.softmax", lambda x: tf.nn.softmax(x, axis=0), lambda x: _softmax(x, 0), (X23,), "float32"),
    S("nn.log_softmax", lambda x: tf.nn.log_softmax(x), lambda x: np.log(_softmax(x)), (X23,), "float32"),
    S("nn.sigmoid", lambda x: tf.nn.sigmoid(x), _sigmoid, (X23,), "float32"),
    S("nn.tanh", lambda x: tf.nn.tanh(x), np.tanh, (X23,), "float32"),
    S(
        "nn.sparse_softmax_cross_entropy_with_logits",
        lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=z),
        lambda z: -np.log(_softmax(z))[[0, 1], [2, 0]],
        (X23,),
        "float32",
    ),
    S(
        "nn.softmax_cross_entropy_with_logits",
        lambda y, z: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z),
        lambda y, z: -np.sum(y * np.log(_softmax(z)), -1),
        (_softmax(f32(2, 3)), X23),
        "float32",
    ),
    S(
        "nn.softmax_cross_entropy_with_logits",
        lambda y, z: tf.nn.softmax_cross_entropy_with_logits(y, z, axis=0),
        lambda y, z: -np.sum(y * np.log(_softmax(z, 0)), 0),
        (_softmax(f32(2, 3), 0), X23),
        "float32",
    ),
    S(
        "nn.sigmoid_cross_entropy_with_logits",
        lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
        lambda y, z: -y * np.log(_sigmoid(z)) - (1 - y) * np.log(1 - _sigmoid(z)),
        (f32(2, 3, lo=0, hi=1), X23),
        "float32",
    ),
    S("nn.l2_loss", lambda x: tf.nn.l2_loss(x), lambda x: np.sum(x * x) / 2, (X23,), "float32"),
    S("nn.bias_add", lambda x, c: tf.nn.bias_add(x, c), lambda x, c: x + c, (X23, f32(3)), "float32"),
    S(
        "nn.bias_add",
        lambda x, c: tf.nn.bias_add(x, c, data_format="NCHW"),
        lambda x, c: x + c[None, :, None, None],
        (f32(2, 3, 2, 2), f32(3)),
        "float32",
    ),
    S(
        "nn.moments",
        lambda x: tf.nn.moments(x, axes=[0]),
        lambda x: [x.mean(0), x.var(0)],
        (f32(5, 3),),
        ("float32", "float32"),
    ),
    S(
        "nn.moments",
        lambda x: tf.nn.moments(x, axes=[1], keepdims=True),
        lambda x: [x.mean(1, keepdims=True), x.var(1, keepdims=True)],
        (f64(2, 4),),
        ("float64", "float64"),
    ),
]


def _check(got: Any, want: Any, dtype: str, tol: float) -> None:
    assert isinstance(got, tf.Tensor), f"expected a tf.Tensor, got {type(got).__name__}"
    want = np.asarray(want)
    assert got.dtype.name == dtype, f"dtype {got.dtype.name}, TF gives {dtype}"
    assert tuple(got.shape) == want.shape, f"shape {tuple(got.shape)} vs {want.shape}"
    np.testing.assert_allclose(got.numpy(), want.astype(got.numpy().dtype), rtol=tol, atol=tol)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_op_matches_numpy_with_tf_shape_and_dtype(spec: Spec) -> None:
    got = spec.tf_fn(*[tf.constant(a) for a in spec.args])
    want = spec.ref_fn(*spec.args)
    if isinstance(spec.dtype, tuple):
        assert isinstance(got, (list, tuple)) and len(got) == len(spec.dtype) == len(want)
        for g, w, d in zip(got, want, spec.dtype, strict=True):
            _check(g, w, d, spec.tol)
    else:
        _check(got, want, spec.dtype, spec.tol)


# Every op of the issue, with the namespace it lives in: the table (or a dedicated test below) covers it.
OPS = {
    "": (
        "constant convert_to_tensor zeros ones zeros_like ones_like fill eye range linspace identity cast one_hot "
        "add subtract multiply divide truediv pow negative abs sign square sqrt exp sin cos tan tanh sinh cosh sigmoid "
        "maximum minimum add_n round floor clip_by_value clip_by_norm clip_by_global_norm reduce_sum reduce_mean "
        "reduce_max reduce_min reduce_prod reduce_logsumexp reduce_all reduce_any argmax argmin cumsum equal not_equal "
        "less less_equal greater greater_equal logical_and logical_or logical_not where matmul tensordot einsum norm "
        "transpose reshape concat stack unstack split squeeze expand_dims tile gather gather_nd boolean_mask shape size "
        "rank broadcast_to pad reverse slice sort argsort"
    ),
    "math.": ("floordiv mod rsqrt expm1 log log1p squared_difference ceil reduce_std reduce_variance is_nan is_finite"),
    "linalg.": "matvec inv det solve norm cholesky matrix_transpose",
    "nn.": (
        "relu relu6 leaky_relu elu selu gelu softplus softmax log_softmax sigmoid tanh "
        "sparse_softmax_cross_entropy_with_logits softmax_cross_entropy_with_logits sigmoid_cross_entropy_with_logits "
        "l2_loss bias_add moments"
    ),
}
TESTED_ELSEWHERE = {"nn.dropout"}  # random: see the random tests below


def test_every_op_of_the_issue_has_a_forward_spec() -> None:
    covered = {s.name for s in SPECS} | TESTED_ELSEWHERE
    missing = [ns + name for ns, names in OPS.items() for name in names.split() if ns + name not in covered]
    assert not missing, f"ops without a forward spec: {missing}"


# -- dtype rules ----------------------------------------------------------------------------------
def test_python_scalars_adapt_to_the_tensor_dtype() -> None:
    assert (tf.constant([1.0], tf.float64) * 2).dtype == tf.float64
    assert (2 * tf.constant([1], tf.int64)).dtype == tf.int64
    assert tf.maximum(tf.constant([1.0], tf.float16), 0).dtype == tf.float16
    assert tf.where([True], tf.constant([1], tf.int64), 0).dtype == tf.int64


def test_mixed_tensor_dtypes_raise_invalid_argument_naming_the_op() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"AddV2.*int32.*float32"):
        tf.add(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="ConcatV2"):
        tf.concat([tf.constant([1.0]), tf.constant([1.0], tf.float64)], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="MatMul"):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))


def test_float_only_ops_reject_integer_tensors_as_tf() -> None:
    for fn in (tf.sqrt, tf.exp, tf.math.log, tf.sigmoid, tf.nn.softmax, tf.math.reduce_logsumexp, tf.floor):
        with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
            fn(tf.constant([1, 2]))


def test_reduce_std_and_variance_of_integers_raise_type_error() -> None:
    with pytest.raises(TypeError, match="real or complex"):
        tf.math.reduce_std(tf.constant([1, 2]))


def test_bool_reductions_and_logical_ops_need_bool() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="bool"):
        tf.reduce_all(tf.constant([1, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="numeric"):
        tf.reduce_sum(tf.constant([True]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="LogicalAnd"):
        tf.logical_and(tf.constant([1]), tf.constant([1]))


def test_range_infers_the_widest_argument_dtype() -> None:
    assert tf.range(5).dtype == tf.int32
    assert tf.range(0, 5.0).dtype == tf.float32
    assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64
    assert tf.range(tf.constant(3.0, tf.float64), 5).dtype == tf.float64


def test_one_hot_dtype_follows_on_value() -> None:
    assert tf.one_hot([0], 2, on_value=tf.constant(1.0, tf.float64)).dtype == tf.float64
    assert tf.one_hot([0], 2, dtype=tf.int64).dtype == tf.int64


def test_argmax_output_type_must_be_an_integer_type() -> None:
    with pytest.raises(TypeError, match="output_type"):
        tf.argmax(tf.constant([1.0]), output_type=tf.float32)


# -- errors ---------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_matmul_and_the_shapes() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"MatMul.*\[2, 3\].*\[2, 3\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))


def test_matmul_needs_rank_two() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"MatMul: In\[0\] ndims must be >= 2"):
        tf.matmul(tf.ones([3]), tf.ones([3, 2]))


def test_matmul_batch_dimensions_must_broadcast() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch dimensions"):
        tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 2]))


def test_reshape_to_a_different_size_raises_invalid_argument() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Reshape.*6 values"):
        tf.reshape(tf.ones([2, 3]), [4, 2])


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda: tf.concat([tf.ones([2, 3]), tf.ones([2, 4])], 0),
            r"ConcatV2: Dimension 1 in both shapes must be equal",
        ),
        (lambda: tf.stack([tf.ones([2]), tf.ones([3])]), r"Pack: Shapes of all inputs must match"),
        (lambda: tf.split(tf.ones([5]), 2), "evenly divide"),
        (lambda: tf.split(tf.ones([5]), [2, 2]), "SplitV"),
        (lambda: tf.squeeze(tf.ones([2, 3]), [1]), r"Can not squeeze dim\[1\]"),
        (lambda: tf.expand_dims(tf.ones([2]), 3), "expand dim index 3"),
        (lambda: tf.tile(tf.ones([2]), [2, 2]), "multiples"),
        (lambda: tf.gather(tf.ones([3]), [0, 5]), r"indices\[1\] = 5 is not in \[0, 3\)"),
        (lambda: tf.gather(tf.ones([3]), [-1]), r"is not in \[0, 3\)"),
        (lambda: tf.gather_nd(tf.ones([3, 2]), [[3, 0]]), "does not index into param shape"),
        (lambda: tf.broadcast_to(tf.ones([2]), [3]), "Unable to broadcast"),
        (lambda: tf.slice(tf.ones([2]), [1], [2]), "Slice"),
        (lambda: tf.transpose(tf.ones([2, 3]), [0, 0]), "permutation"),
        (lambda: tf.pad(tf.ones([2]), [[2, 0]], mode="REFLECT"), "paddings must be less than"),
        (lambda: tf.range(5, 1), r"Requires start <= limit when delta > 0"),
        (lambda: tf.range(0, 5, 0), "delta != 0"),
        (lambda: tf.reduce_sum(tf.ones([2]), axis=1), "Invalid reduction dimension 1"),
        (lambda: tf.argmax(tf.ones([2]), axis=2), "axis 2 is out of range"),
        (lambda: tf.add_n([tf.ones([2]), tf.ones([3])]), "AddN"),
        (lambda: tf.tensordot(tf.ones([2, 3]), tf.ones([2, 3]), 1), "Tensordot"),
        (lambda: tf.linalg.inv(tf.ones([2, 3])), "square"),
        (lambda: tf.linalg.solve(tf.eye(2), tf.ones([3, 1])), "MatrixSolve"),
        (lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([2])), "BiasAdd"),
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[3], logits=tf.ones([1, 3])),
            "label value of 3",
        ),
        (lambda: tf.nn.softmax_cross_entropy_with_logits(tf.ones([2, 4]), tf.ones([2, 3])), "broadcastable"),
        (lambda: tf.where(tf.constant([1, 0]), 1.0, 2.0), "bool"),
        (lambda: tf.one_hot([1.0], 2), "integer"),
        (lambda: tf.random.uniform([2], 3, 3, dtype=tf.int32), "minval < maxval"),
    ],
)
def test_bad_arguments_raise_invalid_argument_with_tf_message(fn: Callable[[], Any], match: str) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        fn()


@pytest.mark.parametrize(
    ("fn", "exc", "match"),
    [
        (lambda: tf.where(tf.constant([True]), 1.0), ValueError, "both be non-None"),
        (lambda: tf.pad(tf.ones([2]), [[1, 1]], mode="WRAP"), ValueError, "mode"),
        (lambda: tf.sort(tf.ones([2]), direction="UP"), ValueError, "direction"),
        (lambda: tf.boolean_mask(tf.ones([2, 3]), [True, False, True]), ValueError, "incompatible"),
        (lambda: tf.clip_by_value(tf.ones([2]), tf.zeros([3, 2]), 1.0), ValueError, "broadcast"),
        (lambda: tf.norm(tf.ones([2, 2]), ord="nuc", axis=[0, 1]), ValueError, "matrix norm"),
        (lambda: tf.norm(tf.ones([2]), ord=-1), ValueError, "vector norm"),
        (
            lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones([2]), logits=tf.ones([3])),
            ValueError,
            "same shape",
        ),
        (
            lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[1]], logits=tf.ones([1, 3])),
            ValueError,
            "Rank mismatch",
        ),
        (lambda: tf.nn.dropout(tf.ones([2]), rate=1.0), ValueError, "rate"),
        (lambda: tf.nn.dropout(tf.constant([1, 2]), rate=0.5), ValueError, "floating"),
        (lambda: tf.random.uniform([2], dtype=tf.int32), ValueError, "maxval"),
        (lambda: tf.random.normal([2], dtype=tf.int32), ValueError, "floating"),
        (lambda: tf.add_n([]), ValueError, "non-empty"),
        (lambda: tf.clip_by_global_norm(tf.ones([2]), 1.0), TypeError, "t_list"),
        (lambda: tf.linalg.matrix_transpose(tf.ones([2])), ValueError, "rank >= 2"),
    ],
)
def test_bad_arguments_raise_tf_exception_class(fn: Callable[[], Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        fn()


def test_unsupported_dtype_names_say_so() -> None:
    with pytest.raises(TypeError, match="not implemented"):
        tf.constant(["a", "b"])
    with pytest.raises(TypeError, match="strings"):
        tf.as_dtype("string")
    with pytest.raises(AttributeError, match="string tensors are not supported"):
        _ = tf.string


# -- op-specific behaviour -------------------------------------------------------------------------
def test_convert_to_tensor_packs_python_numbers_with_tensors_in_their_dtype() -> None:
    t = tf.convert_to_tensor([[tf.constant(1.0, tf.float64), 2], [3, 4]])
    assert t.dtype == tf.float64 and t.shape == (2, 2)


def test_convert_to_tensor_reads_a_variable() -> None:
    v = tf.Variable([1.0, 2.0])
    t = tf.convert_to_tensor(v)
    v.assign([3.0, 4.0])
    assert type(t) is tf.Tensor and t.numpy().tolist() == [1.0, 2.0]


def test_clip_by_global_norm_keeps_none_entries_and_reports_the_norm() -> None:
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), None, tf.constant([4.0])], 10.0)
    assert clipped[1] is None and float(norm) == 5.0
    np.testing.assert_allclose(clipped[2].numpy(), [4.0])


def test_clip_by_global_norm_with_infinite_norm_gives_nan() -> None:
    clipped, _ = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.all(np.isnan(clipped[0].numpy()))


def test_clip_by_global_norm_uses_the_given_norm() -> None:
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0])], 1.0, use_norm=tf.constant(2.0))
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    assert float(norm) == 2.0


def test_clip_by_global_norm_keeps_indexed_slices() -> None:
    s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), tf.constant([3, 2]))
    (clipped,), norm = tf.clip_by_global_norm([s], 1.0)
    assert isinstance(clipped, tf.IndexedSlices) and float(norm) == 5.0
    np.testing.assert_allclose(clipped.values.numpy(), [[0.6, 0.8]], rtol=1e-6)


def test_norm_of_complex_input_keeps_the_complex_dtype_as_tf() -> None:
    assert tf.norm(tf.constant([3 + 4j])).dtype == tf.complex128


def test_where_with_condition_only_gives_int64_coordinates() -> None:
    out = tf.where(tf.constant([[0, 2], [3, 0]]))
    assert out.dtype == tf.int64 and out.numpy().tolist() == [[0, 1], [1, 0]]


def test_newaxis_is_none() -> None:
    assert tf.newaxis is None
    assert tf.ones([2])[tf.newaxis].shape == (1, 2)


def test_unstack_dispatches_once_per_chunk_not_once_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from tapejax._src.ops import array_ops

    calls = []
    bind = array_ops.bind
    monkeypatch.setattr(array_ops, "bind", lambda op, *a, **p: (calls.append(op.name), bind(op, *a, **p))[1])
    assert [int(t) for t in tf.unstack(tf.range(10))] == list(range(10))
    assert calls == ["Unpack"]
    calls.clear()
    assert [int(t) for t in tf.unstack(tf.range(1000))] == list(range(1000))
    assert len(calls) == 1000 // 16 + 1


def test_dtype_and_shape_of_integer_reductions_under_x64() -> None:
    x = tf.constant([[1, 2], [3, 4]])
    for fn in (tf.reduce_sum, tf.reduce_prod, tf.reduce_max, tf.reduce_mean, tf.cumsum):
        assert fn(x).dtype == tf.int32, fn.__name__


def test_gelu_and_sigmoid_match_jax() -> None:
    x = f32(10)
    np.testing.assert_allclose(tf.nn.gelu(tf.constant(x)).numpy(), jax.nn.gelu(x, approximate=False), rtol=1e-6)
    np.testing.assert_allclose(tf.sigmoid(tf.constant(x)).numpy(), jax.nn.sigmoid(jnp.asarray(x)), rtol=1e-6)


# -- random ---------------------------------------------------------------------------------------
def test_set_seed_makes_the_sequence_of_draws_reproducible() -> None:
    def draws() -> list[np.ndarray]:
        return [
            tf.random.normal([3]).numpy(),
            tf.random.uniform([2, 2]).numpy(),
            tf.random.truncated_normal([4]).numpy(),
            tf.random.shuffle(tf.range(6)).numpy(),
            tf.random.uniform([3], 0, 10, dtype=tf.int64).numpy(),
            tf.nn.dropout(tf.ones([8]), 0.5).numpy(),
        ]

    tf.random.set_seed(1234)
    first = draws()
    tf.random.set_seed(1234)
    second = draws()
    for a, b_ in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b_)
    assert not np.array_equal(first[0], tf.random.normal([3]).numpy())


def test_consecutive_draws_differ() -> None:
    tf.random.set_seed(0)
    assert not np.array_equal(tf.random.uniform([4]).numpy(), tf.random.uniform([4]).numpy())


def test_op_seed_gives_a_stream_that_advances_and_restarts_with_set_seed() -> None:
    tf.random.set_seed(5)
    a1, a2 = tf.random.uniform([3], seed=10).numpy(), tf.random.uniform([3], seed=10).numpy()
    tf.random.set_seed(5)
    tf.random.normal([7])  # unseeded draws do not disturb the seeded stream
    b1, b2 = tf.random.uniform([3], seed=10).numpy(), tf.random.uniform([3], seed=10).numpy()
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    tf.random.set_seed(6)
    assert not np.array_equal(a1, tf.random.uniform([3], seed=10).numpy())


def test_op_seed_without_global_seed_is_reproducible_after_reset() -> None:
    tf.random.set_seed(None)
    first = tf.random.normal([3], seed=3).numpy()
    tf.random.set_seed(None)
    np.testing.assert_array_equal(first, tf.random.normal([3], seed=3).numpy())


def test_random_defaults_dtypes_and_ranges() -> None:
    tf.random.set_seed(2)
    n = tf.random.normal([2000], mean=1.0, stddev=2.0)
    assert n.dtype == tf.float32 and n.shape == (2000,)
    assert abs(float(tf.reduce_mean(n)) - 1.0) < 0.2 and abs(float(tf.math.reduce_std(n)) - 2.0) < 0.2
    u = tf.random.uniform([1000], minval=-1.0, maxval=0.0, dtype=tf.float64)
    assert u.dtype == tf.float64 and float(tf.reduce_min(u)) >= -1 and float(tf.reduce_max(u)) < 0
    t = tf.random.truncated_normal([1000], stddev=0.5)
    assert float(tf.reduce_max(tf.abs(t))) <= 1.0
    i = tf.random.uniform([1000], minval=2, maxval=5, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(np.unique(i.numpy()).tolist()) == {2, 3, 4}
    s = tf.random.shuffle(tf.constant([[1, 2], [3, 4], [5, 6]]))
    assert sorted(map(tuple, s.numpy().tolist())) == [(1, 2), (3, 4), (5, 6)]


def test_random_tensor_parameters_are_differentiable() -> None:
    mean = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.random.normal([3], mean=mean))
    assert float(tape.gradient(y, mean)) == 3.0


def test_dropout_scales_kept_values_and_zeroes_the_rest() -> None:
    tf.random.set_seed(3)
    out = tf.nn.dropout(tf.ones([10000]), rate=0.25).numpy()
    assert set(np.unique(out).tolist()) == {0.0, np.float32(1 / 0.75)}
    assert abs(np.mean(out > 0) - 0.75) < 0.03
    mask = tf.nn.dropout(tf.ones([4, 5]), rate=0.5, noise_shape=[4, 1]).numpy()
    assert all(len(set(row.tolist())) == 1 for row in mask)
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, rate=0.0) is x


def test_a_list_of_tensors_is_auto_packed_so_gradients_reach_the_elements() -> None:
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum([a * a, b])
    assert float(y) == 7.0
    assert [float(g) for g in tape.gradient(y, [a, b])] == [4.0, 1.0]


@pytest.mark.parametrize(
    "call", [lambda: tf.pow(tf.constant([2, 3]), tf.constant([-1, 2])), lambda: tf.constant(2) ** -2]
)
def test_integer_pow_with_a_negative_exponent_raises_invalid_argument(call) -> None:
    # TF: "Integers to negative integer powers are not allowed"; XLA would give 0.
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integers to negative integer powers"):
        call()


def test_integer_pow_with_non_negative_exponents_works() -> None:
    np.testing.assert_array_equal(tf.pow(tf.constant([2, 3]), tf.constant([0, 2])).numpy(), [1, 9])


_B = [True, False]


@pytest.mark.parametrize(
    "call",
    [
        lambda: tf.constant(_B) + tf.constant(_B),
        lambda: tf.maximum(tf.constant(_B), tf.constant(_B)),
        lambda: tf.minimum(tf.constant(_B), tf.constant(_B)),
        lambda: tf.pow(tf.constant(_B), tf.constant(_B)),
        lambda: tf.matmul(tf.constant([_B]), tf.constant([[True], [False]])),
        lambda: -tf.constant([1, 2], dtype=tf.uint8),
        lambda: tf.abs(tf.constant([1, 2], dtype=tf.uint8)),
        lambda: tf.math.is_nan(tf.constant([1, 2])),
        lambda: tf.math.is_finite(tf.constant([1, 2])),
    ],
    ids=["add", "maximum", "minimum", "pow", "matmul", "neg_uint8", "abs_uint8", "is_nan_int", "is_finite_int"],
)
def test_ops_without_a_tf_kernel_for_the_dtype_raise_invalid_argument(call) -> None:
    # TF registers no kernel for these dtypes; XLA would compute something (bool + bool = or, -uint8 wraps).
    with pytest.raises(tf.errors.InvalidArgumentError):
        call()


def test_bool_true_division_raises_type_error_and_bool_multiply_works() -> None:
    with pytest.raises(TypeError, match="bool"):
        _ = tf.constant(_B) / tf.constant(_B)
    assert (tf.constant(_B) * tf.constant(_B)).numpy().tolist() == [True, False]  # TF has a bool Mul


def test_bfloat16_works_where_tf_has_kernels() -> None:
    # bfloat16's numpy kind is "V": dtype-kind checks must count it as floating.
    b = tf.constant([[-1.0, 2.0], [3.0, -4.0]], tf.bfloat16)
    assert (b @ b).dtype == tf.bfloat16
    assert tf.math.is_nan(b).dtype == tf.bool and tf.math.is_finite(b).dtype == tf.bool
    np.testing.assert_array_equal(tf.cast(tf.nn.relu(b), tf.float32).numpy(), [[0.0, 2.0], [3.0, 0.0]])


def test_cholesky_reads_only_the_lower_triangle_with_tfs_gradient() -> None:
    # TF 2.21's values; jnp.linalg.cholesky averaged the matrix with its transpose.
    a = tf.constant([[4.0, 7.0], [2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(a)
        c = tf.linalg.cholesky(a)
        s = tf.reduce_sum(c * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(c.numpy(), [[2.0, 0.0], [1.0, np.sqrt(2.0)]], rtol=1e-6)
    np.testing.assert_allclose(
        tape.gradient(s, a).numpy(), [[0.22855341, 0.04289323], [0.04289323, 1.4142134]], rtol=1e-5
    )


def test_concat_of_a_single_tensor_is_that_tensor() -> None:
    x = tf.reshape(tf.range(12.0), [3, 4])
    assert tf.concat(x, 0).shape == (3, 4)  # TF: a one-element list (it was unstacked into rows)


def test_reduce_logsumexp_over_an_empty_axis_is_minus_inf() -> None:
    np.testing.assert_array_equal(tf.reduce_logsumexp(tf.zeros([0, 3]), axis=0).numpy(), [-np.inf] * 3)
    assert tf.reduce_logsumexp(tf.zeros([0, 3]), axis=1).shape == (0,)


def test_format_spec_formats_a_tensor_value_as_tf() -> None:
    assert f"{tf.constant(1.5)}" == "1.5"
    assert f"{tf.constant(1.5):.3f}" == "1.500"
    assert f"{tf.constant(3):d}" == "3"


def test_argmax_and_argmin_pass_over_nan_as_tf() -> None:
    nan = float("nan")
    assert int(tf.argmax([1.0, nan, 3.0]).numpy()) == 2 and int(tf.argmin([1.0, nan, 3.0]).numpy()) == 0
    assert int(tf.argmax([nan, 1.0, 0.0]).numpy()) == 1 and int(tf.argmin([nan, 1.0, 0.0]).numpy()) == 2
    assert int(tf.argmax([nan, nan]).numpy()) == 0


def test_a_tensor_shape_of_known_rank_is_true_even_with_no_dims() -> None:
    assert bool(tf.TensorShape([])) and bool(tf.TensorShape([0])) and not bool(tf.TensorShape(None))


def test_integer_reduce_mean_accumulates_wide_as_tf() -> None:
    # The sum in the input dtype wrapped round: uint8 [200, 200] gave 72.
    assert int(tf.reduce_mean(tf.constant([200, 200], tf.uint8)).numpy()) == 200
    assert int(tf.reduce_mean(tf.constant([100, 100], tf.int8)).numpy()) == 100
    assert int(tf.reduce_mean(tf.constant([2**30, 2**30])).numpy()) == 2**30
    assert int(tf.reduce_mean(tf.constant([-1, -2])).numpy()) == -1  # truncated toward zero, as TF


def test_sign_of_negative_zero_is_positive_zero_as_tf() -> None:
    assert np.signbit(tf.sign(tf.constant(-0.0)).numpy()) == np.False_


def test_numpy_values_on_the_left_of_a_variable_give_tensors() -> None:
    v = tf.Variable([1.0, 2.0])
    for out in (np.float64(2.0) * v, np.array([1.0, 2.0]) + v, np.array([1.0, 2.0]) < v):
        assert isinstance(out, tf.Tensor)  # not a numpy array (Variable had no __array_priority__)
    assert (np.float64(2.0) * v).dtype == tf.float32
