"""Presets, the record store and resuming a killed study (library level)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from physym.expansion import Expansion
from physym.options import ModelOptions
from physym.runner import RunResult, RunSpec
from physym.study.store import RecordStore
from physym.study.preset import Arm, PresetError, load_preset, parse_preset
from physym.study.plan import StudyDirError, plan_study, preview_study, run_study

REPO = Path(__file__).resolve().parents[1]
TINY = """
[study]
budget = "smoke"
seeds = 2
expand = [2]
controls = ["fill0", "matched"]
config = [ { problem = "qcd_eos" } ]
"""


def test_smoke_preset_expands_to_the_documented_grid():
    preset = load_preset(str(REPO / "physym" / "studies" / "smoke.toml"))
    specs = preset.specs()
    # 3 configurations x (baseline, n=2 pi, fill 0, matched) x 2 seeds
    assert len(specs) == 24 and len({s.key() for s in specs}) == 24
    qcd = [s for s in specs if s.problem == "qcd_eos" and s.seed == 0]
    assert {(s.expansion.n, s.expansion.fill, s.options.match_params) for s in qcd} == {
        (0, math.pi, 0), (2, math.pi, 0), (2, 0.0, 0), (0, math.pi, 2)}
    assert {s.expansion.layout for s in specs if s.task == "operator"} == {"channels"}


@pytest.mark.parametrize("name", ["quick", "standard", "paper"])
def test_shipped_presets_are_valid(name):
    preset = load_preset(name)
    specs = preset.specs()
    configs = {(s.problem, s.task, s.model) for s in specs}
    assert len(configs) >= 13  # every problem/task/model that exists
    assert {s.seed for s in specs} == set(range(preset.seeds)) and preset.seeds >= 3
    assert {0, 4} <= {s.expansion.n for s in specs}


def test_paper_preset_has_the_full_grid():
    preset = load_preset("paper")
    specs = preset.specs()
    assert set(preset.expand) == {1, 2, 4, 8} and preset.seeds >= 5
    assert {round(f, 6) for f in preset.fill} == {0.5, 1.0, round(math.pi, 6)}
    assert {s.expansion.layout for s in specs if s.task == "pinn"} == {"append", "symmetric"}
    assert all(s.budget == "paper" for s in specs)
    # every PDE problem x model x method (issue 18): the 21 PINN problems under every method
    # each takes, every operator model, the QCD MLP; every control a configuration takes
    from physym.study.arms import Arm, config_label
    pinn = {(s.problem, s.method or "adam-lbfgs") for s in specs if s.task == "pinn"}
    assert len({p for p, _ in pinn}) == 21 and ("burgers", "hard-bc") in pinn
    assert {m for p, m in pinn if p == "kdv"} == {"adam-lbfgs", "adam", "laaf", "gpinn", "lra",
                                                  "rar"}
    assert {(s.problem, s.model) for s in specs if s.task == "operator"} == {
        (p, m) for p in ("burgers", "darcy", "navier_stokes")
        for m in ("fno", "tfno", "uno", "deeponet")}
    roles = {Arm.of(s).role for s in specs if config_label(s) == "burgers/pinn/fnn"}
    assert {"fill0", "matched", "bias_init", "bias_lr", "equivalent", "equivariant"} <= roles


@pytest.mark.parametrize("text, message", [
    ("[study\nseeds = 2", "not valid TOML"),
    ("[study]\nseeds = 2", "no config entries"),
    ("[study]\nseeds = 0\nconfig = [{problem = 'qcd_eos'}]", "seeds must be a positive integer"),
    ("[study]\nexpand = [-1]\nconfig = [{problem = 'qcd_eos'}]", "expand must be integers >= 1"),
    ("[study]\nexpand = []\nconfig = [{problem = 'qcd_eos'}]", "expand must be a non-empty list"),
    ("config = [{problem = 'qcd_eos', expand = [0]}]", "config 1 expand must be integers >= 1"),
    ("[study]\ndata_seed = []\nconfig = [{problem = 'qcd_eos'}]", "data_seed must be a non-empty"),
    ("[study]\nfill = ['tau']\nconfig = [{problem = 'qcd_eos'}]", "fill"),
    ("[study]\ncontrols = ['dropout']\nconfig = [{problem = 'qcd_eos'}]", "controls must be among"),
    ("[study]\nprimary = {n = 3}\nconfig = [{problem = 'qcd_eos'}]", "primary setting"),
    ("[study]\nspeed = 1\nconfig = [{problem = 'qcd_eos'}]", "unknown [study] key 'speed'"),
    ("config = [{task = 'pinn'}]", "must be a table with a 'problem'"),
    ("config = [{problem = 'qcd_eos', colour = 1}]", "unknown key 'colour'"),
    ("[study]\nbudget = 'smoke'\nbudgets = ['quick']\nconfig = [{problem = 'qcd_eos'}]",
     "give either budget or budgets"),
    ("[study]\nbudgets = []\nconfig = [{problem = 'qcd_eos'}]", "budgets must be a list"),
    ("[study]\nbudgets = ['smoke', 'smoke']\nconfig = [{problem = 'qcd_eos'}]",
     "distinct budget names"),
    ("config = [{problem = 'qcd_eos', budgets = ['smoke', 'huge']}]", "huge"),
])
def test_malformed_presets_are_refused(text, message):
    with pytest.raises(PresetError, match=message.replace("[", r"\[")):
        parse_preset(text, name="bad").specs()


@pytest.mark.parametrize("config, message", [
    ("{problem = 'nope'}", "unknown problem 'nope'"),
    ("{problem = 'burgers', models = ['fno']}", "model must be one of fnn"),
    ("{problem = 'burgers', task = 'operator', budget_overrides = {epoch = 2}}",
     "unknown budget field 'epoch'"),
    ("{problem = 'qcd_eos', params = {noise = -1}}", "noise"),
])
def test_configs_are_validated_before_anything_runs(config, message):
    preset = parse_preset(f"[study]\nbudget = 'smoke'\nconfig = [{config}]", name="bad")
    with pytest.raises(PresetError, match=f"config 1.*{message}"):
        preset.specs()


def test_budget_axis_runs_every_configuration_at_each_budget():
    text = """[study]
