"""Shared helpers of the benchmark scripts: environment record, timing, memory, output.

Every benchmark returns a :class:`Result`; :func:`write_result` stores it as
``<name>.json`` (raw numbers and the machine they came from) and ``<name>.md`` (the table,
the targets and the notes), and :func:`write_summary` joins the markdown files into
``README.md``. Timings are taken with :func:`interleaved`, which runs the arms of an A/B
comparison in rotating order within each repetition, so that a slow spell of a shared
machine hits every arm alike and per-repetition ratios stay meaningful.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

__all__ = [
    "BUDGETS", "ORDER", "Context", "Result", "Target", "environment", "interleaved", "ratio_stats",
    "median_interval", "ratio_target", "peak_memory",
    "MEMORY_METHOD", "timed", "write_result", "write_summary", "print_result", "fmt_ratio",
    "fmt_mib", "fmt_sig", "markdown_table",
]

#: Order of the benchmarks in the combined summary.
ORDER: tuple[str, ...] = ("overhead", "adapter", "pinn", "pinn_profile", "solvers", "references",
                          "accuracy", "scaling", "images")
#: Training budgets in increasing cost (a benchmark may write one file per budget).
BUDGETS: tuple[str, ...] = ("smoke", "quick", "standard", "paper")

#: How :func:`peak_memory` measures, per device type (recorded in every result).
MEMORY_METHOD = {
    "cuda": "torch.cuda.max_memory_allocated during one timed block, minus the memory "
            "allocated before it",
    "cpu": "torch.profiler (profile_memory=True): the largest total of CPU tensor memory "
           "allocated during one timed block above the level before it (the allocator's "
           "running total, from the profiler's allocation events)",
}


@dataclass
class Context:
    """Settings every benchmark receives from ``run.py``.

    Attributes
    ----------
    device : torch.device
        Where models train and batched solvers run.
    repeats : int
        Timed repetitions per arm (interleaved A/B).
    quick : bool
        Tiny sizes: a functional check of the scripts, not a measurement.
    threads : int
        torch intra-op threads.
    budget : str or None
        Training budget of the accuracy benchmark (``None``: by device).
    seeds : int or None
        Seeds of the accuracy benchmark (``None``: the budget's own).
    problems : tuple of str or None
        Problems of the accuracy benchmark (``None``: all operator problems).
    out : pathlib.Path
        Results folder (a benchmark may keep rows of earlier runs from it).
    preset : str
        Study preset of the scaling benchmark.
    console : rich.console.Console
        Where tables go.
    progress : rich.progress.Progress
        Shared progress display.
    """

    device: torch.device
    repeats: int
    quick: bool
    threads: int
    budget: str | None
    seeds: int | None
    problems: tuple[str, ...] | None
    out: Path
    preset: str
    console: Console
    progress: Progress


@dataclass
class Target:
    """A performance target and whether the measurement met it (``None``: not decidable)."""

    target: str
    measured: str
    met: bool | None
    comment: str = ""


@dataclass
class Result:
    """Outcome of one benchmark.

    Attributes
    ----------
    name, title : str
        File stem (``overhead``) and heading.
    headers : list of str
        Column headings of the display table.
    table : list of list of str
        Formatted rows (what the markdown and the console show).
    rows : list of dict
        Raw numbers behind the table (what the JSON keeps).
    settings : dict
        Sizes, repetitions and methods used.
    targets : list of Target
        Targets of the issue, met or missed.
    notes : list of str
        What a reader must know to interpret the numbers.
    """

    name: str
    title: str
    headers: list[str]
    table: list[list[str]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- environment
def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def environment(device: torch.device) -> dict[str, Any]:
    """Machine, software and load at the time of the call (stored with every result)."""
    from physym.study.executors import hardware  # noqa: PLC0415 (what study records store)

    hw = hardware(str(device))
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": hw["cpu"], "cpu_capability": hw["cpu_capability"], "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(), "gpu": hw.get("gpu"), "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "loadavg": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(), "platform": platform.platform(),
        "versions": {p: _version(p) for p in ("physym", "torch", "numpy", "scipy",
                                              "neuraloperator", "deepxde", "dask")},
        "memory_method": MEMORY_METHOD["cuda" if device.type == "cuda" else "cpu"],
        "command": " ".join(["python", "benchmarks/run.py", *sys.argv[1:]]),
    }


def machine_line(env: Mapping[str, Any]) -> str:
    """One line naming the machine and the load: the provenance of a table."""
    gpu = f", GPU {env['gpu']}" if env.get("gpu") else ", no GPU"
    load = env.get("loadavg_end", env["loadavg"])
    return (f"{env['date'][:10]} · {env['cpu']} ({env['cpu_count']} cores{gpu}) · device "
            f"`{env['device']}` · torch {env['versions']['torch']}, {env['torch_threads']} "
            f"thread(s) · load average {env['loadavg'][0]:.2f} at start, {load[0]:.2f} at end")


# ----------------------------------------------------------------------------- timing
def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Untimed(float):
    """Seconds an arm spent on one-off setup that its block must not count (a run pays it once,
    a block of a few hundred steps would be dominated by it): return one from the arm."""


def timed(fn: Callable[[], Any], device: torch.device) -> float:
    """Wall time of ``fn()`` in seconds, including the GPU work it queued, less the
    :class:`Untimed` seconds ``fn`` returns, if any."""
    synchronize(device)
    start = time.perf_counter()
    out = fn()
    synchronize(device)
    elapsed = time.perf_counter() - start
    return elapsed - float(out) if isinstance(out, Untimed) else elapsed


def interleaved(arms: Mapping[str, Callable[[], Any]], *, repeats: int, device: torch.device,
                warmup: int = 1, tick: Callable[[], None] | None = None) -> dict[str, list[float]]:
    """Time each arm ``repeats`` times, interleaved, after ``warmup`` untimed rounds.

    In repetition ``r`` the arms run in the order of their names rotated by ``r`` (A B, then
    B A, ...), so every arm takes every position equally often and drifts of a shared
    machine's speed affect all arms alike.

    Returns
    -------
    dict of str to list of float
        Seconds per repetition for each arm, in repetition order.
    """
    names = list(arms)
    for _ in range(warmup):
        for name in names:
            arms[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(arms[name], device))
        if tick is not None:
            tick()
    return times


def median_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Distribution-free interval for the median: ``(low, high, coverage)``.

    The order statistics ``x(k) <= median <= x(n - k + 1)`` with the largest ``k`` whose
    coverage ``1 - 2 P(B <= k - 1)``, ``B ~ Binomial(n, 1/2)``, is at least ``confidence``
    (sign-test interval; no assumption on the distribution of the values). With too few
    values for that coverage it is the full range, and ``coverage`` says what it has. The
    bounds are those of ``scipy.stats.quantile_test(...).confidence_interval`` (tested), which
    does not report the coverage reached, printed by the benchmarks.
    """
    from scipy import stats  # noqa: PLC0415

    x = np.sort(np.asarray(values, dtype=float))
    n, k = x.size, 1
    while k < n // 2 + 1 and 1.0 - 2.0 * stats.binom.cdf(k, n, 0.5) >= confidence:
        k += 1
    return float(x[k - 1]), float(x[n - k]), float(1.0 - 2.0 * stats.binom.cdf(k - 1, n, 0.5))


def ratio_stats(numerator: Sequence[float], denominator: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and range of the per-repetition ratios ``numerator / denominator``,
    and the median's distribution-free 95% interval (:func:`median_interval`:
    ``median_low``, ``median_high``, ``median_coverage``)."""
    r = np.asarray(numerator, dtype=float) / np.asarray(denominator, dtype=float)
    q1, med, q3 = np.percentile(r, [25, 50, 75])
    low, high, coverage = median_interval(r)
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "min": float(r.min()),
            "max": float(r.max()), "n": int(r.size), "median_low": low, "median_high": high,
            "median_coverage": coverage}


def ratio_target(stats: Mapping[str, float], bound: float,
                 confidence: float = 0.95) -> tuple[bool | None, str]:
    """Is the median ratio at most ``bound``? Returns the verdict and the measurement in words.

    ``True`` when the median's interval (:func:`ratio_stats`) lies at or below ``bound``,
    ``False`` when it lies above, and ``None`` (not decided) when it straddles it or when too
    few repetitions give no interval of ``confidence``: the machine's timing noise, not the
    code, would then decide a verdict read from the median alone.
    """
    low, high, coverage = stats["median_low"], stats["median_high"], stats["median_coverage"]
    words = f"{stats['median']:.3f}, median's {coverage:.1%} interval [{low:.3f}, {high:.3f}]"
    if coverage < confidence:
        return None, words + f" (too few repetitions for {confidence:.0%})"
    return (True if high <= bound else False if low > bound else None), words


def _profiled_peak(fn: Callable[[], Any]) -> int:
    from torch._C._profiler import _EventType  # noqa: PLC0415  (no public equivalent)
    from torch.profiler import ProfilerActivity, profile  # noqa: PLC0415

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    stack = list(prof.profiler.kineto_results.experimental_event_tree())
    peak = 0
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.tag == _EventType.Allocation and node.extra_fields.device.type == "cpu":
            peak = max(peak, int(node.extra_fields.total_allocated))
    return peak


def peak_memory(fn: Callable[[], Any], device: torch.device) -> int | None:
    """Peak tensor memory (bytes) that ``fn()`` allocates above what was live before it.

    See :data:`MEMORY_METHOD`. Returns ``None`` when the CPU profiler cannot report it.
    """
    if device.type == "cuda":
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        synchronize(device)
        return int(torch.cuda.max_memory_allocated(device) - base)
    try:
        return _profiled_peak(fn)
    except (ImportError, AttributeError, RuntimeError):  # private profiler API changed
        return None


# ----------------------------------------------------------------------------- formatting
def fmt_sig(value: float | None, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits; ``—`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}g}"


def fmt_ratio(stats: Mapping[str, float]) -> str:
    """``median [q1–q3]`` of a :func:`ratio_stats` result."""
    return f"{stats['median']:.3f} [{stats['q1']:.3f}–{stats['q3']:.3f}]"


def fmt_mib(n_bytes: int | None) -> str:
    """Bytes as MiB (``—`` when unknown)."""
    return "—" if n_bytes is None else fmt_sig(n_bytes / 2**20)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table (``|`` in cells escaped)."""
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(map(esc, headers)) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(map(esc, row)) + " |" for row in rows]
    return "\n".join(lines)


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not decided"}[met]


