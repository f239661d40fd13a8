"""Parameter snapshots and counts, shared by the adapters and the replica measurement."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["parameter_snapshot", "count_parameters"]


def parameter_snapshot(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """Copies of ``module``'s trainable parameters as CPU arrays, by parameter name."""
    return {name: p.detach().cpu().numpy().copy()
            for name, p in module.named_parameters() if p.requires_grad}


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters (entries) of ``module``."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))
