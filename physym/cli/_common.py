"""What the ``physym`` commands share: consoles, errors, progress, options, run folders.

Every rule a command applies at the boundary is written here once: how ``--param`` is
parsed, how numbers are formatted in tables, how a run folder is written atomically, and
the typer options that several commands take. Numbers are formatted by
:func:`physym._text.fmt`, as in the study report.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import traceback
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

from physym.threads import apply_thread_limit

__all__ = ["out", "err", "UsageError", "fail", "setup_logging", "progress_bar", "bar_draws",
           "set_threads",
           "parse_param_options", "write_run_folder", "check_writable", "check_out_dir", "problem_argument",
           "task_option", "model_option", "fill_option", "layout_option", "device_option",
           "threads_option", "verbose_option", "param_option"]

#: Tables and results.
out = Console()
#: Progress, logs and errors.
err = Console(stderr=True)


class UsageError(Exception):
    """A bad command-line value; reported in one line with exit code 2."""


def fail(message: str, exc: BaseException | None = None) -> NoReturn:
    """Print ``physym: error: MESSAGE`` on stderr and exit with code 2.

    With ``--verbose`` (logging at INFO) the traceback of ``exc`` (and of its cause) is
    printed first; without, the one line is all a user sees.
    """
    if exc is not None and logging.getLogger().isEnabledFor(logging.INFO):
        err.print("".join(traceback.format_exception(exc)), markup=False, highlight=False)
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


def bar_draws() -> bool:
    """Whether the progress bar can draw: stderr is a terminal. Where it is not (a log file,
    ``nohup``, a batch job's output) rich draws nothing until the end, and the commands print
    a plain line per run instead."""
    return err.is_terminal


def set_threads(threads: int | None) -> None:
    """Limit this command's CPU threads (``--threads``): torch's intra-op threads and every
    BLAS and OpenMP pool, those loaded later included (:mod:`physym.threads`), for the rest
    of the process; ``None`` keeps the libraries' defaults.

    Several physym processes sharing the cores should each use 1 thread: oversubscribed
    threads can make small CPU models many times slower.
    """
    if threads is None:
        return
    if threads < 1:
        raise UsageError(f"--threads must be a positive integer, got {threads}")
    apply_thread_limit(threads)  # the command owns the process: nothing to restore


def parse_param_options(values: list[str]) -> dict[str, str]:
    """``--param KEY=VALUE`` values as a dict (``UsageError`` for a malformed one)."""
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param must look like KEY=VALUE, got {item!r}")
        if key.strip() in params:
            raise UsageError(f"--param {key.strip()} is given more than once "
                             f"({params[key.strip()]!r} and {value.strip()!r})")
        params[key.strip()] = value.strip()
    return params


def check_writable(path: Path, *, option: str = "--out", is_file: bool = False) -> None:
    """``UsageError`` unless ``path`` (a folder, or a file with ``is_file``) can be written.

    Checked before any work: the nearest existing folder on the way to ``path`` gets a
    probe file, created and removed at once, so that an unwritable, read-only or impossible
    location (a path under a regular file, under ``/proc``) is refused in one line instead
    of after training. Nothing is left behind.
    """
    folder = path.parent if is_file else path
    if is_file and path.exists() and not path.is_file():
        raise UsageError(f"{option} {str(path)!r} exists and is not a file")
    if folder.exists() and not folder.is_dir():
        where = "" if folder == path else f": {str(folder)!r}"
        raise UsageError(f"{option} {str(path)!r}{where} exists and is not a folder")
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{option} {str(path)!r}: {str(probe)!r} is a file, not a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=".physym-probe-", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise UsageError(f"{option} {str(path)!r} is not writable: "
                         f"{exc.strerror or exc} (in {str(probe)!r})") from None


def check_out_dir(path: Path) -> None:
    """``--out DIR``: a writable folder, or one that can be created (:func:`check_writable`)."""
    check_writable(path, option="--out")


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
    return typer.Option(None, "--fill", help="Value of the constants: a finite number, 'pi' or "
                        "'e' (default: the task's, pi; 0.5 for images, as in the paper).")


def layout_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--layout", help="append|symmetric (PINN, MLP), "
                        "channels|interleave (operators); default: the task's first.")


def device_option() -> typer.models.OptionInfo:
    return typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N.")


def threads_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--threads", help="CPU threads for torch, BLAS and OpenMP "
                        "(default: the libraries'); use 1 when several jobs share the cores.")


def verbose_option() -> typer.models.OptionInfo:
    return typer.Option(False, "--verbose", "-v", help="Log progress details.")


def param_option() -> typer.models.OptionInfo:
    return typer.Option([], "--param", help="Problem parameter KEY=VALUE (repeatable), "
                        "e.g. nu=0.01.")
