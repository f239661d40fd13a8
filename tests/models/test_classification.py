"""The image-classification adapter: interleaving, identical data in both arms, training."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from physym.expansion import Expansion
import torch

from physym import Expansion, RunSpec, compare
from physym.models.classification import augment, build_classifier
from physym.models.image_nets import ResNet18, SmallCNN
from physym.runner import prepare


def test_interleave_spreads_an_image_out_with_the_fill_between():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    e = Expansion(2, fill=0.5, layout="interleave")  # K = 3: 4 x 4 -> 12 x 12
    y = e(x)
    assert y.shape == (1, 1, 12, 12)
    assert torch.equal(y[..., ::3, ::3], x)  # the original pixels, evenly spaced
    mask = torch.ones(12, 12, dtype=torch.bool)
    mask[::3, ::3] = False
    assert torch.all(y[0, 0][mask] == 0.5)


def test_networks_take_any_image_size_and_resnet18_has_its_size():
    assert SmallCNN(1, 10, width=8)(torch.zeros(2, 1, 24, 24)).shape == (2, 10)
    net = ResNet18(3, 10)
    assert sum(p.numel() for p in net.parameters()) == 11_173_962  # the CIFAR ResNet-18
    budget = prepare(RunSpec("digits", budget="smoke", expansion=Expansion(0, 0.5, "interleave")))[2]
    model = build_classifier("cnn", channels=1, n_classes=10, budget=budget,
                             expansion=Expansion(3, 0.5, "interleave"))
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    with pytest.raises(ValueError, match="cannot be used"):
        build_classifier("cnn", channels=1, n_classes=10, budget=budget,
                         expansion=Expansion(2, layout="channels"))


def test_augmentation_is_seeded_and_keeps_shapes():
    x = torch.rand(5, 3, 8, 8)
    a = augment(x, gen=torch.Generator().manual_seed(1), flip=True)
    b = augment(x, gen=torch.Generator().manual_seed(1), flip=True)
    assert a.shape == x.shape and torch.equal(a, b)


def test_digits_arms_see_the_same_data_and_learn(tmp_path):
    budget = dataclasses.asdict(prepare(RunSpec("digits", budget="smoke", expansion=Expansion(0, 0.5, "interleave")))[2])
    assert budget["n_train"] == 256
    cmp = compare("digits", expansion=Expansion(1, 0.5, "interleave"), seeds=1, budget="smoke",
                  device="cpu")
    base, exp = cmp.baseline[0], cmp.expanded[0]
    assert base.status == exp.status == "ok"
    assert base.data_fingerprint == exp.data_fingerprint
    assert 0.0 <= base.error <= 1.0 and base.metrics["accuracy"] == pytest.approx(1 - base.error)


def test_a_quick_digits_baseline_learns_far_above_chance():
    spec = RunSpec("digits", budget="quick", expansion=Expansion(0, 0.5, "interleave"),
                   budget_overrides={"epochs": "3"})
    from physym import run

    result = run(spec, device="cpu")
    assert result.status == "ok" and result.error < 0.2  # chance is 0.9
    assert np.isfinite(result.metrics["final_loss"])


def test_torchvision_resnet18_is_refused_in_one_line_when_torchvision_is_missing(monkeypatch):
    import sys

    from physym.models.image_nets import torchvision_resnet18
    from physym.runner import RunSpec, prepare

    monkeypatch.setitem(sys.modules, "torchvision", None)  # an import that fails
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    with pytest.raises(ValueError, match="model tv-resnet18 needs torchvision"):
        torchvision_resnet18(3, 10)
    with pytest.raises(ValueError, match="model tv-resnet18 needs torchvision"):
        prepare(RunSpec("cifar10", model="tv-resnet18", budget="smoke", data=".",
                        expansion=Expansion(0, 0.5, "interleave")))


def test_torchvision_resnet18_gets_the_cifar_stem(monkeypatch):
    """With a stand-in torchvision (the real one does not import beside torch 2.13.0 here)."""
    import sys
    import types

    from torch import nn

    from physym.models.image_nets import torchvision_resnet18

    class FakeResNet(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.num_classes = num_classes

    models = types.ModuleType("torchvision.models")
    models.resnet18 = FakeResNet
    monkeypatch.setitem(sys.modules, "torchvision", types.ModuleType("torchvision"))
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    net = torchvision_resnet18(1, 7)
    assert net.num_classes == 7 and isinstance(net.maxpool, nn.Identity)
    assert (net.conv1.in_channels, net.conv1.kernel_size, net.conv1.stride) == (1, (3, 3), (1, 1))
    with pytest.raises(ValueError, match="width must be 64"):
        torchvision_resnet18(3, 10, width=16)
