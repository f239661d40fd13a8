r"""Korteweg-de Vries equation with periodic boundaries (Raissi et al. 2019), ETDRK4 reference.

On :math:`x \in [-1, 1]` (periodic), :math:`t \in [0, 1]`:

.. math::
    u_t + u u_x + \delta u_{xxx} = 0, \qquad \delta = 0.0025, \qquad u(x, 0) = \cos \pi x

(the Zabusky-Kruskal setting as used by Raissi, Perdikaris & Karniadakis, J. Comput. Phys.
378 (2019) 686, section 4.1.2 with :math:`\lambda_1 = 1`, :math:`\lambda_2 = 0.0025`).
The cosine steepens and breaks into a train of solitons.

Reference: :func:`physym.problems._spectral1d.solve_periodic` (Fourier pseudo-spectral,
ETDRK4 with Kassam-Trefethen coefficients, float64) with linear part :math:`i\delta k^3`
and the conservative nonlinear part :math:`-\tfrac12 (u^2)_x` with 2/3-rule dealiasing, on
512 points with step 1e-4, 200 snapshots; cached as HDF5. The dealiased semi-discretisation
conserves :func:`kdv_invariants` (mass and energy) exactly; the time stepping conserves them
to its own accuracy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import ProblemFamily
from physym.problems._suite import suite_budgets

from physym.problems._spectral1d import (PeriodicReferencePINN, PeriodicSolution, Spectral1D,
                                         periodic_reference)

__all__ = ["KdVPINN", "KdVParams", "kdv_reference", "kdv_invariants", "PROBLEM"]

LOWER, LENGTH, T_FINAL = -1.0, 2.0, 1.0


@dataclass(frozen=True)
class KdVParams:
    """Parameters of the KdV PINN and of its reference solver.

    Attributes
    ----------
    delta : float
        Dispersion coefficient (benchmark: 0.0025).
    grid : int
        Points of the spectral reference (even; default 512).
    dt : float
        Largest ETDRK4 step of the reference (default 1e-4).
    n_snapshots : int
        Stored reference snapshots (time intervals; default 200, every 0.005).
    """

    delta: float = 0.0025
    grid: int = 512
    dt: float = 1e-4
    n_snapshots: int = 200

    def __post_init__(self) -> None:
        for name in ("delta", "dt"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.grid < 16 or self.grid % 2:
            raise ValueError(f"grid must be an even integer >= 16, got {self.grid}")
        if self.n_snapshots < 2:
            raise ValueError(f"n_snapshots must be >= 2, got {self.n_snapshots}")


def initial_condition(x: np.ndarray) -> np.ndarray:
    """``u(x, 0) = cos(pi x)``, shape of ``x``."""
    return np.cos(np.pi * x)


def kdv_nonlinear(v_hat: torch.Tensor, ops: Spectral1D) -> torch.Tensor:
    """``-(u^2 / 2)_x`` in Fourier space, 2/3-dealiased (factors and product)."""
    u = ops.inverse(v_hat * ops.mask)
    return (-0.5j * ops.k_odd * ops.mask) * ops.forward(u * u)


def kdv_reference(params: KdVParams | None = None, *, t_final: float = T_FINAL,
                  n_snapshots: int | None = None) -> PeriodicSolution:
    """The cached ETDRK4 solution on ``[-1, 1) x [0, t_final]`` for ``params``."""
    p = params or KdVParams()
    return periodic_reference(
        "reference-kdv", {"problem": "kdv", "delta": p.delta},
        u0=initial_condition, lower=LOWER, length=LENGTH, n=p.grid,
        linear=lambda ops: 1j * p.delta * ops.k_odd**3, nonlinear=kdv_nonlinear,
        t_final=t_final, n_snapshots=n_snapshots or p.n_snapshots, dt=p.dt)


def kdv_invariants(values: np.ndarray, length: float = LENGTH) -> dict[str, np.ndarray]:
    """Mass ``int u dx`` and energy ``int u^2 dx`` of grid snapshots ``(T, n)`` -> ``(T,)``.

    The periodic trapezoidal rule is exact for the (dealiased) trigonometric polynomials.
    """
    dx = length / values.shape[-1]
    return {"mass": values.sum(axis=-1) * dx, "energy": (values**2).sum(axis=-1) * dx}


class KdVPINN(PeriodicReferencePINN):
    """KdV PINN: u_t + u u_x + 0.0025 u_xxx = 0, x in [-1, 1] periodic, t in [0, 1].

    ``u(x, 0) = cos(pi x)``; periodic conditions on ``u`` and ``u_x``
    (``dde.icbc.PeriodicBC`` supports no higher derivatives). Reference:
    :func:`kdv_reference`, scored on a 256 x 101 grid. Its accuracy (tests/problems/test_kdv.py
    and docs): spectrally converged in space (256 vs 512 points agree to ~1e-15), ETDRK4
    order 4 in time with an error ~1e-11 at the default step, mass conserved to rounding
    and energy to ~1e-12.
    """

    Params = KdVParams
    input_names = ("x", "t")
    output_names = ("u",)
    budgets = suite_budgets(initial=(20, 200, 400, 2048))
    #: smoke checks: 128 points, dt 1e-3, as its data test (512 points: about 4 s)
    smoke_params = {"grid": "128", "dt": "1e-3", "n_snapshots": "100"}

    lower, length, t_final = LOWER, LENGTH, T_FINAL

    def compute_reference(self) -> PeriodicSolution:
        return kdv_reference(self.params)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        delta = self.params.delta
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(LOWER, LOWER + LENGTH),
                                          dde.geometry.TimeDomain(0.0, T_FINAL))

        def residual(x: Any, y: Any) -> Any:
            u_x = dde.grad.jacobian(y, x, i=0, j=0)
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xxx = dde.grad.jacobian(dde.grad.hessian(y, x, i=0, j=0), x, i=0, j=0)
            return u_t + y * u_x + delta * u_xxx

        boundary = lambda _, on_boundary: on_boundary  # noqa: E731
        bcs = [dde.icbc.PeriodicBC(geom, 0, boundary, derivative_order=order)
               for order in (0, 1)]
        bcs.append(dde.icbc.IC(geom, lambda x: initial_condition(x[:, 0:1]),
                               lambda _, on_initial: on_initial))
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)


PROBLEM = ProblemFamily(
    name="kdv",
    tasks={"pinn": KdVPINN},
    default_task="pinn",
    summary="1-D Korteweg-de Vries u_t + u u_x + 0.0025 u_xxx = 0, periodic (ETDRK4 reference)",
)
