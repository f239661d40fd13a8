"""benchmarks/gpu_check.sh: the GPU-path check passes on the CPU (issue 18, item 5).

CI has no GPU: the script runs here with ``--device cpu``, so that it is known to work
before a GPU machine runs it. What it checks on a GPU is the same code path with
``--device cuda``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_passes_on_the_cpu(tmp_path):
    out = tmp_path / "gpu_check.json"
    # the script's interpreter is this one (with this tree's physym), not whatever python3 is
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--device", "cpu",
                           "--out", str(out)], capture_output=True, text=True, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["passed"] and result["environment"]["device"] == "cpu"
    tasks = {(r["problem"], r["task"], r["model"]) for r in result["tasks"]["runs"]}
    # every task of the core problems, every operator model, and the suite
    assert {("burgers", "operator", "deeponet"), ("darcy", "operator", "uno"),
            ("navier_stokes", "pinn", "fnn"), ("qcd_eos", "regression", "mlp"),
            ("digits", "classification", "cnn"), ("lid_driven_cavity", "pinn", "fnn")} <= tasks
    assert all(r["status"] == "ok" for r in result["tasks"]["runs"])
    assert result["study"]["records"] == 24 and result["study"]["bad"] == []
    assert [r["workers"] for r in result["throughput"]["runs"]] == [1, 2]
    assert all(r["runs_per_hour"] > 0 for r in result["throughput"]["runs"])
    # CPU against CPU: the same numbers
    assert all(r["relative_difference"] == 0.0 for r in result["agreement"]["runs"])


def test_gpu_check_refuses_bad_arguments(tmp_path):
    for args, message in ((["--device", "tpu"], "device must be"),
                          (["--device", "cpu", "--workers", "0"], "must be positive"),
                          (["--device", "cpu", "--workers", "x"], "invalid literal")):
        proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"),
                               *args, "--out", str(tmp_path / "x.json")],
                              capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_gpu_session_refuses_bad_arguments_before_any_work(tmp_path):
    """benchmarks/gpu_session.sh (one device call: wheels, gpu_check, the paper estimate)
    checks its options first: one line, exit 2, nothing installed or written."""
    for args, message in ((["--bogus"], "unknown option '--bogus'"),
                          (["--deadline", "0"], "must be positive integers, got '0'"),
                          (["--workers", "x"], "must be positive integers, got 'x'"),
                          (["--deadline"], "must be positive integers, got ''"),
                          (["--device", "tpu"], "--device must be cpu, cuda or cuda:N"),
                          (["--estimate-from", str(tmp_path / "none.json")],
                           "cannot read --estimate-from")):
        out = tmp_path / "out"
        proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_session.sh"), *args],
                              capture_output=True, text=True, env=dict(os.environ, OUT=str(out)))
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and message in lines[-1], proc.stderr
        assert "gpu_session.sh: error:" in lines[-1]
        assert not out.exists()
