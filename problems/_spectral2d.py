r"""ETDRK4 Fourier solutions of 2-D periodic semilinear systems, as PINN references.

A system :math:`w_t = \mathcal{L} w + \mathcal{N}(w)` of ``C`` real fields on the periodic
square ``[lower, lower + length)^2`` with a diagonal (per field, constant-coefficient) linear
part is integrated by :class:`physym.problems._spectral.ETDRK4` in float64 on an ``n x n``
grid, state in ``rfft2`` layout ``(C, n, n // 2 + 1)``. Grid convention: ``w[c, i, j]`` is
field ``c`` at ``(x_i, y_j) = lower + (i, j) length / n`` (axis -2 is ``x``).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from physym.problems._spectral import ETDRK4, dealias_mask, wavenumbers

__all__ = ["Spectral2D", "periodic_square_conditions", "solve_periodic_2d"]

logger = logging.getLogger(__name__)


class Spectral2D:
    """Transforms, derivative symbols and the 2/3 mask of an ``n x n`` periodic grid.

    Attributes
    ----------
    k2 : torch.Tensor
        ``|k|^2`` ``(n, n // 2 + 1)``.
    ikx, iky : torch.Tensor
        ``i k_x``, ``i k_y`` with the Nyquist modes zeroed (odd derivatives).
    mask : torch.Tensor
        1 on the modes kept by the 2/3 rule, 0 elsewhere (float64).
    """

    def __init__(self, n: int, length: float) -> None:
        if n < 8 or n % 2:
            raise ValueError(f"n must be an even number >= 8, got {n}")
        self.n = int(n)
        kx = wavenumbers(n, length, full=True)
        ky = wavenumbers(n, length)
        self.k2 = kx[:, None] ** 2 + ky[None, :] ** 2
        self.ikx = 1j * wavenumbers(n, length, full=True, zero_nyquist=True)[:, None]
        self.iky = 1j * wavenumbers(n, length, zero_nyquist=True)[None, :]
        self.mask = (dealias_mask(n, full=True)[:, None] & dealias_mask(n)[None, :]).to(
            torch.float64)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        """Physical ``(..., n, n)`` -> ``rfft2`` spectrum."""
        return torch.fft.rfft2(w)

    def inverse(self, w_hat: torch.Tensor) -> torch.Tensor:
        """``rfft2`` spectrum -> physical ``(..., n, n)``."""
        return torch.fft.irfft2(w_hat, s=(self.n, self.n))


def solve_periodic_2d(
    w0: np.ndarray,
    *,
    length: float,
    linear: Callable[[Spectral2D], torch.Tensor],
    nonlinear: Callable[[torch.Tensor, Spectral2D], torch.Tensor],
    t_final: float,
    n_snapshots: int,
    dt: float,
    stride: int = 1,
) -> np.ndarray:
    """Integrate ``w_t = L w + N(w)`` by ETDRK4 with a fixed step; snapshots on the grid.

    Parameters
    ----------
    w0 : numpy.ndarray
        ``(C, n, n)`` initial fields on the grid.
    length : float
        Period.
    linear : callable
        ``linear(ops) -> L`` of shape ``(C, n, n // 2 + 1)`` (or broadcastable).
    nonlinear : callable
        ``nonlinear(w_hat, ops) -> N_hat`` (it dealiases itself).
    t_final : float
        Final time.
    n_snapshots : int
        Output intervals (snapshots at ``t_final k / n_snapshots``, ``k = 0..n_snapshots``).
    dt : float
        Largest step; reduced so that each interval is a whole number of steps.
    stride : int, optional
        Keep every ``stride``-th grid point in the snapshots.

    Returns
    -------
    numpy.ndarray
        ``(n_snapshots + 1, C, n // stride, n // stride)``; row 0 is ``w0``.
    """
    if not (t_final > 0 and dt > 0 and n_snapshots >= 1 and stride >= 1):
        raise ValueError(f"need t_final > 0, dt > 0, n_snapshots >= 1, stride >= 1; got "
                         f"{t_final}, {dt}, {n_snapshots}, {stride}")
    w0 = np.asarray(w0, dtype=np.float64)
    ops = Spectral2D(w0.shape[-1], length)
    interval = t_final / n_snapshots
    n_sub = max(1, math.ceil(interval / dt - 1e-9))
    stepper = ETDRK4(linear(ops), interval / n_sub)
    state = ops.forward(torch.as_tensor(w0))
    out = np.empty((n_snapshots + 1, *w0[..., ::stride, ::stride].shape))
    out[0] = w0[..., ::stride, ::stride]
    for i in range(1, n_snapshots + 1):
        state = stepper.advance(state, lambda v: nonlinear(v, ops), n_sub)
        out[i] = ops.inverse(state).numpy()[..., ::stride, ::stride]
    logger.debug("solve_periodic_2d: n=%d, %d steps of %.3e", ops.n, n_sub * n_snapshots,
                 interval / n_sub)
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("solve_periodic_2d: the solution is not finite (step too large?)")
    return out


def periodic_square_conditions(dde: Any, geom: Any, *, lower: float, upper: float,
                               initial: Callable[[np.ndarray], np.ndarray]) -> list:
    """DeepXDE conditions of a PINN on the periodic square ``[lower, upper]^2`` in time.

    For every output ``c`` of ``initial``: ``PeriodicBC`` of ``c`` and of its first
    derivative across ``x`` and across ``y`` (DeepXDE supports orders <= 1), then the ``IC``
    of every output.

    Parameters
    ----------
    initial : callable
        ``initial(x) -> (C, M)`` initial values at ``x`` of shape ``(M, 3)``.
    """
    def side(axis: int) -> Callable[[np.ndarray, bool], bool]:
        return lambda x, on_b: on_b and bool(np.isclose(x[axis], lower)
                                             or np.isclose(x[axis], upper))

    n_out = np.asarray(initial(np.zeros((1, 3)))).shape[0]
    bcs = [dde.icbc.PeriodicBC(geom, axis, side(axis), derivative_order=order, component=c)
           for c in range(n_out) for axis in range(2) for order in (0, 1)]

    def component(c: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda x: np.asarray(initial(x))[c][:, None]

    return bcs + [dde.icbc.IC(geom, component(c), lambda _, on_initial: on_initial,
                              component=c) for c in range(n_out)]
