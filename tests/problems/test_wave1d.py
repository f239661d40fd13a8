"""Validation of the 1-D wave PINN: exact solution, residual, conditions, DeepXDE data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.wave1d import PROBLEM, Wave1DParams, Wave1DPINN, wave_exact


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    xs, t = x[:, 0:1], x[:, 1:2]
    return (torch.sin(torch.pi * xs) * torch.cos(2 * torch.pi * t)
            + 0.5 * torch.sin(4 * torch.pi * xs) * torch.cos(8 * torch.pi * t))


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(Wave1DPINN(), _torch_exact)
    # |u_tt| is up to (8 pi)^2 / 2 ~ 316: rounding of the float64 autograd residual ~1e-12
    assert max(pde) < 1e-9, pde
    assert [name for name, _ in conditions] == ["DirichletBC", "IC", "OperatorBC"]
    # condition values pass through DeepXDE's float32 conversion
    assert max(err for _, err in conditions) < 1e-6, conditions


def test_reference_satisfies_the_wave_equation_by_finite_differences() -> None:
    problem = Wave1DPINN()
    rng = np.random.default_rng(0)
    pts = 0.01 + 0.98 * rng.random((500, 2))
    u_tt = fd_derivative(problem.exact, pts, 1, order=2, h=1e-3)
    u_xx = fd_derivative(problem.exact, pts, 0, order=2, h=1e-3)
    # truncation ~ h^4 (8 pi)^6 / 90 / 2 ~ 1.4e-6 relative to |u_tt| <~ 316
    assert np.abs(u_tt - 4.0 * u_xx).max() < 1e-4


def test_reference_meets_the_initial_and_boundary_conditions() -> None:
    problem = Wave1DPINN()
    s = np.linspace(0.0, 1.0, 201)
    zeros = np.zeros_like(s)
    ends = np.concatenate([np.stack([zeros, s], 1), np.stack([zeros + 1, s], 1)])
    assert np.abs(problem.exact(ends)).max() < 1e-14
    initial = np.stack([s, zeros], 1)
    np.testing.assert_allclose(problem.exact(initial)[:, 0],
                               np.sin(np.pi * s) + 0.5 * np.sin(4 * np.pi * s), atol=1e-15)
    u_t = fd_derivative(problem.exact, np.stack([s, zeros + 0.01], 1), 1, h=1e-3)
    # u_t(x, 0.01) = -(2 pi) sin(2 pi 0.01) sin(pi x) - 4 pi sin(8 pi 0.01) sin(4 pi x)/2 ~ O(1);
    # by symmetry in t the difference at t = 0 itself vanishes to rounding
    u_t0 = (problem.exact(np.stack([s, zeros + 1e-3], 1))
            - problem.exact(np.stack([s, zeros - 1e-3], 1))) / 2e-3
    assert np.abs(u_t0).max() < 1e-12 and np.abs(u_t).max() > 0.1


def test_deepxde_data_at_the_smoke_budget() -> None:
    from physym.models.pinn import load_deepxde as _load_deepxde

    problem = Wave1DPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert len(data.num_bcs) == 3 and all(n > 0 for n in data.num_bcs)
    assert data.train_x.shape == (n_all + sum(data.num_bcs), 2)
    points = problem.evaluation_points()
    assert points.shape == (101 * 101, 2)
    exact = problem.exact(points)
    assert exact.shape == (101 * 101, 1) and exact.dtype == np.float64


def test_family_and_params() -> None:
    assert PROBLEM.name == "wave1d" and PROBLEM.task() is Wave1DPINN
    assert set(Wave1DPINN.budgets) == {"smoke", "quick", "standard", "paper"}
    assert Wave1DPINN.budgets["paper"].width == 100 and Wave1DPINN.budgets["paper"].depth == 5
    np.testing.assert_allclose(wave_exact(0.25, 0.5, c=1.0),
                               np.sin(np.pi / 4) * np.cos(np.pi / 2) + 0.5 * 0.0, atol=1e-15)
    with pytest.raises(ValueError, match="c must be"):
        Wave1DParams(c=-1.0)
