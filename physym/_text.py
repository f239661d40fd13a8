"""Number formatting shared by tables and reports (any layer may use it)."""

from __future__ import annotations

import math

__all__ = ["fmt", "pct"]


def fmt(x: float | None, spec: str = ".3e") -> str:
    """``format(x, spec)``; ``–`` when ``x`` is missing or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, spec)


def pct(x: float) -> str:
    """A signed percentage of a fraction: ``-12.3%``; ``–`` when ``x`` is not finite."""
    return "–" if not math.isfinite(x) else f"{100 * x:+.1f}%"
