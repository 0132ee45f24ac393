"""WGAN-GP on a 2-D mixture: a gradient penalty, second order through a Keras critic.

The critic's loss includes the gradient penalty of Gulrajani et al. (2017): the critic's gradient
with respect to its input, at points between real and generated samples, should have norm 1::

    with tf.GradientTape() as tape:                      # outer: d(critic loss)/d(critic weights)
        with tf.GradientTape() as gp_tape:               # inner: d(critic)/d(interpolated input)
            gp_tape.watch(interpolated)
            scores = critic(interpolated, training=True)
        grads = gp_tape.gradient(scores, interpolated)
        penalty = tf.reduce_mean((tf.norm(grads, axis=1) - 1.0) ** 2)
        critic_loss = fake_mean - real_mean + 10.0 * penalty
    critic_grads = tape.gradient(critic_loss, critic.trainable_variables)

``--check`` first verifies that second-order gradient in float64: the tape's gradient of the penalty
with respect to every critic weight against central finite differences (a small tanh critic,
smooth everywhere), and prints the largest relative error. Then the WGAN trains (float32, ``tf.function``
steps, 5 critic steps per generator step) and the samples and critic losses are saved as a PNG.

Usage::

    python examples/wgan_gp.py [--steps 2000] [--check] [--out wgan_gp.png]

Exit status 0 when the check (if asked) agrees to 1e-6 and the generated points lie near the circle
(median |radius - 2| < 0.3); 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

import matplotlib

matplotlib.use("Agg")  # write files only; never open a window
import matplotlib.pyplot as plt
import numpy as np

import tapejax as tf

keras = tf.keras
RADIUS = 2.0


def sample_real(n: int, rng: np.random.Generator) -> np.ndarray:
    angles = 2 * np.pi * rng.integers(0, 8, n) / 8
    centers = RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centers + 0.05 * rng.standard_normal((n, 2))).astype("float32")


def make_critic(activation: str = "relu", dtype: str = "float32", units: int = 64) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((2,), dtype=dtype),
            keras.layers.Dense(units, activation=activation, dtype=dtype),
            keras.layers.Dense(units, activation=activation, dtype=dtype),
            keras.layers.Dense(1, dtype=dtype),
        ],
        name="critic",
    )


def make_generator() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(2),
        ],
        name="generator",
    )


def gradient_penalty(critic: keras.Model, interpolated: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as gp_tape:
        gp_tape.watch(interpolated)
        scores = critic(interpolated, training=True)
    grads = gp_tape.gradient(scores, interpolated)
    return tf.reduce_mean((tf.norm(grads, axis=1) - 1.0) ** 2)


def check_second_order(seed: int = 0, eps: float = 1e-6) -> float:
    """The largest relative error of the tape's d(penalty)/d(weights) against central differences (float64)."""
    keras.utils.set_random_seed(seed)
    critic = make_critic("tanh", "float64", units=4)
    x = tf.constant(np.random.default_rng(seed).standard_normal((16, 2)))
    with tf.GradientTape() as tape:
        penalty = gradient_penalty(critic, x)
    # (The output bias does not reach the penalty: TF's gradient for it is None, here zeros.)
    grads = tape.gradient(penalty, critic.trainable_variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    grads = [g.numpy() for g in grads]
    worst = 0.0
    for var, grad in zip(critic.trainable_variables, grads, strict=True):
        base = var.numpy()
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1.0, -1.0):
                shifted = base.copy()
                shifted[idx] += sign * eps
                var.assign(shifted)
                numeric[idx] += sign * float(gradient_penalty(critic, x)) / (2 * eps)
            var.assign(base)
        scale = np.maximum(np.abs(numeric), 1e-3)
        worst = max(worst, float(np.max(np.abs(grad - numeric) / scale)))
    return worst


def train(steps: int, batch_size: int = 128, n_critic: int = 5, gp_weight: float = 10.0, seed: int = 0) -> dict:
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    generator, critic = make_generator(), make_critic()
    gen_opt = keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
    critic_opt = keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)

    @tf.function
    def critic_step(real):
        noise = tf.random.normal([batch_size, 2])
        alpha = tf.random.uniform([batch_size, 1])
        with tf.GradientTape() as tape:
            fake = generator(noise, training=True)
            interpolated = alpha * real + (1.0 - alpha) * fake
            penalty = gradient_penalty(critic, interpolated)
            critic_loss = tf.reduce_mean(critic(fake, training=True)) - tf.reduce_mean(critic(real, training=True))
            total = critic_loss + gp_weight * penalty
        grads = tape.gradient(total, critic.trainable_variables)
        critic_opt.apply_gradients(zip(grads, critic.trainable_variables, strict=False))
        return critic_loss

    @tf.function
    def generator_step():
        noise = tf.random.normal([batch_size, 2])
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(critic(generator(noise, training=True), training=True))
        grads = tape.gradient(loss, generator.trainable_variables)
        gen_opt.apply_gradients(zip(grads, generator.trainable_variables, strict=False))
        return loss

    fixed_noise = tf.random.normal([1000, 2])
    history = {"critic_loss": []}
    for step in range(1, steps + 1):
        for _ in range(n_critic):
            critic_loss = critic_step(sample_real(batch_size, rng))
        generator_step()
        history["critic_loss"].append(float(critic_loss))
        if step % max(1, steps // 10) == 0:
            samples = generator(fixed_noise).numpy()
            err = float(np.median(np.abs(np.linalg.norm(samples, axis=1) - RADIUS)))
            print(f"  step {step:5d}  critic loss {float(critic_loss):.4f}  radius error {err:.3f}", flush=True)
    history["samples"] = generator(fixed_noise).numpy()
    history["final_error"] = float(np.median(np.abs(np.linalg.norm(history["samples"], axis=1) - RADIUS)))
    history["real"] = sample_real(1000, rng)
    return history


def plot(history: dict, out: str) -> None:
    fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(11, 5))
    ax_s.scatter(*history["real"].T, s=4, alpha=0.4, label="real")
    ax_s.scatter(*history["samples"].T, s=4, alpha=0.4, label="generated")
    ax_s.set(aspect="equal", title="Samples")
    ax_s.legend()
    ax_l.plot(history["critic_loss"], lw=0.6)
    ax_l.set(xlabel="generator step", ylabel="critic loss (without penalty)", title="Critic")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", default="wgan_gp.png")
    args = parser.parse_args(argv)
    ok = True
    if args.check:
        worst = check_second_order()
        print(f"gradient-penalty check: max relative error {worst:.2e} against float64 finite differences")
        ok = worst < 1e-6
    history = train(args.steps)
    plot(history, args.out)
    print(f"radius error: final {history['final_error']:.3f}")
    print(f"plot written to {args.out}")
    return 0 if ok and history["final_error"] < 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
