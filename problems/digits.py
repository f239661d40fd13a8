"""Handwritten digits, 8 x 8 (scikit-learn's bundled copy of the UCI optical digits).

The smallest image task of physym: 1797 grey-scale digits of 8 x 8 pixels with values 0..16
(Alpaydin & Kaynak 1998), shipped inside scikit-learn, so nothing is downloaded. Pixels are
scaled to [0, 1]; a seeded, stratified split keeps 20% of the images for testing. With
``--expand n`` every image becomes ``8(n + 1) x 8(n + 1)``, the original pixels at every
``(n + 1)``-th point and the fill constant (0.5, as in the paper) elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physym.budgets import ClassificationBudget
from physym.problem import ClassificationProblem, ProblemFamily

__all__ = ["DigitsParams", "Digits", "load_digits_split", "PROBLEM"]


def load_digits_split(*, test_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """``x_train, y_train, x_test, y_test``: images ``(N, 1, 8, 8)`` in [0, 1], labels int64.

    The split is stratified by class and drawn from ``seed``.
    """
    from sklearn.datasets import load_digits  # noqa: PLC0415  (bundled data, no download)

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    y = bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        test[rng.choice(idx, size=int(round(test_fraction * len(idx))), replace=False)] = True
    return x[~test], y[~test], x[test], y[test]


@dataclass(frozen=True)
class DigitsParams:
    """``test_fraction``: share of each class held out for testing, in (0, 1)."""

    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {self.test_fraction}")


class Digits(ClassificationProblem):
    """8 x 8 handwritten digits, 10 classes (scikit-learn's copy), top-1 error on 20% held out.

    No flips (a mirrored digit is another symbol); augmentation translates by one pixel.
    """

    Params = DigitsParams
    n_classes = 10
    channels = 1
    image_size = 8
    flip = False
    budgets = {
        "smoke": ClassificationBudget(width=8, epochs=1, batch_size=128, n_train=256, seeds=1),
        "quick": ClassificationBudget(width=16, epochs=15, batch_size=64, seeds=3),
        "standard": ClassificationBudget(width=32, epochs=40, batch_size=64, seeds=5),
        "paper": ClassificationBudget(width=64, epochs=100, batch_size=64, seeds=5),
    }

    def images(self, *, seed: int, data: str | None = None) -> tuple[np.ndarray, ...]:
        return load_digits_split(test_fraction=self.params.test_fraction, seed=seed)


PROBLEM = ProblemFamily(name="digits", tasks={"classification": Digits},
                        default_task="classification",
                        summary="8 x 8 handwritten digits (scikit-learn), image classification")
