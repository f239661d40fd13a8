"""Statistics of a study, from its records alone (scipy.stats).

For every model configuration (problem, task, model, parameters, budget) and every arm
(an expansion setting or a control), the errors over seeds; for every comparison of two
arms, the seeds where both succeeded are *paired* and compared on the log of the error:

* ``ratio`` — geometric mean of ``error_arm / error_reference`` over the pairs, with a 95%
  t interval; ``relative_change = ratio - 1`` (``-0.2`` = 20% lower error);
* ``mean_change`` — relative change of the arithmetic mean errors;
* ``p_t`` — paired t-test on the log errors (scipy ``ttest_rel``), the verdict's test;
  ``p_wilcoxon`` — Wilcoxon signed-rank, reported alongside (with 3 seeds its smallest
  two-sided p is 0.25, so it cannot decide at 5%);
* ``verdict`` — ``improved`` / ``worse`` when ``p_t < alpha``, else ``no significant
  change`` (``insufficient`` with fewer than two pairs).

Headline: the fraction of configurations whose pre-registered *primary* setting is
``improved``, with a Wilson 95% interval, next to the paper's ~75%; also the fraction
with a lower geometric-mean error at all (the looser count), and the fraction improved
at the *best* setting with a Bonferroni-corrected alpha (choosing the best of several
settings after the fact would otherwise inflate it).

Untrained configurations: a relative L2 error of 1 is that of predicting zero everywhere. A
configuration whose baseline *and* primary arm both have a median error ``>= ZERO_ERROR``
(:attr:`ConfigStats.neither_learned`) compares two models that learned nothing; it stays in
the headline counts, and the headline also gives the fraction improved among the others
(``improved_learned`` of ``counted_learned``).

Stalled runs: a run whose optimiser stopped for lack of progress early
(:mod:`physym.convergence`, ``training.stalled``) is never silently averaged in. Each arm
knows its stalled seeds (:attr:`ArmStats.stalled`); a configuration whose baseline or primary
arm has one also gets :attr:`ConfigStats.primary_unstalled`, the primary comparison over the
seed pairs where neither run stalled, and the headline names these configurations and
counts the improved fraction with that comparison in place of the primary one
(``improved_unstalled`` of ``counted_unstalled``).

Budget axis: one configuration per budget (a name with its overrides);
:func:`physym.study.breakdown.budget_axis` groups them by family, in budget order.

Mechanism: where a study ran the bias-equivalent controls, :func:`reproduced_fraction` is the
share of the primary setting's effect that the ``equivalent`` control reproduces, the ratio of
log geometric-mean error ratios ``log(equivalent / baseline) / log(expanded / baseline)``, and
:attr:`ConfigStats.identity` says whether the identity behind it is exact for the
configuration's optimiser (Adam only, no weight decay) or approximate (L-BFGS, weight decay).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
from scipy import stats

from physym.runner import RunSpec, training_budget
from physym.study.arms import budget_label
from physym.study.preset import CONTROLS, Arm, config_key, config_label

__all__ = ["PAPER_FRACTION", "ZERO_ERROR", "PairedTest", "ArmStats", "ConfigStats", "StudyStats",
           "compare_arms", "wilson", "analyse", "reproduced_fraction", "identity_note",
           "counted", "verdict_counts", "natural_key"]

#: Fraction of PDE surrogate models improved by expansion in arXiv 2409.06402.
PAPER_FRACTION = 0.75

#: Relative L2 error of the zero prediction: a median error at or above it learned nothing.
ZERO_ERROR = 1.0


@dataclass
class PairedTest:
    """An arm against a reference arm over the seeds where both succeeded."""

    arm: Arm | None
    reference: Arm | None
    n_pairs: int
    ratio: float
    ratio_low: float
    ratio_high: float
    mean_change: float
    p_t: float
    p_wilcoxon: float
    verdict: str
    sd_log: float = math.nan  #: sample std of the paired log error ratios (>= 2 pairs)

    @property
    def relative_change(self) -> float:
        return self.ratio - 1.0


def compare_arms(errors: dict[int, float], reference: dict[int, float], *, alpha: float = 0.05,
                 arm: Arm | None = None, ref: Arm | None = None) -> PairedTest:
    """Paired comparison of two ``{seed: error}`` maps (see the module docstring)."""
    seeds = sorted(set(errors) & set(reference))
    a = np.array([errors[s] for s in seeds], dtype=float)
    b = np.array([reference[s] for s in seeds], dtype=float)
    k = len(seeds)
    if k == 0:
        return PairedTest(arm, ref, 0, *(math.nan,) * 6, "insufficient")
    d = np.log(a) - np.log(b)
    ratio = float(np.exp(d.mean()))
    mean_change = float((a.mean() - b.mean()) / b.mean())
    if k < 2:
        return PairedTest(arm, ref, k, ratio, math.nan, math.nan, mean_change, math.nan,
                          math.nan, "insufficient")
    sd = float(d.std(ddof=1))
    if sd == 0.0:  # identical differences: no spread to test against
        same = bool(np.all(d == 0.0))
        p_t = 1.0 if same else 0.0
        low = high = ratio
    else:
        p_t = float(stats.ttest_rel(np.log(a), np.log(b)).pvalue)
        half = float(stats.t.ppf(0.975, k - 1)) * sd / math.sqrt(k)
        low, high = float(np.exp(d.mean() - half)), float(np.exp(d.mean() + half))
    p_w = float(stats.wilcoxon(d).pvalue) if np.any(d != 0.0) else 1.0
    if p_t < alpha:
        verdict = "improved" if d.mean() < 0 else "worse"
    else:
        verdict = "no significant change"
    return PairedTest(arm, ref, k, ratio, low, high, mean_change, p_t, p_w, verdict, sd)


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (scipy ``binomtest``)."""
    if trials == 0:
        return math.nan, math.nan
    ci = stats.binomtest(successes, trials).proportion_ci(confidence_level=confidence,
                                                          method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class ArmStats:
    """The errors of one arm of a configuration over seeds."""

    arm: Arm
    errors: dict[int, float]
    n_failed: int
    n_params: float
    reasons: list[str] = field(default_factory=list)
    #: Seeds of successful runs whose optimiser stalled (``training.stalled``).
    stalled: set[int] = field(default_factory=set)

    @property
    def label(self) -> str:
        return self.arm.label

    @property
    def role(self) -> str:
        return self.arm.role

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.errors.values()))) if self.errors else math.nan

    @property
    def median(self) -> float:
        return float(np.median(list(self.errors.values()))) if self.errors else math.nan

    @property
    def std(self) -> float:
        v = list(self.errors.values())
        return float(np.std(v, ddof=1)) if len(v) > 1 else math.nan


