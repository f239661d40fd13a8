import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from physym.expansion import Expansion
from physym.runner import RunSpec, prepare
from physym.models.mlp import MLP, build_mlp
from physym.models.regression import fit_regression, train_mlp
from physym.budgets import RegressionBudget
from physym.problem import RegressionProblem, TrainingDiverged

BUDGET = RegressionBudget(width=8, depth=2, adam_iterations=30, lbfgs_iterations=20, lr=1e-2)


@dataclass(frozen=True)
class ToyParams:
    nan_target: bool = False


class Toy(RegressionProblem):
    """y = sin(3x) on [-1, 1] from 16 exact samples."""

    Params = ToyParams
    derived_names = ("dy_dx",)
    budgets = {"smoke": BUDGET}

    def training_samples(self, *, seed):
        x = np.linspace(-1, 1, 16)[:, None]
        y = np.sin(3 * x)
        if self.params.nan_target:
            y[3] = np.nan
        return x, y, np.zeros_like(y)

    def test_set(self):
        x = np.linspace(-1, 1, 101)[:, None]
        return x, np.sin(3 * x)

    def derived(self, net, x):
        x = x.clone().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(net(x).sum(), x)
        return g

    def exact_derived(self, x):
        return 3 * np.cos(3 * x)


def _fit(problem=None, expansion=Expansion(0), budget=BUDGET, seed=0, progress=None):
    return fit_regression(problem or Toy(), model="mlp", expansion=expansion, budget=budget,
                          seed=seed, device="cpu", progress=progress)


@pytest.mark.parametrize("layout", ["append", "symmetric"])
def test_first_layer_width_and_input_gradient(layout):
    net = MLP(2, 3, width=8, depth=2, expansion=Expansion(4, "pi", layout), seed=0)
    assert net.linears[0].in_features == 6
    assert all(p.dtype == torch.float64 for p in net.parameters())
    x = torch.rand(5, 2, dtype=torch.float64, requires_grad=True)
    y = net(x)
    assert y.shape == (5, 3)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.shape == (5, 2) and torch.all(torch.isfinite(g))
    cols = net.original_columns()
    assert cols.tolist() == ([True, True] + [False] * 4 if layout == "append"
                             else [False, False, True, True, False, False])


def test_constants_act_as_first_layer_bias():
    exp = Expansion(3, 0.7, "symmetric")
    net = MLP(1, 1, width=6, depth=2, expansion=exp, seed=3)
    x = torch.linspace(-1, 1, 7, dtype=torch.float64)[:, None]
    w = net.linears[0].weight.detach()
    cols = net.original_columns()
    h = torch.tanh(x @ w[:, cols].T + net.linears[0].bias + 0.7 * w[:, ~cols].sum(1))
    h = torch.tanh(net.linears[1](h))
    assert torch.allclose(net.linears[2](h), net(x), atol=1e-14)


def test_arms_share_initialisation_except_first_layer_scale():
    base = MLP(1, 1, width=8, depth=3, expansion=Expansion(0), seed=5)
    exp = MLP(1, 1, width=8, depth=3, expansion=Expansion(4, "pi", "symmetric"), seed=5)
    for a, b in zip(base.linears[1:], exp.linears[1:]):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    w_base = base.linears[0].weight[:, 0]
    w_exp = exp.linears[0].weight[:, exp.original_columns()][:, 0]
    scale = math.sqrt((1 + 8) / (5 + 8))  # Glorot std ratio
    assert torch.allclose(w_exp, w_base * scale, rtol=1e-12)
    other = MLP(1, 1, width=8, depth=3, expansion=Expansion(0), seed=6)
    assert not torch.equal(other.linears[1].weight, base.linears[1].weight)


def test_fit_is_deterministic_and_reports_progress():
    steps = []
    a = _fit(expansion=Expansion(2), progress=steps.append)
    b = _fit(expansion=Expansion(2))
    assert a.error == b.error and np.array_equal(a.prediction, b.prediction)
    assert 0 < sum(steps) <= BUDGET.total_steps
    assert sum(steps) == a.metrics["iterations"]
    assert a.prediction.shape == (101, 2)
    assert set(a.metrics) >= {"dy_dx", "max_error", "final_loss", "iterations", "train_time"}
    assert a.n_params == (1 + 2) * 8 + 8 + 8 * 8 + 8 + 8 + 1
    assert a.data_fingerprint == _fit(expansion=Expansion(0)).data_fingerprint
    assert _fit(seed=1).error != _fit(seed=0).error


def test_training_reduces_error():
    untrained = _fit(budget=RegressionBudget(8, 2, adam_iterations=1))
    trained = _fit(budget=RegressionBudget(8, 2, adam_iterations=300, lbfgs_iterations=100,
                                           lr=1e-2))
    assert trained.error < 0.1 * untrained.error
    assert trained.metrics["dy_dx"] < 0.2


@pytest.mark.parametrize("budget", [BUDGET, RegressionBudget(8, 2, adam_iterations=0,
                                                              lbfgs_iterations=10)])
def test_non_finite_loss_raises_training_diverged(budget):
    with pytest.raises(TrainingDiverged, match="non-finite training loss"):
        _fit(Toy(ToyParams(nan_target=True)), budget=budget)


def test_lbfgs_stops_when_converged():
    x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
    net = build_mlp(d_in=1, d_out=1, budget=BUDGET, expansion=Expansion(0), seed=0)
    loss, iterations, _ = train_mlp(net, x, 0.5 * x, budget=RegressionBudget(
        8, 2, adam_iterations=0, lbfgs_iterations=5000))
    assert iterations < 5000 and loss < 1e-12


def test_budget_validation_and_errors():
    with pytest.raises(ValueError, match="activation must be tanh"):
        RegressionBudget(8, 2, 10, activation="relu")
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        RegressionBudget(0, 2, 10)
    with pytest.raises(ValueError, match="model must be one of mlp"):
        fit_regression(Toy(), model="fno", expansion=Expansion(0), budget=BUDGET, seed=0)
    with pytest.raises(ValueError, match="layout 'channels' cannot be used"):
        MLP(1, 1, width=4, depth=1, expansion=Expansion(2, layout="channels"), seed=0)
    with pytest.raises(ValueError, match="applies to tasks that read one"):
        prepare(RunSpec("qcd_eos", data="x.h5"))  # the runner refuses it for the adapter
