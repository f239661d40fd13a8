"""Find problems by name: built-ins, entry points, or ``path/to/file.py:ClassName``.

Resolution order for a name given to ``physym solve NAME``:

1. ``path/to/file.py:Name`` — ``Name`` (a :class:`~physym.problem.Problem` subclass or a
   :class:`~physym.problem.ProblemFamily`) loaded from that file;
2. ``package.module:Name`` — the same from an importable module;
3. a built-in name from :data:`BUILTINS`;
4. an entry point of group ``physym.problems`` in any installed distribution, e.g. in a
   user's ``pyproject.toml``::

       [project.entry-points."physym.problems"]
       heat = "my_package.heat:PROBLEM"

Nothing is imported until a problem is asked for.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import logging
import sys
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from physym.problem import OperatorProblem, PINNProblem, Problem, ProblemFamily, RegressionProblem

__all__ = ["BUILTINS", "ENTRY_POINT_GROUP", "get_problem", "available", "reference",
           "is_builtin", "source_digest", "UnknownProblem"]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "physym.problems"

#: Built-in problems: registry name -> ``module:attribute`` of a :class:`ProblemFamily`.
BUILTINS: dict[str, str] = {
    "burgers": "physym.problems.burgers:PROBLEM",
    "darcy": "physym.problems.darcy:PROBLEM",
    "navier_stokes": "physym.problems.navier_stokes:PROBLEM",
    "qcd_eos": "physym.problems.qcd_eos:PROBLEM",
    # the PINN benchmark suite (PINNacle's categories)
    "wave1d": "physym.problems.wave1d:PROBLEM",
    "allen_cahn": "physym.problems.allen_cahn:PROBLEM",
    "kdv": "physym.problems.kdv:PROBLEM",
    "kuramoto_sivashinsky": "physym.problems.kuramoto_sivashinsky:PROBLEM",
    "schrodinger": "physym.problems.schrodinger:PROBLEM",
    "diffusion_reaction": "physym.problems.diffusion_reaction:PROBLEM",
    "klein_gordon": "physym.problems.klein_gordon:PROBLEM",
    "helmholtz2d": "physym.problems.helmholtz2d:PROBLEM",
    "heat2d_multiscale": "physym.problems.heat2d_multiscale:PROBLEM",
    "poisson_nd": "physym.problems.poisson_nd:PROBLEM",
    "heat_nd": "physym.problems.heat_nd:PROBLEM",
    # the PINN benchmark suite, part 2 (2-D problems with solver references)
    "taylor_green": "physym.problems.taylor_green:PROBLEM",
    "heat2d_varying_coef": "physym.problems.heat2d_varying_coef:PROBLEM",
    "wave2d_heterogeneous": "physym.problems.wave2d_heterogeneous:PROBLEM",
    "poisson_lshape": "physym.problems.poisson_lshape:PROBLEM",
    "burgers2d": "physym.problems.burgers2d:PROBLEM",
    "gray_scott": "physym.problems.gray_scott:PROBLEM",
    "lid_driven_cavity": "physym.problems.lid_driven_cavity:PROBLEM",
    # image classification with interleaved expansion (the paper's image experiments)
    "digits": "physym.problems.digits:PROBLEM",
    "cifar10": "physym.problems.cifar10:PROBLEM",
}


#: Modules loaded from a file by ``path/to/file.py:Name`` -> that file (for :func:`reference`).
_FILE_MODULES: dict[str, Path] = {}


class UnknownProblem(ValueError):
    """No problem of that name is registered."""


def _as_family(obj: Any, name: str) -> ProblemFamily:
    if isinstance(obj, ProblemFamily):
        return obj
    if inspect.isclass(obj) and issubclass(obj, Problem) and not inspect.isabstract(obj):
        return ProblemFamily.single(obj, name)
    if inspect.isclass(obj) and issubclass(obj, Problem):
        kind = next((k.__name__ for k in (PINNProblem, OperatorProblem, RegressionProblem)
                     if issubclass(obj, k)), "Problem")
        missing = ", ".join(sorted(obj.__abstractmethods__))
        try:
            where = f"{inspect.getsourcefile(obj)}:{inspect.getsourcelines(obj)[1]}: "
        except (OSError, TypeError):
            where = ""
        raise UnknownProblem(f"{where}class {obj.__name__} does not implement {missing} "
                             f"(required by {kind})")
    raise UnknownProblem(
        f"{name!r} is neither a ProblemFamily nor a concrete PINNProblem, OperatorProblem "
        f"or RegressionProblem subclass (got {type(obj).__name__})"
    )


def _load_file(path: Path, attr: str, spec: str) -> ProblemFamily:
    if not path.is_file():
        raise UnknownProblem(f"problem file {str(path)!r} does not exist")
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    module_name = f"physym_user_{path.stem}_{digest}"
    module = sys.modules.get(module_name)
    if module is None:
        loader_spec = importlib.util.spec_from_file_location(module_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise UnknownProblem(f"cannot import {str(path)!r} as a Python module")
        module = importlib.util.module_from_spec(loader_spec)
        # Registered so that dataclasses and pickling (process pools) can find the module.
        sys.modules[module_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[module_name]
            raise UnknownProblem(_load_error(path, exc)) from exc
        _FILE_MODULES[module_name] = path
    if not hasattr(module, attr):
        raise UnknownProblem(f"{str(path)!r} defines no {attr!r}")
    return _as_family(getattr(module, attr), attr)


def _load_error(path: Path, exc: BaseException) -> str:
    """One line: the file, the line and what went wrong while importing it."""
    if isinstance(exc, SyntaxError):
        return f"{path}:{exc.lineno}: syntax error: {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    where = f"{path}:{frames[-1].lineno}" if frames else str(path)
    return f"{where}: cannot import the problem file: {type(exc).__name__}: {exc}"


def _load_target(target: str, name: str) -> ProblemFamily:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return _as_family(getattr(module, attr or "PROBLEM"), attr or name)


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Names of the built-in and entry-point problems, built-ins first."""
    names = list(BUILTINS)
    names += sorted(n for n in _entry_points() if n not in BUILTINS)
    return names


