r"""Steady Darcy flow :math:`-\nabla\cdot(a \nabla u) = f` on the unit square, ``u = 0`` outside.

Two settings are provided:

* the operator-learning benchmark of Li et al. (FNO, 2021): a piecewise-constant permeability
  :math:`a = 12` where :math:`\mu \ge 0` and :math:`3` elsewhere, :math:`\mu \sim
  \mathcal N(0, (-\Delta + 9I)^{-2})` with Neumann boundary conditions
  (:func:`sample_neumann_grf_2d`), constant forcing :math:`f = \beta` (PDEBench's
  ``2D_DarcyFlow_beta*`` files), and the map :math:`a \mapsto u`. Reference solver:
  :func:`solve_darcy`, cell-centred finite volumes with harmonic-mean face coefficients and
  a sparse direct solve, second-order accurate for smooth data (:func:`darcy_matrix`);
* a PINN with a smooth coefficient and a manufactured exact solution
  (:func:`manufactured_solution`), trained by DeepXDE.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch

from physym.budgets import OperatorBudget, PINNBudget
from physym.equivariance import Symmetry, square_symmetries
from physym.problem import OperatorProblem, PINNProblem, ProblemFamily

__all__ = ["sample_neumann_grf_2d", "cell_centres", "darcy_matrix", "solve_darcy",
           "manufactured_solution", "DarcyOperator", "DarcyOperatorParams", "DarcyPINN",
           "DarcyPINNParams", "PROBLEM"]

logger = logging.getLogger(__name__)


def cell_centres(resolution: int) -> np.ndarray:
    """Cell centres ``(i + 1/2) / s`` of a uniform grid of ``s`` cells on [0, 1], shape (s,)."""
    return (np.arange(resolution) + 0.5) / resolution


def sample_neumann_grf_2d(
    n_samples: int,
    resolution: int,
    *,
    alpha: float = 2.0,
    tau: float = 3.0,
    sigma: float = 1.0,
    generator: torch.Generator,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Samples of :math:`\mathcal N(0, \sigma^2(-\Delta+\tau^2 I)^{-\alpha})` on (0, 1)^2, Neumann.

    The Neumann Laplacian has the orthonormal eigenfunctions
    :math:`\varphi_k(x, y) = c_{k_1} c_{k_2} \cos(\pi k_1 x) \cos(\pi k_2 y)` (:math:`c_0 = 1`,
    :math:`c_k = \sqrt2`) with eigenvalues :math:`\pi^2 |k|^2`, so

    .. math::
        \mu(x) = \sum_{0 \le k_1, k_2 < s,\ k \ne 0} \sqrt{\lambda_k}\, \xi_k\, \varphi_k(x),
        \qquad \lambda_k = \sigma^2 (\pi^2 |k|^2 + \tau^2)^{-\alpha},

    with iid standard normal :math:`\xi_k`, evaluated at the cell centres
    :math:`x_i = (i + 1/2)/s` as a product with the cosine matrix (an inverse DCT-II). The
    mode ``k = 0`` is dropped, so the field has zero mean: exactly zero spatial mean on the
    grid (the sampled cosines are discretely orthogonal to constants) and zero ensemble mean.
    The pointwise covariance is :math:`\sum_k \lambda_k \varphi_k(x)\varphi_k(y)`. This is the
    field of the FNO paper's data script (``idct2`` of ``tau^(alpha-1) (pi^2|k|^2 +
    tau^2)^(-alpha/2) xi``), whose amplitude ``sigma = tau^(alpha-1)`` differs; a threshold at
    zero does not depend on ``sigma``.

    Parameters
    ----------
    n_samples : int
        Number of independent samples.
    resolution : int
        Cells per side ``s``; ``s`` modes per axis are used, so one seed gives different fields
        at different resolutions.
    alpha, tau, sigma : float, optional
        Smoothness exponent, inverse length scale and amplitude (defaults ``(-Delta + 9I)^-2``).
    generator : torch.Generator
        CPU generator; all ``s * s`` normals per sample are drawn on the CPU in float64 and then
        moved to ``device``, so a seed gives the same field on every device.
    device : torch.device or str, optional
        Device of the result (the matrix products run there).
    dtype : torch.dtype, optional
        Floating dtype of the result (computed in float64, then cast).

    Returns
    -------
    torch.Tensor
        Shape (n_samples, s, s); axis 1 is ``x``, axis 2 is ``y``.
    """
    if n_samples < 0:
        raise ValueError(f"n_samples must be non-negative, got {n_samples}")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    if not (sigma >= 0 and alpha > 0 and tau >= 0):
        raise ValueError(f"need sigma >= 0, alpha > 0, tau >= 0, got {sigma}, {alpha}, {tau}")
    if not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
        raise TypeError("generator must be a CPU torch.Generator (draws are made on the CPU)")
    s = resolution
    xi = torch.randn((n_samples, s, s), generator=generator, dtype=torch.float64).to(device)
    k = torch.arange(s, dtype=torch.float64, device=xi.device)
    lam = sigma**2 * (math.pi**2 * (k[:, None] ** 2 + k[None, :] ** 2) + tau**2) ** (-alpha)
    lam[0, 0] = 0.0
    x = (torch.arange(s, dtype=torch.float64, device=xi.device) + 0.5) / s
    basis = torch.cos(math.pi * x[:, None] * k[None, :])  # (s cells, s modes)
    basis[:, 1:] *= math.sqrt(2.0)
    mu = basis @ (torch.sqrt(lam) * xi) @ basis.T
    return mu.to(dtype).contiguous()


