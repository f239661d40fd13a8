"""Estimate how long a study preset takes on this machine, from short pilot runs.

For every model configuration of the preset, the baseline (seed 0) is trained with the
preset's budget shrunk to a few epochs / iterations, once to warm up and then at two or
three sizes, and the full
run's time is extrapolated linearly in the work (``fixed + cost x steps``):

* operators: 1 and 2 epochs on a pilot training set of ``2 x batch_size`` samples at the
  budget's resolution -> cost per sample-epoch, times ``n_train x epochs``;
* image classifiers: 1 and 2 epochs on the budget's training set -> cost per epoch;
* PINNs and MLPs: Adam ``a`` and ``2a`` iterations (no L-BFGS), then ``a`` Adam + ``l``
  and ``2l`` L-BFGS iterations -> cost per Adam and per L-BFGS iteration, and the L-BFGS
  phase's fixed cost (L-BFGS stopping early on its tolerance would make the real run
  shorter: the estimate is an upper bound there).

Data generation is timed separately (a pilot data set at the budget's resolution, so the
per-sample solver cost is measured too) and added once per data set. Every arm of a
configuration is assumed to cost what its baseline costs (expansion adds a few first-layer
weights; see ``benchmarks/run.py --only overhead``).

PINN training methods: each configuration (problem x model x method x engine x budget) is
piloted with its own method and engine. With ``--method-factors DIR`` only the default
method is piloted, and every other method's cost is that times the ratio of its median
``train_time`` to the default method's in the records of the study in ``DIR`` (e.g.
``benchmarks/results/study-methods-burgers``: the seven methods on one problem at one
budget); a grid of 21 problems x 7 methods then needs 21 pilots instead of 140.

Usage::

    python benchmarks/estimate_study.py paper [--workers 2] [--threads 1] [--device cpu]
        [--method-factors DIR] [--pilot-adam 100] [--pilot-lbfgs 50] [--resume]

Writes ``benchmarks/results/estimate_<preset>.json`` after every configuration (``complete``
false until the last), and prints a table at the end. A preset whose pilots take longer than
one sitting (``paper`` on a CPU) is finished in pieces: ``--resume`` keeps the rows of an
incomplete file written with the same settings and pilots only the configurations it lacks;
``pieces`` records when each piece ended and the load average then. After the preset changed
(its number of runs differs), ``--resume`` also takes a complete file: configurations still
in the preset keep their per-run time (their run count follows the preset), those no longer
in it are dropped, and only the new ones are piloted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from physym.data import generate
from physym.io import atomic_path
from physym.runner import RunSpec, prepare, resolve_device, run, training_budget
from physym.study.preset import load_preset
from physym.threads import apply_thread_limit

console = Console()


def _timed(spec: RunSpec, device: torch.device, **overrides: int) -> float:
    over = dict(spec.budget_overrides) | {k: str(v) for k, v in overrides.items()}
    spec = dataclasses.replace(spec, budget_overrides=tuple(sorted(over.items())))
    result = run(spec, device=device)
    if result.status != "ok":
        raise RuntimeError(f"pilot {spec.problem}/{spec.model} failed: {result.reason}")
    return float(result.train_time)


def _operator_estimate(spec: RunSpec, budget, device) -> dict:
    n_pilot, bs = 2 * budget.batch_size, budget.batch_size
    problem = prepare(spec)[0]
    start = time.perf_counter()
    generate(problem, n=n_pilot + bs, resolution=budget.resolution, seed=12345, device=device)
    per_sample_data = (time.perf_counter() - start) / (n_pilot + bs)
    pilot = dict(n_train=n_pilot, n_test=bs)
    _timed(spec, device, epochs=1, **pilot)  # warm-up: imports, allocator, data cache
    t1 = _timed(spec, device, epochs=1, **pilot)
    t2 = _timed(spec, device, epochs=2, **pilot)
    per_sample_epoch = max(t2 - t1, 1e-9) / n_pilot
    fixed = max(t1 - per_sample_epoch * n_pilot, 0.0)
    return {"train_s": fixed + per_sample_epoch * budget.n_train * budget.epochs,
            "data_s": per_sample_data * (budget.n_train + budget.n_test),
            "pilot": {"t_epoch1": t1, "t_epoch2": t2, "n_pilot": n_pilot,
                      "data_s_per_sample": per_sample_data}}


def _epoch_estimate(spec: RunSpec, budget, device) -> dict:
    """Image classifiers: 1 and 2 epochs on the budget's own training set."""
    _timed(spec, device, epochs=1)  # warm-up: imports, data loading and caching
    t1 = _timed(spec, device, epochs=1)
    t2 = _timed(spec, device, epochs=2)
    per_epoch = max(t2 - t1, 1e-9)
    fixed = max(t1 - per_epoch, 0.0)
    return {"train_s": fixed + per_epoch * budget.epochs, "data_s": 0.0,
            "pilot": {"t_epoch1": t1, "t_epoch2": t2}}


