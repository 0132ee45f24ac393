"""The examples run end to end (subprocess, in a temporary directory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_linear_regression_converges_in_both_styles_and_saves_the_plot(tmp_path):
    out = tmp_path / "trajectory.png"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, str(REPO / "examples" / "linear_regression.py"), "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    finals = {}
    for line in proc.stdout.splitlines():
        if line.startswith(("rebinding: w =", "optimizer: w =")):
            style, rest = line.split(":", 1)
            w_part, b_part = rest.split(",")[:2]
            finals[style] = (float(w_part.split("=")[1]), float(b_part.split("=")[1].split()[0]))
    assert set(finals) == {"rebinding", "optimizer"}
    for w, b in finals.values():
        assert abs(w - 3) < 0.05 and abs(b - 1) < 0.05
    assert "step  200" in proc.stdout  # progress is shown
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "linear_regression.png").exists()
