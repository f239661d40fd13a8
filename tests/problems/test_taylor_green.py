"""Validation of the Taylor-Green PINN: exact solution, residual, conditions, DeepXDE data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals, fd_derivative
from physym.problems.taylor_green import (
    PROBLEM,
    TaylorGreenParams,
    TaylorGreenPINN,
    taylor_green_exact,
)


def _torch_exact(x: torch.Tensor, nu: float = 0.01) -> torch.Tensor:
    k = 2 * torch.pi
    xs, ys, t = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    decay = torch.exp(-2 * nu * k**2 * t)
    u = -torch.cos(k * xs) * torch.sin(k * ys) * decay
    v = torch.sin(k * xs) * torch.cos(k * ys) * decay
    p = -0.25 * (torch.cos(2 * k * xs) + torch.cos(2 * k * ys)) * decay**2
    return torch.cat([u, v, p], dim=1)


def test_exact_solution_satisfies_the_deepxde_residual_and_conditions() -> None:
    pde, conditions = deepxde_residuals(TaylorGreenPINN(), _torch_exact)
    # terms are O(k^2 nu) ~ 0.4 and O(k) ~ 6: rounding of float64 autograd
    assert len(pde) == 3 and max(pde) < 1e-12, pde
    assert [name for name, _ in conditions] == ["DirichletBC"] * 3 + ["IC"] * 2
    assert max(err for _, err in conditions) < 1e-6, conditions


def test_reference_satisfies_navier_stokes_by_finite_differences() -> None:
    problem = TaylorGreenPINN()
    rng = np.random.default_rng(0)
    pts = 0.01 + 0.98 * rng.random((400, 3))
    d = {ax: fd_derivative(problem.exact, pts, ax, h=1e-3) for ax in range(3)}
    dd = {ax: fd_derivative(problem.exact, pts, ax, order=2, h=1e-3) for ax in range(2)}
    w = problem.exact(pts)
    u, v = w[:, 0], w[:, 1]
    for c, p_axis in ((0, 0), (1, 1)):
        r = (d[2][:, c] + u * d[0][:, c] + v * d[1][:, c] + d[p_axis][:, 2]
             - 0.01 * (dd[0][:, c] + dd[1][:, c]))
        # truncation ~ h^4 k^5 / 30 ~ 3e-10; rounding ~ eps / h^2 ~ 2e-10
        assert np.abs(r).max() < 1e-7, (c, np.abs(r).max())
    assert np.abs(d[0][:, 0] + d[1][:, 1]).max() < 1e-9


def test_kinetic_energy_decays_at_the_exact_rate() -> None:
    p = TaylorGreenParams()
    s = np.arange(64) / 64
    x, y = np.meshgrid(s, s, indexing="ij")
    energies = [np.mean(sum(c**2 for c in taylor_green_exact(x, y, t, p)[:2]))
                for t in (0.0, 1.0)]
    np.testing.assert_allclose(energies[1] / energies[0],
                               np.exp(-4 * p.nu * (2 * np.pi) ** 2), rtol=1e-12)


def test_deepxde_data_at_the_smoke_budget() -> None:
    from physym.models.pinn import load_deepxde

    problem = TaylorGreenPINN()
    data = problem.deepxde_data(load_deepxde(), problem.budget("smoke"))
    assert len(data.num_bcs) == 5 and all(n > 0 for n in data.num_bcs)
    points = problem.evaluation_points()
    exact = problem.exact(points)
    assert points.shape == (41 * 41 * 11, 3) and exact.shape == (41 * 41 * 11, 3)
    assert PROBLEM.name == "taylor_green" and PROBLEM.task() is TaylorGreenPINN
    with pytest.raises(ValueError, match="nu must be"):
        TaylorGreenParams(nu=0.0)
    with pytest.raises(ValueError, match="mode must be"):
        TaylorGreenParams(mode=0)
