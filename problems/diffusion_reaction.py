r"""1-D diffusion-reaction equation with a decaying multi-mode source (DeepXDE example).

On :math:`x \in [-\pi, \pi]`, :math:`t \in [0, 1]`:

.. math::
    u_t = d\, u_{xx} + e^{-t}\Bigl(\tfrac32 \sin 2x + \tfrac83 \sin 3x + \tfrac{15}4 \sin 4x
          + \tfrac{63}8 \sin 8x\Bigr), \qquad d = 1,

with :math:`u(\pm\pi, t) = 0` and the initial data of the exact solution

.. math::
    u(x, t) = e^{-t}\Bigl(\sin x + \tfrac12 \sin 2x + \tfrac13 \sin 3x + \tfrac14 \sin 4x
              + \tfrac18 \sin 8x\Bigr).

(Each mode :math:`e^{-t}\sin(kx)/k` satisfies :math:`u_t - u_{xx} = e^{-t}(k - 1/k)\sin kx`.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["DiffusionReactionPINN", "DiffusionReactionParams", "MODES",
           "diffusion_reaction_exact", "PROBLEM"]

#: Wave numbers of the exact solution ``e^{-t} sum_k sin(k x) / k``.
MODES: tuple[int, ...] = (1, 2, 3, 4, 8)


def diffusion_reaction_exact(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Exact solution ``e^{-t} sum_{k in MODES} sin(k x) / k``; broadcast shape, float64."""
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return np.exp(-t) * sum(np.sin(k * x) / k for k in MODES)


def _source(x: Any, d: float) -> Any:
    """``f = e^{-t} sum_k (d k - 1/k) sin(k x)`` at the ``(N, 2)`` torch points ``x``."""
    xs, t = x[:, 0:1], x[:, 1:2]
    return torch.exp(-t) * sum((d * k - 1.0 / k) * torch.sin(k * xs) for k in MODES)


@dataclass(frozen=True)
class DiffusionReactionParams:
    """Parameters of the diffusion-reaction PINN (the benchmark has no free parameter).

    Attributes
    ----------
    d : float
        Diffusivity; the source term is written for ``d = 1`` and scales with it, so the
        exact solution is the same for every ``d``: ``f = e^{-t} sum (d k - 1/k) sin(kx)``.
    """

    d: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.d) and self.d > 0):
            raise ValueError(f"d must be a positive finite number, got {self.d}")


class DiffusionReactionPINN(PINNProblem):
    """Diffusion-reaction PINN: u_t = u_xx + f(x, t), x in [-pi, pi], t in [0, 1], exact u.

    ``f = e^{-t} (3/2 sin 2x + 8/3 sin 3x + 15/4 sin 4x + 63/8 sin 8x)`` (for ``d = 1``),
    ``u(+-pi, t) = 0``, ``u(x, 0) = sum sin(kx)/k``; the reference is the exact solution
    :func:`diffusion_reaction_exact` (rounding-level accurate), scored on a 256 x 101 grid.
    """

    Params = DiffusionReactionParams
    input_names = ("x", "t")
    output_names = ("u",)
    budgets = suite_budgets()

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        d = self.params.d
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-np.pi, np.pi),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x: Any, y: Any) -> Any:
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            return u_t - d * u_xx - _source(x, d)

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: diffusion_reaction_exact(x[:, 0:1], 0.0),
                         lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return diffusion_reaction_exact(points[:, 0], points[:, 1])[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(-np.pi, np.pi, 256), "t": np.linspace(0.0, 1.0, 101)}

    jet_second_derivatives = (0,)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t - d u_xx - f`` from the jet (the residual of :meth:`deepxde_data`)."""
        d = self.params.d
        return jet.d(1) - d * jet.dd(0) - _source(x, d)

    has_hard_constraint = True

    def hard_constraint(self, x: Any, y: Any) -> Any:
        """``u0(x) + t (pi^2 - x^2) N(x, t)``: u = 0 at x = +-pi and u = u0 at t = 0."""
        xs, t = x[:, 0:1], x[:, 1:2]
        u0 = sum(torch.sin(k * xs) / k for k in MODES)
        return u0 + t * (torch.pi ** 2 - xs ** 2) * y

PROBLEM = ProblemFamily(
    name="diffusion_reaction",
    tasks={"pinn": DiffusionReactionPINN},
    default_task="pinn",
    summary="1-D diffusion-reaction u_t = u_xx + f with a multi-mode source (exact solution)",
)
