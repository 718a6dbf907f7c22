"""Plots of experiment kind `sympflow` (see data/README.md for the layout of
its result.h5):

  energy_error.png   mean |H(x(t)) − H(x0)| against t, every method and the reference
  state_error.png    mean |x(t) − x_ref(t)| (and relative to |x_ref|) against t
  training.png       loss, validation metric and learning rate per trained variant
  phase_space.png    the first evaluation trajectories in (q1, p1), one panel per method
  poincare.png       Hénon–Heiles only: the section q1 = 0, p1 > 0 in (q2, p2), one panel per method

A method is a trained variant (`training.variants`), the classical
integrator (`verlet`, or `implicit-midpoint` for a non-separable H) or,
where it applies, the accurate `reference`.
"""

import math
import os

import numpy as np

import plotting
from plotting import plt

# What a sweep of this kind is plotted against, where the runs vary it (else
# every varying numeric key). The metrics are the default: every *error*
# figure (their names carry the evaluation times, e.g. state_error_t10).
SWEEP_KEYS = ["data.noise", "training.epochs", "training.batch", "training.learning_rate", "model.layers",
              "model.width", "model.depth", "baseline.width", "baseline.depth", "data.trajectories", "data.times",
              "training.t_max", "evaluation.verlet_dt"]

# Panels per row of the figures with one panel per method or variant.
COLUMNS = 3
# Markers on the error curves when there are few frames.
FEW_FRAMES = 40


def variants(run):
    """The trained variants in the order of training.variants."""
    listed = run.get("training.variants") or []
    present = list(run.file.get("training", {}))
    return [v for v in listed if v in present] + sorted(v for v in present if v not in listed)


def classical(run):
    ev = run.file.get("evaluation")
    if ev is not None and "classical_method" in ev.attrs:
        return plotting.text(ev.attrs["classical_method"])
    return None


def order_methods(run, names):
    """Variants in the order of the experiment file, then the classical
    integrator, then the reference, then anything else."""
    first = variants(run) + [m for m in (classical(run), "reference") if m]
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def evaluated(run):
    """Methods with a group in /evaluation, reference included, in order."""
    ev = run.file.get("evaluation")
    if ev is None:
        return []
    names = [k for k, g in ev.items() if hasattr(g, "items") and "energy_error" in g]
    return order_methods(run, names)


def _subtitle(run):
    system = run.get("system.name", "?")
    ev = run.file.get("evaluation")
    parts = [system]
    if ev is not None:
        parts.append(f"Δt = {plotting.scalar(ev.attrs.get('interval', np.nan)):g} per flow map")
        parts.append(f"reference {plotting.text(ev.attrs.get('reference', '?'))}")
    return ", ".join(parts) + f"  (run {run.run_id})"


def _evaluation_header(run):
    """'N held-out trajectories, verlet step h' from the attributes of /evaluation."""
    ev = run.file["evaluation"]
    n = plotting.scalar(ev.attrs.get("trajectories"))
    method = plotting.text(ev.attrs.get("classical_method", "classical"))
    h = plotting.scalar(ev.attrs.get("classical_step"))
    step = f"{method} step {h:.4g}" if isinstance(h, float) else f"{method} step ?"
    return f"{n} held-out trajectories, {step}"


def _grid(count, width=4.2, height=4.0, **kw):
    """A figure with `count` panels in rows of COLUMNS; returns fig and the used axes."""
    cols = min(COLUMNS, count)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.6), squeeze=False, **kw)
    axes = axes.ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return fig, list(axes[:count])


def _style(count):
    return {"marker": "o", "ms": 3} if count <= FEW_FRAMES else {}


# ---- errors against time -------------------------------------------------------------------

