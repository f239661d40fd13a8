"""The residual of the steady incompressible Navier-Stokes equations, for DeepXDE PINNs.

Shared by the Kovasznay PINN (:mod:`physym.problems.navier_stokes`) and the lid-driven
cavity (:mod:`physym.problems.lid_driven_cavity`).
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["steady_navier_stokes_residual"]


def steady_navier_stokes_residual(dde: Any, *, re: float) -> Callable[[Any, Any], list[Any]]:
    r"""``residual(x, y)`` for inputs ``(x, y)`` and outputs ``(u, v, p)``:

    .. math::
        u u_x + v u_y + p_x - Re^{-1}\Delta u, \quad u v_x + v v_y + p_y - Re^{-1}\Delta v,
        \quad u_x + v_y.
    """
    inv_re = 1.0 / re

    def residual(x: Any, y: Any) -> list[Any]:
        (u_x, u_y), (v_x, v_y), (p_x, p_y) = (
            (dde.grad.jacobian(y, x, i=c, j=0), dde.grad.jacobian(y, x, i=c, j=1))
            for c in range(3))
        lap_u, lap_v = (dde.grad.hessian(y, x, component=c, i=0, j=0)
                        + dde.grad.hessian(y, x, component=c, i=1, j=1) for c in range(2))
        u, v = y[:, 0:1], y[:, 1:2]
        return [u * u_x + v * u_y + p_x - inv_re * lap_u,
                u * v_x + v * v_y + p_y - inv_re * lap_v, u_x + v_y]

    return residual
