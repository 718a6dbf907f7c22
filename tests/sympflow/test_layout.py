#!/usr/bin/env python3
"""sympflow_layout: runs tests/sympflow/layout.toml (three small `sympflow` runs:
harmonic oscillator with supervised and unsupervised variants, Hénon–Heiles
in float32 with the Poincaré section, the non-separable damped oscillator)
on 2 ranks and checks each against the tables of
pipeline/experiments/sympflow/layout.md (placeholders such as <v>, <u>.linear<j> expand to every
variant and layer; shapes such as (W, n+1) are evaluated), and then:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- attributes against the config and textbook facts (degrees of freedom,
  separability, which systems have an exact flow);
- /evaluation/times == k * t_max, every error 0 at t = 0, the reference
  conserving energy, the classical integrator within h^2 t of it;
- /metrics equal to the series at the evaluation times, the log-log slope
  recomputed, parameter counts from the architecture;
- the training histories (length, validation schedule, kept model), the
  supervised data and phase-space trajectories against the closed-form

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import re
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)
import h5_layout  # noqa: E402

SYMPFLOW_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"

# Facts about the systems and variants, not read back from the code under test.
DOF = {"harmonic-oscillator": 1, "pendulum": 1, "henon-heiles": 2, "kepler": 2, "damped-oscillator": 2}
SEPARABLE = {"harmonic-oscillator": True, "pendulum": True, "henon-heiles": True, "kepler": True,
             "damped-oscillator": False}
EXACT_FLOW = {"harmonic-oscillator", "kepler"}
BASELINES = {"baseline", "supervised-baseline"}
SUPERVISED = {"supervised", "supervised-baseline"}


def round_half_away(x):
    return math.floor(x + 0.5)


def sympflow_run(run_dir):
    """What the layout of a sympflow run should be, from its config.toml."""
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    system = cfg["system"]["name"]
    tr, ev, data, model, base = cfg["training"], cfg["evaluation"], cfg["data"], cfg["model"], cfg["baseline"]
    variants = tr["variants"]
    supervised = any(v in SUPERVISED for v in variants)
    classical = "verlet" if SEPARABLE[system] else "implicit-midpoint"
    methods = variants + [classical]
    t_max = tr["t_max"]
    per_pass = -(-data["trajectories"] * data["times"] // data["batch"])  # minibatches per pass over the data
    steps = {v: per_pass if v in SUPERVISED else 1 for v in variants}
    delta = t_max / max(1, round_half_away(t_max / ev["phase_resolution"]))
    stages = (["data"] if supervised else []) + [f"train/{v}" for v in variants] + ["evaluate"]
    run = {
        "id": run_dir.name, "config": cfg, "system": system, "variants": variants, "classical": classical,
        "methods": methods, "n": DOF[system], "steps": steps, "supervised": supervised,
        "phase": ev["phase_trajectories"] > 0, "poincare": system == "henon-heiles" and ev["poincare_orbits"] > 0,
        "F": round_half_away(ev["times"][-1] / t_max) + 1, "P": round_half_away(ev["phase_t_end"] / delta) + 1,
        "delta": delta, "deflate": 0,
    }
    run["stage_groups"] = {s: {"data": "prepare", "evaluate": "evaluate"}.get(s, "train") for s in stages}
    run["names"] = {
        "<v>": variants, "<sv>": [v for v in variants if v not in BASELINES],
        "<bv>": [v for v in variants if v in BASELINES],
        "<c>": [classical], "<m>": methods, "<s>": ["reference"] + methods, "<t>": [f"{t:g}" for t in ev["times"]],
        "<stage>": stages, "<u>": [f"{k}{l}" for l in range(model["layers"]) for k in ("potential", "kinetic")],
        "<D>": [model["depth"]], "<j>": list(range(1, model["depth"])),
        "<DB>": [base["depth"]], "<k>": list(range(1, base["depth"])),
    }
    run["conditions"] = {"always": True, "supervised": supervised, "phase": run["phase"], "poincare": run["poincare"]}
    run["dtypes"] = {"training.dtype": tr["dtype"]}

    def sizes(binding):
        out = {"n": run["n"], "W": model["width"], "WB": base["width"], "Nd": data["trajectories"],
               "Nv": data["validation_trajectories"], "M": data["times"], "F": run["F"],
               "K": ev["phase_trajectories"], "P": run["P"], "C": None}
        variant = binding.get("<v>") or binding.get("<sv>") or binding.get("<bv>")
        if variant is not None:
            out["E"] = tr["epochs"] * steps[variant]
        return out

    run["sizes"] = sizes
    return run


def expected_parameters(run, variant):
    """Trainable parameters of a variant's network, counted from its architecture."""
    cfg, n = run["config"], run["n"]
    if variant in BASELINES:
        w, d = cfg["baseline"]["width"], cfg["baseline"]["depth"]
        return w * (2 * n + 1) + w + (d - 1) * (w * w + w) + 2 * n * w + 2 * n
    w, d, layers = cfg["model"]["width"], cfg["model"]["depth"], cfg["model"]["layers"]
    mlp = w * (n + 1) + w + (d - 1) * (w * w + w) + w + 1  # (q or p, t) -> width -> ... -> 1
    return 2 * layers * mlp + 1  # a potential and a kinetic MLP per layer, and h0


