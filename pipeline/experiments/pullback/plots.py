"""Plots of experiment kind `pullback` (layout: layout.md beside this file):

  geometry.png   2-D sets: the true density and each method's learned density
                 (filled contours of log p), with the geodesics between the
                 first test pairs (solid: the method's closed-form geodesics,
                 dashed white: the true ones) and the barycentre of the first
                 test points (star: the method's, cross: the true one)
  variances.png  each method's learned latent variances a, sorted decreasing,
                 on a log scale, with the manifold's dimension marked: the
                 Riemannian autoencoder keeps the coordinates left of d_eps
  rae.png        the RAE's test reconstruction error against the number of
                 kept coordinates, largest-variance first (solid), smallest
                 first (dashed) and random (dotted), per method
  training.png   the training loss per optimizer step, per method

The report's comparison table (COMPARISON) has one row per method.
"""

import os

import numpy as np

import plotting
from plotting import plt

COMPARISON = [("geodesic error", "geodesic_error", "geodesic_error_std"),
              ("variation error", "variation_error", "variation_error_std"),
              ("d_eps", "latent_dimension", None), ("RAE error at d_eps", "rae_error", None),
              ("test NLL", "test_nll", None), ("training", "training_time", None)]
SWEEP_KEYS = ["training.epochs", "loss.isometry_weight", "flow.layers", "experiment.seed"]
SWEEP_METRICS = ["geodesic_error", "variation_error", "latent_dimension", "test_nll"]
SWEEP_LINEAR_METRICS = ["latent_dimension", "test_nll"]


def methods(run):
    """The evaluated methods in the order of training.methods."""
    listed = run.get("training.methods") or []
    present = list(run.file.get("evaluation", {}).keys())
    return [m for m in listed if m in present]


def order_methods(run, names):
    first = methods(run)
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def _metric(run, name, key):
    d = run.file.get(f"metrics/{name}/{key}")
    return float(d[0]) if d is not None else float("nan")


def _intrinsic(run):
    m = run.file.get("metrics")
    return int(plotting.scalar(m.attrs.get("intrinsic_dimension", 0))) if m is not None else 0


def geometry_plot(run, out_dir):
    ev = run.file.get("evaluation")
    if ev is None or "truth" not in ev:
        return None
    truth = ev["truth"]
    x, y = truth["x"][()], truth["y"][()]
    panels = [("truth", truth["log_density"][()], None)]
    for name in methods(run):
        panels.append((name, ev[f"{name}/log_density"][()], name))
    top = max(float(np.max(p[1])) for p in panels)
    levels = np.linspace(top - 12.0, top, 13)  # twelve nats below the mode
    true_geodesics = truth["geodesics"][()]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 4.0), squeeze=False)
    for ax, (title, values, name) in zip(axes[0], panels):
        cs = ax.contourf(x, y, values, levels=levels, cmap="viridis", extend="min")
        for g in true_geodesics:
            ax.plot(g[:, 0], g[:, 1], color="white", lw=0.8, ls="--")
        if name is not None:
            colour = plotting.method_colour(name)
            for g in ev[f"{name}/geodesics"][()]:
                ax.plot(g[:, 0], g[:, 1], color=colour, lw=1.2)
            b, tb = ev[f"{name}/barycentre"][()], ev[f"{name}/true_barycentre"][()]
            ax.plot([tb[0]], [tb[1]], marker="x", color="white", ms=9, mew=2)
            ax.plot([b[0]], [b[1]], marker="*", color=colour, ms=12, mec="black")
            err = _metric(run, name, "geodesic_error")
            ax.set_title(f"{name}\ngeodesic error {err:.3f}", fontsize="medium", color=colour)
        else:
            ax.set_title("true density and geodesics", fontsize="medium")
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(y[0], y[-1])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(cs, ax=list(axes[0]), shrink=0.8, label="log p")
    fig.suptitle(f"{plotting.text(run.file['data'].attrs.get('set', ''))}: learned densities, geodesics (dashed: "
                 "true) and barycentres (x: true)", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "geometry.png"))


def variances_plot(run, out_dir):
    names = [n for n in methods(run) if f"evaluation/{n}/sorted_variances" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        a = run.file[f"evaluation/{name}/sorted_variances"][()]
        d = int(_metric(run, name, "latent_dimension"))
        ax.semilogy(np.arange(1, a.size + 1), a, marker="o", ms=3, color=plotting.method_colour(name),
                    label=f"{name} (d_eps = {d})")
    k = _intrinsic(run)
    if k:
        ax.axvline(k + 0.5, color="grey", ls=":", label=f"manifold dimension {k}")
    ax.set_xlabel("latent coordinate, by decreasing variance")
    ax.set_ylabel("learned variance a")
    ax.set_title("Learned variances", fontsize="medium")
    ax.legend(fontsize="small")
    return plotting.save(fig, os.path.join(out_dir, "variances.png"))


def rae_plot(run, out_dir):
    names = [n for n in methods(run) if f"evaluation/{n}/rae_errors_largest" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        colour = plotting.method_colour(name)
        for order, style in (("largest", "-"), ("smallest", "--"), ("random", ":")):
            e = run.file[f"evaluation/{name}/rae_errors_{order}"][()]
            ax.plot(np.arange(1, e.size + 1), np.maximum(e, 1e-300), ls=style, color=colour, marker="o", ms=2,
                    label=name if order == "largest" else None)
    ax.set_yscale("log")
    ax.set_xlabel("kept latent coordinates d")
    ax.set_ylabel("test reconstruction MSE")
    ax.set_title("Riemannian autoencoder (solid: largest a first, dashed: smallest, dotted: random)",
                 fontsize="small")
    ax.legend(fontsize="small")
    return plotting.save(fig, os.path.join(out_dir, "rae.png"))


def training_plot(run, out_dir):
    names = [n for n in methods(run) if f"training/{n}/loss" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        loss = run.file[f"training/{name}/loss"][()]
        ax.plot(np.arange(loss.size), loss, color=plotting.method_colour(name), lw=0.8, label=name)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (NLL + regularisers) per sample")
    ax.set_title("Training of the flows", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (geometry_plot, variances_plot, rae_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
