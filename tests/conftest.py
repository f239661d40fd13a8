import os

import pytest
import torch

from physym.threads import THREAD_VARIABLES


#: Most pytest-xdist workers ``-n auto`` starts (each imports torch and DeepXDE).
MAX_AUTO_WORKERS = 8


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the default, ``pyproject.toml``): one worker per core this process may
    use, at most :data:`MAX_AUTO_WORKERS`."""
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1, MAX_AUTO_WORKERS))


def pytest_configure(config):
    """Under pytest-xdist (``pytest -n N``), each worker gets one thread: N workers with
    torch's default thread count each would oversubscribe the cores many times over. The
    variables reach the subprocesses that tests start (CLI runs, study workers) too."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for name in THREAD_VARIABLES:
            os.environ[name] = "1"
        torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _isolated_data_dir(tmp_path_factory):
    """Generated data sets go to a temporary cache shared by the session, never to ./data.

    Under pytest-xdist the workers share one cache (the parent of their own temporary
    folders): a reference one worker generated is read by the others. Files are written
    under a temporary name and renamed (:mod:`physym.io`), so two workers generating the
    same one at once both leave a complete file."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        data = tmp_path_factory.mktemp("physym-data")
    else:
        data = tmp_path_factory.getbasetemp().parent / "physym-data"
        data.mkdir(exist_ok=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("PHYSYM_DATA", str(data))
    mp.setenv("WANDB_MODE", "disabled")
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _cpu_default_device():
    """Every test starts on torch's own default device, the CPU (None: no device mode)."""
    torch.set_default_device(None)
    yield
