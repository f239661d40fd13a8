"""``RunSpec``: everything that defines one run, validated when it is built.

A spec is plain data (strings, numbers, an :class:`~physym.expansion.Expansion`, a
:class:`~physym.options.ModelOptions`), so it travels to process pools and Dask workers as
a dict and back. Its :meth:`RunSpec.key` names the run's record in a study: it covers every
field, and for a problem defined outside physym also a hash of its source file and
resolved parameters (and of a data file's content), so that changed code or data never
reuse an old record.

String-to-dataclass coercion (``--param nu=0.01``, a preset's budget overrides) lives here
too: :func:`parse_params` and :func:`replace_fields`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from physym.expansion import Expansion
from physym.io import file_digest
from physym.models.pinn_engine import DEFAULT_ENGINE, ENGINES
from physym.models.pinn_methods import DEFAULT_METHOD
from physym.options import ModelOptions
from physym.registry import get_problem, is_builtin, reference, source_digest

__all__ = ["RunSpec", "parse_params", "replace_fields"]

#: Seeds are non-negative and fit numpy's and torch's 64-bit generators.
MAX_SEED = 2**63 - 1


def _check_seed(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be an integer in [0, 2**63 - 1], got {value!r}")


def _pairs(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` settings as a sorted tuple of string pairs (a dict is accepted)."""
    items = list(value.items()) if isinstance(value, Mapping) else list(value)
    try:
        pairs = [(str(k), str(v)) for k, v in items]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a mapping or (key, value) pairs, got {value!r}") from None
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"{name}: {repeated[0]!r} is given more than once")
    return tuple(sorted(pairs))


