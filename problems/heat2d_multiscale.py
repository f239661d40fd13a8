r"""2-D anisotropic multi-scale heat equation (PINNacle's Heat2D-MS), exact solution.

On :math:`(x, y) \in [0, 1]^2`, :math:`t \in [0, 5]`:

.. math::
    u_t = \frac{1}{(500\pi)^2} u_{xx} + \frac{1}{\pi^2} u_{yy}, \qquad
    u(x, y, 0) = \sin 20\pi x \sin \pi y, \qquad u = 0 \text{ on the boundary},

whose exact solution is :math:`u = e^{-(1 + 0.0016) t} \sin 20\pi x \sin \pi y`
(:math:`(20\pi)^2 / (500\pi)^2 = 0.0016`). The solution oscillates 20 times faster in ``x``
than in ``y`` and decays slowly (Hao et al. 2023, arXiv:2306.08827, "Heat2d-MS"; PINNacle
scores it against a stored numerical solution, physym against the exact one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["Heat2DMultiscalePINN", "Heat2DMultiscaleParams", "heat_multiscale_exact", "PROBLEM"]


@dataclass(frozen=True)
class Heat2DMultiscaleParams:
    """Parameters of the multi-scale heat PINN.

    Attributes
    ----------
    kx, ky : float
        Diffusivities ``1/(500 pi)^2`` and ``1/pi^2`` of the benchmark.
    mx, my : int
        Initial data ``sin(mx pi x) sin(my pi y)`` (benchmark: 20 and 1).
    t_final : float
        End of the time interval (benchmark: 5).
    """

    kx: float = 1.0 / (500.0 * np.pi) ** 2
    ky: float = 1.0 / np.pi**2
    mx: int = 20
    my: int = 1
    t_final: float = 5.0

    def __post_init__(self) -> None:
        for name in ("kx", "ky", "t_final"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.mx < 1 or self.my < 1:
            raise ValueError(f"mx and my must be positive integers, got {self.mx}, {self.my}")

    @property
    def decay(self) -> float:
        """Decay rate ``kx (mx pi)^2 + ky (my pi)^2`` (benchmark: 1.0016)."""
        return self.kx * (self.mx * np.pi) ** 2 + self.ky * (self.my * np.pi) ** 2


def heat_multiscale_exact(x: np.ndarray, y: np.ndarray, t: np.ndarray,
                          params: Heat2DMultiscaleParams | None = None) -> np.ndarray:
    """Exact solution ``exp(-decay t) sin(mx pi x) sin(my pi y)``; broadcast shape, float64."""
    p = params or Heat2DMultiscaleParams()
    x, y, t = (np.asarray(a, dtype=np.float64) for a in (x, y, t))
    return np.exp(-p.decay * t) * np.sin(p.mx * np.pi * x) * np.sin(p.my * np.pi * y)


class Heat2DMultiscalePINN(PINNProblem):
    """Multi-scale heat PINN: u_t = u_xx/(500 pi)^2 + u_yy/pi^2 on [0, 1]^2 x [0, 5], exact u.

    ``u(x, y, 0) = sin(20 pi x) sin(pi y)``, ``u = 0`` on the boundary. The reference is the
    exact :func:`heat_multiscale_exact` (rounding-level accurate), scored on a
    201 x 26 x 26 grid (``x`` resolves the 10 periods of ``sin 20 pi x``).
    """

    Params = Heat2DMultiscaleParams
    input_names = ("x", "y", "t")
    output_names = ("u",)
    # PINNacle: 4 x (8192 domain, 2048 boundary, 2048 initial) points.
    budgets = suite_budgets(domain=(200, 2000, 4000, 32768),
                            boundary=(40, 200, 1000, 8192), initial=(40, 400, 2000, 8192))

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        p = self.params
        geom = dde.geometry.GeometryXTime(dde.geometry.Rectangle([0.0, 0.0], [1.0, 1.0]),
                                          dde.geometry.TimeDomain(0.0, p.t_final))

        def residual(x: Any, y: Any) -> Any:
            u_t = dde.grad.jacobian(y, x, i=0, j=2)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            u_yy = dde.grad.hessian(y, x, i=1, j=1)
            return u_t - p.kx * u_xx - p.ky * u_yy

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: heat_multiscale_exact(x[:, 0:1], x[:, 1:2], 0.0, p),
                         lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t - kx u_xx - ky u_yy`` from the jet (the residual of :meth:`deepxde_data`)."""
        p = self.params
        return jet.d(2) - p.kx * jet.dd(0) - p.ky * jet.dd(1)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return heat_multiscale_exact(points[:, 0], points[:, 1], points[:, 2],
                                     self.params)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 201), "y": np.linspace(0.0, 1.0, 26),
                "t": np.linspace(0.0, self.params.t_final, 26)}


PROBLEM = ProblemFamily(
    name="heat2d_multiscale",
    tasks={"pinn": Heat2DMultiscalePINN},
    default_task="pinn",
    summary="2-D multi-scale heat u_t = u_xx/(500 pi)^2 + u_yy/pi^2, sin(20 pi x) data (exact)",
)