def to_markdown(result: Result, env: Mapping[str, Any]) -> str:
    """The markdown section of one benchmark: provenance, table, targets, notes."""
    parts = [f"## {result.title}", "", machine_line(env), "",
             f"Reproduce: `{env['command']}`", "", markdown_table(result.headers, result.table)]
    if result.targets:
        parts += ["", "Targets:", ""]
        parts += [f"- {_mark(t.met)} — {t.target}: {t.measured}"
                  + (f" ({t.comment})" if t.comment else "") for t in result.targets]
    if result.notes:
        parts += ["", "Notes:", ""] + [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"


def _json_safe(value: Any) -> Any:
    """NaN and infinities as ``null`` (strict JSON), tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return _json_safe(value.item())
    return value


def write_result(result: Result, env: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``<name>.json`` and ``<name>.md`` atomically; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"benchmark": result.name, "environment": dict(env), **asdict(result)}
    paths = (out_dir / f"{result.name}.json", out_dir / f"{result.name}.md")
    texts = (json.dumps(_json_safe(record), indent=2, allow_nan=False) + "\n",
             to_markdown(result, env))
    for path, text in zip(paths, texts, strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return paths


def write_summary(out_dir: Path) -> Path:
    """Join the markdown of every benchmark present in ``out_dir`` into ``README.md``."""
    stems = [stem for name in ORDER for stem in (name, *(f"{name}-{b}" for b in BUDGETS))]
    sections = [(out_dir / f"{stem}.md").read_text() for stem in stems
                if (out_dir / f"{stem}.md").is_file()]
    head = ("# physym benchmarks\n\nWritten by `python benchmarks/run.py`; each section comes "
            "from the run named in it (machine, date, command). Raw numbers, settings and "
            "software versions are in the `.json` file of the same name.\n")
    path = out_dir / "README.md"
    path.write_text("\n".join([head, *sections]))
    return path


def print_result(result: Result, console: Console) -> None:
    """The table, targets and notes of ``result`` on the console."""
    table = Table(title=result.title, title_justify="left")
    for header in result.headers:
        table.add_column(header, overflow="fold")
    for row in result.table:
        table.add_row(*row)
    console.print(table)
    for t in result.targets:
        colour = {True: "green", False: "red", None: "yellow"}[t.met]
        console.print(f"[{colour}]{_mark(t.met).strip('*')}[/] {t.target}: {t.measured}"
                      + (f" ({t.comment})" if t.comment else ""), highlight=False)
