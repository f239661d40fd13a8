"""The PINN training phases: Adam, then L-BFGS, on a compiled DeepXDE model, recorded.

L-BFGS is scipy's L-BFGS-B on the loss in float64 by default (:mod:`physym.models.lbfgsb`),
or on the float32 loss, or DeepXDE's torch L-BFGS (``PINNBudget.lbfgs_solver``).

:func:`train_phases` runs both phases on a ``dde.Model`` and returns the ``training``
record of :mod:`physym.convergence`: iterations run per phase, why each stopped, and the
training loss every ``1/100`` of the budget. The loss is read from what the optimiser's
``step`` returns (the loss it evaluated anyway), so recording costs no extra forward pass.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Callable

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.convergence import Phase, training_record
from physym.models._bias import adam_groups
from physym.models.lbfgsb import in_float64, minimize_lbfgsb
from physym.options import ModelOptions
from physym.problem import TrainingDiverged

__all__ = ["device_scope", "train_phases", "lbfgs_options", "lbfgs_stop", "lbfgs_segments",
           "LBFGS_CHUNK", "LBFGS_GTOL", "HISTORY_POINTS"]


def device_scope(device: torch.device | str) -> contextlib.AbstractContextManager[Any]:
    """``with torch.device(device)``, or no context where ``device`` already is torch's default.

    The device context is a torch function mode: it intercepts every torch call of the
    training loop, which cost 3-5% of a CPU PINN step (``benchmarks/bench_pinn_profile.py``,
    ``__torch_function__`` of ``torch/utils/_device.py``). Where the default device is the
    one asked for it changes nothing, so it is left out there.
    """
    if torch.device(device) == torch.get_default_device():
        return contextlib.nullcontext()
    return torch.device(device)


#: L-BFGS iterations per DeepXDE chunk (progress is reported between chunks).
LBFGS_CHUNK = 50
#: DeepXDE's default gradient tolerance (``set_LBFGS_options(gtol=1e-8)``).
LBFGS_GTOL = 1e-8
#: Loss-history points per phase, about.
HISTORY_POINTS = 100


class _StepRecorder:
    """Wraps ``opt.step`` to keep ``(iteration, loss)`` pairs and stop on a non-finite loss.

    ``count`` is how many iterations one call of ``step`` stands for (1 for Adam); for
    L-BFGS, whose call runs a whole chunk, ``iterations`` reads the optimiser's own count.
    """

    def __init__(self, model: Any, offset: int, every: int,
                 iterations: Callable[[], int] | None = None) -> None:
        self.model, self.offset, self.every = model, offset, max(1, every)
        self.history: list[tuple[int, float]] = []
        self.calls, self.bad = 0, False
        self._iterations = iterations
        opt = model.opt
        self._step = opt.step
        opt.step = self  # DeepXDE's train_step calls self.opt.step(closure)

    def __call__(self, closure: Callable[[], torch.Tensor]) -> Any:
        done = self._iterations() if self._iterations is not None else self.calls
        loss = self._step(closure)
        self.calls += 1
        if loss is not None and (self._iterations is not None or done % self.every == 0):
            value = float(loss.detach() if torch.is_tensor(loss) else loss)
            self.history.append((self.offset + done, value))
            if not math.isfinite(value):
                self.bad = True
                self.model.stop_training = True
        return loss


def _adam(net: Any, lr: float, options: ModelOptions | None, eps: float | None) -> Any:
    """``"adam"`` (DeepXDE's own) or, for ``bias_lr`` or a given ``eps``, a torch Adam with the
    first-layer bias in its own group; without weight decay both are the same optimiser."""
    factor = (options or ModelOptions()).bias_lr_factor
    if factor == 1.0 and eps is None:
        return "adam"
    groups = adam_groups(net.parameters(), net.linears[0].bias, lr=lr, factor=factor)
    return torch.optim.Adam(groups, lr=lr, **({} if eps is None else {"eps": eps}))


def _callback(dde: Any, progress: Callable[[int], None] | None, every: int = 1) -> Any:
    """A DeepXDE callback that forwards iteration counts (every ``every`` iterations and at
    the end of each ``train`` call: a progress bar need not redraw every step) and stops on
    a non-finite loss."""

    class Callback(dde.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.reported = 0
            self.diverged: str | None = None

        def _report(self, force: bool) -> None:
            done = self.model.train_state.iteration
            if progress is not None and done > self.reported and (
                    force or done - self.reported >= every):
                progress(done - self.reported)
                self.reported = done

        def on_epoch_end(self) -> None:
            state = self.model.train_state
            loss = state.loss_train
            if loss is not None and not np.all(np.isfinite(np.asarray(loss, dtype=float))):
                self.diverged = f"non-finite training loss at iteration {state.iteration}"
                self.model.stop_training = True
            self._report(False)

        def on_train_end(self) -> None:
            self._report(True)

    return Callback()


def _total_loss(model: Any) -> float:
    return float(np.sum(np.asarray(model.train_state.loss_train, dtype=float)))


def lbfgs_options(dde: Any, iterations: int) -> dict[str, Any]:
    """Set DeepXDE's L-BFGS options for ``iterations`` (gtol :data:`LBFGS_GTOL`, chunks of
    :data:`LBFGS_CHUNK`: progress every 50 iterations instead of every 1000) and return them.

    DeepXDE computes ``fun_per_step`` (each chunk's evaluation limit) once, at import, for
    its default 1000-iteration chunks (1250); it stays that here, as in a DeepXDE script.
    """
    dde.optimizers.config.set_LBFGS_options(maxiter=iterations, gtol=LBFGS_GTOL)
    dde.optimizers.LBFGS_options["iter_per_step"] = min(LBFGS_CHUNK, iterations)
    return dde.optimizers.LBFGS_options


def lbfgs_stop(opt: torch.optim.LBFGS, done: int, limit: int) -> str:
    """Why torch's L-BFGS ended after ``done`` of ``limit`` iterations.

    Before its limit, torch's L-BFGS stops when the gradient is within ``tolerance_grad``
    (``"tolerance"``) or when the step ``t * d`` is within ``tolerance_change`` (0 under
    DeepXDE): a line search that returned ``t = 0`` (``"no progress"``).
    """
    if done >= limit:
        return "iteration limit"
    first = opt.param_groups[0]["params"][0]
    state = opt.state[first]
    d, t = state.get("d"), state.get("t")
    if d is not None and t is not None and \
            float((d * t).abs().max()) <= opt.param_groups[0]["tolerance_change"]:
        return "no progress"
    return "tolerance"


def lbfgs_segments(segment: Callable[[int], tuple[int, str, float]], *, limit: int,
                   start_loss: float, max_restarts: int) -> tuple[int, str, int]:
    """Run L-BFGS for up to ``limit`` iterations, restarting it with a fresh history whenever
    it stops for no progress; return ``(iterations, stop, restarts)``.

    torch's L-BFGS ends a step when its strong-Wolfe line search returns a zero step length
    (``t * d`` within ``tolerance_change``, 0 under DeepXDE). That happens when the curvature
    pairs in its history have become a poor model of the loss: the direction shrinks (issue
    18 measured ``|d|max`` = 2.2e-7 against ``|grad|max`` = 4.4e-4) and no step along it
    lowers the loss. DeepXDE then takes the next one-iteration chunk for convergence and
    stops the phase, after as few as 3 of 5000 iterations. A new optimiser starts from the
    steepest-descent direction, which was meant to let the phase go on; measured, it did
    not (``benchmarks/results/lbfgs-stall.md``: the fresh start stalled after 1 iteration,
    the loss's decrease along the gradient being at float32 rounding level), which is why
    scipy's L-BFGS-B in float64 (``PINNBudget.lbfgs_solver``) is the default and restarts
    are off.

    A restart happens only after a segment that stopped for ``"no progress"`` before the
    limit **and** lowered the loss below where it began: a fresh start from the very point
    where the previous fresh start began would repeat it exactly. At most ``max_restarts``
    (``PINNBudget.lbfgs_restarts``; 0 is DeepXDE's behaviour). Runs that never stall are
    untouched (bit-identical to a single optimiser).

    Parameters
    ----------
    segment : callable
        ``segment(max_iterations) -> (iterations, stop, final_loss)``: builds a fresh
        L-BFGS optimiser, runs it for at most ``max_iterations`` and says why it stopped
        (:func:`lbfgs_stop`) and the loss it ended at.
    limit : int
        Iterations allowed in all segments together.
    start_loss : float
        The loss before the first segment.
    """
    total, restarts, best = 0, 0, start_loss
    while True:
        done, stop, final = segment(limit - total)
        total += done
        improved = math.isfinite(final) and final < best
        best = min(best, final) if math.isfinite(final) else best
        if (stop != "no progress" or total >= limit or not improved
                or restarts >= max_restarts):
            return total, stop, restarts
        restarts += 1


def train_phases(dde: Any, model: Any, net: torch.nn.Module, *, budget: PINNBudget,
                 options: ModelOptions | None = None, adam_eps: float | None = None,
                 progress: Callable[[int], None] | None = None,
                 loss_weights: list[float] | None = None,
                 adam_callbacks: list[Any] | None = None, adam_rounds: int = 1,
                 between_rounds: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Train ``model`` (a ``dde.Model`` of ``net``): Adam, then L-BFGS; return the record.

    Adam runs ``budget.adam_iterations`` steps at ``budget.lr`` (the first-layer bias at
    ``options.bias_lr_factor`` times that, Adam ``eps`` = ``adam_eps`` when given). L-BFGS
    then runs up to ``budget.lbfgs_iterations`` on DeepXDE's loss with the loss weights Adam
    ended with: by scipy's L-BFGS-B (:func:`physym.models.lbfgsb.minimize_lbfgsb`) with the
    network and the loss in float64 (``budget.lbfgs_solver = "scipy-float64"``, the default)
    or float32 (``"scipy"``), or by DeepXDE's own torch L-BFGS
    in chunks of :data:`LBFGS_CHUNK` (``"torch"``), restarted after a stall up to
    ``budget.lbfgs_restarts`` times (:func:`lbfgs_segments`).

    The keywords after ``progress`` are the hooks of the training methods
    (:mod:`physym.models.pinn_methods`): ``loss_weights`` of the loss terms, DeepXDE
    callbacks for the Adam phase only, and Adam in ``adam_rounds`` equal rounds (one
    optimiser, its state kept) with ``between_rounds(k)`` called after round ``k`` of the
    first ``adam_rounds - 1``.

    Returns
    -------
    dict
        :func:`physym.convergence.training_record` of the two phases.

    Raises
    ------
    TrainingDiverged
        When a recorded or final loss is NaN or infinite; Adam stops at the first recorded
        one (every ``adam_iterations / 100`` steps).
    """
    every = max(1, budget.adam_iterations // HISTORY_POINTS)
    callback = _callback(dde, progress, every)
    model.compile(_adam(net, budget.lr, options, adam_eps), lr=budget.lr,
                  loss_weights=loss_weights, verbose=0)
    adam = _StepRecorder(model, 0, every)
    rounds = max(1, min(adam_rounds, budget.adam_iterations))
    ends = [round(budget.adam_iterations * (k + 1) / rounds) for k in range(rounds)]
    for k, (start, end) in enumerate(zip([0, *ends[:-1]], ends)):
        model.train(iterations=end - start, display_every=max(1, end - start),
                    callbacks=[callback, *(adam_callbacks or [])], verbose=0)
        if adam.bad or callback.diverged is not None:
            break
        if between_rounds is not None and k < rounds - 1:
            between_rounds(k)
    phases = [Phase("adam", adam.calls, budget.adam_iterations,
                    "non-finite loss" if adam.bad else "iteration limit")]
    history = list(adam.history)
    if adam.bad or callback.diverged is not None:
        raise TrainingDiverged(callback.diverged or
                               f"non-finite training loss at Adam step {history[-1][0]}")
    history.append((adam.calls, _total_loss(model)))
    if budget.lbfgs_iterations > 0 and budget.lbfgs_solver.startswith("scipy"):
        state = model.train_state
        wide = budget.lbfgs_solver == "scipy-float64"
        x_train = np.asarray(state.X_train, dtype=np.float64) if wide else state.X_train

        def loss() -> torch.Tensor:
            return torch.sum(model.outputs_losses_train(x_train, state.y_train,
                                                        state.train_aux_vars)[1])

        with in_float64(net, wide):
            done, stop, _ = minimize_lbfgsb(
                list(net.parameters()), loss, maxiter=budget.lbfgs_iterations, history=history,
                offset=adam.calls, progress=progress,
                every=max(1, budget.lbfgs_iterations // HISTORY_POINTS))
        phases.append(Phase("lbfgs", done, budget.lbfgs_iterations, stop))
        if stop == "non-finite loss":
            raise TrainingDiverged("non-finite training loss in L-BFGS")
        state.iteration += done
        state.step += done
        model.train(iterations=0, display_every=1, verbose=0)  # train_state's losses, here
        final = _total_loss(model)
        if not math.isfinite(final):
            raise TrainingDiverged("non-finite training loss in L-BFGS")
        history.append((adam.calls + done, final))
    elif budget.lbfgs_iterations > 0:
        start = adam.calls  # the iteration count where the next segment begins

        def segment(limit: int) -> tuple[int, str, float]:
            nonlocal start
            lbfgs_options(dde, limit)
            model.compile("L-BFGS", loss_weights=model.loss_weights, verbose=0)
            opt = model.opt
            first = opt.param_groups[0]["params"][0]

            def n_iter() -> int:
                return int(opt.state[first].get("n_iter", 0)) if first in opt.state else 0

            lbfgs = _StepRecorder(model, start, 1, n_iter)
            model.train(display_every=10**9, callbacks=[callback], verbose=0)
            done = n_iter()
            history.extend(lbfgs.history[1:])  # its first point is the previous end again
            start += done
            if lbfgs.bad or callback.diverged is not None:
                return done, "non-finite loss", math.nan
            return done, lbfgs_stop(opt, done, limit), _total_loss(model)

        done, stop, restarts = lbfgs_segments(segment, limit=budget.lbfgs_iterations,
                                              start_loss=history[-1][1],
                                              max_restarts=budget.lbfgs_restarts)
        phases.append(Phase("lbfgs", done, budget.lbfgs_iterations, stop, restarts))
        final = _total_loss(model)
        if stop == "non-finite loss" or not math.isfinite(final):
            raise TrainingDiverged(callback.diverged or "non-finite training loss in L-BFGS")
        history.append((adam.calls + done, final))
    return training_record(phases, history)
