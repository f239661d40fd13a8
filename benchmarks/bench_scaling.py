"""Scaling of a study with its executor: 1 process, 2 processes, a 2-worker Dask LocalCluster.

Each configuration runs ``physym study --preset PRESET --out FRESH_DIR`` (``--preset`` of
``run.py``, default ``smoke``) (the command line a
user types) in a subprocess and is timed end to end: start-up, every run of the preset, the
statistics and the report. All configurations share one data cache, filled by an untimed
warm-up study first, so no configuration pays for data generation. Repetitions run the
configurations in rotating order. Every worker gets the same torch threads (``--threads`` of
``run.py``, default 1), so the configurations differ only in how many runs proceed at once.

If the ``physym study`` command is not available the benchmark reports that and skips.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from _common import Context, Result, fmt_sig

NAME = "scaling"
PRESET = "smoke"
TITLE = f"Study wall time by executor (`physym study --preset {PRESET}`)"
#: The command that runs a study; ``--preset``, ``--out`` and executor options follow.
STUDY_COMMAND: tuple[str, ...] = (sys.executable, "-m", "physym", "study")
CONFIGS: dict[str, tuple[str, ...]] = {
    "1 worker (--workers 1)": ("--workers", "1"),
    "2 processes (--workers 2)": ("--workers", "2"),
    "Dask LocalCluster, 2 workers (--dask-local 2)": ("--dask-local", "2"),
}
HEADERS = ["executor", "wall s (median)", "wall s (all repetitions)", "speed-up vs 1 worker",
           "status"]


def study_available(command: Sequence[str] = STUDY_COMMAND) -> bool:
    """Whether ``command --help`` exits 0, i.e. the study command exists."""
    try:
        proc = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def planned_runs(preset: str, command: Sequence[str] = STUDY_COMMAND) -> int | None:
    """Runs in ``preset``, from ``physym study --dry-run`` (``None`` if it cannot be read)."""
    with tempfile.TemporaryDirectory(prefix="physym-bench-plan-") as out:
        proc = subprocess.run([*command, "--preset", preset, "--out", out, "--dry-run"],
                              capture_output=True, text=True, timeout=300)
    match = re.search(r"(\d+) runs", proc.stdout + proc.stderr)
    return int(match.group(1)) if proc.returncode == 0 and match else None


def _run_study(args: Sequence[str], env: dict[str, str], common: Sequence[str],
               command: Sequence[str]) -> dict[str, Any]:
    out = tempfile.mkdtemp(prefix="physym-bench-study-")
    cmd = [*command, "--out", out, *common, *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "returncode": proc.returncode,
            "report": (Path(out) / "report.md").is_file(),
            "stderr_tail": proc.stderr[-2000:] if proc.returncode else ""}


def skipped(reason: str, preset: str = PRESET) -> Result:
    """A result that records why the benchmark did not run."""
    result = Result(NAME, TITLE.replace(PRESET, preset), HEADERS)
    result.table = [[name, "—", "—", "—", f"skipped: {reason}"] for name in CONFIGS]
    result.rows = [{"executor": name, "skipped": reason} for name in CONFIGS]
    result.notes = [f"Skipped: {reason}."]
    return result


def run(ctx: Context, command: Sequence[str] = STUDY_COMMAND) -> Result:
    """Time the study preset under each executor (``min(repeats, 3)`` repetitions)."""
    if not study_available(command):
        return skipped("physym study not available")
    repeats = 1 if ctx.quick else min(ctx.repeats, 3)
    task = ctx.progress.add_task("scaling · warm-up", total=1 + repeats * len(CONFIGS))
    cache = tempfile.mkdtemp(prefix="physym-bench-data-")
    env = {**os.environ, "PHYSYM_DATA": cache, "WANDB_MODE": "disabled", "MPLBACKEND": "Agg"}
    device = str(ctx.device)
    preset = ctx.preset
    n_runs = planned_runs(preset, command)
    common = ("--preset", preset, "--device", device, "--threads", str(ctx.threads))
    warm = _run_study(CONFIGS["1 worker (--workers 1)"], env, common, command)
    ctx.progress.advance(task)
    if warm["returncode"] != 0:
        return skipped(f"the warm-up study failed (exit {warm['returncode']}): "
                       f"{warm['stderr_tail'].strip().splitlines()[-1:]}", preset)
    names = list(CONFIGS)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            ctx.progress.update(task, description=f"scaling · {name.split(' (')[0]}")
            runs[name].append(_run_study(CONFIGS[name], env, common, command))
            ctx.progress.advance(task)
    result = Result(NAME, TITLE.replace(PRESET, preset), HEADERS)
    ok = lambda name: [x["wall_s"] for x in runs[name] if x["returncode"] == 0]  # noqa: E731
    base = float(np.median(ok(names[0]))) if ok(names[0]) else float("nan")
    for name in names:
        walls = ok(name)
        med = float(np.median(walls)) if walls else float("nan")
        failed = [x for x in runs[name] if x["returncode"] != 0]
        status = "ok" if not failed else f"{len(failed)} of {len(runs[name])} failed"
        result.rows.append({"executor": name, "args": list(CONFIGS[name]), "runs": runs[name],
                            "wall_s_median": med, "speedup": base / med if walls else None})
        result.table.append([name, fmt_sig(med), ", ".join(f"{w:.1f}" for w in walls) or "—",
                             fmt_sig(base / med if walls else None), status])
    result.settings = {"preset": preset, "planned_runs": n_runs, "repeats": repeats,
                       "warmup_studies": 1, "device": device, "cpu_count": os.cpu_count(),
                       "threads_per_worker": ctx.threads,
                       "command": " ".join(["physym", "study", "--out", "DIR", *common,
                                            "[executor options]"])}
    result.notes = [
        f"Wall time of the whole command (interpreter start, the {n_runs or 'unknown number of'}"
        f" runs of preset `{preset}`, "
        f"statistics, report) per configuration, {repeats} repetition(s) in rotating order "
        "after one untimed warm-up study that fills the shared data cache. Every worker "
        f"uses {ctx.threads} torch thread(s) (`--threads {ctx.threads}`, run.py's `--threads`), "
        "so the executors differ only in how many runs proceed at once; with the study's "
        f"default (cores / workers threads) a single worker would use {os.cpu_count()} "
        "threads, which on "
        "cores shared with other jobs can make it several times slower.",
        f"This machine has {os.cpu_count()} cores shared with other work. The runs of the "
        "`smoke` preset take about a second each, so fixed costs (process and cluster "
        "start-up, imports in every worker) dominate; larger presets (`--preset quick`, "
        "about 30 min with 2 workers on 2 cores) amortise them.",
    ]
    return result
