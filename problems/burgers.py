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
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special
import torch

from physym.budgets import OperatorBudget, PINNBudget
from physym.equivariance import Symmetry, reflect_first_input
from physym.problem import OperatorProblem, PINNProblem, ProblemFamily

from ._grf import sample_periodic_grf_1d
from ._spectral import ETDRK4, dealias_mask, wavenumbers

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
#: Upper bound on the length in the default time step of :func:`solve_burgers_periodic`.
_MAX_STEP_LENGTH = 1.0 / 128
#: log(max phi / min phi) above which cole_hopf_periodic warns (error ~1e-16 * exp(range)).
_PERIODIC_LOG_RANGE = 18.0


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


def cole_hopf_periodic(u0: torch.Tensor, t: float, *, nu: float) -> torch.Tensor:
    r"""Exact solution of Burgers' equation on the periodic interval [0, 1).

    The initial condition is the trigonometric interpolant of the grid values ``u0`` on
    :math:`x_j = j/N`. Writing :math:`u_0 = c + w_0` with mean :math:`c`, the solution is
    :math:`u(x, t) = c + w(x - ct, t)` (Galilean invariance) with
    :math:`w = -2\nu\varphi_x/\varphi`,

    .. math::
        \varphi(x, 0) = \exp\Bigl(-\frac{W(x) - \min W}{2\nu}\Bigr), \quad W = \int_0^x w_0,
        \qquad \hat\varphi_k(t) = \hat\varphi_k(0)\, e^{-\nu (2\pi k)^2 t}.

    ``W`` is computed spectrally (exact for the interpolant), ``phi`` is transformed with an FFT
    and ``phi_x`` and the shift by ``ct`` are spectral, all in float64.

    Range of validity: the FFTs represent ``phi(., t)`` with an absolute error of ~1e-16 times
    its maximum, so the relative error of ``u`` is roughly ``1e-16 * exp(R_t)`` with
    ``R_t = log(max phi(., t) / min phi(., t))``. ``R_t`` is at most
    ``R_0 = (max W - min W) / (2 nu)``, is proportional to ``1/nu`` and decreases in time. For
    the FNO initial data (``sigma=25, tau=5, alpha=2``, N=4096, 16 samples) the measured worst
    errors are: nu=0.01: 6e-7, 5e-8, 5e-9 at t = 0.25, 0.5, 1 (``R_0`` up to ~32 over 1000
    samples, so t -> 0 is less accurate); nu=0.005: 5e-3, 5e-8, 8e-10; nu=0.002: NaN at t=0.5,
    1e-4 at t=1. Use it for ``nu >= 0.01`` (or smaller ``nu`` at later times). A warning is
    logged when ``R_t > 18`` (expected error above ~1e-8); if ``phi`` loses positivity
    (``R_t >~ 36``) the result contains NaN or garbage. The aliasing error of the FFT of
    ``phi(., 0)`` is negligible when the grid resolves the solution (at N=1024 the result agrees
    with a 4x oversampled evaluation to 5e-14 for nu=0.01).

    Parameters
    ----------
    u0 : torch.Tensor
        Initial data on the grid, shape (B, N), real.
    t : float
        Time, ``t >= 0``; ``t = 0`` returns a copy of ``u0``.
    nu : float
        Viscosity, ``nu > 0``.

    Returns
    -------
    torch.Tensor
        ``u(x_j, t)``, shape (B, N), float64, on the device of ``u0``.
    """
    if u0.ndim != 2:
        raise ValueError(f"u0 must have shape (B, N), got {tuple(u0.shape)}")
    if not nu > 0:
        raise ValueError(f"nu must be positive, got {nu}")
    if not t >= 0:
        raise ValueError(f"t must be non-negative, got {t}")
    u0 = u0.to(torch.float64)
    if t == 0:
        return u0.clone()
    n = u0.shape[-1]
    k = wavenumbers(n, device=u0.device)
    k_odd = wavenumbers(n, zero_nyquist=True, device=u0.device)
    u_hat = torch.fft.rfft(u0, dim=-1)
    mean = u_hat[:, :1].real / n
    safe_k = torch.where(k_odd == 0, torch.ones_like(k_odd), k_odd)
    inv_ik = torch.where(k_odd == 0, 0.0, 1.0 / safe_k) / 1j  # antiderivative, no mean/Nyquist
    w_int = torch.fft.irfft(u_hat * inv_ik, n=n, dim=-1)
    w_int = w_int - w_int.amin(dim=-1, keepdim=True)
    phi_hat = torch.fft.rfft(torch.exp(-w_int / (2.0 * nu)), dim=-1)
    phi_hat = phi_hat * torch.exp(-nu * t * k * k) * torch.exp(-1j * t * mean * k)
    phi = torch.fft.irfft(phi_hat, n=n, dim=-1)
    phi_min = float(phi.amin(dim=-1).div(phi.amax(dim=-1)).amin())
    log_range = math.inf if phi_min <= 0 else -math.log(phi_min)
    if log_range > _PERIODIC_LOG_RANGE:
        logger.warning(
            "cole_hopf_periodic: phi spans a factor exp(%.1f) at t=%g (nu=%g); expect relative "
            "errors of ~%.0e", log_range, t, nu, 1e-16 * math.exp(min(log_range, 700.0)),
        )
    phi_x = torch.fft.irfft(1j * k_odd * phi_hat, n=n, dim=-1)
    return mean - 2.0 * nu * phi_x / phi


def _time_step(u_max: float, n: int, nu: float, interval: float, cfl: float) -> float:
    """Default step ``cfl * min(max(dx, nu / U), 1/128) / U``, at most ``interval``."""
    if u_max <= 0:
        return interval
    length = min(max(1.0 / n, nu / u_max), _MAX_STEP_LENGTH)
    return min(interval, cfl * length / u_max)


