"""``lra``: learning-rate-annealing loss weights (Wang, Teng & Perdikaris 2021), a callback."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from physym.models.pinn_methods.base import PINNMethod, TrainContext, residual_count
from physym.models.pinn_train import train_phases

__all__ = ["LRA", "LRA_ALPHA", "LRA_EVERY"]

#: Moving-average factor of the weights (Wang et al.: 0.9 on the old value).
LRA_ALPHA = 0.1
#: Adam steps between weight updates (fewer in runs shorter than ``10 * LRA_EVERY``).
LRA_EVERY = 100


def lra_callback(dde: Any, n_res: int, every: int = LRA_EVERY) -> Any:
    """A DeepXDE callback that sets ``model.loss_weights`` every ``every`` Adam steps.

    For every condition term ``i``: ``w_i <- (1 - a) w_i + a max|grad L_r| / mean|grad L_i|``
    with ``a`` = :data:`LRA_ALPHA`, ``L_r`` the residual terms (their largest parameter
    gradient) and ``L_i`` the unweighted condition loss; residual weights stay 1.
    """

    class LearningRateAnnealing(dde.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.steps = 0
            self.weights: list[float] | None = None

        def on_epoch_end(self) -> None:
            self.steps += 1
            if self.steps % every:
                return
            model = self.model
            params = [p for p in model.net.parameters() if p.requires_grad]
            saved, model.loss_weights = model.loss_weights, None
            state = model.train_state
            _, losses = model.outputs_losses_train(state.X_train, state.y_train,
                                                   state.train_aux_vars)
            model.loss_weights = saved
            grads = []
            for loss in losses:
                g = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
                grads.append(torch.cat([x.reshape(-1).abs() for x in g if x is not None]))
            dde.grad.clear()
            g_res = max(float(g.max()) for g in grads[:n_res])
            weights = list(saved) if saved is not None else [1.0] * len(losses)
            for i in range(n_res, len(losses)):
                mean = float(grads[i].mean())
                if mean > 0 and np.isfinite(mean):
                    weights[i] = (1 - LRA_ALPHA) * weights[i] + LRA_ALPHA * g_res / mean
            model.loss_weights = weights
            self.weights = weights

    return LearningRateAnnealing()


class LearningRateAnnealing(PINNMethod):
    """Adam with condition-loss weights adapted every :data:`LRA_EVERY` steps (every tenth
    of the Adam steps in shorter runs) from the
    gradient statistics (Wang, Teng & Perdikaris 2021, "learning rate annealing", their
    Algorithm 1 with ``alpha = 0.1``), then L-BFGS with the last weights. The final weights
    are reported as metrics ``lra_weight_<i>``."""

    name = "lra"
    summary = f"learning-rate-annealing loss weights (alpha {LRA_ALPHA:g}, every {LRA_EVERY} steps)"
    reference = "Wang, Teng & Perdikaris, SIAM J. Sci. Comput. 43 (2021) A3055"

    def train(self, model: Any, ctx: TrainContext) -> dict[str, Any]:
        every = max(1, min(LRA_EVERY, ctx.budget.adam_iterations // 10))
        callback = lra_callback(ctx.dde, residual_count(ctx.dde, ctx.data, ctx.data.pde, ctx.net),
                                every)
        record = train_phases(ctx.dde, model, ctx.net, budget=ctx.budget, options=ctx.options,
                              adam_eps=ctx.adam_eps, progress=ctx.progress,
                              adam_callbacks=[callback])
        for i, w in enumerate(callback.weights or []):
            ctx.metrics[f"lra_weight_{i}"] = float(w)
        return record


LRA = LearningRateAnnealing()
