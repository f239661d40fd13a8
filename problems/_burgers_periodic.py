r"""The periodic Burgers problem of the operator benchmark: a batched ETDRK4 solver and the
exact Cole-Hopf solution it is validated against (re-exported by
:mod:`physym.problems.burgers`).

On :math:`x \in [0, 1)` (periodic), :math:`u_t + (u^2/2)_x = \nu u_{xx}`.
"""
from __future__ import annotations

import logging
import math

import torch

from ._spectral import ETDRK4, dealias_mask, wavenumbers

__all__ = ["cole_hopf_periodic", "solve_burgers_periodic"]

logger = logging.getLogger(__name__)

#: Upper bound on the length in the default time step of :func:`solve_burgers_periodic`.
_MAX_STEP_LENGTH = 1.0 / 128
#: log(max phi / min phi) above which cole_hopf_periodic warns (error ~1e-16 * exp(range)).
_PERIODIC_LOG_RANGE = 18.0


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
