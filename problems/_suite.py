"""Budgets shared by the PINN benchmark suite (one definition; each problem sets its points).

Every suite problem trains the same networks on the same schedules per budget name; only
its collocation point counts differ (a 5-D problem needs more boundary points, a steady one
has no initial points). ``standard`` was sized on 2026-12-02 from measured step times of
``wave1d`` on this 2-core CPU, one thread (Adam step, 2000 + 200 + 200 points: 22 ms for
32 x 3, 35 ms for 40 x 4, 109 ms for 50 x 4 with 4000 domain points, the earlier
``standard``, which made a 1-D run about 30 min):

============  ===========  ==============================  ==================================
budget        tanh FNN     optimiser                       meant for
============  ===========  ==============================  ==================================
``smoke``     16 x 2       30 Adam + 10 L-BFGS             tests (seconds)
``quick``     32 x 3       2000 Adam + <= 1000 L-BFGS      a first look on a CPU
``standard``  32 x 3       6000 Adam + <= 4000 L-BFGS      about 4 min per 1-D run on the
                                                           2-core CPU (convergence checked per
                                                           run: the records' ``training``)
``paper``     100 x 5      20000 Adam at lr 1e-3, no       PINNacle's vanilla setting, a GPU
                           L-BFGS
============  ===========  ==============================  ==================================
"""

from __future__ import annotations

from physym.budgets import PINNBudget

__all__ = ["suite_budgets"]

_NETWORKS = {"smoke": (16, 2, 30, 10, 1), "quick": (32, 3, 2000, 1000, 3),
             "standard": (32, 3, 6000, 4000, 3), "paper": (100, 5, 20000, 0, 5)}
_NAMES = tuple(_NETWORKS)


def suite_budgets(*, domain: tuple[int, int, int, int] = (200, 1000, 2000, 8192),
                  boundary: tuple[int, int, int, int] = (20, 100, 200, 2048),
                  initial: tuple[int, int, int, int] = (20, 100, 200, 2048),
                  lbfgs: tuple[int, int, int, int] | None = None) -> dict[str, PINNBudget]:
    """The four budgets of a suite problem, given its point counts per budget.

    Parameters
    ----------
    domain, boundary, initial : tuple of 4 int
        Collocation points for ``smoke``, ``quick``, ``standard`` and ``paper``
        (PINNacle's defaults are 8192 / 2048 / 2048).
    lbfgs : tuple of 4 int, optional
        L-BFGS iterations per budget, when a problem needs other than the suite's.
    """
    out = {}
    for i, name in enumerate(_NAMES):
        width, depth, adam, lb, seeds = _NETWORKS[name]
        out[name] = PINNBudget(num_domain=domain[i], num_boundary=boundary[i],
                               num_initial=initial[i], width=width, depth=depth,
                               adam_iterations=adam,
                               lbfgs_iterations=lb if lbfgs is None else lbfgs[i], seeds=seeds)
    return out
