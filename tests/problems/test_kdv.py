"""Validation of the KdV reference (ETDRK4 pseudo-spectral) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.problems._spectral1d import periodic_grid, solve_periodic
from physym.problems.kdv import (
    PROBLEM,
    KdVParams,
    KdVPINN,
    initial_condition,
    kdv_invariants,
    kdv_nonlinear,
    kdv_reference,
)


def _solve(n: int, dt: float, t_final: float, n_snapshots: int = 1) -> np.ndarray:
    return solve_periodic(initial_condition(periodic_grid(n, -1.0, 2.0)), length=2.0,
                          linear=lambda ops: 1j * 0.0025 * ops.k_odd**3,
                          nonlinear=kdv_nonlinear, t_final=t_final, n_snapshots=n_snapshots,
                          dt=dt)


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # measured (N=128, t=0.5, against dt/8): 4.9e-6, 3.1e-7, 1.9e-8; orders 3.98, 4.00
    ref = _solve(128, 1e-3 / 4, 0.5)[-1]
    errors = [np.abs(_solve(128, dt, 0.5)[-1] - ref).max() for dt in (4e-3, 2e-3, 1e-3)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 4.0) < 0.3), (errors, orders)


def test_spectral_convergence_in_resolution() -> None:
    # measured at t = 1 against 256 points: 64 -> 6.1e-4, 128 -> 2.1e-8
    fine = _solve(256, 1e-3, 1.0)[-1]
    errors = [np.abs(_solve(n, 1e-3, 1.0)[-1] - fine[:: 256 // n]).max() for n in (64, 128)]
    assert errors[1] < 1e-7 and errors[0] / errors[1] > 1e3, errors


def test_mass_and_energy_are_conserved() -> None:
    values = _solve(128, 1e-3, 1.0, n_snapshots=20)
    inv = kdv_invariants(values)
    assert np.abs(inv["mass"] - inv["mass"][0]).max() < 1e-13  # measured 1.1e-16
    drift = np.abs(inv["energy"] / inv["energy"][0] - 1).max()
    assert drift < 1e-7, drift  # measured 6.2e-9 at dt = 1e-3 (ETDRK4 is not symplectic)


def test_reference_on_the_evaluation_grid() -> None:
    problem = KdVPINN(KdVParams(grid=128, dt=1e-3, n_snapshots=100))
    u = problem.exact(problem.evaluation_points())
    assert u.shape == (256 * 101, 1)
    grid = u[:, 0].reshape(256, 101)
    np.testing.assert_allclose(grid[:, 0], np.cos(np.pi * np.linspace(-1, 1, 256)),
                               atol=1e-13)
    assert 1.5 < grid[:, -1].max() < 3.0  # the leading soliton is taller than u0
    # time interpolation between snapshots vs a run with twice as many snapshots
    dense = kdv_reference(KdVParams(grid=128, dt=1e-3, n_snapshots=200))
    x = np.linspace(-1, 1, 64)
    err = np.abs(problem.reference()(x, np.full_like(x, 0.505))
                 - dense(x, np.full_like(x, 0.505))).max()
    assert err < 1e-6, err


def test_deepxde_data_at_the_smoke_budget() -> None:
    problem = KdVPINN()
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert [type(bc).__name__ for bc in data.bcs] == ["PeriodicBC", "PeriodicBC", "IC"]
    assert PROBLEM.name == "kdv" and PROBLEM.task() is KdVPINN
    with pytest.raises(ValueError, match="delta"):
        KdVParams(delta=-1.0)


@pytest.mark.slow
def test_reference_agrees_with_a_scipy_method_of_lines_solution() -> None:
    """Integrating-factor DOP853 (rtol 1e-12) on 256 Fourier points vs the default reference."""
    from scipy.integrate import solve_ivp

    ref = kdv_reference(KdVParams())
    n = 256
    k = 2 * np.pi * np.fft.rfftfreq(n, d=2.0 / n)
    k[-1] = 0.0
    lin = 1j * 0.0025 * k**3
    keep = 3 * np.arange(k.size) < n

    def rhs(t: float, w: np.ndarray) -> np.ndarray:
        v = np.exp(lin * t) * w * keep
        u = np.fft.irfft(v, n=n)
        return np.exp(-lin * t) * (-0.5j * k * keep) * np.fft.rfft(u * u)

    w0 = np.fft.rfft(initial_condition(periodic_grid(n, -1.0, 2.0)))
    sol = solve_ivp(rhs, (0.0, 1.0), w0, method="DOP853", rtol=1e-12, atol=1e-12,
                    t_eval=[0.5, 1.0])
    for i, (t, t_index) in enumerate(((0.5, 100), (1.0, 200))):
        u = np.fft.irfft(np.exp(lin * t) * sol.y[:, i], n=n)
        err = np.abs(u - ref.values[t_index][:: ref.values.shape[1] // n]).max()
        assert err < 1e-9, (t, err)
