"""Validation of the 5-D Poisson PINN: exact solution, residual, boundary data, test points."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.poisson_nd import PROBLEM, PoissonNDParams, PoissonNDPINN


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(0.5 * torch.pi * x).sum(dim=1, keepdim=True)


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(PoissonNDPINN(), _torch_exact)
    assert max(pde) < 1e-12, pde
    assert [name for name, _ in conditions] == ["DirichletBC"]
    assert conditions[0][1] < 1e-6, conditions  # float32 boundary values of u <~ 5


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = PoissonNDPINN()
    pts = 0.01 + 0.98 * np.random.default_rng(5).random((300, 5))
    lap = sum(fd_derivative(problem.exact, pts, i, order=2, h=1e-3) for i in range(5))
    f = np.pi**2 / 4 * np.sin(0.5 * np.pi * pts).sum(axis=1, keepdims=True)
    # rounding ~ 5 axes x 2.5 eps |u| / h^2 ~ 1e-8 dominates the truncation (~1e-13)
    assert np.abs(-lap - f).max() < 1e-7


def test_random_evaluation_points_are_seeded_and_inside_the_cube() -> None:
    problem = PoissonNDPINN()
    points = problem.evaluation_points()
    assert points.shape == (20000, 5) and points.min() >= 0.0 and points.max() <= 1.0
    np.testing.assert_array_equal(points, PoissonNDPINN().evaluation_points())
    assert problem.exact(points).shape == (20000, 1)
    # the mean of u over the cube is 5 * 2/pi: a check that the points are uniform
    assert abs(problem.exact(points).mean() - 10 / np.pi) < 0.01
    assert list(problem.evaluation_axes()) == ["x1", "x2", "x3", "x4", "x5"]


def test_deepxde_data_at_the_smoke_budget() -> None:
    problem = PoissonNDPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    assert data.train_x_all.shape[1] == 5
    assert data.train_x_all.shape[0] == budget.num_domain + budget.num_boundary
    assert len(data.num_bcs) == 1 and data.num_bcs[0] == budget.num_boundary
    assert PROBLEM.name == "poisson_nd" and PROBLEM.task() is PoissonNDPINN
    with pytest.raises(ValueError, match="n_eval"):
        PoissonNDParams(n_eval=0)
