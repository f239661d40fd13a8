"""The study figures (physym.study.plots): what each one draws, read back from its axes."""

from __future__ import annotations

import itertools
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


def _records(*, budgets=("smoke",), factor=0.5, ns=(0, 4), seeds=3, problem="burgers",
             overrides=((),)):
    out = []
    for budget, over, n, seed in itertools.product(budgets, overrides, ns, range(seeds)):
        spec = RunSpec(problem, "pinn", "fnn", Expansion(n), seed, budget,
                       budget_overrides=over)
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


def test_error_vs_expansion_with_many_lines_keeps_its_axes_and_tells_the_lines_apart(
        tmp_path, figures):
    """Beyond LEGEND_BESIDE configurations (the standard study has 51) the legend goes below
    the axes, and no two lines share both colour and marker."""
    many = plots.LEGEND_BESIDE + 3
    records = _records(budgets=("quick",), factor=0.5,
                       overrides=tuple(((("adam_iterations", str(10 + k)),) for k in range(many))))
    st = analyse(records)
    assert len(st.configs) == many
    plots.plot_error_vs_expansion(st, tmp_path / "error_vs_expansion.png")
    fig = figures[0]
    ax, = fig.axes
    assert ax.get_legend() is None and len(fig.legends[0].get_texts()) == many
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len({(ln.get_color(), ln.get_marker()) for ln in lines}) == many
    # the legend sits below the axes, which keep most of the figure's width
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend_box, axes_box = fig.legends[0].get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend_box.y1 <= axes_box.y0 and axes_box.width > 0.6 * fig.bbox.width


