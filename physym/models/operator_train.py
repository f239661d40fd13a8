"""The operator training loop (Adam, weight decay, cosine schedule) and its helpers.

Used by :mod:`physym.models.operator` (which re-exports these names); kept apart so that
each module stays short.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from physym.budgets import OperatorBudget
from physym.metrics import relative_l2
from physym.models._bias import adam_groups
from physym.problem import TrainingDiverged

__all__ = ["FIRST_MAP", "train_operator", "standardize", "predict"]

#: The first linear map of every model's lifting (FNO, TFNO, UNO), where constant channels
#: enter: the map the bias-equivalent controls act on.
FIRST_MAP = "lifting.fcs.0"


def train_operator(
    net: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    budget: OperatorBudget,
    seed: int,
    progress: Callable[[int], None] | None = None,
    bias_lr_factor: float = 1.0,
    adam_eps: float | None = None,
    history: list[float] | None = None,
) -> float:
    """Train ``net`` in place on ``(x, y)``; return the last epoch's mean training loss.

    Adam with ``budget.weight_decay`` and a cosine schedule over ``budget.epochs``.
    ``bias_lr_factor`` multiplies the learning rate of the bias of the map where constants
    enter, ``net.first_map`` (the ``bias_lr`` control; :data:`FIRST_MAP` of an
    ``ExpandedOperator``, the trunk's first layer of a DeepONet); ``adam_eps`` sets
    Adam's ``eps`` (torch's 1e-8 when ``None``).

    Raises
    ------
    TrainingDiverged
        As soon as a batch loss is NaN or infinite.
    """
    gen = torch.Generator().manual_seed(seed)
    params = net.parameters()
    if bias_lr_factor != 1.0:
        bias = net.get_submodule(net.first_map).bias
        params = adam_groups(params, bias, lr=budget.lr, factor=bias_lr_factor)
    opt = torch.optim.Adam(params, lr=budget.lr, weight_decay=budget.weight_decay,
                           **({} if adam_eps is None else {"eps": adam_eps}))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, budget.epochs))
    n = x.shape[0]
    epoch_loss = math.nan
    for epoch in range(budget.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for start in range(0, n, budget.batch_size):
            idx = perm[start : start + budget.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = relative_l2(net(x[idx]), y[idx])
            if not torch.isfinite(loss):
                raise TrainingDiverged(f"non-finite training loss in epoch {epoch + 1}")
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        sched.step()
        epoch_loss = total / n
        if history is not None:
            history.append(epoch_loss)
        if progress is not None:
            progress(1)
    return epoch_loss


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale each channel to zero mean and unit std using statistics of ``train`` only.

    Parameters
    ----------
    train : numpy.ndarray
        ``(N, C, *grid)``.
    others : numpy.ndarray
        Further arrays ``(M, C, *grid)`` scaled with the same statistics.
    """
    axes = (0, *range(2, train.ndim))
    mean = train.mean(axis=axes, keepdims=True)
    std = train.std(axis=axes, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return tuple(((a - mean) / std).astype(np.float32) for a in (train, *others))


@torch.no_grad()
def predict(net: torch.nn.Module, x: torch.Tensor, *, batch_size: int) -> torch.Tensor:
    """Evaluate ``net`` on ``x`` in batches, in eval mode."""
    net.eval()
    return torch.cat([net(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)])
