r"""Kuramoto-Sivashinsky equation (PINNacle's chaotic KS), ETDRK4 reference.

On :math:`x \in [0, 2\pi]` (periodic), :math:`t \in [0, 1]`:

.. math::
    u_t + \alpha u u_x + \beta u_{xx} + \gamma u_{xxxx} = 0, \qquad
    \alpha = \tfrac{100}{16}, \ \beta = \tfrac{100}{16^2}, \ \gamma = \tfrac{100}{16^4},
    \qquad u(x, 0) = \cos x\,(1 + \sin x),

which is the Kassam-Trefethen (2005) example :math:`u_t = -u u_x - u_{xx} - u_{xxxx}` on
:math:`[0, 32\pi]` rescaled by :math:`x \to x/16`, :math:`t \to t/100` (Hao et al. 2023,
arXiv:2306.08827, "KS"). The dynamics is chaotic: small errors grow roughly like
:math:`e^{t/0.2}` in the rescaled time.

Reference: :func:`physym.problems._spectral1d.solve_periodic` (Fourier pseudo-spectral,
ETDRK4 with Kassam-Trefethen coefficients, float64) with linear part
:math:`\beta k^2 - \gamma k^4` and the conservative nonlinear part
:math:`-\tfrac{\alpha}{2}(u^2)_x` with 2/3-rule dealiasing, on 512 points with step 5e-5,
200 snapshots; cached as HDF5. The mean of ``u`` is conserved exactly.
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

__all__ = ["KuramotoSivashinskyPINN", "KuramotoSivashinskyParams", "ks_reference", "PROBLEM"]

LOWER, LENGTH, T_FINAL = 0.0, 2.0 * np.pi, 1.0


@dataclass(frozen=True)
class KuramotoSivashinskyParams:
    """Parameters of the KS PINN and of its reference solver.

    Attributes
    ----------
    alpha, beta, gamma : float
        Coefficients of ``u u_x``, ``u_xx`` and ``u_xxxx`` (benchmark: 100/16, 100/16^2,
        100/16^4).
    grid : int
        Points of the spectral reference (even; default 512).
    dt : float
        Largest ETDRK4 step of the reference (default 5e-5).
    n_snapshots : int
        Stored reference snapshots (time intervals; default 200, every 0.005).
    """

    alpha: float = 100.0 / 16
    beta: float = 100.0 / 16**2
    gamma: float = 100.0 / 16**4
    grid: int = 512
    dt: float = 5e-5
    n_snapshots: int = 200

    def __post_init__(self) -> None:
        for name in ("alpha", "beta", "gamma", "dt"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.grid < 16 or self.grid % 2:
            raise ValueError(f"grid must be an even integer >= 16, got {self.grid}")
        if self.n_snapshots < 2:
            raise ValueError(f"n_snapshots must be >= 2, got {self.n_snapshots}")


def initial_condition(x: np.ndarray) -> np.ndarray:
    """``u(x, 0) = cos(x) (1 + sin(x))``, shape of ``x``."""
    return np.cos(x) * (1.0 + np.sin(x))


def ks_reference(params: KuramotoSivashinskyParams | None = None, *, t_final: float = T_FINAL,
                 n_snapshots: int | None = None) -> PeriodicSolution:
    """The cached ETDRK4 solution on ``[0, 2 pi) x [0, t_final]`` for ``params``."""
    p = params or KuramotoSivashinskyParams()

    def nonlinear(v_hat: torch.Tensor, ops: Spectral1D) -> torch.Tensor:
        u = ops.inverse(v_hat * ops.mask)
        return (-0.5j * p.alpha * ops.k_odd * ops.mask) * ops.forward(u * u)

    return periodic_reference(
        "reference-ks", {"problem": "kuramoto_sivashinsky", "alpha": p.alpha, "beta": p.beta,
                         "gamma": p.gamma},
        u0=initial_condition, lower=LOWER, length=LENGTH, n=p.grid,
        linear=lambda ops: p.beta * ops.k**2 - p.gamma * ops.k**4, nonlinear=nonlinear,
        t_final=t_final, n_snapshots=n_snapshots or p.n_snapshots, dt=p.dt)


class KuramotoSivashinskyPINN(PeriodicReferencePINN):
    """Kuramoto-Sivashinsky PINN: u_t + a u u_x + b u_xx + c u_xxxx = 0, x in [0, 2 pi] periodic.

    ``a, b, c = 100/16, 100/16^2, 100/16^4``, ``t in [0, 1]``, ``u(x, 0) = cos x (1 + sin x)``;
    periodic conditions on ``u`` and ``u_x`` (``dde.icbc.PeriodicBC`` supports no higher
    derivatives). Reference: :func:`ks_reference`, scored on a 256 x 101 grid.
    Its accuracy (tests/problems/test_kuramoto_sivashinsky.py and docs): ETDRK4 order 4 in
    time, max error ~1e-7 at the default step; 512 vs 1024 points agree to ~1e-10 (256
    points: ~1e-6); the mean of ``u`` is conserved to rounding.
    """

    Params = KuramotoSivashinskyParams
    input_names = ("x", "t")
    output_names = ("u",)
    budgets = suite_budgets(initial=(20, 200, 400, 2048))
    #: smoke checks: 128 points, dt 1e-3, as its data test (512 points: about 10 s)
    smoke_params = {"grid": "128", "dt": "1e-3", "n_snapshots": "100"}

    lower, length, t_final = LOWER, LENGTH, T_FINAL

    def compute_reference(self) -> PeriodicSolution:
        return ks_reference(self.params)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        p = self.params
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(LOWER, LOWER + LENGTH),
                                          dde.geometry.TimeDomain(0.0, T_FINAL))

        def residual(x: Any, y: Any) -> Any:
            u_x = dde.grad.jacobian(y, x, i=0, j=0)
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            u_xxxx = dde.grad.hessian(u_xx, x, i=0, j=0)
            return u_t + p.alpha * y * u_x + p.beta * u_xx + p.gamma * u_xxxx

        boundary = lambda _, on_boundary: on_boundary  # noqa: E731
        bcs = [dde.icbc.PeriodicBC(geom, 0, boundary, derivative_order=order)
               for order in (0, 1)]
        bcs.append(dde.icbc.IC(geom, lambda x: initial_condition(x[:, 0:1]),
                               lambda _, on_initial: on_initial))
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)


PROBLEM = ProblemFamily(
    name="kuramoto_sivashinsky",
    tasks={"pinn": KuramotoSivashinskyPINN},
    default_task="pinn",
    summary="1-D Kuramoto-Sivashinsky (chaotic), x in [0, 2 pi] periodic (ETDRK4 reference)",
)
