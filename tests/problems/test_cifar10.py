"""CIFAR-10 from a folder of python batches: read, validate, refuse, and smoke-train."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from typer.testing import CliRunner

from physym.cli import app
from physym.problems.cifar10 import TEST_FILE, TRAIN_FILES, read_cifar10


def _fake_cifar(folder, per_class: int = 2) -> None:
    """A tiny folder in the CIFAR-10 python format (a few random images per class)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in (*TRAIN_FILES, TEST_FILE):
        labels = np.repeat(np.arange(10), per_class)
        data = rng.integers(0, 256, size=(len(labels), 3072), dtype=np.uint8)
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": data, b"labels": labels.tolist()}, fh)


def test_reads_and_standardises_a_cifar_folder(tmp_path):
    _fake_cifar(tmp_path / "c")
    x_tr, y_tr, x_te, y_te = read_cifar10(tmp_path / "c")
    assert x_tr.shape == (100, 3, 32, 32) and x_te.shape == (20, 3, 32, 32)
    assert x_tr.dtype == np.float32 and set(np.unique(y_tr)) == set(range(10))
    assert abs(float(x_tr.mean())) < 1.0  # standardised, not raw 0..255


def test_missing_or_malformed_files_are_named(tmp_path):
    with pytest.raises(ValueError, match="missing data_batch_1, .*test_batch.*does not download"):
        read_cifar10(tmp_path)
    _fake_cifar(tmp_path / "c")
    (tmp_path / "c" / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="data_batch_3 is not a CIFAR-10 python batch"):
        read_cifar10(tmp_path / "c")


def test_solve_cifar10_smoke_on_a_local_folder(tmp_path):
    _fake_cifar(tmp_path / "c")
    runner = CliRunner()
    result = runner.invoke(app, ["solve", "cifar10", "--data", str(tmp_path / "c"), "--expand",
                                 "1", "--budget", "smoke", "--device", "cpu", "--threads", "1",
                                 "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "error rate" in result.stdout and "interleave" in result.stderr + result.stdout
    missing = runner.invoke(app, ["solve", "cifar10", "--out", str(tmp_path / "r2")])
    assert missing.exit_code == 2 and "give --data" in missing.stderr
    assert not (tmp_path / "r2").exists()
