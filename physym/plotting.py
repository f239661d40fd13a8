"""Figures for comparisons (matplotlib, object API: no global pyplot state).

``plot_comparison`` draws, for the first seed of each arm:

* PINN tasks with two inputs: the exact solution, both predictions and both absolute error
  maps over the evaluation grid;
* 1-D operator tasks: a few held-out samples (input, truth, both predictions) and the
  pointwise errors;
* 2-D operator tasks: one held-out sample as images.

``plot_symmetry`` draws the per-layer bars of a ``physym measure`` dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from physym.problem import Problem
    from physym.runner import Comparison

__all__ = ["plot_comparison", "plot_symmetry", "save_figure"]


def _first_ok(results: list) -> Any:
    return next((r for r in results if r.status == "ok" and r.prediction is not None), None)


def _labels(comparison: "Comparison") -> tuple[str, str]:
    exp = comparison.expanded[0].spec.expansion
    return "baseline (n=0)", f"expanded ({exp.describe()})"


def check_plottable(problem: "Problem") -> None:
    """``ValueError`` before any training when :func:`plot_comparison` cannot draw ``problem``.

    A PINN is drawn on the tensor grid of its two evaluation axes, or, with three inputs
    ``(x, y, t)``, as snapshots at three times; a problem with more inputs (scored on
    random points) has no such picture.
    """
    if problem.kind == "pinn":
        axes = problem.evaluation_axes()
        names = list(axes)
        if not (len(names) == 2 or (len(names) == 3 and names[2] == "t")):
            raise ValueError(f"--plot draws PINN problems with two inputs, or three ending in "
                             f"t; {type(problem).__name__} has {len(names)} "
                             f"({', '.join(names)})")
        if len(problem.evaluation_points()) != np.prod([len(a) for a in axes.values()]):
            raise ValueError(f"--plot draws PINN problems scored on a full grid; "
                             f"{type(problem).__name__} is scored on other points")
    elif problem.kind != "operator" and not hasattr(problem, "plot_comparison"):
        raise ValueError(f"--plot has no figure for {problem.kind} problems")


def _draw_row(fig: "Figure", panels: list, *, row: int, nrows: int, axes: tuple,
              names: list, vmax: float, emax: float, spatial: bool) -> None:
    """One figure row of ``(title, field (n0, n1), cmap)`` panels: fields on a diverging
    scale of ``+-vmax``, errors (``magma``) on ``[0, emax]``. ``spatial``: the first axis
    across and the second up, equal aspect; otherwise the second axis (time) across."""
    for i, (title, field, cmap) in enumerate(panels):
        ax = fig.add_subplot(nrows, len(panels), row * len(panels) + i + 1)
        lim = dict(vmin=-vmax, vmax=vmax) if cmap == "RdBu_r" else dict(vmin=0, vmax=emax)
        if spatial:
            im = ax.pcolormesh(axes[0], axes[1], field.T, cmap=cmap, shading="auto", **lim)
            ax.set_aspect("equal")
        else:
            im = ax.pcolormesh(axes[1], axes[0], field, cmap=cmap, shading="auto", **lim)
        ax.set_xlabel(names[0] if spatial else names[1])
        ax.set_ylabel(names[1] if spatial else names[0])
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.85)


def _pinn_figure(problem: "Problem", comparison: "Comparison") -> "Figure":
    """One row per output (at most 3): reference, both arms, their errors. A problem in two
    space coordinates is drawn with its first input across and its second up (equal
    aspect); an ``(x, t)`` problem with ``t`` across."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    check_plottable(problem)
    axes = problem.evaluation_axes()
    names = list(axes)
    if len(names) == 3:
        return _snapshot_figure(problem, comparison)
    a0, a1 = axes[names[0]], axes[names[1]]
    shape = (len(a0), len(a1))
    spatial = names[1] != "t"
    outputs = list(problem.output_names)[:3]
    exact_all = np.asarray(problem.exact(problem.evaluation_points())).reshape(
        len(a0) * len(a1), -1)
    base, exp = _first_ok(comparison.baseline), _first_ok(comparison.expanded)
    lb, le = _labels(comparison)
    arms = [(label, res) for label, res in ((lb, base), (le, exp)) if res is not None]
    ncol = 1 + 2 * len(arms)
    fig = Figure(figsize=(4.0 * ncol, 3.4 * len(outputs)), layout="constrained")
    for row, name in enumerate(outputs):
        exact = exact_all[:, row].reshape(shape)
        panels = [(f"reference {name}", exact, "RdBu_r")]
        panels += [(f"{label}", res.prediction[:, row].reshape(shape), "RdBu_r")
                   for label, res in arms]
        for label, res in arms:
            err = res.metrics.get(f"error_{name}", res.error) if len(outputs) > 1 else res.error
            panels.append((f"|error| {label}\nrel. L2 = {err:.2e}",
                           np.abs(res.prediction[:, row].reshape(shape) - exact), "magma"))
        vmax = float(np.max(np.abs(exact))) or 1.0
        emax = max((float(p[1].max()) for p in panels if p[2] == "magma"), default=1.0)
        _draw_row(fig, panels, row=row, nrows=len(outputs), axes=(a0, a1), names=names[:2],
                  vmax=vmax, emax=emax, spatial=spatial)
    fig.suptitle(f"{type(problem).__name__}: {', '.join(outputs)}({', '.join(names)})")
    return fig


