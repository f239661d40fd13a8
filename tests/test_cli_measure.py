"""`physym measure`: table, files, and usage errors that write nothing."""

import json

import pytest
import xarray as xr
from typer.testing import CliRunner

from physym.cli import app

runner = CliRunner()


def _run(args):
    return runner.invoke(app, args, catch_exceptions=False)


def test_measure_smoke_writes_dataset_json_and_plot(tmp_path):
    result = _run(["measure", "qcd_eos", "--expand", "2", "--replicas", "3", "--steps", "10",
                   "--data-fraction", "0.5", "--budget", "smoke", "--device", "cpu",
                   "--threads", "1", "--out", str(tmp_path), "--plot"])
    assert result.exit_code == 0, result.output
    assert "mean over layers" in result.stdout and "linears.0.weight" in result.stdout
    (folder,) = tmp_path.iterdir()
    assert "-measure-qcd_eos-regression-none-n2-" in folder.name
    ds = xr.open_dataset(folder / "symmetry.nc", engine="h5netcdf")
    assert ds.sizes == {"layer": 3, "pair": 3, "replica": 3}
    assert float(ds["drift_mean"]) > 0 and ds.attrs["replicas"] == 3 and ds.attrs["steps"] == 10
    assert ds.attrs["command"].startswith("physym") and ds.attrs["wall_time"] > 0
    ds.close()
    summary = json.loads((folder / "symmetry.json").read_text())
    assert summary["technique"] == "none" and summary["data_fraction"] == 0.5
    assert [row["layer"] for row in summary["layers"]] == [f"linears.{i}.weight" for i in range(3)]
    assert (folder / "symmetry.png").stat().st_size > 10_000


def test_measure_pinn_with_dropout(tmp_path):
    result = _run(["measure", "burgers", "--task", "pinn", "--technique", "dropout",
                   "--dropout", "0.2", "--replicas", "2", "--steps", "3", "--budget", "smoke",
                   "--device", "cpu", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "technique dropout 0.2" in result.stdout
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "symmetry.json").read_text())["spec"]["options"] == {"dropout": 0.2}


BAD = [
    (["--replicas", "1"], "--replicas must be an integer >= 2, got 1"),
    (["--steps", "0"], "--steps must be a positive integer, got 0"),
    (["--data-fraction", "0"], "--data-fraction must be in (0, 1], got 0"),
    (["--data-fraction", "1.5"], "--data-fraction must be in (0, 1], got 1.5"),
    (["--technique", "weightnorm"], "--technique must be one of none, dropout, batchnorm"),
    (["--dropout", "0.2"], "--dropout applies to --technique dropout, not none"),
    (["--technique", "dropout", "--dropout", "1"], "--dropout must be a probability in (0, 1)"),
    (["--task", "operator", "--technique", "batchnorm"], "batchnorm is not available for model fno"),
    (["--task", "operator", "--layout", "append"], "layout 'append' cannot be used"),
    (["--budget", "huge"], "budget must be one of"),
    (["--expand", "-1"], "expand must be a non-negative integer"),
]


@pytest.mark.parametrize("extra, message", BAD)
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, extra, message):
    out = tmp_path / "runs"
    result = _run(["measure", "burgers", "--budget", "smoke", "--device", "cpu",
                   "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output and "physym: error:" in result.output
    assert not out.exists()


def test_measure_is_listed_in_help():
    result = _run(["--help"])
    assert result.exit_code == 0 and "measure" in result.stdout


def test_measure_an_image_classifier_and_an_equivariant_pinn(tmp_path):
    """The classification kind and the equivariant technique plug into measure too."""
    result = _run(["measure", "digits", "--expand", "1", "--replicas", "2", "--steps", "3",
                   "--budget", "smoke", "--device", "cpu", "--threads", "1",
                   "--out", str(tmp_path / "digits")])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "digits").iterdir()
    assert "-measure-digits-classification-none-n1-" in folder.name
    summary = json.loads((folder / "symmetry.json").read_text())
    assert summary["layers"] and all(row["layer"] for row in summary["layers"])
    result = _run(["measure", "burgers", "--task", "pinn", "--technique", "equivariant",
                   "--replicas", "2", "--steps", "3", "--budget", "smoke", "--device", "cpu",
                   "--threads", "1", "--out", str(tmp_path / "eq")])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "eq").iterdir()
    assert json.loads((folder / "symmetry.json").read_text())["technique"] == "equivariant"
    result = _run(["measure", "kdv", "--technique", "equivariant", "--replicas", "2",
                   "--steps", "3", "--budget", "smoke", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "declares the symmetries" in result.stderr
