import json
import math

import numpy as np
import pytest
import torch
import xarray as xr
from typer.testing import CliRunner

import physym
from physym.cli import app
from physym.expansion import Expansion
from physym.models.mlp import MLP
from physym.spec import parse_params
from physym.problems.qcd_eos import (
    HOTQCD_TC,
    PROBLEM,
    QCDEoS,
    QCDEoSParams,
    hotqcd_eos,
    hotqcd_pressure,
    lattice_temperatures,
    wb_trace_anomaly,
)

SPEC = "physym.problems.qcd_eos:PROBLEM"
T_FINE = np.linspace(130.0, 400.0, 27001)  # 0.01 MeV steps


# ---------------------------------------------------------------- the truth


def test_hotqcd_sanity_values():
    assert hotqcd_pressure(np.array(150.0)) == pytest.approx(0.656, abs=5e-4)
    assert hotqcd_pressure(np.array(400.0)) == pytest.approx(3.79, abs=5e-3)
    trace = hotqcd_eos(T_FINE)["I_T4"]
    peak = int(np.argmax(trace))
    assert trace[peak] == pytest.approx(4.05, abs=5e-3)
    assert 195.0 < T_FINE[peak] < 207.0
    # approaches but stays below the Stefan-Boltzmann limit 95 pi^2 / 180
    assert 3.7 < hotqcd_pressure(np.array(400.0)) < 95 * math.pi**2 / 180


def test_wuppertal_budapest_peak_and_agreement_with_hotqcd():
    wb = wb_trace_anomaly(T_FINE)
    peak = int(np.argmax(wb))
    assert wb[peak] == pytest.approx(3.77, abs=5e-3) and 195.0 < T_FINE[peak] < 205.0
    window = (T_FINE >= 180.0) & (T_FINE <= 300.0)
    hq = hotqcd_eos(T_FINE[window])["I_T4"]
    deviation = np.abs(wb[window] - hq) / hq
    assert deviation.max() < 0.10


def test_thermodynamic_identities_of_the_truth():
    """s = dp/dT and c_s^2 = dp/de by complex-step differentiation (exact to rounding)."""
    T = np.linspace(130.0, 400.0, 541)
    h = 1e-20
    thermo = hotqcd_eos(T)
    p = T**4 * thermo["p_T4"]
    s = (T + 1j * h) ** 4 * hotqcd_pressure(T + 1j * h)
    s = s.imag / h  # dp/dT
    eps = T**4 * thermo["e_T4"]
    de_dT = ((T + 1j * h) ** 4 * hotqcd_eos(T + 1j * h)["e_T4"]).imag / h
    rel = lambda a, b: np.max(np.abs(a - b) / np.abs(b))  # noqa: E731
    assert rel(thermo["s_T3"], s / T**3) < 1e-10
    assert rel(eps, T * s - p) < 1e-10  # e = T s - p
    assert rel(T**4 * thermo["I_T4"], eps - 3 * p) < 1e-10  # I = e - 3p
    assert rel(thermo["cs2"], s / de_dT) < 1e-10  # c_s^2 = dp/de
    assert np.all((thermo["cs2"] > 0.1) & (thermo["cs2"] < 1 / 3))


# ---------------------------------------------------------------- data


def test_lattice_samples():
    problem = QCDEoS()
    T, y, sigma = problem.lattice_samples(seed=0)
    assert T.shape == y.shape == sigma.shape == (40,)
    assert T[0] == pytest.approx(130.0) and T[-1] == pytest.approx(400.0)
    steps = np.diff(T)
    assert np.all(steps > 0) and steps[0] < steps[-1]  # dense near T_c, like lattice scans
    exact = hotqcd_pressure(T)
    np.testing.assert_allclose(sigma, 0.01 * exact)
    assert 0.004 < np.std((y - exact) / exact) < 0.02
    again = problem.lattice_samples(seed=0)
    assert np.array_equal(again[1], y)
    assert not np.array_equal(problem.lattice_samples(seed=1)[1], y)
    x, y2, s2 = problem.training_samples(seed=0)
    np.testing.assert_allclose(x[:, 0], T / HOTQCD_TC)  # normalised inside the problem
    assert x.shape == y2.shape == s2.shape == (40, 1)
    exact_problem = QCDEoS(QCDEoSParams(noise=0.0, n_train=12, spacing="uniform"))
    T0, y0, s0 = exact_problem.lattice_samples(seed=3)
    np.testing.assert_allclose(np.diff(T0), 270.0 / 11)
    assert np.array_equal(y0, hotqcd_pressure(T0)) and not s0.any()
    x_test, y_test = problem.test_set()
    assert x_test.shape == y_test.shape == (541, 1)
    np.testing.assert_allclose(y_test[:, 0], hotqcd_pressure(problem.test_temperatures()))


