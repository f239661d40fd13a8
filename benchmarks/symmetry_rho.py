"""Does the replica metric after a few steps predict the error after full training?

The claim under test (arXiv 2409.06402): a measure of symmetry breaking evaluates an
architecture or technique without training it to the end. For every configuration of a
suite (one problem and budget; techniques none / expansion n / dropout / batch norm) this
script measures

* the replica metric (:func:`physym.symmetry.measure`): R replicas, S full-batch Adam
  steps, the mean over layers of the replica distance D, of the drift Δ and of the
  excess D - D(init), together with the held-out error after the S steps;
* the final held-out error after full training with the suite's budget
  (:func:`physym.runner.run`, seeds 0..K-1, mean over seeds);

and reports Spearman's ρ (``scipy.stats.spearmanr``) with its p-value between each
metric and the final error, per suite and pooled over suites (on ranks within each suite,
so that problems with different error scales can be pooled). The error after S steps is
reported as a baseline predictor: a metric is only useful if it does better than it.

Results are written, after every configuration (so a killed run resumes), to
``OUT/symmetry_rho.json``, and at the end to ``OUT/symmetry_rho.md``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/symmetry_rho.py      # ~15 min on 1 CPU thread
    python benchmarks/symmetry_rho.py --no-operators         # PINN and MLP suites only (~11 min)
    python benchmarks/symmetry_rho.py --smoke --out /tmp/rho # seconds: plumbing only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger("symmetry_rho")

#: The metrics correlated with the final error; the last one is the baseline predictor.
PREDICTORS = {"D": "replica distance D", "drift": "drift Δ", "excess": "excess D − D(init)",
              "short_error": "error after S steps (baseline)"}


@dataclass(frozen=True)
class Config:
    """One technique on one suite's model."""

    technique: str = "none"  # none | dropout | batchnorm
    n: int = 0
    fill: str = "pi"

    @property
    def label(self) -> str:
        if self.n:
            return f"expand n={self.n} ({'π' if self.fill == 'pi' else self.fill})"
        return {"none": "none", "dropout": "dropout 0.1", "batchnorm": "batch norm"}[self.technique]


@dataclass(frozen=True)
class Suite:
    """A problem, its budgets and the configurations compared on it."""

    name: str
    problem: str
    task: str | None
    layout: str
    budget: str  # final training
    seeds: int  # final training seeds
    replicas: int
    steps: int
    data_fraction: float
    configs: tuple[Config, ...]


COORDINATE = (Config(), Config(n=1), Config(n=2), Config(n=4), Config(n=8), Config(n=4, fill="0"),
              Config("dropout"), Config("batchnorm"))


def suites(*, operators: bool = True, smoke: bool = False) -> list[Suite]:
    """The suites of the benchmark (``smoke``: tiny budgets, two configurations each)."""
    out = [Suite("burgers-pinn", "burgers", "pinn", "append", "quick", 1, 4, 200, 1.0, COORDINATE),
           Suite("qcd-mlp", "qcd_eos", None, "append", "quick", 3, 4, 200, 1.0, COORDINATE)]
    if operators:
        out.append(Suite("burgers-fno", "burgers", "operator", "channels", "quick", 1, 3, 20,
                         0.25, (*(Config(n=n) for n in (0, 1, 2, 4, 8)), Config(n=4, fill="0"))))
    if smoke:
        out = [dataclasses.replace(s, budget="smoke", seeds=1, replicas=2, steps=3,
                                   configs=s.configs[:1] + s.configs[-1:] if s.task != "operator"
                                   else s.configs[:2]) for s in out]
    return out


def _spec(suite: Suite, cfg: Config, *, seed: int) -> Any:
    from physym.expansion import Expansion
    from physym.runner import RunSpec
    from physym.measure import technique_options

    return RunSpec(suite.problem, suite.task, None, Expansion(cfg.n, cfg.fill, suite.layout),
                   seed, suite.budget, options=technique_options(cfg.technique))


def run_config(suite: Suite, cfg: Config, *, device: str) -> dict[str, Any]:
    """Measure the metric and train to the end; one JSON-ready record."""
    from physym.runner import run
    from physym.measure import measure

    start = time.perf_counter()
    ds = measure(_spec(suite, cfg, seed=0), replicas=suite.replicas, steps=suite.steps,
                 data_fraction=suite.data_fraction, device=device)
    metric_time = time.perf_counter() - start
    results = [run(_spec(suite, cfg, seed=k), device=device) for k in range(suite.seeds)]
    errors = [r.error if r.status == "ok" else math.nan for r in results]
    return {
        "suite": suite.name, "config": dataclasses.asdict(cfg), "label": cfg.label,
        "D": float(ds["distance_mean"]), "D_init": float(ds["distance_init_mean"]),
        "drift": float(ds["drift_mean"]),
        "excess": float(ds["distance_mean"] - ds["distance_init_mean"]),
        "short_error": float(ds["error"].mean()), "final_errors": errors,
        "final_error": float(np.mean(errors)) if all(map(math.isfinite, errors)) else math.nan,
        "failed": [r.reason for r in results if r.status != "ok"],
        "metric_time": metric_time, "final_time": time.perf_counter() - start - metric_time,
    }


