r"""ETDRK4 Fourier solutions of 1-D periodic semilinear PDEs, as PINN references.

An equation :math:`u_t = \mathcal{L} u + \mathcal{N}(u)` on the periodic interval
``[lower, lower + length)`` with a constant-coefficient linear operator :math:`\mathcal{L}`
(diagonal in Fourier space, symbol ``L(k)``) is integrated by :class:`._spectral.ETDRK4`
(Cox & Matthews 2002, coefficients by the contour integrals of Kassam & Trefethen 2005) in
float64 on a uniform grid. :func:`solve_periodic` returns snapshots on the grid;
:class:`PeriodicSolution` evaluates them at arbitrary points: spectrally in ``x`` (the
trigonometric interpolant, exact for the discrete solution) and by local Lagrange
interpolation of the Fourier coefficients in ``t`` (exact at snapshot times).

Real fields use ``rfft`` (``n // 2 + 1`` modes), complex fields (NLS) the full ``fft``.
"""
from __future__ import annotations

import abc
import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from physym.problem import PINNProblem

from ._reference_cache import LazyReference, cached_arrays
from ._spectral import ETDRK4, dealias_mask, wavenumbers

__all__ = ["Spectral1D", "solve_periodic", "PeriodicSolution", "periodic_grid",
           "PeriodicReferencePINN"]

logger = logging.getLogger(__name__)

#: Points evaluated at once by :meth:`PeriodicSolution.__call__` (points x modes complex).
_EVAL_CHUNK = 1 << 22


def periodic_grid(n: int, lower: float, length: float) -> np.ndarray:
    """Grid ``lower + j * length / n``, ``j = 0, ..., n - 1``, shape ``(n,)``."""
    return lower + length * np.arange(n) / n


class Spectral1D:
    """Transforms and wavenumbers of an ``n``-point periodic grid of period ``length``.

    Parameters
    ----------
    n : int
        Grid points (even).
    length : float
        Period.
    real : bool
        ``rfft`` state of a real field (True) or full ``fft`` state of a complex one.

    Attributes
    ----------
    k : torch.Tensor
        Angular wavenumbers of the state's modes, ``(n // 2 + 1,)`` or ``(n,)``.
    k_odd : torch.Tensor
        ``k`` with the Nyquist wavenumber zeroed, for odd derivatives.
    mask : torch.Tensor
        2/3-rule mask (float64, 1 on kept modes), same shape as ``k``.
    """

    def __init__(self, n: int, length: float, *, real: bool = True) -> None:
        if n < 4 or n % 2:
            raise ValueError(f"n must be an even number >= 4, got {n}")
        self.n, self.length, self.real = int(n), float(length), bool(real)
        full = not real
        self.k = wavenumbers(n, length, full=full)
        self.k_odd = wavenumbers(n, length, full=full, zero_nyquist=True)
        self.mask = dealias_mask(n, full=full).to(torch.float64)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., n)`` -> Fourier state."""
        return torch.fft.rfft(u, dim=-1) if self.real else torch.fft.fft(u, dim=-1)

    def inverse(self, v_hat: torch.Tensor) -> torch.Tensor:
        """Fourier state -> physical ``(..., n)`` (real for a real field)."""
        if self.real:
            return torch.fft.irfft(v_hat, n=self.n, dim=-1)
        return torch.fft.ifft(v_hat, dim=-1)


LinearFn = Callable[["Spectral1D"], torch.Tensor]
NonlinearFn = Callable[[torch.Tensor, Spectral1D], torch.Tensor]


def solve_periodic(
    u0: np.ndarray,
    *,
    length: float,
    linear: LinearFn,
    nonlinear: NonlinearFn,
    t_final: float,
    n_snapshots: int,
    dt: float,
    real: bool = True,
) -> np.ndarray:
    """Integrate ``v_t = L v + N(v)`` in Fourier space by ETDRK4 with a fixed step.

    Parameters
    ----------
    u0 : numpy.ndarray
        Initial values on the grid :func:`periodic_grid`, shape ``(n,)``.
    length : float
        Period of the grid.
    linear : callable
        ``linear(ops) -> L``: the symbol of the linear operator at the wavenumbers of the
        :class:`Spectral1D` ``ops`` (``ops.k``; ``ops.k_odd`` for odd derivatives).
    nonlinear : callable
        ``nonlinear(v_hat, ops) -> N_hat`` with :class:`Spectral1D` ``ops``; it applies any
        dealiasing itself.
    t_final : float
        Final time (> 0).
    n_snapshots : int
        Output intervals: snapshots at ``t_final * i / n_snapshots``, ``i = 0..n_snapshots``.
    dt : float
        Largest step; reduced so that each output interval is a whole number of steps.
    real : bool, optional
        Real field (rfft state, default) or complex field (fft state).

    Returns
    -------
    numpy.ndarray
        ``(n_snapshots + 1, n)`` grid values (float64, or complex128 if not ``real``); row 0
        is ``u0``.
    """
    if not (t_final > 0 and dt > 0 and n_snapshots >= 1):
        raise ValueError(f"need t_final > 0, dt > 0, n_snapshots >= 1; got "
                         f"{t_final}, {dt}, {n_snapshots}")
    u0 = np.asarray(u0)
    ops = Spectral1D(u0.shape[-1], length, real=real)
    interval = t_final / n_snapshots
    n_sub = max(1, math.ceil(interval / dt - 1e-9))
    stepper = ETDRK4(linear(ops), interval / n_sub)
    dtype = torch.float64 if real else torch.complex128
    state = ops.forward(torch.as_tensor(u0, dtype=dtype))
    out = np.empty((n_snapshots + 1, ops.n), dtype=np.float64 if real else np.complex128)
    out[0] = u0
    logger.debug("solve_periodic: n=%d dt=%.3e, %d steps", ops.n, interval / n_sub,
                 n_sub * n_snapshots)
    for i in range(1, n_snapshots + 1):
        state = stepper.advance(state, lambda v: nonlinear(v, ops), n_sub)
        out[i] = ops.inverse(state).numpy()
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("solve_periodic: the solution is not finite (step too large?)")
    return out


def _lagrange_weights(t: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Lagrange weights ``(M, p)`` of the nodes ``(M, p)`` at ``t`` ``(M,)``."""
    p = nodes.shape[1]
    w = np.ones_like(nodes)
    for j in range(p):
        for m in range(p):
            if m != j:
                w[:, j] *= (t - nodes[:, m]) / (nodes[:, j] - nodes[:, m])
    return w