def oscillator_flow(cfg, x0, t):
    """The exact flow of H = p^2/(2m) + k q^2/2 from states x0 [..., 2] over times t [T]: [T, ..., 2]."""
    k, m = cfg["system"]["stiffness"], cfg["system"]["mass"]
    w = math.sqrt(k / m)
    t = np.asarray(t, float).reshape((-1,) + (1,) * (x0.ndim - 1))
    q0, p0 = x0[..., 0], x0[..., 1]
    q = q0 * np.cos(w * t) + p0 / (m * w) * np.sin(w * t)
    p = -q0 * m * w * np.sin(w * t) + p0 * np.cos(w * t)
    return np.stack([q, p], axis=-1)


def in_box(x, cfg, n):
    tr = cfg["training"]
    q, p = x[..., :n], x[..., n:]
    return bool(np.all((q >= tr["q_min"]) & (q <= tr["q_max"]) & (p >= tr["p_min"]) & (p <= tr["p_max"])))


def check_sympflow_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    check_common(f, run, run_dir, "sympflow", "layout-sympflow", SYMPFLOW_TOML.name)
    tr, evc, data = cfg["training"], cfg["evaluation"], cfg["data"]
    system, n, t_max, methods, variants = run["system"], run["n"], tr["t_max"], run["methods"], run["variants"]

    # /evaluation and /metrics attributes against the config and the facts above.
    ev, ma = f["evaluation"], f["metrics"].attrs
    lam = cfg["system"]["lambda"]
    max_energy = evc["max_energy"] or (1.0 / (6.0 * lam * lam) if system == "henon-heiles" else math.inf)
    check(ev.attrs["interval"] == t_max and int(ev.attrs["trajectories"]) == evc["trajectories"]
          and ev.attrs["classical_method"] == run["classical"] and ev.attrs["max_energy"] == max_energy
          and ev.attrs["reference"] == ("exact" if system in EXACT_FLOW else "dopri5"),
          f"{rid}: /evaluation attributes {dict(ev.attrs)}")
    h = ev.attrs["classical_step"]
    check(ma["classical_step"] == h and ma["flow_map_flops"] > 0 and ma["classical_step_flops"] > 0,
          f"{rid}: /metrics attributes {dict(ma)}")
    if evc["verlet_dt"] > 0:
        check(h == evc["verlet_dt"], f"{rid}: classical_step {h} != evaluation.verlet_dt")
    else:  # equal cost: a whole number of steps per interval, as many as fit the flops of one map
        k = t_max / h
        ratio = ma["flow_map_flops"] / ma["classical_step_flops"]
        check(abs(k - round(k)) < 1e-9 * k and (abs(round(k) - ratio) <= 0.5 + 1e-9 or (round(k) == 1 and ratio < 1)),
              f"{rid}: classical_step {h}: {k} steps per interval for a flops ratio {ratio}")

    # Error series: frame k is t = k * t_max; all methods start at the held-out states.
    F, t_end = run["F"], evc["times"][-1]
    times = f["evaluation/times"][()]
    check(np.array_equal(times, np.arange(F) * t_max), f"{rid}: /evaluation/times != k * training.t_max")
    for s in ["reference"] + methods:
        g = f[f"evaluation/{s}"]
        family = ("reference" if s == "reference" else "classical" if s == run["classical"]
                  else "baseline" if s in BASELINES else "sympflow")
        check(g.attrs["family"] == family, f"{rid}: /evaluation/{s} family {g.attrs['family']}, expected {family}")
        for series in ["energy_error", "relative_energy_error"] + ([] if s == "reference" else
                                                                    ["state_error", "relative_state_error"]):
            y = g[series][()]
            check(y[0] == 0 and np.all(np.isfinite(y)) and np.all(y >= 0),
                  f"{rid}: /evaluation/{s}/{series} not 0 at t = 0, or negative or not finite: {y}")
    check(np.max(f["evaluation/reference/relative_energy_error"][()]) < 1e-8, f"{rid}: the reference's energy drifts")
    # A second-order integrator at this step is accurate (global error ~ h^2 t, unit frequencies).
    c = run["classical"]
    se = f[f"evaluation/{c}/state_error"][()]
    check(se[-1] <= h * h * t_end,
          f"{rid}: {c} state error {se[-1]:.3e} at t = {t_end} above h^2 t = {h * h * t_end:.3e}")

    # /metrics: the series at each evaluation time, the log-log slope, training figures.
    for m in methods:
        mg, g = f[f"metrics/{m}"], f[f"evaluation/{m}"]
        for t in evc["times"]:
            k = round_half_away(t / t_max)
            for series in ("state_error", "relative_state_error", "energy_error", "relative_energy_error"):
                check(mg[f"{series}_t{t:g}"][0] == g[series][k],
                      f"{rid}: /metrics/{m}/{series}_t{t:g} != {series}[{k}]")
        e, tt = g["energy_error"][1:], times[1:]
        ok = e > 0
        slope = np.polyfit(np.log(tt[ok]), np.log(e[ok]), 1)[0] if ok.sum() >= 2 else 0.0
        check(close(mg["energy_error_slope"][0], slope, 1e-8, 1e-12),
              f"{rid}: {m} energy_error_slope {mg['energy_error_slope'][0]} vs {slope}")
        check(np.isfinite(mg["inference_time"][0]) and mg["inference_time"][0] > 0, f"{rid}: {m} inference_time")
        if m in variants:
            check(mg["training_time_per_epoch"][0] == f[f"training/{m}"].attrs["seconds_per_epoch"],
                  f"{rid}: {m} training_time_per_epoch != seconds_per_epoch")
            count = expected_parameters(run, m)
            stored = sum(d.size for d in f[f"models/{m}/parameters"].values())
            check(mg["parameters"][0] == count and int(f[f"models/{m}"].attrs["parameter_count"]) == count
                  and stored == count,
                  f"{rid}: {m} parameters {mg['parameters'][0]}, stored {stored}, expected {count}")

    # /models: the architecture attributes against the config.
    for v in variants:
        a = f[f"models/{v}"].attrs
        if v in BASELINES:
            want = {"model": "mlp-baseline", "width": cfg["baseline"]["width"], "depth": cfg["baseline"]["depth"]}
        else:
            want = {"model": "sympflow", "width": cfg["model"]["width"], "depth": cfg["model"]["depth"],
                    "layers": cfg["model"]["layers"], "order": cfg["model"]["order"]}
        want.update({"dof": n, "activation": cfg["model"]["activation"], "t_max": t_max})
        got = {key: a[key] for key in want}
        check(got == want, f"{rid}: /models/{v} attributes {got}, expected {want}")

    # /training: one record per optimizer step, validated every validate_every epochs.
    for v in variants:
        g, s = f[f"training/{v}"], run["steps"][v]
        E = tr["epochs"] * s
        loss, lr, gn, val = (g[x][()] for x in ("loss", "learning_rate", "gradient_norm", "validation"))
        check(int(g.attrs["epochs"]) == tr["epochs"] and int(g.attrs["steps_per_epoch"]) == s
              and int(g.attrs["ranks"]) == 2 and g.attrs["seconds_per_epoch"] > 0,
              f"{rid}: /training/{v} attributes {dict(g.attrs)}")
        check(loss.size == E and np.all(np.isfinite(loss)) and np.all(loss >= 0), f"{rid}: {v} loss")
        check(np.all(np.isfinite(gn)) and np.all(gn >= 0), f"{rid}: {v} gradient_norm")
        if tr["schedule"] == "constant":
            check(np.all(lr == tr["learning_rate"]), f"{rid}: {v} learning_rate != training.learning_rate")
        every = tr["validate_every"] * s
        validated = np.isfinite(val)
        check(np.array_equal(np.flatnonzero(validated), np.arange(every - 1, E, every)),
              f"{rid}: {v} validated at steps {np.flatnonzero(validated)}, expected every {every}")
        best = int(g.attrs["best_step"])
        check(0 <= best < E and validated[best] and g.attrs["best_validation"] == val[best],
              f"{rid}: {v} best_step {best} / best_validation {g.attrs['best_validation']}")

    # /data: reference trajectories from initial states in the box.
    if run["supervised"]:
        M = data["times"]
        first = {}
        for which, count in (("training", data["trajectories"]), ("validation", data["validation_trajectories"])):
            g = f[f"data/{which}"]
            x0, states, t = g["initial"][()], g["states"][()], g["times"][()]
            first[which] = x0
            check(np.array_equal(t, np.arange(M) * (t_max / M)), f"{rid}: /data/{which}/times != m t_max / M")
            check(in_box(x0, cfg, n), f"{rid}: /data/{which}/initial outside the training box")
            check(g.attrs["noise"] == data["noise"], f"{rid}: /data/{which} noise")
            if data["noise"] == 0:
                check(np.array_equal(states[:, 0], x0), f"{rid}: /data/{which}/states[:, 0] != initial")
                if system == "harmonic-oscillator":
                    exact = np.moveaxis(oscillator_flow(cfg, x0, t), 0, 1)  # [N, M, 2]
                    check(close(states, exact, 0, 1e-12), f"{rid}: /data/{which}/states != the exact oscillator flow")
        check(not np.array_equal(first["training"][:1], first["validation"][:1]),
              f"{rid}: training and validation data start from the same state")

    # /evaluation/phase: every method from the same states; the reference's exact flow.
    if run["phase"]:
        ph = f["evaluation/phase"]
        pt = ph["times"][()]
        check(np.array_equal(pt, np.arange(run["P"]) * run["delta"]), f"{rid}: /evaluation/phase/times != j delta")
        x = {s: ph[s][()] for s in ["reference"] + methods}
        x0 = x["reference"][0]
        check(in_box(x0, cfg, n), f"{rid}: phase-space initial states outside the training box")
        for s in methods:
            check(np.array_equal(x[s][0], x0), f"{rid}: /evaluation/phase/{s} does not start at the reference's states")
        if system == "harmonic-oscillator":
            check(close(x["reference"], oscillator_flow(cfg, x0, pt), 0, 1e-12),
                  f"{rid}: /evaluation/phase/reference != the exact oscillator flow")
        diff = np.max(np.abs(x[c] - x["reference"]))
        check(diff <= h * h * pt[-1], f"{rid}: /evaluation/phase/{c} differs from the reference by {diff:.3e}")

    # /evaluation/poincare: crossings of q1 = 0 on the energy shell H = E.
    if run["poincare"]:
        pc = f["evaluation/poincare"]
        E, orbits = evc["poincare_energy"], evc["poincare_orbits"]
        check(pc.attrs["energy"] == E and pc.attrs["t_end"] == evc["poincare_t_end"],
              f"{rid}: /evaluation/poincare attributes")
        for s in ["reference"] + methods:
            o = pc[s][()][:, 0]
            check(np.all((o == np.round(o)) & (o >= 0) & (o < orbits)),
                  f"{rid}: /evaluation/poincare/{s} orbit indices")
        ref = pc["reference"][()]
        check(ref.shape[0] > 0, f"{rid}: the reference's orbits never cross q1 = 0")
        q2, p2 = ref[:, 1], ref[:, 2]
        kinetic1 = E - (0.5 * p2 ** 2 + 0.5 * q2 ** 2 - lam * q2 ** 3 / 3.0)  # = p1^2 / 2 >= 0 at q1 = 0
        check(np.all(kinetic1 >= -1e-3), f"{rid}: reference crossings off the shell H = {E}: {kinetic1.min():.3e}")
        check(abs(pc[c].shape[0] - ref.shape[0]) <= orbits,
              f"{rid}: {c} has {pc[c].shape[0]} crossings, the reference {ref.shape[0]}")


def check_sympflow_runs(tmp):
    run_toml(SYMPFLOW_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 3, f"expected 3 sympflow runs, found {run_dirs}")
    seen = set()
    for run_dir in run_dirs:
        run = sympflow_run(run_dir)
        seen.add((run["system"], run["supervised"], run["phase"], run["poincare"], run["config"]["training"]["dtype"]))
        with h5py.File(run_dir / "result.h5", "r") as f:
            check_layout(f, run, "sympflow")
            check_sympflow_values(f, run, run_dir)
    check(seen == {("harmonic-oscillator", True, True, False, "float64"),
                   ("henon-heiles", False, False, True, "float32"),
                   ("damped-oscillator", True, True, False, "float64")}, f"unexpected set of sympflow runs {seen}")


# ---- ct.classical --------------------------------------------------------------------------------


if __name__ == "__main__":
    sys.exit(run_checks("sympflow_layout", check_sympflow_runs))
