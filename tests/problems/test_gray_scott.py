"""Validation of the Gray-Scott reference (ETDRK4 pseudo-spectral, 2-D) and of its PINN data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from physym.models.pinn_checks import deepxde_residuals
from physym.problems.gray_scott import (
    PROBLEM,
    GrayScottParams,
    GrayScottPINN,
    grid_nodes,
    initial_field,
    solve,
)


def _upsample(w: np.ndarray, n_fine: int) -> np.ndarray:
    """Trigonometric interpolation of periodic ``(..., n, n)`` fields onto ``n_fine^2``."""
    n, h = w.shape[-1], w.shape[-1] // 2
    spec = np.fft.fft2(w)
    out = np.zeros(w.shape[:-2] + (n_fine, n_fine), dtype=complex)
    dst, src = np.r_[0:h, n_fine - h:n_fine], np.r_[0:h, n - h:n]
    out[..., dst[:, None], dst[None, :]] = spec[..., src[:, None], src[None, :]]
    return np.real(np.fft.ifft2(out)) * (n_fine / n) ** 2


def test_etdrk4_converges_at_fourth_order_in_time() -> None:
    # 64^2 (the same discrete system for every step), t in [0, 20], against dt = 0.025:
    # measured order 4.1 on 128^2 over [0, 200] (dt 0.2, 0.1 vs 0.05; docstring)
    ref = solve(GrayScottParams(grid=64, dt=0.025), t_final=20.0, n_snapshots=1)[-1]
    errors = [np.abs(solve(GrayScottParams(grid=64, dt=dt), t_final=20.0,
                           n_snapshots=1)[-1] - ref).max() for dt in (0.4, 0.2)]
    order = np.log2(errors[0] / errors[1])
    assert 3.5 < order < 4.7 and errors[1] < 1e-6, (errors, order)


def test_spatial_convergence_is_fast() -> None:
    # t = 10, against 192^2: doubling the grid cuts the relative L2 error by > 4x
    fine = solve(GrayScottParams(grid=192), t_final=10.0, n_snapshots=1)[-1]
    errors = []
    for n in (64, 128):
        coarse = _upsample(solve(GrayScottParams(grid=n), t_final=10.0, n_snapshots=1)[-1], 192)
        errors.append(np.linalg.norm(coarse - fine) / np.linalg.norm(fine))
    assert errors[1] < 1e-2 and errors[0] / errors[1] > 4, errors


def test_mass_balance_law() -> None:
    # integrating over the torus, diffusion drops out and u v^2 cancels in the sum:
    # d/dt <u + v> = b (1 - <u>) - d <v>   (<.> the domain mean)
    p = GrayScottParams(grid=64, dt=0.05)
    w = solve(p, t_final=20.0, n_snapshots=200)  # every 0.1
    mean = w.mean(axis=(2, 3))  # (T, 2)
    rate = p.b * (1 - mean[:, 0]) - p.d * mean[:, 1]
    t = np.linspace(0.0, 20.0, 201)
    # Simpson on each pair of intervals
    lhs = (mean[2::2].sum(1) - mean[:-2:2].sum(1))
    rhs = (t[2] - t[0]) / 6 * (rate[:-2:2] + 4 * rate[1:-1:2] + rate[2::2])
    assert np.abs(lhs - rhs).max() < 1e-7, np.abs(lhs - rhs).max()
    # the v spot decays at first: decay d beats growth while u is depleted at its centre
    assert w[-1, 1].max() < 0.9 * w[0, 1].max()


def test_reference_and_deepxde_data() -> None:
    problem = GrayScottPINN(GrayScottParams(grid=64, n_snapshots=25))
    pts = problem.evaluation_points()
    w = problem.exact(pts)
    assert pts.shape == (65 * 65 * 51, 3) and w.shape == (65 * 65 * 51, 2)
    start = pts[:, 2] == 0
    np.testing.assert_allclose(w[start].T, initial_field(pts[start, 0], pts[start, 1]),
                               atol=1e-6)  # float32 storage
    left, right = pts[:, 0] == -1, pts[:, 0] == 1
    np.testing.assert_allclose(w[left], w[right], atol=1e-12)  # periodic

    def initial_torch(x: torch.Tensor) -> torch.Tensor:
        u = 1 - torch.exp(-80 * ((x[:, 0:1] + 0.05) ** 2 + (x[:, 1:2] + 0.02) ** 2))
        v = torch.exp(-80 * ((x[:, 0:1] - 0.05) ** 2 + (x[:, 1:2] - 0.02) ** 2))
        return torch.cat([u, v], dim=1) + 0 * x[:, 2:3]

    _, conditions = deepxde_residuals(problem, initial_torch)
    assert [c for c, _ in conditions] == ["PeriodicBC"] * 8 + ["IC"] * 2
    # the time-independent initial field meets the IC and (to 1e-20) the periodic conditions
    assert max(e for _, e in conditions) < 1e-5, conditions
    assert PROBLEM.name == "gray_scott" and PROBLEM.task() is GrayScottPINN
    assert np.allclose(grid_nodes(4), [-1, -0.5, 0, 0.5])
    with pytest.raises(ValueError, match="grid"):
        GrayScottParams(grid=100)
    with pytest.raises(ValueError, match="eps1"):
        GrayScottParams(eps1=-1.0)


@pytest.mark.slow
def test_default_reference_against_a_finer_grid() -> None:
    # measured: 256^2 vs 384^2 relative L2 4.8e-4 at t = 200 (3.8e-4 at t = 50)
    fine = solve(GrayScottParams(grid=384), t_final=50.0, n_snapshots=1)[-1]
    ref = _upsample(solve(GrayScottParams(), t_final=50.0, n_snapshots=1)[-1], 384)
    assert np.linalg.norm(ref - fine) / np.linalg.norm(fine) < 1e-3