def test_budget_effect_puts_the_budgets_on_the_x_axis_in_order(tmp_path, figures):
    st = analyse(_records(budgets=("smoke", "quick"), factor=0.5))
    path = plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    assert path.read_bytes().startswith(PNG)
    ax, low = figures[0].axes
    assert [t.get_text() for t in low.get_xticklabels()] == ["smoke", "quick"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["burgers/pinn/fnn"]
    # the markers sit at the ratio of each budget (0.5 at both)
    offsets = ax.collections[-1].get_offsets()
    assert [float(y) for _, y in offsets] == pytest.approx([0.5, 0.5], rel=0.05)
    # one line: on its budgets' ticks, not dodged aside (as the lower panel's)
    assert [float(x) for x, _ in offsets] == [0.0, 1.0]
    # the lower panel: the baseline's mean error over seeds 0.1 * (1, 1.1, 1.2) at each budget
    (line,) = low.get_lines()
    assert list(line.get_xdata()) == [0, 1]
    assert list(line.get_ydata()) == pytest.approx([0.11, 0.11])
    assert low.get_yscale() == "log"


def test_a_log_axis_within_a_decade_labels_its_ticks_plainly():
    """0.98 and 1.02, not 9.8 x 10^-1 (the budget figure's ratios are often this close to 1);
    an axis over several decades keeps matplotlib's powers of ten."""
    from matplotlib.figure import Figure

    narrow, wide = Figure().subplots(1, 2)
    for ax, limits in ((narrow, (0.94, 1.05)), (wide, (1e-3, 1.0))):
        ax.set_yscale("log")
        ax.set_ylim(*limits)
        plots._plain_log_labels(ax)
    assert narrow.yaxis.get_major_formatter()(1.0, 0) == "1"
    assert narrow.yaxis.get_minor_formatter()(0.98, 0) == "0.98"
    assert "10^{-2}" in wide.yaxis.get_major_formatter()(0.01, 0)


def test_budget_effect_averages_the_baselines_over_the_seeds_all_budgets_ran(tmp_path, figures):
    """A longer budget run on seeds 0 and 1 only (a held-out-test line): the lower panel
    compares both budgets over those two seeds, not the shorter one over all three."""
    records = _records(budgets=("smoke",), factor=0.5) + _records(budgets=("quick",), ns=(0,),
                                                                  seeds=2)
    st = analyse(records)
    plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    _, low = figures[0].axes
    (line,) = low.get_lines()
    # seeds 0 and 1 score 0.1 and 0.11 at both budgets: flat, where all seeds would give 0.11
    assert list(line.get_ydata()) == pytest.approx([0.105, 0.105])
    assert "the seeds all its budgets ran" in low.get_ylabel()


def test_budget_effect_gives_configurations_with_their_own_budgets_their_own_ticks(
        tmp_path, figures):
    """Two configurations, each at its own pair of overridden budgets (like the
    converged-worse preset): each gets its stretch of the axis, ticked by what differs."""
    records = (_records(budgets=("quick",), problem="burgers", factor=0.5,
                        overrides=((("lbfgs_iterations", "3000"),),
                                   (("lbfgs_iterations", "30000"),)))
               + _records(budgets=("quick",), problem="darcy", factor=2.0,
                          overrides=((("adam_iterations", "6000"), ("lbfgs_iterations", "4000")),
                                     (("adam_iterations", "6000"), ("lbfgs_iterations", "40000")))))
    st = analyse(records)
    plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    ax, low = figures[0].axes
    # one override tells every pair apart: its name goes to the axis label, values to ticks
    assert [t.get_text() for t in low.get_xticklabels()] == ["3000", "30000", "4000", "40000"]
    assert low.get_xlabel() == "lbfgs_iterations (per configuration: what differs)"
    assert list(low.get_xticks()) == [0, 1, 3, 4]  # a gap between the two configurations
    assert [list(ln.get_xdata()) for ln in low.get_lines()] == [[0, 1], [3, 4]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == ["burgers/pinn/fnn", "darcy/pinn/fnn"]
    from matplotlib.collections import PathCollection  # the markers, not the error bars
    ys = sorted(float(y) for c in ax.collections if isinstance(c, PathCollection)
                for _, y in c.get_offsets())
    assert ys == pytest.approx([0.5, 0.5, 2.0, 2.0], rel=0.05)


def test_budget_effect_marks_where_the_held_out_interval_lies_against_the_bar(tmp_path, figures):
    """Adam-only budgets of 10, 20 and 40 steps, the baseline's error per seed the same at 10
    and 20 (no change: a clear pass) and halved at 40 (a clear fail for 20): the lower panel
    marks the first budget with a filled circle, the second with a cross, the longest not at
    all, and its legend names the two places drawn."""
    steps = [(("adam_iterations", str(k)), ("lbfgs_iterations", "0")) for k in (10, 20, 40)]
    records = [r for over, scale in zip(steps, (1.0, 1.0, 0.5))
               for r in _records(budgets=("quick",), overrides=(over,), factor=0.5)
               for r in [_scaled(r, scale)]]
    st = analyse(records)
    plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    _, low = figures[0].axes
    marks = [(c.get_label(), [tuple(p) for p in c.get_offsets()]) for c in low.collections]
    assert [label for label, _ in marks] == ["clear pass", "clear fail"]
    assert [pts[0][0] for _, pts in marks] == [0, 1]
    assert marks[0][1][0][1] == pytest.approx(0.11)  # on the line: the mean baseline error
    assert [t.get_text() for t in low.get_legend().get_texts()] == ["clear pass", "clear fail"]
    assert low.collections[0].get_facecolor()[0][3] == 1.0  # filled


def _scaled(record, scale):
    return {**record, "error": record["error"] * scale}


def test_budget_effect_of_a_study_without_a_budget_axis_is_an_empty_figure(tmp_path, figures):
    st = analyse(_records())  # one budget only
    path = plots.plot_budget_effect(st, tmp_path / "budget_effect.png")
    assert path.read_bytes().startswith(PNG)
    ax, low = figures[0].axes
    assert list(low.get_xticks()) == [] and ax.get_legend() is None and not low.get_lines()
    assert [ln.get_ydata()[0] for ln in ax.get_lines()] == [1.0]  # the no-change line only


def test_budget_ticks_name_what_sets_the_budgets_apart():
    assert plots._budget_ticks(["quick [adam_iterations=6000, lbfgs_iterations=3000]",
                                "standard"]) == [
        "quick\nadam_iterations=6000\nlbfgs_iterations=3000", "standard"]
    assert plots._budget_ticks(["quick", "standard"]) == ["quick", "standard"]
    assert plots._budget_ticks(["quick [epochs=60]", "quick [epochs=60]"]) == [
        "quick [epochs=60]", "quick [epochs=60]"]


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
