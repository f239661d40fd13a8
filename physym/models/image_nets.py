"""Image classifiers in plain torch: a small CNN and the CIFAR ResNet-18.

Both end in global average pooling, so they take any image size: an ``N x N`` image and its
``NK x NK`` interleaved expansion go through the same layers (the expanded arm only sees a
larger grid). ``ResNet18`` follows the CIFAR variant of He et al. (2016), as commonly used
for CIFAR-10 (e.g. kuangliu/pytorch-cifar): a 3 x 3 stem without max pooling, four stages
of two basic blocks with ``width, 2 width, 4 width, 8 width`` channels (``width = 64`` is the
standard network, 11.2 M parameters for 10 classes) and strides 1, 2, 2, 2.
torchvision's own ``resnet18`` (:func:`torchvision_resnet18`, with the same CIFAR stem) is
used only when a user has torchvision and asks for it (``tv-resnet18``): its PyPI build
does not import beside the pinned CPU torch here.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SmallCNN", "ResNet18", "BasicBlock", "torchvision_resnet18"]


def _conv_bn(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class SmallCNN(nn.Module):
    """Two conv stages (``width``, ``2 width`` channels, two 3 x 3 convs each, 2 x 2 max
    pooling after the first), global average pooling and a linear classifier.

    Shapes: ``(B, C, H, W) -> (B, n_classes)``.
    """

    def __init__(self, channels: int, n_classes: int, *, width: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _conv_bn(channels, width), _conv_bn(width, width), nn.MaxPool2d(2),
            _conv_bn(width, 2 * width), _conv_bn(2 * width, 2 * width),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(2 * width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """Two 3 x 3 convolutions with batch norm and an identity (or 1 x 1) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True), nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out))
        self.shortcut = (nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """The CIFAR ResNet-18 (see the module docstring). Shapes: ``(B, C, H, W) -> (B, classes)``."""

    def __init__(self, channels: int, n_classes: int, *, width: int = 64) -> None:
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width]
        layers: list[nn.Module] = [_conv_bn(channels, width)]
        c_in = width
        for i, w in enumerate(widths):
            for j in range(2):
                layers.append(BasicBlock(c_in, w, 2 if (j == 0 and i > 0) else 1))
                c_in = w
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def torchvision_resnet18(channels: int, n_classes: int, *, width: int = 64) -> nn.Module:
    """torchvision's ``resnet18`` with the CIFAR stem (3 x 3 stride-1 first convolution, no
    max pooling), for users who have torchvision and ask for it (``--model tv-resnet18``).

    torchvision's network has fixed widths (64 ... 512), so ``width`` must be 64. Raises
    ``ValueError`` (one line) when torchvision cannot be imported: PyPI's build does not
    import beside the pinned CPU torch 2.13.0 on the project's machines.
    """
    try:
        from torchvision.models import resnet18  # noqa: PLC0415  (optional dependency)
    except Exception as exc:  # ImportError, or torchvision's own operator registration
        raise ValueError(f"model tv-resnet18 needs torchvision, which does not import here "
                         f"({type(exc).__name__}: {exc}); use --model resnet18, the same "
                         f"architecture in plain torch") from None
    if width != 64:
        raise ValueError(f"model tv-resnet18 has torchvision's fixed widths; the budget's "
                         f"width must be 64, got {width}")
    net = resnet18(num_classes=n_classes)
    net.conv1 = nn.Conv2d(channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    return net
