"""``gpinn``: the gradient-enhanced residual of Yu, Lu, Meng & Karniadakis (2022)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from physym.budgets import PINNBudget
from physym.models.pinn_methods.base import PINNMethod, TrainContext, residual_count
from physym.models.pinn_train import train_phases

if TYPE_CHECKING:
    from physym.problem import PINNProblem

__all__ = ["GPINN", "GRADIENT_WEIGHT"]

#: Weight of each gradient term against the residual's (Yu et al. 2022 use 0.01 and 1;
#: 0.01 is their choice for the diffusion-reaction and Burgers examples).
GRADIENT_WEIGHT = 0.01


class GradientEnhanced(PINNMethod):
    """Adds ``d r / d x_j`` for every residual term ``r`` and every input ``x_j`` as further
    residual terms, each weighted :data:`GRADIENT_WEIGHT` (conditions and the residual keep
    weight 1); then Adam and L-BFGS as ``adam-lbfgs``. The derivatives are taken with
    DeepXDE's ``dde.grad.jacobian`` of the residual with respect to the problem's inputs
    (never the expansion constants, which are inside the network)."""

    name = "gpinn"
    summary = f"gradient-enhanced residual, gradient weight {GRADIENT_WEIGHT:g}"
    reference = "Yu, Lu, Meng & Karniadakis, CMAME 393 (2022) 114823"

    def data(self, dde: Any, problem: "PINNProblem", budget: PINNBudget) -> Any:
        data = problem.deepxde_data(dde, budget)
        residual = data.pde
        d = len(problem.input_names)

        def enhanced(x: Any, y: Any) -> list[Any]:
            terms = residual(x, y)
            terms = list(terms) if isinstance(terms, (list, tuple)) else [terms]
            return terms + [dde.grad.jacobian(r, x, i=0, j=j) for r in terms for j in range(d)]

        data.pde = enhanced
        data.physym_residual = residual  # for the loss weights below
        return data

    def train(self, model: Any, ctx: TrainContext) -> dict[str, Any]:
        n_res = residual_count(ctx.dde, ctx.data, ctx.data.physym_residual, ctx.net)
        d = len(ctx.problem.input_names)
        weights = [1.0] * n_res + [GRADIENT_WEIGHT] * (n_res * d) + [1.0] * len(ctx.data.bcs)
        return train_phases(ctx.dde, model, ctx.net, budget=ctx.budget, options=ctx.options,
                            adam_eps=ctx.adam_eps, progress=ctx.progress, loss_weights=weights)


GPINN = GradientEnhanced()
