"""``physym study`` and ``physym report``: the reproducibility study of the method.

Usage errors (unknown or malformed preset, a directory holding another study, an
unreachable Dask scheduler, bad worker counts) print one line ``physym: error: ...`` and
exit with code 2 before any run starts.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from physym._text import fmt
from physym.cli._common import (UsageError, bar_draws, check_out_dir, device_option, err, fail, out,
                                progress_bar, setup_logging, verbose_option)

__all__ = ["study_command", "report_command", "run_line"]


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run_line(record: dict[str, Any], done: int, total: int, elapsed: float, *,
             parallel: int = 1) -> str:
    """One line for a finished run, for logs where no progress bar can draw.

    ``[done/total] configuration arm seed N: ok, error E, stalled, T s (elapsed H:MM:SS, eta
    H:MM:SS)``. The ETA is the runs left times this session's elapsed time per finished run,
    counting at least ``min(parallel, total)`` runs finished: ``parallel`` runs start
    together, so when the first of them ends the others are nearly done too (with two
    workers the first line would otherwise say twice the time left).
    """
    from physym.spec import RunSpec  # noqa: PLC0415
    from physym.study.arms import arm_label, config_label  # noqa: PLC0415

    spec = RunSpec.from_dict(record["spec"])
    if record["status"] == "ok":
        status = f"ok, error {fmt(record.get('error'))}"
        if (record.get("training") or {}).get("stalled"):
            status += ", stalled"
    else:
        status = f"failed: {record.get('reason') or 'no reason recorded'}"
    took = record.get("train_time")
    eta = elapsed / max(done, min(parallel, total)) * (total - done) if done else math.nan
    return (f"[{done}/{total}] {config_label(spec)} {arm_label(spec)} seed {spec.seed}: {status}"
            + (f", {took:.{1 if took < 10 else 0}f} s" if isinstance(took, (int, float)) else "")
            + f" (elapsed {_hms(elapsed)}, eta {_hms(eta) if math.isfinite(eta) else '–'})")


def _headline_table(st: Any) -> Table:
    h = st.headline
    table = Table(title=f"study headline ({st.primary_label}, α = {st.alpha:g})")
    for col in ("count", "configurations", "fraction", "Wilson 95% CI"):
        table.add_column(col, justify="left" if col == "count" else "right")

    def row(name: str, k: int, frac: float, ci: tuple[float, float]) -> None:
        table.add_row(name, f"{k}/{h['counted']}", "–" if not math.isfinite(frac) else f"{frac:.2f}",
                      "–" if not math.isfinite(ci[0]) else f"[{ci[0]:.2f}, {ci[1]:.2f}]")

    row("improved (paired t, significant)", h["improved"], h["fraction_improved"],
        h["fraction_improved_ci"])
    row("lower error (any size)", h["lower_error"], h["fraction_lower_error"],
        h["fraction_lower_error_ci"])
    row("improved at best setting (Bonferroni)", h["best_improved"],
        h["fraction_best_improved"], h["fraction_best_improved_ci"])
    table.add_row("paper (arXiv 2409.06402)", "–", f"≈{h['paper_fraction']:.2f}", "–")
    return table


def _config_table(st: Any) -> Table:
    table = Table(title="per configuration (primary setting vs baseline)")
    for col in ("configuration", "baseline", "expanded", "change", "p", "verdict", "vs matched"):
        table.add_column(col, justify="left" if col in ("configuration", "verdict") else "right")
    for c in st.configs:
        p = c.primary
        base = c.role("baseline")
        prim = c.arms.get(p.arm) if p else None
        matched = c.controls.get("matched")
        table.add_row(
            c.label, fmt(base.mean if base else None, ".2e"), fmt(prim.mean if prim else None, ".2e"),
            "–" if p is None or not math.isfinite(p.ratio) else f"{p.ratio - 1:+.1%}",
            "–" if p is None or not math.isfinite(p.p_t) else f"{p.p_t:.3f}",
            p.verdict if p else "no primary arm",
            "–" if matched is None or not math.isfinite(matched.ratio)
            else f"{matched.ratio - 1:+.1%} ({matched.verdict})",
        )
    return table


def _report(root: Path) -> Any:
    from physym.study.report import build_report  # noqa: PLC0415

    st, written = build_report(root)
    out.print(_headline_table(st))
    out.print(_config_table(st))
    out.print("written: " + ", ".join(str(p) for p in written), highlight=False)
    return st


def study_command(
    preset: str = typer.Option(..., "--preset", help="A preset shipped with physym (smoke, quick, standard, paper) or a path to a .toml file."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Study directory (default: runs/study-PRESET). Re-running into it resumes."),
    workers: int = typer.Option(1, "--workers", help="Local worker processes (1 = in this process)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786."),
    dask_local: Optional[int] = typer.Option(None, "--dask-local", help="Start a Dask LocalCluster with N single-threaded workers."),
    resume: bool = typer.Option(False, "--resume", help="Require an existing study in --out and finish it (re-runs failed, missing and corrupt runs)."),
    grow: bool = typer.Option(False, "--grow", help="Let an edited preset add runs to the study in --out (same preset name, none of its runs dropped): keeps its records and first date, and runs only what the preset adds."),
    device: str = device_option(),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads of torch, BLAS and OpenMP per worker (default: cores / workers)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (runs already done, to run, corrupt or stale) and exit; writes nothing."),
    verbose: bool = verbose_option(),
) -> None:
    """Run a study preset: every configuration with and without expansion, seeds, controls;
    then write report.md, results.nc and figures into the study directory."""
    setup_logging(verbose)
    from physym.runner import resolve_device  # noqa: PLC0415
    from physym.study.executors import (ExecutorError, check_executor_args,  # noqa: PLC0415
                                        check_scheduler)
    from physym.study.plan import (StudyDirError, plan_study, prepare_data,  # noqa: PLC0415
                                   preview_study, run_study)
    from physym.study.preset import PresetError, config_key, load_preset  # noqa: PLC0415
    # the report's code too, now: a study runs for hours, and the code it was started with
    # writes its report even if the installed tree is edited or upgraded meanwhile
    import physym.study.report  # noqa: F401, PLC0415

    try:
        check_executor_args(workers=workers, dask_local=dask_local, scheduler=scheduler,
                            threads=threads)
        resolve_device(device)
        p = load_preset(preset)
        if scheduler is not None and not dry_run:
            check_scheduler(scheduler)  # before anything is written
        root = out_dir or Path("runs") / f"study-{p.name}"
        check_out_dir(root)
        if dry_run:
            view = preview_study(p, root, resume=resume, grow=grow)
            out.print(f"preset {p.name}: {len(view.specs)} runs over "
                      f"{len({config_key(s) for s in view.specs})} model configurations; "
                      f"{len(view.done)} already done, {len(view.todo)} to run"
                      + (f" ({len(view.corrupt)} corrupt record(s) to redo)" if view.corrupt else "")
                      + (f" ({len(view.stale)} stale record(s) to set aside)" if view.stale else "")
                      + f"; directory {root} (nothing written)", highlight=False)
            return
        plan = plan_study(p, root, resume=resume, grow=grow)
    except (PresetError, StudyDirError, ExecutorError, ValueError, UsageError) as exc:
        fail(str(exc), exc)
    if plan.corrupt:
        err.print(f"{len(plan.corrupt)} corrupt record(s) moved to {plan.root / 'records/corrupt'}"
                  " and queued again: " + "; ".join(plan.corrupt), highlight=False)
    if plan.stale:
        err.print(f"{len(plan.stale)} record(s) of runs whose problem code, parameters or data "
                  f"changed moved to {plan.root / 'records/stale'}; those runs are done again",
                  highlight=False)
    err.print(f"study {p.name}: {len(plan.specs)} runs, {len(plan.done)} already done, "
              f"{len(plan.todo)} to run → {plan.root}", highlight=False)
    if plan.todo:
        with progress_bar("runs") as bar:
            task = bar.add_task("data", total=None)
            prepare_data(plan.todo, progress=lambda msg: bar.update(task, description=msg))
            bar.update(task, description=f"study {p.name}", total=len(plan.todo), completed=0)
            plain, start, done = not bar_draws(), time.monotonic(), [0]  # a log: a line a run

            def on_record(record: dict[str, Any]) -> None:
                bar.advance(task)
                done[0] += 1
                if plain:
                    err.print(run_line(record, done[0], len(plan.todo), time.monotonic() - start,
                                       parallel=dask_local or workers),
                              markup=False, highlight=False, soft_wrap=True)

            try:
                counts = run_study(plan, workers=workers, scheduler=scheduler,
                                   dask_local=dask_local, device=device, threads=threads,
                                   on_record=on_record)
            except ExecutorError as exc:
                fail(str(exc), exc)
        err.print(f"finished: {counts['ok']} ok, {counts['failed']} failed, "
                  f"{counts['skipped']} skipped (done before)", highlight=False)
    st = _report(plan.root)
    if st.failed_runs:
        err.print(f"[yellow]{st.failed_runs} run(s) failed; their reasons are in report.md "
                  "(`physym study --resume` retries them)[/]")
        raise typer.Exit(code=1)


def report_command(
    directory: Path = typer.Argument(..., help="A study directory (holds records/)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details."),
) -> None:
    """Rebuild report.md, results.nc and the figures of a study from its records."""
    setup_logging(verbose)
    if not directory.is_dir():
        fail(f"study directory {str(directory)!r} "
             + ("is not a folder" if directory.exists() else "does not exist"))
    try:
        _report(directory)
    except ValueError as exc:
        fail(str(exc), exc)
