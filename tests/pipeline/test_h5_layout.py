#!/usr/bin/env python3
"""h5_layout: result.h5 of hamiltonian.ensemble and of sympflow has exactly
the layout that data/README.md documents, and its numbers agree with
independent truths.

Runs tests/pipeline/layout.toml (three runs: harmonic oscillator with the
exact reference, Hénon–Heiles with dopri5, harmonic oscillator without
reference or states) on 2 ranks, then for each run:

- parses the tables of data/README.md and checks that every documented
  group, dataset and attribute exists with the documented shape, dtype and
  unit, and that nothing undocumented exists;
- root provenance attributes, /stages, /config (== config.toml, parses);
- round trips against numpy: H(q, p) of the initial state and of every
  stored frame, frame 0 == the initial state, the closed-form harmonic
  oscillator flow for the exact reference, time == step * dt, the summary
  series and /metrics recomputed from the stored series, and the classical
  orders of the methods.

Then runs tests/pipeline/layout_sympflow.toml (three small `sympflow` runs:
harmonic oscillator with supervised and unsupervised variants, Hénon–Heiles
in float32 with the Poincaré section, the non-separable damped oscillator)
on 2 ranks and checks each against the tables of the section `sympflow` in
the same way (placeholders such as <v>, <u>.linear<j> expand to every
variant and layer; shapes such as (W, n+1) are evaluated), and then:
- provenance, /stages and /config as above;
- attributes against the config and textbook facts (degrees of freedom,
  separability, which systems have an exact flow);
- /evaluation/times == k * t_max, every error 0 at t = 0, the reference
  conserving energy, the classical integrator within h^2 t of it;
- /metrics equal to the series at the evaluation times, the log-log slope
  recomputed, parameter counts from the architecture;
- the training histories (length, validation schedule, kept model), the
  supervised data and phase-space trajectories against the closed-form
  oscillator flow, and the Poincaré crossings on the energy shell.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib

import h5py
import numpy as np

STRUCTURA = os.environ["STRUCTURA"]
SOURCE = pathlib.Path(os.environ.get("STRUCTURA_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
README = SOURCE / "data" / "README.md"
TOML = SOURCE / "tests" / "pipeline" / "layout.toml"

# Classical order and symplecticity of each method: textbook facts, not
# read back from the code under test.
METHOD_FACTS = {
    "symplectic-euler": (1, 1),
    "verlet": (2, 1),
    "triple-jump4": (4, 1),
    "implicit-midpoint": (2, 1),
    "rk4": (4, 0),
}

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def close(a, b, rtol, atol=0.0):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


# ---- the documented layout -------------------------------------------------------------------

def md_cells(line):
    parts = re.split(r"(?<!\\)\|", line.strip()[1:-1])
    return [p.strip().replace("\\|", "|") for p in parts]


def readme_tables():
    """(section, header, rows) of every Markdown table; section is the ## heading."""
    lines = README.read_text(encoding="utf-8").splitlines()
    out, section, i = [], "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[-| :]+\|", lines[i + 1].strip()):
            header = [h.lower() for h in md_cells(line)]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(dict(zip(header, md_cells(lines[i]))))
                i += 1
            out.append((section, header, rows))
            continue
        i += 1
    return out


def documented(kind):
    """Object rows and attribute rows for the common part and `kind`."""
    objects, attributes = [], []
    for section, header, rows in readme_tables():
        if section not in ("Every experiment kind", kind):
            continue
        if header[:2] == ["path", "type"]:
            objects += rows
        elif header[:2] == ["object", "attribute"]:
            attributes += rows
    assert objects and attributes, f"{README}: no layout tables for {kind}"
    return objects, attributes


PLACEHOLDER = re.compile(r"<[A-Za-z]+>")


def expand(pattern, names):
    """Every concrete path of a pattern with placeholders (<m>, <s>, <stage>,
    ...; several may occur, also inside a name: `<u>.linear<j>.weight`), as
    (path, {placeholder: value}). A placeholder without values (an empty
    list) yields no path; an unknown one is an error in the README."""
    out = [(pattern.strip("`"), {})]
    for placeholder in dict.fromkeys(PLACEHOLDER.findall(pattern)):
        if placeholder not in names:
            raise ValueError(f"README: unknown placeholder {placeholder} in {pattern}")
        out = [(path.replace(placeholder, str(v)), {**binding, placeholder: str(v)})
               for path, binding in out for v in names[placeholder]]
    return out


def present(condition, run):
    tokens = [t.strip() for t in condition.split(",") if t.strip()]
    return all(run["conditions"][t] for t in tokens)


def shape_term(term, sizes):
    """One dimension of a documented shape: an integer, a symbol, or a small
    expression of them (`n+1`, `2n+1`); None for a size that varies (C)."""
    expr = re.sub(r"(\d)([A-Za-z])", r"\1*\2", term.strip())
    names = re.findall(r"[A-Za-z_]\w*", expr)
    if any(sizes.get(n, 0) is None for n in names):
        return None
    unknown = [n for n in names if n not in sizes]
    if unknown or not re.fullmatch(r"[\w+\-* ]+", expr):
        raise ValueError(f"README: cannot evaluate shape term {term!r}")
    return int(eval(re.sub(r"[A-Za-z_]\w*", lambda m: str(sizes[m.group()]), expr), {"__builtins__": {}}))


