"""The replica Wasserstein metric of symmetry breaking (physym's definition, DESIGN §6).

R replicas of one model that differ only in their initialisation seed are trained for S
steps on the same data. For every weight tensor ``l`` the entries of a replica form an
empirical distribution. The metric reports, per tensor and averaged over tensors,

* the **replica distance** ``D_l``: the mean over replica pairs ``r < r'`` of
  ``W1(trained_l^r, trained_l^r') / sigma_l``, and
* the **drift** ``Delta_l``: the mean over replicas of ``W1(trained_l^r, initial_l^r) /
  sigma_l``,

with ``W1`` the 1-D Wasserstein distance (:func:`scipy.stats.wasserstein_distance`) and
``sigma_l`` the standard deviation of the tensor's entries at initialisation, pooled over
the replicas. The same pairwise distance between the *initial* replicas, ``D_l(init)``, is
reported too: it is the finite-sample floor of ``D_l`` (independent draws of the same
initialiser are at a distance of order ``1 / sqrt(entries)``, not zero).

Weight tensors are the trainable parameters with at least two dimensions whose name does
not end in ``bias`` and whose initial entries are not all equal: linear and convolution
kernels, spectral weights and tensor-factorisation factors. Biases, batch-norm scales and
shifts and constant-initialised gates are left out. Complex tensors (spectral weights)
contribute the real and the imaginary parts of their entries to one distribution.

A distribution of entries does not change when hidden units are permuted, so the metric
compares replicas without aligning their units. See ``docs/symmetry-metric.md``; the
figure is :func:`physym.plotting.plot_symmetry`.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import logging
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
import torch

from physym.io import derive_seed
from physym.options import ModelOptions

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from physym.problem import Problem
    from physym.runner import RunSpec

__all__ = [
    "TECHNIQUES", "DEFAULT_DROPOUT", "technique_options", "technique_name", "parameter_snapshot",
    "is_weight", "entries", "replica_metric", "measurement_setup", "check_measurement",
    "measure",
]

logger = logging.getLogger(__name__)

#: Techniques ``physym measure --technique`` compares on coordinate networks.
TECHNIQUES: tuple[str, ...] = ("none", "dropout", "batchnorm")
#: Dropout probability of ``--technique dropout`` when none is given.
DEFAULT_DROPOUT = 0.1

WEIGHT_RULE = ("trainable tensors with >= 2 dimensions, not named *bias, not constant at "
               "initialisation; complex entries as real and imaginary parts")


def technique_options(technique: str, *, dropout: float | None = None) -> ModelOptions:
    """The :class:`~physym.options.ModelOptions` of a technique name.

    Parameters
    ----------
    technique : {"none", "dropout", "batchnorm"}
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
    return ModelOptions(batchnorm=True) if technique == "batchnorm" else ModelOptions()


def technique_name(options: ModelOptions) -> str:
    """``"none"``, ``"dropout 0.1"``, ``"batchnorm"`` (or the options' own description)."""
    if options.is_default:
        return "none"
    if options == ModelOptions(batchnorm=True):
        return "batchnorm"
    if options == ModelOptions(dropout=options.dropout):
        return f"dropout {options.dropout:g}"
    return options.describe()


