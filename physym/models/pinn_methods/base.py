"""The interface of a PINN training method (:class:`PINNMethod`)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.models.pinn_train import train_phases
from physym.options import ModelOptions

if TYPE_CHECKING:
    from physym.problem import PINNProblem

__all__ = ["PINNMethod", "TrainContext", "residual_count"]


@dataclasses.dataclass
class TrainContext:
    """What :meth:`PINNMethod.train` gets besides the model.

    Attributes
    ----------
    dde : module
        DeepXDE.
    problem : PINNProblem
    net : torch.nn.Module
        The network (a DeepXDE ``NN``).
    data : dde.data.Data
        The problem's data, after :meth:`PINNMethod.data`.
    budget : PINNBudget
    seed : int
        The model seed (equal in both arms of a pair).
    options : ModelOptions or None
    adam_eps : float or None
    progress : callable or None
    metrics : dict
        Extra metrics a method reports (copied into the run's metrics).
    """

    dde: Any
    problem: "PINNProblem"
    net: Any
    data: Any
    budget: PINNBudget
    seed: int
    options: ModelOptions | None = None
    adam_eps: float | None = None
    progress: Callable[[int], None] | None = None
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)


def residual_count(dde: Any, data: Any, pde: Any, net: Any) -> int:
    """How many residual terms ``pde`` returns (evaluated on two training points)."""
    x = torch.as_tensor(np.asarray(data.train_x[:2]), dtype=dde.config.real(torch))
    x = x.to(next(net.parameters()).device).requires_grad_(True)
    terms = pde(x, net(x))
    dde.grad.clear()
    return len(terms) if isinstance(terms, (list, tuple)) else 1


class PINNMethod:
    """One way to train a PINN, as hooks around :func:`physym.models.pinn.fit_pinn`.

    The defaults are the ``adam-lbfgs`` method. A subclass overrides only what differs and
    sets ``name`` (the ``--method`` value), ``summary`` (one line) and ``reference``.
    Every hook acts the same in both arms of a comparison: nothing may depend on the
    expansion.
    """

    name: str = ""
    summary: str = ""
    reference: str = ""
    #: The hidden-layer activation of DeepXDE's ``FNN``.
    activation: str = "tanh"

    def check(self, problem: "PINNProblem", options: ModelOptions | None) -> None:
        """Refuse (``ValueError``, one line) a problem or option the method cannot take."""

    def budget(self, budget: PINNBudget) -> PINNBudget:
        """The budget the method trains with (``adam`` drops the L-BFGS phase)."""
        return budget

    def data(self, dde: Any, problem: "PINNProblem", budget: PINNBudget) -> Any:
        """The DeepXDE data: the problem's own by default."""
        return problem.deepxde_data(dde, budget)

    def network(self, dde: Any, net: Any, problem: "PINNProblem") -> None:
        """Change the built network in place (``hard-bc`` adds the output transform)."""

    def train(self, model: Any, ctx: TrainContext) -> dict[str, Any]:
        """Train ``model`` (a ``dde.Model``); return the training record."""
        return train_phases(ctx.dde, model, ctx.net, budget=ctx.budget, options=ctx.options,
                            adam_eps=ctx.adam_eps, progress=ctx.progress)
