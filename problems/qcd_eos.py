r"""Lattice-QCD equation of state at vanishing baryon density, learned from lattice-like data.

The truth is the HotQCD parametrization of the pressure (Bazavov et al., Phys. Rev. D 90,
094503 (2014), arXiv:1407.6387), with :math:`t = T/T_c`, :math:`T_c = 154` MeV,

.. math::
    \frac{p}{T^4} = \tfrac12\bigl(1 + \tanh(c_t (t - t_0))\bigr)
        \frac{p_{id} + a_n/t + b_n/t^2 + c_n/t^3 + d_n/t^4}{1 + a_d/t + b_d/t^2 + c_d/t^3 + d_d/t^4},
    \qquad p_{id} = \frac{95 \pi^2}{180}.

With :math:`f = p/T^4` and :math:`T\,\mathrm{d}/\mathrm{d}T = t\,\mathrm{d}/\mathrm{d}t`, the
thermodynamics follows from :math:`f` and its first two derivatives
(:func:`thermodynamics`): the trace anomaly :math:`I/T^4 = (\varepsilon - 3p)/T^4 = T f'`,
the entropy density :math:`s/T^3 = 4 f + T f'`, the energy density
:math:`\varepsilon/T^4 = 3 f + T f'` and the squared speed of sound
:math:`c_s^2 = \mathrm{d}p/\mathrm{d}\varepsilon = (4 f + T f') / (12 f + 8 T f' + T^2 f'')`.
:func:`hotqcd_eos` evaluates them with analytic derivatives (exact to rounding).

The independent cross-check is the Wuppertal-Budapest trace anomaly (Borsanyi et al., Phys.
Lett. B 730, 99 (2014), arXiv:1309.5258), :func:`wb_trace_anomaly`. See ``docs/qcd-eos.md``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.budgets import RegressionBudget
from physym.problem import ProblemFamily, RegressionProblem

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


__all__ = [
    "HOTQCD_TC", "P_IDEAL", "hotqcd_eos", "hotqcd_pressure", "wb_trace_anomaly",
    "thermodynamics", "lattice_temperatures", "QCDEoSParams", "QCDEoS", "PROBLEM",
]

logger = logging.getLogger(__name__)

#: Pseudo-critical temperature of the HotQCD parametrization (MeV).
HOTQCD_TC = 154.0
#: Stefan-Boltzmann limit of p/T^4 for 3 colours and 3 massless flavours.
P_IDEAL = 95.0 * math.pi**2 / 180.0
#: HotQCD 2014 parameters: c_t, t_0 and the numerator / denominator coefficients of 1/t^1..4.
_HQ_CT, _HQ_T0 = 3.8706, 0.9761
_HQ_NUM = (-8.7704, 3.9200, 0.0, 0.3419)
_HQ_DEN = (-1.2600, 0.8425, 0.0, -0.0475)
#: Wuppertal-Budapest 2014 trace anomaly parameters (t = T / 200 MeV).
_WB = dict(h0=0.1396, h1=-0.1800, h2=0.0350, f0=1.05, f1=6.39, f2=-4.72, g1=-0.92, g2=0.57)
_WB_T0 = 200.0
#: Derived quantities, in the column order of :func:`thermodynamics` after ``p_T4``.
DERIVED = ("I_T4", "s_T3", "e_T4", "cs2")


def _inverse_powers(t: Any, lead: float, coeffs: tuple[float, ...]) -> tuple[Any, Any, Any]:
    """``P = lead + sum_k c_k t^-k`` and ``t P'``, ``t^2 P''`` (k = 1..len(coeffs))."""
    p, tp, t2p = lead, 0.0, 0.0
    for k, c in enumerate(coeffs, start=1):
        term = c * t ** (-k)
        p, tp, t2p = p + term, tp - k * term, t2p + k * (k + 1) * term
    return p, tp, t2p


def _hotqcd_f(t: Any) -> tuple[Any, Any, Any]:
    """``f = p/T^4``, ``t f_t`` and ``t^2 f_tt`` at ``t = T / 154 MeV`` (analytic).

    Arithmetic only (numpy, complex-step safe): ``f = g R`` with the switch
    ``g = (1 + tanh u) / 2``, ``u = c_t (t - t_0)``, and ``R = N / D``.
    """
    th = np.tanh(_HQ_CT * (t - _HQ_T0))
    sech2 = 1.0 - th * th
    g, tg, t2g = 0.5 * (1.0 + th), 0.5 * _HQ_CT * t * sech2, -_HQ_CT**2 * t * t * th * sech2
    n, tn, t2n = _inverse_powers(t, P_IDEAL, _HQ_NUM)
    d, td, t2d = _inverse_powers(t, 1.0, _HQ_DEN)
    r = n / d
    tr = (tn - r * td) / d  # from N = R D
    t2r = (t2n - 2.0 * tr * td - r * t2d) / d
    return g * r, tg * r + g * tr, t2g * r + 2.0 * tg * tr + g * t2r


