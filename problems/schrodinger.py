r"""Nonlinear Schroedinger equation with periodic boundaries (Raissi et al. 2019), two outputs.

On :math:`x \in [-5, 5]` (periodic), :math:`t \in [0, \pi/2]`:

.. math::
    i h_t + \tfrac12 h_{xx} + |h|^2 h = 0, \qquad h(x, 0) = 2\,\mathrm{sech}\, x ,

solved for :math:`h = u + i v` as two real outputs: :math:`u_t + \tfrac12 v_{xx} + |h|^2 v = 0`
and :math:`-v_t + \tfrac12 u_{xx} + |h|^2 u = 0` (Raissi, Perdikaris & Karniadakis,
J. Comput. Phys. 378 (2019) 686, section 3.1.1). On the whole line the solution would be
the Satsuma-Yajima two-soliton breather of period :math:`\pi/2`
(:func:`breather_whole_line`); on the periodic box the tails ``2 sech 5 ~ 0.027`` make it
differ from the breather by ~1e-2, so the reference is computed.

Reference: :func:`physym.problems._spectral1d.solve_periodic` on the complex field
(Fourier pseudo-spectral, ETDRK4 with Kassam-Trefethen coefficients for the complex
symbol :math:`-ik^2/2`, float64) with nonlinear part :math:`i|h|^2 h`, on 1024 points with
step 1e-4, 200 snapshots; cached as HDF5. The semi-discretisation conserves the mass
:math:`\int |h|^2` exactly (the pointwise product is used, aliasing included).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._reference_cache import LazyReference
from physym.problems._suite import suite_budgets

from physym.problems._spectral1d import PeriodicSolution, Spectral1D, periodic_reference

__all__ = ["SchrodingerPINN", "SchrodingerParams", "nls_reference", "nls_invariants",
           "breather_whole_line", "PROBLEM"]

LOWER, LENGTH, T_FINAL = -5.0, 10.0, 0.5 * np.pi


@dataclass(frozen=True)
class SchrodingerParams:
    """Parameters of the NLS PINN and of its reference solver.

    Attributes
    ----------
    grid : int
        Points of the spectral reference (even; default 1024).
    dt : float
        Largest ETDRK4 step of the reference (default 1e-4).
    n_snapshots : int
        Stored reference snapshots (time intervals; default 200, every pi/400).
    """

    grid: int = 1024
    dt: float = 1e-4
    n_snapshots: int = 200

    def __post_init__(self) -> None:
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise ValueError(f"dt must be a positive finite number, got {self.dt}")
        if self.grid < 16 or self.grid % 2:
            raise ValueError(f"grid must be an even integer >= 16, got {self.grid}")
        if self.n_snapshots < 2:
            raise ValueError(f"n_snapshots must be >= 2, got {self.n_snapshots}")


def initial_condition(x: np.ndarray) -> np.ndarray:
    """``h(x, 0) = 2 sech(x)``, complex128 with the shape of ``x``."""
    return (2.0 / np.cosh(x)).astype(np.complex128)


def breather_whole_line(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Satsuma-Yajima breather, the solution from ``2 sech x`` on the whole real line.

    ``h = 4 e^{it/2} (cosh 3x + 3 e^{4it} cosh x) / (cosh 4x + 4 cosh 2x + 3 cos 4t)``.
    """
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64)
    num = np.cosh(3 * x) + 3 * np.exp(4j * t) * np.cosh(x)
    den = np.cosh(4 * x) + 4 * np.cosh(2 * x) + 3 * np.cos(4 * t)
    return 4 * np.exp(0.5j * t) * num / den


def nls_nonlinear(v_hat: torch.Tensor, ops: Spectral1D) -> torch.Tensor:
    """``i |h|^2 h`` in Fourier space (pointwise product, not dealiased)."""
    h = ops.inverse(v_hat)
    return ops.forward(1j * (h.real**2 + h.imag**2) * h)


def nls_reference(params: SchrodingerParams | None = None, *, t_final: float = T_FINAL,
                  n_snapshots: int | None = None) -> PeriodicSolution:
    """The cached ETDRK4 solution (complex) on ``[-5, 5) x [0, t_final]``."""
    p = params or SchrodingerParams()
    return periodic_reference(
        "reference-nls", {"problem": "schrodinger"},
        u0=initial_condition, lower=LOWER, length=LENGTH, n=p.grid,
        linear=lambda ops: -0.5j * ops.k**2, nonlinear=nls_nonlinear,
        t_final=t_final, n_snapshots=n_snapshots or p.n_snapshots, dt=p.dt, real=False)


