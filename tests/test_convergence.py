"""The convergence criterion and the training record (physym.convergence)."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from physym.convergence import (CRITERION, common_means, MAX_BUDGET_GAIN, MAX_TAIL_DROP, Phase,
                                generalisation_ratio, held_out_converged, held_out_fragile,
                                held_out_side,
                                tail_drop, training_factor, training_record)


def _decay(rate: float, n: int = 101, last: int = 1000) -> list[tuple[int, float]]:
    return [(round(i * last / (n - 1)), math.exp(-rate * i / (n - 1))) for i in range(n)]


def test_flat_loss_has_no_tail_drop():
    assert tail_drop([(i, 2.0) for i in range(0, 1001, 10)]) == 0.0


def test_exponential_decay_drop_is_the_analytic_fall_over_the_tail():
    # loss e^{-r s}, s in [0, 1]: best before s = 0.8 is e^{-0.8 r}, best overall e^{-r}
    for rate in (0.1, 1.0, 5.0):
        assert tail_drop(_decay(rate)) == pytest.approx(1 - math.exp(-0.2 * rate), rel=1e-12)


def test_the_best_loss_is_used_so_noise_cannot_fake_a_fall():
    hist = [(i, 1.0 if i % 20 else 3.0) for i in range(0, 1001, 10)]  # spikes, no progress
    assert tail_drop(hist) == 0.0
    record = training_record([Phase("adam", 1000, 1000, "iteration limit")], hist)
    assert record["converged"] is True


def test_converged_flag_follows_the_threshold():
    slow, fast = _decay(0.2), _decay(2.0)  # drops 3.9% and 33% over the tail
    assert tail_drop(slow) < MAX_TAIL_DROP < tail_drop(fast)
    phases = [Phase("adam", 1000, 1000, "iteration limit")]
    assert training_record(phases, slow)["converged"] is True
    assert training_record(phases, fast)["converged"] is False


def test_tail_is_measured_in_iterations_not_in_points():
    # dense early history, sparse late: the tail is the last 20% of *iterations*
    hist = [(i, 1.0 / (1 + i)) for i in range(100)] + [(900, 1e-3), (1000, 0.5e-3)]
    assert tail_drop(hist) == pytest.approx(1 - 0.5e-3 / 1e-2)  # best before 800: 1/100


def test_too_short_or_non_finite_history_is_nan_and_not_converged():
    assert math.isnan(tail_drop([]))
    assert math.isnan(tail_drop([(0, 1.0)]))
    assert math.isnan(tail_drop([(0, math.nan), (10, 1.0)]))
    record = training_record([Phase("adam", 1, 1, "iteration limit")], [(0, 1.0)])
    assert record["converged"] is False


def test_stall_is_no_progress_before_a_tenth_of_the_limit():
    assert Phase("lbfgs", 3, 5000, "no progress").stalled
    assert not Phase("lbfgs", 4000, 5000, "no progress").stalled
    assert not Phase("lbfgs", 3, 5000, "tolerance").stalled
    record = training_record([Phase("adam", 10, 10, "iteration limit"),
                              Phase("lbfgs", 3, 5000, "no progress")], _decay(1.0))
    assert record["stalled"] is True


def test_unknown_stop_reason_is_refused():
    with pytest.raises(ValueError, match="stop must be one of"):
        Phase("adam", 1, 1, "bored")


def test_record_is_json_ready_and_states_its_criterion():
    record = training_record([Phase("adam", 1000, 1000, "iteration limit")], _decay(1.0))
    assert json.loads(json.dumps(record)) == record
    assert record["criterion"] == CRITERION and "5%" in CRITERION and "20%" in CRITERION
    assert record["phases"][0] == {"optimizer": "adam", "iterations": 1000, "limit": 1000,
                                   "stop": "iteration limit", "restarts": 0}


def test_a_phase_counts_restarts_and_stalls_only_when_still_short_after_them():
    # restarted twice and still stopped for no progress after 3 + 2 + 1 iterations: stalled
    assert Phase("lbfgs", 6, 5000, "no progress", restarts=2).stalled
    # restarted and then ran to the limit: not stalled
    assert not Phase("lbfgs", 5000, 5000, "iteration limit", restarts=1).stalled
    with pytest.raises(ValueError, match="restarts must be >= 0"):
        Phase("lbfgs", 3, 5000, "no progress", restarts=-1)


def test_downsample_keeps_about_the_asked_points_and_the_last():
    from physym.convergence import downsample

    hist = [(i, 1.0 / (i + 1)) for i in range(1000)]
    kept = downsample(hist, points=100)
    assert 100 <= len(kept) <= 101 and kept[0] == hist[0] and kept[-1] == hist[-1]
    assert downsample(hist[:50], points=100) == hist[:50]


def test_epoch_record_of_a_fixed_schedule():
    from physym.convergence import epoch_record

    rec = epoch_record("adam", [1.0, 0.5, 0.49, 0.489, 0.4889], 5)
    assert rec["phases"] == [{"optimizer": "adam", "iterations": 5, "limit": 5,
                              "stop": "iteration limit", "restarts": 0}]
    assert rec["loss_history"][0] == [1, 1.0] and rec["converged"] is True
    assert epoch_record("sgd", [1.0, math.nan], 9)["phases"][0]["stop"] == "non-finite loss"


@pytest.mark.parametrize("problem, task, model", [
    ("burgers", "operator", "fno"), ("darcy", "operator", "deeponet"),
    ("qcd_eos", "regression", "mlp"), ("digits", "classification", "cnn")])
def test_every_kind_of_run_records_its_training(problem, task, model):
    """Issue 18: convergence in every record, not only the PINNs'."""
    from physym import Expansion, RunSpec
    from physym.registry import get_problem
    from physym.runner import run

    layout = get_problem(problem).task(task).layouts_for(model)[0]
    r = run(RunSpec(problem, task, model, Expansion(0, layout=layout), 0, "smoke"), device="cpu")
    assert r.status == "ok"
    t = r.training
    assert t["criterion"] == CRITERION and isinstance(t["converged"], bool)
    assert t["phases"][0]["iterations"] == t["phases"][0]["limit"] > 0
    its = [i for i, _ in t["loss_history"]]
    assert its == sorted(its) and len(its) >= 1  # smoke operators train one epoch
    assert all(math.isfinite(v) for _, v in t["loss_history"])
    if task == "regression":  # Adam, then L-BFGS with its stop reason
        assert [p["optimizer"] for p in t["phases"]] == ["adam", "lbfgs"]
        assert t["phases"][1]["stop"] in ("iteration limit", "tolerance", "no progress")
        assert t["loss_history"][-1][1] == pytest.approx(r.metrics["final_loss"], rel=1e-9)
    ratio = generalisation_ratio(r.to_dict())
    if task == "operator":  # the held-out error over the training loss, the same metric
        assert ratio == pytest.approx(r.error / r.metrics["final_loss"], rel=1e-12)
    else:  # an MSE or a cross-entropy is not the error metric
        assert ratio is None