@pytest.mark.parametrize("overrides, message", [
    ({"noise": "-0.01"}, "noise must be a finite relative noise level in [0, 1), got -0.01"),
    ({"noise": "nan"}, "noise must be a finite relative noise level in [0, 1), got nan"),
    ({"noise": "inf"}, "noise must be"),
    ({"n_train": "1"}, "n_train and n_test must be at least 2"),
    ({"T_max": "500"}, "130 <= T_min < T_max <= 400"),
    ({"spacing": "random"}, "spacing must be geometric or uniform"),
])
def test_bad_params(overrides, message):
    with pytest.raises(ValueError) as info:
        parse_params(QCDEoSParams, overrides)
    assert message in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="spacing must be"):
        lattice_temperatures(3, 130.0, 400.0, "log")


# ---------------------------------------------------------------- derived quantities


@pytest.mark.parametrize("expansion", [Expansion(0), Expansion(4, "pi", "symmetric")])
def test_autograd_derivatives_equal_finite_differences(expansion):
    problem = QCDEoS()
    net = MLP(1, 1, width=16, depth=2, expansion=expansion, seed=1)
    with torch.no_grad():  # a network with visible curvature and p/T^4-like values
        for lin in net.linears:
            lin.bias.normal_(generator=torch.Generator().manual_seed(2))
        net.linears[-1].bias.add_(2.0)
    x = torch.as_tensor(problem.test_set()[0][::20])
    derived = problem.derived(net, x).numpy()
    t = x[:, 0].numpy()

    def f(z):
        with torch.no_grad():
            return net(torch.as_tensor(z)[:, None]).numpy()[:, 0]

    h1, h2 = 1e-5, 1e-3
    f0 = f(t)
    f1 = (f(t + h1) - f(t - h1)) / (2 * h1)
    f2 = (-f(t + 2 * h2) + 16 * f(t + h2) - 30 * f0 + 16 * f(t - h2) - f(t - 2 * h2)) / (12 * h2**2)
    tf, t2f = t * f1, t * t * f2
    expected = np.stack([tf, 4 * f0 + tf, 3 * f0 + tf, (4 * f0 + tf) / (12 * f0 + 8 * tf + t2f)], 1)
    np.testing.assert_allclose(derived, expected, rtol=1e-7, atol=1e-9)
    assert np.all(np.abs(tf) > 1e-3)  # the check is not trivially about zeros


def test_exact_derived_columns():
    problem = QCDEoS()
    x = problem.test_set()[0]
    thermo = hotqcd_eos(problem.test_temperatures())
    np.testing.assert_array_equal(problem.exact_derived(x)[:, 3], thermo["cs2"])
    assert problem.derived_names == problem.table_metrics == ("I_T4", "s_T3", "e_T4", "cs2")


# ---------------------------------------------------------------- runs and CLI


def test_compare_smoke_is_deterministic():
    kwargs = dict(expansion=Expansion(4), budget="smoke", seeds=1, device="cpu")
    cmp = physym.compare(SPEC, **kwargs)
    again = physym.compare(SPEC, **kwargs)
    for arm in ("baseline", "expanded"):
        a, b = cmp.arms[arm][0], again.arms[arm][0]
        assert a.status == "ok" and a.error == b.error and a.metrics == b.metrics
        assert set(PROBLEM.task().derived_names) <= set(a.metrics)
        assert a.prediction.shape == (541, 5)
    assert cmp.baseline[0].n_params < cmp.expanded[0].n_params


runner = CliRunner()


@pytest.mark.parametrize("noise, layout, plot", [("0", "append", True), ("0.02", "symmetric", False)])
def test_cli_smoke(tmp_path, noise, layout, plot):
    args = ["solve", SPEC, "--budget", "smoke", "--expand", "4", "--layout", layout,
            "--param", f"noise={noise}", "--device", "cpu", "--out", str(tmp_path)]
    result = runner.invoke(app, args + (["--plot"] if plot else []), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "cs2" in result.stdout and "I_T4" in result.stdout
    (run_dir,) = list(tmp_path.iterdir())
    data = json.loads((run_dir / "results.json").read_text())
    assert data["params"]["noise"] == float(noise) and data["layout"] == layout
    assert all(r["status"] == "ok" for r in data["runs"])
    assert all(set(r["metrics"]) >= {"I_T4", "s_T3", "e_T4", "cs2"} for r in data["runs"])
    with xr.open_dataset(run_dir / "results.nc", engine="h5netcdf") as ds:
        assert ds["cs2"].shape == (2, 1) and np.all(np.isfinite(ds["I_T4"].values))
    assert (run_dir / "comparison.png").exists() == plot
    if plot:
        assert (run_dir / "comparison.png").stat().st_size > 20_000


@pytest.mark.parametrize("value", ["-0.01", "nan"])
def test_cli_bad_noise_exits_2(tmp_path, value):
    out = tmp_path / "runs"
    result = runner.invoke(app, ["solve", SPEC, "--budget", "smoke", "--param", f"noise={value}",
                                 "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("physym: error: noise must be")
    assert not out.exists()
