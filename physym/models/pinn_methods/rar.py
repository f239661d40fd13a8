"""``rar``: residual-based adaptive refinement, greedy (RAR-G, Lu et al. 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np

from physym.io import fingerprint_arrays
from physym.models.pinn_methods.base import PINNMethod, TrainContext
from physym.models.pinn_train import train_phases

__all__ = ["RAR", "RAR_ROUNDS", "RAR_POOL", "RAR_FRACTION", "candidate_pool"]

#: Adam rounds; points are added after each but the last.
RAR_ROUNDS = 5
#: Candidate pool size, in multiples of ``budget.num_domain``.
RAR_POOL = 10
#: Points added per round, as a fraction of ``budget.num_domain`` (at least 1).
RAR_FRACTION = 0.02


def candidate_pool(data: Any, size: int, seed: int) -> np.ndarray:
    """``(size, d)`` uniform points of the problem's geometry, from a generator seeded by
    the model ``seed`` alone: the same pool in both arms of a pair. numpy's global stream
    (which DeepXDE draws from) is left where it was."""
    state = np.random.get_state()
    try:
        np.random.seed(int(np.random.SeedSequence([seed, 0x52_41_52]).generate_state(1)[0]))
        return np.asarray(data.geom.random_points(size, random="pseudo"))
    finally:
        np.random.set_state(state)


class ResidualAdaptiveRefinement(PINNMethod):
    """Adam in :data:`RAR_ROUNDS` rounds; after each round but the last, the residual
    ``sum_k |r_k|`` is evaluated on a seeded candidate pool (:func:`candidate_pool`,
    ``RAR_POOL * num_domain`` points) and the :data:`RAR_FRACTION` ``* num_domain`` pool
    points with the largest residual that are not yet used become collocation points
    (``data.add_anchors``); then L-BFGS as ``adam-lbfgs`` on the refined set (RAR-G, Lu,
    Meng, Mao & Karniadakis 2021).

    Both arms of a pair draw the same pool from the same seed; which points are added
    follows each arm's own residual, as RAR means. The record's ``training["rar"]`` holds
    the pool's fingerprint (equal in both arms), and the count and fingerprint of the
    added points."""

    name = "rar"
    summary = (f"residual-based adaptive refinement (RAR-G): {RAR_ROUNDS} Adam rounds, "
               f"{RAR_FRACTION:.0%} of the domain points added per round from a seeded pool")
    reference = "Lu, Meng, Mao & Karniadakis, SIAM Rev. 63 (2021) 208"

    def train(self, model: Any, ctx: TrainContext) -> dict[str, Any]:
        budget = ctx.budget
        pool = candidate_pool(ctx.data, RAR_POOL * max(1, budget.num_domain), ctx.seed)
        free = np.ones(len(pool), dtype=bool)
        per_round = max(1, int(round(RAR_FRACTION * budget.num_domain)))
        added: list[np.ndarray] = []

        def refine(_: int) -> None:
            residual = model.predict(pool, operator=ctx.data.pde)
            terms = residual if isinstance(residual, (list, tuple)) else [residual]
            score = np.sum([np.abs(np.asarray(r)).reshape(len(pool)) for r in terms], axis=0)
            score[~free] = -np.inf
            pick = np.argsort(-score, kind="stable")[:per_round]
            free[pick] = False
            added.append(pool[pick])
            ctx.data.add_anchors(pool[pick])

        record = train_phases(ctx.dde, model, ctx.net, budget=budget, options=ctx.options,
                              adam_eps=ctx.adam_eps, progress=ctx.progress,
                              adam_rounds=RAR_ROUNDS, between_rounds=refine)
        points = np.concatenate(added) if added else np.zeros((0, pool.shape[1]))
        record["rar"] = {"pool": fingerprint_arrays(pool), "added": int(len(points)),
                         "added_points": fingerprint_arrays(points)}
        ctx.metrics["rar_added"] = float(len(points))
        return record


RAR = ResidualAdaptiveRefinement()
