"""Group-averaged networks for the ``equivariant`` technique (:mod:`physym.equivariance`)."""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from physym.equivariance import Symmetry, group_average

__all__ = ["SymmetrisedOperator", "symmetrised_fnn"]


def symmetrised_fnn(dde: Any, net: Any, symmetries: Sequence[Symmetry]) -> Any:
    """A DeepXDE ``NN`` computing the group average of ``net`` over ``symmetries``.

    ``net`` (with its expansion feature transform) is kept as ``base``; ``linears`` is its
    layers, so the adapters' first-layer logic is unchanged. An output transform set on the
    result (``hard-bc``) acts after the average.
    """

    class Symmetrised(dde.nn.NN):
        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base
            self.symmetries = tuple(symmetries)

        @property
        def linears(self) -> Any:
            return self.base.linears

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = group_average(self.base, x, self.symmetries)
            if self._output_transform is not None:
                y = self._output_transform(x, y)
            return y

    return Symmetrised(net)


class SymmetrisedOperator(nn.Module):
    """A grid operator averaged over ``symmetries`` acting on ``(B, C, *grid)`` fields.

    Shapes
    ------
    ``forward``: as the wrapped ``operator``.
    """

    def __init__(self, operator: nn.Module, symmetries: Sequence[Symmetry]) -> None:
        super().__init__()
        self.inner = operator
        self.symmetries = tuple(symmetries)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return group_average(self.inner, x, self.symmetries)
