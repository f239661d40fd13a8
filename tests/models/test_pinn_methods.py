"""PINN training methods (physym.models.pinn_methods): each trains, arms see the same data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from physym.budgets import PINNBudget
from physym.expansion import Expansion
from physym.models.pinn import build_fnn, fit_pinn, load_deepxde
from physym.models.pinn_methods import DEFAULT_METHOD, METHODS, get_method
from physym.models.pinn_methods.gpinn import GPINN
from physym.models.pinn_methods.rar import RAR_FRACTION, RAR_ROUNDS, candidate_pool
from physym.problems.burgers import BurgersPINN
from physym.problems.diffusion_reaction import DiffusionReactionPINN
from physym.problems.kdv import KdVPINN
from physym.problems.wave1d import Wave1DPINN
from physym.runner import RunSpec, prepare

TINY = PINNBudget(100, 10, 10, width=8, depth=2, adam_iterations=40, lbfgs_iterations=5)
CPU = torch.device("cpu")


def _fit(problem, method, n, **kw):
    torch.set_num_threads(1)
    return fit_pinn(problem, model="fnn", expansion=Expansion(n), budget=TINY, seed=0,
                    device=CPU, method=method, **kw)


#: Every method on two problems; RAR and hard-bc, which touch the points and the
#: conditions, on a third.
CASES = [(m, p) for m in sorted(METHODS) for p in (BurgersPINN, Wave1DPINN)] + [
    ("rar", DiffusionReactionPINN), ("hard-bc", DiffusionReactionPINN)]


@pytest.mark.parametrize("method, problem", CASES,
                         ids=[f"{m}-{p.__name__}" for m, p in CASES])
def test_each_method_trains_and_both_arms_see_the_same_points(method, problem):
    base, exp = _fit(problem(), method, 0), _fit(problem(), method, 4)
    for fit in (base, exp):
        assert np.isfinite(fit.error) and 0 < fit.error < 10
        assert fit.training["phases"][0]["iterations"] == TINY.adam_iterations
    assert base.data_fingerprint == exp.data_fingerprint
    assert exp.model.linears[0].in_features == base.model.linears[0].in_features + 4
    if method == "adam":
        assert [p["optimizer"] for p in base.training["phases"]] == ["adam"]
    if method == "rar":  # the same seeded pool in both arms; the picks follow each residual
        assert base.training["rar"]["pool"] == exp.training["rar"]["pool"]
        per_round = max(1, round(RAR_FRACTION * TINY.num_domain))
        assert base.training["rar"]["added"] == (RAR_ROUNDS - 1) * per_round


def test_default_method_is_bit_identical_and_has_one_key():
    assert DEFAULT_METHOD == "adam-lbfgs" and get_method(None) is METHODS["adam-lbfgs"]
    a = _fit(BurgersPINN(), None, 2)
    b = _fit(BurgersPINN(), "adam-lbfgs", 2)
    assert a.error == b.error and a.training == b.training
    assert RunSpec("burgers", method="adam-lbfgs").key() == RunSpec("burgers").key()
    assert "method" not in RunSpec("burgers").to_dict()
    assert RunSpec("burgers", method="laaf").key() != RunSpec("burgers").key()


def test_unknown_or_inapplicable_methods_are_refused_before_training():
    with pytest.raises(ValueError, match="method must be one of adam-lbfgs, adam, laaf"):
        prepare(RunSpec("burgers", "pinn", method="sgd", budget="smoke"))
    with pytest.raises(ValueError, match="hard-bc needs a problem that declares"):
        prepare(RunSpec("kdv", "pinn", method="hard-bc", budget="smoke"))
    with pytest.raises(ValueError, match="--method applies to PINN tasks"):
        prepare(RunSpec("qcd_eos", method="laaf", budget="smoke"))
    assert not KdVPINN.has_hard_constraint and BurgersPINN.has_hard_constraint


def test_hard_constraint_meets_the_conditions_exactly_before_training():
    dde = load_deepxde()
    torch.manual_seed(0)
    for problem, conditions in (
        (BurgersPINN(), [(np.array([[-1.0, 0.3], [1.0, 0.7]]), 0.0)]),
        (Wave1DPINN(), [(np.array([[0.0, 0.5], [1.0, 0.2]]), 0.0)]),
    ):
        net = build_fnn(dde, d_in=2, d_out=1, budget=TINY, expansion=Expansion(4))
        METHODS["hard-bc"].network(dde, net, problem)
        for pts, value in conditions:
            out = net(torch.as_tensor(pts, dtype=torch.float32)).detach().numpy()
            np.testing.assert_allclose(out, value, atol=1e-6)
        x = np.stack([np.linspace(0.05, 0.95, 7), np.zeros(7)], 1)  # t = 0: the initial data
        out = net(torch.as_tensor(x, dtype=torch.float32)).detach().numpy()[:, 0]
        np.testing.assert_allclose(out, problem.exact(x)[:, 0], atol=1e-5)


def test_gpinn_adds_one_gradient_term_per_input():
    dde = load_deepxde()
    data = GPINN.data(dde, BurgersPINN(), TINY)
    x = torch.rand(5, 2, requires_grad=True)
    terms = data.pde(x, torch.sin(x[:, 0:1]) * x[:, 1:2])
    dde.grad.clear()
    assert len(terms) == 3  # the residual, d/dx and d/dt of it


def test_lra_reweights_the_condition_losses():
    fit = _fit(BurgersPINN(), "lra", 0)
    weights = [fit.metrics[k] for k in sorted(fit.metrics) if k.startswith("lra_weight_")]
    assert len(weights) == 3 and weights[0] == 1.0  # residual, BC, IC
    assert all(np.isfinite(w) and w > 0 for w in weights) and weights[1:] != [1.0, 1.0]


def test_rar_pool_depends_on_the_seed_only_and_keeps_numpy_state():
    dde = load_deepxde()
    data = BurgersPINN().deepxde_data(dde, TINY)
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    a = candidate_pool(data, 50, seed=3)
    assert np.random.random() == before
    np.testing.assert_array_equal(a, candidate_pool(data, 50, seed=3))
    assert not np.array_equal(a, candidate_pool(data, 50, seed=4))
    assert a.shape == (50, 2) and np.all(np.abs(a[:, 0]) <= 1) and np.all((a[:, 1] >= 0)
                                                                            & (a[:, 1] <= 1))


def test_adam_drops_lbfgs_and_laaf_trains_its_slopes():
    assert get_method("adam").budget(TINY) == dataclasses.replace(TINY, lbfgs_iterations=0)
    fit = _fit(BurgersPINN(), "laaf", 0)
    slopes = [p for n, p in fit.model.named_parameters() if "linears" not in n]
    assert slopes and all(float(s.detach()) != pytest.approx(0.1) for s in slopes)


def test_the_documented_example_method_trains(monkeypatch):
    """docs/adding-a-method.md: its example file works as written, once listed in METHODS."""
    from pathlib import Path

    import physym.models.pinn_methods as pm

    text = (Path(__file__).parents[2] / "docs" / "adding-a-method.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "adam_cosine.py", "exec"), namespace)  # noqa: S102
    method = namespace["ADAM_COSINE"]
    monkeypatch.setitem(pm.METHODS, method.name, method)
    fit = _fit(BurgersPINN(), "adam-cosine", 2)
    assert np.isfinite(fit.error) and fit.training["phases"][0]["iterations"] == 40
    plain = _fit(BurgersPINN(), None, 2)  # the schedule changed the training
    assert fit.error != plain.error


@pytest.mark.parametrize("method", sorted(METHODS))
def test_controls_work_under_every_method(method):
    """The fill-0 and parameter-matched controls train under each method, on the same points."""
    from physym.options import ModelOptions

    torch.set_num_threads(1)
    kw = dict(model="fnn", budget=TINY, seed=0, device=CPU, method=method)
    fill0 = fit_pinn(BurgersPINN(), expansion=Expansion(4, 0.0), **kw)
    matched = fit_pinn(BurgersPINN(), expansion=Expansion(0), options=ModelOptions(match_params=4),
                       **kw)
    expanded = fit_pinn(BurgersPINN(), expansion=Expansion(4), **kw)
    assert fill0.data_fingerprint == matched.data_fingerprint == expanded.data_fingerprint
    assert np.isfinite(fill0.error) and np.isfinite(matched.error)
    assert abs(matched.n_params - expanded.n_params) < abs(
        _fit(BurgersPINN(), method, 0).n_params - expanded.n_params)
