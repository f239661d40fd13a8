"""Validation of the Allen-Cahn reference (ETDRK4 pseudo-spectral) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.problems._spectral1d import periodic_grid, solve_periodic
from physym.problems.allen_cahn import (
    PROBLEM,
    AllenCahnParams,
    AllenCahnPINN,
    allen_cahn_reference,
    initial_condition,
)


def _nonlinear(v: torch.Tensor, ops) -> torch.Tensor:
    return ops.forward(-5.0 * ops.inverse(v) ** 3)


def _solve(n: int, dt: float, t_final: float) -> np.ndarray:
    u0 = initial_condition(periodic_grid(n, -1.0, 2.0))
    return solve_periodic(u0, length=2.0, linear=lambda ops: 5.0 - 1e-4 * ops.k**2,
                          nonlinear=_nonlinear, t_final=t_final, n_snapshots=1, dt=dt)[-1]


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # measured (N=512, t=1, against dt/8): errors 3.5e-6, 2.0e-7, 1.2e-8; orders 4.12, 4.06
    ref = _solve(512, 0.005 / 8, 1.0)
    errors = [np.abs(_solve(512, dt, 1.0) - ref).max() for dt in (0.02, 0.01, 0.005)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 4.0) < 0.3), (errors, orders)


def test_resolution_convergence_is_limited_by_the_kink_of_u0() -> None:
    # u0 = x^2 cos(pi x) has a jump of u_x (4) at x = +-1, so the Fourier error decays
    # algebraically; measured at t = 0.3 against 4096 points: 1024 -> 3.1e-6, 2048 -> 6.3e-7
    fine = _solve(4096, 1e-3, 0.3)
    errors = [np.abs(_solve(n, 1e-3, 0.3) - fine[:: 4096 // n]).max() for n in (1024, 2048)]
    assert errors[1] < 1e-6 and errors[0] / errors[1] > 3.0, errors


def test_reference_on_the_evaluation_grid_and_in_time() -> None:
    coarse = AllenCahnParams(grid=1024, dt=2e-3, n_snapshots=100)
    problem = AllenCahnPINN(coarse)
    points = problem.evaluation_points()
    u = problem.exact(points)
    assert u.shape == (256 * 101, 1) and np.all(np.isfinite(u))
    # at t = 0 the reference is the initial condition; at the end u tends to +-1 plateaus
    grid = u[:, 0].reshape(256, 101)
    np.testing.assert_allclose(grid[:, 0], initial_condition(np.linspace(-1, 1, 256)),
                               atol=1e-4)  # trigonometric interpolation of the kink
    assert np.abs(grid[:, -1]).max() < 1.01 and np.abs(np.abs(grid[:, -1]) - 1).min() < 1e-3
    # the periodic solution stays even in x (u0 is even)
    np.testing.assert_allclose(grid, grid[::-1], atol=1e-9)
    # time interpolation between snapshots (degree-5 Lagrange) vs twice as many snapshots
    dense = allen_cahn_reference(AllenCahnParams(grid=1024, dt=2e-3, n_snapshots=200))
    x = np.linspace(-1, 1, 64)
    for t in (0.055, 0.505):
        err = np.abs(problem.reference()(x, np.full_like(x, t)) - dense(x, np.full_like(x, t)))
        assert err.max() < 1e-6, (t, err.max())


def test_deepxde_data_at_the_smoke_budget() -> None:
    problem = AllenCahnPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert [type(bc).__name__ for bc in data.bcs] == ["PeriodicBC", "PeriodicBC", "IC"]
    assert PROBLEM.name == "allen_cahn" and PROBLEM.task() is AllenCahnPINN
    with pytest.raises(ValueError, match="grid"):
        AllenCahnParams(grid=15)


@pytest.mark.slow
def test_reference_agrees_with_a_scipy_method_of_lines_solution() -> None:
    """DOP853 (rtol 1e-11) on the same 4096-point Fourier semi-discretisation, t = 1."""
    from scipy.integrate import solve_ivp

    p = AllenCahnParams()
    ref = allen_cahn_reference(p)
    n = p.grid
    k = 2 * np.pi * np.fft.rfftfreq(n, d=2.0 / n)
    lin = 5.0 - 1e-4 * k**2

    def rhs(_t: float, u: np.ndarray) -> np.ndarray:
        return np.fft.irfft(lin * np.fft.rfft(u), n=n) - 5.0 * u**3

    u0 = initial_condition(periodic_grid(n, -1.0, 2.0))
    sol = solve_ivp(rhs, (0.0, 1.0), u0, method="DOP853", rtol=1e-11, atol=1e-11,
                    t_eval=[0.25, 1.0])
    for i, t_index in enumerate((50, 200)):
        err = np.abs(sol.y[:, i] - ref.values[t_index]).max()
        assert err < 1e-8, (t_index, err)