@dataclass(frozen=True)
class PeriodicSolution:
    """Snapshots of a periodic solution, evaluable at arbitrary ``(x, t)``.

    Attributes
    ----------
    lower, length : float
        The grid is ``lower + j * length / n``.
    times : numpy.ndarray
        ``(T,)`` equally spaced snapshot times.
    values : numpy.ndarray
        ``(T, n)`` grid values, real or complex.
    order : int
        Points of the Lagrange stencil in time (default 6: degree 5).
    initial : callable, optional
        ``initial(x) -> u(x, times[0])``, used instead of the interpolant at the first time
        (initial data with a kink are not well represented between grid points).
    """

    lower: float
    length: float
    times: np.ndarray
    values: np.ndarray
    order: int = 6
    initial: Callable[[np.ndarray], np.ndarray] | None = None

    def __call__(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Values at points ``x``, ``t`` (shape ``(M,)`` each) -> ``(M,)``.

        In ``x``: the trigonometric interpolant of each snapshot (the Nyquist mode as a
        cosine, so a real field stays real). In ``t``: exact at snapshot times, elsewhere
        Lagrange interpolation of the Fourier coefficients on the ``order`` nearest
        snapshots. The series is summed once per distinct ``t`` and distinct ``x`` (a
        table lookup on tensor grids), else per point.
        """
        x = np.asarray(x, dtype=np.float64).ravel()
        t = np.asarray(t, dtype=np.float64).ravel()
        n_t, n = self.values.shape
        t0, t1 = float(self.times[0]), float(self.times[-1])
        if np.any(t < t0 - 1e-9 * (t1 - t0)) or np.any(t > t1 + 1e-9 * (t1 - t0)):
            raise ValueError(f"t must lie in [{t0}, {t1}]")
        t_unique, t_index = np.unique(t, return_inverse=True)
        x_unique, x_index = np.unique(x, return_inverse=True)
        coeffs = self._coefficients(t_unique)  # (U_t, n)
        m = np.fft.fftfreq(n, d=1.0 / n)
        nyq = n // 2
        m[nyq] = 0.0  # the Nyquist mode is added as a cosine below

        def basis(xs: np.ndarray) -> np.ndarray:
            theta = (2.0 * np.pi / self.length) * (xs - self.lower)
            b = np.exp(1j * theta[:, None] * m[None, :])
            b[:, nyq] = np.cos(nyq * theta)
            return b

        if t_unique.size * x_unique.size <= 4 * x.size:  # a grid: tabulate
            table = coeffs @ basis(x_unique).T  # (U_t, U_x)
            out = table[t_index, x_index]
        else:
            out = np.empty(x.shape, dtype=np.complex128)
            chunk = max(1, _EVAL_CHUNK // n)
            for a in range(0, x.size, chunk):
                sl = slice(a, a + chunk)
                out[sl] = np.einsum("in,in->i", coeffs[t_index[sl]], basis(x[sl]))
        if self.initial is not None:
            at_start = t == t0
            if np.any(at_start):
                out[at_start] = self.initial(x[at_start])
        return out.real if np.isrealobj(self.values) else out

    @functools.cached_property
    def spectra(self) -> np.ndarray:
        """Fourier coefficients of every snapshot, ``(T, n)`` complex (``fft / n``)."""
        return np.fft.fft(self.values, axis=-1) / self.values.shape[-1]

    def _coefficients(self, t: np.ndarray) -> np.ndarray:
        """Fourier coefficients ``(len(t), n)`` at the times ``t``."""
        n_t, n = self.values.shape
        t0, h = float(self.times[0]), float(self.times[1] - self.times[0])
        s = (t - t0) / h
        nearest = np.clip(np.rint(s).astype(int), 0, n_t - 1)
        on_node = np.abs(s - nearest) < 1e-9
        out = np.empty((t.size, n), dtype=np.complex128)
        out[on_node] = self.spectra[nearest[on_node]]
        off = np.flatnonzero(~on_node)
        p = min(self.order, n_t)
        chunk = max(1, _EVAL_CHUNK // (p * n))
        for a in range(0, off.size, chunk):
            rows = off[a : a + chunk]
            start = np.clip(np.floor(s[rows]).astype(int) - (p // 2 - 1), 0, n_t - p)
            idx = start[:, None] + np.arange(p)[None, :]
            weights = _lagrange_weights(s[rows], idx.astype(np.float64))
            out[rows] = np.einsum("ip,ipn->in", weights, self.spectra[idx])
        return out


def periodic_reference(
    prefix: str,
    key: dict,
    *,
    u0: Callable[[np.ndarray], np.ndarray],
    lower: float,
    length: float,
    n: int,
    linear: LinearFn,
    nonlinear: NonlinearFn,
    t_final: float,
    n_snapshots: int,
    dt: float,
    real: bool = True,
) -> PeriodicSolution:
    """:func:`solve_periodic` from ``u0`` on the ``n``-point grid, cached as HDF5.

    ``key`` must describe the equation and its parameters; the grid, the step and the
    snapshots are added to it. Returns the :class:`PeriodicSolution` on
    ``[lower, lower + length)`` with snapshots at ``t_final * i / n_snapshots``.
    """

    full_key = {**key, "lower": lower, "length": length, "n": n, "t_final": t_final,
                "n_snapshots": n_snapshots, "dt": dt, "real": real, "solver": "etdrk4-v1"}

    def compute() -> dict[str, np.ndarray]:
        values = solve_periodic(np.asarray(u0(periodic_grid(n, lower, length))), length=length,
                                linear=linear, nonlinear=nonlinear, t_final=t_final,
                                n_snapshots=n_snapshots, dt=dt, real=real)
        return {"values": values, "times": np.linspace(0.0, t_final, n_snapshots + 1)}

    arrays = cached_arrays(prefix, full_key, compute)
    return PeriodicSolution(lower, length, arrays["times"], arrays["values"], initial=u0)


class PeriodicReferencePINN(LazyReference, PINNProblem):
    """A 1-D periodic PINN ``u(x, t)`` scored against its cached spectral reference.

    Subclasses set the domain ``lower``, ``length`` and ``t_final`` and implement
    :meth:`compute_reference` (typically :func:`periodic_reference` with the problem's
    solver); the reference is computed, or read from the cache, once per instance and scored
    on a 256 x 101 grid of ``(x, t)``.
    """

    lower: ClassVar[float]
    length: ClassVar[float]
    t_final: ClassVar[float]

    @abc.abstractmethod
    def compute_reference(self) -> PeriodicSolution:
        """Solve (or read from the cache) the reference for ``self.params``."""

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return self.reference()(points[:, 0], points[:, 1])[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(self.lower, self.lower + self.length, 256),
                "t": np.linspace(0.0, self.t_final, 101)}
