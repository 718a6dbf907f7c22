"""Plots of experiment kind `hamiltonian.ensemble` (see data/README.md for
the layout of its result.h5):

  energy_error.png   relative energy error against time, per integrator
  state_error.png    error against the reference against time, per integrator
  phase_space.png    a few trajectories in phase space
  poincare.png       Hénon–Heiles only: the section q1 = 0, p1 > 0 in (q2, p2)
"""

import os

import numpy as np

import plotting
from plotting import plt

# What a step-size sweep of this kind is plotted against, and which metrics.
SWEEP_KEYS = ["integration.dt"]
SWEEP_METRICS = ["final_error_max", "final_error_mean", "relative_energy_error_max", "relative_energy_error_mean"]

# Trajectories read for the Poincaré section and the phase-space plot: the
# section needs every frame, so bound the memory for large ensembles.
POINCARE_TRAJECTORIES = 512
PHASE_TRAJECTORIES = 3
# Time window of the phase-space plot: a few oscillations of the systems'
# natural time scale (1 in their units), not a hundred overlapping ones.
PHASE_WINDOW = 30.0


def methods(run):
    """The integrators of the run in the order of the experiment file."""
    ts = run.file.get("timeseries")
    if ts is None:
        return []
    listed = run.get("integration.methods") or []
    present = [m for m in ts if m != "reference"]
    return [m for m in listed if m in present] + [m for m in present if m not in listed]


def order_methods(run, names):
    listed = run.get("integration.methods") or []
    return sorted(names, key=lambda m: (listed.index(m) if m in listed else len(listed), m))


def _unit_label(name, unit):
    unit = plotting.text(unit) if unit is not None else None
    return f"{name} [{unit}]" if unit and unit != "1" else name


def _subtitle(run):
    system = run.get("system.name", "?")
    n = run.get("ensemble.trajectories", "?")
    dt = run.get("integration.dt", "?")
    return f"{system}, {n} trajectories, dt = {dt}, t_end = {run.get('integration.t_end', '?')}  (run {run.run_id})"


def _style_legend(ax, names):
    """Legend with one colour per method and the line styles of max/mean."""
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=plotting.method_colour(m), lw=2, label=m) for m in names]
    handles += [Line2D([], [], color="0.3", ls="-", label="max over ensemble"),
                Line2D([], [], color="0.3", ls="--", label="mean over ensemble")]
    ax.legend(handles=handles, loc="best", ncol=2)


def _summary_series_plot(run, group, ylabel, title, path):
    """Max (solid) and mean (dashed) of /timeseries/<m>/<group> against time,
    log-log, one colour per method. Returns path, or None if no method has it."""
    f = run.file
    drawn = []
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    unit = None
    for m in methods(run):
        g = f.get(f"timeseries/{m}/{group}")
        if g is None:
            continue
        time = f[f"timeseries/{m}/energy/time"][()]
        unit = unit or plotting.text(f[f"timeseries/{m}/energy/time"].attrs.get("unit", "time"))
        c = plotting.method_colour(m)
        # t = 0 has error 0 exactly: it has no place on a log axis.
        ax.plot(time[1:], plotting.positive(g["max"][1:]), color=c, lw=1.3)
        ax.plot(time[1:], plotting.positive(g["mean"][1:]), color=c, lw=1.0, ls="--")
        drawn.append(m)
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(_unit_label("time t", unit))
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title}\n{_subtitle(run)}", fontsize="medium")
    _style_legend(ax, drawn)
    return plotting.save(fig, path)


def energy_error_plot(run, out_dir):
    return _summary_series_plot(run, "relative_energy_error", "relative energy error |H(t) − H(0)| / |H(0)|",
                                "Relative energy error", os.path.join(out_dir, "energy_error.png"))


