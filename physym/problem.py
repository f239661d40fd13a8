"""The three abstract problem kinds and the :class:`ProblemFamily` that groups tasks.

A physics problem is written once, as a subclass of one of the kinds:

* :class:`PINNProblem` — a PDE solved by a physics-informed network (DeepXDE). The problem
  supplies the residual, conditions and an exact or reference solution; physym trains the
  network with and without expansion and scores it on an evaluation grid.
* :class:`OperatorProblem` — a solution operator learned from data (neuraloperator). The
  problem supplies a data generator (its reference solver); physym caches the data set,
  trains the operator and scores it on held-out samples.
* :class:`RegressionProblem` — a function learned from samples (torch MLP).

A problem only *describes*: it never trains. Each kind has one adapter in
:mod:`physym.models` (a :class:`physym.models.Adapter`: the kind's ``fit``, its short
measurement budget and the architecture options it supports), and the runner picks it by
``kind`` from one table, so no code outside the adapters special-cases a kind. A problem module groups its
tasks in a module-level ``PROBLEM = ProblemFamily(...)``; a single problem class (for example
in a user's own file) is a family of one task, named after its kind.

This module is the bottom layer of physym: it imports nothing from physym but the budgets.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

import numpy as np

from physym.budgets import OperatorBudget, PINNBudget, RegressionBudget

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "Problem",
    "PINNProblem",
    "OperatorProblem",
    "RegressionProblem",
    "ProblemFamily",
    "Fit",
    "TrainingDiverged",
]

#: Called with a number of finished steps (iterations, epochs) while a model trains.
ProgressFn = Callable[[int], None]


class TrainingDiverged(RuntimeError):
    """Raised when the loss becomes NaN or infinite; the run is recorded as failed."""


@dataclass
class Fit:
    """What an adapter's ``fit`` returns for one trained model.

    Attributes
    ----------
    error : float
        Relative L2 error on held-out data (the headline metric).
    metrics : dict of str to float
        Further metrics (max error, derived physics errors, final loss, ...).
    n_params : int
        Trainable parameters of the network.
    data_fingerprint : str
        Hash of the exact training data the model saw; equal in both arms of a comparison.
    prediction : numpy.ndarray or None
        Predictions on the evaluation set, for plots (not serialised).
    model : torch.nn.Module or None
        The trained network (not serialised), e.g. for :mod:`physym.symmetry`.
    initial_state : dict of str to numpy.ndarray, or None
        Copies of the network's trainable parameters right after initialisation, by
        parameter name (:func:`physym.symmetry.parameter_snapshot`).
    """

    error: float
    metrics: dict[str, float] = field(default_factory=dict)
    n_params: int = 0
    data_fingerprint: str = ""
    prediction: np.ndarray | None = None
    model: Any = field(default=None, repr=False, compare=False)
    initial_state: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)


class Problem(abc.ABC):
    """Base of every problem kind.

    Subclasses set ``kind``, ``Params`` (a frozen dataclass), ``models`` (the first is the
    default), ``layouts`` (the first is the default) and ``budgets``.

    Parameters
    ----------
    params : Params, optional
        Physical parameters; the dataclass defaults when omitted.
    """

    kind: ClassVar[str]
    #: Frozen dataclass with the physical parameters of the task.
    Params: ClassVar[type]
    models: ClassVar[tuple[str, ...]]
    layouts: ClassVar[tuple[str, ...]]
    budgets: ClassVar[Mapping[str, Any]]
    #: Names of ``Fit.metrics`` entries holding relative L2 errors of derived quantities,
    #: which ``physym solve`` shows in a second table (mean over seeds) and labels as such
    #: in ``results.nc``.
    table_metrics: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Any | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @classmethod
    def summary(cls) -> str:
        """First line of the class docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else cls.__name__

    def budget(self, name: str) -> Any:
        """The budget called ``name``; ``ValueError`` naming the allowed ones otherwise."""
        if name not in self.budgets:
            raise ValueError(f"budget must be one of {', '.join(self.budgets)}, got {name!r}")
        return self.budgets[name]

    def describe(self) -> dict[str, Any]:
        """Parameters as a plain dict (for result files)."""
        return dataclasses.asdict(self.params)


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



class OperatorProblem(Problem):
    """A solution operator learned from data on a uniform grid (neuraloperator).

    Subclasses implement :meth:`generate`, which runs the problem's own reference solver.
    Inputs are ``(n, in_channels, *grid)`` and targets ``(n, out_channels, *grid)``.
    """

    kind = "operator"
    models = ("fno", "tfno", "uno")
    layouts = ("channels", "interleave")
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



@dataclass(frozen=True)
class ProblemFamily:
    """A named problem with one or more tasks.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"burgers"``.
    tasks : mapping of str to Problem subclass
        Task name -> class, e.g. ``{"pinn": BurgersPINN, "operator": BurgersOperator}``.
    default_task : str
        Task used when none is given.
    summary : str
        One line for ``physym problems``.
    """

    name: str
    tasks: Mapping[str, type[Problem]]
    default_task: str
    summary: str = ""

    def __post_init__(self) -> None:
        if self.default_task not in self.tasks:
            raise ValueError(
                f"default task {self.default_task!r} of {self.name!r} is not one of "
                f"{', '.join(self.tasks)}"
            )

    def task(self, name: str | None = None) -> type[Problem]:
        """The class of task ``name`` (the default task when ``None``)."""
        key = self.default_task if name is None else name
        if key not in self.tasks:
            raise ValueError(
                f"task must be one of {', '.join(self.tasks)} for problem {self.name!r}, "
                f"got {key!r}"
            )
        return self.tasks[key]

    @classmethod
    def single(cls, problem: type[Problem], name: str | None = None) -> "ProblemFamily":
        """Wrap one problem class as a family whose only task is named after its kind."""
        return cls(name or problem.__name__, {problem.kind: problem}, problem.kind,
                   problem.summary())
