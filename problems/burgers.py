r"""Viscous Burgers equation :math:`u_t + u u_x = \nu u_{xx}`.

Two settings are provided:

* the PINN benchmark of Raissi et al. / DeepXDE on :math:`x \in [-1, 1]`, :math:`t \in [0, 1]`,
  :math:`u(x, 0) = -\sin \pi x`, :math:`u(\pm 1, t) = 0`, :math:`\nu = 0.01/\pi`, with its exact
  solution :func:`cole_hopf_dirichlet`;
* the operator-learning benchmark of Li et al. (FNO) on the periodic interval :math:`[0, 1)`
  with Gaussian-random-field initial data (:func:`physym.problems._grf.sample_periodic_grf_1d`,
  ``sigma=25, tau=5, alpha=2``), with a batched pseudo-spectral solver
  :func:`solve_burgers_periodic` and an exact reference :func:`cole_hopf_periodic`.

Both exact solutions use the Cole-Hopf transform :math:`u = -2\nu \varphi_x / \varphi`, which maps
Burgers' equation to the heat equation :math:`\varphi_t = \nu \varphi_{xx}`.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special
import torch

from physym.budgets import OperatorBudget, PINNBudget
from physym.equivariance import Symmetry, periodic_odd_reflection, reflect_first_input
from physym.problem import OperatorProblem, PINNProblem, ProblemFamily

from ._burgers_periodic import cole_hopf_periodic, solve_burgers_periodic
from ._grf import sample_periodic_grf_1d

__all__ = [
    "cole_hopf_dirichlet",
    "cole_hopf_periodic",
    "solve_burgers_periodic",
    "BurgersPINN",
    "BurgersPINNParams",
    "BurgersOperator",
    "BurgersOperatorParams",
    "PROBLEM",
]

logger = logging.getLogger(__name__)

#: Gauss-Hermite nodes used by :func:`cole_hopf_dirichlet` (error ~1e-15 for nu=0.01/pi, t<=1).
DEFAULT_N_QUAD = 200
#: Grid points x quadrature nodes evaluated at once by :func:`cole_hopf_dirichlet`.
_QUAD_CHUNK = 1 << 21


@functools.lru_cache(maxsize=8)
def _hermite_rule(n_quad: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and log-weights, nodes whose weight underflows dropped."""
    if n_quad < 1:
        raise ValueError(f"n_quad must be positive, got {n_quad}")
    # Same rule as numpy.polynomial.hermite.hermgauss, whose weights overflow for n >~ 370.
    z, w = scipy.special.roots_hermite(n_quad)
    keep = w > 0
    z, logw = z[keep], np.log(w[keep])
    z.setflags(write=False)
    logw.setflags(write=False)
    return z, logw