budgets = ["smoke", "quick"]
seeds = 2
controls = []
config = [{ problem = "qcd_eos" }, { problem = "burgers", budget = "smoke" }]
"""
    specs = parse_preset(text, name="axis").specs()
    qcd = [s for s in specs if s.problem == "qcd_eos"]
    assert sorted({s.budget for s in qcd}) == ["quick", "smoke"] and len(qcd) == 2 * 2 * 2
    # a config's own budget wins over the preset's axis
    assert {s.budget for s in specs if s.problem == "burgers"} == {"smoke"}


def test_a_line_with_no_expansion_and_no_controls_runs_the_baseline_alone():
    """The longer budget of the held-out test needs the baseline only (issue 18)."""
    text = """[study]
budget = "smoke"
seeds = 2
controls = ["fill0"]
config = [{ problem = "qcd_eos" },
          { problem = "qcd_eos", budget = "quick", expand = [], controls = [] }]
"""
    specs = parse_preset(text, name="held-out").specs()
    assert {(s.budget, Arm.of(s).label) for s in specs} == {
        ("smoke", "baseline"), ("smoke", "n=4 fill=3.142 append"),
        ("smoke", "n=4 fill=0 append"), ("quick", "baseline")}
    assert sum(s.budget == "quick" for s in specs) == 2  # one per seed


def test_all_methods_and_all_controls_take_what_each_configuration_can():
    """methods = "all": hard-bc only where the problem declares an ansatz; controls = "all":
    equivariant only with declared symmetries, the bias controls only through a linear
    first map (not the interleaved images)."""
    from physym.runner import methods_for
    from physym.registry import get_problem

    text = """[study]
budget = "smoke"
seeds = 1
methods = "all"
controls = "all"
config = [{ problem = "burgers", task = "pinn" }, { problem = "allen_cahn" },
          { problem = "darcy", task = "operator", models = ["fno"] },
          { problem = "digits", models = ["cnn"], fill = [0.5] }]
