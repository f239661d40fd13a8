"""Solver output on a uniform tensor grid, evaluable at arbitrary points (PINN references).

Finite-difference, finite-volume and pseudo-spectral references store their solution on the
nodes of a uniform grid in ``(x, y[, t])``. :class:`GridSolution` evaluates it at any point
of the box by tensor-product Lagrange interpolation on the ``order`` nearest nodes of each
axis (default 4: cubic, error ``O(h^4)``); on a node it returns the stored value (to
rounding). Periodic axes wrap their stencils around.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["GridSolution"]

#: Points interpolated at once (bounds the gathered stencil values in memory).
_CHUNK = 1 << 15


def _weights(rel: np.ndarray, order: int) -> np.ndarray:
    """Lagrange weights ``(M, order)`` of the nodes ``0..order-1`` at positions ``rel``."""
    w = np.ones((rel.size, order))
    for j in range(order):
        for m in range(order):
            if m != j:
                w[:, j] *= (rel - m) / (j - m)
    return w


@dataclass(frozen=True)
class GridSolution:
    """Values on a uniform tensor grid with tensor-product Lagrange interpolation.

    Attributes
    ----------
    axes : sequence of numpy.ndarray
        Uniformly spaced, increasing node coordinates of each input, ``(n_d,)``. A periodic
        axis holds ``n_d`` nodes of one period (the last node one step before the period's
        end).
    values : numpy.ndarray
        ``(n_0, ..., n_{D-1}, C)`` values at the nodes.
    periodic : sequence of float or None
        Period of each axis, ``None`` for a bounded one (default: all bounded).
    order : int
        Stencil points per axis (default 4, cubic).
    """

    axes: Sequence[np.ndarray]
    values: np.ndarray
    periodic: Sequence[float | None] | None = None
    order: int = 4

    def __post_init__(self) -> None:
        shape = tuple(len(a) for a in self.axes)
        if self.values.shape[:-1] != shape:
            raise ValueError(f"values must have shape {shape} + (C,), got {self.values.shape}")
        if min(shape) < self.order:
            raise ValueError(f"every axis needs >= {self.order} nodes, got {shape}")

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Interpolated values ``(M, C)`` at ``points`` ``(M, D)``."""
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != len(self.axes):
            raise ValueError(f"points must have shape (M, {len(self.axes)}), got {points.shape}")
        out = np.empty((points.shape[0], self.values.shape[-1]))
        for a in range(0, points.shape[0], _CHUNK):
            out[a : a + _CHUNK] = self._evaluate(points[a : a + _CHUNK])
        return out

    def _evaluate(self, points: np.ndarray) -> np.ndarray:
        periodic = self.periodic or [None] * len(self.axes)
        index, weight = [], []
        for d, (axis, period) in enumerate(zip(self.axes, periodic)):
            n, h = len(axis), float(axis[1] - axis[0])
            s = (points[:, d] - axis[0]) / h
            if period is None:
                lo, hi = -1e-9 * (n - 1), (n - 1) * (1 + 1e-9)
                if np.any(s < lo) or np.any(s > hi):
                    raise ValueError(f"input {d} outside [{axis[0]}, {axis[-1]}]")
                s = np.clip(s, 0, n - 1)
                start = np.clip(np.floor(s).astype(np.int64) - (self.order // 2 - 1),
                                0, n - self.order)
                idx = start[:, None] + np.arange(self.order)[None, :]
            else:
                start = np.floor(s).astype(np.int64) - (self.order // 2 - 1)
                idx = (start[:, None] + np.arange(self.order)[None, :]) % n
            w = _weights(s - start, self.order)
            index.append(idx)
            weight.append(w)
        out = np.zeros((points.shape[0], self.values.shape[-1]))
        for combo in np.ndindex(*(self.order,) * len(self.axes)):
            w = np.ones(points.shape[0])
            for d, j in enumerate(combo):
                w = w * weight[d][:, j]
            sel = tuple(index[d][:, j] for d, j in enumerate(combo))
            out += w[:, None] * self.values[sel]
        return out
