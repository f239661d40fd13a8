"""The study report (physym.study.report): the headline, the convergence section and stalled runs."""

from __future__ import annotations

import dataclasses

import pytest

from physym.convergence import Phase, training_record
from physym.expansion import Expansion
from physym.options import ModelOptions
from physym.runner import RunResult, RunSpec
from physym.study.report import build_report
from physym.study.store import RecordStore

FALLING = [(i, 1.0 / (1 + i)) for i in range(0, 1001, 10)]   # still falling at the end
FLAT = [(i, 1.0 / (1 + min(i, 300))) for i in range(0, 1001, 10)]  # flat after 300


def _records() -> list[dict]:
    out = []
    for n in (0, 4):
        for seed in range(3):
            spec = RunSpec("burgers", "pinn", "fnn", Expansion(n), seed, "smoke")
            lbfgs = Phase("lbfgs", 3 if (n, seed) == (0, 0) else 500, 500,
                          "no progress" if (n, seed) == (0, 0) else "iteration limit")
            t = training_record([Phase("adam", 1000, 1000, "iteration limit"), lbfgs],
                                FLAT if n == 0 else FALLING)
            out.append(RunResult(spec, "ok", error=0.1 * (1 + seed) / (1 + n), n_params=10,
                                 training=t).to_dict())
    return out


def test_report_counts_converged_runs_and_lists_stalled_ones(tmp_path):
    store = RecordStore(tmp_path)
    records = _records()
    for r in records:
        store.write(r)
    build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    section = text.split("## Convergence")[1]
    assert "best training loss fell by less than 5% over the last 20%" in section
    rows = [line for line in section.splitlines() if line.startswith("| burgers")]
    baseline = next(r for r in rows if "| baseline |" in r)
    expanded = next(r for r in rows if "| baseline |" not in r)
    # baseline: flat tail, 3 recorded, 3 converged, 1 stopped early and stalled, none
    # restarted; expanded: 3 still falling
    assert "| 3 | 3 | 1 | 1 | 0 | 0.0% |" in baseline, baseline
    assert "| 3 | 0 | 0 | 0 | 0 |" in expanded, expanded
    stalled = [line for line in section.splitlines() if line.startswith("- `")]
    assert len(stalled) == 1 and "lbfgs stopped after 3 of 500 iterations" in stalled[0]
    assert records[0]["key"] in stalled[0]


def test_convergence_counts_restarted_lbfgs_phases(tmp_path):
    records = _records()
    t = records[1]["training"]  # baseline seed 1: L-BFGS restarted twice, then ran to its limit
    t["phases"][1].update(restarts=2)
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    build_report(tmp_path)
    section = (tmp_path / "report.md").read_text().split("## Convergence")[1]
    baseline = next(line for line in section.splitlines()
                    if line.startswith("| burgers") and "| baseline |" in line)
    assert "| 3 | 3 | 1 | 1 | 1 | 0.0% |" in baseline, baseline


def test_convergence_lists_runs_stopped_at_tolerance_with_the_loss_criterion_unmet(tmp_path):
    """Baseline seed 1 (flat tail, converged) and expanded seed 2 (still falling) both stop
    L-BFGS at its tolerance after 300 of 500 iterations: only the unconverged one is listed,
    as a disagreement between the optimiser's stop and the loss test."""
    records = _records()
    for i in (1, 5):
        records[i]["training"]["phases"][1].update(iterations=300, stop="tolerance")
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    build_report(tmp_path)
    section = (tmp_path / "report.md").read_text().split("## Convergence")[1]
    listed = section.split("Stopped at the optimiser's own tolerance")[1]
    lines = [line for line in listed.splitlines() if line.startswith("- `")]
    assert len(lines) == 1 and records[5]["key"] in lines[0], lines
    assert "n=4" in lines[0] and "seed 2" in lines[0]
    assert "lbfgs stopped at its tolerance after 300 of 500 iterations" in lines[0]
    drop = records[5]["training"]["tail_drop"]
    assert f"best loss still fell {drop:.1%} over the last 20% of its iterations" in lines[0]
    # stopping at tolerance is not stopping for no progress: the stalled list is unchanged
    stalled = section.split("Stalled runs:")[1].split("Stopped at")[0]
    assert sum(line.startswith("- `") for line in stalled.splitlines()) == 1


