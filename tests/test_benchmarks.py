"""The benchmark scripts run and write well-formed results (no timing assertions).

The scripts live in ``benchmarks/`` (not in the package) and import their helpers as the
top-level module ``_common``, which Python finds next to the script when it is run. These
tests run the entry point as a subprocess, and load single modules by path, registering
``_common`` in ``sys.modules`` for the duration of a test.
"""

import copy
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``benchmarks/NAME.py`` as module ``NAME`` for the duration of the test."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def common(monkeypatch):
    return _load("_common", monkeypatch)


def _strict_json(path: Path) -> dict:
    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant} in {path.name}")

    return json.loads(path.read_text(), parse_constant=reject)


def test_entry_point_quick_overhead_writes_json_and_markdown(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "overhead", "--repeats", "1",
         "--device", "cpu", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "overhead.json",
                                                          "overhead.md"]
    record = _strict_json(tmp_path / "overhead.json")
    env = record["environment"]
    for key in ("date", "cpu", "cpu_count", "device", "torch_threads", "loadavg", "loadavg_end",
                "versions", "memory_method", "command", "wall_time_s"):
        assert key in env, key
    assert env["device"] == "cpu" and env["torch_threads"] == 1
    assert env["versions"]["torch"] and env["versions"]["neuraloperator"]
    models = {row["model"].split(" ")[0] for row in record["rows"]}
    assert models == {"FNN", "MLP", "FNO", "TFNO", "UNO", "DeepONet"}
    layouts = {(row["model"], row["layout"]) for row in record["rows"]}
    assert ("FNO", "interleave") in layouts and ("FNO", "channels") in layouts
    for row in record["rows"]:
        ratio = row["time_ratio"]
        assert ratio["n"] == 1 and ratio["min"] <= ratio["median"] <= ratio["max"]
        assert row["params_expanded"] >= row["params_baseline"] > 0
        assert row["peak_bytes_baseline"] is None or row["peak_bytes_baseline"] > 0
    assert len(record["table"]) == len(record["rows"])
    assert all(len(cells) == len(record["headers"]) for cells in record["table"])

    md = (tmp_path / "overhead.md").read_text()
    lines = [line for line in md.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(record["table"])
    assert len({line.count("|") for line in lines}) == 1  # every row has every column
    assert "Reproduce: `python benchmarks/run.py" in md
    assert md in (tmp_path / "README.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--only", "everything"], "--only must name some of"),
    (["--repeats", "0"], "--repeats must be a positive integer"),
    (["--device", "tpu"], "device must be auto, cpu, cuda or cuda:N"),
])
def test_entry_point_rejects_bad_options(args, message, tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), *args, "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and message in proc.stderr
    assert not any(tmp_path.iterdir())  # nothing written


