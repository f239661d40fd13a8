"""Files: cache paths, atomic writes, fingerprints, and result files (JSON, netCDF).

Every write goes to a temporary file in the destination folder and is moved into place with
``os.replace``, so an interrupted write never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

__all__ = [
    "data_dir",
    "cache_path",
    "atomic_path",
    "write_json",
    "json_safe",
    "DataFileError",
    "fingerprint_arrays",
    "file_digest",
    "derive_seed",
    "comparison_dataset",
    "write_netcdf",
]

logger = logging.getLogger(__name__)

class DataFileError(ValueError):
    """A data file is missing, malformed, or holds non-finite values."""


def fingerprint_arrays(*arrays: np.ndarray) -> str:
    """SHA-256 (first 16 hex digits) of arrays' bytes, shapes and dtypes."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(str((a.shape, a.dtype.str)).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:16]


def file_digest(path: Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 (first 16 hex digits) of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()[:16]


def derive_seed(*keys: int) -> int:
    """An independent 63-bit seed derived from integer keys, e.g. ``(seed, chunk_index)``.

    Uses :class:`numpy.random.SeedSequence`, so nearby keys give unrelated streams.
    """
    state = np.random.SeedSequence([int(k) for k in keys]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def data_dir() -> Path:
    """Folder of the data cache: ``$PHYSYM_DATA`` or ``./data``."""
    return Path(os.environ.get("PHYSYM_DATA", "data"))


def cache_path(prefix: str, key: dict[str, Any]) -> Path:
    """Cache file for a data set described by ``key`` (hashed into the file name)."""
    blob = json.dumps(key, sort_keys=True, default=str).encode()
    return data_dir() / f"{prefix}-{hashlib.sha256(blob).hexdigest()[:12]}.h5"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` only on success.

    The file gets the permissions of an ordinary new file (``0o666`` less the umask), not
    the private ``0o600`` of a temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def json_safe(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float replaced by ``None`` (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented, strictly valid JSON (NaN and inf as ``null``), atomically."""
    text = json.dumps(json_safe(obj), indent=2, sort_keys=False, default=str, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n")


def comparison_dataset(comparison: Any, attrs: dict[str, Any]) -> Any:
    """Label a :class:`~physym.runner.Comparison` as an ``xarray.Dataset``.

    Dimensions ``arm`` (``baseline``, ``expanded``) and ``seed``; variables ``error``,
    ``train_time``, ``n_params``, ``status`` and one per extra metric (NaN where a run
    failed). ``attrs`` become global attributes (non-scalars as JSON).
    """
    import xarray as xr  # noqa: PLC0415

    arms = comparison.arms
    seeds = [r.spec.seed for r in comparison.baseline]
    metric_names = sorted({k for rs in arms.values() for r in rs for k in r.metrics})

    def table(get: Any, fill: Any = np.nan) -> np.ndarray:
        return np.array([[get(r) if r.status == "ok" else fill for r in rs] for rs in arms.values()])

    data = {
        "error": (("arm", "seed"), table(lambda r: r.error).astype(float)),
        "train_time": (("arm", "seed"), table(lambda r: r.train_time).astype(float)),
        "n_params": (("arm", "seed"), table(lambda r: r.n_params, 0).astype(np.int64)),
        "status": (("arm", "seed"), np.array([[r.status for r in rs] for rs in arms.values()])),
    }
    for name in metric_names:
        data[name] = (("arm", "seed"), table(lambda r: r.metrics.get(name, np.nan)).astype(float))
    ds = xr.Dataset(data, coords={"arm": list(arms), "seed": seeds})
    ds["error"].attrs.update(long_name=f"{attrs.get('error_label', 'relative L2 error')} on "
                                       "held-out data")
    for name in attrs.get("table_metrics", ()):
        if name in ds:
            ds[name].attrs.update(long_name=f"{name}: {attrs.get('table_title', 'relative L2 error')}")
    ds["train_time"].attrs.update(units="s")
    ds.attrs.update({k: v if isinstance(v, (int, float, str)) else json.dumps(v, default=str)
                     for k, v in attrs.items()})
    return ds


def write_netcdf(path: Path, dataset: Any) -> None:
    """Write an xarray Dataset with the h5netcdf engine, atomically."""
    with atomic_path(path) as tmp:
        dataset.to_netcdf(tmp, engine="h5netcdf")