def _resolved_params(spec: "RunSpec") -> dict[str, Any] | None:
    """The problem's parameters with defaults filled in (``None`` for a built-in problem)."""
    if is_builtin(spec.problem):
        return None
    cls = get_problem(spec.problem).task(spec.task)
    return dataclasses.asdict(parse_params(cls.Params, dict(spec.params)))


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one training run.

    Parameters
    ----------
    problem : str, Problem subclass or ProblemFamily
        Registry name, ``path/to/file.py:Class`` or ``package.module:Name``; a class or
        family object is stored as such a reference (:func:`physym.registry.reference`),
        so that the spec stays serialisable.
    task : str, optional
        Task of the problem (its default when ``None``).
    model : str, optional
        Model name (the task's default when ``None``).
    expansion : Expansion
        ``n = 0`` is the baseline.
    seed : int
        Model initialisation (and batch order) seed.
    budget : str
        ``smoke``, ``quick``, ``standard`` or ``paper``.
    params : tuple of (str, str)
        Overrides of the problem's parameters, ``(("nu", "0.01"),)``.
    data_seed : int
        Seed of the generated data set of operator and regression tasks (shared by every
        arm and seed). PINN tasks have no data set: their Hammersley collocation points are
        deterministic, and the random boundary/initial points DeepXDE draws follow
        ``seed`` — identical in both arms of a seed, which is what the pairing needs.
    data : str, optional
        PDEBench-layout HDF5 file to train and test on instead of generated data
        (operator tasks), or the folder a task reads its data from (cifar10).
    budget_overrides : tuple of (str, str)
        Fields of the named budget to change, ``(("epochs", "20"),)`` (a study preset's
        way to size runs); left out of :meth:`to_dict` and :meth:`key` when empty.
    options : ModelOptions
        Architecture options (the parameter-matched control, dropout, batch norm); the
        default changes nothing and is left out of :meth:`to_dict` and :meth:`key`.
    method : str, optional
        Training method of a PINN task (:mod:`physym.models.pinn_methods`); ``None`` is the
        default ``adam-lbfgs`` and is left out of :meth:`to_dict` and :meth:`key`.
    engine : str, optional
        What trains a PINN task (:mod:`physym.models.pinn_engine`): ``None`` is the default
        ``deepxde`` and is left out of :meth:`to_dict` and :meth:`key`; ``"jet"`` is the
        compiled derivative-carrying path. It is part of the key: the engines agree to
        rounding, and long nonconvex training amplifies rounding.
    problem_digest, data_digest : str
        Filled in at construction (leave them empty): a hash of a non-built-in problem's
        source file and resolved parameters (:func:`physym.registry.source_digest`), and
        of the data file's content. They make the key change when the code, the
        parameters or the data change, so that a study never reuses a stale record.
        Built-in problems are versioned with physym and get no digest, which keeps their
        keys stable.

    Raises
    ------
    ValueError
        At construction, for a field of the wrong type or out of range (a negative seed,
        an expansion that is not an :class:`~physym.expansion.Expansion`, a repeated
        parameter, ...), naming the field and what is allowed.
    """

    problem: str
    task: str | None = None
    model: str | None = None
    expansion: Expansion = field(default_factory=Expansion)
    seed: int = 0
    budget: str = "quick"
    params: tuple[tuple[str, str], ...] = ()
    data_seed: int = 0
    data: str | None = None
    options: ModelOptions = field(default_factory=ModelOptions)
    budget_overrides: tuple[tuple[str, str], ...] = ()
    method: str | None = None
    engine: str | None = None
    problem_digest: str = ""
    data_digest: str = ""

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if not isinstance(self.problem, str):
            put("problem", reference(self.problem))
        if not self.problem.strip():
            raise ValueError("problem must be a problem name, path/to/file.py:Class or "
                             "package.module:Name, got ''")
        for name in ("task", "model", "method"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a name or None, got {value!r}")
        if self.method == DEFAULT_METHOD:  # one spelling of the default: one key
            put("method", None)
        if self.engine == DEFAULT_ENGINE:
            put("engine", None)
        if self.engine is not None and self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not isinstance(self.expansion, Expansion):
            raise ValueError(f"expansion must be an Expansion, e.g. Expansion({self.expansion!r}), "
                             f"got {type(self.expansion).__name__} {self.expansion!r}")
        if not isinstance(self.options, ModelOptions):
            raise ValueError(f"options must be a ModelOptions, got {type(self.options).__name__}")
        for name in ("seed", "data_seed"):
            _check_seed(name, getattr(self, name))
        if not isinstance(self.budget, str):
            raise ValueError(f"budget must be a budget name (smoke, quick, standard, paper), "
                             f"got {self.budget!r}")
        put("params", _pairs("params", self.params))
        put("budget_overrides", _pairs("budget_overrides", self.budget_overrides))
        if self.data is not None:
            if not isinstance(self.data, (str, os.PathLike)):
                raise ValueError(f"data must be a path to an HDF5 file, got {self.data!r}")
            put("data", str(self.data))
            if not self.data_digest and Path(self.data).is_file():
                put("data_digest", file_digest(Path(self.data)))
        if not self.problem_digest:
            try:
                digest = source_digest(self.problem, task=self.task,
                                       params=_resolved_params(self))
            except (ValueError, ImportError, OSError):  # prepare() says what is wrong
                digest = ""
            put("problem_digest", digest)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["params"] = dict(self.params)
        d.pop("options")
        if not self.options.is_default:
            d["options"] = self.options.to_dict()
        for name in ("method", "engine"):  # the defaults: keys stay as they were
            if d[name] is None:
                d.pop(name)
        d.pop("budget_overrides")
        if self.budget_overrides:
            d["budget_overrides"] = dict(self.budget_overrides)
        for name in ("problem_digest", "data_digest"):  # absent for built-ins: stable keys
            if not d[name]:
                d.pop(name)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RunSpec":
        """Inverse of :meth:`to_dict` (``ValueError``/``TypeError`` on malformed input)."""
        d = dict(d)
        d["expansion"] = Expansion(**d.get("expansion", {}))
        d["params"] = tuple(sorted((str(k), str(v)) for k, v in dict(d.get("params", {})).items()))
        d["options"] = ModelOptions.from_dict(d.get("options"))
        d["budget_overrides"] = tuple(
            sorted((str(k), str(v)) for k, v in dict(d.get("budget_overrides", {})).items()))
        return cls(**d)

    def key(self) -> str:
        """Stable 16-hex-digit identifier of what determines the run's result.

        A file-based problem enters by its digest and class name, not by its path text, so
        ``my.py:P`` and ``/abs/my.py:P`` are one key; a data file enters by path and content.
        """
        d = self.to_dict()
        if self.problem_digest and self.problem.rpartition(":")[0].endswith(".py"):
            d["problem"] = "file:" + self.problem.rpartition(":")[2]
        blob = json.dumps(d, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def grid_key(self) -> str:
        """The key without the digests: the same run whatever the code or data hold now."""
        d = self.to_dict()
        d.pop("problem_digest", None)
        d.pop("data_digest", None)
        blob = json.dumps(d, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def parse_params(params_cls: type, overrides: Mapping[str, str]) -> Any:
    """Build a ``Params`` dataclass from ``KEY=VALUE`` strings, coercing to field types.

    Raises
    ------
    ValueError
        For an unknown key or a value that cannot be converted; the message lists the
        allowed keys.
    """
    return replace_fields(params_cls(), overrides, what="parameter")


def replace_fields(instance: Any, overrides: Mapping[str, str], *, what: str = "field") -> Any:
    """A copy of the dataclass ``instance`` with ``KEY=VALUE`` strings coerced to its types.

    Used for problem parameters and for a study's budget overrides (``epochs=20``).

    Raises
    ------
    ValueError
        For an unknown key or a value that cannot be converted to the field's type.
    """
    cls = type(instance)
    fields = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in fields:
            raise ValueError(
                f"unknown {what} {key!r} for {cls.__qualname__}; "
                f"allowed: {', '.join(fields) or 'none'}"
            )
        default, raw = getattr(instance, key), str(raw)
        try:
            if isinstance(default, bool):
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                values[key] = raw.lower() in ("true", "1")
            elif isinstance(default, int):
                values[key] = int(raw)
            elif isinstance(default, float):
                values[key] = float(raw)
            else:
                values[key] = type(default)(raw) if default is not None else raw
        except ValueError:
            raise ValueError(
                f"{what} {key}={raw!r} is not a valid {type(default).__name__}"
            ) from None
    return dataclasses.replace(instance, **values)
