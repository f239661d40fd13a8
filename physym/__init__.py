"""physym: input dimension expansion for PINNs and neural operators.

>>> from physym import Expansion, RunSpec, compare, get_problem
>>> cmp = compare("burgers", expansion=Expansion(4), budget="smoke")  # doctest: +SKIP

The public API: the method (:class:`Expansion`), the problem contracts (:class:`PINNProblem`,
:class:`OperatorProblem`, :class:`RegressionProblem`, :class:`ProblemFamily`, :class:`Fit`)
and their budgets, the registry (:func:`get_problem`, :func:`available`), runs
(:class:`RunSpec`, :func:`run`, :func:`compare`, :class:`ModelOptions`) and the replica
measurement (:func:`measure`). The layers are described in ``docs/architecture.md``.
"""

from physym._version import __version__
from physym.budgets import BUDGET_NAMES, OperatorBudget, PINNBudget, RegressionBudget
from physym.expansion import Expansion
from physym.measure import measure
from physym.options import ModelOptions
from physym.problem import (
    Fit,
    OperatorProblem,
    PINNProblem,
    ProblemFamily,
    RegressionProblem,
    TrainingDiverged,
)
from physym.registry import available, get_problem
from physym.runner import Comparison, RunResult, RunSpec, compare, run

__all__ = [
    "Expansion", "Fit", "BUDGET_NAMES", "OperatorBudget", "OperatorProblem", "PINNBudget",
    "PINNProblem", "ProblemFamily", "RegressionBudget", "RegressionProblem", "TrainingDiverged",
    "ModelOptions", "available", "get_problem", "Comparison", "RunResult", "RunSpec", "compare",
    "run", "measure", "__version__",
]
