"""DeepXDE adapter: PINN training with and without input expansion.

DeepXDE is imported lazily, with ``DDE_BACKEND=pytorch``. Its PyTorch backend calls
``torch.set_default_device("cuda")`` at import time when a GPU exists; :func:`load_deepxde`
restores the caller's default device afterwards and training runs inside an explicit
``with torch.device(...)`` block, so the device is always the one asked for.

The expanded network is DeepXDE's own ``FNN`` with first-layer width ``d + n``; the constants
are added by ``FNN.apply_feature_transform`` and carry no gradient, so the PDE residual's
derivatives with respect to the original coordinates are unchanged.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import time
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.io import fingerprint_arrays
from physym.options import ModelOptions, matched_extra_units
from physym.metrics import max_abs_error, relative_l2_points
from physym.problem import Fit, PINNBudget, TrainingDiverged

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion
    from physym.problem import PINNProblem

__all__ = ["load_deepxde", "fit_pinn", "build_fnn"]

logger = logging.getLogger(__name__)

_DDE: Any = None


def load_deepxde() -> Any:
    """Import DeepXDE with the PyTorch backend, leaving torch's default device untouched.

    Raises
    ------
    RuntimeError
        If ``DDE_BACKEND`` names another backend.
    """
    global _DDE
    if _DDE is not None:
        return _DDE
    backend = os.environ.get("DDE_BACKEND", "pytorch")
    if backend != "pytorch":
        raise RuntimeError(f"physym needs DeepXDE's pytorch backend, but DDE_BACKEND={backend!r}")
    os.environ["DDE_BACKEND"] = "pytorch"
    previous = torch.get_default_device()
    deepxde_logger = logging.getLogger("deepxde")
    # DeepXDE prints its backend banner on import; send it to the log instead.
    banner = io.StringIO()
    with contextlib.redirect_stdout(banner), contextlib.redirect_stderr(banner):
        import deepxde  # noqa: PLC0415  (lazy on purpose)
    logger.debug("deepxde import: %s", banner.getvalue().strip())

    torch.set_default_device(previous)
    deepxde_logger.setLevel(logging.WARNING)
    _DDE = deepxde
    return deepxde


def build_fnn(dde: Any, *, d_in: int, d_out: int, budget: PINNBudget, expansion: "Expansion",
              options: ModelOptions | None = None) -> Any:
    """DeepXDE ``FNN`` ``[d + n] + [width] * depth + [d_out]``, tanh, Glorot normal.

    With ``options.match_params = m`` (baseline only) the first hidden layer gets the
    :func:`~physym.options.matched_extra_units` extra units that match ``m`` constants.
    """
    options = options or ModelOptions()
    options.require_only("match_params", model="fnn")
    sizes = [expansion.width(d_in)] + [budget.width] * budget.depth + [d_out]
    if options.match_params:
        if not expansion.is_identity:
            raise ValueError("match_params applies to the unexpanded baseline (n = 0)")
        sizes[1] += matched_extra_units(n=options.match_params, fan_out=budget.width,
                                        fan_in=d_in, next_fan_out=sizes[2])
    net = dde.nn.FNN(sizes, "tanh", "Glorot normal")
    if not expansion.is_identity:
        net.apply_feature_transform(expansion)
    return net


def _make_callback(dde: Any, progress: Callable[[int], None] | None) -> Any:
    """A DeepXDE callback that forwards iteration counts and stops on a non-finite loss."""

    class Callback(dde.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.reported = 0
            self.diverged: str | None = None

        def on_epoch_end(self) -> None:
            state = self.model.train_state
            loss = state.loss_train
            if loss is not None and not np.all(np.isfinite(np.asarray(loss, dtype=float))):
                self.diverged = f"non-finite training loss at iteration {state.iteration}"
                self.model.stop_training = True
            if progress is not None and state.iteration > self.reported:
                progress(state.iteration - self.reported)
                self.reported = state.iteration

    return Callback()


def fit_pinn(
    problem: "PINNProblem",
    *,
    model: str,
    expansion: "Expansion",
    budget: PINNBudget,
    seed: int,
    device: torch.device,
    progress: Callable[[int], None] | None = None,
    options: ModelOptions | None = None,
) -> Fit:
    """Train a DeepXDE PINN for ``problem`` and score it against ``problem.exact``.

    Collocation points come from ``problem.deepxde_data`` (Hammersley, deterministic), so
    both arms of a comparison see identical points; the returned ``data_fingerprint`` hashes
    them. Adam for ``budget.adam_iterations`` steps, then L-BFGS for up to
    ``budget.lbfgs_iterations``.

    Returns
    -------
    Fit
        ``error`` is the relative L2 error on ``problem.evaluation_points()``;
        ``prediction`` has shape ``(N_eval, n_outputs)``.
    """
    if model != "fnn":
        raise ValueError(f"model must be one of fnn for a PINN task, got {model!r}")
    dde = load_deepxde()
    d_in, d_out = len(problem.input_names), len(problem.output_names)
    with torch.device(device):
        dde.config.set_random_seed(seed)
        data = problem.deepxde_data(dde, budget)
        fingerprint = fingerprint_arrays(np.asarray(data.train_x_all), np.asarray(data.train_x))
        net = build_fnn(dde, d_in=d_in, d_out=d_out, budget=budget, expansion=expansion,
                        options=options)
        net.to(device)
        n_params = sum(p.numel() for p in net.parameters() if p.requires_grad)
        m = dde.Model(data, net)
        callback = _make_callback(dde, progress)
        start = time.perf_counter()
        m.compile("adam", lr=budget.lr, verbose=0)
        m.train(iterations=budget.adam_iterations, display_every=max(1, budget.adam_iterations),
                callbacks=[callback], verbose=0)
        if callback.diverged is None and budget.lbfgs_iterations > 0:
            dde.optimizers.config.set_LBFGS_options(maxiter=budget.lbfgs_iterations)
            # report progress every 50 L-BFGS iterations instead of every 1000
            dde.optimizers.LBFGS_options["iter_per_step"] = min(50, budget.lbfgs_iterations)
            m.compile("L-BFGS", verbose=0)
            m.train(display_every=10**9, callbacks=[callback], verbose=0)
        train_time = time.perf_counter() - start
        if callback.diverged is not None:
            raise TrainingDiverged(callback.diverged)
        points = problem.evaluation_points()
        pred = np.asarray(m.predict(points), dtype=np.float64)
    if not np.all(np.isfinite(pred)):
        raise TrainingDiverged("non-finite predictions on the evaluation points")
    exact = np.asarray(problem.exact(points), dtype=np.float64).reshape(pred.shape)
    loss = float(np.sum(np.asarray(m.train_state.loss_train, dtype=float)))
    if not math.isfinite(loss):
        raise TrainingDiverged("non-finite final training loss")
    return Fit(
        error=relative_l2_points(pred, exact),
        metrics={"max_error": max_abs_error(pred, exact), "final_loss": loss,
                 "train_time": train_time, "iterations": float(m.train_state.iteration)},
        n_params=int(n_params),
        data_fingerprint=fingerprint,
        prediction=pred,
    )
