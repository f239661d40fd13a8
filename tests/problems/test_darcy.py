"""Validation of the Darcy numerics (finite volumes, Neumann GRF) and of both Darcy tasks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import physym
from physym import Expansion
from physym.problems.darcy import (
    DarcyOperator,
    DarcyOperatorParams,
    DarcyPINN,
    cell_centres,
    darcy_matrix,
    manufactured_solution,
    sample_neumann_grf_2d,
    solve_darcy,
)

PROBLEM = "physym.problems.darcy:PROBLEM"  # the registry name "darcy" is added separately
CPU = torch.device("cpu")


@pytest.fixture
def one_thread():
    """Small models train much faster on one thread on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _grid(s: int) -> tuple[np.ndarray, np.ndarray]:
    x = cell_centres(s)
    return np.meshgrid(x, x, indexing="ij")


def _thresholded(n: int, s: int, seed: int = 0) -> np.ndarray:
    mu = sample_neumann_grf_2d(n, s, generator=torch.Generator().manual_seed(seed))
    return torch.where(mu >= 0, 12.0, 3.0).numpy()


# --------------------------------------------------------------------------- solver
@pytest.mark.parametrize(("amplitude", "mode_x", "mode_y"), [(0.5, 1, 1), (0.9, 2, 3)])
def test_manufactured_solution_converges_at_second_order(amplitude, mode_x, mode_y) -> None:
    errors = []
    for s in (32, 64):
        a, u, f = manufactured_solution(*_grid(s), amplitude=amplitude, mode_x=mode_x,
                                        mode_y=mode_y)
        errors.append(np.sqrt(np.mean((solve_darcy(a, f) - u) ** 2)))
    order = math.log2(errors[0] / errors[1])
    assert abs(order - 2.0) < 0.3, (errors, order)


def test_boundary_treatment_is_exact_for_the_discrete_sine_mode() -> None:
    # With u_ghost = -u_P, sin(pi x) sin(2 pi y) at the cell centres is an exact eigenvector of
    # the constant-coefficient operator: any error in the half-cell boundary faces shows here.
    s, c = 24, 2.5
    x, y = _grid(s)
    v = np.sin(np.pi * x) * np.sin(2 * np.pi * y)
    h = 1.0 / s
    lam = 4.0 / h**2 * (np.sin(np.pi * h / 2) ** 2 + np.sin(2 * np.pi * h / 2) ** 2)
    u = solve_darcy(np.full((s, s), c), c * lam * v)
    np.testing.assert_allclose(u, v, atol=1e-12)


def test_matrix_is_a_symmetric_m_matrix() -> None:
    a = _thresholded(1, 16)[0]
    mat = darcy_matrix(a)
    assert mat.shape == (256, 256)
    assert abs(mat - mat.T).max() < 1e-9 * abs(mat).max()
    dense = mat.toarray()
    off = dense - np.diag(np.diag(dense))
    assert np.all(off <= 0) and np.all(np.diag(dense) > 0)
    row_sum = dense.sum(axis=1)  # > 0 exactly on the cells that touch the boundary
    boundary = np.zeros((16, 16), bool)
    boundary[[0, -1], :] = boundary[:, [0, -1]] = True
    assert np.all(row_sum[boundary.ravel()] > 0)
    np.testing.assert_allclose(row_sum[~boundary.ravel()], 0.0, atol=1e-9)
    assert np.linalg.eigvalsh(dense).min() > 0


