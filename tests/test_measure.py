"""The replica-training driver of ``physym measure``: techniques, budgets, end-to-end runs."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from physym.cli.measure import summarise
from physym.expansion import Expansion
from physym.measure import (check_measurement, measure, measurement_setup, technique_name,
                            technique_options)
from physym.models.regression import sample_subset
from physym.options import ModelOptions
from physym.runner import RunSpec, prepare


def test_techniques_map_to_model_options():
    assert technique_options("none") == ModelOptions()
    assert technique_options("dropout") == ModelOptions(dropout=0.1)
    assert technique_options("dropout", dropout=0.3) == ModelOptions(dropout=0.3)
    assert technique_options("batchnorm") == ModelOptions(batchnorm=True)
    assert [technique_name(technique_options(t)) for t in ("none", "dropout", "batchnorm")] == \
        ["none", "dropout 0.1", "batchnorm"]
    for bad, kw, msg in [("weightnorm", {}, "technique must be one of"),
                         ("batchnorm", {"dropout": 0.2}, "applies to technique dropout"),
                         ("dropout", {"dropout": 1.0}, "dropout must be a probability")]:
        with pytest.raises(ValueError, match=msg):
            technique_options(bad, **kw)


def test_measurement_budgets_are_short_full_batch_and_scaled():
    pinn, _, pb = prepare(RunSpec("burgers", "pinn", budget="quick"))
    short, extra = measurement_setup(pinn, pb, steps=7, fraction=0.5, data_seed=3)
    assert extra == {"points_seed": 3}  # every replica draws DeepXDE's random points alike
    assert (short.adam_iterations, short.lbfgs_iterations) == (7, 0)
    assert (short.num_domain, short.num_boundary, short.num_initial) == (1000, 40, 80)
    assert (short.width, short.depth, short.lr) == (pb.width, pb.depth, pb.lr)
    grid = Expansion(0, layout="channels")
    op, _, ob = prepare(RunSpec("darcy", "operator", budget="quick", expansion=grid))
    short, extra = measurement_setup(op, ob, steps=5, fraction=0.1)
    assert extra == {}
    assert (short.n_train, short.batch_size, short.epochs, short.n_test) == (20, 20, 5, ob.n_test)
    reg, _, rb = prepare(RunSpec("qcd_eos", budget="quick"))
    short, extra = measurement_setup(reg, rb, steps=3, fraction=0.5, data_seed=0)
    assert (short.adam_iterations, short.lbfgs_iterations) == (3, 0)
    assert extra == {"sample_fraction": 0.5}
    x, y, s = reg.training_samples(seed=0)
    xs, ys, ss = sample_subset(x, y, s, fraction=0.5, seed=0)
    assert len(xs) == round(0.5 * len(x)) and xs.shape[1:] == x.shape[1:]
    rows = [np.flatnonzero((x == r).all(axis=1))[0] for r in xs]  # a subset, in order
    assert rows == sorted(rows) and np.array_equal(y[rows], ys) and np.array_equal(s[rows], ss)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(replicas=1, steps=5), "replicas must be an integer >= 2"),
    (dict(replicas=2, steps=0), "steps must be a positive integer"),
    (dict(replicas=2, steps=5, data_fraction=0.0), r"data fraction must be in \(0, 1\]"),
    (dict(replicas=2, steps=5, data_fraction=1.5), r"data fraction must be in \(0, 1\]"),
])
def test_invalid_measurements_are_refused(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        check_measurement(RunSpec("qcd_eos", budget="smoke"), **kwargs)


def test_dropout_on_an_operator_is_refused():
    spec = RunSpec("burgers", "operator", budget="smoke", expansion=Expansion(2, layout="channels"),
                   options=ModelOptions(batchnorm=True))
    with pytest.raises(ValueError, match="option batchnorm is not available for model fno"):
        check_measurement(spec, replicas=2, steps=1)


def test_measure_regression_end_to_end_is_deterministic():
    spec = RunSpec("qcd_eos", budget="smoke", expansion=Expansion(2, "pi", "append"), seed=3)
    ds = measure(spec, replicas=3, steps=20, data_fraction=0.5, device="cpu")
    assert list(ds["replica"].values) == [3, 4, 5]
    assert list(ds["pair"].values) == ["3-4", "3-5", "4-5"]
    assert list(ds["layer"].values) == ["linears.0.weight", "linears.1.weight", "linears.2.weight"]
    assert list(ds["shape"].values) == ["16x3", "16x16", "1x16"]
    assert ds["pair_distance"].shape == (3, 3) and ds["replica_drift"].shape == (3, 3)
    assert np.all(ds["drift"].values > 0) and np.all(np.isfinite(ds["error"].values))
    assert ds.attrs["technique"] == "none" and ds.attrs["steps"] == 20
    assert ds.attrs["data_fraction"] == 0.5 and ds.attrs["kind"] == "regression"
    again = measure(spec, replicas=3, steps=20, data_fraction=0.5, device="cpu")
    for var in ("distance", "drift", "error"):
        np.testing.assert_array_equal(ds[var], again[var])
    summary = summarise(ds)
    assert summary["seeds"] == [3, 4, 5] and len(summary["layers"]) == 3
    assert summary["spec"]["expansion"]["n"] == 2


def test_measure_pinn_replicas_share_points_and_differ_in_initialisation():
    budget = dataclasses.replace(prepare(RunSpec("burgers", "pinn", budget="smoke"))[2])
    assert budget.num_boundary > 0  # DeepXDE draws these at random: the case to guard
    ds = measure(RunSpec("burgers", "pinn", budget="smoke",
                         options=ModelOptions(batchnorm=True)), replicas=2, steps=3, device="cpu")
    assert ds.attrs["data_fingerprint"] and ds.attrs["technique"] == "batchnorm"
    assert np.all(ds["distance_init"].values > 0)  # different initial weights
    from physym.plotting import plot_symmetry

    fig = plot_symmetry(ds)
    assert len(fig.axes[0].patches) == 2 * ds.sizes["layer"]


@pytest.mark.slow
def test_validation_benchmark_runs_end_to_end(tmp_path):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "symmetry_rho.py"
    proc = subprocess.run([sys.executable, str(script), "--smoke", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads((tmp_path / "symmetry_rho.json").read_text())
    assert len(payload["records"]) == 6 and {r["suite"] for r in payload["records"]} == \
        {"burgers-pinn", "qcd-mlp", "burgers-fno"}
    pooled = [c for c in payload["correlations"] if c["scope"].startswith("pooled")]
    assert len(pooled) == 4 and all(c["n"] == 6 and -1 <= c["rho"] <= 1 for c in pooled)
    assert "Spearman" in (tmp_path / "symmetry_rho.md").read_text()



def test_measure_operator_includes_spectral_weights():
    spec = RunSpec("burgers", "operator", budget="smoke", expansion=Expansion(1, layout="channels"))
    ds = measure(spec, replicas=2, steps=2, data_fraction=0.5, device="cpu")
    layers = [str(v) for v in ds["layer"].values]
    assert "operator.fno_blocks.convs.0.weight.tensor" in layers  # complex, real and imaginary
    assert not any(name.endswith("bias") for name in layers)
    spectral = ds.sel(layer="operator.fno_blocks.convs.0.weight.tensor")
    assert int(spectral["n_entries"]) == 2 * 16 * 16 * 5
    assert json.loads(ds.attrs["measurement_budget"])["batch_size"] == 16  # full batch: 32 / 2
    assert np.all(ds["drift"].values > 0)
