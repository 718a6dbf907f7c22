#!/usr/bin/env python3
"""h5_layout: result.h5 of hamiltonian.ensemble has exactly the layout that
data/README.md documents, and its numbers agree with independent truths.

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

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
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


def expand(pattern, names):
    """Every concrete path of a pattern with <m>, <s>, <stage>."""
    paths = [pattern.strip("`")]
    for placeholder, values in names.items():
        paths = [p.replace(placeholder, v) for p in paths for v in values] if placeholder in paths[0] else paths
    return paths


def present(condition, run):
    tokens = [t.strip() for t in condition.split(",") if t.strip()]
    return all({"always": True, "reference": run["has_reference"], "states": run["states"]}[t] for t in tokens)


def parse_shape(text, sizes):
    text = text.strip()
    inner = text.strip("()").strip()
    if not inner:
        return ()
    return tuple(sizes[t.strip()] if t.strip() in sizes else int(t) for t in inner.split(",") if t.strip())


def dtype_ok(dtype, expected, is_attribute):
    if expected == "float64":
        return dtype == np.dtype("<f8")
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
    names = {"<m>": run["methods"], "<s>": run["series"], "<stage>": run["stages"]}
    sizes = {"N": run["N"], "n": run["n"], "T": run["T"]}
    expected = {}  # path -> row
    for row in objects:
        if present(row["present"], run):
            for path in expand(row["path"], names):
                expected[path] = row
    actual = {}
    f.visititems(lambda name, obj: actual.__setitem__("/" + name, obj))
    for path in sorted(set(expected) - set(actual)):
        check(False, f"{run['id']}: documented {path} is missing")
    for path in sorted(set(actual) - set(expected)):
        check(False, f"{run['id']}: {path} exists but is not documented in data/README.md")

    expected_attrs = {"/": {}}
    for path, row in expected.items():
        expected_attrs[path] = {}
        if path not in actual:
            continue
        obj = actual[path]
        is_group = isinstance(obj, h5py.Group)
        if not check(is_group == (row["type"] == "group"), f"{run['id']}: {path} is not a {row['type']}"):
            continue
        if is_group:
            continue
        shape = parse_shape(row["shape"], sizes)
        check(obj.shape == shape, f"{run['id']}: {path} has shape {obj.shape}, documented {shape}")
        check(dtype_ok(obj.dtype, row["dtype"], False), f"{run['id']}: {path} has dtype {obj.dtype}, "
                                                         f"documented {row['dtype']}")
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
        for path in expand(row["object"], names):
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


def check_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    N, T, S = run["N"], run["T"], run["S"]
    dt, every = cfg["integration"]["dt"], cfg["integration"]["output_every"]
    system = cfg["system"]["name"]
    a = f.attrs

    # Provenance.
    check(a["experiment_kind"] == "hamiltonian.ensemble", f"{rid}: experiment_kind {a['experiment_kind']}")
    check(a["experiment_name"] == "layout", f"{rid}: experiment_name {a['experiment_name']}")
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
    check("run" in a["command_line"] and "layout.toml" in a["command_line"], f"{rid}: command_line {a['command_line']!r}")
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    check(re.fullmatch(iso, a["start_time"]) and re.fullmatch(iso, a["end_time"]) and a["start_time"] <= a["end_time"],
          f"{rid}: start/end time {a['start_time']} {a['end_time']}")
    version = subprocess.run([STRUCTURA, "--version"], capture_output=True, text=True).stdout
    check(a["structura_version"] in version, f"{rid}: structura_version {a['structura_version']} vs {version!r}")
    if not any(k.startswith("SLURM_JOB_ID") for k in os.environ):
        check(a["slurm_environment"] == "", f"{rid}: slurm_environment {a['slurm_environment']!r} outside Slurm")

    # Stages.
    for stage in run["stages"]:
        g = f.get(f"stages/{stage}")
        if not check(g is not None, f"{rid}: no /stages/{stage}"):
            continue
        check(g.attrs.get("status") == "done", f"{rid}: stage {stage} status {g.attrs.get('status')}")
        check(int(g.attrs.get("ranks", -1)) == 2, f"{rid}: stage {stage} ranks {g.attrs.get('ranks')}")
        group = "prepare" if stage in ("initial", "reference") else "integrate"
        check(g.attrs.get("group") == group, f"{rid}: stage {stage} group {g.attrs.get('group')}")
        check(float(g.attrs.get("wall_time_s", -1)) >= 0, f"{rid}: stage {stage} wall_time_s")
        check(re.fullmatch(iso, g.attrs.get("finished_at", "")) is not None, f"{rid}: stage {stage} finished_at")

    # /config is the canonical TOML and equals config.toml.
    text = f["config"][()].decode("utf-8")
    on_disk = (run_dir / "config.toml").read_text(encoding="utf-8")
    check(text == on_disk, f"{rid}: /config differs from config.toml")
    check(tomllib.loads(text) == tomllib.loads(on_disk) == cfg, f"{rid}: /config does not parse to config.toml")

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


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="structura-h5-layout-"))
    try:
        p = subprocess.run([STRUCTURA, "run", str(TOML), "--ranks", "2", "--runs-dir", str(tmp), "--no-plots"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"FAIL: structura run exited {p.returncode}\n{p.stdout}\n{p.stderr}")
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
            seen.add((system, reference, run["states"]))
            with h5py.File(run_dir / "result.h5", "r") as f:
                check_layout(f, run, "hamiltonian.ensemble")
                check_values(f, run, run_dir)
        check(seen == {("harmonic-oscillator", "exact", True), ("henon-heiles", "dopri5", True),
                       ("harmonic-oscillator", "none", False)}, f"unexpected set of runs {seen}")
    except Exception:
        print(f"runs kept in {tmp}", file=sys.stderr)
        raise
    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        print(f"{len(failures)} check(s) failed; runs kept in {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("h5_layout: every documented object present with its shape, dtype and unit; nothing undocumented; "
          "values agree with numpy recomputations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
