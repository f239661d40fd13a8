"""The identity of a study's configurations and arms: what groups runs in the statistics.

A *configuration* is everything about a run but its arm and seed (:func:`config_key`); an
*arm* is the expansion and the control (:class:`Arm`). Both are read from a
:class:`~physym.runner.RunSpec`, so records group the same way whoever wrote them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from physym.runner import RunSpec

__all__ = ["Arm", "arm_label", "config_key", "config_label"]


@dataclass(frozen=True)
class Arm:
    """One arm of a configuration, by the fields that define it.

    ``role`` is ``baseline`` (n = 0), ``expanded`` (n > 0, fill != 0), ``fill0`` (the
    control: n > 0 constants equal to zero), ``matched`` (the parameter-matched baseline) or
    one of the bias-equivalent baselines ``bias_init``, ``bias_lr``, ``equivalent`` (``bias``,
    imitating ``bias_n`` constants ``bias_fill``), or ``equivariant`` (the group-averaged
    network).
    """

    n: int
    fill: float
    layout: str
    match_params: int = 0
    bias: str = ""
    bias_n: int = 0
    bias_fill: float = 0.0
    equivariant: bool = False

    @classmethod
    def of(cls, spec: RunSpec) -> "Arm":
        e, o = spec.expansion, spec.options
        bias = dict(bias=o.bias_control, bias_n=o.bias_n, bias_fill=o.bias_fill,
                    equivariant=o.equivariant)
        # every n = 0 arm is the same network whatever its fill and layout
        if e.n == 0:
            return cls(0, 0.0, "", o.match_params, **bias)
        return cls(e.n, e.fill, e.layout, o.match_params, **bias)

    @property
    def role(self) -> str:
        if self.match_params:
            return "matched"
        if self.bias:
            return self.bias
        if self.equivariant:
            return "equivariant"
        if self.n == 0:
            return "baseline"
        return "fill0" if self.fill == 0.0 else "expanded"

    def controls_for(self, n: int, fill: float) -> bool:
        """Whether this arm is a control of the expanded setting ``(n, fill)``.

        ``fill0`` must have ``n`` zero columns, ``matched`` must match ``n`` columns' parameters,
        and a bias-equivalent baseline must imitate ``n`` columns of ``fill``; ``equivariant``
        is a control of any setting; the other roles are no control.
        """
        role = self.role
        if role == "fill0":
            return self.n == n
        if role == "matched":
            return self.match_params == n
        if self.bias:
            return self.bias_n == n and math.isclose(self.bias_fill, fill)
        return role == "equivariant"

    @property
    def label(self) -> str:
        """``baseline``, ``n=4 fill=3.142 append``, ``matched n=4``, ``equivalent n=4
        fill=3.142``."""
        if self.match_params:
            return f"matched n={self.match_params}"
        if self.bias:
            return f"{self.bias} n={self.bias_n} fill={self.bias_fill:.4g}"
        if self.equivariant:
            return "equivariant" + (f" n={self.n} fill={self.fill:.4g} {self.layout}"
                                    if self.n else "")
        if self.n == 0:
            return "baseline"
        return f"n={self.n} fill={self.fill:.4g} {self.layout}"


def budget_label(spec: RunSpec) -> str:
    """The budget name with its overrides: ``quick [adam_iterations=5000]``."""
    over = ", ".join(f"{k}={v}" for k, v in spec.budget_overrides)
    return spec.budget + (f" [{over}]" if over else "")


def parse_budget_label(label: str) -> tuple[str, dict[str, str]]:
    """The inverse of :func:`budget_label`: ``(name, {override: value})``."""
    name, _, rest = label.partition(" [")
    return name, dict(i.split("=", 1) for i in rest.rstrip("]").split(", ") if "=" in i)


def arm_label(spec: RunSpec) -> str:
    """Short name of a spec's arm (:attr:`Arm.label`)."""
    return Arm.of(spec).label


def config_key(spec: RunSpec) -> tuple:
    """The fields that define a spec's model configuration (everything but arm and seed)."""
    return (spec.problem, spec.task, spec.model, spec.method, spec.engine, spec.params,
            spec.budget, spec.budget_overrides, spec.data_seed, spec.data)


def config_label(spec: RunSpec, *, overrides: bool = True) -> str:
    """``problem/task/model[+method]`` plus a non-default engine, parameters and (unless
    ``overrides=False``: the budget axis's family label) budget changes."""
    label = f"{spec.problem}/{spec.task}/{spec.model}" + (f"+{spec.method}" if spec.method else "")
    extras = ([f"engine={spec.engine}"] if spec.engine else []) + \
        [f"{k}={v}" for k, v in spec.params] + \
        ([f"{k}={v}" for k, v in spec.budget_overrides] if overrides else [])
    if extras:
        label += " [" + ", ".join(extras) + "]"
    return label
