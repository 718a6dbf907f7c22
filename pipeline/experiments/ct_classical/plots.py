"""Plots of experiment kind `ct.classical` (see data/README.md for the layout
of its result.h5):

  reconstructions.png  up to MAX_PHANTOMS phantoms, one row each: the truth, the
                       noisy sinogram and every method's reconstruction (PSNR/SSIM
                       in the title), all images on the truth's grey scale
  convergence.png      per iterative method: the residual against the iteration for
                       each phantom; for tv also the objective and the primal-dual gap
  metrics.png          mean PSNR and mean SSIM per method

A method is one of `reconstruction.methods` (fbp, sirt, lsqr, tikhonov, tv).
"""

import math
import os

import numpy as np

import plotting
from plotting import plt

# What a sweep of this kind is plotted against, where the runs vary it (else
# every varying numeric key), and the metrics plotted.
SWEEP_KEYS = ["tv.lambda", "tikhonov.alpha", "noise.level", "beam.angles"]
SWEEP_METRICS = ["psnr_mean", "ssim_mean"]
# Both on linear axes: PSNR is a logarithm already, SSIM lies in [-1, 1].
SWEEP_LINEAR_METRICS = SWEEP_METRICS
# The report's per-setting table of the methods (report/comparison.py).
COMPARISON = [("PSNR", "psnr_mean", "psnr_std"), ("SSIM", "ssim_mean", "ssim_std"),
              ("time per image", "seconds_per_image", None)]

# Rows of the image grid.
MAX_PHANTOMS = 3
# Panels per row of the convergence figure.
COLUMNS = 3
# What /reconstructions/<r>/history/<p>/residual holds where it is not ‖A x_k − y‖ exactly.
RESIDUAL_LABEL = {"lsqr": "‖A x_k − y‖ (LSQR estimate)",
                  "tikhonov": "CG residual of the normal equations"}
# Curves (phantoms) per convergence panel: more are not told apart.
MAX_CURVES = 6
# Methods stopped by the discrepancy principle ‖A x_k − y‖ ≤ τδ.
DISCREPANCY_METHODS = ("sirt", "lsqr")


def order_methods(run, names):
    """Methods in the order of reconstruction.methods, then anything else."""
    return plotting.order_by_config(run, names)


def methods(run):
    """Methods with reconstructed images, in order."""
    rec = run.file.get("reconstructions")
    if rec is None:
        return []
    return order_methods(run, [k for k, g in rec.items() if hasattr(g, "items") and "images" in g])


def _subtitle(run):
    n = run.get("image.size", "?")
    parts = [f"{n}² pixels", f"{run.get('beam.kind', '?')} beam, {run.get('beam.angles', '?')} angles",
             f"{run.get('noise.kind', '?')} noise {run.get('noise.level', '?')}"]
    return ", ".join(parts) + f"  (run {run.run_id})"


def _metric(run, method, name, p):
    d = run.file.get(f"metrics/{method}/{name}")
    if d is None:
        return None
    values = d[()]
    return float(values[p]) if p < values.size else None


# ---- image grid ----------------------------------------------------------------------------