def state_error_plot(run, out_dir):
    ref = run.file.get("timeseries/reference")
    ref_kind = plotting.text(ref.attrs.get("method", "")) if ref is not None else ""
    return _summary_series_plot(run, "state_error", "state error  max_d(|Δq_d|, |Δp_d|)",
                                f"Error against the {ref_kind} reference".replace("  ", " "),
                                os.path.join(out_dir, "state_error.png"))


def _state_source(run):
    """The trajectory group with stored states: the reference, else the
    first integrator; None if output.states was off."""
    for name in ["reference"] + methods(run):
        g = run.file.get(f"timeseries/{name}")
        if g is not None and "position" in g and "momentum" in g:
            return name, g
    return None, None


def phase_space_plot(run, out_dir):
    name, g = _state_source(run)
    if g is None:
        return None
    k = min(PHASE_TRAJECTORIES, g["position/value"].shape[1])
    time = g["position/time"][()]
    frames = max(2, int(np.searchsorted(time, PHASE_WINDOW, side="right")))
    q = g["position/value"][:frames, :k, :]
    p = g["momentum/value"][:frames, :k, :]
    t_shown = time[min(frames, time.size) - 1]
    n = q.shape[2]
    qu = plotting.text(g["position/value"].attrs.get("unit", ""))
    pu = plotting.text(g["momentum/value"].attrs.get("unit", ""))
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, k))
    if n == 1:
        fig, axes = plt.subplots(1, 1, figsize=(5.5, 5.0))
        panels = [(axes, (q[:, :, 0], "q"), (p[:, :, 0], "p"), (qu, pu))]
    else:
        fig, axes = plt.subplots(1, 2, figsize=(11, 5.0))
        panels = [(axes[0], (q[:, :, 0], "q1"), (q[:, :, 1], "q2"), (qu, qu)),
                  (axes[1], (q[:, :, 0], "q1"), (p[:, :, 0], "p1"), (qu, pu))]
    for ax, (x, xl), (y, yl), (xu, yu) in panels:
        for j in range(k):
            ax.plot(x[:, j], y[:, j], lw=0.8, color=colours[j], label=f"trajectory {j}")
            ax.plot(x[0, j], y[0, j], "o", ms=4, color=colours[j])
        ax.set_xlabel(_unit_label(xl, xu))
        ax.set_ylabel(_unit_label(yl, yu))
        ax.set_aspect("equal", adjustable="datalim")
    panels[0][0].legend(loc="upper right")
    label = "reference" if name == "reference" else f"integrator {name}"
    fig.suptitle(f"Phase space: {k} trajectories, 0 ≤ t ≤ {t_shown:g} ({label}; dot: initial state)\n"
                 f"{_subtitle(run)}",
                 fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "phase_space.png"))


# ---- Hénon–Heiles Poincaré section -------------------------------------------------------

def henon_heiles_force(q, lam):
    """-∇V for V = |q|²/2 + λ (q1² q2 − q2³/3); q[..., 2]."""
    q1, q2 = q[..., 0], q[..., 1]
    return np.stack([-(q1 + 2.0 * lam * q1 * q2), -(q2 + lam * (q1 * q1 - q2 * q2))], axis=-1)


