"""The GPU path, verified in one short script (issue 18, item 5): ``benchmarks/gpu_check.sh``.

Four checks, each recorded in one JSON file (``--out``):

1. **every task at the smoke budget** on ``--device``: every registered problem x task x
   model (image tasks on their own small data), baseline and n = 4, through
   :func:`physym.runner.run`; each must finish with a finite error on the device asked for;
2. **the smoke study with several workers** (``physym study --preset smoke --workers W``,
   W = 4 on a GPU): W spawned processes, each its own CUDA context, every record ``ok`` and
   on the device;
3. **throughput**: the same fixed list of runs through the study executor with 1, 2, 4, ...
   workers on the one device, as runs per hour (the number that sizes a GPU study);
4. **CPU-vs-device agreement**: one Burgers PINN and one Burgers FNO run at the smoke budget
   on the CPU and on ``--device``; their errors must agree within :data:`AGREEMENT_RTOL`
   (float32 kernels differ in summation order; 40 optimiser steps keep that small).

With ``--device cpu`` the same script runs on a CPU-only machine (CI does; agreement is then
CPU against CPU). It exits 1 when a check fails and says which, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Largest relative difference between the CPU and the device error of one smoke run.
AGREEMENT_RTOL = 0.05
#: The runs of the agreement check: (problem, task, model).
AGREEMENT_RUNS = (("burgers", "pinn", "fnn"), ("burgers", "operator", "fno"))


def _log(msg: str) -> None:
    print(f"[gpu_check {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _tasks() -> list[tuple[str, str, str]]:
    """Every (problem, task, model) of the registry's built-in problems."""
    from physym.registry import available, get_problem  # noqa: PLC0415

    out = []
    for name in available():
        family = get_problem(name)
        for task in family.tasks:
            cls = family.task(task)
            if cls.kind == "classification" and name == "cifar10":
                continue  # reads a CIFAR folder the user has; digits covers the image path
            out += [(name, task, model) for model in cls.models]
    return out


def _spec(problem: str, task: str, model: str, n: int, *, seed: int = 0, budget: str = "smoke"):
    from physym import Expansion, RunSpec  # noqa: PLC0415
    from physym.registry import get_problem  # noqa: PLC0415

    cls = get_problem(problem).task(task)
    layout = cls.layouts_for(model)[0]
    fill = 0.5 if layout == "interleave" else math.pi
    # the problem's smaller smoke reference where its default one takes long to generate
    return RunSpec(problem, task, model, Expansion(n, fill, layout), seed, budget,
                   params=tuple(cls.smoke_params.items()))


def check_tasks(device: str) -> dict[str, Any]:
    from physym.runner import run  # noqa: PLC0415

    rows, failed = [], []
    for problem, task, model in _tasks():
        for n in (0, 4):
            start = time.perf_counter()
            try:
                r = run(_spec(problem, task, model, n), device=device)
            except Exception as exc:  # noqa: BLE001 -- one broken task must not hide the rest
                rows.append({"problem": problem, "task": task, "model": model, "n": n,
                             "status": "crashed", "error": math.nan, "device": device,
                             "reason": f"{type(exc).__name__}: {exc}",
                             "seconds": round(time.perf_counter() - start, 2)})
                failed.append(f"{problem}/{task}/{model} n={n}: crashed, {rows[-1]['reason']}")
                continue
            row = {"problem": problem, "task": task, "model": model, "n": n,
                   "status": r.status, "error": r.error, "device": r.device,
                   "seconds": round(time.perf_counter() - start, 2)}
            ok = (r.status == "ok" and math.isfinite(r.error)
                  and str(r.device).split(":")[0] == device.split(":")[0])
            if not ok:
                failed.append(f"{problem}/{task}/{model} n={n}: {r.status} {r.reason or ''} "
                              f"on {r.device}")
            rows.append(row)
        mine = rows[-2:]
        _log(f"smoke {problem}/{task}/{model}: {mine[0]['status']} {mine[0]['error']:.3g} / "
             f"{mine[1]['status']} {mine[1]['error']:.3g} "
             f"({mine[0]['seconds'] + mine[1]['seconds']:.1f} s)")
    return {"runs": rows, "failed": failed, "passed": not failed}


def check_study(device: str, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "physym", "study", "--preset", "smoke",
                               "--workers", str(workers), "--threads", "1", "--device", device,
                               "--out", tmp], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        records = [json.loads(p.read_text()) for p in Path(tmp, "records").glob("*.json")]
    bad = [r["key"] for r in records if r["status"] != "ok"
           or str(r.get("device", "")).split(":")[0] != device.split(":")[0]]
    passed = proc.returncode == 0 and records and not bad
    _log(f"smoke study, {workers} workers: {len(records)} records, {len(bad)} bad, "
         f"{seconds:.1f} s, rc {proc.returncode}")
    return {"workers": workers, "records": len(records), "bad": bad, "seconds": seconds,
            "returncode": proc.returncode, "passed": bool(passed),
            "stderr_tail": proc.stderr[-2000:] if not passed else ""}


