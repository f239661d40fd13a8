"""Validation of the Klein-Gordon PINN: manufactured solution, residual, conditions, data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.klein_gordon import (
    PROBLEM,
    KleinGordonParams,
    KleinGordonPINN,
    klein_gordon_source,
)


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    xs, t = x[:, 0:1], x[:, 1:2]
    return xs * torch.cos(5 * torch.pi * t) + (xs * t) ** 3


@pytest.mark.parametrize("cubic", [1.0, 0.0])
def test_exact_solution_satisfies_the_deepxde_residual_and_conditions(cubic: float) -> None:
    problem = KleinGordonPINN(KleinGordonParams(cubic=cubic))
    pde, conditions = deepxde_residuals(problem, _torch_exact)
    assert max(pde) < 1e-10, pde  # |u_tt| <~ 25 pi^2 ~ 250
    assert [name for name, _ in conditions] == ["DirichletBC", "IC", "OperatorBC"]
    assert max(err for _, err in conditions) < 1e-6, conditions


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = KleinGordonPINN()
    rng = np.random.default_rng(2)
    pts = 0.01 + 0.98 * rng.random((500, 2))
    u = problem.exact(pts)
    u_tt = fd_derivative(problem.exact, pts, 1, order=2, h=1e-3)
    u_xx = fd_derivative(problem.exact, pts, 0, order=2, h=1e-3)
    f = klein_gordon_source(pts[:, 0:1], pts[:, 1:2])
    # truncation ~ h^4 (5 pi)^6 / 90 ~ 1.3e-7
    assert np.abs(u_tt - u_xx + u**3 - f).max() < 1e-5


def test_reference_meets_the_initial_and_boundary_conditions() -> None:
    problem = KleinGordonPINN()
    s = np.linspace(0.0, 1.0, 101)
    z = np.zeros_like(s)
    assert np.abs(problem.exact(np.stack([z, s], 1))).max() == 0.0
    np.testing.assert_allclose(problem.exact(np.stack([z + 1, s], 1))[:, 0],
                               np.cos(5 * np.pi * s) + s**3, atol=1e-15)
    np.testing.assert_allclose(problem.exact(np.stack([s, z], 1))[:, 0], s, atol=1e-15)
    u_t0 = (problem.exact(np.stack([s, z + 1e-4], 1))
            - problem.exact(np.stack([s, z - 1e-4], 1))) / 2e-4
    assert np.abs(u_t0).max() < 1e-8  # u_t(x, 0) = 0; central difference error ~ x^3 h^2


def test_deepxde_data_at_the_smoke_budget() -> None:
    problem = KleinGordonPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert len(data.num_bcs) == 3 and all(n > 0 for n in data.num_bcs)
    assert problem.exact(problem.evaluation_points()).shape == (101 * 101, 1)
    assert PROBLEM.name == "klein_gordon" and PROBLEM.task() is KleinGordonPINN
    with pytest.raises(ValueError, match="cubic"):
        KleinGordonParams(cubic=float("nan"))