def nls_invariants(values: np.ndarray, length: float = LENGTH) -> dict[str, np.ndarray]:
    """Mass ``int |h|^2`` and Hamiltonian ``int |h_x|^2/2 - |h|^4/2`` of ``(T, n)`` snapshots.

    ``h_x`` is spectral; the integrals use the periodic trapezoidal rule. Returns ``(T,)``.
    """
    n = values.shape[-1]
    dx = length / n
    k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
    k[n // 2] = 0.0
    h_x = np.fft.ifft(1j * k * np.fft.fft(values, axis=-1), axis=-1)
    dens = np.abs(values) ** 2
    return {"mass": dens.sum(-1) * dx,
            "hamiltonian": (0.5 * np.abs(h_x) ** 2 - 0.5 * dens**2).sum(-1) * dx}


def _residual(u: Any, v: Any, u_t: Any, v_t: Any, u_xx: Any, v_xx: Any) -> list[Any]:
    """``[u_t + v_xx / 2 + |h|^2 v, -v_t + u_xx / 2 + |h|^2 u]`` for ``h = u + i v``."""
    density = u**2 + v**2
    return [u_t + 0.5 * v_xx + density * v, -v_t + 0.5 * u_xx + density * u]


class SchrodingerPINN(LazyReference, PINNProblem):
    """NLS PINN: i h_t + h_xx/2 + |h|^2 h = 0, x in [-5, 5] periodic, t in [0, pi/2].

    ``h(x, 0) = 2 sech x``; outputs ``u = Re h`` and ``v = Im h``; periodic conditions on
    ``u, v, u_x, v_x`` (``dde.icbc.PeriodicBC``). Reference: :func:`nls_reference`, scored
    on a 256 x 201 grid (the relative L2 error over both outputs; :meth:`output_metrics`
    adds the error of ``|h|``). Its accuracy (tests/problems/test_schrodinger.py and docs):
    ETDRK4 order 4 in time on smooth problems; the kink of ``h_x`` at ``x = +-5`` (``h_x``
    jumps by ``4 sech 5 tanh 5 ~ 0.054``) limits the convergence in space to about second
    order. At the defaults, against 2048 points: max error 5e-6, relative L2 2e-6; against
    a halved step: max 3e-6, relative L2 7e-7; mass conserved to 5e-13 and Hamiltonian to
    2e-10 (relative).
    """

    Params = SchrodingerParams
    input_names = ("x", "t")
    output_names = ("u", "v")
    # Raissi et al.: 20000 collocation points, 50 initial, 50 boundary, 5 x 100 tanh.
    budgets = suite_budgets(initial=(20, 200, 400, 2048))
    #: smoke checks: 256 points, dt 1e-3, as its data test (1024 points: about 10 s)
    smoke_params = {"grid": "256", "dt": "1e-3", "n_snapshots": "100"}

    def compute_reference(self) -> PeriodicSolution:
        """Solve, or read from the cache, the reference for ``self.params``."""
        return nls_reference(self.params)

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(LOWER, LOWER + LENGTH),
                                          dde.geometry.TimeDomain(0.0, T_FINAL))

        def residual(x: Any, y: Any) -> list[Any]:
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            v_t = dde.grad.jacobian(y, x, i=1, j=1)
            u_xx = dde.grad.hessian(y, x, component=0, i=0, j=0)
            v_xx = dde.grad.hessian(y, x, component=1, i=0, j=0)
            return _residual(y[:, 0:1], y[:, 1:2], u_t, v_t, u_xx, v_xx)

        boundary = lambda _, on_boundary: on_boundary  # noqa: E731
        bcs = [dde.icbc.PeriodicBC(geom, 0, boundary, derivative_order=order, component=c)
               for c in (0, 1) for order in (0, 1)]
        bcs += [dde.icbc.IC(geom, lambda x: 2.0 / np.cosh(x[:, 0:1]),
                            lambda _, on_initial: on_initial, component=0),
                dde.icbc.IC(geom, lambda x: np.zeros((len(x), 1)),
                            lambda _, on_initial: on_initial, component=1)]
        return dde.data.TimePDE(geom, residual, bcs, num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    jet_second_derivatives = (0,)

    def jet_residual(self, x: Any, jet: Any) -> list[Any]:
        """The real and imaginary parts of the NLS from the jet (as :meth:`deepxde_data`)."""
        return _residual(jet.value(0), jet.value(1), jet.d(1, 0), jet.d(1, 1),
                         jet.dd(0, 0), jet.dd(0, 1))

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        h = self.reference()(points[:, 0], points[:, 1])
        return np.stack([h.real, h.imag], axis=-1)

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(LOWER, LOWER + LENGTH, 256),
                "t": np.linspace(0.0, T_FINAL, 201)}

    def output_metrics(self, points: np.ndarray, prediction: np.ndarray,
                       exact: np.ndarray) -> dict[str, float]:
        """Relative L2 error of the modulus ``|h| = sqrt(u^2 + v^2)``.

        Parameters
        ----------
        points : numpy.ndarray
            ``(N, 2)`` evaluation points (unused).
        prediction, exact : numpy.ndarray
            ``(N, 2)`` predicted and reference ``(u, v)``.
        """
        mod_pred = np.hypot(prediction[:, 0], prediction[:, 1])
        mod_exact = np.hypot(exact[:, 0], exact[:, 1])
        return {"modulus_error": float(np.linalg.norm(mod_pred - mod_exact)
                                       / np.linalg.norm(mod_exact))}


PROBLEM = ProblemFamily(
    name="schrodinger",
    tasks={"pinn": SchrodingerPINN},
    default_task="pinn",
    summary="1-D nonlinear Schroedinger i h_t + h_xx/2 + |h|^2 h = 0, outputs Re h, Im h (ETDRK4)",
)
