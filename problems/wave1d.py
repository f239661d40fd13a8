r"""1-D wave equation :math:`u_{tt} = c^2 u_{xx}` with two standing modes (PINNacle's Wave1D).

On :math:`x \in [0, 1]`, :math:`t \in [0, 1]`, with :math:`u(0, t) = u(1, t) = 0`,
:math:`u(x, 0) = \sin \pi x + \tfrac12 \sin 4\pi x` and :math:`u_t(x, 0) = 0`, the exact solution
(d'Alembert / separation of variables) is

.. math::
    u(x, t) = \sin \pi x \cos c\pi t + \tfrac12 \sin 4\pi x \cos 4c\pi t ,

with :math:`c = 2` in the benchmark (Hao et al. 2023, arXiv:2306.08827, "Wave1D-C").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["Wave1DParams", "Wave1DPINN", "wave_exact", "PROBLEM"]


def wave_exact(x: np.ndarray, t: np.ndarray, *, c: float = 2.0) -> np.ndarray:
    """Exact solution ``sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2``.

    Parameters
    ----------
    x, t : array_like
        Broadcastable coordinates.
    c : float
        Wave speed.

    Returns
    -------
    numpy.ndarray
        float64 values with the broadcast shape of ``x`` and ``t``.
    """
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return (np.sin(np.pi * x) * np.cos(c * np.pi * t)
            + 0.5 * np.sin(4 * np.pi * x) * np.cos(4 * c * np.pi * t))


@dataclass(frozen=True)
class Wave1DParams:
    """Parameters of the 1-D wave PINN.

    Attributes
    ----------
    c : float
        Wave speed (the benchmark: 2, i.e. ``u_tt = 4 u_xx``).
    """

    c: float = 2.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.c) and self.c > 0):
            raise ValueError(f"c must be a positive finite number, got {self.c}")


class Wave1DPINN(PINNProblem):
    """1-D wave PINN: u_tt = c^2 u_xx, x in [0, 1], t in [0, 1], c = 2, two standing modes.

    ``u(0, t) = u(1, t) = 0``, ``u(x, 0) = sin(pi x) + sin(4 pi x) / 2`` (``dde.icbc.IC``) and
    ``u_t(x, 0) = 0`` (``dde.icbc.OperatorBC`` on the initial points). The reference is the
    exact solution :func:`wave_exact` (rounding-level accurate), scored on a 101 x 101 grid.
    """

    Params = Wave1DParams
    input_names = ("x", "t")
    output_names = ("u",)
    # PINNacle vanilla: 100 x 5 tanh, Adam lr 1e-3 for 20000 iterations, 8192 domain and
    # 2048 boundary/initial points.
    budgets = suite_budgets()

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        c2 = self.params.c ** 2
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(0.0, 1.0),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x: Any, y: Any) -> Any:
            u_tt = dde.grad.hessian(y, x, i=1, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            return u_tt - c2 * u_xx

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: wave_exact(x[:, 0:1], 0.0, c=self.params.c),
                         lambda _, on_initial: on_initial)
        ic_t = dde.icbc.OperatorBC(geom, lambda x, y, _: dde.grad.jacobian(y, x, i=0, j=1),
                                   lambda x, _: bool(np.isclose(x[1], 0.0)))
        return dde.data.TimePDE(geom, residual, [bc, ic, ic_t], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return wave_exact(points[:, 0], points[:, 1], c=self.params.c)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 101), "t": np.linspace(0.0, 1.0, 101)}

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_tt - c^2 u_xx`` from the jet (the residual of :meth:`deepxde_data`)."""
        return jet.dd(1) - self.params.c ** 2 * jet.dd(0)

    has_hard_constraint = True

    def hard_constraint(self, x: Any, y: Any) -> Any:
        """``u0(x) + x (1 - x) t^2 N(x, t)``: u = 0 at x = 0, 1, u = u0 and u_t = 0 at t = 0."""
        xs, t = x[:, 0:1], x[:, 1:2]
        u0 = torch.sin(torch.pi * xs) + 0.5 * torch.sin(4 * torch.pi * xs)
        return u0 + xs * (1 - xs) * t ** 2 * y

PROBLEM = ProblemFamily(
    name="wave1d",
    tasks={"pinn": Wave1DPINN},
    default_task="pinn",
    summary="1-D wave equation u_tt = 4 u_xx with two standing modes (exact solution)",
)