@dataclass
class ConfigStats:
    """Everything about one model configuration.

    ``arms`` maps each :class:`~physym.study.preset.Arm` to its errors; ``comparisons`` are
    the arms against the baseline; ``controls`` maps a control's role (``fill0``,
    ``matched``, ``bias_init``, ``bias_lr``, ``equivalent``) to the primary arm against that
    control; ``identity`` is :func:`identity_note` of the configuration's budget.
    """

    label: str
    arms: dict[Arm, ArmStats]
    comparisons: list[PairedTest]
    primary: PairedTest | None
    best: PairedTest | None
    best_alpha: float
    controls: dict[str, PairedTest]
    identity: str = ""
    #: The configuration without its budget (``config_label(..., overrides=False)``) and the
    #: budget (``budget_label``: name and overrides): a study with a budget axis has one
    #: configuration per (family, budget).
    family: str = ""
    budget: str = ""
    #: The primary comparison without the seed pairs in which either run stalled; ``None``
    #: when no baseline or primary run stalled (then it would equal ``primary``).
    primary_unstalled: PairedTest | None = None
    spec: RunSpec | None = None  #: one run's spec (problem, task, model, method), for grouping

    def comparison(self, role: str) -> PairedTest | None:
        """The arm of ``role`` (:meth:`role`) against the baseline."""
        arm = self.role(role)
        return next((c for c in self.comparisons if c.arm == arm.arm), None) if arm else None

    def role(self, role: str) -> ArmStats | None:
        """The ``baseline``, the primary arm (``expanded``), or the control of a role that
        controls for the primary setting (:meth:`Arm.controls_for`); ``None`` if absent."""
        p = self.primary.arm if self.primary is not None else None
        if role == "expanded":
            return self.arms.get(p) if p is not None else None
        return next((a for a in self.arms.values() if a.role == role and (
            role == "baseline" or (p is not None and a.arm.controls_for(p.n, p.fill)))), None)

    @property
    def stalled_seeds(self) -> set[int]:
        """Seeds in which the baseline or the primary run stalled."""
        base = self.role("baseline")
        prim = self.arms.get(self.primary.arm) if self.primary is not None else None
        return set().union(*(a.stalled for a in (base, prim) if a is not None))

    @property
    def neither_learned(self) -> bool:
        """Baseline and primary arm both no better than zero (median error >= ZERO_ERROR)."""
        base = self.role("baseline")
        prim = self.arms.get(self.primary.arm) if self.primary is not None else None
        return (base is not None and prim is not None
                and base.median >= ZERO_ERROR and prim.median >= ZERO_ERROR)


