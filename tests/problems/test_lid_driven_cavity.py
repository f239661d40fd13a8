"""Validation of the lid-driven cavity reference (stream function-vorticity, Newton) and PINN data.

Published comparison: U. Ghia, K. N. Ghia & C. T. Shin, "High-Re solutions for
incompressible flow using the Navier-Stokes equations and a multigrid method",
J. Comput. Phys. 48 (1982) 387-411, Table I (u along the vertical centreline x = 0.5) and
Table II (v along the horizontal centreline y = 0.5), Re = 100 column, 129 x 129 grid.
Their coordinates are the grid points k/128, printed to four digits.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from numpy.polynomial import Polynomial

from physym.models.pinn_checks import deepxde_residuals
from physym.problems.lid_driven_cavity import (
    PROBLEM,
    TOLERANCE,
    LidDrivenCavityParams,
    LidDrivenCavityPINN,
    solve_cavity,
)

#: Ghia et al. (1982) Table I, Re = 100: (grid point k of 0..128, y = k/128, u(0.5, y)).
GHIA_U = ((128, 1.0000, 1.00000), (125, 0.9766, 0.84123), (124, 0.9688, 0.78871),
          (123, 0.9609, 0.73722), (122, 0.9531, 0.68717), (109, 0.8516, 0.23151),
          (94, 0.7344, 0.00332), (79, 0.6172, -0.13641), (64, 0.5000, -0.20581),
          (58, 0.4531, -0.21090), (36, 0.2813, -0.15662), (22, 0.1719, -0.10150),
          (13, 0.1016, -0.06434), (9, 0.0703, -0.04775), (8, 0.0625, -0.04192),
          (7, 0.0547, -0.03717), (0, 0.0000, 0.00000))
#: Ghia et al. (1982) Table II, Re = 100: (grid point k, x = k/128, v(x, 0.5)).
GHIA_V = ((128, 1.0000, 0.00000), (124, 0.9688, -0.05906), (123, 0.9609, -0.07391),
          (122, 0.9531, -0.08864), (121, 0.9453, -0.10313), (116, 0.9063, -0.16914),
          (110, 0.8594, -0.22445), (103, 0.8047, -0.24533), (64, 0.5000, 0.05454),
          (30, 0.2344, 0.17527), (29, 0.2266, 0.17507), (20, 0.1563, 0.16077),
          (12, 0.0938, 0.12317), (10, 0.0781, 0.10890), (9, 0.0703, 0.10091),
          (8, 0.0625, 0.09233), (0, 0.0000, 0.00000))
#: Ghia et al. (1982) Table III, Re = 100: primary vortex stream function and grid point.
GHIA_PSI_MIN, GHIA_VORTEX = -0.103423, (79, 94)

RE = 100.0


@functools.lru_cache(maxsize=None)
def _cavity(n: int) -> dict[str, np.ndarray]:
    return solve_cavity(n, RE)


def _corner_distance(n: int) -> np.ndarray:
    s = np.linspace(0.0, 1.0, n + 1)
    x, y = np.meshgrid(s, s, indexing="ij")
    return np.minimum(np.hypot(x, y - 1), np.hypot(x - 1, y - 1))


# --------------------------------------------------------------- manufactured solution
_G = 16 * Polynomial([0, 0, 1]) * Polynomial([1, -1]) ** 2  # 16 x^2 (1 - x)^2: lid speed
_H = Polynomial([0, 0, 1]) * Polynomial([-1, 1])  # y^2 (y-1): H(0)=H'(0)=H(1)=0, H'(1)=1


def _psi(x: np.ndarray, y: np.ndarray, i: int, j: int) -> np.ndarray:
    """d^(i+j) psi / dx^i dy^j of the manufactured psi = G(x) H(y)."""
    return _G.deriv(i)(x) * _H.deriv(j)(y)


def _manufactured(n: int) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, ...]]:
    """psi, omega, u, v, p = cos(pi x) cos(pi y) at the nodes, the lid and the body force."""
    s = np.linspace(0.0, 1.0, n + 1)
    x, y = np.meshgrid(s, s, indexing="ij")
    u, v = _psi(x, y, 0, 1), -_psi(x, y, 1, 0)
    ux, uy, vx, vy = _psi(x, y, 1, 1), _psi(x, y, 0, 2), -_psi(x, y, 2, 0), -_psi(x, y, 1, 1)
    lap_u, lap_v = _psi(x, y, 2, 1) + _psi(x, y, 0, 3), -_psi(x, y, 3, 0) - _psi(x, y, 1, 2)
    p = np.cos(np.pi * x) * np.cos(np.pi * y)
    fx = u * ux + v * uy - np.pi * np.sin(np.pi * x) * np.cos(np.pi * y) - lap_u / RE
    fy = u * vx + v * vy - np.pi * np.cos(np.pi * x) * np.sin(np.pi * y) - lap_v / RE
    exact = {"psi": _psi(x, y, 0, 0), "omega": -_psi(x, y, 2, 0) - _psi(x, y, 0, 2),
             "u": u, "v": v, "p": p}
    return exact, _G(s), (fx, fy)


def test_manufactured_solution_converges_at_second_order() -> None:
    # psi = 16 x^2 (1-x)^2 y^2 (y-1) (lid speed 16 x^2 (1-x)^2), p = cos(pi x) cos(pi y)
    # (p(0.5, 0.5) = 0: the solver's gauge), Re = 100, body force from the momentum
    # equation. Measured max errors, n = 32 / 64 / 128: psi 4.5e-4 / 1.1e-4 / 2.8e-5,
    # omega (walls included) 0.11 / 0.030 / 7.6e-3, u 2.5e-3 / 6.1e-4 / 1.5e-4,
    # v 3.4e-3 / 8.6e-4 / 2.2e-4, p 3.2e-3 / 9.2e-4 / 2.6e-4 (max; worst on the walls
    # next to the corners); RMS of the p error 9.2e-4 / 2.3e-4 / 5.7e-5.
    errors, rms = [], []
    for n in (32, 64, 128):
        exact, lid, force = _manufactured(n)
        sol = solve_cavity(n, RE, lid=lid, force=force)
        assert sol["residual"][0] < TOLERANCE and sol["iterations"][0] <= 8
        errors.append([np.abs(sol[k] - exact[k]).max() for k in ("psi", "omega", "u", "v", "p")])
        rms.append(np.sqrt(np.mean((sol["p"] - exact["p"]) ** 2)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders[:, [0, 2, 3]] > 1.95) and np.all(orders[:, 1] > 1.85), orders
    assert np.all(orders[:, 4] > 1.7) and orders[1, 4] > orders[0, 4], orders  # p, max norm
    rms_orders = np.log2(np.array(rms[:-1]) / np.array(rms[1:]))
    assert np.all(rms_orders > 1.95), rms_orders
    assert errors[-1][4] < 3e-4 and rms[-1] < 6e-5, (errors, rms)


# ------------------------------------------------------------------- the cavity itself
def test_grid_convergence_and_the_corner_singularity() -> None:
    # differences on the 33 x 33 common nodes, n = 32 -> 64 -> 128. Away from the lid
    # corners (distance >= 0.3) measured max |u| 1.1e-2 -> 2.6e-3, |v| 1.6e-2 -> 3.9e-3,
    # |p| 8.0e-3 -> 1.9e-3: orders 2.07, 2.01, 2.12; psi (everywhere) 3.1e-3 -> 7.5e-4
    # (2.06). Over all nodes the corner singularity limits the order: max |u| 0.117 ->
    # 0.048 (1.28, at the node (31/32, 31/32) next to the velocity jump), and the pressure
    # at the lid corners grows like 1/h (2.70, 5.06, 9.67 for n = 64, 128, 256).
    far = _corner_distance(32) >= 0.3
    diffs = {k: [] for k in ("u", "v", "p", "psi", "u_all")}
    for a, b in ((32, 64), (64, 128)):
        coarse, fine = _cavity(a), _cavity(b)
        for k in ("u", "v", "p", "psi"):
            d = coarse[k][:: a // 32, :: a // 32] - fine[k][:: b // 32, :: b // 32]
            diffs[k].append(np.abs(d if k == "psi" else d[far]).max())
            if k == "u":
                diffs["u_all"].append(np.abs(d).max())
    order = {k: math.log2(e[0] / e[1]) for k, e in diffs.items()}
    assert all(order[k] > 1.9 for k in ("u", "v", "p", "psi")), (order, diffs)
    assert 0.8 < order["u_all"] < 1.7 and diffs["u_all"][1] > 0.02, (order, diffs)
    corner = [_cavity(n)["p"][-1, -1] for n in (32, 64, 128)]
    assert all(1.6 < b / a < 2.2 for a, b in zip(corner[:-1], corner[1:])), corner


def test_agrees_with_ghia_ghia_shin_at_129_points() -> None:
    # 129 x 129 nodes, the grid of Ghia et al.: measured max deviation 4.2e-3 (u, at
    # y = 0.9531) and 8.4e-3 (v, at x = 0.8594); psi_min -0.103325 at Ghia's grid point
    # (0.6172, 0.7344), Ghia -0.103423.
    sol = _cavity(128)
    assert sol["residual"][0] < TOLERANCE and sol["iterations"][0] <= 8
    du = max(abs(sol["u"][64, k] - value) for k, _, value in GHIA_U)
    dv = max(abs(sol["v"][k, 64] - value) for k, _, value in GHIA_V)
    assert du < 5e-3 and dv < 1e-2, (du, dv)
    assert np.unravel_index(np.argmin(sol["psi"]), sol["psi"].shape) == GHIA_VORTEX
    assert abs(sol["psi"].min() - GHIA_PSI_MIN) < 2e-4, sol["psi"].min()


def _momentum_residual(sol: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference ``|grad p + (u.grad)u - lap u / Re|`` and ``|(u.grad)u|`` inside."""
    n = sol["u"].shape[0] - 1
    h = 1.0 / n
    res, conv = [], []
    for c, f in enumerate((sol["u"], sol["v"])):
        f_x = (f[2:, 1:-1] - f[:-2, 1:-1]) / (2 * h)
        f_y = (f[1:-1, 2:] - f[1:-1, :-2]) / (2 * h)
        lap = (f[2:, 1:-1] + f[:-2, 1:-1] + f[1:-1, 2:] + f[1:-1, :-2] - 4 * f[1:-1, 1:-1]) / h**2
        p = sol["p"]
        p_c = ((p[2:, 1:-1] - p[:-2, 1:-1]) if c == 0 else (p[1:-1, 2:] - p[1:-1, :-2])) / (2 * h)
        adv = sol["u"][1:-1, 1:-1] * f_x + sol["v"][1:-1, 1:-1] * f_y
        res.append(p_c + adv - lap / RE)
        conv.append(adv)
    return np.hypot(*res), np.hypot(*conv)


