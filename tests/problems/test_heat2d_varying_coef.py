"""Validation of the variable-coefficient heat reference (Crank-Nicolson finite volumes)."""
from __future__ import annotations


import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals
from physym.problems._fv2d import node_axis
from physym.problems.heat2d_varying_coef import (
    PROBLEM,
    Heat2DVaryingCoefParams,
    Heat2DVaryingCoefPINN,
    coefficient,
    initial_condition,
    solve_heat,
    source,
)

PI = np.pi


def _grad_a(x, y):
    a_x = -PI * np.sin(2 * PI * x) * np.cos(2 * PI * y) - 2.5 * PI * np.sin(10 * PI * x) * np.cos(
        10 * PI * y)
    a_y = -PI * np.cos(2 * PI * x) * np.sin(2 * PI * y) - 2.5 * PI * np.cos(10 * PI * x) * np.sin(
        10 * PI * y)
    return a_x, a_y


def _manufactured(x, y, t):
    """u = e^{-t} sin(pi x) sin(2 pi y) (1 + x y) and its source u_t - div(a grad u)."""
    g = np.sin(PI * x) * np.sin(2 * PI * y)
    g_x = PI * np.cos(PI * x) * np.sin(2 * PI * y)
    g_y = 2 * PI * np.sin(PI * x) * np.cos(2 * PI * y)
    w = 1 + x * y
    u = np.exp(-t) * g * w
    u_x = np.exp(-t) * (g_x * w + g * y)
    u_y = np.exp(-t) * (g_y * w + g * x)
    lap = np.exp(-t) * (-5 * PI**2 * g * w + 2 * g_x * y + 2 * g_y * x)
    a_x, a_y = _grad_a(x, y)
    return u, -u - coefficient(x, y) * lap - a_x * u_x - a_y * u_y


def test_crank_nicolson_finite_volumes_converge_at_second_order() -> None:
    # measured (dt = h, max error at t = 1): 16 -> 1.2e-2 (3 cells per period of the
    # cos 10 pi x term: pre-asymptotic), 32 -> 4.9e-3, 64 -> 1.27e-3, 128 -> see assert
    errors = []
    for n in (32, 64, 128):
        u = solve_heat(n, coef=coefficient, u0=lambda x, y: _manufactured(x, y, 0.0)[0],
                       f=lambda x, y, t: _manufactured(x, y, t)[1], t_final=1.0,
                       n_steps=n, n_snapshots=1)[-1]
        x = node_axis(n)
        xx, yy = np.meshgrid(x, x, indexing="ij")
        errors.append(np.abs(u - _manufactured(xx, yy, 1.0)[0]).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.15), (errors, orders)


def test_residual_code_matches_the_manufactured_solution() -> None:
    # the problem's own residual minus the manufactured source vanishes at the manufactured
    # solution: checks a, grad a and the sign conventions of the DeepXDE residual
    def solution(x: torch.Tensor) -> torch.Tensor:
        xs, ys, t = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        return (torch.exp(-t) * torch.sin(torch.pi * xs) * torch.sin(2 * torch.pi * ys)
                * (1 + xs * ys))

    from physym.models.pinn import load_deepxde

    problem = Heat2DVaryingCoefPINN()
    data = problem.deepxde_data(load_deepxde(), problem.budget("smoke"))
    x = torch.as_tensor(np.asarray(data.train_x), dtype=torch.float64).requires_grad_(True)
    r = data.pde(x, solution(x)).detach().numpy()[:, 0]
    pts = x.detach().numpy()
    f_m = _manufactured(pts[:, 0], pts[:, 1], pts[:, 2])[1]
    # residual = u_t - div(a grad u) - f = f_m - f
    np.testing.assert_allclose(r, f_m - source(pts[:, 0], pts[:, 1]), atol=1e-9)


def test_reference_meets_its_conditions_and_interpolates() -> None:
    problem = Heat2DVaryingCoefPINN(Heat2DVaryingCoefParams(grid=32, n_steps=100,
                                                            n_snapshots=20))
    s = np.linspace(0, 1, 33)
    xx, yy = np.meshgrid(s, s, indexing="ij")
    start = np.stack([xx.ravel(), yy.ravel(), 0 * xx.ravel()], 1)
    np.testing.assert_allclose(problem.exact(start)[:, 0],
                               initial_condition(xx, yy).ravel(), atol=1e-14)
    edge = np.stack([0 * s, s, 0.37 + 0 * s], 1)
    assert np.abs(problem.exact(edge)).max() < 1e-14
    # the initial condition satisfies the DeepXDE IC exactly, the zero field the BC
    pde, conditions = deepxde_residuals(problem, lambda x: torch.sin(torch.pi * x[:, 0:1])
                                        * torch.sin(torch.pi * x[:, 1:2]) + 0 * x[:, 2:3])
    assert [c for c, _ in conditions] == ["DirichletBC", "IC"]
    assert max(e for _, e in conditions) < 1e-6
    u = problem.exact(problem.evaluation_points())
    assert u.shape == (65 * 65 * 11, 1) and np.all(np.isfinite(u))
    assert PROBLEM.name == "heat2d_varying_coef" and PROBLEM.task() is Heat2DVaryingCoefPINN
    with pytest.raises(ValueError, match="grid"):
        Heat2DVaryingCoefParams(grid=12)


def test_coefficient_is_positive_and_flat_at_the_walls() -> None:
    s = np.linspace(0, 1, 401)
    xx, yy = np.meshgrid(s, s, indexing="ij")
    a = coefficient(xx, yy)
    assert a.min() >= 0.25 - 1e-12 and a.max() <= 1.75 + 1e-12
    a_x, a_y = _grad_a(xx, yy)
    assert np.abs(a_x[[0, -1]]).max() < 1e-12 and np.abs(a_y[:, [0, -1]]).max() < 1e-12


@pytest.mark.slow
def test_default_reference_against_a_finer_solve() -> None:
    # measured: 128^2 / dt 1/500 vs 256^2 / dt 1/1000 on the 65^2 x 11 nodes: rel. L2 1.04e-4
    # (spatial; dt 1/250 -> 1/500 changes it by < 1e-5); generation time:
    # benchmarks/bench_references.py
    p = Heat2DVaryingCoefParams()
    problem = Heat2DVaryingCoefPINN(p)
    pts = problem.evaluation_points()
    ref = problem.exact(pts)[:, 0]
    fine = solve_heat(256, coef=coefficient, u0=initial_condition,
                      f=lambda x, y, t: source(x, y), t_final=1.0, n_steps=1000,
                      n_snapshots=10)[:, ::4, ::4]
    fine = np.moveaxis(fine, 0, -1).ravel()
    rel = np.linalg.norm(ref - fine) / np.linalg.norm(fine)
    assert rel < 2e-4, rel
