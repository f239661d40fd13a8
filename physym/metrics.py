"""Error metrics. All reduce over samples with a *mean* (neuraloperator's ``LpLoss`` sums).

Shapes follow the convention ``(batch, channels, *grid)`` for grid data and ``(N, k)`` for
point data; a 1-D array is one sample.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["relative_l2", "relative_l2_per_sample", "nrmse", "max_abs_error", "relative_l2_points"]

ArrayLike = np.ndarray | torch.Tensor


def _flat(pred: torch.Tensor, true: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if pred.shape != true.shape:
        raise ValueError(f"prediction shape {tuple(pred.shape)} != target shape {tuple(true.shape)}")
    return pred.reshape(pred.shape[0], -1), true.reshape(true.shape[0], -1)


def relative_l2_per_sample(pred: torch.Tensor, true: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """``||pred_i - true_i||_2 / ||true_i||_2`` for every sample ``i``.

    Parameters
    ----------
    pred, true : torch.Tensor
        ``(B, ...)``.

    Returns
    -------
    torch.Tensor
        ``(B,)``; differentiable (used as the operator training loss).
    """
    p, t = _flat(pred, true)
    return torch.linalg.vector_norm(p - t, dim=1) / (torch.linalg.vector_norm(t, dim=1) + eps)


def relative_l2(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of the per-sample relative L2 error (a 0-d tensor)."""
    return relative_l2_per_sample(pred, true).mean()


def nrmse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """PDEBench's nRMSE: mean over samples of ``RMSE_i / RMS(true_i)`` (equals relative L2)."""
    return relative_l2(pred, true)


def max_abs_error(pred: ArrayLike, true: ArrayLike) -> float:
    """Largest absolute pointwise error."""
    return float(np.max(np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64))))


def relative_l2_points(pred: np.ndarray, true: np.ndarray) -> float:
    """Relative L2 over all points of a field, ``||pred - true|| / ||true||`` (PINN metric).

    Parameters
    ----------
    pred, true : numpy.ndarray
        ``(N, k)`` values at N evaluation points.
    """
    pred = np.asarray(pred, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    if pred.shape != true.shape:
        raise ValueError(f"prediction shape {pred.shape} != target shape {true.shape}")
    return float(np.linalg.norm(pred - true) / np.linalg.norm(true))
