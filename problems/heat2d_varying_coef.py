r"""2-D heat equation with a smooth multi-scale coefficient, Crank-Nicolson FV reference.

On :math:`(x, y) \in [0, 1]^2`, :math:`t \in [0, 1]`:

.. math::
    u_t = \nabla\cdot(a(x, y)\nabla u) + f(x, y), \qquad u = 0 \text{ on the boundary}, \qquad
    u(x, y, 0) = \sin \pi x \sin \pi y,

.. math::
    a(x, y) = 1 + \tfrac12 \cos 2\pi x \cos 2\pi y + \tfrac14 \cos 10\pi x \cos 10\pi y
    \in [\tfrac14, \tfrac74], \qquad f(x, y) = 10 \sin 2\pi x \sin 2\pi y .

The coefficient has two scales (one and five periods per unit length). Its normal
derivative vanishes on the boundary and ``f`` vanishes there, so the data are compatible
(``u_t = 0`` on the boundary at ``t = 0``) and the solution is smooth up to ``t = 0``.
(PINNacle's "Heat2d-VC" has a different coefficient and source; this is physym's own
setting.)

Reference: :func:`solve_heat` -- vertex-centred finite volumes with harmonic-mean face
coefficients (:mod:`physym.problems._fv2d`), Crank-Nicolson in time (one sparse LU), on
128 x 128 cells with ``dt = 1/500``; cached as HDF5.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._fv2d import divergence_matrix, embed, interior, node_axis
from physym.problems._grid_reference import GridSolution
from physym.problems._reference_cache import LazyReference, cached_arrays
from physym.problems._suite import suite_budgets

__all__ = ["Heat2DVaryingCoefParams", "Heat2DVaryingCoefPINN", "coefficient", "solve_heat",
           "PROBLEM"]

logger = logging.getLogger(__name__)


def coefficient(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``a(x, y) = 1 + cos 2pi x cos 2pi y / 2 + cos 10pi x cos 10pi y / 4``, broadcast shape."""
    return (1.0 + 0.5 * np.cos(2 * np.pi * x) * np.cos(2 * np.pi * y)
            + 0.25 * np.cos(10 * np.pi * x) * np.cos(10 * np.pi * y))


