"""Figures of a study report (matplotlib object API, no pyplot state).

* :func:`plot_improvement` — the paper-style bar chart: relative error change of the primary
  setting per configuration with its 95% interval, coloured by verdict;
* :func:`plot_error_vs_expansion` — error relative to the baseline against ``n`` for every
  configuration (geometric mean over paired seeds, primary fill and default layout);
* :func:`plot_budget_effect` — the budget axis: the primary setting's error ratio against the
  budget, one line per configuration that ran at two or more budgets.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from physym.io import atomic_path
from physym.study.arms import parse_budget_label
from physym.study.breakdown import SIDES, budget_axis, held_out_places
from physym.study.stats import PAPER_FRACTION, ConfigStats, StudyStats

__all__ = ["LEGEND_BESIDE", "plot_improvement", "plot_error_vs_expansion", "plot_budget_effect"]

_COLOURS = {"improved": "#2a9d4b", "worse": "#c0392b", "no significant change": "#8c8c8c",
            "insufficient": "#d0d0d0"}
#: Lower panel of :func:`plot_budget_effect`: the held-out test's per-seed interval against
#: its bar (:func:`~physym.study.breakdown.held_out_places`), as (marker, filled).
_PLACES = {SIDES[True]: ("o", True), SIDES[None]: ("o", False), SIDES[False]: ("x", True)}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # noqa: PLC0415

    return Figure(figsize=(width, height), layout="constrained")


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png", bbox_inches="tight")  # long labels
    return path


def _plain_log_labels(ax) -> None:
    """A log y-axis that spans less than a decade labels its ticks ``0.98``, not ``9.8 x 10^-1``."""
    if ax.get_yscale() != "log":
        return
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    low, high = ax.get_ylim()
    if 0 < low and high < 10 * low:
        plain = FuncFormatter(lambda v, _: f"{v:.3g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)


def plot_improvement(st: StudyStats, path: Path) -> Path:
    """Horizontal bars: the error ratio per configuration (log axis), bars = 95% interval."""
    rows = [c for c in st.configs if c.primary is not None and c.primary.n_pairs > 0]
    fig = _figure(11.0, 1.4 + 0.38 * max(1, len(rows)))
    ax = fig.add_subplot()
    if rows:
        y = np.arange(len(rows))[::-1]
        ratio = np.array([c.primary.ratio for c in rows])
        low = np.array([c.primary.ratio_low for c in rows])
        high = np.array([c.primary.ratio_high for c in rows])
        err = np.vstack([np.where(np.isfinite(low), ratio - low, 0.0),
                         np.where(np.isfinite(high), high - ratio, 0.0)])
        # bars grow from 1 (no change) on a log axis: halving and doubling look alike
        ax.barh(y, ratio - 1.0, left=1.0, xerr=err,
                color=[_COLOURS[c.primary.verdict] for c in rows],
                capsize=3, edgecolor="black", linewidth=0.5)
        ax.set_yticks(y, [c.label for c in rows], fontsize=8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("error ratio expanded / baseline (geometric mean over seeds, 95% CI; "
                  "< 1 = better)", fontsize=9)
    h = st.headline
    frac = h["fraction_improved"]
    ax.set_title(f"{st.primary_label}: {h['improved']}/{h['counted']} improved"
                 + (f" ({100 * frac:.0f}%)" if math.isfinite(frac) else "")
                 + f"; paper ≈{100 * PAPER_FRACTION:.0f}%", fontsize=10)
    for verdict, colour in _COLOURS.items():
        ax.bar(0, 0, color=colour, label=verdict)
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)


#: Beyond this many lines the legend of :func:`plot_error_vs_expansion` goes below the axes,
#: in two columns, so that the axes keep their width.
LEGEND_BESIDE = 12
#: With the 10 default colours, the markers that tell the 11th line and on from the 1st.
_MARKERS = ("o", "s", "^", "D", "v", "P")


def plot_error_vs_expansion(st: StudyStats, path: Path) -> Path:
    """Error / baseline error against ``n`` (log scale), one line per configuration.

    Each line has its own colour and marker (10 colours, then the next marker), and beyond
    :data:`LEGEND_BESIDE` lines the legend goes below the axes in two columns, the figure
    growing to hold it."""
    configs = [c for c in st.configs if c.primary is not None]
    below = len(configs) > LEGEND_BESIDE
    fig = _figure(9.0 if below else 7.5, 4.5 + (0.15 * math.ceil(len(configs) / 2) if below
                                                else 0.0))
    ax = fig.add_subplot()
    fill = None
    for i, c in enumerate(configs):
        fill, layout = c.primary.arm.fill, c.primary.arm.layout
        by_arm = {x.arm: x for x in c.comparisons}
        points = [(0, 1.0)] + sorted(
            (arm.n, by_arm[arm].ratio) for arm in c.arms
            if arm.role == "expanded" and math.isclose(arm.fill, fill) and arm.layout == layout
            and arm in by_arm and math.isfinite(by_arm[arm].ratio))
        ns, ratios = zip(*points)
        ax.plot(ns, ratios, marker=_MARKERS[(i // 10) % len(_MARKERS)], color=f"C{i % 10}",
                linewidth=1, label=c.label)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xlabel("auxiliary constants n")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("error / baseline error (geometric mean over seeds)")
    if fill is not None:
        ax.set_title(f"fill = {fill:.4g}", fontsize=10)
    if below:
        fig.legend(fontsize=6, loc="outside lower center", ncols=2)
    elif configs:
        ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, path)


def _budget_ticks(budgets: list[str]) -> list[str]:
    """What tells one configuration's budget labels (``name [key=value, ...]``) apart: the
    name where the names differ, then the overrides whose values differ, one per line."""
    parsed = [parse_budget_label(b) for b in budgets]
    names_differ = len({name for name, _ in parsed}) > 1
    keys = sorted({k for _, pairs in parsed for k in pairs},
                  key=lambda k: min(list(p).index(k) for _, p in parsed if k in p))
    varying = [k for k in keys if len({pairs.get(k) for _, pairs in parsed}) > 1]
    ticks = []
    for (name, pairs), b in zip(parsed, budgets):
        parts = ([name] if names_differ else []) + [f"{k}={pairs[k]}" for k in varying
                                                     if k in pairs]
        ticks.append("\n".join(parts) or b)
    return ticks


def _baseline_means(xs: list[float], configs: list[ConfigStats]) -> list[tuple[float, float]]:
    """(x, mean baseline error) at each budget of one configuration, the mean taken over the
    seeds every budget's baseline ran (a longer budget run on fewer seeds would otherwise
    move the line by the seeds it left out), or over all its seeds where no seed is common."""
    arms = [(x, c.role("baseline")) for x, c in zip(xs, configs)]
    arms = [(x, a) for x, a in arms if a is not None and a.errors]
    common = set.intersection(*(set(a.errors) for _, a in arms)) if arms else set()
    means = [(x, float(np.mean([e for s, e in a.errors.items() if not common or s in common])))
             for x, a in arms]
    return [(x, m) for x, m in means if m > 0]


def plot_budget_effect(st: StudyStats, path: Path) -> Path:
    """Error ratio expanded / baseline (log axis, 95% CI) against the budget, one line per
    configuration with two or more budgets; markers coloured by verdict. A lower panel shows
    the baseline's mean error at each budget (log axis), over the seeds all the
    configuration's budgets ran: where it flattens, the baseline has converged (the held-out
    test of :mod:`physym.convergence`); a large marker gives where the per-seed interval of
    that test lies against its bar (filled circle: clear pass; open circle: undecided;
    cross: clear fail).

    Configurations that all ran at the same budgets share one budget axis. Otherwise each
    gets its own stretch of the axis, its budgets ticked by what sets them apart (a
    configuration's label may carry its own overrides)."""
    axis = budget_axis(st)
    shared = len({tuple(c.budget for c in cs) for cs in axis.values()}) == 1
    slots: dict[str, list[float]] = {}
    ticks: list[tuple[float, str]] = []
    start = 0
    for family, configs in axis.items():
        budgets = [c.budget for c in configs]
        if shared and ticks:
            slots[family] = [x for x, _ in ticks]
            continue
        slots[family] = [float(start + i) for i in range(len(budgets))]
        ticks += zip(slots[family], budgets if shared else _budget_ticks(budgets))
        start += len(budgets) + 1  # a gap between configurations
    fig = _figure(max(7.5, 3.0 + 0.9 * len(ticks)), 6.5)
    ax, low_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for k, (family, configs) in enumerate(axis.items()):
        pts = [(x, c.primary) for x, c in zip(slots[family], configs)
               if c.primary is not None and c.primary.n_pairs > 0]
        if not pts:
            continue
        # bars that would overlap, spread symmetrically about the budget (none with one line)
        dodge = 0.04 * (k - (len(axis) - 1) / 2) if shared else 0.0
        x = np.array([i for i, _ in pts]) + dodge
        r = np.array([p.ratio for _, p in pts])
        low = np.array([p.ratio_low if math.isfinite(p.ratio_low) else p.ratio for _, p in pts])
        high = np.array([p.ratio_high if math.isfinite(p.ratio_high) else p.ratio for _, p in pts])
        line = ax.errorbar(x, r, yerr=np.vstack([r - low, high - r]), marker="", capsize=3,
                           linewidth=1.2, label=family)
        ax.scatter(x, r, c=[_COLOURS[p.verdict] for _, p in pts], s=40, zorder=3,
                   edgecolors=line[0].get_color())
        base = _baseline_means(slots[family], configs)
        if base:
            colour = line[0].get_color()
            low_ax.plot([b[0] for b in base], [b[1] for b in base], marker="o", markersize=4,
                        linewidth=1.2, color=colour)
            means = dict(base)
            for x0, place in zip(slots[family], held_out_places(configs)):
                if place is not None and x0 in means:
                    marker, filled = _PLACES[place]
                    face = {"color": colour} if marker == "x" else {
                        "facecolors": colour if filled else "none", "edgecolors": colour}
                    low_ax.scatter([x0], [means[x0]], s=70, marker=marker, zorder=3,
                                   linewidths=1.5, label=place, **face)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    labels, xlabel = [label for _, label in ticks], "budget"
    keys = {label.partition("=")[0] for label in labels if "=" in label}
    if not shared and len(keys) == 1 and all(label.count("=") == 1 for label in labels):
        labels, xlabel = [label.partition("=")[2] for label in labels], keys.pop()
    # turn the ticks where neighbouring labels would run into each other (~14 characters of
    # 7-8 pt text per inch of axis)
    width = [max(len(line) for line in label.split("\n")) for label in labels]
    per_unit = 14 * (fig.get_figwidth() - 1.5) / (max((x for x, _ in ticks), default=0) + 1)
    wide = any((width[i] + width[i + 1]) / 2 > per_unit * (ticks[i + 1][0] - ticks[i][0])
               for i in range(len(ticks) - 1))
    low_ax.set_xticks([x for x, _ in ticks], labels, fontsize=8 if shared else 7,
                      rotation=25 if wide else 0, ha="right" if wide else "center")
    low_ax.set_xlabel(xlabel if shared else f"{xlabel} (per configuration: what differs)")
    if low_ax.lines:
        low_ax.set_yscale("log")
    low_ax.set_ylabel("baseline error (mean over\nthe seeds all its budgets ran)")
    if low_ax.collections:  # one legend entry per place drawn, in black
        from matplotlib.lines import Line2D  # noqa: PLC0415

        drawn = {c.get_label() for c in low_ax.collections}
        low_ax.legend([Line2D([], [], linestyle="", marker=_PLACES[p][0], markersize=7,
                              color="black", markerfacecolor="black" if _PLACES[p][1]
                              else "none") for p in _PLACES if p in drawn],
                      [p for p in _PLACES if p in drawn], fontsize=7, loc="best",
                      title="held-out test, per-seed 95% interval", title_fontsize=7)
    ax.set_ylabel("error ratio expanded / baseline\n(geometric mean, 95% CI; < 1 = better)")
    ax.set_title(f"{st.primary_label}: the effect against the training budget", fontsize=10)
    if axis:
        ax.legend(fontsize=7, loc="best")
    for a in (ax, low_ax):
        _plain_log_labels(a)
    return _save(fig, path)
