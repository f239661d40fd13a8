"""Checks that a PINN problem's residual, conditions and reference agree.

Use them when you add a PINN problem with an exact or manufactured solution (the built-in
problems' tests do): they catch a wrong sign in a residual, a condition on the wrong
boundary, or an exact solution that does not solve the PDE, before any training.

Two independent checks of a :class:`~physym.problem.PINNProblem` with a known solution:

* :func:`deepxde_residuals` evaluates the problem's own DeepXDE residual and every initial
  and boundary condition (``DirichletBC``, ``IC``, ``OperatorBC``, ...) on the collocation
  points, with the network replaced by a differentiable torch expression of the solution.
  All of them vanish (to rounding) exactly when the residual code, the conditions and that
  expression describe the same problem.
* :func:`fd_derivative` differentiates the numpy reference ``problem.exact`` by
  fourth-order central differences, so a test can show that the function used for scoring
  satisfies the PDE to a bound set by the difference step.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from physym.models.pinn import load_deepxde

__all__ = ["deepxde_residuals", "fd_derivative"]


def deepxde_residuals(
    problem: Any,
    solution: Callable[[torch.Tensor], torch.Tensor],
    *,
    budget: str = "smoke",
) -> tuple[list[float], list[tuple[str, float]]]:
    """Largest PDE residuals and condition errors of ``solution`` on the training points.

    Parameters
    ----------
    problem : PINNProblem
        The problem whose :meth:`deepxde_data` is checked.
    solution : callable
        ``(N, d)`` float64 tensor -> ``(N, n_outputs)`` tensor, differentiable in its input.
    budget : str
        Budget whose point counts are used.

    Returns
    -------
    pde : list of float
        ``max |r|`` of each residual component over all training points.
    conditions : list of (str, float)
        Class name and ``max |error|`` of each condition on its own points.
    """
    dde = load_deepxde()
    data = problem.deepxde_data(dde, problem.budget(budget))
    x = torch.as_tensor(np.asarray(data.train_x), dtype=torch.float64).requires_grad_(True)
    y = solution(x)
    dde.grad.clear()
    try:
        res = data.pde(x, y)
        res = res if isinstance(res, (list, tuple)) else [res]
        pde = [float(r.detach().abs().max()) for r in res]
        starts = np.cumsum([0, *data.num_bcs])
        conditions = []
        for bc, beg, end in zip(data.bcs, starts[:-1], starts[1:]):
            err = bc.error(data.train_x, x, y, int(beg), int(end))
            value = float(err.detach().abs().max()) if end > beg else 0.0
            conditions.append((type(bc).__name__, value))
    finally:
        dde.grad.clear()
    return pde, conditions


def fd_derivative(
    f: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    axis: int,
    *,
    order: int = 1,
    h: float = 1e-3,
) -> np.ndarray:
    """Fourth-order central difference of ``f`` along input ``axis``.

    Parameters
    ----------
    f : callable
        ``(N, d) -> (N, k)`` (for example ``problem.exact``).
    points : numpy.ndarray
        ``(N, d)`` points, at least ``2 h`` inside the domain along ``axis``.
    axis : int
        Input to differentiate by.
    order : {1, 2}
        First or second derivative.
    h : float
        Step. Truncation error ``~ h^4 |f^(order + 4)|``; rounding ``~ eps |f| / h^order``.

    Returns
    -------
    numpy.ndarray
        ``(N, k)`` derivative.
    """
    points = np.asarray(points, dtype=np.float64)

    def at(shift: float) -> np.ndarray:
        p = points.copy()
        p[:, axis] += shift * h
        return np.asarray(f(p), dtype=np.float64)

    if order == 1:
        return (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * h)
    if order == 2:
        return (-at(-2) + 16 * at(-1) - 30 * at(0) + 16 * at(1) - at(2)) / (12 * h * h)
    raise ValueError(f"order must be 1 or 2, got {order}")
