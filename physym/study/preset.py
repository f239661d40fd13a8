"""Study presets: a grid of :class:`~physym.runner.RunSpec` over problem × task × model ×
expansion × fill × layout × seed, with the controls, read from a TOML file.

A preset is a TOML file: one of those shipped with physym (``physym/studies/NAME.toml``,
read with :mod:`importlib.resources`: ``smoke``, ``quick``, ``paper``) or a user's own file
given by its path. It looks like::

    [study]
    description = "every configuration, n in {0, 4}, 3 seeds"
    budget = "quick"            # budget name of every run (a config may override it)
    seeds = 3                   # model seeds 0 .. seeds-1, paired across arms
    expand = [4]                # n > 0 values; n = 0 (the baseline) is always run
    fill = ["pi"]               # floats or "pi" / "e"
    layouts = "default"         # "default" (the task's first layout) or "all" (coordinate nets)
    controls = ["fill0", "matched"]
    primary = { n = 4, fill = "pi" }   # the pre-registered setting of the headline
    alpha = 0.05

    config = [                  # one line per configuration ([[config]] tables work too)
        { problem = "burgers", task = "pinn" },
        { problem = "darcy", task = "operator", models = ["fno", "uno"],
          budget_overrides = { epochs = 20 } },
    ]

Each entry of ``config`` is one line: ``problem`` (a registry name or ``file.py:Class``),
optional ``task``, ``models`` (default: every model of the task), ``params``, ``budget``,
``budget_overrides``, ``data_seed``, and per-config ``expand``/``fill``/``seeds``/``controls``/
``methods``. ``expand = []`` with ``controls = []`` runs a configuration's baseline alone: the
longer budget of the held-out convergence test (:mod:`physym.convergence`), which needs no
expanded arm. Such a line has no primary arm, so the headline does not count it.

``methods = ["adam-lbfgs", "laaf"]`` (in ``[study]`` for every PINN configuration, or per
config) trains each PINN configuration once per training method
(:mod:`physym.models.pinn_methods`); each method is its own configuration in the report,
labelled ``problem/pinn/fnn+method``. Without it PINNs use the default ``adam-lbfgs``.

``budgets = ["quick", "standard"]`` (instead of ``budget``) is the budget axis: each budget
its own configuration, compared in the report's "Budget" section.

``engine = "jet"`` (in ``[study]`` or per config) trains the PINN configurations with the jet
engine (:mod:`physym.models.pinn_engine`; runs it cannot train fall back to DeepXDE and say
so in their record). Operator and regression configurations ignore it. The engine is part of
a run's key, so a study keeps the records of one engine apart from the other's.

The controls (``fill0``, ``matched``, the bias-equivalent ``bias_init``, ``bias_lr`` and
``equivalent``, and ``equivariant``) are baselines built by :meth:`Preset._arms`; docs/study.md
says what each one controls for. ``controls`` defaults to ``["fill0", "matched"]``.
``methods = "all"`` and ``controls = "all"`` mean every method and every control that a
configuration can take (``hard-bc`` only with an ansatz, ``equivariant`` only with declared
symmetries, the bias controls only where constants enter a linear first map).
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import itertools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from physym.expansion import COORDINATE_LAYOUTS, Expansion
from physym.options import ModelOptions
from physym.registry import get_problem
from physym.runner import RunSpec, methods_for, prepare
from physym.study._fields import (ALL, CONTROLS, PresetError, budget_list, control_list,
                                  engine_name, fill_list, int_list, method_list, positive_int,
                                  str_pairs)
from physym.study.arms import Arm, arm_label, config_key, config_label

__all__ = ["Preset", "ConfigEntry", "Arm", "load_preset", "find_preset", "available_presets",
           "arm_label", "config_key", "config_label", "PresetError", "CONTROLS", "ALL"]

#: The controls of a preset that names none (the bias-equivalent ones are asked for).
DEFAULT_CONTROLS = ("fill0", "matched")
#: The bias-equivalent controls and their (bias_init, bias_lr) switches.
BIAS_CONTROL_SWITCHES = {"bias_init": (True, False), "bias_lr": (False, True),
                         "equivalent": (True, True)}
_STUDY_KEYS = {"description", "budget", "budgets", "seeds", "expand", "fill", "layouts",
               "controls", "primary", "alpha", "data_seed", "methods", "engine"}
_CONFIG_KEYS = {"problem", "task", "models", "params", "budget", "budgets", "budget_overrides",
                "data_seed", "expand", "fill", "seeds", "layouts", "controls", "methods",
                "engine"}


@dataclass(frozen=True)
class ConfigEntry:
    """One model configuration line of a preset, before expansion over models and arms."""

    problem: str
    task: str | None = None
    models: tuple[str, ...] | None = None
    params: tuple[tuple[str, str], ...] = ()
    budget: str | None = None
    budgets: tuple[str, ...] | None = None  # its own budget axis
    budget_overrides: tuple[tuple[str, str], ...] = ()
    data_seed: int | None = None
    expand: tuple[int, ...] | None = None
    fill: tuple[float, ...] | None = None
    seeds: int | None = None
    layouts: str | None = None
    controls: tuple[str, ...] | None = None  # when they differ from the preset's
    methods: tuple[str, ...] | None = None  # PINN training methods, each a configuration
    engine: str | None = None  # PINN training engine, when it differs from the preset's


@dataclass(frozen=True)
class Preset:
    """A parsed study preset. :meth:`specs` expands it into the runs of the study."""

    name: str
    description: str
    budget: str
    seeds: int
    expand: tuple[int, ...]
    fill: tuple[float, ...]
    layouts: str
    controls: tuple[str, ...]
    primary_n: int
    primary_fill: float
    alpha: float
    data_seed: int
    configs: tuple[ConfigEntry, ...] = field(default=())
    source: str = ""
    methods: tuple[str, ...] = ()  # PINN configs: one configuration per method ("" = default)
    engine: str | None = None  # PINN configs: the training engine (None = the default)
    budgets: tuple[str, ...] = ()  # the budget axis: every config at each (empty = `budget`)

    def analysis(self) -> dict[str, Any]:
        """What the statistics need besides the records (stored in ``study.json``)."""
        return {"primary_n": self.primary_n, "primary_fill": self.primary_fill,
                "alpha": self.alpha}

    def specs(self) -> list[RunSpec]:
        """Every run of the study, validated (``PresetError`` names the bad config)."""
        specs: list[RunSpec] = []
        for i, entry in enumerate(self.configs):
            try:
                specs.extend(self._entry_specs(entry))
            except ValueError as exc:
                raise PresetError(f"preset {self.name!r}, config {i + 1} "
                                  f"({entry.problem}): {exc}") from None
        seen: dict[str, RunSpec] = {}
        for spec in specs:
            seen.setdefault(spec.key(), spec)
        return list(seen.values())

    def _arms(self, entry: ConfigEntry,
              layouts_of_model: tuple[str, ...]) -> list[tuple[Expansion, ModelOptions]]:
        """The arms of one model of a config: baseline, expanded settings, controls (all of
        them for ``controls = "all"``; :meth:`_entry_specs` then drops those the model
        cannot take)."""
        default_layout = layouts_of_model[0]
        layout_mode = entry.layouts or self.layouts
        if layout_mode == "all":
            layouts = ([lay for lay in layouts_of_model if lay in COORDINATE_LAYOUTS]
                       or [default_layout])
        else:
            layouts = [default_layout]
        expand = entry.expand if entry.expand is not None else self.expand
        fills = entry.fill if entry.fill is not None else self.fill
        arms: list[tuple[Expansion, ModelOptions]] = [(Expansion(0, layout=default_layout),
                                                       ModelOptions())]
        arms += [(Expansion(n, fill, lay), ModelOptions())
                 for n in expand for fill in fills for lay in layouts]
        controls = self.controls if entry.controls is None else entry.controls
        if controls == ALL:
            controls = CONTROLS
        if "fill0" in controls:
            arms.append((Expansion(self.primary_n, 0.0, default_layout), ModelOptions()))
        if "matched" in controls:
            arms.append((Expansion(0, layout=default_layout),
                         ModelOptions(match_params=self.primary_n)))
        for control, (init, lr) in BIAS_CONTROL_SWITCHES.items():
            if control in controls:
                arms.append((Expansion(0, layout=default_layout),
                             ModelOptions(bias_init=init, bias_lr=lr, bias_n=self.primary_n,
                                          bias_fill=self.primary_fill)))
        if "equivariant" in controls:  # the symmetry built in, without expansion
            arms.append((Expansion(0, layout=default_layout), ModelOptions(equivariant=True)))
        return arms

    def _entry_specs(self, entry: ConfigEntry) -> list[RunSpec]:
        family = get_problem(entry.problem)
        cls = family.task(entry.task)
        task = entry.task or family.default_task
        models = entry.models or cls.models
        unknown = [m for m in models if m not in cls.models]
        if unknown:
            raise ValueError(f"model must be one of {', '.join(cls.models)}, got {unknown[0]!r}")
        seeds = entry.seeds if entry.seeds is not None else self.seeds
        methods = entry.methods if entry.methods is not None else (
            self.methods if cls.kind == "pinn" else ())
        engine = (entry.engine or self.engine) if cls.kind == "pinn" else None
        optional = (self.controls if entry.controls is None else entry.controls) == ALL
        budgets = (entry.budgets or ((entry.budget,) if entry.budget else None)
                   or self.budgets or (self.budget,))
        out = []
        if methods == ALL:
            methods = tuple(methods_for(prepare(RunSpec(entry.problem, task, models[0],
                                                         params=entry.params))[0]))
        for model, method, budget in itertools.product(models, methods or (None,), budgets):
            base = RunSpec(
                problem=entry.problem, task=task, model=model, budget=budget,
                params=entry.params, budget_overrides=entry.budget_overrides,
                data_seed=self.data_seed if entry.data_seed is None else entry.data_seed,
                method=method or None, engine=engine,
            )
            for expansion, options in self._arms(entry, cls.layouts_for(model)):
                first = dataclasses.replace(base, expansion=expansion, options=options)
                try:
                    prepare(first)  # validates problem, task, model, layout, budget, params
                except ValueError:
                    if optional and options != ModelOptions():
                        continue  # a control this model cannot take (controls = "all")
                    raise
                out += [dataclasses.replace(first, seed=s) for s in range(seeds)]
        return out


# --------------------------------------------------------------------------------------------
# reading presets


def _config(raw: Any, i: int) -> ConfigEntry:
    if not isinstance(raw, dict) or "problem" not in raw:
        raise PresetError(f"config {i + 1} must be a table with a 'problem', got {raw!r}")
    unknown = set(raw) - _CONFIG_KEYS
    if unknown:
        raise PresetError(f"config {i + 1}: unknown key {sorted(unknown)[0]!r}; "
                          f"allowed: {', '.join(sorted(_CONFIG_KEYS))}")
    models = raw.get("models")
    if models is not None and (not isinstance(models, list) or not models
                               or not all(isinstance(m, str) for m in models)):
        raise PresetError(f"config {i + 1}: models must be a list of model names, got {models!r}")
    return ConfigEntry(
        problem=str(raw["problem"]), task=raw.get("task"),
        models=tuple(models) if models else None,
        params=str_pairs(raw.get("params", {}), f"config {i + 1} params"),
        budget=raw.get("budget"),
        budgets=budget_list(raw, f"config {i + 1}") or None,
        budget_overrides=str_pairs(raw.get("budget_overrides", {}),
                                    f"config {i + 1} budget_overrides"),
        data_seed=int_list(raw["data_seed"], "data_seed")[0] if "data_seed" in raw else None,
        expand=(int_list(raw["expand"], f"config {i + 1} expand", minimum=1, empty=True)
                if "expand" in raw else None),
        fill=fill_list(raw["fill"], "fill") if "fill" in raw else None,
        seeds=positive_int(raw["seeds"], "seeds") if "seeds" in raw else None,
        layouts=raw.get("layouts"),
        controls=control_list(raw["controls"], f"config {i + 1} controls") if "controls" in raw else None,
        methods=method_list(raw["methods"], f"config {i + 1} methods") if "methods" in raw else None,
        engine=engine_name(raw["engine"], f"config {i + 1} engine") if "engine" in raw else None,
    )


def parse_preset(text: str, *, name: str, source: str = "") -> Preset:
    """Parse the TOML text of a preset (``PresetError`` on any malformed field)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"preset {name!r} is not valid TOML: {exc}") from None
    unknown_top = set(doc) - {"study", "config"}
    if unknown_top:
        raise PresetError(f"preset {name!r}: unknown section {sorted(unknown_top)[0]!r}; "
                          "allowed: study, config")
    study = dict(doc.get("study", {}))
    # `config = [...]` written after the [study] header lands inside it: accept it there too
    if "config" in study and "config" in doc:
        raise PresetError(f"preset {name!r} defines config twice (top level and in [study])")
    configs = doc.get("config", study.pop("config", None))
    unknown = set(study) - _STUDY_KEYS
    if unknown:
        raise PresetError(f"preset {name!r}: unknown [study] key {sorted(unknown)[0]!r}; "
                          f"allowed: {', '.join(sorted(_STUDY_KEYS))}")
    if not isinstance(configs, list) or not configs:
        raise PresetError(f"preset {name!r} has no config entries (config = [{{problem = ...}}])")
    expand = int_list(study.get("expand", [4]), "expand", minimum=1)
    fills = fill_list(study.get("fill", ["pi"]), "fill")
    controls = control_list(study.get("controls", list(DEFAULT_CONTROLS)), "controls")
    layouts = study.get("layouts", "default")
    if layouts not in ("default", "all"):
        raise PresetError(f"layouts must be 'default' or 'all', got {layouts!r}")
    primary = study.get("primary", {})
    if not isinstance(primary, dict):
        raise PresetError(f"primary must be a table {{ n = 4, fill = \"pi\" }}, got {primary!r}")
    primary_n = int_list(primary.get("n", max(expand)), "primary n", minimum=1)[0]
    primary_fill = fill_list(primary.get("fill", fills[0]), "primary fill")[0]
    if primary_n not in expand or not any(math.isclose(primary_fill, f) for f in fills):
        raise PresetError(f"the primary setting n={primary_n}, fill={primary_fill:g} must be "
                          "one of the grid's expand and fill values")
    alpha = study.get("alpha", 0.05)
    if not isinstance(alpha, float) or not 0.0 < alpha < 0.5:
        raise PresetError(f"alpha must be a float in (0, 0.5), got {alpha!r}")
    return Preset(
        name=name, description=str(study.get("description", "")),
        budget=str(study.get("budget", "quick")),
        seeds=positive_int(study.get("seeds", 3), "seeds"),
        expand=expand, fill=fills, layouts=layouts, controls=controls,
        methods=method_list(study["methods"], "methods") if "methods" in study else (),
        engine=engine_name(study["engine"], "engine") if "engine" in study else None,
        budgets=budget_list(study, f"preset {name!r}"),
        primary_n=primary_n, primary_fill=primary_fill, alpha=alpha,
        data_seed=int_list(study.get("data_seed", 0), "data_seed")[0],
        configs=tuple(_config(c, i) for i, c in enumerate(configs)), source=source,
    )