def thermodynamics(f: Any, tf: Any, t2f: Any) -> dict[str, Any]:
    r"""Thermodynamics at :math:`\mu_B = 0` from ``f = p/T^4``, ``T f'`` and ``T^2 f''``.

    Parameters
    ----------
    f, tf, t2f : numpy.ndarray or torch.Tensor
        ``p/T^4`` and its first two logarithmic-scale derivatives, same shape.

    Returns
    -------
    dict
        ``p_T4``, ``I_T4`` (:math:`(\varepsilon - 3p)/T^4`), ``s_T3``, ``e_T4`` and ``cs2``
        (:math:`\mathrm{d}p/\mathrm{d}\varepsilon`), each of the input shape.
    """
    return {"p_T4": f, "I_T4": tf, "s_T3": 4.0 * f + tf, "e_T4": 3.0 * f + tf,
            "cs2": (4.0 * f + tf) / (12.0 * f + 8.0 * tf + t2f)}


def hotqcd_eos(T: np.ndarray) -> dict[str, np.ndarray]:
    """HotQCD 2014 equation of state at temperatures ``T`` (MeV), exact to rounding.

    Parameters
    ----------
    T : array_like
        Temperatures in MeV, any shape (the fit describes 130-400 MeV).

    Returns
    -------
    dict of str to numpy.ndarray
        :func:`thermodynamics` of the parametrization, each of ``T``'s shape.
    """
    return thermodynamics(*_hotqcd_f(np.asarray(T) / HOTQCD_TC))


def hotqcd_pressure(T: np.ndarray) -> np.ndarray:
    """HotQCD 2014 ``p/T^4`` at temperatures ``T`` (MeV); accepts complex ``T``."""
    return _hotqcd_f(np.asarray(T) / HOTQCD_TC)[0]


def wb_trace_anomaly(T: np.ndarray) -> np.ndarray:
    r"""Wuppertal-Budapest 2014 trace anomaly :math:`(\varepsilon - 3p)/T^4` at ``T`` (MeV).

    :math:`I/T^4 = e^{-h_1/t - h_2/t^2}\,(h_0 + f_0 (\tanh(f_1 t + f_2) + 1)/(1 + g_1 t + g_2 t^2))`
    with :math:`t = T / 200` MeV (Borsanyi et al. 2014, eq. 3).
    """
    t = np.asarray(T, dtype=np.float64) / _WB_T0
    c = _WB
    return np.exp(-c["h1"] / t - c["h2"] / t**2) * (
        c["h0"] + c["f0"] * (np.tanh(c["f1"] * t + c["f2"]) + 1.0) / (1.0 + c["g1"] * t + c["g2"] * t**2)
    )


def lattice_temperatures(n: int, T_min: float, T_max: float, spacing: str = "geometric") -> np.ndarray:
    """``n`` temperatures (MeV) from ``T_min`` to ``T_max``, both included.

    ``geometric`` spacing is that of a lattice scan at fixed temporal extent with equal steps
    in the gauge coupling (``T = 1 / (N_tau a(beta))`` with ``a`` roughly exponential in
    ``beta``): dense near the transition, sparse at high ``T``. ``uniform`` is a table with
    equal steps.
    """
    if spacing == "geometric":
        return np.geomspace(T_min, T_max, n)
    if spacing == "uniform":
        return np.linspace(T_min, T_max, n)
    raise ValueError(f"spacing must be geometric or uniform, got {spacing!r}")


