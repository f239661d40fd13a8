"""The digits problem: scikit-learn's bundled 8 x 8 digits, a seeded stratified split."""

import numpy as np

from physym.problems.digits import Digits, load_digits_split


def test_split_is_seeded_stratified_and_complete():
    x_tr, y_tr, x_te, y_te = load_digits_split(test_fraction=0.2, seed=0)
    assert x_tr.shape[1:] == (1, 8, 8) and x_tr.dtype == np.float32
    assert len(x_tr) + len(x_te) == 1797 and 0.19 < len(x_te) / 1797 < 0.21
    assert x_tr.min() >= 0.0 and x_tr.max() <= 1.0
    assert set(np.unique(y_te)) == set(range(10))  # every class held out
    again = load_digits_split(test_fraction=0.2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip((x_tr, y_tr, x_te, y_te), again))
    other = load_digits_split(test_fraction=0.2, seed=1)
    assert not np.array_equal(other[3], y_te)


def test_the_problem_defines_every_budget_and_no_flips():
    assert set(Digits.budgets) == {"smoke", "quick", "standard", "paper"}
    assert Digits.flip is False and Digits.default_fill == 0.5


def test_solve_digits_prints_both_arms_accuracies(tmp_path):
    from typer.testing import CliRunner

    from physym.cli import app

    result = CliRunner().invoke(app, ["solve", "digits", "--expand", "2", "--budget", "smoke",
                                      "--device", "cpu", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "error rate" in result.stdout and "accuracy" in result.stdout
    assert "fill=0.5, interleave" in result.stdout  # the paper's fill by default
