"""DeepONet for operator tasks: DeepXDE's ``DeepONetCartesianProd`` on the task's grid.

The branch net reads the input function at every grid point, ``(B, C * prod(grid))``; the
trunk net reads the grid coordinates on ``[0, 1]^d``, ``(P, d)``; their ``p``-dimensional
features are contracted to the output at every point (Lu et al., Nat. Mach. Intell. 3
(2021); the Cartesian-product form of Lu et al., CMAME 393 (2022)). Expansion appends its
constants to the **trunk's coordinates** (layouts ``append`` and ``symmetric``, through
DeepXDE's ``apply_feature_transform``), the place where DeepONet has coordinates as inputs;
the branch input is unchanged. The model is trained by the operator adapter's one loop
(:func:`physym.models.operator_train.train_operator`), like FNO.

Several output channels (Navier-Stokes: 10 snapshots, time as channels as for FNO) use
DeepXDE's ``split_branch`` strategy: the branch net outputs ``p`` coefficients per channel
and all channels share one trunk net, so the constants still enter a single trunk layer.

The constants enter the trunk's first linear layer (:data:`TRUNK_FIRST`), so they are a
bias there, and the bias-equivalent controls (``bias_init``, ``bias_lr``, ``equivalent``) act
on that layer as they act on a PINN's first layer.

Sizes come from the :class:`~physym.budgets.OperatorBudget`: ``n_layers`` hidden layers of
``width`` units in both nets and ``p = width`` basis functions; tanh, Glorot normal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from physym.budgets import OperatorBudget
from physym.models._bias import auxiliary_columns, fold_into
from physym.options import ModelOptions, matched_extra_units

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion

__all__ = ["DeepONetOperator", "build_deeponet", "DEEPONET_OPTIONS", "TRUNK_FIRST"]

#: :class:`~physym.options.ModelOptions` fields DeepONet supports.
DEEPONET_OPTIONS: tuple[str, ...] = ("match_params", "bias_init", "bias_lr", "equivariant")
#: The trunk's first linear layer, where the constants enter (the bias controls' layer).
TRUNK_FIRST = "net.trunk.linears.0"


def grid_coordinates(shape: tuple[int, ...]) -> np.ndarray:
    """``(prod(shape), d)`` coordinates on ``[0, 1]^d`` of a grid, ``ij`` order (float32)."""
    axes = [np.linspace(0.0, 1.0, s) for s in shape]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=-1).astype(np.float32)


class DeepONetOperator(nn.Module):
    """A ``DeepONetCartesianProd`` that maps grid fields to grid fields.

    Parameters
    ----------
    net : deepxde.nn.DeepONetCartesianProd
        Branch input ``C * prod(grid)``, trunk input ``d`` (+ the expansion's constants).
    grid : tuple of int
        The spatial shape of the data.
    out_channels : int
        Output channels ``K``: 1 is DeepXDE's single-output DeepONet; more use its
        ``split_branch`` strategy (the net returns ``(B, prod(grid), K)``).

    Shapes
    ------
    ``forward``: ``(B, C, *grid) -> (B, out_channels, *grid)``.
    """

    def __init__(self, net: nn.Module, grid: tuple[int, ...], out_channels: int = 1) -> None:
        super().__init__()
        if out_channels < 1:
            raise ValueError(f"out_channels must be at least 1, got {out_channels}")
        self.net = net
        self.out_channels = out_channels
        self.first_map = TRUNK_FIRST  # where constant inputs enter (train_operator's bias_lr)
        self.grid = tuple(grid)
        self.register_buffer("coords", torch.as_tensor(grid_coordinates(self.grid)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net((x.reshape(x.shape[0], -1), self.coords.to(x.dtype)))
        # (B, P) for one channel, (B, P, K) from split_branch: channels last -> (B, K, *grid)
        out = out.reshape(x.shape[0], self.coords.shape[0], self.out_channels)
        return out.transpose(1, 2).reshape(x.shape[0], self.out_channels, *self.grid)


def build_deeponet(*, in_channels: int, out_channels: int, grid: tuple[int, ...],
                   budget: OperatorBudget, expansion: "Expansion",
                   options: ModelOptions | None = None) -> DeepONetOperator:
    """DeepONet sized by ``budget`` for data of shape ``(C, *grid)``.

    ``out_channels > 1`` widens the branch's last layer to ``width * out_channels``
    (DeepXDE's ``split_branch``; the trunk is shared). ``options.match_params = m`` (baseline
    only) widens the trunk's first hidden layer by
    :func:`~physym.options.matched_extra_units` so that the parameter count matches ``m``
    constants; the first layer of DeepXDE's ``FNN`` is then followed by a layer of the usual
    width. ``options.bias_init``: the DeepONet expanded by ``bias_n`` constants is drawn
    first from torch's current random stream, and the baseline (drawn on a forked stream)
    takes its parameters with the constants' trunk columns folded into the bias of
    :data:`TRUNK_FIRST`.
    """
    from physym.models.pinn import load_deepxde  # noqa: PLC0415  (DeepXDE's import guard)

    expansion.check_for("coordinate")
    options = options or ModelOptions()
    options.check_for(model="deeponet", supported=DEEPONET_OPTIONS, expansion=expansion)
    dde = load_deepxde()
    d = len(grid)
    hidden = [budget.width] * budget.n_layers
    branch = [in_channels * int(np.prod(grid))] + hidden + [budget.width * out_channels]
    trunk = [expansion.width(d)] + hidden + [budget.width]
    if options.match_params:
        trunk[1] += matched_extra_units(n=options.match_params, fan_out=budget.width,
                                        fan_in=d, next_fan_out=trunk[2])
    if options.bias_init:
        imitated = options.imitated(expansion)
        expanded = build_deeponet(in_channels=in_channels, out_channels=out_channels, grid=grid,
                                  budget=budget, expansion=imitated)
        with torch.random.fork_rng(devices=[]):
            model = DeepONetOperator(_cartesian_prod(dde, branch, trunk, out_channels), grid,
                                     out_channels)
        fold_into(model, expanded, first=TRUNK_FIRST, auxiliary=auxiliary_columns(imitated, d),
                  fill=imitated.fill)
        return model
    net = _cartesian_prod(dde, branch, trunk, out_channels)
    if not expansion.is_identity:
        net.apply_feature_transform(expansion)
    return DeepONetOperator(net, grid, out_channels)


def _cartesian_prod(dde, branch: list[int], trunk: list[int], out_channels: int) -> nn.Module:
    """DeepXDE's ``DeepONetCartesianProd``, tanh and Glorot normal; ``split_branch`` if K > 1."""
    strategy = {} if out_channels == 1 else {"num_outputs": out_channels,
                                             "multi_output_strategy": "split_branch"}
    return dde.nn.DeepONetCartesianProd(branch, trunk, "tanh", "Glorot normal", **strategy)
