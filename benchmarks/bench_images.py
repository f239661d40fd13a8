"""Cost of interleaved image expansion: step time and peak memory at K = 2, 3, 4 vs K = 1.

Interleaving turns an ``N x N`` image into ``NK x NK`` (``K = n + 1``), so a classifier sees
``K^2`` times the pixels. For each classifier physym trains (``cnn``, ``resnet18``) and each
``K``, the baseline and the expanded model are built through physym's own builder
(:func:`physym.models.classification.build_classifier`) and trained for a block of SGD steps
on the same random batch; the blocks are interleaved (:func:`_common.interleaved`) and the
cost is the per-repetition time ratio expanded / baseline, with the peak tensor memory of a
block. Sizes: the ``digits`` problem (8 x 8, one channel) at its ``quick`` width, and the
``cifar10`` sizes (32 x 32, three channels) at its ``quick`` width; ``--quick`` uses one
small case, a check that the script runs.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from _common import Context, Result, Target, fmt_mib, fmt_ratio, interleaved, peak_memory, ratio_stats
from physym import Expansion, get_problem

NAME = "images"
TITLE = "Interleaved image expansion: training step time and peak memory, K = 2, 3, 4 vs K = 1"
HEADERS = ["problem", "model", "K", "image", "ms / step (K=1)", "ms / step", "time ratio [IQR]",
           "peak MiB (K=1)", "peak MiB", "memory ratio", "pixel ratio K²"]
KS = (2, 3, 4)
BATCH = 32


def _block(ctx: Context, problem_name: str, model: str, k: int, steps: int) -> Callable[[], Any]:
    from physym.models.classification import build_classifier  # noqa: PLC0415

    problem = get_problem(problem_name).task()()
    budget = problem.budget("smoke" if ctx.quick else "quick")
    expansion = Expansion(k - 1, 0.5, "interleave")
    torch.manual_seed(0)
    net = build_classifier(model, channels=problem.channels, n_classes=problem.n_classes,
                           budget=budget, expansion=expansion).to(ctx.device)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand((BATCH, problem.channels, problem.image_size, problem.image_size),
                   generator=gen).to(ctx.device)
    y = torch.randint(0, problem.n_classes, (BATCH,), generator=gen).to(ctx.device)
    opt = torch.optim.SGD(net.parameters(), lr=budget.lr, momentum=budget.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()

    def block() -> None:
        net.train()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()

    return block


def cases(quick: bool) -> list[tuple[str, str, int]]:
    """``(problem, model, steps per block)``."""
    if quick:
        return [("digits", "cnn", 1)]
    return [("digits", "cnn", 10), ("digits", "resnet18", 4), ("cifar10", "cnn", 4),
            ("cifar10", "resnet18", 1)]


def run(ctx: Context) -> Result:
    """Measure every case at K = 1 against K = 2, 3, 4 (``--quick``: K = 2 only)."""
    ks = (2,) if ctx.quick else KS
    all_cases = cases(ctx.quick)
    task = ctx.progress.add_task("images", total=len(all_cases) * len(ks) * ctx.repeats)
    result = Result(NAME, TITLE, HEADERS)
    for problem_name, model, steps in all_cases:
        for k in ks:
            ctx.progress.update(task, description=f"images · {problem_name} {model} K={k}")
            arms = {"base": _block(ctx, problem_name, model, 1, steps),
                    "expanded": _block(ctx, problem_name, model, k, steps)}
            times = interleaved(arms, repeats=ctx.repeats, device=ctx.device,
                                tick=lambda: ctx.progress.advance(task))
            mem = {name: peak_memory(fn, ctx.device) for name, fn in arms.items()}
            stats = ratio_stats(times["expanded"], times["base"])
            ms = {name: 1000 * sorted(t)[len(t) // 2] / steps for name, t in times.items()}
            side = get_problem(problem_name).task().image_size
            mem_ratio = (mem["expanded"] / mem["base"]) if mem["base"] and mem["expanded"] else None
            row = {"problem": problem_name, "model": model, "K": k, "steps_per_block": steps,
                   "image": f"{side * k}x{side * k}", "ms_per_step_base": ms["base"],
                   "ms_per_step": ms["expanded"], "time_ratio": stats,
                   "peak_bytes_base": mem["base"], "peak_bytes": mem["expanded"],
                   "memory_ratio": mem_ratio, "pixel_ratio": k * k}
            result.rows.append(row)
            result.table.append([problem_name, model, str(k), row["image"], f"{ms['base']:.2f}",
                                 f"{ms['expanded']:.2f}", fmt_ratio(stats),
                                 fmt_mib(mem["base"]), fmt_mib(mem["expanded"]),
                                 "—" if mem_ratio is None else f"{mem_ratio:.2f}", str(k * k)])
    result.targets.append(Target("step-time and memory ratios at K = 2, 3, 4 reported",
                                 f"{len(result.rows)} rows", True,
                                 "no target value: the cost of a larger image, by design"))
    result.settings = {"batch": BATCH, "fill": 0.5, "repeats": ctx.repeats, "K": list(ks),
                       "budgets": "smoke" if ctx.quick else "quick",
                       "steps_per_block": {f"{p}/{m}": s for p, m, s in all_cases}}
    result.notes = [
        "Random images and labels of the problem's shape (a step's cost does not depend on "
        "the values); SGD with momentum, the adapter's optimiser; one block = the steps "
        "named, the arms interleaved in rotating order after one warm-up block.",
        "Peak memory as in the overhead benchmark (CPU: torch.profiler allocation events).",
    ]
    if ctx.quick:
        result.notes.insert(0, "`--quick`: one tiny case, a check that the script runs.")
    return result
