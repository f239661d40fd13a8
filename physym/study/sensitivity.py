"""What a study's seeds could detect: the sensitivity of its paired tests (scipy.stats).

A verdict of "no significant change" from three seeds says little unless the test could have
found an effect of the size in question. For each counted configuration's primary comparison
(the paired t-test on log errors of :mod:`physym.study.stats`), with ``k`` seed pairs whose
log error ratios have sample standard deviation ``s``:

* **detectable improvement**: the smallest true improvement ``1 - exp(delta)`` (``delta < 0``,
  the true mean log ratio) that the two-sided test at level ``alpha`` calls *improved* with
  probability ``power``. The test statistic ``mean / (s / sqrt(k))`` follows the noncentral t
  distribution ``nct(k - 1, delta sqrt(k) / sigma)``; ``s`` stands in for ``sigma``.
* **seeds needed**: the smallest ``k`` at which an improvement of a given size is detectable
  so, at the same spread.
* **ruled out**: the comparison's own 95% interval excludes an improvement of a given size
  (its lower end lies above ``-size``). This needs no model of the spread: it is the
  study's own interval.

``s`` comes from the same few pairs (2 degrees of freedom with three seeds), so the first two
are estimates of the study's resolution, not guarantees. Configurations where neither arm
learned (:attr:`~physym.study.stats.ConfigStats.neither_learned`) have a tiny spread and
detect tiny changes between two useless models, so the counts are also given without them.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from scipy import optimize, stats

from physym._text import fmt, pct
from physym.study.stats import ConfigStats, StudyStats, counted

__all__ = ["POWER", "SIZES", "MAX_SEEDS", "detectable_improvement", "seeds_needed",
           "sensitivity", "sensitivity_lines", "sensitivity_sentence"]

#: Probability of an ``improved`` verdict at which an improvement counts as detectable.
POWER = 0.8
#: Improvement sizes the report counts (0.25 = a 25% lower error).
SIZES = (0.10, 0.25, 0.50)
#: :func:`seeds_needed` looks no further.
MAX_SEEDS = 100


@lru_cache(maxsize=None)
def _noncentrality(k: int, alpha: float, power: float) -> float:
    """The ``lam < 0`` with ``P(T < -t_crit) = power`` for ``T ~ nct(k - 1, lam)``."""
    df = k - 1
    crit = float(stats.t.ppf(1.0 - alpha / 2.0, df))

    def excess(lam: float) -> float:
        return float(stats.nct.cdf(-crit, df, lam)) - power

    low = -crit
    while excess(low) < 0.0:  # the probability grows as lam falls: bracket the root
        low *= 2.0
    return float(optimize.brentq(excess, low, 0.0, xtol=1e-12))


def detectable_improvement(sd_log: float, k: int, *, alpha: float = 0.05,
                           power: float = POWER) -> float:
    """Smallest improvement ``1 - ratio`` that ``k`` pairs detect with probability ``power``.

    Parameters
    ----------
    sd_log : float
        Standard deviation of the paired log error ratios.
    k : int
        Number of seed pairs.
    alpha, power : float
        Level of the two-sided paired t-test, and the probability of its ``improved``
        verdict.

    Returns
    -------
    float
        In ``(0, 1)``: 0.25 means a 25% lower geometric-mean error. NaN with fewer than two
        pairs or a spread that is zero or not finite.
    """
    if k < 2 or not (math.isfinite(sd_log) and sd_log > 0.0):
        return math.nan
    if not (0.0 < alpha < 1.0 and alpha / 2.0 < power < 1.0):
        raise ValueError(f"need 0 < alpha < 1 and alpha/2 < power < 1, got alpha={alpha}, "
                         f"power={power}")
    return -math.expm1(_noncentrality(k, alpha, power) * sd_log / math.sqrt(k))


def seeds_needed(sd_log: float, size: float, *, alpha: float = 0.05, power: float = POWER,
                 max_seeds: int = MAX_SEEDS) -> int | None:
    """Fewest seed pairs that detect an improvement of ``size`` at spread ``sd_log``.

    ``None`` when more than ``max_seeds`` would be needed or the spread is undefined.
    """
    if not (math.isfinite(sd_log) and sd_log > 0.0):
        return None
    for k in range(2, max_seeds + 1):
        if detectable_improvement(sd_log, k, alpha=alpha, power=power) <= size:
            return k
    return None


def _row(c: ConfigStats, alpha: float, power: float) -> dict[str, Any]:
    p = c.primary
    return {"config": c.label, "pairs": p.n_pairs, "sd_log": p.sd_log,
            "detectable": detectable_improvement(p.sd_log, p.n_pairs, alpha=alpha, power=power),
            "change_low": p.ratio_low - 1.0, "change_high": p.ratio_high - 1.0,
            "seeds_for_25": seeds_needed(p.sd_log, 0.25, alpha=alpha, power=power),
            "learned": not c.neither_learned}


def sensitivity(st: StudyStats, *, power: float = POWER) -> dict[str, Any]:
    """Per counted configuration and in total: what its primary comparison could detect.

    Returns
    -------
    dict
        ``rows`` (one per counted configuration: ``pairs``, ``sd_log``, ``detectable``,
        ``change_low``/``change_high`` (the 95% interval), ``seeds_for_25``, ``learned``),
        and per size in :data:`SIZES` the counts ``detectable`` and ``ruled_out``, over all
        counted configurations and over those where an arm learned (``*_learned``).
    """
    rows = [_row(c, st.alpha, power) for c in counted(st.configs)]
    learned = [r for r in rows if r["learned"]]

    def count(rs: list[dict[str, Any]], size: float) -> tuple[int, int]:
        return (sum(r["detectable"] <= size for r in rs),  # NaN compares False
                sum(r["change_low"] > -size for r in rs))

    sizes = []
    for size in SIZES:
        (det, out), (det_l, out_l) = count(rows, size), count(learned, size)
        sizes.append({"size": size, "detectable": det, "ruled_out": out,
                      "detectable_learned": det_l, "ruled_out_learned": out_l})
    return {"power": power, "alpha": st.alpha, "counted": len(rows),
            "counted_learned": len(learned), "sizes": sizes, "rows": rows}


def sensitivity_sentence(sens: dict[str, Any]) -> str:
    """One headline sentence: how many configurations could detect, or rule out, 25%."""
    n = sens["counted"]
    if not n:
        return ""
    quarter = next(s for s in sens["sizes"] if s["size"] == 0.25)
    return (f"With these seeds, the verdict's test would detect an improvement of 25% "
            f"(probability {sens['power']:.0%}) in {quarter['detectable']} of {n} "
            f"configurations, and the 95% intervals rule one out in {quarter['ruled_out']} "
            f"(*Sensitivity* below).")


def sensitivity_lines(sens: dict[str, Any]) -> list[str]:
    """The report's *Sensitivity* section."""
    if not sens["counted"]:
        return []
    n, nl, power = sens["counted"], sens["counted_learned"], sens["power"]
    lines = [
        "", "## Sensitivity: what the seeds could detect", "",
        f"For each counted configuration's primary comparison: the spread *s* (standard "
        f"deviation) of its paired log error ratios; the *detectable improvement*, the "
        f"smallest true improvement its paired t-test at α = {sens['alpha']:g} calls improved "
        f"with probability {power:.0%} at that spread (noncentral t); the seeds that would "
        f"detect a 25% improvement so; and its 95% interval. An improvement is *ruled out* "
        f"where the interval's lower end lies above it. *s* comes from the same few pairs "
        f"(2 degrees of freedom with 3 seeds: the true spread may be several times larger or "
        f"smaller), so the detectable sizes and seed counts are estimates; the intervals are "
        f"the study's own. Configurations where neither arm learned "
        f"have a tiny spread and detect tiny changes between two models that learned "
        f"nothing, so the counts are also given without them ({nl} of {n}).", "",
        f"| improvement of at least | detectable ({power:.0%}) | ruled out (95% interval) | "
        f"detectable, an arm learned | ruled out, an arm learned |",
        "|---|---|---|---|---|",
    ]
    for s in sens["sizes"]:
        lines.append(f"| {s['size']:.0%} | {s['detectable']} / {n} | {s['ruled_out']} / {n} | "
                     f"{s['detectable_learned']} / {nl} | {s['ruled_out_learned']} / {nl} |")
    lines += ["", "| configuration | pairs | s (log ratio) | detectable improvement | "
              "change [95% CI] | seeds for 25% |", "|---|---|---|---|---|---|"]
    for r in sens["rows"]:
        seeds = r["seeds_for_25"]
        seeds = str(seeds) if seeds is not None else (
            f"> {MAX_SEEDS}" if math.isfinite(r["sd_log"]) and r["sd_log"] > 0 else "–")
        note = "" if r["learned"] else " (neither arm learned)"
        lines.append(f"| {r['config']}{note} | {r['pairs']} | {fmt(r['sd_log'], '.3f')} | "
                     f"{pct(-r['detectable'])} | "
                     f"[{pct(r['change_low'])}, {pct(r['change_high'])}] | {seeds} |")
    return lines
