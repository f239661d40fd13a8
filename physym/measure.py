"""Training the replicas of the symmetry-breaking measurement (``physym measure``).

:func:`measure` trains R replicas of one :class:`~physym.runner.RunSpec` that differ only in
their initialisation seed, for S full-batch Adam steps on the same data, through the problem
kind's adapter (the runner's table, as every run), and hands their parameter snapshots to
the pure metric :func:`physym.symmetry.replica_metric`. Each adapter states what a short
measurement means for its kind (``Adapter.measurement``).

The techniques it compares are architecture options: ``none``, ``dropout`` and ``batchnorm``
(:func:`technique_options`), besides the expansion itself.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.models._params import parameter_snapshot
from physym.options import ModelOptions
from physym.registry import get_problem
from physym.runner import RunSpec, adapter_for, prepare, resolve_device
from physym.symmetry import replica_metric

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from physym.problem import Problem

__all__ = ["TECHNIQUES", "DEFAULT_DROPOUT", "technique_options", "technique_name",
           "measurement_setup", "check_measurement", "measure"]

logger = logging.getLogger(__name__)

#: Techniques ``physym measure --technique`` compares on coordinate networks.
TECHNIQUES: tuple[str, ...] = ("none", "dropout", "batchnorm", "equivariant")
#: Dropout probability of ``--technique dropout`` when none is given.
DEFAULT_DROPOUT = 0.1


def technique_options(technique: str, *, dropout: float | None = None) -> ModelOptions:
    """The :class:`~physym.options.ModelOptions` of a technique name.

    Parameters
    ----------
    technique : {"none", "dropout", "batchnorm", "equivariant"}
    dropout : float, optional
        Dropout probability in ``(0, 1)`` (technique ``dropout`` only; default 0.1).
    """
    if technique not in TECHNIQUES:
        raise ValueError(f"technique must be one of {', '.join(TECHNIQUES)}, got {technique!r}")
    if dropout is not None and technique != "dropout":
        raise ValueError(f"a dropout probability applies to technique dropout, not {technique}")
    if technique == "dropout":
        p = DEFAULT_DROPOUT if dropout is None else dropout
        if not 0.0 < p < 1.0:
            raise ValueError(f"dropout must be a probability in (0, 1), got {p!r}")
        return ModelOptions(dropout=float(p))
    if technique == "equivariant":
        return ModelOptions(equivariant=True)
    return ModelOptions(batchnorm=True) if technique == "batchnorm" else ModelOptions()


def technique_name(options: ModelOptions) -> str:
    """``"none"``, ``"dropout 0.1"``, ``"batchnorm"`` (or the options' own description)."""
    if options.is_default:
        return "none"
    if options == ModelOptions(batchnorm=True):
        return "batchnorm"
    if options == ModelOptions(equivariant=True):
        return "equivariant"
    if options == ModelOptions(dropout=options.dropout):
        return f"dropout {options.dropout:g}"
    return options.describe()


def measurement_setup(problem: "Problem", budget: Any, *, steps: int, fraction: float = 1.0,
                      data_seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """The budget of a short measurement and the extra keywords its ``fit`` needs.

    ``steps`` full-batch Adam steps on a ``fraction`` of the training data (at least one
    point or sample of each kind), the same data for every replica; what that means for a
    kind is its adapter's ``measurement``:

    * PINN: ``adam_iterations = steps``, no L-BFGS; each kind of collocation point times
      ``fraction``; DeepXDE's random points are drawn from ``data_seed``;
    * operator: ``n_train`` times ``fraction``, ``batch_size = n_train`` and
      ``epochs = steps`` (the cosine schedule spans these steps);
    * regression: ``adam_iterations = steps``, no L-BFGS; a subset of ``fraction`` of the
      samples drawn from ``data_seed``.
    """
    return adapter_for(problem).measurement(budget, steps=steps, fraction=fraction,
                                            data_seed=data_seed)


def check_measurement(spec: RunSpec, *, replicas: int, steps: int,
                      data_fraction: float = 1.0) -> tuple["Problem", str, Any]:
    """Validate a measurement; return ``prepare(spec)``. ``ValueError`` names the culprit."""
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 2:
        raise ValueError(f"replicas must be an integer >= 2, got {replicas!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not (isinstance(data_fraction, (int, float)) and 0.0 < data_fraction <= 1.0):
        raise ValueError(f"data fraction must be in (0, 1], got {data_fraction!r}")
    return prepare(spec)


def measure(
    spec: RunSpec,
    *,
    replicas: int,
    steps: int,
    data_fraction: float = 1.0,
    device: str | torch.device = "auto",
    progress: Callable[[int], None] | None = None,
    on_replica: Callable[[int], None] | None = None,
) -> "xr.Dataset":
    """Train ``replicas`` copies of ``spec``'s model for ``steps`` steps and measure them.

    Replica ``r`` uses seed ``spec.seed + r``; everything else, including the training
    data (checked by fingerprint; a PINN's collocation points are drawn from
    ``spec.data_seed``), is shared. The technique is the spec's expansion and
    options (:func:`technique_options`). Training is :func:`measurement_setup`'s short
    budget derived from ``spec.budget``, run by the problem kind's adapter (the runner's
    table), exactly as a run is.

    Parameters
    ----------
    spec : RunSpec
        Problem, task, model, expansion, options, base seed, budget, parameters, data.
    replicas : int
        ``R >= 2``.
    steps : int
        ``S >= 1`` full-batch Adam steps.
    data_fraction : float
        Fraction in ``(0, 1]`` of the training points or samples.
    device : str or torch.device
        ``auto``, ``cpu``, ``cuda``...
    progress : callable, optional
        Receives step counts (``R * S`` in all).
    on_replica : callable, optional
        Called with each replica's seed before it trains.

    Returns
    -------
    xarray.Dataset
        :func:`replica_metric`'s dataset plus ``error`` and ``final_loss`` ``(replica,)``
        (held-out error and training loss after the ``S`` steps) and attributes
        describing the measurement.

    Raises
    ------
    ValueError
        For an invalid measurement (see :func:`check_measurement`).
    physym.problem.TrainingDiverged
        When a replica's loss becomes NaN or infinite.
    """
    from physym._version import __version__  # noqa: PLC0415

    problem, model, budget = check_measurement(spec, replicas=replicas, steps=steps,
                                               data_fraction=data_fraction)
    dev = resolve_device(device)
    short, extra = measurement_setup(problem, budget, steps=steps, fraction=data_fraction,
                                     data_seed=spec.data_seed)
    adapter = adapter_for(problem)
    seeds = [spec.seed + r for r in range(replicas)]
    initial, trained, errors, losses, prints = [], [], [], [], set()
    for seed in seeds:
        if on_replica is not None:
            on_replica(seed)
        fit = adapter.fit(problem, model=model, expansion=spec.expansion, budget=short,
                          seed=seed, data_seed=spec.data_seed, device=dev, progress=progress,
                          data_file=spec.data, options=spec.options, **extra)
        if fit.model is None or fit.initial_state is None:
            raise RuntimeError(f"the {problem.kind} adapter returned no model or initial state")
        initial.append(fit.initial_state)
        trained.append(parameter_snapshot(fit.model))
        errors.append(fit.error)
        losses.append(fit.metrics.get("final_loss", np.nan))
        prints.add(fit.data_fingerprint)
        logger.info("replica seed %d: error %.3e after %d steps", seed, fit.error, steps)
    if len(prints) > 1:
        raise RuntimeError(f"replicas saw different training data: {sorted(prints)}")
    ds = replica_metric(initial, trained, seeds=seeds, attrs={
        "physym_version": __version__, "spec": spec.to_dict(), "problem": spec.problem,
        "task": spec.task or get_problem(spec.problem).default_task, "kind": problem.kind,
        "model": model,
        "expansion": spec.expansion.describe(), "expand": spec.expansion.n,
        "technique": technique_name(spec.options), "replicas": replicas, "steps": steps,
        "data_fraction": float(data_fraction), "budget": spec.budget,
        "measurement_budget": dataclasses.asdict(short), "device": str(dev),
        "data_fingerprint": prints.pop(),
    })
    ds["error"] = ("replica", np.array(errors, dtype=float))
    ds["error"].attrs["long_name"] = f"held-out relative L2 error after {steps} steps"
    ds["final_loss"] = ("replica", np.array(losses, dtype=float))
    return ds
