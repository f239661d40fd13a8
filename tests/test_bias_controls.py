"""The bias-equivalent controls: options, construction, the identity itself, and the study.

The identity (docs/method.md, "Expansion as a bias"): under Adam without weight decay an
expanded network *is* a baseline whose first-layer bias starts at ``b0 + c W_aux 1`` and
learns ``1 + n|c|`` times faster. The tests below train both for 200 Adam steps in float64
and compare predictions: if they drift apart, the controls are built wrong.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from physym.budgets import OperatorBudget, RegressionBudget
from physym.expansion import Expansion
from physym.options import ModelOptions
from physym.runner import RunResult, RunSpec, prepare

EQUIVALENT = ModelOptions(bias_init=True, bias_lr=True, bias_n=4, bias_fill=math.pi)
#: Measured gaps after 200 steps (max |prediction difference|, outputs of order 1), float64:
#: eps = 1e-30: MLP 5e-16, FNN (Burgers PINN) 8e-16, FNO/TFNO/UNO 4e-16..6e-16;
#: torch's default eps = 1e-8: MLP 6.4e-7, FNN 5.5e-9, FNO/TFNO/UNO 2e-7..3.3e-7.
EXACT, DEFAULT_EPS = 1e-10, 1e-5


@pytest.fixture
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# ---------------------------------------------------------------------------- options

def test_defaults_keep_every_key_and_the_controls_round_trip():
    assert ModelOptions().to_dict() == {}
    spec = RunSpec("qcd_eos", options=EQUIVALENT)
    assert spec.to_dict()["options"] == {"bias_init": True, "bias_lr": True, "bias_n": 4,
                                         "bias_fill": math.pi}
    assert RunSpec.from_dict(spec.to_dict()) == spec and spec.key() != RunSpec("qcd_eos").key()
    assert EQUIVALENT.bias_control == "equivalent"
    assert EQUIVALENT.bias_lr_factor == pytest.approx(1 + 4 * math.pi)  # 13.57
    assert dataclasses.replace(EQUIVALENT, bias_lr=False).bias_lr_factor == 1.0
    assert "equivalent of n=4" in EQUIVALENT.describe()


@pytest.mark.parametrize("kwargs, word", [
    ({"bias_init": True}, "bias_n >= 1"), ({"bias_n": 4}, "bias_init / bias_lr"),
    ({"bias_lr": 1}, "bias_lr"), ({"bias_init": True, "bias_n": 2, "bias_fill": math.inf},
                                 "bias_fill"),
    ({"bias_lr": True, "bias_n": -1}, "bias_n"),
    ({"bias_lr": True, "bias_n": 2, "dropout": 0.1}, "combine"),
])
def test_bad_bias_options_are_refused(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ModelOptions(**kwargs)


def test_bias_controls_are_baselines_of_a_linear_layout():
    with pytest.raises(ValueError, match="baseline"):
        prepare(RunSpec("qcd_eos", expansion=Expansion(4), options=EQUIVALENT))
    with pytest.raises(ValueError, match="linear first map"):
        prepare(RunSpec("burgers", "operator", "fno",
                        expansion=Expansion(0, layout="interleave"), options=EQUIVALENT))
    prepare(RunSpec("burgers", "pinn", options=EQUIVALENT))  # supported by every adapter
    prepare(RunSpec("burgers", "operator", "uno", expansion=Expansion(0, layout="channels"),
                    options=EQUIVALENT))


# ---------------------------------------------------------------------------- construction

@pytest.mark.parametrize("layout", ["append", "symmetric"])
def test_bias_init_mlp_starts_from_the_expanded_function(layout):
    from physym.models.mlp import build_mlp

    budget = RegressionBudget(width=12, depth=2, adam_iterations=1)
    x = torch.linspace(-1, 1, 9, dtype=torch.float64)[:, None]
    expanded = build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(4, math.pi, layout),
                         seed=2)
    control = build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(0, layout=layout),
                        seed=2, options=dataclasses.replace(EQUIVALENT, bias_lr=False))
    baseline = build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(0), seed=2)
    with torch.no_grad():
        assert float((expanded(x) - control(x)).abs().max()) < 1e-14
        assert float((expanded(x) - baseline(x)).abs().max()) > 1e-3
    assert control.linears[0].weight.shape == (12, 1)


def test_adam_groups_put_the_bias_alone_at_the_scaled_rate():
    from physym.models._bias import adam_groups

    lin = torch.nn.Linear(2, 3)
    assert adam_groups(lin.parameters(), lin.bias, lr=1e-3, factor=1.0) == list(lin.parameters())
    groups = adam_groups(lin.parameters(), lin.bias, lr=1e-3, factor=5.0)
    assert groups[1]["params"] == [lin.bias] and groups[1]["lr"] == pytest.approx(5e-3)
    assert groups[0]["params"] == [lin.weight] and groups[0]["lr"] == 1e-3


# ---------------------------------------------------------------------------- the identity

def _mlp_gap(eps: float | None) -> float:
    from physym.models.mlp import build_mlp
    from physym.models.regression import train_mlp

    gen = torch.Generator().manual_seed(0)
    x = torch.rand(64, 1, generator=gen, dtype=torch.float64) * 2 - 1
    y = torch.sin(3 * x) + 0.5 * x ** 2
    budget = RegressionBudget(width=20, depth=3, adam_iterations=200, lbfgs_iterations=0)
    expanded = build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(4, math.pi), seed=3)
    control = build_mlp(d_in=1, d_out=1, budget=budget, expansion=Expansion(0), seed=3,
                        options=EQUIVALENT)
    train_mlp(expanded, x, y, budget=budget, adam_eps=eps)
    train_mlp(control, x, y, budget=budget, adam_eps=eps,
              bias_lr_factor=EQUIVALENT.bias_lr_factor)
    with torch.no_grad():
        return float((expanded(x) - control(x)).abs().max())


def test_identity_mlp_float64(one_thread):
    assert _mlp_gap(1e-30) <= EXACT
    assert _mlp_gap(None) <= DEFAULT_EPS


@pytest.mark.parametrize("eps, bound", [
    (1e-30, EXACT), pytest.param(None, DEFAULT_EPS, marks=pytest.mark.slow)])
def test_identity_pinn_float64(eps, bound, one_thread):
    from physym.models.pinn import fit_pinn, load_deepxde
    from physym.registry import get_problem

    dde = load_deepxde()
    problem = get_problem("burgers").task("pinn")()
    budget = dataclasses.replace(problem.budget("smoke"), adam_iterations=200,
                                 lbfgs_iterations=0)
    kw = dict(model="fnn", budget=budget, seed=1, device=torch.device("cpu"))
    dde.config.set_default_float("float64")
    try:
        a = fit_pinn(problem, expansion=Expansion(4, math.pi), adam_eps=eps, **kw)
        b = fit_pinn(problem, expansion=Expansion(0), options=EQUIVALENT, adam_eps=eps, **kw)
        assert a.prediction.dtype == np.float64
        assert np.abs(a.prediction - b.prediction).max() <= bound
    finally:
        dde.config.set_default_float("float32")
        torch.set_default_dtype(torch.float32)


def _complex128(module: torch.nn.Module) -> torch.nn.Module:
    """neuraloperator keeps its spectral weights complex64 whatever the default dtype."""
    for p in module.parameters():
        if p.is_complex():
            p.data = p.data.to(torch.complex128)
    return module


@pytest.mark.parametrize("name", ["fno", pytest.param("tfno", marks=pytest.mark.slow),
                                  pytest.param("uno", marks=pytest.mark.slow)])
def test_identity_operator_float64(name, one_thread):
    from physym.models.operator import build_operator, train_operator

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(8, 1, 32, generator=gen, dtype=torch.float64)
    y = torch.roll(x, 3, dims=-1) ** 2
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        gaps = {}
        for wd, eps in ((0.0, 1e-30), (1e-4, None)):
            budget = OperatorBudget(n_train=8, n_test=2, resolution=32, epochs=100, batch_size=8,
                                    modes=4, width=8, n_layers=2, weight_decay=wd)
            kw = dict(in_channels=1, out_channels=1, n_dim=1, budget=budget)
            torch.manual_seed(5)
            a = _complex128(build_operator(name, expansion=Expansion(4, math.pi, "channels"), **kw))
            torch.manual_seed(5)
            b = _complex128(build_operator(name, expansion=Expansion(0, layout="channels"),
                                           options=EQUIVALENT, **kw))
            train_operator(a, x, y, budget=budget, seed=1, adam_eps=eps)
            train_operator(b, x, y, budget=budget, seed=1, adam_eps=eps,
                           bias_lr_factor=EQUIVALENT.bias_lr_factor)
            a.eval(), b.eval()
            with torch.no_grad():
                gaps[wd] = float((a(x) - b(x)).abs().max())
    finally:
        torch.set_default_dtype(previous)
    assert gaps[0.0] <= EXACT
    # weight decay acts on the auxiliary weights: measured 1e-3 (FNO), 2e-3 (UNO)
    assert 1e-6 < gaps[1e-4] < 3e-2


def test_identity_deeponet_float64(one_thread):
    """DeepONet: the constants enter the trunk's first layer, so the `equivalent` baseline
    (trunk bias folded and trained at 1 + n|c| times the rate) is the expanded DeepONet
    under Adam without weight decay."""
    from physym.models.deeponet import TRUNK_FIRST
    from physym.models.operator import build_operator, train_operator
    from physym.models.pinn import load_deepxde

    dde = load_deepxde()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(8, 1, 16, generator=gen, dtype=torch.float64)
    y = torch.roll(x, 3, dims=-1) ** 2
    budget = OperatorBudget(n_train=8, n_test=2, resolution=16, epochs=150, batch_size=8,
                            modes=4, width=8, n_layers=2, weight_decay=0.0)
    kw = dict(in_channels=1, out_channels=1, n_dim=1, budget=budget)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dde.config.set_default_float("float64")
    try:
        torch.manual_seed(5)
        a = build_operator("deeponet", expansion=Expansion(4, math.pi), **kw)
        torch.manual_seed(5)
        b = build_operator("deeponet", expansion=Expansion(0), options=EQUIVALENT, **kw)
        assert b.first_map == TRUNK_FIRST
        assert b.get_submodule(TRUNK_FIRST).weight.shape[1] == 1  # a baseline trunk
        with torch.no_grad():  # bias_init: the same function before training
            assert float((a(x) - b(x)).abs().max()) <= EXACT
        train_operator(a, x, y, budget=budget, seed=1, adam_eps=1e-30)
        train_operator(b, x, y, budget=budget, seed=1, adam_eps=1e-30,
                       bias_lr_factor=EQUIVALENT.bias_lr_factor)
        a.eval(), b.eval()
        with torch.no_grad():
            gap = float((a(x) - b(x)).abs().max())
    finally:
        dde.config.set_default_float("float32")
        torch.set_default_dtype(previous)
    assert gap <= EXACT


# ---------------------------------------------------------------------------- study

def test_preset_runs_the_bias_controls_with_their_roles():
    from physym.study.preset import Arm, parse_preset

    text = ('[study]\nbudget = "smoke"\nseeds = 1\nexpand = [2]\n'
            'controls = ["bias_init", "bias_lr", "equivalent"]\n'
            'config = [{ problem = "qcd_eos" }]\n')
    specs = parse_preset(text, name="t").specs()
    roles = sorted(Arm.of(s).role for s in specs)
    assert roles == ["baseline", "bias_init", "bias_lr", "equivalent", "expanded"]
    eq = next(s for s in specs if Arm.of(s).role == "equivalent")
    assert eq.options.bias_n == 2 and eq.options.bias_fill == pytest.approx(math.pi)
    assert Arm.of(eq).label == "equivalent n=2 fill=3.142"
    default = parse_preset(text.replace('controls = ["bias_init", "bias_lr", "equivalent"]\n', ""),
                           name="t")
    assert default.controls == ("fill0", "matched")


def _records(ratios: dict[str, float], seeds: int = 5) -> list[dict]:
    rng = np.random.default_rng(1)
    out = []
    for s in range(seeds):
        base = float(np.exp(rng.normal(-4, 0.5)))
        arms = {"baseline": (Expansion(0), ModelOptions()),
                "expanded": (Expansion(4, math.pi), ModelOptions()),
                "bias_init": (Expansion(0), dataclasses.replace(EQUIVALENT, bias_lr=False)),
                "bias_lr": (Expansion(0), dataclasses.replace(EQUIVALENT, bias_init=False)),
                "equivalent": (Expansion(0), EQUIVALENT)}
        for role, (expansion, options) in arms.items():
            spec = RunSpec("qcd_eos", "regression", "mlp", expansion, s, "smoke", options=options)
            err = base * ratios.get(role, 1.0) * float(np.exp(rng.normal(0, 0.02)))
            out.append(RunResult(spec, "ok", error=err, n_params=100).to_dict())
    return out


def test_mechanism_statistics_and_report(tmp_path):
    from physym.study.report import build_report
    from physym.study.stats import analyse, reproduced_fraction
    from physym.study.store import RecordStore

    records = _records({"expanded": 0.5, "equivalent": 0.5, "bias_lr": 0.7, "bias_init": 1.0})
    st = analyse(records, primary_n=4, primary_fill=math.pi)
    (c,) = st.configs
    assert c.primary.verdict == "improved"
    assert set(c.controls) == {"bias_init", "bias_lr", "equivalent"}
    assert c.controls["equivalent"].verdict == "no significant change"
    assert c.controls["bias_init"].verdict == "improved"
    assert reproduced_fraction(c) == pytest.approx(1.0, abs=0.1)
    assert c.identity == "L-BFGS"  # the qcd_eos smoke budget adds L-BFGS after Adam
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "## Mechanism" in text and "of the expansion effect" in text
    # which half carries the effect: each control against the baseline, in the sentence
    assert "alone, `bias_init` changed it by -0." in text
    assert "(no significant change) and `bias_lr` by -29." in text
    assert "only approximate" in text


def test_mechanism_sentence_with_bias_lr_alone():
    """Without a `bias_init` arm the sentence still names who changed the error."""
    from physym.study.report import _reproduced
    from physym.study.stats import analyse

    records = [r for r in _records({"expanded": 0.5, "equivalent": 0.5, "bias_lr": 0.7})
               if r["spec"].get("options") != {"bias_init": True, "bias_n": 4,
                                               "bias_fill": math.pi}]
    (c,) = analyse(records, primary_n=4, primary_fill=math.pi).configs
    assert c.comparison("bias_init") is None and c.comparison("bias_lr") is not None
    text = _reproduced(c)
    assert "alone, `bias_lr` changed it by -29." in text and "bias_init" not in text
