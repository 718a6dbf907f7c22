"""Plots of experiment kind `lielac.images` (layout: layout.md beside this file):

  canonical.png   the first moved test images (top) and their canonical forms
                  (bottom), with the true class and the classifier's before
                  and after
  accuracy.png    accuracy on the test and the moved test images per method
  training.png    the training loss of every classifier per optimizer step
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["data.dataset", "transforms.group", "canonicalisation.group", "training.contrast_weight"]
SWEEP_METRICS = ["moved_accuracy", "test_accuracy"]
SWEEP_LINEAR_METRICS = SWEEP_METRICS


def order_methods(run, names):
    first = ["model", "lielac", "augmented"]
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def canonical_plot(run, out_dir):
    s = run.file.get("canonicalisation/samples")
    if s is None or s["canonical"].shape[0] == 0:
        return None
    canonical = s["canonical"][()]
    m = canonical.shape[0]
    moved = run.file["data/moved/images"][:m]
    labels = run.file["data/test/labels"][:m]
    before = run.file["canonicalisation/raw_predicted"][:m]
    after = run.file["canonicalisation/predicted"][:m]
    fig, axes = plt.subplots(2, m, figsize=(1.6 * m, 3.6), squeeze=False)
    for i in range(m):
        for row, image, guess in ((0, moved[i], before[i]), (1, canonical[i], after[i])):
            ax = axes[row][i]
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            colour = "#2ca02c" if guess == labels[i] else "#d62728"
            ax.set_title(f"{labels[i]} → {guess}", fontsize="small", color=colour)
    axes[0][0].set_ylabel("moved")
    axes[1][0].set_ylabel("canonical")
    fig.suptitle("Moved test images and their canonical forms (true → predicted)", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "canonical.png"))


def accuracy_plot(run, out_dir):
    m = run.file.get("metrics")
    if m is None:
        return None
    rows = []
    for name in order_methods(run, list(m.keys())):
        g = m[name]
        test = float(g["test_accuracy"][0]) if "test_accuracy" in g else np.nan
        moved = float(g["moved_accuracy"][0]) if "moved_accuracy" in g else np.nan
        rows.append((name, test, moved))
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r[1] for r in rows], 0.4, label="test", color="#9e9ac8")
    ax.bar(x + 0.2, [r[2] for r in rows], 0.4, label="moved", color=[plotting.method_colour(r[0]) for r in rows])
    ax.set_xticks(x)
    ax.set_xticklabels([r[0] for r in rows])
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title("Classification accuracy", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "accuracy.png"))


def training_plot(run, out_dir):
    names = [n for n in ["plain", "augmented"] if f"training/{n}/loss" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        loss = run.file[f"training/{name}/loss"][()]
        ax.plot(np.arange(loss.size), loss, color=plotting.method_colour(name), lw=1.0, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.set_title("Training", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    written = []
    for draw in (canonical_plot, accuracy_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
