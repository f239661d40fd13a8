"""scipy method-of-lines references for physym's batched solvers, matched in accuracy.

* Burgers: :func:`fd4_burgers` — 4th-order central finite differences (conservative flux
  form) with the exact sparse Jacobian, for ``solve_ivp(method="BDF")``: the efficient way
  to solve this stiff system (``ν k²`` reaches 1e6 at 1024 points) with scipy.
* Navier–Stokes: :func:`vorticity_rhs` — the same pseudo-spectral, 2/3-dealiased
  semi-discretisation as physym's solver, in numpy, for an explicit ``solve_ivp`` method
  (the system is not stiff at ν = 1e-3 on 64²).

:func:`match_accuracy` walks a tolerance ladder from loose to tight and stops at the first
tolerance whose median error is at or below physym's, so scipy is timed at the same or a
better accuracy, and interpolates its throughput to physym's error exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse
from scipy.integrate import solve_ivp

__all__ = ["Solved", "fd4_burgers", "solve_burgers", "vorticity_rhs", "solve_vorticity",
           "match_accuracy", "relative_errors"]


@dataclass
class Solved:
    """Solutions of a batch solved one sample at a time, with the time it took."""

    u: np.ndarray
    seconds: float
    nfev: float


def relative_errors(u: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Relative L2 error of each sample, ``(B, ...) -> (B,)``."""
    d, e = (a.reshape(a.shape[0], -1) for a in (u, exact))
    return np.linalg.norm(d - e, axis=1) / np.linalg.norm(e, axis=1)


def _solve_each(rhs: Callable[..., np.ndarray], y0: np.ndarray, t_eval: np.ndarray,
                **kwargs: Any) -> Solved:
    """``solve_ivp`` on each flattened sample of ``y0`` ``(B, ...)``; output ``(B, T, ...)``."""
    out = np.empty((y0.shape[0], len(t_eval), *y0.shape[1:]))
    nfev = 0
    start = time.perf_counter()
    for b, row in enumerate(y0):
        sol = solve_ivp(rhs, (0.0, float(t_eval[-1])), row.ravel(), t_eval=t_eval, **kwargs)
        if not sol.success:
            raise RuntimeError(f"solve_ivp failed ({kwargs}): {sol.message}")
        out[b] = sol.y.T.reshape(len(t_eval), *y0.shape[1:])
        nfev += sol.nfev
    return Solved(out, time.perf_counter() - start, nfev / max(1, y0.shape[0]))


def fd4_burgers(n: int, nu: float) -> tuple[Callable[..., np.ndarray], Callable[..., Any]]:
    """Right-hand side and sparse Jacobian of ``u_t = ν u_xx - (u²/2)_x``, 4th-order FD.

    Periodic grid ``x_j = j / n`` of [0, 1).

    Returns
    -------
    rhs, jac : callable
        ``rhs(t, u) -> (n,)`` and ``jac(t, u) -> scipy.sparse.csc_matrix (n, n)``.
    """
    h = 1.0 / n
    rows = np.arange(n)

    def circulant(stencil: dict[int, float]) -> scipy.sparse.csr_matrix:
        cols = np.concatenate([(rows + k) % n for k in stencil])
        vals = np.concatenate([np.full(n, v) for v in stencil.values()])
        return scipy.sparse.csr_matrix((vals, (np.tile(rows, len(stencil)), cols)), shape=(n, n))

    d1 = circulant({-2: 1 / 12, -1: -8 / 12, 1: 8 / 12, 2: -1 / 12}) / h
    lin = nu * circulant({-2: -1 / 12, -1: 16 / 12, 0: -30 / 12, 1: 16 / 12, 2: -1 / 12}) / h**2
    rhs = lambda t, u: lin @ u - d1 @ (0.5 * u * u)  # noqa: E731
    jac = lambda t, u: (lin - d1 @ scipy.sparse.diags(u)).tocsc()  # noqa: E731
    return rhs, jac


def solve_burgers(u0: np.ndarray, *, nu: float, t_final: float, rtol: float) -> Solved:
    """Burgers at ``t_final`` for each row of ``u0`` ``(B, n)``: BDF on :func:`fd4_burgers`.

    ``atol = 1e-2 rtol``. Returns ``u`` of shape ``(B, n)``.
    """
    rhs, jac = fd4_burgers(u0.shape[1], nu)
    solved = _solve_each(rhs, u0, np.array([t_final]), method="BDF", jac=jac, rtol=rtol,
                         atol=1e-2 * rtol)
    solved.u = solved.u[:, -1]
    return solved


