"""Validation of the Kuramoto-Sivashinsky reference (ETDRK4) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.problems.kuramoto_sivashinsky import (
    PROBLEM,
    KuramotoSivashinskyParams,
    KuramotoSivashinskyPINN,
    initial_condition,
    ks_reference,
)


def _solve(n: int, dt: float, t_final: float, n_snapshots: int = 1) -> np.ndarray:
    params = KuramotoSivashinskyParams(grid=n, dt=dt)
    return ks_reference(params, t_final=t_final, n_snapshots=n_snapshots).values


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # measured (N=256, t=0.1, against dt/4): 1.1e-7, 1.1e-8, 9.2e-10 (orders 3.3, 3.6,
    # approaching 4: the 512-point reference at t = 1 gives 2.4e-4, 1.8e-5, 1.1e-6 for
    # dt = 4e-4, 2e-4, 1e-4, orders 3.75, 3.98)
    ref = _solve(256, 2.5e-5, 0.1)[-1]
    errors = [np.abs(_solve(256, dt, 0.1)[-1] - ref).max() for dt in (4e-4, 2e-4, 1e-4)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 3.0) and orders[-1] > 3.4, (errors, orders)


def test_spectral_convergence_in_resolution() -> None:
    # measured at t = 0.3 against 512 points: 128 -> 2.0e-3, 256 -> 6.4e-8
    fine = _solve(512, 2e-4, 0.3)[-1]
    errors = [np.abs(_solve(n, 2e-4, 0.3)[-1] - fine[:: 512 // n]).max() for n in (128, 256)]
    assert errors[1] < 1e-6 and errors[0] / errors[1] > 1e3, errors


def test_mean_is_conserved_and_the_solution_is_bounded() -> None:
    values = _solve(256, 2e-4, 1.0, n_snapshots=20)
    assert np.abs(values.mean(axis=1)).max() < 1e-13  # mean of cos x (1 + sin x) is 0
    assert np.abs(values).max() < 4.0


def test_reference_on_the_evaluation_grid_and_data() -> None:
    problem = KuramotoSivashinskyPINN(KuramotoSivashinskyParams(grid=128, dt=1e-3,
                                                                n_snapshots=100))
    u = problem.exact(problem.evaluation_points())
    assert u.shape == (256 * 101, 1)
    grid = u[:, 0].reshape(256, 101)
    np.testing.assert_allclose(grid[:, 0], initial_condition(np.linspace(0, 2 * np.pi, 256)),
                               atol=1e-13)
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert [type(bc).__name__ for bc in data.bcs] == ["PeriodicBC", "PeriodicBC", "IC"]
    assert PROBLEM.name == "kuramoto_sivashinsky" and PROBLEM.task() is KuramotoSivashinskyPINN
    with pytest.raises(ValueError, match="gamma"):
        KuramotoSivashinskyParams(gamma=0.0)


@pytest.mark.slow
def test_reference_agrees_with_a_scipy_method_of_lines_solution() -> None:
    """Radau (rtol 1e-10) on the 512-point dealiased Fourier system vs the reference."""
    from scipy.integrate import solve_ivp

    p = KuramotoSivashinskyParams()
    ref = ks_reference(p)
    n = p.grid
    k = np.fft.rfftfreq(n, d=1.0 / n)  # period 2 pi: angular wavenumber = mode number
    k_odd = k.copy()
    k_odd[-1] = 0.0
    keep = (3 * np.arange(k.size) < n).astype(float)
    lin = p.beta * k**2 - p.gamma * k**4

    def rhs(_t: float, u: np.ndarray) -> np.ndarray:
        v = np.fft.rfft(u)
        w = np.fft.irfft(v * keep, n=n)
        return np.fft.irfft(lin * v - 0.5j * p.alpha * k_odd * keep * np.fft.rfft(w * w), n=n)

    eye = np.eye(n)
    lin_matrix = np.fft.irfft(lin[:, None] * np.fft.rfft(eye, axis=0), n=n, axis=0)
    proj = np.fft.irfft(keep[:, None] * np.fft.rfft(eye, axis=0), n=n, axis=0)
    deriv = np.fft.irfft((1j * k_odd * keep)[:, None] * np.fft.rfft(eye, axis=0), n=n, axis=0)

    def jac(_t: float, u: np.ndarray) -> np.ndarray:
        w = proj @ u
        return lin_matrix - p.alpha * deriv @ (w[:, None] * proj)

    u0 = initial_condition(np.arange(n) * 2 * np.pi / n)
    sol = solve_ivp(rhs, (0.0, 1.0), u0, method="Radau", jac=jac, rtol=1e-10, atol=1e-10,
                    t_eval=[0.5, 1.0])
    for i, t_index in enumerate((100, 200)):
        err = np.abs(sol.y[:, i] - ref.values[t_index]).max()
        assert err < 1e-5, (t_index, err)
