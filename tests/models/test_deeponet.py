"""DeepONet for operator tasks (physym.models.deeponet): shapes, expansion, controls, fits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from physym.expansion import Expansion
from physym.models._params import count_parameters
from physym.models.deeponet import build_deeponet, grid_coordinates
from physym.models.operator import fit_operator
from physym.options import ModelOptions
from physym.problems.burgers import BurgersOperator
from physym.problems.darcy import DarcyOperator
from physym.problems.navier_stokes import NavierStokesOperator
from physym.runner import RunSpec, prepare

CPU = torch.device("cpu")


def test_grid_coordinates_and_shapes():
    c = grid_coordinates((3, 2))
    np.testing.assert_array_equal(c, [[0, 0], [0, 1], [0.5, 0], [0.5, 1], [1, 0], [1, 1]])
    budget = BurgersOperator().budget("smoke")
    torch.manual_seed(0)
    net = build_deeponet(in_channels=1, out_channels=1, grid=(16,), budget=budget,
                         expansion=Expansion(4, "pi", "append"))
    assert net(torch.rand(5, 1, 16)).shape == (5, 1, 16)
    first = net.net.trunk.linears[0]
    assert first.in_features == 1 + 4  # the constants join the trunk's coordinate
    assert net.net.branch.linears[0].in_features == 16  # the branch input is unchanged
    lifted = net.net._input_transform(net.coords)
    np.testing.assert_allclose(lifted[:, 1:].numpy(), np.pi)


def test_matched_control_and_refused_options():
    budget = dataclasses.replace(BurgersOperator().budget("smoke"), width=32)
    kw = dict(in_channels=1, out_channels=1, grid=(32,), budget=budget)
    expanded = count_parameters(build_deeponet(expansion=Expansion(4), **kw))
    matched = count_parameters(build_deeponet(expansion=Expansion(0),
                                              options=ModelOptions(match_params=4), **kw))
    base = count_parameters(build_deeponet(expansion=Expansion(0), **kw))
    assert base < expanded and abs(matched - expanded) <= abs(base - expanded) / 2
    with pytest.raises(ValueError, match="dropout"):
        prepare(RunSpec("burgers", "operator", "deeponet", budget="smoke",
                        options=ModelOptions(dropout=0.1)))
    # the bias-equivalent controls act on the trunk's first layer (tests/test_bias_controls.py)
    prepare(RunSpec("burgers", "operator", "deeponet", budget="smoke",
                    options=ModelOptions(bias_init=True, bias_lr=True, bias_n=4,
                                         bias_fill=3.0)))
    with pytest.raises(ValueError, match="layout 'channels' cannot be used with this model; "
                                         "allowed: append, symmetric"):
        prepare(RunSpec("burgers", "operator", "deeponet", Expansion(4, layout="channels"),
                        budget="smoke"))
    with pytest.raises(ValueError, match="model must be one of fnn for burgers task pinn"):
        prepare(RunSpec("burgers", "pinn", "deeponet", budget="smoke"))


def test_several_output_channels_split_the_branch():
    """K channels: branch slice k times the shared trunk, at every grid point in ij order."""
    budget = dataclasses.replace(NavierStokesOperator().budget("smoke"), width=6, n_layers=2)
    torch.manual_seed(0)
    net = build_deeponet(in_channels=3, out_channels=2, grid=(4, 5), budget=budget,
                         expansion=Expansion(4, "pi", "append"))
    assert net.net.branch.linears[-1].out_features == 2 * 6  # p coefficients per channel
    assert net.net.trunk.linears[0].in_features == 2 + 4  # one shared trunk takes the constants
    x = torch.rand(7, 3, 4, 5)
    with torch.no_grad():
        for b in net.net.b:
            b.fill_(torch.randn(()).item())
        out = net(x)
        coeffs = net.net.branch(x.reshape(7, -1)).reshape(7, 2, 6)
        basis = torch.tanh(net.net.trunk(net.net._input_transform(net.coords)))  # (20, p)
        bias = torch.stack(list(net.net.b)).reshape(1, 2, 1)
        expected = torch.einsum("bkp,np->bkn", coeffs, basis) + bias
    assert out.shape == (7, 2, 4, 5)
    torch.testing.assert_close(out, expected.reshape(7, 2, 4, 5))
    # grid point (i, j) is row i * 5 + j of the coordinates
    torch.testing.assert_close(net.coords[1 * 5 + 3], torch.tensor([1 / 3, 3 / 4]))


@pytest.mark.parametrize("problem", [BurgersOperator, DarcyOperator, NavierStokesOperator])
def test_deeponet_trains_and_both_arms_share_the_data(problem):
    torch.set_num_threads(1)
    p = problem()
    budget = dataclasses.replace(p.budget("smoke"), epochs=30)
    fits = [fit_operator(p, model="deeponet", expansion=Expansion(n, "pi", "append"),
                         budget=budget, seed=0, device=CPU) for n in (0, 4)]
    assert fits[0].data_fingerprint == fits[1].data_fingerprint
    for fit in fits:
        assert np.isfinite(fit.error) and fit.prediction.shape[1] == p.out_channels
    assert fits[1].n_params == fits[0].n_params + 4 * budget.width