def vorticity_rhs(n: int, nu: float, forcing: np.ndarray) -> Callable[..., np.ndarray]:
    """``ω_t = -P(u·∇Pω) + ν Δω + f`` on the unit torus, pseudo-spectral, flattened ``(n²,)``.

    ``P`` is the 2/3 mask, ``u = (ψ_y, -ψ_x)``, ``-Δψ = ω``; the discretisation of
    :func:`physym.problems.navier_stokes.solve_vorticity` (grid ``x_i = i / n``).
    """
    kx = 2 * np.pi * np.fft.fftfreq(n, d=1.0 / n)[:, None]
    ky = 2 * np.pi * np.fft.rfftfreq(n, d=1.0 / n)[None, :]
    k2 = kx**2 + ky**2
    inv_k2 = np.where(k2 > 0, 1.0 / np.where(k2 > 0, k2, 1.0), 0.0)
    nyq = lambda k: np.where(np.abs(k) == np.pi * n, 0.0, k)  # noqa: E731  (odd derivatives)
    ikx, iky = 1j * nyq(kx), 1j * nyq(ky)
    m = np.fft.fftfreq(n, d=1.0 / n)
    keep = ((3 * np.abs(m) < n)[:, None] & (3 * np.abs(np.fft.rfftfreq(n, d=1.0 / n)) < n)[None, :])
    f_hat = np.fft.rfft2(forcing)

    def rhs(t: float, w_flat: np.ndarray) -> np.ndarray:
        w_hat = np.fft.rfft2(w_flat.reshape(n, n))
        wm = w_hat * keep
        psi = wm * inv_k2
        u, v = np.fft.irfft2(iky * psi, s=(n, n)), np.fft.irfft2(-ikx * psi, s=(n, n))
        w_x, w_y = np.fft.irfft2(ikx * wm, s=(n, n)), np.fft.irfft2(iky * wm, s=(n, n))
        adv = -np.fft.rfft2(u * w_x + v * w_y) * keep
        adv[0, 0] = 0.0
        return np.fft.irfft2(adv - nu * k2 * w_hat + f_hat, s=(n, n)).ravel()

    return rhs


def solve_vorticity(w0: np.ndarray, *, nu: float, forcing: np.ndarray, t_final: float,
                    n_snapshots: int, rtol: float, method: str = "RK45") -> Solved:
    """Vorticity snapshots ``(B, n_snapshots, n, n)`` at ``t_final (i + 1) / n_snapshots``.

    Explicit ``solve_ivp`` (default RK45, scipy's default) on :func:`vorticity_rhs`,
    ``atol = 1e-2 rtol``, one sample at a time.
    """
    t_eval = t_final * np.arange(1, n_snapshots + 1) / n_snapshots
    rhs = vorticity_rhs(w0.shape[-1], nu, forcing)
    return _solve_each(rhs, w0, t_eval, method=method, rtol=rtol, atol=1e-2 * rtol)


def _interpolate(tried: Sequence[dict[str, Any]], error: float) -> float:
    """Samples/s at median error ``error``, log-log between the last two tolerances tried."""
    if len(tried) < 2:
        return tried[-1]["samples_per_s"]
    (e0, r0), (e1, r1) = ((math.log(t["error_median"]), math.log(t["samples_per_s"]))
                          for t in tried[-2:])
    w = min(1.0, max(0.0, (math.log(error) - e0) / (e1 - e0))) if e1 != e0 else 1.0
    return math.exp(r0 + w * (r1 - r0))


def match_accuracy(solve: Callable[[float], Solved], exact: np.ndarray, target: float,
                   rtols: Sequence[float]) -> dict[str, Any]:
    """Run ``solve(rtol)`` from the loosest tolerance until its median error is ≤ ``target``.

    Parameters
    ----------
    solve : callable
        ``rtol -> Solved`` for the reference samples.
    exact : numpy.ndarray
        The exact (or converged) solution of those samples, shaped like ``Solved.u``.
    target : float
        physym's median relative L2 error on the same samples.
    rtols : sequence of float
        Tolerances, loosest first.

    Returns
    -------
    dict
        ``ladder`` (every tolerance tried: rtol, samples/s, median and max error, function
        evaluations per sample), ``chosen`` (the last one), ``matches_accuracy`` and
        ``samples_per_s_at_equal_error`` (log-log interpolation between the last two rungs,
        which credits scipy with exactly physym's accuracy).
    """
    tried: list[dict[str, Any]] = []
    for rtol in rtols:
        solved = solve(rtol)
        err = relative_errors(solved.u, exact)
        tried.append({"rtol": rtol, "samples_per_s": len(err) / solved.seconds,
                      "error_median": float(np.median(err)), "error_max": float(err.max()),
                      "nfev_per_sample": solved.nfev})
        if tried[-1]["error_median"] <= target:
            break
    return {"ladder": tried, "chosen": tried[-1],
            "matches_accuracy": tried[-1]["error_median"] <= target,
            "samples_per_s_at_equal_error": _interpolate(tried, target)}
