"""The bias-equivalent controls' two pieces, shared by the adapters.

Through the first linear map, ``n`` constant inputs ``c`` are an extra bias:
``W [x; c 1] + b = W_x x + (b + c W_aux 1)``. The controls ``bias_init``, ``bias_lr`` and
``equivalent`` (:class:`~physym.options.ModelOptions`) are baselines built from that fact:

* :func:`fold_into` copies an expanded network's initial parameters into a baseline of the
  same architecture, folding the auxiliary columns of the first map into its bias;
* :func:`adam_groups` gives the first-layer bias its own Adam parameter group with the
  learning rate multiplied by ``1 + n |c|`` (or returns the plain parameter list when the
  factor is 1, so that the default optimiser is built exactly as before).

``docs/method.md`` derives why an expanded network trained by Adam without weight decay *is*
the baseline with both (up to Adam's ``eps``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable

import torch
from torch import nn

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion

__all__ = ["auxiliary_columns", "fold_into", "adam_groups"]


def auxiliary_columns(expansion: "Expansion", width: int, *, trailing: int = 0) -> torch.Tensor:
    """Boolean mask of the first map's input columns that hold the constants.

    Parameters
    ----------
    expansion : Expansion
        ``append``/``symmetric`` (coordinate nets: ``width`` original inputs) or ``channels``
        (grid operators: ``width`` data channels, the constants after them).
    width : int
        Number of original inputs or channels ``d``.
    trailing : int
        Columns after the expanded input that the first map also sees and that are not
        constants (an operator's grid positional embedding: one per spatial axis).

    Returns
    -------
    torch.Tensor
        ``(d + n + trailing,)`` booleans, ``True`` where a constant enters.
    """
    if expansion.layout == "channels":
        mask = torch.zeros(width + expansion.n, dtype=torch.bool)
        mask[width:] = True
    else:
        marker = expansion(torch.full((1, width), math.nan, dtype=torch.float64))
        mask = ~torch.isnan(marker[0])
    return torch.cat([mask, torch.zeros(trailing, dtype=torch.bool)])


@torch.no_grad()
def fold_into(baseline: nn.Module, expanded: nn.Module, *, first: str,
              auxiliary: torch.Tensor, fill: float) -> None:
    """Make ``baseline`` compute ``expanded``'s function without the constant inputs.

    Every parameter and buffer of ``baseline`` is copied from ``expanded`` (same names and
    shapes) except the first map ``first``: its weight keeps the columns of the original
    inputs, and its bias becomes ``b0 + fill * W[:, auxiliary] @ 1``.

    Parameters
    ----------
    baseline, expanded : torch.nn.Module
        The same architecture with first-map input widths ``d`` and ``d + n``.
    first : str
        Dotted name of the first map (an ``nn.Linear`` or a kernel-size-1 ``nn.Conv1d``), e.g.
        ``"linears.0"``; its ``weight`` is ``(out, d + n)`` or ``(out, d + n, 1)``.
    auxiliary : torch.Tensor
        ``(d + n,)`` boolean mask from :func:`auxiliary_columns`.
    fill : float
        The constant ``c``.

    Raises
    ------
    ValueError
        When the two networks do not line up (a name or a shape differs where it must not).
    """
    source = expanded.state_dict()
    target = baseline.state_dict()
    if set(source) != set(target):
        raise ValueError("fold_into: the baseline and the expanded network differ in their "
                         f"parameters: {sorted(set(source) ^ set(target))[:3]}")
    w_name, b_name = f"{first}.weight", f"{first}.bias"
    folded = {}
    for name, value in source.items():
        if name == w_name:
            if value.shape[1] != auxiliary.numel():
                raise ValueError(f"fold_into: {w_name} has {value.shape[1]} input columns, "
                                 f"the mask {auxiliary.numel()}")
            value = value[:, ~auxiliary.to(value.device)]
        elif name == b_name:
            w = source[w_name][:, auxiliary.to(value.device)]
            w = w.reshape(w.shape[0], w.shape[1])  # (out, n), also for a conv's (out, n, 1)
            value = value + fill * w.sum(dim=1)
        if torch.is_tensor(value) and target[name].shape != value.shape:
            raise ValueError(f"fold_into: {name} has shape {tuple(target[name].shape)} in the "
                             f"baseline and {tuple(value.shape)} after folding")
        folded[name] = value  # non-tensor entries (a factorised tensor's extra state) as they are
    baseline.load_state_dict(folded)


def adam_groups(params: Iterable[nn.Parameter], bias: nn.Parameter, *, lr: float,
                factor: float) -> list[Any]:
    """Adam's parameter list with the first-layer ``bias`` at ``factor * lr``.

    Returns the parameters unchanged (a plain list, the default optimiser) when
    ``factor == 1``; otherwise two groups, every other parameter at ``lr`` and ``bias`` at
    ``factor * lr``. A learning-rate scheduler scales each group's own rate, so the ratio
    is kept along a schedule.
    """
    params = list(params)
    if factor == 1.0:
        return params
    if not any(p is bias for p in params):
        raise ValueError("adam_groups: the first-layer bias is not among the parameters")
    rest = [p for p in params if p is not bias]
    return [{"params": rest, "lr": lr}, {"params": [bias], "lr": lr * factor}]