def parse_shape(text, sizes):
    text = text.strip()
    inner = text.strip("()").strip()
    if not inner:
        return ()
    return tuple(shape_term(t, sizes) for t in inner.split(",") if t.strip())


def shape_ok(shape, expected):
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def dtype_ok(dtype, expected, is_attribute):
    if expected == "float64":
        return dtype == np.dtype("<f8")
    if expected == "float32":
        return dtype == np.dtype("<f4")
    if expected == "int64":
        return dtype == np.dtype("<i8")
    if expected == "string":
        info = h5py.check_string_dtype(dtype)
        if info is None or info.encoding != "utf-8":
            return False
        # README conventions: attributes are variable-length, datasets fixed-length.
        return (info.length is None) if is_attribute else (info.length is not None)
    raise ValueError(f"README: unknown dtype {expected!r}")


def check_layout(f, run, kind):
    objects, attributes = documented(kind)
    names = run["names"]
    expected = {}  # path -> (row, binding)
    for row in objects:
        if present(row["present"], run):
            for path, binding in expand(row["path"], names):
                expected[path] = (row, binding)
    actual = {}
    f.visititems(lambda name, obj: actual.__setitem__("/" + name, obj))
    for path in sorted(set(expected) - set(actual)):
        check(False, f"{run['id']}: documented {path} is missing")
    for path in sorted(set(actual) - set(expected)):
        check(False, f"{run['id']}: {path} exists but is not documented in data/README.md")

    expected_attrs = {"/": {}}
    for path, (row, binding) in expected.items():
        expected_attrs[path] = {}
        if path not in actual:
            continue
        obj = actual[path]
        is_group = isinstance(obj, h5py.Group)
        if not check(is_group == (row["type"] == "group"), f"{run['id']}: {path} is not a {row['type']}"):
            continue
        if is_group:
            continue
        shape = parse_shape(row["shape"], run["sizes"](binding))
        check(shape_ok(obj.shape, shape), f"{run['id']}: {path} has shape {obj.shape}, documented {shape}")
        dtype = run.get("dtypes", {}).get(row["dtype"], row["dtype"])
        check(dtype_ok(obj.dtype, dtype, False), f"{run['id']}: {path} has dtype {obj.dtype}, "
                                                 f"documented {row['dtype']} ({dtype})")
        if row["unit"] not in ("–", "-", ""):
            expected_attrs[path]["unit"] = "string"
            unit = obj.attrs.get("unit")
            check(unit == row["unit"], f"{run['id']}: {path} unit {unit!r}, documented {row['unit']!r}")
        # Storage: value series chunked one frame per chunk, deflated; others contiguous.
        if path.endswith("/value") and path.startswith("/timeseries/"):
            check(obj.chunks is not None and obj.chunks[0] == 1, f"{run['id']}: {path} chunks {obj.chunks}")
            if run["deflate"] > 0:
                check(obj.compression == "gzip" and obj.compression_opts == run["deflate"],
                      f"{run['id']}: {path} compression {obj.compression} {obj.compression_opts}")
        else:
            check(obj.chunks is None, f"{run['id']}: {path} is chunked {obj.chunks}, documented contiguous")

    for row in attributes:
        for path, _ in expand(row["object"], names):
            if path in expected_attrs:
                expected_attrs[path][row["attribute"].strip("`")] = row["dtype"]
    for path, attrs in expected_attrs.items():
        if path not in actual and path != "/":
            continue
        obj = f if path == "/" else actual[path]
        have = set(obj.attrs.keys())
        for name in sorted(set(attrs) - have):
            check(False, f"{run['id']}: documented attribute {name} of {path} is missing")
        for name in sorted(have - set(attrs)):
            check(False, f"{run['id']}: attribute {name} of {path} exists but is not documented")
        for name in sorted(set(attrs) & have):
            aid = obj.attrs.get_id(name)
            check(aid.shape == (), f"{run['id']}: attribute {name} of {path} is not scalar: {aid.shape}")
            check(dtype_ok(aid.dtype, attrs[name], True),
                  f"{run['id']}: attribute {name} of {path} has dtype {aid.dtype}, documented {attrs[name]}")


# ---- independent truths ----------------------------------------------------------------------

