"""scipy's L-BFGS-B over a torch loss (physym.models.lbfgsb), the default L-BFGS phase."""

from __future__ import annotations

import math

import pytest
import torch

from physym.budgets import PINNBudget
from physym.models.lbfgsb import minimize_lbfgsb


def _rosenbrock(x: torch.Tensor) -> torch.Tensor:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def test_rosenbrock_is_solved_to_the_gradient_tolerance_in_place():
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    history: list[tuple[int, float]] = []
    done, stop, final = minimize_lbfgsb([x], lambda: _rosenbrock(x), maxiter=500,
                                        history=history, offset=1000, every=5)
    assert stop in ("tolerance", "no progress") and done < 500
    assert torch.allclose(x.detach(), torch.ones(2, dtype=torch.float64), atol=1e-6)
    assert final == pytest.approx(float(_rosenbrock(x.detach())), abs=1e-14) and final < 1e-12
    its = [i for i, _ in history]
    assert its == list(range(1005, 1000 + done + 1, 5))  # every 5th iteration, offset


def test_iteration_limit_progress_and_float32_parameters():
    w = torch.nn.Parameter(torch.tensor([3.0, -2.0, 0.5]))  # float32, as a PINN's weights
    b = torch.nn.Parameter(torch.zeros(()))
    calls = []
    done, stop, final = minimize_lbfgsb(
        [w, b], lambda: (w ** 4).sum() + (b - 1) ** 2 + (w * b).sum() ** 2, maxiter=4,
        progress=calls.append)
    assert (done, stop) == (4, "iteration limit") and sum(calls) == 4
    assert w.dtype == torch.float32 and math.isfinite(final)


def test_a_non_finite_loss_stops_the_phase():
    x = torch.tensor([1.0], requires_grad=True)
    done, stop, final = minimize_lbfgsb([x], lambda: torch.log(x - 2.0).sum(), maxiter=10)
    assert stop == "non-finite loss" and math.isnan(final)


def test_budget_names_its_lbfgs_solver():
    assert PINNBudget(10, 1, 1, 4, 1, 1, 1).lbfgs_solver == "scipy-float64"
    with pytest.raises(ValueError, match="lbfgs_solver must be one of scipy-float64, scipy, "
                                         "torch, got 'adam'"):
        PINNBudget(10, 1, 1, 4, 1, 1, 1, lbfgs_solver="adam")


@pytest.mark.parametrize("engine", ["deepxde", "jet"])
def test_the_float64_phase_leaves_a_float32_network_and_agrees_with_float32(engine):
    """scipy-float64 (the default) trains the L-BFGS phase in float64 and rounds the weights
    back: the scored network is float32, and on the smoke problem both precisions land close
    together (10 L-BFGS iterations: they differ by rounding)."""
    import dataclasses

    from physym import Expansion
    from physym.models.pinn import fit_pinn
    from physym.problems.burgers import BurgersPINN

    problem = BurgersPINN()
    budget = problem.budget("smoke")
    fits = {solver: fit_pinn(problem, model="fnn", expansion=Expansion(4), seed=0,
                             budget=dataclasses.replace(budget, lbfgs_solver=solver),
                             device=torch.device("cpu"), engine=engine)
            for solver in ("scipy-float64", "scipy")}
    f64, f32 = fits["scipy-float64"], fits["scipy"]
    assert all(p.dtype == torch.float32 for p in f64.model.parameters())
    assert f64.training["phases"][1]["iterations"] > 0
    assert f64.error == pytest.approx(f32.error, rel=0.05)


def test_in_float64_restores_the_dtype_the_network_had() -> None:
    from physym.models.lbfgsb import in_float64

    for dtype in (torch.float32, torch.float64):
        net = torch.nn.Linear(2, 1).to(dtype)
        with in_float64(net):
            assert net.weight.dtype == torch.float64
        assert net.weight.dtype == dtype
        with in_float64(net, enabled=False):
            assert net.weight.dtype == dtype
