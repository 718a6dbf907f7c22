"""Plots of experiment kind `lielac.allen_cahn` (layout: layout.md beside this file):

  solutions.png   for the first OOD samples (one row each): the input g.u0, its
                  canonical form h*.g.u0, the PETSc solution at T, the model's
                  prediction f(g.u0) and the canonicalised one h*^-1.f(h*.g.u0)
  errors.png      histograms of the per-sample relative L2 errors out of
                  distribution, model and LieLAC (log scale)
  training.png    the training loss per optimizer step
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["data.train", "training.epochs", "canonicalisation.restarts", "ood.angle_max", "pde.points"]
SWEEP_METRICS = ["ood_error", "in_distribution_error"]
SWEEP_LINEAR_METRICS = []


def methods(run):
    present = list(run.file.get("metrics", {}).keys())
    return [m for m in ["model", "lielac"] if m in present]


def order_methods(run, names):
    first = ["model", "lielac"]
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def solutions_plot(run, out_dir):
    s = run.file.get("canonicalisation/samples")
    if s is None or s["canonical"].shape[0] == 0:
        return None
    u0, uT = run.file["data/ood/u0"], run.file["data/ood/uT"]
    m = s["canonical"].shape[0]
    columns = [("input g·u0", lambda i: u0[i]), ("canonical h*·g·u0", lambda i: s["canonical"][i]),
               ("PETSc u(T)", lambda i: uT[i]), ("model f(g·u0)", lambda i: s["raw_prediction"][i]),
               ("LieLAC h*⁻¹·f(h*·g·u0)", lambda i: s["prediction"][i])]
    fig, axes = plt.subplots(m, len(columns), figsize=(2.6 * len(columns), 2.6 * m), squeeze=False)
    for i in range(m):
        for j, (title, value) in enumerate(columns):
            ax = axes[i][j]
            ax.imshow(value(i), origin="lower", extent=(0, 1, 0, 1), vmin=-1.1, vmax=1.1, cmap="RdBu_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize="small")
    fig.suptitle("Out-of-distribution droplets before and after canonicalisation", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "solutions.png"))


def error_plot(run, out_dir):
    sources = {"model": "evaluation/ood_error", "lielac": "canonicalisation/ood/error"}
    present = [(m, run.file[p][()]) for m, p in sources.items() if p in run.file]
    if not present or not any(np.any(v > 0) for _, v in present):
        return None
    lo = min(float(np.min(v[v > 0])) for _, v in present if np.any(v > 0))
    hi = max(float(np.max(v)) for _, v in present)
    bins = np.logspace(np.log10(lo) - 0.1, np.log10(hi) + 0.1, 30)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for m, v in present:
        ax.hist(v, bins=bins, histtype="step", lw=1.4, color=plotting.method_colour(m), label=m)
    ax.set_xscale("log")
    ax.set_xlabel("relative L2 error per OOD sample")
    ax.set_ylabel("samples")
    ax.set_title("Out-of-distribution errors", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "errors.png"))


def training_plot(run, out_dir):
    if "training/loss" not in run.file:
        return None
    loss = run.file["training/loss"][()]
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(np.arange(loss.size), loss, color=plotting.method_colour("model"), lw=1.0)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("relative L2 loss")
    ax.set_title("Training", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (solutions_plot, error_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