def hamiltonian(system, config, q, p):
    """H(q, p) over the last axis, and the sum of |terms| (for tolerances)."""
    s = config["system"]
    if system == "harmonic-oscillator":
        k, m = s["stiffness"], s["mass"]
        t1, t2 = (p[..., 0] ** 2) / (2 * m), 0.5 * k * q[..., 0] ** 2
        return t1 + t2, np.abs(t1) + np.abs(t2)
    if system == "henon-heiles":
        lam = s["lambda"]
        q1, q2 = q[..., 0], q[..., 1]
        terms = [0.5 * (p[..., 0] ** 2 + p[..., 1] ** 2), 0.5 * (q1 ** 2 + q2 ** 2), lam * q1 ** 2 * q2,
                 -lam * q2 ** 3 / 3.0]
        return sum(terms), sum(np.abs(t) for t in terms)
    raise ValueError(system)


ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def check_common(f, run, run_dir, kind, experiment, toml_name):
    """Root provenance attributes, /stages (run["stage_groups"]: stage -> its
    group) and /config, the same for every experiment kind."""
    rid, cfg = run["id"], run["config"]
    a = f.attrs

    # Provenance.
    check(a["experiment_kind"] == kind, f"{rid}: experiment_kind {a['experiment_kind']}")
    check(a["experiment_name"] == experiment, f"{rid}: experiment_name {a['experiment_name']}")
    check(a["run_id"] == run_dir.name, f"{rid}: run_id {a['run_id']} but directory {run_dir.name}")
    check(int(a["mpi_size"]) == 2, f"{rid}: mpi_size {a['mpi_size']}")
    check(re.fullmatch(r"([0-9a-f]{7,40}(-dirty)?|unknown)", a["git_commit"]) is not None,
          f"{rid}: git_commit {a['git_commit']!r}")
    hosts = a["hostnames"].split(",")
    check(socket.gethostname() in hosts or socket.gethostname().split(".")[0] in hosts,
          f"{rid}: hostnames {a['hostnames']!r} lacks {socket.gethostname()}")
    check(a["kokkos_execution_space"] != "", f"{rid}: kokkos_execution_space empty")
    for key in ("hdf5_version", "kokkos_version", "petsc_version", "fmt_version", "structura_version"):
        check(re.search(r"\d+\.\d+", a[key]) is not None, f"{rid}: {key} {a[key]!r}")
    check(a["hdf5_version"] == h5py.version.hdf5_version or re.fullmatch(r"\d+\.\d+\.\d+", a["hdf5_version"]),
          f"{rid}: hdf5_version {a['hdf5_version']!r}")
    check("run" in a["command_line"] and toml_name in a["command_line"], f"{rid}: command_line {a['command_line']!r}")
    iso = ISO_TIME
    check(re.fullmatch(iso, a["start_time"]) and re.fullmatch(iso, a["end_time"]) and a["start_time"] <= a["end_time"],
          f"{rid}: start/end time {a['start_time']} {a['end_time']}")
    version = subprocess.run([STRUCTURA, "--version"], capture_output=True, text=True).stdout
    check(a["structura_version"] in version, f"{rid}: structura_version {a['structura_version']} vs {version!r}")
    if not any(k.startswith("SLURM_JOB_ID") for k in os.environ):
        check(a["slurm_environment"] == "", f"{rid}: slurm_environment {a['slurm_environment']!r} outside Slurm")

    # Stages.
    for stage, group in run["stage_groups"].items():
        g = f.get(f"stages/{stage}")
        if not check(g is not None, f"{rid}: no /stages/{stage}"):
            continue
        check(g.attrs.get("status") == "done", f"{rid}: stage {stage} status {g.attrs.get('status')}")
        check(int(g.attrs.get("ranks", -1)) == 2, f"{rid}: stage {stage} ranks {g.attrs.get('ranks')}")
        check(g.attrs.get("group") == group, f"{rid}: stage {stage} group {g.attrs.get('group')}")
        check(float(g.attrs.get("wall_time_s", -1)) >= 0, f"{rid}: stage {stage} wall_time_s")
        check(re.fullmatch(iso, g.attrs.get("finished_at", "")) is not None, f"{rid}: stage {stage} finished_at")

    # /config is the canonical TOML and equals config.toml.
    text = f["config"][()].decode("utf-8")
    on_disk = (run_dir / "config.toml").read_text(encoding="utf-8")
    check(text == on_disk, f"{rid}: /config differs from config.toml")
    check(tomllib.loads(text) == tomllib.loads(on_disk) == cfg, f"{rid}: /config does not parse to config.toml")


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

SYMPFLOW_TOML = SOURCE / "tests" / "pipeline" / "layout_sympflow.toml"

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


def run_toml(toml, runs_dir):
    p = subprocess.run([STRUCTURA, "run", str(toml), "--ranks", "2", "--runs-dir", str(runs_dir), "--no-plots"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: structura run {toml.name} exited {p.returncode}\n{p.stdout}\n{p.stderr}")


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


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="structura-h5-layout-"))
    try:
        check_ensemble_runs(tmp / "ensemble")
        check_sympflow_runs(tmp / "sympflow")
    except Exception:
        print(f"runs kept in {tmp}", file=sys.stderr)
        raise
    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        print(f"{len(failures)} check(s) failed; runs kept in {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("h5_layout: every documented object present with its shape, dtype and unit; nothing undocumented; "
          "values agree with numpy recomputations (hamiltonian.ensemble and sympflow)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
