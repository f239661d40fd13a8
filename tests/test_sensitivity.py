"""The sensitivity of a study's paired tests: checked against the normal limit, a simulation
of the test itself, and synthetic studies with a known spread."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from physym.expansion import Expansion
from physym.runner import RunResult, RunSpec
from physym.study.report import build_report
from physym.study.sensitivity import (MAX_SEEDS, detectable_improvement, seeds_needed,
                                      sensitivity, sensitivity_lines, sensitivity_sentence)
from physym.study.stats import analyse
from physym.study.store import RecordStore


def _record(problem: str, n: int, seed: int, error: float) -> dict:
    spec = RunSpec(problem, "regression", "mlp", Expansion(n, math.pi, "append"), seed, "smoke")
    return RunResult(spec, "ok", error=error, n_params=100 + 10 * n).to_dict()


def test_large_samples_reach_the_normal_approximation():
    # for many pairs the t test is a z test: |delta| = (z_{1-alpha/2} + z_power) sd / sqrt(k)
    sd, k = 0.3, 400
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    expected = -math.expm1(-z * sd / math.sqrt(k))
    assert detectable_improvement(sd, k) == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("k", [3, 5])
def test_the_detectable_improvement_is_found_with_the_stated_probability(k):
    # simulate the verdict's own test at the detectable size: it says "improved" 80% of the time
    sd, trials = 0.4, 40_000
    size = detectable_improvement(sd, k)
    rng = np.random.default_rng(k)
    d = rng.normal(math.log1p(-size), sd, size=(trials, k))
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(k))
    improved = np.mean(t < -stats.t.ppf(0.975, k - 1))
    assert improved == pytest.approx(0.8, abs=0.01)  # 4 standard errors of the simulation


def test_detectable_improvement_shrinks_with_pairs_and_grows_with_spread():
    by_k = [detectable_improvement(0.2, k) for k in (2, 3, 5, 10, 30)]
    assert all(a > b for a, b in zip(by_k, by_k[1:]))
    by_sd = [detectable_improvement(sd, 3) for sd in (0.01, 0.1, 1.0)]
    assert all(0.0 < a < b < 1.0 for a, b in zip(by_sd, by_sd[1:]))
    # a laxer test or a lower power needs a smaller effect
    assert detectable_improvement(0.2, 3, alpha=0.2) < detectable_improvement(0.2, 3)
    assert detectable_improvement(0.2, 3, power=0.5) < detectable_improvement(0.2, 3)


def test_no_spread_or_too_few_pairs_detect_nothing_and_bad_levels_are_refused():
    for sd, k in [(0.0, 3), (math.nan, 3), (0.2, 1)]:
        assert math.isnan(detectable_improvement(sd, k))
    assert seeds_needed(0.0, 0.25) is None
    with pytest.raises(ValueError, match="alpha"):
        detectable_improvement(0.2, 3, power=0.01)


def test_seeds_needed_is_the_first_count_that_detects_the_size():
    sd = 0.3
    k = seeds_needed(sd, 0.25)
    assert k is not None and k > 3
    assert detectable_improvement(sd, k) <= 0.25 < detectable_improvement(sd, k - 1)
    assert seeds_needed(50.0, 0.01) is None  # beyond MAX_SEEDS
    assert detectable_improvement(50.0, MAX_SEEDS) > 0.01


def _study(spreads: dict[str, float], *, seeds: int = 3, base: float = 1e-2):
    """One configuration per problem: the expanded arm's error is the baseline's times
    exp(+-spread), alternating, so the paired log ratios have a known spread and mean 0."""
    recs = []
    for problem, spread in spreads.items():
        for s in range(seeds):
            sign = (1, -1, 0)[s % 3]
            recs += [_record(problem, 0, s, base),
                     _record(problem, 4, s, base * math.exp(sign * spread))]
    return analyse(recs, primary_n=4, primary_fill=math.pi)


def test_sensitivity_of_a_study_with_known_spreads():
    st = _study({"tight": 0.01, "loose": 1.5, "flat": 0.001})
    sens = sensitivity(st)
    rows = {r["config"].split("/")[0]: r for r in sens["rows"]}
    assert rows["tight"]["sd_log"] == pytest.approx(0.01)  # log ratios +s, -s, 0
    assert rows["tight"]["detectable"] == pytest.approx(detectable_improvement(0.01, 3))
    assert rows["tight"]["detectable"] < 0.1 < 0.9 < rows["loose"]["detectable"]
    assert rows["tight"]["seeds_for_25"] == 2 and rows["loose"]["seeds_for_25"] is None
    by_size = {s["size"]: s for s in sens["sizes"]}
    assert by_size[0.1]["detectable"] == 2  # tight and flat
    assert by_size[0.1]["ruled_out"] == 2  # their intervals are narrow around 0
    assert by_size[0.5]["ruled_out"] == 2  # loose's interval reaches far below -50%
    assert sens["counted"] == sens["counted_learned"] == 3
    lines = sensitivity_lines(sens)
    assert lines[1] == "## Sensitivity: what the seeds could detect"
    assert any(line.startswith("| 25% | ") for line in lines)
    assert any("> 100" in line and line.startswith("| loose/") for line in lines)
    assert "in 2 of 3 configurations" in sensitivity_sentence(sens)


def test_configurations_where_neither_arm_learned_are_counted_apart():
    st = _study({"dead": 0.001, "live": 0.001}, base=1.0)
    st_live = _study({"live": 0.001})
    dead = sensitivity(st)
    assert dead["counted"] == 2 and dead["counted_learned"] == 0
    assert [s["detectable_learned"] for s in dead["sizes"]] == [0, 0, 0]
    assert all("(neither arm learned)" in line for line in sensitivity_lines(dead)
               if line.startswith(("| dead/", "| live/")))
    assert sensitivity(st_live)["counted_learned"] == 1


def test_an_empty_study_has_no_section():
    st = analyse([_record("only", 0, 0, 0.1)], primary_n=4, primary_fill=math.pi)
    sens = sensitivity(st)
    assert sens["counted"] == 0 and sensitivity_lines(sens) == [] and not sensitivity_sentence(sens)


def test_the_report_has_the_section_the_sentence_and_results_nc_the_numbers(tmp_path):
    store = RecordStore(tmp_path)
    for spread, problem in [(0.05, "a"), (0.5, "b")]:
        for s, sign in enumerate((1, -1, 0)):
            store.write(_record(problem, 0, s, 0.01))
            store.write(_record(problem, 4, s, 0.01 * math.exp(sign * spread)))
    build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    headline = text.split("## Headline")[1].split("##")[0]
    assert "would detect an improvement of 25% (probability 80%) in 1 of 2 configurations" in headline
    section = text.split("## Sensitivity: what the seeds could detect")[1].split("\n## ")[0]
    pct_row = f"{-100 * detectable_improvement(0.05, 3):+.1f}%"
    assert any(line.startswith("| a/") and f"| {pct_row} |" in line for line in section.splitlines())
    with xr.open_dataset(tmp_path / "results.nc", engine="h5netcdf") as ds:
        sens = json.loads(ds.attrs["sensitivity"])
    assert sens["counted"] == 2
    assert sens["rows"][0]["detectable"] == pytest.approx(detectable_improvement(0.05, 3))
