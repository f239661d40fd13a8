"""Input dimension expansion: append constant, non-trainable auxiliary inputs.

A network's input ``x`` is widened with ``n`` constants ``c`` before its first layer. For a
coordinate network (PINN, MLP) ``(N, d) -> (N, d + n)``; for a grid operator either ``n``
constant channels ``(B, C, *grid) -> (B, C + n, *grid)`` or, following the original image
method, every grid axis is interleaved with ``n`` constant points per original point.

Through a linear first layer a constant input ``c`` acts like an extra bias ``c * W_aux``:
expansion re-parametrises the first layer's bias, which is why a study must include a
``fill = 0`` control and a parameter-matched baseline (see ``docs/method.md``).

The constants never carry a gradient and never change the data, the loss, or the optimiser:
two arms of a comparison differ only in the width of the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

__all__ = ["Expansion", "LAYOUTS", "COORDINATE_LAYOUTS", "GRID_LAYOUTS", "parse_fill"]

Layout = Literal["append", "symmetric", "channels", "interleave"]

#: Layouts for networks that take points ``(N, d)``.
COORDINATE_LAYOUTS: tuple[str, ...] = ("append", "symmetric")
#: Layouts for networks that take grids ``(B, C, *grid)``.
GRID_LAYOUTS: tuple[str, ...] = ("channels", "interleave")
LAYOUTS: tuple[str, ...] = COORDINATE_LAYOUTS + GRID_LAYOUTS

_NAMED_FILLS = {"pi": math.pi, "π": math.pi, "e": math.e}
#: Largest magnitude of a fill constant. The constants multiply first-layer weights of order
#: one; far beyond this the first layer saturates (tanh) or float32 overflows (1e308 did).
MAX_FILL = 1e6


def parse_fill(value: str | float) -> float:
    """Parse a fill constant: a finite float, or the names ``pi`` and ``e``.

    Raises
    ------
    ValueError
        If the value is not a number or a known name, or is not finite.
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _NAMED_FILLS:
            return _NAMED_FILLS[key]
        try:
            number = float(key)
        except ValueError:
            raise ValueError(
                f"fill must be a finite number with |fill| <= {MAX_FILL:g}, 'pi' or 'e', "
                f"got {value!r}"
            ) from None
    else:
        number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_FILL:
        raise ValueError(f"fill must be a finite number with |fill| <= {MAX_FILL:g}, 'pi' or "
                         f"'e', got {value!r}")
    return number


@dataclass(frozen=True)
class Expansion:
    """Specification of an input expansion.

    Parameters
    ----------
    n : int
        Number of auxiliary constants in total (``n >= 0``), not per input: a PINN on
        ``(x, t)`` with ``n = 4`` takes ``2 + 4`` inputs; an operator gets ``n`` constant
        channels (``interleave``: ``n`` fill points after each original point, per axis).
        ``n = 0`` is the baseline and leaves every input unchanged.
    fill : float
        Value of the constants, finite with ``|fill| <= MAX_FILL``; ``parse_fill`` also
        accepts ``"pi"`` and ``"e"``.
    layout : {"append", "symmetric", "channels", "interleave"}
        ``append``: ``[x, t, c, ..., c]``; ``symmetric``: ``n // 2`` constants before the
        inputs and the rest after (the ``[pi, pi, x, pi, pi]`` form); ``channels``: ``n``
        constant channels after the data channels; ``interleave``: along every grid axis,
        the original values at every ``(n + 1)``-th point and ``fill`` elsewhere.

    Examples
    --------
    >>> e = Expansion(2, fill=0.5, layout="append")
    >>> e(torch.zeros(3, 2)).shape
    torch.Size([3, 4])
    """

    n: int = 0
    fill: float = math.pi
    layout: Layout = "append"

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int):
            raise ValueError(f"expand must be a non-negative integer, got {self.n!r}")
        if self.n < 0:
            raise ValueError(f"expand must be a non-negative integer, got {self.n}")
        object.__setattr__(self, "fill", parse_fill(self.fill))
        if self.layout not in LAYOUTS:
            raise ValueError(
                f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}"
            )

    # ------------------------------------------------------------------ helpers
    @property
    def is_identity(self) -> bool:
        """True for the baseline (``n == 0``)."""
        return self.n == 0

    @property
    def kind(self) -> str:
        """``"coordinate"`` or ``"grid"``: the kind of network this layout applies to."""
        return "coordinate" if self.layout in COORDINATE_LAYOUTS else "grid"

    def baseline(self) -> "Expansion":
        """The same specification with ``n = 0``."""
        return Expansion(0, self.fill, self.layout)

    def check_for(self, kind: str, *, allowed: tuple[str, ...] | None = None) -> None:
        """Raise ``ValueError`` if this layout cannot be used with a network of ``kind``.

        Parameters
        ----------
        kind : {"coordinate", "grid"}
            The kind of network input.
        allowed : tuple of str, optional
            A narrower set of layouts a particular model accepts.
        """
        legal = allowed if allowed is not None else (
            COORDINATE_LAYOUTS if kind == "coordinate" else GRID_LAYOUTS
        )
        if self.layout not in legal:
            raise ValueError(
                f"layout {self.layout!r} cannot be used with this model; "
                f"allowed: {', '.join(legal)}"
            )

    def width(self, d: int) -> int:
        """Input width after expansion for ``d`` original coordinates or channels.

        ``interleave`` keeps the channel count (it expands the grid instead).
        """
        return d if self.layout == "interleave" else d + self.n

    def grid_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Spatial shape after expansion (only ``interleave`` changes it)."""
        if self.layout != "interleave":
            return tuple(shape)
        return tuple(s * (self.n + 1) for s in shape)

    # ------------------------------------------------------------------ apply
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the expansion.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, d)`` points for coordinate layouts, ``(B, C, *grid)`` for grid layouts.

        Returns
        -------
        torch.Tensor
            ``(N, d + n)``, ``(B, C + n, *grid)`` or ``(B, C, *[s * (n + 1) for s in grid])``,
            on ``x``'s device and dtype. The constants carry no gradient.
        """
        if self.n == 0:
            return x
        if self.layout == "append":
            return append_constants(x, self.n, self.fill)
        if self.layout == "symmetric":
            return symmetric_constants(x, self.n, self.fill)
        if self.layout == "channels":
            return channel_constants(x, self.n, self.fill)
        return interleave(x, self.n, self.fill)

    def restrict(self, y: torch.Tensor) -> torch.Tensor:
        """Read a grid output back at the original points (inverse of ``interleave``).

        Parameters
        ----------
        y : torch.Tensor
            ``(B, C_out, *expanded_grid)``.

        Returns
        -------
        torch.Tensor
            ``(B, C_out, *grid)``; unchanged for every layout except ``interleave``.
        """
        if self.n == 0 or self.layout != "interleave":
            return y
        return deinterleave(y, self.n)

    def describe(self) -> str:
        """Short human-readable form, e.g. ``"n=4, fill=π, append"``."""
        fill = "π" if self.fill == math.pi else ("e" if self.fill == math.e else f"{self.fill:g}")
        return f"n={self.n}, fill={fill}, {self.layout}"


