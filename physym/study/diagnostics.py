"""Report sections on how a study's runs ran, rather than what they found.

* :func:`convergence_lines`, the ``Convergence`` section: per configuration and arm, how many
  runs met the criterion of :mod:`physym.convergence`, stopped early, stalled or restarted
  L-BFGS, and (operators) the held-out error over the training loss; the runs that stalled,
  and those that stopped at their optimiser's tolerance with the criterion unmet;
* :func:`machine_lines`, the ``Machines`` section, present when the records ran on more than
  one kind of machine (:func:`machine`): another device, GPU or processor (its vector
  instruction set included) sums float32 in another order, and training amplifies that, so
  a seed pair across machines compares the machines too (``docs/study.md``,
  *Reproducibility across machines*).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from physym._text import fmt
from physym.convergence import TAIL_FRACTION, generalisation_ratio
from physym.spec import RunSpec
from physym.study.arms import budget_label
from physym.study.preset import Arm, config_label
from physym.study.stats import natural_key

__all__ = ["convergence_lines", "machine", "machine_lines"]


def _in_order(rows: dict[tuple[str, str], Any]) -> list[tuple[tuple[str, str], Any]]:
    """``{(configuration, arm): value}`` items in configuration (natural) then arm order."""
    return sorted(rows.items(), key=lambda kv: (natural_key(kv[0][0]), kv[0][1]))


def _row(spec: RunSpec) -> tuple[str, str]:
    """A record's report row: its configuration with the budget name, and its arm (a
    configuration at two budgets gives two rows, as its seed pairs are made per budget)."""
    return f"{config_label(spec)} ({spec.budget})", Arm.of(spec).label


def convergence_lines(records: list[dict[str, Any]]) -> list[str]:
    """The ``Convergence`` section: per configuration and arm, how many recorded runs met
    the criterion of :mod:`physym.convergence`; every run whose optimiser stalled, and every
    run whose optimiser stopped at its own tolerance before its limit while the criterion
    is unmet."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ratios: dict[tuple[str, str], list[float]] = {}
    stalled, at_tolerance = [], []
    for r in records:
        t = r.get("training")
        if r["status"] != "ok" or not t:
            continue
        spec = RunSpec.from_dict(r["spec"])
        row = _row(spec)
        rows.setdefault(row, []).append(t)
        if (ratio := generalisation_ratio(r)) is not None:
            ratios.setdefault(row, []).append(ratio)
        if t.get("stalled"):
            phase = next((p for p in t["phases"] if p["stop"] == "no progress"), {})
            stalled.append(f"- `{r['key']}` {config_label(spec)}, {Arm.of(spec).label}, seed "
                           f"{spec.seed}: {phase.get('optimizer')} stopped after "
                           f"{phase.get('iterations')} of {phase.get('limit')} iterations "
                           "(no progress)")
        if not t.get("converged") and (phase := _tolerance_stop(t)):
            at_tolerance.append(
                f"- `{r['key']}` {config_label(spec)}, {Arm.of(spec).label}, seed {spec.seed}:"
                f" {phase['optimizer']} stopped at its tolerance after {phase['iterations']} "
                f"of {phase['limit']} iterations; best loss still fell "
                f"{fmt(t.get('tail_drop'), '.1%')} over the last {TAIL_FRACTION:.0%} of its "
                "iterations")
    if not rows:
        return []
    criterion = next(iter(rows.values()))[0].get("criterion", "")
    lines = ["", "## Convergence", "",
             f"Criterion: the run has converged when its {criterion}. Runs whose optimiser "
             "stalled (stopped for no progress before 10% of its iterations) are listed below; "
             "the statistics above count them and flag them (the per-configuration *stalled* "
             "column repeats each verdict without their seed pairs).", "",
             "*stopped early*: a phase that stopped for no progress before its limit; "
             "*restarted*: L-BFGS started again with a fresh history after such a stop "
             "(`lbfgs_restarts`); *test / train* (operators): the median over runs of the "
             "held-out error over the last epoch's training loss, the same relative L2 "
             "(`physym.convergence.generalisation_ratio`): near 1, the error follows the "
             "training loss, and a longer budget lowers it for as long as that still falls; "
             "well above 1, a generalisation gap has opened.", "",
             "| configuration | arm | recorded | converged | stopped early | stalled | restarted "
             "| median tail drop | test / train |", "|---|---|---|---|---|---|---|---|---|"]
    for row, ts in _in_order(rows):
        label, arm = row
        drops = [t["tail_drop"] for t in ts if isinstance(t.get("tail_drop"), (int, float))]
        early = sum(any(p["stop"] == "no progress" and p["iterations"] < p["limit"]
                        for p in t["phases"]) for t in ts)
        restarted = sum(any(p.get("restarts", 0) for p in t["phases"]) for t in ts)
        lines.append(f"| {label} | {arm} | {len(ts)} | {sum(bool(t['converged']) for t in ts)} "
                     f"| {early} | {sum(bool(t['stalled']) for t in ts)} | {restarted} | "
                     f"{fmt(float(np.median(drops)), '.1%') if drops else '–'} | "
                     f"{fmt(float(np.median(ratios[row])), '.2f') if row in ratios else '–'} |")
    if stalled:
        lines += ["", "Stalled runs:", "", *stalled]
    if at_tolerance:
        lines += ["", "Stopped at the optimiser's own tolerance before the limit, while the "
                  "loss criterion is unmet (the optimiser calls these runs done, the loss "
                  "test does not; the limit did not end them, so a longer budget trains them "
                  "no further):", "", *at_tolerance]
    return lines