def check_throughput(device: str, workers_list: list[int], runs: int,
                     steps: int) -> dict[str, Any]:
    """The same ``runs`` Burgers PINN runs (quick budget, ``steps`` Adam steps, no L-BFGS)
    with each worker count; runs per hour from the wall time of the whole batch."""
    import dataclasses  # noqa: PLC0415

    from physym.study.executors import iter_records  # noqa: PLC0415

    base = dataclasses.replace(_spec("burgers", "pinn", "fnn", 0, budget="quick"),
                               budget_overrides=(("adam_iterations", str(steps)),
                                                 ("lbfgs_iterations", "0")))
    specs = [dataclasses.replace(base, seed=s) for s in range(runs)]
    rows = []
    for workers in workers_list:
        start = time.perf_counter()
        records = list(iter_records(specs, workers=workers, device=device, threads=1))
        seconds = time.perf_counter() - start
        ok = sum(r["status"] == "ok" for r in records)
        rows.append({"workers": workers, "runs": runs, "ok": ok, "seconds": round(seconds, 2),
                     "runs_per_hour": round(3600 * runs / seconds, 1)})
        _log(f"throughput, {workers} worker(s): {runs} runs in {seconds:.1f} s, "
             f"{rows[-1]['runs_per_hour']} runs/h")
    return {"runs": rows, "passed": all(r["ok"] == r["runs"] for r in rows),
            "settings": f"burgers/pinn/fnn quick, adam_iterations={steps}, lbfgs_iterations=0, "
                        "1 torch thread per worker, seeds 0.."
                        f"{runs - 1}, wall time of the batch including process start-up"}


def check_agreement(device: str) -> dict[str, Any]:
    from physym.runner import run  # noqa: PLC0415

    rows = []
    for problem, task, model in AGREEMENT_RUNS:
        spec = _spec(problem, task, model, 4)
        cpu, dev = run(spec, device="cpu"), run(spec, device=device)
        rel = abs(dev.error - cpu.error) / cpu.error if cpu.status == dev.status == "ok" \
            else math.inf
        rows.append({"run": f"{problem}/{task}/{model} n=4 smoke", "cpu": cpu.error,
                     "device": dev.error, "relative_difference": rel,
                     "passed": rel <= AGREEMENT_RTOL})
        _log(f"agreement {rows[-1]['run']}: cpu {cpu.error:.6g}, {device} {dev.error:.6g}, "
             f"relative difference {rel:.2e} (tolerance {AGREEMENT_RTOL:g})")
    return {"runs": rows, "tolerance": AGREEMENT_RTOL, "passed": all(r["passed"] for r in rows)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/gpu_check.json"),
                   help="JSON file of the results")
    p.add_argument("--workers", default=None,
                   help="comma-separated worker counts of the throughput check "
                        "(default 1,2,4,8 on a GPU, 1,2 on the CPU)")
    p.add_argument("--runs", type=int, default=None,
                   help="runs of the throughput check (default 8 on a GPU, 2 on the CPU)")
    p.add_argument("--steps", type=int, default=None,
                   help="Adam steps of each throughput run (default 1500 on a GPU, 300 on "
                        "the CPU)")
    p.add_argument("--study-workers", type=int, default=None,
                   help="workers of the smoke-study check (default 4 on a GPU, 2 on the CPU)")
    args = p.parse_args(argv)
    from physym.runner import resolve_device  # noqa: PLC0415

    try:
        args.device = str(resolve_device(args.device))
        cpu = args.device == "cpu"
        workers = args.workers or ("1,2" if cpu else "1,2,4,8")
        args.workers = [int(w) for w in workers.split(",")]
        args.runs = args.runs or (2 if cpu else 8)
        args.steps = args.steps or (300 if cpu else 1500)
        args.study_workers = args.study_workers or (2 if cpu else 4)
        if min(args.workers) < 1 or min(args.runs, args.steps, args.study_workers) < 1:
            raise ValueError("--workers, --runs, --steps and --study-workers must be positive")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(args.out.parent, os.W_OK):
            raise ValueError(f"--out: cannot write to {str(args.out.parent)!r}")
    except ValueError as exc:
        p.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch  # noqa: PLC0415

    sys.path.insert(0, str(Path(__file__).parent))  # benchmarks/_common (a script folder)
    from _common import environment  # noqa: PLC0415

    start = time.perf_counter()
    result: dict[str, Any] = {"environment": environment(torch.device(args.device))}
    _log(f"device {args.device} ({result['environment']['gpu'] or 'no GPU'})")
    checks = {
        "tasks": lambda: check_tasks(args.device),
        "study": lambda: check_study(args.device, args.study_workers),
        "throughput": lambda: check_throughput(args.device, args.workers, args.runs, args.steps),
        "agreement": lambda: check_agreement(args.device),
    }
    for name, check in checks.items():
        result[name] = check()
        result["complete"] = name == "agreement"
        result["seconds"] = round(time.perf_counter() - start, 1)
        # after every check, so that a run stopped by a time limit still leaves its results
        args.out.write_text(json.dumps(result, indent=1, default=str))
    result["passed"] = all(result[c]["passed"] for c in checks)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    failed = [c for c in checks if not result[c]["passed"]]
    _log(f"{'PASSED' if not failed else 'FAILED: ' + ', '.join(failed)} in "
         f"{result['seconds']:.0f} s; results in {args.out}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