def _shipped() -> Any:
    """The folder of the presets shipped with physym (package data, ``physym/studies``)."""
    return importlib.resources.files("physym") / "studies"


def available_presets() -> list[str]:
    """Names of the presets shipped with physym."""
    return sorted(p.name[:-5] for p in _shipped().iterdir() if p.name.endswith(".toml"))


def find_preset(name: str) -> Any:
    """The file of preset ``name``: a shipped preset's name, or a path to a ``.toml`` file.

    Returns a :class:`pathlib.Path` for a file given by path, and an
    :class:`importlib.resources.abc.Traversable` for a shipped preset.
    """
    path = Path(name)
    if path.suffix == ".toml" or path.is_file() or "/" in name or "\\" in name:
        if not path.is_file():
            raise PresetError(f"preset file {name!r} does not exist")
        return path
    candidate = _shipped() / f"{name}.toml"
    if candidate.is_file():
        return candidate
    raise PresetError(f"unknown preset {name!r}; available: "
                      f"{', '.join(available_presets()) or 'none found'} "
                      "(or give a path to a .toml file)")


def load_preset(name: str) -> Preset:
    """Find, read and parse a preset (``PresetError`` with a one-line reason otherwise)."""
    path = find_preset(name)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(f"cannot read preset {str(path)!r}: {exc}") from None
    stem = path.name[:-5] if path.name.endswith(".toml") else path.name
    source = str(path) if isinstance(path, Path) else f"physym/studies/{path.name}"
    return parse_preset(text, name=stem, source=source)
