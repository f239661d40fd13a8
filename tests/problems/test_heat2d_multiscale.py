"""Validation of the multi-scale heat PINN: exact solution, residual, conditions, data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.heat2d_multiscale import (
    PROBLEM,
    Heat2DMultiscaleParams,
    Heat2DMultiscalePINN,
)


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    return (torch.exp(-1.0016 * x[:, 2:3]) * torch.sin(20 * torch.pi * x[:, 0:1])
            * torch.sin(torch.pi * x[:, 1:2]))


def test_decay_rate_of_the_benchmark() -> None:
    assert abs(Heat2DMultiscaleParams().decay - 1.0016) < 1e-14


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(Heat2DMultiscalePINN(), _torch_exact)
    assert max(pde) < 1e-12, pde
    assert [name for name, _ in conditions] == ["DirichletBC", "IC"]
    assert max(err for _, err in conditions) < 1e-6, conditions


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = Heat2DMultiscalePINN()
    p = problem.params
    rng = np.random.default_rng(4)
    pts = np.stack([0.01 + 0.98 * rng.random(500), 0.01 + 0.98 * rng.random(500),
                    0.01 + 4.98 * rng.random(500)], 1)
    u_t = fd_derivative(problem.exact, pts, 2, h=1e-3)
    u_xx = fd_derivative(problem.exact, pts, 0, order=2, h=1e-4)
    u_yy = fd_derivative(problem.exact, pts, 1, order=2, h=1e-3)
    # u_xx ~ (20 pi)^2 ~ 4e3 with truncation ~ h^4 (20 pi)^6 / 90 ~ 7e-7 and rounding
    # ~ 1e-16 / h^2 ~ 1e-8; scaled by kx = 4e-7 both are negligible
    assert np.abs(u_t - p.kx * u_xx - p.ky * u_yy).max() < 1e-7


def test_reference_meets_the_conditions_and_data_shapes() -> None:
    problem = Heat2DMultiscalePINN()
    s = np.linspace(0.0, 1.0, 41)
    z = np.zeros_like(s)
    edges = np.concatenate([np.stack(e, 1) for e in ((s, z, s), (s, z + 1, s), (z, s, s),
                                                     (z + 1, s, 5 * s))])
    assert np.abs(problem.exact(edges)).max() < 1e-13
    np.testing.assert_allclose(problem.exact(np.stack([s, s, z], 1))[:, 0],
                               np.sin(20 * np.pi * s) * np.sin(np.pi * s), atol=1e-15)
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 3)
    assert problem.exact(problem.evaluation_points()).shape == (201 * 26 * 26, 1)
    assert PROBLEM.name == "heat2d_multiscale" and PROBLEM.task() is Heat2DMultiscalePINN
    with pytest.raises(ValueError, match="mx and my"):
        Heat2DMultiscaleParams(mx=0)
