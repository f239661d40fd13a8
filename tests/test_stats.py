"""Study statistics on synthetic records with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physym.expansion import Expansion
from physym.options import ModelOptions
from physym.runner import RunResult, RunSpec
from physym.study.stats import (ZERO_ERROR, analyse, compare_arms, natural_key,
                                 reproduced_fraction, wilson)


def _record(problem: str, model: str, n: int, seed: int, error: float, *, fill: float = math.pi,
            match: int = 0, status: str = "ok", options: ModelOptions | None = None) -> dict:
    spec = RunSpec(problem, "regression", model, Expansion(n, fill, "append"), seed, "smoke",
                   options=options or ModelOptions(match_params=match))
    return RunResult(spec, status, error=error if status == "ok" else math.nan,
                     n_params=100 + 10 * (n or match)).to_dict()


def _config(problem: str, base: np.ndarray, factor: np.ndarray) -> list[dict]:
    recs = []
    for s, (b, f) in enumerate(zip(base, factor)):
        recs += [_record(problem, "mlp", 0, s, b), _record(problem, "mlp", 4, s, b * f),
                 _record(problem, "mlp", 4, s, b, fill=0.0), _record(problem, "mlp", 0, s, b * 1.01,
                                                                   match=4)]
    return recs


def test_clear_improvement_regression_and_noise():
    rng = np.random.default_rng(0)
    base = np.exp(rng.normal(-4, 0.5, size=6))
    records = (_config("better", base, np.full(6, 0.5) * np.exp(rng.normal(0, 0.02, 6)))
               + _config("worse", base, np.full(6, 2.0) * np.exp(rng.normal(0, 0.02, 6)))
               + _config("noise", base, np.exp(rng.normal(0, 0.3, 6))))
    st = analyse(records, primary_n=4, primary_fill=math.pi)
    verdicts = {c.label.split("/")[0]: c.primary for c in st.configs}
    assert verdicts["better"].verdict == "improved"
    assert verdicts["better"].ratio == pytest.approx(0.5, rel=0.05)
    assert verdicts["better"].ratio_low < 0.5 < verdicts["better"].ratio_high
    assert verdicts["worse"].verdict == "worse"
    assert verdicts["worse"].ratio == pytest.approx(2.0, rel=0.05)
    assert verdicts["noise"].verdict == "no significant change"
    h = st.headline
    assert (h["counted"], h["improved"], h["worse"], h["no_change"]) == (3, 1, 1, 1)
    assert h["fraction_improved"] == pytest.approx(1 / 3)
    lo, hi = h["fraction_improved_ci"]
    assert 0.0 < lo < 1 / 3 < hi < 1.0
    better = next(c for c in st.configs if c.label.startswith("better"))
    # the controls: the expanded arm beats both the zero-fill and the matched baseline
    assert {v.verdict for v in better.controls.values()} == {"improved"}
    assert better.best is not None and better.best.arm == better.primary.arm


def test_configurations_where_neither_arm_learned_are_named_and_excluded_from_one_count():
    rng = np.random.default_rng(1)
    base = np.exp(rng.normal(-4, 0.3, size=4))
    # "untrained": both arms at errors of about 1.2, the expanded one significantly lower;
    # "rescued": the baseline learned nothing, the expanded arm did: it counts as learned
    records = (_config("better", base, np.full(4, 0.5) * np.exp(rng.normal(0, 0.02, 4)))
               + _config("untrained", np.full(4, 1.3) * np.exp(rng.normal(0, 0.01, 4)),
                         np.full(4, 0.9) * np.exp(rng.normal(0, 0.01, 4)))
               + _config("rescued", np.full(4, 1.2), np.full(4, 0.01) * np.exp(rng.normal(0, 0.1, 4))))
    st = analyse(records, primary_n=4, primary_fill=math.pi)
    by = {c.label.split("/")[0]: c for c in st.configs}
    assert by["untrained"].primary.verdict == "improved"
    assert by["untrained"].neither_learned
    assert not by["rescued"].neither_learned and not by["better"].neither_learned
    assert by["rescued"].role("baseline").median >= ZERO_ERROR
    h = st.headline
    assert (h["counted"], h["improved"]) == (3, 3)
    assert (h["counted_learned"], h["improved_learned"]) == (2, 2)
    assert h["neither_learned"] == [by["untrained"].label]
    assert h["fraction_improved_learned"] == pytest.approx(1.0)


def test_identical_arms_are_no_change_and_failed_runs_are_not_paired():
    base = np.array([0.1, 0.2, 0.3])
    records = _config("same", base, np.ones(3))
    records.append(_record("same", "mlp", 4, 3, 0.0, status="failed"))
    st = analyse(records, primary_n=4)
    (c,) = st.configs
    assert c.primary.verdict == "no significant change" and c.primary.p_t == 1.0
    assert c.primary.n_pairs == 3 and c.arms[c.primary.arm].n_failed == 1


def test_compare_arms_matches_scipy_and_handles_too_few_pairs():
    from scipy import stats

    a, b = {0: 1.0, 1: 2.0, 2: 4.5}, {0: 2.0, 1: 3.0, 2: 5.0}
    c = compare_arms(a, b)
    expected = stats.ttest_rel(np.log([1, 2, 4.5]), np.log([2, 3, 5])).pvalue
    assert c.p_t == pytest.approx(expected)
    assert c.ratio == pytest.approx(np.exp(np.mean(np.log([0.5, 2 / 3, 0.9]))))
    assert compare_arms({0: 1.0}, {0: 2.0}).verdict == "insufficient"
    assert compare_arms({0: 1.0}, {1: 2.0}).n_pairs == 0


def test_wilson_interval_known_values():
    lo, hi = wilson(15, 20)  # textbook: 0.531, 0.888
    assert lo == pytest.approx(0.5313, abs=1e-3) and hi == pytest.approx(0.8881, abs=1e-3)
    assert all(math.isnan(x) for x in wilson(0, 0))


@pytest.mark.parametrize(("task", "model", "method", "overrides", "expected"), [
    ("pinn", "fnn", None, (), "L-BFGS"),  # adam-lbfgs: L-BFGS breaks the identity
    ("pinn", "fnn", "adam", (), ""),  # Adam alone: the identity is exact
    ("pinn", "fnn", None, (("lbfgs_iterations", "0"),), ""),
    ("operator", "fno", None, (), "weight decay 0.0001"),
])
def test_identity_note_follows_the_training_method(task, model, method, overrides, expected):
    from physym.study.stats import identity_note
    spec = RunSpec("burgers", task, model, Expansion(0, 0.0, "append"), 0, "quick",
                   method=method, budget_overrides=overrides)
    assert identity_note(spec) == expected


def test_identity_note_of_a_missing_problem_is_unknown():
    from physym.study.stats import identity_note
    spec = RunSpec("no_such_problem", "pinn", "fnn", Expansion(0, 0.0, "append"), 0, "quick")
    assert identity_note(spec) == "unknown"


def test_configurations_at_several_budgets_are_listed_in_numeric_order():
    """``epochs=200, 400, 2000`` in that order, not as text (``2000`` before ``400``)."""
    records = []
    for epochs in ("2000", "400", "200"):
        for seed in range(2):
            for n in (0, 4):
                spec = RunSpec("qcd_eos", "regression", "mlp", Expansion(n, math.pi, "append"), seed,
                               "smoke", budget_overrides=(("epochs", epochs),))
                records.append(RunResult(spec, "ok", error=0.1, n_params=10).to_dict())
    labels = [c.label for c in analyse(records).configs]
    assert [label.split("epochs=")[1][:4].rstrip("]") for label in labels] == ["200", "400", "2000"]
    assert natural_key("a [epochs=200]") < natural_key("a [epochs=400]") < \
        natural_key("a [epochs=2000]") < natural_key("b [epochs=1]")


def test_controls_are_those_of_the_primary_setting_when_other_settings_have_some_too():
    """A fill list with 0 in it gives a zero-fill arm at every n, and records of two presets
    give bias-equivalent baselines of two sizes: each control is the primary setting's."""
    rng = np.random.default_rng(3)
    base = np.exp(rng.normal(-4, 0.3, size=5))
    eq = dict(bias_init=True, bias_lr=True, bias_fill=math.pi)
    records = []
    for s, b in enumerate(base):
        records += [_record("p", "mlp", 0, s, b), _record("p", "mlp", 4, s, 0.5 * b),
                    # the n = 1 arms sort first and differ from the n = 4 ones
                    _record("p", "mlp", 1, s, 3.0 * b, fill=0.0),
                    _record("p", "mlp", 4, s, 1.0 * b, fill=0.0),
                    _record("p", "mlp", 0, s, 3.0 * b, options=ModelOptions(bias_n=1, **eq)),
                    _record("p", "mlp", 0, s, 0.5 * b, options=ModelOptions(bias_n=4, **eq))]
    (c,) = analyse(records, primary_n=4, primary_fill=math.pi).configs
    assert c.primary is not None and c.primary.arm.n == 4
    fill0, equivalent = c.role("fill0"), c.role("equivalent")
    assert (fill0.arm.n, equivalent.arm.bias_n) == (4, 4)
    assert c.comparison("equivalent").ratio == pytest.approx(0.5)
    assert c.controls["fill0"].ratio == pytest.approx(0.5)  # n=4 pi against n=4 fill 0
    assert c.controls["equivalent"].ratio == pytest.approx(1.0)
    assert reproduced_fraction(c) == pytest.approx(1.0)
    assert c.role("expanded") is c.arms[c.primary.arm] and c.role("matched") is None
