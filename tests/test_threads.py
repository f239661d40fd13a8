"""physym.threads: one thread limit for torch and every BLAS/OpenMP pool, late ones too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from threadpoolctl import threadpool_info

from physym.threads import THREAD_VARIABLES, apply_thread_limit, limit_threads

#: In a fresh interpreter: numpy and torch loaded first, scipy.linalg (its own OpenBLAS)
#: only under the limit, as a run's L-BFGS-B phase loads it.
LATE_LOAD = """
import json, os, sys
import numpy, torch
from threadpoolctl import threadpool_info
from physym.threads import limit_threads
def pools():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info()}
early = pools()
with limit_threads(1):
    import scipy.linalg
    inside = pools()
    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    torch_inside = torch.get_num_threads()
after = pools()
print(json.dumps({"early": early, "inside": inside, "after": after, "env": env,
                  "env_after": {k: os.environ.get(k) for k in env},
                  "torch_inside": torch_inside}))
"""


def test_a_pool_loaded_under_the_limit_is_limited_too():
    clean = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    done = subprocess.run([sys.executable, "-c", LATE_LOAD], capture_output=True, text=True,
                          env=clean, timeout=300, check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    late = set(got["inside"]) - set(got["early"])
    assert any("openblas" in path for path in late), got  # scipy's own OpenBLAS
    assert all(n == 1 for n in got["inside"].values()), got["inside"]
    assert got["torch_inside"] == 1
    assert got["env"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    assert got["env_after"] == {"OMP_NUM_THREADS": None, "OPENBLAS_NUM_THREADS": None}
    # the pools loaded before the limit get their own thread counts back
    assert {p: got["after"][p] for p in got["early"]} == got["early"]


def test_the_limit_is_undone_on_leaving_even_after_an_error(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    pools = {i["filepath"]: i["num_threads"] for i in threadpool_info()}
    with pytest.raises(RuntimeError, match="boom"), limit_threads(1):
        assert torch.get_num_threads() == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info())
        assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["MKL_NUM_THREADS"] == "1"
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    assert {i["filepath"]: i["num_threads"] for i in threadpool_info()} == pools
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "MKL_NUM_THREADS" not in os.environ


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_thread_count_below_one_or_not_an_integer_is_refused(bad):
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        apply_thread_limit(bad)
    assert torch.get_num_threads() == before


def test_a_study_run_and_solve_s_threads_option_hold_the_limit_for_late_pools(monkeypatch):
    """execute_record runs each spec under the limit; ``--threads`` sets it for the rest of
    the command's process (the environment a late-loaded pool reads included)."""
    import physym.runner
    from physym.cli._common import set_threads
    from physym.spec import RunSpec
    from physym.study.executors import execute_record

    seen = {}

    def fake_run(spec, *, device):
        seen.update({k: os.environ.get(k) for k in THREAD_VARIABLES},
                    torch=torch.get_num_threads())
        return physym.runner.RunResult(spec, "ok", error=0.5, n_params=1)

    monkeypatch.setattr(physym.runner, "run", fake_run)
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    record = execute_record(RunSpec("burgers", budget="smoke").to_dict(), "cpu", 1)
    assert record["status"] == "ok" and record["provenance"]["torch_threads"] == 1
    assert seen == {**{k: "1" for k in THREAD_VARIABLES}, "torch": 1}
    assert all(name not in os.environ for name in THREAD_VARIABLES)  # undone after the run

    import physym.cli._common as common
    restores = []
    monkeypatch.setattr(common, "apply_thread_limit",
                        lambda threads: restores.append(apply_thread_limit(threads)))
    try:
        set_threads(1)
        assert torch.get_num_threads() == 1
        assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)
    finally:
        for restore in restores:  # the command would keep it: undo it for the next tests
            restore()


@pytest.mark.skipif(not os.environ.get("PYTEST_XDIST_WORKER"),
                    reason="only a pytest-xdist worker (the default `pytest -n auto`) limits itself")
def test_every_test_worker_runs_one_thread_and_passes_it_on():
    """The suite runs on several pytest-xdist workers (tests/conftest.py); each one, and the
    CLI runs it starts, gets one thread, or N workers would oversubscribe N cores."""
    assert torch.get_num_threads() == 1
    assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)
    done = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "1"
