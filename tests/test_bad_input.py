"""The bad-input catalogue: every command and the Python API refuse bad input before any
work, with one line that names the bad value, no traceback, and nothing written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from physym import Expansion, PINNBudget, RunSpec, compare
from physym.cli import app

runner = CliRunner()

BAD_PRESET = """
[study]
budget = "smoke"
seeds = 2
expand = [2]
config = [ { problem = "qcd_eos", budget_overrides = { adam_iterations = -5 } } ]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Inputs the cases refer to; everything else under tmp_path must stay untouched."""
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "syntax.py").write_text("import physym\nclass A(:\n")
    (tmp_path / "raises.py").write_text("import numpy\nraise RuntimeError('boom')\n")
    (tmp_path / "abstract.py").write_text(
        "from physym import PINNProblem\n\nclass P(PINNProblem):\n    '''x'''\n\n"
        "    def exact(self, points):\n        return points\n")
    (tmp_path / "negative.toml").write_text(BAD_PRESET)
    (tmp_path / "broken.toml").write_text("[study\n")
    (tmp_path / "not_hdf5.h5").write_text("plain text\n")
    study = tmp_path / "broken_study"
    study.mkdir()
    (study / "study.json").write_text("{ not json")
    (tmp_path / "empty_study").mkdir()
    return {p.name: p for p in tmp_path.iterdir()}


OUT = "{tmp}/out"
OP = ["--task", "operator"]

CLI_CASES = [
    # solve: where results would go
    (["solve", "burgers", "--budget", "smoke", "--out", "/proc/physym-out"], "is not writable"),
    (["solve", "burgers", "--budget", "smoke", "--out", "{tmp}/a_file/sub"], "is a file, not a folder"),
    (["solve", "burgers", "--budget", "smoke", "--out", "{tmp}/a_file"], "exists and is not a folder"),
    # solve: numbers and sizes
    (["solve", "burgers", "--expand", "100000", "--out", OUT], "needs an estimated"),
    (["solve", "burgers", *OP, "--layout", "interleave", "--expand", "3000", "--out", OUT],
     "needs an estimated"),
    (["solve", "burgers", "--fill", "1e308", "--out", OUT], "|fill| <= 1e+06"),
    (["solve", "burgers", "--fill", "inf", "--out", OUT], "fill must be a finite number"),
    (["solve", "burgers", "--fill", "tau", "--out", OUT], "got 'tau'"),
    (["solve", "burgers", "--data-seed", "-1", "--out", OUT], "data_seed must be an integer"),
    (["solve", "burgers", *OP, "--data-seed", "-1", "--out", OUT], "got -1"),
    (["solve", "burgers", *OP, "--param", "nu=0.1", "--param", "nu=0.01", "--out", OUT],
     "--param nu is given more than once"),
    (["solve", "burgers", *OP, "--param", "nu=abc", "--out", OUT], "nu='abc' is not a valid float"),
    (["solve", "burgers", *OP, "--param", "nu=-1", "--out", OUT], "nu"),
    # solve: files
    (["solve", "burgers", *OP, "--data", "{tmp}/a_dir", "--out", OUT], "is not a file"),
    (["solve", "burgers", *OP, "--data", "{tmp}/missing.h5", "--out", OUT], "does not exist"),
    (["solve", "burgers", *OP, "--data", "{tmp}/not_hdf5.h5", "--out", OUT], "not_hdf5.h5"),
    (["solve", "burgers", "--data", "{tmp}/not_hdf5.h5", "--out", OUT],
     "applies to tasks that read one"),
    (["solve", "{tmp}/syntax.py:A", "--out", OUT], "syntax.py:2: syntax error"),
    (["solve", "{tmp}/raises.py:X", "--out", OUT], "raises.py:2: cannot import the problem file"),
    (["solve", "{tmp}/abstract.py:P", "--out", OUT], "does not implement deepxde_data"),
    (["solve", "{tmp}/missing.py:P", "--out", OUT], "does not exist"),
    (["solve", "no.such.module:P", "--out", OUT], "cannot import module 'no.such.module'"),
    # data generate / info
    (["data", "generate", "burgers", "--out", "/proc/physym-x/d.h5"], "is not writable"),
    (["data", "generate", "burgers", "--out", "{tmp}/a_dir"], "exists and is not a file"),
    (["data", "generate", "burgers", "--resolution", "100000000", "--out", "{tmp}/out/d.h5"],
     "needs an estimated"),
    (["data", "generate", "burgers", "--n", "0", "--out", "{tmp}/out/d.h5"], "--n must be"),
    (["data", "generate", "burgers", "--resolution", "1", "--out", "{tmp}/out/d.h5"],
     "--resolution must be"),
    (["data", "generate", "qcd_eos", "--out", "{tmp}/out/d.h5"], "has no operator task"),
    (["data", "generate", "burgers", "--param", "nu=1", "--param", "nu=2",
      "--out", "{tmp}/out/d.h5"], "given more than once"),
    (["data", "info", "{tmp}/a_dir"], "is not a file"),
    (["data", "info", "{tmp}/missing.h5"], "does not exist"),
    (["data", "info", "{tmp}/not_hdf5.h5"], "not_hdf5.h5"),
    # measure
    (["measure", "burgers", "--out", "/proc/physym-m"], "is not writable"),
    (["measure", "burgers", "--replicas", "1", "--out", OUT], "--replicas must be"),
    (["measure", "burgers", "--data-fraction", "0", "--out", OUT], "--data-fraction must be"),
    (["measure", "burgers", "--technique", "magic", "--out", OUT], "--technique must be one of"),
    (["measure", "burgers", "--fill", "1e308", "--out", OUT], "|fill| <= 1e+06"),
    (["measure", "burgers", "--data-seed", "-1", "--out", OUT], "data_seed must be"),
    (["measure", "burgers", "--expand", "100000", "--out", OUT], "needs an estimated"),
    # study / report
    (["study", "--preset", "smoke", "--out", "{tmp}/a_file"], "exists and is not a folder"),
    (["study", "--preset", "smoke", "--out", "/proc/physym-s"], "is not writable"),
    (["study", "--preset", "smoke", "--workers", "2", "--dask-local", "2", "--out", OUT],
     "give one of them"),
    (["study", "--preset", "smoke", "--workers", "0", "--out", OUT], "--workers must be"),
    (["study", "--preset", "{tmp}/negative.toml", "--out", OUT],
     "adam_iterations must be an integer >= 0, got -5"),
    (["study", "--preset", "{tmp}/broken.toml", "--out", OUT], "not valid TOML"),
    (["study", "--preset", "{tmp}/missing.toml", "--out", OUT], "does not exist"),
    (["study", "--preset", "nope", "--out", OUT], "unknown preset 'nope'"),
    (["study", "--preset", "smoke", "--device", "tpu", "--out", OUT], "device must be"),
    (["report", "{tmp}/a_file"], "is not a folder"),
    (["report", "{tmp}/missing"], "does not exist"),
    (["report", "{tmp}/broken_study"], "broken_study/study.json' is not a readable study file"),
    (["report", "{tmp}/empty_study"], "holds no study records"),
]


def _listing(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


@pytest.mark.parametrize("args, message", CLI_CASES,
                         ids=[" ".join(a)[:60] for a, _ in CLI_CASES])
def test_cli_refuses_with_one_line_and_writes_nothing(tmp_path, files, args, message):
    before = _listing(tmp_path)
    argv = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(app, argv, catch_exceptions=False)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("physym: error: "), result.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert _listing(tmp_path) == before  # nothing written, nothing touched


def test_verbose_shows_the_traceback_of_a_bad_user_file(tmp_path, files):
    result = runner.invoke(app, ["solve", f"{tmp_path}/raises.py:X", "-v"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr


API_CASES = [
    (lambda: RunSpec("burgers", seed="x"), "seed must be an integer"),
    (lambda: RunSpec("burgers", seed=-1), "seed must be an integer in [0, 2**63 - 1], got -1"),
    (lambda: RunSpec("burgers", seed=True), "got True"),
    (lambda: RunSpec("burgers", expansion=4), "expansion must be an Expansion, e.g. Expansion(4)"),
    (lambda: RunSpec("burgers", data_seed=-1), "data_seed must be"),
    (lambda: RunSpec("burgers", budget=3), "budget must be a budget name"),
    (lambda: RunSpec("burgers", params=(("nu", "1"), ("nu", "2"))), "'nu' is given more than once"),
    (lambda: RunSpec("burgers", options={"dropout": 0.1}), "options must be a ModelOptions"),
    (lambda: RunSpec(42), "must be a name, a Problem subclass or a ProblemFamily"),
    (lambda: Expansion(2, fill=1e308), "|fill| <= 1e+06"),
    (lambda: Expansion(-1), "expand must be a non-negative integer"),
    (lambda: PINNBudget(0, 1, 1, 1, 1, 1, 1), "PINNBudget.num_domain must be an integer >= 1"),
    (lambda: PINNBudget(1, 1, 1, 1, 1, 1, 1, lr=math.nan), "PINNBudget.lr must be a positive"),
    (lambda: compare("burgers", task="operator", expansion=Expansion(2, layout="channels"),
                     data="/nope.h5", budget="smoke"), "data file '/nope.h5' does not exist"),
    (lambda: compare("burgers", expansion=Expansion(100000), budget="quick"),
     "needs an estimated"),
]


@pytest.mark.parametrize("call, message", API_CASES, ids=[m[:40] for _, m in API_CASES])
def test_api_refuses_at_construction(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