"""
    specs = parse_preset(text, name="all").specs()
    by = {}
    for s in specs:
        by.setdefault((s.problem, s.model), set()).add((s.method or "adam-lbfgs", Arm.of(s).role))
    burgers = {m for m, _ in by[("burgers", "fnn")]}
    allen = {m for m, _ in by[("allen_cahn", "fnn")]}
    assert "hard-bc" in burgers and "hard-bc" not in allen
    assert allen == set(methods_for(get_problem("allen_cahn").task()()))
    roles = lambda key: {r for _, r in by[key]}  # noqa: E731
    assert {"fill0", "matched", "bias_init", "bias_lr", "equivalent", "equivariant"} <= \
        roles(("burgers", "fnn"))
    assert {"bias_init", "equivalent", "equivariant"} <= roles(("darcy", "fno"))
    assert not {"bias_init", "bias_lr", "equivalent", "equivariant"} & roles(("digits", "cnn"))
    assert "fill0" in roles(("digits", "cnn"))


def test_unknown_preset_names_the_available_ones():
    with pytest.raises(PresetError, match="unknown preset 'nope'; available: .*smoke"):
        load_preset("nope")


def _record(seed: int, error: float) -> dict:
    spec = RunSpec("qcd_eos", "regression", "mlp", Expansion(2), seed, "smoke",
                   options=ModelOptions())
    return RunResult(spec, "ok", error=error, n_params=10).to_dict()


def test_store_detects_every_kind_of_corruption(tmp_path):
    store = RecordStore(tmp_path)
    paths = [store.write(_record(s, 0.1 * (s + 1))) for s in range(5)]
    records, problems = store.load()
    assert len(records) == 5 and problems == []
    tampered = json.loads(paths[0].read_text())
    tampered["error"] = 0.001  # a better number typed in by hand
    paths[0].write_text(json.dumps(tampered))
    paths[1].write_text(paths[1].read_text()[:40])  # truncated write
    wrong = json.loads(paths[3].read_text())
    paths[2].write_text(json.dumps(wrong))  # another run's record under this key
    paths[4].write_text("[1, 2]")
    records, problems = store.load()
    assert list(records) == [paths[3].stem] and len(problems) == 4
    reasons = " ".join(problems)
    for word in ("checksum", "unreadable JSON", "does not match the file name", "not a JSON object"):
        assert word in reasons
    assert len(list((tmp_path / "records" / "corrupt").iterdir())) == 4


class _Killed(Exception):
    pass


def test_a_killed_study_resumes_without_redoing_or_losing_runs(tmp_path):
    preset = parse_preset(TINY, name="tiny")
    plan = plan_study(preset, tmp_path)
    assert len(plan.todo) == 8 and not plan.resumed
    seen = []

    def kill_after_three(record):
        seen.append(record["key"])
        if len(seen) == 3:
            raise _Killed

    with pytest.raises(_Killed):
        run_study(plan, device="cpu", threads=1, on_record=kill_after_three)
    before = {p.name: p.read_bytes() for p in (tmp_path / "records").glob("*.json")}
    assert sorted(before) == sorted(f"{k}.json" for k in seen)  # written as they arrived
    plan = plan_study(preset, tmp_path, resume=True)
    assert len(plan.done) == 3 and len(plan.todo) == 5 and plan.resumed
    assert not {s.key() for s in plan.todo} & set(seen)
    counts = run_study(plan, device="cpu", threads=1)
    assert counts == {"ok": 5, "failed": 0, "skipped": 3}
    after = {p.name: p.read_bytes() for p in (tmp_path / "records").glob("*.json")}
    assert len(after) == 8 and all(after[name] == data for name, data in before.items())
    assert plan_study(preset, tmp_path).todo == []


def test_a_directory_of_another_study_is_refused(tmp_path):
    plan_study(parse_preset(TINY, name="tiny"), tmp_path)
    other = parse_preset(TINY.replace("seeds = 2", "seeds = 3"), name="tiny3")
    for plan in (plan_study, preview_study):
        with pytest.raises(StudyDirError, match="holds another study"):
            plan(other, tmp_path)
    for plan in (plan_study, preview_study):
        with pytest.raises(StudyDirError, match="nothing to resume"):
            plan(other, tmp_path / "empty", resume=True)


def test_grow_adds_an_edited_presets_runs_and_keeps_the_study(tmp_path):
    small = parse_preset(TINY.replace("seeds = 2", "seeds = 1"), name="tiny")
    run_study(plan_study(small, tmp_path), device="cpu", threads=1)
    created = json.loads((tmp_path / "study.json").read_text())["created"]
    before = {p.name: p.read_bytes() for p in (tmp_path / "records").glob("*.json")}
    assert len(before) == 4
    big = parse_preset(TINY, name="tiny")  # the same preset with a second seed
    with pytest.raises(StudyDirError, match="or --grow if this preset only adds runs"):
        plan_study(big, tmp_path)
    view = preview_study(big, tmp_path, grow=True)
    assert len(view.done) == 4 and len(view.todo) == 4 and not view.stale
    assert {s.seed for s in view.todo} == {1}
    plan = plan_study(big, tmp_path, grow=True)
    meta = json.loads((tmp_path / "study.json").read_text())
    assert meta["created"] == created == plan.created
    assert sorted(meta["keys"]) == sorted(s.key() for s in big.specs())
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "records").glob("*.json")}
    # refused, with nothing written: another preset's study, a preset that drops runs, none
    study_file = (tmp_path / "study.json").read_bytes()
    dropping = TINY.replace("expand = [2]", "expand = [4]")  # drops the n = 2 arms
    three = TINY.replace("seeds = 2", "seeds = 3")
    for other, match in [(parse_preset(three, name="other"), "holds a study of preset 'tiny'"),
                         (parse_preset(dropping, name="tiny"), "only adds runs: 6 of the 8")]:
        with pytest.raises(StudyDirError, match=match):
            plan_study(other, tmp_path, grow=True)
    assert (tmp_path / "study.json").read_bytes() == study_file
    with pytest.raises(StudyDirError, match="nothing to grow"):
        preview_study(big, tmp_path / "empty", grow=True)


def test_methods_axis_makes_one_configuration_per_pinn_method():
    from physym.study.preset import config_key, config_label

    preset = parse_preset("""