def energy_error_plot(run, out_dir):
    f = run.file
    if "evaluation/times" not in f:
        return None
    times = f["evaluation/times"][()]
    unit = plotting.text(f["evaluation/times"].attrs.get("unit", "time"))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    drawn = 0
    for m in evaluated(run):
        y = f[f"evaluation/{m}/energy_error"][()]
        # t = 0 has error 0 exactly: the log axes start at one flow-map interval.
        ax.plot(times[1:], plotting.positive(y[1:]), color=plotting.method_colour(m), lw=1.4,
                ls="--" if m == "reference" else "-", label=m, **_style(times.size - 1))
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"time t [{unit}]" if unit and unit != "1" else "time t")
    ax.set_ylabel("mean |H(x(t)) − H(x0)|  [energy]")
    ax.set_title(f"Energy error, mean over {_evaluation_header(run)}\n{_subtitle(run)}", fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return plotting.save(fig, os.path.join(out_dir, "energy_error.png"))


def state_error_plot(run, out_dir):
    f = run.file
    if "evaluation/times" not in f:
        return None
    times = f["evaluation/times"][()]
    unit = plotting.text(f["evaluation/times"].attrs.get("unit", "time"))
    names = [m for m in evaluated(run) if "state_error" in f[f"evaluation/{m}"]]
    if not names:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.8))
    for ax, series, ylabel in ((axes[0], "state_error", "mean |x(t) − x_ref(t)|"),
                               (axes[1], "relative_state_error", "mean |x(t) − x_ref(t)| / |x_ref(t)|")):
        for m in names:
            if series not in f[f"evaluation/{m}"]:
                continue
            y = f[f"evaluation/{m}/{series}"][()]
            ax.plot(times[1:], plotting.positive(y[1:]), color=plotting.method_colour(m), lw=1.4, label=m,
                    **_style(times.size - 1))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"time t [{unit}]" if unit and unit != "1" else "time t")
        ax.set_ylabel(ylabel)
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ref = plotting.text(f["evaluation"].attrs.get("reference", ""))
    fig.suptitle(f"Error against the {ref} reference, mean over {_evaluation_header(run)}\n{_subtitle(run)}",
                 fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "state_error.png"))


# ---- training curves -----------------------------------------------------------------------

def training_plot(run, out_dir):
    f = run.file
    names = [v for v in variants(run) if "loss" in f[f"training/{v}"]]
    if not names:
        return None
    fig, axes = _grid(len(names), width=4.8, height=3.8)
    for ax, v in zip(axes, names):
        g = f[f"training/{v}"]
        steps = max(1, int(plotting.scalar(g.attrs.get("steps_per_epoch", 1)) or 1))
        loss = g["loss"][()]
        validation = g["validation"][()] if "validation" in g else np.full(loss.shape, np.nan)
        lr = g["learning_rate"][()] if "learning_rate" in g else None
        # Record k is optimizer step k: the loss before it, the validation after it.
        before = np.arange(loss.size) / steps
        after = (np.arange(validation.size) + 1) / steps
        c = plotting.method_colour(v)
        ax.plot(before, plotting.positive(loss), color=c, lw=1.0, alpha=0.85, label="training loss")
        ok = np.isfinite(validation) & (validation > 0)
        if ok.any():
            ax.plot(after[ok], validation[ok], "o-", color="0.15", lw=0.9, ms=2.5, label="validation")
        best = plotting.scalar(g.attrs.get("best_step", -1))
        if isinstance(best, int) and 0 <= best < validation.size and np.isfinite(validation[best]):
            ax.plot([after[best]], [validation[best]], "*", color="gold", mec="0.2", ms=11, zorder=5,
                    label=f"kept model (epoch {after[best]:g})")
        if v == "mixed":
            switch = float(run.get("training.mixed_switch", 0.5)) * float(run.get("training.epochs", 0))
            ax.axvline(switch, color="0.5", ls=":", lw=1.0, label="matching → residual")
        if np.isfinite(plotting.positive(loss)).any() or ok.any():
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss / validation metric")
        ax.set_title(v, fontsize="medium", color=c)
        handles, labels = ax.get_legend_handles_labels()
        if lr is not None and lr.size:
            ax2 = ax.twinx()
            ax2.spines["right"].set_visible(True)
            ax2.grid(False)
            ax2.plot(before, lr, color="tab:gray", lw=1.0, ls="--", label="learning rate")
            positive_lr = lr[np.isfinite(lr) & (lr > 0)]
            if positive_lr.size and positive_lr.max() > 20 * positive_lr.min():
                ax2.set_yscale("log")
            elif positive_lr.size:
                ax2.set_ylim(0, 1.5 * positive_lr.max())
            ax2.set_ylabel("learning rate", color="tab:gray")
            ax2.tick_params(axis="y", colors="tab:gray")
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.legend(handles, labels, loc="lower left")
    fig.suptitle(f"Training: loss per optimizer step, validation metric (model selection), learning rate\n"
                 f"{_subtitle(run)}", fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "training.png"))


# ---- phase space ---------------------------------------------------------------------------

