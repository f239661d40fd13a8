import numpy as np
import torch

from physym.expansion import Expansion
from physym.models.pinn import build_fnn, load_deepxde
from physym.budgets import PINNBudget

BUDGET = PINNBudget(10, 4, 4, width=8, depth=2, adam_iterations=1, lbfgs_iterations=0)


def test_import_keeps_default_device():
    before = torch.get_default_device()
    dde = load_deepxde()
    assert dde.backend.backend_name == "pytorch"
    assert torch.get_default_device() == before


def test_fnn_first_layer_width_and_constants():
    dde = load_deepxde()
    torch.manual_seed(0)
    base = build_fnn(dde, d_in=2, d_out=1, budget=BUDGET, expansion=Expansion(0))
    exp = build_fnn(dde, d_in=2, d_out=1, budget=BUDGET, expansion=Expansion(4, "pi", "symmetric"))
    assert base.linears[0].in_features == 2
    assert exp.linears[0].in_features == 6
    x = torch.rand(5, 2, requires_grad=True)
    y = exp(x)
    assert y.shape == (5, 1)
    # the network is a function of x only: its input gradient has shape (5, 2)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.shape == (5, 2) and torch.all(torch.isfinite(g))
    # and equals a baseline-shaped network with the constants folded into the bias
    w = exp.linears[0].weight.detach()
    folded = torch.nn.Linear(2, 8)
    with torch.no_grad():
        folded.weight.copy_(w[:, 2:4])
        folded.bias.copy_(exp.linears[0].bias + np.pi * (w[:, :2].sum(1) + w[:, 4:].sum(1)))
    h = torch.tanh(folded(x))
    for lin in exp.linears[1:-1]:
        h = torch.tanh(lin(h))
    assert torch.allclose(exp.linears[-1](h), y, atol=1e-5)
