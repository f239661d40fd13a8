r"""Gray-Scott reaction-diffusion system on a periodic square (PINNacle's GS), ETDRK4 reference.

On :math:`(x, y) \in [-1, 1)^2` (periodic), :math:`t \in [0, 200]`:

.. math::
    u_t = \epsilon_1 \Delta u + b (1 - u) - u v^2, \qquad
    v_t = \epsilon_2 \Delta v - d v + u v^2,

with :math:`\epsilon_1 = 10^{-5}`, :math:`\epsilon_2 = 5 \cdot 10^{-6}`, :math:`b = 0.04`,
:math:`d = 0.1` and the two offset Gaussian spots

.. math::
    u(x, y, 0) = 1 - e^{-80((x + 0.05)^2 + (y + 0.02)^2)}, \qquad
    v(x, y, 0) = e^{-80((x - 0.05)^2 + (y - 0.02)^2)},

PINNacle's "GS" problem (Hao et al. 2023; the setting of Trefethen's Chebfun ``spin2``
Gray-Scott example). The spots are below ``1e-20`` at the boundary, so periodic conditions
are the domain's own. A pattern forms within the window: the ``v`` spot collapses into a
sharp crescent-shaped front (width ~0.03) that travels outwards, ``max v`` falls from 1 to
0.35 by ``t`` ~ 80 and recovers to 0.44 by ``t = 200``, and the ``v`` mass falls from 0.039
to 0.015 and grows again (numbers of the default reference; the mass follows the balance
law checked in tests/problems/test_gray_scott.py).

Reference: :func:`gray_scott_reference` -- Fourier pseudo-spectral on 256 x 256 points,
2/3-rule masking, ETDRK4 (:mod:`physym.problems._spectral2d`) with the linear part
``-eps k^2 - (b, d)`` exact and ``(b - u v^2, u v^2)`` explicit, ``dt = 0.1``, 100 output
intervals (every 2 time units), stored in float32; cached as HDF5 (53 MB).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._grid_reference import GridSolution
from physym.problems._reference_cache import LazyReference, cached_arrays
from physym.problems._spectral2d import (Spectral2D, periodic_square_conditions,
                                         solve_periodic_2d)
from physym.problems._suite import suite_budgets

__all__ = ["GrayScottParams", "GrayScottPINN", "gray_scott_reference", "initial_field",
           "PROBLEM"]

LOWER, LENGTH = -1.0, 2.0


@dataclass(frozen=True)
class GrayScottParams:
    """Parameters of the Gray-Scott PINN and of its reference.

    Attributes
    ----------
    eps1, eps2 : float
        Diffusion coefficients of ``u`` and ``v`` (PINNacle: 1e-5, 5e-6).
    b, d : float
        Feed and decay rates (PINNacle: 0.04, 0.1).
    t_final : float
        End of the time window (PINNacle: 200).
    grid : int
        Reference grid points per axis (default 256, a multiple of 64: the 65-point
        evaluation axes are every ``grid / 64``-th node).
    dt : float
        ETDRK4 step (default 0.1).
    n_snapshots : int
        Stored output intervals over ``[0, t_final]`` (default 100).
    """

    eps1: float = 1e-5
    eps2: float = 5e-6
    b: float = 0.04
    d: float = 0.1
    t_final: float = 200.0
    grid: int = 256
    dt: float = 0.1
    n_snapshots: int = 100

    def __post_init__(self) -> None:
        for name in ("eps1", "eps2", "b", "d", "t_final", "dt"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.grid < 64 or self.grid % 64:
            raise ValueError(f"grid must be a positive multiple of 64, got {self.grid}")
        if self.n_snapshots < 4:
            raise ValueError(f"n_snapshots must be >= 4, got {self.n_snapshots}")


def initial_field(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The two Gaussian spots ``(u, v)`` at points ``x, y`` (same shape ``S``): ``(2, *S)``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    u = 1.0 - np.exp(-80.0 * ((x + 0.05) ** 2 + (y + 0.02) ** 2))
    v = np.exp(-80.0 * ((x - 0.05) ** 2 + (y - 0.02) ** 2))
    return np.stack([u, v])


def _linear(p: GrayScottParams) -> Any:
    def linear(ops: Spectral2D) -> torch.Tensor:
        return torch.stack([-p.eps1 * ops.k2 - p.b, -p.eps2 * ops.k2 - p.d])
    return linear


def _reaction(p: GrayScottParams) -> Any:
    def nonlinear(w_hat: torch.Tensor, ops: Spectral2D) -> torch.Tensor:
        u, v = ops.inverse(w_hat * ops.mask)
        uvv = u * v * v
        return ops.mask * ops.forward(torch.stack([p.b - uvv, uvv]))
    return nonlinear


def grid_nodes(n: int) -> np.ndarray:
    """The ``n`` nodes of one period of an axis: ``-1 + 2 j / n``."""
    return LOWER + LENGTH * np.arange(n) / n


def solve(p: GrayScottParams, *, t_final: float | None = None,
          n_snapshots: int | None = None) -> np.ndarray:
    """ETDRK4 snapshots ``(T + 1, 2, n, n)`` of ``(u, v)`` (uncached; for tests and the cache)."""
    s = grid_nodes(p.grid)
    xx, yy = np.meshgrid(s, s, indexing="ij")
    return solve_periodic_2d(initial_field(xx, yy), length=LENGTH, linear=_linear(p),
                             nonlinear=_reaction(p), t_final=t_final or p.t_final,
                             n_snapshots=n_snapshots or p.n_snapshots, dt=p.dt)


def gray_scott_reference(params: GrayScottParams | None = None) -> GridSolution:
    """The cached ETDRK4 solution as a periodic :class:`GridSolution` over ``(x, y, t)``."""
    p = params or GrayScottParams()
    key = {"problem": "gray_scott", "solver": "etdrk4-2d-1", **vars(p)}
    w = cached_arrays("reference-gray-scott", key,
                      lambda: {"w": solve(p).astype(np.float32)})["w"].astype(np.float64)
    s = grid_nodes(p.grid)
    t = np.linspace(0.0, p.t_final, p.n_snapshots + 1)
    return GridSolution([s, s, t], np.moveaxis(w, (0, 1), (-2, -1)),
                        periodic=[LENGTH, LENGTH, None])


def _pinn_residual(p: GrayScottParams, u: Any, v: Any, u_t: Any, v_t: Any, lap_u: Any,
                   lap_v: Any) -> list[Any]:
    """``[u_t - eps1 lap u - b (1 - u) + u v^2, v_t - eps2 lap v + d v - u v^2]``."""
    uvv = u * v * v
    return [u_t - p.eps1 * lap_u - p.b * (1 - u) + uvv, v_t - p.eps2 * lap_v + p.d * v - uvv]


class GrayScottPINN(LazyReference, PINNProblem):
    """Gray-Scott PINN (PINNacle GS), periodic [-1, 1]^2, t in [0, 200]; outputs u, v.

    Residuals ``u_t - eps1 lap u - b (1 - u) + u v^2`` and ``v_t - eps2 lap v + d v - u v^2``;
    periodic ``u``, ``v`` and their first derivatives across ``x = +-1`` and ``y = +-1``
    (``dde.icbc.PeriodicBC``) and the two Gaussian spots (``IC``). Inputs are used as they
    are, ``t`` up to 200, as in PINNacle. Reference: :func:`gray_scott_reference` (cached),
    read by periodic cubic Lagrange interpolation in space and time; scored on the
    65 x 65 x 51 grid of every fourth solver node in ``x`` and ``y`` (spacing 1/32, both
    ends included) and every second snapshot (every 4 time units), where no interpolation
    enters. Accuracy (this CPU; tests/problems/test_gray_scott.py and docs/problems.md):
    against 384^2, relative L2 4.8e-4 (max 9e-3, at the front) at ``t = 200`` for 256^2
    (192^2: 2.4e-3, 128^2: 1.1e-2); ETDRK4 order 4.1 in time, the step error at
    ``dt = 0.1`` 5e-9 max. Between snapshots the cubic interpolant in ``t`` is poor in the
    fast start (max error 9e-2 at ``t = 1``, 1e-3 at ``t = 9``) and below 2e-6 after
    ``t = 40``. Generation: about 50 s on this CPU.
    """

    Params = GrayScottParams
    input_names = ("x", "y", "t")
    output_names = ("u", "v")
    budgets = suite_budgets(domain=(200, 2000, 4000, 8192), boundary=(40, 400, 1000, 2048),
                            initial=(40, 400, 1000, 2048))
    #: smoke checks: a 64^2 solve with 25 snapshots instead of the 256^2 one (about 50 s)
    smoke_params = {"grid": "64", "n_snapshots": "25"}

    def compute_reference(self) -> GridSolution:
        """Solve, or read from the cache, the reference for ``self.params``."""
        return gray_scott_reference(self.params)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        p = self.params
        geom = dde.geometry.GeometryXTime(
            dde.geometry.Rectangle([LOWER, LOWER], [LOWER + LENGTH, LOWER + LENGTH]),
            dde.geometry.TimeDomain(0.0, p.t_final))

        def residual(x: Any, y: Any) -> list[Any]:
            lap = [dde.grad.hessian(y, x, component=c, i=0, j=0)
                   + dde.grad.hessian(y, x, component=c, i=1, j=1) for c in range(2)]
            u_t = dde.grad.jacobian(y, x, i=0, j=2)
            v_t = dde.grad.jacobian(y, x, i=1, j=2)
            return _pinn_residual(p, y[:, 0:1], y[:, 1:2], u_t, v_t, lap[0], lap[1])

        bcs = periodic_square_conditions(dde, geom, lower=LOWER, upper=LOWER + LENGTH,
                                         initial=lambda x: initial_field(x[:, 0], x[:, 1]))
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> list[Any]:
        """The two reaction-diffusion residuals from the jet (as :meth:`deepxde_data`)."""
        lap_u, lap_v = (jet.dd(0, c) + jet.dd(1, c) for c in range(2))
        return _pinn_residual(self.params, jet.value(0), jet.value(1), jet.d(2, 0),
                              jet.d(2, 1), lap_u, lap_v)

    def exact(self, points: np.ndarray) -> np.ndarray:
        return self.reference()(np.asarray(points, dtype=np.float64))

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        s = np.linspace(LOWER, LOWER + LENGTH, 65)
        return {"x": s, "y": s, "t": np.linspace(0.0, self.params.t_final, 51)}


PROBLEM = ProblemFamily(
    name="gray_scott",
    tasks={"pinn": GrayScottPINN},
    default_task="pinn",
    summary="2-D Gray-Scott reaction-diffusion (PINNacle GS), periodic, t in [0, 200] "
            "(ETDRK4 reference)",
)
