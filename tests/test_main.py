"""``python -m tapejax SCRIPT.py``: unmodified ``import tensorflow as tf`` scripts run on tapejax."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tapejax import __main__ as runner

REPO = Path(__file__).resolve().parents[1]

# The tutorial's code blocks (the GradientTape tutorial in shared/seeds), copied unmodified (trailing
# spaces included, hence a .txt file the linters leave alone) after the imports the tutorial assumes;
# one print at the end checks the result.
TUTORIAL = (Path(__file__).parent / "data" / "gradient_tape_tutorial.txt").read_text()


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "tapejax", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_tutorial_script_runs_unmodified(tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text(TUTORIAL)
    proc = _run([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "None"
    assert lines[1] == "tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)"
    tag, w, b, n = lines[-1].split()
    assert tag == "final" and n == "1000"
    assert abs(float(w) - 3) < 0.05 and abs(float(b) - 1) < 0.05


def test_tensorflow_and_keras_imports_are_tapejax_and_a_missing_import_says_so(tmp_path):
    # (one subprocess for the three checks: each costs an interpreter start and tapejax's import)
    code = (
        "import tensorflow as tf, tapejax, tensorflow.keras.optimizers as o\n"
        "from tensorflow.keras.losses import MeanSquaredError\n"
        "import sys\n"
        "print(tf is tapejax, o is tapejax.keras.optimizers, MeanSquaredError is tapejax.keras.losses.MeanSquaredError,"
        " tapejax.__spec__.name, sys.argv[1:])\n"
        "import keras\nfrom keras.layers import Dense\nfrom tensorflow import keras as tfk\n"
        "print(keras.__name__, tfk is keras, Dense.__module__.startswith('tapejax.'))\n"
        "print(keras.Sequential([keras.Input((3,)), Dense(2)]).output_shape)\n"
        "from tensorflow.keras.applications import ResNet50\n"
    )
    proc = _run(["-c", code, "x", "--y"], tmp_path)
    assert proc.stdout.splitlines() == [
        "True True True tapejax ['x', '--y']",
        "tapejax.keras True True",
        "(None, 2)",
    ], proc.stderr
    assert proc.returncode == 1
    assert "tapejax does not implement tf.keras.applications yet" in proc.stderr
    assert "runpy" not in proc.stderr and "__main__.py" not in proc.stderr  # the runner's frames are hidden
    assert 'File "<string>", line 10' in proc.stderr  # the user's code is where the traceback points


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = tf.constant(1.0)\ny = tf.foo.bar(x)\n", "tapejax does not implement tf.foo.bar yet."),
        (
            "layer = tf.keras.layers.TorchModuleWrapper(3)\n",
            "tapejax does not implement tf.keras.layers.TorchModuleWrapper yet.",
        ),
        ("opt = tf.keras.optimizers.Adamm(0.1)\n", "tapejax does not implement tf.keras.optimizers.Adamm yet."),
        ("from tensorflow.keras import applications\n", "tapejax does not implement tf.keras.applications yet."),
    ],
    ids=["attribute-chain", "keras-chain", "typo", "from-import"],
)
def test_explain_names_the_whole_missing_chain(tmp_path, source, message):
    import tapejax

    script = tmp_path / "snippet.py"
    script.write_text(source)
    code = compile(source.replace("tensorflow", "tapejax"), str(script), "exec")
    with pytest.raises((AttributeError, ImportError)) as info:
        exec(code, {"tf": tapejax})
    note = runner.explain(info.value)
    # Either the error already says it (then no note is added), or the note does.
    assert message in (note or str(info.value))
    assert note is None or note == message


def test_no_arguments_prints_usage(capsys):
    assert runner.main([]) == 2
    assert "usage: python -m tapejax SCRIPT.py" in capsys.readouterr().err


def test_explain_ignores_other_errors():
    assert runner.explain(ValueError("x")) is None
    assert runner.explain(AttributeError("'Tensor' object has no attribute 'foo'")) is None
