"""Plots of experiment kind `collapse.gmm` (layout: layout.md beside this file):

  l2_distance.png  the L2 distance between generation g's mixture and
                   generation 0's against g (log scale), as in the paper
  spread.png       every component's standard deviation along every axis
                   against g, and their mean (the spread): the collapse
  scatter.png      the data of the stored generations with the fitted
                   components' 2-sigma ellipses (the first two coordinates;
                   a histogram in 1-D)

TABLES: the statistics at generations 0, 1, 2, 5, 10, 20, 50, ... and the last.
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["recursion.keep_fraction", "data.samples", "recursion.generations", "experiment.seed"]
SWEEP_METRICS = ["final_l2_distance", "spread_ratio", "final_spread"]
SWEEP_LINEAR_METRICS = ["spread_ratio"]


def _series(run, name):
    d = run.file.get(f"recursion/{name}")
    return d[()] if d is not None else None


def _subtitle(run):
    keep = float(run.get("recursion.keep_fraction") or 0)
    return (f"K = {run.get('mixture.components')}, {run.get('data.samples')} samples per generation, "
            f"{100 * keep:.0f}% real data kept")


def l2_plot(run, out_dir):
    l2 = _series(run, "l2_distance")
    if l2 is None or l2.size < 2:
        return None
    g = np.arange(l2.size)
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.semilogy(g[1:], plotting.positive(l2[1:]), lw=0.9)
    ax.set_xlabel("generation")
    ax.set_ylabel("L2 distance to generation 0")
    ax.set_title(f"Distance from the original mixture\n{_subtitle(run)}", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "l2_distance.png"))


def spread_plot(run, out_dir):
    std = _series(run, "component_std")
    if std is None:
        return None
    g = np.arange(std.shape[0])
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    k, d = std.shape[1], std.shape[2]
    for c in range(k):
        for i in range(d):
            ax.semilogy(g, std[:, c, i], lw=0.6, alpha=0.6, color=f"C{c % 10}",
                        label=f"component {c}" if i == 0 and k <= 10 else None)
    ax.semilogy(g, _series(run, "spread"), color="black", lw=1.4, label="mean (the spread)")
    ax.set_xlabel("generation")
    ax.set_ylabel("component standard deviation")
    ax.set_title(f"Component spreads per axis\n{_subtitle(run)}", fontsize="medium")
    ax.legend(fontsize="small")
    return plotting.save(fig, os.path.join(out_dir, "spread.png"))


def _ellipse(mean, cov, scale=2.0, points=100):
    t = np.linspace(0, 2 * np.pi, points)
    w, v = np.linalg.eigh(cov)
    return mean[:, None] + scale * v @ (np.sqrt(np.maximum(w, 0))[:, None] * np.vstack([np.cos(t), np.sin(t)]))


def scatter_plot(run, out_dir):
    gens = run.file.get("generations")
    if gens is None:
        return None
    stored = [name for name in gens if "data" in gens[name]]
    if not stored:
        return None
    cols = min(4, len(stored))
    rows = (len(stored) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    first = gens[stored[0]]["data"][()]
    lim = 3.5 * float(np.max(np.std(first, axis=0)))
    for ax, name in zip(axes.flat, stored):
        g = gens[name]
        x = g["data"][()]
        k, d = int(g.attrs["components"]), int(g.attrs["dimension"])
        means = g.attrs["means"].reshape(k, d)
        covs = g.attrs["covariances"].reshape(k, d, d)
        if d == 1:
            ax.hist(x[:, 0], bins=40, range=(-lim, lim), color="0.6")
        else:
            ax.scatter(x[:, 0], x[:, 1], s=2, color="0.5", alpha=0.5)
            for c in range(k):
                e = _ellipse(means[c, :2], covs[c, :2, :2])
                ax.plot(e[0], e[1], color=f"C{c % 10}", lw=1.0)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
        ax.set_xlim(-lim, lim)
        ax.set_title(f"generation {int(name)}", fontsize="small")
    for ax in list(axes.flat)[len(stored):]:
        ax.axis("off")
    fig.suptitle(f"Data and fitted components (2 sigma); {_subtitle(run)}", fontsize="small")
    return plotting.save(fig, os.path.join(out_dir, "scatter.png"))


def shown_generations(last):
    """0, 1, 2, 5, 10, 20, 50, ... up to the last generation, and the last."""
    out, step = [0], 1
    while step <= last:
        out += [g for g in (step, 2 * step, 5 * step) if g <= last]
        step *= 10
    return sorted(set(out + [last]))


def TABLES(run):
    l2 = _series(run, "l2_distance")
    if l2 is None:
        return []
    spread, std, weights = _series(run, "spread"), _series(run, "component_std"), _series(run, "weights")
    ll, its = _series(run, "log_likelihood"), _series(run, "em_iterations")
    header = ["generation", "L2 distance to gen 0", "spread [x]", "smallest component std [x]",
              "largest weight", "mean log-likelihood [nats]", "EM iterations"]
    rows = [[g, float(l2[g]), float(spread[g]), float(std[g].min()), float(weights[g].max()), float(ll[g]),
             int(its[g])] for g in shown_generations(l2.size - 1)]
    return [("statistics per generation", header, rows)]


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (l2_plot, spread_plot, scatter_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