def _iterative_estimate(spec: RunSpec, budget, device, *, adam: int = 100, lbfgs: int = 50) -> dict:
    _timed(spec, device, adam_iterations=10, lbfgs_iterations=0)  # warm-up (DeepXDE import)
    t1 = _timed(spec, device, adam_iterations=adam, lbfgs_iterations=0)
    t2 = _timed(spec, device, adam_iterations=2 * adam, lbfgs_iterations=0)
    per_adam = max(t2 - t1, 1e-9) / adam
    fixed = max(t1 - per_adam * adam, 0.0)
    per_lbfgs = lbfgs_fixed = 0.0
    if budget.lbfgs_iterations:
        # two sizes, as for Adam: the phase has a fixed cost of its own (the float64 copy of
        # the network and, on the jet engine, its loss compiled again), which one size
        # would spread over the pilot's few iterations
        t3 = _timed(spec, device, adam_iterations=adam, lbfgs_iterations=lbfgs)
        t4 = _timed(spec, device, adam_iterations=adam, lbfgs_iterations=2 * lbfgs)
        per_lbfgs = max(t4 - t3, 0.0) / lbfgs
        lbfgs_fixed = max(t3 - t1 - per_lbfgs * lbfgs, 0.0)
    return {"train_s": fixed + per_adam * budget.adam_iterations + lbfgs_fixed
            + per_lbfgs * budget.lbfgs_iterations, "data_s": 0.0,
            "pilot": {"t_adam": t1, "t_adam2": t2, "per_adam_s": per_adam,
                      "per_lbfgs_s": per_lbfgs, "lbfgs_fixed_s": lbfgs_fixed}}


