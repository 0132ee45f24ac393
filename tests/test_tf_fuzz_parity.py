"""Differential fuzzer against TensorFlow 2.21: small random TF programs run in TF and in tapejax.

Each program is a chain of 1-4 public ops (math, broadcasting binary ops and dunders with Python
scalars and NumPy values, comparisons, where, reductions with axis/keepdims, cumsum/cumprod with
exclusive/reverse, slicing with negative steps, pad/tile/reshape/transpose, gather/scatter/segment
ops, casts, nn activations, softmax, losses, sort/top_k; special functions (igamma, polygamma, zeta,
betainc, lbeta, Bessel), linalg (matmul transposes, det/inv/slogdet/cholesky/solve on well-conditioned
matrices, trace, band_part, einsum, tensordot, cross), nn (log_poisson_loss, weighted cross entropy,
crelu, bias_add, batch_normalization, weighted moments), scatter_nd, batched gathers, boolean_mask,
searchsorted, slices, clip_by_global_norm, ...) on random shapes (scalars and 0-size
included) and dtypes (float16, bfloat16, float32, float64, int32, int64, uint8, bool, complex64)
with edge values (0, -0.0, +-inf, NaN, huge, tiny, integer limits). The generator picks each next
op from TF's eager value of the previous one, so most programs are valid and some end in an error.

Every program runs in four modes, in TF and in tapejax, and the results are compared:
``eager`` (values, dtypes, shapes, NaN/inf positions, the sign of a zero result; exception classes:
where TF raises, tapejax must raise the same class, where TF succeeds tapejax must too),
``grad`` (the same under ``tf.GradientTape`` w.r.t. a Variable and watched Tensors, with
``unconnected_gradients`` NONE or ZERO: None vs zeros, IndexedSlices vs dense), ``function``
(forward and gradient through ``tf.function``) and ``loop`` (the grad step three times in an eager
loop with an ``assign_add`` between, which exercises step replay). Tolerances follow the dtypes the
program touches (float16/bfloat16 anywhere loosen them).

Known differences are in ``KNOWN``, each with its reason; a divergence that matches none fails the
test, which prints the program, its inputs and the divergence.

Run (TensorFlow needed, so in the TF venv)::

    cd /work/main && /tmp/tfenv/bin/python -m pytest -q -p no:cacheprovider tests/test_tf_fuzz_parity.py

By default a fixed set of ``TAPEJAX_FUZZ_N=24`` programs from seed ``TAPEJAX_FUZZ_SEED=0``; set the
variables for more (``TAPEJAX_FUZZ_N=2000 TAPEJAX_FUZZ_SEED=5000``: about 1-2 s a program here).
"""

from __future__ import annotations

import math
import os
from typing import Any, NamedTuple

import numpy as np
import pytest

import tapejax as tfj

tf_real = pytest.importorskip("tensorflow")
ml_dtypes = pytest.importorskip("ml_dtypes")

FLOATS = ("float16", "bfloat16", "float32", "float64")
DTYPES = (*FLOATS, "int32", "int64", "uint8", "bool", "complex64")
DTYPE_P = (0.08, 0.07, 0.35, 0.12, 0.14, 0.07, 0.05, 0.06, 0.06)


def np_dtype(name: str) -> Any:
    if name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16
    return np.dtype(name)


# ---------------------------------------------------------------- inputs
def make_array(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, edge: float) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    if dtype == "bool":
        return rng.random(n).reshape(shape) < 0.5
    if dtype in ("int32", "int64", "uint8"):
        lo, hi = (0, 6) if dtype == "uint8" else (-5, 6)
        a = rng.integers(lo, hi, n).astype(dtype)
        if edge and n:
            info = np.iinfo(dtype)
            for i in range(n):
                if rng.random() < edge:
                    a[i] = rng.choice([0, info.max, info.min, info.max - 1, 1, 255 if dtype == "uint8" else -1])
        return a.reshape(shape)
    if dtype == "complex64":
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
        if edge and n:
            for i in range(n):
                if rng.random() < edge:
                    a[i] = rng.choice([0, 1j, -1, complex(np.inf, 0), complex(np.nan, 1), 1e30])
        return a.reshape(shape)
    big = {"float16": 6e4, "bfloat16": 1e38, "float32": 1e38, "float64": 1e300}[dtype]
    tiny = {"float16": 1e-7, "bfloat16": 1e-39, "float32": 1e-40, "float64": 1e-310}[dtype]
    a = rng.standard_normal(n) * rng.choice([0.5, 1.0, 3.0])
    if rng.random() < 0.3:
        a = np.round(a * 2) / 2  # ties, integers, halves
    if edge and n:
        for i in range(n):
            if rng.random() < edge:
                a[i] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, big, -big, tiny, -1.0, 0.5, 1.0, 2.5])
    with np.errstate(over="ignore"):
        return a.astype(np_dtype(dtype)).reshape(shape)


def rand_shape(rng: np.random.Generator, max_rank: int = 3) -> tuple[int, ...]:
    rank = int(rng.choice([0, 1, 1, 2, 2, 2, 3, 3][: 2 * max_rank + 2]))
    return tuple(int(rng.choice([0, 1, 2, 3, 4], p=[0.06, 0.16, 0.3, 0.3, 0.18])) for _ in range(rank))


def lit(a: Any) -> str:
    """Python source for a NumPy array / scalar literal."""
    if isinstance(a, np.ndarray):
        dt = a.dtype.name
        if a.size == 0 or a.ndim == 0:
            mod = "ml_dtypes" if dt == "bfloat16" else "np"
            if a.size == 0:
                return f"np.zeros({a.shape}, {mod}.{dt})"
        if dt == "bfloat16":
            return f"np.array({a.astype(np.float32).tolist()!r}, ml_dtypes.bfloat16)"
        return f"np.array({fmt_list(a.tolist())}, np.{dt})"
    return repr(a)