def test_an_operators_training_loss_is_its_error_metric_on_the_training_set():
    """The premise of generalisation_ratio: with the weights held (a vanishing learning
    rate), the last epoch's loss is the mean per-sample relative L2 on the training set,
    the metric of the held-out ``error``."""
    import torch

    from physym.budgets import OperatorBudget
    from physym.metrics import relative_l2_per_sample
    from physym.models.operator_train import predict, train_operator

    torch.manual_seed(0)
    x, y = torch.randn(10, 2, 16), torch.randn(10, 1, 16)
    net = torch.nn.Conv1d(2, 1, 3, padding=1)
    budget = OperatorBudget(n_train=10, n_test=2, resolution=16, epochs=2, batch_size=4,
                            modes=4, width=8, lr=1e-30)
    loss = train_operator(net, x, y, budget=budget, seed=0)
    expected = relative_l2_per_sample(predict(net, x, batch_size=4), y).mean().item()
    assert loss == pytest.approx(expected, rel=1e-6)


def test_generalisation_ratio_only_for_successful_operator_runs():
    ok = {"status": "ok", "error": 0.3, "metrics": {"final_loss": 0.2},
          "spec": {"task": "operator"}}
    assert generalisation_ratio(ok) == pytest.approx(1.5)
    assert generalisation_ratio({**ok, "spec": {"task": "pinn"}}) is None
    assert generalisation_ratio({**ok, "status": "failed"}) is None
    for loss in (math.nan, 0.0, -1.0, None):
        assert generalisation_ratio({**ok, "metrics": {"final_loss": loss}}) is None
    assert generalisation_ratio({**ok, "metrics": {}}) is None
    assert generalisation_ratio({**ok, "error": math.inf}) is None


def test_held_out_test_asks_whether_training_longer_lowered_the_error_by_10_percent():
    assert MAX_BUDGET_GAIN == 0.10
    assert held_out_converged(1.0, 0.5) is False       # halved: not converged
    assert held_out_converged(1.0, 0.905) is True      # 9.5% lower
    assert held_out_converged(1.0, 0.895) is False     # 10.5% lower
    assert held_out_converged(1.0, 1.3) is True        # worse when longer: more does not help
    for bad in (math.nan, math.inf, 0.0, -1.0):
        assert held_out_converged(bad, 1.0) is None and held_out_converged(1.0, bad) is None