@dataclass(frozen=True)
class QCDEoSParams:
    """Parameters of the lattice-like data set.

    Attributes
    ----------
    n_train : int
        Number of training temperatures (default 40).
    noise : float
        Relative standard deviation of the Gaussian noise on ``p/T^4`` (default 0.01; 0 for
        exact samples). Stored with the samples as ``sigma = noise * p/T^4``.
    T_min, T_max : float
        Temperature range in MeV, within the 130-400 MeV of the HotQCD parametrization.
    T_c : float
        Temperature unit of the network input ``t = T / T_c`` (MeV). The truth is always
        HotQCD's parametrization, whose own ``T_c`` is 154 MeV.
    spacing : {"geometric", "uniform"}
        Placement of the training temperatures (:func:`lattice_temperatures`).
    n_test : int
        Points of the dense, noise-free test grid (uniform in ``T``).
    """

    n_train: int = 40
    noise: float = 0.01
    T_min: float = 130.0
    T_max: float = 400.0
    T_c: float = HOTQCD_TC
    spacing: str = "geometric"
    n_test: int = 541

    def __post_init__(self) -> None:
        if not (math.isfinite(self.noise) and 0.0 <= self.noise < 1.0):
            raise ValueError(f"noise must be a finite relative noise level in [0, 1), got {self.noise}")
        if self.n_train < 2 or self.n_test < 2:
            raise ValueError(f"n_train and n_test must be at least 2, got {self.n_train}, {self.n_test}")
        if not (130.0 <= self.T_min < self.T_max <= 400.0):
            raise ValueError("T_min and T_max must satisfy 130 <= T_min < T_max <= 400 (MeV, the "
                             f"range of the HotQCD parametrization), got {self.T_min}, {self.T_max}")
        if not (math.isfinite(self.T_c) and self.T_c > 0):
            raise ValueError(f"T_c must be a positive temperature in MeV, got {self.T_c}")
        if self.spacing not in ("geometric", "uniform"):
            raise ValueError(f"spacing must be geometric or uniform, got {self.spacing!r}")