[study]
budget = "smoke"
seeds = 2
expand = [2]
controls = ["fill0"]
methods = ["adam-lbfgs", "laaf"]
config = [ { problem = "burgers" }, { problem = "qcd_eos" },
           { problem = "wave1d", methods = ["rar"] } ]
""", name="m")
    specs = preset.specs()
    labels = sorted({config_label(s) for s in specs})
    assert labels == ["burgers/pinn/fnn", "burgers/pinn/fnn+laaf", "qcd_eos/regression/mlp",
                      "wave1d/pinn/fnn+rar"]
    assert len({config_key(s) for s in specs}) == 4 and len(specs) == 4 * 3 * 2
    # "adam-lbfgs" is the default: the same keys as a preset that names no method
    plain = parse_preset(TINY.replace("qcd_eos", "burgers").replace('"matched"', '"fill0"'),
                         name="p")
    burgers = {s.key() for s in specs if config_label(s) == "burgers/pinn/fnn"}
    assert {s.key() for s in plain.specs()} == burgers
    bad = preset.__class__(**{**preset.__dict__, "methods": ("sgd",)})
    with pytest.raises(PresetError, match="method must be one of"):
        bad.specs()
    with pytest.raises(PresetError, match="methods must be a non-empty list"):
        parse_preset('[study]\nmethods = "laaf"\nconfig = [ { problem = "burgers" } ]', name="b")


def test_engine_key_trains_pinn_configurations_with_that_engine():
    from physym.study.preset import config_key, config_label

    text = """
[study]
budget = "smoke"
seeds = 1
expand = [2]
controls = ["fill0"]
engine = "jet"
config = [ { problem = "burgers" }, { problem = "qcd_eos" },
           { problem = "wave1d", engine = "deepxde" } ]
