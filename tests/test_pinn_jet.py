"""The derivative-carrying forward pass equals DeepXDE's nested autograd derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from physym import Expansion
from physym.budgets import PINNBudget
from physym.models.pinn import build_fnn, load_deepxde, regularised_fnn
from physym.models.pinn_jet import input_embedding, jet_forward, jet_unsupported

BUDGET = PINNBudget(10, 4, 4, 16, 3, 5, 0, seeds=1)


def _net(d: int, d_out: int, expansion: Expansion) -> torch.nn.Module:
    dde = load_deepxde()
    torch.manual_seed(0)
    return build_fnn(dde, d_in=d, d_out=d_out, budget=BUDGET, expansion=expansion)


@pytest.mark.parametrize("d,d_out,expansion", [
    (2, 1, Expansion(0)), (2, 1, Expansion(4)), (3, 2, Expansion(3, layout="symmetric")),
])
def test_jet_matches_deepxde_autograd(d: int, d_out: int, expansion: Expansion) -> None:
    dde = load_deepxde()
    net = _net(d, d_out, expansion)
    x = torch.as_tensor(np.random.default_rng(1).uniform(-1, 1, (64, d)), dtype=torch.float32)
    emb = input_embedding(net, d, dtype=x.dtype, device=x.device)
    assert emb is not None
    jet = jet_forward(net, x, emb, tuple(range(d)))
    xr = x.clone().requires_grad_(True)
    y = net(xr)
    dde.grad.clear()
    for c in range(d_out):
        np.testing.assert_allclose(jet.value(c).detach(), y[:, c:c + 1].detach(), rtol=0,
                                   atol=1e-6)
        for j in range(d):
            ref = dde.grad.jacobian(y, xr, i=c, j=j).detach()
            scale = float(ref.abs().max())
            assert float((jet.d(j, c) - ref).abs().max()) <= 1e-5 * max(scale, 1.0)
            ref2 = dde.grad.hessian(y, xr, component=c, i=j, j=j).detach()
            scale2 = float(ref2.abs().max())
            assert float((jet.dd(j, c) - ref2).abs().max()) <= 1e-5 * max(scale2, 1.0)
    dde.grad.clear()


def test_jet_weight_gradient_matches_double_backward() -> None:
    """One backward pass through the jet gives the weight gradient of the residual loss that
    double reverse-mode autograd gives (Burgers' residual, n = 4)."""
    net = _net(2, 1, Expansion(4))
    x = torch.as_tensor(np.random.default_rng(2).uniform(-1, 1, (128, 2)), dtype=torch.float32)
    emb = input_embedding(net, 2, dtype=x.dtype, device=x.device)
    jet = jet_forward(net, x, emb, (0,))
    loss_jet = ((jet.d(1) + jet.value() * jet.d(0) - 0.01 * jet.dd(0)) ** 2).mean()
    grads_jet = torch.autograd.grad(loss_jet, list(net.parameters()))
    xr = x.clone().requires_grad_(True)
    u = net(xr)
    (g,) = torch.autograd.grad(u.sum(), xr, create_graph=True)
    (g2,) = torch.autograd.grad(g[:, 0].sum(), xr, create_graph=True)
    loss_ref = ((g[:, 1:2] + u * g[:, 0:1] - 0.01 * g2[:, 0:1]) ** 2).mean()
    grads_ref = torch.autograd.grad(loss_ref, list(net.parameters()))
    assert abs(float(loss_jet) - float(loss_ref)) <= 1e-6 * abs(float(loss_ref))
    for a, b in zip(grads_jet, grads_ref):
        assert float((a - b).abs().max()) <= 1e-5 * max(float(b.abs().max()), 1e-3)


def test_undeclared_second_derivative_is_refused() -> None:
    net = _net(2, 1, Expansion(0))
    x = torch.zeros(3, 2)
    jet = jet_forward(net, x, input_embedding(net, 2, dtype=x.dtype, device=x.device), (0,))
    with pytest.raises(KeyError, match="jet_second_derivatives"):
        jet.dd(1)


def test_unsupported_networks_are_named() -> None:
    dde = load_deepxde()
    assert jet_unsupported(dde, _net(2, 1, Expansion(2))) is None
    laaf = dde.nn.FNN([2, 8, 1], "LAAF-10 tanh", "Glorot normal")
    assert "tanh" in jet_unsupported(dde, laaf)
    reg = regularised_fnn(dde)([2, 8, 1], dropout=0.1)
    assert "RegularisedFNN" in jet_unsupported(dde, reg)
    hard = dde.nn.FNN([2, 8, 1], "tanh", "Glorot normal")
    hard.apply_output_transform(lambda x, y: x[:, :1] * y)
    assert "output transform" in jet_unsupported(dde, hard)


def test_non_affine_input_transform_is_detected() -> None:
    dde = load_deepxde()
    net = dde.nn.FNN([2, 8, 1], "tanh", "Glorot normal")
    net.apply_feature_transform(lambda x: torch.sin(x))
    assert input_embedding(net, 2, dtype=torch.float32, device=torch.device("cpu")) is None