def test_held_out_test_is_fragile_when_leaving_one_seed_out_changes_its_answer():
    same = {0: 1.0, 1: 1.0, 2: 1.0}
    # one seed halved: the mean falls 20% (no), without that seed 5% (yes)
    assert held_out_converged(1.0, (0.95 + 0.95 + 0.5) / 3) is False
    assert held_out_fragile(same, {0: 0.95, 1: 0.95, 2: 0.5}) is True
    # one seed jumps to a worse outcome: yes with it, yes without it (-5%)
    assert held_out_fragile(same, {0: 0.95, 1: 0.95, 2: 4.0}) is False
    # every seed halved, or every seed flat: the same answer whichever seed is left out
    assert held_out_fragile(same, {0: 0.5, 1: 0.5, 2: 0.5}) is False
    assert held_out_fragile(same, {0: 0.99, 1: 1.0, 2: 1.01}) is False
    # a pass as narrow as the seeds' spread: -9% in the mean, -13.5% without seed 2
    assert held_out_fragile(same, {0: 0.865, 1: 0.865, 2: 1.0}) is True
    # paired by seed; fewer than 3 common seeds, or errors the test rejects: no answer
    assert held_out_fragile({0: 1.0, 1: 1.0}, {0: 0.5, 1: 0.5}) is None
    assert held_out_fragile(same, {0: 0.5, 1: 0.5, 5: 0.5}) is None
    assert held_out_fragile(same, {0: math.nan, 1: 0.5, 2: 0.5}) is None


def test_held_out_test_fails_at_any_longer_budget_but_passes_only_at_2x():
    """A fall of the bar or more fails over any longer budget; a pass needs 2x; no longer
    training (1x) answers nothing."""
    assert held_out_converged(1.0, 0.7, factor=1.97) is False   # -30% at 1.97x: still falling
    assert held_out_converged(1.0, 0.95, factor=1.97) is None   # -5%: too short a step to pass
    assert held_out_converged(1.0, 0.95, factor=2.0) is True
    assert held_out_converged(1.0, 0.5, factor=1.0) is None     # not trained longer
    assert held_out_side(-0.30, -0.12, factor=1.5) is False      # a clear fail stands
    assert held_out_side(-0.09, 0.05, factor=1.5) is None        # a clear pass needs 2x
    assert held_out_side(-0.30, -0.12, factor=1.0) is None
    same = {0: 1.0, 1: 1.0, 2: 1.0}
    # at 1.5x the full answer is a fail (-15%); without seed 2 it is no answer (-5%)
    assert held_out_fragile(same, {0: 0.95, 1: 0.95, 2: 0.65}, factor=1.5) is True
    assert held_out_fragile(same, {0: 0.8, 1: 0.8, 2: 0.8}, factor=1.5) is False


def test_held_out_side_places_an_interval_of_the_change_against_the_10_percent_bar():
    assert held_out_side(-0.09, 0.05) is True       # every value a fall under 10% or a rise
    assert held_out_side(-0.30, -0.12) is False     # every value a fall of more than 10%
    assert held_out_side(-0.13, -0.07) is None      # across the bar: the seeds cannot tell
    assert held_out_side(-0.20, -0.10) is False     # -10% itself fails, as in the point test
    assert held_out_side(-0.05, -0.05) is True      # no spread
    for bad in ((math.nan, 0.0), (0.0, math.inf), (0.1, -0.1)):
        assert held_out_side(*bad) is None


def test_training_factor_compares_budgets_that_differ_in_training_length_only():
    from physym.budgets import OperatorBudget, PINNBudget

    op = OperatorBudget(n_train=8, n_test=4, resolution=16, epochs=60, batch_size=4, modes=4,
                        width=8)
    assert training_factor(op, dataclasses.replace(op, epochs=300)) == 5.0
    assert training_factor(op, dataclasses.replace(op, epochs=300, seeds=5)) == 5.0
    assert training_factor(op, dataclasses.replace(op, epochs=300, width=16)) is None
    assert training_factor(dataclasses.replace(op, epochs=300), op) is None  # shorter
    pinn = PINNBudget(num_domain=100, num_boundary=10, num_initial=10, width=8, depth=2,
                      adam_iterations=1000, lbfgs_iterations=1000)
    assert training_factor(pinn, dataclasses.replace(pinn, lbfgs_iterations=9000)) == 5.0
    # more L-BFGS but less Adam is not "the same training, longer"
    assert training_factor(pinn, dataclasses.replace(pinn, adam_iterations=500,
                                                     lbfgs_iterations=9000)) is None
    assert training_factor(pinn, dataclasses.replace(pinn, lbfgs_restarts=2)) is None
    assert training_factor(pinn, op) is None


def test_common_means_average_only_the_seeds_both_budgets_ran():
    here, longer, n = common_means({0: 0.2, 1: 0.3, 2: 0.4}, {0: 0.19, 1: 0.285})
    assert (here, longer, n) == (pytest.approx(0.25), pytest.approx(0.2375), 2)
    assert held_out_converged(here, longer) is True  # -5%, where 0.3 vs 0.2375 says -21%
    here, longer, n = common_means({0: 0.2}, {1: 0.1})
    assert math.isnan(here) and math.isnan(longer) and n == 0
