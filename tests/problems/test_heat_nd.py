"""Validation of the 5-D heat PINN: exact solution, residual, conditions, test points."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.heat_nd import PROBLEM, HeatNDParams, HeatNDPINN


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(-x[:, 5:6]) * torch.sin(torch.pi * x[:, :5]).sum(dim=1, keepdim=True)


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(HeatNDPINN(), _torch_exact)
    assert max(pde) < 1e-12, pde
    assert [name for name, _ in conditions] == ["DirichletBC", "IC"]
    assert max(err for _, err in conditions) < 1e-6, conditions


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = HeatNDPINN()
    pts = 0.01 + 0.98 * np.random.default_rng(6).random((300, 6))
    u_t = fd_derivative(problem.exact, pts, 5, h=1e-3)
    lap = sum(fd_derivative(problem.exact, pts, i, order=2, h=1e-3) for i in range(5))
    # rounding ~ 5 axes x 2.5 eps |u| / (pi h)^2 ~ 1e-9 dominates the truncation
    assert np.abs(u_t - lap / np.pi**2).max() < 1e-7


def test_random_evaluation_points_and_data_shapes() -> None:
    problem = HeatNDPINN()
    points = problem.evaluation_points()
    assert points.shape == (20000, 6) and points.min() >= 0.0 and points.max() <= 1.0
    np.testing.assert_array_equal(points, HeatNDPINN().evaluation_points())
    assert problem.exact(points).shape == (20000, 1)
    x0 = points.copy()
    x0[:, 5] = 0.0
    np.testing.assert_allclose(problem.exact(x0)[:, 0], np.sin(np.pi * x0[:, :5]).sum(1),
                               atol=1e-14)
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 6)
    assert len(data.num_bcs) == 2 and all(n > 0 for n in data.num_bcs)
    assert PROBLEM.name == "heat_nd" and PROBLEM.task() is HeatNDPINN
    with pytest.raises(ValueError, match="n_eval"):
        HeatNDParams(n_eval=-1)
