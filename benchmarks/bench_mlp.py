"""Workload 2: one MLP training step (784-512-512-10, batch 128, softmax cross-entropy, Adam).

The step is written once against a small namespace of TF names and run with tapejax and with
TensorFlow (eager and ``tf.function``): a GradientTape forward, ``tape.gradient`` over the six
Variables, ``keras.optimizers.Adam.apply_gradients``. The baseline is the hand-written JAX step:
``jax.jit`` of ``value_and_grad`` plus an ``optax.adam`` update, fused in one compiled call.

Reference JAX rows beside it show what each execution strategy costs on its own: two compiled calls
(the tapejax eager step's shape; with and without donating the old weights and slots to the
update), the fused step donating them (the tapejax ``tf.function`` step's shape), and one call per
step whose update is the previous step's, run before the forward (the shape an eager update would
get if it were deferred into the next step's program). On CPU a step that does not donate its
weights and slots page-faults in fresh output buffers every step (about 1,000 minor faults a step
here): donation weighs more than fusion, and the update-first order is the slowest of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks import _frameworks, _suite

LR = 1e-3


def problem(sizes: tuple[int, ...], batch: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Initial parameters [W1, b1, W2, b2, W3, b3], inputs and one-hot labels (float32)."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    return params, x, labels


def tapejax_namespace() -> SimpleNamespace | str:
    """tapejax's TF names for the step, or a string saying which one is missing."""
    import tapejax

    adam = _frameworks.tapejax_api("keras.optimizers.Adam")
    if adam is None:
        return "tapejax.keras.optimizers.Adam not available yet"
    relu = _frameworks.tapejax_api("nn.relu")
    if relu is None:
        maximum = _frameworks.tapejax_api("maximum")
        if maximum is None:
            return "tapejax.nn.relu (and tapejax.maximum) not available yet"
        relu = lambda h: maximum(h, 0.0)  # noqa: E731
    ce = _frameworks.tapejax_api("nn.softmax_cross_entropy_with_logits")
    if ce is None:
        lse = _frameworks.tapejax_api("reduce_logsumexp")
        rsum = _frameworks.tapejax_api("reduce_sum")
        if lse is None or rsum is None:
            return "tapejax.nn.softmax_cross_entropy_with_logits not available yet"

        def ce(labels: Any, logits: Any) -> Any:
            return lse(logits, axis=-1) - rsum(labels * logits, axis=-1)

    reduce_mean = _frameworks.tapejax_api("reduce_mean")
    if reduce_mean is None:
        return "tapejax.reduce_mean not available yet"
    return SimpleNamespace(
        Variable=tapejax.Variable,
        GradientTape=tapejax.GradientTape,
        constant=tapejax.constant,
        matmul=tapejax.matmul,
        relu=relu,
        softmax_cross_entropy_with_logits=ce,
        reduce_mean=reduce_mean,
        Adam=adam,
    )


def tf_namespace(tf: Any) -> SimpleNamespace:
    return SimpleNamespace(
        Variable=tf.Variable,
        GradientTape=tf.GradientTape,
        constant=tf.constant,
        matmul=tf.matmul,
        relu=tf.nn.relu,
        softmax_cross_entropy_with_logits=tf.nn.softmax_cross_entropy_with_logits,
        reduce_mean=tf.reduce_mean,
        Adam=tf.keras.optimizers.Adam,
    )


def make_tape_step(
    m: SimpleNamespace, params: list[np.ndarray], x_np: np.ndarray, y_np: np.ndarray
) -> tuple[Callable[[], Any], list[Any], Any]:
    """The TF-style training step over namespace ``m``; returns (step, variables, optimizer)."""
    variables = [m.Variable(p) for p in params]
    x, labels = m.constant(x_np), m.constant(y_np)
    opt = m.Adam(learning_rate=LR)

    def step() -> Any:
        w1, b1, w2, b2, w3, b3 = variables
        with m.GradientTape() as tape:
            h = m.relu(m.matmul(x, w1) + b1)
            h = m.relu(m.matmul(h, w2) + b2)
            logits = m.matmul(h, w3) + b3
            loss = m.reduce_mean(m.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))  # noqa: B905 - the TF idiom, verbatim
        return loss

    return step, variables, opt


