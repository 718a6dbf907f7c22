"""Plots of experiment kind `lielac.pde` (layout: layout.md beside this file):

  solutions.png   for the first OOD samples: the input g.u0 and its canonical
                  form k.g.u0 (top), the PETSc solution at T, the plain model's
                  prediction and the canonicalised one (bottom)
  landscape.png   the canonicalisation energy of OOD sample 0 along the first
                  generator (TIED-scaled algebra coordinate)
  errors.png      histograms of the per-sample relative L2 errors out of
                  distribution, one per method (log scale)
  training.png    the training loss of every variant per optimizer step
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["pde.equation", "data.train", "training.epochs", "canonicalisation.restarts", "ood.boost_max"]
SWEEP_METRICS = ["ood_error", "in_distribution_error"]
SWEEP_LINEAR_METRICS = []


def methods(run):
    present = list(run.file.get("metrics", {}).keys())
    return [m for m in ["model", "lielac", "augmented", "fine-tuned"] if m in present]


def order_methods(run, names):
    first = ["model", "lielac", "augmented", "fine-tuned"]
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def solutions_plot(run, out_dir):
    s = run.file.get("canonicalisation/samples")
    if s is None or s["canonical"].shape[0] == 0:
        return None
    x = run.file["data/x"][()]
    u0, uT = run.file["data/ood/u0"], run.file["data/ood/uT"]
    m = s["canonical"].shape[0]
    fig, axes = plt.subplots(2, m, figsize=(4.2 * m, 6.4), squeeze=False)
    for i in range(m):
        top, bottom = axes[0][i], axes[1][i]
        top.plot(x, u0[i], color="black", lw=1.2, label="input g·u0")
        top.plot(x, s["canonical"][i], color=plotting.method_colour("lielac"), lw=1.2, label="canonical k·g·u0")
        top.set_title(f"OOD sample {i}: inputs", fontsize="medium")
        bottom.plot(x, uT[i], color="black", lw=1.6, label="PETSc u(T)")
        bottom.plot(x, s["raw_prediction"][i], color=plotting.method_colour("model"), lw=1.0, ls="--",
                    label="model f(g·u0)")
        bottom.plot(x, s["prediction"][i], color=plotting.method_colour("lielac"), lw=1.0,
                    label="LieLAC k⁻¹·f(k·g·u0)")
        bottom.set_xlabel("x")
        bottom.set_title("predictions at T", fontsize="medium")
        if i == 0:
            top.legend(fontsize="small")
            bottom.legend(fontsize="small")
    fig.suptitle("Out-of-distribution inputs before and after canonicalisation", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "solutions.png"))


def landscape_plot(run, out_dir):
    g = run.file.get("canonicalisation/landscape")
    if g is None:
        return None
    eps, e = g["epsilon"][()], g["energy"][()]
    ok = np.isfinite(e)
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(eps[ok], e[ok], color=plotting.method_colour("lielac"), lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel(f"ε along generator {int(plotting.scalar(g.attrs.get('generator', 0)))}")
    ax.set_ylabel("energy E(exp(εv)·u0)")
    ax.set_title("Canonicalisation energy of OOD sample 0", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "landscape.png"))


def error_plot(run, out_dir):
    sources = {"model": "evaluation/plain/ood_error", "lielac": "canonicalisation/ood/error",
               "augmented": "evaluation/augmented/ood_error", "fine-tuned": "evaluation/fine-tuned/ood_error"}
    present = [(m, run.file[p][()]) for m, p in sources.items() if p in run.file]
    if not present:
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
    names = [n for n in ["plain", "augmented", "fine-tuned"] if f"training/{n}/loss" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        loss = run.file[f"training/{name}/loss"][()]
        ax.plot(np.arange(loss.size), loss, color=plotting.method_colour(name), lw=1.0, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("relative L2 loss")
    ax.set_title("Training", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (solutions_plot, landscape_plot, error_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