def test_no_tolerance_list_without_such_a_run(tmp_path):
    store = RecordStore(tmp_path)
    for r in _records():
        store.write(r)
    build_report(tmp_path)
    assert "own tolerance" not in (tmp_path / "report.md").read_text()


def test_convergence_gives_operators_their_test_over_train_ratio(tmp_path):
    """The median over seeds of held-out error / last epoch's training loss, for operators
    (the same relative L2); a PINN's loss is a residual, so its rows show none."""
    from physym.convergence import epoch_record

    store = RecordStore(tmp_path)
    for r in _records():
        store.write(r)
    for n in (0, 4):
        for seed, ratio in enumerate((1.0, 1.2, 3.0) if n == 0 else (1.5, 1.5, 1.5)):
            spec = RunSpec("burgers", "operator", "fno", Expansion(n), seed, "smoke")
            store.write(RunResult(spec, "ok", error=0.01 * ratio, n_params=10,
                                  metrics={"final_loss": 0.01},
                                  training=epoch_record("adam", [0.1, 0.01], 2)).to_dict())
    build_report(tmp_path)
    section = (tmp_path / "report.md").read_text().split("## Convergence")[1]
    assert "*test / train* (operators)" in section
    rows = [line for line in section.splitlines() if line.startswith("| burgers")]
    fno = [r for r in rows if "fno" in r]
    assert len(fno) == 2 and all(r.count("|") == 10 for r in rows)
    assert next(r for r in fno if "| baseline |" in r).endswith("| 1.20 |")
    assert next(r for r in fno if "| baseline |" not in r).endswith("| 1.50 |")
    assert all(r.endswith("| – |") for r in rows if "fno" not in r)


def test_records_without_training_give_no_convergence_section(tmp_path):
    store = RecordStore(tmp_path)
    for r in _records():
        r.pop("training")
        store.write(r)
    build_report(tmp_path)
    assert "## Convergence" not in (tmp_path / "report.md").read_text()


def test_the_headline_says_when_no_parameter_matched_control_ran(tmp_path):
    store = RecordStore(tmp_path / "none")
    for r in _records():
        store.write(r)
    build_report(tmp_path / "none")
    assert "no parameter-matched control ran." in (tmp_path / "none" / "report.md").read_text()
    store = RecordStore(tmp_path / "matched")
    records = _records()
    for r in records[:3]:  # the baselines, and a parameter-matched baseline of each seed
        spec = RunSpec.from_dict(r["spec"])
        matched = RunSpec(spec.problem, spec.task, spec.model, Expansion(0), spec.seed,
                          spec.budget, options=ModelOptions(match_params=4))
        records.append(RunResult(matched, "ok", error=r["error"], n_params=14).to_dict())
    for r in records:
        store.write(r)
    build_report(tmp_path / "matched")
    text = (tmp_path / "matched" / "report.md").read_text()
    # the expanded arm's error is a fifth of the matched arm's in every seed
    assert "1 of the 1 with a parameter-matched control beat it significantly." in text


def test_all_arms_lists_each_seeds_error(tmp_path):
    store = RecordStore(tmp_path)
    for r in _records():
        store.write(r)
    build_report(tmp_path)
    section = (tmp_path / "report.md").read_text().split("## All arms")[1].split("##")[0]
    baseline = next(line for line in section.splitlines() if "| baseline |" in line)
    expanded = next(line for line in section.splitlines()
                    if line.startswith("| burgers") and "| baseline |" not in line)
    # errors 0.1 (1 + seed) / (1 + n) of _records, for n = 0 and n = 4
    assert "| 0: 0.1, 1: 0.2, 2: 0.3 |" in baseline, baseline
    assert "| 0: 0.02, 1: 0.04, 2: 0.06 |" in expanded, expanded


