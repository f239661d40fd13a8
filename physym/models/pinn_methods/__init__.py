"""PINN training methods: one module per method, listed once in :data:`METHODS`.

A method is a :class:`~physym.models.pinn_methods.base.PINNMethod`: small hooks around the
PINN adapter's one training path (:func:`physym.models.pinn.fit_pinn`). Expansion is applied
the same way under every method: the constants are appended by the network's feature
transform, so the expanded arm differs from the baseline only in the first layer's input
width. See ``docs/adding-a-method.md`` for writing one.

=============  ==============================================================================
``adam-lbfgs`` Adam, then L-BFGS (the default; bit-identical to physym before methods)
``adam``       Adam only (PINNacle's vanilla setting)
``laaf``       layer-wise locally adaptive tanh, DeepXDE's ``LAAF-10 tanh`` (Jagtap et al. 2020)
``gpinn``      gradient-enhanced residual, weight 0.01 (Yu et al. 2022)
``lra``        learning-rate-annealing loss weights (Wang, Teng & Perdikaris 2021)
``rar``        residual-based adaptive refinement, greedy (RAR-G, Lu et al. 2021)
``hard-bc``    conditions imposed exactly by the problem's ansatz (output transform)
=============  ==============================================================================
"""

from __future__ import annotations

from physym.budgets import PINNBudget
from physym.models.pinn_methods.base import PINNMethod
from physym.models.pinn_methods.adam import ADAM, ADAM_LBFGS
from physym.models.pinn_methods.gpinn import GPINN
from physym.models.pinn_methods.hard_bc import HARD_BC
from physym.models.pinn_methods.laaf import LAAF
from physym.models.pinn_methods.lra import LRA
from physym.models.pinn_methods.rar import RAR

__all__ = ["DEFAULT_METHOD", "METHODS", "PINNMethod", "get_method", "method_budget"]

#: Every PINN method by name (the first is the default).
METHODS: dict[str, PINNMethod] = {m.name: m for m in (ADAM_LBFGS, ADAM, LAAF, GPINN, LRA, RAR,
                                                      HARD_BC)}
#: The method of a spec that names none.
DEFAULT_METHOD = ADAM_LBFGS.name


def get_method(name: str | None) -> PINNMethod:
    """The method called ``name`` (the default for ``None``); ``ValueError`` naming the known ones."""
    if name is None:
        return METHODS[DEFAULT_METHOD]
    if name not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)} for a PINN task, "
                         f"got {name!r}")
    return METHODS[name]


def method_budget(budget: PINNBudget, method: str | None) -> PINNBudget:
    """The budget a PINN trains under with ``method`` (the method's ``budget`` hook: ``adam``
    drops the L-BFGS phase); the PINN adapter's ``method_budget``."""
    return get_method(method).budget(budget)