def reconstructions_plot(run, out_dir):
    f = run.file
    if "fields/truth" not in f:
        return None
    truth = f["fields/truth"][()]
    names = methods(run)
    rows = min(MAX_PHANTOMS, truth.shape[0])
    if rows == 0:
        return None
    noisy = f["sinograms/noisy"][()] if "sinograms/noisy" in f else None
    angles = f["sinograms/angles"][()] if "sinograms/angles" in f else None
    cols = 1 + (noisy is not None) + len(names)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.75 * rows + 0.7), squeeze=False)
    half = 0.5 * float(plotting.scalar(f["fields/truth"].attrs.get("extent", run.get("image.extent", 1.0))) or 1.0)
    box = [-half, half, -half, half]
    for p in range(rows):
        lo, hi = float(truth[p].min()), float(truth[p].max())
        c = 0
        ax = axes[p, c]
        ax.imshow(truth[p], cmap="gray", vmin=lo, vmax=hi, extent=box, interpolation="nearest")
        ax.set_title(f"phantom {p}: truth", fontsize="small")
        c += 1
        if noisy is not None:
            ax = axes[p, c]
            s = noisy[p]
            ext = None
            if angles is not None and angles.size == s.shape[0]:
                ext = [0.5, s.shape[1] + 0.5, np.degrees(angles[-1]), np.degrees(angles[0])]
            ax.imshow(s, cmap="gray", aspect="auto", extent=ext, interpolation="nearest")
            ax.set_title("noisy sinogram", fontsize="small")
            ax.set_xlabel("detector", fontsize="x-small")
            ax.set_ylabel("angle [°]" if ext else "angle", fontsize="x-small")
            ax.grid(False)
            c += 1
        for m in names:
            ax = axes[p, c]
            img = f[f"reconstructions/{m}/images"][()][p]
            ax.imshow(img, cmap="gray", vmin=lo, vmax=hi, extent=box, interpolation="nearest")
            ps, ss = _metric(run, m, "psnr", p), _metric(run, m, "ssim", p)
            label = m
            if ps is not None and ss is not None:
                label += f"\n{ps:.2f} dB, SSIM {ss:.3f}"
            ax.set_title(label, fontsize="small", color=plotting.method_colour(m))
            c += 1
    for ax in axes.ravel():
        ax.grid(False)
        ax.tick_params(labelsize="x-small")
    for p in range(rows):
        for c in range(cols):
            if c != 1 or noisy is None:
                axes[p, c].set_xticks([])
                axes[p, c].set_yticks([])
    total = truth.shape[0]
    shown = f"the first {rows} of {total} phantoms" if rows < total else plotting.plural(rows, "phantom")
    fig.suptitle(f"Reconstructions of {shown}, grey scale [min, max] of each truth\n{_subtitle(run)}",
                 fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "reconstructions.png"))


# ---- convergence ---------------------------------------------------------------------------

def _histories(run, m):
    """{phantom index: history group} of method m, in phantom order."""
    h = run.file.get(f"reconstructions/{m}/history")
    if h is None:
        return {}
    out = {}
    for k, g in h.items():
        try:
            out[int(k)] = g
        except ValueError:
            continue
    return dict(sorted(out.items()))


def convergence_plot(run, out_dir):
    panels = []  # (method, series, ylabel)
    for m in methods(run):
        hist = _histories(run, m)
        if not any("residual" in g for g in hist.values()):
            continue
        panels.append((m, "residual", RESIDUAL_LABEL.get(m, "‖A x_k − y‖")))
        if any("objective" in g for g in hist.values()):
            panels.append((m, "objective", "½‖Ax − y‖² + λ TV(x)"))
        if any("gap" in g for g in hist.values()):
            panels.append((m, "gap", "primal-dual gap"))
    if not panels:
        return None
    cols = min(COLUMNS, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows + 0.7), squeeze=False)
    axes = axes.ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    delta = run.file["sinograms/noise_norm"][()] if "sinograms/noise_norm" in run.file else np.empty(0)
    tau = float(run.get("discrepancy.tau", 0.0) or 0.0)
    for ax, (m, series, ylabel) in zip(axes, panels):
        hist = _histories(run, m)
        shown = list(hist.items())[:MAX_CURVES]
        shades = np.linspace(1.0, 0.55, max(len(shown), 1))
        for j, (p, g) in enumerate(shown):
            if series not in g:
                continue
            y = np.asarray(g[series][()], dtype=float)
            # residual of sirt, lsqr, tikhonov starts at x_0 (iteration 0); tv's after iteration 1
            start = 0 if (series == "residual" and m != "tv") else 1
            k = np.arange(start, start + y.size)
            stop = plotting.text(g.attrs.get("stop_reason", ""))
            label = f"phantom {p}" + (f" ({stop})" if stop and series == "residual" else "")
            # Phantom j has one line style and marker in its curve and in its
            # noise level, so that several levels in one panel are told apart.
            style = plotting.series_style(j, y.size)
            ax.plot(k, plotting.positive(y), color=plotting.method_colour(m), alpha=shades[j], lw=1.3, label=label,
                    **style)
            if series == "residual" and m in DISCREPANCY_METHODS and p < delta.size:
                # The level the discrepancy principle stops at (τδ), or the
                # noise norm δ itself where the principle is off (τ = 0).
                level = (tau if tau > 0 else 1.0) * float(delta[p])
                name = "τ‖δ‖" if tau > 0 else "‖δ‖"
                ax.axhline(level, color="0.45", lw=0.9, ls=style["ls"],
                           label=f"{name} = {level:.3g}, phantom {p}")
                ax.plot([k[-1]], [level], marker=style["marker"], color="0.45", ms=style["ms"], ls="none")
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel(ylabel)
        title = f"{m}: {series}"
        if len(hist) > len(shown):
            title += f" (the first {len(shown)} of {len(hist)} phantoms)"
        ax.set_title(title, fontsize="medium", color=plotting.method_colour(m))
        ax.legend(loc="upper right", fontsize="x-small")
    fig.suptitle(f"Convergence of the iterative methods\n{_subtitle(run)}", fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "convergence.png"))


