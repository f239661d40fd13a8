"""Executors of a study: a local process pool (default) and Dask distributed.

Every run goes through :func:`execute_record`, a top-level function of plain arguments, so
the same code runs in this process, in a ``spawn`` process pool and on a Dask worker of any
machine. The worker returns the record; the calling process writes it (workers need not
share a file system with it), so killing a study loses at most the runs in flight.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import logging
import multiprocessing
import os
import platform
import socket
import threading
import time
import traceback
from typing import Any, Iterator, Sequence

import psutil

from physym.runner import RunSpec
from physym.threads import limit_threads

__all__ = ["execute_record", "ExecutorError", "iter_records", "default_threads", "check_scheduler",
           "check_executor_args", "software_versions", "hardware"]

logger = logging.getLogger(__name__)

class ExecutorError(RuntimeError):
    """An executor that cannot start (unreachable scheduler, bad worker count)."""


#: Distributions whose versions go into every record's provenance: a record's numbers
#: depend on them (torch's kernels, DeepXDE's training loop, neuraloperator's layers).
VERSIONED = ("physym", "torch", "deepxde", "neuraloperator", "numpy", "scipy")


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    from importlib import metadata  # noqa: PLC0415

    versions = [("python", platform.python_version())]
    for name in VERSIONED:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "absent"))
    return tuple(versions)


@functools.cache
def _cpu() -> tuple[tuple[str, str], ...]:
    import torch  # noqa: PLC0415

    fields = {}
    try:  # Linux: the model and its family/model numbers (the name alone can be "AMD EPYC")
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            first = f.read().split("\n\n", 1)[0]  # the first processor's block
    except OSError:
        first = ""
    for line in first.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "cpu family", "model"):
            fields[key.strip()] = value.strip()
    name = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields:
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    capability = getattr(torch.backends.cpu, "get_cpu_capability", lambda: "unknown")()
    return (("cpu", name), ("cpu_capability", capability))


def hardware(device: str) -> dict[str, str]:
    """The processor a record ran on, and its GPU on a CUDA device (looked up once per process).

    ``cpu_capability`` is the vector instruction set torch's CPU kernels use (``AVX2``,
    ``AVX512``, ...). Float32 sums come out in another order under another one, and training
    amplifies that: the same spec gave Burgers FNO errors 11% apart on an AVX2 and on another
    CPU (docs/study.md, *Reproducibility across machines*). Pair arms on one kind of machine.
    """
    out = dict(_cpu())
    if str(device).startswith("cuda"):
        import torch  # noqa: PLC0415

        out["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return out


def software_versions() -> dict[str, str]:
    """Versions of Python and of :data:`VERSIONED` in the process that ran a record (looked
    up once per process).

    A distribution that is not installed is reported as ``"absent"``.
    """
    return dict(_versions())


def default_threads(workers: int) -> int:
    """Torch threads per worker: the cores shared out, at least one."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def execute_record(spec_dict: dict[str, Any], device: str, threads: int) -> dict[str, Any]:
    """Run one spec and return its record (``RunResult.to_dict()`` plus ``provenance``).

    Never raises for a failing run: divergence, solver errors and even unexpected
    exceptions become ``status = "failed"`` with the reason, so a study carries on.
    """
    from physym.runner import RunResult, run  # noqa: PLC0415

    spec = RunSpec.from_dict(spec_dict)
    start = time.perf_counter()
    try:
        # BLAS and OpenMP threads too, those of libraries the run loads included: their
        # reduction order depends on the thread count, and a record must not depend on
        # which executor (or environment) ran it.
        with limit_threads(threads):
            record = run(spec, device=device).to_dict()
    except Exception as exc:  # noqa: BLE001  (a study must survive any single run)
        logger.error("run %s raised:\n%s", spec.key(), traceback.format_exc())
        record = RunResult(spec, "failed", device=str(device),
                           reason=f"{type(exc).__name__}: {exc}").to_dict()
    record["provenance"] = {
        "wall_time": time.perf_counter() - start, "host": socket.gethostname(),
        "pid": os.getpid(), "torch_threads": threads, "versions": software_versions(),
        "hardware": hardware(record.get("device") or device),
    }
    if record["status"] == "failed":
        record["error"] = None  # JSON has no NaN; a failed run has no error to count
    return record