def cole_hopf_dirichlet(
    x: np.ndarray,
    t: np.ndarray,
    *,
    nu: float = 0.01 / np.pi,
    n_quad: int = DEFAULT_N_QUAD,
) -> np.ndarray:
    r"""Exact solution of the Dirichlet Burgers benchmark, :math:`u(x, 0) = -\sin \pi x`.

    Cole-Hopf gives (Basdevant et al., Comput. Fluids 14 (1986) 23-41)

    .. math::
        u(x, t) = -\frac{\int \sin\pi(x-\eta)\, f(x-\eta)\, e^{-\eta^2/4\nu t}\,d\eta}
                        {\int f(x-\eta)\, e^{-\eta^2/4\nu t}\,d\eta},
        \qquad f(y) = \exp\Bigl(-\frac{\cos \pi y}{2\pi\nu}\Bigr),

    with integrals over the real line. With :math:`\eta = \sqrt{4\nu t}\, z` both integrals
    become Gauss-Hermite sums with nodes :math:`z_i`, weights :math:`w_i`:
    :math:`u = -\sum_i p_i \sin\pi(x - \sqrt{4\nu t} z_i)`,
    :math:`p = \operatorname{softmax}_i(\log w_i - \cos\pi(x - \sqrt{4\nu t} z_i)/(2\pi\nu))`,
    evaluated in float64 with the log-sum-exp shift (so ``exp(1/(2 pi nu)) = exp(50)`` causes no
    overflow). Gauss-Hermite nodes whose weight underflows to zero are dropped.

    The solution is odd in ``x``, vanishes at ``x = +-1`` (to rounding, ~1e-16) and at ``t = 0``
    equals ``-sin(pi x)`` exactly. It develops a steep front at ``x = 0`` for ``t >~ 0.3``.

    Parameters
    ----------
    x, t : array_like
        Points, broadcastable against each other; ``t >= 0``. ``x`` outside ``[-1, 1]`` gives the
        odd 2-periodic extension.
    nu : float, optional
        Viscosity (default ``0.01 / pi``).
    n_quad : int, optional
        Number of Gauss-Hermite nodes (:func:`scipy.special.roots_hermite`, the rule of
        :func:`numpy.polynomial.hermite.hermgauss`, whose weights overflow for ``n >~ 370``).
        Measured maximal errors for the default ``nu`` on ``[-1, 1] x [0, 1]``: 40 nodes 3e-5,
        60 nodes 1e-9, 80 nodes 1e-13, >= 100 nodes ~4e-15 (rounding); on ``t <= 5``: 150
        nodes 8e-8, the default 200 nodes 4e-10. Smaller ``nu`` or larger ``t`` needs more.

    Returns
    -------
    numpy.ndarray
        ``u(x, t)`` in float64, with the broadcast shape of ``x`` and ``t``.
    """
    if not nu > 0:
        raise ValueError(f"nu must be positive, got {nu}")
    x_b, t_b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
    if np.any(t_b < 0) or not np.all(np.isfinite(t_b)):
        raise ValueError("t must be finite and non-negative")
    z, logw = _hermite_rule(int(n_quad))
    xf, tf = x_b.ravel(), t_b.ravel()
    out = np.empty(xf.shape, dtype=np.float64)
    chunk = max(1, _QUAD_CHUNK // z.size)
    inv = 1.0 / (2.0 * np.pi * nu)
    for start in range(0, xf.size, chunk):
        sl = slice(start, start + chunk)
        y = xf[sl, None] - np.sqrt(4.0 * nu * tf[sl, None]) * z[None, :]
        logp = logw[None, :] - inv * np.cos(np.pi * y)
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        out[sl] = -np.einsum("ij,ij->i", p, np.sin(np.pi * y)) / p.sum(axis=1)
    out = np.where(tf == 0, -np.sin(np.pi * xf), out)
    return out.reshape(x_b.shape)


@dataclass(frozen=True)
class BurgersPINNParams:
    """Parameters of the Burgers PINN benchmark.

    Attributes
    ----------
    nu : float
        Viscosity; the classic benchmark uses ``0.01 / pi``.
    """

    nu: float = 0.01 / np.pi

    def __post_init__(self) -> None:
        if not (np.isfinite(self.nu) and self.nu > 0):
            raise ValueError(f"nu must be a positive finite number, got {self.nu}")


class BurgersPINN(PINNProblem):
    """Viscous Burgers PINN: u_t + u u_x = nu u_xx, x in [-1, 1], t in [0, 1].

    ``u(x, 0) = -sin(pi x)``, ``u(+-1, t) = 0``, ``nu = 0.01 / pi`` (Raissi et al. 2019,
    DeepXDE's Burgers example). A shock forms at ``x = 0`` near ``t = 0.3``. The reference is
    the exact Cole--Hopf solution :func:`cole_hopf_dirichlet`, evaluated on a 256 x 101 grid.
    """

    Params = BurgersPINNParams
    input_names = ("x", "t")
    output_names = ("u",)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        nu = self.params.nu
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1.0, 1.0),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x: Any, y: Any) -> Any:
            u_x = dde.grad.jacobian(y, x, i=0, j=0)
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            return u_t + y * u_x - nu * u_xx

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: -np.sin(np.pi * x[:, 0:1]),
                         lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return cole_hopf_dirichlet(points[:, 0], points[:, 1], nu=self.params.nu)[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(-1.0, 1.0, 256), "t": np.linspace(0.0, 1.0, 101)}

    def symmetries(self) -> tuple[Symmetry, ...]:
        """``u(-x, t) = -u(x, t)``: the data are odd in ``x`` and the equation keeps that."""
        return (Symmetry("x -> -x, u -> -u", reflect_first_input, lambda u: -u),)

    jet_second_derivatives = (0,)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``u_t + u u_x - nu u_xx`` from the jet (the residual of :meth:`deepxde_data`)."""
        u = jet.value()
        return jet.d(1) + u * jet.d(0) - self.params.nu * jet.dd(0)

    has_hard_constraint = True

    def hard_constraint(self, x: Any, y: Any) -> Any:
        """``-sin(pi x) + t (1 - x^2) N(x, t)``: the initial and boundary data exactly."""
        return -torch.sin(torch.pi * x[:, 0:1]) + x[:, 1:2] * (1 - x[:, 0:1] ** 2) * y


@dataclass(frozen=True)
class BurgersOperatorParams:
    """Parameters of the Burgers solution-operator data set (FNO paper setup).

    Attributes
    ----------
    nu : float
        Viscosity; 0.1 (default), 0.01 and 0.001 are the published settings.
    t_final : float
        The operator maps ``u(., 0)`` to ``u(., t_final)``.
    alpha, tau, sigma : float
        Initial data ``u0 ~ N(0, sigma^2 (-Delta + tau^2 I)^(-alpha))`` on the periodic unit
        interval, zero mean (defaults: ``625 (-Delta + 25 I)^-2``).
    solver_resolution : int
        Grid of the spectral solver; 0 chooses it from ``nu`` (1024 for nu >= 0.05, 4096
        for nu >= 0.005, else 8192). The data are subsampled to the budget's resolution.
    """

    nu: float = 0.1
    t_final: float = 1.0
    alpha: float = 2.0
    tau: float = 5.0
    sigma: float = 25.0
    solver_resolution: int = 0

    def __post_init__(self) -> None:
        for name in ("nu", "t_final", "tau", "sigma"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not (np.isfinite(self.alpha) and self.alpha > 0.5):
            raise ValueError(f"alpha must be > 0.5 for a continuous field, got {self.alpha}")
        n = self.solver_resolution
        if n < 0 or (n and n & (n - 1)):
            raise ValueError(f"solver_resolution must be 0 (auto) or a power of two, got {n}")

    @property
    def grid(self) -> int:
        """Resolution of the spectral solver."""
        if self.solver_resolution:
            return self.solver_resolution
        return 1024 if self.nu >= 0.05 else 4096 if self.nu >= 0.005 else 8192


class BurgersOperator(OperatorProblem):
    """Burgers solution operator u(., 0) -> u(., T) on the periodic unit interval.

    ``u_t + (u^2 / 2)_x = nu u_xx``, ``x in [0, 1)`` periodic, ``T = 1``, ``nu = 0.1``, with
    Gaussian-random-field initial data ``N(0, 625 (-Delta + 25 I)^-2)`` (Li et al. 2021).
    Data come from :func:`solve_burgers_periodic` (ETDRK4 pseudo-spectral, 2/3 dealiasing,
    float64, on the GPU when present), validated against :func:`cole_hopf_periodic`.
    """

    models = ("fno", "tfno", "uno", "deeponet")

    def symmetries(self) -> tuple[Symmetry, ...]:
        """``G(R u0) = R G(u0)`` for ``(R f)(x) = -f(-x)``: if ``u`` solves Burgers' equation,
        so does ``-u(-x, t)``, and the spectral solver keeps this exactly on its grid."""
        return periodic_odd_reflection()

    Params = BurgersOperatorParams
    in_channels = 1
    out_channels = 1
    n_dim = 1
    budgets = {
        "smoke": OperatorBudget(n_train=32, n_test=8, resolution=64, epochs=2, batch_size=8,
                                modes=8, width=16, n_layers=2, seeds=1),
        "quick": OperatorBudget(n_train=512, n_test=128, resolution=256, epochs=40,
                                batch_size=32, modes=16, width=32, n_layers=4, seeds=3),
        "standard": OperatorBudget(n_train=1000, n_test=200, resolution=512, epochs=200,
                                   batch_size=20, modes=16, width=64, n_layers=4, seeds=5),
        "paper": OperatorBudget(n_train=1000, n_test=200, resolution=1024, epochs=500,
                                batch_size=20, modes=16, width=64, n_layers=4, seeds=5),
    }

    def generate(self, n: int, *, resolution: int, seed: int,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.params
        grid = max(p.grid, resolution)
        if grid % resolution:
            raise ValueError(f"resolution must divide the solver grid {grid}, got {resolution}")
        stride = grid // resolution
        gen = torch.Generator().manual_seed(seed)
        u0 = sample_periodic_grf_1d(n, grid, alpha=p.alpha, tau=p.tau, sigma=p.sigma,
                                    generator=gen, device=device, dtype=torch.float64)
        u_final = solve_burgers_periodic(u0, nu=p.nu, t_final=p.t_final)[:, -1]
        return u0[:, None, ::stride], u_final[:, None, ::stride]

    def to_pdebench(self, inputs: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """``tensor`` ``(N, 2, X)`` = ``[u(., 0), u(., T)]`` and ``t-coordinate`` ``[0, T]``."""
        return {"tensor": np.concatenate([inputs, targets], axis=1),
                "t-coordinate": np.array([0.0, self.params.t_final])}


PROBLEM = ProblemFamily(
    name="burgers",
    tasks={"pinn": BurgersPINN, "operator": BurgersOperator},
    default_task="pinn",
    summary="1-D viscous Burgers: PINN on the Raissi benchmark, FNO on the GRF operator",
)
