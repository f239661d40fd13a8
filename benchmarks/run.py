"""physym benchmarks: expansion overhead, adapter overhead, solver throughput, reference generation,
accuracy, scaling.

Usage::

    python benchmarks/run.py [--device auto|cpu|cuda] [--only X[,Y]] [--repeats N] [--quick]
                             [--threads N] [--budget B] [--seeds K] [--problems P[,Q]]
                             [--preset NAME] [--out DIR]

Each benchmark writes ``<name>.json`` (raw numbers, settings, machine, software versions,
load) and ``<name>.md`` (table, targets met or missed, notes) to ``--out`` (default
``benchmarks/results``), and ``README.md`` there joins every benchmark's markdown. Running a
subset (``--only``) replaces only those files. ``--quick`` uses tiny sizes: it checks that
the scripts work and measures nothing worth publishing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn)

from physym.threads import apply_thread_limit

from _common import (BUDGETS, ORDER, Context, environment, print_result, write_result,
                     write_summary)

#: Benchmark name -> module next to this script.
MODULES = {"overhead": "bench_overhead", "adapter": "bench_adapter", "solvers": "bench_solvers",
           "accuracy": "bench_accuracy", "scaling": "bench_scaling", "images": "bench_images",
           "pinn": "bench_pinn", "pinn_profile": "bench_pinn_profile",
           "references": "bench_references"}
DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse and validate the command line (exit code 2 with one line on a bad value)."""
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n")[0])
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument("--only", type=_csv, default=ORDER,
                   help=f"comma-separated subset of {','.join(ORDER)} (default: all)")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed repetitions per arm (default 7; 2 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes: check the scripts, measure nothing")
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads of torch, BLAS and OpenMP (default 1: stable timings on "
                        "shared cores)")
    p.add_argument("--budget", choices=BUDGETS, default=None,
                   help="accuracy: training budget (default: paper on a GPU, standard on the "
                        "CPU, smoke with --quick)")
    p.add_argument("--seeds", type=int, default=None,
                   help="accuracy: seeds per arm (default: the budget's own)")
    p.add_argument("--problems", type=_csv, default=None,
                   help="accuracy: comma-separated operator problems (default: all)")
    p.add_argument("--preset", default="smoke",
                   help="scaling: study preset name or .toml path (default smoke)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="folder for the JSON and markdown results (default benchmarks/results)")
    args = p.parse_args(argv)
    unknown = [name for name in args.only if name not in MODULES]
    if unknown or not args.only:
        p.error(f"--only must name some of {', '.join(ORDER)}, got {','.join(args.only) or '(empty)'}")
    for name in ("repeats", "threads", "seeds"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name} must be a positive integer, got {value}")
    try:
        args.device = _resolve_device(args.device)
    except ValueError as exc:
        p.error(str(exc))
    if args.repeats is None:
        args.repeats = 2 if args.quick else 7
    return args


def _resolve_device(text: str) -> torch.device:
    from physym.runner import resolve_device  # noqa: PLC0415

    return resolve_device(text)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; return the process exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    os.environ.setdefault("WANDB_MODE", "disabled")
    apply_thread_limit(args.threads)  # torch, BLAS and OpenMP, the pools loaded later too
    console = Console(width=None if sys.stdout.isatty() else 160)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    selected = [name for name in ORDER if name in args.only]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        ctx = Context(device=args.device, repeats=args.repeats, quick=args.quick,
                      threads=args.threads, budget=args.budget, seeds=args.seeds,
                      problems=args.problems, out=args.out, preset=args.preset,
                      console=console,
                      progress=progress)
        for name in selected:
            module = importlib.import_module(MODULES[name])
            progress.console.print(f"{name}: running ({module.TITLE})", highlight=False)
            env = environment(args.device)
            start = time.perf_counter()
            result = module.run(ctx)
            env["wall_time_s"] = round(time.perf_counter() - start, 1)
            env["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
            json_path, _ = write_result(result, env, args.out)
            progress.console.print(f"{name}: {env['wall_time_s']} s, wrote {json_path}")
            print_result(result, console)
    summary = write_summary(args.out)
    console.print(f"summary: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
