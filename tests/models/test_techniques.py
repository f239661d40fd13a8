"""Dropout and batch norm on coordinate networks (PINN FNN, regression MLP): the techniques the
replica metric compares. The default networks must stay exactly what they were."""

import dataclasses

import numpy as np
import pytest
import torch

from physym.expansion import Expansion
from physym.models.pinn import build_fnn, load_deepxde, regularised_fnn
from physym.models.mlp import MLP, build_mlp
from physym.models.operator import build_operator
from physym.options import ModelOptions
from physym.runner import RunSpec, adapter_for, prepare

EXP = Expansion(2, "pi", "append")


@pytest.fixture(scope="module")
def dde():
    return load_deepxde()


def _pinn_budget():
    return dataclasses.replace(prepare(RunSpec("burgers", "pinn", budget="smoke"))[2],
                               adam_iterations=5, lbfgs_iterations=3)


def test_default_fnn_is_deepxdes_own(dde):
    net = build_fnn(dde, d_in=2, d_out=1, budget=_pinn_budget(), expansion=EXP)
    assert type(net) is dde.nn.FNN


@pytest.mark.parametrize("options", [ModelOptions(dropout=0.2), ModelOptions(batchnorm=True)])
def test_regularised_fnn_starts_from_fnns_weights(dde, options):
    budget = _pinn_budget()
    dde.config.set_random_seed(7)
    plain = build_fnn(dde, d_in=2, d_out=1, budget=budget, expansion=EXP)
    dde.config.set_random_seed(7)
    net = build_fnn(dde, d_in=2, d_out=1, budget=budget, expansion=EXP, options=options)
    assert type(net).__name__ == "RegularisedFNN"
    for a, b in zip(plain.linears, net.linears):
        torch.testing.assert_close(a.weight, b.weight, rtol=0, atol=0)
        torch.testing.assert_close(a.bias, b.bias, rtol=0, atol=0)
    x = torch.rand(6, 2)
    net.eval()  # no dropout; fresh running statistics (mean 0, var 1) are the identity
    torch.testing.assert_close(net(x), plain(x), rtol=1e-4, atol=1e-5)
    # neither option set: the same function as FNN, layer for layer
    bare = regularised_fnn(dde)([2, 5, 1])
    fnn = dde.nn.FNN([2, 5, 1], "tanh", "Glorot normal")
    fnn.load_state_dict(bare.state_dict())
    torch.testing.assert_close(bare(x), fnn(x))


def test_batchnorm_pinn_outputs_depend_on_their_own_point_only(dde):
    """In training mode the coordinate Jacobian is block-diagonal, so DeepXDE's autograd of
    the batch sum is each point's own derivative (not so with ordinary batch statistics)."""
    torch.manual_seed(0)
    net = regularised_fnn(dde)([2, 8, 8, 1], batchnorm=True)
    net.train()
    x = torch.rand(12, 2)
    jac = torch.autograd.functional.jacobian(net, x)  # (12, 1, 12, 2)
    off = jac[:, 0].permute(0, 2, 1).reshape(12 * 2, 12)  # rows (point, input), cols point
    mask = torch.ones(12, 12, dtype=torch.bool).fill_diagonal_(False).repeat_interleave(2, 0)
    assert off[mask].abs().max() == 0
    assert off[~mask].abs().max() > 1e-3
    # the batch sum's gradient equals the per-point Jacobian diagonal
    xg = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(net(xg).sum(), xg)
    torch.testing.assert_close(grad, torch.einsum("iij->ij", jac[:, 0]))
    # running statistics are updated as torch's BatchNorm1d does (momentum 0.1)
    fresh = regularised_fnn(dde)([2, 8, 8, 1], batchnorm=True)
    fresh(x)
    with torch.no_grad():
        z = fresh.linears[0](x)
    torch.testing.assert_close(fresh.norms[0].running_mean, 0.1 * z.mean(0))
    torch.testing.assert_close(fresh.norms[0].running_var, 0.9 + 0.1 * z.var(0, unbiased=True))
    # eval mode normalises each point with the running statistics alone
    fresh.eval()
    torch.testing.assert_close(fresh(x[:3]), fresh(x)[:3])


