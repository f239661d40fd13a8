"""The operator kind: a solution operator learned from data on a grid (neuraloperator)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np

from physym.budgets import OperatorBudget
from physym.problem.base import Problem

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["OperatorProblem"]


class OperatorProblem(Problem):
    """A solution operator learned from data on a uniform grid (neuraloperator).

    Subclasses implement :meth:`generate`, which runs the problem's own reference solver.
    Inputs are ``(n, in_channels, *grid)`` and targets ``(n, out_channels, *grid)``.
    """

    kind = "operator"
    accepts_data = "file"
    models = ("fno", "tfno", "uno")
    layouts = ("channels", "interleave")
    #: A task that lists ``deeponet`` in its models gets these layouts for it: the
    #: constants are appended to the trunk's coordinates.
    model_layouts = {"deeponet": ("append", "symmetric")}
    #: Data channels; class attributes, or set per instance when they depend on parameters.
    in_channels: int = 1
    out_channels: int = 1
    #: Number of spatial dimensions of the grid.
    n_dim: ClassVar[int] = 1
    #: Standardise each input channel with the training set's mean and std (both arms alike;
    #: useful when inputs are far from unit scale, e.g. a piecewise-constant coefficient).
    normalize_inputs: ClassVar[bool] = False
    budgets: ClassVar[Mapping[str, OperatorBudget]]

    @abc.abstractmethod
    def generate(
        self, n: int, *, resolution: int, seed: int, device: "torch.device"
    ) -> tuple["torch.Tensor", "torch.Tensor"]:
        """Solve ``n`` instances with the reference solver.

        Returns
        -------
        inputs : torch.Tensor
            ``(n, in_channels, *grid)`` with ``resolution`` points per axis.
        targets : torch.Tensor
            ``(n, out_channels, *grid)``.
        """

    #: Samples generated per call of :meth:`generate` (each chunk has its own derived seed),
    #: which bounds solver memory and lets data generation show progress.
    chunk_size: ClassVar[int] = 256

    def to_pdebench(self, inputs: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """Data sets of the PDEBench layout for ``physym data generate``.

        The default stores a time-dependent single-channel problem as PDEBench does:
        ``tensor`` of shape ``(N, 2, *grid)`` holding the input and the target state.
        Problems whose PDEBench files look different (Darcy: ``nu`` and ``tensor``) override
        this together with :meth:`from_pdebench`. Coordinates and attributes are added by
        physym.
        """
        return {"tensor": np.concatenate([inputs[:, :1], targets[:, :1]], axis=1)}

    def from_pdebench(self, datasets: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Inputs ``(N, C_in, *grid)`` and targets ``(N, C_out, *grid)`` from a PDEBench file.

        ``datasets`` is an open ``h5py.File`` (or a dict of arrays). The default reads
        ``tensor`` ``(N, T, *grid)`` and maps the first time step to the last. Raise
        ``ValueError`` naming what is wrong for a file of another layout.
        """
        if "tensor" not in datasets:
            raise ValueError(f"no data set 'tensor' (found: {', '.join(datasets) or 'none'})")
        tensor = datasets["tensor"]
        if tensor.ndim != 2 + self.n_dim:
            raise ValueError(f"'tensor' must have shape (N, T, {'X, ' * self.n_dim}...) for a "
                             f"{self.n_dim}-D problem, got {tensor.shape}")
        return np.asarray(tensor[:, :1]), np.asarray(tensor[:, -1:])

    def coordinates(self, resolution: int) -> tuple[np.ndarray, ...]:
        """1-D coordinates of the grid along each axis (default: ``j / resolution``)."""
        return (np.arange(resolution) / resolution,) * self.n_dim

    def cache_key(self, *, n: int, resolution: int, seed: int) -> dict[str, Any]:
        """Everything the generated data depends on; hashed into the cache file name."""
        return {"class": type(self).__qualname__, "params": self.describe(), "n": n,
                "resolution": resolution, "seed": seed}