def darcy_matrix(a: np.ndarray) -> scipy.sparse.csc_matrix:
    r"""Cell-centred finite-volume matrix of :math:`-\nabla\cdot(a\nabla\,\cdot)`, Dirichlet.

    Grid: ``s x s`` cells of width ``h = 1/s`` with centres ``((i + 1/2) h, (j + 1/2) h)``;
    unknown ``(i, j)`` has index ``i * s + j`` (``i`` along ``x``). The flux through the face
    between neighbouring cells ``P``, ``N`` is ``T (u_P - u_N) / h^2`` per unit cell area with
    the harmonic mean ``T = 2 a_P a_N / (a_P + a_N)`` (exact for a coefficient that is constant
    on each cell). At a boundary face the Dirichlet value 0 sits half a cell away, so
    ``T = 2 a_P`` (equivalently a ghost cell with ``u_ghost = -u_P`` and ``a_ghost = a_P``).
    The matrix is symmetric positive definite and an M-matrix (discrete maximum principle).

    Parameters
    ----------
    a : numpy.ndarray
        Coefficient at the cell centres, shape (s, s), positive.

    Returns
    -------
    scipy.sparse.csc_matrix
        Shape (s*s, s*s), scaled by ``1/h^2`` so that ``A u = f`` with ``f`` at the centres.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError(f"a must have shape (s, s), got {a.shape}")
    if not np.all(a > 0) or not np.all(np.isfinite(a)):
        raise ValueError("a must be positive and finite everywhere")
    s = a.shape[0]
    idx = np.arange(s * s).reshape(s, s)
    tx = 2.0 * a[:-1] * a[1:] / (a[:-1] + a[1:])  # faces between i and i+1, (s-1, s)
    ty = 2.0 * a[:, :-1] * a[:, 1:] / (a[:, :-1] + a[:, 1:])  # (s, s-1)
    diag = np.zeros_like(a)
    diag[:-1] += tx
    diag[1:] += tx
    diag[:, :-1] += ty
    diag[:, 1:] += ty
    diag[0] += 2.0 * a[0]
    diag[-1] += 2.0 * a[-1]
    diag[:, 0] += 2.0 * a[:, 0]
    diag[:, -1] += 2.0 * a[:, -1]
    rows = np.concatenate([idx.ravel(), idx[:-1].ravel(), idx[1:].ravel(),
                           idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    cols = np.concatenate([idx.ravel(), idx[1:].ravel(), idx[:-1].ravel(),
                           idx[:, 1:].ravel(), idx[:, :-1].ravel()])
    vals = np.concatenate([diag.ravel(), -tx.ravel(), -tx.ravel(), -ty.ravel(), -ty.ravel()])
    return scipy.sparse.csc_matrix((vals * float(s * s), (rows, cols)), shape=(s * s, s * s))


def solve_darcy(a: np.ndarray, f: float | np.ndarray = 1.0) -> np.ndarray:
    r"""Solve :math:`-\nabla\cdot(a\nabla u) = f`, ``u = 0`` on the boundary of (0, 1)^2.

    Finite volumes of :func:`darcy_matrix` and SuperLU (:func:`scipy.sparse.linalg.splu`,
    minimum-degree ordering of ``A^T + A``), one factorisation per sample. Second order
    for smooth ``a`` and ``u`` (measured 2.00 on a manufactured solution); for a
    discontinuous ``a`` the harmonic mean keeps the normal flux continuous across cell faces.
    Cost at s = 64: about 6 ms per sample on one CPU core.

    Parameters
    ----------
    a : numpy.ndarray
        Coefficient at the cell centres, shape (B, s, s) or (s, s), positive.
    f : float or numpy.ndarray, optional
        Forcing at the cell centres: a scalar or an array broadcastable to ``a``.

    Returns
    -------
    numpy.ndarray
        ``u`` at the cell centres, float64, with the shape of ``a``.
    """
    a = np.asarray(a, dtype=np.float64)
    single = a.ndim == 2
    batch = a[None] if single else a
    if batch.ndim != 3:
        raise ValueError(f"a must have shape (B, s, s) or (s, s), got {a.shape}")
    rhs = np.broadcast_to(np.asarray(f, dtype=np.float64), batch.shape)
    out = np.empty_like(batch)
    for b in range(batch.shape[0]):
        lu = scipy.sparse.linalg.splu(darcy_matrix(batch[b]), permc_spec="MMD_AT_PLUS_A")
        out[b] = lu.solve(np.ascontiguousarray(rhs[b]).ravel()).reshape(batch.shape[1:])
    return out[0] if single else out


def _manufactured_terms(x: Any, y: Any, amplitude: float, mode_x: int,
                        mode_y: int) -> dict[str, Any]:
    """``a, a_x, a_y, u, f`` of :func:`manufactured_solution`, for numpy arrays or torch tensors."""
    lib: Any = torch if torch.is_tensor(x) else np
    pi, m, n = math.pi, mode_x, mode_y
    s2x, s2y = lib.sin(2 * pi * x), lib.sin(2 * pi * y)
    a = 1.0 + amplitude * s2x * s2y
    a_x = 2 * pi * amplitude * lib.cos(2 * pi * x) * s2y
    a_y = 2 * pi * amplitude * s2x * lib.cos(2 * pi * y)
    sx, sy = lib.sin(m * pi * x), lib.sin(n * pi * y)
    u = sx * sy
    u_x = m * pi * lib.cos(m * pi * x) * sy
    u_y = n * pi * sx * lib.cos(n * pi * y)
    f = -a_x * u_x - a_y * u_y + pi**2 * (m**2 + n**2) * a * u
    return {"a": a, "a_x": a_x, "a_y": a_y, "u": u, "f": f}


def manufactured_solution(
    x: Any, y: Any, *, amplitude: float = 0.5, mode_x: int = 1, mode_y: int = 1
) -> tuple[Any, Any, Any]:
    r"""Smooth coefficient, exact solution and forcing of a manufactured Darcy problem.

    .. math::
        a = 1 + A \sin(2\pi x)\sin(2\pi y), \qquad u = \sin(m\pi x)\sin(n\pi y),
        \qquad f = -\nabla\cdot(a\nabla u) = -a_x u_x - a_y u_y + \pi^2(m^2 + n^2)\, a\, u,

    so ``u = 0`` on the boundary of the unit square and ``a >= 1 - |A| > 0``.

    Parameters
    ----------
    x, y : numpy.ndarray or torch.Tensor
        Points, broadcastable against each other (torch tensors stay differentiable).
    amplitude : float, optional
        ``A``, with ``|A| < 1``.
    mode_x, mode_y : int, optional
        ``m`` and ``n``, positive integers.

    Returns
    -------
    a, u, f : numpy.ndarray or torch.Tensor
        With the broadcast shape of ``x`` and ``y`` (numpy: float64).
    """
    if not torch.is_tensor(x):
        x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    t = _manufactured_terms(x, y, amplitude, mode_x, mode_y)
    return t["a"], t["u"], t["f"]


# --- tasks ---


@dataclass(frozen=True)
class DarcyOperatorParams:
    """Parameters of the Darcy operator data set (FNO paper setup, PDEBench forcing).

    Attributes
    ----------
    beta : float
        Constant forcing ``f = beta`` (PDEBench ``2D_DarcyFlow_beta{beta}``; FNO uses 1).
    a_high, a_low : float
        Permeability where the Gaussian field is ``>= 0`` and ``< 0``.
    alpha, tau : float
        Gaussian field ``N(0, (-Delta + tau^2 I)^-alpha)``, Neumann (defaults ``(-Delta+9I)^-2``).
    refine : int
        Odd factor: the solver runs on ``refine * s`` cells per side and the data are the
        values at the fine cells whose centres coincide with the ``s`` coarse ones. 1 (default)
        solves directly at the requested resolution; ``refine=5`` at ``s=85`` mimics the FNO
        paper's 421 -> 85 subsampling (here 425 -> 85, cell-centred).
    """

    beta: float = 1.0
    a_high: float = 12.0
    a_low: float = 3.0
    alpha: float = 2.0
    tau: float = 3.0
    refine: int = 1

    def __post_init__(self) -> None:
        for name in ("beta", "a_high", "a_low", "alpha", "tau"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")
        if not (self.a_high > 0 and self.a_low > 0):
            raise ValueError(f"a_high and a_low must be positive, got {self.a_high}, {self.a_low}")
        if not (self.alpha > 0 and self.tau >= 0):
            raise ValueError(f"need alpha > 0 and tau >= 0, got {self.alpha}, {self.tau}")
        if self.refine < 1 or self.refine % 2 == 0:
            raise ValueError(f"refine must be an odd positive integer, got {self.refine}")


class DarcyOperator(OperatorProblem):
    """Darcy flow operator a -> u: -div(a grad u) = beta on (0,1)^2, u = 0 on the boundary.

    ``a = 12`` where ``mu >= 0`` and ``3`` elsewhere, ``mu ~ N(0, (-Delta + 9I)^-2)`` with
    Neumann conditions (Li et al. 2021); ``beta = 1``. Data on the cell centres
    ``(i + 1/2)/s`` from :func:`solve_darcy` (cell-centred finite volumes, harmonic-mean face
    coefficients, SciPy sparse direct solve on the CPU), solved at the requested resolution
    unless ``refine > 1``. Inputs are standardised with the training statistics.
    """

    def symmetries(self) -> tuple[Symmetry, ...]:
        """The 7 rotations and reflections of the square (D4): the forcing is uniform, the
        boundary condition the same on every side, and the finite-volume grid maps onto
        itself, so a rotated coefficient field gives the rotated solution (exactly on the
        solver's grid; to the discretisation error when a finer solution is subsampled)."""
        return square_symmetries()

    models = ("fno", "tfno", "uno", "deeponet")

    Params = DarcyOperatorParams
    in_channels = 1
    out_channels = 1
    n_dim = 2
    normalize_inputs = True
    budgets = {
        "smoke": OperatorBudget(n_train=16, n_test=4, resolution=16, epochs=2, batch_size=8,
                                modes=4, width=8, n_layers=2, seeds=1),
        # measured ~23 s per run on one CPU thread, 3 seeds x 2 arms 2.3 min; rel. L2 ~0.08
        "quick": OperatorBudget(n_train=200, n_test=50, resolution=32, epochs=40,
                                batch_size=10, modes=8, width=16, n_layers=2, lr=3e-3,
                                seeds=3),
        "standard": OperatorBudget(n_train=1000, n_test=200, resolution=64, epochs=200,
                                   batch_size=20, modes=12, width=32, n_layers=4, seeds=5),
        "paper": OperatorBudget(n_train=1000, n_test=100, resolution=85, epochs=500,
                                batch_size=20, modes=12, width=32, n_layers=4, seeds=5),
    }

    def generate(self, n: int, *, resolution: int, seed: int,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.params
        fine = resolution * p.refine
        logger.debug("darcy: %d samples at %d^2 (solver grid %d^2)", n, resolution, fine)
        gen = torch.Generator().manual_seed(seed)
        mu = sample_neumann_grf_2d(n, fine, alpha=p.alpha, tau=p.tau, generator=gen,
                                   device=device)
        a = torch.where(mu >= 0, p.a_high, p.a_low)
        u = torch.as_tensor(solve_darcy(a.cpu().numpy(), p.beta), device=a.device)
        keep = slice((p.refine - 1) // 2, None, p.refine)
        return a[:, None, keep, keep].contiguous(), u[:, None, keep, keep].contiguous()

    def coordinates(self, resolution: int) -> tuple[np.ndarray, ...]:
        """Cell centres ``(i + 1/2) / s`` along ``x`` and ``y``."""
        return (cell_centres(resolution),) * 2

    def to_pdebench(self, inputs: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """PDEBench Darcy layout: ``nu`` (N, X, Y) = ``a``, ``tensor`` (N, 1, X, Y) = ``u``."""
        return {"nu": np.asarray(inputs)[:, 0], "tensor": np.asarray(targets)[:, :1]}

    def from_pdebench(self, datasets: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Read ``nu`` ``(N, X, Y)`` as the input ``a`` and ``tensor`` ``(N, 1, X, Y)`` as ``u``.

        Raises
        ------
        ValueError
            If ``nu`` or ``tensor`` is missing or their shapes do not fit together.
        """
        missing = [name for name in ("nu", "tensor") if name not in datasets]
        if missing:
            raise ValueError(
                f"a Darcy file needs data sets 'nu' (N, X, Y) and 'tensor' (N, 1, X, Y); missing "
                f"{', '.join(missing)} (found: {', '.join(datasets) or 'none'})")
        nu, tensor = datasets["nu"], datasets["tensor"]
        if len(nu.shape) != 3:
            raise ValueError(f"'nu' must have shape (N, X, Y), got {tuple(nu.shape)}")
        if len(tensor.shape) != 4 or tensor.shape[1] != 1:
            raise ValueError(f"'tensor' must have shape (N, 1, X, Y), got {tuple(tensor.shape)}")
        if tuple(tensor.shape[:1]) + tuple(tensor.shape[2:]) != tuple(nu.shape):
            raise ValueError(f"'nu' {tuple(nu.shape)} and 'tensor' {tuple(tensor.shape)} "
                             "describe different samples or grids")
        return np.asarray(nu)[:, None], np.asarray(tensor)


@dataclass(frozen=True)
class DarcyPINNParams:
    """Parameters of the manufactured Darcy PINN (see :func:`manufactured_solution`).

    Attributes
    ----------
    amplitude : float
        Coefficient ``a = 1 + amplitude sin(2 pi x) sin(2 pi y)``, ``|amplitude| < 1``.
    mode_x, mode_y : int
        Exact solution ``u = sin(mode_x pi x) sin(mode_y pi y)``.
    """

    amplitude: float = 0.5
    mode_x: int = 1
    mode_y: int = 1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.amplitude) and abs(self.amplitude) < 1):
            raise ValueError(f"amplitude must satisfy |amplitude| < 1, got {self.amplitude}")
        if self.mode_x < 1 or self.mode_y < 1:
            raise ValueError(f"mode_x and mode_y must be >= 1, got {self.mode_x}, {self.mode_y}")


def _pinn_residual(x: Any, p: DarcyPINNParams, u_x: Any, u_y: Any, u_xx: Any,
                   u_yy: Any) -> Any:
    """``-(a_x u_x + a_y u_y + a (u_xx + u_yy)) - f`` at the ``(N, 2)`` torch points ``x``."""
    t = _manufactured_terms(x[:, 0:1], x[:, 1:2], p.amplitude, p.mode_x, p.mode_y)
    return -(t["a_x"] * u_x + t["a_y"] * u_y + t["a"] * (u_xx + u_yy)) - t["f"]


class DarcyPINN(PINNProblem):
    """Darcy PINN: -div(a grad u) = f on (0,1)^2, u = 0 on the boundary, smooth a, exact u.

    ``a = 1 + 0.5 sin(2 pi x) sin(2 pi y)``, ``u = sin(pi x) sin(pi y)`` and ``f`` computed from
    them (:func:`manufactured_solution`). The residual ``-(a_x u_x + a_y u_y + a (u_xx + u_yy))
    - f`` uses DeepXDE's autograd for ``u`` and the analytic ``a``, ``grad a`` and ``f`` in torch;
    ``u = 0`` is a soft Dirichlet condition on the boundary. Scored on a 101 x 101 grid.
    """

    Params = DarcyPINNParams
    input_names = ("x", "y")
    output_names = ("u",)
    budgets = {
        "smoke": PINNBudget(num_domain=100, num_boundary=40, num_initial=0, width=16, depth=2,
                            adam_iterations=30, lbfgs_iterations=10, seeds=1),
        # measured ~19 s per run on one CPU thread, 3 seeds x 2 arms 1.9 min; rel. L2 ~3e-3
        "quick": PINNBudget(num_domain=500, num_boundary=100, num_initial=0, width=20, depth=3,
                            adam_iterations=1000, lbfgs_iterations=1200, seeds=3),
        "standard": PINNBudget(num_domain=2000, num_boundary=200, num_initial=0, width=32,
                               depth=3, adam_iterations=10000, lbfgs_iterations=3000, seeds=5),
        "paper": PINNBudget(num_domain=4000, num_boundary=400, num_initial=0, width=50,
                            depth=4, adam_iterations=20000, lbfgs_iterations=10000, seeds=5),
    }

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        p = self.params
        geom = dde.geometry.Rectangle([0.0, 0.0], [1.0, 1.0])

        def residual(x: Any, y: Any) -> Any:
            u_x = dde.grad.jacobian(y, x, i=0, j=0)
            u_y = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            u_yy = dde.grad.hessian(y, x, i=1, j=1)
            return _pinn_residual(x, p, u_x, u_y, u_xx, u_yy)

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        return dde.data.PDE(geom, residual, [bc], num_domain=budget.num_domain,
                            num_boundary=budget.num_boundary)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``-div(a grad u) - f`` from the jet (the residual of :meth:`deepxde_data`)."""
        return _pinn_residual(x, self.params, jet.d(0), jet.d(1), jet.dd(0), jet.dd(1))

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        p = self.params
        _, u, _ = manufactured_solution(points[:, 0], points[:, 1], amplitude=p.amplitude,
                                        mode_x=p.mode_x, mode_y=p.mode_y)
        return u[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        return {"x": np.linspace(0.0, 1.0, 101), "y": np.linspace(0.0, 1.0, 101)}


PROBLEM = ProblemFamily(
    name="darcy",
    tasks={"operator": DarcyOperator, "pinn": DarcyPINN},
    default_task="operator",
    summary="2-D Darcy flow -div(a grad u) = f: FNO on the thresholded-GRF operator, "
            "PINN on a manufactured solution",
)
