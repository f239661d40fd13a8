r"""Poisson equation on the L-shaped domain, P2 finite-element reference (scikit-fem).

On :math:`\Omega = [-1, 1]^2 \setminus (0, 1]^2` (the re-entrant corner at the origin):

.. math::
    -\Delta u = 1 \text{ in } \Omega, \qquad u = 0 \text{ on } \partial\Omega .

Near the re-entrant corner (interior angle :math:`3\pi/2`) the solution behaves like
:math:`r^{2/3}\sin(2\theta/3)`, so :math:`u \notin H^2`: on uniformly refined meshes the
finite-element error decays like :math:`h^{2/3}` in the energy norm and :math:`h^{4/3}` in
:math:`L^2`, whatever the polynomial degree (Strang & Fix 1973; Grisvard 1985). PINNs see
the same singularity as an unbounded gradient at the corner (PINNacle's "Poisson-L-shape"
setting differs only in its data; this is physym's own reference).

Reference: :func:`solve_lshape` -- P2 Lagrange elements (scikit-fem ``ElementTriP2``) on
``MeshTri.init_lshaped()`` refined uniformly 7 times (h = 1/128, 393 216 triangles,
197 633 unknowns), sparse direct solve; the element values are cached as HDF5 and
evaluated at any point by the P2 interpolant of the containing triangle
(:class:`P2Field`; scikit-fem is only needed to compute the reference).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from physym.budgets import PINNBudget
from physym.problem import PINNProblem, ProblemFamily
from physym.problems._reference_cache import LazyReference, cached_arrays
from physym.problems._suite import suite_budgets

__all__ = ["P2Field", "PoissonLShapeParams", "PoissonLShapePINN", "inside_polygon", "solve_lshape",
           "PROBLEM"]

logger = logging.getLogger(__name__)

#: Vertices of the domain, counter-clockwise.
VERTICES = ((-1.0, -1.0), (1.0, -1.0), (1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (-1.0, 1.0))



def inside_polygon(points: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """DeepXDE's ``Polygon.inside`` (the winding number of each point), written out.

    DeepXDE 1.15 takes the 2-D cross product with ``np.cross``, which numpy 2.5 no longer
    accepts for 2-vectors (numpy PR 30461); this is the same test, operation for operation,
    with ``a[0] b[1] - a[1] b[0]``, so the sampled points do not depend on the numpy version.

    Parameters
    ----------
    points : np.ndarray, shape (n_points, 2)
    vertices : np.ndarray, shape (n_vertices, 2)
        The polygon's corners in order.

    Returns
    -------
    np.ndarray of bool, shape (n_points,)
        True where the winding number is non-zero.
    """
    wn = np.zeros(len(points))
    for i in range(-1, len(vertices) - 1):  # the edge from vertices[i] to vertices[i + 1]
        v0, v1 = vertices[i], vertices[i + 1]
        edge, rel = v1 - v0, points - v0
        left = edge[0] * rel[:, 1] - edge[1] * rel[:, 0]
        y = points[:, 1]
        wn[(v0[1] <= y) & (v1[1] > y) & (left > 0)] += 1  # an upward crossing, point left
        wn[(v0[1] > y) & (v1[1] <= y) & (left < 0)] -= 1  # a downward crossing, point right
    return wn != 0

def solve_lshape(refine: int) -> dict[str, np.ndarray]:
    """P2 solution of ``-lap u = 1``, ``u = 0`` on the boundary, ``refine`` uniform refinements.

    Returns
    -------
    dict of str to numpy.ndarray
        ``vertices`` (2, n_v), ``triangles`` (3, n_t), ``values`` (6, n_t): the solution at
        each triangle's vertices ``0, 1, 2`` and edge midpoints ``01, 12, 02``; ``energy``
        (1,): ``int u`` (= ``|u_h|_1^2``, the discrete energy); ``h`` (1,): ``2^-refine``.
    """
    import skfem  # noqa: PLC0415  (only to compute the reference)
    from skfem.models.poisson import laplace, unit_load  # noqa: PLC0415

    mesh = skfem.MeshTri.init_lshaped().refined(refine)
    basis = skfem.Basis(mesh, skfem.ElementTriP2())
    a, b = laplace.assemble(basis), unit_load.assemble(basis)
    u = skfem.solve(*skfem.condense(a, b, D=basis.get_dofs()))
    logger.debug("solve_lshape: refine=%d, %d unknowns", refine, basis.N)
    return {"vertices": np.asarray(mesh.p), "triangles": np.asarray(mesh.t),
            "values": u[basis.element_dofs], "energy": np.array([b @ u]),
            "h": np.array([2.0**-refine])}


@dataclass(frozen=True)
class P2Field:
    """A P2 finite-element function on a triangle mesh, evaluable at points.

    Attributes
    ----------
    vertices : numpy.ndarray
        (2, n_v) vertex coordinates.
    triangles : numpy.ndarray
        (3, n_t) vertex indices.
    values : numpy.ndarray
        (6, n_t) nodal values: vertices 0, 1, 2 and midpoints of edges 01, 12, 02.
    """

    vertices: np.ndarray
    triangles: np.ndarray
    values: np.ndarray

    def __call__(self, points: np.ndarray, *, outside: float = np.nan) -> np.ndarray:
        """Values ``(M,)`` at ``points`` ``(M, 2)``; ``outside`` where no triangle holds one."""
        from scipy.spatial import cKDTree  # noqa: PLC0415

        pts = np.asarray(points, dtype=np.float64)
        corners = self.vertices[:, self.triangles]  # (2, 3, n_t)
        tree = cKDTree(corners.mean(axis=1).T)
        _, candidates = tree.query(pts, k=min(12, self.triangles.shape[1]))
        out = np.full(len(pts), outside, dtype=np.float64)
        found = np.zeros(len(pts), dtype=bool)
        for j in range(candidates.shape[1]):
            rows = np.flatnonzero(~found)
            if rows.size == 0:
                break
            tri = candidates[rows, j]
            lam = self._barycentric(corners[:, :, tri], pts[rows])
            inside = lam.min(axis=0) >= -1e-12
            rows, tri, lam = rows[inside], tri[inside], lam[:, inside]
            l0, l1, l2 = lam
            v = self.values[:, tri]
            out[rows] = (v[0] * l0 * (2 * l0 - 1) + v[1] * l1 * (2 * l1 - 1)
                         + v[2] * l2 * (2 * l2 - 1)
                         + 4 * (v[3] * l0 * l1 + v[4] * l1 * l2 + v[5] * l0 * l2))
            found[rows] = True
        return out

    @staticmethod
    def _barycentric(corners: np.ndarray, pts: np.ndarray) -> np.ndarray:
        """Barycentric coordinates ``(3, M)`` of ``pts`` ``(M, 2)`` in ``corners`` (2, 3, M)."""
        (x0, x1, x2), (y0, y1, y2) = corners
        det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        l1 = ((pts[:, 0] - x0) * (y2 - y0) - (x2 - x0) * (pts[:, 1] - y0)) / det
        l2 = ((x1 - x0) * (pts[:, 1] - y0) - (pts[:, 0] - x0) * (y1 - y0)) / det
        return np.stack([1.0 - l1 - l2, l1, l2])


def in_domain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether ``(x, y)`` lies in the closed L-shaped domain."""
    return (np.abs(x) <= 1) & (np.abs(y) <= 1) & ~((x > 0) & (y > 0))


