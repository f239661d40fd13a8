"""The replica Wasserstein metric: exact properties on planted states (the pure metric)."""


import numpy as np
import pytest
import torch

from physym.models._params import parameter_snapshot
from physym.symmetry import entries, is_weight, replica_metric


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