def _snapshot_figure(problem: "Problem", comparison: "Comparison") -> "Figure":
    """An ``(x, y, t)`` problem's first output at the first, middle and last evaluation time:
    one row per time with reference, both arms and their errors (x across, y up)."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    axes = problem.evaluation_axes()
    names = list(axes)
    ax_x, ax_y, ax_t = (axes[n] for n in names)
    shape = (len(ax_x), len(ax_y), len(ax_t))
    exact = np.asarray(problem.exact(problem.evaluation_points()))[:, 0].reshape(shape)
    base, exp = _first_ok(comparison.baseline), _first_ok(comparison.expanded)
    lb, le = _labels(comparison)
    arms = [(label, res.prediction[:, 0].reshape(shape)) for label, res in ((lb, base),
                                                                             (le, exp))
            if res is not None]
    times = sorted({0, len(ax_t) // 2, len(ax_t) - 1})
    ncol = 1 + 2 * len(arms)
    fig = Figure(figsize=(3.6 * ncol, 3.2 * len(times)), layout="constrained")
    vmax = float(np.max(np.abs(exact))) or 1.0
    emax = max((float(np.abs(pred - exact).max()) for _, pred in arms), default=1.0)
    name = problem.output_names[0]
    for row, k in enumerate(times):
        panels = [(f"reference, {names[2]} = {ax_t[k]:.3g}", exact[:, :, k], "RdBu_r")]
        panels += [(label, pred[:, :, k], "RdBu_r") for label, pred in arms]
        panels += [(f"|error| {label}", np.abs(pred[:, :, k] - exact[:, :, k]), "magma")
                   for label, pred in arms]
        _draw_row(fig, panels, row=row, nrows=len(times), axes=(ax_x, ax_y), names=names[:2],
                  vmax=vmax, emax=emax, spatial=True)
    errors = ", ".join(f"{label}: rel. L2 {res.error:.2e}" for label, res in ((lb, base), (le, exp))
                       if res is not None)
    fig.suptitle(f"{type(problem).__name__}: {name}({', '.join(names)}) at three times; {errors}")
    return fig


def _operator_figure(problem: "Problem", comparison: "Comparison", budget: Any) -> "Figure":
    from matplotlib.figure import Figure  # noqa: PLC0415

    import torch  # noqa: PLC0415

    from physym.models.operator import operator_dataset  # noqa: PLC0415

    spec = comparison.baseline[0].spec
    _, _, x_test, y_test = operator_dataset(problem, budget, data_seed=spec.data_seed,
                                            device=torch.device("cpu"), data_file=spec.data)
    base, exp = _first_ok(comparison.baseline), _first_ok(comparison.expanded)
    lb, le = _labels(comparison)
    runs = [(lb, base, "C0"), (le, exp, "C3")]
    if problem.n_dim == 1:
        n_show = min(3, x_test.shape[0])
        fig = Figure(figsize=(4.2 * n_show, 6.0), layout="constrained")
        grid = np.arange(x_test.shape[-1]) / x_test.shape[-1]
        for j in range(n_show):
            ax = fig.add_subplot(2, n_show, j + 1)
            ax.plot(grid, x_test[j, 0], color="0.6", lw=1, label="input")
            ax.plot(grid, y_test[j, 0], color="k", lw=2, label="truth")
            for label, res, color in runs:
                if res is not None:
                    ax.plot(grid, res.prediction[j, 0], "--", color=color, lw=1.2, label=label)
            ax.set_title(f"test sample {j}", fontsize=9)
            ax.set_xlabel("x")
            if j == 0:
                ax.legend(fontsize=7)
            ax = fig.add_subplot(2, n_show, n_show + j + 1)
            for label, res, color in runs:
                if res is not None:
                    ax.semilogy(grid, np.abs(res.prediction[j, 0] - y_test[j, 0]) + 1e-12,
                                color=color, lw=1, label=label)
            ax.set_xlabel("x")
            ax.set_ylabel("|error|")
        return fig
    channel = " (channel 0)" if x_test.shape[1] > 1 or y_test.shape[1] > 1 else ""
    truth = y_test[0, 0]
    panels = [(f"input{channel}", x_test[0, 0], "input"), (f"truth{channel}", truth, "field")]
    for label, res, _ in runs:
        if res is not None:
            panels.append((label, res.prediction[0, 0], "field"))
    for label, res, _ in runs:
        if res is not None:
            panels.append((f"|error| {label}", np.abs(res.prediction[0, 0] - truth), "error"))
    # truth and predictions share one colour scale, and so do the two error maps
    fields = [p[1] for p in panels if p[2] == "field"]
    errors = [p[1] for p in panels if p[2] == "error"]
    limits = {"field": (min(f.min() for f in fields), max(f.max() for f in fields)),
              "error": (0.0, max((e.max() for e in errors), default=1.0))}
    fig = Figure(figsize=(3.6 * len(panels), 3.4), layout="constrained")
    for i, (title, field, kind) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        vmin, vmax = limits.get(kind, (None, None))
        im = ax.imshow(field.T, origin="lower", extent=(0, 1, 0, 1), vmin=vmin, vmax=vmax,
                       cmap="magma" if kind == "error" else "viridis")
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def plot_comparison(problem: "Problem", comparison: "Comparison", budget: Any) -> "Figure":
    """Figure comparing the baseline and expanded predictions with the truth."""
    if problem.kind == "pinn":
        return _pinn_figure(problem, comparison)
    if problem.kind == "operator":
        return _operator_figure(problem, comparison, budget)
    plot = getattr(problem, "plot_comparison", None)
    if plot is None:
        raise ValueError(f"no figure is defined for {problem.kind} problems")
    return plot(comparison, budget)


def save_figure(fig: "Figure", path: Path, *, dpi: int = 130) -> None:
    """Save ``fig`` as PNG."""
    fig.savefig(path, dpi=dpi)


def plot_symmetry(ds: Any) -> "Figure":
    """Horizontal bars per weight tensor of a :func:`physym.symmetry.measure` dataset.

    Replica distance ``D`` and drift ``Δ`` as bars, ``D`` at initialisation (the
    finite-sample floor) as a tick on the ``D`` bar.
    """
    from matplotlib.figure import Figure  # noqa: PLC0415

    layers = [str(v) for v in ds["layer"].values]
    y = np.arange(len(layers))
    fig = Figure(figsize=(8.0, 1.6 + 0.38 * len(layers)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(y - 0.2, ds["distance"].values, height=0.4, label="replica distance D")
    ax.barh(y + 0.2, ds["drift"].values, height=0.4, label="drift Δ")
    ax.scatter(ds["distance_init"].values, y - 0.2, marker="|", s=160, color="black",
               zorder=3, label="D at initialisation (floor)")
    ax.set_yticks(y, [f"{name} ({shape})" for name, shape in zip(layers, ds["shape"].values)],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("W1 / σ(init)")
    a = ds.attrs
    ax.set_title(f"{a.get('problem', '')} {a.get('task', '')} {a.get('model', '')} — "
                 f"{a.get('expansion', '')}, technique {a.get('technique', '')}; "
                 f"R={a.get('replicas', '')}, S={a.get('steps', '')}", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(fontsize=8, loc="outside lower center", ncols=3)
    return fig


def plot_interleave(image: np.ndarray, expansions: list[Any]) -> "Figure":
    """One image and its interleaved expansions side by side (the paper's construction).

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)`` grey-scale image.
    expansions : list of Expansion
        ``interleave`` expansions; each panel shows the image on its ``H(n+1) x W(n+1)`` grid.
    """
    import torch  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(3.0 * (1 + len(expansions)), 3.2), layout="constrained")
    panels = [("original", np.asarray(image))]
    x = torch.as_tensor(np.asarray(image, dtype=np.float32))[None, None]
    panels += [(f"K = {e.n + 1}, fill {e.fill:g}", e(x)[0, 0].numpy()) for e in expansions]
    for i, (title, field) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        ax.imshow(field, cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"{title}\n{field.shape[0]} x {field.shape[1]}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
