"""``physym measure``: the replica Wasserstein metric of symmetry breaking.

Trains R replicas of one model (seeds ``seed .. seed+R-1``) for S full-batch Adam steps on
the same data and reports, per weight tensor and averaged, the replica distance and the
drift of :mod:`physym.symmetry`. Bad values stop the command before any training or
writing (``physym: error: ...``, exit code 2).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.table import Table

from physym.cli._common import (UsageError, check_out_dir, device_option, err, fail,
                                fill_option, layout_option, model_option, out, param_option,
                                problem_argument, task_option, parse_param_options, progress_bar, set_threads,
                                setup_logging, threads_option, verbose_option, write_run_folder)

__all__ = ["measure_command", "symmetry_table", "summarise"]


def measure_command(
    problem: str = problem_argument(),
    task: Optional[str] = task_option(),
    model: Optional[str] = model_option(),
    expand: int = typer.Option(0, "--expand", help="Number n >= 0 of constant auxiliary inputs (0: no expansion)."),
    fill: Optional[str] = fill_option(),
    layout: Optional[str] = layout_option(),
    technique: str = typer.Option("none", "--technique", help="none | dropout | batchnorm | equivariant (dropout and batch norm: coordinate networks, PINN and MLP; equivariant: problems that declare symmetries, see physym problems)."),
    dropout: Optional[float] = typer.Option(None, "--dropout", help="Dropout probability in (0, 1) of --technique dropout (default 0.1)."),
    replicas: int = typer.Option(4, "--replicas", help="Number R >= 2 of replicas (seeds SEED .. SEED+R-1)."),
    steps: int = typer.Option(200, "--steps", help="Full-batch Adam steps S >= 1 per replica (operators: one full-batch epoch per step)."),
    data_fraction: float = typer.Option(1.0, "--data-fraction", help="Fraction in (0, 1] of the training points or samples."),
    budget: str = typer.Option("quick", "--budget", help="Budget that sets the model size, data and learning rate: smoke | quick | standard | paper."),
    seed: int = typer.Option(0, "--seed", help="Seed of the first replica."),
    data_seed: int = typer.Option(0, "--data-seed", help="Seed of the data (and of a PINN's collocation points), shared by all replicas."),
    param: list[str] = param_option(),
    data: Optional[Path] = typer.Option(None, "--data", help="PDEBench-layout HDF5 file (operator tasks) instead of generated data."),
    device: str = device_option(),
    out_dir: Path = typer.Option(Path("runs"), "--out", help="Parent folder of the measurement folder."),
    plot: bool = typer.Option(False, "--plot", help="Also write symmetry.png (per-layer bars)."),
    threads: Optional[int] = threads_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Measure symmetry breaking: replica distance and drift of the weight distributions."""
    setup_logging(verbose)
    from physym._version import __version__  # noqa: PLC0415
    from physym.expansion import Expansion  # noqa: PLC0415
    from physym.measure import (TECHNIQUES, check_measurement, measure,  # noqa: PLC0415
                                measurement_setup, technique_options)
    from physym.models.operator import operator_dataset  # noqa: PLC0415
    from physym.problem import TrainingDiverged  # noqa: PLC0415
    from physym.registry import get_problem  # noqa: PLC0415
    from physym.runner import RunSpec, adapter_for, resolve_device  # noqa: PLC0415

    # ---- validate everything before any work or any file
    try:
        if replicas < 2:
            raise UsageError(f"--replicas must be an integer >= 2, got {replicas}")
        if steps < 1:
            raise UsageError(f"--steps must be a positive integer, got {steps}")
        if not 0.0 < data_fraction <= 1.0:
            raise UsageError(f"--data-fraction must be in (0, 1], got {data_fraction:g}")
        if technique not in TECHNIQUES:
            raise UsageError(f"--technique must be one of {', '.join(TECHNIQUES)}, "
                             f"got {technique!r}")
        if dropout is not None and technique != "dropout":
            raise UsageError(f"--dropout applies to --technique dropout, not {technique}")
        if dropout is not None and not 0.0 < dropout < 1.0:
            raise UsageError(f"--dropout must be a probability in (0, 1), got {dropout:g}")
        set_threads(threads)
        family = get_problem(problem)
        cls = family.task(task)
        task_name = task or family.default_task
        expansion = Expansion(expand, cls.default_fill if fill is None else fill,
                              layout or cls.layouts_for(model)[0])
        data_file = str(data) if data is not None else None
        spec = RunSpec(problem, task_name, model, expansion, seed, budget,
                       tuple(sorted(parse_param_options(param).items())), data_seed, data_file,
                       technique_options(technique, dropout=dropout))
        prob, model_name, budget_obj = check_measurement(spec, replicas=replicas, steps=steps,
                                                         data_fraction=data_fraction)
        dev = resolve_device(device)
        check_out_dir(out_dir)
        short, _ = measurement_setup(prob, budget_obj, steps=steps, fraction=data_fraction,
                                     data_seed=data_seed)
        if data_file is not None:  # read and validate the whole file before training
            adapter_for(prob).read_data(prob, short, data_seed=data_seed, data=data_file)
    except (ValueError, UsageError) as exc:
        fail(str(exc), exc)

    err.print(f"[bold]{family.name}[/] task [bold]{task_name}[/], model {model_name}, "
              f"{expansion.describe()}, technique {technique}, {replicas} replicas × {steps} "
              f"steps, data fraction {data_fraction:g}, budget {budget}, device {dev}")
    started = time.perf_counter()
    if prob.kind == "operator" and data_file is None:
        with progress_bar("samples") as bar:  # generate (or find) the cached data set
            job = bar.add_task("data", total=short.n_train + short.n_test)
            operator_dataset(prob, short, data_seed=data_seed, device=dev,
                             progress=lambda k: bar.advance(job, k))
    with progress_bar() as bar:
        job = bar.add_task("replicas", total=replicas * steps)
        try:
            ds = measure(spec, replicas=replicas, steps=steps, data_fraction=data_fraction,
                         device=dev, progress=lambda k: bar.advance(job, k),
                         on_replica=lambda s: bar.update(job, description=f"replica seed {s}"))
        except TrainingDiverged as exc:
            err.print(f"physym: training diverged, nothing written: {exc}", markup=False)
            raise typer.Exit(code=1) from None
    wall = time.perf_counter() - started
    ds.attrs.update(command=" ".join(["physym", *sys.argv[1:]]), wall_time=wall,
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    physym_version=__version__)
    out.print(symmetry_table(ds))
    out.print(f"wall time {wall:.1f} s")
    folder = _write_measurement(out_dir, ds, plot=plot, name=(
        f"measure-{family.name}-{task_name}-{technique}-n{expand}-{spec.key()[:6]}"))
    out.print(f"results written to {folder}")