@pytest.mark.parametrize("options", [ModelOptions(dropout=0.1), ModelOptions(batchnorm=True)])
def test_pinn_with_a_technique_trains_and_predicts(options):
    problem, _, _ = prepare(RunSpec("burgers", "pinn", budget="smoke"))
    kw = dict(model="fnn", expansion=EXP, budget=_pinn_budget(), seed=1, data_seed=0,
              device=torch.device("cpu"), options=options)
    fit = adapter_for(problem).fit(problem, **kw)
    assert np.isfinite(fit.error) and fit.prediction.shape[1] == 1
    assert type(fit.model).__name__ == "RegularisedFNN" and not fit.model.training
    assert set(fit.initial_state) >= {"linears.0.weight", "linears.0.bias"}
    assert fit.initial_state["linears.0.weight"].shape == (16, 4)
    assert not np.allclose(fit.initial_state["linears.0.weight"],
                           fit.model.linears[0].weight.detach().numpy())
    if options.batchnorm:  # eval mode uses the final network's statistics on the points
        n = len(fit.model.norms)
        assert n == 2 and int(fit.model.norms[0].num_batches_tracked) == 1
    again = adapter_for(problem).fit(problem, **kw)
    assert again.error == fit.error  # seeded: dropout masks too


def test_default_mlp_is_unchanged_and_techniques_keep_its_initialisation():
    budget = prepare(RunSpec("qcd_eos", budget="smoke"))[2]
    kw = dict(d_in=1, d_out=1, budget=budget, expansion=EXP, seed=5)
    plain = build_mlp(**kw)
    assert plain.norms is None and plain.drop is None
    assert set(plain.state_dict()) == {f"linears.{i}.{p}" for i in range(3) for p in ("weight", "bias")}
    for options in (ModelOptions(dropout=0.3), ModelOptions(batchnorm=True)):
        net = build_mlp(**kw, options=options)
        for a, b in zip(plain.linears, net.linears):
            torch.testing.assert_close(a.weight, b.weight, rtol=0, atol=0)
    net = MLP(1, 1, width=4, depth=2, expansion=EXP, seed=0, batchnorm=True, dropout=0.5)
    assert len(net.norms) == 2 and net.drop.p == 0.5


@pytest.mark.parametrize("options", [ModelOptions(dropout=0.2), ModelOptions(batchnorm=True)])
def test_regression_with_a_technique_trains_deterministically(options):
    problem, _, budget = prepare(RunSpec("qcd_eos", budget="smoke"))
    kw = dict(model="mlp", expansion=EXP, budget=budget, seed=2, data_seed=0,
              device=torch.device("cpu"), options=options)
    fit = adapter_for(problem).fit(problem, **kw)
    assert np.isfinite(fit.error) and np.all(np.isfinite(fit.prediction))
    assert not fit.model.training
    torch.manual_seed(123)  # dropout masks come from the run's seed, not the caller's state
    assert adapter_for(problem).fit(problem, **kw).error == fit.error
    if options.batchnorm:
        x = torch.as_tensor(problem.training_samples(seed=0)[0])
        with torch.no_grad():
            z = fit.model.linears[0](fit.model.expansion(x))
        torch.testing.assert_close(fit.model.norms[0].running_mean, z.mean(0))


def test_operators_still_refuse_dropout_and_batchnorm():
    budget = prepare(RunSpec("burgers", "operator", budget="smoke",
                             expansion=Expansion(0, layout="channels")))[2]
    for options in (ModelOptions(dropout=0.1), ModelOptions(batchnorm=True)):
        with pytest.raises(ValueError, match="not available for model fno"):
            build_operator("fno", in_channels=1, out_channels=1, n_dim=1, budget=budget,
                           expansion=Expansion(0, layout="channels"), options=options)
