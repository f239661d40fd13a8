"""Runs: ``RunSpec -> RunResult``, and :func:`compare` for the two arms of an experiment.

A run is a pure function of its :class:`RunSpec` (on a given device): the problem builds its
own data deterministically from ``data_seed`` and the model is initialised from ``seed``.
The two arms of a comparison share every field of the spec except ``expansion.n``.

The runner trains nothing itself: :data:`ADAPTERS` maps each problem kind to its adapter
(:class:`~physym.models.Adapter`) in :mod:`physym.models`, and every run, measurement and
study goes through that one table.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import torch

from physym.expansion import Expansion
from physym.io import DataFileError
from physym.models import Adapter
from physym.models import classification as _classification
from physym.models import operator as _operator
from physym.models import pinn as _pinn
from physym.models import regression as _regression
from physym.options import ModelOptions
from physym.problem import Problem, ProblemFamily, TrainingDiverged
from physym.registry import get_problem, reference
from physym.resources import check_memory
from physym.spec import RunSpec, parse_params, replace_fields

__all__ = ["ADAPTERS", "RunSpec", "RunResult", "Comparison", "run", "compare", "resolve_device",
           "prepare", "adapter_for", "methods_for", "resolve_budget", "training_budget"]

#: Problem kind -> its adapter: the one place that knows which code trains which kind.
ADAPTERS: Mapping[str, Adapter] = {
    a.kind: a for a in (_pinn.ADAPTER, _operator.ADAPTER, _regression.ADAPTER,
                        _classification.ADAPTER)
}

logger = logging.getLogger(__name__)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"``; ``"cuda"`` or ``"cuda:i"``.

    Raises
    ------
    ValueError
        For an unknown device string or CUDA that is not available.
    """
    if isinstance(device, torch.device):
        return device
    text = str(device).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        index = text.partition(":")[2]
        if index and not index.isdigit():
            raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {device!r}")
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available; use auto or cpu")
        if index and int(index) >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r} does not exist; {torch.cuda.device_count()} CUDA device(s)"
            )
        return torch.device(text)
    raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {device!r}")


@dataclass
class RunResult:
    """Outcome of one run. ``status`` is ``"ok"`` or ``"failed"`` (with ``reason``)."""

    spec: RunSpec
    status: str
    error: float = math.nan
    metrics: dict[str, float] = field(default_factory=dict)
    n_params: int = 0
    train_time: float = math.nan
    data_fingerprint: str = ""
    device: str = "cpu"
    reason: str | None = None
    training: dict[str, Any] | None = None
    budget_settings: dict[str, Any] | None = None
    prediction: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (without the prediction array)."""
        return {
            "key": self.spec.key(), "spec": self.spec.to_dict(), "status": self.status,
            "error": self.error, "metrics": self.metrics, "n_params": self.n_params,
            "train_time": self.train_time, "data_fingerprint": self.data_fingerprint,
            "device": self.device, "reason": self.reason,
            **({} if self.training is None else {"training": self.training}),
            **({} if self.budget_settings is None else {"budget_settings": self.budget_settings}),
        }


def adapter_for(problem: Problem | type[Problem]) -> Adapter:
    """The adapter that trains problems of ``problem``'s kind (``ValueError`` if none)."""
    kind = getattr(problem, "kind", None)
    if kind not in ADAPTERS:
        raise ValueError(f"no adapter for problem kind {kind!r}; known: {', '.join(ADAPTERS)}")
    return ADAPTERS[kind]


def methods_for(problem: Problem) -> list[str]:
    """The training methods of ``problem``'s adapter that it takes (``hard-bc`` only with an
    ansatz, for example); empty for kinds without methods."""
    adapter = adapter_for(problem)
    ok = []
    for method in adapter.methods:
        try:
            adapter.check_method(problem, method, None)
        except ValueError:
            continue
        ok.append(method)
    return ok


def resolve_budget(spec: RunSpec, problem: Problem) -> Any:
    """The budget of ``spec`` for ``problem`` (an instance of its task): the named budget
    with ``spec.budget_overrides`` applied (``ValueError`` for an unknown field). It is what
    a run record stores as ``budget_settings``."""
    budget = problem.budget(spec.budget)
    if spec.budget_overrides:
        budget = replace_fields(budget, dict(spec.budget_overrides), what="budget field")
    return budget


def training_budget(spec: RunSpec) -> Any:
    """The budget ``spec`` trains under: :func:`resolve_budget` with its training method
    applied (the adapter's ``method_budget``: a PINN's ``adam`` has no L-BFGS phase).
    Validates nothing else, so a report can read it for any recorded spec whose problem
    is still installed (``ValueError`` or ``KeyError`` otherwise)."""
    cls = get_problem(spec.problem).task(spec.task)
    problem = cls(parse_params(cls.Params, dict(spec.params)))
    return adapter_for(problem).method_budget(resolve_budget(spec, problem), spec.method)


