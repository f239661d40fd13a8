"""Field readers of study presets: each checks one TOML value and says what is wrong.

Kept apart from :mod:`physym.study.preset` (the grid) so that each stays short.
"""

from __future__ import annotations

from typing import Any

from physym.expansion import parse_fill
from physym.models.pinn_engine import ENGINES

__all__ = ["PresetError", "CONTROLS", "ALL", "int_list", "fill_list", "str_pairs", "positive_int",
           "budget_list", "control_list", "method_list", "engine_name"]

CONTROLS = ("fill0", "matched", "bias_init", "bias_lr", "equivalent", "equivariant")
#: ``methods = "all"`` / ``controls = "all"``, as stored in a parsed preset.
ALL = ("all",)


class PresetError(ValueError):
    """A preset that cannot be found, parsed or expanded; the message says which and why."""


def int_list(value: Any, what: str, *, minimum: int = 0,
             empty: bool = False) -> tuple[int, ...]:
    """``value`` (an integer or a list of them, each ``>= minimum``) as a tuple; an empty list
    only where ``empty`` allows it."""
    values = value if isinstance(value, list) else [value]
    if not values and not empty:
        raise PresetError(f"{what} must be a non-empty list of integers >= {minimum}, got []")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise PresetError(f"{what} must be integers >= {minimum}, got {v!r}")
    return tuple(values)


def fill_list(value: Any, what: str) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    try:
        return tuple(parse_fill(v) for v in values)
    except (ValueError, TypeError) as exc:
        raise PresetError(f"{what}: {exc}") from None


def str_pairs(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise PresetError(f"{what} must be a table of key = value, got {value!r}")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PresetError(f"{what} must be a positive integer, got {value!r}")
    return value


def budget_list(table: dict[str, Any], what: str) -> tuple[str, ...]:
    """The ``budgets`` list of a table (empty when absent); not together with ``budget``."""
    value = table.get("budgets")
    if value is None:
        return ()
    if "budget" in table:
        raise PresetError(f"{what}: give either budget or budgets, not both")
    if not isinstance(value, list) or not value or not all(isinstance(b, str) for b in value) \
            or len(set(value)) != len(value):
        raise PresetError(f"{what}: budgets must be a list of distinct budget names, "
                          f"got {value!r}")
    return tuple(value)


def control_list(value: Any, what: str) -> tuple[str, ...]:
    if value == "all":
        return ALL
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise PresetError(f"{what} must be a list of control names, got {value!r}")
    bad = [c for c in value if c not in CONTROLS]
    if bad:
        raise PresetError(f"{what} must be among {', '.join(CONTROLS)}, got {bad[0]!r}")
    return tuple(value)


def method_list(value: Any, what: str) -> tuple[str, ...]:
    """PINN method names (checked against the adapter's list when the runs are expanded), or
    ``"all"``."""
    if value == "all":
        return ALL
    if not isinstance(value, list) or not value or not all(isinstance(m, str) and m
                                                           for m in value):
        raise PresetError(f"{what} must be a non-empty list of PINN method names, got {value!r}")
    return tuple(value)


def engine_name(value: Any, what: str) -> str:
    if value not in ENGINES:
        raise PresetError(f"{what} must be one of {', '.join(ENGINES)}, got {value!r}")
    return value
