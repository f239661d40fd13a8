"""Running a study: the study directory, data preparation, resuming, executing, recording.

:func:`run_study` expands a :class:`~physym.study.Preset` into run specs, refuses a
directory that holds a different study, skips every run with a sound ``ok`` record, re-runs
failed, missing and corrupt ones, and writes each record atomically as it arrives.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from physym._version import __version__
from physym.study.executors import iter_records
from physym.io import write_json
from physym.runner import RunSpec, prepare
from physym.study.store import RecordStore
from physym.study.preset import Preset

__all__ = ["StudyDirError", "StudyPlan", "plan_study", "preview_study", "prepare_data",
           "run_study"]

logger = logging.getLogger(__name__)


class StudyDirError(ValueError):
    """The output directory holds another study, or there is nothing to resume."""


@dataclass
class StudyPlan:
    """What a (re)started study will do."""

    root: Path
    specs: list[RunSpec]
    todo: list[RunSpec]
    done: dict[str, dict[str, Any]]
    corrupt: list[str]
    resumed: bool
    #: Records moved to ``records/stale/``: runs whose problem code, parameters or data
    #: file changed since they were recorded (their keys changed), or whose budget name now
    #: stands for other settings (``budget_settings`` of the record), done again.
    stale: list[str] = field(default_factory=list)
    #: When the study in ``root`` was first planned (``None`` before its first plan).
    created: str | None = None


def _check_dir(root: Path, keys: list[str], grid: list[str], *, preset: str, resume: bool,
               grow: bool) -> dict[str, Any] | None:
    """The study file of ``root`` (``None`` when there is none), checked against this grid.

    With ``grow``, a study of the same ``preset`` name whose grid this one contains (an
    edited preset that only adds runs) is accepted too.

    Raises
    ------
    StudyDirError
        ``root`` holds a study with a different grid (with ``grow``: another preset, or runs
        this one drops), or ``resume`` or ``grow`` without a study there.
    """
    meta_path = root / "study.json"
    if not meta_path.is_file():
        if resume or grow:
            raise StudyDirError(f"nothing to {'resume' if resume else 'grow'}: {str(root)!r} "
                                "holds no study.json")
        return None
    try:
        old = json.loads(meta_path.read_text())
        old_keys = old["keys"]
        old_grid = old.get("grid_keys", old_keys)
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise StudyDirError(f"{str(meta_path)!r} is not a physym study file ({exc})") from None
    if sorted(old_keys) == sorted(keys) or sorted(old_grid) == sorted(grid):
        return old
    if not grow:
        raise StudyDirError(
            f"{str(root)!r} holds another study (preset {old.get('preset')!r}, "
            f"{len(old_keys)} runs; this one has {len(keys)}); use another --out, or --grow "
            "if this preset only adds runs to that one")
    if old.get("preset") != preset:
        raise StudyDirError(f"--grow: {str(root)!r} holds a study of preset "
                            f"{old.get('preset')!r}, not {preset!r}; use another --out")
    dropped = set(old_grid) - set(grid)
    if dropped:
        raise StudyDirError(f"--grow only adds runs: {len(dropped)} of the {len(old_grid)} "
                            f"runs of the study in {str(root)!r} are not in this preset; "
                            "use another --out")
    return old


def _budget_changed(spec: RunSpec, record: dict[str, Any]) -> bool:
    """The record's key is the spec's, but the budget behind its name has changed since."""
    return record.get("budget_settings") is not None and record["budget_settings"] != \
        json.loads(json.dumps(dataclasses.asdict(prepare(spec)[2])))


def preview_study(preset: Preset, root: Path, *, resume: bool = False,
                  grow: bool = False) -> StudyPlan:
    """What :func:`plan_study` would do, without writing or moving anything (``--dry-run``).

    ``grow`` accepts a ``root`` that holds a smaller study of the same preset name, every run
    of which this one has (an edited preset that adds runs): its records count as done and
    its ``created`` date is kept.

    The plan's ``corrupt`` lists the records that would be moved to ``records/corrupt`` and
    ``stale`` those that would be moved to ``records/stale``: the runs no longer in the
    study, and the runs whose budget behind its name has changed (these are in ``todo``).

    Raises
    ------
    StudyDirError
        ``root`` holds a study with a different grid (with ``grow``: another preset's, or
        one with runs this preset lacks), or ``resume`` or ``grow`` without a study there.
    PresetError
        The preset does not expand to valid runs.
    """
    root = Path(root)
    specs = preset.specs()
    keys = {s.key() for s in specs}
    old = _check_dir(root, sorted(keys), [s.grid_key() for s in specs], preset=preset.name,
                     resume=resume, grow=grow)
    records, corrupt = RecordStore(root).load(quarantine=False)
    # the runs no longer in the study (their problem code, parameters or data changed)
    stale = sorted((set(old["keys"]) - keys) & set(records)) if old else []
    todo, done = [], {}
    for spec in specs:
        record = records.get(spec.key())
        if record is not None and record["status"] == "ok" and not _budget_changed(spec, record):
            done[spec.key()] = record
        else:
            todo.append(spec)
            if record is not None and record["status"] == "ok":
                stale.append(spec.key())
    return StudyPlan(root, specs, todo, done, corrupt, resumed=bool(done or corrupt),
                     stale=stale, created=old.get("created") if old else None)


def plan_study(preset: Preset, root: Path, *, resume: bool = False,
               grow: bool = False) -> StudyPlan:
    """Expand the preset, check ``root`` and find the runs still to do (:func:`preview_study`),
    then move the stale and corrupt records aside and write the study file.

    Raises
    ------
    StudyDirError, PresetError
        As :func:`preview_study`, before anything is moved or written.
    """
    plan = preview_study(preset, root, resume=resume, grow=grow)
    store = RecordStore(plan.root)
    for key in plan.stale:
        store.set_aside(key, "stale")
    store.load(quarantine=True)  # moves the corrupt records aside; their runs are in todo
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    plan.created = plan.created or now  # resuming keeps the study's first date
    write_json(plan.root / "study.json", {
        "preset": preset.name, "source": preset.source, "description": preset.description,
        "analysis": preset.analysis(), "physym_version": __version__,
        "created": plan.created, "planned": now,
        "keys": [s.key() for s in plan.specs], "grid_keys": [s.grid_key() for s in plan.specs],
    })
    return plan


def prepare_data(specs: list[RunSpec], *, progress: Callable[[str], None] | None = None) -> int:
    """Generate (and cache) every operator data set and PINN reference the runs need, once,
    in this process.

    Done before fanning out so that parallel workers read one cached file instead of each
    generating it (two workers starting the same configuration would otherwise both solve
    for it). A PINN problem's reference is made by evaluating its ``exact`` at one of its
    evaluation points: a solver-backed reference is solved and cached then, an exact
    solution costs nothing. Returns the number of distinct data sets and references.
    """
    import torch  # noqa: PLC0415

    from physym.models.operator import operator_dataset  # noqa: PLC0415

    seen = set()
    for spec in specs:
        problem, _, budget = prepare(spec)
        if problem.kind == "pinn":
            ident = ("pinn", spec.problem, spec.params)
            what = f"reference: {spec.problem} {dict(spec.params) or ''}"
        elif problem.kind == "operator" and spec.data is None:
            ident = (spec.problem, spec.task, spec.params, budget.n_train + budget.n_test,
                     budget.resolution, spec.data_seed)
            what = (f"data: {spec.problem} {dict(spec.params) or ''} "
                    f"{budget.n_train + budget.n_test} samples at {budget.resolution}")
        else:
            continue
        if ident in seen:
            continue
        seen.add(ident)
        if progress is not None:
            progress(what)
        if problem.kind == "pinn":
            problem.exact(problem.evaluation_points()[:1])
        else:
            operator_dataset(problem, budget, data_seed=spec.data_seed, device=torch.device("cpu"))
    return len(seen)


def run_study(plan: StudyPlan, *, workers: int = 1, scheduler: str | None = None,
              dask_local: int | None = None, device: str = "auto", threads: int | None = None,
              on_record: Callable[[dict[str, Any]], None] | None = None) -> dict[str, int]:
    """Execute ``plan.todo`` and store every record as it arrives.

    Returns
    -------
    dict
        Counts ``ok``, ``failed`` (this session) and ``skipped`` (already done).
    """
    store = RecordStore(plan.root)
    wanted = {s.key() for s in plan.todo}
    executor = ("dask-local" if dask_local else "dask" if scheduler else
                f"local x{workers}")
    counts = {"ok": 0, "failed": 0, "skipped": len(plan.done)}
    for record in iter_records(plan.todo, workers=workers, scheduler=scheduler,
                               dask_local=dask_local, device=device, threads=threads):
        if record["key"] not in wanted:  # a worker with another physym version
            raise RuntimeError(f"executor returned an unexpected run {record['key']}")
        provenance = dict(record.pop("provenance", {}), executor=executor)
        store.write(record, provenance=provenance)
        counts["ok" if record["status"] == "ok" else "failed"] += 1
        if record["status"] != "ok":
            logger.warning("run %s failed: %s", record["key"], record.get("reason"))
        if on_record is not None:
            on_record(record)
    return counts

