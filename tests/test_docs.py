"""The worked examples of docs/adding-a-problem.md are real, current and runnable."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from physym import Expansion, compare, get_problem
from physym.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "adding-a-problem.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
COMMANDS = [line.strip() for block in re.findall(r"```bash\n(.*?)```", DOC, flags=re.S)
            for line in block.splitlines() if line.strip().startswith("physym solve")]


def test_doc_embeds_the_example_file_verbatim():
    assert BLOCKS[0] == (ROOT / "physym" / "examples" / "heat1d.py").read_text()


def test_heat_exact_solution_satisfies_the_pde():
    heat = get_problem("physym.examples.heat1d:Heat1D").task(None)(None)
    x, t = np.meshgrid(np.linspace(0.05, 0.95, 19), np.linspace(0.05, 0.95, 19))
    p = np.stack([x.ravel(), t.ravel()], 1)
    h = 1e-4
    u = lambda dx, dt: heat.exact(p + np.array([dx, dt]))  # noqa: E731
    u_t = (u(0, h) - u(0, -h)) / (2 * h)
    u_xx = (u(h, 0) - 2 * u(0, 0) + u(-h, 0)) / h**2
    assert np.max(np.abs(u_t - heat.params.kappa * u_xx)) < 1e-5
    assert np.allclose(heat.exact(np.array([[0.3, 0.0]])), np.sin(0.3 * np.pi))


def test_doc_command_runs_from_the_repository(tmp_path):
    smoke = [c for c in COMMANDS if "--budget smoke" in c]
    assert smoke, "the doc shows a smoke-budget command"
    args = shlex.split(smoke[0])[1:] + ["--device", "cpu", "--out", str(tmp_path)]
    proc = subprocess.run([sys.executable, "-m", "physym", *args], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (run_dir,) = tmp_path.iterdir()
    assert (run_dir / "results.json").is_file() and (run_dir / "comparison.png").is_file()
    assert '"kappa": 0.2' in (run_dir / "results.json").read_text()


def test_bad_parameter_of_a_user_problem_is_a_usage_error():
    result = CliRunner().invoke(app, ["solve", "physym.examples.heat1d:Heat1D",
                                      "--param", "kappa=-1"])
    assert result.exit_code == 2 and "kappa must be a positive" in result.stderr


def test_operator_example_runs(tmp_path):
    path = tmp_path / "decay.py"
    path.write_text(BLOCKS[1])
    cmp = compare(f"{path}:Decay1D", expansion=Expansion(2, layout="channels"), seeds=1,
                  budget="smoke", device="cpu")
    (b,), (e,) = cmp.baseline, cmp.expanded
    assert b.status == e.status == "ok" and b.data_fingerprint == e.data_fingerprint
    assert b.error < 0.3 and e.error < 0.3  # the operator is learned
