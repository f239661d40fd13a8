"""physym: input dimension expansion for PINNs and neural operators.

>>> from physym import Expansion, RunSpec, compare, get_problem
>>> cmp = compare("burgers", expansion=Expansion(4), budget="smoke")  # doctest: +SKIP
"""

from physym.expansion import Expansion
from physym.problem import (
    Fit,
    OperatorBudget,
    OperatorProblem,
    PINNBudget,
    PINNProblem,
    ProblemFamily,
    RegressionBudget,
    RegressionProblem,
    TrainingDiverged,
)
from physym.registry import available, get_problem
from physym.runner import Comparison, RunResult, RunSpec, compare, run

__version__ = "0.1.0"

__all__ = [
    "Expansion", "Fit", "OperatorBudget", "OperatorProblem", "PINNBudget", "PINNProblem",
    "ProblemFamily", "RegressionBudget", "RegressionProblem", "TrainingDiverged", "available", "get_problem",
    "Comparison", "RunResult", "RunSpec", "compare", "run", "__version__",
]