def parameter_snapshot(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """Copies of ``module``'s trainable parameters as CPU arrays, by parameter name."""
    return {name: p.detach().cpu().numpy().copy()
            for name, p in module.named_parameters() if p.requires_grad}


def entries(array: np.ndarray) -> np.ndarray:
    """The entries of a tensor as one float64 vector ``(size,)``; ``(2 * size,)`` if complex."""
    a = np.asarray(array).ravel()
    if np.iscomplexobj(a):
        a = np.concatenate([a.real, a.imag])
    return a.astype(np.float64)


def is_weight(name: str, initial: np.ndarray) -> bool:
    """Whether parameter ``name`` with initial value ``initial`` counts as a weight tensor."""
    a = np.asarray(initial)
    return a.ndim >= 2 and name.rsplit(".", 1)[-1] != "bias" and bool(np.ptp(entries(a)) > 0)


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import wasserstein_distance  # noqa: PLC0415

    return float(wasserstein_distance(a, b))


def replica_metric(
    initial: Sequence[Mapping[str, np.ndarray]],
    trained: Sequence[Mapping[str, np.ndarray]],
    *,
    seeds: Sequence[int] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> "xr.Dataset":
    """Replica distance and drift of every weight tensor, from parameter snapshots.

    Parameters
    ----------
    initial, trained : sequence of mapping of str to numpy.ndarray
        One snapshot per replica (``R >= 2``) at initialisation and after training, with
        the same names and shapes in every replica.
    seeds : sequence of int, optional
        Replica labels (default ``0 .. R-1``).
    attrs : mapping, optional
        Global attributes; non-scalar values are stored as JSON.

    Returns
    -------
    xarray.Dataset
        Dimensions ``layer`` (weight tensors, in parameter order), ``replica`` (R) and
        ``pair`` (R(R-1)/2, labelled ``"s-s'"``). Variables: ``distance``, ``drift``,
        ``distance_init``, ``sigma_init``, ``n_entries`` (values in the distribution:
        twice the element count for a complex tensor), ``shape`` ``(layer,)``;
        ``pair_distance`` ``(layer, pair)``; ``replica_drift`` ``(layer, replica)``; and
        the unweighted means over layers ``distance_mean``, ``drift_mean``,
        ``distance_init_mean`` (scalars).
    """
    import xarray as xr  # noqa: PLC0415

    n_rep = len(initial)
    if n_rep < 2 or len(trained) != n_rep:
        raise ValueError(f"need >= 2 replicas with initial and trained states, got "
                         f"{n_rep} and {len(trained)}")
    seeds = list(range(n_rep)) if seeds is None else [int(s) for s in seeds]
    names = [k for k, v in initial[0].items() if is_weight(k, v)]
    for state in (*initial, *trained):
        for k in names:
            if k not in state or np.shape(state[k]) != np.shape(initial[0][k]):
                raise ValueError(f"replica states differ in weight tensor {k!r}")
    pairs = list(itertools.combinations(range(n_rep), 2))
    rows: dict[str, list] = {k: [] for k in ("pair", "pair_init", "drift", "sigma", "size")}
    kept = []
    for name in names:
        init = [entries(s[name]) for s in initial]
        fin = [entries(s[name]) for s in trained]
        sigma = float(np.std(np.concatenate(init)))
        if not sigma > 0:  # constant across replicas too: no scale to measure against
            continue
        kept.append(name)
        rows["pair"].append([_w1(fin[i], fin[j]) / sigma for i, j in pairs])
        rows["pair_init"].append([_w1(init[i], init[j]) / sigma for i, j in pairs])
        rows["drift"].append([_w1(fin[r], init[r]) / sigma for r in range(n_rep)])
        rows["sigma"].append(sigma)
        rows["size"].append(init[0].size)
    if not kept:
        raise ValueError("the model has no weight tensors to measure")
    pair_d, pair_init = np.array(rows["pair"]), np.array(rows["pair_init"])
    drift = np.array(rows["drift"])
    shapes = ["x".join(map(str, np.shape(initial[0][k]))) for k in kept]
    ds = xr.Dataset(
        {
            "distance": ("layer", pair_d.mean(axis=1)),
            "drift": ("layer", drift.mean(axis=1)),
            "distance_init": ("layer", pair_init.mean(axis=1)),
            "sigma_init": ("layer", np.array(rows["sigma"])),
            "n_entries": ("layer", np.array(rows["size"], dtype=np.int64)),
            "shape": ("layer", np.array(shapes)),
            "pair_distance": (("layer", "pair"), pair_d),
            "replica_drift": (("layer", "replica"), drift),
        },
        coords={"layer": kept, "replica": seeds,
                "pair": [f"{seeds[i]}-{seeds[j]}" for i, j in pairs]},
    )
    for var, text in (("distance", "mean over replica pairs of W1(trained, trained') / sigma_init"),
                      ("drift", "mean over replicas of W1(trained, initial) / sigma_init"),
                      ("distance_init", "mean over replica pairs of W1(initial, initial') / "
                                        "sigma_init (finite-sample floor of distance)"),
                      ("sigma_init", "std of the entries at initialisation, pooled over replicas")):
        ds[var].attrs["long_name"] = text
    for var in ("distance", "drift", "distance_init"):
        ds[f"{var}_mean"] = ds[var].mean("layer")
        ds[f"{var}_mean"].attrs["long_name"] = f"unweighted mean of {var} over layers"
    ds.attrs.update({"definition": "physym replica Wasserstein metric (docs/symmetry-metric.md)",
                     "weights": WEIGHT_RULE})
    ds.attrs.update({k: v if isinstance(v, (int, float, str)) else json.dumps(v, default=str)
                     for k, v in (attrs or {}).items()})
    return ds


def _scaled(count: int, fraction: float) -> int:
    return 0 if count == 0 else max(1, int(round(fraction * count)))


def _subsampled(problem: "Problem", fraction: float) -> "Problem":
    """A shallow copy of a regression problem whose training samples are a seeded subset."""
    full = problem.training_samples
    sub = copy.copy(problem)

    def training_samples(*, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, y, sigma = (np.asarray(a) for a in full(seed=seed))
        keep = np.random.default_rng(derive_seed(seed, 1)).permutation(len(x))
        idx = np.sort(keep[: _scaled(len(x), fraction)])
        return x[idx], y[idx], sigma[idx]

    sub.training_samples = training_samples  # type: ignore[method-assign]
    return sub


def _shared_points(problem: "Problem", *, data_seed: int, seed: int) -> "Problem":
    """A shallow copy of a PINN problem whose collocation points are drawn from ``data_seed``.

    DeepXDE draws some points (boundary points of an interval, for example) from the
    generator that ``fit_pinn`` seeds with the model seed. The copy seeds it with
    ``data_seed`` while building the points and with ``seed`` again afterwards, so that the
    network is initialised exactly as ``fit_pinn`` would and every replica sees the same
    points.
    """
    build = problem.deepxde_data
    sub = copy.copy(problem)

    def deepxde_data(dde: Any, budget: Any) -> Any:
        dde.config.set_random_seed(data_seed)
        data = build(dde, budget)
        dde.config.set_random_seed(seed)
        return data

    sub.deepxde_data = deepxde_data  # type: ignore[method-assign]
    return sub


def measurement_setup(problem: "Problem", budget: Any, *, steps: int,
                      fraction: float = 1.0) -> tuple["Problem", Any]:
    """The problem and budget of a short measurement: ``steps`` full-batch Adam steps.

    * PINN: ``adam_iterations = steps``, no L-BFGS; collocation point counts
      (``num_domain``, ``num_boundary``, ``num_initial``) times ``fraction``.
    * operator: ``n_train`` times ``fraction``, ``batch_size = n_train`` (one full batch
      per epoch, so replicas differ in initialisation only) and ``epochs = steps``; the
      cosine schedule spans these ``steps``.
    * regression: ``adam_iterations = steps``, no L-BFGS; a seeded subset of ``fraction``
      of the training samples (the same for every replica).

    At least one point or sample of each kind is kept.
    """
    if problem.kind == "pinn":
        return problem, dataclasses.replace(
            budget, adam_iterations=steps, lbfgs_iterations=0,
            num_domain=_scaled(budget.num_domain, fraction),
            num_boundary=_scaled(budget.num_boundary, fraction),
            num_initial=_scaled(budget.num_initial, fraction))
    if problem.kind == "operator":
        n = _scaled(budget.n_train, fraction)
        return problem, dataclasses.replace(budget, n_train=n, batch_size=n, epochs=steps)
    if problem.kind == "regression":
        short = dataclasses.replace(budget, adam_iterations=steps, lbfgs_iterations=0)
        return (problem if fraction == 1.0 else _subsampled(problem, fraction)), short
    raise ValueError(f"cannot measure a problem of kind {problem.kind!r}")


def check_measurement(spec: "RunSpec", *, replicas: int, steps: int,
                      data_fraction: float = 1.0) -> tuple["Problem", str, Any]:
    """Validate a measurement; return ``prepare(spec)``. ``ValueError`` names the culprit."""
    from physym.runner import prepare  # noqa: PLC0415

    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 2:
        raise ValueError(f"replicas must be an integer >= 2, got {replicas!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not (isinstance(data_fraction, (int, float)) and 0.0 < data_fraction <= 1.0):
        raise ValueError(f"data fraction must be in (0, 1], got {data_fraction!r}")
    problem, model, budget = prepare(spec)
    if problem.kind == "operator" and (spec.options.dropout or spec.options.batchnorm):
        raise ValueError(f"technique {technique_name(spec.options)} applies to coordinate "
                         f"networks (PINN, MLP), not to the operator model {model}; "
                         "use expansion")
    return problem, model, budget


def measure(
    spec: "RunSpec",
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
    budget derived from ``spec.budget``.

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
    from physym import __version__  # noqa: PLC0415
    from physym.registry import get_problem  # noqa: PLC0415
    from physym.runner import resolve_device  # noqa: PLC0415

    problem, model, budget = check_measurement(spec, replicas=replicas, steps=steps,
                                               data_fraction=data_fraction)
    dev = resolve_device(device)
    short_problem, short = measurement_setup(problem, budget, steps=steps, fraction=data_fraction)
    seeds = [spec.seed + r for r in range(replicas)]
    initial, trained, errors, losses, prints = [], [], [], [], set()
    for seed in seeds:
        if on_replica is not None:
            on_replica(seed)
        replica = (_shared_points(short_problem, data_seed=spec.data_seed, seed=seed)
                   if problem.kind == "pinn" else short_problem)
        fit = replica.fit(model=model, expansion=spec.expansion, budget=short, seed=seed,
                                data_seed=spec.data_seed, device=dev, progress=progress,
                                data_file=spec.data, options=spec.options)
        if fit.model is None or fit.initial_state is None:
            raise RuntimeError(f"{type(problem).__name__}.fit returned no model or initial state")
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
