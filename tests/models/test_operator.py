import pytest
import torch

from physym.expansion import Expansion
from physym.models.operator import ExpandedOperator, build_operator
from physym.budgets import OperatorBudget

BUDGET = OperatorBudget(n_train=4, n_test=2, resolution=32, epochs=1, batch_size=2, modes=4,
                        width=8, n_layers=2)


@pytest.mark.parametrize("name", ["fno", "tfno", "uno"])
@pytest.mark.parametrize("layout", ["channels", "interleave"])
@pytest.mark.parametrize("n_dim", [1, 2])
def test_operator_shapes_and_first_layer_width(name, layout, n_dim):
    torch.manual_seed(0)
    grid = (16,) * n_dim
    x = torch.randn(2, 1, *grid)
    base = build_operator(name, in_channels=1, out_channels=1, n_dim=n_dim, budget=BUDGET,
                          expansion=Expansion(0, layout=layout))
    exp = build_operator(name, in_channels=1, out_channels=1, n_dim=n_dim, budget=BUDGET,
                         expansion=Expansion(3, 0.5, layout))
    assert isinstance(exp, ExpandedOperator)
    assert base(x).shape == exp(x).shape == (2, 1, *grid)
    n_base = sum(p.numel() for p in base.parameters())
    n_exp = sum(p.numel() for p in exp.parameters())
    if layout == "channels":
        assert n_exp > n_base  # wider lifting layer
    else:
        assert n_exp == n_base  # same model on a finer grid


def test_rejects_coordinate_layout_and_unknown_model():
    with pytest.raises(ValueError, match="cannot be used"):
        build_operator("fno", in_channels=1, out_channels=1, n_dim=1, budget=BUDGET,
                       expansion=Expansion(2, layout="append"))
    with pytest.raises(ValueError, match="model must be one of fno, tfno, uno, deeponet"):
        build_operator("gno", in_channels=1, out_channels=1, n_dim=1, budget=BUDGET,
                       expansion=Expansion(2, layout="channels"))
    with pytest.raises(ValueError, match="cannot be used"):  # DeepONet: coordinate layouts
        build_operator("deeponet", in_channels=1, out_channels=1, n_dim=1, budget=BUDGET,
                       expansion=Expansion(2, layout="channels"))


def test_interleave_output_read_at_original_points():
    """With interleave, the prediction at original points is what the model sees there."""
    torch.manual_seed(0)
    e = Expansion(1, 0.0, "interleave")
    identity = torch.nn.Identity()
    wrapped = ExpandedOperator(identity, e)
    x = torch.randn(3, 1, 10)
    assert torch.equal(wrapped(x), x)
