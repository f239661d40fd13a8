"""Expansion overhead: time per training step and peak memory, n = 0 against n = 4.

Each model kind physym trains is built twice (or three times for FNO) in the same process —
the baseline and the expanded model, through physym's own builders — and trained through
physym's own training step on the same data. One timed *block* is a fixed number of
training steps; the arms' blocks are interleaved (:func:`_common.interleaved`) and the
overhead is the distribution of per-repetition time ratios expanded / baseline.

Models and sizes (the ``quick`` budget of the problem named; ``--quick``: the ``smoke``
budget):

* FNN — DeepXDE PINN on Burgers (``physym.problems.burgers.BurgersPINN``), Adam steps
  through ``dde.Model.train`` (the residual needs first and second derivatives);
* MLP — the float64 regression MLP on the QCD equation of state, Adam steps through
  ``physym.models.regression.train_mlp`` (full batch);
* FNO, TFNO, UNO — 1-D, Burgers operator sizes; FNO also 2-D at Darcy operator sizes; Adam
  steps through ``physym.models.operator.train_operator`` on random tensors of the data's shape
  (the cost of a step does not depend on the values).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable

import torch

from _common import (Context, Result, Target, fmt_mib, fmt_ratio, fmt_sig, interleaved,
                     peak_memory, ratio_stats, ratio_target)
from physym import Expansion, get_problem

NAME = "overhead"
TITLE = "Expansion overhead: training step time and peak memory, n = 0 vs n = 4"

#: Overhead target of the issue for channel / coordinate expansion (median time ratio).
TARGET = 1.05
N_EXPAND = 4


@dataclass
class Arm:
    """One model of a comparison: its expansion, a timed block and its size."""

    expansion: Expansion
    block: Callable[[], Any]
    n_params: int


@dataclass(frozen=True)
class Case:
    """A model kind at one size; ``build(ctx, expansion, steps)`` returns its :class:`Arm`."""

    model: str
    setting: str
    layouts: tuple[str, ...]
    steps: int
    build: Callable[[Context, Expansion, int], Arm]


def _budget_name(ctx: Context) -> str:
    return "smoke" if ctx.quick else "quick"


def _n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def _fnn_arm(ctx: Context, expansion: Expansion, steps: int) -> Arm:
    from physym.models.pinn import build_fnn, load_deepxde  # noqa: PLC0415

    dde = load_deepxde()
    problem = get_problem("burgers").task("pinn")()
    budget = problem.budget(_budget_name(ctx))
    with torch.device(ctx.device):
        dde.config.set_random_seed(0)
        data = problem.deepxde_data(dde, budget)
        net = build_fnn(dde, d_in=len(problem.input_names), d_out=len(problem.output_names),
                        budget=budget, expansion=expansion)
        net.to(ctx.device)
        model = dde.Model(data, net)
        model.compile("adam", lr=budget.lr, verbose=0)

    def block() -> None:
        with torch.device(ctx.device):
            model.train(iterations=steps, display_every=10**9, verbose=0)

    return Arm(expansion, block, _n_params(net))


def _mlp_arm(ctx: Context, expansion: Expansion, steps: int) -> Arm:
    from physym.models.mlp import build_mlp  # noqa: PLC0415
    from physym.models.regression import train_mlp  # noqa: PLC0415

    problem = get_problem("qcd_eos").task(None)()
    budget = problem.budget(_budget_name(ctx))
    x_np, y_np, _ = problem.training_samples(seed=0)
    x = torch.as_tensor(x_np, dtype=torch.float64, device=ctx.device)
    y = torch.as_tensor(y_np, dtype=torch.float64, device=ctx.device)
    net = build_mlp(d_in=x.shape[1], d_out=y.shape[1], budget=budget, expansion=expansion,
                    seed=0, device=ctx.device)
    steps_budget = dataclasses.replace(budget, adam_iterations=steps, lbfgs_iterations=0)
    return Arm(expansion, lambda: train_mlp(net, x, y, budget=steps_budget), _n_params(net))


def _operator_arm(model: str, problem_name: str) -> Callable[[Context, Expansion, int], Arm]:
    def build(ctx: Context, expansion: Expansion, steps: int) -> Arm:
        from physym.models.operator import build_operator  # noqa: PLC0415
        from physym.models.operator import train_operator  # noqa: PLC0415

        problem = get_problem(problem_name).task("operator")()
        budget = problem.budget(_budget_name(ctx))
        grid = (budget.resolution,) * problem.n_dim
        n = budget.batch_size * steps
        gen = torch.Generator().manual_seed(0)
        x = torch.randn((n, problem.in_channels, *grid), generator=gen).to(ctx.device)
        y = torch.randn((n, problem.out_channels, *grid), generator=gen).to(ctx.device)
        torch.manual_seed(0)
        net = build_operator(model, in_channels=problem.in_channels,
                             out_channels=problem.out_channels, n_dim=problem.n_dim,
                             budget=budget, expansion=expansion).to(ctx.device)
        one_epoch = dataclasses.replace(budget, epochs=1)
        return Arm(expansion, lambda: train_operator(net, x, y, budget=one_epoch, seed=0),
                   _n_params(net))

    return build


def _operator_setting(problem_name: str, quick: bool, model: str = "fno") -> str:
    problem = get_problem(problem_name).task("operator")()
    b = problem.budget("smoke" if quick else "quick")
    grid = "×".join([str(b.resolution)] * problem.n_dim)
    size = (f"branch and trunk {b.width} wide × {b.n_layers} layers" if model == "deeponet"
            else f"{b.modes} modes × {b.width} wide × {b.n_layers} layers")
    return f"{problem_name} {problem.n_dim}-D, {grid}, batch {b.batch_size}, {size}"


def cases(quick: bool) -> list[Case]:
    """The model kinds measured; ``quick`` shrinks sizes and steps to seconds."""
    pinn = get_problem("burgers").task("pinn").budgets["smoke" if quick else "quick"]
    mlp = get_problem("qcd_eos").task(None).budgets["smoke" if quick else "quick"]
    points = pinn.num_domain + pinn.num_boundary + pinn.num_initial
    samples = len(get_problem("qcd_eos").task(None)().training_samples(seed=0)[0])
    return [
        Case("FNN (PINN, DeepXDE)",
             f"burgers PINN, {points} points, {pinn.depth} × {pinn.width} tanh",
             ("append",), 3 if quick else 50, _fnn_arm),
        Case("MLP (regression)",
             f"qcd_eos, {samples} samples, {mlp.depth} × {mlp.width} tanh, float64",
             ("append",), 10 if quick else 300, _mlp_arm),
        Case("FNO", _operator_setting("burgers", quick), ("channels", "interleave"),
             2 if quick else 8, _operator_arm("fno", "burgers")),
        Case("TFNO", _operator_setting("burgers", quick), ("channels",),
             2 if quick else 8, _operator_arm("tfno", "burgers")),
        Case("UNO", _operator_setting("burgers", quick), ("channels",),
             2 if quick else 8, _operator_arm("uno", "burgers")),
        Case("FNO", _operator_setting("darcy", quick), ("channels", "interleave"),
             2 if quick else 10, _operator_arm("fno", "darcy")),
        Case("DeepONet", _operator_setting("burgers", quick, "deeponet"), ("append",),
             2 if quick else 8, _operator_arm("deeponet", "burgers")),
    ]


HEADERS = ["model", "setting", "expansion", "params n=0 → n=4", "ms/step n=0", "ms/step n=4",
           "time ratio median [IQR]", "ratio min–max", "peak MiB n=0 → n=4", "memory ratio"]


def _measure(ctx: Context, case: Case, tick: Callable[[], None]) -> list[dict[str, Any]]:
    arms = {"baseline": case.build(ctx, Expansion(0, math.pi, case.layouts[0]), case.steps)}
    for layout in case.layouts:
        arms[layout] = case.build(ctx, Expansion(N_EXPAND, math.pi, layout), case.steps)
    times = interleaved({k: a.block for k, a in arms.items()}, repeats=ctx.repeats,
                        device=ctx.device, tick=tick)
    memory = {k: peak_memory(a.block, ctx.device) for k, a in arms.items()}
    base = arms["baseline"]
    per_step = lambda k: sorted(times[k])[len(times[k]) // 2] / case.steps  # noqa: E731
    rows = []
    for layout in case.layouts:
        mem_b, mem_e = memory["baseline"], memory[layout]
        rows.append({
            "model": case.model, "setting": case.setting, "layout": layout, "n": N_EXPAND,
            "steps_per_block": case.steps, "repeats": ctx.repeats,
            "params_baseline": base.n_params, "params_expanded": arms[layout].n_params,
            "step_s_baseline": per_step("baseline"), "step_s_expanded": per_step(layout),
            "block_s_baseline": times["baseline"], "block_s_expanded": times[layout],
            "time_ratio": ratio_stats(times[layout], times["baseline"]),
            "peak_bytes_baseline": mem_b, "peak_bytes_expanded": mem_e,
            "memory_ratio": mem_e / mem_b if mem_b and mem_e is not None else None,
        })
    return rows


def _table_row(row: dict[str, Any]) -> list[str]:
    r = row["time_ratio"]
    return [row["model"], row["setting"], f"n={row['n']}, {row['layout']}",
            f"{row['params_baseline']:,} → {row['params_expanded']:,}",
            fmt_sig(1e3 * row["step_s_baseline"]), fmt_sig(1e3 * row["step_s_expanded"]),
            fmt_ratio(r), f"{r['min']:.3f}–{r['max']:.3f}",
            f"{fmt_mib(row['peak_bytes_baseline'])} → {fmt_mib(row['peak_bytes_expanded'])}",
            fmt_sig(row["memory_ratio"])]


def run(ctx: Context) -> Result:
    """Measure every :func:`cases` entry; targets for the channel/coordinate layouts."""
    all_cases = cases(ctx.quick)
    task = ctx.progress.add_task("overhead", total=len(all_cases) * ctx.repeats)
    result = Result(NAME, TITLE, HEADERS)
    for case in all_cases:
        ctx.progress.update(task, description=f"overhead · {case.model}")
        for row in _measure(ctx, case, lambda: ctx.progress.advance(task)):
            result.rows.append(row)
            result.table.append(_table_row(row))
            if row["layout"] != "interleave":
                met, measured = ratio_target(row["time_ratio"], TARGET)
                result.targets.append(Target(
                    f"{row['model']} on {row['setting'].split(',')[0]}, n={N_EXPAND} "
                    f"{row['layout']}: median time ratio ≤ {TARGET}", measured, met))
    result.settings = {
        "budgets": "smoke" if ctx.quick else "quick", "n": N_EXPAND, "fill": "pi",
        "repeats": ctx.repeats, "warmup_blocks": 1,
        "steps_per_block": {f"{c.model} / {c.setting}": c.steps for c in all_cases},
    }
    result.notes = [
        f"Per repetition each arm trains one block of steps; arms run interleaved in rotating "
        f"order, {ctx.repeats} repetitions after one warm-up block. ms/step is the median "
        "block time divided by the steps per block; the ratio is expanded / baseline per "
        "repetition (median and inter-quartile range over repetitions).",
        "Targets are judged on the median's distribution-free interval (the sign-test "
        "interval between two order statistics of the per-repetition ratios, at least 95%, "
        "`_common.median_interval`): *met* when it lies at or below the bound, *missed* "
        "when above, *not decided* when it straddles the bound, where this machine's timing "
        "noise rather than the code would decide a verdict read from the median alone "
        "(more `--repeats` narrow it).",
        "Peak memory: " + ("`torch.cuda.max_memory_allocated` during one block, above the "
                           "memory allocated before it." if ctx.device.type == "cuda" else
                           "largest CPU tensor memory allocated during one block above the "
                           "level before it, from torch.profiler's allocation events "
                           "(profile_memory=True); it excludes the interpreter and the "
                           "allocator's cache, includes activations, gradients and Adam state. "
                           "Frees of tensors allocated before the block (the previous step's "
                           "gradients) are invisible to the profiler, so the figure may exceed "
                           "the true peak by up to the size of the gradients (4 bytes per "
                           "parameter, 8 for the float64 MLP)."),
        "interleave makes every grid axis (n + 1) = 5 times finer (5× the points in 1-D, 25× "
        "in 2-D): its cost is that of a larger problem, by design, and has no target.",
        "DeepONet (DeepXDE's DeepONetCartesianProd) takes its constants on the trunk's "
        "coordinates (`append`), so its input cost grows with the grid points, not with the "
        "channels.",
        "FNN blocks go through `dde.Model.train`, which also evaluates the losses once at the "
        "start and once at the end of each call (the same in both arms).",
    ]
    if ctx.quick:
        result.notes.insert(0, "`--quick`: tiny sizes and few repetitions — a check that the "
                               "script works, not a measurement.")
    return result