def test_pressure_satisfies_the_momentum_equation() -> None:
    # the pressure comes from a least-squares fit of grad p to the momentum balance on the
    # grid edges; the node-centred momentum residual (its own central differences) away
    # from the lid corners (distance >= 0.2), relative to max |(u.grad)u| there, measured
    # 3.4e-2 (n = 64), 8.6e-3 (128), 2.4e-3 (256): order 2, the truncation error of the
    # check itself (a wrong Neumann datum would leave an O(1) residual)
    rel = []
    for n in (64, 128):
        res, conv = _momentum_residual(_cavity(n))
        far = _corner_distance(n)[1:-1, 1:-1] >= 0.2
        rel.append(res[far].max() / conv[far].max())
    assert rel[1] < 1e-2 and math.log2(rel[0] / rel[1]) > 1.8, rel
    assert _cavity(128)["p"][64, 64] == 0.0  # the gauge


# ------------------------------------------------------------------------ PINN data
def test_reference_scoring_grid_and_gauge_free_metrics() -> None:
    problem = LidDrivenCavityPINN(LidDrivenCavityParams(grid=64))
    pts = problem.evaluation_points()
    ref = problem.exact(pts)
    assert pts.shape == (65 * 64, 2) and ref.shape == (65 * 64, 3) and pts[:, 1].max() < 1
    sol = solve_cavity(64, RE)  # the scoring grid is the solver's nodes without the lid row
    expected = np.stack([sol[k][:, :-1].ravel() for k in ("u", "v", "p")], axis=-1)
    np.testing.assert_allclose(ref, expected, atol=1e-13)
    walls = (pts[:, 0] == 0) | (pts[:, 0] == 1) | (pts[:, 1] == 0)
    assert np.abs(ref[walls, :2]).max() == 0.0
    on_lid = problem.exact(np.array([[0.5, 0.5], [19 / 64, 1.0]]))  # nodes: stored values
    np.testing.assert_allclose(on_lid, [[sol["u"][32, 32], sol["v"][32, 32], 0.0],
                                        [1.0, 0.0, sol["p"][19, 64]]], atol=1e-12)
    # a prediction off by a constant pressure has no gauge-free pressure error
    shifted = ref + np.array([0.0, 0.0, 0.3])
    metrics = problem.output_metrics(pts, shifted, ref)
    assert set(metrics) == {"p_gauge_free_error", "p_far_error"}
    assert max(metrics.values()) < 1e-12
    # an error next to a lid corner counts in the first, not in the second
    near = np.flatnonzero((pts[:, 0] == 1) & (pts[:, 1] == 63 / 64))
    shifted[near, 2] += 1.0
    metrics = problem.output_metrics(pts, shifted, ref)
    assert metrics["p_gauge_free_error"] > 0.1 and metrics["p_far_error"] < 1e-12, metrics


