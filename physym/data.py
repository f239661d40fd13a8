"""Operator data sets: generation in seeded chunks, PDEBench-layout HDF5 files, the cache.

Every operator data set physym writes — the automatic cache under ``data/`` and the files of
``physym data generate`` — uses the PDEBench layout: the problem's own data sets (``tensor``,
and ``nu`` for Darcy's coefficient) plus ``x-coordinate``/``y-coordinate``, with every
parameter, the seed and the physym version as attributes. The same reader loads PDEBench's
own files (``1D_Burgers_Sols_Nu*.hdf5``, ``2D_DarcyFlow_beta*.hdf5``) through the problem's
:meth:`~physym.problem.OperatorProblem.from_pdebench`.

Samples are generated in chunks of ``problem.chunk_size``; chunk ``c`` uses the seed
``chunk_seed(seed, c)``, so a data set is a deterministic function of ``(parameters, n,
resolution, seed)`` and never depends on the device's memory or on how it was interrupted.
Files are written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.io import DataFileError, atomic_path, cache_path, derive_seed
from physym.resources import check_memory

if TYPE_CHECKING:  # pragma: no cover
    from physym.problem import OperatorProblem

__all__ = ["chunk_seed", "generation_memory", "generate", "write_pdebench", "read_pdebench", "cached_dataset",
           "split_train_test"]

logger = logging.getLogger(__name__)


def chunk_seed(seed: int, index: int) -> int:
    """Independent 63-bit seed of chunk ``index`` of a data set with ``seed``."""
    return derive_seed(seed, index)


def generation_memory(problem: "OperatorProblem", *, n: int, resolution: int) -> float:
    """Peak bytes of :func:`generate`, roughly: the float32 inputs and targets twice (the
    chunks and their concatenation), and a chunk's solver workspace (about 40 complex
    double copies of a field: the stages of an exponential integrator and their FFTs)."""
    cells = float(resolution) ** problem.n_dim
    out = 2 * 4.0 * n * (problem.in_channels + problem.out_channels) * cells
    return out + 16.0 * 40 * min(n, problem.chunk_size) * cells


def generate(
    problem: "OperatorProblem",
    *,
    n: int,
    resolution: int,
    seed: int,
    device: torch.device,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the problem's reference solver for ``n`` samples, chunk by chunk.

    Returns
    -------
    inputs, targets : numpy.ndarray
        ``(n, C_in, *grid)`` and ``(n, C_out, *grid)``, float32.

    Raises
    ------
    ValueError
        For ``n < 1``, or a data set whose estimated memory
        (:func:`generation_memory`) exceeds what the machine has: checked before solving.
    RuntimeError
        If the solver produced NaN or inf.
    """
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    check_memory(generation_memory(problem, n=n, resolution=resolution),
                 what=f"{n} samples at resolution {resolution}",
                 hint="use a smaller --n or --resolution")
    xs, ys = [], []
    start = time.perf_counter()
    for index in range(math.ceil(n / problem.chunk_size)):
        m = min(problem.chunk_size, n - index * problem.chunk_size)
        x, y = problem.generate(m, resolution=resolution, seed=chunk_seed(seed, index),
                                device=device)
        x = x.detach().to("cpu", torch.float32).numpy()
        y = y.detach().to("cpu", torch.float32).numpy()
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise RuntimeError(f"{type(problem).__name__}.generate produced NaN or inf values")
        xs.append(x)
        ys.append(y)
        if progress is not None:
            progress(m)
    elapsed = time.perf_counter() - start
    logger.info("generated %d samples at resolution %d in %.1f s (%.2f samples/s)",
                n, resolution, elapsed, n / max(elapsed, 1e-9))
    return np.concatenate(xs), np.concatenate(ys)


def write_pdebench(
    path: Path,
    problem: "OperatorProblem",
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    attrs: dict[str, Any],
) -> None:
    """Write a data set in the PDEBench layout, atomically.

    Parameters
    ----------
    path : Path
        Destination ``.h5``/``.hdf5`` file.
    problem : OperatorProblem
        Maps ``(inputs, targets)`` to its PDEBench data sets (``to_pdebench``).
    inputs, targets : numpy.ndarray
        ``(N, C_in, *grid)`` and ``(N, C_out, *grid)``.
    attrs : dict
        Everything the data depend on; stored as root attributes (non-scalars as JSON) and
        as the JSON attribute ``key``.
    """
    import h5py  # noqa: PLC0415

    from physym._version import __version__  # noqa: PLC0415

    datasets = problem.to_pdebench(inputs, targets)
    grid = inputs.shape[2:]
    with atomic_path(Path(path)) as tmp, h5py.File(tmp, "w") as f:
        for name, values in datasets.items():
            f.create_dataset(name, data=values, compression="gzip", compression_opts=1)
        for axis, (name, size) in enumerate(zip("xyz", grid)):
            coord = f"{name}-coordinate"
            if coord not in datasets:
                f.create_dataset(coord, data=problem.coordinates(size)[axis])
        f.attrs["physym_version"] = __version__
        f.attrs["key"] = json.dumps(attrs, sort_keys=True, default=str)
        for k, v in attrs.items():
            f.attrs[k] = v if isinstance(v, (int, float, str, bool)) else json.dumps(v, default=str)