class QCDEoS(RegressionProblem):
    """Lattice-QCD pressure p/T^4(T) at mu_B = 0 from noisy lattice-like samples (HotQCD 2014).

    The MLP learns ``p/T^4`` as a function of ``t = T / T_c`` from ``n_train`` samples in
    130-400 MeV with relative Gaussian noise. Scored on a dense noise-free grid: ``p/T^4``
    (the error), and the trace anomaly ``I_T4``, entropy ``s_T3``, energy density ``e_T4``
    and speed of sound squared ``cs2`` derived from the network by autograd (metrics).
    """

    Params = QCDEoSParams
    input_names = ("t",)
    output_names = ("p_T4",)
    derived_names = DERIVED
    table_metrics = DERIVED
    #: quick: 5 seeds x 2 arms take ~1 min on one busy CPU core (~4 s per run, measured).
    budgets = {
        "smoke": RegressionBudget(width=16, depth=2, adam_iterations=100, lbfgs_iterations=20,
                                  lr=1e-2, seeds=1),
        "quick": RegressionBudget(width=32, depth=3, adam_iterations=3000, lbfgs_iterations=200,
                                  lr=3e-3, seeds=5),
        "standard": RegressionBudget(width=64, depth=3, adam_iterations=10000,
                                     lbfgs_iterations=500, lr=1e-3, seeds=10),
        "paper": RegressionBudget(width=64, depth=3, adam_iterations=20000,
                                  lbfgs_iterations=1000, lr=1e-3, seeds=20),
    }

    # ------------------------------------------------------------------ data
    def inputs(self, T: np.ndarray) -> np.ndarray:
        """Network inputs ``(N, 1)`` for temperatures ``T`` ``(N,)`` in MeV."""
        return (np.asarray(T, dtype=np.float64) / self.params.T_c)[:, None]

    def temperatures(self, x: np.ndarray) -> np.ndarray:
        """Temperatures ``(N,)`` in MeV of network inputs ``(N, 1)``."""
        return np.asarray(x, dtype=np.float64)[:, 0] * self.params.T_c

    def lattice_samples(self, *, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Temperatures ``(N,)`` (MeV), noisy ``p/T^4`` ``(N,)`` and its std ``(N,)``.

        ``p_i = f(T_i) (1 + noise * z_i)`` with ``z ~ N(0, 1)`` from
        ``numpy.random.default_rng(seed)``; ``sigma_i = noise * f(T_i)``.
        """
        p = self.params
        T = lattice_temperatures(p.n_train, p.T_min, p.T_max, p.spacing)
        exact = hotqcd_pressure(T)
        z = np.random.default_rng(seed).standard_normal(T.shape)
        return T, exact * (1.0 + p.noise * z), p.noise * exact

    def training_samples(self, *, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        T, y, sigma = self.lattice_samples(seed=seed)
        return self.inputs(T), y[:, None], sigma[:, None]

    def test_temperatures(self) -> np.ndarray:
        """The dense test grid ``(n_test,)`` in MeV."""
        return np.linspace(self.params.T_min, self.params.T_max, self.params.n_test)

    def test_set(self) -> tuple[np.ndarray, np.ndarray]:
        T = self.test_temperatures()
        return self.inputs(T), hotqcd_pressure(T)[:, None]

    # ------------------------------------------------------------------ derived quantities
    def derived(self, net: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """``I_T4, s_T3, e_T4, cs2`` of the network, ``(M, 4)``, by autograd in ``x``'s dtype.

        With ``x = T / T_c``, ``T d/dT = x d/dx`` and ``T^2 d^2/dT^2 = x^2 d^2/dx^2``.
        """
        x = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            f = net(x)[:, 0]
            (f_x,) = torch.autograd.grad(f.sum(), x, create_graph=True)
            (f_xx,) = torch.autograd.grad(f_x.sum(), x)
        t = x.detach()[:, 0]
        thermo = thermodynamics(f.detach(), t * f_x.detach()[:, 0], t * t * f_xx[:, 0])
        return torch.stack([thermo[name] for name in DERIVED], dim=1)

    def exact_derived(self, x: np.ndarray) -> np.ndarray:
        thermo = hotqcd_eos(self.temperatures(x))
        return np.stack([thermo[name] for name in DERIVED], axis=1)

    # ------------------------------------------------------------------ figure
    def plot_comparison(self, comparison: Any, budget: Any) -> "Figure":
        """p/T^4, I/T^4 and c_s^2 against T: truth, both arms (first seed), the data.

        ``comparison`` is a :class:`physym.runner.Comparison` (the runner calls this hook).

        The bottom row shows each arm's deviation from the truth (and, for p/T^4, that of the
        noisy training data).
        """
        from matplotlib.figure import Figure  # noqa: PLC0415

        T = self.test_temperatures()
        truth = hotqcd_eos(T)
        T_data, y_data, sigma = self.lattice_samples(seed=comparison.baseline[0].spec.data_seed)
        exp = comparison.expanded[0].spec.expansion
        arms = [("baseline (n=0)", comparison.baseline, "C0"),
                (f"expanded ({exp.describe()})", comparison.expanded, "C3")]
        columns = {"p_T4": 0, "I_T4": 1, "cs2": 4}
        labels = {"p_T4": r"$p/T^4$", "I_T4": r"$I/T^4 = (\varepsilon-3p)/T^4$", "cs2": r"$c_s^2$"}
        fig = Figure(figsize=(13.5, 6.5), layout="constrained")
        axes = fig.subplots(2, 3, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
        for j, (name, col) in enumerate(columns.items()):
            top, bottom = axes[0, j], axes[1, j]
            top.plot(T, truth[name], color="k", lw=2, label="HotQCD 2014 (truth)")
            for label, results, color in arms:
                res = next((r for r in results if r.status == "ok" and r.prediction is not None), None)
                if res is None:
                    continue
                err = res.error if name == "p_T4" else res.metrics.get(name, math.nan)
                top.plot(T, res.prediction[:, col], "--", color=color, lw=1.4,
                         label=f"{label}, seed {res.spec.seed}: rel. L2 {err:.1e}")
                bottom.plot(T, res.prediction[:, col] - truth[name], color=color, lw=1)
            if name == "p_T4":
                top.errorbar(T_data, y_data, yerr=sigma, fmt="o", ms=3, color="0.35", capsize=2,
                             label=f"training data ({len(T_data)} points, noise {self.params.noise:g})")
                top.axhline(P_IDEAL, color="0.6", ls=":", label="Stefan-Boltzmann limit")
                bottom.errorbar(T_data, y_data - hotqcd_pressure(T_data), yerr=sigma, fmt="o",
                                ms=2, color="0.35", capsize=1.5, lw=0.8)
            elif name == "I_T4":
                top.plot(T, wb_trace_anomaly(T), color="0.5", ls="-.", label="Wuppertal-Budapest 2014")
            else:
                top.axhline(1.0 / 3.0, color="0.6", ls=":", label="conformal 1/3")
            bottom.axhline(0.0, color="k", lw=0.8)
            top.set_title(labels[name])
            top.legend(fontsize=7)
            bottom.set_xlabel("T [MeV]")
            bottom.set_ylabel("network - truth")
        fig.suptitle("QCD equation of state at $\\mu_B = 0$ learned from lattice-like data")
        return fig


PROBLEM = ProblemFamily(
    name="qcd_eos",
    tasks={"regression": QCDEoS},
    default_task="regression",
    summary="Lattice-QCD pressure p/T^4(T) (HotQCD 2014) from noisy samples; autograd thermodynamics",
)
