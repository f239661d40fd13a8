"""CPU threads: one limit for torch and for every BLAS and OpenMP thread pool of a run.

``--threads 1`` promises that a job uses one core, so that several can share the cores.
torch's intra-op threads are one pool; numpy's, scipy's and scikit-learn's OpenBLAS and
OpenMP runtimes are others, each of which starts a thread per core by default.
:mod:`threadpoolctl` limits the pools already loaded. A run loads some of its libraries on
first use, though: scipy's OpenBLAS with the L-BFGS-B phase, scikit-learn's OpenMP through
DeepXDE. Those read their thread count from the environment when they are loaded, so
:func:`limit_threads` also sets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
``MKL_NUM_THREADS`` while it holds. Like threadpoolctl's, the limit is process-wide: runs
that share a process (a Dask worker with several threads) share it, and should ask for the
same count.

Without that, a Navier-Stokes PINN's L-BFGS-B phase ran scipy's OpenBLAS on two threads
under ``--threads 1`` (measured 2026-12-06: about 1.5 cores busy, the half core an OpenBLAS
worker thread), slowing every other job on a 2-core machine.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterator

__all__ = ["THREAD_VARIABLES", "apply_thread_limit", "limit_threads"]

#: Environment variables that OpenMP, OpenBLAS and MKL read when they are loaded.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def apply_thread_limit(threads: int) -> Callable[[], None]:
    """Limit torch, the loaded thread pools and the ones loaded later to ``threads``.

    Parameters
    ----------
    threads : int
        Threads per pool, at least 1.

    Returns
    -------
    callable
        Restores torch's thread count, the loaded pools' limits and the environment as
        they were. A pool first loaded under the limit keeps it.

    Raises
    ------
    ValueError
        For ``threads < 1``.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    import torch  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    previous_torch = torch.get_num_threads()
    previous_env = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    torch.set_num_threads(threads)
    # the order does not matter: a pool that threadpoolctl sees is limited directly, and
    # the environment only reaches the pools loaded from now on
    limits = threadpool_limits(limits=threads)
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})

    def restore() -> None:
        for name, value in previous_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        limits.restore_original_limits()
        torch.set_num_threads(previous_torch)

    return restore


@contextmanager
def limit_threads(threads: int) -> Iterator[None]:
    """:func:`apply_thread_limit` for the duration of a ``with`` block."""
    restore = apply_thread_limit(threads)
    try:
        yield
    finally:
        restore()
