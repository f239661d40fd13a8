"""Validation of the NLS reference (ETDRK4 on the complex field) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest

from physym.models.pinn import load_deepxde as _load_deepxde
from physym.problems.schrodinger import (
    PROBLEM,
    SchrodingerParams,
    SchrodingerPINN,
    breather_whole_line,
    nls_invariants,
    nls_reference,
)


def _solve(n: int, dt: float, t_final: float, n_snapshots: int = 1) -> np.ndarray:
    params = SchrodingerParams(grid=n, dt=dt)
    return nls_reference(params, t_final=t_final, n_snapshots=n_snapshots).values


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # measured (N=128, t=pi/4, against dt/8): 7.3e-6, 6.3e-7, 4.2e-8; orders 3.54, 3.92
    ref = _solve(128, 1e-3 / 4, np.pi / 4)[-1]
    errors = [np.abs(_solve(128, dt, np.pi / 4)[-1] - ref).max() for dt in (4e-3, 2e-3, 1e-3)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert orders[0] > 3.2 and abs(orders[1] - 4.0) < 0.3, (errors, orders)


def test_resolution_convergence_is_limited_by_the_boundary_kink() -> None:
    # h_x of 2 sech x jumps by 0.054 across x = +-5: algebraic convergence; measured at
    # t = pi/2 against 512 points: 128 -> 1.0e-4, 256 -> 3.6e-5
    fine = _solve(512, 1e-3, np.pi / 2)[-1]
    errors = [np.abs(_solve(n, 1e-3, np.pi / 2)[-1] - fine[:: 512 // n]).max()
              for n in (128, 256)]
    assert errors[1] < 1e-4 and errors[0] / errors[1] > 2.0, errors


def test_mass_and_hamiltonian_are_conserved() -> None:
    values = _solve(256, 1e-3, np.pi / 2, n_snapshots=10)
    inv = nls_invariants(values)
    mass_drift = np.abs(inv["mass"] / inv["mass"][0] - 1).max()
    ham_drift = np.abs(inv["hamiltonian"] / inv["hamiltonian"][0] - 1).max()
    # measured 1.4e-10 and 8.0e-9: the semi-discretisation conserves the mass exactly,
    # ETDRK4 both invariants only to its accuracy
    assert mass_drift < 1e-9, mass_drift
    assert ham_drift < 1e-4, ham_drift


def test_reference_is_close_to_the_whole_line_breather() -> None:
    # the periodic box truncates the sech tails (2 sech 5 ~ 0.027): differences ~1e-2
    problem = SchrodingerPINN(SchrodingerParams(grid=256, dt=1e-3, n_snapshots=100))
    x = np.linspace(-2, 2, 81)
    for t in (0.0, np.pi / 8, np.pi / 4, np.pi / 2):
        pts = np.stack([x, np.full_like(x, t)], 1)
        uv = problem.exact(pts)
        h = uv[:, 0] + 1j * uv[:, 1]
        assert np.abs(h - breather_whole_line(x, t)).max() < 0.1


def test_outputs_modulus_metric_and_data() -> None:
    problem = SchrodingerPINN(SchrodingerParams(grid=256, dt=1e-3, n_snapshots=100))
    points = problem.evaluation_points()
    exact = problem.exact(points)
    assert points.shape == (256 * 201, 2) and exact.shape == (256 * 201, 2)
    np.testing.assert_allclose(exact[points[:, 1] == 0, 0],
                               2 / np.cosh(points[points[:, 1] == 0, 0]), atol=1e-13)
    assert problem.output_metrics(points, exact, exact)["modulus_error"] == 0.0
    rotated = np.stack([-exact[:, 1], exact[:, 0]], 1)  # i h has the same modulus
    assert problem.output_metrics(points, rotated, exact)["modulus_error"] < 1e-15
    budget = problem.budget("smoke")
    data = problem.deepxde_data(_load_deepxde(), budget)
    n_all = budget.num_domain + budget.num_boundary + budget.num_initial
    assert data.train_x_all.shape == (n_all, 2)
    assert [type(bc).__name__ for bc in data.bcs] == ["PeriodicBC"] * 4 + ["IC"] * 2
    assert PROBLEM.name == "schrodinger" and PROBLEM.task() is SchrodingerPINN
    with pytest.raises(ValueError, match="dt"):
        SchrodingerParams(dt=0.0)


@pytest.mark.slow
def test_reference_agrees_with_a_scipy_method_of_lines_solution() -> None:
    """Integrating-factor DOP853 (rtol 1e-11) on the same 1024-point grid vs the reference."""
    from scipy.integrate import solve_ivp

    p = SchrodingerParams()
    ref = nls_reference(p)
    n = p.grid
    k = 2 * np.pi * np.fft.fftfreq(n, d=10.0 / n)
    lin = -0.5j * k**2

    def rhs(t: float, w: np.ndarray) -> np.ndarray:
        h = np.fft.ifft(np.exp(lin * t) * w)
        return np.exp(-lin * t) * np.fft.fft(1j * np.abs(h) ** 2 * h)

    w0 = np.fft.fft(2.0 / np.cosh(-5.0 + 10.0 * np.arange(n) / n)).astype(complex)
    sol = solve_ivp(rhs, (0.0, np.pi / 2), w0, method="DOP853", rtol=1e-11, atol=1e-9,
                    t_eval=[np.pi / 4, np.pi / 2])
    for i, (t, t_index) in enumerate(((np.pi / 4, 100), (np.pi / 2, 200))):
        h = np.fft.ifft(np.exp(lin * t) * sol.y[:, i])
        err = np.abs(h - ref.values[t_index]).max()
        assert err < 1e-5, (t, err)
