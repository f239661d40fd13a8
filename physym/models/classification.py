"""Classification adapter: an image classifier trained with and without interleaved expansion.

The expansion is the paper's: :class:`~physym.expansion.Expansion` with the ``interleave``
layout turns an ``N x N`` image into ``NK x NK`` (``K = n + 1``), the original pixels at every
``K``-th point and the fill (0.5 in the paper) elsewhere. It is applied inside the model, after
augmentation, so both arms see the same augmented images. Training is SGD with momentum and
weight decay under a cosine schedule on the cross-entropy; the model seed fixes the
initialisation, the batch order and the augmentation (random translations by zero padding and
cropping, horizontal flips where the problem allows them), identically in both arms. The error
is the top-1 error rate on the held-out images.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import TYPE_CHECKING, Any, Callable

import torch
from torch import nn

from physym.budgets import ClassificationBudget
from physym.convergence import epoch_record
from physym.io import fingerprint_arrays
from physym.models import Adapter
from physym.models._params import count_parameters, parameter_snapshot
from physym.models.image_nets import ResNet18, SmallCNN, torchvision_resnet18
from physym.models.regression import sample_subset
from physym.options import ModelOptions
from physym.problem import Fit, TrainingDiverged

if TYPE_CHECKING:  # pragma: no cover
    from physym.expansion import Expansion
    from physym.problem import ClassificationProblem

__all__ = ["ADAPTER", "ExpandedClassifier", "build_classifier", "fit_classifier",
           "augment", "measurement_budget"]

NETWORKS = {"cnn": SmallCNN, "resnet18": ResNet18, "tv-resnet18": torchvision_resnet18}
#: Largest translation of the augmentation, as a fraction of the image side (4 px at 32).
SHIFT_FRACTION = 0.125


class ExpandedClassifier(nn.Module):
    """A classifier behind a fixed interleave expansion: ``(B, C, N, N) -> (B, classes)``."""

    def __init__(self, net: nn.Module, expansion: "Expansion") -> None:
        super().__init__()
        self.net, self.expansion = net, expansion

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.expansion(x))


def build_classifier(name: str, *, channels: int, n_classes: int, budget: ClassificationBudget,
                     expansion: "Expansion") -> ExpandedClassifier:
    """``cnn`` (:class:`SmallCNN`) or ``resnet18`` of ``budget.width``, behind ``expansion``."""
    if name not in NETWORKS:
        raise ValueError(f"model must be one of {', '.join(NETWORKS)}, got {name!r}")
    expansion.check_for("grid", allowed=("interleave",))
    return ExpandedClassifier(NETWORKS[name](channels, n_classes, width=budget.width), expansion)


def augment(x: torch.Tensor, *, gen: torch.Generator, flip: bool) -> torch.Tensor:
    """Random translations (zero padding, crop back) and optional horizontal flips.

    ``x`` ``(B, C, N, N)``; one shift and one flip per image, drawn from ``gen``.
    """
    b, _, n, _ = x.shape
    pad = max(1, int(round(SHIFT_FRACTION * n)))
    padded = nn.functional.pad(x, (pad, pad, pad, pad))
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + n, dx[i]:dx[i] + n] for i in range(b)])
    if flip:
        mask = torch.rand(b, generator=gen) < 0.5
        out[mask] = out[mask].flip(-1)
    return out


@torch.no_grad()
def _accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int) -> float:
    net.eval()
    hits = sum(int((net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
               for i in range(0, len(x), batch))
    return hits / len(x)


def fit_classifier(
    problem: "ClassificationProblem",
    *,
    model: str,
    expansion: "Expansion",
    budget: ClassificationBudget,
    seed: int,
    data_seed: int = 0,
    device: torch.device,
    progress: Callable[[int], None] | None = None,
    data_file: str | None = None,
    options: ModelOptions | None = None,
    sample_fraction: float = 1.0,
) -> Fit:
    """Train a classifier on ``problem.images`` and score its top-1 error on the test images.

    ``budget.n_train`` (or ``sample_fraction``) takes a seeded subset (from ``data_seed``) of
    the training images, the same for both arms. Returns a :class:`~physym.problem.Fit` with
    ``error`` = 1 - accuracy and ``metrics`` ``accuracy``, ``final_loss``, ``train_time``.
    """
    (options or ModelOptions()).check_for(model=model, supported=(), expansion=expansion)
    x_tr, y_tr, x_te, y_te = problem.images(seed=data_seed, data=data_file)
    if budget.n_train and budget.n_train < len(x_tr):
        sample_fraction = min(sample_fraction, budget.n_train / len(x_tr))
    if sample_fraction < 1.0:
        x_tr, y_tr = sample_subset(x_tr, y_tr, fraction=sample_fraction, seed=data_seed)
    fingerprint = fingerprint_arrays(x_tr, y_tr)
    torch.manual_seed(seed)
    net = build_classifier(model, channels=problem.channels, n_classes=problem.n_classes,
                           budget=budget, expansion=expansion).to(device)
    n_params, initial_state = count_parameters(net), parameter_snapshot(net)
    x, y = torch.as_tensor(x_tr), torch.as_tensor(y_tr)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(net.parameters(), lr=budget.lr, momentum=budget.momentum,
                          weight_decay=budget.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=budget.epochs)
    loss_fn, epoch_loss, start = nn.CrossEntropyLoss(), math.nan, time.perf_counter()
    losses: list[float] = []
    for epoch in range(budget.epochs):
        net.train()
        perm, total = torch.randperm(len(x), generator=gen), 0.0
        for i in range(0, len(x), budget.batch_size):
            idx = perm[i:i + budget.batch_size]
            xb = augment(x[idx], gen=gen, flip=problem.flip) if budget.augment else x[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb.to(device)), y[idx].to(device))
            if not torch.isfinite(loss):
                raise TrainingDiverged(f"non-finite training loss in epoch {epoch + 1}")
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        epoch_loss = total / len(x)
        losses.append(epoch_loss)
        if progress is not None:
            progress(1)
    train_time = time.perf_counter() - start
    accuracy = _accuracy(net, torch.as_tensor(x_te, device=device),
                         torch.as_tensor(y_te, device=device), budget.batch_size)
    return Fit(error=1.0 - accuracy,
               metrics={"accuracy": accuracy, "final_loss": epoch_loss, "train_time": train_time},
               n_params=n_params, data_fingerprint=fingerprint, prediction=None, model=net,
               initial_state=initial_state, training=epoch_record("sgd", losses, budget.epochs))


def measurement_budget(budget: ClassificationBudget, *, steps: int, fraction: float,
                       data_seed: int) -> tuple[ClassificationBudget, dict[str, Any]]:
    """A replica measurement: ``steps`` epochs of one full batch, without augmentation, on a
    subset of ``fraction`` of the training images drawn from ``data_seed``."""
    short = dataclasses.replace(budget, epochs=steps, batch_size=10**9, augment=False)
    return short, ({} if fraction == 1.0 else {"sample_fraction": fraction})


def memory_estimate(problem: "ClassificationProblem", *, model: str,
                    budget: ClassificationBudget, expansion: "Expansion") -> float:
    """Peak bytes, roughly: a batch's float32 activations on the expanded image (about 40
    feature maps of the first stage's width per image, kept for the backward pass)."""
    side = problem.image_size * (expansion.n + 1)
    batch = min(budget.batch_size, 10**5)
    return 4.0 * 40 * batch * budget.width * side * side


def read_data(problem: "ClassificationProblem", budget: ClassificationBudget, *, data_seed: int,
              data: str) -> None:
    """Read and check the images of a ``--data`` folder completely."""
    problem.images(seed=data_seed, data=data)


#: The classification kind's adapter (the runner's table maps ``"classification"`` to it).
def check_model(model: str) -> None:
    """Refuse ``tv-resnet18`` when torchvision does not import (before any training)."""
    if model == "tv-resnet18":
        with torch.random.fork_rng(devices=[]):  # building draws weights: keep the stream
            torchvision_resnet18(3, 10)


ADAPTER = Adapter(kind="classification", fit=fit_classifier, measurement=measurement_budget,
                  options=(), memory=memory_estimate, read_data=read_data,
                  check_model=check_model)
