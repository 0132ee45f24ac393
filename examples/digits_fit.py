"""Keras' ``fit`` on scikit-learn's digits: a small CNN with the progress bar, callbacks, TensorBoard logs,
a ``.keras`` save and reload, and a PNG of the training curves.

The script is what a TF user writes::

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, validation_split=0.1, epochs=20, callbacks=[
        tf.keras.callbacks.EarlyStopping(patience=4, restore_best_weights=True),
        tf.keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True),
        tf.keras.callbacks.TensorBoard(log_dir="logs"),
    ])
    model.save("digits.keras"); reloaded = tf.keras.models.load_model("digits.keras")

It prints Keras' progress bar, the test accuracy of the trained and of the reloaded model (they must
agree), and writes the History's loss and accuracy curves.

Usage::

    python examples/digits_fit.py [--epochs 20] [--out digits_fit.png] [--dir digits_fit_run]

Exit status 0 when the test accuracy reaches 95% and the reloaded model predicts the same, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # write files only; never open a window
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import tapejax as tf

keras = tf.keras
TARGET = 0.95


def load_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    n_train = int(0.8 * len(x))
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def make_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="digits_cnn",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default="digits_fit.png")
    parser.add_argument("--dir", default="digits_fit_run", help="where checkpoints, logs and the .keras file go")
    parser.add_argument("--verbose", default="auto")
    args = parser.parse_args(argv)
    verbose = int(args.verbose) if args.verbose.isdigit() else args.verbose
    os.makedirs(args.dir, exist_ok=True)
    keras.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data()
    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(os.path.join(args.dir, "best.keras"), monitor="val_loss", save_best_only=True),
        keras.callbacks.TensorBoard(log_dir=os.path.join(args.dir, "logs")),
    ]
    history = model.fit(
        x_train, y_train, batch_size=32, epochs=args.epochs, validation_split=0.1, callbacks=callbacks, verbose=verbose
    )
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    path = os.path.join(args.dir, "digits.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    same = np.allclose(reloaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0), atol=1e-6)
    print(f"test accuracy: {accuracy:.4f} (reloaded model predicts the same: {same})")

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = range(1, len(history.history["loss"]) + 1)
    ax_loss.plot(epochs, history.history["loss"], label="train")
    ax_loss.plot(epochs, history.history["val_loss"], label="validation")
    ax_acc.plot(epochs, history.history["accuracy"], label="train")
    ax_acc.plot(epochs, history.history["val_accuracy"], label="validation")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title=f"Accuracy (test {accuracy:.3f})")
    ax_loss.legend()
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f"plot written to {args.out}")
    return 0 if accuracy >= TARGET and same else 1


if __name__ == "__main__":
    sys.exit(main())
