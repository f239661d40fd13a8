
import h5py
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from physym import Expansion, RunSpec, run
from physym.cli import app
from physym.data import (
    chunk_seed,
    describe_file,
    generate,
    read_pdebench,
    to_resolution,
    write_pdebench,
)
from physym.io import DataFileError
from physym.problems.burgers import BurgersOperator

CPU = torch.device("cpu")
cli = CliRunner()


def _pdebench_burgers(path, n=48, t=5, x=128, *, nan=False):
    """A 1D_Burgers_Sols-like file built by hand, as PDEBench lays it out."""
    rng = np.random.default_rng(0)
    grid = (np.arange(x) + 0.5) / x
    u0 = np.sin(2 * np.pi * (grid[None, :] + rng.random((n, 1))))
    decay = np.exp(-np.linspace(0, 1, t))[None, :, None]
    tensor = (u0[:, None, :] * decay).astype(np.float32)
    if nan:
        tensor[3, -1, 7] = np.nan
    with h5py.File(path, "w") as f:
        f["tensor"] = tensor
        f["x-coordinate"] = grid
        f["t-coordinate"] = np.linspace(0, 1, t + 1)
    return tensor


def test_chunk_seeds_are_deterministic_and_distinct():
    assert chunk_seed(0, 0) == chunk_seed(0, 0)
    seeds = {chunk_seed(s, c) for s in range(5) for c in range(5)}
    assert len(seeds) == 25 and all(0 <= s < 2**63 for s in seeds)


def test_generation_is_deterministic_and_chunk_local(monkeypatch):
    problem = BurgersOperator()
    monkeypatch.setattr(BurgersOperator, "chunk_size", 3)
    x1, y1 = generate(problem, n=7, resolution=64, seed=5, device=CPU)
    x2, y2 = generate(problem, n=7, resolution=64, seed=5, device=CPU)
    assert x1.shape == (7, 1, 64) and y1.dtype == np.float32
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    # the first chunk does not depend on how many samples follow it
    x3, _ = generate(problem, n=3, resolution=64, seed=5, device=CPU)
    assert np.array_equal(x1[:3], x3)


def test_write_read_round_trip_and_info(tmp_path):
    problem = BurgersOperator()
    x, y = generate(problem, n=4, resolution=32, seed=1, device=CPU)
    path = tmp_path / "b.h5"
    write_pdebench(path, problem, x, y, attrs={"seed": 1, "params": problem.describe()})
    x2, y2, attrs = read_pdebench(path, problem)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert attrs["seed"] == 1 and attrs["params"]["nu"] == 0.1
    with h5py.File(path) as f:  # PDEBench layout
        assert f["tensor"].shape == (4, 2, 32) and f["x-coordinate"].shape == (32,)
        assert list(f["t-coordinate"][...]) == [0.0, 1.0]
    ds = describe_file(path)
    assert ds["tensor"].dims == ("sample", "t", "x")


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    problem = BurgersOperator()
    x, y = generate(problem, n=2, resolution=16, seed=0, device=CPU)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(h5py.File, "create_dataset", boom)
    with pytest.raises(KeyboardInterrupt):
        write_pdebench(tmp_path / "x.h5", problem, x, y, attrs={})
    assert list(tmp_path.iterdir()) == []


def test_hand_built_pdebench_file_loads_and_trains(tmp_path):
    path = tmp_path / "1D_Burgers_Sols_Nu0.1.hdf5"
    tensor = _pdebench_burgers(path)
    x, y, attrs = read_pdebench(path, BurgersOperator())
    assert attrs == {}
    assert np.array_equal(x[:, 0], tensor[:, 0]) and np.array_equal(y[:, 0], tensor[:, -1])
    spec = RunSpec("burgers", "operator", expansion=Expansion(2, layout="channels"),
                   budget="smoke", data=str(path))
    result = run(spec, device="cpu")
    assert result.status == "ok" and np.isfinite(result.error)
    assert run(spec, device="cpu").error == result.error


