"""DeepXDE adapter: PINN training with and without input expansion.

DeepXDE is imported lazily, with ``DDE_BACKEND=pytorch``. Its PyTorch backend calls
``torch.set_default_device("cuda")`` at import time when a GPU exists; :func:`load_deepxde`
restores the caller's default device afterwards and training runs inside an explicit
``with torch.device(...)`` block (none where the device asked for is already the default), so
the device is always the one asked for.

The expanded network is DeepXDE's own ``FNN`` with first-layer width ``d + n``; the constants
are added by ``FNN.apply_feature_transform`` and carry no gradient, so the PDE residual's
derivatives with respect to the original coordinates are unchanged.

The bias-equivalent controls (:class:`~physym.options.ModelOptions` ``bias_init``,
``bias_lr``) are baselines: ``bias_init`` folds the auxiliary first-layer columns of the
expanded ``FNN`` (built from the same random stream) into the first-layer bias; ``bias_lr``
passes DeepXDE's ``Model.compile`` a torch Adam of our own (DeepXDE accepts an optimizer
instance) whose first-layer bias group has the learning rate times ``1 + n |c|``. No part of
DeepXDE is patched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import math
import os
import time
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from physym.budgets import PINNBudget
from physym.io import fingerprint_arrays
from physym.metrics import max_abs_error, relative_l2_points
from physym.models._bias import auxiliary_columns, fold_into
from physym.models._equivariant import symmetrised_fnn
from physym.models._params import count_parameters, parameter_snapshot
from physym.options import ModelOptions, matched_extra_units
from physym.models import Adapter
from physym.models.pinn_engine import DEFAULT_ENGINE, ENGINES, jet_fallback, predict, train_jet
from physym.models.pinn_train import device_scope
from physym.models.pinn_methods import METHODS, get_method, method_budget
from physym.models.pinn_methods.base import TrainContext
from physym.problem import Fit, TrainingDiverged

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion
    from physym.problem import PINNProblem

__all__ = ["ADAPTER", "OPTIONS", "load_deepxde", "fit_pinn", "measurement_budget", "build_fnn",
           "regularised_fnn"]

logger = logging.getLogger(__name__)

_DDE: Any = None

#: :class:`~physym.options.ModelOptions` fields the FNN supports.
OPTIONS: tuple[str, ...] = ("match_params", "dropout", "batchnorm", "bias_init", "bias_lr",
                            "equivariant")


def load_deepxde() -> Any:
    """Import DeepXDE with the PyTorch backend, leaving torch's default device untouched.

    Raises
    ------
    RuntimeError
        If ``DDE_BACKEND`` names another backend.
    """
    global _DDE
    if _DDE is not None:
        return _DDE
    backend = os.environ.get("DDE_BACKEND", "pytorch")
    if backend != "pytorch":
        raise RuntimeError(f"physym needs DeepXDE's pytorch backend, but DDE_BACKEND={backend!r}")
    os.environ["DDE_BACKEND"] = "pytorch"
    previous = torch.get_default_device()
    deepxde_logger = logging.getLogger("deepxde")
    # DeepXDE prints its backend banner on import; send it to the log instead.
    banner = io.StringIO()
    with contextlib.redirect_stdout(banner), contextlib.redirect_stderr(banner):
        import deepxde  # noqa: PLC0415  (lazy on purpose)
    logger.debug("deepxde import: %s", banner.getvalue().strip())

    # set_default_device(x) installs a torch function mode that intercepts every torch call
    # (3-5% of a CPU PINN step); the CPU is torch's own default and needs none
    torch.set_default_device(None if previous.type == "cpu" else previous)
    deepxde_logger.setLevel(logging.WARNING)
    _DDE = deepxde
    return deepxde


def build_fnn(dde: Any, *, d_in: int, d_out: int, budget: PINNBudget, expansion: "Expansion",
              options: ModelOptions | None = None, activation: str = "tanh") -> Any:
    """DeepXDE ``FNN`` ``[d + n] + [width] * depth + [d_out]``, Glorot normal, ``activation``
    (tanh; the ``laaf`` method passes ``"LAAF-10 tanh"``).

    With ``options.match_params = m`` (baseline only) the first hidden layer gets the
    :func:`~physym.options.matched_extra_units` extra units that match ``m`` constants.
    With ``options.dropout`` or ``options.batchnorm`` the network is a
    :func:`regularised_fnn` (DeepXDE has neither); otherwise it is DeepXDE's own ``FNN``.
    With ``options.bias_init`` (baseline only) the ``FNN`` expanded by ``options.bias_n``
    constants is drawn first, from torch's current random stream, and a baseline ``FNN``
    (drawn on a forked stream, so that the stream ends where the expanded arm's does) takes
    its parameters with the auxiliary columns folded into the first-layer bias.
    """
    options = options or ModelOptions()
    options.check_for(model="fnn", supported=OPTIONS, expansion=expansion)
    sizes = [expansion.width(d_in)] + [budget.width] * budget.depth + [d_out]
    if options.match_params:
        sizes[1] += matched_extra_units(n=options.match_params, fan_out=budget.width,
                                        fan_in=d_in, next_fan_out=sizes[2])
    if (options.dropout or options.batchnorm) and activation != "tanh":
        raise ValueError(f"dropout and batch norm take the tanh network, not {activation!r}")
    if options.dropout or options.batchnorm:
        net = regularised_fnn(dde)(sizes, dropout=options.dropout, batchnorm=options.batchnorm)
    elif options.bias_init:
        imitated = options.imitated(expansion)
        expanded = dde.nn.FNN([imitated.width(d_in)] + sizes[1:], activation, "Glorot normal")
        with torch.random.fork_rng(devices=[]):
            net = dde.nn.FNN(sizes, activation, "Glorot normal")
        fold_into(net, expanded, first="linears.0", auxiliary=auxiliary_columns(imitated, d_in),
                  fill=imitated.fill)
    else:
        net = dde.nn.FNN(sizes, activation, "Glorot normal")
    if not expansion.is_identity:
        net.apply_feature_transform(expansion)
    return net


_REGULARISED_FNN: Any = None


def regularised_fnn(dde: Any) -> type:
    """The class ``RegularisedFNN(layer_sizes, *, dropout=0.0, batchnorm=False)``.

    A subclass of DeepXDE's PyTorch ``NN`` (so ``apply_feature_transform`` and
    ``apply_output_transform`` work as for ``FNN``): tanh hidden layers, Glorot-normal
    weights and zero biases, created in ``FNN``'s order, so that for the same seed and sizes
    its linear layers start from exactly ``FNN``'s weights. Each hidden layer is
    ``Linear -> [BatchNorm] -> tanh -> [Dropout]``.

    Batch normalisation is written for PINNs. DeepXDE takes coordinate derivatives of the
    network by autograd of the *sum* over the batch, which is the per-point derivative only
    if each output depends on its own point alone; with batch statistics that depend on
    every point it is not. In training mode the statistics are therefore computed in a
    separate pass on the detached inputs: they stay functions of the weights (the weight
    gradients are those of ordinary batch norm) but are constants for the coordinate
    derivatives. In eval mode (DeepXDE's ``predict`` and test losses) the running
    statistics are used; :func:`fit_pinn` resets them to the final network's statistics on
    the training points (``torch.optim.swa_utils.update_bn``) before predicting.

    Dropout multiplies each hidden activation by a Bernoulli mask scaled by ``1 / (1 - p)``
    drawn from torch's global generator (seeded by DeepXDE); the same mask is used for the
    values and derivatives of a point, so the residual is that of one thinned network.

    Shapes: ``(N, d + n) -> (N, d_out)`` (``(N, d)`` when a feature transform adds the
    constants).
    """
    global _REGULARISED_FNN
    if _REGULARISED_FNN is None:
        _REGULARISED_FNN = _define_regularised_fnn(dde)
    return _REGULARISED_FNN


def _define_regularised_fnn(dde: Any) -> type:
    from deepxde.nn import initializers  # noqa: PLC0415

    class RegularisedFNN(dde.nn.NN):
        def __init__(self, layer_sizes: list[int], *, dropout: float = 0.0,
                     batchnorm: bool = False) -> None:
            super().__init__()
            if not 0.0 <= dropout < 1.0:
                raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
            dtype = dde.config.real(torch)
            glorot, zeros = initializers.get("Glorot normal"), initializers.get("zeros")
            self.linears = torch.nn.ModuleList()
            for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
                self.linears.append(torch.nn.Linear(fan_in, fan_out, dtype=dtype))
                glorot(self.linears[-1].weight)
                zeros(self.linears[-1].bias)
            self.norms = (torch.nn.ModuleList(torch.nn.BatchNorm1d(w, dtype=dtype)
                                              for w in layer_sizes[1:-1]) if batchnorm else None)
            self.dropout = float(dropout)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            x = inputs if self._input_transform is None else self._input_transform(inputs)
            masks = None
            if self.training and self.dropout > 0:
                keep = 1.0 - self.dropout
                masks = [torch.empty(x.shape[0], lin.out_features, dtype=x.dtype,
                                     device=x.device).bernoulli_(keep) / keep
                         for lin in self.linears[:-1]]
            stats = None
            if self.training and self.norms is not None:
                stats = []
                self.stack(x.detach(), masks, collect=stats)
                self._track(stats, x.shape[0])
            y = self.stack(x, masks, stats)
            return y if self._output_transform is None else self._output_transform(inputs, y)

        def stack(self, x: torch.Tensor, masks: list[torch.Tensor] | None = None,
                  stats: list[tuple[torch.Tensor, torch.Tensor]] | None = None, *,
                  collect: list | None = None) -> torch.Tensor:
            """The layers on ``x`` ``(N, d + n)``; batch norm with the given ``stats``
            (per layer ``(mean, biased var)``), with statistics computed from ``x`` and
            appended to ``collect``, or (neither) with the running statistics."""
            for j, lin in enumerate(self.linears[:-1]):
                z = lin(x)
                if self.norms is not None:
                    bn = self.norms[j]
                    if collect is not None:
                        collect.append((z.mean(0), z.var(0, unbiased=False)))
                    mean, var = (collect[j] if collect is not None else stats[j]
                                 if stats is not None else (bn.running_mean, bn.running_var))
                    z = (z - mean) * torch.rsqrt(var + bn.eps) * bn.weight + bn.bias
                x = torch.tanh(z)
                if masks is not None:
                    x = x * masks[j]
            return self.linears[-1](x)

        @torch.no_grad()
        def _track(self, stats: list[tuple[torch.Tensor, torch.Tensor]], n: int) -> None:
            # as torch's BatchNorm1d: unbiased running variance; momentum None = cumulative
            for bn, (mean, var) in zip(self.norms, stats):
                bn.num_batches_tracked += 1
                m = 1.0 / float(bn.num_batches_tracked) if bn.momentum is None else bn.momentum
                bn.running_mean.lerp_(mean, m)
                bn.running_var.lerp_(var * (n / max(n - 1, 1)), m)

    return RegularisedFNN


def fit_pinn(
    problem: "PINNProblem",
    *,
    model: str,
    expansion: "Expansion",
    budget: PINNBudget,
    seed: int,
    data_seed: int = 0,
    device: torch.device,
    progress: Callable[[int], None] | None = None,
    data_file: str | None = None,
    options: ModelOptions | None = None,
    points_seed: int | None = None,
    adam_eps: float | None = None,
    method: str | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Fit:
    """Train a DeepXDE PINN for ``problem`` and score it against ``problem.exact``.

    Collocation points come from ``problem.deepxde_data`` (Hammersley, deterministic), so
    both arms of a comparison see identical points; the returned ``data_fingerprint`` hashes
    them. The points DeepXDE draws at random (the boundary points of an interval, for
    example) follow the model ``seed``, or ``points_seed`` when given (the replica
    measurement, where every replica must see the same points). A PINN task has no data
    set: ``data_seed`` and ``data_file`` are accepted for the common adapter signature and
    not used (the runner refuses a data file for a PINN task). Adam for ``budget.adam_iterations`` steps, then L-BFGS for up to
    ``budget.lbfgs_iterations``. ``options`` may add dropout or batch norm
    (:func:`regularised_fnn`); with dropout, L-BFGS sees a new mask at every evaluation
    of the loss (a noisy objective for a method that assumes a deterministic one).
    With ``options.bias_lr`` the Adam phase trains the first-layer bias at
    ``options.bias_lr_factor`` times ``budget.lr``; L-BFGS is unchanged. ``adam_eps`` sets
    Adam's ``eps`` (torch's 1e-8 when ``None``; the bias-equivalence test uses about 0).
    ``method`` names the training method (:mod:`physym.models.pinn_methods`; ``None`` is
    ``adam-lbfgs``, the description above): its hooks change the data, the network and the
    training, identically in both arms. ``engine`` is ``"deepxde"`` (a ``dde.Model``) or
    ``"jet"`` (:mod:`physym.models.pinn_engine`: the same training on a compiled
    derivative-carrying forward pass; where it cannot, DeepXDE trains and the training
    record's ``engine_fallback`` says why).

    Returns
    -------
    Fit
        ``error`` is the relative L2 error on ``problem.evaluation_points()`` over all
        outputs; with several outputs ``metrics`` holds ``error_<name>`` for each, plus
        whatever ``problem.output_metrics`` adds; ``prediction`` has shape
        ``(N_eval, n_outputs)``.
    """
    if model != "fnn":
        raise ValueError(f"model must be one of fnn for a PINN task, got {model!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    meth = get_method(method)
    meth.check(problem, options)
    budget = meth.budget(budget)  # what method_budget tells the runner
    dde = load_deepxde()
    d_in, d_out = len(problem.input_names), len(problem.output_names)
    with device_scope(device):
        if points_seed is None:
            dde.config.set_random_seed(seed)
            data = meth.data(dde, problem, budget)
        else:
            dde.config.set_random_seed(points_seed)
            data = meth.data(dde, problem, budget)
            dde.config.set_random_seed(seed)  # the network is initialised as without it
        fingerprint = fingerprint_arrays(np.asarray(data.train_x_all), np.asarray(data.train_x))
        net = build_fnn(dde, d_in=d_in, d_out=d_out, budget=budget, expansion=expansion,
                        options=options, activation=meth.activation)
        if options is not None and options.equivariant:
            net = symmetrised_fnn(dde, net, problem.symmetries())
        meth.network(dde, net, problem)
        net.to(device)
        n_params = count_parameters(net)
        initial_state = parameter_snapshot(net)
        fallback = (None if engine == DEFAULT_ENGINE
                    else jet_fallback(dde, problem, data, net, meth.name))
        points = problem.evaluation_points()
        ctx = TrainContext(dde, problem, net, data, budget, seed, options=options,
                           adam_eps=adam_eps, progress=progress)
        start = time.perf_counter()
        if engine == "jet" and fallback is None:
            jet = train_jet(dde, problem, data, net, budget=budget, options=options,
                            adam_eps=adam_eps, progress=progress)
            train_time = time.perf_counter() - start
            training, loss, iterations = jet.record, jet.final_loss, jet.iterations
            pred = predict(net, points)
        else:
            m = dde.Model(data, net)
            training = meth.train(m, ctx)
            train_time = time.perf_counter() - start
            if options is not None and options.batchnorm:  # eval mode: the final statistics
                torch.optim.swa_utils.update_bn(
                    [torch.as_tensor(np.asarray(data.train_x), device=device)], net)
            pred = np.asarray(m.predict(points), dtype=np.float64)
            loss = float(np.sum(np.asarray(m.train_state.loss_train, dtype=float)))
            iterations = m.train_state.iteration
            if fallback is not None:
                training = {**training, "engine": DEFAULT_ENGINE, "engine_fallback": fallback}
    if not np.all(np.isfinite(pred)):
        raise TrainingDiverged("non-finite predictions on the evaluation points")
    exact = np.asarray(problem.exact(points), dtype=np.float64).reshape(pred.shape)
    if not math.isfinite(loss):
        raise TrainingDiverged("non-finite final training loss")
    metrics = {"max_error": max_abs_error(pred, exact), "final_loss": loss,
               "train_time": train_time, "iterations": float(iterations)}
    if pred.shape[1] > 1:  # each output on its own; the headline error pools them
        metrics.update({f"error_{name}": relative_l2_points(pred[:, j], exact[:, j])
                        for j, name in enumerate(problem.output_names)})
    metrics.update(problem.output_metrics(points, pred, exact))
    metrics.update(ctx.metrics)
    return Fit(
        error=relative_l2_points(pred, exact),
        metrics=metrics,
        n_params=int(n_params),
        data_fingerprint=fingerprint,
        prediction=pred,
        model=net,
        initial_state=initial_state,
        training=training,
    )


def _scaled(count: int, fraction: float) -> int:
    return 0 if count == 0 else max(1, int(round(fraction * count)))


def measurement_budget(budget: PINNBudget, *, steps: int, fraction: float,
                       data_seed: int) -> tuple[PINNBudget, dict[str, Any]]:
    """Budget of a replica measurement: ``steps`` Adam steps, no L-BFGS, and a ``fraction``
    of each kind of collocation point (at least one); every replica draws its random
    points from ``data_seed``."""
    short = dataclasses.replace(
        budget, adam_iterations=steps, lbfgs_iterations=0,
        num_domain=_scaled(budget.num_domain, fraction),
        num_boundary=_scaled(budget.num_boundary, fraction),
        num_initial=_scaled(budget.num_initial, fraction))
    return short, {"points_seed": data_seed}


def memory_estimate(problem: "PINNProblem", *, model: str, budget: PINNBudget,
                    expansion: "Expansion") -> float:
    """Peak bytes of a PINN run, roughly: the residual's autograd graph keeps about 24
    float32 copies of every layer's activations on every collocation point (calibrated on
    a Burgers run with n = 100000: estimate 21.5 GB, measured 20.9 GB), plus Adam's and
    L-BFGS's (history 100) copies of the parameters."""
    d_in = len(problem.input_names)
    points = budget.num_domain + budget.num_boundary + budget.num_initial
    widths = expansion.width(d_in) + budget.width * budget.depth + len(problem.output_names)
    params = (expansion.width(d_in) + 1) * budget.width + budget.width ** 2 * budget.depth
    history = 2 * 100 * params if budget.lbfgs_iterations else 0
    return 4.0 * (24 * points * widths + 4 * params + history)


def check_method(problem: "PINNProblem", method: str | None,
                 options: ModelOptions | None) -> None:
    """Refuse an unknown method, or one ``problem`` or ``options`` cannot take (``ValueError``)."""
    get_method(method).check(problem, options)


#: The PINN kind's adapter (the runner's table maps ``"pinn"`` to it).
ADAPTER = Adapter(kind="pinn", fit=fit_pinn, measurement=measurement_budget, options=OPTIONS,
                  memory=memory_estimate, methods=tuple(METHODS), check_method=check_method,
                  method_budget=method_budget, engines=ENGINES)
