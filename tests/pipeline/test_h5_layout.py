#!/usr/bin/env python3
"""h5_layout: result.h5 of hamiltonian.ensemble, sympflow and ct.classical has exactly
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

Then runs tests/pipeline/layout_ct.toml (three small `ct.classical` runs:
parallel beam with Gaussian noise, FBP, Tikhonov and TV, at two Tikhonov
weights; fan beam with Poisson noise, SIRT and LSQR on Shepp–Logan) on 2
ranks and checks each against the tables of the section `ct.classical`
(<r>, <i>, <p> expand to every method, iterative method and phantom; the
history lengths I, R come from each history's `iterations`), and then:
- provenance, /stages and /config as above;
- attributes against the config and the geometry's conventions (angles
  k · range / A, detector spacing, fan distances);
- sinograms: non-negative, mass conserved per angle (parallel beam), the
  noise norm and Gaussian sigma recomputed, Poisson data = −log(whole
  counts / photons);
- histories: iteration limits and stop reasons, residual[0] = ‖y‖ from
  x = 0, the discrepancy principle stopping at the first iterate below
  τ δ, Tikhonov-CG's relative tolerance, TV's objective = ½ r² + λ TV(x)
  recomputed from the stored image and a non-negative gap;
- /metrics: PSNR recomputed from the stored images, the means;
- truth.xdmf: every HDF item names a dataset of the result.h5 beside it
  with its dimensions, one hyperslab (p, :, :) per phantom, cell
  boundaries spanning the image with row 0 at the top;
- the sweep of tikhonov.alpha: data, FBP and TV equal bit for bit, the
  Tikhonov solution's norm smaller at the larger weight.

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
        # Every non-empty array carries a Fletcher32 checksum (so it is chunked);
        # the scalar /config is compact, inside its checksummed object header.
        if obj.shape == ():
            check(obj.id.get_create_plist().get_layout() == h5py.h5d.COMPACT, f"{run['id']}: {path} is not compact")
        elif obj.size > 0:
            check(obj.fletcher32, f"{run['id']}: {path} has no Fletcher32 checksum")

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


# ---- ct.classical --------------------------------------------------------------------------------

CT_TOML = SOURCE / "tests" / "pipeline" / "layout_ct.toml"

# The iteration limit of each iterative method, by its key.
CT_LIMIT_KEY = {"sirt": "sirt.iterations", "lsqr": "lsqr.max_iterations", "tikhonov": "tikhonov.iterations",
                "tv": "tv.iterations"}
CT_HISTORY = re.compile(r"/reconstructions/([^/]+)/history/(\d+)/")


def key(cfg, dotted):
    section, name = dotted.split(".")
    return cfg[section][name]


def ct_run(run_dir, f):
    """What the layout of a ct.classical run should be, from its config.toml
    (and, for the lengths of the histories, the `iterations` attributes)."""
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    methods = cfg["reconstruction"]["methods"]
    iterative = [m for m in methods if m != "fbp"]
    P, n = cfg["phantoms"]["count"], cfg["image"]["size"]
    U = cfg["beam"]["detectors"] or n
    stages = ["phantoms", "sinograms"] + [f"reconstruct/{m}" for m in methods] + ["metrics"]
    iterations = {}
    for m in iterative:
        for p in range(P):
            g = f.get(f"reconstructions/{m}/history/{p}")
            if g is not None and "iterations" in g.attrs:
                iterations[(m, p)] = int(g.attrs["iterations"])
    run = {
        "id": run_dir.name, "config": cfg, "methods": methods, "iterative": iterative, "P": P, "n": n, "U": U,
        "A": cfg["beam"]["angles"], "deflate": 0, "iterations": iterations,
        "fan": cfg["beam"]["kind"] == "fan", "noise": cfg["noise"]["kind"],
    }
    run["names"] = {"<r>": methods, "<i>": iterative, "<p>": list(range(P)), "<stage>": stages}
    run["conditions"] = {"always": True, "gaussian": run["noise"] == "gaussian", "tv": "tv" in methods}
    run["stage_groups"] = {s: {"phantoms": "prepare", "sinograms": "prepare", "metrics": "evaluate"}.get(s, "reconstruct")
                           for s in stages}

    def sizes(binding):
        out = {"P": P, "n": n, "A": run["A"], "U": U}
        method, p = binding.get("<i>"), binding.get("<p>")
        if method is None and p is not None:
            method = "tv"  # the rows /reconstructions/tv/history/<p>/... name the method literally
        if method is not None and p is not None:
            i = iterations.get((method, int(p)))  # None (any length) when the attribute is missing: reported there
            out["I"] = i
            out["R"] = None if i is None else i + (0 if method == "tv" else 1)
        return out

    run["sizes"] = sizes
    return run


def total_variation(x, h):
    """Isotropic TV as tv_pdhg.hpp defines it: forward differences / h, zero in the last column and row."""
    gx, gy = np.zeros_like(x), np.zeros_like(x)
    gx[:, :-1] = (x[:, 1:] - x[:, :-1]) / h
    gy[:-1, :] = (x[1:, :] - x[:-1, :]) / h
    return float(np.sqrt(gx ** 2 + gy ** 2).sum())


def check_ct_xdmf(run, run_dir, f):
    """truth.xdmf: one grid per phantom whose HDF items name datasets of the
    result.h5 beside it with their real dimensions, hyperslab (p, :, :), and
    cell boundaries spanning the image with row 0 at the top."""
    import xml.etree.ElementTree as ET
    rid, P, n = run["id"], run["P"], run["n"]
    extent = run["config"]["image"]["extent"]
    path = run_dir / "truth.xdmf"
    if not check(path.is_file(), f"{rid}: no truth.xdmf beside result.h5"):
        return
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        check(False, f"{rid}: truth.xdmf is not well-formed XML: {e}")
        return
    check(root.tag == "Xdmf" and root.get("Version", "").startswith("3"), f"{rid}: truth.xdmf root {root.tag}")
    collection = root.findall("./Domain/Grid")
    check(len(collection) == 1 and collection[0].get("GridType") == "Collection"
          and collection[0].get("CollectionType") == "Temporal", f"{rid}: truth.xdmf has no temporal collection")
    grids = root.findall("./Domain/Grid/Grid")
    check(len(grids) == P, f"{rid}: truth.xdmf has {len(grids)} grids for {P} phantoms")
    # Every HDF item anywhere: file beside it, dataset present, dimensions equal.
    for item in root.iter("DataItem"):
        if item.get("Format") != "HDF":
            continue
        file_name, _, dataset = item.text.strip().partition(":")
        if not check((run_dir / file_name).resolve() == (run_dir / "result.h5").resolve(),
                     f"{rid}: truth.xdmf refers to {file_name}, not the result.h5 beside it"):
            continue
        d = f.get(dataset)
        if not check(isinstance(d, h5py.Dataset), f"{rid}: truth.xdmf refers to {dataset}, not a dataset of result.h5"):
            continue
        dims = tuple(int(v) for v in item.get("Dimensions", "").split())
        check(dims == d.shape, f"{rid}: truth.xdmf gives {dataset} dimensions {dims}, the file has {d.shape}")
        check(item.get("NumberType") == "Float" and item.get("Precision") == "8" and d.dtype == np.dtype("<f8"),
              f"{rid}: truth.xdmf number type of {dataset}")
    h = extent / 2
    for p, g in enumerate(grids):
        check(g.get("Name") == f"phantom {p}" and g.find("Time") is not None
              and float(g.find("Time").get("Value")) == p, f"{rid}: truth.xdmf grid {p} name/time")
        topo = g.find("Topology")
        check(topo is not None and topo.get("TopologyType") == "2DRectMesh"
              and topo.get("Dimensions") == f"{n + 1} {n + 1}", f"{rid}: truth.xdmf grid {p} topology")
        geo = g.findall("./Geometry/DataItem")
        if check(len(geo) == 2 and g.find("Geometry").get("GeometryType") == "VXVY", f"{rid}: grid {p} geometry"):
            xs, ys = (np.array(d.text.split(), float) for d in geo)
            check(close(xs, np.linspace(-h, h, n + 1), 0, 1e-14 * extent), f"{rid}: grid {p} x boundaries")
            check(close(ys, np.linspace(h, -h, n + 1), 0, 1e-14 * extent), f"{rid}: grid {p} y boundaries (top first)")
        attrs = g.findall("Attribute")
        if not check(len(attrs) == 1 and attrs[0].get("Name") == "truth" and attrs[0].get("Center") == "Cell",
                     f"{rid}: grid {p} attribute"):
            continue
        slab = attrs[0].find("DataItem")
        check(slab is not None and slab.get("ItemType") == "HyperSlab" and slab.get("Dimensions") == f"{n} {n}",
              f"{rid}: grid {p} is not an n x n hyperslab")
        parts = slab.findall("DataItem") if slab is not None else []
        if check(len(parts) == 2 and parts[1].get("Format") == "HDF"
                 and parts[1].text.strip().endswith(":/fields/truth"), f"{rid}: grid {p} hyperslab items"):
            sel = np.array(parts[0].text.split(), int)
            check(parts[0].get("Dimensions") == "3 3" and sel.tolist() == [p, 0, 0, 1, 1, 1, 1, n, n],
                  f"{rid}: grid {p} hyperslab {sel.tolist()}, expected start ({p}, 0, 0) count (1, {n}, {n})")


def check_ct_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    check_common(f, run, run_dir, "ct.classical", "layout-ct", CT_TOML.name)
    P, n, A, U = run["P"], run["n"], run["A"], run["U"]
    extent = cfg["image"]["extent"]
    h = extent / n

    # The phantoms.
    truth = f["fields/truth"][()]
    a = f["fields/truth"].attrs
    check(a["extent"] == extent and a["kind"] == cfg["phantoms"]["kind"], f"{rid}: /fields/truth attributes")
    # In [0, 1] up to the rounding of sums of intensities (Shepp-Logan: 1 - 0.8 - 0.2).
    check(np.all(truth >= -1e-12) and np.all(truth <= 1 + 1e-12) and np.all(truth.max(axis=(1, 2)) > 0),
          f"{rid}: truth outside [0, 1] or a blank phantom")
    same = all(np.array_equal(truth[0], t) for t in truth[1:])
    check(same if cfg["phantoms"]["kind"] == "shepp-logan" else not same,
          f"{rid}: {cfg['phantoms']['kind']} phantoms {'differ' if same is False else 'are all equal'}")

    # The geometry, from the config and the conventions of geometry.hpp.
    s = f["sinograms"].attrs
    span = 2 * math.pi if run["fan"] else math.pi
    angles = f["sinograms/angles"][()]
    check(close(angles, np.arange(A) * span / A, 0, 1e-15), f"{rid}: /sinograms/angles != k * {span:g} / A")
    check(s["beam"] == cfg["beam"]["kind"] and s["noise"] == run["noise"], f"{rid}: /sinograms beam/noise")
    if run["fan"]:
        so = cfg["beam"]["source_origin"] or 2 * extent
        od = cfg["beam"]["origin_detector"]
        r = extent / math.sqrt(2)  # the tangent rays to the bounding circle reach the detector's ends
        half = (so + od) * r / math.sqrt(so * so - r * r)
        check(s["source_origin"] == so and s["origin_detector"] == od, f"{rid}: fan distances {dict(s)}")
        check(close(s["detector_spacing"] * U / 2, half, 1e-12), f"{rid}: fan detector_spacing {s['detector_spacing']}")
    else:
        check(s["source_origin"] == 0 and s["origin_detector"] == 0, f"{rid}: parallel beam with fan distances")
        check(close(s["detector_spacing"], extent / U, 1e-15), f"{rid}: detector_spacing {s['detector_spacing']}")

    # Sinograms: non-negative line integrals; for a parallel beam every
    # angle's integral over the detector is the phantom's mass (the
    # phantoms lie inside the disc every ray set covers), up to the
    # detector's sampling.
    clean, noisy = f["sinograms/clean"][()], f["sinograms/noisy"][()]
    check(np.all(np.isfinite(clean)) and np.all(clean >= 0) and np.all(np.isfinite(noisy)),
          f"{rid}: sinograms negative or not finite")
    if not run["fan"]:
        mass = truth.sum(axis=(1, 2)) * h * h
        ratio = clean.sum(axis=2) * s["detector_spacing"] / mass[:, None]
        check(np.all(np.abs(ratio - 1) < 0.03), f"{rid}: projections do not conserve the phantoms' mass: "
                                                 f"ratios {ratio.min():.4f} .. {ratio.max():.4f}")
    noise = noisy - clean
    delta = np.sqrt((noise ** 2).sum(axis=(1, 2)))
    check(close(f["sinograms/noise_norm"][()], delta, 1e-12), f"{rid}: noise_norm != ||noisy - clean||")
    if run["noise"] == "gaussian":
        sigma = f["sinograms/sigma"][()]
        check(close(sigma, cfg["noise"]["level"] * np.abs(clean).mean(axis=(1, 2)), 1e-12),
              f"{rid}: sigma != noise.level * mean |clean|")
        std = noise.std(axis=(1, 2))
        check(np.all(np.abs(std / sigma - 1) < 0.2), f"{rid}: noise std {std} for sigma {sigma}")
    elif run["noise"] == "poisson":
        counts = cfg["noise"]["photons"] * np.exp(-noisy)  # noisy = -log(max(counts, 1) / I0)
        check(np.all(np.abs(counts - np.round(counts)) < 1e-6 * np.maximum(counts, 1)) and np.all(counts > 0.5),
              f"{rid}: Poisson data are not -log(counts / photons) of whole counts >= 1")
        check(np.any(noise != 0), f"{rid}: Poisson data equal the clean sinogram")

    # Reconstructions and their histories.
    tau = cfg["discrepancy"]["tau"]
    for m in run["methods"]:
        g = f[f"reconstructions/{m}"]
        images = g["images"][()]
        check(np.isfinite(g.attrs["seconds"]) and g.attrs["seconds"] >= 0, f"{rid}: {m} seconds")
        check(g["images"].attrs["extent"] == extent, f"{rid}: {m} images extent")
        check(np.all(np.isfinite(images)), f"{rid}: {m} images not finite")
        if m == "fbp":
            check(g.attrs["filter"] == cfg["fbp"]["filter"], f"{rid}: fbp filter {g.attrs['filter']}")
            continue
        if m == "tv" or (m == "sirt" and cfg["sirt"]["nonnegative"]):
            check(np.all(images >= 0), f"{rid}: {m} images negative despite the constraint")
        if m == "tv":
            check(np.isfinite(g.attrs["operator_norm"]) and g.attrs["operator_norm"] > 0, f"{rid}: tv operator_norm")
        limit = key(cfg, CT_LIMIT_KEY[m])
        for p in range(P):
            hg = g[f"history/{p}"]
            it, reason, reached = int(hg.attrs["iterations"]), hg.attrs["stop_reason"], int(hg.attrs["discrepancy_reached"])
            res = hg["residual"][()]
            where = f"{rid}: {m} phantom {p}"
            check(1 <= it <= limit, f"{where}: {it} iterations, limit {limit}")
            check(reached in (0, 1) and (reached == 1) == (reason == "discrepancy"),
                  f"{where}: discrepancy_reached {reached} with stop_reason {reason!r}")
            check(np.all(np.isfinite(res)) and np.all(res >= 0), f"{where}: residual negative or not finite")
            if reason == "iterations":
                check(it == limit, f"{where}: stopped for iterations after {it} of {limit}")
            if m in ("sirt", "lsqr"):  # from x = 0: the first residual is ||y||
                check(close(res[0], np.linalg.norm(noisy[p]), 1e-12), f"{where}: residual[0] != ||noisy||")
            if reached:
                threshold = tau * delta[p]
                check(res[-1] <= threshold and np.all(res[:-1] > threshold),
                      f"{where}: stopped by the discrepancy principle but not at the first iterate below tau delta")
            if m == "tikhonov":
                check(reason in ("CONVERGED_RTOL", "iterations"), f"{where}: stop_reason {reason!r}")
                if reason == "CONVERGED_RTOL":  # KSP's default rtol of tikhonov(): 1e-10 of ||A^T y|| = residual[0]
                    check(res[-1] <= 1e-10 * res[0] * (1 + 1e-9), f"{where}: converged at {res[-1] / res[0]:.2e}")
            if m == "tv":
                obj, gap = hg["objective"][()], hg["gap"][()]
                check(it == limit and reason == "iterations" and not reached, f"{where}: tv runs all its iterations")
                check(np.all(obj >= 0.5 * res ** 2 * (1 - 1e-12)), f"{where}: objective below 1/2 ||Ax - y||^2")
                want = 0.5 * res[-1] ** 2 + cfg["tv"]["lambda"] * total_variation(images[p], h)
                check(close(obj[-1], want, 1e-9), f"{where}: objective {obj[-1]} != 1/2 r^2 + lambda TV(x) = {want}")
                check(np.all(np.isfinite(gap)) and np.all(gap >= -1e-12 * np.abs(obj)), f"{where}: gap negative")

    # Metrics recomputed from the stored images.
    check(f["metrics"].attrs["data_range"] == "max - min of each truth image", f"{rid}: /metrics data_range")
    for m in run["methods"]:
        images, mg = f[f"reconstructions/{m}/images"][()], f[f"metrics/{m}"]
        psnr = [10 * np.log10((t.max() - t.min()) ** 2 / np.mean((t - x) ** 2)) for t, x in zip(truth, images)]
        check(close(mg["psnr"][()], psnr, 1e-9), f"{rid}: {m} psnr {mg['psnr'][()]} != recomputed {psnr}")
        ssim = mg["ssim"][()]
        check(np.all(np.isfinite(ssim)) and np.all(np.abs(ssim) <= 1), f"{rid}: {m} ssim {ssim}")
        check(close(mg["psnr_mean"][()], [np.mean(mg["psnr"][()])], 1e-12)
              and close(mg["ssim_mean"][()], [np.mean(ssim)], 1e-12), f"{rid}: {m} psnr_mean / ssim_mean != means")

    check_ct_xdmf(run, run_dir, f)


def check_ct_runs(tmp):
    run_toml(CT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 3, f"expected 3 ct.classical runs, found {run_dirs}")
    by_case = {}
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = ct_run(run_dir, f)
            cfg = run["config"]
            case = (cfg["beam"]["kind"], run["noise"], cfg["tikhonov"]["alpha"], tuple(run["methods"]))
            by_case[case] = run_dir
            check_layout(f, run, "ct.classical")
            check_ct_values(f, run, run_dir)
    low, high = ("parallel", "gaussian", 0.01, ("fbp", "tikhonov", "tv")), ("parallel", "gaussian", 0.1, ("fbp", "tikhonov", "tv"))
    check(set(by_case) == {low, high, ("fan", "poisson", 0.01, ("sirt", "lsqr"))},
          f"unexpected set of ct.classical runs {sorted(by_case)}")
    if low in by_case and high in by_case:
        # The sweep of the Tikhonov weight: the data and the other methods are
        # the same bit for bit; the solution's norm decreases as alpha grows.
        with h5py.File(by_case[low] / "result.h5", "r") as a, h5py.File(by_case[high] / "result.h5", "r") as b:
            for name in ("fields/truth", "sinograms/clean", "sinograms/noisy", "reconstructions/fbp/images",
                         "reconstructions/tv/images"):
                check(np.array_equal(a[name][()], b[name][()]), f"tikhonov.alpha sweep: {name} differs between the runs")
            xa, xb = a["reconstructions/tikhonov/images"][()], b["reconstructions/tikhonov/images"][()]
            na, nb = np.linalg.norm(xa, axis=(1, 2)), np.linalg.norm(xb, axis=(1, 2))
            check(np.all(nb < na), f"tikhonov.alpha sweep: ||x|| {nb} at alpha 0.1 not below {na} at 0.01")


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


def available_kinds():
    """The experiment kinds this build has (`structura list` prints each name unindented)."""
    listing = subprocess.run([STRUCTURA, "list"], check=True, capture_output=True, text=True).stdout
    return {line.strip() for line in listing.splitlines() if line and not line[0].isspace()}


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="structura-h5-layout-"))
    kinds = available_kinds()
    try:
        check_ensemble_runs(tmp / "ensemble")
        if "sympflow" in kinds:
            check_sympflow_runs(tmp / "sympflow")
        else:  # a build without libtorch has no sympflow kind
            print("h5_layout: sympflow skipped: this build has no libtorch (not in `structura list`)")
        check_ct_runs(tmp / "ct")
    except Exception:
        print(f"runs kept in {tmp}", file=sys.stderr)
        raise
    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        print(f"{len(failures)} check(s) failed; runs kept in {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    checked = ", ".join(k for k in ("hamiltonian.ensemble", "sympflow", "ct.classical") if k in kinds)
    print("h5_layout: every documented object present with its shape, dtype and unit; nothing undocumented; "
          f"values agree with numpy recomputations ({checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
