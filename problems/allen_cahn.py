r"""Allen-Cahn equation with periodic boundaries (Raissi et al. 2019), ETDRK4 reference.

On :math:`x \in [-1, 1]` (periodic), :math:`t \in [0, 1]`:

.. math::
    u_t = \epsilon u_{xx} + 5u - 5u^3, \qquad \epsilon = 10^{-4}, \qquad
    u(x, 0) = x^2 \cos \pi x ,

with :math:`u(-1, t) = u(1, t)` and :math:`u_x(-1, t) = u_x(1, t)` (Raissi, Perdikaris &
Karniadakis, J. Comput. Phys. 378 (2019) 686, section 4.2). The solution develops
metastable interfaces of width :math:`\sim\sqrt{2\epsilon/5} \approx 0.006`.

Reference: :func:`physym.problems._spectral1d.solve_periodic` (Fourier pseudo-spectral,
ETDRK4 with Kassam-Trefethen coefficients, float64) with linear part
:math:`5 - \epsilon k^2` and nonlinear part :math:`-5u^3`, no dealiasing, on 4096 points with
step 5e-4, 200 snapshots; cached as HDF5.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.equivariance import Symmetry, reflect_first_input
from physym.problem import ProblemFamily
from physym.problems._suite import suite_budgets

from physym.problems._spectral1d import (PeriodicReferencePINN, PeriodicSolution, Spectral1D,
                                         periodic_reference)

__all__ = ["AllenCahnPINN", "AllenCahnParams", "allen_cahn_reference", "PROBLEM"]

LOWER, LENGTH, T_FINAL = -1.0, 2.0, 1.0


@dataclass(frozen=True)
class AllenCahnParams:
    """Parameters of the Allen-Cahn PINN and of its reference solver.

    Attributes
    ----------
    epsilon : float
        Diffusion coefficient (benchmark: 1e-4).
    reaction : float
        Coefficient ``r`` of ``r (u - u^3)`` (benchmark: 5).
    grid : int
        Points of the spectral reference (even; default 4096).
    dt : float
        Largest ETDRK4 step of the reference (default 5e-4).
    n_snapshots : int
        Stored reference snapshots (time intervals; default 200, every 0.005).
    """

    epsilon: float = 1e-4
    reaction: float = 5.0
    grid: int = 4096
    dt: float = 5e-4
    n_snapshots: int = 200

    def __post_init__(self) -> None:
        for name in ("epsilon", "reaction", "dt"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.grid < 16 or self.grid % 2:
            raise ValueError(f"grid must be an even integer >= 16, got {self.grid}")
        if self.n_snapshots < 2:
            raise ValueError(f"n_snapshots must be >= 2, got {self.n_snapshots}")


def initial_condition(x: np.ndarray) -> np.ndarray:
    """``u(x, 0) = x^2 cos(pi x)``, shape of ``x``."""
    return x**2 * np.cos(np.pi * x)


def allen_cahn_reference(params: AllenCahnParams | None = None) -> PeriodicSolution:
    """The cached ETDRK4 solution on ``[-1, 1) x [0, 1]`` for ``params``."""
    p = params or AllenCahnParams()

    def nonlinear(v_hat: torch.Tensor, ops: Spectral1D) -> torch.Tensor:
        u = ops.inverse(v_hat)
        return ops.forward(-p.reaction * u**3)

    return periodic_reference(
        "reference-allen_cahn", {"problem": "allen_cahn", "epsilon": p.epsilon,
                                 "reaction": p.reaction},
        u0=initial_condition, lower=LOWER, length=LENGTH, n=p.grid,
        linear=lambda ops: p.reaction - p.epsilon * ops.k**2, nonlinear=nonlinear,
        t_final=T_FINAL, n_snapshots=p.n_snapshots, dt=p.dt)


class AllenCahnPINN(PeriodicReferencePINN):
    """Allen-Cahn PINN: u_t = 1e-4 u_xx + 5u - 5u^3, x in [-1, 1] periodic, t in [0, 1].

    ``u(x, 0) = x^2 cos(pi x)``; periodic conditions on ``u`` and ``u_x``
    (``dde.icbc.PeriodicBC``). Reference: :func:`allen_cahn_reference`, scored on a
    256 x 101 grid. Its accuracy, measured against 8192 points with half the step and
    against half the step alone (tests/problems/test_allen_cahn.py and docs): time-stepping
    error 8e-12; the spatial error is limited by the kink of ``u0`` at the periodic boundary
    (``u_x`` jumps by 4 at ``x = +-1``) and largest early: max 1.5e-5 near t = 0.01,
    2e-6 at t = 0.1, 2e-8 at t = 0.5, 8e-11 at t = 1; relative L2 over the evaluation grid
    3e-7. At ``t = 0`` the exact initial condition is returned.
    """

    Params = AllenCahnParams
    input_names = ("x", "t")
    output_names = ("u",)
    budgets = suite_budgets(initial=(20, 200, 400, 2048))

    lower, length, t_final = LOWER, LENGTH, T_FINAL

    def symmetries(self) -> tuple[Symmetry, ...]:
        """``u(-x, t) = u(x, t)``: ``u0`` is even and the equation keeps that."""
        return (Symmetry("x -> -x", reflect_first_input, lambda u: u),)

    def compute_reference(self) -> PeriodicSolution:
        return allen_cahn_reference(self.params)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        p = self.params
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(LOWER, LOWER + LENGTH),
                                          dde.geometry.TimeDomain(0.0, T_FINAL))

        def residual(x: Any, y: Any) -> Any:
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            return u_t - p.epsilon * u_xx - p.reaction * (y - y**3)

        boundary = lambda _, on_boundary: on_boundary  # noqa: E731
        bcs = [dde.icbc.PeriodicBC(geom, 0, boundary, derivative_order=0),
               dde.icbc.PeriodicBC(geom, 0, boundary, derivative_order=1),
               dde.icbc.IC(geom, lambda x: initial_condition(x[:, 0:1]),
                           lambda _, on_initial: on_initial)]
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0,)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t - eps u_xx - r (u - u^3)`` from the jet (the residual of :meth:`deepxde_data`)."""
        p, u = self.params, jet.value()
        return jet.d(1) - p.epsilon * jet.dd(0) - p.reaction * (u - u**3)


PROBLEM = ProblemFamily(
    name="allen_cahn",
    tasks={"pinn": AllenCahnPINN},
    default_task="pinn",
    summary="1-D Allen-Cahn u_t = 1e-4 u_xx + 5u - 5u^3, periodic (ETDRK4 reference)",
)
