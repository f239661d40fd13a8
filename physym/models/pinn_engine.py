"""The ``jet`` engine: PINN training on a compiled derivative-carrying forward pass.

The ``deepxde`` engine (the default) trains a ``dde.Model``: every step DeepXDE runs the
network on all training points, builds the residual's derivatives by nested reverse-mode
autograd (``dde.grad``) and backpropagates through that graph. The ``jet`` engine trains
the same network on the same points, with the same loss, the same optimisers and the same
settings, but:

* the PDE residual comes from :func:`physym.models.pinn_jet.jet_forward` (derivatives carried
  forward through the tanh layers, one ordinary backward pass for the weights) and the
  problem's :meth:`~physym.problem.PINNProblem.jet_residual`, on the domain points only;
* that domain loss is compiled by :func:`torch.compile` (eager when compilation fails, with
  the reason in the record);
* value conditions (``DirichletBC``, ``IC``) are part of that compiled loss, against targets
  computed once by DeepXDE's own ``bc.error``; the other conditions are DeepXDE's ``bc.error``
  on the condition points (which come first in ``data.train_x``), evaluated eagerly;
* the loop is a plain torch loop that mirrors DeepXDE's: Adam (``torch.optim.Adam``, as
  DeepXDE's ``"adam"``), then L-BFGS as the budget says: scipy's L-BFGS-B (the default, on
  the loss built again in float64; :mod:`physym.models.lbfgsb`, the same call as on the
  DeepXDE path) or ``torch.optim.LBFGS`` in chunks of
  :data:`~physym.models.pinn_train.LBFGS_CHUNK` iterations with DeepXDE's options, ending
  where DeepXDE's loop ends (a chunk that advances one iteration), and a record identical in
  form to :func:`~physym.models.pinn_train.train_phases`'.

Where it cannot do the same thing (another training method, a network other than a plain
tanh ``FNN``, a problem without a jet form, data other than ``PDE``/``TimePDE``) the run
falls back to the ``deepxde`` engine and the record says why (:func:`jet_fallback`).

The two engines compute the same loss up to float rounding (compiled kernels sum in another
order), so short runs agree closely (``tests/models/test_pinn_engine.py``); long nonconvex
training amplifies rounding, so a study compares arms trained by one engine.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.convergence import Phase, training_record
from physym.models.lbfgsb import in_float64, minimize_lbfgsb
from physym.models.pinn_jet import input_embedding, jet_forward, jet_unsupported
from physym.models.pinn_train import (HISTORY_POINTS, _adam, lbfgs_options, lbfgs_segments,
                                      lbfgs_stop)
from physym.options import ModelOptions
from physym.problem import TrainingDiverged

if TYPE_CHECKING:  # pragma: no cover
    from physym.problem import PINNProblem

__all__ = ["ENGINES", "DEFAULT_ENGINE", "JET_METHODS", "JetTraining", "jet_fallback",
           "train_jet", "predict"]

logger = logging.getLogger(__name__)

#: The PINN training engines (``RunSpec.engine``, ``--engine``).
ENGINES: tuple[str, ...] = ("deepxde", "jet")
DEFAULT_ENGINE = "deepxde"
#: The training methods the jet engine runs itself.
JET_METHODS: tuple[str, ...] = ("adam-lbfgs", "adam")


@dataclasses.dataclass
class JetTraining:
    """What :func:`train_jet` returns.

    Attributes
    ----------
    record : dict
        The ``training`` record (:func:`physym.convergence.training_record`), plus
        ``engine`` (``"jet"``), ``compiled`` and ``compile_s``.
    final_loss : float
        The training loss at the final weights.
    iterations : int
        Adam steps plus the L-BFGS iterations DeepXDE's loop would count.
    """

    record: dict[str, Any]
    final_loss: float
    iterations: int


def jet_fallback(dde: Any, problem: "PINNProblem", data: Any, net: Any, method: str) -> str | None:
    """Why the jet engine cannot train this run (``None`` when it can)."""
    if method not in JET_METHODS:
        return f"the {method} method trains through DeepXDE"
    if problem.jet_second_derivatives is None:
        return f"{type(problem).__name__} has no jet_residual"
    if type(data) not in (dde.data.PDE, dde.data.TimePDE):
        return f"the data are a {type(data).__name__}, not DeepXDE's PDE or TimePDE"
    if getattr(data, "auxiliary_var_fn", None) is not None:
        return "the data have auxiliary variables"
    reason = jet_unsupported(dde, net)
    if reason is not None:
        return reason
    d = len(problem.input_names)
    first = next(net.parameters())
    if input_embedding(net, d, dtype=first.dtype, device=first.device) is None:
        return "the network's input transform is not affine"
    return None


class _Loss:
    """The total training loss of ``net`` on ``data``'s points, as DeepXDE sums it: the mean
    square of each residual term on the domain points and of each condition's error on its
    own points (no loss weights).

    Value conditions (DeepXDE's ``DirichletBC`` and ``IC``: ``error = u[:, c] - values`` with
    values fixed by the points) are evaluated inside the compiled loss, from one plain forward
    pass on the condition points against targets computed once here; the other conditions
    (Neumann, Robin, periodic, operator, point-set) run eagerly through DeepXDE's ``bc.error``.
    """

    def __init__(self, dde: Any, problem: "PINNProblem", data: Any, net: Any, *,
                 compile: bool) -> None:
        first = next(net.parameters())
        self.dde, self.data, self.net = dde, data, net
        train_x = np.asarray(data.train_x)
        self.n_bc = int(sum(data.num_bcs))
        self.starts = [int(s) for s in np.cumsum([0] + list(data.num_bcs))]
        as_t = lambda a: torch.as_tensor(a, dtype=first.dtype, device=first.device)  # noqa: E731
        self.x_domain = as_t(train_x[self.n_bc:])
        self.x_bc = as_t(train_x[:self.n_bc])
        emb = input_embedding(net, self.x_domain.shape[1], dtype=first.dtype,
                              device=first.device)
        directions = tuple(problem.jet_second_derivatives or ())
        value_types = (dde.icbc.DirichletBC, dde.icbc.IC)
        values: list[tuple[int, int, int, torch.Tensor]] = []  # (begin, end, component, target)
        self.eager_bcs: list[int] = []
        zeros = torch.zeros((self.n_bc, len(problem.output_names)), dtype=first.dtype,
                            device=first.device)  # error(u = 0) = -values for value conditions
        for i, bc in enumerate(data.bcs):
            beg, end = self.starts[i], self.starts[i + 1]
            if type(bc) in value_types and end > beg:
                target = -bc.error(data.train_x, self.x_bc, zeros, beg, end)  # = values
                values.append((beg, end, int(bc.component), as_t(target).detach()))
            else:
                self.eager_bcs.append(i)

        def compiled_part() -> torch.Tensor:
            jet = jet_forward(net, self.x_domain, emb, directions)
            terms = problem.jet_residual(self.x_domain, jet)
            terms = terms if isinstance(terms, (list, tuple)) else [terms]
            total = sum(torch.mean(torch.square(t)) for t in terms)
            if values:
                u = net(self.x_bc)
                for beg, end, c, target in values:
                    total = total + torch.mean(torch.square(u[beg:end, c:c + 1] - target))
            return total

        self.compiled, self.compile_s, self.compile_error = False, 0.0, None
        self.domain: Callable[[], torch.Tensor] = compiled_part
        if compile:
            torch.compiler.reset()  # a new network object: start from clean guards
            fast = torch.compile(compiled_part)
            start = time.perf_counter()
            try:
                fast().backward()  # compile now; the gradient is zeroed before any step
                self.domain, self.compiled = fast, True
            except Exception as exc:  # noqa: BLE001  (a missing compiler, an unsupported op)
                self.compile_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                logger.warning("torch.compile failed, the jet engine runs eager: %s",
                               self.compile_error)
            self.compile_s = time.perf_counter() - start
            net.zero_grad(set_to_none=True)

    def conditions(self) -> torch.Tensor | float:
        """The sum of the other conditions' mean-square errors (DeepXDE's ``bc.error``)."""
        if not self.eager_bcs:
            return 0.0
        x = self.x_bc.clone().requires_grad_(True)
        y = self.net(x)
        total = 0.0
        for i in self.eager_bcs:
            beg, end = self.starts[i], self.starts[i + 1]
            error = self.data.bcs[i].error(self.data.train_x, x, y, beg, end)
            total = total + torch.mean(torch.square(error))
        self.dde.grad.clear()
        return total

    def __call__(self) -> torch.Tensor:
        return self.domain() + self.conditions()


def _check(value: float, what: str) -> None:
    if not math.isfinite(value):
        raise TrainingDiverged(f"non-finite training loss {what}")


def train_jet(dde: Any, problem: "PINNProblem", data: Any, net: Any, *, budget: PINNBudget,
              options: ModelOptions | None = None, adam_eps: float | None = None,
              progress: Callable[[int], None] | None = None,
              compile: bool = True) -> JetTraining:
    """Train ``net`` with the jet engine: Adam, then L-BFGS, as
    :func:`~physym.models.pinn_train.train_phases` does through DeepXDE.

    Call :func:`jet_fallback` first; this function assumes it returned ``None``.
    ``compile=False`` runs the jet loss eagerly (tests; the same numbers up to rounding).

    Raises
    ------
    TrainingDiverged
        When a recorded or final loss is NaN or infinite; Adam stops at the first recorded
        one (every ``adam_iterations / 100`` steps), as on the DeepXDE path.
    """
    net.train()
    loss_fn = _Loss(dde, problem, data, net, compile=compile)
    every = max(1, budget.adam_iterations // HISTORY_POINTS)
    history: list[tuple[int, float]] = []
    adam = _adam(net, budget.lr, options, adam_eps)
    if adam == "adam":
        adam = torch.optim.Adam(net.parameters(), lr=budget.lr)
    reported = 0
    for step in range(budget.adam_iterations):
        adam.zero_grad()
        loss = loss_fn()
        loss.backward()
        adam.step()
        if step % every == 0:
            history.append((step, float(loss.detach())))
            _check(history[-1][1], f"at Adam step {step}")
        if progress is not None and step + 1 - reported >= every:
            progress(step + 1 - reported)
            reported = step + 1
    if progress is not None and budget.adam_iterations > reported:
        progress(budget.adam_iterations - reported)
    phases = [Phase("adam", budget.adam_iterations, budget.adam_iterations, "iteration limit")]
    final = float(loss_fn().detach())
    _check(final, "after Adam")
    history.append((budget.adam_iterations, final))
    counted = 0  # L-BFGS iterations as DeepXDE's loop counts them (its last chunk of one is not)
    if budget.lbfgs_iterations > 0 and budget.lbfgs_solver.startswith("scipy"):
        wide = budget.lbfgs_solver == "scipy-float64"
        with in_float64(net, wide):
            # in float64, the same loss built again
            phase_loss = _Loss(dde, problem, data, net, compile=compile) if wide else loss_fn
            done, stop, _ = minimize_lbfgsb(
                list(net.parameters()), phase_loss, maxiter=budget.lbfgs_iterations,
                history=history, offset=budget.adam_iterations, progress=progress,
                every=max(1, budget.lbfgs_iterations // HISTORY_POINTS))
        phases.append(Phase("lbfgs", done, budget.lbfgs_iterations, stop))
        if stop == "non-finite loss":
            raise TrainingDiverged("non-finite training loss in L-BFGS")
        counted = done
        final = float(loss_fn().detach())
        _check(final, "in L-BFGS")
        history.append((budget.adam_iterations + done, final))
    elif budget.lbfgs_iterations > 0:
        first = next(net.parameters())

        def segment(limit: int) -> tuple[int, str, float]:
            nonlocal counted
            settings = lbfgs_options(dde, limit)
            opt = torch.optim.LBFGS(
                net.parameters(), lr=1, max_iter=settings["iter_per_step"],
                max_eval=settings["fun_per_step"], tolerance_grad=settings["gtol"],
                tolerance_change=settings["ftol"], history_size=settings["maxcor"],
                line_search_fn="strong_wolfe" if settings["maxls"] > 0 else None)

            def closure() -> torch.Tensor:
                value = loss_fn()
                opt.zero_grad()
                value.backward()
                return value

            def n_iter() -> int:
                return int(opt.state[first].get("n_iter", 0)) if first in opt.state else 0

            start, seen, recorded = counted, 0, []
            while seen < settings["maxiter"]:  # DeepXDE's loop bound
                before = float(opt.step(closure).detach())
                recorded.append((budget.adam_iterations + start + seen, before))
                done = n_iter()
                if done - seen <= 1 or not math.isfinite(before):
                    break  # DeepXDE's "converged" (a chunk of one iteration), or no step at all
                if progress is not None:
                    progress(done - seen)
                seen = done
            history.extend(recorded[1:])  # its first point is the previous end again
            counted = start + seen
            if not all(math.isfinite(v) for _, v in recorded):
                return n_iter(), "non-finite loss", math.nan
            return n_iter(), lbfgs_stop(opt, n_iter(), limit), float(loss_fn().detach())

        done, stop, restarts = lbfgs_segments(segment, limit=budget.lbfgs_iterations,
                                              start_loss=final,
                                              max_restarts=budget.lbfgs_restarts)
        phases.append(Phase("lbfgs", done, budget.lbfgs_iterations, stop, restarts))
        if stop == "non-finite loss":
            raise TrainingDiverged("non-finite training loss in L-BFGS")
        final = float(loss_fn().detach())
        _check(final, "in L-BFGS")
        history.append((budget.adam_iterations + done, final))
    record = training_record(phases, history)
    record.update(engine="jet", compiled=loss_fn.compiled, compile_s=loss_fn.compile_s)
    if loss_fn.compile_error is not None:
        record["compile_error"] = loss_fn.compile_error
    return JetTraining(record, final, budget.adam_iterations + counted)


def predict(net: Any, points: np.ndarray) -> np.ndarray:
    """The network at ``points`` ``(N, d)`` -> ``(N, n_outputs)`` float64, in eval mode (what
    ``dde.Model.predict`` returns)."""
    first = next(net.parameters())
    net.eval()
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(points), dtype=first.dtype, device=first.device)
        return net(x).detach().cpu().numpy().astype(np.float64)
