"""Where a PINN training phase spends its time: cProfile of physym's engines and DeepXDE.

The timing benchmark (``bench_pinn``) gives the ratios; this one says why. For Burgers with
``n = 4`` (the case whose physym / deepxde ratio is closest to the 1.03 target), each of the
arms ``physym`` (the default DeepXDE engine), ``deepxde`` (the plain script) and ``physym jet``
trains one Adam and one L-BFGS phase of ``bench_pinn``'s sizes under :mod:`cProfile`, after
one unprofiled warm-up block. The profile is split by whose code the time is in:

* **physym**: Python functions in the ``physym`` package (callbacks, recorders, the jet loss);
* **deepxde**: Python functions in ``deepxde`` (``Model.train``, losses, ``dde.grad``);
* **torch ops**: torch's C++ kernels and autograd, called from anywhere (builtins);
* **torch python / other**: the rest (``torch.optim``, ``torch.nn`` wrappers, numpy, the
  interpreter).

and counts the loss evaluations (calls of DeepXDE's ``outputs_losses`` or the jet engine's
loss) and the autograd passes (``backward`` and ``torch.autograd.grad`` calls: DeepXDE's
derivatives are passes of their own). The jet engine's one-off ``torch.compile`` (in the
construction of its loss) is not profiled, as ``bench_pinn`` does not time it. cProfile adds a cost per Python call, so the profiled times are
longer than ``bench_pinn``'s and weigh Python-heavy code more; the split and the counts are
what to read.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
from typing import Any, Iterator

from _common import Context, Result, fmt_sig

import bench_pinn

NAME = "pinn_profile"
TITLE = "Where a PINN training phase spends its time (cProfile, Burgers n = 4)"
ARMS = ("physym", "deepxde", "physym jet")
HEADERS = ["phase", "arm", "profiled s", "physym s", "deepxde s", "torch ops s",
           "torch python / other s", "loss evaluations", "autograd passes",
           "top functions by own time"]


def _owner(filename: str) -> str:
    if filename == "~":
        return "torch ops"
    path = filename.replace("\\", "/")
    if "/physym/" in path or "/benchmarks/" in path:
        return "physym"
    if "/deepxde/" in path:
        return "deepxde"
    return "other"


def _split(stats: pstats.Stats) -> dict[str, Any]:
    """Own time by owner, loss evaluations, backward passes and the top functions."""
    owners = {"physym": 0.0, "deepxde": 0.0, "torch ops": 0.0, "other": 0.0}
    losses = passes = 0
    top: list[tuple[float, str]] = []
    for (filename, _, name), (_, calls, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        owner = _owner(filename)
        if owner == "torch ops" and "torch" not in name and "Tensor" not in name:
            owner = "other"  # a builtin that is not a torch op (len, isinstance, numpy, ...)
        owners[owner] += own
        if name == "outputs_losses" and "/deepxde/" in filename.replace("\\", "/"):
            losses += calls
        elif name == "__call__" and filename.endswith("pinn_engine.py"):
            losses += calls
        elif name == "_engine_run_backward":
            passes += calls
        top.append((own, f"{name} ({filename.rsplit('/', 1)[-1]})"))
    top.sort(reverse=True)
    return {"own_s": owners, "loss_evaluations": losses, "autograd_passes": passes,
            "top": [(label, round(s, 4)) for s, label in top[:4]]}


@contextlib.contextmanager
def _unprofiled_compile(profiler: cProfile.Profile) -> Iterator[None]:
    """Pause ``profiler`` while the jet engine builds (and compiles) its loss."""
    from physym.models import pinn_engine  # noqa: PLC0415

    original = pinn_engine._Loss.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        profiler.disable()
        try:
            original(self, *args, **kwargs)
        finally:
            profiler.enable()

    pinn_engine._Loss.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        pinn_engine._Loss.__init__ = original  # type: ignore[method-assign]


def run(ctx: Context) -> Result:
    """Profile each arm once per phase (after one warm-up block)."""
    phases = ("adam", "lbfgs")
    task = ctx.progress.add_task("pinn profile", total=len(phases) * len(ARMS))
    result = Result(NAME, TITLE, HEADERS)
    for phase in phases:
        setup = bench_pinn._setup(ctx, "burgers", 4, phase)
        for arm in ARMS:
            ctx.progress.update(task, description=f"pinn profile · {phase} {arm}")
            setup["arms"][arm]()  # warm-up: DeepXDE's first compile, torch's first kernels
            profiler = cProfile.Profile()
            with _unprofiled_compile(profiler):
                profiler.runcall(setup["arms"][arm])
            stats = pstats.Stats(profiler)
            split = _split(stats)
            total = stats.total_tt  # type: ignore[attr-defined]
            result.rows.append({"phase": phase, "arm": arm, "steps": setup["steps"],
                                "profiled_s": total, **split})
            result.table.append([phase, arm, fmt_sig(total),
                                 *(fmt_sig(split["own_s"][k])
                                   for k in ("physym", "deepxde", "torch ops", "other")),
                                 str(split["loss_evaluations"]), str(split["autograd_passes"]),
                                 "; ".join(f"{label} {s:g}" for label, s in split["top"][:3])])
            ctx.progress.advance(task)
    result.settings = {"problem": "burgers", "n": 4, "adam_steps": 5 if ctx.quick else 200,
                       "lbfgs_iterations": 5 if ctx.quick else 100, "profiler": "cProfile"}
    result.notes = [
        "Own time (cProfile's tottime) summed by the file a function is defined in; torch's C++ "
        "kernels are builtins and count as 'torch ops' wherever they are called from.",
        "physym jet: its one-off torch.compile (the first loss and gradient evaluation included) "
        "is not profiled, as bench_pinn does not time it; the compiled loss runs as one call "
        "into torch's generated code.",
        "cProfile adds a fixed cost per Python call, so the profiled seconds exceed bench_pinn's "
        "block times and overstate Python-heavy code; compare arms by the split and the counts.",
        "Nothing else may run on the machine while this benchmark runs.",
    ]
    if ctx.quick:
        result.notes.insert(0, "`--quick`: tiny sizes — a check that the script works.")
    return result
