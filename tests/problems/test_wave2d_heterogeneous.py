"""Validation of the heterogeneous-wave reference (leapfrog finite volumes)."""
from __future__ import annotations


import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals
from physym.problems._fv2d import node_axis
from physym.problems.wave2d_heterogeneous import (
    PROBLEM,
    Wave2DHeterogeneousParams,
    Wave2DHeterogeneousPINN,
    initial_condition,
    solve_wave,
    speed,
)

PI = np.pi


def _c2_y(y):
    th = np.tanh((y - 0.6) / 0.05)
    return 2 * speed(y) * 0.5 * (1 - th**2) / 0.05


def _manufactured(x, y, t):
    """u = cos(2 pi t) sin(pi x) sin(pi y) (1 + x y) and f = u_tt - div(c^2 grad u)."""
    g = np.sin(PI * x) * np.sin(PI * y)
    w = 1 + x * y
    g_y = PI * np.sin(PI * x) * np.cos(PI * y)
    g_x = PI * np.cos(PI * x) * np.sin(PI * y)
    c = np.cos(2 * PI * t)
    u = c * g * w
    lap = c * (-2 * PI**2 * g * w + 2 * g_x * y + 2 * g_y * x)
    u_y = c * (g_y * w + g * x)
    return u, -4 * PI**2 * u - speed(y) ** 2 * lap - _c2_y(y) * u_y


def test_leapfrog_finite_volumes_converge_at_second_order() -> None:
    # measured (Courant 0.5, max error at t = 0.5): 32 -> 3.0e-3, 64 -> 7.4e-4,
    # 128 -> 1.8e-4 (orders ~2.0)
    errors = []
    for n in (32, 64, 128):
        u = solve_wave(n, c2=lambda x, y: speed(y) ** 2,
                       u0=lambda x, y: _manufactured(x, y, 0.0)[0], t_final=0.5,
                       n_steps=2 * n, n_snapshots=1,
                       f=lambda x, y, t: _manufactured(x, y, t)[1])[-1]
        x = node_axis(n)
        xx, yy = np.meshgrid(x, x, indexing="ij")
        errors.append(np.abs(u - _manufactured(xx, yy, 0.5)[0]).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.15), (errors, orders)


def test_residual_code_matches_the_manufactured_solution() -> None:
    from physym.models.pinn import load_deepxde

    def solution(x: torch.Tensor) -> torch.Tensor:
        xs, ys, t = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        return (torch.cos(2 * torch.pi * t) * torch.sin(torch.pi * xs)
                * torch.sin(torch.pi * ys) * (1 + xs * ys))

    problem = Wave2DHeterogeneousPINN()
    data = problem.deepxde_data(load_deepxde(), problem.budget("smoke"))
    x = torch.as_tensor(np.asarray(data.train_x), dtype=torch.float64).requires_grad_(True)
    r = data.pde(x, solution(x)).detach().numpy()[:, 0]
    pts = x.detach().numpy()
    np.testing.assert_allclose(r, _manufactured(pts[:, 0], pts[:, 1], pts[:, 2])[1],
                               atol=1e-8)
    # the pulse at rest meets the IC and u_t = 0 condition; the wall values are < 3e-10
    _, conditions = deepxde_residuals(problem, lambda x: torch.exp(
        -((x[:, 0:1] - 0.5) ** 2 + (x[:, 1:2] - 0.4) ** 2) / (2 * 0.06**2)) + 0 * x[:, 2:3])
    assert [c for c, _ in conditions] == ["DirichletBC", "IC", "OperatorBC"]
    assert max(e for _, e in conditions) < 1e-6, conditions


def test_leapfrog_conserves_the_discrete_energy_and_rejects_unstable_steps() -> None:
    # without a source the leapfrog energy |u^{k+1} - u^k|^2/dt^2 - <A u^{k+1}, u^k> is exact
    n, steps = 64, 200
    snaps = solve_wave(n, c2=lambda x, y: speed(y) ** 2, u0=initial_condition, t_final=0.5,
                       n_steps=steps, n_snapshots=steps)
    from physym.problems._fv2d import divergence_matrix, interior

    x = node_axis(n)
    xx, yy = np.meshgrid(x, x, indexing="ij")
    a = divergence_matrix(speed(yy) ** 2)
    dt = 0.5 / steps
    v = interior(snaps)
    energy = [np.sum((v[k + 1] - v[k]) ** 2) / dt**2 - v[k + 1] @ (a @ v[k])
              for k in (0, steps // 2, steps - 1)]
    np.testing.assert_allclose(energy, energy[0], rtol=1e-10)
    with pytest.raises(ValueError, match="Courant"):
        solve_wave(64, c2=lambda x, y: speed(y) ** 2, u0=initial_condition, t_final=1.0,
                   n_steps=80, n_snapshots=1)
    with pytest.raises(ValueError, match="n_steps"):
        Wave2DHeterogeneousParams(n_steps=500)


def test_reference_on_the_scoring_grid() -> None:
    problem = Wave2DHeterogeneousPINN(Wave2DHeterogeneousParams(grid=128, n_steps=400,
                                                                n_snapshots=20))
    pts = problem.evaluation_points()
    u = problem.exact(pts)
    assert pts.shape == (65 * 65 * 21, 3) and u.shape == (65 * 65 * 21, 1)
    at_start = pts[:, 2] == 0.0
    np.testing.assert_allclose(u[at_start, 0],
                               initial_condition(pts[at_start, 0], pts[at_start, 1]),
                               atol=3e-10)
    assert PROBLEM.name == "wave2d_heterogeneous" and PROBLEM.task() is Wave2DHeterogeneousPINN


@pytest.mark.slow
def test_default_reference_against_coarser_solves() -> None:
    # measured: 128^2 -> 1.0e-2, 256^2 -> 2.0e-3 relative L2 against the 512^2 default
    # (order 2.3); generation time: benchmarks/bench_references.py
    problem = Wave2DHeterogeneousPINN()
    pts = problem.evaluation_points()
    ref = problem.exact(pts)[:, 0]
    errors = []
    for n in (128, 256):
        u = solve_wave(n, c2=lambda x, y: speed(y) ** 2, u0=initial_condition, t_final=1.0,
                       n_steps=n * 1000 // 256, n_snapshots=20)[:, :: n // 64, :: n // 64]
        u = np.moveaxis(u, 0, -1).ravel()
        errors.append(np.linalg.norm(u - ref) / np.linalg.norm(ref))
    assert errors[1] < 3e-3 and 1.8 < np.log2(errors[0] / errors[1]) < 2.6, errors
