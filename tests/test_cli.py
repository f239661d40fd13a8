import json
import subprocess
import sys

import pytest
import xarray as xr
from typer.testing import CliRunner

from physym.cli import app

runner = CliRunner()


def _run(args):
    return runner.invoke(app, args, catch_exceptions=False)


def test_problems_lists_burgers():
    result = _run(["problems"])
    assert result.exit_code == 0
    assert "burgers" in result.stdout and "operator" in result.stdout and "(default)" in result.stdout


@pytest.mark.parametrize("problem, task", [
    ("burgers", "pinn"), ("burgers", "operator"), ("darcy", "operator"), ("darcy", "pinn"),
    ("navier_stokes", "operator"), ("navier_stokes", "pinn"), ("qcd_eos", "regression"),
])
def test_solve_smoke_writes_results(tmp_path, problem, task):
    result = _run(["solve", problem, "--task", task, "--expand", "2", "--budget", "smoke",
                   "--device", "cpu", "--out", str(tmp_path), "--plot"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in tmp_path.iterdir()]
    assert not run_dir.name.startswith(".")
    data = json.loads((run_dir / "results.json").read_text())
    assert data["problem"] == problem and data["task"] == task and data["expand"] == 2
    assert {r["spec"]["expansion"]["n"] for r in data["runs"]} == {0, 2}
    assert all(r["status"] == "ok" for r in data["runs"])
    ds = xr.open_dataset(run_dir / "results.nc", engine="h5netcdf")
    assert list(ds["arm"].values) == ["baseline", "expanded"]
    assert ds["error"].shape == (2, 1) and float(ds["error"].max()) > 0
    ds.close()
    assert (run_dir / "comparison.png").stat().st_size > 10_000
    assert data["summary"]["baseline"]["n_ok"] == 1 == data["summary"]["expanded"]["n_ok"]
    assert "baseline" in result.stdout and "expanded" in result.stdout
    assert data["paired"]["expanded"]["pairs"] == 1
    assert "too few for a paired test" in result.stdout


def test_solve_prints_the_paired_test_and_what_its_seeds_could_detect(tmp_path):
    from physym.study.sensitivity import detectable_improvement
    from physym.study.stats import compare_arms

    result = _run(["solve", "qcd_eos", "--budget", "smoke", "--seeds", "3", "--device", "cpu",
                   "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = list(tmp_path.iterdir())
    data = json.loads((run_dir / "results.json").read_text())
    errors = {n: {r["spec"]["seed"]: r["error"] for r in data["runs"]
                  if r["spec"]["expansion"]["n"] == n} for n in (0, 4)}
    t = compare_arms(errors[4], errors[0])
    paired = data["paired"]["expanded"]
    assert paired["pairs"] == 3 and paired["verdict"] == t.verdict
    assert paired["ratio"] == pytest.approx(t.ratio) and paired["p_t"] == pytest.approx(t.p_t)
    assert paired["detectable_improvement"] == pytest.approx(detectable_improvement(t.sd_log, 3))
    text = " ".join(result.stdout.split())  # rich wraps long lines
    assert "expanded vs baseline over 3 paired seeds (t-test on log error, α = 0.05)" in text
    assert f"p = {t.p_t:.2g}, {t.verdict}" in text
    # no terminal here: each run's start gets a line (the bar cannot draw)
    starts = [ln.split(" (elapsed")[0] for ln in result.stderr.splitlines() if ln.startswith("[")]
    assert starts == [f"[{2 * s + a + 1}/6] seed {s} · {arm}" for s in range(3)
                      for a, arm in enumerate(("baseline", "expanded"))]


BAD = [
    (["solve", "nope"], "unknown problem 'nope'"),
    (["solve", "burgers", "--expand", "-1"], "expand must be a non-negative integer, got -1"),
    (["solve", "burgers", "--fill", "nan"], "fill must be a finite number"),
    (["solve", "burgers", "--layout", "channels"], "layout 'channels' cannot be used"),
    (["solve", "burgers", "--task", "operator", "--layout", "symmetric"], "layout 'symmetric' cannot be used"),
    (["solve", "burgers", "--task", "fluid"], "task must be one of pinn, operator"),
    (["solve", "burgers", "--model", "fno"], "model must be one of fnn"),
    (["solve", "burgers", "--budget", "huge"], "budget must be one of"),
    (["solve", "burgers", "--seeds", "0"], "--seeds must be a positive integer"),
    (["solve", "burgers", "--param", "mu=1"], "unknown parameter 'mu'"),
    (["solve", "burgers", "--param", "nu"], "--param must look like KEY=VALUE"),
    (["solve", "burgers", "--device", "tpu"], "device must be auto, cpu, cuda"),
    (["solve", "burgers", "--threads", "0"], "--threads must be a positive integer"),
    (["solve", "burgers", "--method", "sgd"], "method must be one of adam-lbfgs, adam, laaf"),
    (["solve", "kdv", "--method", "hard-bc"], "hard-bc needs a problem that declares"),
    (["solve", "burgers", "--task", "operator", "--method", "laaf"], "--method applies to PINN tasks"),
    (["solve", "burgers", "--technique", "dropout"], "--technique must be none or equivariant"),
    (["solve", "kdv", "--technique", "equivariant"], "declares the symmetries of its solution"),
]


def test_solve_with_the_equivariant_arm(tmp_path):
    result = _run(["solve", "burgers", "--technique", "equivariant", "--budget", "smoke",
                   "--device", "cpu", "--threads", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "equivariant" in result.stdout
    (run_dir,) = tmp_path.iterdir()
    data = json.loads((run_dir / "results.json").read_text())
    arms = [(r["spec"]["expansion"]["n"], r["spec"].get("options", {})) for r in data["runs"]]
    assert arms == [(0, {}), (4, {}), (0, {"equivariant": True})]  # baseline, expanded, extra
    assert "equivariant_relative_error_change" in data["summary"]["change"]
    assert len({r["data_fingerprint"] for r in data["runs"]}) == 1


def test_solve_with_a_method(tmp_path):
    result = _run(["solve", "burgers", "--method", "laaf", "--expand", "4", "--budget", "smoke",
                   "--device", "cpu", "--threads", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "method laaf" in result.stderr
    (run_dir,) = tmp_path.iterdir()
    data = json.loads((run_dir / "results.json").read_text())
    assert {r["spec"]["method"] for r in data["runs"]} == {"laaf"}
    result = _run(["problems"])
    assert "methods adam-lbfgs, adam, laaf, gpinn, lra, rar, hard-bc" in " ".join(
        result.output.split())


@pytest.mark.parametrize("args, message", BAD)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    result = _run(args + ["--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("physym: error: ") and message in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def test_console_entry_point_and_module(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "physym", "solve", "burgers", "--expand", "-1",
                           "--out", str(tmp_path / "r")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "physym: error: expand must be a non-negative integer, got -1"
    assert proc.stdout == ""
    assert not (tmp_path / "r").exists()
    proc = subprocess.run(["physym", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("physym ")


SUITE = ["wave1d", "allen_cahn", "kdv", "kuramoto_sivashinsky", "schrodinger",
         "diffusion_reaction", "klein_gordon", "helmholtz2d", "heat2d_multiscale", "poisson_nd",
         "heat_nd", "taylor_green", "heat2d_varying_coef", "wave2d_heterogeneous",
         "poisson_lshape", "burgers2d", "gray_scott", "lid_driven_cavity"]
@pytest.mark.parametrize("problem", SUITE)
def test_every_pinn_suite_problem_smoke_solves(tmp_path, problem):
    from physym.registry import get_problem

    from physym.plotting import check_plottable

    cls = get_problem(problem).task()
    try:
        check_plottable(cls())
        plot = ["--plot"]
    except ValueError:  # more than two inputs, or scored off a full grid
        plot = []
    result = _run(["solve", problem, "--expand", "4", "--budget", "smoke", "--device", "cpu",
                   "--threads", "1", "--out", str(tmp_path), *plot,
                   *(a for k, v in cls.smoke_params.items() for a in ("--param", f"{k}={v}"))])
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.iterdir()
    data = json.loads((run_dir / "results.json").read_text())
    assert all(r["status"] == "ok" and 0 < r["error"] < 10 for r in data["runs"])
    if len(cls.output_names) > 1:  # each output scored, plus the problem's own metrics
        assert all(f"error_{name}" in data["runs"][0]["metrics"] for name in cls.output_names)
    if plot:
        assert (run_dir / "comparison.png").stat().st_size > 10_000


def test_plot_of_a_problem_without_a_picture_is_refused_before_training(tmp_path):
    result = _run(["solve", "heat_nd", "--budget", "smoke", "--plot", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--plot draws PINN problems with two inputs" in result.stderr
    assert not (tmp_path / "r").exists()
