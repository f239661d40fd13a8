r"""2-D Helmholtz equation :math:`-\Delta u - k^2 u = f` on the unit square, exact solution.

On :math:`(x, y) \in [0, 1]^2` with :math:`u = 0` on the boundary and
:math:`f = k^2 \sin kx \sin ky`, the exact solution is :math:`u = \sin kx \sin ky`
(:math:`-\Delta u = 2k^2 u`), for :math:`k = 4\pi` in the benchmark (the high-frequency
Helmholtz problem of Wang, Teng & Perdikaris 2021 with :math:`a_1 = a_2 = 4`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["Helmholtz2DPINN", "Helmholtz2DParams", "helmholtz_exact", "PROBLEM"]


def helmholtz_exact(x: np.ndarray, y: np.ndarray, *, modes: int = 4) -> np.ndarray:
    """Exact solution ``sin(k x) sin(k y)``, ``k = modes * pi``; broadcast shape, float64."""
    k = modes * np.pi
    return np.sin(k * np.asarray(x, dtype=np.float64)) * np.sin(k * np.asarray(y, np.float64))


def _source(x: Any, k: float) -> Any:
    """``f = k^2 sin(k x) sin(k y)`` at the ``(N, 2)`` torch points ``x``, ``(N, 1)``."""
    return k**2 * torch.sin(k * x[:, 0:1]) * torch.sin(k * x[:, 1:2])


@dataclass(frozen=True)
class Helmholtz2DParams:
    """Parameters of the Helmholtz PINN.

    Attributes
    ----------
    modes : int
        Wave number ``k = modes * pi`` (benchmark: 4), an integer so that ``u = 0`` on the
        boundary.
    """

    modes: int = 4

    def __post_init__(self) -> None:
        if self.modes < 1:
            raise ValueError(f"modes must be a positive integer, got {self.modes}")


class Helmholtz2DPINN(PINNProblem):
    """Helmholtz PINN: -lap u - k^2 u = k^2 sin kx sin ky on [0, 1]^2, k = 4 pi, u = 0 on the edge.

    The reference is the exact solution :func:`helmholtz_exact` (rounding-level accurate),
    scored on a 101 x 101 grid.
    """

    Params = Helmholtz2DParams
    input_names = ("x", "y")
    output_names = ("u",)
    budgets = suite_budgets(domain=(200, 1500, 4000, 8192), boundary=(40, 200, 400, 2048),
                            initial=(0, 0, 0, 0))

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        k = self.params.modes * np.pi
        geom = dde.geometry.Rectangle([0.0, 0.0], [1.0, 1.0])

        def residual(x: Any, y: Any) -> Any:
            lap = dde.grad.hessian(y, x, i=0, j=0) + dde.grad.hessian(y, x, i=1, j=1)
            return -lap - k**2 * y - _source(x, k)

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        return dde.data.PDE(geom, residual, [bc], num_domain=budget.num_domain,
                            num_boundary=budget.num_boundary)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return helmholtz_exact(points[:, 0], points[:, 1], modes=self.params.modes)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 101), "y": np.linspace(0.0, 1.0, 101)}

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``-lap u - k^2 u - f`` from the jet (the residual of :meth:`deepxde_data`)."""
        k = self.params.modes * np.pi
        return -(jet.dd(0) + jet.dd(1)) - k**2 * jet.value() - _source(x, k)

    has_hard_constraint = True

    def hard_constraint(self, x: Any, y: Any) -> Any:
        """``x (1 - x) y (1 - y) N(x, y)``: zero on the boundary of the unit square."""
        xs, ys = x[:, 0:1], x[:, 1:2]
        return xs * (1 - xs) * ys * (1 - ys) * y

PROBLEM = ProblemFamily(
    name="helmholtz2d",
    tasks={"pinn": Helmholtz2DPINN},
    default_task="pinn",
    summary="2-D Helmholtz -lap u - k^2 u = f, k = 4 pi, on the unit square (exact solution)",
)
