"""Plots of experiment kind `regulariser.toy` (layout: layout.md beside this file):

  contours.png   the true distance to the curve and every trained critic side by
                 side, as filled contours on the evaluation grid, each critic
                 shifted by its mean offset from the distance (a critic is defined
                 up to a constant), with the curve and the band of the noisy data
                 drawn on top; the distance error and the needed weak-convexity
                 modulus in each title (the AWCR paper's figure 1)
  training.png   the critic loss (Wasserstein term + gradient penalty) per step
"""

import os

import numpy as np

import plotting
from plotting import plt

SWEEP_KEYS = ["data.noise", "training.epochs", "training.penalty_weight", "model.width", "model.layers"]
SWEEP_METRICS = ["distance_error", "distance_error_band"]
SWEEP_LINEAR_METRICS = SWEEP_METRICS


def critics(run):
    """The trained critics in the order of training.regularisers."""
    listed = run.get("training.regularisers") or []
    present = list(run.file.get("evaluation", {}).keys())
    return [r for r in listed if r in present]


def order_methods(run, names):
    first = critics(run)
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def _metric(run, name, key):
    d = run.file.get(f"metrics/{name}/{key}")
    return float(d[0]) if d is not None else float("nan")


def contour_plot(run, out_dir):
    ev = run.file.get("evaluation")
    if ev is None or "distance" not in ev:
        return None
    names = critics(run)
    x, y, d = ev["x"][()], ev["y"][()], ev["distance"][()]
    noise = float(plotting.scalar(ev.attrs.get("noise", 0)) or 0)
    band = float(run.get("evaluation.band", 3.0)) * noise
    levels = np.linspace(0, float(np.max(d)), 16)
    panels = [("distance to the curve", d, None)]
    for name in names:
        v = ev[f"{name}/values"][()]
        shifted = v - np.mean(v) + np.mean(d)  # the constant that best matches d
        panels.append((name, shifted, name))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 4.1), squeeze=False)
    for ax, (title, values, name) in zip(axes[0], panels):
        cs = ax.contourf(x, y, values, levels=levels, cmap="viridis", extend="both")
        # The curve itself: the level set at half a grid spacing (d is never 0 on the grid).
        ax.contour(x, y, d, levels=[0.5 * abs(x[1] - x[0]), band], colors=["white", "white"],
                   linewidths=[1.4, 0.8], linestyles=["-", ":"])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        if name is None:
            ax.set_title(title, fontsize="medium")
        else:
            err = _metric(run, name, "distance_error")
            rho = _metric(run, name, "needed_modulus")
            ax.set_title(f"{name}\nerror {err:.3f}, needed ρ {rho:.2g}", fontsize="medium",
                         color=plotting.method_colour(name))
    fig.colorbar(cs, ax=list(axes[0]), shrink=0.8, label="value")
    fig.suptitle(f"Critics against the distance to the {plotting.text(ev.attrs.get('curve', 'curve'))} "
                 f"(noise {noise:g}; white: the curve, dotted: the band of the noisy data)", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "contours.png"))


def training_plot(run, out_dir):
    names = [n for n in critics(run) if f"training/{n}/loss" in run.file]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for name in names:
        loss = run.file[f"training/{name}/loss"][()]
        ax.plot(np.arange(loss.size), loss, color=plotting.method_colour(name), lw=1.0, label=name)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("critic loss (Wasserstein + penalty)")
    ax.set_title("Training of the critics", fontsize="medium")
    ax.legend()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (contour_plot, training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
