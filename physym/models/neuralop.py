"""neuraloperator adapter: FNO, TFNO and UNO with input expansion.

The operator itself is neuraloperator's; physym only wraps it in :class:`ExpandedOperator`,
which applies the :class:`~physym.expansion.Expansion` before the model and reads the output
back at the original grid points afterwards. With the ``channels`` layout the model is built
with ``in_channels = C + n``; with ``interleave`` the channel count is unchanged and the grid
is ``(n + 1)`` times finer along every axis. neuraloperator's grid positional embedding
(coordinates on ``[0, 1]``) is kept in both arms: at the original points it takes the same
values whichever layout is used.
"""

from __future__ import annotations

import contextlib
import io
import os
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion
    from physym.options import ModelOptions
    from physym.problem import OperatorBudget

__all__ = ["ExpandedOperator", "build_operator", "OPERATOR_MODELS"]

OPERATOR_MODELS: tuple[str, ...] = ("fno", "tfno", "uno")


def _import_models():
    # neuraloperator imports wandb; make sure nothing is ever logged or sent by default.
    os.environ.setdefault("WANDB_MODE", "disabled")
    os.environ.setdefault("WANDB_SILENT", "true")
    from neuralop.models import FNO, TFNO, UNO  # noqa: PLC0415  (lazy on purpose)

    return FNO, TFNO, UNO


class ExpandedOperator(nn.Module):
    """A grid operator with a fixed, non-trainable input expansion.

    Parameters
    ----------
    operator : torch.nn.Module
        Maps ``(B, C', *grid')`` to ``(B, C_out, *grid')``.
    expansion : Expansion
        A grid layout (``channels`` or ``interleave``).

    Shapes
    ------
    ``forward``: ``(B, C, *grid) -> (B, C_out, *grid)``.
    """

    def __init__(self, operator: nn.Module, expansion: "Expansion") -> None:
        super().__init__()
        self.operator = operator
        self.expansion = expansion

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expansion.restrict(self.operator(self.expansion(x)))


def build_operator(
    name: str,
    *,
    in_channels: int,
    out_channels: int,
    n_dim: int,
    budget: "OperatorBudget",
    expansion: "Expansion",
    options: "ModelOptions | None" = None,
) -> ExpandedOperator:
    """Build a neuraloperator model sized by ``budget``, wrapped with ``expansion``.

    Parameters
    ----------
    name : {"fno", "tfno", "uno"}
        FNO (Li et al. 2021), TFNO (Tucker-factorised FNO, Kossaifi et al. 2023) or
        U-shaped UNO (Rahman et al. 2023).
    in_channels, out_channels : int
        Data channels before expansion.
    n_dim : int
        Spatial dimensions (1, 2 or 3).
    budget : OperatorBudget
        ``modes`` (per axis), ``width`` (hidden channels), ``n_layers``.
    expansion : Expansion
        Must have a grid layout.
    options : ModelOptions, optional
        Only ``match_params`` applies: the lifting layer's hidden width grows until the
        parameter count is the nearest to that of the ``channels``-expanded model.
    """
    expansion.check_for("grid")
    if name not in OPERATOR_MODELS:
        raise ValueError(f"model must be one of {', '.join(OPERATOR_MODELS)}, got {name!r}")
    if options is not None:
        options.require_only("match_params", model=name)
        if options.match_params:
            if not expansion.is_identity:
                raise ValueError("match_params applies to the unexpanded baseline (n = 0)")
            return _matched_operator(name, in_channels=in_channels, out_channels=out_channels,
                                     n_dim=n_dim, budget=budget, expansion=expansion,
                                     n=options.match_params)
    return ExpandedOperator(
        _build(name, in_channels=expansion.width(in_channels), out_channels=out_channels,
               n_dim=n_dim, budget=budget), expansion)


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _matched_operator(name: str, *, in_channels: int, out_channels: int, n_dim: int,
                      budget: "OperatorBudget", expansion: "Expansion", n: int) -> ExpandedOperator:
    """The baseline whose lifting layer is widened to match ``n`` constant channels."""
    from physym.options import matched_extra_units  # noqa: PLC0415

    kw = dict(out_channels=out_channels, n_dim=n_dim, budget=budget)
    lifting = 2 * budget.width  # neuraloperator's default lifting_channel_ratio = 2
    guess = matched_extra_units(n=n, fan_out=lifting, fan_in=in_channels + n_dim,
                                next_fan_out=budget.width)
    # Counting parameters builds throw-away models: keep the caller's RNG stream untouched.
    with torch.random.fork_rng(devices=[]):
        target = _n_params(_build(name, in_channels=in_channels + n, **kw))
        counts = {k: _n_params(_build(name, in_channels=in_channels, extra_lifting=k, **kw))
                  for k in range(max(0, guess - 2), guess + 3)}
    best = min(counts, key=lambda k: (abs(counts[k] - target), k))
    return ExpandedOperator(_build(name, in_channels=in_channels, extra_lifting=best, **kw),
                            expansion)


def _build(name: str, *, in_channels: int, out_channels: int, n_dim: int,
           budget: "OperatorBudget", extra_lifting: int = 0) -> nn.Module:
    fno_cls, tfno_cls, uno_cls = _import_models()
    c_in = in_channels
    modes = (budget.modes,) * n_dim
    if name in ("fno", "tfno"):
        cls = fno_cls if name == "fno" else tfno_cls
        kwargs = dict(factorization="tucker", rank=0.42) if name == "tfno" else {}
        model = cls(
            n_modes=modes, in_channels=c_in, out_channels=out_channels,
            hidden_channels=budget.width, n_layers=budget.n_layers,
            lifting_channel_ratio=_ratio(2 * budget.width + extra_lifting, budget.width),
            positional_embedding="grid", **kwargs,
        )
    elif name == "uno":
        # A 5-level U: down by 2 twice, back up twice; modes halve on the coarse levels.
        w = budget.width
        half = max(1, budget.modes // 2)
        # neuraloperator 2.0's UNO prints its skip settings once per layer; keep stdout clean.
        with contextlib.redirect_stdout(io.StringIO()):
            model = uno_cls(
                in_channels=c_in, out_channels=out_channels, hidden_channels=w,
                lifting_channels=2 * w + extra_lifting, projection_channels=2 * w, n_layers=5,
                uno_out_channels=[w, 2 * w, 2 * w, 2 * w, w],
                uno_n_modes=[modes, (half,) * n_dim, (half,) * n_dim, (half,) * n_dim, modes],
                uno_scalings=[[1.0] * n_dim, [0.5] * n_dim, [1.0] * n_dim, [2.0] * n_dim, [1.0] * n_dim],
                horizontal_skips_map={3: 1, 4: 0}, positional_embedding="grid",
                channel_mlp_skip="linear",
            )
    else:
        raise ValueError(f"model must be one of {', '.join(OPERATOR_MODELS)}, got {name!r}")
    return model


def _ratio(channels: int, hidden: int) -> float:
    """A ``lifting_channel_ratio`` for which ``int(ratio * hidden) == channels``."""
    ratio = channels / hidden
    if int(ratio * hidden) != channels:
        ratio = (channels + 0.5) / hidden
    return ratio
