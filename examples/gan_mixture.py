"""A GAN with two tapes and two optimizers (TF's DCGAN-tutorial pattern) on a 2-D mixture of Gaussians.

The data are 8 Gaussians (std 0.05) on a circle of radius 2. A generator MLP maps 2-D noise to
points, a discriminator MLP scores points; each step records both losses with two GradientTapes,
as TF's DCGAN tutorial does::

    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        generated = generator(noise, training=True)
        real_output = discriminator(real, training=True)
        fake_output = discriminator(generated, training=True)
        gen_loss = generator_loss(fake_output)
        disc_loss = discriminator_loss(real_output, fake_output)
    generator_optimizer.apply_gradients(zip(gen_tape.gradient(gen_loss, generator.trainable_variables), ...))
    discriminator_optimizer.apply_gradients(zip(disc_tape.gradient(disc_loss, ...), ...))

The step is a ``tf.function``. It prints the losses and the generated points' distance to the
circle, and saves the real and generated samples (and the loss curves) as a PNG.

Usage::

    python examples/gan_mixture.py [--steps 3000] [--out gan_mixture.png]

Exit status 0 when the generated points lie near the circle (median |radius - 2| < 0.3), 1 otherwise.
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
MODES = 8


def sample_real(n: int, rng: np.random.Generator) -> np.ndarray:
    angles = 2 * np.pi * rng.integers(0, MODES, n) / MODES
    centers = RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centers + 0.05 * rng.standard_normal((n, 2))).astype("float32")


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


def make_discriminator() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1),
        ],
        name="discriminator",
    )


def radius_error(points: np.ndarray) -> float:
    """The median distance of ``points`` to the circle the data lie on."""
    return float(np.median(np.abs(np.linalg.norm(points, axis=1) - RADIUS)))


def train(steps: int, batch_size: int = 128, seed: int = 0) -> dict:
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    generator, discriminator = make_generator(), make_discriminator()
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    generator_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
    discriminator_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)

    def discriminator_loss(real_output, fake_output):
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        return real_loss + fake_loss

    def generator_loss(fake_output):
        return cross_entropy(tf.ones_like(fake_output), fake_output)

    @tf.function
    def train_step(real):
        noise = tf.random.normal([batch_size, 2])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(real, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        generator_optimizer.apply_gradients(zip(gen_grads, generator.trainable_variables, strict=False))
        discriminator_optimizer.apply_gradients(zip(disc_grads, discriminator.trainable_variables, strict=False))
        return gen_loss, disc_loss

    fixed_noise = tf.random.normal([1000, 2])
    history = {"gen_loss": [], "disc_loss": [], "initial_error": radius_error(generator(fixed_noise).numpy())}
    for step in range(1, steps + 1):
        gen_loss, disc_loss = train_step(sample_real(batch_size, rng))
        history["gen_loss"].append(float(gen_loss))
        history["disc_loss"].append(float(disc_loss))
        if step % max(1, steps // 10) == 0:
            err = radius_error(generator(fixed_noise).numpy())
            print(
                f"  step {step:5d}  gen loss {float(gen_loss):.3f}  disc loss {float(disc_loss):.3f}  radius error {err:.3f}",
                flush=True,
            )
    history["samples"] = generator(fixed_noise).numpy()
    history["final_error"] = radius_error(history["samples"])
    history["real"] = sample_real(1000, rng)
    return history


def plot(history: dict, out: str) -> None:
    fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(11, 5))
    ax_s.scatter(*history["real"].T, s=4, alpha=0.4, label="real")
    ax_s.scatter(*history["samples"].T, s=4, alpha=0.4, label="generated")
    ax_s.set(aspect="equal", title="Samples")
    ax_s.legend()
    ax_l.plot(history["gen_loss"], label="generator", lw=0.6)
    ax_l.plot(history["disc_loss"], label="discriminator", lw=0.6)
    ax_l.set(xlabel="step", ylabel="loss", title="Losses")
    ax_l.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--out", default="gan_mixture.png")
    args = parser.parse_args(argv)
    history = train(args.steps)
    plot(history, args.out)
    print(f"radius error: initial {history['initial_error']:.3f}, final {history['final_error']:.3f}")
    print(f"plot written to {args.out}")
    return 0 if history["final_error"] < 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
