import math

import pytest
import torch

from physym.expansion import Expansion, parse_fill


def test_append_shape_values_and_placement():
    x = torch.arange(6, dtype=torch.float64).reshape(3, 2)
    y = Expansion(3, 0.5, "append")(x)
    assert y.shape == (3, 5)
    assert torch.equal(y[:, :2], x)
    assert torch.all(y[:, 2:] == 0.5)
    assert y.dtype == x.dtype and y.device == x.device


@pytest.mark.parametrize("n, before", [(1, 0), (2, 1), (4, 2), (5, 2)])
def test_symmetric_placement(n, before):
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = Expansion(n, "pi", "symmetric")(x)
    assert y.shape == (2, 2 + n)
    assert torch.equal(y[:, before : before + 2], x)
    const = torch.cat([y[:, :before], y[:, before + 2 :]], dim=1)
    assert const.shape[1] == n
    assert torch.allclose(const, torch.full_like(const, math.pi))


def test_symmetric_is_the_pi_pi_x_pi_pi_form():
    y = Expansion(4, "pi", "symmetric")(torch.tensor([[0.3]]))
    assert torch.allclose(y, torch.tensor([[math.pi, math.pi, 0.3, math.pi, math.pi]]))


def test_channels_shape_and_values():
    x = torch.randn(2, 3, 8, 5)
    y = Expansion(2, -1.0, "channels")(x)
    assert y.shape == (2, 5, 8, 5)
    assert torch.equal(y[:, :3], x)
    assert torch.all(y[:, 3:] == -1.0)


@pytest.mark.parametrize("grid", [(7,), (4, 6), (3, 2, 5)])
@pytest.mark.parametrize("n", [1, 3])
def test_interleave_round_trip(grid, n):
    x = torch.randn(2, 3, *grid)
    e = Expansion(n, 0.5, "interleave")
    y = e(x)
    assert y.shape == (2, 3, *(s * (n + 1) for s in grid))
    assert torch.equal(e.restrict(y), x)
    # every non-original point holds the fill value
    mask = torch.ones_like(y, dtype=torch.bool)
    mask[(slice(None), slice(None)) + (slice(None, None, n + 1),) * len(grid)] = False
    assert torch.all(y[mask] == 0.5)
    assert mask.sum() == y.numel() - x.numel()


def test_interleave_1d_positions():
    x = torch.tensor([[[1.0, 2.0, 3.0]]])
    y = Expansion(2, 0.0, "interleave")(x)
    assert y.flatten().tolist() == [1.0, 0, 0, 2.0, 0, 0, 3.0, 0, 0]


def test_restrict_rejects_wrong_length():
    with pytest.raises(ValueError, match="multiple"):
        Expansion(2, 0.5, "interleave").restrict(torch.zeros(1, 1, 10))


@pytest.mark.parametrize("layout, shape", [("append", (4, 2)), ("symmetric", (4, 2)),
                                           ("channels", (2, 1, 6)), ("interleave", (2, 1, 6))])
def test_no_gradient_into_constants(layout, shape):
    e = Expansion(3, 2.0, layout)
    x = torch.randn(*shape, requires_grad=True)
    y = e(x)
    assert y.requires_grad and x.grad is None
    # d(output)/d(input) is a selection matrix: each original value appears once with
    # derivative 1, and the constant entries do not depend on the input at all
    jac = torch.autograd.functional.jacobian(e, x).reshape(y.numel(), x.numel())
    rows = jac.abs().sum(dim=1)
    assert int((rows == 1).sum()) == x.numel()
    assert int((rows == 0).sum()) == y.numel() - x.numel()
    assert torch.all(y.detach().reshape(-1)[rows == 0] == 2.0)
    assert torch.equal(jac.sum(dim=0), torch.ones(x.numel()))


def test_identity_when_n_is_zero():
    x = torch.randn(3, 2)
    assert Expansion(0)(x) is x
    assert Expansion(0).is_identity


def test_device_and_dtype_follow_input():
    x = torch.randn(3, 2, dtype=torch.float16)
    assert Expansion(2)(x).dtype == torch.float16


@pytest.mark.parametrize("n", [-1, 1.5, True, "2"])
def test_rejects_bad_n(n):
    with pytest.raises(ValueError, match="non-negative integer"):
        Expansion(n)


@pytest.mark.parametrize("fill", ["nan", float("inf"), "-inf", "banana"])
def test_rejects_bad_fill(fill):
    with pytest.raises(ValueError, match="fill"):
        Expansion(2, fill)


def test_named_fills():
    assert parse_fill("pi") == math.pi and parse_fill("e") == math.e
    assert parse_fill(" 0.5 ") == 0.5
    assert Expansion(1, "PI").fill == math.pi


def test_rejects_unknown_layout():
    with pytest.raises(ValueError, match="layout must be one of"):
        Expansion(2, 1.0, "diagonal")


def test_layout_legal_for_kind():
    Expansion(2, 1.0, "channels").check_for("grid")
    with pytest.raises(ValueError, match="cannot be used"):
        Expansion(2, 1.0, "channels").check_for("coordinate")
    with pytest.raises(ValueError, match="allowed: channels"):
        Expansion(2, 1.0, "interleave").check_for("grid", allowed=("channels",))


def test_width_and_grid_shape():
    assert Expansion(4, layout="append").width(2) == 6
    assert Expansion(4, layout="channels").width(1) == 5
    assert Expansion(4, layout="interleave").width(1) == 1
    assert Expansion(1, layout="interleave").grid_shape((8, 8)) == (16, 16)


def test_constant_input_equals_extra_bias():
    """A constant input through a linear layer is the same map as a shifted bias."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(2 + 3, 4)
    x = torch.randn(5, 2)
    y = lin(Expansion(3, 0.7, "append")(x))
    w, b = lin.weight[:, :2], lin.bias + 0.7 * lin.weight[:, 2:].sum(dim=1)
    assert torch.allclose(y, x @ w.T + b, atol=1e-6)