#: Seconds between a pool worker's checks that its driver is still alive.
PARENT_CHECK_INTERVAL = 0.5


def _exit_with_parent(parent: int) -> None:
    """End this worker process as soon as ``parent`` (the study's driver) is gone.

    A killed driver (SIGKILL, OOM) cannot shut its pool down; without this its workers
    would be re-parented and run on. A daemon thread polls the parent pid.
    """
    while True:
        time.sleep(PARENT_CHECK_INTERVAL)
        if os.getppid() != parent or not psutil.pid_exists(parent):
            os._exit(1)


def _init_worker(parent: int) -> None:
    # Threads are limited per run in execute_record (torch, BLAS and OpenMP alike, through
    # physym.threads), which also covers the libraries a run loads on first use.
    logging.basicConfig(level=logging.WARNING, force=True)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True,
                     name="physym-parent-watch").start()


def _local(specs: Sequence[RunSpec], *, workers: int, device: str,
           threads: int) -> Iterator[dict[str, Any]]:
    if workers == 1:  # in this process: no pool, Ctrl-C lands where the run is
        for spec in specs:
            yield execute_record(spec.to_dict(), device, threads)
        return
    context = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                  initializer=_init_worker, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(execute_record, spec.to_dict(), device, threads) for spec in specs]
        for future in cf.as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _dask_client(scheduler: str | None, dask_local: int | None) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise ExecutorError(f"the Dask executor needs dask[distributed]: {exc}") from None
    if dask_local is not None:
        cluster = LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="10s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler!r}: {reason}") from None


def check_executor_args(*, workers: int, dask_local: int | None, scheduler: str | None,
                        threads: int | None) -> None:
    """``ExecutorError`` naming the option for bad worker or thread counts, or both Dask options."""
    for name, value in (("--workers", workers), ("--dask-local", dask_local),
                        ("--threads", threads)):
        if value is not None and value < 1:
            raise ExecutorError(f"{name} must be a positive integer, got {value}")
    if scheduler is not None and dask_local is not None:
        raise ExecutorError("give either --scheduler or --dask-local, not both")
    if workers != 1 and (scheduler is not None or dask_local is not None):
        raise ExecutorError(f"--workers {workers} sets local processes; with "
                            f"{'--scheduler' if scheduler else '--dask-local'} the Dask cluster's "
                            "workers run the study: give one of them")


def check_scheduler(address: str) -> None:
    """Connect to a Dask scheduler and disconnect; ``ExecutorError`` when unreachable."""
    client, _ = _dask_client(address, None)
    client.close()


def _dask(specs: Sequence[RunSpec], *, scheduler: str | None, dask_local: int | None,
          device: str, threads: int) -> Iterator[dict[str, Any]]:
    from distributed import as_completed  # noqa: PLC0415

    client, cluster = _dask_client(scheduler, dask_local)
    try:
        futures = [client.submit(execute_record, spec.to_dict(), device, threads,
                                 key=f"physym-run-{spec.key()}", pure=False) for spec in specs]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def iter_records(specs: Sequence[RunSpec], *, workers: int = 1, scheduler: str | None = None,
                 dask_local: int | None = None, device: str = "auto",
                 threads: int | None = None) -> Iterator[dict[str, Any]]:
    """Run ``specs`` on the chosen executor and yield each record as it finishes.

    Parameters
    ----------
    workers : int
        Local processes (ignored for Dask); ``1`` runs in this process.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many single-threaded worker processes.
    device : str
        ``auto``, ``cpu`` or ``cuda[:i]``, resolved on each worker.
    threads : int, optional
        Torch threads per worker (default: the cores shared out).

    Raises
    ------
    ExecutorError
        Bad worker counts, both Dask options, or an unreachable scheduler (raised before
        any run starts).
    """
    check_executor_args(workers=workers, dask_local=dask_local, scheduler=scheduler,
                        threads=threads)
    use_dask = scheduler is not None or dask_local is not None
    if threads is None:
        # a remote cluster runs one task per worker thread: one torch thread each
        threads = (default_threads(dask_local) if dask_local else 1) if use_dask \
            else default_threads(workers)
    if use_dask:
        return _dask(specs, scheduler=scheduler, dask_local=dask_local, device=device,
                     threads=threads)
    return _local(specs, workers=workers, device=device, threads=threads)
