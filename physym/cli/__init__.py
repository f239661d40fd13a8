"""The ``physym`` command line (typer + rich): one module per command.

* ``physym problems`` — :mod:`physym.cli.problems`
* ``physym solve`` — :mod:`physym.cli.solve`
* ``physym data generate|info`` — :mod:`physym.cli.data`
* ``physym measure`` — :mod:`physym.cli.measure`
* ``physym study`` and ``physym report`` — :mod:`physym.cli.study`

What they share (consoles, errors, ``--param`` parsing, run folders, common options) is in
:mod:`physym.cli._common`. The command modules import only downwards (library modules and
``_common``), never this package or each other.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn

import typer

from physym._version import __version__
from physym.cli._common import err, out
from physym.cli.data import data_app
from physym.cli.measure import measure_command
from physym.cli.problems import problems_command
from physym.cli.solve import solve_command
from physym.cli.study import report_command, study_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="physym",
    help="Input dimension expansion for PINNs and neural operators: train both arms, "
    "measure the difference honestly.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"physym {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """physym command line."""


app.command("problems")(problems_command)
app.command("solve")(solve_command)
app.add_typer(data_app, name="data")
app.command("measure")(measure_command)
app.command("study")(study_command)
app.command("report")(report_command)


def main() -> None:
    """Console-script entry point; the exit codes are those of ``docs/cli.md``.

    0 success, 1 a run failed (its record says why), 2 a usage or input error (one line,
    nothing written), 130 interrupted (Ctrl-C: finished records and result files are kept,
    nothing half-written is left).
    """
    interrupted = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish undisturbed
        raise KeyboardInterrupt

    def stop() -> NoReturn:
        err.print("physym: interrupted; finished results are kept, nothing half-written "
                  "is left", markup=False, highlight=False)
        sys.stdout.flush()
        sys.stderr.flush()
        # Every result is already on disk or was never renamed into place; leave at once, so
        # that nothing at interpreter shutdown (threads of torch or rich) can turn the exit
        # into a death by SIGINT.
        os._exit(130)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        app()
    except KeyboardInterrupt:  # not turned into click's Abort
        stop()
    except SystemExit:
        if interrupted:  # click reports an interrupt as "Aborted!" with code 1
            stop()
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
