"""The residual of the incompressible Navier-Stokes equations, for DeepXDE PINNs.

Shared by the Kovasznay PINN (:mod:`physym.problems.navier_stokes`), the lid-driven cavity
(:mod:`physym.problems.lid_driven_cavity`) and the Taylor-Green vortex
(:mod:`physym.problems.taylor_green`). :func:`navier_stokes_terms` writes the equations once,
from the derivatives; the DeepXDE and the jet forms only differ in how those are computed.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["navier_stokes_terms", "navier_stokes_jet_residual",
           "steady_navier_stokes_residual"]


def navier_stokes_terms(u: Any, v: Any, du: tuple[Any, Any], dv: tuple[Any, Any],
                        dp: tuple[Any, Any], lap_u: Any, lap_v: Any, visc: float,
                        dt: tuple[Any, Any] | None = None) -> list[Any]:
    r"""``[u_t + u u_x + v u_y + p_x - visc lap u, v_t + u v_x + v v_y + p_y - visc lap v,
    u_x + v_y]`` from the velocity ``(u, v)``, the spatial gradients ``du``, ``dv``, ``dp``
    (each ``(d/dx, d/dy)``), the Laplacians and, unsteady, ``dt = (u_t, v_t)`` (``None``:
    the steady equations, without the time derivatives).
    """
    (u_x, u_y), (v_x, v_y), (p_x, p_y) = du, dv, dp
    adv_u, adv_v = u * u_x, u * v_x
    if dt is not None:
        adv_u, adv_v = dt[0] + adv_u, dt[1] + adv_v
    return [adv_u + v * u_y + p_x - visc * lap_u, adv_v + v * v_y + p_y - visc * lap_v,
            u_x + v_y]


def navier_stokes_jet_residual(jet: Any, *, visc: float, unsteady: bool = False) -> list[Any]:
    """:func:`navier_stokes_terms` from a jet of outputs ``(u, v, p)`` over inputs
    ``(x, y)`` (steady) or ``(x, y, t)`` (``unsteady``)."""
    du, dv, dp = ((jet.d(0, c), jet.d(1, c)) for c in range(3))
    lap_u, lap_v = (jet.dd(0, c) + jet.dd(1, c) for c in range(2))
    dt = (jet.d(2, 0), jet.d(2, 1)) if unsteady else None
    return navier_stokes_terms(jet.value(0), jet.value(1), du, dv, dp, lap_u, lap_v, visc, dt)


def steady_navier_stokes_residual(dde: Any, *, re: float) -> Callable[[Any, Any], list[Any]]:
    r"""``residual(x, y)`` for inputs ``(x, y)`` and outputs ``(u, v, p)``:

    .. math::
        u u_x + v u_y + p_x - Re^{-1}\Delta u, \quad u v_x + v v_y + p_y - Re^{-1}\Delta v,
        \quad u_x + v_y.
    """
    inv_re = 1.0 / re

    def residual(x: Any, y: Any) -> list[Any]:
        du, dv, dp = (
            (dde.grad.jacobian(y, x, i=c, j=0), dde.grad.jacobian(y, x, i=c, j=1))
            for c in range(3))
        lap_u, lap_v = (dde.grad.hessian(y, x, component=c, i=0, j=0)
                        + dde.grad.hessian(y, x, component=c, i=1, j=1) for c in range(2))
        return navier_stokes_terms(y[:, 0:1], y[:, 1:2], du, dv, dp, lap_u, lap_v, inv_re)

    return residual
