"""PINN training speed: physym's two engines against a plain DeepXDE script and a torch loop.

On the same collocation points, network and steps, each timed block trains one phase:

* **physym** — the default ``deepxde`` engine, :func:`physym.models.pinn_train.train_phases` on
  a ``dde.Model`` built as :func:`physym.models.pinn.fit_pinn` builds it (the step recorder,
  the divergence and progress callbacks included);
* **physym jet** — the ``jet`` engine, :func:`physym.models.pinn_engine.train_jet` (the
  residual from a compiled derivative-carrying forward pass); its one-off ``torch.compile``
  is reported apart and not counted in the block;
* **deepxde** — what a user writes with DeepXDE alone: ``model.compile("adam")`` (or
  ``"L-BFGS"`` with the same options) and ``model.train``, no callbacks;
* **deepxde fwd** — the same script with DeepXDE's forward-mode autodiff
  (``dde.config.set_default_autodiff("forward")``) and the residual written in the tuple form
  that mode needs;
* **torch** / **torch f64** — a hand-written loop: the same residual and condition losses by
  double reverse-mode autograd on the same points, ``torch.optim.Adam`` (or
  ``torch.optim.LBFGS`` with DeepXDE's settings), in float32 and in float64.

for Burgers (x, t) and ``helmholtz2d`` (x, y), with ``n = 0`` and ``n = 4`` constants, Adam
and L-BFGS phases separately. The ratios come from interleaved repetitions of one run. Issue
17's targets: physym / deepxde <= 1.03 everywhere, deepxde / physym jet >= 1.4 for Burgers.
The network of every arm starts from the same weights (copies of one initialisation).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from typing import Any, Callable

import numpy as np
import torch

from _common import (Context, Result, Target, Untimed, fmt_ratio, fmt_sig, interleaved,
                     ratio_stats, ratio_target)
from physym import Expansion, get_problem

NAME = "pinn"
TITLE = "PINN training speed: physym's engines vs a plain DeepXDE script vs a hand-written torch loop"
TARGET = 1.03
JET_TARGET = 1.4
PROBLEMS = ("burgers", "helmholtz2d")


def _autograd_jet(net: Any, x_all: torch.Tensor, directions: tuple[int, ...]) -> Any:
    """:class:`~physym.models.pinn_jet.Jet` of ``net`` by double reverse-mode autograd (what
    DeepXDE's ``dde.grad`` does)."""
    from physym.models.pinn_jet import Jet  # noqa: PLC0415

    x = x_all.clone().requires_grad_(True)
    u = net(x)
    (g,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    second = [torch.autograd.grad(g[:, j].sum(), x, create_graph=True)[0][:, j:j + 1]
              for j in directions]
    return Jet(u, g.T.unsqueeze(-1), torch.stack(second), directions)


def _loss_terms(problem_name: str, problem: Any, data: Any, dtype: torch.dtype = torch.float32
                ) -> tuple[tuple[int, ...], Callable[[Any], torch.Tensor]]:
    """The second-derivative directions and the total loss, from a jet, on the DeepXDE data's
    points (the terms DeepXDE sums)."""
    x_all = torch.as_tensor(np.asarray(data.train_x), dtype=dtype)
    n_bc = sum(data.num_bcs)
    starts = np.cumsum([0] + list(data.num_bcs))
    if problem_name == "burgers":
        nu = problem.params.nu
        ic_value = torch.sin(math.pi * x_all[starts[1]:starts[2], 0:1])

        def total(jet: Any) -> torch.Tensor:
            u = jet.value()
            r = (jet.d(1) + u * jet.d(0) - nu * jet.dd(0))[n_bc:]
            bc = u[starts[0]:starts[1]]
            ic = u[starts[1]:starts[2]] + ic_value
            return (r ** 2).mean() + (bc ** 2).mean() + (ic ** 2).mean()
        return (0,), total
    k = problem.params.modes * math.pi
    f = k ** 2 * torch.sin(k * x_all[:, 0:1]) * torch.sin(k * x_all[:, 1:2])

    def total(jet: Any) -> torch.Tensor:
        u = jet.value()
        r = (-(jet.dd(0) + jet.dd(1)) - k ** 2 * u - f)[n_bc:]
        return (r ** 2).mean() + (u[:n_bc] ** 2).mean()
    return (0, 1), total


def _losses_fn(problem_name: str, problem: Any, data: Any, dtype: torch.dtype = torch.float32
               ) -> Callable[[Any], torch.Tensor]:
    """The hand-written total loss of ``net`` by double reverse-mode autograd."""
    x_all = torch.as_tensor(np.asarray(data.train_x), dtype=dtype)
    directions, total = _loss_terms(problem_name, problem, data, dtype)
    return lambda net: total(_autograd_jet(net, x_all, directions))


def _forward_mode_data(dde: Any, problem_name: str, problem: Any, data: Any) -> Any:
    """``data`` with its residual in the form DeepXDE's forward-mode autodiff needs (the
    network output arrives as a ``(values, function)`` tuple, and so does every derivative)."""
    if problem_name == "burgers":
        nu = problem.params.nu

        def residual(x: Any, y: Any) -> Any:
            u_x = dde.grad.jacobian(y, x, i=0, j=0)[0]
            u_t = dde.grad.jacobian(y, x, i=0, j=1)[0]
            u_xx = dde.grad.hessian(y, x, i=0, j=0)[0]
            return u_t + y[0] * u_x - nu * u_xx
    else:
        k = problem.params.modes * math.pi

        def residual(x: Any, y: Any) -> Any:
            lap = dde.grad.hessian(y, x, i=0, j=0)[0] + dde.grad.hessian(y, x, i=1, j=1)[0]
            source = k ** 2 * torch.sin(k * x[:, 0:1]) * torch.sin(k * x[:, 1:2])
            return -lap - k ** 2 * y[0] - source
    forward = copy.copy(data)
    forward.pde = residual
    return forward


def _torch_loop(net: Any, loss: Callable[[], torch.Tensor], phase: str, steps: int,
                lr: float) -> None:
    """Adam for ``steps`` steps, or one L-BFGS call of ``steps`` iterations (DeepXDE's
    settings), on ``loss()``."""
    if phase == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()
        return
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=steps,
                            max_eval=int(1.25 * steps), tolerance_grad=1e-8,
                            tolerance_change=0, history_size=100,
                            line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        value = loss()
        value.backward()
        return value

    opt.step(closure)


def _deepxde_script(dde: Any, data: Any, net: Any, phase: str, steps: int, lr: float) -> None:
    """What a user writes with DeepXDE alone: compile, train, no callbacks."""
    model = dde.Model(data, net)
    if phase == "adam":
        model.compile("adam", lr=lr, verbose=0)
        model.train(iterations=steps, display_every=steps, verbose=0)
    else:
        dde.optimizers.config.set_LBFGS_options(maxiter=steps)
        model.compile("L-BFGS", verbose=0)
        model.train(display_every=10 ** 9, verbose=0)


def _setup(ctx: Context, problem_name: str, n: int, phase: str) -> dict[str, Any]:
    """The arms of one case, each running on ``ctx.device`` (its points, network and the
    tensors DeepXDE makes are created there, as a run does inside
    :func:`~physym.models.pinn_train.device_scope`)."""
    from physym.models.pinn_train import device_scope  # noqa: PLC0415

    with device_scope(ctx.device):
        setup = _build(ctx, problem_name, n, phase)

    def on_device(arm: Callable[[], Any]) -> Callable[[], Any]:
        def run_arm() -> Any:
            with device_scope(ctx.device):  # no device mode on the CPU, as in a run
                return arm()
        return run_arm

    setup["arms"] = {name: on_device(arm) for name, arm in setup["arms"].items()}
    return setup


def _build(ctx: Context, problem_name: str, n: int, phase: str) -> dict[str, Any]:
    from physym.models.pinn import build_fnn, load_deepxde  # noqa: PLC0415
    from physym.models.pinn_engine import jet_fallback, train_jet  # noqa: PLC0415
    from physym.models.pinn_train import train_phases  # noqa: PLC0415

    dde = load_deepxde()
    problem = get_problem(problem_name).task("pinn")()
    steps = 5 if ctx.quick else (200 if phase == "adam" else 100)
    budget = problem.budget("smoke" if ctx.quick else "quick")
    # torch's L-BFGS: the arms compare the same optimiser (physym's default L-BFGS-B is
    # another one; bench_lbfgs_stall.py compares the two)
    budget = dataclasses.replace(budget, adam_iterations=steps if phase == "adam" else 0,
                                 lbfgs_iterations=steps if phase == "lbfgs" else 0,
                                 lbfgs_solver="torch")
    dde.config.set_random_seed(0)
    data = problem.deepxde_data(dde, budget)
    forward_data = _forward_mode_data(dde, problem_name, problem, data)
    torch.manual_seed(0)
    net0 = build_fnn(dde, d_in=len(problem.input_names), d_out=1, budget=budget,
                     expansion=Expansion(n))
    reason = jet_fallback(dde, problem, data, net0, "adam-lbfgs")
    if reason is not None:
        raise RuntimeError(f"the jet engine cannot train {problem_name}: {reason}")
    total = _losses_fn(problem_name, problem, data)
    total64 = _losses_fn(problem_name, problem, data, torch.float64)
    compile_s: list[float] = []

    def physym_arm() -> None:
        model = dde.Model(data, copy.deepcopy(net0))
        train_phases(dde, model, model.net, budget=budget)

    def jet_arm() -> Untimed:
        out = train_jet(dde, problem, data, copy.deepcopy(net0), budget=budget,
                        compile=not ctx.quick)
        compile_s.append(out.record["compile_s"])
        return Untimed(out.record["compile_s"])

    def deepxde_arm() -> None:
        _deepxde_script(dde, data, copy.deepcopy(net0), phase, steps, budget.lr)

    def forward_arm() -> None:
        dde.config.autodiff = "forward"  # what set_default_autodiff sets, without its print
        try:
            _deepxde_script(dde, forward_data, copy.deepcopy(net0), phase, steps, budget.lr)
        finally:
            dde.config.autodiff = "reverse"

    def torch_arm() -> None:
        net = copy.deepcopy(net0)
        _torch_loop(net, lambda: total(net), phase, steps, budget.lr)

    def torch64_arm() -> None:
        net = copy.deepcopy(net0).double()
        _torch_loop(net, lambda: total64(net), phase, steps, budget.lr)

    points = len(np.asarray(data.train_x))
    setting = (f"{problem_name}, n = {n}, {phase}, {points} points, tanh "
               f"{budget.width} x {budget.depth}")
    return {"setting": setting, "steps": steps, "compile_s": compile_s,
            "arms": {"physym": physym_arm, "physym jet": jet_arm, "deepxde": deepxde_arm,
                     "deepxde fwd": forward_arm, "torch": torch_arm, "torch f64": torch64_arm}}


ARMS = ("torch", "torch f64", "deepxde", "deepxde fwd", "physym", "physym jet")
HEADERS = ["setting", "steps", *(f"ms/step {a}" for a in ARMS),
           "physym/deepxde median [IQR]", "deepxde/physym jet median [IQR]",
           "deepxde/torch median [IQR]", "deepxde fwd/deepxde median [IQR]",
           "torch f64/torch median [IQR]", "jet compile s"]


def run(ctx: Context) -> Result:
    """Time the arms per problem, expansion and phase; targets physym/deepxde <= 1.03 and,
    for Burgers, deepxde/physym jet >= 1.4."""
    cases = [(p, n, ph) for p in PROBLEMS for n in (0, 4) for ph in ("adam", "lbfgs")]
    task = ctx.progress.add_task("pinn", total=len(cases) * ctx.repeats)
    result = Result(NAME, TITLE, HEADERS)
    for problem_name, n, phase in cases:
        ctx.progress.update(task, description=f"pinn · {problem_name} n={n} {phase}")
        setup = _setup(ctx, problem_name, n, phase)
        times = interleaved(setup["arms"], repeats=ctx.repeats, device=ctx.device,
                            tick=lambda: ctx.progress.advance(task))
        ratios = {"physym_over_deepxde": ratio_stats(times["physym"], times["deepxde"]),
                  "deepxde_over_jet": ratio_stats(times["deepxde"], times["physym jet"]),
                  "deepxde_over_torch": ratio_stats(times["deepxde"], times["torch"]),
                  "forward_over_deepxde": ratio_stats(times["deepxde fwd"], times["deepxde"]),
                  "float64_over_float32": ratio_stats(times["torch f64"], times["torch"])}
        per_step = {k: sorted(v)[len(v) // 2] / setup["steps"] for k, v in times.items()}
        compile_s = sorted(setup["compile_s"])[len(setup["compile_s"]) // 2]
        result.rows.append({"problem": problem_name, "n": n, "phase": phase,
                            "setting": setup["setting"], "steps": setup["steps"],
                            "block_s": times, "step_s": per_step, **ratios,
                            "jet_compile_s": compile_s})
        result.table.append([setup["setting"], str(setup["steps"]),
                             *(fmt_sig(1e3 * per_step[a]) for a in ARMS),
                             *(fmt_ratio(r) for r in ratios.values()), fmt_sig(compile_s)])
        met, measured = ratio_target(ratios["physym_over_deepxde"], TARGET)
        result.targets.append(Target(f"{problem_name} n={n} {phase}: physym / deepxde median "
                                     f"≤ {TARGET}", measured, met))
        if problem_name == "burgers":
            fast = ratios["deepxde_over_jet"]["median"]
            result.targets.append(Target(f"burgers n={n} {phase}: deepxde / physym jet median "
                                         f"≥ {JET_TARGET}", f"{fast:.3f}", fast >= JET_TARGET))
    result.settings = {"budget": "smoke" if ctx.quick else "quick (points and network)",
                       "repeats": ctx.repeats, "warmup_blocks": 1,
                       "adam_steps": 5 if ctx.quick else 200,
                       "lbfgs_iterations": 5 if ctx.quick else 100}
    result.notes = [
        "One block = one phase from the same initial weights; every arm builds its model "
        "(DeepXDE's compile included) inside the block, as a run does.",
        "L-BFGS may stop before its limit; the ms/step column divides by the limit, so it is a "
        "lower bound there, but all arms run the same optimiser on the same objective.",
        "physym jet: `--engine jet` (physym.models.pinn_engine.train_jet). Each block compiles "
        "its loss afresh, as every run does; that compile (the first loss and gradient "
        "evaluation included) is the 'jet compile s' column, paid once per run, and is left "
        "out of the block's time.",
        "deepxde fwd: DeepXDE's forward-mode autodiff evaluates the network again inside a "
        "torch.func.jvp for every first derivative, and inside nested ones for every second "
        "derivative.",
        "torch f64: the float32 hand-written loop with the network and points in float64.",
        "Nothing else may run on the machine while this benchmark times (the two cores are "
        "shared by everything).",
    ]
    if ctx.quick:
        result.notes.insert(0, "`--quick`: tiny sizes, and the jet engine eager (not compiled) "
                               "— a check that the script works, not a measurement.")
    return result
