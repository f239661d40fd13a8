"""The float64 tanh MLP of regression tasks, with the input expansion inside its forward.

The network is ``[d + n] + [width] * depth + [k]``, tanh, Glorot-normal weights and zero
biases (the DeepXDE ``FNN`` convention). The expansion is applied inside
:meth:`MLP.forward`, so the network is a function of the original ``d`` inputs only and
derivatives with respect to them are unaffected by the constants.

Initialisation is drawn from per-layer generators seeded by ``(seed, layer)``, so the two arms
of a comparison share every hidden and output layer exactly. In the first layer the columns of
the original inputs come from the same standard-normal draws in both arms; only their Glorot
scale ``sqrt(2 / (fan_in + fan_out))`` changes with the input width, and the auxiliary columns
are drawn after them. Trained by :mod:`physym.models.regression`.

The ``bias_init`` control (:class:`~physym.options.ModelOptions`) builds the network expanded
by ``bias_n`` constants with the same seed and folds its auxiliary first-layer columns into the
first-layer bias (:func:`physym.models._bias.fold_into`): a baseline that starts from the
expanded network's initial function.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from physym.budgets import RegressionBudget
from physym.io import derive_seed
from physym.models._bias import auxiliary_columns, fold_into
from physym.options import ModelOptions, matched_extra_units

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion

__all__ = ["OPTIONS", "MLP", "build_mlp", "layer_seed"]

#: :class:`~physym.options.ModelOptions` fields the MLP supports.
OPTIONS: tuple[str, ...] = ("match_params", "dropout", "batchnorm", "bias_init", "bias_lr")


def layer_seed(seed: int, layer: int) -> int:
    """Independent 63-bit seed of layer ``layer`` for the model seed ``seed``."""
    return derive_seed(seed, layer)


class MLP(nn.Module):
    """Fully connected tanh network whose first layer takes the expanded input.

    Parameters
    ----------
    d_in, d_out : int
        Original input width ``d`` and output width ``k``.
    width, depth : int
        Hidden width and number of hidden layers (``depth >= 1``).
    expansion : Expansion
        Applied to the input inside :meth:`forward`; first-layer width ``expansion.width(d_in)``.
    seed : int
        Initialisation seed (see the module docstring).
    dtype : torch.dtype, optional
        Parameter dtype (default float64).
    first_width : int, optional
        Width of the first hidden layer when it differs from ``width`` (the
        parameter-matched control).
    dropout : float, optional
        Dropout probability after every hidden activation (``nn.Dropout``; 0 = none).
    batchnorm : bool, optional
        ``nn.BatchNorm1d`` before every hidden activation. The training loss has no
        input derivatives, so ordinary batch statistics are correct here; derivatives taken
        after training (eval mode) use the running statistics.

    Neither option changes the initial weights or, when off, the network.
    """

    def __init__(self, d_in: int, d_out: int, *, width: int, depth: int,
                 expansion: "Expansion", seed: int, dtype: torch.dtype = torch.float64,
                 first_width: int | None = None, dropout: float = 0.0,
                 batchnorm: bool = False) -> None:
        super().__init__()
        expansion.check_for("coordinate")
        self.expansion = expansion
        self.d_in = d_in
        sizes = [expansion.width(d_in)] + [width] * depth + [d_out]
        if first_width is not None:
            sizes[1] = first_width
        self.linears = nn.ModuleList(
            nn.Linear(a, b, dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:])
        )
        # only created when asked for, so that the default network is unchanged
        self.norms = (nn.ModuleList(nn.BatchNorm1d(w, dtype=dtype) for w in sizes[1:-1])
                      if batchnorm else None)
        self.drop = nn.Dropout(dropout) if dropout > 0 else None
        self.reset_parameters(seed)

    def original_columns(self) -> torch.Tensor:
        """Boolean mask ``(d + n,)`` of the first-layer columns that see the original inputs."""
        marker = self.expansion(torch.full((1, self.d_in), math.nan, device="cpu"))
        return torch.isnan(marker[0])

    @torch.no_grad()
    def reset_parameters(self, seed: int) -> None:
        """Glorot-normal weights and zero biases from per-layer generators."""
        for i, lin in enumerate(self.linears):
            gen = torch.Generator().manual_seed(layer_seed(seed, i))
            fan_out, fan_in = lin.weight.shape
            std = math.sqrt(2.0 / (fan_in + fan_out))
            z = torch.empty(fan_out, fan_in, dtype=torch.float64, device="cpu")
            if i == 0:
                cols = self.original_columns()
                z[:, cols] = torch.randn(fan_out, int(cols.sum()), generator=gen, dtype=torch.float64)
                z[:, ~cols] = torch.randn(fan_out, int((~cols).sum()), generator=gen,
                                          dtype=torch.float64)
            else:
                z.normal_(generator=gen)
            lin.weight.copy_(std * z)
            lin.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, d) -> (N, k)``; the constants are added here and carry no gradient."""
        h = self.expansion(x)
        for j, lin in enumerate(self.linears[:-1]):
            z = lin(h) if self.norms is None else self.norms[j](lin(h))
            h = torch.tanh(z) if self.drop is None else self.drop(torch.tanh(z))
        return self.linears[-1](h)


def build_mlp(*, d_in: int, d_out: int, budget: RegressionBudget, expansion: "Expansion",
              seed: int, device: torch.device | str = "cpu",
              options: ModelOptions | None = None) -> MLP:
    """The float64 :class:`MLP` of ``budget``'s size on ``device``.

    ``options.match_params = m`` (baseline only) widens the first hidden layer by the
    :func:`~physym.options.matched_extra_units` that match ``m`` constant inputs;
    ``options.dropout`` and ``options.batchnorm`` add those layers (see :class:`MLP`);
    ``options.bias_init`` starts from the folded initial function of the network expanded by
    ``options.bias_n`` constants (see the module docstring). ``options.bias_lr`` concerns the
    optimiser: :func:`physym.models.regression.train_mlp` ``bias_lr_factor``.
    """
    options = options or ModelOptions()
    options.check_for(model="mlp", supported=OPTIONS, expansion=expansion)
    first = None
    if options.match_params:
        nxt = budget.width if budget.depth > 1 else d_out
        first = budget.width + matched_extra_units(n=options.match_params, fan_out=budget.width,
                                                   fan_in=d_in, next_fan_out=nxt)
    net = MLP(d_in, d_out, width=budget.width, depth=budget.depth, expansion=expansion,
              seed=seed, first_width=first, dropout=options.dropout,
              batchnorm=options.batchnorm)
    if options.bias_init:
        imitated = options.imitated(expansion)
        expanded = MLP(d_in, d_out, width=budget.width, depth=budget.depth, expansion=imitated,
                       seed=seed)
        fold_into(net, expanded, first="linears.0",
                  auxiliary=auxiliary_columns(imitated, d_in), fill=imitated.fill)
    return net.to(device)