def _hermite(y0, d0, y1, d1, h, s):
    """Cubic Hermite interpolant on [t0, t0 + h] at t0 + s h from values y
    and time derivatives d at both ends."""
    s2, s3 = s * s, s * s * s
    return ((2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * h * d0 + (-2 * s3 + 3 * s2) * y1
            + (s3 - s2) * h * d1)


def poincare_section(time, q, p, lam):
    """Crossings of q1 = 0 with p1 > 0 of trajectories q, p [T, N, 2] sampled
    at `time` [T]. Between frames the state follows the cubic Hermite
    interpolant with the exact derivatives dq/dt = p, dp/dt = −∇V; the
    crossing time is its root (bisection). Returns (q2, p2, trajectory)."""
    q1 = q[:, :, 0]
    k, i = np.nonzero((q1[:-1] < 0.0) & (q1[1:] >= 0.0))
    if k.size == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    h = time[k + 1] - time[k]
    qa, qb, pa, pb = q[k, i], q[k + 1, i], p[k, i], p[k + 1, i]
    fa, fb = henon_heiles_force(qa, lam), henon_heiles_force(qb, lam)
    lo, hi = np.zeros_like(h), np.ones_like(h)
    for _ in range(52):  # to double precision in s
        mid = 0.5 * (lo + hi)
        below = _hermite(qa[:, 0], pa[:, 0], qb[:, 0], pb[:, 0], h, mid) < 0.0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    s = 0.5 * (lo + hi)
    q2 = _hermite(qa[:, 1], pa[:, 1], qb[:, 1], pb[:, 1], h, s)
    p1 = _hermite(pa[:, 0], fa[:, 0], pb[:, 0], fb[:, 0], h, s)
    p2 = _hermite(pa[:, 1], fa[:, 1], pb[:, 1], fb[:, 1], h, s)
    up = p1 > 0.0
    return q2[up], p2[up], i[up]


def is_henon_heiles(run):
    metrics = run.file.get("metrics")
    if metrics is not None and plotting.text(metrics.attrs.get("system", "")) == "henon-heiles":
        return True
    initial = run.file.get("data/initial")
    if initial is not None and plotting.text(initial.attrs.get("system", "")) == "henon-heiles":
        return True
    return run.get("system.name") == "henon-heiles"


def poincare_plot(run, out_dir):
    if not is_henon_heiles(run):
        return None
    name, g = _state_source(run)
    if g is None:
        return None
    lam = float(run.get("system.lambda", 1.0))
    m = min(POINCARE_TRAJECTORIES, g["position/value"].shape[1])
    time = g["position/time"][()]
    q = g["position/value"][:, :m, :]
    p = g["momentum/value"][:, :m, :]
    q2, p2, traj = poincare_section(time, q, p, lam)
    fig, ax = plt.subplots(figsize=(6.5, 6.0))
    ax.scatter(q2, p2, c=traj % 10, cmap="tab10", vmin=0, vmax=10, s=1.5, marker=".", linewidths=0,
               rasterized=True)
    # On an energy shell the section is bounded by p2²/2 + V(0, q2) = E.
    energy = run.file["data/initial/energy"][:m] if "data/initial/energy" in run.file else np.empty(0)
    if energy.size and np.ptp(energy) <= 1e-9 * max(1.0, abs(float(energy[0]))):
        e = float(energy[0])
        lo, hi = ax.get_xlim()
        x = np.linspace(min(lo, q2.min(initial=0)) - 0.2, max(hi, q2.max(initial=0)) + 0.2, 2000)
        k2 = 2.0 * (e - (0.5 * x * x - lam * x ** 3 / 3.0))
        y = np.where(k2 >= 0, np.sqrt(np.clip(k2, 0, None)), np.nan)
        ax.plot(x, y, color="0.4", lw=0.8, label=f"boundary H = {e:g}")
        ax.plot(x, -y, color="0.4", lw=0.8)
        ax.legend(loc="upper right")
    qu = plotting.text(g["position/value"].attrs.get("unit", ""))
    pu = plotting.text(g["momentum/value"].attrs.get("unit", ""))
    ax.set_xlabel(_unit_label("q2", qu))
    ax.set_ylabel(_unit_label("p2", pu))
    label = "reference" if name == "reference" else f"integrator {name}"
    ax.set_title(f"Poincaré section q1 = 0, p1 > 0 ({label}, {m} trajectories, {q2.size} crossings)\n"
                 f"{_subtitle(run)}", fontsize="medium")
    return plotting.save(fig, os.path.join(out_dir, "poincare.png"))


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    written = []
    for draw in (energy_error_plot, state_error_plot, phase_space_plot, poincare_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