@dataclass(frozen=True)
class PoissonLShapeParams:
    """Parameters of the L-shape PINN's reference.

    Attributes
    ----------
    refine : int
        Uniform refinements of ``MeshTri.init_lshaped()`` (default 7, h = 1/128; 1..8).
    """

    refine: int = 7

    def __post_init__(self) -> None:
        if int(self.refine) != self.refine or not 1 <= self.refine <= 8:
            raise ValueError(f"refine must be an integer in 1..8, got {self.refine}")


class PoissonLShapePINN(LazyReference, PINNProblem):
    """Poisson PINN on the L-shaped domain [-1, 1]^2 minus (0, 1]^2: -lap u = 1, u = 0 on the boundary.

    Geometry: ``dde.geometry.Polygon`` of the six corners (boundary points cast to
    DeepXDE's float type; ``Rectangle - Rectangle`` would put boundary points on the
    removed square's outer edges). Reference: :func:`solve_lshape`,
    P2 on h = 1/128 (cached; generation ~30 s). Accuracy (tests/problems/
    test_poisson_lshape.py): the discrete energies ``int u_h`` of successive uniform
    refinements converge at the rate ``h^{4/3}`` of the corner singularity (observed energy
    rate 0.70, 0.67, 0.67 against 2/3; L2 rate 1.5 approaching 4/3 against a finer mesh),
    which puts the reference's energy error at ~0.7% of ``|u|_1`` and its L2 error at ~1e-5
    (~1e-4 relative). Scored on the 7701 points of a 101 x 101 grid of [-1, 1]^2 that lie
    in the domain (:meth:`evaluation_points`; ``--plot`` cannot draw this yet).
    """

    Params = PoissonLShapeParams
    input_names = ("x", "y")
    output_names = ("u",)
    budgets = suite_budgets(domain=(200, 1000, 4000, 8192), boundary=(40, 200, 400, 2048),
                            initial=(0, 0, 0, 0))
    #: smoke checks: 3 refinements, as its data test (7: about 8 s)
    smoke_params = {"refine": "3"}

    def compute_reference(self) -> P2Field:
        """Solve, or read from the cache, the reference for ``self.params``."""
        refine = self.params.refine
        arrays = cached_arrays("reference-poisson_lshape",
                               {"problem": "poisson_lshape", "solver": "skfem-p2-1",
                                "refine": refine}, lambda: solve_lshape(refine))
        return P2Field(arrays["vertices"], arrays["triangles"].astype(np.int64),
                       arrays["values"])

    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        real = dde.config.real(np)

        class Polygon(dde.geometry.Polygon):  # DeepXDE 1.x returns float64 boundary points
            def inside(self, x: np.ndarray) -> np.ndarray:
                return inside_polygon(x, self.vertices)

            def uniform_boundary_points(self, n: int) -> np.ndarray:
                return super().uniform_boundary_points(n).astype(real)

            def random_boundary_points(self, n: int, random: str = "pseudo") -> np.ndarray:
                return super().random_boundary_points(n, random=random).astype(real)

        geom = Polygon([list(v) for v in VERTICES])

        def residual(x: Any, y: Any) -> Any:
            return -dde.grad.hessian(y, x, i=0, j=0) - dde.grad.hessian(y, x, i=1, j=1) - 1.0

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        return dde.data.PDE(geom, residual, [bc], num_domain=budget.num_domain,
                            num_boundary=budget.num_boundary)

    jet_second_derivatives = (0, 1)

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """``-u_xx - u_yy - 1`` from the jet (the residual of :meth:`deepxde_data`)."""
        return -jet.dd(0) - jet.dd(1) - 1.0

    def exact(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        values = self.reference()(points)
        if np.any(np.isnan(values)):
            raise ValueError("points outside the L-shaped domain")
        return values[:, None]

    def evaluation_axes(self) -> dict[str, np.ndarray]:
        s = np.linspace(-1.0, 1.0, 101)
        return {"x": s, "y": s}

    def evaluation_points(self) -> np.ndarray:
        """The points of the 101 x 101 grid of [-1, 1]^2 inside the domain, (7701, 2)."""
        grid = super().evaluation_points()
        return grid[in_domain(grid[:, 0], grid[:, 1])]


PROBLEM = ProblemFamily(
    name="poisson_lshape",
    tasks={"pinn": PoissonLShapePINN},
    default_task="pinn",
    summary="Poisson -lap u = 1 on the L-shaped domain, u = 0 on the boundary (scikit-fem P2)",
)