def test_the_headline_names_configurations_where_neither_arm_learned(tmp_path):
    store = RecordStore(tmp_path / "learned")
    for r in _records():
        store.write(r)
    build_report(tmp_path / "learned")
    text = (tmp_path / "learned" / "report.md").read_text()
    assert "| improved, excluding those where neither arm learned | 1 / 1 |" in text
    assert "at least one of baseline and primary arm has a median error below 1" in text
    store = RecordStore(tmp_path / "untrained")
    for r in _records():  # errors of 1.1 to 1.5: both arms worse than predicting zero
        r["error"] += 1.0
        store.write(r)
    build_report(tmp_path / "untrained")
    text = (tmp_path / "untrained" / "report.md").read_text()
    assert "| improved, excluding those where neither arm learned | 0 / 0 |" in text
    assert "In 1 configuration(s) neither the baseline nor the primary arm learned" in text
    assert "compare untrained models: burgers" in text


def test_a_stalled_run_is_flagged_and_the_verdict_is_repeated_without_it(tmp_path):
    """Issue 18: a stalled run is never silently averaged in. The baseline of seed 0 stalls
    (and has a large error); the report names the configuration, gives its stalled seed,
    and the primary comparison without that seed pair."""
    from physym.study.stats import analyse

    records = _records()
    for r in records:
        if r["spec"]["expansion"]["n"] == 0 and r["spec"]["seed"] == 0:
            r["error"] = 5.0
    st = analyse(records)
    (c,) = st.configs
    assert c.stalled_seeds == {0} and c.role("baseline").stalled == {0}
    assert c.primary.n_pairs == 3 and c.primary_unstalled.n_pairs == 2
    assert c.primary_unstalled.ratio == pytest.approx(1 / 5)  # seeds 1, 2: error / 5
    h = st.headline
    assert h["with_stalled"] == [c.label] and h["counted_unstalled"] == 1
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "| improved, stalled seed pairs left out | " in text
    assert f"a baseline or primary run stalled (its optimiser stopped for no progress early; " \
           f"see Convergence): {c.label}" in text
    assert "seed 0; without: -80.0%" in text


def test_budget_axis_gives_a_section_and_a_figure(tmp_path):
    """Issue 18: one configuration at two budgets; the report says whether the verdict
    changes with the budget and draws budget_effect.png."""
    from physym.study.breakdown import budget_axis
    from physym.study.stats import analyse

    records = []
    for budget, factor in (("smoke", 1.5), ("quick", 0.5)):  # worse at smoke, better at quick
        for n in (0, 4):
            for seed in range(3):
                spec = RunSpec("burgers", "pinn", "fnn", Expansion(n), seed, budget)
                error = 0.1 * (1 + 0.1 * seed) * (factor if n else 1.0)
                records.append(RunResult(spec, "ok", error=error, n_params=10).to_dict())
    st = analyse(records)
    (family, configs), = budget_axis(st).items()
    assert family == "burgers/pinn/fnn" and [c.budget for c in configs] == ["smoke", "quick"]
    assert [c.primary.verdict for c in configs] == ["worse", "improved"]
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    _, written = build_report(tmp_path)
    assert tmp_path / "budget_effect.png" in written
    text = (tmp_path / "report.md").read_text()
    assert "## Budget: does the verdict change with the budget?" in text
    # smoke and quick differ in more than training length: the held-out test does not apply
    assert ("- burgers/pinn/fnn: the verdict changes with the budget (smoke: worse; "
            "quick: improved). The held-out test applies to none of its budgets.") in text
    assert "| burgers/pinn/fnn | smoke | 1.100e-01 | – (other settings) |" in text
    assert "| burgers/pinn/fnn | quick | 1.100e-01 | – (longest) |" in text


def _adam_only(expansion: Expansion, seed: int, steps: int) -> RunSpec:
    """A Burgers PINN spec trained by ``steps`` Adam steps alone (a point on a budget axis)."""
    return dataclasses.replace(RunSpec("burgers", "pinn", "fnn", expansion, seed, "quick"),
                               budget_overrides=(("adam_iterations", str(steps)),
                                                 ("lbfgs_iterations", "0")))


