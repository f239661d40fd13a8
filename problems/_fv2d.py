r"""Vertex-centred finite volumes for :math:`\nabla\cdot(a\nabla u)` on the unit square.

Nodes :math:`(x_i, y_j) = (i h, j h)`, :math:`h = 1/n`, :math:`i, j = 0..n`; the unknowns are
the :math:`(n-1)^2` interior nodes (homogeneous Dirichlet data on the boundary), ordered with
``i`` (x) as the slow index, so ``vec.reshape(n - 1, n - 1)[i - 1, j - 1]`` is node
``(i, j)``. The flux through the face between two neighbouring nodes uses the harmonic mean
of the nodal coefficients, :math:`a_{i+1/2} = 2 a_i a_{i+1} / (a_i + a_{i+1})` (exact for
a coefficient that is constant on each side of a face; second order for a smooth one), so

.. math::
    (A u)_{ij} = h^{-2}\big[a_{i+1/2,j}(u_{i+1,j} - u_{ij}) - a_{i-1/2,j}(u_{ij} - u_{i-1,j})
    + a_{i,j+1/2}(u_{i,j+1} - u_{ij}) - a_{i,j-1/2}(u_{ij} - u_{i,j-1})\big],

a symmetric negative-definite matrix, second-order accurate.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["divergence_matrix", "embed", "interior", "node_axis"]


def node_axis(n: int) -> np.ndarray:
    """The ``n + 1`` node coordinates ``i / n`` of one axis."""
    if n < 4:
        raise ValueError(f"n must be >= 4, got {n}")
    return np.linspace(0.0, 1.0, n + 1)


def divergence_matrix(coef: np.ndarray) -> sp.csr_matrix:
    """Sparse ``A`` ``((n-1)^2, (n-1)^2)`` of ``div(a grad u)`` for nodal ``a`` ``(n+1, n+1)``."""
    coef = np.asarray(coef, dtype=np.float64)
    n = coef.shape[0] - 1
    if coef.shape != (n + 1, n + 1) or np.any(coef <= 0):
        raise ValueError(f"coef must be positive with shape (n+1, n+1), got {coef.shape}")
    h2 = 1.0 / n**2
    ax = 2 * coef[1:] * coef[:-1] / (coef[1:] + coef[:-1])  # (n, n+1): face (i+1/2, j)
    ay = 2 * coef[:, 1:] * coef[:, :-1] / (coef[:, 1:] + coef[:, :-1])  # (n+1, n)
    m = n - 1
    idx = np.arange(m * m).reshape(m, m)
    east, west = ax[1:, 1:-1], ax[:-1, 1:-1]  # faces (i+1/2, j), (i-1/2, j) of interior nodes
    north, south = ay[1:-1, 1:], ay[1:-1, :-1]
    diag = -(east + west + north + south)
    rows, cols, vals = [idx.ravel()], [idx.ravel()], [diag.ravel()]
    for sl_from, sl_to, w in (((slice(0, -1), slice(None)), (slice(1, None), slice(None)),
                               east[:-1]),
                              ((slice(None), slice(0, -1)), (slice(None), slice(1, None)),
                               north[:, :-1])):
        a, b = idx[sl_from].ravel(), idx[sl_to].ravel()
        rows += [a, b]
        cols += [b, a]
        vals += [w.ravel(), w.ravel()]
    mat = sp.coo_matrix((np.concatenate(vals) / h2,
                         (np.concatenate(rows), np.concatenate(cols))), shape=(m * m, m * m))
    return mat.tocsr()


def interior(field: np.ndarray) -> np.ndarray:
    """Interior values ``(..., (n-1)^2)`` of nodal fields ``(..., n+1, n+1)``."""
    return field[..., 1:-1, 1:-1].reshape(*field.shape[:-2], -1)


def embed(vec: np.ndarray, n: int) -> np.ndarray:
    """Nodal field ``(n+1, n+1)`` with interior values ``vec`` and zeros on the boundary."""
    out = np.zeros((n + 1, n + 1))
    out[1:-1, 1:-1] = vec.reshape(n - 1, n - 1)
    return out
