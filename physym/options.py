"""Architecture options beyond the input expansion: controls and regularisation techniques.

:class:`ModelOptions` travels with a :class:`~physym.runner.RunSpec` to the model adapters.
Its default changes nothing. It exists for two experiments:

* the **parameter-matched control** of a study (``match_params = n``): the baseline's
  first layer is widened until the network has (as nearly as whole units allow) the
  parameter count of the model expanded by ``n`` constants, so a gain from expansion can
  be told apart from a gain from extra first-layer parameters;
* the **symmetry-breaking techniques** the replica metric compares (``dropout``,
  ``batchnorm``) on coordinate networks;
* the **bias-equivalent controls** (``bias_init``, ``bias_lr``, both = ``equivalent``): a
  baseline network that imitates the first-layer bias of the network expanded by
  ``bias_n`` constants ``bias_fill`` (see ``docs/method.md``, "Expansion as a bias");
* **equivariance** (``equivariant``): the network averaged over the symmetry group its
  problem declares (:mod:`physym.equivariance`), so that it has the solution's symmetry
  exactly.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion

__all__ = ["ModelOptions", "matched_extra_units", "BIAS_CONTROLS", "BIAS_LAYOUTS"]

_FIELDS = ("match_params", "dropout", "batchnorm", "bias_init", "bias_lr", "bias_n", "bias_fill",
           "equivariant")
#: The option switches an adapter lists in ``Adapter.options`` (``bias_n`` and ``bias_fill``
#: are the parameters of ``bias_init``/``bias_lr`` and go with them).
_SWITCHES = ("match_params", "dropout", "batchnorm", "bias_init", "bias_lr", "equivariant")
#: Names of the bias-equivalent controls, by ``(bias_init, bias_lr)``.
BIAS_CONTROLS = {(True, False): "bias_init", (False, True): "bias_lr", (True, True): "equivalent"}
#: Layouts whose constants enter a linear first map (and so are a bias in disguise).
BIAS_LAYOUTS = ("append", "symmetric", "channels")


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
    bias_init : bool
        Keyword-only. Start from the initial function of the network expanded by
        ``bias_n`` constants ``bias_fill`` (same seed): its first-layer weights of the
        original inputs and all later layers, and the first-layer bias
        ``b0 + bias_fill * W_aux @ 1`` (the auxiliary columns folded into the bias).
    bias_lr : bool
        Keyword-only. Train the first-layer bias with Adam at ``(1 + bias_n |bias_fill|)``
        times the learning rate (a separate parameter group).
    bias_n : int
        Keyword-only. The ``n`` of the expansion that ``bias_init``/``bias_lr`` imitate
        (``>= 1`` when either is on, else ``0``).
    bias_fill : float
        Keyword-only. The constant of that expansion (finite).
    equivariant : bool
        Keyword-only. Average the network over the symmetries the problem declares
        (``Problem.symmetries``): exactly equivariant by construction.

    With ``bias_init`` and ``bias_lr`` together (the ``equivalent`` control), a baseline
    trained by Adam without weight decay is the expanded network, up to Adam's ``eps``.
    """

    match_params: int = 0
    dropout: float = 0.0
    batchnorm: bool = False
    _: KW_ONLY
    bias_init: bool = False
    bias_lr: bool = False
    bias_n: int = 0
    bias_fill: float = 0.0
    equivariant: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.match_params, bool) or not isinstance(self.match_params, int) \
                or self.match_params < 0:
            raise ValueError(f"match_params must be a non-negative integer, got {self.match_params!r}")
        if not (isinstance(self.dropout, (int, float)) and math.isfinite(self.dropout)
                and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be a probability in [0, 1), got {self.dropout!r}")
        if not isinstance(self.batchnorm, bool):
            raise ValueError(f"batchnorm must be true or false, got {self.batchnorm!r}")
        for name in ("bias_init", "bias_lr", "equivariant"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if isinstance(self.bias_n, bool) or not isinstance(self.bias_n, int) or self.bias_n < 0:
            raise ValueError(f"bias_n must be a non-negative integer, got {self.bias_n!r}")
        if isinstance(self.bias_fill, bool) or not isinstance(self.bias_fill, (int, float)) \
                or not math.isfinite(self.bias_fill):
            raise ValueError(f"bias_fill must be a finite number, got {self.bias_fill!r}")
        object.__setattr__(self, "bias_fill", float(self.bias_fill))
        on = self.bias_init or self.bias_lr
        if on and self.bias_n < 1:
            raise ValueError("bias_init and bias_lr imitate an expansion: they need bias_n >= 1 "
                             f"(its number of constants), got bias_n = {self.bias_n}")
        if not on and (self.bias_n or self.bias_fill):
            raise ValueError("bias_n and bias_fill are the parameters of bias_init / bias_lr; "
                             "set one of them, or leave bias_n and bias_fill at 0")
        if on and (self.match_params or self.dropout or self.batchnorm or self.equivariant):
            raise ValueError("the bias-equivalent controls (bias_init, bias_lr) combine with no "
                             "other option (match_params, dropout, batchnorm, equivariant)")

    @property
    def is_default(self) -> bool:
        return self == ModelOptions()

    @property
    def bias_control(self) -> str:
        """``"bias_init"``, ``"bias_lr"``, ``"equivalent"`` or ``""`` (none)."""
        return BIAS_CONTROLS.get((self.bias_init, self.bias_lr), "")

    @property
    def bias_lr_factor(self) -> float:
        """Learning-rate factor of the first-layer bias: ``1 + bias_n |bias_fill|`` with
        ``bias_lr``, else 1."""
        return 1.0 + self.bias_n * abs(self.bias_fill) if self.bias_lr else 1.0

    def imitated(self, expansion: "Expansion") -> "Expansion":
        """The expansion a ``bias_init`` control starts from: ``bias_n`` constants
        ``bias_fill`` in the layout of the run's (``n = 0``) ``expansion``."""
        from physym.expansion import Expansion  # noqa: PLC0415  (a sibling contract)

        return Expansion(self.bias_n, self.bias_fill, expansion.layout)

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
        if self.bias_control:
            parts.append(f"{self.bias_control} of n={self.bias_n} fill={self.bias_fill:.4g}")
        if self.equivariant:
            parts.append("equivariant")
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
        for name in _SWITCHES:
            if name not in supported and getattr(self, name) != getattr(ModelOptions(), name):
                raise ValueError(
                    f"option {name} is not available for model {model}; "
                    f"it supports {', '.join(supported) or 'no options'}"
                )
        if self.match_params and not expansion.is_identity:
            raise ValueError("the parameter-matched control (match_params) is a baseline: "
                             f"it needs expansion n = 0, got n = {expansion.n}")
        if self.bias_control:
            if not expansion.is_identity:
                raise ValueError(f"the {self.bias_control} control is a baseline: it needs "
                                 f"expansion n = 0, got n = {expansion.n}")
            if expansion.layout not in BIAS_LAYOUTS:
                raise ValueError(f"the {self.bias_control} control needs a layout whose constants "
                                 f"enter a linear first map ({', '.join(BIAS_LAYOUTS)}), "
                                 f"got {expansion.layout!r}")


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
