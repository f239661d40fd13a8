"""The base of every problem kind: :class:`Problem`, :class:`ProblemFamily`, :class:`Fit`."""

from __future__ import annotations

import abc
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

__all__ = ["Problem", "ProblemFamily", "Fit", "TrainingDiverged", "ProgressFn"]


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
    training : dict or None
        How training ended (:func:`physym.convergence.training_record`: phases, loss
        history, convergence); ``None`` for an adapter that does not record it.
    """

    error: float
    metrics: dict[str, float] = field(default_factory=dict)
    n_params: int = 0
    data_fingerprint: str = ""
    prediction: np.ndarray | None = None
    model: Any = field(default=None, repr=False, compare=False)
    initial_state: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    training: dict[str, Any] | None = None


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
    #: Models whose layouts differ from ``layouts`` (DeepONet's are coordinate layouts).
    model_layouts: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    budgets: ClassVar[Mapping[str, Any]]
    #: Names of ``Fit.metrics`` entries holding relative L2 errors of derived quantities,
    #: which ``physym solve`` shows in a second table (mean over seeds) and labels as such
    #: in ``results.nc``.
    table_metrics: ClassVar[tuple[str, ...]] = ()
    #: Title and number format of that second table.
    table_title: ClassVar[str] = "relative L2 error of derived quantities (mean over seeds)"
    table_format: ClassVar[str] = ".2e"
    #: What ``Fit.error`` is, for tables.
    error_label: ClassVar[str] = "rel. L2 error"
    #: The fill constant of ``--fill`` when none is given.
    default_fill: ClassVar[float] = math.pi
    #: What a ``--data`` path of this task is: ``"file"`` (an HDF5 file), ``"folder"``, or
    #: ``None`` when the task reads no data; ``requires_data`` when it cannot run without.
    accepts_data: ClassVar[str | None] = None
    requires_data: ClassVar[bool] = False
    #: ``Params`` overrides (name -> value, as ``--param``) for smoke checks where the default
    #: reference takes long to generate (a coarser solve); the problem's own tests validate
    #: the default. Read by the CLI's smoke tests and ``benchmarks/gpu_check.py``.
    smoke_params: ClassVar[Mapping[str, str]] = {}

    def symmetries(self) -> tuple[Any, ...]:
        """The non-identity elements of the symmetry group of the solution, each a
        :class:`physym.equivariance.Symmetry`, for the ``equivariant`` technique; none by
        default."""
        return ()

    @classmethod
    def layouts_for(cls, model: str | None = None) -> tuple[str, ...]:
        """The layouts ``model`` (the default model for ``None``) takes; the first is its
        default."""
        return tuple(cls.model_layouts.get(model or cls.models[0], cls.layouts))

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