def jax_loss(params: list[jax.Array], x: jax.Array, labels: jax.Array) -> jax.Array:
    w1, b1, w2, b2, w3, b3 = params
    h = jax.nn.relu(x @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    logits = h @ w3 + b3
    return optax.softmax_cross_entropy(logits, labels).mean()


def make_jax_step(
    params: list[np.ndarray],
    x_np: np.ndarray,
    y_np: np.ndarray,
    fused: bool = True,
    donate: bool = False,
    update_first: bool = False,
) -> Callable[[], Any]:
    """The hand-written JAX step: one jitted call (``fused``), or jitted value_and_grad then a jitted update.

    ``donate``: the update (fused or not) donates the old parameters and optimizer state.
    ``update_first``: one jitted call that applies the previous step's gradients, then computes this
    step's loss and gradients (the order a step gets when its update is deferred into the next
    step's program).
    """
    tx = optax.adam(LR, eps=1e-7)
    state = {"params": [jnp.asarray(p) for p in params]}
    state["opt"] = tx.init(state["params"])
    x, labels = jnp.asarray(x_np), jnp.asarray(y_np)
    value_and_grad = jax.value_and_grad(jax_loss)

    def update(p: Any, opt_state: Any, g: Any) -> Any:
        updates, opt_state = tx.update(g, opt_state, p)
        return optax.apply_updates(p, updates), opt_state

    def fused_step(p: Any, opt_state: Any, x: Any, labels: Any) -> Any:
        loss, g = value_and_grad(p, x, labels)
        return (*update(p, opt_state, g), loss)

    def previous_update_then_grad(p: Any, opt_state: Any, g: Any, x: Any, labels: Any) -> Any:
        p, opt_state = update(p, opt_state, g)
        loss, g = value_and_grad(p, x, labels)
        return p, opt_state, g, loss

    train_step = jax.jit(fused_step, donate_argnums=(0, 1) if donate else ())
    if donate:
        state["params"] = [p + 0 for p in state["params"]]  # (private buffers: the step donates them)
        state["opt"] = jax.tree_util.tree_map(lambda a: a + 0, state["opt"])
    grad_fn, update_fn = jax.jit(value_and_grad), jax.jit(update, donate_argnums=(0, 1) if donate else ())
    update_then_grad = jax.jit(previous_update_then_grad)
    if update_first:
        state["grads"] = [jnp.zeros_like(p) for p in state["params"]]  # (step 1 applies zero gradients)

    def step() -> Any:
        if update_first:
            state["params"], state["opt"], state["grads"], loss = update_then_grad(
                state["params"], state["opt"], state["grads"], x, labels
            )
        elif fused:
            state["params"], state["opt"], loss = train_step(state["params"], state["opt"], x, labels)
        else:
            loss, g = grad_fn(state["params"], x, labels)
            state["params"], state["opt"] = update_fn(state["params"], state["opt"], g)
        return loss, state["params"]

    return step


def make_torch_step(torch: Any, params: list[np.ndarray], x_np: np.ndarray, y_np: np.ndarray) -> Callable[[], Any]:
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    x = torch.from_numpy(x_np.copy())
    target = torch.from_numpy(y_np.argmax(-1))
    opt = torch.optim.Adam(ps, lr=LR, eps=1e-7)
    f = torch.nn.functional

    def step() -> Any:
        w1, b1, w2, b2, w3, b3 = ps
        h = torch.relu(x @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        loss = f.cross_entropy(h @ w3 + b3, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def build(config: _suite.Config) -> Iterator[Any]:
    sizes = config.pick((784, 512, 512, 10), (32, 16, 16, 10))
    batch = config.pick(128, 8)
    params, x, y = problem(sizes, batch)
    yield f"sizes {'-'.join(map(str, sizes))}, batch {batch}; times per training step."

    m = tapejax_namespace()
    if isinstance(m, str):
        yield _suite.Skipped("tapejax eager tape", m)
    else:
        step, variables, _ = make_tape_step(m, params, x, y)
        yield _suite.Impl("tapejax eager tape", "tapejax", lambda: (step(), variables))
        import tapejax

        fn_step, fn_variables, _ = make_tape_step(m, params, x, y)
        compiled = tapejax.function(fn_step)
        yield _suite.Impl(
            "tapejax tf.function",
            "tapejax",
            lambda: (compiled(), fn_variables),
            note="the same step under tapejax.function: one compiled program, Variables lifted",
        )

    yield _suite.Impl(
        "jax (jit(value_and_grad) + optax.adam, fused)",
        "jax",
        make_jax_step(params, x, y),
        baseline=True,
    )
    yield _suite.Impl(
        "jax (jit(value_and_grad), then jit(optax update))",
        "jax",
        make_jax_step(params, x, y, fused=False),
        note="two compiled calls per step: no fusion of the update into the backward pass",
    )
    yield _suite.Impl(
        "jax (jit(value_and_grad), then jit(optax update) donating)",
        "jax",
        make_jax_step(params, x, y, fused=False, donate=True),
        note="what the tapejax eager step does: two compiled calls, the update donating the old weights and slots",
    )
    yield _suite.Impl(
        "jax (fused, donating params and optimizer state)",
        "jax",
        make_jax_step(params, x, y, donate=True),
        note="the fused step with donate_argnums: new weights and slots written into the old buffers",
    )
    yield _suite.Impl(
        "jax (previous update, then value_and_grad: one call)",
        "jax",
        make_jax_step(params, x, y, update_first=True),
        note="one compiled call per step, the update of step k-1 before the forward of step k: the "
        "order an eager update deferred into the next step's program would have",
    )

    tf = _frameworks.tensorflow()
    if tf is None:
        for label in ("TF eager", "TF tf.function"):
            yield _suite.Skipped(label, _frameworks.missing("tensorflow"))
    else:
        tf_step, _, _ = make_tape_step(tf_namespace(tf), params, x, y)
        yield _suite.Impl("TF eager", "tensorflow", tf_step)
        tf_fn_step, _, _ = make_tape_step(tf_namespace(tf), params, x, y)
        yield _suite.Impl("TF tf.function", "tensorflow", tf.function(tf_fn_step))

    torch = _frameworks.torch()
    if torch is None:
        yield _suite.Skipped("PyTorch eager", _frameworks.missing("torch"))
    else:
        yield _suite.Impl("PyTorch eager", "torch", make_torch_step(torch, params, x, y))


def targets(result: _suite.Result) -> list[_suite.Target]:
    return [
        _suite.ratio_target(
            result,
            "tapejax eager tape",
            "jax (jit(value_and_grad) + optax.adam, fused)",
            1.1,
            "tapejax eager tape step <= 1.1x jax.jit(value_and_grad)+optax step (issue 18)",
        )
    ]


BENCHMARKS = [
    _suite.Benchmark(
        "mlp",
        "MLP training step 784-512-512-10, batch 128, softmax CE, Adam; time per step",
        build,
        targets,
        repeats=11,
    )
]
