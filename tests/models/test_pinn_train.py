"""The recorded PINN training phases (physym.models.pinn_train)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from physym.budgets import PINNBudget
from physym.expansion import Expansion
from physym.models.pinn import fit_pinn
from physym.models.pinn_train import lbfgs_segments, lbfgs_stop, _StepRecorder
from physym.problems.burgers import BurgersPINN

BUDGET = PINNBudget(60, 10, 10, width=8, depth=2, adam_iterations=200, lbfgs_iterations=30)


@pytest.fixture(scope="module")
def fit():
    torch.set_num_threads(1)
    return fit_pinn(BurgersPINN(), model="fnn", expansion=Expansion(2), budget=BUDGET, seed=0,
                    device=torch.device("cpu"))


def test_record_counts_the_iterations_of_each_phase(fit):
    adam, lbfgs = fit.training["phases"]
    assert adam == {"optimizer": "adam", "iterations": 200, "limit": 200,
                    "stop": "iteration limit", "restarts": 0}
    assert lbfgs["optimizer"] == "lbfgs" and lbfgs["limit"] == 30
    assert 1 <= lbfgs["iterations"] <= 30
    assert lbfgs["stop"] == "iteration limit" if lbfgs["iterations"] == 30 else True


def test_history_is_down_sampled_ordered_and_ends_at_the_final_loss(fit):
    hist = fit.training["loss_history"]
    its = [i for i, _ in hist]
    assert its == sorted(its) and its[0] == 0
    assert its[-1] == 200 + fit.training["phases"][1]["iterations"]
    # every 2nd of 200 Adam steps, then every L-BFGS iteration (about 100 points per phase)
    lbfgs = fit.training["phases"][1]["iterations"]
    assert 100 + lbfgs <= len(hist) <= 102 + lbfgs
    assert hist[-1][1] == pytest.approx(fit.metrics["final_loss"], rel=1e-6)
    assert all(math.isfinite(v) and v > 0 for _, v in hist)
    # Adam from a random start: the loss falls well below its first value
    assert hist[-1][1] < 0.5 * hist[0][1]


def test_record_carries_the_criterion_verdict(fit):
    t = fit.training
    assert isinstance(t["converged"], bool) and t["converged"] == (t["tail_drop"] < 0.05)
    assert t["stalled"] is False


class _FakeOpt:
    def __init__(self, losses):
        self.losses = iter(losses)

    def step(self, closure):
        return torch.tensor(next(self.losses))


def test_recorder_stops_training_at_a_non_finite_loss():
    model = SimpleNamespace(opt=_FakeOpt([1.0, 0.5, math.nan, 0.1]), stop_training=False)
    rec = _StepRecorder(model, 0, 1)
    for _ in range(3):
        model.opt.step(lambda: None)
    assert rec.bad and model.stop_training
    assert rec.history[:2] == [(0, 1.0), (1, 0.5)] and math.isnan(rec.history[2][1])


def test_recorder_keeps_every_kth_step_with_the_iteration_offset():
    model = SimpleNamespace(opt=_FakeOpt([float(i) for i in range(10)]), stop_training=False)
    rec = _StepRecorder(model, 100, 4)
    for _ in range(10):
        model.opt.step(lambda: None)
    assert rec.history == [(100, 0.0), (104, 4.0), (108, 8.0)] and rec.calls == 10


def _lbfgs_on(f, x0, max_iter):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], max_iter=max_iter, max_eval=100 * max_iter,
                            line_search_fn="strong_wolfe",
                            tolerance_grad=1e-8, tolerance_change=0.0)

    def closure():
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    opt.step(closure)
    return opt, int(opt.state[x]["n_iter"])


def testlbfgs_stop_reasons():
    # a quadratic is solved to the gradient tolerance well before the limit
    opt, done = _lbfgs_on(lambda x: ((x - 3.0) ** 2).sum(), [0.0, 1.0], 100)
    assert done < 100 and lbfgs_stop(opt, done, 100) == "tolerance"
    # the Rosenbrock valley takes more than 5 iterations
    opt, done = _lbfgs_on(lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
                          [-1.2, 1.0], 5)
    assert done == 5 and lbfgs_stop(opt, done, 5) == "iteration limit"
    # stopped early along a zero step (a line search that returned t = 0): no progress
    opt.param_groups[0]["tolerance_change"] = 0.0
    opt.state[opt.param_groups[0]["params"][0]]["t"] = 0.0
    assert lbfgs_stop(opt, 3, 5000) == "no progress"


def test_device_scope_adds_no_device_mode_where_the_device_is_the_default():
    import contextlib

    import torch

    from physym.models.pinn_train import device_scope

    assert isinstance(device_scope("cpu"), contextlib.nullcontext)
    assert isinstance(device_scope(torch.device("cpu")), contextlib.nullcontext)
    meta = device_scope("meta")  # another device: the real context, tensors made there
    assert isinstance(meta, torch.device)
    with meta:
        assert torch.zeros(2).device.type == "meta"
    assert torch.zeros(2).device.type == "cpu"


def test_loading_deepxde_leaves_no_device_mode_on_the_cpu():
    """DeepXDE's import (and physym's restore of the default device after it) must not leave a
    global torch device mode, which would intercept every torch call of training."""
    import torch
    from torch.overrides import _get_current_function_mode_stack

    from physym.models.pinn import load_deepxde

    load_deepxde()
    assert torch.get_default_device() == torch.device("cpu")
    assert not any(type(m).__name__ == "DeviceContext" for m in _get_current_function_mode_stack())


class _Segments:
    """A fake L-BFGS: each call plays the next ``(iterations, stop, final_loss)``."""

    def __init__(self, *plays):
        self.plays, self.limits = list(plays), []

    def __call__(self, limit):
        self.limits.append(limit)
        return self.plays.pop(0)


def test_lbfgs_restarts_after_a_stall_that_lowered_the_loss_and_counts_every_iteration():
    seg = _Segments((3, "no progress", 0.5), (200, "no progress", 0.1), (797, "iteration limit", 0.01))
    assert lbfgs_segments(seg, limit=1000, start_loss=1.0, max_restarts=20) == (1000, "iteration limit", 2)
    assert seg.limits == [1000, 997, 797]  # each restart gets what is left of the limit


def test_lbfgs_does_not_restart_a_run_that_did_not_stall():
    for stop in ("iteration limit", "tolerance", "non-finite loss"):
        seg = _Segments((40, stop, 0.5), (1, "iteration limit", 0.0))
        assert lbfgs_segments(seg, limit=1000, start_loss=1.0, max_restarts=20) == (40, stop, 0)
        assert len(seg.plays) == 1


def test_lbfgs_does_not_repeat_a_fresh_start_that_made_no_progress():
    # a restart from the point where the previous fresh start began would repeat it exactly
    seg = _Segments((2, "no progress", 1.0), (5, "no progress", 0.5))
    assert lbfgs_segments(seg, limit=1000, start_loss=1.0, max_restarts=20) == (2, "no progress", 0)
    # after a productive segment, a restart that gains nothing ends the phase
    seg = _Segments((3, "no progress", 0.5), (2, "no progress", 0.5), (5, "tolerance", 0.1))
    assert lbfgs_segments(seg, limit=1000, start_loss=1.0, max_restarts=20) == (5, "no progress", 1)


def test_lbfgs_restarts_are_bounded():
    plays = [(1, "no progress", 1.0 / (k + 2)) for k in range(10)]
    total, stop, restarts = lbfgs_segments(_Segments(*plays), limit=1000, start_loss=1.0,
                                           max_restarts=4)
    assert restarts == 4 and total == 5 and stop == "no progress"
    # 0 restarts is DeepXDE's own behaviour: the phase ends at the first stall
    seg = _Segments((3, "no progress", 0.5), (5, "tolerance", 0.1))
    assert lbfgs_segments(seg, limit=1000, start_loss=1.0, max_restarts=0) == (3, "no progress", 0)


def test_a_stalled_lbfgs_phase_restarts_and_reaches_its_limit_in_a_real_fit(monkeypatch):
    """The torch solver: force the issue-18 stall in a real DeepXDE fit: the first L-BFGS optimiser returns a
    zero step after 3 iterations, as the strong-Wolfe search did. The phase restarts with a
    fresh optimiser and runs to its limit; the record says so."""
    import physym.models.pinn_train as pt

    real_stop, real_options = pt.lbfgs_stop, pt.lbfgs_options
    limits = []

    def options(dde, iterations):  # the first optimiser ends after 3 iterations ...
        limits.append(iterations)
        return real_options(dde, 3 if len(limits) == 1 else iterations)

    def stop(opt, done, limit):  # ... for lack of progress
        return "no progress" if len(limits) == 1 else real_stop(opt, done, limit)

    budget = PINNBudget(60, 10, 10, width=8, depth=2, adam_iterations=50, lbfgs_iterations=30,
                        lbfgs_solver="torch", lbfgs_restarts=20)
    monkeypatch.setattr(pt, "lbfgs_options", options)
    monkeypatch.setattr(pt, "lbfgs_stop", stop)
    fit = fit_pinn(BurgersPINN(), model="fnn", expansion=Expansion(0), budget=budget, seed=0,
                   device=torch.device("cpu"))
    lbfgs = fit.training["phases"][1]
    assert limits[:2] == [30, 27]  # the restart gets what is left of the limit
    assert lbfgs["restarts"] >= 1 and lbfgs["iterations"] > 3
    assert lbfgs["stop"] != "no progress" or lbfgs["iterations"] == 30
    its = [i for i, _ in fit.training["loss_history"]]
    assert its == sorted(its) and its[-1] == 50 + lbfgs["iterations"]
    assert fit.training["stalled"] is False