@dataclass
class StudyStats:
    configs: list[ConfigStats]
    headline: dict[str, Any]
    alpha: float
    primary_label: str
    #: Records of failed runs (never counted in the statistics).
    failed_runs: int = 0


def reproduced_fraction(c: ConfigStats) -> float:
    """Share of the primary effect the ``equivalent`` control reproduces (NaN without one).

    ``log(r_equivalent) / log(r_expanded)`` with ``r`` the geometric mean of the paired error
    ratios to the baseline: 1 means the bias-equivalent baseline does what expansion does,
    0 that it does what the baseline does. Meaningless when the expansion effect itself is
    within the seed-to-seed spread (look at the primary verdict first).
    """
    eq = c.comparison("equivalent")
    if c.primary is None or eq is None or not (c.primary.ratio > 0 and eq.ratio > 0):
        return math.nan
    denominator = math.log(c.primary.ratio)
    return math.log(eq.ratio) / denominator if denominator != 0.0 else math.nan


def identity_note(spec: RunSpec) -> str:
    """``""`` when the configuration trains by Adam alone without weight decay (where the
    ``equivalent`` control is the expanded network up to Adam's ``eps``), else what breaks
    the identity (``"L-BFGS"``, ``"weight decay 0.0001"``), or ``"unknown"`` when the budget
    cannot be resolved (a problem file that is gone)."""
    try:
        budget = training_budget(spec)
    except Exception:  # noqa: BLE001  (a report must not fail on a missing problem)
        return "unknown"
    why = []
    if getattr(budget, "lbfgs_iterations", 0):
        why.append("L-BFGS")
    if getattr(budget, "weight_decay", 0.0):
        why.append(f"weight decay {budget.weight_decay:g}")
    return ", ".join(why)


def _group(records: Iterable[dict[str, Any]]) -> dict[tuple, tuple[str, dict[Arm, list]]]:
    groups: dict[tuple, tuple[str, dict[Arm, list]]] = {}
    for record in records:
        spec = RunSpec.from_dict(record["spec"])
        label = config_label(spec) + f" ({spec.budget})"
        _, arms = groups.setdefault(config_key(spec), (label, {}))
        arms.setdefault(Arm.of(spec), []).append((spec, record))
    return groups


def counted(configs: Iterable[ConfigStats]) -> list[ConfigStats]:
    """The configurations a headline counts: those with a primary arm of >= 2 seed pairs."""
    return [c for c in configs if c.primary is not None and c.primary.n_pairs >= 2]


def verdict_counts(configs: list[ConfigStats]) -> tuple[int, int, int]:
    """``(improved, worse, lower_error)`` over counted configurations: the primary verdicts
    ``improved`` and ``worse`` (significant), and a lower geometric-mean error of any size."""
    return (sum(c.primary.verdict == "improved" for c in configs),
            sum(c.primary.verdict == "worse" for c in configs),
            sum(c.primary.ratio < 1.0 for c in configs))


def _arm(arm: Arm, runs: list[tuple[RunSpec, dict]]) -> ArmStats:
    ok = {s.seed: float(r["error"]) for s, r in runs if r["status"] == "ok"}
    params = [r["n_params"] for _, r in runs if r["status"] == "ok"]
    stalled = {s.seed for s, r in runs
               if r["status"] == "ok" and (r.get("training") or {}).get("stalled")}
    return ArmStats(arm, ok, sum(r["status"] != "ok" for _, r in runs),
                    float(params[0]) if params else math.nan,
                    sorted({str(r.get("reason")) for _, r in runs if r["status"] != "ok"}),
                    stalled)


