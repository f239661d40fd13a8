"""The L-BFGS phase by scipy's L-BFGS-B over a torch loss (issue 18's stall fix).

torch's ``LBFGS`` keeps its iterate, directions and curvature pairs in the parameters' dtype,
float32 for a PINN. On the standard Burgers PINN (n = 4 pi, seed 1) its strong-Wolfe search
returned a zero step after 3 of 5000 iterations and DeepXDE ended the phase at a loss of
8.3e-4; a fresh torch L-BFGS from that point stopped after 1 iteration, while scipy's
L-BFGS-B on the same float32 loss ran 5000 iterations down to 1.3e-5
(``benchmarks/results/lbfgs-stall.md``). L-BFGS-B keeps the iterate and its two-loop
recursion in float64 and searches with Moré-Thuente's line search. Over a float32 loss it
still stopped early where the loss's decrease along its direction was at float32 rounding
level (the Burgers ``equivalent`` control, seed 2: 3 iterations); with the network and the
loss in float64 for the phase it ran on (5000 iterations, 4.9e-4 -> 8.1e-6), which is why the
PINN trainers' default ``PINNBudget.lbfgs_solver`` is ``"scipy-float64"``.

:func:`minimize_lbfgsb` runs scipy over any torch loss, in the parameters' own dtype: the
loss and its gradient come from torch, the parameters are written back after every
evaluation. DeepXDE's settings carry over: at most ``maxiter`` iterations and ``1.25
maxiter`` evaluations, history 100, gradient tolerance 1e-8, and no tolerance on the change
of the loss (DeepXDE's ``ftol = 0``).
"""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterator, Sequence

import numpy as np
import torch

__all__ = ["minimize_lbfgsb", "in_float64", "LBFGSB_HISTORY", "LBFGSB_GTOL"]

#: Curvature pairs kept (DeepXDE's ``maxcor``).
LBFGSB_HISTORY = 100
#: Projected-gradient tolerance (DeepXDE's ``gtol``).
LBFGSB_GTOL = 1e-8


class _NonFinite(Exception):
    """Raised inside scipy's loop to stop it at a NaN or infinite loss."""


@contextlib.contextmanager
def in_float64(net: torch.nn.Module, enabled: bool = True) -> Iterator[None]:
    """Hold ``net`` in float64 for the block, then cast it back to the dtype it had
    (the ``"scipy-float64"`` L-BFGS phase); does nothing when ``enabled`` is False."""
    dtype = next(net.parameters()).dtype
    if enabled:
        net.double()
    try:
        yield
    finally:
        if enabled:
            net.to(dtype)


def _stop_reason(message: str, nit: int, maxiter: int) -> str:
    """scipy's message -> one of :data:`physym.convergence.STOP_REASONS`."""
    text = message.upper()
    if nit >= maxiter or "TOTAL NO. OF" in text or "LIMIT" in text:
        return "iteration limit"
    if "PGTOL" in text or "PROJECTED GRADIENT" in text:
        return "tolerance"
    return "no progress"  # REL_REDUCTION_OF_F (no decrease), ABNORMAL_TERMINATION_IN_LNSRCH


def minimize_lbfgsb(params: Sequence[torch.Tensor], loss: Callable[[], torch.Tensor], *,
                    maxiter: int, history: list[tuple[int, float]] | None = None,
                    offset: int = 0, progress: Callable[[int], None] | None = None,
                    every: int = 50) -> tuple[int, str, float]:
    """Minimise ``loss()`` over ``params`` in place with scipy's L-BFGS-B.

    Parameters
    ----------
    params : sequence of torch.Tensor
        The trainable tensors (any dtype and device; scipy sees them flattened, float64).
    loss : callable
        Evaluates the scalar loss at the current ``params`` (a graph to backpropagate).
    maxiter : int
        Iteration limit; the evaluation limit is ``1.25 * maxiter`` as in DeepXDE.
    history : list, optional
        ``(offset + iteration, loss)`` is appended every ``every`` iterations.
    progress : callable, optional
        Called with iteration counts as they are done.

    Returns
    -------
    (iterations, stop, final_loss)
        ``stop`` is ``"iteration limit"``, ``"tolerance"``, ``"no progress"`` or
        ``"non-finite loss"``; the parameters are those of the best point scipy returned.
    """
    from scipy.optimize import minimize  # noqa: PLC0415

    params = list(params)
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def put(x: np.ndarray) -> None:
        flat = torch.as_tensor(x)
        with torch.no_grad():
            for p, chunk in zip(params, torch.split(flat, sizes)):
                p.copy_(chunk.view(p.shape).to(p.dtype))

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        put(x)
        for p in params:
            p.grad = None
        value = loss()
        value.backward()
        f = float(value.detach())
        if not math.isfinite(f):
            raise _NonFinite
        grads = [p.grad if p.grad is not None else torch.zeros(s, dtype=p.dtype, device=p.device)
                 for p, s in zip(params, shapes)]
        return f, torch.cat([g.reshape(-1) for g in grads]).detach().cpu().double().numpy()

    state = {"nit": 0, "f": math.nan}

    def callback(intermediate_result) -> None:  # scipy >= 1.11
        state["nit"] += 1
        state["f"] = float(intermediate_result.fun)
        if history is not None and state["nit"] % every == 0:
            history.append((offset + state["nit"], state["f"]))
        if progress is not None:
            progress(1)

    x0 = torch.cat([p.detach().reshape(-1) for p in params]).cpu().double().numpy()
    try:
        res = minimize(fun, x0, jac=True, method="L-BFGS-B", callback=callback,
                       options={"maxiter": maxiter, "maxfun": max(1, int(1.25 * maxiter)),
                                "maxcor": LBFGSB_HISTORY, "ftol": 0.0, "gtol": LBFGSB_GTOL})
    except _NonFinite:
        return state["nit"], "non-finite loss", math.nan
    put(res.x)
    return int(res.nit), _stop_reason(str(res.message), int(res.nit), maxiter), float(res.fun)
