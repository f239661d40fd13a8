"""``physym report DIR``: ``report.md``, ``results.nc`` and figures from a study's records.

Everything here is rebuilt from ``DIR/records/*.json`` (and the analysis settings in
``DIR/study.json`` when present), so a report can be regenerated at any time, also while a
study is still running or after it was killed.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from physym._text import fmt, pct
from physym.io import atomic_path, json_safe, write_netcdf
from physym.study.breakdown import (breakdown_dict, breakdown_lines, budget_axis, budget_dict,
                                    budget_lines)
from physym.study.diagnostics import convergence_lines, machine_lines
from physym.study.plots import plot_budget_effect, plot_error_vs_expansion, plot_improvement
from physym.study.sensitivity import sensitivity, sensitivity_lines, sensitivity_sentence
from physym.study.stats import PAPER_FRACTION, ZERO_ERROR, ConfigStats, StudyStats, \
    analyse, reproduced_fraction
from physym.study.store import RecordStore

__all__ = ["load_study", "build_report", "stats_dataset"]


def _matched_sentence(h: dict[str, Any]) -> str:
    """How many configurations beat their parameter-matched control, of those that had one."""
    if not h.get("with_matched_control"):
        return "no parameter-matched control ran."
    return (f"{h['beats_matched_control']} of the {h['with_matched_control']} with a "
            "parameter-matched control beat it significantly.")


def _unlearned_sentence(h: dict[str, Any]) -> str:
    """Which configurations compare two models no better than predicting zero."""
    names = h.get("neither_learned", [])
    if not names:
        return ("In every configuration at least one of baseline and primary arm has a median "
                f"error below {ZERO_ERROR:g}, the error of predicting zero.")
    return (f"In {len(names)} configuration(s) neither the baseline nor the primary arm learned "
            f"(both median errors ≥ {ZERO_ERROR:g}, the error of predicting zero everywhere), "
            "so their verdicts compare untrained models: " + ", ".join(names) + ".")


def _stalled_sentence(h: dict[str, Any]) -> str:
    """Which configurations have a stalled baseline or primary run."""
    names = h.get("with_stalled", [])
    if not names:
        return "No baseline or primary run stalled."
    return (f"In {len(names)} configuration(s) a baseline or primary run stalled (its optimiser "
            "stopped for no progress early; see Convergence): " + ", ".join(names) + ". The "
            "row 'stalled seed pairs left out' repeats the count with those pairs removed.")


def _unstalled(c: ConfigStats) -> str:
    """The per-configuration cell: stalled seeds and the verdict without them."""
    if c.primary_unstalled is None:
        return "–"
    t = c.primary_unstalled
    seeds = ", ".join(str(s) for s in sorted(c.stalled_seeds))
    return f"seed {seeds}; without: {pct(t.relative_change)} ({t.verdict})"


def load_study(root: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[str]]:
    """``(study.json contents or {}, sound records by key, corrupt-record lines)``.

    Corrupt records are reported, not moved (a report never changes the store).
    """
    root = Path(root)
    meta: dict[str, Any] = {}
    path = root / "study.json"
    if path.is_file():
        try:
            meta = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable study file: {exc}") from None
        if not isinstance(meta, dict):
            raise ValueError(f"{str(path)!r} is not a physym study file (not a JSON object)")
    records, problems = RecordStore(root).load(quarantine=False)
    return meta, records, problems


def _ci(pair: tuple[float, float]) -> str:
    return "–" if not math.isfinite(pair[0]) else f"[{pair[0]:.2f}, {pair[1]:.2f}]"


def _by_seed(errors: dict[int, float]) -> str:
    """``0: 0.47, 1: 0.38``: an arm's error of every seed, in seed order."""
    return ", ".join(f"{seed}: {fmt(e, '.2g')}" for seed, e in sorted(errors.items())) or "–"


