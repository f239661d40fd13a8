import dataclasses
import json

import numpy as np
import pytest
import torch

from physym import Expansion, RunSpec, compare, run
from physym.runner import Comparison, RunResult, prepare, resolve_device, training_budget
from physym.data import cached_dataset


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda:0")


def test_spec_key_is_stable_and_distinguishes():
    a = RunSpec("burgers", expansion=Expansion(4), seed=1)
    assert a.key() == RunSpec("burgers", expansion=Expansion(4), seed=1).key()
    assert a.key() != dataclasses.replace(a, seed=2).key()
    assert a.key() != dataclasses.replace(a, expansion=Expansion(0)).key()
    json.dumps(a.to_dict())


def test_prepare_rejects_bad_model_and_layout():
    with pytest.raises(ValueError, match="model must be one of fnn"):
        prepare(RunSpec("burgers", model="fno"))
    with pytest.raises(ValueError, match="cannot be used.*allowed: append, symmetric"):
        prepare(RunSpec("burgers", expansion=Expansion(2, layout="channels")))
    with pytest.raises(ValueError, match="budget must be one of"):
        prepare(RunSpec("burgers", budget="huge"))


def test_training_budget_applies_overrides_and_the_method():
    from physym.registry import get_problem
    cls = get_problem("burgers").task("pinn")
    named = cls(cls.Params()).budget("quick")
    assert named.lbfgs_iterations > 0
    # the default method trains the named budget with its overrides, as prepare resolves it
    spec = RunSpec("burgers", budget="quick", budget_overrides={"adam_iterations": 7})
    assert training_budget(spec) == prepare(spec)[2]
    assert training_budget(spec) == dataclasses.replace(named, adam_iterations=7)
    # ``adam`` drops the L-BFGS phase, and nothing else
    adam = training_budget(dataclasses.replace(spec, method="adam"))
    assert adam == dataclasses.replace(named, adam_iterations=7, lbfgs_iterations=0)
    # kinds without methods: the named budget itself
    op = RunSpec("burgers", task="operator", model="fno", budget="quick",
                 expansion=Expansion(0, layout="channels"))
    assert training_budget(op) == prepare(op)[2]
    with pytest.raises(ValueError, match="budget field"):
        training_budget(dataclasses.replace(spec, budget_overrides={"no_such_field": 1}))


@pytest.mark.parametrize("task, layout", [("pinn", "append"), ("operator", "channels")])
def test_arms_see_identical_data_and_runs_are_deterministic(task, layout):
    exp = Expansion(2, "pi", layout)
    cmp = compare("burgers", task=task, expansion=exp, seeds=1, budget="smoke", device="cpu")
    (b,), (e,) = cmp.baseline, cmp.expanded
    assert b.status == e.status == "ok", (b.reason, e.reason)
    assert b.data_fingerprint and b.data_fingerprint == e.data_fingerprint
    assert e.n_params > b.n_params
    assert np.isfinite(b.error) and np.isfinite(e.error)
    # the same spec twice gives the same numbers on CPU
    again = run(e.spec, device="cpu")
    assert again.error == e.error
    assert again.data_fingerprint == e.data_fingerprint
    summary = cmp.summary()
    assert summary["baseline"]["error_mean"] == b.error
    assert summary["change"]["relative_error_change"] == pytest.approx((e.error - b.error) / b.error)


def test_operator_cache_is_reused_and_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSYM_DATA", str(tmp_path))
    problem, _, budget = prepare(RunSpec("burgers", task="operator", budget="smoke",
                                         expansion=Expansion(0, layout="channels")))
    x1, y1 = cached_dataset(problem, n=8, resolution=64, seed=3, device=torch.device("cpu"))
    files = list(tmp_path.glob("*.h5"))
    assert len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    x2, y2 = cached_dataset(problem, n=8, resolution=64, seed=3, device=torch.device("cpu"))
    assert files[0].stat().st_mtime_ns == mtime
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    x3, _ = cached_dataset(problem, n=8, resolution=64, seed=4, device=torch.device("cpu"))
    assert not np.array_equal(x1, x3)
    assert x1.shape == (8, 1, 64) and y1.shape == (8, 1, 64)
    # a corrupted cache file is detected and regenerated
    files[0].write_bytes(b"garbage")
    x4, _ = cached_dataset(problem, n=8, resolution=64, seed=3, device=torch.device("cpu"))
    assert np.array_equal(x1, x4)


