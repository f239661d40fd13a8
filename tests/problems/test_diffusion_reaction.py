"""Validation of the diffusion-reaction PINN: exact solution, residual, conditions, data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.diffusion_reaction import (
    PROBLEM,
    DiffusionReactionParams,
    DiffusionReactionPINN,
)


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    xs, t = x[:, 0:1], x[:, 1:2]
    return torch.exp(-t) * (torch.sin(xs) + torch.sin(2 * xs) / 2 + torch.sin(3 * xs) / 3
                            + torch.sin(4 * xs) / 4 + torch.sin(8 * xs) / 8)


@pytest.mark.parametrize("d", [1.0, 0.5])
def test_exact_solution_satisfies_the_deepxde_residual_and_conditions(d: float) -> None:
    pde, conditions = deepxde_residuals(DiffusionReactionPINN(DiffusionReactionParams(d=d)),
                                        _torch_exact)
    assert max(pde) < 1e-12, pde  # |u_xx| <~ 12
    assert [name for name, _ in conditions] == ["DirichletBC", "IC"]
    assert max(err for _, err in conditions) < 1e-6, conditions  # float32 condition values


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = DiffusionReactionPINN()
    rng = np.random.default_rng(1)
    pts = np.stack([-3.1 + 6.2 * rng.random(500), 0.01 + 0.98 * rng.random(500)], 1)
    u_t = fd_derivative(problem.exact, pts, 1, h=1e-3)
    u_xx = fd_derivative(problem.exact, pts, 0, order=2, h=1e-3)
    x, t = pts[:, 0:1], pts[:, 1:2]
    f = np.exp(-t) * (1.5 * np.sin(2 * x) + 8 / 3 * np.sin(3 * x) + 15 / 4 * np.sin(4 * x)
                      + 63 / 8 * np.sin(8 * x))
    # truncation ~ h^4 8^6 / 90 / 8 ~ 4e-10
    assert np.abs(u_t - u_xx - f).max() < 1e-7


def test_reference_meets_the_initial_and_boundary_conditions() -> None:
    problem = DiffusionReactionPINN()
    t = np.linspace(0.0, 1.0, 101)
    ends = np.concatenate([np.stack([np.full_like(t, -np.pi), t], 1),
                           np.stack([np.full_like(t, np.pi), t], 1)])
    assert np.abs(problem.exact(ends)).max() < 1e-14
    x = np.linspace(-np.pi, np.pi, 257)
    u0 = sum(np.sin(k * x) / k for k in (1, 2, 3, 4, 8))
    np.testing.assert_allclose(problem.exact(np.stack([x, 0 * x], 1))[:, 0], u0, atol=1e-15)


def test_deepxde_data_at_the_smoke_budget() -> None:
    problem = DiffusionReactionPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert len(data.num_bcs) == 2 and all(n > 0 for n in data.num_bcs)
    points = problem.evaluation_points()
    assert points.shape == (256 * 101, 2)
    assert problem.exact(points).shape == (256 * 101, 1)
    assert PROBLEM.name == "diffusion_reaction" and PROBLEM.task() is DiffusionReactionPINN
    with pytest.raises(ValueError, match="d must be"):
        DiffusionReactionParams(d=0.0)
