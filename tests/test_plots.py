"""The study figures (physym.study.plots): what each one draws, read back from its axes."""

from __future__ import annotations

import math

import pytest

from physym.expansion import Expansion
from physym.runner import RunResult, RunSpec
from physym.study import plots
from physym.study.stats import analyse

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions save, in order (each still written to disk)."""
    drawn = []
    save = plots._save

    def keep(fig, path):
        drawn.append(fig)
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return drawn


def _records(*, budgets=("smoke",), factor=0.5, ns=(0, 4), seeds=3):
    out = []
    for budget in budgets:
        for n in ns:
            for seed in range(seeds):
                spec = RunSpec("burgers", "pinn", "fnn", Expansion(n), seed, budget)
                # the paired ratios differ a little by seed (a t-test needs a spread)
                ratio = factor ** (n / 4) * (1 + 0.02 * seed) if n else 1.0
                error = 0.1 * (1 + 0.1 * seed) * ratio
                out.append(RunResult(spec, "ok", error=error, n_params=10).to_dict())
    return out


def test_improvement_draws_one_bar_per_configuration_from_one(tmp_path, figures):
    st = analyse(_records(factor=0.5))
    path = plots.plot_improvement(st, tmp_path / "improvement.png")
    assert path.read_bytes().startswith(PNG)
    ax, = figures[0].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [st.configs[0].label]
    assert ax.get_xscale() == "log"
    bar = ax.patches[0]  # bars grow from 1 (no change) to the ratio
    assert bar.get_x() == pytest.approx(1.0)
    assert bar.get_x() + bar.get_width() == pytest.approx(0.5, rel=0.05)
    assert bar.get_facecolor()[:3] == pytest.approx((0x2a / 255, 0x9d / 255, 0x4b / 255))
    assert "1/1 improved (100%); paper ≈75%" in ax.get_title()


def test_improvement_of_a_study_without_comparisons_is_an_empty_figure(tmp_path, figures):
    st = analyse(_records(ns=(0,)))  # baselines only: nothing to compare
    plots.plot_improvement(st, tmp_path / "improvement.png")
    ax, = figures[0].axes
    assert len(ax.patches) == len(plots._COLOURS)  # the legend's swatches, no bars
    assert "0/0 improved" in ax.get_title() and "%)" not in ax.get_title()


def test_error_vs_expansion_starts_each_line_at_one(tmp_path, figures):
    st = analyse(_records(ns=(0, 2, 4), factor=0.25))
    plots.plot_error_vs_expansion(st, tmp_path / "error_vs_expansion.png")
    ax, = figures[0].axes
    line, = [ln for ln in ax.get_lines() if ln.get_label() == st.configs[0].label]
    assert list(line.get_xdata()) == [0, 2, 4]
    assert line.get_ydata() == pytest.approx([1.0, 0.5, 0.25], rel=0.05)
    assert f"fill = {math.pi:.4g}" == ax.get_title()


def test_budget_effect_puts_the_budgets_on_the_x_axis_in_order(tmp_path, figures):
    st = analyse(_records(budgets=("smoke", "quick"), factor=0.5))
    path = plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    assert path.read_bytes().startswith(PNG)
    ax, = figures[0].axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["smoke", "quick"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["burgers/pinn/fnn"]
    # the markers sit at the ratio of each budget (0.5 at both)
    offsets = ax.collections[-1].get_offsets()
    assert [float(y) for _, y in offsets] == pytest.approx([0.5, 0.5], rel=0.05)


def test_a_figure_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """Saving goes through a temporary file: a failure leaves no half-written PNG."""
    st = analyse(_records())

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    from matplotlib.figure import Figure
    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.plot_improvement(st, tmp_path / "improvement.png")
    assert list(tmp_path.iterdir()) == []
