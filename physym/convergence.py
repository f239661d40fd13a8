"""How a run's training ended: phases, a down-sampled loss history and the convergence test.

Every adapter that records its training builds the record with :func:`training_record`;
the study report reads ``converged`` and ``stalled`` from it. The criterion is written
here once:

    a run has **converged** when its best training loss fell by less than
    :data:`MAX_TAIL_DROP` (5%) over the last :data:`TAIL_FRACTION` (20%) of the iterations
    it ran.

The best loss (a running minimum) is used instead of the last one, so that Adam's
step-to-step noise cannot fake or hide a fall. A phase has **stalled** when its optimiser
stopped for lack of progress (a line search that returned a zero step) before
:data:`STALL_FRACTION` (10%) of its allowed iterations: the L-BFGS failure recorded in
issue 18, where one seed stopped after 3 of 5000 iterations (torch's float32 L-BFGS; the
default L-BFGS phase is scipy's L-BFGS-B since, :mod:`physym.models.lbfgsb`). With
``lbfgs_restarts`` a phase counts as stalled only when it is still short of that fraction
after its restarts.

The loss test is blind to a learning-rate schedule that anneals to zero (the operators'
cosine schedule): its last 20% of epochs lower the loss however long the run. A second test
therefore looks at the held-out error across budgets, for a configuration run at several
(a budget axis): its baseline has **converged by the held-out test** at a budget when
training at least :data:`MIN_BUDGET_FACTOR` (2) times longer, all else equal
(:func:`training_factor`), lowered the baseline's mean held-out error by less than
:data:`MAX_BUDGET_GAIN` (10%), and has **not converged** when any longer budget lowered it
by that much or more, however much longer; see :func:`held_out_converged`. With a few seeds one
seed can decide that answer (a model with two outcomes, or a pass as narrow as the seeds'
spread): :func:`held_out_fragile` repeats the test with each seed left out, and
:func:`held_out_side` places a 95% interval of the per-seed change against the bar (a
clear pass, a clear fail, or undecided: the interval holds the bar).

What limits a held-out error that still falls is shown by :func:`generalisation_ratio`,
for the tasks (:data:`GAP_TASKS`) whose training loss is their error metric: held-out error
over the last epoch's training loss. Near 1, the model does as well on held-out samples as
on its training samples: its error follows its training loss, and a longer budget lowers it
for as long as that still falls (training, not data, limits it); a ratio well above 1 is a
generalisation gap, which more training does not close.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, Mapping, Sequence

__all__ = ["BUDGET_CRITERION", "CRITERION", "GAP_TASKS", "LENGTH_FIELDS", "MAX_BUDGET_GAIN",
           "MAX_TAIL_DROP", "MIN_BUDGET_FACTOR", "Phase", "STALL_FRACTION", "STOP_REASONS",
           "TAIL_FRACTION", "HISTORY_POINTS", "common_means", "downsample", "epoch_record", "tail_drop",
           "generalisation_ratio", "held_out_converged", "held_out_fragile", "held_out_side",
           "training_factor", "training_record"]

#: Fraction of the iterations run that forms the tail of the convergence test.
TAIL_FRACTION = 0.2
#: Largest relative fall of the best loss over the tail for a converged run.
MAX_TAIL_DROP = 0.05
#: A phase that stops for no progress before this fraction of its limit has stalled.
STALL_FRACTION = 0.1
#: The criterion in words, stored in every record that has a history.
CRITERION = (f"best training loss fell by less than {MAX_TAIL_DROP:.0%} over the last "
             f"{TAIL_FRACTION:.0%} of the iterations run")
#: Largest relative fall of the baseline's mean held-out error from one budget to the next
#: longer one, for a configuration converged at the first by the held-out test.
MAX_BUDGET_GAIN = 0.10
#: The held-out test compares a budget with one that trains at least this many times longer.
MIN_BUDGET_FACTOR = 2.0
#: Budget fields that set the length of training (all other fields must be equal).
LENGTH_FIELDS = ("adam_iterations", "lbfgs_iterations", "epochs")
#: The held-out test in words.
BUDGET_CRITERION = (f"baseline's mean held-out error fell by less than {MAX_BUDGET_GAIN:.0%} "
                    f"when trained at least {MIN_BUDGET_FACTOR:g}x longer, all else equal")
#: Loss-history points kept per phase, about.
HISTORY_POINTS = 100
#: Tasks whose recorded ``final_loss`` is their ``error`` metric on the training set: an
#: operator trains on the mean relative L2 error per sample that its held-out ``error``
#: measures (the last epoch's mean, taken while the weights still move). A PINN's loss is a
#: PDE residual, a regression's an MSE, a classifier's a cross-entropy: no ratio for those.
GAP_TASKS = ("operator",)
#: Why an optimiser phase ended.
STOP_REASONS = ("iteration limit", "tolerance", "no progress", "non-finite loss")


@dataclass(frozen=True)
class Phase:
    """One optimiser phase of a training run.

    Attributes
    ----------
    optimizer : str
        ``"adam"``, ``"lbfgs"``, ``"sgd"``, ...
    iterations : int
        Iterations actually run (epochs for an epoch-based loop).
    limit : int
        Iterations allowed by the budget.
    stop : str
        One of :data:`STOP_REASONS`: why its last optimiser stopped.
    restarts : int
        Times the optimiser was started again with a fresh history after a line search that
        made no progress (L-BFGS; :func:`physym.models.pinn_train.lbfgs_segments`).
        ``iterations`` counts every start.
    """

    optimizer: str
    iterations: int
    limit: int
    stop: str
    restarts: int = 0

    def __post_init__(self) -> None:
        if self.stop not in STOP_REASONS:
            raise ValueError(f"stop must be one of {', '.join(STOP_REASONS)}, got {self.stop!r}")
        if self.restarts < 0:
            raise ValueError(f"restarts must be >= 0, got {self.restarts!r}")

    @property
    def stalled(self) -> bool:
        """Stopped for no progress before :data:`STALL_FRACTION` of its limit."""
        return self.stop == "no progress" and self.iterations < STALL_FRACTION * self.limit


def tail_drop(history: Sequence[tuple[int, float]], *, tail: float = TAIL_FRACTION) -> float:
    """Relative fall of the best loss over the last ``tail`` of the iterations.

    Parameters
    ----------
    history : sequence of (int, float)
        ``(iteration, loss)`` pairs in increasing iteration order; the last pair is the end
        of training.

    Returns
    -------
    float
        ``(best before the tail - best overall) / best before the tail``, in ``[0, 1]``;
        NaN with fewer than two finite points or a non-positive loss.
    """
    pts = [(int(i), float(v)) for i, v in history if math.isfinite(float(v))]
    if len(pts) < 2:
        return math.nan
    start = pts[-1][0] - tail * (pts[-1][0] - pts[0][0])
    before = [v for i, v in pts if i <= start]
    if not before:
        before = [pts[0][1]]
    best_before, best = min(before), min(v for _, v in pts)
    if best_before <= 0:
        return math.nan
    return (best_before - best) / best_before


def training_factor(budget: Any, longer: Any) -> float | None:
    """How many times longer ``longer`` trains than ``budget``: the ratio of their
    ``total_steps`` when both are budgets of one class that differ in :data:`LENGTH_FIELDS`
    only (``seeds``, the default seed count, aside), none of them shorter; ``None``
    otherwise (another network, data set or optimiser setting)."""
    if type(budget) is not type(longer) or not is_dataclass(budget):
        return None
    a, b = asdict(budget), asdict(longer)
    if any(a[k] != b[k] for k in a if k not in (*LENGTH_FIELDS, "seeds")):
        return None
    if any(b[k] < a[k] for k in LENGTH_FIELDS if k in a) or budget.total_steps <= 0:
        return None
    return longer.total_steps / budget.total_steps


def held_out_converged(error: float, longer_error: float, *,
                       factor: float = MIN_BUDGET_FACTOR) -> bool | None:
    """The held-out test: did training ``factor`` times longer lower the held-out error by
    less than :data:`MAX_BUDGET_GAIN`?

    A pass needs a longer budget of at least :data:`MIN_BUDGET_FACTOR` times the steps. A
    fail does not: when any longer budget lowered the error by the bar or more, training
    longer still helps, and twice as long can only be expected to help as much or more.

    Parameters
    ----------
    error, longer_error : float
        The baseline's mean held-out error at a budget and at the next longer one.
    factor : float
        How many times longer the next budget trains (:func:`training_factor`).

    Returns
    -------
    bool or None
        ``False`` when ``(error - longer_error) / error >= MAX_BUDGET_GAIN`` and
        ``factor > 1``; ``True`` when the fall is smaller (a longer run that made the error
        worse counts as converged: more training does not help) and ``factor >=
        MIN_BUDGET_FACTOR``; ``None`` otherwise (a pass over too short a step, or no
        longer training) and when either error is not finite and positive.
    """
    if not all(math.isfinite(e) and e > 0 for e in (error, longer_error)) or factor <= 1:
        return None
    if (error - longer_error) / error >= MAX_BUDGET_GAIN:
        return False
    return True if factor >= MIN_BUDGET_FACTOR else None


def common_means(errors: Mapping[int, float],
                 longer_errors: Mapping[int, float]) -> tuple[float, float, int]:
    """Mean errors at a budget and at the next longer one over the seeds both ran, and how
    many: the held-out test compares like with like (a seed still to run at one budget is
    left out of both). NaN means and 0 when no seed ran at both."""
    seeds = sorted(set(errors) & set(longer_errors))
    if not seeds:
        return math.nan, math.nan, 0
    return (math.fsum(errors[s] for s in seeds) / len(seeds),
            math.fsum(longer_errors[s] for s in seeds) / len(seeds), len(seeds))


def held_out_fragile(errors: Mapping[int, float], longer_errors: Mapping[int, float], *,
                     factor: float = MIN_BUDGET_FACTOR) -> bool | None:
    """Does one seed decide the held-out test? The test (:func:`held_out_converged`) on the
    mean errors, repeated with each seed left out of both budgets.

    Parameters
    ----------
    errors, longer_errors : mapping of int to float
        The baseline's held-out error per seed at a budget and at the next longer one.
    factor : float
        How many times longer the next budget trains (:func:`training_factor`).

    Returns
    -------
    bool or None
        ``True`` when leaving some seed out changes the answer (a bimodal model, or a pass
        as narrow as the seeds' spread); ``None`` when fewer than 3 seeds ran at both
        budgets or the test does not apply.
    """
    seeds = sorted(set(errors) & set(longer_errors))
    if len(seeds) < 3:
        return None

    def answer(kept: list[int]) -> bool | None:
        here, longer, _ = common_means({s: errors[s] for s in kept}, longer_errors)
        return held_out_converged(here, longer, factor=factor)

    full = answer(seeds)
    if full is None:
        return None
    return any(answer([s for s in seeds if s != out]) != full for out in seeds)


def held_out_side(change_low: float, change_high: float, *,
                  factor: float = MIN_BUDGET_FACTOR) -> bool | None:
    """The held-out test on an interval: where does a confidence interval of the change of
    the baseline's error, from a budget to the next longer one, lie against the bar?

    The point test (:func:`held_out_converged`) asks whether the mean error fell by less
    than :data:`MAX_BUDGET_GAIN`; its answer can turn on one seed
    (:func:`held_out_fragile`). An interval of the change over the seeds (for example the
    paired t-interval of the per-seed error ratios) says whether the seeds can tell.

    Parameters
    ----------
    change_low, change_high : float
        The interval's bounds of the relative change ``longer / error - 1`` (-0.2: the
        longer budget's error is 20% lower).
    factor : float
        How many times longer the next budget trains: as in :func:`held_out_converged`, a
        pass needs at least :data:`MIN_BUDGET_FACTOR`, a fail more than 1.

    Returns
    -------
    bool or None
        ``True`` (a clear pass) when the whole interval lies above ``-MAX_BUDGET_GAIN``:
        every change it holds is a fall of less than the bar, or a rise; ``False`` (a clear
        fail) when the whole interval lies at or below it; ``None`` when it holds the bar
        (undecided), when ``factor`` is too small for the answer, or a bound is not finite
        or the bounds are out of order.
    """
    if not (math.isfinite(change_low) and math.isfinite(change_high)
            and change_low <= change_high) or factor <= 1:
        return None
    if change_low > -MAX_BUDGET_GAIN:
        return True if factor >= MIN_BUDGET_FACTOR else None
    if change_high <= -MAX_BUDGET_GAIN:
        return False
    return None


def generalisation_ratio(record: Mapping[str, Any]) -> float | None:
    """Held-out error over the training loss of one run record.

    Parameters
    ----------
    record : mapping
        A run record (:meth:`physym.runner.RunResult.to_dict`): ``status``, ``error``,
        ``metrics["final_loss"]`` and ``spec["task"]``.

    Returns
    -------
    float or None
        ``error / final_loss`` for a successful run of a task in :data:`GAP_TASKS`;
        ``None`` for any other task, a failed run or a loss or error that is not finite and
        positive.
    """
    if record.get("status") != "ok" or (record.get("spec") or {}).get("task") not in GAP_TASKS:
        return None
    error, loss = record.get("error"), (record.get("metrics") or {}).get("final_loss")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in (error, loss)):
        return None
    return float(error) / float(loss)


def training_record(phases: Sequence[Phase],
                    history: Sequence[tuple[int, float]]) -> dict[str, Any]:
    """The JSON-ready ``training`` field of a run record.

    Returns
    -------
    dict
        ``phases`` (list of :class:`Phase` as dicts), ``loss_history`` (``[iteration,
        loss]`` pairs), ``tail_drop`` (:func:`tail_drop`), ``converged`` (``tail_drop <
        MAX_TAIL_DROP``; false when it is NaN), ``stalled`` (any phase stalled) and
        ``criterion`` (:data:`CRITERION`).
    """
    drop = tail_drop(history)
    return {
        "phases": [asdict(p) for p in phases],
        "loss_history": [[int(i), float(v)] for i, v in history],
        "tail_drop": drop,
        "converged": bool(drop < MAX_TAIL_DROP),
        "stalled": any(p.stalled for p in phases),
        "criterion": CRITERION,
    }


def downsample(history: Sequence[tuple[int, float]], *,
               points: int = HISTORY_POINTS) -> list[tuple[int, float]]:
    """About ``points`` evenly spaced entries of ``history``, always keeping the last."""
    if len(history) <= points:
        return list(history)
    step = math.ceil(len(history) / points)
    kept = list(history[::step])
    return kept if kept[-1] == history[-1] else [*kept, history[-1]]


def epoch_record(optimizer: str, epoch_losses: Sequence[float], limit: int) -> dict[str, Any]:
    """The ``training`` record of an epoch loop that ran every epoch it was allowed (operator
    and image training: a fixed schedule, no early stop): one phase, the mean training loss
    of each epoch (``(epoch, loss)``, epochs counted from 1), down-sampled."""
    history = [(i + 1, float(v)) for i, v in enumerate(epoch_losses)]
    stop = "iteration limit" if all(math.isfinite(v) for _, v in history) else "non-finite loss"
    return training_record([Phase(optimizer, len(history), limit, stop)], downsample(history))