# ---- mean metrics --------------------------------------------------------------------------

def metrics_plot(run, out_dir):
    f = run.file
    names = [m for m in methods(run) if f"metrics/{m}/psnr_mean" in f and f"metrics/{m}/ssim_mean" in f]
    if not names:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(max(7.0, 1.3 * len(names) * 2 + 2), 4.2))
    x = np.arange(len(names))
    colours = [plotting.method_colour(m) for m in names]
    for ax, key, label, fmt in ((axes[0], "psnr", "mean PSNR [dB]", "{:.2f}"),
                                (axes[1], "ssim", "mean SSIM", "{:.3f}")):
        means = np.array([float(f[f"metrics/{m}/{key}_mean"][()].ravel()[0]) for m in names])
        bars = ax.bar(x, means, color=colours, width=0.65)
        tops = means.copy()  # the highest mark of each bar: its mean or a phantom's value
        for m_i, m in enumerate(names):
            per = f[f"metrics/{m}/{key}"][()] if f"metrics/{m}/{key}" in f else np.array([])
            if per.size > 1:
                ax.plot(np.full(per.size, x[m_i]), per, "o", ms=3, color="0.15", zorder=3,
                        label="per phantom" if m_i == 0 else None)
                tops[m_i] = np.nanmax(np.append(per, means[m_i]))
        # The value above the highest mark, so that no marker covers it.
        for b, v, top in zip(bars, means, tops):
            ax.annotate(fmt.format(v), (b.get_x() + b.get_width() / 2, top), xytext=(0, 4),
                        textcoords="offset points", ha="center", va="bottom", fontsize="x-small")
        ax.set_xticks(x, names)
        ax.set_ylabel(label)
        ax.grid(axis="x", visible=False)
        # Room above the highest mark for its label.
        if key == "ssim":
            ax.set_ylim(min(0.0, float(np.nanmin(means))), max(1.0, float(np.nanmax(tops))) * 1.1)
        elif np.all(means > 0):
            ax.set_ylim(0, 1.15 * float(np.nanmax(tops)))
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(loc="lower left")
    count = plotting.scalar(f["fields/truth"].shape[0]) if "fields/truth" in f else "?"
    over = plotting.plural(count, "phantom") if isinstance(count, int) else f"{count} phantoms"
    fig.suptitle(f"Mean PSNR and SSIM over {over}\n{_subtitle(run)}", fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "metrics.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (reconstructions_plot, convergence_plot, metrics_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