@pytest.mark.parametrize("defect, message", [
    ("missing", "no data set 'tensor'"),
    ("ndim", "must have shape"),
    ("nan", "NaN or inf"),
    ("garbage", "cannot read HDF5"),
])
def test_malformed_files_are_rejected(tmp_path, defect, message):
    path = tmp_path / "bad.h5"
    if defect == "missing":
        with h5py.File(path, "w") as f:
            f["u"] = np.zeros((4, 2, 8))
    elif defect == "ndim":
        with h5py.File(path, "w") as f:
            f["tensor"] = np.zeros((4, 2, 8, 8))
    elif defect == "nan":
        _pdebench_burgers(path, n=8, nan=True)
    else:
        path.write_bytes(b"not hdf5 at all")
    with pytest.raises(DataFileError, match=message):
        read_pdebench(path, BurgersOperator())


def test_resolution_subsampling():
    a = np.arange(2 * 1 * 12, dtype=np.float32).reshape(2, 1, 12)
    assert np.array_equal(to_resolution(a, 4), a[:, :, ::3])
    assert to_resolution(a, 12) is not None
    with pytest.raises(DataFileError, match="cannot be subsampled to resolution 5"):
        to_resolution(a, 5)


def test_cli_generate_info_and_solve_with_data(tmp_path):
    out = tmp_path / "b.h5"
    args = ["data", "generate", "burgers", "--n", "40", "--resolution", "64", "--seed", "3",
            "--device", "cpu", "--out", str(out)]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "samples/s" in result.stdout and out.is_file()
    again = cli.invoke(app, args)
    assert again.exit_code == 2 and "exists; use --force" in again.stderr
    info = cli.invoke(app, ["data", "info", str(out)])
    assert info.exit_code == 0 and "tensor" in info.stdout and "(sample, t, x)" in info.stdout
    solved = cli.invoke(app, ["solve", "burgers", "--task", "operator", "--budget", "smoke",
                              "--data", str(out), "--device", "cpu", "--out", str(tmp_path / "runs")])
    assert solved.exit_code == 0, solved.output


@pytest.mark.parametrize("args, message", [
    (["data", "generate", "burgers", "--task", "pinn"], "is a pinn task"),
    (["data", "generate", "burgers", "--n", "0"], "--n must be a positive integer"),
    (["data", "generate", "nope"], "unknown problem"),
    (["data", "info", "missing.h5"], "does not exist"),
])
def test_cli_data_bad_input(tmp_path, args, message):
    result = cli.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_cli_solve_rejects_malformed_data_before_writing(tmp_path):
    bad = tmp_path / "bad.h5"
    _pdebench_burgers(bad, n=8, nan=True)
    runs = tmp_path / "runs"
    result = cli.invoke(app, ["solve", "burgers", "--task", "operator", "--budget", "smoke",
                              "--data", str(bad), "--out", str(runs)])
    assert result.exit_code == 2 and "NaN or inf" in result.stderr
    assert not runs.exists()
    result = cli.invoke(app, ["solve", "burgers", "--budget", "smoke", "--data", str(bad)])
    assert result.exit_code == 2 and "applies to tasks that read one" in result.stderr


def test_hand_built_pdebench_darcy_file_trains_through_the_cli(tmp_path):
    """A 2D_DarcyFlow_beta*.hdf5-like file: nu (N, X, Y) coefficient, tensor (N, 1, X, Y)."""
    rng = np.random.default_rng(1)
    n, s = 24, 32
    a = np.where(rng.standard_normal((n, s, s)) > 0, 12.0, 3.0).astype(np.float32)
    u = (0.01 * rng.random((n, 1, s, s))).astype(np.float32)
    path = tmp_path / "2D_DarcyFlow_beta1.0_Train.hdf5"
    with h5py.File(path, "w") as f:
        f["nu"], f["tensor"] = a, u
        f["x-coordinate"] = f["y-coordinate"] = (np.arange(s) + 0.5) / s
    result = cli.invoke(app, ["solve", "darcy", "--budget", "smoke", "--data", str(path),
                              "--device", "cpu", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    with h5py.File(path, "a") as f:
        del f["nu"]
    result = cli.invoke(app, ["solve", "darcy", "--budget", "smoke", "--data", str(path)])
    assert result.exit_code == 2 and "nu" in result.stderr
