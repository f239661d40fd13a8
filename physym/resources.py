"""Memory: what a machine has, and a refusal, before any work, of what will not fit.

The adapters estimate the peak memory of a run (``Adapter.memory``) and
:func:`physym.data.generate` that of solving a data set; :func:`check_memory` compares an
estimate with the memory available now and refuses, naming both, what would not fit. The
estimates are upper-bound style rules of thumb calibrated on this project's runs (see each
adapter's ``memory``), meant to stop a 20 GB mistake, not to budget a tight run.
"""

from __future__ import annotations

import psutil

__all__ = ["available_memory", "check_memory", "format_bytes", "MEMORY_FRACTION"]

#: Refuse an estimate above this fraction of the memory available now.
MEMORY_FRACTION = 0.8


def available_memory() -> int:
    """Bytes of memory available to a new allocation now (``psutil``'s ``available``)."""
    return int(psutil.virtual_memory().available)


def format_bytes(n: float) -> str:
    """``1.6 GB``-style text (powers of 1000, like ``free -h --si``)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} PB"  # pragma: no cover


def check_memory(estimate: float, *, what: str, hint: str = "") -> None:
    """``ValueError`` when ``estimate`` bytes exceed :data:`MEMORY_FRACTION` of what is free.

    Parameters
    ----------
    estimate : float
        Estimated peak bytes.
    what : str
        What needs it, for the message (``"training burgers/pinn with n=100000"``).
    hint : str
        What to reduce, appended to the message.
    """
    free = available_memory()
    if estimate > MEMORY_FRACTION * free:
        raise ValueError(f"{what} needs an estimated {format_bytes(estimate)} of memory, more "
                         f"than this machine can give ({format_bytes(free)} available)"
                         + (f"; {hint}" if hint else ""))
