r"""2-D incompressible Navier-Stokes equations.

* Operator task (FNO benchmark of Li et al. 2021): vorticity form on the unit torus,
  :math:`\omega_t + u\cdot\nabla\omega = \nu\Delta\omega + f`, :math:`u = \nabla^\perp\psi =
  (\psi_y, -\psi_x)`, :math:`-\Delta\psi = \omega`, solved by the batched pseudo-spectral
  solver :func:`solve_vorticity` (Crank-Nicolson diffusion, explicit dealiased advection).
* PINN task: the steady Kovasznay flow (Kovasznay 1948) at Re = 20, exact solution
  :func:`kovasznay`, as in DeepXDE's example.

Grid convention: a field ``w[..., i, j]`` is the value at :math:`(x, y) = (i/s, j/s)`; axis -2
is ``x``, axis -1 is ``y`` (the convention of :func:`physym.problems._grf.sample_periodic_grf_2d`).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch

from physym.budgets import OperatorBudget, PINNBudget
from physym.problem import OperatorProblem, PINNProblem, ProblemFamily
from physym.problems._flow import navier_stokes_jet_residual, steady_navier_stokes_residual

from ._grf import sample_periodic_grf_2d
from ._spectral import dealias_mask, wavenumbers

__all__ = ["fno_forcing", "solve_vorticity", "kovasznay", "NavierStokesOperator",
           "NavierStokesOperatorParams", "KovasznayPINN", "KovasznayPINNParams", "PROBLEM"]

logger = logging.getLogger(__name__)

#: Largest time step of the default rule of :func:`solve_vorticity` (time units).
_MAX_STEP = 1.0 / 32
#: Low-storage RK3 / Crank-Nicolson coefficients (gamma, zeta, alpha = beta) of Spalart, Moser
#: & Rogers, J. Comput. Phys. 96 (1991) 297-324.
_RK3_CN = ((8 / 15, 0.0, 4 / 15), (5 / 12, -17 / 60, 1 / 15), (3 / 4, -5 / 12, 1 / 6))


def fno_forcing(resolution: int, *, amplitude: float = 0.1, device: Any = None,
                dtype: torch.dtype = torch.float64) -> torch.Tensor:
    r"""The FNO forcing :math:`a(\sin 2\pi(x+y) + \cos 2\pi(x+y))` on the grid, shape (s, s)."""
    x = torch.arange(resolution, dtype=torch.float64, device=device) / resolution
    phase = 2.0 * math.pi * (x[:, None] + x[None, :])
    return (amplitude * (torch.sin(phase) + torch.cos(phase))).to(dtype)


class _Spectral:
    """Derivative multipliers, Poisson inverse and 2/3 mask of an ``s x s`` rfft2 grid."""

    def __init__(self, n: int, device: torch.device, dtype: torch.dtype) -> None:
        kx, ky = (wavenumbers(n, full=full, device=device, dtype=dtype) for full in (True, False))
        self.n, self.k2 = n, kx[:, None] ** 2 + ky[None, :] ** 2
        self.inv_k2 = torch.where(self.k2 > 0, 1.0 / torch.where(self.k2 > 0, self.k2, 1.0), 0.0)
        odd = {"zero_nyquist": True, "device": device, "dtype": dtype}  # odd derivatives
        self.ikx = 1j * wavenumbers(n, full=True, **odd)[:, None]
        self.iky = 1j * wavenumbers(n, **odd)[None, :]
        keep = dealias_mask(n, full=True, device=device)[:, None] & dealias_mask(n, device=device)
        self.keep = keep.to(dtype)

    def fields(self, w_hat: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``u = psi_y, v = -psi_x, w_x, w_y`` on the grid from the 2/3-masked spectrum."""
        wm = w_hat * self.keep
        psi = wm * self.inv_k2
        stacked = torch.stack([self.iky * psi, -self.ikx * psi, self.ikx * wm, self.iky * wm])
        return torch.fft.irfft2(stacked, s=(self.n, self.n)).unbind(0)

    def advection(self, w_hat: torch.Tensor) -> torch.Tensor:
        """``-P(u . grad P w)`` in Fourier space (``P``: 2/3 mask), without mean mode."""
        u, v, w_x, w_y = self.fields(w_hat)
        out = torch.fft.rfft2(u * w_x + v * w_y) * (-self.keep)
        out[..., 0, 0] = 0.0
        return out

    def max_speed(self, w_hat: torch.Tensor) -> float:
        """``max (|u| + |v|)`` over the batch and the grid."""
        u, v = self.fields(w_hat)[:2]
        return float((u.abs() + v.abs()).amax())