"""
    specs = parse_preset(text, name="e").specs()
    engines = {config_label(s): s.engine for s in specs}
    assert engines == {"burgers/pinn/fnn [engine=jet]": "jet", "qcd_eos/regression/mlp": None,
                       "wave1d/pinn/fnn": None}
    # "deepxde" is the default: the same keys as a preset that names no engine
    plain = parse_preset(text.replace('engine = "jet"\n', ""), name="p").specs()
    wave = {s.key() for s in specs if s.problem == "wave1d"}
    assert wave == {s.key() for s in plain if s.problem == "wave1d"}
    burgers = {config_key(s) for s in specs if s.problem == "burgers"}
    assert burgers.isdisjoint({config_key(s) for s in plain})
    with pytest.raises(PresetError, match="engine must be one of deepxde, jet, got 'fast'"):
        parse_preset(text.replace('engine = "jet"', 'engine = "fast"'), name="b")
    with pytest.raises(PresetError, match="config 1 engine must be one of"):
        parse_preset('[study]\nconfig = [ { problem = "burgers", engine = 3 } ]', name="b")


def test_a_record_of_a_changed_budget_is_set_aside_and_redone(tmp_path):
    """A budget name whose settings changed since a record was written (the key names the
    budget, not its settings): the record goes to records/stale and the run is redone."""
    preset = parse_preset(TINY, name="tiny")
    plan = plan_study(preset, tmp_path)
    run_study(plan, device="cpu", threads=1)
    store = RecordStore(tmp_path)
    records, _ = store.load()
    key, record = sorted(records.items())[0]
    assert record["budget_settings"]["adam_iterations"] > 0
    old = dict(record, budget_settings=dict(record["budget_settings"], adam_iterations=1))
    store.write(old)
    broken = sorted(records)[1]
    store.path(broken).write_text("{")  # and a corrupt record
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    # the dry run's preview says what the plan will do, and writes or moves nothing
    view = preview_study(preset, tmp_path, resume=True)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files
    plan = plan_study(preset, tmp_path, resume=True)
    assert plan.stale == view.stale == [key]
    assert sorted(s.key() for s in plan.todo) == sorted(s.key() for s in view.todo) \
        == sorted([key, broken])
    assert sorted(plan.done) == sorted(view.done) and len(plan.done) == 6
    assert len(plan.corrupt) == len(view.corrupt) == 1
    assert len(list((tmp_path / "records" / "stale").glob(f"{key}.*.json"))) == 1


def test_resuming_keeps_the_creation_date_and_records_say_what_software_ran_them(tmp_path):
    import importlib.metadata
    import platform

    import torch

    from physym.study.executors import VERSIONED

    preset = parse_preset(TINY, name="tiny")
    plan_study(preset, tmp_path)
    meta = tmp_path / "study.json"
    first = json.loads(meta.read_text())
    meta.write_text(json.dumps({**first, "created": "2000-01-01T00:00:00+00:00"}))
    plan = plan_study(preset, tmp_path)
    again = json.loads(meta.read_text())
    assert again["created"] == "2000-01-01T00:00:00+00:00" and again["planned"] > again["created"]
    plan.todo[:] = plan.todo[:1]
    run_study(plan, device="cpu", threads=1)
    (record,) = [json.loads(p.read_text()) for p in (tmp_path / "records").glob("*.json")]
    versions = record["provenance"]["versions"]
    assert set(versions) == {"python", *VERSIONED}
    assert versions["python"] == platform.python_version()
    assert versions["torch"] == importlib.metadata.version("torch")
    assert versions["deepxde"] == importlib.metadata.version("deepxde")
    # the processor too: another instruction set sums float32 in another order
    hardware = record["provenance"]["hardware"]
    assert hardware["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert hardware["cpu"] and "gpu" not in hardware


def test_prepare_data_solves_each_pinn_reference_once_before_the_runs(tmp_path, monkeypatch):
    from physym.study.plan import prepare_data

    monkeypatch.setenv("PHYSYM_DATA", str(tmp_path))
    specs = [RunSpec("lid_driven_cavity", "pinn", "fnn", Expansion(n), seed, "smoke")
             for n in (0, 4) for seed in (0, 1)]
    specs.append(RunSpec("wave1d", "pinn", "fnn", Expansion(0), 0, "smoke"))  # exact: no file
    messages = []
    assert prepare_data(specs, progress=messages.append) == 2
    assert [m.split()[1] for m in messages] == ["lid_driven_cavity", "wave1d"]
    (cached,) = tmp_path.glob("reference-lid_driven_cavity-*.h5")
    before = cached.stat().st_mtime_ns
    assert prepare_data(specs) == 2 and cached.stat().st_mtime_ns == before  # read, not redone


def test_budget_labels_parse_back_to_their_name_and_overrides():
    from physym.expansion import Expansion
    from physym.runner import RunSpec
    from physym.study.arms import budget_label, parse_budget_label

    over = (("adam_iterations", "6000"), ("lbfgs_iterations", "40000"))
    spec = RunSpec("darcy", "pinn", "fnn", Expansion(0), 0, "quick", budget_overrides=over)
    assert budget_label(spec) == "quick [adam_iterations=6000, lbfgs_iterations=40000]"
    assert parse_budget_label(budget_label(spec)) == ("quick", dict(over))
    assert parse_budget_label("standard") == ("standard", {})
