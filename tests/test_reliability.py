"""Finished results are never lost, stale ones never reused, workers never orphaned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from physym.cli import app
from physym.io import write_json
from physym.spec import RunSpec

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

PROBLEM_FILE = '''"""A tiny heat problem for the stale-record test."""
from dataclasses import dataclass

from physym.examples.heat1d import Heat1D


@dataclass(frozen=True)
class Params:
    kappa: float = {kappa}


class Mine(Heat1D):
    """Heat1D with its own default diffusivity."""

    Params = Params
'''

PRESET = """
[study]
budget = "smoke"
seeds = 1
expand = [1]
controls = []
config = [ {{ problem = "{path}:Mine" }} ]
"""


def test_a_changed_problem_file_is_never_served_from_old_records(tmp_path):
    problem = tmp_path / "mine.py"
    problem.write_text(PROBLEM_FILE.format(kappa=0.1))
    preset = tmp_path / "mine.toml"
    preset.write_text(PRESET.format(path=problem))
    out = tmp_path / "study"
    args = ["study", "--preset", str(preset), "--out", str(out), "--device", "cpu",
            "--threads", "1"]
    first = runner.invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "2 runs, 0 already done, 2 to run" in first.stderr
    again = runner.invoke(app, args, catch_exceptions=False)
    assert "2 runs, 2 already done, 0 to run" in again.stderr  # unchanged: reused
    problem.write_text(PROBLEM_FILE.format(kappa=0.2))  # new default parameter
    changed = runner.invoke(app, args, catch_exceptions=False)
    assert changed.exit_code == 0, changed.output
    assert "2 runs, 0 already done, 2 to run" in changed.stderr
    assert "2 record(s) of runs whose problem code" in changed.stderr
    assert len(list((out / "records" / "stale").glob("*.json"))) == 2
    assert len(list((out / "records").glob("*.json"))) == 2


def test_relative_and_absolute_paths_of_a_problem_file_give_one_key(tmp_path, monkeypatch):
    problem = tmp_path / "mine.py"
    problem.write_text(PROBLEM_FILE.format(kappa=0.1))
    monkeypatch.chdir(tmp_path)
    relative, absolute = RunSpec("mine.py:Mine"), RunSpec(f"{problem}:Mine")
    assert relative.problem_digest and relative.key() == absolute.key()
    assert RunSpec.from_dict(relative.to_dict()).key() == relative.key()
    problem.write_text(PROBLEM_FILE.format(kappa=0.3))
    assert RunSpec("mine.py:Mine").key() != relative.key()
    assert RunSpec("burgers").to_dict().keys() == {  # built-ins: keys as before, no digest
        "problem", "task", "model", "expansion", "seed", "budget", "params", "data_seed", "data"}


def test_a_data_file_enters_the_key_by_content(tmp_path):
    data = tmp_path / "d.h5"
    data.write_bytes(b"one")
    spec = RunSpec("burgers", "operator", data=str(data))
    data.write_bytes(b"two")
    assert RunSpec("burgers", "operator", data=str(data)).key() != spec.key()


def test_result_files_are_strict_json_with_ordinary_permissions(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"error": float("nan"), "times": [1.0, float("inf")]})
    assert json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(c)) == \
        {"error": None, "times": [1.0, None]}
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_failed_run_exits_1_and_keeps_its_results(tmp_path, monkeypatch):
    import physym.models.operator_train as operator

    monkeypatch.setattr(operator, "relative_l2", lambda p, t: (p - t).sum() * float("nan"))
    result = runner.invoke(app, ["solve", "burgers", "--task", "operator", "--budget", "smoke",
                                 "--expand", "1", "--device", "cpu", "--out", str(tmp_path)])
    assert result.exit_code == 1
    (run_dir,) = tmp_path.iterdir()
    data = json.loads((run_dir / "results.json").read_text())
    assert {r["status"] for r in data["runs"]} == {"failed"}


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_study_workers_die_with_their_driver(tmp_path):
    env = {**os.environ, "PHYSYM_DATA": str(tmp_path / "data")}
    driver = subprocess.Popen(
        [sys.executable, "-m", "physym", "study", "--preset", "smoke", "--workers", "2",
         "--threads", "1", "--device", "cpu", "--out", str(tmp_path / "study")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until both pool workers exist
            workers = [c for c in _children(driver.pid) if "spawn_main" in " ".join(c.cmdline())]
            if len(workers) >= 2:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the study's worker processes never started")
        family = _children(driver.pid)
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
        gone, alive = psutil.wait_procs(family, timeout=15)
        assert not alive, f"still alive after the driver was killed: {alive}"
    finally:
        if driver.poll() is None:
            driver.kill()


def test_ctrl_c_exits_130_and_leaves_nothing_half_written(tmp_path):
    env = {**os.environ, "PHYSYM_DATA": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "physym", "solve", "burgers", "--budget", "quick", "--seeds", "1",
         "--device", "cpu", "--threads", "1", "--out", str(tmp_path / "runs")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # into training
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
