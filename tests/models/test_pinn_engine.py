"""The jet engine trains like the DeepXDE engine: same errors to a stated tolerance,
deterministic, a clean fallback where it cannot run, and no change to default keys."""

from __future__ import annotations

import pytest

from physym import Expansion, RunSpec
from physym.runner import run


def _run(engine: str | None, n: int, **kw):
    return run(RunSpec("burgers", expansion=Expansion(n), budget="smoke", seed=0,
                       engine=engine, **kw), device="cpu")


def _run_torch_lbfgs(engine: str | None, n: int):
    return _run(engine, n, budget_overrides=(("lbfgs_restarts", "20"), ("lbfgs_solver", "torch")))


@pytest.mark.parametrize("n", [0, 4])
def test_jet_engine_matches_deepxde_and_is_deterministic(n: int) -> None:
    """Smoke budget (30 Adam steps + 10 L-BFGS iterations): the relative L2 errors of the
    two engines agree to 1e-3 relative (they differ by float rounding only: compiled kernels
    sum in another order), and each engine repeats itself exactly."""
    ref, ref2 = _run(None, n), _run(None, n)
    jet, jet2 = _run("jet", n), _run("jet", n)
    assert ref.status == jet.status == "ok"
    assert ref.error == ref2.error and jet.error == jet2.error
    assert jet.error == pytest.approx(ref.error, rel=1e-3)
    assert jet.metrics["final_loss"] == pytest.approx(ref.metrics["final_loss"], rel=1e-2)
    assert jet.metrics["iterations"] == ref.metrics["iterations"]
    assert jet.training["engine"] == "jet" and "engine" not in ref.training
    assert [p["iterations"] for p in jet.training["phases"]] == \
        [p["iterations"] for p in ref.training["phases"]]
    assert len(jet.training["loss_history"]) == len(ref.training["loss_history"])


def test_jet_engine_falls_back_for_other_methods() -> None:
    r = _run("jet", 0, method="laaf")
    assert r.status == "ok"
    assert r.training["engine"] == "deepxde"
    assert "laaf" in r.training["engine_fallback"]


def test_engine_spec() -> None:
    assert RunSpec("burgers", engine="deepxde").key() == RunSpec("burgers").key()
    assert "engine" not in RunSpec("burgers").to_dict()
    assert RunSpec("burgers", engine="jet").key() != RunSpec("burgers").key()
    with pytest.raises(ValueError, match="engine must be one of deepxde, jet"):
        RunSpec("burgers", engine="fast")
    with pytest.raises(ValueError, match="applies to PINN tasks"):
        from physym.runner import prepare
        prepare(RunSpec("darcy", task="operator", expansion=Expansion(0, layout="channels"),
                        engine="jet"))


@pytest.mark.parametrize("problem_name", ["burgers", "wave1d", "allen_cahn", "helmholtz2d",
                                          "lid_driven_cavity"])
def test_jet_loss_is_deepxdes_loss_with_every_kind_of_condition(problem_name: str) -> None:
    """At equal weights the jet engine's loss (eager, and compiled for Burgers) equals the
    sum DeepXDE trains on to 1e-5 relative: value conditions (Dirichlet, IC) inside the
    compiled part, the others (wave1d's u_t(x, 0) = 0, allen_cahn's periodic) through
    DeepXDE's bc.error; the cavity has several outputs."""
    import numpy as np
    import torch

    from physym import get_problem
    from physym.models.pinn import build_fnn, load_deepxde
    from physym.models.pinn_engine import _Loss, jet_fallback

    dde = load_deepxde()
    problem = get_problem(problem_name).task("pinn")()
    budget = problem.budget("smoke")
    dde.config.set_random_seed(0)
    data = problem.deepxde_data(dde, budget)
    torch.manual_seed(0)
    net = build_fnn(dde, d_in=len(problem.input_names), d_out=len(problem.output_names),
                    budget=budget, expansion=Expansion(4))
    assert jet_fallback(dde, problem, data, net, "adam-lbfgs") is None
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3, verbose=0)
    model.train(iterations=0, verbose=0)
    want = float(np.sum(model.train_state.loss_train))
    loss = _Loss(dde, problem, data, net, compile=problem_name == "burgers")
    assert float(loss().detach()) == pytest.approx(want, rel=1e-5)
    kinds = {type(bc).__name__ for bc in data.bcs}
    assert bool(loss.eager_bcs) == bool(kinds - {"DirichletBC", "IC"}), kinds


def _force_stall(monkeypatch, module) -> list[int]:
    """Make the first L-BFGS optimiser of ``module`` end after 3 iterations for lack of
    progress (the issue-18 stall); return the limits each optimiser was given."""
    real_stop, real_options = module.lbfgs_stop, module.lbfgs_options
    limits: list[int] = []

    def options(dde, iterations):
        limits.append(iterations)
        return real_options(dde, 3 if len(limits) == 1 else iterations)

    def stop(opt, done, limit):
        return "no progress" if len(limits) == 1 else real_stop(opt, done, limit)

    monkeypatch.setattr(module, "lbfgs_options", options)
    monkeypatch.setattr(module, "lbfgs_stop", stop)
    return limits


def test_both_engines_restart_a_stalled_lbfgs_alike(monkeypatch) -> None:
    """The torch solver: after a forced stall each engine starts L-BFGS again with what is left of the limit,
    and both record the same phases (iterations, restarts, stop)."""
    import physym.models.pinn_engine as pe
    import physym.models.pinn_train as pt

    deepxde_limits = _force_stall(monkeypatch, pt)
    ref = _run_torch_lbfgs(None, 4)
    jet_limits = _force_stall(monkeypatch, pe)
    jet = _run_torch_lbfgs("jet", 4)
    assert ref.status == jet.status == "ok"
    assert deepxde_limits[:2] == jet_limits[:2] == [10, 7]
    assert ref.training["phases"] == jet.training["phases"]
    assert ref.training["phases"][1]["restarts"] >= 1
