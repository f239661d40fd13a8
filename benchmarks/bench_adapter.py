"""Adapter overhead: physym's operator training against a plain hand-written torch loop.

Both arms train the same neuraloperator FNO (the plain arm a deep copy of the model that
physym wraps, so the weights start equal) on the same tensors for one epoch per timed block,
with the same optimiser settings: Adam (``lr``, ``weight_decay`` of the budget), a cosine
schedule, shuffled mini-batches and the mean per-sample relative L2 loss.

* **physym** — :func:`physym.models.operator.train_operator` on the
  :class:`~physym.models.operator.ExpandedOperator` built by
  :func:`~physym.models.operator.build_operator` with ``n = 0`` (the baseline arm of every
  comparison): the wrapper, the per-batch finiteness check and ``loss.item()``.
* **plain** — the loop a user would write around ``neuralop.models.FNO`` directly, with no
  wrapper, no finiteness check and one host synchronisation per epoch.

The ratio physym / plain, per interleaved repetition, is physym's overhead.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

import torch

from _common import (Context, Result, Target, fmt_ratio, fmt_sig, interleaved, ratio_stats,
                     ratio_target)
from physym import Expansion, OperatorBudget, get_problem

NAME = "adapter"
TITLE = "Adapter overhead: physym's operator training vs a plain torch loop (same FNO)"
TARGET = 1.05
PROBLEMS = ("burgers", "darcy")


def plain_train(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                budget: OperatorBudget, seed: int) -> float:
    """A hand-written training loop: Adam, cosine schedule, relative L2, shuffled batches.

    Parameters
    ----------
    model : torch.nn.Module
        ``(B, C_in, *grid) -> (B, C_out, *grid)``.
    x, y : torch.Tensor
        ``(N, C_in, *grid)`` and ``(N, C_out, *grid)`` on the model's device.
    budget : OperatorBudget
        ``epochs``, ``batch_size``, ``lr`` and ``weight_decay``.
    seed : int
        Seed of the batch order.

    Returns
    -------
    float
        Mean training loss of the last epoch.
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=budget.lr, weight_decay=budget.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, budget.epochs))
    last = math.nan
    for _ in range(budget.epochs):
        model.train()
        total = x.new_zeros(())
        for idx in torch.randperm(len(x), generator=gen).to(x.device).split(budget.batch_size):
            pred, true = model(x[idx]).flatten(1), y[idx].flatten(1)
            loss = ((pred - true).norm(dim=1) / (true.norm(dim=1) + 1e-12)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
        sched.step()
        last = float(total) / len(x)
    return last


def _setup(ctx: Context, problem_name: str) -> dict[str, Any]:
    from physym.models.operator import build_operator  # noqa: PLC0415
    from physym.models.operator import train_operator  # noqa: PLC0415

    problem = get_problem(problem_name).task("operator")()
    budget = dataclasses.replace(problem.budget("smoke" if ctx.quick else "quick"), epochs=1)
    steps = 2 if ctx.quick else 16
    grid = (budget.resolution,) * problem.n_dim
    gen = torch.Generator().manual_seed(0)
    n = budget.batch_size * steps
    x = torch.randn((n, problem.in_channels, *grid), generator=gen).to(ctx.device)
    y = torch.randn((n, problem.out_channels, *grid), generator=gen).to(ctx.device)
    torch.manual_seed(0)
    wrapped = build_operator("fno", in_channels=problem.in_channels,
                             out_channels=problem.out_channels, n_dim=problem.n_dim,
                             budget=budget, expansion=Expansion(0, math.pi, "channels"))
    wrapped = wrapped.to(ctx.device)
    plain = copy.deepcopy(wrapped.operator)
    setting = (f"{problem_name} {problem.n_dim}-D, {'×'.join(map(str, grid))}, {n} samples, "
               f"batch {budget.batch_size}, FNO {budget.modes} modes × {budget.width} wide × "
               f"{budget.n_layers} layers")
    return {
        "setting": setting, "steps": steps,
        "arms": {"physym": lambda: train_operator(wrapped, x, y, budget=budget, seed=0),
                 "plain": lambda: plain_train(plain, x, y, budget=budget, seed=0)},
    }


HEADERS = ["problem / model", "steps per block", "ms/step plain", "ms/step physym",
           "ratio physym/plain median [IQR]", "ratio min–max"]


def run(ctx: Context) -> Result:
    """Time physym's and the plain loop per problem; target: median ratio ≤ 1.05."""
    task = ctx.progress.add_task("adapter", total=len(PROBLEMS) * ctx.repeats)
    result = Result(NAME, TITLE, HEADERS)
    for problem_name in PROBLEMS:
        ctx.progress.update(task, description=f"adapter · {problem_name}")
        setup = _setup(ctx, problem_name)
        times = interleaved(setup["arms"], repeats=ctx.repeats, device=ctx.device,
                            tick=lambda: ctx.progress.advance(task))
        stats = ratio_stats(times["physym"], times["plain"])
        per_step = {k: sorted(v)[len(v) // 2] / setup["steps"] for k, v in times.items()}
        result.rows.append({"problem": problem_name, "setting": setup["setting"],
                            "steps_per_block": setup["steps"], "block_s": times,
                            "step_s": per_step, "ratio": stats})
        result.table.append([setup["setting"], str(setup["steps"]),
                             fmt_sig(1e3 * per_step["plain"]), fmt_sig(1e3 * per_step["physym"]),
                             fmt_ratio(stats), f"{stats['min']:.3f}–{stats['max']:.3f}"])
        met, measured = ratio_target(stats, TARGET)
        result.targets.append(Target(f"{problem_name}: physym / plain median time ratio ≤ "
                                     f"{TARGET}", measured, met))
    result.settings = {"budgets": "smoke" if ctx.quick else "quick", "epochs_per_block": 1,
                       "repeats": ctx.repeats, "warmup_blocks": 1, "data": "random normal"}
    result.notes = [
        "One block = one epoch (a fresh optimiser and schedule each block, in both arms); "
        f"{ctx.repeats} interleaved repetitions after one warm-up block.",
        "The plain loop synchronises with the host once per epoch; physym's checks every "
        "batch loss for NaN/inf and reads it (`loss.item()`), which on a GPU is one "
        "synchronisation per batch.",
        "Data are random tensors of the problem's shapes: a step's cost does not depend on "
        "the values.",
    ]
    if ctx.quick:
        result.notes.insert(0, "`--quick`: tiny sizes — a check that the script works, not a "
                               "measurement.")
    return result
