"""The PINN kind: a PDE solved by a physics-informed network (DeepXDE)."""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Mapping

import numpy as np

from physym.budgets import PINNBudget
from physym.problem.base import Problem

__all__ = ["PINNProblem"]


class PINNProblem(Problem):
    """A PDE solved by a physics-informed neural network through DeepXDE.

    Subclasses implement :meth:`deepxde_data` (geometry, residual, conditions and
    collocation points), :meth:`exact` and :meth:`evaluation_axes`; physym builds a tanh
    ``FNN`` whose first layer takes ``d + n`` inputs (the constants are added by
    ``FNN.apply_feature_transform``), trains it with Adam then L-BFGS and reports the relative
    L2 error of :meth:`exact` on the grid spanned by :meth:`evaluation_axes`.
    """

    kind = "pinn"
    models = ("fnn",)
    layouts = ("append", "symmetric")
    input_names: ClassVar[tuple[str, ...]] = ("x", "t")
    output_names: ClassVar[tuple[str, ...]] = ("u",)
    budgets: ClassVar[Mapping[str, PINNBudget]] = {
        "smoke": PINNBudget(200, 20, 20, 16, 2, 30, 10, seeds=1),
        "quick": PINNBudget(2000, 80, 160, 20, 3, 4000, 1000, seeds=3),
        "standard": PINNBudget(2540, 80, 160, 20, 3, 15000, 5000, seeds=5),
        "paper": PINNBudget(2540, 80, 160, 20, 3, 15000, 15000, seeds=5),
    }

    @abc.abstractmethod
    def deepxde_data(self, dde: Any, budget: PINNBudget) -> Any:
        """Return a ``dde.data.PDE``/``TimePDE`` with residual, conditions and points.

        Parameters
        ----------
        dde : module
            The ``deepxde`` module, imported by physym with the PyTorch backend.
        budget : PINNBudget
            Point counts to use.
        """

    @abc.abstractmethod
    def exact(self, points: np.ndarray) -> np.ndarray:
        """Exact or reference solution, ``(N, d) -> (N, n_outputs)``, float64."""

    @abc.abstractmethod
    def evaluation_axes(self) -> dict[str, np.ndarray]:
        """1-D coordinate arrays, one per input in ``input_names`` order, spanning the test grid."""

    def evaluation_points(self) -> np.ndarray:
        """Test points ``(N, d)``: the tensor grid of :meth:`evaluation_axes` (``ij`` order).

        Override it where a tensor grid is too large (a 5-D domain): return seeded random
        points instead; :meth:`evaluation_axes` then only serves plots.
        """
        axes = list(self.evaluation_axes().values())
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=-1)

    def output_metrics(self, points: np.ndarray, prediction: np.ndarray,
                       exact: np.ndarray) -> dict[str, float]:
        """Further scores of a trained network, e.g. the error of ``|h|`` for a complex ``h``.

        Parameters
        ----------
        points : numpy.ndarray
            ``(N, d)`` evaluation points.
        prediction, exact : numpy.ndarray
            ``(N, n_outputs)`` predicted and reference outputs.

        Returns
        -------
        dict of str to float
            Added to ``Fit.metrics``; the default adds nothing. (With several outputs the
            adapter already scores each, as ``error_<name>``.)
        """
        return {}

    def hard_constraint(self, x: Any, y: Any) -> Any:
        """The ansatz of the ``hard-bc`` method: network output ``y`` -> a function that meets
        the boundary and initial conditions exactly.

        ``x`` is ``(N, d)`` (the problem's inputs, without expansion constants) and ``y`` the
        network's ``(N, n_outputs)``, both torch tensors; return ``(N, n_outputs)``. The
        default declares no ansatz: ``NotImplementedError``, and ``--method hard-bc`` is
        refused for the problem before training. A problem that declares one sets
        ``has_hard_constraint = True``.
        """
        raise NotImplementedError(f"{type(self).__name__} declares no hard-constraint ansatz")

    #: Whether :meth:`hard_constraint` is implemented (the ``hard-bc`` method needs it).
    has_hard_constraint: ClassVar[bool] = False

    #: Inputs whose pure second derivatives :meth:`jet_residual` reads (indices into
    #: ``input_names``); ``None``: the problem has no jet form and the ``jet`` engine
    #: trains it through DeepXDE instead.
    jet_second_derivatives: ClassVar[tuple[int, ...] | None] = None

    def jet_residual(self, x: Any, jet: Any) -> Any:
        """The PDE residual of :meth:`deepxde_data`, written on a jet instead of ``dde.grad``.

        The opt-in form of the ``jet`` engine (:mod:`physym.models.pinn_jet`): the network's
        outputs and derivatives arrive already computed, by a forward pass that carries
        them, so the residual needs no nested autograd.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, d)`` collocation points (the problem's inputs, no expansion constants).
        jet : physym.models.pinn_jet.Jet
            ``jet.value(c)`` is output ``c``, ``jet.d(j, c)`` its derivative in input ``j``
            and ``jet.dd(j, c)`` its pure second derivative in input ``j`` (``j`` in
            :attr:`jet_second_derivatives`), each ``(N, 1)``.

        Returns
        -------
        torch.Tensor or list of torch.Tensor
            The same terms, in the same order and with the same values, as the residual
            function of :meth:`deepxde_data` (``tests/test_pinn_jet_residuals.py`` checks
            every built-in problem that declares :attr:`jet_second_derivatives`).
        """
        raise NotImplementedError(f"{type(self).__name__} has no jet form of its residual")