def source(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f(x, y) = 10 sin 2pi x sin 2pi y``."""
    return 10.0 * np.sin(2 * np.pi * x) * np.sin(2 * np.pi * y)


def _residual(x: Any, u_x: Any, u_y: Any, u_t: Any, lap: Any) -> Any:
    """``u_t - a lap u - a_x u_x - a_y u_y - f`` at the ``(N, 3)`` torch points ``x``."""
    import torch  # noqa: PLC0415

    sin, cos, pi = torch.sin, torch.cos, math.pi
    xs, ys = x[:, 0:1], x[:, 1:2]
    a = (1.0 + 0.5 * cos(2 * pi * xs) * cos(2 * pi * ys)
         + 0.25 * cos(10 * pi * xs) * cos(10 * pi * ys))
    a_x = (-pi * sin(2 * pi * xs) * cos(2 * pi * ys)
           - 2.5 * pi * sin(10 * pi * xs) * cos(10 * pi * ys))
    a_y = (-pi * cos(2 * pi * xs) * sin(2 * pi * ys)
           - 2.5 * pi * cos(10 * pi * xs) * sin(10 * pi * ys))
    f = 10.0 * sin(2 * pi * xs) * sin(2 * pi * ys)
    return u_t - a * lap - a_x * u_x - a_y * u_y - f


def initial_condition(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``u(x, y, 0) = sin pi x sin pi y``."""
    return np.sin(np.pi * x) * np.sin(np.pi * y)


def solve_heat(n: int, *, coef: Callable, u0: Callable, f: Callable, t_final: float,
               n_steps: int, n_snapshots: int) -> np.ndarray:
    r"""Crank-Nicolson finite-volume solution of ``u_t = div(a grad u) + f``, ``u = 0`` on the boundary.

    Parameters
    ----------
    n : int
        Cells per axis (nodes ``i / n``).
    coef, u0 : callable
        ``(X, Y) -> array`` on the node mesh (``ij`` indexing): ``a`` and ``u(., 0)``.
    f : callable
        ``(X, Y, t) -> array``: the source (its CN average over each step is used).
    t_final : float
        Final time.
    n_steps, n_snapshots : int
        Time steps; output intervals (``n_snapshots`` must divide ``n_steps``).

    Returns
    -------
    numpy.ndarray
        ``(n_snapshots + 1, n + 1, n + 1)`` nodal values at ``t_final * k / n_snapshots``.
    """
    from scipy.sparse import identity  # noqa: PLC0415
    from scipy.sparse.linalg import splu  # noqa: PLC0415

    if n_steps % n_snapshots:
        raise ValueError(f"n_snapshots ({n_snapshots}) must divide n_steps ({n_steps})")
    x = node_axis(n)
    xx, yy = np.meshgrid(x, x, indexing="ij")
    a = divergence_matrix(coef(xx, yy))
    dt = t_final / n_steps
    eye = identity(a.shape[0], format="csc")
    lu = splu((eye - 0.5 * dt * a).tocsc())
    explicit = (eye + 0.5 * dt * a).tocsr()
    u = interior(u0(xx, yy))
    out = np.empty((n_snapshots + 1, n + 1, n + 1))
    out[0] = embed(u, n)
    f_old = interior(f(xx, yy, 0.0))
    per = n_steps // n_snapshots
    for step in range(1, n_steps + 1):
        f_new = interior(f(xx, yy, step * dt))
        u = lu.solve(explicit @ u + 0.5 * dt * (f_old + f_new))
        f_old = f_new
        if step % per == 0:
            out[step // per] = embed(u, n)
    logger.debug("solve_heat: n=%d, %d CN steps", n, n_steps)
    return out


@dataclass(frozen=True)
class Heat2DVaryingCoefParams:
    """Parameters of the variable-coefficient heat PINN and of its reference.

    Attributes
    ----------
    t_final : float
        End of the time window (default 1).
    grid : int
        Cells per axis of the reference (default 128, a multiple of 8).
    n_steps : int
        Crank-Nicolson steps (default 500, a multiple of ``n_snapshots``).
    n_snapshots : int
        Stored output intervals (default 50).
    """

    t_final: float = 1.0
    grid: int = 128
    n_steps: int = 500
    n_snapshots: int = 50

    def __post_init__(self) -> None:
        if not (np.isfinite(self.t_final) and self.t_final > 0):
            raise ValueError(f"t_final must be a positive finite number, got {self.t_final}")
        if self.grid < 8 or self.grid % 8:
            raise ValueError(f"grid must be a positive multiple of 8, got {self.grid}")
        if self.n_snapshots < 4 or self.n_steps % self.n_snapshots:
            raise ValueError(f"n_snapshots must be >= 4 and divide n_steps, got "
                             f"{self.n_snapshots} and {self.n_steps}")


class Heat2DVaryingCoefPINN(LazyReference, PINNProblem):
    """Heat PINN with a multi-scale coefficient: u_t = div(a grad u) + f on [0, 1]^2 x [0, 1].

    ``a = 1 + cos 2pi x cos 2pi y / 2 + cos 10pi x cos 10pi y / 4``, ``f = 10 sin 2pi x
    sin 2pi y``, ``u(., 0) = sin pi x sin pi y``, ``u = 0`` on the boundary. The residual is
    ``u_t - a (u_xx + u_yy) - a_x u_x - a_y u_y - f``. Reference: :func:`solve_heat` on the
    default 128^2 grid, ``dt = 1/500`` (cached), read by cubic Lagrange interpolation in
    ``x``, ``y`` and ``t`` (exact at the nodes); scored on a 65 x 65 x 11 grid of solver nodes
    (three inputs: ``--plot`` is refused). Accuracy (tests/problems/test_heat2d_varying_coef.py):
    against 256^2 cells with ``dt = 1/1000`` the reference differs by 1.0e-4 relative L2 on
    the scoring grid (spatial error; halving ``dt`` changes it by < 1e-5); the scheme has
    observed order 1.96-2.0 on a manufactured solution. Generation: about 3 s.
    """

    Params = Heat2DVaryingCoefParams
    input_names = ("x", "y", "t")
    output_names = ("u",)
    budgets = suite_budgets(domain=(200, 2000, 4000, 8192), boundary=(40, 400, 1000, 2048),
                            initial=(40, 400, 1000, 2048))
    #: smoke checks: 32^2 in 100 steps, as its data test (128^2: about 3 s)
    smoke_params = {"grid": "32", "n_steps": "100", "n_snapshots": "20"}

    def compute_reference(self) -> GridSolution:
        """Solve, or read from the cache, the reference for ``self.params``."""
        p = self.params

        def compute() -> dict[str, np.ndarray]:
            return {"u": solve_heat(p.grid, coef=coefficient, u0=initial_condition,
                                    f=lambda x, y, t: source(x, y), t_final=p.t_final,
                                    n_steps=p.n_steps, n_snapshots=p.n_snapshots)}

        key = {"problem": "heat2d_varying_coef", "solver": "fv-cn-1", **vars(p)}
        u = cached_arrays("reference-heat2d_varying_coef", key, compute)["u"]
        x = node_axis(p.grid)
        t = np.linspace(0.0, p.t_final, p.n_snapshots + 1)
        return GridSolution([x, x, t], np.moveaxis(u, 0, -1)[..., None])

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        geom = dde.geometry.GeometryXTime(dde.geometry.Rectangle([0.0, 0.0], [1.0, 1.0]),
                                          dde.geometry.TimeDomain(0.0, self.params.t_final))

        def residual(x: Any, y: Any) -> Any:
            u_x, u_y, u_t = (dde.grad.jacobian(y, x, i=0, j=j) for j in range(3))
            lap = dde.grad.hessian(y, x, i=0, j=0) + dde.grad.hessian(y, x, i=1, j=1)
            return _residual(x, u_x, u_y, u_t, lap)

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: initial_condition(x[:, 0:1], x[:, 1:2]),
                         lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t - a lap u - a_x u_x - a_y u_y - f`` from the jet (as :meth:`deepxde_data`)."""
        return _residual(x, jet.d(0), jet.d(1), jet.d(2), jet.dd(0) + jet.dd(1))

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return self.reference()(points)

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        s = np.linspace(0.0, 1.0, 65)  # solver nodes for the default grid
        return {"x": s, "y": s, "t": np.linspace(0.0, self.params.t_final, 11)}


PROBLEM = ProblemFamily(
    name="heat2d_varying_coef",
    tasks={"pinn": Heat2DVaryingCoefPINN},
    default_task="pinn",
    summary="2-D heat u_t = div(a grad u) + f, multi-scale a(x, y), Dirichlet 0 (CN FV reference)",
)