def test_budget_section_applies_the_held_out_test_to_each_budget_but_the_longest():
    """Baseline mean 0.4 -> 0.2 -> 0.19 -> 0.19 -> 0.1 over Adam-only budgets of 10, 20, 40,
    80 and 120 steps: doubling halved the error (no), then lowered it by 5% (yes: under
    10%), then not at all (yes); the last step is 1.5x, too short a step to pass, but its
    47% fall fails the test all the same (training longer still helps)."""
    from physym.study.breakdown import budget_lines
    from physym.study.stats import analyse

    records = []
    for steps, base in ((10, 0.4), (20, 0.2), (40, 0.19), (80, 0.19), (120, 0.1)):
        for n in (0, 4):
            for seed in range(3):
                spec = _adam_only(Expansion(n), seed, steps)
                error = base * (1 + 0.01 * (seed - 1)) * (1.0 if n == 0 else 1.0 + 0.01 * seed)
                records.append(RunResult(spec, "ok", error=error, n_params=10).to_dict())
    text = "\n".join(budget_lines(analyse(records)))
    cells = [line.split(" | ")[3] for line in text.splitlines()
             if line.startswith("| burgers/pinn/fnn |")]
    assert cells == ["-50.0% at 2x (no)", "-5.0% at 2x (yes)", "+0.0% at 2x (yes)",
                     "-47.4% at 1.5x (no; under 2x)", "– (longest)"]
    assert ("Its baseline has converged by the held-out test at quick [adam_iterations=20, "
            "lbfgs_iterations=0], quick [adam_iterations=40, lbfgs_iterations=0].") in text


def test_a_short_step_that_barely_lowers_the_error_gives_no_held_out_answer():
    """10 -> 15 Adam steps (1.5x) lowered the baseline's error by 5% in every seed: too
    short a step to pass, and no fail either; the per-seed interval, wholly above the bar,
    is *undecided*, not a clear pass."""
    from physym.study.breakdown import budget_dict, budget_lines
    from physym.study.stats import analyse

    records = []
    for steps, base in ((10, 0.2), (15, 0.19)):
        for n in (0, 4):
            for seed in range(3):
                error = base * (1 + 0.01 * seed) * (1.0 if n == 0 else 1.1)
                records.append(RunResult(_adam_only(Expansion(n), seed, steps), "ok",
                                         error=error, n_params=10).to_dict())
    st = analyse(records)
    text = "\n".join(budget_lines(st))
    row = next(line for line in text.splitlines() if line.startswith("| burgers/pinn/fnn |"))
    assert row.split(" | ")[3] == "-5.0% at 1.5x (under 2x)"
    assert row.split(" | ")[4] == "-5.0% [-5.0%, -5.0%]: undecided"
    assert "none of the" not in text and "applies to none of its budgets" in text
    held = next(iter(budget_dict(st).values()))[0]["held_out"]
    assert held["converged"] is None and held["per_seed"]["place"] == "undecided"


def test_budget_section_flags_a_held_out_answer_that_one_seed_decides():
    """Baseline 0.2 in every seed at 10 Adam steps; at 20 steps 0.19, 0.19 and 0.1: the mean
    fell 20% (no), but without seed 2 it fell 5% (yes)."""
    from physym.study.breakdown import budget_lines
    from physym.study.stats import analyse

    records = []
    for steps, errors in ((10, (0.2, 0.2, 0.2)), (20, (0.19, 0.19, 0.1))):
        for n in (0, 4):
            for seed in range(3):
                spec = _adam_only(Expansion(n), seed, steps)
                records.append(RunResult(spec, "ok", error=errors[seed] * (1 + 0.1 * n),
                                         n_params=10).to_dict())
    text = "\n".join(budget_lines(analyse(records)))
    cells = [line.split(" | ")[3] for line in text.splitlines()
             if line.startswith("| burgers/pinn/fnn |")]
    assert cells == ["-20.0% at 2x (no; one seed decides)", "– (longest)"]
    assert "none of the 1 budget(s) tested" in text