def solve_vorticity(w0: torch.Tensor, *, nu: float, t_final: float,
                    forcing: torch.Tensor | None = None, n_snapshots: int = 1,
                    dt: float | None = None, cfl: float = 0.5, stride: int = 1) -> torch.Tensor:
    r"""Batched pseudo-spectral solver of the 2-D vorticity equation on the unit torus.

    .. math::
        \omega_t + u\cdot\nabla\omega = \nu\Delta\omega + f, \qquad
        u = (\psi_y, -\psi_x), \qquad -\Delta\psi = \omega.

    Fourier-Galerkin on the grid :math:`x_i = i/s` of ``w0``. Advection is explicit and exactly
    dealiased (the factors ``u``, ``grad w`` and their product truncated by the 2/3 rule,
    ``3|m_i| < s``), so for ``nu = 0, f = 0`` the semi-discrete system conserves energy and
    enstrophy; modes above the 2/3 band only diffuse; the mean vorticity is kept. Time
    stepping: the RK3 / Crank-Nicolson IMEX scheme of Spalart, Moser & Rogers (1991) --
    three substeps, explicit RK3 for advection and forcing, Crank-Nicolson for diffusion
    (2nd order; RK3 is stable on the imaginary axis up to ``|k.u| dt <= sqrt 3``, unlike the
    Heun/RK2 of the FNO solver or AB2, which are only stable with diffusion or tiny steps).

    Default step: at the start of each snapshot interval ``dt = min(cfl dx / U, 1/32)``,
    ``U = max(|u| + |v|)`` over batch and grid, ``dx = 1/s``, then reduced so the interval
    is a whole number of steps (output times are hit exactly). With the largest dealiased
    wavenumber ``2 pi s / 3`` RK3 needs ``cfl <= 0.83``; 0.5 leaves room for ``U`` to grow
    within an interval. ``U`` is a batch maximum, so results depend on the batch at the level
    of the time-stepping error; a given ``dt`` is used as is (reduced to divide the interval).

    Parameters
    ----------
    w0 : torch.Tensor
        Initial vorticity (B, s, s), float32 or float64: the solve runs on its device and in
        its dtype (float64 for validation).
    nu, t_final : float
        Viscosity ``>= 0`` and final time ``> 0``.
    forcing : torch.Tensor, optional
        Time-independent ``f``, (s, s) or (B, s, s), zero mean.
    n_snapshots : int, optional
        Number of equally spaced output times (default 1).
    dt : float, optional
        Fixed maximal step instead of the CFL rule (it must satisfy the CFL limit itself).
    cfl : float, optional
        Courant number ``U dt / dx`` of the default rule (default 0.5).
    stride : int, optional
        Return every ``stride``-th grid point along both axes (default 1).

    Returns
    -------
    torch.Tensor
        (B, n_snapshots, s // stride, s // stride), dtype and device of ``w0``; snapshot ``i``
        is at ``t = t_final (i + 1) / n_snapshots`` (the initial condition is not included).
    """
    if w0.ndim != 3 or w0.shape[-1] != w0.shape[-2]:
        raise ValueError(f"w0 must have shape (B, s, s), got {tuple(w0.shape)}")
    if w0.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"w0 must be float32 or float64, got {w0.dtype}")
    n = w0.shape[-1]
    for name, ok in (("nu >= 0", nu >= 0), ("t_final > 0", t_final > 0), ("cfl > 0", cfl > 0),
                     ("n_snapshots >= 1", n_snapshots >= 1), ("dt > 0", dt is None or dt > 0),
                     (f"stride a positive divisor of {n}", stride >= 1 and n % stride == 0)):
        if not ok:
            raise ValueError(f"need {name}; got nu={nu}, t_final={t_final}, cfl={cfl}, "
                             f"n_snapshots={n_snapshots}, dt={dt}, stride={stride}")
    spec = _Spectral(n, w0.device, w0.dtype)
    w_hat = torch.fft.rfft2(w0)
    f_hat = None
    if forcing is not None:
        if forcing.shape[-2:] != w0.shape[-2:]:
            raise ValueError(f"forcing must have shape {tuple(w0.shape[-2:])}, "
                             f"got {tuple(forcing.shape)}")
        f_hat = torch.fft.rfft2(forcing.to(device=w0.device, dtype=w0.dtype))
    interval = t_final / n_snapshots
    out = torch.empty((w0.shape[0], n_snapshots, n // stride, n // stride), dtype=w0.dtype,
                      device=w0.device)
    for i in range(n_snapshots):
        if dt is None:
            speed = spec.max_speed(w_hat)
            step_max = min(cfl / (n * speed) if speed > 0 else interval, _MAX_STEP)
        else:
            step_max = dt
        n_sub = max(1, math.ceil(interval / step_max - 1e-9))
        h = interval / n_sub
        coeffs = []
        for gamma, zeta, ab in _RK3_CN:
            denom = 1.0 + ab * h * nu * spec.k2
            coeffs.append(((1.0 - ab * h * nu * spec.k2) / denom, h / denom, gamma, zeta, 2 * ab))
        for _ in range(n_sub):
            n_prev = None
            for a_k, b_k, gamma, zeta, f_weight in coeffs:
                n_cur = spec.advection(w_hat)
                rhs = gamma * n_cur if n_prev is None else gamma * n_cur + zeta * n_prev
                if f_hat is not None:
                    rhs = rhs + f_weight * f_hat
                w_hat = a_k * w_hat + b_k * rhs
                n_prev = n_cur
        out[:, i] = torch.fft.irfft2(w_hat, s=(n, n))[:, ::stride, ::stride]
        logger.debug("solve_vorticity: B=%d s=%d snapshot %d dt=%.3e", w0.shape[0], n, i + 1, h)
    if not torch.isfinite(out[:, -1]).all():
        logger.warning("solve_vorticity: non-finite vorticity (cfl=%g, dt=%s)", cfl, dt)
    return out


# --- operator task ---

@dataclass(frozen=True)
class NavierStokesOperatorParams:
    """Parameters of the Navier-Stokes vorticity data set (FNO paper setup).

    Attributes
    ----------
    nu : float
        Viscosity (FNO: 1e-3; 1e-4 and 1e-5 need a finer ``solver_resolution``).
    forcing_amplitude : float
        ``a`` in ``f = a (sin 2 pi (x + y) + cos 2 pi (x + y))`` (FNO: 0.1).
    dt_snapshot : float
        Snapshot ``k = 1, 2, ...`` is taken at ``t = k dt_snapshot``; as in the FNO data the
        initial vorticity (t = 0) is not a snapshot.
    n_in, n_out : int
        Snapshots ``1..n_in`` are mapped to ``n_in + 1..n_in + n_out`` (default 10 -> 10,
        ``T = 20``; the FNO paper's ``T = 50`` is ``n_out=40``).
    alpha, tau, sigma : float
        ``w(., 0) ~ N(0, sigma^2 (-Delta + tau^2 I)^-alpha)`` (FNO: 7^1.5 (-Delta + 49)^-2.5).
    solver_resolution : int
        Solver grid, a multiple of the data resolution; 0: the data grid, at least 32.
    solver_dtype : {"float64", "float32"}
        Working precision of the solver.
    cfl : float
        Courant number of the solver's time step (see :func:`solve_vorticity`).
    """

    nu: float = 1e-3
    forcing_amplitude: float = 0.1
    dt_snapshot: float = 1.0
    n_in: int = 10
    n_out: int = 10
    alpha: float = 2.5
    tau: float = 7.0
    sigma: float = 7.0**1.5
    solver_resolution: int = 0
    solver_dtype: str = "float64"
    cfl: float = 0.5

    def __post_init__(self) -> None:
        for name in ("nu", "dt_snapshot", "tau", "sigma", "cfl", "alpha"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not np.isfinite(self.forcing_amplitude):
            raise ValueError(f"forcing_amplitude must be finite, got {self.forcing_amplitude}")
        if min(self.n_in, self.n_out) < 1 or self.solver_resolution < 0:
            raise ValueError(f"n_in, n_out must be >= 1 and solver_resolution >= 0 (0: auto), "
                             f"got {self.n_in}, {self.n_out}, {self.solver_resolution}")
        if self.solver_dtype not in ("float64", "float32"):
            raise ValueError(f"solver_dtype must be float64 or float32, got {self.solver_dtype!r}")

    def grid(self, resolution: int) -> int:
        """Solver grid for data at ``resolution`` points per axis."""
        grid = self.solver_resolution or max(resolution, 32)
        if grid < resolution or grid % resolution:
            raise ValueError(f"resolution must divide the solver grid {grid}, got {resolution}")
        return grid


class NavierStokesOperator(OperatorProblem):
    """2-D Navier-Stokes on the unit torus: vorticity snapshots 1..10 -> the next 10.

    ``w_t + u . grad w = nu lap w + f``, ``u = (psi_y, -psi_x)``, ``-lap psi = w``,
    ``nu = 1e-3``, ``f = 0.1 (sin 2 pi (x + y) + cos 2 pi (x + y))``, ``w(., 0) ~ N(0, 7^1.5
    (-lap + 49 I)^-2.5)`` (Li et al. 2021). Inputs: snapshots at ``t = 1..n_in``; targets:
    ``t = n_in + 1..n_in + n_out`` (time as channels). Data: :func:`solve_vorticity` (float64,
    on the GPU when present).

    Resolution: the FNO data were solved on 256^2 (``dt = 1e-4``) and subsampled to 64^2;
    here the solver runs on the data grid (at least 32^2) with its CFL step. Against a 128^2
    solve from the same Fourier-truncated initial data (4 samples, relative L2, t = 1..50) a
    64^2 solve differs by <= 3e-6 and a 32^2 solve by <= 2e-4, far below learning errors
    (~1e-2): this smooth flow is resolved at 32^2 (set ``solver_resolution`` for smaller
    ``nu``). Time-stepping error at 64^2 (vs ``dt = 1/1024``): <= 2.5e-6 for ``dt <= 1/32``.

    Budgets: ``quick`` (32^2, 200 + 50 samples, 20 epochs, ``lr = 1e-2``: at 1e-3 the short
    schedule stays at ~0.2 error) took 96 s for 3 seeds x 2 arms with data on an idle 2-core
    CPU (~4x longer on shared cores); ``standard`` and ``paper`` (FNO-2D sizes, 64^2) are
    for a GPU. The published FNO-2D error 0.0128 is for ``n_out=40`` (T = 50) and a
    *recurrent* model rolled out one step at a time; physym predicts all snapshots at once.
    DeepONet predicts them as ``n_out`` outputs of one net (a branch slice per snapshot, a
    shared trunk on the 2-D grid: DeepXDE's ``split_branch``).
    """

    Params = NavierStokesOperatorParams
    models = ("fno", "tfno", "uno", "deeponet")
    in_channels = 10
    out_channels = 10
    n_dim = 2
    chunk_size = 64
    budgets = {
        # smoke: seconds; data solved on the 32^2 minimum grid, read at 16^2.
        "smoke": OperatorBudget(n_train=8, n_test=4, resolution=16, epochs=2, batch_size=4,
                                modes=4, width=8, n_layers=2, seeds=1),
        "quick": OperatorBudget(n_train=200, n_test=50, resolution=32, epochs=20,
                                batch_size=16, modes=8, width=20, n_layers=4, lr=1e-2,
                                seeds=3),
        "standard": OperatorBudget(n_train=1000, n_test=200, resolution=64, epochs=100,
                                   batch_size=20, modes=12, width=20, n_layers=4, seeds=5),
        # FNO-2D of Li et al. (2021): published rel. L2 0.0128 for nu=1e-3 with n_out=40.
        "paper": OperatorBudget(n_train=1000, n_test=200, resolution=64, epochs=500,
                                batch_size=20, modes=12, width=20, n_layers=4, seeds=5),
    }

    def __init__(self, params: NavierStokesOperatorParams | None = None) -> None:
        super().__init__(params)
        self.in_channels = self.params.n_in
        self.out_channels = self.params.n_out

    @property
    def n_snapshots(self) -> int:
        """Snapshots per sample, ``n_in + n_out``."""
        return self.params.n_in + self.params.n_out

    def generate(self, n: int, *, resolution: int, seed: int,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Solve ``n`` samples; ``(n, n_in, s, s)`` inputs and ``(n, n_out, s, s)`` targets."""
        p = self.params
        grid = p.grid(resolution)
        dtype = torch.float64 if p.solver_dtype == "float64" else torch.float32
        gen = torch.Generator().manual_seed(seed)
        w0 = sample_periodic_grf_2d(n, grid, alpha=p.alpha, tau=p.tau, sigma=p.sigma,
                                    generator=gen, device=device, dtype=dtype)
        forcing = fno_forcing(grid, amplitude=p.forcing_amplitude, device=device, dtype=dtype)
        w = solve_vorticity(w0, nu=p.nu, forcing=forcing,
                            t_final=self.n_snapshots * p.dt_snapshot,
                            n_snapshots=self.n_snapshots, cfl=p.cfl, stride=grid // resolution)
        return w[:, : p.n_in], w[:, p.n_in :]

    def to_pdebench(self, inputs: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """``tensor`` ``(N, n_in + n_out, X, Y)`` and ``t-coordinate`` ``k dt_snapshot``."""
        tensor = np.concatenate([inputs, targets], axis=1)
        times = self.params.dt_snapshot * np.arange(1, tensor.shape[1] + 1)
        return {"tensor": tensor, "t-coordinate": times}

    def from_pdebench(self, datasets: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Split ``tensor`` ``(N, T, X, Y)``: steps ``:n_in`` in, the next ``n_out`` out.

        Raises
        ------
        ValueError
            Without ``tensor``, for another shape, ``T < n_in + n_out``, ``X != Y`` or a
            ``t-coordinate`` that is not ``dt_snapshot, 2 dt_snapshot, ...``.
        """
        if "tensor" not in datasets:
            raise ValueError(f"no data set 'tensor' (found: {', '.join(datasets) or 'none'})")
        tensor = datasets["tensor"]
        n_in, need = self.params.n_in, self.n_snapshots
        if tensor.ndim != 4 or tensor.shape[2] != tensor.shape[3]:
            raise ValueError(f"'tensor' must have shape (N, T, X, X) (vorticity snapshots on a "
                             f"square grid), got {tensor.shape}")
        if tensor.shape[1] < need:
            raise ValueError(f"'tensor' holds {tensor.shape[1]} time steps, but n_in + n_out = "
                             f"{n_in} + {self.params.n_out} = {need} are needed")
        if "t-coordinate" in datasets:
            times = np.asarray(datasets["t-coordinate"], dtype=np.float64)[:need]
            expected = self.params.dt_snapshot * np.arange(1, need + 1)
            if times.shape != expected.shape or not np.allclose(times, expected, rtol=1e-6):
                raise ValueError(f"'t-coordinate' must start {expected[:3].tolist()}... "
                                 f"(snapshot k at k * dt_snapshot), got {times[:3].tolist()}...")
        return np.asarray(tensor[:, :n_in]), np.asarray(tensor[:, n_in:need])


# --- PINN task ---

def kovasznay(x: Any, y: Any, *, re: float = 20.0) -> tuple[Any, Any, Any]:
    r"""Exact Kovasznay flow :math:`(u, v, p)` at points ``(x, y)`` (numpy or torch).

    .. math::
        u = 1 - e^{\lambda x}\cos 2\pi y, \quad
        v = \frac{\lambda}{2\pi} e^{\lambda x}\sin 2\pi y, \quad
        p = \tfrac12\bigl(1 - e^{2\lambda x}\bigr), \quad
        \lambda = \frac{Re}{2} - \sqrt{\frac{Re^2}{4} + 4\pi^2},

    a steady solution of :math:`(u\cdot\nabla)u + \nabla p = Re^{-1}\Delta u`,
    :math:`\nabla\cdot u = 0`. Arrays of any (common) shape; torch inputs keep autograd.
    """
    xp = torch if isinstance(x, torch.Tensor) else np
    lam = re / 2.0 - math.sqrt(re**2 / 4.0 + 4.0 * math.pi**2)
    e = xp.exp(lam * x)
    u = 1.0 - e * xp.cos(2.0 * math.pi * y)
    v = lam / (2.0 * math.pi) * e * xp.sin(2.0 * math.pi * y)
    p = 0.5 * (1.0 - e * e)
    return u, v, p


@dataclass(frozen=True)
class KovasznayPINNParams:
    """Parameters of the Kovasznay PINN: the Reynolds number ``re`` (DeepXDE example: 20)."""

    re: float = 20.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.re) and self.re > 0):
            raise ValueError(f"re must be a positive finite number, got {self.re}")


class KovasznayPINN(PINNProblem):
    """Steady Kovasznay flow PINN (Re = 20) on [-0.5, 1] x [-0.5, 1.5], outputs (u, v, p).

    ``(u . grad) u + grad p = lap u / Re``, ``div u = 0`` (residuals: x- and y-momentum,
    continuity). Dirichlet data for ``u`` and ``v`` from :func:`kovasznay` on the whole
    boundary, and ``p`` on the outflow boundary ``x = 1`` (which fixes the pressure
    constant), as in DeepXDE's Kovasznay example. Scored against :func:`kovasznay` on a
    76 x 101 grid (relative L2 over u, v and p together).
    """

    Params = KovasznayPINNParams
    input_names = ("x", "y")
    output_names = ("u", "v", "p")
    lower, upper = (-0.5, -0.5), (1.0, 1.5)
    # quick: ~20 s per run on an idle 2-core CPU (2 min for 3 seeds x 2 arms).
    budgets = {
        "smoke": PINNBudget(num_domain=100, num_boundary=40, num_initial=0, width=16, depth=2,
                            adam_iterations=30, lbfgs_iterations=10, seeds=1),
        "quick": PINNBudget(num_domain=600, num_boundary=120, num_initial=0, width=32, depth=3,
                            adam_iterations=500, lbfgs_iterations=800, seeds=3),
        "standard": PINNBudget(num_domain=2601, num_boundary=400, num_initial=0, width=50,
                               depth=4, adam_iterations=10000, lbfgs_iterations=5000, seeds=5),
        # DeepXDE's example: 2601 + 400 points, 4 x 50 tanh, Adam 30000 then L-BFGS.
        "paper": PINNBudget(num_domain=2601, num_boundary=400, num_initial=0, width=50,
                            depth=4, adam_iterations=30000, lbfgs_iterations=15000, seeds=5),
    }

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        geom = dde.geometry.Rectangle(list(self.lower), list(self.upper))

        residual = steady_navier_stokes_residual(dde, re=self.params.re)

        def bc(component: int, where: Any) -> Any:
            values = lambda x: self.exact(x)[:, component : component + 1]  # noqa: E731
            return dde.icbc.DirichletBC(geom, values, where, component=component)

        everywhere = lambda _, on_boundary: on_boundary  # noqa: E731
        outflow = lambda x, on_b: on_b and np.isclose(x[0], self.upper[0])  # noqa: E731
        bcs = [bc(0, everywhere), bc(1, everywhere), bc(2, outflow)]
        return dde.data.PDE(geom, residual, bcs, num_domain=budget.num_domain,
                            num_boundary=budget.num_boundary)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> list[Any]:
        """Momentum and continuity from the jet (the residuals of :meth:`deepxde_data`)."""
        return navier_stokes_jet_residual(jet, visc=1.0 / self.params.re)

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return np.stack(kovasznay(points[:, 0], points[:, 1], re=self.params.re), axis=-1)

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(self.lower[0], self.upper[0], 76),
                "y": np.linspace(self.lower[1], self.upper[1], 101)}


PROBLEM = ProblemFamily(
    name="navier_stokes",
    tasks={"operator": NavierStokesOperator, "pinn": KovasznayPINN},
    default_task="operator",
    summary="2-D incompressible Navier-Stokes: operators on vorticity (nu=1e-3), PINN on Kovasznay flow",
)
