"""Regression adapter: the :class:`~physym.models.mlp.MLP` trained on a problem's samples.

Full-batch Adam, then optionally L-BFGS, on the mean squared error, in float64: problems
score derivatives of the trained network (autograd), which float32 would limit to about
1e-4 relative accuracy. The two arms share the samples and every layer's initial draws
(see :mod:`physym.models.mlp`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from physym.budgets import RegressionBudget
from physym.convergence import Phase, training_record
from physym.io import derive_seed, fingerprint_arrays
from physym.metrics import max_abs_error, relative_l2_points
from physym.models import Adapter
from physym.models._bias import adam_groups
from physym.models._params import count_parameters, parameter_snapshot
from physym.models.mlp import MLP, OPTIONS, build_mlp, layer_seed
from physym.models.pinn_train import lbfgs_stop
from physym.options import ModelOptions
from physym.problem import Fit, TrainingDiverged

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion
    from physym.problem import RegressionProblem

__all__ = ["ADAPTER", "train_mlp", "fit_regression", "measurement_budget", "sample_subset"]

logger = logging.getLogger(__name__)

#: L-BFGS iterations per ``optimizer.step`` call (progress granularity).
_LBFGS_CHUNK = 50
#: Adam progress is reported about this many times.
_ADAM_REPORTS = 100


def train_mlp(
    net: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    budget: RegressionBudget,
    progress: Callable[[int], None] | None = None,
    bias_lr_factor: float = 1.0,
    adam_eps: float | None = None,
) -> tuple[float, int, dict[str, Any]]:
    """Minimise the mean squared error of ``net(x)`` against ``y`` in place.

    Full-batch Adam for ``budget.adam_iterations`` steps at ``budget.lr``, then torch's
    L-BFGS (strong Wolfe line search) for at most ``budget.lbfgs_iterations`` iterations, in
    chunks of 50 so that progress can be reported. Without dropout training is
    deterministic (there is no sampling); dropout masks come from torch's global generator.
    The network is left in eval mode, batch-norm running statistics set to those of the
    final network on ``x``; ``final_loss`` is evaluated so.

    Parameters
    ----------
    x : torch.Tensor
        ``(N, d)`` inputs.
    y : torch.Tensor
        ``(N, k)`` targets.
    bias_lr_factor : float
        Adam learning-rate factor of the first-layer bias ``net.linears[0].bias`` (the
        ``bias_lr`` control, :attr:`~physym.options.ModelOptions.bias_lr_factor`); L-BFGS
        has no learning rates and is unaffected.
    adam_eps : float, optional
        Adam's ``eps`` (torch's default 1e-8 when ``None``); the bias-equivalence test sets
        it to about 0, where the ``equivalent`` control is exactly the expanded network.

    Returns
    -------
    final_loss : float
        Training MSE at the end.
    iterations : int
        Adam steps plus L-BFGS iterations performed.
    training : dict
        The ``training`` record (:func:`physym.convergence.training_record`): the loss every
        ``adam_iterations / 100`` Adam steps and after every L-BFGS chunk, and why L-BFGS
        stopped.

    Raises
    ------
    TrainingDiverged
        When the loss becomes NaN or infinite.
    """
    every = max(1, budget.adam_iterations // _ADAM_REPORTS)
    net.train()
    params = (adam_groups(net.parameters(), net.linears[0].bias, lr=budget.lr,
                          factor=bias_lr_factor) if bias_lr_factor != 1.0 else net.parameters())
    opt = torch.optim.Adam(params, lr=budget.lr,
                           **({} if adam_eps is None else {"eps": adam_eps}))
    history: list[tuple[int, float]] = []
    for step in range(1, budget.adam_iterations + 1):
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((net(x) - y) ** 2)
        if not torch.isfinite(loss):
            raise TrainingDiverged(f"non-finite training loss at Adam step {step}")
        loss.backward()
        opt.step()
        if (step - 1) % every == 0:
            history.append((step - 1, float(loss.detach())))
        if progress is not None and (step % every == 0 or step == budget.adam_iterations):
            progress(every if step % every == 0 else step % every)
    iterations = budget.adam_iterations
    phases = [Phase("adam", iterations, iterations, "iteration limit")]
    if budget.lbfgs_iterations > 0:
        done, stop = _run_lbfgs(net, x, y, budget.lbfgs_iterations, progress, history,
                                offset=iterations)
        phases.append(Phase("lbfgs", done, budget.lbfgs_iterations, stop))
        iterations += done
    torch.optim.swa_utils.update_bn([x], net)  # no-op without batch norm
    net.eval()
    with torch.no_grad():
        final = float(torch.mean((net(x) - y) ** 2))
    if not math.isfinite(final):
        raise TrainingDiverged("non-finite final training loss")
    history.append((iterations, final))
    return final, iterations, training_record(phases, history)


def _run_lbfgs(net: nn.Module, x: torch.Tensor, y: torch.Tensor, max_iter: int,
               progress: Callable[[int], None] | None, history: list[tuple[int, float]], *,
               offset: int) -> tuple[int, str]:
    """L-BFGS in chunks, the loss after each appended to ``history`` (at ``offset`` plus the
    iterations done); returns the iterations done (it stops early once converged) and why it
    stopped (:func:`physym.models.pinn_train.lbfgs_stop`'s reasons)."""
    chunk = min(_LBFGS_CHUNK, max_iter)
    # max_eval is fixed at construction; make it large so that only max_iter ends a chunk
    opt = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=chunk, max_eval=100 * chunk,
                            history_size=50, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-12, tolerance_change=1e-15)
    first = opt.param_groups[0]["params"][0]
    bad: list[float] = []

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((net(x) - y) ** 2)
        if not torch.isfinite(loss):
            bad.append(float(loss.detach()))
            return loss.detach()  # no gradient: the step ends at once, divergence raised below
        loss.backward()
        return loss

    done = 0
    while done < max_iter:
        limit = min(chunk, max_iter - done)
        opt.param_groups[0]["max_iter"] = limit
        opt.step(closure)
        if bad:
            raise TrainingDiverged(f"non-finite training loss in L-BFGS iteration {done + 1}")
        n_iter = int(opt.state[first].get("n_iter", 0))
        advanced, done = n_iter - done, n_iter
        with torch.no_grad():
            history.append((offset + done, float(torch.mean((net(x) - y) ** 2))))
        if progress is not None and advanced > 0:
            progress(advanced)
        if advanced < limit:
            break  # converged: gradient or change below tolerance
    return done, lbfgs_stop(opt, done, max_iter)