def _config(label: str, arms: dict[Arm, ArmStats], *, primary_n: int, primary_fill: float,
            alpha: float) -> ConfigStats:
    base = next((a for a in arms.values() if a.role == "baseline"), None)
    comparisons: list[PairedTest] = []
    primary = best = None
    expanded = [a for a in arms.values() if a.role == "expanded"]
    if base is not None:
        comparisons = [compare_arms(a.errors, base.errors, alpha=alpha, arm=a.arm,
                                    ref=base.arm) for a in arms.values() if a is not base]
        by_arm = {c.arm: c for c in comparisons}
        prim = [a for a in expanded
                if a.arm.n == primary_n and math.isclose(a.arm.fill, primary_fill)]
        if prim:
            primary = by_arm[prim[0].arm]
    m = max(1, len(expanded))
    if base is not None and expanded:
        cands = [compare_arms(a.errors, base.errors, alpha=alpha / m, arm=a.arm,
                              ref=base.arm) for a in expanded]
        cands = [c for c in cands if c.n_pairs > 0]
        best = min(cands, key=lambda c: c.ratio) if cands else None
    config = ConfigStats(label, arms, comparisons, primary, best, alpha / m, {})
    if primary is not None:  # each control of the primary setting (ConfigStats.role)
        prim_arm = arms[primary.arm]
        for role in CONTROLS:
            if (ctrl := config.role(role)) is not None:
                config.controls[role] = compare_arms(prim_arm.errors, ctrl.errors, alpha=alpha,
                                                     arm=prim_arm.arm, ref=ctrl.arm)
    drop = config.stalled_seeds
    if primary is not None and drop:
        keep = (lambda errors: {s: e for s, e in errors.items() if s not in drop})
        config.primary_unstalled = compare_arms(keep(arms[primary.arm].errors),
                                                keep(base.errors), alpha=alpha,
                                                arm=primary.arm, ref=base.arm)
    return config


def natural_key(label: str) -> tuple[Any, ...]:
    """Sort key that orders the numbers in a label by value (``epochs=200`` before
    ``epochs=2000`` before ``epochs=400`` as text; 200, 400, 2000 by this key)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label))


def analyse(records: Iterable[dict[str, Any]], *, primary_n: int = 4,
            primary_fill: float = math.pi, alpha: float = 0.05) -> StudyStats:
    """Statistics of a study from its sound records (see the module docstring)."""
    records = list(records)
    configs = []
    for label, arm_runs in sorted(_group(records).values(), key=lambda g: natural_key(g[0])):
        arms = {arm: _arm(arm, runs)
                for arm, runs in sorted(arm_runs.items(), key=lambda kv: kv[0].label)}
        config = _config(label, arms, primary_n=primary_n, primary_fill=primary_fill,
                         alpha=alpha)
        first = next(iter(arm_runs.values()))[0][0]
        config.family, config.budget = config_label(first, overrides=False), budget_label(first)
        config.spec = first
        if any(a.bias for a in arms):  # resolving the budget imports the problem: only then
            config.identity = identity_note(first)
        configs.append(config)
    used = counted(configs)
    n = len(used)
    improved, worse, lower = verdict_counts(used)
    best_improved = sum(c.best is not None and c.best.verdict == "improved" for c in used)
    learned = [c for c in used if not c.neither_learned]
    improved_learned = verdict_counts(learned)[0]
    unstalled = [c.primary_unstalled or c.primary for c in used]
    unstalled = [t for t in unstalled if t.n_pairs >= 2]
    improved_unstalled = sum(t.verdict == "improved" for t in unstalled)
    with_matched = sum("matched" in c.controls for c in used)
    beats_matched = sum("matched" in c.controls and c.controls["matched"].verdict == "improved"
                        for c in used)
    headline = {
        "configurations": len(configs), "counted": n,
        "improved": improved, "worse": worse, "no_change": n - improved - worse,
        "fraction_improved": improved / n if n else math.nan,
        "fraction_improved_ci": wilson(improved, n),
        "lower_error": lower, "fraction_lower_error": lower / n if n else math.nan,
        "fraction_lower_error_ci": wilson(lower, n),
        "best_improved": best_improved,
        "fraction_best_improved": best_improved / n if n else math.nan,
        "fraction_best_improved_ci": wilson(best_improved, n),
        "counted_learned": len(learned), "improved_learned": improved_learned,
        "fraction_improved_learned": improved_learned / len(learned) if learned else math.nan,
        "fraction_improved_learned_ci": wilson(improved_learned, len(learned)),
        "neither_learned": [c.label for c in used if c.neither_learned],
        "with_stalled": [c.label for c in used if c.stalled_seeds],
        "counted_unstalled": len(unstalled), "improved_unstalled": improved_unstalled,
        "fraction_improved_unstalled": (improved_unstalled / len(unstalled)
                                        if unstalled else math.nan),
        "fraction_improved_unstalled_ci": wilson(improved_unstalled, len(unstalled)),
        "beats_matched_control": beats_matched, "with_matched_control": with_matched,
        "paper_fraction": PAPER_FRACTION,
    }
    label = f"n={primary_n} fill={primary_fill:.4g}"
    return StudyStats(configs, headline, alpha, label,
                      failed_runs=sum(r["status"] != "ok" for r in records))
