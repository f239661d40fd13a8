"""``physym problems``: the registered problems with their tasks, models and layouts."""

from __future__ import annotations

from typing import Any

from physym.cli._common import out

__all__ = ["problems_command"]


def _symmetries(cls: type) -> str:
    """The symmetry group elements a task declares, by name ('' for none)."""
    try:
        return ", ".join(g.name for g in cls().symmetries())
    except Exception:  # noqa: BLE001  (listing must go on)
        return ""


def _methods(adapter: Any, cls: type) -> list[str]:
    """The training methods the adapter offers that this problem takes."""
    from physym.runner import methods_for  # noqa: PLC0415

    if not adapter.methods:
        return []
    try:
        problem = cls()
    except Exception:  # noqa: BLE001  (listing must go on; solve reports the problem)
        return list(adapter.methods)
    return methods_for(problem)


def problems_command() -> None:
    """List registered problems with their tasks, models, layouts and defaults."""
    from physym.registry import available, get_problem  # noqa: PLC0415
    from physym.runner import adapter_for  # noqa: PLC0415

    for name in available():
        try:
            family = get_problem(name)
        except Exception as exc:  # a broken plug-in must not hide the others
            out.print(f"[bold]{name}[/]  [red]cannot load: {exc}[/]")
            continue
        out.print(f"[bold]{name}[/]" + (f"  [dim]{family.summary}[/]" if family.summary else ""))
        for task, cls in family.tasks.items():
            default = " (default)" if task == family.default_task else ""
            methods = _methods(adapter_for(cls), cls)
            out.print(f"  [cyan]{task}{default}[/]  {cls.kind} · models {', '.join(cls.models)}"
                      f" · layouts {', '.join(cls.layouts)}"
                      + "".join(f" ({m}: {', '.join(cls.layouts_for(m))})" for m in cls.models
                                if cls.layouts_for(m) != tuple(cls.layouts))
                      + (f" · methods {', '.join(methods)}" if methods else ""))
            out.print(f"      {cls.summary()}", highlight=False)
            symmetries = _symmetries(cls)
            if symmetries:
                out.print(f"      symmetries (--technique equivariant): {symmetries}",
                          highlight=False)
    out.print("Also: any [bold]path/to/file.py:ClassName[/] or [bold]package.module:Name[/].")
