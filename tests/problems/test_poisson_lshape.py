"""Validation of the L-shape Poisson reference (scikit-fem P2) and of its PINN data."""
from __future__ import annotations


import numpy as np
import pytest

pytest.importorskip("skfem")

from physym.problems.poisson_lshape import (  # noqa: E402
    PROBLEM,
    P2Field,
    PoissonLShapeParams,
    PoissonLShapePINN,
    in_domain,
    solve_lshape,
)


def _field(s: dict) -> P2Field:
    return P2Field(s["vertices"], s["triangles"], s["values"])


def _fine_dofs(level: int, s: dict):
    import skfem
    from skfem.models.poisson import mass

    basis = skfem.Basis(skfem.MeshTri.init_lshaped().refined(level), skfem.ElementTriP2())
    u = np.zeros(basis.N)
    u[basis.element_dofs] = s["values"]
    return basis, u, mass.assemble(basis)


def test_p2_field_matches_scikit_fem_probes() -> None:
    s = solve_lshape(2)
    basis, u, _ = _fine_dofs(2, s)
    pts = np.random.default_rng(0).uniform(-1, 1, (400, 2))
    pts = pts[in_domain(pts[:, 0], pts[:, 1])]
    np.testing.assert_allclose(_field(s)(pts), basis.probes(pts.T) @ u, atol=1e-14)
    assert np.isnan(_field(s)(np.array([[0.5, 0.5]])))[0]


def test_convergence_has_the_rates_of_the_reentrant_corner() -> None:
    # energy: |u - u_l|_1^2 = int u - int u_l (Galerkin orthogonality), so successive
    # differences of int u_l shrink like h^{4/3}; measured energy rates (levels 3->6)
    # 0.703, 0.674, 0.668 -> 2/3 (the smooth-solution P2 rate would be 2)
    sols = {lev: solve_lshape(lev) for lev in range(3, 7)}
    energy = np.array([sols[lev]["energy"][0] for lev in range(3, 7)])
    diffs = np.diff(energy)
    assert np.all(diffs > 0)  # the discrete energy increases monotonically to |u|_1^2
    energy_rates = 0.5 * np.log2(diffs[:-1] / diffs[1:])
    assert np.all(np.abs(energy_rates - 2 / 3) < 0.05), energy_rates
    # L2: ||u_{l+1} - u_l|| (coarse interpolated exactly onto the nested fine P2 space);
    # measured 4.46e-4, 1.58e-4, 5.79e-5 (levels 3..6): rates 1.50, 1.45, approaching 4/3
    # from above (1.41 for 6 -> 7), far from the smooth-solution rate 3
    d = []
    for lev in (3, 4, 5):
        basis, u_fine, mass = _fine_dofs(lev + 1, sols[lev + 1])
        e = u_fine - _field(sols[lev])(basis.doflocs.T)
        d.append(np.sqrt(e @ mass @ e))
    l2_rates = np.log2(np.array(d[:-1]) / np.array(d[1:]))
    assert np.all((l2_rates > 4 / 3) & (l2_rates < 1.6)) and l2_rates[1] < l2_rates[0], d


def test_reference_is_symmetric_and_meets_the_boundary_condition() -> None:
    problem = PoissonLShapePINN(PoissonLShapeParams(refine=5))
    pts = problem.evaluation_points()
    assert pts.shape == (7701, 2) and np.all(in_domain(pts[:, 0], pts[:, 1]))
    u = problem.exact(pts)[:, 0]
    # the domain and the mesh are symmetric about y = x
    np.testing.assert_allclose(u, problem.exact(pts[:, ::-1])[:, 0], atol=1e-12)
    on_boundary = (np.abs(pts).max(axis=1) == 1) | ((pts[:, 0] >= 0) & (pts[:, 1] == 0)) | (
        (pts[:, 1] >= 0) & (pts[:, 0] == 0))
    assert np.abs(u[on_boundary]).max() < 1e-14 and u.max() > 0.14
    with pytest.raises(ValueError, match="outside"):
        problem.exact(np.array([[0.5, 0.5]]))


def test_deepxde_data_at_the_smoke_budget() -> None:

    from physym.models.pinn_checks import deepxde_residuals

    problem = PoissonLShapePINN(PoissonLShapeParams(refine=3))
    # u = -(x^2 + y^2)/4 solves -lap u = 1: residual zero
    pde, conditions = deepxde_residuals(problem, lambda x: -0.25 * (x[:, 0:1] ** 2
                                                                    + x[:, 1:2] ** 2))
    assert max(pde) < 1e-12 and [c for c, _ in conditions] == ["DirichletBC"]
    _, conditions = deepxde_residuals(problem, lambda x: 0 * (x[:, 0:1] ** 2 + x[:, 1:2] ** 2))
    assert conditions[0][1] == 0.0
    assert PROBLEM.name == "poisson_lshape" and PROBLEM.task() is PoissonLShapePINN
    with pytest.raises(ValueError, match="refine"):
        PoissonLShapeParams(refine=0)


@pytest.mark.slow
def test_default_reference_energy() -> None:
    # generation time: benchmarks/bench_references.py (197 633 unknowns); int u_7 = 0.2140643,
    # extrapolated |u|_1^2 = 0.2140758 (energy error of the reference 0.7% of |u|_1)
    problem = PoissonLShapePINN()
    u = problem.exact(problem.evaluation_points())[:, 0]
    assert 0.1493 < u.max() < 0.1495


def test_inside_polygon_is_deepxdes_test_and_the_l_shape() -> None:
    """The written-out winding number (numpy >= 2.5 rejects 2-D ``np.cross``) gives DeepXDE's
    answer where DeepXDE still runs, and the exact L-shape membership off the boundary."""
    from physym.problems.poisson_lshape import VERTICES, inside_polygon

    rng = np.random.default_rng(0)
    pts = rng.uniform(-1.2, 1.2, size=(20_000, 2))
    verts = np.asarray(VERTICES)
    got = inside_polygon(pts, verts)
    exact = (np.abs(pts) < 1).all(axis=1) & ~((pts[:, 0] > 0) & (pts[:, 1] > 0))
    assert np.array_equal(got, exact)
    for p in pts.astype(np.float32), pts:
        assert inside_polygon(p, verts).dtype == bool
    from physym.models.pinn import load_deepxde

    dde = load_deepxde()
    try:
        reference = dde.geometry.Polygon([list(v) for v in VERTICES]).inside(pts)
    except ValueError:  # numpy >= 2.5: DeepXDE's own test no longer runs
        return
    assert np.array_equal(got, reference)
