"""Training budgets: how large a model is and how long it trains, per problem kind.

Every problem defines its budgets under the four names of :data:`BUDGET_NAMES`, in
increasing cost: ``smoke`` (tests, seconds), ``quick`` (a first look on a CPU), ``standard``
(a workstation) and ``paper`` (published sizes, for a GPU). A study preset may change single
fields of a named budget (``budget_overrides``); the values a run used are recorded with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["BUDGET_NAMES", "LBFGS_SOLVERS", "PINNBudget", "OperatorBudget", "RegressionBudget",
           "ClassificationBudget"]

#: Who runs a PINN's L-BFGS phase (``PINNBudget.lbfgs_solver``).
LBFGS_SOLVERS: tuple[str, ...] = ("scipy-float64", "scipy", "torch")
#: Budget names in increasing cost; every built-in problem defines all four.
BUDGET_NAMES: tuple[str, ...] = ("smoke", "quick", "standard", "paper")


def _check_fields(budget: object, *, positive: tuple[str, ...], non_negative: tuple[str, ...] = (),
                  rates: tuple[str, ...] = ("lr",), minimum: dict[str, int] | None = None) -> None:
    """``ValueError`` naming the first field of ``budget`` that is out of range."""
    name = type(budget).__name__
    for f in fields(budget):  # type: ignore[arg-type]
        value = getattr(budget, f.name)
        if f.name in positive or f.name in non_negative or f.name in (minimum or {}):
            low = (minimum or {}).get(f.name, 1 if f.name in positive else 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name}.{f.name} must be an integer >= {low}, got {value!r}")
        elif f.name in rates:
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name}.{f.name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True)
class PINNBudget:
    """Training budget of a PINN (DeepXDE ``FNN`` trained by Adam, then L-BFGS).

    Attributes
    ----------
    num_domain, num_boundary, num_initial : int
        Collocation points (Hammersley sequence, identical in both arms).
    width, depth : int
        Hidden width and number of hidden layers of the tanh FNN.
    adam_iterations : int
        Adam steps at learning rate ``lr``.
    lbfgs_iterations : int
        Maximum L-BFGS iterations after Adam (0 disables it).
    lr : float
        Adam learning rate.
    seeds : int
        Default number of seeds of ``physym solve``.
    lbfgs_solver : {"scipy-float64", "scipy", "torch"}
        Who runs the L-BFGS phase (:mod:`physym.models.lbfgsb`). ``"scipy-float64"`` (the
        default since issue 18): scipy's L-BFGS-B with the network and the loss in float64
        for the phase (the weights are rounded back to float32 after it); ``"scipy"``: the
        same over the float32 loss; ``"torch"``: DeepXDE's torch L-BFGS in float32, as
        physym trained before. On the standard Burgers PINN torch's L-BFGS stopped early in
        about one run in ten, and float32 L-BFGS-B still did where the loss's decrease along
        the search direction was at float32 rounding level.
    lbfgs_restarts : int
        ``"torch"`` only: times L-BFGS may start again with a fresh history after its line
        search made no progress before ``lbfgs_iterations``
        (:func:`physym.models.pinn_train.lbfgs_segments`); ``0`` (the default) is DeepXDE's
        own behaviour. Runs that never stall train identically for any value. Measured not
        to cure the stall (a fresh start stalled at once too), so it is off by default.
    """

    num_domain: int
    num_boundary: int
    num_initial: int
    width: int
    depth: int
    adam_iterations: int
    lbfgs_iterations: int
    lr: float = 1e-3
    seeds: int = 3
    lbfgs_solver: str = "scipy-float64"
    lbfgs_restarts: int = 0

    def __post_init__(self) -> None:
        _check_fields(self, positive=("num_domain", "width", "depth", "seeds"),
                      non_negative=("num_boundary", "num_initial", "adam_iterations",
                                    "lbfgs_iterations", "lbfgs_restarts"))
        if self.lbfgs_solver not in LBFGS_SOLVERS:
            raise ValueError(f"PINNBudget.lbfgs_solver must be one of "
                             f"{', '.join(LBFGS_SOLVERS)}, got {self.lbfgs_solver!r}")

    @property
    def total_steps(self) -> int:
        return self.adam_iterations + self.lbfgs_iterations


@dataclass(frozen=True)
class OperatorBudget:
    """Training budget of a grid operator (FNO, TFNO, UNO).

    Attributes
    ----------
    n_train, n_test : int
        Training and held-out samples of the cached data set.
    resolution : int
        Grid points per spatial axis the operator sees.
    epochs, batch_size, lr : int, int, float
        Adam with a cosine learning-rate schedule and relative-L2 loss.
    modes, width, n_layers : int
        Fourier modes per axis, hidden channels and number of operator layers.
    seeds : int
        Default number of seeds of ``physym solve``.
    """

    n_train: int
    n_test: int
    resolution: int
    epochs: int
    batch_size: int
    modes: int
    width: int
    n_layers: int = 4
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seeds: int = 3

    def __post_init__(self) -> None:
        _check_fields(self, positive=("n_train", "n_test", "epochs", "batch_size", "modes",
                                      "width", "n_layers", "seeds"), minimum={"resolution": 2})
        if not (isinstance(self.weight_decay, (int, float)) and math.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise ValueError(f"OperatorBudget.weight_decay must be a finite number >= 0, "
                             f"got {self.weight_decay!r}")

    @property
    def total_steps(self) -> int:
        return self.epochs


@dataclass(frozen=True)
class RegressionBudget:
    """Training budget of a regression MLP (torch; full-batch Adam, then L-BFGS).

    Attributes
    ----------
    width, depth : int
        Hidden width and number of hidden layers.
    adam_iterations : int
        Full-batch Adam steps at learning rate ``lr``.
    lbfgs_iterations : int
        Maximum L-BFGS iterations after Adam (0 disables it; it may stop earlier when
        converged).
    lr : float
        Adam learning rate.
    activation : {"tanh"}
        Hidden activation (smooth, so that derivatives of the network exist).
    seeds : int
        Default number of seeds of ``physym solve``.
    """

    width: int
    depth: int
    adam_iterations: int
    lbfgs_iterations: int = 0
    lr: float = 1e-3
    activation: str = "tanh"
    seeds: int = 3

    def __post_init__(self) -> None:
        _check_fields(self, positive=("width", "depth", "seeds"),
                      non_negative=("adam_iterations", "lbfgs_iterations"))
        if self.activation != "tanh":
            raise ValueError(f"activation must be tanh, got {self.activation!r}")

    @property
    def total_steps(self) -> int:
        return self.adam_iterations + self.lbfgs_iterations


@dataclass(frozen=True)
class ClassificationBudget:
    """Training budget of an image classifier (SGD with momentum, standard augmentation).

    Attributes
    ----------
    width : int
        Channels of the first stage (the small CNN's first convolutions; 64 in the standard
        ResNet-18).
    epochs, batch_size : int
        Passes over the training images and images per step.
    lr, momentum, weight_decay : float
        SGD with Nesterov-free momentum and a cosine learning-rate schedule over the epochs.
    augment : bool
        Random translations (zero padding and a crop back to size) and, where the problem
        allows it, horizontal flips, drawn from the model seed alike in both arms.
    n_train : int
        Training images used (a seeded subset); 0 uses all of them.
    seeds : int
        Default number of seeds of ``physym solve``.
    """

    width: int
    epochs: int
    batch_size: int
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    augment: bool = True
    n_train: int = 0
    seeds: int = 3

    def __post_init__(self) -> None:
        _check_fields(self, positive=("width", "epochs", "batch_size", "seeds"),
                      non_negative=("n_train",))
        for name in ("momentum", "weight_decay"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value < 1):
                raise ValueError(f"ClassificationBudget.{name} must be in [0, 1), got {value!r}")

    @property
    def total_steps(self) -> int:
        return self.epochs
