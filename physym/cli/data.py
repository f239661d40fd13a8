"""``physym data``: generate PDEBench-layout data sets and inspect HDF5 files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from physym.cli._common import (UsageError, check_writable, device_option, err, fail, out,
                                param_option,
                                problem_argument,
                                parse_param_options, progress_bar, set_threads, setup_logging,
                                threads_option, verbose_option)

__all__ = ["data_app"]

data_app = typer.Typer(help="Generate operator data sets (PDEBench layout) and inspect files.",
                       no_args_is_help=True)


@data_app.command("generate")
def generate_command(
    problem: str = problem_argument(),
    task: Optional[str] = typer.Option(None, "--task", help="Operator task of the problem (default: the problem's operator task)."),
    n: Optional[int] = typer.Option(None, "--n", help="Number of samples (default: the quick budget's train + test)."),
    resolution: Optional[int] = typer.Option(None, "--resolution", help="Grid points per axis (default: the quick budget's)."),
    seed: int = typer.Option(0, "--seed", help="Data seed (the same seed gives the same file)."),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Output file (default: data/<problem>_<task>_n<N>_s<S>_seed<K>.h5)."),
    param: list[str] = param_option(),
    device: str = device_option(),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
    threads: Optional[int] = threads_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Solve N instances with the problem's reference solver and write them as HDF5."""
    setup_logging(verbose)
    from physym._version import __version__  # noqa: PLC0415
    from physym.data import generate, generation_memory, write_pdebench  # noqa: PLC0415
    from physym.resources import check_memory  # noqa: PLC0415
    from physym.io import data_dir  # noqa: PLC0415
    from physym.registry import get_problem  # noqa: PLC0415
    from physym.runner import resolve_device  # noqa: PLC0415
    from physym.spec import parse_params  # noqa: PLC0415

    try:
        set_threads(threads)
        family = get_problem(problem)
        if task is None:
            operator_tasks = [t for t, c in family.tasks.items() if c.kind == "operator"]
            if not operator_tasks:
                raise UsageError(f"problem {family.name!r} has no operator task; nothing to generate")
            task = family.default_task if family.default_task in operator_tasks else operator_tasks[0]
        cls = family.task(task)
        if cls.kind != "operator":
            raise UsageError(f"task {task!r} of {family.name!r} is a {cls.kind} task; "
                             "data sets are generated for operator tasks")
        prob = cls(parse_params(cls.Params, parse_param_options(param)))
        quick = prob.budget("quick")
        n = quick.n_train + quick.n_test if n is None else n
        resolution = quick.resolution if resolution is None else resolution
        if n < 1:
            raise UsageError(f"--n must be a positive integer, got {n}")
        if resolution < 2:
            raise UsageError(f"--resolution must be an integer >= 2, got {resolution}")
        dev = resolve_device(device)
        path = out_file or data_dir() / f"{family.name}_{task}_n{n}_s{resolution}_seed{seed}.h5"
        if path.exists() and not path.is_file():
            raise UsageError(f"--out {str(path)!r} exists and is not a file")
        if path.exists() and not force:
            raise UsageError(f"{path} exists; use --force to replace it")
        check_writable(path, is_file=True)
        check_memory(generation_memory(prob, n=n, resolution=resolution),
                     what=f"{n} samples at resolution {resolution}",
                     hint="use a smaller --n or --resolution")
    except (ValueError, UsageError) as exc:
        fail(str(exc), exc)

    err.print(f"[bold]{family.name}[/] task [bold]{task}[/]: {n} samples at resolution "
              f"{resolution}, seed {seed}, device {dev}")
    start = time.perf_counter()
    with progress_bar("samples") as bar:
        job = bar.add_task("solving", total=n)
        try:
            inputs, targets = generate(prob, n=n, resolution=resolution, seed=seed, device=dev,
                                       progress=lambda k: bar.advance(job, k))
        except ValueError as exc:  # e.g. a resolution the solver cannot produce
            fail(str(exc), exc)
    elapsed = time.perf_counter() - start
    attrs = {"problem": family.name, "task": task, "class": cls.__qualname__, "n": n,
             "resolution": resolution, "seed": seed, "params": prob.describe(),
             "generator": f"physym {__version__}", "device": str(dev)}
    write_pdebench(path, prob, inputs, targets, attrs=attrs)
    out.print(f"wrote {path}: inputs {inputs.shape}, targets {targets.shape}; "
              f"{elapsed:.1f} s, {n / elapsed:.2f} samples/s")


@data_app.command("info")
def info_command(file: Path = typer.Argument(..., help="HDF5 file (physym or PDEBench layout).")) -> None:
    """Print an HDF5 data file as an xarray summary (data sets, shapes, attributes)."""
    from physym.data import describe_file  # noqa: PLC0415
    from physym.io import DataFileError  # noqa: PLC0415

    if not file.is_file():
        fail(f"data file {str(file)!r} " + ("is not a file" if file.exists() else "does not exist"))
    try:
        ds = describe_file(file)
    except DataFileError as exc:
        fail(str(exc), exc)
    with ds:
        out.print(ds, markup=False, highlight=False, soft_wrap=True)
