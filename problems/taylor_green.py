r"""Decaying Taylor-Green vortex: unsteady 2-D incompressible Navier-Stokes, exact solution.

On :math:`(x, y) \in [0, 1]^2`, :math:`t \in [0, 1]`:

.. math::
    u_t + u u_x + v u_y + p_x = \nu \Delta u, \qquad
    v_t + u v_x + v v_y + p_y = \nu \Delta v, \qquad u_x + v_y = 0,

with :math:`\nu = 0.01` and, for :math:`k = 2\pi` (one vortex pair per unit length),

.. math::
    u = -\cos kx \, \sin ky \, e^{-2\nu k^2 t}, \qquad
    v = \sin kx \, \cos ky \, e^{-2\nu k^2 t}, \qquad
    p = -\tfrac14 (\cos 2kx + \cos 2ky) \, e^{-4\nu k^2 t}

(Taylor & Green 1937; the velocity decays by :math:`e^{-0.79}` over the window). The
nonlinear terms balance the pressure gradient exactly, so the flow is an exact solution of
the full equations, not only of the Stokes equations.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._flow import navier_stokes_jet_residual, navier_stokes_terms
from physym.problems._suite import suite_budgets

__all__ = ["TaylorGreenParams", "TaylorGreenPINN", "taylor_green_exact", "PROBLEM"]


@dataclass(frozen=True)
class TaylorGreenParams:
    """Parameters of the Taylor-Green PINN.

    Attributes
    ----------
    nu : float
        Kinematic viscosity (default 0.01).
    mode : int
        Vortex pairs per unit length, ``k = 2 pi mode`` (default 1).
    t_final : float
        End of the time window (default 1).
    """

    nu: float = 0.01
    mode: int = 1
    t_final: float = 1.0

    def __post_init__(self) -> None:
        for name in ("nu", "t_final"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if int(self.mode) != self.mode or self.mode < 1:
            raise ValueError(f"mode must be a positive integer, got {self.mode}")


def taylor_green_exact(x: np.ndarray, y: np.ndarray, t: np.ndarray,
                       params: TaylorGreenParams | None = None) -> tuple[np.ndarray, ...]:
    """Exact ``(u, v, p)`` at broadcastable ``x, y, t``; float64 arrays of the broadcast shape."""
    p = params or TaylorGreenParams()
    k = 2.0 * np.pi * p.mode
    x, y, t = (np.asarray(a, dtype=np.float64) for a in (x, y, t))
    decay = np.exp(-2.0 * p.nu * k**2 * t)
    u = -np.cos(k * x) * np.sin(k * y) * decay
    v = np.sin(k * x) * np.cos(k * y) * decay
    pressure = -0.25 * (np.cos(2 * k * x) + np.cos(2 * k * y)) * decay**2
    return np.broadcast_arrays(u, v, pressure)


class TaylorGreenPINN(PINNProblem):
    """Taylor-Green vortex PINN: 2-D Navier-Stokes, nu = 0.01, [0, 1]^2 x [0, 1]; outputs u, v, p.

    Residuals: x- and y-momentum and continuity. Conditions: ``u`` and ``v`` from
    :func:`taylor_green_exact` on the whole spatial boundary (``DirichletBC``) and at
    ``t = 0`` (``IC``); ``p`` on the face ``x = 0`` (which fixes the pressure constant, as
    the outflow condition of the Kovasznay problem does). The reference is the exact
    solution (rounding-level accurate), scored on a 41 x 41 x 11 grid in ``(x, y, t)``
    (three inputs: ``--plot`` is refused).
    """

    Params = TaylorGreenParams
    input_names = ("x", "y", "t")
    output_names = ("u", "v", "p")
    budgets = suite_budgets(domain=(200, 2000, 4000, 8192), boundary=(40, 400, 1000, 2048),
                            initial=(40, 400, 1000, 2048))

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        nu = self.params.nu
        geom = dde.geometry.GeometryXTime(dde.geometry.Rectangle([0.0, 0.0], [1.0, 1.0]),
                                          dde.geometry.TimeDomain(0.0, self.params.t_final))

        def residual(x: Any, y: Any) -> list[Any]:
            (u_x, u_y, u_t), (v_x, v_y, v_t), (p_x, p_y) = (
                [dde.grad.jacobian(y, x, i=c, j=j) for j in range(n)]
                for c, n in ((0, 3), (1, 3), (2, 2)))
            lap_u, lap_v = (dde.grad.hessian(y, x, component=c, i=0, j=0)
                            + dde.grad.hessian(y, x, component=c, i=1, j=1) for c in range(2))
            return navier_stokes_terms(y[:, 0:1], y[:, 1:2], (u_x, u_y), (v_x, v_y),
                                       (p_x, p_y), lap_u, lap_v, nu, (u_t, v_t))

        def values(component: int) -> Any:
            return lambda x: self.exact(x)[:, component : component + 1]

        boundary = lambda _, on_boundary: on_boundary  # noqa: E731
        face = lambda x, on_b: on_b and bool(np.isclose(x[0], 0.0))  # noqa: E731
        initial = lambda _, on_initial: on_initial  # noqa: E731
        bcs = [dde.icbc.DirichletBC(geom, values(0), boundary, component=0),
               dde.icbc.DirichletBC(geom, values(1), boundary, component=1),
               dde.icbc.DirichletBC(geom, values(2), face, component=2),
               dde.icbc.IC(geom, values(0), initial, component=0),
               dde.icbc.IC(geom, values(1), initial, component=1)]
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> list[Any]:
        """Momentum and continuity from the jet (the residuals of :meth:`deepxde_data`)."""
        return navier_stokes_jet_residual(jet, visc=self.params.nu, unsteady=True)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return np.stack(taylor_green_exact(points[:, 0], points[:, 1], points[:, 2],
                                           self.params), axis=-1)

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 41), "y": np.linspace(0.0, 1.0, 41),
                "t": np.linspace(0.0, self.params.t_final, 11)}


PROBLEM = ProblemFamily(
    name="taylor_green",
    tasks={"pinn": TaylorGreenPINN},
    default_task="pinn",
    summary="2-D decaying Taylor-Green vortex, Navier-Stokes nu = 0.01, outputs u, v, p (exact)",
)