@pytest.mark.parametrize("longer, cell", [
    ((0.19, 0.285), "-5.0% at 2x (yes; over the 2 seeds both ran)"),
    ((0.19,), "-5.0% at 2x (yes; over the one seed both ran)"),
])
def test_the_held_out_test_compares_the_seeds_both_budgets_ran(longer, cell):
    """Baselines 0.2, 0.3, 0.4 at 10 Adam steps; at 20 steps only seeds 0 and 1 ran so far,
    0.19 and 0.285: over the common seeds the mean fell 5% (yes), where the 3-seed mean
    against the 2-seed mean would have said -29% (no). With seed 0 alone, the cell names
    the one seed, not "the 1 seeds"."""
    from physym.study.breakdown import budget_lines
    from physym.study.stats import analyse

    records = []
    for steps, errors in ((10, (0.2, 0.3, 0.4)), (20, longer)):
        for n in (0, 4):
            for seed, error in enumerate(errors):
                spec = _adam_only(Expansion(n), seed, steps)
                records.append(RunResult(spec, "ok", error=error * (1 + 0.1 * n),
                                         n_params=10).to_dict())
    text = "\n".join(budget_lines(analyse(records)))
    cells = [line.split(" | ")[3] for line in text.splitlines()
             if line.startswith("| burgers/pinn/fnn |")]
    assert cells == [cell, "– (longest)"]


def _per_seed_cells(budgets):
    """The *next budget* and *per seed* cells and the summary of Adam-only budgets of 10, 20,
    ... steps with the given baseline errors per seed (the primary arm 10% above)."""
    from physym.study.breakdown import budget_lines
    from physym.study.stats import analyse

    records = []
    for i, errors in enumerate(budgets):
        for n in (0, 4):
            for seed, error in enumerate(errors):
                spec = _adam_only(Expansion(n), seed, 10 * 2 ** i)
                records.append(RunResult(spec, "ok", error=error * (1 + 0.1 * n),
                                         n_params=10).to_dict())
    lines = budget_lines(analyse(records))
    cells = [line.split(" | ")[3:5] for line in lines if line.startswith("| burgers/pinn/fnn |")]
    return cells, lines[-1]


def test_the_per_seed_interval_says_whether_the_seeds_can_tell_the_bar():
    """The per-seed ratios of the first step are 0.96, 0.90, 0.81: their geometric mean is
    -11.2% with a t-interval (2 degrees of freedom) of about [-28%, +10%], across the bar,
    where the mean fell 11% ("no", and one seed decides). The second step's ratios
    (0.5, 0.55, 0.45) lie wholly below the bar, the third's (1.0, 1.02, 0.98) wholly above
    it."""
    import numpy as np
    from scipy import stats

    first = np.log([0.96, 0.90, 0.81])
    half = stats.t.ppf(0.975, 2) * first.std(ddof=1) / np.sqrt(3)
    low, high = np.exp(first.mean() - half) - 1, np.exp(first.mean() + half) - 1
    errors = [(1.0, 1.0, 1.0), (0.96, 0.90, 0.81), (0.48, 0.495, 0.3645),
              (0.48, 0.5049, 0.35721)]
    cells, summary = _per_seed_cells(errors)
    geo = np.exp(first.mean()) - 1
    assert cells[0] == ["-11.0% at 2x (no; one seed decides)",
                        f"{geo:+.1%} [{low:+.1%}, {high:+.1%}]: undecided"]
    assert cells[1][1].endswith(": clear fail") and cells[2][1].endswith(": clear pass")
    assert cells[3] == ["– (longest)", "–"]
    assert summary.endswith("By the per-seed 95% interval: clear pass at quick "
                            "[adam_iterations=40, lbfgs_iterations=0]; undecided at quick "
                            "[adam_iterations=10, lbfgs_iterations=0]; clear fail at quick "
                            "[adam_iterations=20, lbfgs_iterations=0].")


def test_no_per_seed_interval_from_one_seed():
    cells, summary = _per_seed_cells([(1.0,), (0.5,)])
    assert cells[0] == ["-50.0% at 2x (no)", "–"] and "per-seed" not in summary


