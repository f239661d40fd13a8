"""Adapters: one module per problem kind, each the complete way to train and score it.

* :mod:`physym.models.pinn` — PINNs through DeepXDE (``fnn``);
* :mod:`physym.models.operator` — FNO, TFNO and UNO from neuraloperator, the data set of an
  operator task and the one operator training loop;
* :mod:`physym.models.regression` — the float64 torch MLP of regression tasks.

Each module defines ``ADAPTER``, an :class:`Adapter`; the runner's table
(:data:`physym.runner.ADAPTERS`) maps a problem's ``kind`` to it. Importing this package
imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from physym.problem import Fit

__all__ = ["Adapter"]


@dataclass(frozen=True)
class Adapter:
    """What a problem kind's adapter provides to the runner and the measurement driver.

    One instance per kind lives in its module of :mod:`physym.models`; the runner's table
    maps ``Problem.kind`` to it.

    Attributes
    ----------
    kind : str
        The problem kind it trains (``"pinn"``, ``"operator"``, ``"regression"``).
    fit : callable
        ``fit(problem, *, model, expansion, budget, seed, data_seed, device, progress=None,
        data_file=None, options=None, **extra) -> Fit``: build, train and score one model.
        Both arms of a comparison call it with identical arguments but ``expansion``.
    measurement : callable
        ``measurement(budget, *, steps, fraction, data_seed) -> (budget, extra)``: the
        budget of a short replica measurement (``steps`` full-batch Adam steps on a
        ``fraction`` of the training data, the same data for every replica) and the extra
        keywords ``fit`` needs for it.
    options : tuple of str
        The :class:`~physym.options.ModelOptions` fields its models support.
    model_options : mapping of str to tuple of str
        The fields of models that support other ones than ``options`` (DeepONet).
    memory : callable
        ``memory(problem, *, model, budget, expansion) -> float``: an estimate of the peak
        bytes of one run, checked before any training (:func:`physym.resources.check_memory`).
    read_data : callable or None
        ``read_data(problem, budget, *, data_seed, data) -> None``: read and check a
        ``--data`` path completely (``ValueError`` naming what is wrong), before training;
        ``None`` for a kind that reads no data.
    methods : tuple of str
        Training methods ``fit`` accepts as ``method=`` (the first is the default); empty
        for a kind with one way of training.
    check_method : callable or None
        ``check_method(problem, method, options) -> None``: refuse (``ValueError``, one
        line) a method the problem or options cannot take, before training.
    method_budget : callable
        ``method_budget(budget, method) -> budget``: the budget ``fit`` trains under with
        ``method`` (``adam`` drops a PINN's L-BFGS phase); the identity for a kind without
        methods. Reports read a run's training settings through it.
    engines : tuple of str
        Training engines ``fit`` accepts as ``engine=`` (the first is the default); empty
        for a kind with one.
    check_model : callable or None
        ``check_model(model) -> None``: refuse a model this machine cannot build (an
        optional dependency missing), before training.
    """

    kind: str
    fit: Callable[..., Fit]
    measurement: Callable[..., tuple[Any, dict[str, Any]]]
    options: tuple[str, ...] = ()
    model_options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    memory: Callable[..., float] = lambda problem, **_: 0.0
    read_data: Callable[..., None] | None = None
    methods: tuple[str, ...] = ()
    check_method: Callable[..., None] | None = None
    method_budget: Callable[[Any, str | None], Any] = lambda budget, method: budget
    engines: tuple[str, ...] = ()
    check_model: Callable[[str], None] | None = None

    def options_of(self, model: str) -> tuple[str, ...]:
        """The :class:`~physym.options.ModelOptions` fields ``model`` supports."""
        return tuple(self.model_options.get(model, self.options))

