"""ModelOptions validation and the parameter-matched control of every model kind."""

from __future__ import annotations

import pytest
import torch

from physym.expansion import Expansion
from physym.options import ModelOptions, matched_extra_units
from physym.runner import RunSpec, prepare


def test_defaults_change_nothing_and_stay_out_of_the_key():
    assert ModelOptions().is_default and ModelOptions().to_dict() == {}
    assert "options" not in RunSpec("burgers").to_dict()
    spec = RunSpec("burgers", options=ModelOptions(match_params=4))
    assert spec.to_dict()["options"] == {"match_params": 4}
    assert spec.key() != RunSpec("burgers").key()
    assert RunSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("kwargs, word", [
    ({"match_params": -1}, "match_params"), ({"dropout": 1.0}, "dropout"),
    ({"dropout": float("nan")}, "dropout"), ({"batchnorm": "yes"}, "batchnorm"),
])
def test_bad_options_are_refused(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ModelOptions(**kwargs)


def test_matched_extra_units_is_the_nearest_whole_number():
    # n * fan_out = 4 * 20 = 80 weights; one unit costs 2 + 1 + 20 = 23 -> 3.48 -> 3
    assert matched_extra_units(n=4, fan_out=20, fan_in=2, next_fan_out=20) == 3
    assert matched_extra_units(n=0, fan_out=20, fan_in=2, next_fan_out=20) == 0


def test_match_params_needs_a_baseline():
    with pytest.raises(ValueError, match="n = 0"):
        prepare(RunSpec("burgers", "pinn", expansion=Expansion(4),
                        options=ModelOptions(match_params=4)))


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@pytest.mark.parametrize("name", ["fno", "tfno", "uno"])
def test_operator_match_is_closer_than_the_baseline(name):
    from physym.models.operator import build_operator
    from physym.budgets import OperatorBudget

    budget = OperatorBudget(n_train=4, n_test=2, resolution=16, epochs=1, batch_size=2,
                            modes=4, width=8, n_layers=2)
    kw = dict(in_channels=1, out_channels=1, n_dim=1, budget=budget)
    base = _count(build_operator(name, expansion=Expansion(0, layout="channels"), **kw))
    expd = _count(build_operator(name, expansion=Expansion(4, layout="channels"), **kw))
    matched = _count(build_operator(name, expansion=Expansion(0, layout="channels"),
                                    options=ModelOptions(match_params=4), **kw))
    assert abs(matched - expd) < abs(base - expd)
    assert abs(matched - expd) <= 0.5 * (1 + 1 + 1 + 8)  # half a lifting unit


def test_coordinate_nets_match():
    from physym.models.mlp import build_mlp
    from physym.budgets import RegressionBudget

    budget = RegressionBudget(width=20, depth=3, adam_iterations=1)
    base = _count(build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(0), seed=0))
    expd = _count(build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(4), seed=0))
    matched = _count(build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(0), seed=0,
                               options=ModelOptions(match_params=4)))
    assert expd - base == 80 and abs(matched - expd) <= 11
    with pytest.raises(ValueError, match="baseline"):
        build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(4), seed=0,
                  options=ModelOptions(match_params=4))
