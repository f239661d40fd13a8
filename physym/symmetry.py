"""The replica Wasserstein metric of symmetry breaking (physym's own definition).

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

This module is the pure metric, a function of parameter snapshots; training the replicas is
:func:`physym.measure.measure`.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["WEIGHT_RULE", "is_weight", "entries", "replica_metric"]

logger = logging.getLogger(__name__)

WEIGHT_RULE = ("trainable tensors with >= 2 dimensions, not named *bias, not constant at "
               "initialisation; complex entries as real and imaginary parts")


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
