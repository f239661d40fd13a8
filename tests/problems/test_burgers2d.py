"""Validation of the 2-D Burgers reference (ETDRK4 pseudo-spectral) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals
from physym.problems._spectral2d import solve_periodic_2d
from physym.problems.burgers2d import (
    PROBLEM,
    Burgers2DParams,
    Burgers2DPINN,
    _advection,
    initial_field,
)


def _solve(n: int, dt: float, t_final: float, nu: float = 0.01) -> np.ndarray:
    s = np.arange(n) / n
    xx, yy = np.meshgrid(s, s, indexing="ij")
    return solve_periodic_2d(initial_field(xx, yy), length=1.0,
                             linear=lambda ops: -nu * ops.k2, nonlinear=_advection,
                             t_final=t_final, n_snapshots=1, dt=dt)[-1]


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # N = 64, t = 0.25 (the steepest fronts), against dt = 1/1600: measured max errors
    # 1.1e-4 (dt 0.01), 7.6e-6 (dt 0.005), order 3.84; so ~2e-7 at the default dt 2e-3
    ref = _solve(64, 0.25 / 400, 0.25)
    errors = [np.abs(_solve(64, dt, 0.25) - ref).max() for dt in (0.25 / 25, 0.25 / 50)]
    order = np.log2(errors[0] / errors[1])
    assert 3.6 < order < 4.5 and errors[1] < 2e-5, (errors, order)


def test_spectral_convergence_in_space() -> None:
    # t = 0.25 (steepest), max error against 128 points: 32 -> 6.1e-2, 64 -> 5.7e-3;
    # on the stored snapshots (rel. L2 vs 192): 96 -> 4.3e-5, 128 -> 2.6e-6 (docstring)
    fine = _solve(128, 0.005, 0.25)
    errors = [np.abs(_solve(n, 0.005, 0.25) - fine[:, :: 128 // n, :: 128 // n]).max()
              for n in (32, 64)]
    assert errors[1] < 1e-2 and errors[0] / errors[1] > 8, errors


def test_maximum_principle_and_the_seeded_initial_field() -> None:
    # each component solves an advection-diffusion equation with velocity (u, v), so its
    # maximum and minimum over the torus cannot grow
    s = np.arange(64) / 64
    xx, yy = np.meshgrid(s, s, indexing="ij")
    w0 = initial_field(xx, yy)
    w = _solve(64, 0.005, 0.5)
    assert np.all(w.max(axis=(1, 2)) <= w0.max(axis=(1, 2)) + 1e-9)
    assert np.all(w.min(axis=(1, 2)) >= w0.min(axis=(1, 2)) - 1e-9)
    a = initial_field(np.array([0.1]), np.array([0.2]), seed=0)
    b = initial_field(np.array([0.1]), np.array([0.2]), seed=1)
    assert a.shape == (2, 1) and not np.allclose(a, b)
    s = np.arange(256) / 256
    xx, yy = np.meshgrid(s, s, indexing="ij")
    rms = np.sqrt(np.mean(initial_field(xx, yy) ** 2, axis=(1, 2)))
    np.testing.assert_allclose(rms, 0.6, rtol=1e-12)


def test_reference_and_deepxde_data() -> None:
    problem = Burgers2DPINN(Burgers2DParams(grid=64, dt=0.005, n_snapshots=20))
    pts = problem.evaluation_points()
    w = problem.exact(pts)
    assert pts.shape == (65 * 65 * 21, 3) and w.shape == (65 * 65 * 21, 2)
    start = pts[:, 2] == 0
    np.testing.assert_allclose(w[start].T, initial_field(pts[start, 0], pts[start, 1]),
                               atol=1e-12)
    # periodic: x = 0 and x = 1 agree
    left, right = pts[:, 0] == 0, pts[:, 0] == 1
    np.testing.assert_allclose(w[left], w[right], atol=1e-12)

    coeffs = torch.as_tensor(np.random.default_rng(0).standard_normal((2, 2, 12)))
    from physym.problems.burgers2d import _MODES

    modes = torch.as_tensor(_MODES)

    def initial_torch(x: torch.Tensor) -> torch.Tensor:
        phase = 2 * torch.pi * (x[:, 0:1] * modes[:, 0] + x[:, 1:2] * modes[:, 1])
        cols = []
        for a, b in coeffs:
            scale = 0.6 / torch.sqrt(torch.sum(a**2 + b**2) / 2)
            cols.append(scale * (torch.cos(phase) @ a + torch.sin(phase) @ b)[:, None])
        return torch.cat(cols, dim=1) + 0 * x[:, 2:3]

    _, conditions = deepxde_residuals(problem, initial_torch)
    names = [c for c, _ in conditions]
    assert names == ["PeriodicBC"] * 8 + ["IC"] * 2
    # a time-independent periodic field meets all periodic conditions and the IC
    assert max(e for _, e in conditions) < 1e-5, conditions
    assert PROBLEM.name == "burgers2d" and PROBLEM.task() is Burgers2DPINN
    with pytest.raises(ValueError, match="grid"):
        Burgers2DParams(grid=100)
