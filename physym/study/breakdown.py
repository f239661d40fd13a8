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
groups such configurations by family, in budget order, for the report's "Budget" section and
figure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

from physym._text import fmt
from physym.budgets import BUDGET_NAMES
from physym.models.pinn_methods import DEFAULT_METHOD
from physym.study.arms import parse_budget_label
from physym.study.stats import ConfigStats, StudyStats, counted, verdict_counts, wilson

__all__ = ["GroupCount", "GROUPINGS", "breakdown", "breakdown_dict", "breakdown_lines",
           "budget_axis"]


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