def prepare(spec: RunSpec) -> tuple[Problem, str, Any]:
    """Resolve a spec to ``(problem instance, model name, budget)`` and validate it.

    Raises
    ------
    ValueError
        For an unknown problem, task, model, budget, parameter, a layout or option the
        model cannot take, a missing data file, or a run whose estimated memory
        (``Adapter.memory``) exceeds what the machine has; the message names the value and
        what is allowed.
    """
    family = get_problem(spec.problem)
    cls = family.task(spec.task)
    params = parse_params(cls.Params, dict(spec.params))
    problem = cls(params)
    model = spec.model or cls.models[0]
    if model not in cls.models:
        raise ValueError(
            f"model must be one of {', '.join(cls.models)} for {family.name} "
            f"task {cls.kind}, got {model!r}"
        )
    spec.expansion.check_for(spec.expansion.kind, allowed=cls.layouts_for(model))
    spec.options.check_for(model=model, supported=adapter_for(problem).options_of(model),
                           expansion=spec.expansion)
    adapter = adapter_for(problem)
    if spec.options.equivariant and not problem.symmetries():
        raise ValueError(f"the equivariant technique needs a problem that declares the "
                         f"symmetries of its solution; {family.name} task {cls.kind} declares "
                         f"none (`physym problems` lists the symmetries each task declares)")
    if spec.method is not None and not adapter.methods:
        raise ValueError(f"--method applies to PINN tasks, not to the {cls.kind} task of "
                         f"{family.name}")
    if adapter.check_method is not None:
        adapter.check_method(problem, spec.method, spec.options)
    if spec.engine is not None and spec.engine not in adapter.engines:
        raise ValueError(f"--engine {spec.engine} applies to PINN tasks, not to the {cls.kind} "
                         f"task of {family.name}")
    if adapter.check_model is not None:
        adapter.check_model(model)
    budget = resolve_budget(spec, problem)
    if spec.data is not None:
        what = cls.accepts_data
        if what is None:
            raise ValueError(f"a data path applies to tasks that read one (operator tasks: an "
                             f"HDF5 file; cifar10: a folder), not to the {cls.kind} task of "
                             f"{family.name}")
        path = Path(spec.data)
        if not (path.is_file() if what == "file" else path.is_dir()):
            raise ValueError(f"data {what} {spec.data!r} " + (
                f"is not a {what}" if path.exists() else "does not exist"))
    elif cls.requires_data:
        raise ValueError(f"{family.name} reads its data from a {cls.accepts_data} you already "
                         f"have; give --data ({cls.summary()})")
    check_memory(adapter_for(problem).memory(problem, model=model, budget=budget,
                                             expansion=spec.expansion),
                 what=f"a {family.name}/{cls.kind}/{model} run with {spec.expansion.describe()}",
                 hint="use a smaller --expand, budget or resolution")
    return problem, model, budget


