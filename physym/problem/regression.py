"""The regression kind: a function learned from samples by a torch MLP."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Callable, ClassVar, Mapping

import numpy as np

from physym.budgets import RegressionBudget
from physym.problem.base import Problem

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["RegressionProblem"]


class RegressionProblem(Problem):
    """A function ``y = f(x)`` learned from samples by a torch MLP.

    Subclasses implement :meth:`training_samples` (possibly noisy, with their standard
    deviations) and :meth:`test_set` (dense, exact). Inputs are already normalised by the
    problem: the network sees exactly what these methods return. A problem may also score
    quantities derived from the trained network (for example by autograd) by setting
    ``derived_names`` and implementing :meth:`derived` and :meth:`exact_derived`; each is
    reported as the relative L2 error ``Fit.metrics[name]``.

    The MLP (:mod:`physym.models.regression`) is a tanh network with Glorot-normal weights whose
    first layer takes ``d + n`` inputs; it is trained in float64 on the mean squared error
    over all training samples (full batch): Adam, then optionally L-BFGS.
    """

    kind = "regression"
    models = ("mlp",)
    layouts = ("append", "symmetric")
    input_names: ClassVar[tuple[str, ...]] = ("x",)
    output_names: ClassVar[tuple[str, ...]] = ("y",)
    #: Quantities derived from the network and scored by :meth:`derived` / :meth:`exact_derived`.
    derived_names: ClassVar[tuple[str, ...]] = ()
    budgets: ClassVar[Mapping[str, RegressionBudget]]

    @abc.abstractmethod
    def training_samples(self, *, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Training samples, a deterministic function of the parameters and ``seed``.

        Returns
        -------
        x : numpy.ndarray
            ``(N, d)`` normalised inputs, float64.
        y : numpy.ndarray
            ``(N, k)`` targets (noisy where the problem adds noise), float64.
        sigma : numpy.ndarray
            ``(N, k)`` standard deviation of the noise of each target (zeros if exact).
        """

    @abc.abstractmethod
    def test_set(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense, noise-free held-out set: inputs ``(M, d)`` and exact targets ``(M, k)``."""

    def derived(self, net: Callable[["torch.Tensor"], "torch.Tensor"],
                x: "torch.Tensor") -> "torch.Tensor":
        """Quantities ``derived_names`` computed from the network at ``x``.

        Parameters
        ----------
        net : callable
            The trained network, ``(M, d) -> (M, k)``, float64, differentiable in its input.
        x : torch.Tensor
            ``(M, d)`` test inputs (float64, not requiring grad).

        Returns
        -------
        torch.Tensor
            ``(M, len(derived_names))``; the default has no columns.
        """
        return x.new_zeros((x.shape[0], 0))

    def exact_derived(self, x: np.ndarray) -> np.ndarray:
        """Exact values of ``derived_names`` at ``x`` ``(M, d)``: ``(M, len(derived_names))``."""
        return np.zeros((np.asarray(x).shape[0], 0))