def _markdown(meta: dict[str, Any], st: StudyStats, n_records: int, failed: list[dict],
              missing: int, problems: list[str], records: list[dict[str, Any]],
              sens: dict[str, Any]) -> str:
    h = st.headline
    lines = [f"# physym study report: {meta.get('preset', 'unnamed')}", ""]
    if meta.get("description"):
        lines += [meta["description"], ""]
    lines += [
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} from {n_records} records "
        f"({len(failed)} failed, {missing} missing, {len(problems)} corrupt).", "",
        "## Headline", "",
        f"Primary setting **{st.primary_label}**, verdict by a paired t-test on log errors "
        f"over seeds at α = {st.alpha:g}.", "",
        "| count | configurations | fraction | Wilson 95% CI |", "|---|---|---|---|",
        f"| improved (significant) | {h['improved']} / {h['counted']} | "
        f"{fmt(h['fraction_improved'], '.2f')} | {_ci(h['fraction_improved_ci'])} |",
        f"| lower mean error (any size) | {h['lower_error']} / {h['counted']} | "
        f"{fmt(h['fraction_lower_error'], '.2f')} | {_ci(h['fraction_lower_error_ci'])} |",
        f"| improved at the best setting (Bonferroni) | {h['best_improved']} / {h['counted']} | "
        f"{fmt(h['fraction_best_improved'], '.2f')} | {_ci(h['fraction_best_improved_ci'])} |",
        f"| improved, excluding those where neither arm learned | {h['improved_learned']} / "
        f"{h['counted_learned']} | {fmt(h['fraction_improved_learned'], '.2f')} | "
        f"{_ci(h['fraction_improved_learned_ci'])} |",
        f"| improved, stalled seed pairs left out | {h['improved_unstalled']} / "
        f"{h['counted_unstalled']} | {fmt(h['fraction_improved_unstalled'], '.2f')} | "
        f"{_ci(h['fraction_improved_unstalled_ci'])} |",
        f"| paper (arXiv 2409.06402) | – | ≈{PAPER_FRACTION:.2f} | – |", "",
        f"{h['worse']} configuration(s) got significantly worse, {h['no_change']} showed no "
        f"significant change; {_matched_sentence(h)} {_unlearned_sentence(h)} "
        f"{_stalled_sentence(h)} {sensitivity_sentence(sens)}", *breakdown_lines(st), "",
        "## Per configuration", "",
        "Errors are relative L2 on held-out data, mean ± std over seeds. *change* is the "
        "geometric mean of the paired error ratios minus one, with its 95% interval.", "",
        "| configuration | baseline | primary | change [95% CI] | p (t) | p (Wilcoxon) | verdict "
        "| best setting | vs fill=0 | vs matched | params base/exp/matched | stalled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in st.configs:
        base = c.role("baseline")
        p = c.primary
        prim = c.arms.get(p.arm) if p else None
        ctrl = c.controls
        matched = c.role("matched")
        params = "/".join(fmt(a.n_params, ".0f") if a else "–" for a in (base, prim, matched))
        cell = (lambda a: f"{fmt(a.mean)} ± {fmt(a.std, '.1e')}" if a else "–")
        change = f"{pct(p.relative_change)} [{pct(p.ratio_low - 1)}, {pct(p.ratio_high - 1)}]" \
            if p else "–"
        best = f"{c.best.arm.label}: {pct(c.best.relative_change)} ({c.best.verdict})" if c.best else "–"
        vs = {k: f"{pct(v.relative_change)} ({v.verdict})" for k, v in ctrl.items()}
        lines.append(
            f"| {c.label} | {cell(base)} | {cell(prim)} | {change} | "
            f"{fmt(p.p_t, '.3f') if p else '–'} | {fmt(p.p_wilcoxon, '.3f') if p else '–'} | "
            f"{p.verdict if p else 'no primary arm'} | {best} | {vs.get('fill0', '–')} | "
            f"{vs.get('matched', '–')} | {params} | {_unstalled(c)} |")
    lines += sensitivity_lines(sens)
    lines += _mechanism(st)
    lines += budget_lines(st)
    lines += ["", "## All arms", "", "Errors by seed are relative L2 errors, seed: error.", "",
              "| configuration | arm | ok | failed | mean | median | errors by seed | "
              "change vs baseline | p (t) | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in st.configs:
        comp = {x.arm: x for x in c.comparisons}
        for a in c.arms.values():
            x = comp.get(a.arm)
            lines.append(f"| {c.label} | {a.label} | {len(a.errors)} | {a.n_failed} | "
                         f"{fmt(a.mean)} | {fmt(a.median)} | {_by_seed(a.errors)} | "
                         f"{pct(x.relative_change) if x else '–'} | "
                         f"{fmt(x.p_t, '.3f') if x else '–'} | {x.verdict if x else 'reference'} |")
    lines += convergence_lines(records)
    lines += machine_lines(records)
    if failed:
        lines += ["", "## Failed runs", ""]
        lines += [f"- `{r['key']}` {r['spec']['problem']}/{r['spec'].get('model')} seed "
                  f"{r['spec']['seed']}: {r.get('reason')}" for r in failed]
    if problems:
        lines += ["", "## Corrupt records (not counted; re-run by `physym study --resume`)", ""]
        lines += [f"- {p}" for p in problems]
    lines += ["", "Figures: `improvement.png` (primary setting per configuration), "
              "`error_vs_expansion.png`. Data: `results.nc`.", ""]
    return "\n".join(lines)


_BIAS_ROLES = ("bias_init", "bias_lr", "equivalent")


def _test(t: Any) -> str:
    return "–" if t is None else f"{pct(t.relative_change)}, p {fmt(t.p_t, '.3f')} ({t.verdict})"


def _reproduced(c: ConfigStats) -> str:
    """One sentence: what share of the expansion effect the equivalent control reproduces."""
    frac, p = reproduced_fraction(c), c.primary
    if p is None or c.comparison("equivalent") is None:
        return f"- {c.label}: no primary or no `equivalent` arm to compare."
    eq = c.comparison("equivalent")
    text = (f"- {c.label}: expansion changed the error by {pct(p.relative_change)} "
            f"({p.verdict}), the `equivalent` baseline by {pct(eq.relative_change)} "
            f"({eq.verdict}): it reproduces "
            f"{'–' if not math.isfinite(frac) else f'{100 * frac:.0f}%'} of the expansion effect "
            "(log-ratio of geometric-mean errors to the baseline)")
    if p.verdict not in ("improved", "worse"):
        text += "; the expansion effect itself is not significant, so the share means little"
    halves = [(r, x) for r in ("bias_init", "bias_lr") if (x := c.comparison(r)) is not None]
    if halves:
        text += "; alone, " + " and ".join(
            f"`{r}` {'changed it by' if i == 0 else 'by'} {pct(x.relative_change)} ({x.verdict})"
            for i, (r, x) in enumerate(halves))
    note = c.identity
    if note == "":
        text += ". Adam alone without weight decay: the identity is exact up to Adam's eps."
    elif note == "unknown":
        text += ". The budget could not be resolved: whether the identity is exact is unknown."
    else:
        text += f". The optimiser uses {note}: the identity is only approximate here."
    return text


def _mechanism(st: StudyStats) -> list[str]:
    """The "Mechanism" section: expanded against each bias-equivalent control."""
    configs = [c for c in st.configs if any(r in c.controls for r in _BIAS_ROLES)]
    if not configs:
        return []
    lines = ["", "## Mechanism: is expansion a first-layer bias?", "",
             "Through a linear first layer the constants are a bias `c·W_aux·1`. The "
             "bias-equivalent controls are baselines (n = 0): `bias_init` starts from the "
             "expanded network's initial function, `bias_lr` trains the first-layer bias at "
             "`1 + n|c|` times the learning rate, `equivalent` does both; under Adam without "
             "weight decay `equivalent` *is* the expanded network (docs/method.md). Each cell "
             "is the primary arm against the control, paired by seed (change of the error, "
             "p of the paired t-test, verdict). L-BFGS and weight decay break the identity.",
             "", "| configuration | expanded vs baseline | vs bias_init | vs bias_lr "
             "| vs equivalent | optimiser breaks the identity |", "|---|---|---|---|---|---|"]
    for c in configs:
        note = {"": "no (Adam only)", "unknown": "unknown"}.get(c.identity, c.identity)
        lines.append(f"| {c.label} | {_test(c.primary)} | "
                     + " | ".join(_test(c.controls.get(r)) for r in _BIAS_ROLES)
                     + f" | {note} |")
    lines += ["", *(_reproduced(c) for c in configs)]
    return lines


def stats_dataset(st: StudyStats, records: dict[str, dict[str, Any]],
                  sens: dict[str, Any] | None = None) -> Any:
    """An ``xarray.Dataset``: errors ``(config, arm, seed)`` and comparisons ``(config, arm)``;
    ``sens`` is :func:`~physym.study.sensitivity.sensitivity` of ``st`` (computed when
    ``None``)."""
    import xarray as xr  # noqa: PLC0415

    configs = [c.label for c in st.configs]
    arms = sorted({a.label for c in st.configs for a in c.arms})
    seeds = sorted({s for c in st.configs for a in c.arms.values() for s in a.errors}
                   | {r["spec"]["seed"] for r in records.values()})
    shape = (len(configs), len(arms))
    err = np.full(shape + (len(seeds),), np.nan)
    ratio, p_t, params = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    verdict = np.full(shape, "", dtype=object)
    for i, c in enumerate(st.configs):
        comp = {x.arm.label: x for x in c.comparisons}
        by_label = {a.label: a for a in c.arms.values()}
        for j, name in enumerate(arms):
            a = by_label.get(name)
            if a is None:
                continue
            params[i, j] = a.n_params
            for s, e in a.errors.items():
                err[i, j, seeds.index(s)] = e
            if name in comp:
                ratio[i, j], p_t[i, j] = comp[name].ratio, comp[name].p_t
                verdict[i, j] = comp[name].verdict
    h = {k: (list(v) if isinstance(v, tuple) else v) for k, v in st.headline.items()}
    return xr.Dataset(
        {"error": (("config", "arm", "seed"), err, {"long_name": "relative L2 error"}),
         "ratio_to_baseline": (("config", "arm"), ratio,
                               {"long_name": "geometric mean of paired error ratios"}),
         "p_paired_t": (("config", "arm"), p_t),
         "verdict": (("config", "arm"), verdict.astype(str)),
         "n_params": (("config", "arm"), params)},
        coords={"config": configs, "arm": arms, "seed": seeds},
        attrs={"headline": json.dumps(h), "by_group": json.dumps(breakdown_dict(st)),
               "sensitivity": json.dumps(json_safe(sens if sens is not None else sensitivity(st)),
                                         allow_nan=False),
               "budget": json.dumps(json_safe(budget_dict(st)), allow_nan=False),
               "alpha": st.alpha, "primary": st.primary_label},
    )


def build_report(root: Path) -> tuple[StudyStats, list[Path]]:
    """Write ``report.md``, ``results.nc``, ``improvement.png`` and ``error_vs_expansion.png``.

    Raises
    ------
    ValueError
        When ``root`` holds no sound record.
    """
    root = Path(root)
    meta, records, problems = load_study(root)
    if not records:
        raise ValueError(f"{str(root)!r} holds no study records (looked in {root / 'records'})")
    analysis = meta.get("analysis", {})
    st = analyse(records.values(), primary_n=analysis.get("primary_n", 4),
                 primary_fill=analysis.get("primary_fill", math.pi),
                 alpha=analysis.get("alpha", 0.05))
    failed, sens = [r for r in records.values() if r["status"] != "ok"], sensitivity(st)
    corrupt_keys = {line.split(".json:")[0] for line in problems}  # counted once, as corrupt
    missing = len(set(meta.get("keys", [])) - set(records) - corrupt_keys)
    written = []
    path = root / "report.md"
    with atomic_path(path) as tmp:
        tmp.write_text(_markdown(meta, st, len(records), failed, missing, problems,
                                 list(records.values()), sens))
    written.append(path)
    write_netcdf(root / "results.nc", stats_dataset(st, records, sens))
    written.append(root / "results.nc")
    written.append(plot_improvement(st, root / "improvement.png"))
    written.append(plot_error_vs_expansion(st, root / "error_vs_expansion.png"))
    if budget_axis(st):
        written.append(plot_budget_effect(st, root / "budget_effect.png"))
    return st, written
