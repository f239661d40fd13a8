"""``adam-lbfgs`` (the default) and ``adam`` (PINNacle's vanilla setting, no L-BFGS)."""

from __future__ import annotations

import dataclasses

from physym.budgets import PINNBudget
from physym.models.pinn_methods.base import PINNMethod

__all__ = ["ADAM", "ADAM_LBFGS"]


class AdamLBFGS(PINNMethod):
    """Adam for ``budget.adam_iterations`` steps, then L-BFGS for up to
    ``budget.lbfgs_iterations`` (DeepXDE's L-BFGS options): physym's default."""

    name = "adam-lbfgs"
    summary = "Adam, then L-BFGS (the default)"
    reference = "Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378 (2019)"


class Adam(PINNMethod):
    """Adam only, for ``budget.adam_iterations`` steps (no L-BFGS phase)."""

    name = "adam"
    summary = "Adam only, no L-BFGS (PINNacle's vanilla PINN)"
    reference = "Hao et al., PINNacle, arXiv:2306.08827 (2023)"

    def budget(self, budget: PINNBudget) -> PINNBudget:
        return dataclasses.replace(budget, lbfgs_iterations=0)


ADAM_LBFGS = AdamLBFGS()
ADAM = Adam()