def read_pdebench(path: Path, problem: "OperatorProblem") -> tuple[np.ndarray, np.ndarray, dict]:
    """Load a PDEBench-layout file as the problem's inputs and targets, validated.

    Returns
    -------
    inputs, targets : numpy.ndarray
        ``(N, C_in, *grid)`` and ``(N, C_out, *grid)``, float32.
    attrs : dict
        The ``key`` attribute of physym files (empty for other files).

    Raises
    ------
    DataFileError
        Unreadable file, wrong layout, wrong channel count or dimension, mismatched shapes,
        NaN or inf — with the file name and what was expected.
    """
    import h5py  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"data file {str(path)!r} does not exist")
    try:
        with h5py.File(path, "r") as f:
            try:
                inputs, targets = problem.from_pdebench(f)
            except (ValueError, KeyError, IndexError) as exc:
                raise DataFileError(f"{path}: not a {type(problem).__name__} data file: {exc}") from None
            attrs = json.loads(f.attrs["key"]) if "key" in f.attrs else {}
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read HDF5 file ({exc})") from None
    inputs, targets = np.asarray(inputs, np.float32), np.asarray(targets, np.float32)
    expected = {"inputs": (inputs, problem.in_channels), "targets": (targets, problem.out_channels)}
    for name, (arr, channels) in expected.items():
        if arr.ndim != 2 + problem.n_dim or arr.shape[1] != channels:
            raise DataFileError(
                f"{path}: {name} have shape {arr.shape}, expected (N, {channels}"
                f"{', S' * problem.n_dim}) for {type(problem).__name__}"
            )
        if not np.all(np.isfinite(arr)):
            raise DataFileError(f"{path}: {name} contain NaN or inf")
    if inputs.shape[0] != targets.shape[0] or inputs.shape[2:] != targets.shape[2:]:
        raise DataFileError(f"{path}: inputs {inputs.shape} and targets {targets.shape} do not match")
    return inputs, targets, attrs


def to_resolution(arr: np.ndarray, resolution: int, *, source: str = "data") -> np.ndarray:
    """Subsample every grid axis of ``(N, C, *grid)`` to ``resolution`` points by striding."""
    for size in arr.shape[2:]:
        if size == resolution:
            continue
        if size < resolution or size % resolution:
            raise DataFileError(
                f"{source}: a grid of {size} points cannot be subsampled to resolution "
                f"{resolution}; use a divisor of {size}"
            )
    index = (slice(None), slice(None)) + tuple(
        slice(None, None, s // resolution) for s in arr.shape[2:])
    return np.ascontiguousarray(arr[index])


def split_train_test(
    inputs: np.ndarray, targets: np.ndarray, *, n_train: int, n_test: int, source: str = "data"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First ``n_train`` samples train, the last ``n_test`` test (disjoint)."""
    if inputs.shape[0] < n_train + n_test:
        raise DataFileError(
            f"{source}: {inputs.shape[0]} samples, but the budget needs {n_train} training + "
            f"{n_test} test samples"
        )
    return (inputs[:n_train], targets[:n_train], inputs[-n_test:], targets[-n_test:])


def cached_dataset(
    problem: "OperatorProblem",
    *,
    n: int,
    resolution: int,
    seed: int,
    device: torch.device,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets from the cache under :func:`physym.io.data_dir`, generated if absent.

    A cache file that fails validation, or whose key differs, is regenerated.
    """
    key = problem.cache_key(n=n, resolution=resolution, seed=seed)
    path = cache_path(type(problem).__name__.lower(), key)
    if path.exists():
        try:
            inputs, targets, stored = read_pdebench(path, problem)
            if stored == json.loads(json.dumps(key, default=str)):
                if progress is not None:
                    progress(n)
                return inputs, targets
            logger.warning("regenerating %s: its key does not match", path)
        except DataFileError as exc:
            logger.warning("regenerating data cache: %s", exc)
    inputs, targets = generate(problem, n=n, resolution=resolution, seed=seed, device=device,
                               progress=progress)
    write_pdebench(path, problem, inputs, targets, attrs=key)
    return inputs, targets


def describe_file(path: Path) -> Any:
    """An HDF5 data file as a labelled, lazily loaded ``xarray.Dataset``.

    The file's data sets become variables; an axis shared with ``x-``, ``y-``, ``z-`` or
    ``t-coordinate`` is named ``x``, ``y``, ``z`` or ``t`` and the first axis of the data is
    named ``sample`` (PDEBench's conventions).

    Raises
    ------
    DataFileError
        If the file cannot be read as HDF5.
    """
    import xarray as xr  # noqa: PLC0415

    try:
        ds = xr.open_dataset(path, engine="h5netcdf", phony_dims="sort")
    except Exception as exc:  # h5netcdf raises several types for a non-HDF5 file
        raise DataFileError(f"{path}: cannot read HDF5 file ({type(exc).__name__}: {exc})") from None
    names: dict[str, str] = {}
    for var in list(ds.variables):
        if str(var).endswith("-coordinate") and ds[var].ndim == 1:
            dim, axis = ds[var].dims[0], str(var)[0]
            if dim not in names and axis not in names.values():
                names[dim] = axis
    data_vars = [v for v in ds.data_vars if not str(v).endswith("-coordinate")]
    if data_vars:
        largest = max(data_vars, key=lambda v: ds[v].size)
        first = ds[largest].dims[0]
        names.setdefault(first, "sample")
    ds = ds.rename_dims(names)
    coords = [v for v in ds.data_vars if str(v).endswith("-coordinate") and ds[v].dims[0] in "xyzt"]
    return ds.set_coords(coords)
