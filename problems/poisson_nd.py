r"""Poisson equation in five dimensions (PINNacle's PNd), exact solution.

On :math:`x \in [0, 1]^5`:

.. math::
    -\Delta u = \frac{\pi^2}{4} \sum_{i=1}^{5} \sin\frac{\pi x_i}{2}, \qquad
    u = \sum_{i=1}^{5} \sin\frac{\pi x_i}{2}

with Dirichlet data from the exact solution on the whole boundary (Hao et al. 2023,
arXiv:2306.08827, "PNd"). A tensor grid is too large in 5-D, so the problem is scored on
seeded uniform random points (:meth:`PoissonNDPINN.evaluation_points`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["PoissonNDPINN", "PoissonNDParams", "poisson_nd_exact", "EVAL_SEED", "PROBLEM"]

#: Seed of the random evaluation points (``numpy.random.default_rng``).
EVAL_SEED = 20240513


def poisson_nd_exact(points: np.ndarray) -> np.ndarray:
    """Exact solution ``sum_i sin(pi x_i / 2)``: ``(N, d) -> (N,)``, float64."""
    return np.sin(0.5 * np.pi * np.asarray(points, dtype=np.float64)).sum(axis=-1)


def _source(x: Any) -> Any:
    """``f = (pi^2 / 4) sum_i sin(pi x_i / 2)`` at the ``(N, d)`` torch points ``x``."""
    import torch  # noqa: PLC0415

    return (np.pi**2 / 4) * torch.sin(0.5 * np.pi * x).sum(dim=1, keepdim=True)


@dataclass(frozen=True)
class PoissonNDParams:
    """Parameters of the N-D Poisson PINN.

    Attributes
    ----------
    n_eval : int
        Uniform random evaluation points (seed :data:`EVAL_SEED`).
    """

    n_eval: int = 20000

    def __post_init__(self) -> None:
        if self.n_eval < 1:
            raise ValueError(f"n_eval must be a positive integer, got {self.n_eval}")


class PoissonNDPINN(PINNProblem):
    """5-D Poisson PINN: -lap u = (pi^2/4) sum sin(pi x_i/2) on [0, 1]^5, Dirichlet data, exact u.

    The reference is the exact :func:`poisson_nd_exact` (rounding-level accurate), scored on
    20000 uniform random points drawn with ``numpy.random.default_rng(EVAL_SEED)``;
    :meth:`evaluation_axes` (5 points per axis) is used only for plots.
    """

    Params = PoissonNDParams
    dim = 5
    input_names = tuple(f"x{i + 1}" for i in range(5))
    output_names = ("u",)
    budgets = suite_budgets(boundary=(40, 300, 1000, 2048), initial=(0, 0, 0, 0),
                            lbfgs=(10, 500, 3000, 0))

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        d = self.dim
        geom = dde.geometry.Hypercube([0.0] * d, [1.0] * d)

        def residual(x: Any, y: Any) -> Any:
            lap = sum(dde.grad.hessian(y, x, i=i, j=i) for i in range(d))
            return -lap - _source(x)

        bc = dde.icbc.DirichletBC(geom, lambda x: poisson_nd_exact(x)[:, None],
                                  lambda _, on_boundary: on_boundary)
        return dde.data.PDE(geom, residual, [bc], num_domain=budget.num_domain,
                            num_boundary=budget.num_boundary)

    jet_second_derivatives = tuple(range(dim))

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``-lap u - f`` from the jet (the residual of :meth:`deepxde_data`)."""
        return -sum(jet.dd(i) for i in range(self.dim)) - _source(x)

    def exact(self, points: np.ndarray) -> np.ndarray:
        return poisson_nd_exact(points)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {name: np.linspace(0.0, 1.0, 5) for name in self.input_names}

    def evaluation_points(self) -> np.ndarray:
        """``(n_eval, 5)`` uniform random points of ``[0, 1]^5``, seed :data:`EVAL_SEED`."""
        rng = np.random.default_rng(EVAL_SEED)
        return rng.random((self.params.n_eval, self.dim))


PROBLEM = ProblemFamily(
    name="poisson_nd",
    tasks={"pinn": PoissonNDPINN},
    default_task="pinn",
    summary="5-D Poisson -lap u = f on the unit hypercube (exact solution, random test points)",
)
