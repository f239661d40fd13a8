"""Number formatting shared by tables and reports (any layer may use it)."""

from __future__ import annotations

import math

__all__ = ["fmt"]


def fmt(x: float | None, spec: str = ".3e") -> str:
    """``format(x, spec)``; ``–`` when ``x`` is missing or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, spec)
