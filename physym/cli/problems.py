"""``physym problems``: the registered problems with their tasks, models and layouts."""

from __future__ import annotations

from physym.cli._common import out

__all__ = ["problems_command"]


def problems_command() -> None:
    """List registered problems with their tasks, models, layouts and defaults."""
    from physym.registry import available, get_problem  # noqa: PLC0415

    for name in available():
        try:
            family = get_problem(name)
        except Exception as exc:  # a broken plug-in must not hide the others
            out.print(f"[bold]{name}[/]  [red]cannot load: {exc}[/]")
            continue
        out.print(f"[bold]{name}[/]" + (f"  [dim]{family.summary}[/]" if family.summary else ""))
        for task, cls in family.tasks.items():
            default = " (default)" if task == family.default_task else ""
            out.print(f"  [cyan]{task}{default}[/]  {cls.kind} · models {', '.join(cls.models)}"
                      f" · layouts {', '.join(cls.layouts)}")
            out.print(f"      {cls.summary()}", highlight=False)
    out.print("Also: any [bold]path/to/file.py:ClassName[/] or [bold]package.module:Name[/].")
