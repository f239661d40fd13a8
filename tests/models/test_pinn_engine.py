"""The jet engine trains like the DeepXDE engine: same errors to a stated tolerance,
deterministic, a clean fallback where it cannot run, and no change to default keys."""

from __future__ import annotations

import pytest

from physym import Expansion, RunSpec
from physym.runner import run


def _run(engine: str | None, n: int, **kw):
    return run(RunSpec("burgers", expansion=Expansion(n), budget="smoke", seed=0,
                       engine=engine, **kw), device="cpu")


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
