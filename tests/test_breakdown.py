"""The headline by group (physym.study.breakdown): per problem family, task, model and method."""

from __future__ import annotations

import json

import pytest
import xarray as xr

from physym.expansion import Expansion
from physym.runner import RunResult, RunSpec
from physym.study.breakdown import breakdown
from physym.study.report import build_report
from physym.study.stats import analyse, wilson
from physym.study.store import RecordStore

# expanded / baseline error ratio by seed: clearly better, clearly worse, no clear change
BETTER, WORSE, MIXED = (0.10, 0.12, 0.09), (3.0, 3.5, 2.8), (0.5, 2.0, 1.1)


def _records() -> list[dict]:
    configs = [  # (problem, task, model, method, ratios)
        ("burgers", "pinn", "fnn", None, BETTER),
        ("burgers", "pinn", "fnn", "adam", WORSE),
        ("burgers", "operator", "fno", None, MIXED),
        ("darcy", "pinn", "fnn", None, BETTER),
        ("darcy", "operator", "fno", None, BETTER),
    ]
    out = []
    for problem, task, model, method, ratios in configs:
        for seed, ratio in enumerate(ratios):
            base = 0.1 * (1 + 0.2 * seed)
            for n, error in ((0, base), (4, base * ratio)):
                spec = RunSpec(problem, task, model, Expansion(n), seed, "smoke", method=method)
                out.append(RunResult(spec, "ok", error=error, n_params=10).to_dict())
    return out


def test_breakdown_counts_each_problem_task_and_model_with_its_method():
    st = analyse(_records())
    groups = breakdown(st)
    assert list(groups) == ["problem", "task", "model and method"]
    by = {name: {g.group: g for g in rows} for name, rows in groups.items()}
    assert set(by["problem"]) == {"burgers", "darcy"}
    burgers, darcy = by["problem"]["burgers"], by["problem"]["darcy"]
    assert (burgers.counted, burgers.improved, burgers.worse) == (3, 1, 1)
    assert (darcy.counted, darcy.improved, darcy.worse, darcy.lower_error) == (2, 2, 0, 2)
    assert burgers.fraction_improved == pytest.approx(1 / 3)
    assert burgers.fraction_improved_ci == pytest.approx(wilson(1, 3))
    assert {k: (g.counted, g.improved) for k, g in by["task"].items()} == \
        {"pinn": (3, 2), "operator": (2, 1)}
    # PINNs are told apart by method; the default method is named, not left blank
    assert {k: (g.counted, g.improved, g.worse) for k, g in by["model and method"].items()} \
        == {"fnn+adam-lbfgs": (2, 2, 0), "fnn+adam": (1, 0, 1), "fno": (2, 1, 0)}
    # the groups of each grouping add up to the headline
    for rows in groups.values():
        assert sum(g.counted for g in rows) == st.headline["counted"] == 5
        assert sum(g.improved for g in rows) == st.headline["improved"] == 3


def test_a_grouping_with_one_group_is_left_out():
    records = [r for r in _records() if r["spec"]["problem"] == "burgers"
               and r["spec"]["task"] == "pinn"]
    groups = breakdown(analyse(records))
    assert list(groups) == ["model and method"]


def test_the_report_has_the_section_and_results_nc_the_counts(tmp_path):
    store = RecordStore(tmp_path)
    for r in _records():
        store.write(r)
    build_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    section = text.split("## Headline by group")[1].split("## Per configuration")[0]
    assert "| darcy | 2 / 2 | 1.00 |" in section
    assert "| fnn+adam | 0 / 1 | 0.00 |" in section
    assert text.index("## Headline\n") < text.index("## Headline by group")
    with xr.open_dataset(tmp_path / "results.nc", engine="h5netcdf") as ds:
        by_group = json.loads(ds.attrs["by_group"])
    assert {g["group"]: g["improved"] for g in by_group["task"]} == {"operator": 1, "pinn": 2}