def test_deepxde_residuals_and_conditions() -> None:
    problem = LidDrivenCavityPINN(LidDrivenCavityParams(grid=64))
    # the Kovasznay flow solves the steady Navier-Stokes equations at any Re: residuals zero
    lam = RE / 2 - math.sqrt(RE**2 / 4 + 4 * math.pi**2)

    def kovasznay(x: torch.Tensor) -> torch.Tensor:
        e = torch.exp(lam * x[:, 0:1])
        return torch.cat([1 - e * torch.cos(2 * math.pi * x[:, 1:2]),
                          lam / (2 * math.pi) * e * torch.sin(2 * math.pi * x[:, 1:2]),
                          0.5 * (1 - e * e)], dim=1)

    pde, conditions = deepxde_residuals(problem, kovasznay)
    assert len(pde) == 3 and max(pde) < 1e-10, pde
    assert [c for c, _ in conditions] == ["DirichletBC", "DirichletBC", "PointSetBC"]

    def cavity_data(lid: float):
        def field(x: torch.Tensor) -> torch.Tensor:
            u = lid * (x[:, 1:2] == 1.0).to(x.dtype)
            zero = 0 * (x[:, 0:1] ** 2 + x[:, 1:2] ** 2)  # differentiable twice
            return torch.cat([u, zero, zero], dim=1) + zero
        return field

    _, conditions = deepxde_residuals(problem, cavity_data(1.0))
    assert max(e for _, e in conditions) == 0.0, conditions  # u = 1 on the lid, 0 elsewhere
    _, conditions = deepxde_residuals(problem, cavity_data(0.0))
    assert [e for _, e in conditions] == [1.0, 0.0, 0.0], conditions  # lid points exist
    assert PROBLEM.name == "lid_driven_cavity" and PROBLEM.task() is LidDrivenCavityPINN


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"re": 0.0}, "re"), ({"re": float("nan")}, "re"), ({"re": 1000.0}, "re"),
    ({"grid": 100}, "grid"), ({"grid": 32}, "grid"), ({"grid": 1024}, "grid")])