def test_solution_is_positive_linear_and_transposes_with_the_coefficient() -> None:
    a = _thresholded(3, 32, seed=1)
    u = solve_darcy(a, 1.0)
    assert u.shape == (3, 32, 32) and np.all(u > 0)  # maximum principle for f > 0
    np.testing.assert_allclose(solve_darcy(a, 2.5), 2.5 * u, rtol=1e-10)
    np.testing.assert_allclose(solve_darcy(a.transpose(0, 2, 1)), u.transpose(0, 2, 1),
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(solve_darcy(a[0]), u[0])  # 2-D input
    # constant a = c scales the solution by 1/c, and the solution is below the 1-D bound 1/8c
    u3 = solve_darcy(np.full((32, 32), 3.0))
    np.testing.assert_allclose(solve_darcy(np.full((32, 32), 12.0)), u3 / 4, rtol=1e-10)
    assert u3.max() < 1 / 24


def test_solver_rejects_bad_coefficients() -> None:
    with pytest.raises(ValueError, match="positive"):
        darcy_matrix(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="shape"):
        solve_darcy(np.ones((2, 3, 4, 4)))


# --------------------------------------------------------------------------- GRF
def test_grf_mean_variance_and_determinism() -> None:
    n, s = 4000, 12
    mu = sample_neumann_grf_2d(n, s, generator=torch.Generator().manual_seed(3))
    assert mu.shape == (n, s, s) and mu.dtype == torch.float64
    assert mu.mean(dim=(1, 2)).abs().max() < 1e-14  # k = 0 dropped: zero mean on the grid
    k = np.arange(s)
    lam = (np.pi**2 * (k[:, None] ** 2 + k[None, :] ** 2) + 9.0) ** -2.0
    lam[0, 0] = 0.0
    phi = np.cos(np.pi * np.outer(cell_centres(s), k)) * np.where(k > 0, np.sqrt(2), 1.0)
    var = np.einsum("kl,ik,jl->ij", lam, phi**2, phi**2)  # sum_k lam_k phi_k(x)^2
    np.testing.assert_allclose(mu.var(dim=0).numpy(), var, rtol=0.1)
    assert mu.mean(dim=0).abs().max() < 5 * math.sqrt(var.max() / n)
    again = sample_neumann_grf_2d(n, s, generator=torch.Generator().manual_seed(3))
    assert torch.equal(mu, again)
    other = sample_neumann_grf_2d(n, s, generator=torch.Generator().manual_seed(4))
    assert not torch.allclose(mu, other)
    with pytest.raises(TypeError, match="CPU torch.Generator"):
        sample_neumann_grf_2d(1, s, generator=None)


def test_generate_thresholds_and_is_deterministic() -> None:
    op = DarcyOperator()
    a, u = op.generate(4, resolution=16, seed=7, device=CPU)
    assert a.shape == u.shape == (4, 1, 16, 16) and a.device == u.device == CPU
    assert set(a.unique().tolist()) == {3.0, 12.0}
    assert torch.all(u > 0)
    a2, u2 = op.generate(4, resolution=16, seed=7, device=CPU)
    assert torch.equal(a, a2) and torch.equal(u, u2)
    a3, _ = op.generate(4, resolution=16, seed=8, device=CPU)
    assert not torch.equal(a, a3)
    beta = DarcyOperator(DarcyOperatorParams(beta=2.0)).generate(4, resolution=16, seed=7,
                                                                 device=CPU)[1]
    torch.testing.assert_close(beta, 2.0 * u)


def test_refined_solve_is_read_at_coinciding_cell_centres() -> None:
    np.testing.assert_allclose(cell_centres(24)[1::3], cell_centres(8))
    op = DarcyOperator(DarcyOperatorParams(refine=3))
    a, u = op.generate(2, resolution=8, seed=0, device=CPU)
    assert a.shape == u.shape == (2, 1, 8, 8)
    fine_a, fine_u = DarcyOperator().generate(2, resolution=24, seed=0, device=CPU)
    torch.testing.assert_close(a, fine_a[:, :, 1::3, 1::3])
    torch.testing.assert_close(u, fine_u[:, :, 1::3, 1::3])
    with pytest.raises(ValueError, match="odd"):
        DarcyOperatorParams(refine=2)


# --------------------------------------------------------------------------- PINN
def test_manufactured_solution_satisfies_the_pde() -> None:
    gen = torch.Generator().manual_seed(0)
    xy = torch.rand((200, 2), generator=gen, dtype=torch.float64).requires_grad_(True)
    a, u, f = manufactured_solution(xy[:, 0], xy[:, 1], amplitude=0.7, mode_x=2, mode_y=1)
    (grad_u,) = torch.autograd.grad(u.sum(), xy, create_graph=True)
    flux = a[:, None] * grad_u
    div = sum(torch.autograd.grad(flux[:, i].sum(), xy, retain_graph=True)[0][:, i]
              for i in range(2))
    torch.testing.assert_close(-div, f, atol=1e-10, rtol=1e-10)
    edge = np.linspace(0, 1, 11)
    for x, y in ((edge, 0 * edge), (edge, 0 * edge + 1), (0 * edge, edge), (0 * edge + 1, edge)):
        assert np.abs(manufactured_solution(x, y)[1]).max() < 1e-12


def test_pinn_residual_vanishes_on_the_exact_solution() -> None:
    from physym.models.pinn import load_deepxde

    dde = load_deepxde()
    problem = DarcyPINN()
    data = problem.deepxde_data(dde, problem.budget("smoke"))
    assert data.train_x_all.shape[1] == 2 and len(data.bcs) == 1
    xy = torch.as_tensor(data.train_x, dtype=torch.float32).double().requires_grad_(True)
    u = (torch.sin(math.pi * xy[:, :1]) * torch.sin(math.pi * xy[:, 1:]))
    residual = data.pde(xy, u)
    dde.grad.clear()
    assert residual.abs().max() < 1e-9
    points = problem.evaluation_points()
    assert points.shape == (101 * 101, 2)
    np.testing.assert_allclose(problem.exact(points)[:, 0],
                               np.sin(np.pi * points[:, 0]) * np.sin(np.pi * points[:, 1]))


# --------------------------------------------------------------------------- PDEBench layout
def test_pdebench_round_trip_and_rejection(tmp_path) -> None:
    from physym.data import read_pdebench, write_pdebench
    from physym.io import DataFileError

    op = DarcyOperator()
    a, u = (t.numpy().astype(np.float32) for t in op.generate(3, resolution=8, seed=0, device=CPU))
    sets = op.to_pdebench(a, u)
    assert sets["nu"].shape == (3, 8, 8) and sets["tensor"].shape == (3, 1, 8, 8)
    back_a, back_u = op.from_pdebench(sets)
    np.testing.assert_array_equal(back_a, a)
    np.testing.assert_array_equal(back_u, u)
    path = tmp_path / "2D_DarcyFlow_beta1.0_test.hdf5"
    write_pdebench(path, op, a, u, attrs={"seed": 0})
    file_a, file_u, _ = read_pdebench(path, op)
    np.testing.assert_array_equal(file_a, a)
    np.testing.assert_array_equal(file_u, u)
    import h5py

    with h5py.File(path) as f:
        np.testing.assert_allclose(f["x-coordinate"][:], cell_centres(8))
    bad = [
        ({"tensor": u}, "missing nu"),
        ({"nu": a[:, 0], "tensor": u[:, 0]}, r"\(N, 1, X, Y\)"),
        ({"nu": a, "tensor": u}, r"\(N, X, Y\)"),
        ({"nu": a[:2, 0], "tensor": u}, "different samples"),
        ({"tensor": np.concatenate([a, u], axis=1)}, "nu"),  # a time-series file
    ]
    for datasets, message in bad:
        with pytest.raises(ValueError, match=message):
            op.from_pdebench(datasets)
    with pytest.raises(DataFileError, match="DarcyOperator"):
        h5 = tmp_path / "burgers_like.hdf5"
        with h5py.File(h5, "w") as f:
            f.create_dataset("tensor", data=np.zeros((2, 2, 8), np.float32))
        read_pdebench(h5, op)


# --------------------------------------------------------------------------- runner
@pytest.mark.parametrize(("task", "layout"), [("operator", "channels"), ("pinn", "append")])
def test_smoke_comparison_runs(one_thread, task, layout) -> None:
    cmp = physym.compare(PROBLEM, task=task, expansion=Expansion(2, layout=layout),
                         budget="smoke", seeds=1, device="cpu")
    for result in cmp.baseline + cmp.expanded:
        assert result.status == "ok", result.reason
        assert math.isfinite(result.error) and result.error > 0
    assert cmp.baseline[0].data_fingerprint == cmp.expanded[0].data_fingerprint
    assert cmp.expanded[0].n_params > cmp.baseline[0].n_params


def test_family_and_summaries() -> None:
    family = physym.get_problem(PROBLEM)
    assert family.name == "darcy" and family.default_task == "operator"
    assert family.task("pinn") is DarcyPINN and family.task() is DarcyOperator
    assert DarcyOperator.summary().startswith("Darcy flow operator")
    assert DarcyOperator.normalize_inputs and DarcyOperator.n_dim == 2
    paper = DarcyOperator.budgets["paper"]
    assert (paper.resolution, paper.n_train, paper.n_test, paper.modes, paper.width,
            paper.epochs) == (85, 1000, 100, 12, 32, 500)
    assert all(b.num_initial == 0 for b in DarcyPINN.budgets.values())
