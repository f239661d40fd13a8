"""``hard-bc``: boundary and initial conditions imposed exactly by the problem's ansatz."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from physym.models.pinn_methods.base import PINNMethod
from physym.options import ModelOptions

if TYPE_CHECKING:
    from physym.problem import PINNProblem

__all__ = ["HARD_BC"]


class HardConstraint(PINNMethod):
    """The network's output goes through :meth:`PINNProblem.hard_constraint` (DeepXDE's
    ``apply_output_transform``), which meets the problem's conditions by construction; then
    Adam and L-BFGS as ``adam-lbfgs``. The condition losses stay in the objective (they
    are zero up to rounding for the conditions the ansatz imposes), so a problem whose
    ansatz covers only some conditions is still trained on the others. The transform acts
    on the problem's inputs; the expansion constants stay inside the network."""

    name = "hard-bc"
    summary = "conditions imposed exactly by the problem's ansatz (output transform)"
    reference = "Lagaris, Likas & Fotiadis, IEEE TNN 9 (1998); Lu et al., SIAM J. Sci. Comput. 43 (2021)"

    def check(self, problem: "PINNProblem", options: ModelOptions | None) -> None:
        if not getattr(problem, "has_hard_constraint", False):
            raise ValueError(f"method hard-bc needs a problem that declares a hard-constraint "
                             f"ansatz, and {type(problem).__name__} does not (`physym "
                             f"problems` lists the methods each problem takes)")

    def network(self, dde: Any, net: Any, problem: "PINNProblem") -> None:
        net.apply_output_transform(problem.hard_constraint)


HARD_BC = HardConstraint()
