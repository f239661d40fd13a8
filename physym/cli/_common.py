"""What the ``physym`` commands share: consoles, errors, progress, options, run folders.

Every rule a command applies at the boundary is written here once: how ``--param`` is
parsed, how numbers are formatted in tables, how a run folder is written atomically, and
the typer options that several commands take. Numbers are formatted by
:func:`physym._text.fmt`, as in the study report.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Callable, NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["out", "err", "UsageError", "fail", "setup_logging", "progress_bar", "set_threads",
           "parse_param_options", "write_run_folder", "check_out_dir", "problem_argument",
           "task_option", "model_option", "fill_option", "layout_option", "device_option",
           "threads_option", "verbose_option", "param_option"]

#: Tables and results.
out = Console()
#: Progress, logs and errors.
err = Console(stderr=True)


class UsageError(Exception):
    """A bad command-line value; reported in one line with exit code 2."""


def fail(message: str) -> NoReturn:
    """Print ``physym: error: MESSAGE`` on stderr and exit with code 2."""
    err.print(f"physym: error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def setup_logging(verbose: bool) -> None:
    """Log to stderr through rich: INFO with ``--verbose``, else WARNING."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
        force=True,
    )


def progress_bar(unit: str = "steps") -> Progress:
    """A rich progress bar on stderr with count, elapsed time and ETA."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn(unit), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
        console=err, transient=False,
    )


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op CPU threads (``--threads``); ``None`` keeps torch's default.

    Several physym processes sharing the cores should each use 1 thread: oversubscribed
    torch threads can make small CPU models many times slower.
    """
    if threads is None:
        return
    if threads < 1:
        raise UsageError(f"--threads must be a positive integer, got {threads}")
    import torch  # noqa: PLC0415

    torch.set_num_threads(threads)


def parse_param_options(values: list[str]) -> dict[str, str]:
    """``--param KEY=VALUE`` values as a dict (``UsageError`` for a malformed one)."""
    params = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param must look like KEY=VALUE, got {item!r}")
        params[key.strip()] = value.strip()
    return params


def check_out_dir(path: Path) -> None:
    """``UsageError`` when ``--out`` exists and is not a folder."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {str(path)!r} exists and is not a folder")


def write_run_folder(parent: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Create ``parent/<timestamp>-<name>`` atomically and return it.

    ``write(folder)`` fills a hidden temporary folder; only when it returns is the folder
    renamed into place, so an interrupted or failing write leaves nothing that looks
    complete (the temporary folder is removed).
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    run_id = f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{safe}"
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{run_id}.tmp"
    tmp.mkdir()
    try:
        write(tmp)
        final = parent / run_id
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


# ---- typer options that several commands share (a fresh OptionInfo for each command)


def problem_argument() -> typer.models.ArgumentInfo:
    return typer.Argument(..., help="Problem name (see `physym problems`), "
                          "path/to/file.py:Class or package.module:Name.")


def task_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--task", help="Task of the problem (default: the problem's default).")


def model_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--model", help="Model (default: the task's first model).")


def fill_option() -> typer.models.OptionInfo:
    return typer.Option("pi", "--fill", help="Value of the constants: a finite number, 'pi' or 'e'.")


def layout_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--layout", help="append|symmetric (PINN, MLP), "
                        "channels|interleave (operators); default: the task's first.")


def device_option() -> typer.models.OptionInfo:
    return typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N.")


def threads_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--threads", help="CPU threads for torch (default: torch's); "
                        "use 1 when several jobs share the cores.")


def verbose_option() -> typer.models.OptionInfo:
    return typer.Option(False, "--verbose", "-v", help="Log progress details.")


def param_option() -> typer.models.OptionInfo:
    return typer.Option([], "--param", help="Problem parameter KEY=VALUE (repeatable), "
                        "e.g. nu=0.01.")
