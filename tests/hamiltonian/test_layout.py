#!/usr/bin/env python3
"""hamiltonian_ensemble_layout: runs tests/hamiltonian/layout.toml (three runs:
harmonic oscillator with the exact reference, Hénon–Heiles with dopri5, harmonic oscillator without
reference or states) on 2 ranks, then for each run:

- parses the tables of pipeline/experiments/hamiltonian_ensemble/layout.md
  (and data/README.md's common part) and checks that every documented
  group, dataset and attribute exists with the documented shape, dtype and
  unit, and that nothing undocumented exists;
- root provenance attributes, /stages, /config (== config.toml, parses);
- round trips against numpy: H(q, p) of the initial state and of every
  stored frame, frame 0 == the initial state, the closed-form harmonic
  oscillator flow for the exact reference, time == step * dt, the summary
  series and /metrics recomputed from the stored series, and the classical
  orders of the methods.

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

TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"

# Classical order and symplecticity of each method: textbook facts, not
# read back from the code under test.
METHOD_FACTS = {
    "symplectic-euler": (1, 1),
    "verlet": (2, 1),
    "triple-jump4": (4, 1),
    "implicit-midpoint": (2, 1),
    "rk4": (4, 0),
}


def check_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    N, T, S = run["N"], run["T"], run["S"]
    dt, every = cfg["integration"]["dt"], cfg["integration"]["output_every"]
    system = cfg["system"]["name"]
    check_common(f, run, run_dir, "hamiltonian.ensemble", "layout", "layout.toml")

    # Initial conditions: inside the box, energies = H(q, p) recomputed.
    ini = f["data/initial"]
    q0, p0, e0 = ini["position"][()], ini["momentum"][()], ini["energy"][()]
    ens = cfg["ensemble"]
    check(np.all((q0 >= ens["q_min"]) & (q0 <= ens["q_max"]) & (p0 >= ens["p_min"]) & (p0 <= ens["p_max"])),
          f"{rid}: initial state outside the sampling box")
    h0, scale0 = hamiltonian(system, cfg, q0, p0)
    check(close(e0, h0, 0, 1e-13 * scale0), f"{rid}: /data/initial/energy != H(position, momentum)")
    check(ini.attrs["system"] == system and ini.attrs["sampling"] == ens["sampling"]
          and int(ini.attrs["seed"]) == cfg["experiment"]["seed"], f"{rid}: /data/initial attributes")

    time_expected = (np.arange(T) * every).astype(np.int64)
    ref = None
    if run["has_reference"] and run["states"]:
        ref = (f["timeseries/reference/position/value"][()], f["timeseries/reference/momentum/value"][()])
    for s in run["series"]:
        g = f[f"timeseries/{s}"]
        check(int(g.attrs["frames"]) == T and int(g.attrs["trajectories"]) == N and g.attrs["dt"] == dt
              and int(g.attrs["output_every"]) == every, f"{rid}: attributes of /timeseries/{s}")
        for obs in ["energy"] + (["position", "momentum"] if run["states"] else []):
            step, time = g[f"{obs}/step"][()], g[f"{obs}/time"][()]
            check(np.array_equal(step, time_expected), f"{rid}: {s}/{obs}/step != k * output_every")
            check(np.array_equal(time, step * dt), f"{rid}: {s}/{obs}/time != step * dt")
        energy = g["energy/value"][()]
        check(np.array_equal(energy[0], e0), f"{rid}: {s} energy frame 0 != /data/initial/energy")
        if run["states"]:
            q, p = g["position/value"][()], g["momentum/value"][()]
            check(np.array_equal(q[0], q0) and np.array_equal(p[0], p0), f"{rid}: {s} frame 0 != /data/initial")
            h, scale = hamiltonian(system, cfg, q, p)
            check(close(energy, h, 0, 1e-13 * scale), f"{rid}: {s} energy/value != H(position, momentum) "
                                                       f"(max diff {np.max(np.abs(energy - h)):.3e})")
        if s == "reference":
            check(g.attrs["method"] == run["reference"], f"{rid}: reference method {g.attrs['method']}")
            # The reference conserves energy to its accuracy (exact flow or dopri5 at 1e-12).
            check(close(energy, np.broadcast_to(e0, energy.shape), 1e-9), f"{rid}: reference energy drifts")
            if run["reference"] == "exact" and system == "harmonic-oscillator" and run["states"]:
                k, m = cfg["system"]["stiffness"], cfg["system"]["mass"]
                w = np.sqrt(k / m)
                t = time_expected[:, None] * dt
                q_exact = q0[None, :, 0] * np.cos(w * t) + p0[None, :, 0] / (m * w) * np.sin(w * t)
                p_exact = -q0[None, :, 0] * m * w * np.sin(w * t) + p0[None, :, 0] * np.cos(w * t)
                check(close(q[:, :, 0], q_exact, 0, 1e-12) and close(p[:, :, 0], p_exact, 0, 1e-12),
                      f"{rid}: exact reference != closed-form harmonic oscillator flow")
            continue

        # An integrator: attributes against textbook facts, summaries recomputed.
        order, symplectic = METHOD_FACTS[s]
        check(g.attrs["method"] == s and int(g.attrs["order"]) == order and int(g.attrs["symplectic"]) == symplectic,
              f"{rid}: {s} method/order/symplectic attributes")
        floor = 1e-12 * np.mean(np.abs(energy[0]))
        rel = np.abs(energy - energy[0]) / np.maximum(np.abs(energy[0]), floor)
        check(np.array_equal(g["relative_energy_error/time"][()], g["energy/time"][()]) and
              np.array_equal(g["relative_energy_error/step"][()], g["energy/step"][()]),
              f"{rid}: {s} relative_energy_error time axis")
        e_max, e_mean = g["relative_energy_error/max"][()], g["relative_energy_error/mean"][()]
        check(np.array_equal(e_max, rel.max(axis=1)), f"{rid}: {s} relative_energy_error/max != recomputed")
        check(close(e_mean, rel.mean(axis=1), 1e-12, 1e-300), f"{rid}: {s} relative_energy_error/mean != recomputed")
        m = f[f"metrics/{s}"]
        time = g["energy/time"][()]
        check(m["relative_energy_error_max"][0] == e_max.max(), f"{rid}: {s} relative_energy_error_max")
        check(close(m["relative_energy_error_mean"][0], e_mean.mean(), 1e-12), f"{rid}: {s} relative_energy_error_mean")
        slope = np.polyfit(time, e_mean, 1)[0]
        check(close(m["energy_drift_slope"][0], slope, 1e-6, 1e-9 * e_mean.max() / time[-1] + 1e-300),
              f"{rid}: {s} energy_drift_slope {m['energy_drift_slope'][0]} vs {slope}")
        running = np.maximum.accumulate(e_max)[T // 2:]
        tt = time[T // 2:]
        ok = (tt > 0) & (running > 0)
        growth = np.polyfit(np.log(tt[ok]), np.log(running[ok]), 1)[0] if ok.sum() >= 2 else 0.0
        check(close(m["energy_error_growth_exponent"][0], growth, 1e-6, 1e-9),
              f"{rid}: {s} energy_error_growth_exponent {m['energy_error_growth_exponent'][0]} vs {growth}")
        check(m["dt"][0] == dt and m["steps"][0] == S, f"{rid}: {s} metrics dt/steps")
        check(m["kernel_seconds"][0] == g.attrs["kernel_seconds"] and m["throughput"][0] == g.attrs["throughput"],
              f"{rid}: {s} kernel_seconds/throughput differ between /metrics and /timeseries")
        check(close(m["throughput"][0], N * S / m["kernel_seconds"][0], 1e-12), f"{rid}: {s} throughput != N S / kernel_seconds")
        if ref is not None:
            q, p = g["position/value"][()], g["momentum/value"][()]
            err = np.maximum(np.abs(q - ref[0]), np.abs(p - ref[1])).max(axis=2)
            s_max, s_mean = g["state_error/max"][()], g["state_error/mean"][()]
            check(np.array_equal(s_max, err.max(axis=1)), f"{rid}: {s} state_error/max != recomputed")
            check(close(s_mean, err.mean(axis=1), 1e-12, 1e-300), f"{rid}: {s} state_error/mean != recomputed")
            check(m["final_error_max"][0] == s_max[-1] and m["final_error_mean"][0] == s_mean[-1],
                  f"{rid}: {s} final_error_* != state_error at t_end")

    mattrs = f["metrics"].attrs
    check(mattrs["system"] == system and int(mattrs["trajectories"]) == N
          and mattrs["t_end"] == cfg["integration"]["t_end"] and mattrs["reference"] == run["reference"],
          f"{rid}: /metrics attributes {dict(mattrs)}")


# ---- sympflow ----------------------------------------------------------------------------------


def check_ensemble_runs(tmp):
    run_toml(TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 3, f"expected 3 runs, found {run_dirs}")
    seen = set()
    for run_dir in run_dirs:
        cfg = tomllib.loads((run_dir / "config.toml").read_text())
        system = cfg["system"]["name"]
        reference = cfg["reference"]["method"]
        if reference == "auto":
            reference = "exact" if system in ("harmonic-oscillator", "kepler") else "dopri5"
        methods = cfg["integration"]["methods"]
        has_ref = reference != "none"
        S = round(cfg["integration"]["t_end"] / cfg["integration"]["dt"])
        run = {
            "id": run_dir.name, "config": cfg, "methods": methods, "reference": reference,
            "has_reference": has_ref, "states": cfg["output"]["states"],
            "series": (["reference"] if has_ref else []) + methods,
            "stages": ["initial"] + (["reference"] if has_ref else []) + [f"integrate/{m}" for m in methods]
                      + ["metrics"],
            "N": cfg["ensemble"]["trajectories"], "n": {"harmonic-oscillator": 1, "henon-heiles": 2}[system],
            "S": S, "T": S // cfg["integration"]["output_every"] + 1, "deflate": cfg["output"]["deflate"],
        }
        run["names"] = {"<m>": methods, "<s>": run["series"], "<stage>": run["stages"]}
        run["conditions"] = {"always": True, "reference": has_ref, "states": run["states"]}
        run["sizes"] = lambda binding, r=run: {"N": r["N"], "n": r["n"], "T": r["T"]}
        run["stage_groups"] = {st: "prepare" if st in ("initial", "reference") else "integrate"
                               for st in run["stages"]}
        seen.add((system, reference, run["states"]))
        with h5py.File(run_dir / "result.h5", "r") as f:
            check_layout(f, run, "hamiltonian.ensemble")
            check_values(f, run, run_dir)
    check(seen == {("harmonic-oscillator", "exact", True), ("henon-heiles", "dopri5", True),
                   ("harmonic-oscillator", "none", False)}, f"unexpected set of runs {seen}")


if __name__ == "__main__":
    sys.exit(run_checks("hamiltonian_ensemble_layout", check_ensemble_runs))
