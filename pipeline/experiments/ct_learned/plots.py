"""Plots of experiment kind `ct.learned` (see layout.md for its result.h5):

  reconstructions.png  up to MAX_IMAGES test pairs, one row each: the truth and
                       every method's reconstruction (PSNR/SSIM in the title), on
                       the truth's grey scale
  training.png         per learned regulariser: the critic's training loss per
                       optimizer step and its validation Wasserstein estimate
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["ar.lambda", "acr.lambda", "noise.level", "beam.angles", "training.epochs"]
SWEEP_METRICS = ["psnr_mean", "ssim_mean"]
SWEEP_LINEAR_METRICS = SWEEP_METRICS
# The report's per-setting table: rows the methods, as the table
# (report/comparison.py); training time only for the learned regularisers.
COMPARISON = [("PSNR", "psnr_mean", "psnr_std"), ("SSIM", "ssim_mean", "ssim_std"),
              ("time per image", "seconds_per_image", None), ("training time", "training_seconds", None)]

MAX_IMAGES = 3
X_GEN = "FBP"  # what the critic was trained against (deblur.learned's plots, which reuse these, set theirs)


def order_methods(run, names):
    """Methods in the order of reconstruction.methods, then anything else."""
    return plotting.order_by_config(run, names)


def methods(run):
    """Methods with reconstructed images, in the order of reconstruction.methods."""
    rec = run.file.get("reconstructions")
    if rec is None:
        return []
    return order_methods(run, [k for k, g in rec.items() if hasattr(g, "items") and "images" in g])


def _subtitle(run):
    return (f"{run.get('image.size', '?')}² pixels, {run.get('beam.angles', '?')} angles, "
            f"{run.get('noise.kind', '?')} noise {run.get('noise.level', '?')}  (run {run.run_id})")


def reconstructions_plot(run, out_dir):
    f = run.file
    if "data/test/truth" not in f:
        return None
    truth = f["data/test/truth"][()]
    names = methods(run)
    rows = min(MAX_IMAGES, truth.shape[0])
    cols = 1 + len(names)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.75 * rows + 0.7), squeeze=False)
    for p in range(rows):
        lo, hi = float(truth[p].min()), float(truth[p].max())
        axes[p, 0].imshow(truth[p], cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        axes[p, 0].set_title(f"test image {p}: truth", fontsize="small")
        for c, m in enumerate(names, start=1):
            axes[p, c].imshow(f[f"reconstructions/{m}/images"][p], cmap="gray", vmin=lo, vmax=hi,
                              interpolation="nearest")
            label = m
            if f"metrics/{m}/psnr" in f:
                label += f"\n{f[f'metrics/{m}/psnr'][p]:.2f} dB, SSIM {f[f'metrics/{m}/ssim'][p]:.3f}"
            axes[p, c].set_title(label, fontsize="small", color=plotting.method_colour(m))
    for ax in axes.ravel():
        ax.grid(False)
        ax.set_xticks([])
        ax.set_yticks([])
    total = truth.shape[0]
    shown = f"the first {rows} of {total} test images" if rows < total else plotting.plural(rows, "test image")
    fig.suptitle(f"Reconstructions of {shown}, grey scale [min, max] of each truth\n{_subtitle(run)}",
                 fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "reconstructions.png"))


def training_plot(run, out_dir):
    t = run.file.get("training")
    if t is None or not len(t):
        return None
    names = list(t.keys())
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
    for ax, r in zip(axes[0], names):
        g = t[r]
        loss = g["loss"][()]
        ax.plot(np.arange(loss.size), loss, label="training loss (Wasserstein + penalty)",
                color=plotting.method_colour(r))
        v = g["validation"][()]
        ok = np.isfinite(v)
        if ok.any():
            ax.plot(np.nonzero(ok)[0], v[ok], "o-", markersize=3, label=f"validation mean R(truth) − R({X_GEN})",
                    color="0.3")
        ax.set_xlabel("optimizer step")
        ax.set_title(f"{r}: {g.attrs.get('penalty', '')} penalty, {g.attrs.get('optimizer', '')}", fontsize="small")
        ax.legend(fontsize="x-small")
    fig.suptitle(f"Critic training\n{_subtitle(run)}", fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (reconstructions_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
