"""physym.study.diagnostics: the report's Machines section (the Convergence section is
tested through the report, tests/test_report.py)."""

from __future__ import annotations

from physym.expansion import Expansion
from physym.runner import RunResult, RunSpec
from physym.study.diagnostics import machine, machine_lines
from physym.study.report import build_report
from physym.study.store import RecordStore

EPYC = {"cpu": "AMD EPYC 7B13 (family 25, model 1)", "cpu_capability": "AVX2"}
XEON = {"cpu": "Intel Xeon Platinum 8481C (family 6, model 143)", "cpu_capability": "AVX512"}


def _records(device_of, hardware_of) -> list[dict]:
    """Baseline and n = 4, three seeds each, with the device and hardware given per spec."""
    out = []
    for n in (0, 4):
        for seed in range(3):
            spec = RunSpec("burgers", "pinn", "fnn", Expansion(n), seed, "smoke")
            r = RunResult(spec, "ok", error=0.1 * (1 + seed) / (1 + n), n_params=10,
                          device=device_of(spec)).to_dict()
            if (hw := hardware_of(spec)) is not None:
                r["provenance"] = {"hardware": hw}
            out.append(r)
    return out


def _rows(lines: list[str]) -> dict[str, str]:
    """``{arm: runs by machine}`` of a Machines section."""
    return {line.split(" | ")[1]: line.split(" | ")[2].rstrip(" |")
            for line in lines if line.startswith("| burgers")}


def test_machine_names_device_gpu_processor_and_what_was_not_recorded():
    assert machine({"device": "cuda:1", "provenance": {"hardware": {**EPYC, "gpu": "H200"}}}) \
        == "cuda: H200"
    assert machine({"device": "cpu", "provenance": {"hardware": EPYC}}) \
        == "cpu: AMD EPYC 7B13 (family 25, model 1), AVX2"
    assert machine({"device": "cpu"}) == "cpu, processor not recorded"
    assert machine({"device": "cuda:0", "provenance": {}}) == "cuda, GPU not recorded"
    assert machine({}) == "unknown, processor not recorded"


def test_two_processors_give_a_machines_section_per_arm():
    records = _records(lambda s: "cpu", lambda s: XEON if s.expansion.n else EPYC)
    lines = machine_lines(records)
    assert "## Machines" in lines
    assert "0 configuration-arm row(s) below mix machines" in " ".join(lines)
    rows = _rows(lines)
    assert rows["baseline"] == "3 on cpu: AMD EPYC 7B13 (family 25, model 1), AVX2"
    expanded, = set(rows) - {"baseline"}
    assert rows[expanded] == ("3 on cpu: Intel Xeon Platinum 8481C (family 6, model 143), "
                                  "AVX512"), rows


def test_a_study_grown_across_machines_says_which_runs_are_unrecorded(tmp_path):
    """Seed 2 added later, on a machine that records its hardware: both arms mix."""
    records = _records(lambda s: "cpu", lambda s: EPYC if s.seed == 2 else None)
    store = RecordStore(tmp_path)
    for r in records:
        store.write(r, provenance=r.get("provenance"))
    build_report(tmp_path)
    section = (tmp_path / "report.md").read_text().split("## Machines")[1]
    assert "2 configuration-arm row(s) below mix machines" in section
    assert _rows(section.splitlines())["baseline"] == (
        "2 on cpu, processor not recorded; 1 on cpu: AMD EPYC 7B13 (family 25, model 1), AVX2")


def test_devices_alone_tell_machines_apart():
    records = _records(lambda s: "cuda:0" if s.expansion.n else "cpu", lambda s: None)
    rows = _rows(machine_lines(records))
    assert sorted(rows.values()) == ["3 on cpu, processor not recorded",
                                     "3 on cuda, GPU not recorded"]
    assert rows["baseline"] == "3 on cpu, processor not recorded"


def test_one_kind_of_machine_gives_no_section(tmp_path):
    same = _records(lambda s: f"cuda:{s.seed % 2}", lambda s: {**EPYC, "gpu": "H200"})
    assert machine_lines(same) == []
    assert machine_lines(_records(lambda s: "cpu", lambda s: None)) == []
    store = RecordStore(tmp_path)
    for r in same:
        store.write(r, provenance=r["provenance"])
    build_report(tmp_path)
    assert "## Machines" not in (tmp_path / "report.md").read_text()


def test_a_configuration_at_two_budgets_gives_a_row_per_budget():
    """Seed pairs are made per budget, so a budget axis must not pool machines across
    budgets: smoke on one processor, quick on another, and no row mixes."""
    records = _records(lambda s: "cpu", lambda s: EPYC)
    for r in _records(lambda s: "cpu", lambda s: XEON):
        r["spec"]["budget"] = "quick"
        records.append(r)
    lines = machine_lines(records)
    assert "0 configuration-arm row(s) below mix machines" in " ".join(lines)
    rows = [line for line in lines if line.startswith("| burgers")]
    assert len(rows) == 4
    assert sum("(smoke) | baseline | 3 on cpu: AMD" in line for line in rows) == 1
    assert sum("(quick) | baseline | 3 on cpu: Intel" in line for line in rows) == 1
    # ... but the held-out test between the two budgets compares the machines
    assert ("In 1 configuration(s) the baselines of its budgets ran on different machines, "
            "so the *Budget* section's held-out test between those budgets compares the "
            "machines too: burgers/pinn/fnn.") in " ".join(lines)


def test_budgets_on_one_machine_each_arm_on_its_own_give_no_budget_note():
    """Arms on two processors at two budgets, each budget's baselines on one machine: the
    rows do not mix and the held-out test compares one machine with itself."""
    records = _records(lambda s: "cpu", lambda s: XEON if s.expansion.n else EPYC)
    for r in _records(lambda s: "cpu", lambda s: XEON if s.expansion.n else EPYC):
        r["spec"]["budget"] = "quick"
        records.append(r)
    lines = machine_lines(records)
    assert "## Machines" in lines and "held-out test" not in " ".join(lines)