def test_a_baseline_only_longer_budget_tests_convergence_without_a_verdict(tmp_path):
    """The held-out test's longer budget may run the baseline alone (preset ``expand = []``):
    it tests the shorter budget, gets no verdict of its own and is not counted."""
    records = []
    for steps, base, arms in ((10, 0.2, (0, 4)), (20, 0.19, (0,))):
        for n in arms:
            for seed in range(3):
                spec = _adam_only(Expansion(n), seed, steps)
                error = base * (1 + 0.01 * seed) * (0.5 + 0.02 * seed if n else 1.0)
                records.append(RunResult(spec, "ok", error=error, n_params=10).to_dict())
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r)
    _, written = build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "| improved (significant) | 1 / 1 |" in text  # the baseline-only line not counted
    assert ("| burgers/pinn/fnn | quick [adam_iterations=20, lbfgs_iterations=0] | 1.919e-01 "
            "| – (longest) | – | – | – | – | no primary arm |") in text
    # every seed's error fell by exactly 5%: an interval of zero width, wholly above -10%
    assert ("- burgers/pinn/fnn: a verdict at one budget only (quick "
            "[adam_iterations=10, lbfgs_iterations=0]: improved). Its baseline has converged "
            "by the held-out test at quick [adam_iterations=10, lbfgs_iterations=0]. By the "
            "per-seed 95% interval: clear pass at quick [adam_iterations=10, "
            "lbfgs_iterations=0].") in text
    assert tmp_path / "budget_effect.png" in written
    # the same section as data, in results.nc
    import json

    import xarray as xr

    with xr.open_dataset(tmp_path / "results.nc", engine="h5netcdf") as ds:
        (rows,) = json.loads(ds.attrs["budget"]).values()
    assert [r["budget"] for r in rows] == ["quick [adam_iterations=10, lbfgs_iterations=0]",
                                           "quick [adam_iterations=20, lbfgs_iterations=0]"]
    held = rows[0]["held_out"]
    assert held["converged"] is True and held["one_seed_decides"] is False
    assert held["factor"] == pytest.approx(2.0) and held["seeds"] == 3
    assert held["change"] == pytest.approx(-0.05)
    assert held["per_seed"]["place"] == "clear pass"
    assert held["per_seed"]["low"] == pytest.approx(-0.05) == held["per_seed"]["high"]
    assert rows[0]["primary"]["verdict"] == "improved"
    assert rows[0]["baseline_mean"] == pytest.approx(0.2 * 1.01)
    assert rows[1]["held_out"] is None and rows[1]["primary"] is None


def test_a_family_of_baseline_only_budgets_has_no_verdict_sentence():
    """Two budgets of the baseline alone: the held-out test applies, no verdict is claimed."""
    from physym.study.breakdown import budget_lines
    from physym.study.stats import analyse

    records = []
    for steps, base in ((10, 0.2), (20, 0.1)):
        for seed in range(3):
            spec = _adam_only(Expansion(0), seed, steps)
            records.append(RunResult(spec, "ok", error=base * (1 + 0.01 * seed),
                                     n_params=10).to_dict())
    text = "\n".join(budget_lines(analyse(records)))
    assert ("- burgers/pinn/fnn: no budget has a verdict. Its baseline has converged by the "
            "held-out test at none of the 1 budget(s) tested.") in text


def test_a_study_at_one_budget_has_no_budget_section(tmp_path):
    store = RecordStore(tmp_path)
    for r in _records():
        store.write(r)
    _, written = build_report(tmp_path)
    assert "## Budget" not in (tmp_path / "report.md").read_text()
    assert tmp_path / "budget_effect.png" not in written


def test_budget_axis_over_overrides_groups_one_family():
    """A budget is a name with its overrides: quick with more Adam steps is a second point of
    the same configuration's axis, ordered by training length."""

    from physym.study.breakdown import budget_axis
    from physym.study.stats import analyse

    records = []
    for over in ((("adam_iterations", "900"),), (("adam_iterations", "90"),), ()):
        for n in (0, 4):
            for seed in range(2):
                spec = dataclasses.replace(RunSpec("burgers", "pinn", "fnn", Expansion(n), seed,
                                                   "quick"), budget_overrides=over)
                records.append(RunResult(spec, "ok", error=0.1 + 0.01 * seed + 0.001 * n,
                                         n_params=10).to_dict())
    (family, configs), = budget_axis(analyse(records)).items()
    assert family == "burgers/pinn/fnn"
    assert [c.budget for c in configs] == ["quick", "quick [adam_iterations=90]",
                                           "quick [adam_iterations=900]"]
