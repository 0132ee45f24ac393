"""The TensorFlow GradientTape tutorial's linear regression, run on tapejax.

Fits ``y = 3x + 1`` on 1000 samples from ``tf.random.normal`` with per-sample SGD (learning rate
0.01), starting from ``w = b = -1``, in both of the tutorial's styles:

1. rebinding: ``w = tf.Variable(w - learning_rate * gradients[0])`` after every step;
2. optimizer: ``optimizer.apply_gradients(zip(gradients, [w, b]))`` with ``tf.keras.optimizers.SGD(0.01)``.

It prints progress and the final ``w`` and ``b`` of each style, checks that both end within 0.05 of
``(3, 1)``, and saves the trajectories of ``w`` and ``b`` as a PNG.

Usage::

    python examples/linear_regression.py [--out linear_regression.png] [--samples 1000] [--seed 0]

Exit status 0 when both styles converge, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time

import matplotlib

matplotlib.use("Agg")  # write files only; never open a window
import matplotlib.pyplot as plt

import tapejax as tf

TRUE_W, TRUE_B = 3.0, 1.0
TOLERANCE = 0.05


def make_data(samples: int, seed: int) -> tuple[tf.Tensor, tf.Tensor]:
    """The tutorial's data: ``x ~ N(0, 1)``, ``y = 3x + 1``."""
    tf.random.set_seed(seed)
    x_data = tf.random.normal(shape=(samples,), dtype=tf.float32)
    y_data = 3 * x_data + 1
    return x_data, y_data


def _progress(style: str, step: int, loss: tf.Tensor, w: tf.Variable, b: tf.Variable) -> None:
    print(f"  [{style}] step {step:4d}  loss {float(loss):9.5f}  w {float(w):8.4f}  b {float(b):8.4f}", flush=True)


def fit_rebinding(x_data: tf.Tensor, y_data: tf.Tensor, learning_rate: float = 0.01, every: int = 200):
    """Style 1: a new Variable from ``w - lr * grad`` after every sample, as the tutorial writes it."""
    w = tf.Variable(-1.0)
    b = tf.Variable(-1.0)
    w_list, b_list = [], []
    for step, (x, y) in enumerate(zip(x_data, y_data, strict=True)):
        with tf.GradientTape() as tape:
            predictions = x * w + b
            loss = tf.pow((predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        w_list.append(w.numpy())
        b_list.append(b.numpy())
        if step % every == 0:
            _progress("rebinding", step, loss, w, b)
        w = tf.Variable(w - learning_rate * gradients[0])
        b = tf.Variable(b - learning_rate * gradients[1])
    return w, b, w_list, b_list


def fit_optimizer(x_data: tf.Tensor, y_data: tf.Tensor, learning_rate: float = 0.01, every: int = 200):
    """Style 2: the same loop, updating with ``SGD(0.01).apply_gradients(zip(gradients, [w, b]))``."""
    w = tf.Variable(-1.0)
    b = tf.Variable(-1.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    w_list, b_list = [], []
    for step, (x, y) in enumerate(zip(x_data, y_data, strict=True)):
        with tf.GradientTape() as tape:
            predictions = x * w + b
            loss = tf.pow((predictions - y), 2)
        gradients = tape.gradient(loss, [w, b])
        w_list.append(w.numpy())
        b_list.append(b.numpy())
        if step % every == 0:
            _progress("optimizer", step, loss, w, b)
        optimizer.apply_gradients(zip(gradients, [w, b]))  # noqa: B905 - the tutorial's line, verbatim
    return w, b, w_list, b_list


def plot(trajectories: dict[str, tuple[list, list]], path: str) -> None:
    """The tutorial's two panels (weight, bias), one line per style, the true values dashed."""
    fig, ax = plt.subplots(2, figsize=(10, 5))
    for (style, (w_list, b_list)), line in zip(trajectories.items(), ("-", "--"), strict=False):
        ax[0].plot(w_list, line, label=style)
        ax[1].plot(b_list, line, label=style)
    ax[0].axhline(TRUE_W, color="gray", linestyle="--", linewidth=0.8)
    ax[1].axhline(TRUE_B, color="gray", linestyle="--", linewidth=0.8)
    ax[0].set_xlabel("weight")
    ax[1].set_xlabel("bias")
    ax[0].legend(loc="lower right")
    fig.subplots_adjust(hspace=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="linear_regression.png", help="where to save the w/b plot (PNG)")
    parser.add_argument("--samples", type=int, default=1000, help="number of training samples (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="tf.random seed")
    args = parser.parse_args(argv)

    x_data, y_data = make_data(args.samples, args.seed)
    results = {}
    ok = True
    for style, fit in (("rebinding", fit_rebinding), ("optimizer", fit_optimizer)):
        print(f"{style} style: per-sample SGD on {args.samples} samples")
        start = time.perf_counter()
        w, b, w_list, b_list = fit(x_data, y_data)
        elapsed = time.perf_counter() - start
        w_final, b_final = float(w), float(b)
        converged = abs(w_final - TRUE_W) < TOLERANCE and abs(b_final - TRUE_B) < TOLERANCE
        ok = ok and converged
        print(
            f"{style}: w = {w_final:.4f}, b = {b_final:.4f} ({elapsed:.2f} s){'' if converged else '  NOT CONVERGED'}"
        )
        results[style] = (w_list, b_list)
    plot(results, args.out)
    print(f"saved {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