def test_parameters_are_validated(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LidDrivenCavityParams(**kwargs)


def test_smoke_training_reports_the_pressure_metrics() -> None:
    from physym.expansion import Expansion
    from physym.models.pinn import fit_pinn

    problem = LidDrivenCavityPINN(LidDrivenCavityParams(grid=64))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fit = fit_pinn(problem, model="fnn", expansion=Expansion(4),
                       budget=problem.budget("smoke"), seed=0, device=torch.device("cpu"))
    finally:
        torch.set_num_threads(previous)
    assert fit.prediction.shape == (65 * 64, 3) and math.isfinite(fit.error)
    assert {"error_u", "error_v", "error_p", "p_gauge_free_error", "p_far_error"} <= set(
        fit.metrics)


# ----------------------------------------------------------------------------- slow
@pytest.mark.slow
def test_finer_grid_richardson() -> None:
    # generation time of the default reference (n = 128): benchmarks/bench_references.py;
    # n = 256 took 20 s (1 thread, shared 2-core CPU). Away from the lid corners (>= 0.3) max differences 64 -> 128 -> 256: u 2.6e-3,
    # 6.2e-4; v 3.9e-3, 9.8e-4; p 1.9e-3, 4.4e-4 (orders 2.05, 1.99, 2.08). Richardson
    # (128, 256) on Ghia's points: the 129^2 solution is within 7.3e-4 (u) / 9.4e-4 (v) of
    # it, Ghia's table within 4.9e-3 / 9.3e-3: the deviation from Ghia is Ghia's, not the
    # reference's. On the scoring grid, 128 vs 256 (relative L2): u 6.4e-3, v 5.9e-3,
    # p 3.4e-2, pooled 1.3e-2; at >= 0.1 from the lid corners 1.6e-3, 2.6e-3, 6.2e-3.
    problem = LidDrivenCavityPINN()
    problem.reference()
    coarse, sol, fine = _cavity(64), _cavity(128), solve_cavity(256, RE)
    assert fine["residual"][0] < TOLERANCE
    far = _corner_distance(64) >= 0.3
    for k in ("u", "v", "p"):
        d = [np.abs((a[k][::m, ::m] - b[k][:: 2 * m, :: 2 * m])[far]).max()
             for a, b, m in ((coarse, sol, 1), (sol, fine, 2))]  # on the 65 x 65 nodes
        assert math.log2(d[0] / d[1]) > 1.9, (k, d)
    rich_u = np.array([(4 * fine["u"][128, 2 * k] - sol["u"][64, k]) / 3 for k, _, _ in GHIA_U])
    rich_v = np.array([(4 * fine["v"][2 * k, 128] - sol["v"][k, 64]) / 3 for k, _, _ in GHIA_V])
    ours_u = np.array([sol["u"][64, k] for k, _, _ in GHIA_U])
    ours_v = np.array([sol["v"][k, 64] for k, _, _ in GHIA_V])
    assert np.abs(ours_u - rich_u).max() < 1.5e-3 and np.abs(ours_v - rich_v).max() < 1.5e-3
    ghia_u, ghia_v = (np.array([g for *_, g in t]) for t in (GHIA_U, GHIA_V))
    assert np.abs(rich_u - ghia_u).max() < 6e-3 and np.abs(rich_v - ghia_v).max() < 1.1e-2
    pts = problem.evaluation_points()
    ref = problem.exact(pts)
    finer = np.stack([fine[k][::4, ::4][:, :-1].ravel() for k in ("u", "v", "p")], axis=-1)
    assert np.linalg.norm(ref - finer) / np.linalg.norm(finer) < 2e-2
    dist = np.minimum(np.hypot(pts[:, 0], pts[:, 1] - 1), np.hypot(pts[:, 0] - 1, pts[:, 1] - 1))
    away = dist >= 0.1
    assert np.linalg.norm((ref - finer)[away]) / np.linalg.norm(finer[away]) < 5e-3
