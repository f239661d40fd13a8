"""Validation of the 2-D Helmholtz PINN: exact solution, residual, boundary data, data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.helmholtz2d import PROBLEM, Helmholtz2DParams, Helmholtz2DPINN


def _torch_exact(x: torch.Tensor) -> torch.Tensor:
    k = 4 * torch.pi
    return torch.sin(k * x[:, 0:1]) * torch.sin(k * x[:, 1:2])


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(Helmholtz2DPINN(), _torch_exact)
    assert max(pde) < 1e-10, pde  # |lap u| <~ 2 (4 pi)^2 ~ 316
    assert [name for name, _ in conditions] == ["DirichletBC"]
    assert conditions[0][1] < 1e-6, conditions  # sin(4 pi) ~ 5e-16, float32 targets


def test_reference_satisfies_the_pde_by_finite_differences() -> None:
    problem = Helmholtz2DPINN()
    rng = np.random.default_rng(3)
    pts = 0.01 + 0.98 * rng.random((500, 2))
    k = 4 * np.pi
    lap = sum(fd_derivative(problem.exact, pts, i, order=2, h=1e-3) for i in range(2))
    f = k**2 * np.sin(k * pts[:, 0:1]) * np.sin(k * pts[:, 1:2])
    # truncation ~ 2 h^4 k^6 / 90 ~ 9e-8
    assert np.abs(-lap - k**2 * problem.exact(pts) - f).max() < 1e-5


def test_reference_vanishes_on_the_boundary_and_data_shapes() -> None:
    problem = Helmholtz2DPINN()
    s = np.linspace(0.0, 1.0, 101)
    z = np.zeros_like(s)
    edges = np.concatenate([np.stack(e, 1) for e in ((s, z), (s, z + 1), (z, s), (z + 1, s))])
    assert np.abs(problem.exact(edges)).max() < 1e-14
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    assert data.train_x_all.shape == (budget.num_domain + budget.num_boundary, 2)
    assert len(data.num_bcs) == 1 and data.num_bcs[0] == budget.num_boundary
    assert problem.exact(problem.evaluation_points()).shape == (101 * 101, 1)
    assert PROBLEM.name == "helmholtz2d" and PROBLEM.task() is Helmholtz2DPINN
    with pytest.raises(ValueError, match="modes"):
        Helmholtz2DParams(modes=0)