def run(
    spec: RunSpec,
    *,
    device: str | torch.device = "auto",
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Train and score the model described by ``spec``.

    Training that diverges (NaN or inf loss) or raises is recorded as ``status="failed"``
    with its reason instead of propagating; invalid specs raise ``ValueError``.
    """
    dev = resolve_device(device)
    problem, model, budget = prepare(spec)
    reported = 0

    def tick(k: int) -> None:
        nonlocal reported
        reported += k
        if progress is not None:
            progress(k)

    try:
        fit = adapter_for(problem).fit(
            problem, model=model, expansion=spec.expansion, budget=budget, seed=spec.seed,
            data_seed=spec.data_seed, device=dev, progress=tick, data_file=spec.data,
            options=spec.options, **({} if spec.method is None else {"method": spec.method}),
            **({} if spec.engine is None else {"engine": spec.engine}),
        )
    except TrainingDiverged as exc:
        logger.warning("run %s diverged: %s", spec.key(), exc)
        return RunResult(spec, "failed", device=str(dev), reason=f"diverged: {exc}")
    except (RuntimeError, FloatingPointError, np.linalg.LinAlgError, DataFileError) as exc:
        logger.error("run %s failed:\n%s", spec.key(), traceback.format_exc())
        return RunResult(spec, "failed", device=str(dev), reason=f"{type(exc).__name__}: {exc}")
    finally:
        # L-BFGS may stop early and a failed run stops at once: complete this run's share.
        if progress is not None and reported < budget.total_steps:
            progress(budget.total_steps - reported)
    metrics = dict(fit.metrics)
    train_time = metrics.pop("train_time", math.nan)
    return RunResult(
        spec, "ok", error=fit.error, metrics=metrics, n_params=fit.n_params,
        train_time=train_time, data_fingerprint=fit.data_fingerprint, device=str(dev),
        training=fit.training, budget_settings=dataclasses.asdict(budget),
        prediction=fit.prediction,
    )


@dataclass
class Comparison:
    """Baseline and expanded runs over the same seeds, and optional further arms.

    Attributes
    ----------
    baseline, expanded : list of RunResult
        One per seed, in seed order.
    extra : dict of str to list of RunResult
        Further arms by name (``"equivariant"``: the baseline with a technique), one run
        per seed; every arm of a seed must have seen the baseline's data.
    """

    baseline: list[RunResult]
    expanded: list[RunResult]
    extra: dict[str, list[RunResult]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for other in (self.expanded, *self.extra.values()):
            for b, e in zip(self.baseline, other):
                if b.status == e.status == "ok" and b.data_fingerprint != e.data_fingerprint:
                    raise AssertionError(
                        f"arms saw different training data for seed {b.spec.seed}: "
                        f"{b.data_fingerprint} != {e.data_fingerprint}"
                    )

    @property
    def arms(self) -> dict[str, list[RunResult]]:
        return {"baseline": self.baseline, "expanded": self.expanded, **self.extra}

    def summary(self) -> dict[str, dict[str, float]]:
        """Per arm: mean/std of the error over successful seeds, mean time, parameters."""
        out: dict[str, dict[str, float]] = {}
        for arm, results in self.arms.items():
            ok = [r for r in results if r.status == "ok"]
            errors = np.array([r.error for r in ok])
            out[arm] = {
                "error_mean": float(errors.mean()) if ok else math.nan,
                "error_std": float(errors.std(ddof=1)) if len(ok) > 1 else 0.0 if ok else math.nan,
                "train_time_mean": float(np.mean([r.train_time for r in ok])) if ok else math.nan,
                "n_params": float(ok[0].n_params) if ok else math.nan,
                "n_ok": float(len(ok)),
                "n_failed": float(len(results) - len(ok)),
            }
        base = out["baseline"]["error_mean"]
        change = lambda arm: (out[arm]["error_mean"] - base) / base if base else math.nan  # noqa: E731
        out["change"] = {"relative_error_change": change("expanded"),
                         **{f"{name}_relative_error_change": change(name) for name in self.extra}}
        return out


def compare(
    problem: str | type[Problem] | ProblemFamily,
    *,
    expansion: Expansion,
    task: str | None = None,
    model: str | None = None,
    seeds: int | None = None,
    budget: str = "quick",
    params: Mapping[str, str] | None = None,
    data_seed: int = 0,
    data: str | None = None,
    method: str | None = None,
    engine: str | None = None,
    extra_arms: Mapping[str, ModelOptions] | None = None,
    device: str | torch.device = "auto",
    progress: Callable[[int], None] | None = None,
    on_run: Callable[[RunSpec], None] | None = None,
) -> Comparison:
    """Train the baseline (``n = 0``) and the expanded model for each seed ``0..seeds-1``.

    Both arms use the same problem, data, budget, optimiser schedule and seeds; only the
    input width differs. ``problem`` is a name (as in :class:`RunSpec`), a problem class or
    a :class:`~physym.problem.ProblemFamily`. ``method`` is the PINN training method and
    ``engine`` the PINN training engine (both arms). ``extra_arms`` adds, per seed, baselines trained with the given options (e.g.
    ``{"equivariant": ModelOptions(equivariant=True)}``); all are validated before any run.
    ``seeds`` defaults to the budget's own number. ``progress`` receives step counts;
    ``on_run`` is called with each spec before it runs.
    """
    if not isinstance(problem, str):
        problem = reference(problem)
    task = task or get_problem(problem).default_task
    base_spec = RunSpec(problem, task, model, expansion.baseline(), 0, budget,
                        tuple(sorted((params or {}).items())), data_seed, data, method=method,
                        engine=engine)
    _, model, budget_obj = prepare(dataclasses.replace(base_spec, expansion=expansion))
    base_spec = dataclasses.replace(base_spec, model=model)
    extra_arms = dict(extra_arms or {})
    for options in extra_arms.values():
        prepare(dataclasses.replace(base_spec, options=options))
    n_seeds = budget_obj.seeds if seeds is None else seeds
    if n_seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {n_seeds}")
    baseline: list[RunResult] = []
    expanded: list[RunResult] = []
    extra: dict[str, list[RunResult]] = {name: [] for name in extra_arms}
    plan = [(baseline, expansion.baseline(), base_spec.options), (expanded, expansion,
                                                                  base_spec.options)]
    plan += [(extra[name], expansion.baseline(), options) for name, options in extra_arms.items()]
    for seed in range(n_seeds):
        for arm_list, exp, options in plan:
            spec = dataclasses.replace(base_spec, expansion=exp, options=options, seed=seed)
            if on_run is not None:
                on_run(spec)
            arm_list.append(run(spec, device=device, progress=progress))
    return Comparison(baseline, expanded, extra)