def fmt_list(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(fmt_list(x) for x in v) + "]"
    if isinstance(v, float):
        if math.isnan(v):
            return "float('nan')"
        if math.isinf(v):
            return "float('inf')" if v > 0 else "-float('inf')"
        if v == 0 and math.copysign(1, v) < 0:
            return "-0.0"
    if isinstance(v, complex):
        return f"complex({fmt_list(v.real)}, {fmt_list(v.imag)})"
    return repr(v)


# ---------------------------------------------------------------- generator
class Gen:
    """Builds one program step by step, using TF's eager value of ``y`` to choose the next op."""

    def __init__(self, tf: Any, rng: np.random.Generator):
        self.tf = tf
        self.rng = rng
        self.inputs: list[np.ndarray] = []
        self.lines: list[str] = []

    # helpers ----------------------------------------------------------
    def ch(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def p(self, prob: float) -> bool:
        return bool(self.rng.random() < prob)

    def new_input(self, shape: tuple[int, ...], dtype: str) -> str:
        edge = self.ch([0.0, 0.0, 0.15, 0.4])
        self.inputs.append(make_array(self.rng, shape, dtype, edge))
        return f"x{len(self.inputs) - 1}"

    def other_operand(self, y: Any) -> str:
        """A second operand for a binary op: broadcastable input, Python scalar or NumPy value."""
        shape = tuple(y.shape)
        dt = y.dtype.name
        r = self.rng.random()
        if r < 0.08:  # a different dtype (TF: error)
            dt = self.ch(DTYPES)
        if r < 0.55:
            s = list(shape)
            k = int(self.rng.integers(0, len(s) + 1)) if s else 0
            s = s[k:]
            s = [1 if self.p(0.3) else d for d in s]
            if self.p(0.1):
                s = [1] * int(self.rng.integers(0, 2)) + s  # extra leading dims
            if self.p(0.04) and s:
                s[-1] = s[-1] + 1  # incompatible
            return self.new_input(tuple(s), dt)
        if r < 0.85:  # Python scalar
            if dt == "bool":
                return self.ch(["True", "False", "1", "0.5"])
            if dt.startswith("complex"):
                return self.ch(["2", "0.5", "(1+2j)", "-1.5"])
            if dt in ("int32", "int64", "uint8"):
                return self.ch(["0", "1", "2", "-3", "7", "2.5", "300", "2**31"])
            return self.ch(["0", "1", "2", "-3", "0.5", "-0.0", "1e30", "float('inf')", "float('nan')", "1e-8"])
        # NumPy scalar or array
        nd = dt if self.p(0.8) else self.ch(["float64", "int64", "float32", "int32"])
        if self.p(0.5) or not shape:
            v = make_array(self.rng, (), nd, 0.2)
            if nd == "bfloat16":
                return f"ml_dtypes.bfloat16({float(v)!r})"
            return f"np.{nd}({fmt_list(v.item())})"
        s = shape[-1:]
        return lit(make_array(self.rng, s, nd, 0.2))

    def axis(self, y: Any, allow_none: bool = True) -> str:
        r = len(y.shape)
        if allow_none and (r == 0 or self.p(0.25)):
            return "None"
        if r == 0:
            return self.ch(["0", "-1"])
        if self.p(0.15) and r > 1:
            a = sorted({int(v) for v in self.rng.integers(-r, r, 2)})
            return repr(a)
        return repr(int(self.rng.integers(-r, r)) if not self.p(0.03) else r)

    # op catalogue -----------------------------------------------------
    UNARY_F = (
        "tf.abs",
        "tf.negative",
        "tf.sign",
        "tf.square",
        "tf.sqrt",
        "tf.math.rsqrt",
        "tf.exp",
        "tf.math.expm1",
        "tf.math.log",
        "tf.math.log1p",
        "tf.sin",
        "tf.cos",
        "tf.tan",
        "tf.asin",
        "tf.acos",
        "tf.atan",
        "tf.sinh",
        "tf.cosh",
        "tf.tanh",
        "tf.asinh",
        "tf.acosh",
        "tf.atanh",
        "tf.sigmoid",
        "tf.math.softplus",
        "tf.math.reciprocal",
        "tf.floor",
        "tf.math.ceil",
        "tf.round",
        "tf.math.rint",
        "tf.math.erf",
        "tf.math.erfc",
        "tf.math.lgamma",
        "tf.math.digamma",
        "tf.math.is_nan",
        "tf.math.is_inf",
        "tf.math.is_finite",
        "tf.nn.relu",
        "tf.nn.relu6",
        "tf.nn.elu",
        "tf.nn.selu",
        "tf.nn.gelu",
        "tf.nn.leaky_relu",
        "tf.nn.softsign",
        "tf.nn.silu",
        "tf.math.log_sigmoid",
        "tf.math.reciprocal_no_nan",
        "tf.math.softsign",
        "tf.math.erfinv",
        "tf.math.ndtri",
        "tf.math.sigmoid",
        "tf.math.square",
        "tf.math.conj",
        "tf.math.real",
        "tf.math.imag",
        "tf.math.angle",
        "tf.zeros_like",
        "tf.ones_like",
        "tf.identity",
        "tf.stop_gradient",
        "tf.math.bessel_i0e",
        "tf.math.bessel_i1e",
    )
    UNARY_I = (
        "tf.abs",
        "tf.negative",
        "tf.sign",
        "tf.square",
        "tf.math.reciprocal",
        "tf.zeros_like",
        "tf.ones_like",
        "tf.identity",
        "tf.math.logical_not",
        "tf.math.is_nan",
    )
    BINARY = (
        "tf.add",
        "tf.subtract",
        "tf.multiply",
        "tf.divide",
        "tf.math.truediv",
        "tf.math.floordiv",
        "tf.math.floormod",
        "tf.pow",
        "tf.maximum",
        "tf.minimum",
        "tf.math.squared_difference",
        "tf.math.atan2",
        "tf.math.xlogy",
        "tf.math.xdivy",
        "tf.math.divide_no_nan",
        "tf.math.multiply_no_nan",
        "tf.equal",
        "tf.not_equal",
        "tf.less",
        "tf.less_equal",
        "tf.greater",
        "tf.greater_equal",
        "tf.math.truncatediv",
        "tf.math.truncatemod",
        "tf.math.xlog1py",
        "tf.math.nextafter",
        "tf.math.logical_and",
        "tf.math.logical_or",
        "tf.math.logical_xor",
        "tf.math.mod",
        "tf.math.add",
        "tf.math.subtract",
    )
    DUNDER = ("+", "-", "*", "/", "//", "%", "**", "<", ">", "<=", ">=", "==", "!=", "&", "|", "^")
    REDUCE = (
        "tf.reduce_sum",
        "tf.reduce_mean",
        "tf.reduce_max",
        "tf.reduce_min",
        "tf.reduce_prod",
        "tf.reduce_logsumexp",
        "tf.reduce_any",
        "tf.reduce_all",
        "tf.math.reduce_std",
        "tf.math.reduce_variance",
        "tf.math.reduce_euclidean_norm",
        "tf.math.count_nonzero",
    )

    def step(self, y: Any) -> str:
        """Source of the next expression computed from ``y``."""
        rng = self.rng
        dt = y.dtype.name
        shape = tuple(y.shape)
        rank = len(shape)
        kind = self.ch(
            ["unary"] * 6
            + ["binary"] * 5
            + ["dunder"] * 3
            + ["reduce"] * 3
            + ["cum"] * 2
            + ["shape"] * 4
            + ["index"] * 3
            + ["nn"] * 2
            + ["where"]
            + ["clip"]
            + ["cast"] * 2
            + ["gather"] * 2
            + ["segment"]
            + ["scatter"]
            + ["loss"]
            + ["sort"]
            + ["misc"] * 2
            + ["special"] * 2
            + ["linalg"] * 2
            + ["nn2"] * 2
            + ["idx2"] * 2
            + ["clip2"]
        )
        if kind == "unary":
            f = self.ch(self.UNARY_F if dt in FLOATS or dt.startswith("complex") or self.p(0.3) else self.UNARY_I)
            if f == "tf.nn.leaky_relu" and self.p(0.5):
                return f"tf.nn.leaky_relu(y, alpha={self.ch([0.1, 2.0, -0.5])})"
            if f == "tf.nn.gelu" and self.p(0.5):
                return "tf.nn.gelu(y, approximate=True)"
            return f"{f}(y)"
        if kind == "binary":
            f = self.ch(self.BINARY)
            o = self.other_operand(y)
            return f"{f}(y, {o})" if self.p(0.75) else f"{f}({o}, y)"
        if kind == "dunder":
            f = self.ch(self.DUNDER)
            o = self.other_operand(y)
            if self.p(0.1):
                return self.ch(["-y", "abs(y)", "~y", "+y"])
            return f"y {f} {o}" if self.p(0.7) else f"{o} {f} y"
        if kind == "reduce":
            f = self.ch(self.REDUCE)
            kd = self.p(0.4)
            ax = self.axis(y)
            if f in ("tf.reduce_any", "tf.reduce_all") and dt != "bool" and self.p(0.8):
                return f"{f}(y > 0, axis={ax}, keepdims={kd})"
            return f"{f}(y, axis={ax}, keepdims={kd})"
        if kind == "cum":
            f = self.ch(["tf.math.cumsum", "tf.math.cumprod", "tf.math.cumulative_logsumexp"])
            ax = self.axis(y, allow_none=False)
            if ax.startswith("["):
                ax = ax[1:].split(",")[0].rstrip("]")
            return f"{f}(y, axis={ax}, exclusive={self.p(0.4)}, reverse={self.p(0.4)})"
        if kind == "shape":
            c = self.ch(
                [
                    "reshape",
                    "transpose",
                    "tile",
                    "pad",
                    "expand",
                    "squeeze",
                    "concat",
                    "stack",
                    "reverse",
                    "broadcast_to",
                    "flatten",
                ]
            )
            n = int(np.prod(shape)) if shape else 1
            if c == "reshape":
                if n and self.p(0.8):
                    divs = [d for d in range(1, n + 1) if n % d == 0]
                    d = self.ch(divs)
                    return self.ch([f"tf.reshape(y, [{d}, -1])", f"tf.reshape(y, [-1, {d}])", f"tf.reshape(y, [{n}])"])
                return self.ch(["tf.reshape(y, [-1])", "tf.reshape(y, [0, -1])", "tf.reshape(y, [2, -1])"])
            if c == "transpose":
                perm = list(rng.permutation(rank)) if rank else []
                return f"tf.transpose(y, {[int(v) for v in perm]})" if self.p(0.7) else "tf.transpose(y)"
            if c == "tile":
                m = [int(v) for v in rng.integers(0, 3, rank)]
                return f"tf.tile(y, {m})"
            if c == "pad":
                pads = [[int(rng.integers(0, 3)), int(rng.integers(0, 3))] for _ in range(rank)]
                mode = self.ch(["CONSTANT", "CONSTANT", "REFLECT", "SYMMETRIC"])
                cv = "" if mode != "CONSTANT" or self.p(0.5) else f", constant_values={self.ch(['1', '2', '-1'])}"
                return f"tf.pad(y, {pads}, mode={mode!r}{cv})"
            if c == "expand":
                return f"tf.expand_dims(y, {int(rng.integers(-rank - 1, rank + 1))})"
            if c == "squeeze":
                ones = [i for i, d in enumerate(shape) if d == 1]
                if ones and self.p(0.7):
                    return f"tf.squeeze(y, [{self.ch(ones)}])"
                return "tf.squeeze(y)"
            if c == "concat":
                o = self.new_input(shape, dt)
                return f"tf.concat([y, {o}, y], axis={int(rng.integers(-rank, rank)) if rank else 0})"
            if c == "stack":
                o = self.new_input(shape, dt)
                return f"tf.stack([y, {o}], axis={int(rng.integers(-rank - 1, rank + 1))})"
            if c == "reverse":
                ax = [int(v) for v in set(rng.integers(-rank, rank, 2))] if rank else []
                return f"tf.reverse(y, {ax})"
            if c == "broadcast_to":
                s = [int(rng.integers(1, 3))] + [d if d != 1 or self.p(0.5) else 3 for d in shape]
                return f"tf.broadcast_to(y, {s})"
            return "tf.reshape(y, [-1])"
        if kind == "index":
            if rank == 0:
                return self.ch(["y[...]", "y[None]", "tf.reshape(y, [1])[0]"])
            parts = []
            for d in shape[: int(rng.integers(1, rank + 1))]:
                c = self.ch(["int", "slice", "step", "neg", "all", "none"])
                if c == "int" and d:
                    parts.append(str(int(rng.integers(-d, d))))
                elif c == "slice":
                    parts.append(f"{int(rng.integers(-d - 1, d + 2))}:{int(rng.integers(-d - 1, d + 2))}")
                elif c == "step":
                    parts.append(f"::{self.ch([2, 3, -1, -2])}")
                elif c == "neg":
                    parts.append(f"{int(rng.integers(-d - 1, d + 1))}::-1")
                elif c == "none":
                    parts.append("None")
                else:
                    parts.append(":")
            if self.p(0.2):
                parts.insert(int(rng.integers(0, len(parts) + 1)), "...")
            return f"y[{', '.join(parts)}]"
        if kind == "nn":
            f = self.ch(
                [
                    "tf.nn.softmax",
                    "tf.nn.log_softmax",
                    "tf.math.l2_normalize",
                    "tf.nn.l2_loss",
                    "tf.nn.moments",
                    "tf.linalg.normalize",
                    "tf.norm",
                ]
            )
            if f in ("tf.nn.softmax", "tf.nn.log_softmax"):
                return f"{f}(y, axis={self.axis(y, allow_none=False) if self.p(0.4) else -1})"
            if f == "tf.math.l2_normalize":
                return f"{f}(y, axis={self.axis(y)})"
            if f == "tf.nn.moments":
                return f"tf.nn.moments(y, axes={[int(v) for v in range(rank)][: max(1, rank - 1)] if rank else []}, keepdims={self.p(0.3)})[{self.ch([0, 1])}]"
            if f == "tf.linalg.normalize":
                return f"tf.linalg.normalize(y)[{self.ch([0, 1])}]"
            if f == "tf.norm":
                o = self.ch(["'euclidean'", "1", "2", "np.inf"])
                return f"tf.norm(y, ord={o}, axis={self.axis(y) if self.p(0.5) else 'None'})"
            return f"{f}(y)"
        if kind == "where":
            c = self.ch(
                [
                    "y > 0",
                    "tf.math.is_nan(y)",
                    f"tf.greater({self.new_input(shape, 'float32')}, 0)",
                    self.new_input(shape, "bool"),
                ]
            )
            o = self.other_operand(y)
            if self.p(0.5):
                return f"tf.where({c}, y, {o})"
            return f"tf.where({c}, {o}, y)"
        if kind == "clip":
            if self.p(0.3):
                return f"tf.clip_by_norm(y, {self.ch(['1.0', '0.5', '0.0'])})"
            lo, hi = self.ch([("-1", "1"), ("0", "0.5"), ("0", "0"), ("1", "-1"), ("-0.5", "2")])
            return f"tf.clip_by_value(y, {lo}, {hi})"
        if kind == "cast":
            if self.p(0.2):
                return f"tf.saturate_cast(y, tf.{self.ch(DTYPES)})"
            if self.p(0.2) and not self.lines:  # on the raw input only: after float math it shows last bits
                return f"tf.bitcast(y, tf.{self.ch(['int32', 'float32', 'uint8', 'int64'])})"
            return f"tf.cast(y, tf.{self.ch(DTYPES)})"
        if kind == "gather":
            if rank == 0:
                return "tf.gather(tf.reshape(y, [1]), [0, 0])"
            ax = int(rng.integers(-rank, rank)) if self.p(0.3) else 0
            d = shape[ax]
            k = int(rng.integers(0, 4))
            idx = [int(v) for v in rng.integers(0, max(d, 1) + (1 if self.p(0.05) else 0), k)]
            if self.p(0.3):
                return f"tf.gather_nd(y, {[[i] for i in idx] if d else [[0]]})"
            if self.p(0.2) and rank >= 2:
                return f"tf.gather(y, {[[i] for i in idx]}, axis={ax})"
            return f"tf.gather(y, {idx}, axis={ax})"
        if kind == "segment":
            if rank == 0:
                return "tf.math.segment_sum(tf.reshape(y, [1]), [0])"
            n0 = shape[0]
            ids = sorted(int(v) for v in rng.integers(0, 3, n0))
            f = self.ch(
                [
                    "segment_sum",
                    "segment_mean",
                    "segment_max",
                    "segment_min",
                    "segment_prod",
                    "unsorted_segment_sum",
                    "unsorted_segment_max",
                    "unsorted_segment_min",
                    "unsorted_segment_prod",
                    "unsorted_segment_mean",
                    "unsorted_segment_sqrt_n",
                ]
            )
            if f.startswith("unsorted"):
                ids = [int(v) for v in rng.integers(-1 if self.p(0.2) else 0, 3, n0)]
                return f"tf.math.{f}(y, {ids}, num_segments={self.ch([1, 3, 4])})"
            return f"tf.math.{f}(y, {ids})"
        if kind == "scatter":
            if rank == 0:
                return "tf.tensor_scatter_nd_add(tf.reshape(y, [1]), [[0]], tf.reshape(y, [1]))"
            d = shape[0]
            k = int(rng.integers(0, 3))
            idx = [[int(v)] for v in rng.integers(0, max(d, 1), k)]
            f = self.ch(["update", "add", "sub", "max", "min"])
            upd = self.new_input((k, *shape[1:]), dt)
            return f"tf.tensor_scatter_nd_{f}(y, {idx}, {upd})"
        if kind == "loss":
            f = self.ch(["sce", "sigmoid", "sparse", "huber", "mse", "bce", "logcosh", "kl"])
            if rank == 0:
                return "tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(y), logits=y)"
            if f == "sce":
                lab = self.new_input(shape, dt)
                return f"tf.nn.softmax_cross_entropy_with_logits(labels={lab}, logits=y)"
            if f == "sigmoid":
                lab = self.new_input(shape, dt)
                return f"tf.nn.sigmoid_cross_entropy_with_logits(labels={lab}, logits=y)"
            if f == "sparse":
                labs = (
                    rng.integers(0, max(shape[-1], 1), shape[:-1] or (1,)).tolist()
                    if rank > 1
                    else int(rng.integers(0, 2))
                )
                return f"tf.nn.sparse_softmax_cross_entropy_with_logits(labels={labs!r}, logits=y)"
            lab = self.new_input(shape, dt)
            cls = {
                "huber": "Huber",
                "mse": "MeanSquaredError",
                "bce": "BinaryCrossentropy",
                "logcosh": "LogCosh",
                "kl": "KLDivergence",
            }[f]
            fl = ", from_logits=True" if f == "bce" and self.p(0.5) else ""
            return f"tf.keras.losses.{cls}({fl.lstrip(', ')})({lab}, y)"
        if kind == "sort":
            if rank == 0:
                return "tf.sort(tf.reshape(y, [1]))"
            f = self.ch(["sort", "argsort", "top_k", "argmax", "argmin"])
            if f == "top_k":
                return f"tf.math.top_k(y, k={int(rng.integers(0, shape[-1] + 1))})[{self.ch([0, 1])}]"
            if f in ("argmax", "argmin"):
                return f"tf.math.{f}(y, axis={int(rng.integers(-rank, rank))})"
            return (
                f"tf.{f}(y, axis={int(rng.integers(-rank, rank))}, direction={self.ch(['ASCENDING', 'DESCENDING'])!r})"
            )
        if kind in ("special", "linalg", "nn2", "idx2", "clip2"):
            return getattr(self, "step_" + kind)(y)
        # misc
        c = self.ch(
            [
                "matmul",
                "einsum",
                "one_hot",
                "range",
                "fill",
                "diag",
                "roll",
                "maximum_scalar",
                "addn",
                "einsum2",
                "cumsum_default",
                "math_sum",
                "unique",
                "linspace",
            ]
        )
        if c == "matmul" and rank >= 1:
            k = shape[-1]
            o = self.new_input((k, int(rng.integers(1, 4))), dt) if rank >= 2 else self.new_input((k, 2), dt)
            return f"tf.matmul(y, {o})" if rank >= 2 else f"tf.linalg.matvec(tf.transpose({o}), y)"
        if c == "einsum" and rank == 2:
            return self.ch(["tf.einsum('ij->ji', y)", "tf.einsum('ij->', y)", "tf.einsum('ij,ij->i', y, y)"])
        if c == "one_hot" and dt in ("int32", "int64", "uint8"):
            return f"tf.one_hot(y, {self.ch([2, 3])}, dtype=tf.float32)"
        if c == "diag" and rank == 1:
            return "tf.linalg.diag(y)"
        if c == "diag" and rank >= 2:
            return "tf.linalg.diag_part(y)"
        if c == "roll" and rank:
            return f"tf.roll(y, {int(rng.integers(-3, 4))}, axis={int(rng.integers(-rank, rank))})"
        if c == "addn":
            return "tf.add_n([y, y, y])"
        if c == "unique" and rank == 1:
            return f"tf.unique(y)[{self.ch([0, 1])}]"
        if c == "linspace" and dt in ("float32", "float64"):
            return (
                "tf.linspace(tf.reduce_min(y), tf.reduce_max(y), 3)"
                if rank and all(shape)
                else "tf.linspace(0.0, 1.0, 4)"
            )
        return f"tf.math.{self.ch(['cumsum', 'reduce_sum', 'abs'])}(y)"

    # wider op pool (session 8) ---------------------------------------
    def positive_input(self, shape: tuple[int, ...], dt: str) -> str:
        """An input of ``shape`` with positive values (shapes of special-function parameters)."""
        name = self.new_input(shape, dt)
        a = self.inputs[-1]
        if a.dtype.kind in "fV":
            with np.errstate(invalid="ignore"):
                self.inputs[-1] = (np.abs(a.astype(np.float64)) + 0.25).astype(a.dtype)
        return name

    def step_special(self, y: Any) -> str:
        dt, shape = y.dtype.name, tuple(y.shape)
        f = self.ch(["igamma", "igammac", "polygamma", "zeta", "betainc", "lbeta", "bessel", "xlogy", "xdivy",
                     "xlog1py", "lgamma", "digamma", "erfinv", "ndtri", "erfc"])  # fmt: skip
        if f in ("igamma", "igammac"):
            a = self.positive_input(shape if self.p(0.5) else shape[-1:], dt)
            return f"tf.math.{f}({a}, y)" if self.p(0.7) else f"tf.math.{f}(y, {a})"
        if f == "polygamma":
            n = self.ch(["0.0", "1.0", "2.0", "3.0"])
            return f"tf.math.polygamma(tf.fill(tf.shape(y), tf.constant({n}, y.dtype)), y)"
        if f == "zeta":
            q = self.positive_input(shape, dt)
            return f"tf.math.zeta(y, {q})" if self.p(0.5) else f"tf.math.zeta(y + 1.5, {q})"
        if f == "betainc":
            a, b = self.positive_input(shape, dt), self.positive_input(shape, dt)
            return f"tf.math.betainc({a}, {b}, tf.math.sigmoid(y))" if self.p(0.7) else f"tf.math.betainc({a}, {b}, y)"
        if f == "lbeta":
            return "tf.math.lbeta(y)" if self.p(0.5) else "tf.math.lbeta(tf.abs(y) + 0.5)"
        if f == "bessel":
            return f"tf.math.{self.ch(['bessel_i0', 'bessel_i1', 'bessel_i0e', 'bessel_i1e'])}(y)"
        if f in ("xlogy", "xdivy", "xlog1py"):
            o = self.other_operand(y)
            return f"tf.math.{f}(y, {o})" if self.p(0.5) else f"tf.math.{f}({o}, y)"
        if f == "erfinv":
            return "tf.math.erfinv(tf.tanh(y))" if self.p(0.6) else "tf.math.erfinv(y)"
        if f == "ndtri":
            return "tf.math.ndtri(tf.sigmoid(y))" if self.p(0.6) else "tf.math.ndtri(y)"
        return f"tf.math.{f}(y)"

    def step_linalg(self, y: Any) -> str:
        dt, shape = y.dtype.name, tuple(y.shape)
        rank = len(shape)
        if rank < 2:
            if rank == 1 and self.p(0.5):
                o = self.new_input(shape, dt)
                return self.ch([f"tf.tensordot(y, {o}, 1)", f"tf.einsum('i,i->', y, {o})", f"tf.tensordot(y, {o}, 0)",
                                "tf.linalg.diag(y, k=1)", "tf.einsum('i->', y)"])  # fmt: skip
            return "tf.linalg.matmul(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1]))"
        m, n = shape[-2], shape[-1]
        c = self.ch(["matmul_t", "det", "inv", "slogdet", "cholesky", "solve", "trace", "band", "set_diag",
                     "transpose", "tensordot", "einsum", "logdet", "matvec", "cross", "diag_k"])  # fmt: skip
        if c == "matmul_t":
            ta, tb = self.p(0.5), self.p(0.5)
            k = m if ta else n
            o = self.new_input((*shape[:-2], int(self.rng.integers(1, 4)), k) if tb else (*shape[:-2], k,
                               int(self.rng.integers(1, 4))), dt)  # fmt: skip
            adj = "adjoint" if dt.startswith("complex") and self.p(0.5) else "transpose"
            return f"tf.linalg.matmul(y, {o}, {adj}_a={ta}, {adj}_b={tb})"
        if c == "transpose":
            return f"tf.linalg.matrix_transpose(y{', conjugate=True' if self.p(0.3) else ''})"
        if c == "trace":
            return "tf.linalg.trace(y)"
        if c == "band":
            return f"tf.linalg.band_part(y, {self.ch([-1, 0, 1])}, {self.ch([-1, 0, 2])})"
        if c == "diag_k":
            return f"tf.linalg.diag_part(y, k={self.ch([-1, 1, (-1, 0)])})"
        if c == "set_diag":
            d = self.new_input((*shape[:-2], min(m, n)), dt)
            return f"tf.linalg.set_diag(y, {d})"
        if c == "tensordot":
            o = self.new_input((n, int(self.rng.integers(1, 4))), dt)
            return f"tf.tensordot(y, {o}, [[{rank - 1}], [0]])"
        if c == "einsum":
            if rank == 2:
                return self.ch(["tf.einsum('ij,kj->ik', y, y)", "tf.einsum('ij->i', y)", "tf.einsum('ij,ij->', y, y)",
                                "tf.einsum('ij->j', y)"])  # fmt: skip
            return self.ch(["tf.einsum('...ij->...ji', y)", "tf.einsum('...ij,...kj->...ik', y, y)",
                            "tf.einsum('bij->b', y)" if rank == 3 else "tf.einsum('...ij->...', y)"])  # fmt: skip
        if c == "matvec":
            o = self.new_input((n,), dt)
            return f"tf.linalg.matvec(y, {o})"
        if c == "cross":
            if n == 3:
                o = self.new_input(shape, dt)
                return f"tf.linalg.cross(y, {o})"
            return "tf.linalg.cross(y[..., :1], y[..., :1])"
        # square matrices: well-conditioned (y/8 + I) unless the draw keeps y as it is
        sq = f"y[..., :{min(m, n)}, :{min(m, n)}]"
        k = min(m, n)
        if self.p(0.75):
            sq = f"({sq} / 8 + tf.eye({k}, dtype=y.dtype))"
        if c in ("cholesky", "logdet"):
            spd = f"(tf.linalg.matmul({sq}, {sq}, adjoint_b=True) + tf.eye({k}, dtype=y.dtype))"
            return f"tf.linalg.{c}({spd})"
        if c == "solve":
            rhs = self.new_input((*shape[:-2], k, int(self.rng.integers(1, 3))), dt)
            return f"tf.linalg.solve({sq}, {rhs})"
        if c == "slogdet":
            return f"tf.linalg.slogdet({sq})[{self.ch([0, 1])}]"
        return f"tf.linalg.{c}({sq})"

    def step_nn2(self, y: Any) -> str:
        dt, shape = y.dtype.name, tuple(y.shape)
        rank = len(shape)
        c = self.ch(["log_poisson", "weighted_xent", "crelu", "bias_add", "batch_norm", "swish", "l2_eps",
                     "weighted_moments", "softplus", "log_softmax_ax", "softmax_xent", "elu_selu", "relu6",
                     "normalize_moments", "silu_beta"])  # fmt: skip
        if c == "log_poisson":
            t = self.positive_input(shape, dt)
            return f"tf.nn.log_poisson_loss({t}, y, compute_full_loss={self.p(0.5)})"
        if c == "weighted_xent":
            lab = self.new_input(shape, dt)
            return f"tf.nn.weighted_cross_entropy_with_logits({lab}, y, {self.ch(['0.5', '2.0', '1.0'])})"
        if c == "crelu":
            return f"tf.nn.crelu(y{', axis=0' if rank and self.p(0.3) else ''})"
        if c == "bias_add" and rank >= 2:
            b = self.new_input(shape[-1:], dt)
            return f"tf.nn.bias_add(y, {b})"
        if c == "batch_norm" and rank >= 1:
            mean, var = self.new_input(shape[-1:], dt), self.positive_input(shape[-1:], dt)
            off = self.new_input(shape[-1:], dt) if self.p(0.5) else "None"
            sc = self.new_input(shape[-1:], dt) if self.p(0.5) else "None"
            return f"tf.nn.batch_normalization(y, {mean}, {var}, {off}, {sc}, {self.ch(['1e-3', '0.0'])})"
        if c == "swish":
            return "tf.nn.swish(y)"
        if c == "silu_beta":
            return f"tf.nn.silu(y, beta={self.ch(['0.5', '2.0', '-1.0'])})"
        if c == "l2_eps":
            return f"tf.nn.l2_normalize(y, axis={self.axis(y)}, epsilon={self.ch(['1e-12', '1.0', '0.0'])})"
        if c == "weighted_moments" and rank:
            w = self.positive_input(shape, dt)
            return f"tf.nn.weighted_moments(y, axes=[{rank - 1}], frequency_weights={w})[{self.ch([0, 1])}]"
        if c == "normalize_moments":
            return f"tf.nn.normalize_moments(3.0, y, y * y, None)[{self.ch([0, 1])}]"
        if c == "log_softmax_ax" and rank:
            return f"tf.nn.log_softmax(y, axis={int(self.rng.integers(-rank, rank))})"
        if c == "softmax_xent" and rank:
            lab = self.ch([f"tf.nn.softmax({self.new_input(shape, dt)})", self.new_input(shape, dt)])
            return f"tf.nn.softmax_cross_entropy_with_logits(labels={lab}, logits=y, axis={self.ch([-1, 0])})"
        if c == "elu_selu":
            return f"tf.nn.{self.ch(['elu', 'selu', 'gelu', 'softsign', 'relu6'])}(y)"
        return f"tf.math.softplus(y * {self.ch(['1e4', '-1e4', '1.0', '40.0'])})"

    def step_idx2(self, y: Any) -> str:
        dt, shape = y.dtype.name, tuple(y.shape)
        rank = len(shape)
        rng = self.rng
        c = self.ch(["scatter_nd", "gather_bd", "gather_nd_bd", "boolean_mask", "where1", "searchsorted",
                     "one_hot", "slice", "strided", "split", "unstack", "reverse_sequence", "tsu2d", "bincount"])  # fmt: skip
        if rank == 0:
            return self.ch(["tf.scatter_nd([[1]], tf.reshape(y, [1]), [3])", "tf.one_hot(2, 3) * tf.cast(y, tf.float32)"
                            if dt in FLOATS else "tf.reshape(y, [1, 1])"])  # fmt: skip
        if c == "scatter_nd":
            n0 = shape[0]
            idx = [[int(v)] for v in rng.integers(0, 4, n0)]
            return f"tf.scatter_nd({idx}, y, {[4, *shape[1:]]})"
        if c == "gather_bd" and rank >= 2:
            idx = rng.integers(0, max(shape[1], 1), (shape[0], int(rng.integers(1, 3)))).tolist()
            return f"tf.gather(y, {idx}, axis=1, batch_dims=1)"
        if c == "gather_nd_bd" and rank >= 2:
            idx = rng.integers(0, max(shape[1], 1), (shape[0], 1)).tolist()
            return f"tf.gather_nd(y, {idx}, batch_dims=1)"
        if c == "boolean_mask":
            return self.ch([f"tf.boolean_mask(y, {self.new_input(shape[:1], 'bool')})", "y[y > 0]" if dt in FLOATS
                            else "tf.boolean_mask(y, tf.ones_like(y, tf.bool))"])  # fmt: skip
        if c == "where1":
            return "tf.cast(tf.where(y > 0), tf.float32)" if dt in FLOATS else "tf.where(tf.not_equal(y, 0))"
        if c == "searchsorted" and rank >= 1:
            v = self.new_input((*shape[:-1], int(rng.integers(1, 4))), dt)
            side = self.ch(["left", "right"])
            return f"tf.searchsorted(tf.sort(y), {v}, side={side!r})" if dt in (*FLOATS, "int32", "int64") else "y"
        if c == "one_hot":
            if dt in ("int32", "int64", "uint8"):
                return f"tf.one_hot(y, 3, on_value={self.ch(['2.0', '-1.0'])}, off_value=0.5, axis={self.ch([-1, 0])})"
            return "tf.one_hot(tf.cast(y > 0, tf.int32), 2, dtype=tf.float64)"
        if c == "slice":
            begin = [int(rng.integers(0, d + 1)) for d in shape]
            size = [int(rng.integers(-1, d - b + 1)) if d - b else -1 for d, b in zip(shape, begin, strict=True)]
            return f"tf.slice(y, {begin}, {size})"
        if c == "strided":
            begin = [int(rng.integers(-d - 1, d + 1)) for d in shape]
            end = [int(rng.integers(-d - 1, d + 2)) for d in shape]
            strides = [self.ch([1, 2, -1]) for _ in shape]
            bm, em, sm = (int(rng.integers(0, 2**rank)) for _ in range(3))
            return f"tf.strided_slice(y, {begin}, {end}, {strides}, begin_mask={bm}, end_mask={em}, shrink_axis_mask={sm & bm})"
        if c == "split" and shape[-1] % 2 == 0:
            return f"tf.split(y, 2, axis=-1)[{self.ch([0, 1])}]"
        if c == "unstack" and shape[0]:
            return f"tf.unstack(y)[{int(rng.integers(0, shape[0]))}]"
        if c == "reverse_sequence" and rank >= 2:
            lens = [int(v) for v in rng.integers(0, shape[1] + 1, shape[0])]
            return f"tf.reverse_sequence(y, {lens}, seq_axis=1, batch_axis=0)"
        if c == "tsu2d" and rank >= 2:
            idx = [[int(rng.integers(0, max(shape[0], 1))), int(rng.integers(0, max(shape[1], 1)))] for _ in range(2)]
            upd = self.new_input((2, *shape[2:]), dt)
            return f"tf.tensor_scatter_nd_{self.ch(['update', 'add', 'max'])}(y, {idx}, {upd})"
        if c == "bincount" and dt in ("int32",):
            return f"tf.math.bincount(tf.abs(y) % 5, minlength={self.ch([0, 3, 6])})"
        return f"tf.gather(y, [{int(rng.integers(0, max(shape[0], 1)))}])"

    def step_clip2(self, y: Any) -> str:
        shape = tuple(y.shape)
        c = self.ch(["global", "global_n", "value_t", "norm_axes", "avg"])
        if c == "global":
            return f"tf.clip_by_global_norm([y, y * 2], {self.ch(['1.0', '0.0', '1e30'])})[0][{self.ch([0, 1])}]"
        if c == "global_n":
            return "tf.clip_by_global_norm([y], 1.0)[1]"
        if c == "value_t":
            lo = self.new_input(shape[-1:], y.dtype.name)
            return f"tf.clip_by_value(y, {lo}, {lo} + 1)"
        if c == "norm_axes" and shape:
            return f"tf.clip_by_norm(y, 1.0, axes=[{len(shape) - 1}])"
        return "tf.linalg.global_norm([y, y])"

    def build(self, n_steps: int) -> tuple[str, list[np.ndarray]]:
        tf = self.tf
        shape = rand_shape(self.rng)
        dt = str(self.rng.choice(DTYPES, p=DTYPE_P))
        self.new_input(shape, dt)
        env = {"tf": tf, "np": np, "ml_dtypes": __import__("ml_dtypes")}
        y = tf.constant(self.inputs[0])
        self.lines = []
        for _ in range(n_steps):
            for _attempt in range(3):
                n_in = len(self.inputs)
                expr = self.step(y)
                loc = dict(env, y=y, **{f"x{i}": tf.constant(a) for i, a in enumerate(self.inputs)})
                try:
                    out = eval(expr, loc)
                except Exception:
                    if self.p(0.5):  # keep some failing steps: error classes are compared too
                        self.lines.append(expr)
                        return self.source(), self.inputs
                    del self.inputs[n_in:]
                    continue
                if not hasattr(out, "dtype") or not hasattr(out, "shape"):
                    del self.inputs[n_in:]
                    continue
                self.lines.append(expr)
                y = out
                break
            if int(np.prod(y.shape)) > 400:
                break
        return self.source(), self.inputs

    def source(self) -> str:
        args = ", ".join(f"x{i}" for i in range(len(self.inputs)))
        body = "".join(f"    y = {e}\n" for e in self.lines)
        return f"def prog(tf, {args}):\n    y = x0\n{body}    return y\n"


# ---------------------------------------------------------------- running
def compile_prog(src: str) -> Any:
    g = {"np": np, "ml_dtypes": ml_dtypes, "float": float}
    exec(src, g)
    return g["prog"]


def is_inexact(dt: str) -> bool:
    return dt in FLOATS or dt.startswith("complex")


def outval(m: Any, v: Any) -> Any:
    """(dtype name, shape, NumPy value), ("IndexedSlices", dense outval) or None."""
    if v is None:
        return None
    if type(v).__name__ == "IndexedSlices":
        return ("IndexedSlices", outval(m, m.convert_to_tensor(v)))
    return (v.dtype.name, tuple(v.shape), np.asarray(v.numpy()))


def run_mode(m: Any, prog: Any, inputs: list[np.ndarray], mode: str, unconn: str) -> Any:
    """A list of outval()s (forward, then the gradients, per step), or ("raise", class, message, MRO names)."""
    try:
        if mode == "eager":
            return [outval(m, prog(m, *[m.constant(a) for a in inputs]))]
        fn = m.function(lambda *xs: prog(m, *xs)) if mode == "function" else (lambda *xs: prog(m, *xs))
        args, srcs = [], []
        for i, a in enumerate(inputs):
            t = m.Variable(a) if i == 0 and is_inexact(a.dtype.name) else m.constant(a)
            args.append(t)
            if is_inexact(a.dtype.name):
                srcs.append(t)
        res: list[Any] = []
        for _ in range(3 if mode == "loop" else 1):
            with m.GradientTape() as tape:
                for s in srcs:
                    if not hasattr(s, "assign"):
                        tape.watch(s)
                y = fn(*args)
            res.append(outval(m, y))
            if is_inexact(y.dtype.name) and srcs:
                res.append([outval(m, g) for g in tape.gradient(y, srcs, unconnected_gradients=unconn)])
            if mode == "loop" and srcs and hasattr(args[0], "assign_add"):
                args[0].assign_add(np.full(inputs[0].shape, 0.25, inputs[0].dtype))
        return res
    except Exception as e:
        return ("raise", type(e).__name__, str(e)[:300], [c.__name__ for c in type(e).__mro__])


# ---------------------------------------------------------------- comparing
TOL = {"float16": (2e-2, 2e-3), "bfloat16": (5e-2, 1e-2), "float32": (2e-4, 1e-5), "float64": (1e-9, 1e-12)}


class Div(NamedTuple):
    """One divergence: its kind, where in the result, TF's and tapejax's values, a description."""

    kind: str
    path: str
    tf: Any
    ours: Any
    text: str


def _float_kind(dt: str, a: np.ndarray, b: np.ndarray, tol: tuple[float, float]) -> str | None:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    na, nb = np.isnan(a), np.isnan(b)
    if not np.array_equal(na, nb):
        return "nan"
    fa = np.isfinite(a)
    if not np.array_equal(fa, np.isfinite(b)) or not np.array_equal(a[~fa & ~na], b[~fa & ~na]):
        return "inf"
    if not np.allclose(a[fa], b[fa], rtol=tol[0], atol=tol[1]):
        return "value"
    z = fa & (a == 0) & (b == 0)
    if np.any(np.signbit(a[z]) != np.signbit(b[z])):
        return "signzero"
    return None


def compare_values(dt: str, a: np.ndarray, b: np.ndarray, tol: tuple[float, float]) -> str | None:
    """The kind of difference between TF's ``a`` and tapejax's ``b`` of dtype ``dt``, or None."""
    if dt.startswith("complex"):
        return _float_kind(dt, a.real, b.real, tol) or _float_kind(dt, a.imag, b.imag, tol)
    if dt in TOL:
        return _float_kind(dt, a, b, tol)
    return None if np.array_equal(a, b) else "value"


def compare(tr: Any, jr: Any, tol: dict[str, tuple[float, float]], path: str = "") -> list[Div]:
    """Divergences between TF's result ``tr`` and tapejax's ``jr`` (see run_mode)."""
    t_raise = isinstance(tr, tuple) and tr[0] == "raise"
    j_raise = isinstance(jr, tuple) and jr[0] == "raise"
    if t_raise or j_raise:
        if t_raise and j_raise:
            if tr[1] in jr[3]:  # tapejax's class is TF's or a subclass of it
                return []
            return [Div("errclass", path, tr[1], jr[1], f"TF raises {tr[1]}, tapejax {jr[1]}: {jr[2][:200]}")]
        if t_raise:
            return [Div("tf_raises", path, tr[1], None, f"TF raises {tr[1]}: {tr[2][:200]}")]
        return [Div("ours_raises", path, None, jr[1], f"tapejax raises {jr[1]}: {jr[2][:300]}")]
    if tr is None or jr is None:
        if (tr is None) != (jr is None):
            return [
                Div(
                    "none",
                    path,
                    tr,
                    jr,
                    f"TF {'None' if tr is None else 'a value'}, tapejax {'None' if jr is None else 'a value'}",
                )
            ]
        return []
    if isinstance(tr, list):
        if not isinstance(jr, list) or len(tr) != len(jr):
            return [Div("structure", path, tr, jr, "results of different structure")]
        return [d for i, (a, b) in enumerate(zip(tr, jr, strict=True)) for d in compare(a, b, tol, f"{path}[{i}]")]
    if tr[0] == "IndexedSlices" or jr[0] == "IndexedSlices":
        if tr[0] != jr[0]:
            return [Div("gradtype", path, tr[0], jr[0], "IndexedSlices against a dense Tensor")]
        return compare(tr[1], jr[1], tol, path)
    (tdt, tshape, tv), (jdt, jshape, jv) = tr, jr
    if tdt != jdt:
        return [Div("dtype", path, tdt, jdt, f"dtype: TF {tdt}, tapejax {jdt}")]
    if tshape != jshape:
        return [Div("shape", path, tshape, jshape, f"shape: TF {tshape}, tapejax {jshape}")]
    kind = compare_values(tdt, tv, jv, tol.get(tdt.replace("complex64", "float32"), (0.0, 0.0)))
    if kind == "signzero" and (path.startswith(("[1]", "[3]", "[5]")) or tdt.startswith("complex")):
        kind = None  # the sign of a zero gradient (or complex part) is its kernels' detail
    if kind:
        with np.printoptions(threshold=24, precision=6):
            return [Div(kind, path, tv, jv, f"{kind} ({tdt}): TF {tv!r}, tapejax {jv!r}")]
    return []


def tolerances(src: str, inputs: list[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per-dtype (rtol, atol), scaled by the chain's length; a half-precision step anywhere sets the
    float32/float64 tolerances to its own (its rounding reaches every later value)."""
    steps = max(1, len(src.splitlines()) - 3)
    dts = {a.dtype.name for a in inputs} | {d for d in ("float16", "bfloat16") if d in src}
    tol = dict(TOL)
    if dts & {"float32", "complex64"} or "float32" in src:  # float32 math cast to float64 keeps its rounding
        tol["float64"] = TOL["float32"]
    for half in ("float16", "bfloat16"):
        if half in dts:
            tol = {k: (max(v[0], TOL[half][0]), max(v[1], TOL[half][1])) for k, v in tol.items()}
    return {k: (r * steps, a * steps) for k, (r, a) in tol.items()}


# ---------------------------------------------------------------- known differences
class Program(NamedTuple):
    seed: int
    src: str
    inputs: list[np.ndarray]
    mode: str


def _nonfinite_input(p: Program) -> bool:
    return any(a.dtype.kind in "fcV" and not np.all(np.isfinite(a.astype(np.complex128))) for a in p.inputs)


def _uses(p: Program, *names: str) -> bool:
    return any(n in p.src for n in names)


_ORDER_OPS = ("tf.sort", "tf.argsort", "top_k", "argmax", "argmin", "cumulative_logsumexp", "segment_max",
              "segment_min", "tensor_scatter_nd_max", "tensor_scatter_nd_min", "unique")  # fmt: skip
_MASK_GRAD_OPS = ("tf.nn.relu", "relu6", "reduce_max", "reduce_min", "segment_max", "segment_min", "tf.norm",
                  "clip_by_norm", "moments", "reduce_std", "reduce_variance", "euclidean_norm", "l2_normalize",
                  "normalize")  # fmt: skip
_INT_CASTS = ("tf.cast(y, tf.int", "tf.cast(y, tf.uint8", "saturate_cast", "tf.cast(y, tf.bool")

# (name, reason, predicate(divergence, program)): the divergences kept deliberately or not yet fixed.
KNOWN: list[tuple[str, str, Any]] = [
    (
        "graph-typeerror",
        "inside tf.function TF's graph builder raises TypeError for an op's dtype error (ValueError for shapes); "
        "tapejax's ops raise InvalidArgumentError there too (a ValueError subclass while tracing)",
        lambda d, p: p.mode == "function" and d.kind == "errclass" and d.tf == "TypeError",
    ),
    (
        "indexed-slices",
        "TF hands IndexedSlices through more gradient paths (gather_nd, Sub/Add with a scalar, gathers under "
        "tf.function); tapejax's tape gives IndexedSlices only for a source read directly by a row gather. "
        "The densified values are compared and agree",
        lambda d, p: d.kind == "gradtype",
    ),
    (
        "nan-order",
        "NaN (and inf - inf) in sorting, arg-extremum, segment/scatter min/max and cumulative_logsumexp: TF's "
        "CPU kernels compare with '<', so a NaN is dropped or placed by the comparison order; tapejax follows "
        "XLA (NaN propagates, sorts last)",
        lambda d, p: _uses(p, *_ORDER_OPS) and d.kind in ("nan", "inf", "value", "signzero"),
    ),
    (
        "nan-upstream-gradient",
        "a NaN upstream gradient: TF's ReluGrad/Max/Min/norm gradients multiply by a 0/1 mask, so NaN spreads to "
        "every element (NaN * 0); tapejax selects (where), so only the selected elements get it",
        lambda d, p: d.kind in ("nan", "value") and d.path.startswith(("[1]", "[3]", "[5]"))
        and _uses(p, *_MASK_GRAD_OPS) and np.all(np.isnan(np.asarray(d.tf, np.float64))[np.isnan(np.asarray(d.ours, np.float64))]),
    ),
    (
        "float-to-int-cast",
        "casting NaN, inf or an out-of-range float to an integer is platform-defined in TF (x86 gives the lowest "
        "integer); engineer F's tf.cast work covers it",
        lambda d, p: _uses(p, *_INT_CASTS) and d.kind == "value",
    ),
    (
        "grappler-int-overflow",
        "inside tf.function TF's graph optimizer rewrites integer expressions (argmin(-x) as argmax(x)), which "
        "differs from the eager value when the integers overflow",
        lambda d, p: p.mode == "function" and d.kind == "value" and _uses(p, "tf.negative", "-y", "tf.abs"),
    ),
    (
        "unary-plus",
        "TF's Tensor has no __pos__ (TypeError); tapejax's Tensor defines it (tensor.py, reported)",
        lambda d, p: d.kind == "tf_raises" and _uses(p, "+y") and "unary +" in d.text,
    ),
    (
        "no-tf-kernel",
        "TF has no CPU kernel for the dtype (NotFoundError 'Could not find device for node', or the op's dtype "
        "list): tapejax computes it or raises InvalidArgumentError. Not yet made to raise TF's class (reported)",
        lambda d, p: (d.kind == "errclass" and (d.tf == "NotFoundError" or d.ours == "NotFoundError"))
        or (d.kind == "tf_raises" and ("Could not find device" in d.text or "not in the list of allowed" in d.text
                                       or "gradient registry has no entry" in d.text
                                       or "No gradient defined" in d.text)),
    ),
    (
        "keras-loss-nan",
        "Keras losses of NaN/inf predictions: tapejax's fused loss kernels (keras/losses.py) give a NaN gradient "
        "where TF's clip gives 0 (reported)",
        lambda d, p: _uses(p, "tf.keras.losses") and d.kind in ("nan", "inf", "value") and _nonfinite_input(p),
    ),
    (
        "empty-function-gradient",
        "the gradient through tf.function w.r.t. a 0-size source (reduce_prod over it, maximum of a tiled-to-empty "
        "value), or through a 0-size intermediate (slogdet of y[..., :0, :0]), is None in tapejax, an empty or "
        "zero Tensor in TF (function.py's dependency analysis, reported)",
        lambda d, p: p.mode == "function" and d.kind == "none" and d.tf is not None
        and (np.prod(d.tf[1]) == 0 or (":0" in p.src and not np.any(d.tf[2]))),
    ),
    (
        "complex-nonfinite",
        "complex arithmetic on inf/NaN parts (a sum or mean with an infinite component): TF's Eigen kernels and "
        "XLA's differ in which part becomes NaN",
        lambda d, p: d.kind in ("nan", "inf") and "complex" in str(getattr(d.tf, "dtype", ""))
        and _nonfinite_input(p),
    ),
    (
        "tf-edge-errors",
        "TF raises where tapejax computes: a sort/top_k gradient over a 0-size axis (TF's gradient builds a "
        "range with delta 0: a TF bug), a graph-mode kernel gap (Erfinv half), pad of a scalar with [] "
        "paddings, a Python int converted to bool (logical_and(-3, b)), conj of bool (not yet aligned, reported)",
        lambda d, p: d.kind == "tf_raises" and any(
            m in d.text for m in ("Requires delta != 0", "No OpKernel was registered", "paddings must be a matrix",
                                  "node Pad}}", "Cannot convert", "Expected bool passed", "Expected numeric or variant",
                                  "not in list of allowed values", "that does not match type")),
    ),
    (
        "complex-to-real-warning",
        "a complex value converted to a real dtype (a Keras loss of complex predictions): JAX warns "
        "(DeprecationWarning, an error under the suite's warnings-as-errors) where TF discards the imaginary part",
        lambda d, p: d.kind in ("ours_raises", "errclass") and "Casting from complex to real" in d.text,
    ),
    (
        "matmul-zero-sign",
        "the sign of a zero from a matrix product (matmul, tensordot, einsum, matvec): TF's GEMM kernels "
        "accumulate from +0.0 (0 + -0.0 is +0.0), XLA's dot with one term keeps the product's -0.0",
        lambda d, p: d.kind == "signzero" and _uses(p, "matmul", "tensordot", "einsum", "matvec"),
    ),
    (
        "fused-fma-overflow",
        "a product that overflows float32 in one order and not another: XLA contracts a * b + c into one FMA "
        "inside a fused program (no intermediate inf, so TF's inf - inf = NaN is a huge value here: the lazy "
        "engine's documented fused rounding), and reduce_prod's gradient multiplies the other elements in "
        "another association than TF's two exclusive cumprods (inf where TF's stays finite)",
        lambda d, p: d.kind in ("nan", "inf") and any(
            a.dtype.kind in "fV" and np.any(np.abs(a.astype(np.float64)) > 1e30) for a in p.inputs)
        and _uses(p, "squared_difference", "tf.multiply", "tf.square", "matmul", "reduce_prod"),
    ),
    (
        "tf-flushes-denormals",
        "TF's CPU kernels flush subnormal results to zero (ScopedFlushDenormal): 1.05 / -1e38 is -0.0 in TF, "
        "so floormod's gradient floor(x / y) is 0 there and -1 here (XLA keeps the subnormal)",
        lambda d, p: d.kind in ("value", "signzero") and any(
            a.dtype.kind in "fV" and np.any(np.abs(a.astype(np.float64)) > 1e30) for a in p.inputs)
        and _uses(p, "floormod", "floordiv", "tf.math.mod", "//", "%", "divide", "truediv", "/"),
    ),
    (
        "tf-python-errors",
        "TF's Python layer fails with an unrelated error class: `bool_tensor / np.int64(-1)` raises "
        "AttributeError in TF 2.21's truediv dispatch; a NumPy float scalar next to a bool Tensor in "
        "logical_and is TF's ValueError (conversion to bool); tapejax raises TypeError or computes",
        lambda d, p: (d.kind == "errclass" and d.tf == "AttributeError")
        or (d.kind == "tf_raises" and "requested dtype bool for Tensor with dtype" in d.text),
    ),
    (
        "data-dependent-shape-in-function",
        "tf.unique (and other ops whose output shape depends on values) inside tf.function: TF's graphs have dynamic "
        "shapes, XLA's are static, so tapejax raises TypeError there (documented on the op)",
        lambda d, p: p.mode == "function" and d.kind in ("ours_raises", "errclass")
        and "data-dependent output shape" in d.text,
    ),
    (
        "clip-zero-sign",
        "the sign of a zero from tf.clip_by_value (and ops built on min/max): TF's Eigen kernels give +0.0 in "
        "SIMD packets and keep -0.0 in the scalar tail (clip_by_value(-0.0, 0, 0) is -0.0 for 3 float32 "
        "elements, +0.0 for the first 16 of 17): platform-defined; tapejax gives +0.0",
        lambda d, p: d.kind == "signzero" and _uses(p, "clip_by_value", "relu", "maximum", "minimum"),
    ),
    (
        "xlogy-zero-sign",
        "the sign of a zero xlogy/xdivy/xlog1py result when x is -0.0 or y is not finite (TF's kernels return "
        "x * log(y) there)",
        lambda d, p: d.kind == "signzero" and _uses(p, "xlogy", "xdivy", "xlog1py") and _nonfinite_input(p),
    ),
    (
        "error-class",
        "dtype errors of TF's Python wrappers (TypeError/ValueError from conversion) where tapejax's op raises "
        "InvalidArgumentError, or the reverse (reduce_variance of bool): the call fails in both; not yet aligned "
        "(reported)",
        lambda d, p: d.kind == "errclass" and {d.tf, d.ours} <= {"TypeError", "ValueError", "InvalidArgumentError"},
    ),
]  # fmt: skip


def known(d: Div, p: Program) -> str | None:
    """The name of the KNOWN entry that explains divergence ``d`` of program ``p``, or None."""
    for name, _reason, pred in KNOWN:
        try:
            if pred(d, p):
                return name
        except (TypeError, ValueError):
            continue
    return None


# ---------------------------------------------------------------- the test
N = int(os.environ.get("TAPEJAX_FUZZ_N", "24"))
SEED = int(os.environ.get("TAPEJAX_FUZZ_SEED", "0"))
MODES = ("eager", "grad", "function", "loop")


def build(seed: int) -> tuple[str, list[np.ndarray], str, list[str]]:
    rng = np.random.default_rng(seed)
    src, inputs = Gen(tf_real, rng).build(int(rng.integers(1, 5)))
    unconn = "zero" if rng.random() < 0.3 else "none"
    modes = [m for m in MODES if m in ("eager", "grad") or rng.random() < 0.35]
    return src, inputs, unconn, modes


def divergences(seed: int) -> tuple[str, list[np.ndarray], list[tuple[str, Div]]]:
    src, inputs, unconn, modes = build(seed)
    prog = compile_prog(src)
    tol = tolerances(src, inputs)
    found = []
    for mode in modes:
        tr = run_mode(tf_real, prog, inputs, mode, unconn)
        jr = run_mode(tfj, prog, inputs, mode, unconn)
        for d in compare(tr, jr, tol):
            if known(d, Program(seed, src, inputs, mode)) is None:
                found.append((mode, d))
    return src, inputs, found


@pytest.mark.parametrize("seed", range(SEED, SEED + N))
def test_random_program_matches_tf(seed):
    src, inputs, found = divergences(seed)
    if found:
        shown = "\n".join(f"  {mode} {d.path}: {d.text}" for mode, d in found)
        pytest.fail(f"seed {seed}: tapejax differs from TF 2.21\n{src}inputs: {[lit(a) for a in inputs]}\n{shown}")


def test_compare_flags_wrong_values_and_gradients():
    # Test the tester: a wrong value, NaN position, zero sign, dtype, None gradient or error class is caught.
    tol = tolerances("def prog(tf, x0):\n    y = x0\n    return y\n", [np.zeros(1, np.float32)])
    a = [("float32", (2,), np.array([1.0, 0.0], np.float32))]
    assert compare(a, a, tol) == []
    for other, kind in [
        (np.array([1.001, 0.0], np.float32), "value"),
        (np.array([np.nan, 0.0], np.float32), "nan"),
        (np.array([1.0, -0.0], np.float32), "signzero"),
    ]:
        assert [d.kind for d in compare(a, [("float32", (2,), other)], tol)] == [kind]
    assert [d.kind for d in compare(a, [("float64", (2,), a[0][2])], tol)] == ["dtype"]
    assert [d.kind for d in compare([a[0], [a[0]]], [a[0], [None]], tol)] == ["none"]
    err = ("raise", "InvalidArgumentError", "", ["InvalidArgumentError"])
    assert [d.kind for d in compare(err, ("raise", "TypeError", "", ["TypeError"]), tol)] == ["errclass"]
    assert [d.kind for d in compare(err, a, tol)] == ["tf_raises"]