def solve_burgers_periodic(
    u0: torch.Tensor,
    *,
    nu: float,
    t_final: float,
    n_snapshots: int = 1,
    dt: float | None = None,
    cfl: float = 1.0,
) -> torch.Tensor:
    r"""Batched pseudo-spectral solver for :math:`u_t + (u^2/2)_x = \nu u_{xx}` on [0, 1).

    Fourier-Galerkin in space on the grid :math:`x_j = j/N` of ``u0``: the state is
    ``rfft(u)``, the linear part :math:`-\nu k^2` is integrated exactly by ETDRK4
    (:class:`physym.problems._spectral.ETDRK4`, Kassam & Trefethen 2005) and the nonlinear term
    :math:`-\tfrac12 \partial_x (u^2)` is evaluated pseudo-spectrally with the 2/3 rule (the
    factor and the product are both truncated to ``3|m| < N``, so there is no aliasing). Modes
    above ``N/3`` of ``u0`` are kept and decay by the heat semigroup. Runs on the device and in
    the dtype of ``u0`` (float64 recommended: float32 limits the accuracy to ~1e-6).

    Time step: if ``dt`` is None, ``dt = cfl * min(max(dx, nu / U), 1/128) / U`` with
    ``dx = 1/N`` and ``U = max |u0|`` over the whole batch (viscous Burgers satisfies the
    maximum principle, so ``|u| <= U`` for all t). ``max(dx, nu / U)`` is the smallest length
    the discrete solution carries (grid spacing or viscous front width): advective modes that
    the exponential factor does not damp satisfy ``|k| U dt <~ cfl``, which keeps the explicit
    part stable (for ``nu = 0`` this is the RK4 limit, ``cfl <~ 1.3``). The cap ``1/128`` (of
    the period) makes the step resolve the large scales of the data in time when ``nu / U``
    is large (it is active for nu=0.1 with GRF data, not for nu=0.01). The step is then
    reduced so that every snapshot interval is an integer number of steps; a user-supplied
    ``dt`` is reduced the same way. Because ``U`` is a batch maximum, the default step depends
    on the batch (results change at the level of the time-stepping error, ~1e-6); pass ``dt``
    explicitly for results that are bitwise independent of the batch composition.

    Parameters
    ----------
    u0 : torch.Tensor
        Initial data, shape (B, N), floating dtype.
    nu : float
        Viscosity, ``nu >= 0`` (``nu = 0`` is only meaningful before shocks form).
    t_final : float
        Final time, ``> 0``.
    n_snapshots : int, optional
        Number of equally spaced output times (default 1).
    dt : float, optional
        Maximal time step; default from the CFL-type rule above.
    cfl : float, optional
        Courant number of the default rule (default 1). Measured on FNO initial data
        (``sigma=25, tau=5, alpha=2``, 1000 samples, N=1024, t=1), worst / median relative
        error against :func:`cole_hopf_periodic`: nu=0.1: 4.4e-6 / 4.6e-8 (cfl=1),
        4.8e-7 / 6.9e-9 (cfl=0.5); nu=0.01: 8.6e-9 / 9.6e-10 (cfl=1). The error scales like
        ``cfl**3`` to ``cfl**4``; viscous runs stayed stable up to cfl = 4.

    Returns
    -------
    torch.Tensor
        Shape (B, n_snapshots, N), dtype and device of ``u0``; snapshot ``i`` (0-based) is the
        solution at ``t = t_final * (i + 1) / n_snapshots`` (the initial condition is not
        included; the last snapshot is at ``t_final``).
    """
    if u0.ndim != 2:
        raise ValueError(f"u0 must have shape (B, N), got {tuple(u0.shape)}")
    if not u0.is_floating_point():
        raise TypeError(f"u0 must be a real floating tensor, got {u0.dtype}")
    if not nu >= 0:
        raise ValueError(f"nu must be non-negative, got {nu}")
    if not t_final > 0 or n_snapshots < 1:
        raise ValueError(f"need t_final > 0 and n_snapshots >= 1, got {t_final}, {n_snapshots}")
    if dt is not None and not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if not cfl > 0:
        raise ValueError(f"cfl must be positive, got {cfl}")
    batch, n = u0.shape
    device, dtype = u0.device, u0.dtype
    interval = t_final / n_snapshots
    dt_max = dt if dt is not None else _time_step(float(u0.abs().amax()), n, nu, interval, cfl)
    n_sub = max(1, math.ceil(interval / dt_max - 1e-9))
    step = interval / n_sub
    logger.debug("solve_burgers_periodic: B=%d N=%d nu=%g dt=%.3e, %d steps per snapshot",
                 batch, n, nu, step, n_sub)

    k = wavenumbers(n, zero_nyquist=True, device=device, dtype=dtype)
    keep = dealias_mask(n, device=device)
    stepper = ETDRK4(-nu * wavenumbers(n, device=device, dtype=torch.float64) ** 2, step,
                     dtype=dtype)
    half_ik = (-0.5j * k) * keep

    def nonlinear(v_hat: torch.Tensor) -> torch.Tensor:
        u = torch.fft.irfft(v_hat * keep, n=n, dim=-1)
        return half_ik * torch.fft.rfft(u * u, dim=-1)

    out = torch.empty((batch, n_snapshots, n), dtype=dtype, device=device)
    v_hat = torch.fft.rfft(u0, dim=-1)
    for i in range(n_snapshots):
        v_hat = stepper.advance(v_hat, nonlinear, n_sub)
        out[:, i] = torch.fft.irfft(v_hat, n=n, dim=-1)
    return out


# --- tasks ---


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