def _limits(arrays, reference, factor=3.0):
    """Axis limits over `arrays`, but at most `factor` times the reference's
    extent around its centre (a diverging model must not squash the rest)."""
    lo_r, hi_r = np.nanmin(reference), np.nanmax(reference)
    mid, half = 0.5 * (lo_r + hi_r), max(0.5 * (hi_r - lo_r), 1e-12)
    finite = [a[np.isfinite(a)] for a in arrays]
    lo = min([lo_r] + [a.min() for a in finite if a.size])
    hi = max([hi_r] + [a.max() for a in finite if a.size])
    lo, hi = max(lo, mid - factor * half), min(hi, mid + factor * half)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def phase_space_plot(run, out_dir):
    f = run.file
    ph = f.get("evaluation/phase")
    if ph is None or "reference" not in ph or "times" not in ph:
        return None
    ref = ph["reference"][()]  # (time, trajectory, [q, p])
    times = ph["times"][()]
    n = ref.shape[2] // 2
    k = ref.shape[1]
    names = [m for m in evaluated(run) if m != "reference" and m in ph]
    if not names or k == 0:
        return None
    states = {m: ph[m][()] for m in names}
    xlim = _limits([s[:, :, 0] for s in states.values()], ref[:, :, 0])
    ylim = _limits([s[:, :, n] for s in states.values()], ref[:, :, n])
    fig, axes = _grid(len(names), width=4.2, height=4.2)
    shades = np.linspace(1.0, 0.45, k)
    for ax, m in zip(axes, names):
        c = plotting.method_colour(m)
        x = states[m]
        for j in range(k):
            ax.plot(ref[:, j, 0], ref[:, j, n], color="black", lw=0.9, ls="--", alpha=0.8)
            ax.plot(x[:, j, 0], x[:, j, n], color=c, lw=1.1, alpha=shades[j])
            ax.plot(x[0, j, 0], x[0, j, n], "o", ms=4, color=c)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("q1" if n > 1 else "q")
        ax.set_ylabel("p1" if n > 1 else "p")
        ax.set_title(m, fontsize="medium", color=c)
    plane = "(q1, p1)" if n > 1 else "(q, p)"
    fig.suptitle(f"Phase space {plane}: the first {k} evaluation trajectories, 0 ≤ t ≤ {times[-1]:g} "
                 f"(dashed: reference; dot: initial state)\n{_subtitle(run)}", fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "phase_space.png"))


# ---- Hénon–Heiles Poincaré section ---------------------------------------------------------

def poincare_plot(run, out_dir):
    f = run.file
    pc = f.get("evaluation/poincare")
    if pc is None:
        return None
    # The reference first: the panel the others are read against.
    names = sorted((m for m in order_methods(run, list(pc))), key=lambda m: m != "reference")
    if not names:
        return None
    points = {m: pc[m][()].reshape(-1, 3) for m in names}
    ref = points.get("reference")
    energy = plotting.scalar(pc.attrs.get("energy"))
    t_end = plotting.scalar(pc.attrs.get("t_end"))
    lam = float(run.get("system.lambda", 1.0))
    orbits = run.get("evaluation.poincare_orbits", "?")
    basis = ref if ref is not None and ref.size else np.concatenate([p for p in points.values()] + [np.zeros((1, 3))])
    xlim = _limits([p[:, 1] for p in points.values()], basis[:, 1], factor=2.0)
    ylim = _limits([p[:, 2] for p in points.values()], basis[:, 2], factor=2.0)
    fig, axes = _grid(len(names), width=4.2, height=4.2)
    for ax, m in zip(axes, names):
        c = plotting.method_colour(m)
        if ref is not None and m != "reference" and ref.size:
            ax.scatter(ref[:, 1], ref[:, 2], s=3, color="0.7", marker=".", linewidths=0, rasterized=True)
        p = points[m]
        ax.scatter(p[:, 1], p[:, 2], s=5, color=c, marker=".", linewidths=0, rasterized=True)
        if isinstance(energy, float) and energy > 0:
            # On the shell H = E the section is bounded by p2²/2 + V(0, q2) = E.
            q2 = np.linspace(xlim[0], xlim[1], 1500)
            k2 = 2.0 * (energy - (0.5 * q2 * q2 - lam * q2 ** 3 / 3.0))
            y = np.where(k2 >= 0, np.sqrt(np.clip(k2, 0, None)), np.nan)
            ax.plot(q2, y, color="0.4", lw=0.7)
            ax.plot(q2, -y, color="0.4", lw=0.7)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("q2")
        ax.set_ylabel("p2")
        ax.set_title(f"{m}: {p.shape[0]} crossings", fontsize="medium", color=c)
    t_text = f", 0 ≤ t ≤ {t_end:g}" if isinstance(t_end, float) else ""
    fig.suptitle(f"Poincaré section q1 = 0, p1 > 0: {orbits} orbits at H = {energy}{t_text}\n"
                 f"(grey: the reference's crossings; line: the boundary p2²/2 + V(0, q2) = H)\n{_subtitle(run)}",
                 fontsize="medium")
    fig.tight_layout()
    return plotting.save(fig, os.path.join(out_dir, "poincare.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (energy_error_plot, state_error_plot, training_plot, phase_space_plot, poincare_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
