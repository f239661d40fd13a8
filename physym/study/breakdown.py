"""The headline broken down: per problem family, per kind of task and per model and method.

The study headline (:func:`physym.study.stats.analyse`) counts the configurations whose
primary arm improved significantly over all of them. A claim such as "expansion improves
about 75% of PDE models" can hold for one kind of model and fail for another, so the report
repeats the count within groups of configurations:

- ``problem``: the problem family (``burgers``, ``darcy``, ...: one registry name, all its
  tasks, models, methods and budgets);
- ``task``: the kind of task (``pinn``, ``operator``, ``regression``, ``classification``);
- ``model and method``: the model, with the training method for PINNs (``fnn+adam-lbfgs``,
  ``fnn+adam``, ``fno``, ``deeponet``, ...).

Each group gets the same counts as the headline (improved, significantly worse, a lower mean
error of any size) with the Wilson 95% interval of the improved fraction. A configuration at
two budgets (a budget axis) counts once per budget, as in the headline; :func:`budget_axis`
groups such configurations by family, in budget order, for the report's "Budget" section
(:func:`budget_lines`) and figure. That section also applies the held-out convergence test
(:func:`physym.convergence.held_out_converged`) to each budget but the longest, and places
the paired 95% interval of the per-seed change of the baseline's error
(:func:`physym.study.stats.compare_arms`) against the test's bar
(:func:`physym.convergence.held_out_side`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, NamedTuple

from physym._text import fmt, pct
from physym.budgets import BUDGET_NAMES
from physym.convergence import (BUDGET_CRITERION, MAX_BUDGET_GAIN, MIN_BUDGET_FACTOR,
                                common_means, held_out_converged, held_out_fragile,
                                held_out_side, training_factor)
from physym.models.pinn_methods import DEFAULT_METHOD
from physym.runner import training_budget
from physym.study.arms import parse_budget_label
from physym.study.stats import (ConfigStats, StudyStats, compare_arms, counted,
                                verdict_counts, wilson)

__all__ = ["GroupCount", "GROUPINGS", "SIDES", "breakdown", "breakdown_dict", "breakdown_lines",
           "budget_axis", "budget_dict", "budget_lines", "held_out_places"]


@dataclass(frozen=True)
class GroupCount:
    """The headline counts of one group of configurations."""

    group: str
    counted: int
    improved: int
    worse: int
    lower_error: int
    fraction_improved: float
    fraction_improved_ci: tuple[float, float]


def _model_method(c: ConfigStats) -> str:
    spec = c.spec
    if spec.task == "pinn":
        return f"{spec.model}+{spec.method or DEFAULT_METHOD}"
    return str(spec.model)


#: Grouping name -> the group of a configuration.
GROUPINGS: dict[str, Callable[[ConfigStats], str]] = {
    "problem": lambda c: c.spec.problem,
    "task": lambda c: str(c.spec.task),
    "model and method": _model_method,
}


def _count(group: str, configs: list[ConfigStats]) -> GroupCount:
    n = len(configs)
    improved, worse, lower = verdict_counts(configs)
    return GroupCount(group, n, improved, worse, lower, improved / n if n else math.nan,
                      wilson(improved, n))


def breakdown(st: StudyStats) -> dict[str, list[GroupCount]]:
    """Grouping name -> one :class:`GroupCount` per group, in group order.

    Only the configurations the headline counts enter (a primary arm with at least two seed
    pairs); a grouping with a single group is left out, since it would repeat the headline.
    """
    used = [c for c in counted(st.configs) if c.spec is not None]
    out: dict[str, list[GroupCount]] = {}
    for name, key in GROUPINGS.items():
        groups: dict[str, list[ConfigStats]] = {}
        for c in used:
            groups.setdefault(key(c), []).append(c)
        if len(groups) >= 2:
            out[name] = [_count(g, cs) for g, cs in sorted(groups.items())]
    return out


def _work(budget: str) -> int:
    """The iteration/epoch overrides of a budget label, summed (its length on the axis)."""
    pairs = parse_budget_label(budget)[1].items()
    return sum(int(v) for k, v in pairs if k in ("adam_iterations", "lbfgs_iterations",
                                                 "epochs") and v.isdigit())


def budget_axis(st: StudyStats) -> dict[str, list[ConfigStats]]:
    """Family label -> its configurations at two or more budgets, in budget order
    (:data:`~physym.budgets.BUDGET_NAMES`, then the lengths of their overrides)."""
    families: dict[str, list[ConfigStats]] = {}
    for c in st.configs:
        families.setdefault(c.family, []).append(c)
    order = {name: i for i, name in enumerate(BUDGET_NAMES)}
    return {f: sorted(cs, key=lambda c: (order.get(c.budget.split(" ")[0], len(order)),
                                         _work(c.budget), c.budget))
            for f, cs in families.items() if len({c.budget for c in cs}) >= 2}


def breakdown_dict(st: StudyStats) -> dict[str, list[dict[str, Any]]]:
    """:func:`breakdown` as plain data (for ``results.nc``'s attributes)."""
    return {name: [asdict(g) for g in rows] for name, rows in breakdown(st).items()}


def breakdown_lines(st: StudyStats) -> list[str]:
    """The report's "Headline by group" section: markdown lines, each table preceded by an
    empty line (none without groups)."""
    groups = breakdown(st)
    if not groups:
        return []
    lines = ["", "## Headline by group", "",
             f"The headline's counts within each problem family, kind of task and model "
             f"(with the training method for PINNs), at the primary setting "
             f"**{st.primary_label}**. A configuration run at two budgets counts once per "
             "budget.", ""]
    for name, rows in groups.items():
        lines += [f"| {name} | improved (significant) | fraction | Wilson 95% CI | worse "
                  "(significant) | lower mean error |", "|---|---|---|---|---|---|"]
        lines += [f"| {g.group} | {g.improved} / {g.counted} | "
                  f"{fmt(g.fraction_improved, '.2f')} | [{fmt(g.fraction_improved_ci[0], '.2f')}, "
                  f"{fmt(g.fraction_improved_ci[1], '.2f')}] | {g.worse} | "
                  f"{g.lower_error} / {g.counted} |" for g in rows]
        lines.append("")
    return lines[:-1]  # the caller adds the empty line after the last table


def _factor(c: ConfigStats, longer: ConfigStats) -> float | None:
    """:func:`~physym.convergence.training_factor` of two configurations' budgets; ``None``
    when either budget cannot be resolved (no spec, or a problem no longer installed)."""
    if c.spec is None or longer.spec is None:
        return None
    try:
        return training_factor(training_budget(c.spec), training_budget(longer.spec))
    except (KeyError, ValueError):
        return None


#: Marks a held-out answer that one seed decides (:func:`~physym.convergence.held_out_fragile`).
ONE_SEED = "one seed decides"
FRAGILE = f"; {ONE_SEED}"


#: The per-seed interval's place against the held-out test's bar, in words.
SIDES = {True: "clear pass", None: "undecided", False: "clear fail"}


class _HeldOut(NamedTuple):
    cell: str  #: the *next budget* cell
    ok: bool | None  #: the point test's answer; None where it does not apply
    fragile: bool  #: one seed decides ``ok``
    data: dict[str, Any] | None = None  #: the numbers, for ``results.nc`` (:func:`budget_dict`)

    @property
    def place(self) -> str | None:
        """The per-seed interval's place against the bar (a word of :data:`SIDES`);
        ``None`` without an interval (fewer than 2 seeds at both budgets, or no test)."""
        per_seed = self.data["per_seed"] if self.data else None
        return per_seed["place"] if per_seed else None

    @property
    def interval(self) -> str:
        """The *per seed* cell: the geometric mean of the per-seed change, its paired 95%
        t-interval and its place against the bar."""
        if self.place is None:
            return "–"
        d = self.data["per_seed"]
        return f"{pct(d['change'])} [{pct(d['low'])}, {pct(d['high'])}]: {self.place}"


def _per_seed(errors: dict[int, float], longer: dict[int, float],
              factor: float) -> dict[str, Any] | None:
    """The per-seed change (next budget over this one, ``factor`` times longer) with its
    paired 95% t-interval and place against the bar; ``None`` with fewer than 2 seeds at
    both budgets."""
    t = compare_arms(longer, errors)
    if t.n_pairs < 2 or not math.isfinite(t.ratio_low):
        return None
    return {"change": t.ratio - 1, "low": t.ratio_low - 1, "high": t.ratio_high - 1,
            "place": SIDES[held_out_side(t.ratio_low - 1, t.ratio_high - 1, factor=factor)]}


def _held_out(configs: list[ConfigStats]) -> list[_HeldOut]:
    """Per budget in order, the held-out test against the next budget: the table cell (the
    change of the baseline's mean error, how much longer the next budget trains and the
    answer: ``-80.0% at 5x (no)``, with :data:`FRAGILE` where leaving one seed out changes
    it, and *under 2x* where the next budget trains less than
    :data:`~physym.convergence.MIN_BUDGET_FACTOR` times longer (a fall of the bar or more
    still fails there; a smaller one is no answer); ``– (longest)`` for the last), the
    answer itself (``None`` where the test does not apply), whether one seed decides it, and
    its numbers with the per-seed interval (:func:`_per_seed`)."""
    bases = [c.role("baseline") for c in configs]
    cells: list[_HeldOut] = []
    for i in range(len(configs) - 1):
        a, b = (x.errors if x else {} for x in bases[i : i + 2])
        here, longer, common = common_means(a, b)
        factor = _factor(configs[i], configs[i + 1])
        over = "the one seed" if common == 1 else f"the {common} seeds"
        partial = f"; over {over} both ran" if common < max(len(a), len(b)) else ""
        if factor is None:
            cells.append(_HeldOut("– (other settings)", None, False))
            continue
        if not all(math.isfinite(e) and e > 0 for e in (here, longer)):
            cells.append(_HeldOut("–", None, False))
            continue
        ok = held_out_converged(here, longer, factor=factor)
        short = ("no longer training" if factor <= 1 else
                 f"under {MIN_BUDGET_FACTOR:g}x" if factor < MIN_BUDGET_FACTOR else "")
        head = f"{pct(longer / here - 1)} at {factor:.3g}x"
        data = {"change": longer / here - 1, "factor": factor, "seeds": common,
                "converged": ok, "one_seed_decides": None,
                "per_seed": _per_seed(a, b, factor) if factor > 1 else None}
        if ok is None:  # no longer, or under 2x and lowered by less than the bar
            cells.append(_HeldOut(f"{head} ({short}{partial})", None, False, data))
            continue
        fragile = bool(held_out_fragile(a, b, factor=factor))
        data["one_seed_decides"] = fragile
        cells.append(_HeldOut(f"{head} ({'yes' if ok else 'no'}{f'; {short}' if short else ''}"
                              f"{FRAGILE if fragile else ''}{partial})", ok, fragile, data))
    return [*cells, _HeldOut("– (longest)", None, False)]


def budget_dict(st: StudyStats) -> dict[str, list[dict[str, Any]]]:
    """The report's "Budget" section as plain data (for ``results.nc``'s attributes): family
    label -> per budget in order, the baseline's mean error, the held-out test against the
    next budget (``None`` for the longest budget, another setting, or an error that is not
    finite and positive; ``change`` and
    ``factor`` of the baseline's mean error, ``converged`` and ``one_seed_decides``, and
    ``per_seed``: the per-seed change with its 95% interval and ``place`` against the bar)
    and the primary comparison (``None`` for a baseline-only budget)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for family, configs in budget_axis(st).items():
        rows = []
        for c, held in zip(configs, _held_out(configs)):
            base, p = c.role("baseline"), c.primary
            rows.append({"budget": c.budget, "baseline_mean": base.mean if base else None,
                         "held_out": held.data,
                         "primary": None if p is None else {
                             "arm": p.arm.label if p.arm else None, "change": p.relative_change,
                             "low": p.ratio_low - 1, "high": p.ratio_high - 1, "p_t": p.p_t,
                             "verdict": p.verdict}})
        out[family] = rows
    return out


def held_out_places(configs: list[ConfigStats]) -> list[str | None]:
    """Per budget of one configuration (in :func:`budget_axis` order), where the per-seed 95%
    interval of its held-out test lies against the bar: a word of :data:`SIDES`, or ``None``
    where there is no interval (the longest budget, another setting, fewer than two seeds at
    both budgets)."""
    return [h.place for h in _held_out(configs)]


def _sides(configs: list[ConfigStats], cells: list[_HeldOut]) -> str:
    """The summary's sentence on the per-seed intervals ('' when no budget has one)."""
    groups = {place: [c.budget for c, h in zip(configs, cells) if h.place == place]
              for place in SIDES.values()}
    parts = [f"{place} at {', '.join(budgets)}" for place, budgets in groups.items() if budgets]
    return f" By the per-seed 95% interval: {'; '.join(parts)}." if parts else ""


def budget_lines(st: StudyStats) -> list[str]:
    """The report's "Budget" section (none without a budget axis): the primary comparison of
    each configuration at every budget it ran, whether the verdict changes with the budget,
    and at which budgets the baseline has converged by the held-out test."""
    axis = budget_axis(st)
    if not axis:
        return []
    lines = ["", "## Budget: does the verdict change with the budget?", "",
             "Each configuration that ran at two or more budgets (a budget name with its "
             "overrides: a longer training, more points, another optimiser setting), its "
             "primary comparison at each (figure: `budget_effect.png`). *next budget*: the "
             "change of the baseline's mean error at the next budget (over the seeds both "
             "budgets ran), how many times longer "
             "it trains, and whether the baseline has converged by the held-out test (its "
             f"{BUDGET_CRITERION}{FRAGILE}: leaving one seed out of both budgets changes "
             "that answer; *under 2x*: the next budget trains less than "
             f"{MIN_BUDGET_FACTOR:g}x longer, too short a step to pass, while a fall of "
             f"{MAX_BUDGET_GAIN:.0%} or more still fails; *no longer training*: the next "
             "budget trains as long, so the test does not apply); *other settings*: the next "
             "budget differs in more than "
             "training length, so the test does not apply; the longest budget cannot be "
             "tested. *per seed [95% CI]*: the same change seed by seed (the geometric "
             "mean of the baseline's per-seed error ratios, next budget over this one) "
             "with its paired t-interval, and where that interval lies against the test's "
             f"bar of -{MAX_BUDGET_GAIN:.0%}: wholly above it (*{SIDES[True]}*), wholly "
             f"below it (*{SIDES[False]}*) or across it (*{SIDES[None]}*: the seeds cannot "
             "tell).", "",
             "| configuration | budget | baseline | next budget | per seed [95% CI] | primary "
             "| change [95% CI] | p (t) | verdict |", "|---|---|---|---|---|---|---|---|---|"]
    sentences = []
    for family, configs in axis.items():
        verdicts, cells = [], _held_out(configs)
        for c, held in zip(configs, cells):
            base, p = c.role("baseline"), c.primary
            prim = c.arms.get(p.arm) if p else None
            lines.append(f"| {family} | {c.budget} | {fmt(base.mean) if base else '–'} | "
                         f"{held.cell} | {held.interval} | {fmt(prim.mean) if prim else '–'} | "
                         + (f"{pct(p.relative_change)} [{pct(p.ratio_low - 1)}, "
                            f"{pct(p.ratio_high - 1)}] | {fmt(p.p_t, '.3f')} | {p.verdict} |"
                            if p else "– | – | no primary arm |"))
            if p is not None:  # a baseline-only budget serves the held-out test alone
                verdicts.append((c.budget, p.verdict))
        tested = [(c.budget + (f" ({ONE_SEED})" if h.fragile else ""), h.ok)
                  for c, h in zip(configs, cells) if h.ok is not None]
        passed = [budget for budget, ok in tested if ok]
        held = ("The held-out test applies to none of its budgets." if not tested else
                "Its baseline has converged by the held-out test at "
                + (", ".join(passed) if passed else f"none of the {len(tested)} budget(s) "
                   "tested") + "." + _sides(configs, cells))
        if len(verdicts) >= 2:
            changed = len({v for _, v in verdicts}) > 1
            verdict = f"the verdict {'changes' if changed else 'does not change'} with the budget"
        else:
            verdict = "a verdict at one budget only" if verdicts else "no budget has a verdict"
        listed = f" ({'; '.join(f'{b}: {v}' for b, v in verdicts)})" if verdicts else ""
        sentences.append(f"- {family}: {verdict}{listed}. {held}")
    return lines + ["", *sentences]
