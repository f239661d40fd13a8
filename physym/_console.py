"""Console helpers shared by the ``physym`` commands (rich consoles, errors, progress)."""

from __future__ import annotations

import logging
from typing import NoReturn

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

__all__ = ["out", "err", "UsageError", "fail", "setup_logging", "progress_bar", "set_threads"]

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
