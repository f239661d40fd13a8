"""``physym solve``: train the baseline and the expanded arm of one problem and compare them.

Usage errors (unknown problem, task, model or layout, negative ``--expand``, non-finite
``--fill``, unavailable device, ...) print one line ``physym: error: ...`` to stderr and exit
with code 2 before anything is trained or written.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.table import Table

from physym._version import __version__
from physym._text import fmt, pct
from physym.cli._common import (UsageError, bar_draws, check_out_dir, device_option, err, fail,
                                fill_option, layout_option, model_option, out, param_option,
                                problem_argument, task_option, parse_param_options, progress_bar, set_threads,
                                setup_logging, threads_option, verbose_option, write_run_folder)

__all__ = ["solve_command"]

def _results_table(comparison: Any, title: str, error_label: str = "rel. L2 error") -> Table:
    """Per-arm table of the headline error, change, time and parameter count."""
    summary = comparison.summary()
    table = Table(title=title, caption=_paired_caption(comparison))
    for col in ("arm", "n", error_label, "± std", "change", "s / run", "params"):
        table.add_column(col, justify="left" if col == "arm" else "right", no_wrap=True)
    for arm, results in comparison.arms.items():
        s = summary[arm]
        change = summary["change"]["relative_error_change" if arm == "expanded"
                                   else f"{arm}_relative_error_change"] if arm != "baseline" else 0
        table.add_row(
            arm, str(results[0].spec.expansion.n), fmt(s["error_mean"], ".2e"),
            fmt(s["error_std"], ".1e") if s["n_ok"] > 1 else "—",
            "—" if arm == "baseline" else f"{change:+.1%}",
            f"{s['train_time_mean']:.1f}", f"{int(s['n_params']) if s['n_ok'] else '-'}",
        )
    return table


def _metrics_table(comparison: Any, names: tuple[str, ...], title: str,
                   spec: str = ".2e") -> Table:
    """Second table: the problem's ``table_metrics`` (mean over seeds) per arm."""
    table = Table(title=title)
    table.add_column("arm", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for arm, results in comparison.arms.items():
        ok = [r for r in results if r.status == "ok"]
        table.add_row(arm, *(fmt(float(np.mean([r.metrics.get(m, np.nan) for r in ok])), spec)
                             if ok else "-" for m in names))
    return table


def _paired_caption(comparison: Any) -> str:
    pairs = [(b.error, e.error) for b, e in zip(comparison.baseline, comparison.expanded)
             if b.status == e.status == "ok"]
    better = sum(e < b for b, e in pairs)
    exp = comparison.expanded[0].spec.expansion
    failed = sum(r.status != "ok" for rs in comparison.arms.values() for r in rs)
    note = f"; {failed} run(s) failed" if failed else ""
    return (f"expanded: {exp.describe()}; mean over seeds; expanded better in "
            f"{better}/{len(pairs)} paired seeds{note}")


def _paired(comparison: Any, *, alpha: float = 0.05) -> tuple[list[str], dict[str, Any]]:
    """Each arm against the baseline as the study judges it (a paired t-test on log errors
    over seeds, :func:`physym.study.stats.compare_arms`), and what its seeds could detect
    (:mod:`physym.study.sensitivity`): printed lines, and a dict for results.json."""
    from physym.study.sensitivity import MAX_SEEDS, detectable_improvement, seeds_needed  # noqa: PLC0415
    from physym.study.stats import compare_arms  # noqa: PLC0415

    def errors(results: list[Any]) -> dict[int, float]:  # a zero error has no logarithm
        return {r.spec.seed: r.error for r in results
                if r.status == "ok" and math.isfinite(r.error) and r.error > 0}

    base, lines, record = errors(comparison.baseline), [], {}
    for arm, results in comparison.arms.items():
        if arm == "baseline":
            continue
        t = compare_arms(errors(results), base, alpha=alpha)
        det = detectable_improvement(t.sd_log, t.n_pairs, alpha=alpha)
        need = seeds_needed(t.sd_log, 0.25, alpha=alpha)
        record[arm] = {"pairs": t.n_pairs, "ratio": t.ratio, "ratio_ci95": [t.ratio_low, t.ratio_high],
                       "p_t": t.p_t, "verdict": t.verdict, "alpha": alpha, "sd_log": t.sd_log,
                       "detectable_improvement": det, "seeds_for_25": need}
        if t.n_pairs < 2:
            lines.append(f"{arm}: {t.n_pairs} seed pair(s), too few for a paired test "
                         f"(--seeds 3 or more)")
            continue
        line = (f"{arm} vs baseline over {t.n_pairs} paired seeds (t-test on log error, "
                f"α = {alpha:g}): {pct(t.relative_change)} [{pct(t.ratio_low - 1)}, "
                f"{pct(t.ratio_high - 1)}] in the geometric mean, p = {t.p_t:.2g}, {t.verdict}")
        if math.isfinite(det):
            line += (f"; at this spread {t.n_pairs} seeds detect (80% power) only an "
                     f"improvement of {det:.0%} or more, and a 25% one would take "
                     + (f"{need} seeds" if need else f"more than {MAX_SEEDS}"))
        lines.append(line)
    return lines, record


def solve_command(
    problem: str = problem_argument(),
    task: Optional[str] = task_option(),
    model: Optional[str] = model_option(),
    expand: int = typer.Option(4, "--expand", help="Number n >= 0 of constant inputs added to the expanded arm (in total, not per input)."),
    fill: Optional[str] = fill_option(),
    layout: Optional[str] = layout_option(),
    technique: str = typer.Option("none", "--technique", help="none | equivariant: also train the baseline averaged over the problem's declared symmetry group, as a third arm."),
    method: Optional[str] = typer.Option(None, "--method", help="PINN training method: adam-lbfgs (default) | adam | laaf | gpinn | lra | rar | hard-bc (docs/methods.md)."),
    engine: Optional[str] = typer.Option(None, "--engine", help="PINN training engine: deepxde (default) | jet (compiled derivative-carrying forward pass; falls back to deepxde where it cannot run; README, Performance)."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="Seeds per arm (default: the budget's)."),
    budget: str = typer.Option("quick", "--budget", help="smoke | quick | standard | paper."),
    device: str = device_option(),
    out_dir: Path = typer.Option(Path("runs"), "--out", help="Parent folder of the run folder."),
    plot: bool = typer.Option(False, "--plot", help="Also write comparison.png."),
    param: list[str] = param_option(),
    data_seed: int = typer.Option(0, "--data-seed", help="Seed of the generated data set."),
    data: Optional[Path] = typer.Option(None, "--data", help="PDEBench-layout HDF5 file to train and test on (operator tasks) instead of generated data."),
    threads: Optional[int] = threads_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Train the baseline (n=0) and the expanded model on PROBLEM and compare them."""
    setup_logging(verbose)
    from physym.expansion import Expansion  # noqa: PLC0415
    from physym.options import ModelOptions  # noqa: PLC0415
    from physym.registry import get_problem  # noqa: PLC0415
    from physym.runner import RunSpec, adapter_for, compare, prepare, resolve_device  # noqa: PLC0415
    from physym.models.operator import operator_dataset  # noqa: PLC0415

    # ---- validate everything before any work or any file
    try:
        family = get_problem(problem)
        cls = family.task(task)
        params = parse_param_options(param)
        expansion = Expansion(expand, cls.default_fill if fill is None else fill,
                              layout or cls.layouts_for(model)[0])
        set_threads(threads)
        data_file = str(data) if data is not None else None
        spec = RunSpec(problem, task, model, expansion, 0, budget,
                       tuple(sorted(params.items())), data_seed, data_file, method=method,
                       engine=engine)
        prob, model_name, budget_obj = prepare(spec)
        if technique not in ("none", "equivariant"):
            raise UsageError(f"--technique must be none or equivariant, got {technique!r}")
        extra_arms = ({"equivariant": ModelOptions(equivariant=True)}
                      if technique == "equivariant" else {})
        for options in extra_arms.values():  # refused here, before anything trains
            prepare(dataclasses.replace(spec, expansion=expansion.baseline(), options=options))
        dev = resolve_device(device)
        n_seeds = budget_obj.seeds if seeds is None else seeds
        if n_seeds < 1:
            raise UsageError(f"--seeds must be a positive integer, got {n_seeds}")
        check_out_dir(out_dir)
        if plot:
            from physym.plotting import check_plottable  # noqa: PLC0415

            check_plottable(prob)
        if data_file is not None:  # read and validate the whole file before training
            adapter_for(prob).read_data(prob, budget_obj, data_seed=data_seed, data=data_file)
    except (ValueError, UsageError) as exc:
        fail(str(exc), exc)

    task_name = task or family.default_task
    steps = (2 + len(extra_arms)) * n_seeds * budget_obj.total_steps
    how = (f", method {method}" if method else "") + (f", engine {engine}" if engine else "")
    err.print(f"[bold]{family.name}[/] task [bold]{task_name}[/], model {model_name}{how}, "
              f"{expansion.describe()}, budget {budget}, {n_seeds} seed(s), device {dev}")
    started = time.perf_counter()
    if prob.kind == "operator" and data_file is None:
        n_data = budget_obj.n_train + budget_obj.n_test
        with progress_bar("samples") as bar:  # generate (or find) the cached data set
            data_task = bar.add_task("data", total=n_data)
            operator_dataset(prob, budget_obj, data_seed=data_seed, device=dev,
                             progress=lambda k: bar.advance(data_task, k))
    with progress_bar() as bar:
        bar_task = bar.add_task("training", total=steps)
        # where no bar draws (a log), a line as each run starts
        plain, n_runs, started_runs = not bar_draws(), (2 + len(extra_arms)) * n_seeds, [0]

        def on_run(s: Any) -> None:
            arm = ("equivariant" if s.options.equivariant else
                   "baseline" if s.expansion.is_identity else "expanded")
            bar.update(bar_task, description=f"seed {s.seed} · {arm}")
            started_runs[0] += 1
            if plain:
                err.print(f"[{started_runs[0]}/{n_runs}] seed {s.seed} · {arm} "
                          f"(elapsed {time.perf_counter() - started:.0f} s)", highlight=False)

        comparison = compare(
            problem, expansion=expansion, task=task, model=model_name, seeds=n_seeds,
            budget=budget, params=params, data_seed=data_seed, data=data_file, method=method, engine=engine,
            extra_arms=extra_arms, device=dev, progress=lambda k: bar.advance(bar_task, k), on_run=on_run,
        )
    wall = time.perf_counter() - started
    title = (f"{family.name} / {task_name} / {model_name}{'+' + method if method else ''} — "
             f"budget {budget}, {n_seeds} seed(s), {dev}")
    out.print(_results_table(comparison, title, prob.error_label))
    paired_lines, paired = _paired(comparison)
    for line in paired_lines:
        out.print(line)
    if prob.table_metrics:
        out.print(_metrics_table(comparison, prob.table_metrics, prob.table_title,
                                 prob.table_format))
    out.print(f"wall time {wall:.1f} s")
    run_dir = _write_run(out_dir, comparison, prob, budget_obj, plot=plot, meta={
        "physym_version": __version__, "command": " ".join(["physym", *sys.argv[1:]]),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "problem": family.name, "task": task_name, "model": model_name, "method": method,
        "expand": expansion.n, "fill": expansion.fill, "layout": expansion.layout,
        "budget": budget, "budget_settings": dataclasses.asdict(budget_obj),
        "params": prob.describe(), "device": str(dev), "seeds": n_seeds,
        "data_seed": data_seed, "data": data_file, "wall_time": wall,
        "table_metrics": list(prob.table_metrics), "table_title": prob.table_title,
        "error_label": prob.error_label, "paired": paired,
    })
    out.print(f"results written to {run_dir}")
    failed = sum(r.status != "ok" for rs in comparison.arms.values() for r in rs)
    if failed:
        err.print(f"[yellow]{failed} run(s) failed; reasons are in results.json[/]")
        raise typer.Exit(code=1)


def _write_run(parent: Path, comparison: Any, problem: Any, budget: Any, *, plot: bool,
               meta: dict[str, Any]) -> Path:
    """Write results.json, results.nc (and comparison.png) into a new run folder, atomically."""
    from physym.io import comparison_dataset, write_json, write_netcdf  # noqa: PLC0415

    def write(folder: Path) -> None:
        summary = comparison.summary()
        write_json(folder / "results.json", {**meta, "summary": summary, "runs": [
            r.to_dict() for rs in comparison.arms.values() for r in rs]})
        write_netcdf(folder / "results.nc",
                     comparison_dataset(comparison, {**meta, "summary": summary}))
        if plot:
            from physym.plotting import plot_comparison, save_figure  # noqa: PLC0415

            save_figure(plot_comparison(problem, comparison, budget), folder / "comparison.png")

    key = comparison.expanded[0].spec.key()[:6]
    return write_run_folder(parent, f"{meta['problem']}-{meta['task']}-n{meta['expand']}-{key}",
                            write)