def symmetry_table(ds: Any) -> Table:
    """Rich table of a :func:`physym.symmetry.measure` dataset: one row per weight tensor."""
    a = ds.attrs
    errors = ds["error"].values if "error" in ds else np.array([np.nan])
    table = Table(
        title=f"{a.get('problem')} / {a.get('task')} / {a.get('model')} — {a.get('expansion')}, "
              f"technique {a.get('technique')}; R={a.get('replicas')}, S={a.get('steps')}, "
              f"data fraction {a.get('data_fraction')}",
        caption=(f"D: replica distance, mean over pairs of W1/σ(init); D(init): the same at "
                 f"initialisation (finite-sample floor); Δ: drift W1(trained, init)/σ(init). "
                 f"Error after S steps: {np.mean(errors):.3e} ± {np.std(errors):.1e} "
                 f"over replicas."))
    table.add_column("layer", overflow="fold", ratio=1)
    for col in ("shape", "entries", "D", "D(init)", "Δ"):
        table.add_column(col, justify="left" if col == "shape" else "right", no_wrap=True)
    for i, name in enumerate(ds["layer"].values):
        table.add_row(str(name), str(ds["shape"].values[i]), str(int(ds["n_entries"].values[i])),
                      *(f"{float(ds[v].values[i]):.4f}" for v in ("distance", "distance_init", "drift")))
    table.add_section()
    table.add_row("[bold]mean over layers[/]", "", "",
                  *(f"[bold]{float(ds[f'{v}_mean']):.4f}[/]"
                    for v in ("distance", "distance_init", "drift")))
    return table


def _write_measurement(parent: Path, ds: Any, *, plot: bool, name: str) -> Path:
    """symmetry.nc, symmetry.json (and symmetry.png) in a new folder, created atomically."""
    from physym.io import write_json, write_netcdf  # noqa: PLC0415

    def write(folder: Path) -> None:
        write_netcdf(folder / "symmetry.nc", ds)
        write_json(folder / "symmetry.json", summarise(ds))
        if plot:
            from physym.plotting import plot_symmetry, save_figure  # noqa: PLC0415

            save_figure(plot_symmetry(ds), folder / "symmetry.png")

    return write_run_folder(parent, name, write)


def summarise(ds: Any) -> dict[str, Any]:
    """A JSON-ready summary of a :func:`physym.symmetry.measure` dataset.

    Its attributes (JSON strings decoded), the means over layers, the error and loss per
    replica, and one row per weight tensor.
    """
    layers = [{"layer": str(name), "shape": str(ds["shape"].values[i]),
               "n_entries": int(ds["n_entries"].values[i]),
               **{v: float(ds[v].values[i]) for v in ("distance", "distance_init", "drift",
                                                       "sigma_init")}}
              for i, name in enumerate(ds["layer"].values)]
    means = {v: float(ds[f"{v}_mean"]) for v in ("distance", "drift", "distance_init")}
    extra = {v: [float(x) for x in ds[v].values] for v in ("error", "final_loss") if v in ds}
    attrs = {k: json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v
             for k, v in ds.attrs.items()}
    return {**attrs, "seeds": [int(s) for s in ds["replica"].values], **means, **extra,
            "layers": layers}