def method_factors(root: Path) -> dict[str, float]:
    """Median ``train_time`` of each PINN method's runs in a study's records, relative to the
    default method's (``adam-lbfgs``); ``{}`` when the study has no default-method runs."""
    times: dict[str, list[float]] = {}
    for path in sorted((root / "records").glob("*.json")):
        r = json.loads(path.read_text())
        if r.get("status") == "ok" and r.get("train_time"):
            times.setdefault(r["spec"].get("method") or "adam-lbfgs", []).append(r["train_time"])
    median = {m: sorted(v)[len(v) // 2] for m, v in times.items()}
    base = median.get("adam-lbfgs")
    return {m: t / base for m, t in median.items()} if base else {}


def _result(args: argparse.Namespace, name: str, specs: list, device: torch.device,
            factors: dict | None, rows: list[dict], total_train: float, total_data: float, *,
            complete: bool) -> dict:
    """The estimate as written to ``estimate_<preset>.json``; ``complete`` is False while
    configurations are still being piloted (``configs`` then lists those done so far)."""
    return {
        "preset": name, "runs": len(specs), "workers": args.workers, "complete": complete,
        "threads": args.threads, "device": str(device),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "loadavg_at_end": os.getloadavg(),
        "estimated_train_s": total_train, "estimated_data_s": total_data,
        "estimated_wall_s": total_data + total_train / args.workers, "configs": rows,
        "method_factors": {"source": str(args.method_factors), "factors": factors}
        if factors is not None else None,
        "pilot": {"adam": args.pilot_adam, "lbfgs": args.pilot_lbfgs},
    }


#: Fields that must match for ``--resume`` to reuse an earlier file's rows (``runs`` may
#: differ: the preset changed, and each row's run count is taken from the preset again).
_SETTINGS = ("preset", "workers", "threads", "device", "pilot", "method_factors")


def _resumed(args: argparse.Namespace, name: str, fresh: dict) -> tuple[dict, list]:
    """The rows of an incomplete ``estimate_<name>.json`` (or of a complete one for a
    preset that has changed since: another number of runs) written with the settings of
    ``fresh``, keyed by configuration, budget and overrides, and its pieces; ``({}, [])``
    without a file. ``ValueError`` names the setting that differs, or a complete file of the
    same preset, or an unreadable file."""
    path = args.out / f"estimate_{name}.json"
    if not path.is_file():
        return {}, []
    try:
        old = json.loads(path.read_text())
        rows, pieces = {_row_key(r): r for r in old["configs"]}, old.get("pieces", [])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{str(path)!r} is not an estimate file ({exc})") from None
    if old.get("complete") and old.get("runs") == fresh["runs"]:
        raise ValueError(f"{str(path)!r} is complete; leave out --resume to estimate again")
    for key in _SETTINGS:
        if old.get(key) != fresh[key]:
            raise ValueError(f"{str(path)!r} has {key} {old.get(key)!r}, this run "
                             f"{fresh[key]!r}; give the same settings or another --out")
    if not pieces:  # written before pieces were recorded: its one piece
        pieces = [{"ended": old.get("date"), "loadavg_at_end": old.get("loadavg_at_end"),
                   "configs": len(rows)}]
    return rows, pieces


def _row_key(row: dict) -> tuple:
    return row["config"], row["budget"], tuple(sorted(row["overrides"].items()))


def _write(args: argparse.Namespace, name: str, result: dict) -> None:
    """Write the file whole (a run killed while writing leaves the previous one)."""
    with atomic_path(args.out / f"estimate_{name}.json") as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--workers", type=int, default=1,
                        help="parallel workers the study would use (divides the training time)")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads (torch, BLAS, OpenMP) per pilot run")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results",
                        help="folder that estimate_<preset>.json is written to "
                             "(default benchmarks/results)")
    parser.add_argument("--method-factors", type=Path, default=None, metavar="DIR",
                        help="pilot the default PINN method only; scale the others by their "
                             "measured cost ratios in the study records of DIR")
    parser.add_argument("--pilot-adam", type=int, default=100,
                        help="Adam steps of the shorter PINN/MLP pilot (default 100)")
    parser.add_argument("--pilot-lbfgs", type=int, default=50,
                        help="L-BFGS iterations of the L-BFGS pilot (default 50)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows of an incomplete estimate_<preset>.json in --out "
                             "written with the same settings; pilot only the rest")
    args = parser.parse_args()
    if min(args.pilot_adam, args.pilot_lbfgs, args.workers, args.threads) < 1:
        parser.error("--pilot-adam, --pilot-lbfgs, --workers and --threads must be positive")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out: {str(args.out)!r} is a file; give the folder that "
                     "estimate_<preset>.json is written to")
    factors = method_factors(args.method_factors) if args.method_factors else None
    if args.method_factors and not factors:
        parser.error(f"--method-factors: no adam-lbfgs runs in {str(args.method_factors)!r}")
    apply_thread_limit(args.threads)  # torch, BLAS and OpenMP, the pools a pilot loads too
    device = resolve_device(args.device)
    preset = load_preset(args.preset)
    specs = preset.specs()
    groups: dict[tuple, list[RunSpec]] = {}
    for s in specs:
        groups.setdefault((s.problem, s.task, s.model, s.method, s.engine, s.params, s.budget,
                           s.budget_overrides), []).append(s)
    rows, data_seen, total_train, total_data = [], set(), 0.0, 0.0
    piloted: dict[tuple, dict] = {}
    reused = 0  # rows kept from the file resumed
    try:
        done, pieces = _resumed(args, preset.name, _result(
            args, preset.name, specs, device, factors, [], 0.0, 0.0, complete=False)) \
            if args.resume else ({}, [])
    except ValueError as exc:
        parser.error(f"--resume: {exc}")
    if done:
        console.log(f"resuming: {len(done)} configuration(s) piloted before")

    def write(*, complete: bool) -> dict:
        result = _result(args, preset.name, specs, device, factors, rows, total_train,
                         total_data, complete=complete)
        result["pieces"] = [*pieces, {"ended": result["date"],
                                      "loadavg_at_end": result["loadavg_at_end"],
                                      "configs": len(rows) - reused}]
        _write(args, preset.name, result)
        return result

    for key, members in groups.items():
        data_key = (key[0], key[1], key[5], key[6], key[7])
        config = "/".join(map(str, key[:3])) + (f"+{key[3]}" if key[3] else "")
        row_key = _row_key({"config": config, "budget": key[6], "overrides": dict(key[7])})
        base = next(s for s in members if s.expansion.n == 0 and s.options.is_default
                    and s.seed == 0)
        problem, _, budget = prepare(base)
        method = base.method or "adam-lbfgs"
        factor, pilot_key = 1.0, key
        if factors is not None and problem.kind == "pinn":
            factor = factors.get(method, 1.0)
            pilot_key = key[:3] + (None,) + key[4:]
            if method == "adam":  # adam's own budget (no L-BFGS), piloted by the default method
                budget = training_budget(base)
                factor, pilot_key = 1.0, pilot_key + ("adam",)
                base = dataclasses.replace(base, budget_overrides=tuple(sorted(
                    (dict(base.budget_overrides)
                     | {"lbfgs_iterations": str(budget.lbfgs_iterations)}).items())))
            base = dataclasses.replace(base, method=None)
        if row_key in done:  # piloted in an earlier piece: its pilot serves the other methods
            row = done[row_key]
            if row["runs"] != len(members):  # the preset changed: its run count, same pilot
                row = dict(row, runs=len(members), train_s=row["per_run_s"] * len(members))
            piloted.setdefault(pilot_key, {"train_s": row["per_run_s"] / row["method_factor"],
                                           "data_s": row["data_s"], "pilot": row["pilot"]})
            rows.append(row)
            reused += 1
            total_train += row["train_s"]
            total_data += row["data_s"] if data_key not in data_seen else 0.0
            data_seen.add(data_key)
            continue
        if pilot_key not in piloted:
            console.log(f"pilot {key[0]}/{key[1]}/{key[2]}"
                        + (f"+{base.method}" if base.method else "") + f" ({len(members)} runs)")
            piloted[pilot_key] = (
                _operator_estimate(base, budget, device) if problem.kind == "operator"
                else _epoch_estimate(base, budget, device) if problem.kind == "classification"
                else _iterative_estimate(base, budget, device, adam=args.pilot_adam,
                                         lbfgs=args.pilot_lbfgs))
        est = dict(piloted[pilot_key], train_s=piloted[pilot_key]["train_s"] * factor)
        data_s = est["data_s"] if data_key not in data_seen else 0.0
        data_seen.add(data_key)
        train = est["train_s"] * len(members)
        total_train += train
        total_data += data_s
        rows.append({"config": config,
                     "budget": key[6], "overrides": dict(key[7]), "runs": len(members),
                     "per_run_s": est["train_s"], "train_s": train, "data_s": data_s,
                     "method_factor": factor, "pilot": est["pilot"]})
        # after every configuration, so that a run stopped by a time limit leaves its pilots
        write(complete=False)
    result = write(complete=True)
    wall = result["estimated_wall_s"]
    table = Table(title=f"estimated run time of preset {preset.name} on {device} "
                        f"({args.workers} worker(s), {args.threads} thread(s) each)")
    for col in ("configuration", "runs", "s / run", "training min", "data min"):
        table.add_column(col, justify="left" if col == "configuration" else "right")
    for r in rows:
        table.add_row(r["config"], str(r["runs"]), f"{r['per_run_s']:.1f}",
                      f"{r['train_s'] / 60:.1f}", f"{r['data_s'] / 60:.1f}")
    table.add_row(f"total (wall, {args.workers} worker(s))", str(len(specs)), "",
                  f"{total_train / 60 / args.workers:.1f}", f"{total_data / 60:.1f}")
    console.print(table)
    console.print(f"estimated wall time: {wall / 60:.0f} min ({wall / 3600:.1f} h)")


if __name__ == "__main__":
    main()