@contextlib.contextmanager
def _single_thread(device: torch.device) -> Iterator[None]:
    """Run tiny CPU work on one intra-op thread, restoring the setting afterwards.

    Full-batch training of a small MLP consists of many tiny kernels; extra threads only
    add synchronisation, which on a busy machine made steps up to 10x slower (measured).
    """
    previous = torch.get_num_threads()
    if device.type != "cpu" or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def _dropout_rng(net: MLP, seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's generator from ``seed`` for the dropout masks, restoring it afterwards.

    A no-op without dropout (the default network draws nothing while training).
    """
    if net.drop is None:
        yield
        return
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(layer_seed(seed, len(net.linears)))
        yield


def fit_regression(
    problem: "RegressionProblem",
    *,
    model: str,
    expansion: "Expansion",
    budget: RegressionBudget,
    seed: int,
    data_seed: int = 0,
    device: torch.device | str = "cpu",
    progress: Callable[[int], None] | None = None,
    data_file: str | None = None,
    options: ModelOptions | None = None,
    sample_fraction: float = 1.0,
    adam_eps: float | None = None,
) -> Fit:
    """Train an :class:`MLP` on ``problem.training_samples(seed=data_seed)`` and score it.

    Parameters
    ----------
    problem : RegressionProblem
        Supplies the training samples, the test set and the derived quantities.
    model : {"mlp"}
        The only regression model.
    expansion : Expansion
        ``append`` or ``symmetric`` layout; ``n = 0`` is the baseline.
    budget : RegressionBudget
        Network size and optimiser schedule.
    seed, data_seed : int
        Initialisation (and dropout-mask) seed; seed of the (noisy) training samples.
    device : torch.device or str
        Where to train (float64; one intra-op thread on the CPU).
    progress : callable, optional
        Called with step counts (Adam steps, L-BFGS iterations) summing to at most
        ``budget.total_steps``.
    data_file : None
        Unused (the common adapter signature; the runner refuses a data file here).
    sample_fraction : float
        Train on :func:`sample_subset` of the samples (the replica measurement).
    adam_eps : float, optional
        Adam's ``eps`` (see :func:`train_mlp`; for the bias-equivalence check).

    Returns
    -------
    Fit
        ``error``: relative L2 of the outputs on ``problem.test_set()``; ``metrics``: the
        relative L2 error of each of ``problem.derived_names``, ``max_error``,
        ``final_loss`` (training MSE), ``iterations`` and ``train_time`` (s);
        ``data_fingerprint`` hashes the training inputs, targets and their standard
        deviations; ``prediction``: ``(M, k + len(derived_names))``, the outputs then the
        derived quantities on the test inputs.
    """
    if model != "mlp":
        raise ValueError(f"model must be one of mlp for a regression task, got {model!r}")
    device = torch.device(device)
    x_np, y_np, sigma_np = (np.asarray(a) for a in problem.training_samples(seed=data_seed))
    if sample_fraction != 1.0:
        x_np, y_np, sigma_np = sample_subset(x_np, y_np, sigma_np, fraction=sample_fraction,
                                             seed=data_seed)
    x_np, y_np = np.asarray(x_np, np.float64), np.asarray(y_np, np.float64)
    fingerprint = fingerprint_arrays(x_np, y_np, np.asarray(sigma_np, np.float64))
    x_test_np, y_test_np = problem.test_set()
    net = build_mlp(d_in=x_np.shape[1], d_out=y_np.shape[1], budget=budget,
                    expansion=expansion, seed=seed, device=device, options=options)
    n_params = count_parameters(net)
    initial_state = parameter_snapshot(net)
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64, device=device)  # noqa: E731
    with _single_thread(device), _dropout_rng(net, seed, device):
        start = time.perf_counter()
        final_loss, iterations, training = train_mlp(
            net, as_tensor(x_np), as_tensor(y_np), budget=budget, progress=progress,
            bias_lr_factor=(options or ModelOptions()).bias_lr_factor, adam_eps=adam_eps)
        train_time = time.perf_counter() - start
        x_test = as_tensor(x_test_np)
        with torch.no_grad():
            pred = net(x_test).cpu().numpy()
        if not np.all(np.isfinite(pred)):
            raise TrainingDiverged("non-finite predictions on the test set")
        derived = problem.derived(net, x_test).detach().cpu().numpy()
    y_test = np.asarray(y_test_np, np.float64).reshape(pred.shape)
    exact = np.asarray(problem.exact_derived(x_test_np), np.float64).reshape(derived.shape)
    metrics = {name: relative_l2_points(derived[:, j], exact[:, j])
               for j, name in enumerate(problem.derived_names)}
    metrics.update(max_error=max_abs_error(pred, y_test), final_loss=final_loss,
                   iterations=float(iterations), train_time=train_time)
    logger.debug("fit_regression %s seed %d: %s", expansion.describe(), seed, metrics)
    return Fit(
        error=relative_l2_points(pred, y_test),
        metrics=metrics,
        n_params=int(n_params),
        data_fingerprint=fingerprint,
        prediction=np.concatenate([pred, derived], axis=1),
        model=net,
        initial_state=initial_state,
        training=training,
    )


def sample_subset(*arrays: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """The same subset of ``fraction`` of the rows (at least one) of each array, in order,
    drawn from ``derive_seed(seed, 1)``."""
    n = len(arrays[0])
    keep = np.random.default_rng(derive_seed(seed, 1)).permutation(n)
    idx = np.sort(keep[: 0 if n == 0 else max(1, int(round(fraction * n)))])
    return tuple(np.asarray(a)[idx] for a in arrays)


def measurement_budget(budget: RegressionBudget, *, steps: int, fraction: float,
                       data_seed: int) -> tuple[RegressionBudget, dict[str, Any]]:
    """Budget of a replica measurement: ``steps`` full-batch Adam steps, no L-BFGS, on a
    subset of ``fraction`` of the samples drawn from ``data_seed`` (the same for every
    replica)."""
    short = dataclasses.replace(budget, adam_iterations=steps, lbfgs_iterations=0)
    return short, ({} if fraction == 1.0 else {"sample_fraction": fraction})


def _memory(problem: "RegressionProblem", *, model: str, budget: RegressionBudget,
            expansion: "Expansion") -> float:
    """Peak bytes, roughly: float64 activations of the test set (derived quantities by
    autograd keep about 8 copies) and the parameters with the optimisers' state."""
    x_test, _ = problem.test_set()
    widths = expansion.width(len(problem.input_names)) + budget.width * budget.depth
    params = (widths + 1) * budget.width
    return 8.0 * (8 * len(x_test) * widths + 200 * params)


#: The regression kind's adapter (the runner's table maps ``"regression"`` to it).
ADAPTER = Adapter(kind="regression", fit=fit_regression, measurement=measurement_budget,
                  options=OPTIONS, memory=_memory)
