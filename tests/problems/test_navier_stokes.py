"""Validation of the 2-D Navier-Stokes numerics and both tasks of ``navier_stokes``."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import physym
from physym.problems._grf import sample_periodic_grf_2d
from physym.problems.navier_stokes import (
    KovasznayPINN,
    NavierStokesOperator,
    NavierStokesOperatorParams,
    fno_forcing,
    kovasznay,
    solve_vorticity,
)

PROBLEM = "physym.problems.navier_stokes:PROBLEM"
NS_GRF = {"alpha": 2.5, "tau": 7.0, "sigma": 7.0**1.5}


def _grid(s: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(s, dtype=torch.float64) / s
    return torch.meshgrid(x, x, indexing="ij")


def _rel(w: torch.Tensor, ref: torch.Tensor) -> float:
    return float((w - ref).abs().max() / ref.abs().max())


# --------------------------------------------------------------------------- solver
def test_taylor_green_decay() -> None:
    """sin(2 pi x) sin(2 pi y) (+ a mode of equal |k|) decays exactly by exp(-8 pi^2 nu t)."""
    x, y = _grid(32)
    w0 = torch.stack([torch.sin(2 * math.pi * x) * torch.sin(2 * math.pi * y),
                      1.5 * torch.cos(2 * math.pi * x) * torch.cos(2 * math.pi * y)
                      + 0.5 * torch.sin(2 * math.pi * x) * torch.cos(2 * math.pi * y)])
    nu = 0.01
    exact = w0 * math.exp(-8 * math.pi**2 * nu * 1.0)
    errors = []
    for dt in (1 / 50, 1 / 100):
        w = solve_vorticity(w0, nu=nu, t_final=1.0, n_snapshots=2, dt=dt)
        assert w.shape == (2, 2, 32, 32) and w.dtype == torch.float64
        errors.append(_rel(w[:, -1], exact))
        assert float(w.mean(dim=(-1, -2)).abs().max()) < 1e-14  # mean vorticity stays zero
    assert errors[1] <= 1e-6
    assert 3.0 < errors[0] / errors[1] < 5.0  # second order (Crank-Nicolson)


def test_advection_sign_and_forcing() -> None:
    """Initial rate of w = a sin 2 pi x + b sin 4 pi y is -u.grad w = 1.5 a b cos cos, and
    Kolmogorov forcing F sin 2 pi y builds up F / (nu K^2) (1 - exp(-nu K^2 t)) sin 2 pi y."""
    x, y = _grid(32)
    a, b, t = 1.0, 0.7, 1e-3
    w0 = (a * torch.sin(2 * math.pi * x) + b * torch.sin(4 * math.pi * y))[None]
    rate = (solve_vorticity(w0, nu=0.0, t_final=t, dt=t / 4)[:, -1] - w0) / t
    expected = 1.5 * a * b * torch.cos(2 * math.pi * x) * torch.cos(4 * math.pi * y)
    assert _rel(rate, expected[None]) < 2e-3  # O(t) Taylor remainder

    nu, amp, k2 = 0.05, 0.3, (2 * math.pi) ** 2
    w = solve_vorticity(torch.zeros(1, 32, 32, dtype=torch.float64), nu=nu, t_final=2.0,
                        forcing=amp * torch.sin(2 * math.pi * y), n_snapshots=4)
    exact = amp / (nu * k2) * (1 - math.exp(-nu * k2 * 2.0)) * torch.sin(2 * math.pi * y)
    assert _rel(w[:, -1], exact[None]) < 1e-5


def test_inviscid_conservation() -> None:
    """nu = 0, f = 0: the dealiased Galerkin system conserves enstrophy and energy up to the
    RK3 error, which must fall like cfl^3 (a dealiasing bug leaves a cfl-independent ~1e-3)."""
    gen = torch.Generator().manual_seed(0)
    w0 = 10 * sample_periodic_grf_2d(4, 32, generator=gen, **NS_GRF)  # max |u| + |v| ~ 0.8

    def drifts(cfl: float) -> tuple[float, float]:
        w = solve_vorticity(w0, nu=0.0, t_final=0.5, cfl=cfl)[:, -1]
        assert float((w - w0).norm() / w0.norm()) > 0.3  # the flow really evolves
        ens = lambda z: (z * z).mean(dim=(-1, -2))  # noqa: E731
        k2 = (2 * math.pi) ** 2 * (torch.fft.fftfreq(32, 1 / 32)[:, None] ** 2
                                   + torch.fft.rfftfreq(32, 1 / 32)[None, :] ** 2)
        weight = torch.ones_like(k2)
        weight[:, 1:-1] = 2.0  # rfft half-plane
        energy = lambda z: (weight * torch.fft.rfft2(z).abs() ** 2  # noqa: E731
                            / torch.where(k2 > 0, k2, math.inf)).sum(dim=(-1, -2))
        return (float(((ens(w) - ens(w0)) / ens(w0)).abs().max()),
                float(((energy(w) - energy(w0)) / energy(w0)).abs().max()))

    coarse, fine = drifts(0.5), drifts(0.25)
    assert fine[0] < 3e-5 and fine[1] < 1e-6
    assert coarse[0] / fine[0] > 4.0  # converges with the step: not a spatial error


def test_solver_rejects_bad_input() -> None:
    w0 = torch.zeros(2, 16, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="shape"):
        solve_vorticity(w0[:, :, :8], nu=0.01, t_final=1.0)
    with pytest.raises(ValueError, match="forcing"):
        solve_vorticity(w0, nu=0.01, t_final=1.0, forcing=torch.zeros(8, 8))
    with pytest.raises(ValueError, match="stride"):
        solve_vorticity(w0, nu=0.01, t_final=1.0, stride=3)


# --------------------------------------------------------------------------- operator task
def test_operator_generate_and_pdebench_round_trip() -> None:
    problem = NavierStokesOperator(NavierStokesOperatorParams(n_in=3, n_out=2))
    assert (problem.in_channels, problem.out_channels, problem.n_dim) == (3, 2, 2)
    x, y = problem.generate(3, resolution=16, seed=5, device=torch.device("cpu"))
    assert x.shape == (3, 3, 16, 16) and y.shape == (3, 2, 16, 16)
    assert torch.isfinite(x).all() and torch.isfinite(y).all()
    x2, _ = problem.generate(3, resolution=16, seed=5, device=torch.device("cpu"))
    assert torch.equal(x, x2)  # seeded

    xs, ys = x.numpy(), y.numpy()
    files = problem.to_pdebench(xs, ys)
    assert files["tensor"].shape == (3, 5, 16, 16)
    np.testing.assert_allclose(files["t-coordinate"], [1.0, 2.0, 3.0, 4.0, 5.0])
    back_x, back_y = problem.from_pdebench(files)
    np.testing.assert_array_equal(back_x, xs)
    np.testing.assert_array_equal(back_y, ys)
    # a longer record (the FNO T=50 file for a shorter n_out) is read from its start
    longer = {"tensor": np.concatenate([files["tensor"], files["tensor"]], axis=1)}
    assert problem.from_pdebench(longer)[1].shape == (3, 2, 16, 16)

    with pytest.raises(ValueError, match="n_in \\+ n_out"):
        problem.from_pdebench({"tensor": files["tensor"][:, :4]})
    with pytest.raises(ValueError, match="shape"):
        problem.from_pdebench({"tensor": files["tensor"][:, :, :, 0]})
    with pytest.raises(ValueError, match="t-coordinate"):
        problem.from_pdebench({"tensor": files["tensor"], "t-coordinate": np.arange(5.0)})
    with pytest.raises(ValueError, match="tensor"):
        problem.from_pdebench({"u": files["tensor"]})


def test_operator_params_validation() -> None:
    with pytest.raises(ValueError, match="n_in, n_out"):
        NavierStokesOperatorParams(n_out=0)
    with pytest.raises(ValueError, match="solver_dtype"):
        NavierStokesOperatorParams(solver_dtype="float16")
    with pytest.raises(ValueError, match="divide"):
        NavierStokesOperatorParams(solver_resolution=48).grid(32)
    assert fno_forcing(8).shape == (8, 8)


# --------------------------------------------------------------------------- PINN task
def test_kovasznay_solves_steady_navier_stokes() -> None:
    re = 20.0
    gen = torch.Generator().manual_seed(0)
    pts = torch.rand(200, 2, generator=gen, dtype=torch.float64) * torch.tensor([1.5, 2.0])
    pts = (pts - torch.tensor([0.5, 0.5])).requires_grad_(True)
    u, v, p = kovasznay(pts[:, 0], pts[:, 1], re=re)

    def grad(f: torch.Tensor) -> torch.Tensor:
        return torch.autograd.grad(f.sum(), pts, create_graph=True)[0]

    (u_x, u_y), (v_x, v_y), (p_x, p_y) = grad(u).T, grad(v).T, grad(p).T
    lap_u = grad(u_x)[:, 0] + grad(u_y)[:, 1]
    lap_v = grad(v_x)[:, 0] + grad(v_y)[:, 1]
    residuals = torch.stack([u * u_x + v * u_y + p_x - lap_u / re,
                             u * v_x + v * v_y + p_y - lap_v / re, u_x + v_y])
    assert float(residuals.detach().abs().max()) < 1e-10
    # numpy path agrees with the torch path, and exact() stacks (u, v, p)
    values = KovasznayPINN().exact(pts.detach().numpy())
    assert values.shape == (200, 3)
    np.testing.assert_allclose(values[:, 0], u.detach().numpy(), rtol=1e-14)


# --------------------------------------------------------------------------- smoke runs
@pytest.mark.parametrize(("task", "layout"), [("operator", "channels"), ("pinn", "append")])
def test_smoke_budget(task: str, layout: str) -> None:
    comp = physym.compare(PROBLEM, task=task, expansion=physym.Expansion(2, layout=layout),
                          budget="smoke", seeds=1, device="cpu")
    for result in comp.baseline + comp.expanded:
        assert result.status == "ok", result.reason
        assert math.isfinite(result.error)
