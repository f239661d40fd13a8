"""Symmetries a problem declares, and the group average that builds them into a network.

A problem lists the non-identity elements ``g`` of a finite group under which its solution
is equivariant (``Problem.symmetries``). Each element is a :class:`Symmetry`: ``inputs``
acts on what the network reads (PINN: the points ``(N, d)``; grid operator: the fields
``(B, C, *grid)``) and ``outputs`` is the inverse action on what it returns, so that the
solution ``u`` satisfies ``u(x) = outputs(u(inputs(x)))``. :func:`group_average` turns any
network ``f`` into

    f_G(x) = (f(x) + sum_g outputs_g(f(inputs_g(x)))) / |G|,

which has the symmetry exactly when the elements (with the identity) form a group. The
``equivariant`` technique (:class:`~physym.options.ModelOptions`) trains ``f_G``; the
expansion constants stay inside ``f`` (they are not moved by ``g``).

Examples: the Burgers PINN ``u(-x, t) = -u(x, t)``; Allen-Cahn even in ``x``; the periodic
Burgers operator, which commutes with ``f(x) -> -f(-x)``; the Darcy operator with the eight
rotations and reflections of the square (D4), the coefficient field transformed with the
solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch

__all__ = ["Symmetry", "group_average", "periodic_odd_reflection", "reflect_first_input",
           "square_symmetries"]


@dataclass(frozen=True)
class Symmetry:
    """One non-identity group element: ``inputs`` moves the input, ``outputs`` moves the
    output back (both torch functions that keep shapes)."""

    name: str
    inputs: Callable[[torch.Tensor], torch.Tensor]
    outputs: Callable[[torch.Tensor], torch.Tensor]


def group_average(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                  symmetries: Sequence[Symmetry]) -> torch.Tensor:
    """``(f(x) + sum_g g.outputs(f(g.inputs(x)))) / (1 + len(symmetries))``."""
    total = f(x)
    for g in symmetries:
        total = total + g.outputs(f(g.inputs(x)))
    return total / (1 + len(symmetries))


def reflect_first_input(x: torch.Tensor) -> torch.Tensor:
    """``(x_0, x_1, ...) -> (-x_0, x_1, ...)`` on points ``(N, d)``: the mirror ``x -> -x``."""
    return torch.cat([-x[:, :1], x[:, 1:]], dim=1)


def _odd_reflect(a: torch.Tensor) -> torch.Tensor:
    """``f(x_j) -> -f(-x_j)`` on a periodic grid ``x_j = j / N`` (last axis): ``j -> -j mod N``."""
    return -torch.roll(torch.flip(a, dims=(-1,)), 1, dims=-1)


def periodic_odd_reflection() -> tuple[Symmetry, ...]:
    """The reflection ``f(x) -> -f(-x)`` of fields on a periodic 1-D grid, for inputs and
    outputs alike (an involution: its own inverse)."""
    return (Symmetry("f(x) -> -f(-x)", _odd_reflect, _odd_reflect),)


def _rot(k: int, flip: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    def act(a: torch.Tensor) -> torch.Tensor:
        a = torch.flip(a, dims=(-1,)) if flip else a
        return torch.rot90(a, k, dims=(-2, -1))
    return act


def _inverse(k: int, flip: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    def act(a: torch.Tensor) -> torch.Tensor:
        a = torch.rot90(a, -k, dims=(-2, -1))
        return torch.flip(a, dims=(-1,)) if flip else a
    return act


def square_symmetries() -> tuple[Symmetry, ...]:
    """The 7 non-identity elements of D4 acting on the last two (square) axes of a field."""
    out = []
    for flip in (False, True):
        for k in range(4):
            if k == 0 and not flip:
                continue
            name = ("flip " if flip else "") + f"rot{90 * k}"
            out.append(Symmetry(name, _rot(k, flip), _inverse(k, flip)))
    return tuple(out)
