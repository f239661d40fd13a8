r"""Heat equation in five space dimensions, exact solution.

On :math:`x \in [0, 1]^5`, :math:`t \in [0, 1]`:

.. math::
    u_t = \frac{1}{\pi^2} \Delta u, \qquad u = e^{-t} \sum_{i=1}^{5} \sin \pi x_i ,

with Dirichlet and initial data from the exact solution (each mode decays at rate
:math:`\pi^2 / \pi^2 = 1`). A tensor grid is too large in 6-D, so the problem is scored on
seeded uniform random points (:meth:`HeatNDPINN.evaluation_points`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["HeatNDPINN", "HeatNDParams", "heat_nd_exact", "EVAL_SEED", "PROBLEM"]

#: Seed of the random evaluation points (``numpy.random.default_rng``).
EVAL_SEED = 20240514


def heat_nd_exact(points: np.ndarray) -> np.ndarray:
    """Exact solution ``e^{-t} sum_i sin(pi x_i)``: ``(N, d + 1) -> (N,)`` (``t`` last)."""
    points = np.asarray(points, dtype=np.float64)
    return np.exp(-points[:, -1]) * np.sin(np.pi * points[:, :-1]).sum(axis=-1)


@dataclass(frozen=True)
class HeatNDParams:
    """Parameters of the N-D heat PINN.

    Attributes
    ----------
    n_eval : int
        Uniform random evaluation points in ``[0, 1]^5 x [0, 1]`` (seed :data:`EVAL_SEED`).
    """

    n_eval: int = 20000

    def __post_init__(self) -> None:
        if self.n_eval < 1:
            raise ValueError(f"n_eval must be a positive integer, got {self.n_eval}")


class HeatNDPINN(PINNProblem):
    """5-D heat PINN: u_t = lap u / pi^2 on [0, 1]^5 x [0, 1], exact u = e^-t sum sin(pi x_i).

    Dirichlet data on the spatial boundary and initial data from the exact
    :func:`heat_nd_exact` (rounding-level accurate); scored on 20000 uniform random points
    drawn with ``numpy.random.default_rng(EVAL_SEED)``. :meth:`evaluation_axes` (5 points per
    axis) is used only for plots.
    """

    Params = HeatNDParams
    dim = 5
    input_names = tuple(f"x{i + 1}" for i in range(5)) + ("t",)
    output_names = ("u",)
    budgets = suite_budgets(boundary=(40, 300, 1000, 2048), initial=(20, 200, 500, 2048),
                            lbfgs=(10, 500, 3000, 0))

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        d = self.dim
        geom = dde.geometry.GeometryXTime(dde.geometry.Hypercube([0.0] * d, [1.0] * d),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x: Any, y: Any) -> Any:
            u_t = dde.grad.jacobian(y, x, i=0, j=d)
            lap = sum(dde.grad.hessian(y, x, i=i, j=i) for i in range(d))
            return u_t - lap / np.pi**2

        exact = lambda x: heat_nd_exact(x)[:, None]  # noqa: E731
        bc = dde.icbc.DirichletBC(geom, exact, lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, exact, lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = tuple(range(dim))

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t - lap u / pi^2`` from the jet (the residual of :meth:`deepxde_data`)."""
        return jet.d(self.dim) - sum(jet.dd(i) for i in range(self.dim)) / np.pi**2

    def exact(self, points: np.ndarray) -> np.ndarray:
        return heat_nd_exact(points)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {name: np.linspace(0.0, 1.0, 5) for name in self.input_names}

    def evaluation_points(self) -> np.ndarray:
        """``(n_eval, 6)`` uniform random points of ``[0, 1]^6``, seed :data:`EVAL_SEED`."""
        rng = np.random.default_rng(EVAL_SEED)
        return rng.random((self.params.n_eval, self.dim + 1))


PROBLEM = ProblemFamily(
    name="heat_nd",
    tasks={"pinn": HeatNDPINN},
    default_task="pinn",
    summary="5-D heat u_t = lap u / pi^2 on the unit hypercube (exact, random test points)",
)