def _within_ranks(values: list[float], groups: list[str]) -> np.ndarray:
    """Ranks scaled to (0, 1) within each group: ``(rank - 0.5) / n``."""
    from scipy.stats import rankdata

    out = np.empty(len(values))
    for g in set(groups):
        idx = [i for i, h in enumerate(groups) if h == g]
        out[idx] = (rankdata([values[i] for i in idx]) - 0.5) / len(idx)
    return out


def correlations(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spearman's ρ of every predictor with the final error, per suite and pooled."""
    from scipy.stats import spearmanr

    ok = [r for r in records if math.isfinite(r["final_error"])]
    rows = []
    for scope in [*sorted({r["suite"] for r in ok}), "pooled (within-suite ranks)"]:
        sub = ok if scope.startswith("pooled") else [r for r in ok if r["suite"] == scope]
        groups = [r["suite"] for r in sub]
        for key, name in PREDICTORS.items():
            x = [r[key] for r in sub]
            y = [r["final_error"] for r in sub]
            if scope.startswith("pooled"):
                x, y = _within_ranks(x, groups), _within_ranks(y, groups)
            rho, p = (spearmanr(x, y) if len(sub) >= 3 else (math.nan, math.nan))
            rows.append({"scope": scope, "predictor": name, "key": key, "rho": float(rho),
                         "p": float(p), "n": len(sub)})
    return rows


def machine() -> dict[str, Any]:
    import torch

    import physym

    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "torch": torch.__version__,
            "physym": physym.__version__}


def write_markdown(path: Path, payload: dict[str, Any]) -> None:
    """The human-readable report: settings, one row per configuration, the ρ table."""
    from physym.io import atomic_path

    lines = ["# Symmetry metric vs final error (benchmarks/symmetry_rho.py)", "",
             f"Created {payload['created']} on {payload['machine']['processor']} "
             f"({payload['machine']['cpu_count']} CPUs, {payload['machine']['torch_threads']} "
             f"torch thread(s), torch {payload['machine']['torch']}); training time "
             f"{payload['compute_time'] / 60:.1f} min (metric and final runs, all "
             f"configurations).", "", f"Command: `{payload['command']}`", "",
             "| suite | final budget | seeds | R | S | data fraction |", "|---|---|---|---|---|---|"]
    for s in payload["suites"]:
        lines.append(f"| {s['name']} | {s['budget']} | {s['seeds']} | {s['replicas']} | "
                     f"{s['steps']} | {s['data_fraction']:g} |")
    lines += ["", "| suite | configuration | D | D(init) | Δ | D − D(init) | error after S | "
              "final error |", "|---|---|---|---|---|---|---|---|"]
    for r in payload["records"]:
        lines.append(f"| {r['suite']} | {r['label']} | {r['D']:.4f} | {r['D_init']:.4f} | "
                     f"{r['drift']:.4f} | {r['excess']:+.4f} | {r['short_error']:.3e} | "
                     f"{r['final_error']:.3e} |")
    lines += ["", "Spearman's ρ between each predictor and the final error (negative: more of "
              "the predictor, lower error):", "", "| scope | predictor | ρ | p | N |",
              "|---|---|---|---|---|"]
    for c in payload["correlations"]:
        lines.append(f"| {c['scope']} | {c['predictor']} | {c['rho']:+.3f} | {c['p']:.3g} | "
                     f"{c['n']} |")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--no-operators", action="store_true", help="leave out the FNO suite")
    parser.add_argument("--smoke", action="store_true", help="tiny budgets: check the plumbing")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads of torch, BLAS and OpenMP (default 1)")
    parser.add_argument("--fresh", action="store_true", help="ignore results of an earlier run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    logger.setLevel(logging.INFO)
    from physym.io import write_json
    from physym.threads import apply_thread_limit

    apply_thread_limit(args.threads)  # torch, BLAS and OpenMP, the pools loaded later too
    chosen = suites(operators=not args.no_operators, smoke=args.smoke)
    settings = json.loads(json.dumps([dataclasses.asdict(s) for s in chosen]))  # as stored
    json_path = args.out / "symmetry_rho.json"
    done: dict[tuple[str, str], dict[str, Any]] = {}
    if json_path.exists() and not args.fresh:
        old = json.loads(json_path.read_text())
        old_suites = {s["name"]: s for s in old.get("suites", [])}
        done = {(r["suite"], r["label"]): r for r in old.get("records", [])
                if old_suites.get(r["suite"]) in settings}
        logger.info("resuming: %d configuration(s) already measured", len(done))
    payload: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]), "machine": machine(), "suites": settings,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "records": []}
    start = time.perf_counter()
    for suite in chosen:
        for cfg in suite.configs:
            record = done.get((suite.name, cfg.label)) or run_config(suite, cfg, device=args.device)
            payload["records"].append(record)
            logger.info("%s / %s: D %.4f, drift %.4f, final error %.3e (%.0f s + %.0f s)",
                        suite.name, cfg.label, record["D"], record["drift"],
                        record["final_error"], record["metric_time"], record["final_time"])
            payload["wall_time"] = time.perf_counter() - start
            write_json(json_path, payload)
    payload["compute_time"] = sum(r["metric_time"] + r["final_time"] for r in payload["records"])
    payload["correlations"] = correlations(payload["records"])
    write_json(json_path, payload)
    write_markdown(args.out / "symmetry_rho.md", payload)
    for c in payload["correlations"]:
        print(f"{c['scope']:<28} {c['predictor']:<32} rho {c['rho']:+.3f}  p {c['p']:.3g}  N {c['n']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
