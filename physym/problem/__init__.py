"""The four abstract problem kinds and the :class:`ProblemFamily` that groups tasks.

A physics problem is written once, as a subclass of one of the kinds:

* :class:`PINNProblem` — a PDE solved by a physics-informed network (DeepXDE). The problem
  supplies the residual, conditions and an exact or reference solution; physym trains the
  network with and without expansion and scores it on an evaluation grid.
* :class:`OperatorProblem` — a solution operator learned from data (neuraloperator). The
  problem supplies a data generator (its reference solver); physym caches the data set,
  trains the operator and scores it on held-out samples.
* :class:`RegressionProblem` — a function learned from samples (torch MLP).
* :class:`ClassificationProblem` — labelled images classified by a CNN, expanded by
  interleaving (the paper's image experiments).

A problem only *describes*: it never trains. Each kind has one adapter in
:mod:`physym.models` (a :class:`physym.models.Adapter`: the kind's ``fit``, its short
measurement budget and the architecture options it supports), and the runner picks it by
``kind`` from one table, so no code outside the adapters special-cases a kind. A problem
module groups its tasks in a module-level ``PROBLEM = ProblemFamily(...)``; a single problem class (for example
in a user's own file) is a family of one task, named after its kind.

This module is the bottom layer of physym: it imports nothing from physym but the budgets.

The kinds live in one module each (``physym.problem.pinn``, ``.operator``,
``.regression``, ``.classification``) on a shared base (``physym.problem.base``); import
them from here.
"""

from physym.problem.base import Fit, Problem, ProblemFamily, ProgressFn, TrainingDiverged
from physym.problem.classification import ClassificationProblem
from physym.problem.operator import OperatorProblem
from physym.problem.pinn import PINNProblem
from physym.problem.regression import RegressionProblem

__all__ = ["Problem", "PINNProblem", "OperatorProblem", "RegressionProblem",
           "ClassificationProblem", "ProblemFamily", "Fit", "TrainingDiverged", "ProgressFn"]
