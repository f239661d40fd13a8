"""The replica Wasserstein metric: exact properties on planted states, then real measurements."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from physym.cli_measure import summarise
from physym.expansion import Expansion
from physym.options import ModelOptions
from physym.runner import RunSpec, prepare
from physym.symmetry import (
    check_measurement,
    entries,
    is_weight,
    measure,
    measurement_setup,
    parameter_snapshot,
    replica_metric,
    technique_name,
    technique_options,
)


def _state(rng, widths=(3, 16, 16, 1)):
    """A tanh-MLP-like state: weights (out, in) and biases (out,)."""
    state = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        state[f"linears.{i}.weight"] = rng.normal(0, np.sqrt(2 / (a + b)), (b, a))
        state[f"linears.{i}.bias"] = rng.normal(0, 0.1, (b,))
    return state


def _permute_hidden(state, layer, perm):
    """Permute the hidden units of layer ``layer``: rows of its weight/bias, columns of the next."""
    out = dict(state)
    out[f"linears.{layer}.weight"] = state[f"linears.{layer}.weight"][perm]
    out[f"linears.{layer}.bias"] = state[f"linears.{layer}.bias"][perm]
    out[f"linears.{layer + 1}.weight"] = state[f"linears.{layer + 1}.weight"][:, perm]
    return out


def test_identical_replicas_have_zero_distance_and_untrained_zero_drift():
    rng = np.random.default_rng(0)
    inits = [_state(rng) for _ in range(3)]
    same = _state(rng)
    ds = replica_metric(inits, [same] * 3)
    assert np.all(ds["distance"].values == 0) and float(ds["distance_mean"]) == 0
    assert np.all(ds["drift"].values > 0)
    ds = replica_metric(inits, inits)
    assert np.all(ds["drift"].values == 0)
    # independent initialisations are not at distance zero: the finite-sample floor
    np.testing.assert_allclose(ds["distance"], ds["distance_init"])
    assert np.all(ds["distance_init"].values > 0)


def test_permuting_hidden_units_changes_nothing():
    rng = np.random.default_rng(1)
    inits = [_state(rng) for _ in range(3)]
    trained = [{k: v + rng.normal(0, 0.05, v.shape) for k, v in s.items()} for s in inits]
    perm = rng.permutation(16)
    permuted = [_permute_hidden(_permute_hidden(s, 0, perm), 1, rng.permutation(16)) for s in trained]
    a, b = replica_metric(inits, trained), replica_metric(inits, permuted)
    for var in ("distance", "drift", "pair_distance", "replica_drift"):
        np.testing.assert_allclose(a[var], b[var], rtol=0, atol=1e-15)
    # a replica and its own permutation are the same network at distance zero
    ds = replica_metric([inits[0]] * 2, [trained[0], permuted[0]])
    np.testing.assert_allclose(ds["distance"], 0, atol=1e-15)


def test_permuted_torch_network_is_the_same_function_at_distance_zero():
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    twin = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        twin[0].weight.copy_(net[0].weight[perm])
        twin[0].bias.copy_(net[0].bias[perm])
        twin[2].weight.copy_(net[2].weight[:, perm])
        twin[2].bias.copy_(net[2].bias)
    x = torch.randn(5, 2)
    torch.testing.assert_close(net(x), twin(x))
    s0, s1 = parameter_snapshot(net), parameter_snapshot(twin)
    assert set(s0) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    ds = replica_metric([s0, s1], [s0, s1])
    assert list(ds["layer"].values) == ["0.weight", "2.weight"]
    np.testing.assert_allclose(ds["distance"], 0, atol=1e-15)


@pytest.mark.parametrize("shifts", [(0.0, 0.3), (-0.2, 0.1, 0.5), (0.05, 0.05, -0.05, 0.25)])
def test_planted_constant_shifts_give_their_distance(shifts):
    """Replica r = one common initial state + c_r: W1 = |c_r - c_r'|, drift = |c_r|."""
    rng = np.random.default_rng(2)
    base = _state(rng)
    trained = [{k: v + c for k, v in base.items()} for c in shifts]
    ds = replica_metric([base] * len(shifts), trained)
    pairs = [abs(a - b) for i, a in enumerate(shifts) for b in shifts[i + 1:]]
    for name in ds["layer"].values:
        sigma = np.std(base[name])
        assert float(ds["sigma_init"].sel(layer=name)) == pytest.approx(sigma, rel=1e-12)
        assert float(ds["distance"].sel(layer=name)) == pytest.approx(np.mean(pairs) / sigma, rel=1e-9, abs=1e-12)
        assert float(ds["drift"].sel(layer=name)) == pytest.approx(np.mean(np.abs(shifts)) / sigma, rel=1e-9, abs=1e-12)
    assert float(ds["drift_mean"]) == pytest.approx(float(ds["drift"].mean()))


def test_metric_is_scale_free():
    rng = np.random.default_rng(3)
    inits = [_state(rng) for _ in range(3)]
    trained = [{k: v * 1.3 + 0.01 for k, v in s.items()} for s in inits]
    scale = lambda states: [{k: 7.0 * v for k, v in s.items()} for s in states]  # noqa: E731
    a, b = replica_metric(inits, trained), replica_metric(scale(inits), scale(trained))
    for var in ("distance", "drift", "distance_init"):
        np.testing.assert_allclose(a[var], b[var], rtol=1e-12)


def test_weight_selection_rule_and_complex_entries():
    assert is_weight("fcs.0.weight", np.ones((2, 3)) * np.arange(3))
    assert not is_weight("fcs.0.bias", np.random.rand(4))
    assert not is_weight("convs.0.bias", np.random.rand(4, 1))  # neuraloperator's 2-D bias
    assert not is_weight("norms.0.weight", np.random.rand(4))  # batch-norm scale: 1-D
    assert not is_weight("skips.0.weight", np.ones((1, 4, 1)))  # constant-initialised gate
    z = np.array([[1 + 2j, 3 - 1j]])
    np.testing.assert_array_equal(entries(z), [1, 3, 2, -1])
    assert is_weight("convs.0.weight.tensor", z)


def test_bad_replica_states_are_refused():
    rng = np.random.default_rng(4)
    s = _state(rng)
    with pytest.raises(ValueError, match=">= 2 replicas"):
        replica_metric([s], [s])
    broken = dict(s, **{"linears.0.weight": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="differ in weight tensor"):
        replica_metric([s, s], [s, broken])


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
    _, short = measurement_setup(pinn, pb, steps=7, fraction=0.5)
    assert (short.adam_iterations, short.lbfgs_iterations) == (7, 0)
    assert (short.num_domain, short.num_boundary, short.num_initial) == (1000, 40, 80)
    assert (short.width, short.depth, short.lr) == (pb.width, pb.depth, pb.lr)
    grid = Expansion(0, layout="channels")
    op, _, ob = prepare(RunSpec("darcy", "operator", budget="quick", expansion=grid))
    _, short = measurement_setup(op, ob, steps=5, fraction=0.1)
    assert (short.n_train, short.batch_size, short.epochs, short.n_test) == (20, 20, 5, ob.n_test)
    reg, _, rb = prepare(RunSpec("qcd_eos", budget="quick"))
    sub, short = measurement_setup(reg, rb, steps=3, fraction=0.5)
    assert (short.adam_iterations, short.lbfgs_iterations) == (3, 0)
    x, y, s = reg.training_samples(seed=0)
    xs, ys, ss = sub.training_samples(seed=0)
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
    with pytest.raises(ValueError, match="applies to coordinate networks"):
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
