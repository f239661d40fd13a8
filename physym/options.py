"""Architecture options beyond the input expansion: controls and regularisation techniques.

:class:`ModelOptions` travels with a :class:`~physym.runner.RunSpec` to the model adapters.
Its default changes nothing. It exists for two experiments:

* the **parameter-matched control** of a study (``match_params = n``): the baseline's
  first layer is widened until the network has (as nearly as whole units allow) the
  parameter count of the model expanded by ``n`` constants, so a gain from expansion can
  be told apart from a gain from extra first-layer parameters;
* the **symmetry-breaking techniques** the replica metric compares (``dropout``,
  ``batchnorm``) on coordinate networks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion

__all__ = ["ModelOptions", "matched_extra_units"]

_FIELDS = ("match_params", "dropout", "batchnorm")


@dataclass(frozen=True)
class ModelOptions:
    """Keyword-only architecture options; the defaults leave a model unchanged.

    Parameters
    ----------
    match_params : int
        ``0`` (off) or the number ``n`` of auxiliary constants whose extra first-layer
        parameters the (unexpanded) model should match by widening its first layer.
    dropout : float
        Dropout probability after every hidden activation (coordinate networks), ``[0, 1)``.
    batchnorm : bool
        Batch normalisation before every hidden activation (coordinate networks).
    """

    match_params: int = 0
    dropout: float = 0.0
    batchnorm: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.match_params, bool) or not isinstance(self.match_params, int) \
                or self.match_params < 0:
            raise ValueError(f"match_params must be a non-negative integer, got {self.match_params!r}")
        if not (isinstance(self.dropout, (int, float)) and math.isfinite(self.dropout)
                and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be a probability in [0, 1), got {self.dropout!r}")
        if not isinstance(self.batchnorm, bool):
            raise ValueError(f"batchnorm must be true or false, got {self.batchnorm!r}")

    @property
    def is_default(self) -> bool:
        return self == ModelOptions()

    def to_dict(self) -> dict[str, Any]:
        """Only the options that differ from the default (``{}`` for the default)."""
        default = ModelOptions()
        return {k: getattr(self, k) for k in _FIELDS
                if getattr(self, k) != getattr(default, k)}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "ModelOptions":
        return cls(**(d or {}))

    def describe(self) -> str:
        parts = []
        if self.match_params:
            parts.append(f"param-matched to n={self.match_params}")
        if self.dropout:
            parts.append(f"dropout {self.dropout:g}")
        if self.batchnorm:
            parts.append("batch norm")
        return ", ".join(parts) or "none"

    def check_for(self, *, model: str, supported: tuple[str, ...],
                  expansion: "Expansion") -> None:
        """``ValueError`` unless ``model`` supports these options with ``expansion``.

        Parameters
        ----------
        model : str
            Model name, for the message.
        supported : tuple of str
            The option fields the model's adapter supports (:attr:`Adapter.options`).
        expansion : Expansion
            The run's expansion: the parameter-matched control is a baseline (``n = 0``).
        """
        for name in _FIELDS:
            if name not in supported and getattr(self, name) != getattr(ModelOptions(), name):
                raise ValueError(
                    f"option {name} is not available for model {model}; "
                    f"it supports {', '.join(supported) or 'no options'}"
                )
        if self.match_params and not expansion.is_identity:
            raise ValueError("the parameter-matched control (match_params) is a baseline: "
                             f"it needs expansion n = 0, got n = {expansion.n}")


def matched_extra_units(*, n: int, fan_out: int, fan_in: int, next_fan_out: int) -> int:
    """Extra first-layer units whose parameters best match ``n`` extra inputs.

    ``n`` constant inputs add ``n * fan_out`` weights to a first layer ``fan_in -> fan_out``.
    One more unit of that layer adds ``fan_in + 1`` weights and bias, and ``next_fan_out``
    weights in the next layer. Returns the non-negative whole number of units closest to
    the target.
    """
    if n <= 0:
        return 0
    per_unit = fan_in + 1 + next_fan_out
    return max(0, int(round(n * fan_out / per_unit)))
