"""HDF5 cache of solver-backed PINN references, keyed by everything they depend on.

A reference (for example a spectral solution of the Allen-Cahn equation on a fine grid) is
computed once and stored as ``<data_dir>/<prefix>-<hash>.h5`` (:func:`physym.io.cache_path`),
written atomically (:func:`physym.io.atomic_path`), so that an interrupted run never leaves a
file that looks complete. The key is stored as a JSON attribute and checked on reading; a file
whose key or content does not match is recomputed.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from physym.io import atomic_path, cache_path

__all__ = ["cached_arrays", "LazyReference"]

logger = logging.getLogger(__name__)

#: Bump when the layout of the cached files changes.
_FORMAT = 1


def _key_json(key: Mapping[str, Any]) -> str:
    return json.dumps({"format": _FORMAT, **dict(key)}, sort_keys=True, default=str)


def cached_arrays(
    prefix: str,
    key: Mapping[str, Any],
    compute: Callable[[], Mapping[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Arrays computed by ``compute()``, read from the HDF5 cache when present.

    Parameters
    ----------
    prefix : str
        File name prefix, e.g. ``"reference-kdv"``.
    key : mapping
        JSON-serialisable description of everything the arrays depend on (problem class,
        parameters, resolution, time step, solver version). Hashed into the file name.
    compute : callable
        ``compute() -> {name: array}``; called only on a cache miss.

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays (read fully into memory).
    """
    import h5py  # noqa: PLC0415  (only needed by solver-backed problems)

    blob = _key_json(key)
    path = cache_path(prefix, {"key": blob})
    if path.exists():
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("key") == blob:
                    arrays = {name: np.asarray(f[name]) for name in f}
                    if all(np.all(np.isfinite(a)) for a in arrays.values()):
                        logger.debug("reference cache hit: %s", path)
                        return arrays
            logger.warning("reference cache %s does not match its key; recomputing", path)
        except OSError as exc:  # truncated or foreign file
            logger.warning("unreadable reference cache %s (%s); recomputing", path, exc)
    logger.info("computing reference %s -> %s", prefix, path)
    arrays = {name: np.asarray(a) for name, a in compute().items()}
    for name, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise FloatingPointError(f"reference {prefix}: array {name!r} is not finite")
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["key"] = blob
            for name, a in arrays.items():
                f.create_dataset(name, data=a)
    return arrays


class LazyReference:
    """Mixin of a problem with a solver-backed reference: :meth:`reference` computes
    :meth:`compute_reference` (which typically reads :func:`cached_arrays`) once per
    instance and keeps it."""

    def compute_reference(self) -> Any:
        """Solve, or read from the cache, the reference for ``self.params``."""
        raise NotImplementedError

    def reference(self) -> Any:
        """The reference solution (computed or read from the cache on first use)."""
        ref = self.__dict__.get("_reference")
        if ref is None:
            ref = self.__dict__["_reference"] = self.compute_reference()
        return ref