def _tolerance_stop(training: dict[str, Any]) -> dict[str, Any] | None:
    """The last phase of a ``training`` record that stopped at its optimiser's tolerance
    before its limit, or ``None``."""
    return next((p for p in reversed(training["phases"])
                 if p["stop"] == "tolerance" and p["iterations"] < p["limit"]), None)


def machine(record: dict[str, Any]) -> str:
    """The kind of machine a record ran on, from its ``device`` and ``provenance.hardware``.

    ``cuda: NVIDIA H200`` on a GPU; ``cpu: AMD EPYC 7B13 (family 25, model 1), AVX2`` on a
    processor (its torch CPU capability last); ``cpu, processor not recorded`` for a
    record written before records stored their hardware (physym 181bef9).
    """
    kind = str(record.get("device") or "unknown").split(":")[0]
    hardware = (record.get("provenance") or {}).get("hardware") or {}
    if kind == "cuda" and hardware.get("gpu"):
        return f"cuda: {hardware['gpu']}"
    if kind != "cuda" and hardware.get("cpu"):
        return f"{kind}: {hardware['cpu']}, {hardware.get('cpu_capability', 'unknown')}"
    return f"{kind}, {'GPU' if kind == 'cuda' else 'processor'} not recorded"


def machine_lines(records: list[dict[str, Any]]) -> list[str]:
    """The ``Machines`` section (see the module docstring); empty on one kind of machine.

    One row per configuration (at its budget) and arm: its successful runs counted by
    :func:`machine`.
    """
    kinds: dict[tuple[str, str], dict[str, int]] = {}
    budgets: dict[str, dict[str, set[str]]] = {}  # family -> budget -> baseline machines
    for r in records:
        if r["status"] == "ok":
            spec = RunSpec.from_dict(r["spec"])
            per = kinds.setdefault(_row(spec), {})
            kind = machine(r)
            per[kind] = per.get(kind, 0) + 1
            if Arm.of(spec).role == "baseline":
                family = budgets.setdefault(config_label(spec, overrides=False), {})
                family.setdefault(budget_label(spec), set()).add(kind)
    if len({k for per in kinds.values() for k in per}) < 2:
        return []
    mixed = sum(len(per) > 1 for per in kinds.values())
    across = sorted((f for f, per in budgets.items()
                     if len(per) >= 2 and len(set().union(*per.values())) > 1), key=natural_key)
    budget_note = ("" if not across else
                   f" In {len(across)} configuration(s) the baselines of its budgets ran on "
                   "different machines, so the *Budget* section's held-out test between those "
                   "budgets compares the machines too: " + ", ".join(across) + ".")
    return ["", "## Machines", "",
            "These records ran on more than one kind of machine (device, GPU, or processor "
            "and its vector instruction set). Another machine sums float32 in another order "
            "and training amplifies it: a CPU-vs-GPU pair differs by a few percent in a long "
            "run, and the `quick` preset re-run on another CPU moved a median 0.15%, up to "
            "54% (`docs/study.md`, *Reproducibility across machines*). A seed pair across "
            f"machines compares the machines too; {mixed} configuration-arm row(s) below mix "
            f"machines within one arm.{budget_note}", "",
            "| configuration | arm | runs by machine |", "|---|---|---|"] + [
        f"| {label} | {arm} | " + "; ".join(f"{n} on {k}" for k, n in sorted(per.items())) + " |"
        for (label, arm), per in _in_order(kinds)]
