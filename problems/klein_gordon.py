r"""Nonlinear Klein-Gordon equation with a manufactured solution (Wang, Teng & Perdikaris 2021).

On :math:`x \in [0, 1]`, :math:`t \in [0, 1]`:

.. math::
    u_{tt} - u_{xx} + u^3 = f(x, t), \qquad u(x, t) = x \cos 5\pi t + (x t)^3 ,

so :math:`f = -25\pi^2 x \cos 5\pi t + 6 x^3 t - 6 x t^3 + u^3`. Initial data
:math:`u(x, 0) = x`, :math:`u_t(x, 0) = 0`; Dirichlet data :math:`u(0, t) = 0`,
:math:`u(1, t) = \cos 5\pi t + t^3` (all from the exact solution). This is the Klein-Gordon
benchmark of Wang, Teng & Perdikaris, SIAM J. Sci. Comput. 43 (2021) A3055 (arXiv:2001.04536),
with :math:`\alpha = -1, \beta = 0, \gamma = 1, k = 3`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._suite import suite_budgets

__all__ = ["KleinGordonPINN", "KleinGordonParams", "klein_gordon_exact", "klein_gordon_source",
           "PROBLEM"]


def klein_gordon_exact(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Manufactured solution ``x cos(5 pi t) + (x t)^3``; broadcast shape, float64."""
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return x * np.cos(5 * np.pi * t) + (x * t) ** 3


def klein_gordon_source(x: Any, t: Any, *, cubic: float = 1.0, lib: Any = np) -> Any:
    """Source ``f = u_tt - u_xx + cubic * u^3`` of the manufactured solution.

    Parameters
    ----------
    x, t : array_like or torch.Tensor
        Coordinates (broadcastable).
    cubic : float
        Coefficient of ``u^3``.
    lib : module
        ``numpy`` (default) or ``torch``, whose ``cos`` is used.
    """
    u = x * lib.cos(5 * np.pi * t) + (x * t) ** 3
    u_tt = -25 * np.pi**2 * x * lib.cos(5 * np.pi * t) + 6 * x**3 * t
    u_xx = 6 * x * t**3
    return u_tt - u_xx + cubic * u**3


@dataclass(frozen=True)
class KleinGordonParams:
    """Parameters of the Klein-Gordon PINN.

    Attributes
    ----------
    cubic : float
        Coefficient ``gamma`` of ``u^3`` (benchmark: 1); ``f`` follows it, so the exact
        solution is unchanged.
    """

    cubic: float = 1.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.cubic):
            raise ValueError(f"cubic must be a finite number, got {self.cubic}")


class KleinGordonPINN(PINNProblem):
    """Klein-Gordon PINN: u_tt - u_xx + u^3 = f, x in [0, 1], t in [0, 1], manufactured u.

    ``u = x cos(5 pi t) + (x t)^3``. ``u(x, 0) = x`` (``dde.icbc.IC``), ``u_t(x, 0) = 0``
    (``dde.icbc.OperatorBC`` on the initial points) and Dirichlet data from the exact
    solution at ``x = 0, 1``. The reference is the exact :func:`klein_gordon_exact`
    (rounding-level accurate), scored on a 101 x 101 grid.
    """

    Params = KleinGordonParams
    input_names = ("x", "t")
    output_names = ("u",)
    budgets = suite_budgets()

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        import torch  # noqa: PLC0415

        cubic = self.params.cubic
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(0.0, 1.0),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x: Any, y: Any) -> Any:
            u_tt = dde.grad.hessian(y, x, i=1, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            f = klein_gordon_source(x[:, 0:1], x[:, 1:2], cubic=cubic, lib=torch)
            return u_tt - u_xx + cubic * y**3 - f

        exact = lambda x: klein_gordon_exact(x[:, 0:1], x[:, 1:2])  # noqa: E731
        bc = dde.icbc.DirichletBC(geom, exact, lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, exact, lambda _, on_initial: on_initial)
        ic_t = dde.icbc.OperatorBC(geom, lambda x, y, _: dde.grad.jacobian(y, x, i=0, j=1),
                                   lambda x, _: bool(np.isclose(x[1], 0.0)))
        return dde.data.TimePDE(geom, residual, [bc, ic, ic_t], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_tt - u_xx + cubic u^3 - f`` from the jet (the residual of :meth:`deepxde_data`)."""
        import torch  # noqa: PLC0415

        cubic = self.params.cubic
        f = klein_gordon_source(x[:, 0:1], x[:, 1:2], cubic=cubic, lib=torch)
        return jet.dd(1) - jet.dd(0) + cubic * jet.value() ** 3 - f

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return klein_gordon_exact(points[:, 0], points[:, 1])[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 101), "t": np.linspace(0.0, 1.0, 101)}


PROBLEM = ProblemFamily(
    name="klein_gordon",
    tasks={"pinn": KleinGordonPINN},
    default_task="pinn",
    summary="1-D nonlinear Klein-Gordon u_tt - u_xx + u^3 = f (manufactured solution)",
)