def test_comparison_refuses_different_data():
    spec = RunSpec("burgers")
    a = RunResult(spec, "ok", error=0.1, data_fingerprint="aaa")
    b = RunResult(dataclasses.replace(spec, expansion=Expansion(2)), "ok", error=0.1, data_fingerprint="bbb")
    with pytest.raises(AssertionError, match="different training data"):
        Comparison([a], [b])


def test_diverging_training_is_recorded_as_failed(monkeypatch):
    import physym.models.operator_train as operator

    monkeypatch.setattr(operator, "relative_l2", lambda p, t: (p - t).sum() * float("nan"))
    steps = []
    spec = RunSpec("burgers", task="operator", budget="smoke", expansion=Expansion(1, layout="channels"))
    result = run(spec, device="cpu", progress=steps.append)
    assert result.status == "failed"
    assert "diverged" in result.reason and "non-finite" in result.reason
    assert sum(steps) == prepare(spec)[2].total_steps  # progress completes even on failure


def test_training_actually_learns(monkeypatch):
    """Small but real budgets: the error drops far below that of an untrained network (~1)."""
    from physym.budgets import OperatorBudget, PINNBudget
    from physym.problems.burgers import BurgersOperator, BurgersPINN

    monkeypatch.setattr(BurgersOperator, "budgets", {"test": OperatorBudget(
        n_train=128, n_test=32, resolution=64, epochs=25, batch_size=16, modes=8, width=16,
        n_layers=2, lr=3e-3, seeds=1)})
    monkeypatch.setattr(BurgersPINN, "budgets", {"test": PINNBudget(
        500, 40, 40, 16, 2, adam_iterations=1000, lbfgs_iterations=300, lr=3e-3, seeds=1)})
    op = run(RunSpec("burgers", task="operator", budget="test",
                     expansion=Expansion(0, layout="channels")), device="cpu")
    assert op.status == "ok" and op.error < 0.2, op
    pinn = run(RunSpec("burgers", task="pinn", budget="test", expansion=Expansion(2)), device="cpu")
    assert pinn.status == "ok" and pinn.error < 0.5, pinn
    assert pinn.metrics["iterations"] > 1000  # L-BFGS ran after Adam


def test_specs_and_compare_accept_problem_classes_and_families(tmp_path):
    from physym.examples.heat1d import Heat1D
    from physym.problems.burgers import PROBLEM, BurgersPINN
    from physym.registry import get_problem

    assert RunSpec(PROBLEM).problem == "burgers"
    assert RunSpec(BurgersPINN).problem == "physym.problems.burgers:BurgersPINN"
    assert RunSpec(Heat1D).key() == RunSpec("physym.examples.heat1d:Heat1D").key()
    path = tmp_path / "mine.py"
    path.write_text("from physym.examples.heat1d import HeatParams, Heat1D\n\n"
                    "class Mine(Heat1D):\n    '''My heat problem.'''\n")
    mine = get_problem(f"{path}:Mine").task()
    assert RunSpec(mine).problem == f"{path}:Mine"  # a file's class refers to its file
    with pytest.raises(ValueError, match="must be a name, a Problem subclass"):
        RunSpec(42)
    cmp = compare(Heat1D, expansion=Expansion(1), seeds=1, budget="smoke", device="cpu")
    assert [r.status for r in cmp.baseline + cmp.expanded] == ["ok", "ok"]
    assert cmp.expanded[0].spec.problem == "physym.examples.heat1d:Heat1D"
