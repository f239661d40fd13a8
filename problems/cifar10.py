"""CIFAR-10 from the python batches you already have (physym never downloads it).

Krizhevsky (2009): 50 000 training and 10 000 test colour images of 32 x 32 pixels in 10
classes. ``--data DIR`` names the folder of the standard "CIFAR-10 python version":
``data_batch_1`` ... ``data_batch_5`` and ``test_batch``, pickled dicts with ``data``
``(10000, 3072)`` uint8 (channel-major rows) and ``labels``. Images are standardised per
channel with the usual training-set means and standard deviations. The paper's headline
(ResNet-18, ~94% with expansion) is the ``paper`` budget: a GPU job.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from physym.budgets import ClassificationBudget
from physym.problem import ClassificationProblem, ProblemFamily

__all__ = ["CIFARParams", "CIFAR10", "read_cifar10", "TRAIN_FILES", "TEST_FILE", "PROBLEM"]

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
#: Per-channel mean and std of the CIFAR-10 training images (0..1 scale).
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)


def _batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            d = pickle.load(fh, encoding="bytes")
        data = np.asarray(d[b"data"] if b"data" in d else d["data"], dtype=np.uint8)
        labels = np.asarray(d[b"labels"] if b"labels" in d else d["labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as exc:
        raise ValueError(f"{path} is not a CIFAR-10 python batch ({type(exc).__name__}: "
                         f"{exc})") from None
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"{path}: data must be (N, 3072) with N labels, got {data.shape} "
                         f"and {len(labels)} labels")
    if labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise ValueError(f"{path}: labels must be in 0..9")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar10(folder: str | Path) -> tuple[np.ndarray, ...]:
    """``x_train, y_train, x_test, y_test`` from a CIFAR-10 python folder, standardised.

    Raises
    ------
    ValueError
        Naming the missing or malformed files.
    """
    folder = Path(folder)
    missing = [name for name in (*TRAIN_FILES, TEST_FILE) if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} is not a CIFAR-10 python folder: missing "
                         f"{', '.join(missing)} (expected {', '.join(TRAIN_FILES)}, "
                         f"{TEST_FILE}; physym does not download CIFAR-10)")
    train = [_batch(folder / name) for name in TRAIN_FILES]
    x_test, y_test = _batch(folder / TEST_FILE)
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    scale = lambda x: ((x / 255.0 - MEAN[:, None, None]) / STD[:, None, None]).astype(np.float32)  # noqa: E731
    return scale(x_train), y_train, scale(x_test), y_test


@dataclass(frozen=True)
class CIFARParams:
    """CIFAR-10 has no physical parameters."""


class CIFAR10(ClassificationProblem):
    """CIFAR-10, 32 x 32 colour images in 10 classes, read from ``--data DIR``; ResNet-18.

    Augmentation: translations by up to 4 pixels and horizontal flips (the standard recipe).
    """

    Params = CIFARParams
    models = ("resnet18", "cnn", "tv-resnet18")
    n_classes = 10
    channels = 3
    image_size = 32
    flip = True
    accepts_data = "folder"
    requires_data = True
    budgets = {
        "smoke": ClassificationBudget(width=4, epochs=1, batch_size=32, n_train=64, seeds=1),
        "quick": ClassificationBudget(width=16, epochs=5, batch_size=128, lr=0.1,
                                      n_train=5000, seeds=3),
        "standard": ClassificationBudget(width=32, epochs=30, batch_size=128, lr=0.1, seeds=3),
        # the standard recipe: ResNet-18, SGD 0.1 momentum 0.9, wd 5e-4, 200 epochs, cosine
        "paper": ClassificationBudget(width=64, epochs=200, batch_size=128, lr=0.1, seeds=5),
    }

    def images(self, *, seed: int, data: str | None = None) -> tuple[np.ndarray, ...]:
        if data is None:
            raise ValueError("cifar10 needs --data DIR (the CIFAR-10 python batches)")
        return read_cifar10(data)


PROBLEM = ProblemFamily(name="cifar10", tasks={"classification": CIFAR10},
                        default_task="classification",
                        summary="CIFAR-10 from a local copy of the python batches (ResNet-18)")