def _check_rank(x: torch.Tensor, rank: int, what: str) -> None:
    if x.ndim < rank:
        raise ValueError(f"{what} expects a tensor with at least {rank} dims, got {tuple(x.shape)}")


def append_constants(x: torch.Tensor, n: int, fill: float) -> torch.Tensor:
    """``(N, d) -> (N, d + n)``: ``[x, c, ..., c]``."""
    _check_rank(x, 2, "append")
    const = torch.full((*x.shape[:-1], n), fill, dtype=x.dtype, device=x.device)
    return torch.cat([x, const], dim=-1)


def symmetric_constants(x: torch.Tensor, n: int, fill: float) -> torch.Tensor:
    """``(N, d) -> (N, d + n)``: ``n // 2`` constants before ``x`` and the rest after."""
    _check_rank(x, 2, "symmetric")
    before = n // 2
    left = torch.full((*x.shape[:-1], before), fill, dtype=x.dtype, device=x.device)
    right = torch.full((*x.shape[:-1], n - before), fill, dtype=x.dtype, device=x.device)
    return torch.cat([left, x, right], dim=-1)


def channel_constants(x: torch.Tensor, n: int, fill: float) -> torch.Tensor:
    """``(B, C, *grid) -> (B, C + n, *grid)``: ``n`` constant channels after the data."""
    _check_rank(x, 3, "channels")
    const = torch.full((x.shape[0], n, *x.shape[2:]), fill, dtype=x.dtype, device=x.device)
    return torch.cat([x, const], dim=1)


def interleave(x: torch.Tensor, n: int, fill: float) -> torch.Tensor:
    """``(B, C, s_1, ..., s_k) -> (B, C, s_1 (n+1), ..., s_k (n+1))``.

    The original values sit at indices ``0, n+1, 2(n+1), ...`` of every spatial axis;
    every other point holds ``fill``. Gradients flow to ``x`` only.
    """
    _check_rank(x, 3, "interleave")
    step = n + 1
    shape = (*x.shape[:2], *(s * step for s in x.shape[2:]))
    out = torch.full(shape, fill, dtype=x.dtype, device=x.device)
    index = (slice(None), slice(None)) + (slice(None, None, step),) * (x.ndim - 2)
    out[index] = x
    return out


def deinterleave(y: torch.Tensor, n: int) -> torch.Tensor:
    """Inverse of :func:`interleave`: keep every ``(n + 1)``-th point along each grid axis."""
    _check_rank(y, 3, "deinterleave")
    step = n + 1
    for axis, size in enumerate(y.shape[2:], start=2):
        if size % step:
            raise ValueError(
                f"grid axis {axis} has {size} points, not a multiple of n + 1 = {step}"
            )
    index = (slice(None), slice(None)) + (slice(None, None, step),) * (y.ndim - 2)
    return y[index]
