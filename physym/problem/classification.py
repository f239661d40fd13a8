"""The image-classification kind: labelled images, a classifier, top-1 accuracy."""

from __future__ import annotations

import abc
from typing import ClassVar, Mapping

import numpy as np

from physym.budgets import ClassificationBudget
from physym.problem.base import Problem

__all__ = ["ClassificationProblem"]


class ClassificationProblem(Problem):
    """Labelled images classified by a CNN, with and without interleaved expansion.

    The paper's image construction is the ``interleave`` layout: an ``N x N`` image becomes
    ``NK x NK`` with ``K = n + 1``; the original pixels sit at every ``K``-th point and the
    fill constant (0.5 in the paper) everywhere else. Subclasses implement :meth:`images`.
    The score is the top-1 error rate on the held-out images (``Fit.error``), with the
    accuracy in ``Fit.metrics["accuracy"]``; the classifier is trained by
    :mod:`physym.models.classification`.
    """

    kind = "classification"
    models = ("cnn", "resnet18")
    layouts = ("interleave",)
    error_label = "error rate (1 − top-1)"
    table_metrics = ("accuracy",)
    table_title = "top-1 test accuracy (mean over seeds)"
    table_format = ".4f"
    #: The paper's fill of the interleaved pixels.
    default_fill = 0.5
    #: Number of classes, image channels and the image side ``N`` (square images).
    n_classes: ClassVar[int]
    channels: ClassVar[int]
    image_size: ClassVar[int]
    #: Whether a horizontal flip keeps the label (CIFAR objects: yes; digits: no).
    flip: ClassVar[bool] = False
    budgets: ClassVar[Mapping[str, ClassificationBudget]]

    @abc.abstractmethod
    def images(self, *, seed: int,
               data: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Training and test images with their labels.

        Parameters
        ----------
        seed : int
            Seed of the train/test split where the problem draws one (``data_seed``).
        data : str, optional
            The ``--data`` folder of a problem that reads files (:attr:`accepts_data`).

        Returns
        -------
        x_train, y_train, x_test, y_test : numpy.ndarray
            Images ``(N, channels, image_size, image_size)`` float32 (already scaled, e.g.
            to [0, 1] or standardised per channel) and labels ``(N,)`` int64 in
            ``[0, n_classes)``.
        """
