"""The equivariant technique: declared symmetries and exactly symmetric networks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from physym.equivariance import Symmetry, group_average, square_symmetries
from physym.expansion import Expansion
from physym.measure import technique_name, technique_options
from physym.models.operator import build_operator
from physym.models.pinn import fit_pinn
from physym.options import ModelOptions
from physym.problems.allen_cahn import AllenCahnPINN
from physym.problems.burgers import BurgersPINN
from physym.problems.darcy import DarcyOperator
from physym.runner import RunSpec, prepare
from physym.budgets import PINNBudget

TINY = PINNBudget(100, 10, 10, width=8, depth=2, adam_iterations=30, lbfgs_iterations=5)
EQ = ModelOptions(equivariant=True)


def test_square_symmetries_are_the_seven_other_elements_of_d4():
    a = torch.arange(16.0).reshape(1, 1, 4, 4)
    images = {tuple(g.inputs(a).flatten().tolist()) for g in square_symmetries()}
    assert len(images) == 7 and tuple(a.flatten().tolist()) not in images
    for g in square_symmetries():  # outputs undoes inputs
        assert torch.equal(g.outputs(g.inputs(a)), a)


def test_group_average_of_any_function_has_the_symmetry():
    flip = Symmetry("x -> -x, y -> -y", lambda x: -x, lambda y: -y)
    f = lambda x: torch.exp(x) + x ** 2  # noqa: E731  (neither odd nor even)
    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    avg = group_average(f, x, [flip])
    torch.testing.assert_close(group_average(f, -x, [flip]), -avg, rtol=0, atol=1e-15)
    torch.testing.assert_close(avg, torch.sinh(x), rtol=0, atol=1e-15)  # the odd part


@pytest.mark.parametrize("problem, sign", [(BurgersPINN, -1.0), (AllenCahnPINN, 1.0)])
def test_trained_equivariant_pinn_is_exactly_symmetric(problem, sign):
    torch.set_num_threads(1)
    fit = fit_pinn(problem(), model="fnn", expansion=Expansion(4), budget=TINY, seed=0,
                   device=torch.device("cpu"), options=EQ)
    x = torch.rand(50, 2) * torch.tensor([2.0, 1.0]) - torch.tensor([1.0, 0.0])
    mirrored = torch.cat([-x[:, :1], x[:, 1:]], 1)
    with torch.no_grad():
        y, y_m = fit.model(x), fit.model(mirrored)
    torch.testing.assert_close(y_m, sign * y, rtol=0, atol=1e-6)
    assert np.isfinite(fit.error)
    assert fit.model.linears[0].in_features == 2 + 4  # the constants stay inside


def test_equivariant_darcy_operator_commutes_with_d4():
    torch.manual_seed(0)
    budget = dataclasses.replace(DarcyOperator().budget("smoke"), resolution=16)
    net = build_operator("fno", in_channels=1, out_channels=1, n_dim=2, budget=budget,
                         expansion=Expansion(2, layout="channels"), options=EQ,
                         symmetries=DarcyOperator().symmetries())
    a = torch.rand(3, 1, 16, 16)
    with torch.no_grad():
        u = net(a)
        scale = float(u.abs().max())
        for g in square_symmetries():  # exact up to float32 rounding (the sum's order)
            torch.testing.assert_close(net(g.inputs(a)), g.inputs(u), rtol=0,
                                       atol=1e-5 * scale)


def test_problems_without_symmetries_and_models_without_the_option_are_refused():
    with pytest.raises(ValueError, match="equivariant technique needs a problem that declares"):
        prepare(RunSpec("kdv", "pinn", budget="smoke", options=EQ))
    with pytest.raises(ValueError, match="option equivariant is not available for model mlp"):
        prepare(RunSpec("qcd_eos", budget="smoke", options=EQ))
    with pytest.raises(ValueError, match="combine with no other option"):
        ModelOptions(bias_init=True, bias_n=4, equivariant=True)
    prepare(RunSpec("darcy", "operator", "fno", Expansion(0, layout="channels"),
                    budget="smoke", options=EQ))


def test_measure_technique_and_study_control():
    from physym.study.arms import Arm
    from physym.study.preset import parse_preset

    assert technique_options("equivariant") == EQ and technique_name(EQ) == "equivariant"
    assert EQ.to_dict() == {"equivariant": True} and ModelOptions().to_dict() == {}
    preset = parse_preset('[study]\nbudget = "smoke"\nseeds = 1\nexpand = [2]\n'
                          'controls = ["equivariant"]\nconfig = [ { problem = "burgers" } ]',
                          name="e")
    roles = sorted(Arm.of(s).role for s in preset.specs())
    assert roles == ["baseline", "equivariant", "expanded"]


def test_periodic_burgers_data_and_equivariant_fno_have_the_odd_reflection():
    from physym.equivariance import periodic_odd_reflection
    from physym.problems.burgers import BurgersOperator

    (g,) = periodic_odd_reflection()
    a = torch.arange(8.0).reshape(1, 1, 8)
    assert g.inputs(a).flatten().tolist() == [-0.0, -7, -6, -5, -4, -3, -2, -1]
    assert torch.equal(g.inputs(g.inputs(a)), a)
    # the solver's data have the symmetry: G(R u0) = R G(u0), to rounding
    from physym.problems._grf import sample_periodic_grf_1d
    from physym.problems.burgers import solve_burgers_periodic

    problem = BurgersOperator()
    p = problem.params
    u0 = sample_periodic_grf_1d(2, 128, alpha=p.alpha, tau=p.tau, sigma=p.sigma,
                                generator=torch.Generator().manual_seed(3),
                                dtype=torch.float64)
    solve = lambda u: solve_burgers_periodic(u, nu=p.nu, t_final=p.t_final)[:, -1]  # noqa: E731
    torch.testing.assert_close(solve(g.inputs(u0).contiguous()), g.inputs(solve(u0)),
                               rtol=0, atol=1e-12)
    torch.manual_seed(0)
    budget = problem.budget("smoke")
    net = build_operator("fno", in_channels=1, out_channels=1, n_dim=1, budget=budget,
                         expansion=Expansion(2, layout="channels"), options=EQ,
                         symmetries=problem.symmetries())
    x = torch.randn(3, 1, budget.resolution)
    with torch.no_grad():
        torch.testing.assert_close(net(g.inputs(x)), g.inputs(net(x)), rtol=0, atol=1e-5)