def test_ratio_stats_and_markdown(common):
    stats = common.ratio_stats([2.0, 3.0, 4.0, 10.0], [2.0, 2.0, 2.0, 2.0])
    assert stats["median"] == pytest.approx(1.75) and stats["min"] == 1.0 and stats["max"] == 5.0
    assert stats["q1"] <= stats["median"] <= stats["q3"] and stats["n"] == 4
    table = common.markdown_table(["a", "b"], [["1", "x|y"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |"]
    assert common._json_safe({"x": float("nan"), "y": (1.0, float("inf"))}) == {
        "x": None, "y": [1.0, None]}


def test_interleaved_rotates_the_order(common):
    calls = []
    arms = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = common.interleaved(arms, repeats=3, device=torch.device("cpu"), warmup=1)
    assert calls == list("abc") + list("abc") + list("bca") + list("cab")
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3, "c": 3}


def test_scaling_skips_cleanly_without_the_study_command(common, tmp_path, monkeypatch):
    scaling = _load("bench_scaling", monkeypatch)
    missing = (sys.executable, str(tmp_path / "no_such_script.py"))
    assert not scaling.study_available(missing)
    result = scaling.run(None, command=missing)  # no context needed to skip
    assert all("skipped: physym study not available" in row[-1] for row in result.table)
    env = common.environment(torch.device("cpu"))
    env["loadavg_end"] = env["loadavg"]
    json_path, md_path = common.write_result(result, env, tmp_path / "out")
    assert _strict_json(json_path)["rows"][0]["skipped"] == "physym study not available"
    assert "skipped: physym study not available" in md_path.read_text()


def _quick(name: str, out: Path) -> dict:
    """``run.py --quick --only NAME --repeats 1`` on the CPU; the strict-JSON record."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", name, "--repeats", "1",
         "--device", "cpu", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _strict_json(out / f"{name}.json")


def test_images_benchmark_quick_writes_ratios(tmp_path):
    record = _quick("images", tmp_path)
    (row,) = record["rows"]
    assert row["K"] == 2 and row["image"] == "16x16" and row["pixel_ratio"] == 4
    assert row["time_ratio"]["median"] > 0 and row["ms_per_step"] > 0


def test_pinn_benchmark_quick_compares_six_arms(tmp_path):
    """benchmarks/bench_pinn.py (issue 17) at tiny sizes: every case, every arm, the ratios."""
    record = _quick("pinn", tmp_path)
    cases = {(r["problem"], r["n"], r["phase"]) for r in record["rows"]}
    assert cases == {(p, n, ph) for p in ("burgers", "helmholtz2d") for n in (0, 4)
                     for ph in ("adam", "lbfgs")}
    for row in record["rows"]:
        assert set(row["step_s"]) == {"physym", "physym jet", "deepxde", "deepxde fwd",
                                      "torch", "torch f64"}
        assert all(t > 0 for t in row["step_s"].values())
        assert row["physym_over_deepxde"]["n"] == 1
        assert row["deepxde_over_jet"]["n"] == 1 and row["jet_compile_s"] >= 0
    text = (tmp_path / "pinn.md").read_text()
    assert "physym / deepxde median" in text and "burgers n=4 adam: deepxde / physym jet" in text


def test_pinn_profile_benchmark_quick_splits_time_and_counts_passes(tmp_path):
    """benchmarks/bench_pinn_profile.py (issue 17): per phase and arm, own time by owner and
    the counts: DeepXDE's default path takes more autograd passes per loss than the jet
    engine's one backward."""
    record = _quick("pinn_profile", tmp_path)
    rows = {(r["phase"], r["arm"]): r for r in record["rows"]}
    assert set(rows) == {(ph, a) for ph in ("adam", "lbfgs")
                         for a in ("physym", "deepxde", "physym jet")}
    for row in rows.values():
        assert row["profiled_s"] > 0 and row["loss_evaluations"] >= 1
        assert row["phase"] == "lbfgs" or row["loss_evaluations"] >= row["steps"]
        assert sum(row["own_s"].values()) == pytest.approx(row["profiled_s"], rel=0.05)
    adam = rows["adam", "physym jet"]
    assert adam["autograd_passes"] <= adam["loss_evaluations"] + 2
    assert rows["adam", "deepxde"]["autograd_passes"] >= 3 * rows["adam", "deepxde"]["steps"]


@pytest.mark.parametrize("problem_name", ["burgers", "helmholtz2d"])
def test_pinn_benchmark_torch_loss_is_deepxdes_loss(common, monkeypatch, problem_name):
    """The hand-written loops (float32 and float64) and the forward-mode DeepXDE script optimise
    DeepXDE's objective: equal losses at equal weights."""
    bench = _load("bench_pinn", monkeypatch)
    from physym import Expansion, get_problem
    from physym.models.pinn import build_fnn, load_deepxde

    dde = load_deepxde()
    problem = get_problem(problem_name).task("pinn")()
    budget = problem.budget("smoke")
    dde.config.set_random_seed(0)
    data = problem.deepxde_data(dde, budget)
    net = build_fnn(dde, d_in=2, d_out=1, budget=budget, expansion=Expansion(4))
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3, verbose=0)
    model.train(iterations=0, verbose=0)
    want = float(np.sum(model.train_state.loss_train))
    got = float(bench._losses_fn(problem_name, problem, data)(net))
    assert got == pytest.approx(want, rel=1e-5)
    got64 = float(bench._losses_fn(problem_name, problem, data, torch.float64)(
        copy.deepcopy(net).double()))
    assert got64 == pytest.approx(want, rel=1e-5)
    forward = dde.Model(bench._forward_mode_data(dde, problem_name, problem, data), net)
    dde.config.autodiff = "forward"
    try:
        forward.compile("adam", lr=1e-3, verbose=0)
        forward.train(iterations=0, verbose=0)
    finally:
        dde.config.autodiff = "reverse"
    assert float(np.sum(forward.train_state.loss_train)) == pytest.approx(want, rel=1e-5)


def test_estimate_study_times_every_kind_of_configuration(tmp_path):
    """benchmarks/estimate_study.py on a tiny preset with an image classifier and a regression
    MLP: one row per configuration, a positive time for each, the wall time they add up to."""
    preset = tmp_path / "tiny.toml"
    preset.write_text('[study]\nbudget = "smoke"\nseeds = 1\nexpand = [2]\ncontrols = []\n'
                      'config = [ { problem = "digits", models = ["cnn"] },'
                      ' { problem = "qcd_eos" } ]\n')
    subprocess.run([sys.executable, str(BENCH / "estimate_study.py"), str(preset),
                    "--workers", "2", "--device", "cpu", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=600)
    record = _strict_json(tmp_path / "estimate_tiny.json")
    assert [r["config"] for r in record["configs"]] == ["digits/classification/cnn",
                                                        "qcd_eos/regression/mlp"]
    assert all(r["runs"] == 2 and r["per_run_s"] > 0 for r in record["configs"])
    train = sum(r["train_s"] for r in record["configs"])
    assert record["estimated_wall_s"] == pytest.approx(record["estimated_data_s"] + train / 2)


def test_estimate_study_rejects_a_file_as_out_before_piloting(tmp_path):
    """--out names a folder; a file there is a usage error (exit 2) before any pilot runs,
    and the file is left as it was."""
    existing = tmp_path / "estimate_standard.json"
    existing.write_text("{}")
    proc = subprocess.run([sys.executable, str(BENCH / "estimate_study.py"), "standard",
                           "--out", str(existing)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("estimate_study.py: error: --out") and "is a file" in last
    assert "pilot burgers" not in proc.stderr
    assert existing.read_text() == "{}"


def test_estimate_study_scales_methods_by_measured_factors(tmp_path):
    """--method-factors: the default method is piloted once per problem; laaf costs its
    measured ratio to adam-lbfgs; adam is piloted without L-BFGS."""
    import json

    from physym import Expansion, RunSpec
    from physym.runner import RunResult

    study = tmp_path / "study" / "records"
    study.mkdir(parents=True)
    for i, (method, t) in enumerate([(None, 10.0), (None, 12.0), (None, 11.0),
                                     ("laaf", 22.0), ("laaf", 33.0), ("laaf", 30.0)]):
        r = RunResult(RunSpec("burgers", method=method, seed=i, expansion=Expansion(0)), "ok",
                      error=0.1, n_params=1, train_time=t).to_dict()
        (study / f"{i}.json").write_text(json.dumps(r))
    preset = tmp_path / "meth.toml"
    preset.write_text('[study]\nbudget = "smoke"\nseeds = 1\nexpand = [2]\ncontrols = []\n'
                      'methods = ["adam-lbfgs", "laaf", "adam"]\n'
                      'config = [ { problem = "burgers", task = "pinn" } ]\n')
    subprocess.run([sys.executable, str(BENCH / "estimate_study.py"), str(preset),
                    "--device", "cpu", "--out", str(tmp_path), "--method-factors",
                    str(tmp_path / "study"), "--pilot-adam", "5", "--pilot-lbfgs", "3"],
                   check=True, capture_output=True, timeout=600)
    record = _strict_json(tmp_path / "estimate_meth.json")
    rows = {r["config"]: r for r in record["configs"]}
    assert set(rows) == {"burgers/pinn/fnn", "burgers/pinn/fnn+laaf", "burgers/pinn/fnn+adam"}
    assert rows["burgers/pinn/fnn+laaf"]["method_factor"] == pytest.approx(30.0 / 11.0)
    assert rows["burgers/pinn/fnn+laaf"]["per_run_s"] == pytest.approx(
        rows["burgers/pinn/fnn"]["per_run_s"] * 30.0 / 11.0)
    assert rows["burgers/pinn/fnn+adam"]["pilot"]["per_lbfgs_s"] == 0.0
    assert record["pilot"] == {"adam": 5, "lbfgs": 3}


def test_estimate_study_resumes_an_incomplete_file(tmp_path):
    """--resume keeps the rows an incomplete file already has (here a hand-written one for the
    first configuration) and pilots only the rest; other settings are a usage error (exit 2)
    that leaves the file as it was."""
    preset = tmp_path / "two.toml"
    preset.write_text('[study]\nbudget = "smoke"\nseeds = 1\nexpand = [2]\ncontrols = []\n'
                      'config = [ { problem = "qcd_eos" },'
                      ' { problem = "qcd_eos", budget_overrides = { adam_iterations = 50 } } ]\n')
    first = {"config": "qcd_eos/regression/mlp", "budget": "smoke", "overrides": {},
             "runs": 2, "per_run_s": 1000.0, "train_s": 2000.0, "data_s": 0.0,
             "method_factor": 1.0, "pilot": {}}
    path = tmp_path / "estimate_two.json"
    partial = {"preset": "two", "runs": 4, "workers": 2, "threads": 1, "device": "cpu",
               "pilot": {"adam": 5, "lbfgs": 3}, "method_factors": None, "complete": False,
               "date": "2026-12-05T00:00:00+00:00", "loadavg_at_end": [1.0, 1.0, 1.0],
               "configs": [first]}
    path.write_text(json.dumps(partial))
    command = [sys.executable, str(BENCH / "estimate_study.py"), str(preset), "--device", "cpu",
               "--out", str(tmp_path), "--pilot-adam", "5", "--pilot-lbfgs", "3", "--resume"]
    bad = subprocess.run(command + ["--workers", "1"], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "has workers 2, this run 1" in bad.stderr
    assert json.loads(path.read_text()) == partial
    subprocess.run(command + ["--workers", "2"], check=True, capture_output=True, timeout=600)
    record = _strict_json(path)
    assert record["complete"] and [r["config"] for r in record["configs"]] == [
        "qcd_eos/regression/mlp"] * 2
    assert record["configs"][0] == first  # kept, not piloted again
    second = record["configs"][1]
    assert second["overrides"] == {"adam_iterations": "50"} and second["per_run_s"] > 0
    assert record["estimated_train_s"] == pytest.approx(2000.0 + second["train_s"])
    assert [p["configs"] for p in record["pieces"]] == [1, 1]
    again = subprocess.run(command + ["--workers", "2"], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 2 and "is complete" in again.stderr


def test_estimate_study_resume_follows_a_changed_preset(tmp_path):
    """A complete file of an earlier version of the preset (another number of runs) is
    resumed: a configuration still in the preset keeps its per-run time with the preset's
    run count, one no longer in it is dropped, and only the new one is piloted."""
    row = {"budget": "smoke", "method_factor": 1.0, "pilot": {}, "data_s": 0.0, "runs": 2}
    kept = dict(row, config="qcd_eos/regression/mlp", overrides={}, per_run_s=1000.0,
                train_s=2000.0)
    dropped = dict(row, config="qcd_eos/regression/mlp", overrides={"adam_iterations": "50"},
                   per_run_s=500.0, train_s=1000.0)
    path = tmp_path / "estimate_grown.json"
    path.write_text(json.dumps({
        "preset": "grown", "runs": 4, "workers": 2, "threads": 1, "device": "cpu",
        "pilot": {"adam": 5, "lbfgs": 3}, "method_factors": None, "complete": True,
        "date": "2026-12-05T00:00:00+00:00", "loadavg_at_end": [1.0, 1.0, 1.0],
        "configs": [kept, dropped]}))
    preset = tmp_path / "grown.toml"  # two seeds now, and another second configuration
    preset.write_text('[study]\nbudget = "smoke"\nseeds = 2\nexpand = [2]\ncontrols = []\n'
                      'config = [ { problem = "qcd_eos" },'
                      ' { problem = "qcd_eos", budget_overrides = { adam_iterations = 30 } } ]\n')
    subprocess.run([sys.executable, str(BENCH / "estimate_study.py"), str(preset), "--device",
                    "cpu", "--out", str(tmp_path), "--pilot-adam", "5", "--pilot-lbfgs", "3",
                    "--workers", "2", "--resume"], check=True, capture_output=True, timeout=600)
    record = _strict_json(path)
    assert record["complete"] and record["runs"] == 8
    first, new = record["configs"]
    assert first == dict(kept, runs=4, train_s=4000.0)  # its pilot, the preset's run count
    assert new["overrides"] == {"adam_iterations": "30"} and new["runs"] == 4
    assert new["per_run_s"] > 0 and new["per_run_s"] != 500.0
    assert record["estimated_train_s"] == pytest.approx(4000.0 + new["train_s"])
    assert [p["configs"] for p in record["pieces"]] == [2, 1]


def test_references_benchmark_quick_generates_then_reads(tmp_path):
    """benchmarks/bench_references.py: the cavity's reference is solved into an empty cache,
    then read back from the file it wrote; the cavity is exempt from the 60-s target."""
    record = _quick("references", tmp_path)
    (row,) = record["rows"]
    assert row["problem"] == "lid_driven_cavity" and row["cache_files"] == 1
    assert row["cache_bytes"] > 0 and 0 < row["read_s"] < row["generate_s"]
    assert row["under_target"] is None and record["targets"][0]["met"] is None


def test_references_benchmark_finds_every_solver_backed_problem(common, monkeypatch):
    names = _load("bench_references", monkeypatch).solver_backed()
    assert {"gray_scott", "lid_driven_cavity", "poisson_lshape", "burgers2d",
            "heat2d_varying_coef", "wave2d_heterogeneous", "kdv"} <= set(names)
    assert "burgers" not in names and "taylor_green" not in names


def _reported_missing(study: Path) -> int:
    """How many planned runs the committed ``report.md`` of ``study`` counts as missing. A
    study longer than a session is committed as its records come in (docs/study.md,
    *Records, resuming, killing*); its report, rebuilt with each commit, must say how many
    runs are still to come, and the tests hold the records to that count."""
    found = re.search(r"from \d+ records \(\d+ failed, (\d+) missing",
                      (study / "report.md").read_text(encoding="utf-8"))
    assert found, f"{study / 'report.md'} has no 'Generated ... missing' line"
    return int(found.group(1))


@pytest.mark.parametrize("path", [*sorted(BENCH.glob("presets/*.toml")),
                                  *(ROOT / "physym" / "studies" / f"{name}.toml"
                                    for name in ("quick", "standard"))],
                         ids=lambda p: p.stem)
def test_measurement_presets_are_valid_and_their_committed_records_match(path):
    """Every measurement preset (and each shipped preset whose study is committed) parses
    and expands to its grid; where its results are committed
    (``benchmarks/results/study-<name>/``), there is no record of a run it no longer has, and
    a record for every run of it but those its committed report counts as missing (a study
    still running across sessions), so the docs' numbers come from this very preset."""
    from physym.study.preset import load_preset

    specs = load_preset(str(path)).specs()
    assert specs and len({s.key() for s in specs}) == len(specs)
    results = BENCH / "results" / f"study-{path.stem}" / "records"
    if results.is_dir():
        have = {f.stem for f in results.glob("*.json")}
        assert sorted(have - {s.key() for s in specs}) == []
        missing = [s.key() for s in specs if s.key() not in have]
        assert len(missing) == _reported_missing(results.parent), missing


@pytest.mark.parametrize("meta", sorted(BENCH.glob("results/study-*/study.json")),
                         ids=lambda p: p.parent.name)
def test_every_committed_study_names_the_preset_that_made_it(meta):
    """A committed study's ``study.json`` names its preset by a path in this repository, whose
    description its report shows (a preset edited after its run must be re-planned in), and
    that preset plans exactly the study's keys: the committed records and the runs its
    report counts as missing."""
    from physym.study.preset import load_preset

    data = json.loads(meta.read_text())
    source = Path(data["source"])
    assert not source.is_absolute() and (ROOT / source).is_file(), data["source"]
    preset = load_preset(str(ROOT / source))
    assert data["description"] == preset.description
    have, planned = {f.stem for f in (meta.parent / "records").glob("*.json")}, \
        {s.key() for s in preset.specs()}
    assert set(data["keys"]) == planned and have <= planned
    assert len(planned - have) == _reported_missing(meta.parent)


def test_median_interval_is_the_sign_test_interval(common):
    """The textbook order-statistic intervals: n = 20 -> x(6)..x(15) (95.9%), n = 100 ->
    x(40)..x(61) (96.5%), n = 11 -> x(2)..x(10) (98.8%); with five values or fewer no interval
    reaches 95% and the range comes back with its coverage."""
    rng = np.random.default_rng(0)
    for n, (lo, hi), coverage in ((20, (6, 15), 0.9586), (100, (40, 61), 0.9648),
                                  (11, (2, 10), 0.9883), (5, (1, 5), 0.9375)):
        x = rng.permutation(np.arange(1.0, n + 1))
        low, high, cov = common.median_interval(x)
        assert (low, high) == (lo, hi) and cov == pytest.approx(coverage, abs=1e-4), n


def test_median_interval_agrees_with_scipys_quantile_test(common):
    """scipy's ``quantile_test(...).confidence_interval`` gives the same bounds (it does not
    report the coverage reached, which the benchmarks print, hence physym's own function)
    and no interval (NaN) where too few values reach 95%."""
    from scipy import stats

    rng = np.random.default_rng(1)
    for n in (5, 6, 9, 20, 41, 100):
        x = rng.lognormal(sigma=0.05, size=n)
        low, high, cov = common.median_interval(x)
        ci = stats.quantile_test(x, q=1.0, p=0.5).confidence_interval(0.95)
        if cov < 0.95:
            assert np.isnan(ci.low) and np.isnan(ci.high), n
        else:
            assert (low, high) == (ci.low, ci.high), n


def test_ratio_target_leaves_a_straddled_bound_undecided(common):
    """A verdict read from the median alone flips with timing noise; with the median's
    interval it is met, missed or not decided."""
    base = [1.0] * 11
    met, words = common.ratio_target(common.ratio_stats([0.98 + 0.001 * i for i in range(11)],
                                                        base), 1.05)
    assert met is True and "[0.981, 0.989]" in words
    assert common.ratio_target(common.ratio_stats([1.06 + 0.01 * i for i in range(11)], base),
                               1.05)[0] is False
    noisy = [0.93, 0.95, 0.97, 0.99, 1.0, 1.003, 1.02, 1.06, 1.08, 1.09, 1.17]
    assert common.ratio_target(common.ratio_stats(noisy, base), 1.05)[0] is None
    few, words = common.ratio_target(common.ratio_stats([1.0, 1.01, 1.0], [1.0] * 3), 1.05)
    assert few is None and "too few repetitions for 95%" in words