def get_problem(name: str) -> ProblemFamily:
    """Resolve a problem name to its :class:`ProblemFamily`.

    Parameters
    ----------
    name : str
        A built-in or entry-point name, ``path/to/file.py:ClassName`` or
        ``package.module:ClassName``.

    Raises
    ------
    UnknownProblem
        If nothing of that name can be found; the message lists the known names.
    """
    if ":" in name:
        target, _, attr = name.rpartition(":")
        if target.endswith(".py") or "/" in target or "\\" in target:
            return _load_file(Path(target), attr, name)
        try:
            return _load_target(name, name)
        except ModuleNotFoundError as exc:
            raise UnknownProblem(f"cannot import module {target!r} for problem {name!r}: {exc}")
        except AttributeError:
            raise UnknownProblem(f"module {target!r} defines no {attr!r}") from None
    if name in BUILTINS:
        return _load_target(BUILTINS[name], name)
    eps = _entry_points()
    if name in eps:
        return _as_family(eps[name].load(), name)
    raise UnknownProblem(
        f"unknown problem {name!r}; available: {', '.join(available())} "
        f"(or path/to/file.py:ClassName)"
    )


def reference(obj: Any) -> str:
    """The name :func:`get_problem` resolves back to ``obj``: a problem class or family.

    A built-in or entry-point family gives its registry name; an object defined in a module
    gives ``package.module:Name`` (``path/to/file.py:Name`` for a module loaded from a file).

    Raises
    ------
    UnknownProblem
        For anything else, or an object no module holds under a name.
    """
    if isinstance(obj, str):
        return obj
    if isinstance(obj, ProblemFamily):
        for name in BUILTINS:
            if _load_target(BUILTINS[name], name) is obj:
                return name
        holder = next((m for m in list(sys.modules.values()) if m is not None and any(
            v is obj for v in vars(m).values())), None)
        if holder is None:
            raise UnknownProblem(f"problem family {obj.name!r} is not held by any module; "
                                 "pass its name or define it at module level")
        attr = next(k for k, v in vars(holder).items() if v is obj)
        module_name = holder.__name__
    elif inspect.isclass(obj) and issubclass(obj, Problem):
        _as_family(obj, obj.__qualname__)  # refuses abstract classes with a clear message
        module_name, attr = obj.__module__, obj.__qualname__
    else:
        raise UnknownProblem(f"a problem must be a name, a Problem subclass or a ProblemFamily, "
                             f"got {type(obj).__name__}")
    if module_name in _FILE_MODULES:
        return f"{_FILE_MODULES[module_name]}:{attr}"
    return f"{module_name}:{attr}"


def is_builtin(name: str) -> bool:
    """Whether ``name`` is physym's own code: a built-in name or a ``physym.*`` module."""
    return name in BUILTINS or name.partition(":")[0].startswith("physym.")


def _source_file(name: str) -> Path | None:
    """The file that defines the problem called ``name`` (``None`` if it has none)."""
    target, sep, _ = name.rpartition(":")
    if not sep:
        eps = _entry_points()
        if name not in eps:
            return None
        target = eps[name].value.partition(":")[0]
    elif target.endswith(".py") or "/" in target or "\\" in target:
        return Path(target)
    module = sys.modules.get(target)
    origin = getattr(module, "__file__", None) if module is not None else None
    if origin is None:
        found = importlib.util.find_spec(target)
        origin = found.origin if found is not None else None
    return Path(origin) if origin and Path(origin).is_file() else None


def source_digest(name: str, *, task: str | None = None,
                  params: dict[str, Any] | None = None) -> str:
    """Hash of the source file and resolved parameters of a problem defined outside physym.

    ``""`` for physym's own problems (:func:`is_builtin`), which are versioned with physym.
    A change of the file or of a parameter (a default included) changes the digest, and
    with it every key of a run of that problem.
    """
    if is_builtin(name):
        return ""
    source = _source_file(name)
    digest = hashlib.sha256()
    digest.update(source.read_bytes() if source is not None else name.encode())
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]
