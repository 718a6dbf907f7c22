"""Shared checks of result.h5 layouts: each kind's tests/<kind>/test_layout.py
runs small experiments and checks every file against the tables of data/README.md
(section "Every experiment kind": provenance, /stages, /config) and of the kind's
own pipeline/experiments/<folder>/layout.md: every documented group, dataset and
attribute exists with the documented shape, dtype and unit, and nothing
undocumented exists. The kinds' values are checked against independent truths
in their own modules.

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
README = SOURCE / "data" / "README.md"  # the part every kind shares


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


def kind_layout(kind):
    """The layout documentation of `kind`, beside it: pipeline/experiments/<folder>/layout.md."""
    return SOURCE / "pipeline" / "experiments" / kind.replace(".", "_").replace("-", "_") / "layout.md"


def readme_tables(path):
    """(section, header, rows) of every Markdown table of `path`; section is the ## heading."""
    lines = path.read_text(encoding="utf-8").splitlines()
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
    for section, header, rows in readme_tables(README) + readme_tables(kind_layout(kind)):
        if section not in ("Every experiment kind", kind):
            continue
        if header[:2] == ["path", "type"]:
            objects += rows
        elif header[:2] == ["object", "attribute"]:
            attributes += rows
    assert objects and attributes, f"{kind_layout(kind)}: no layout tables for {kind}"
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
        check(False, f"{run['id']}: {path} exists but is not documented in {kind_layout(kind).relative_to(SOURCE)}")

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
            expected_attrs[path]["unit"] = ("string", "")
            unit = obj.attrs.get("unit")
            # A unit may name a size in braces: `x^-{d}` is x^-2 in the plane.
            sizes = run["sizes"](binding)
            documented_unit = re.sub(r"\{(\w+)\}", lambda m: str(sizes[m.group(1)]), row["unit"])
            check(unit == documented_unit, f"{run['id']}: {path} unit {unit!r}, documented {documented_unit!r}")
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

    # An attribute is a scalar unless its table has a shape column that gives one.
    for row in attributes:
        for path, binding in expand(row["object"], names):
            if path in expected_attrs:
                expected_attrs[path][row["attribute"].strip("`")] = (row["dtype"], row.get("shape", ""), binding)
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
            dtype, shape_text, *binding = attrs[name]
            shape = parse_shape(shape_text, run["sizes"](binding[0] if binding else {})) if shape_text else ()
            check(shape_ok(aid.shape, shape), f"{run['id']}: attribute {name} of {path} has shape {aid.shape}, "
                                              f"documented {shape or 'scalar'}")
            check(dtype_ok(aid.dtype, dtype, True),
                  f"{run['id']}: attribute {name} of {path} has dtype {aid.dtype}, documented {dtype}")


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


def run_toml(toml, runs_dir):
    p = subprocess.run([STRUCTURA, "run", str(toml), "--ranks", "2", "--runs-dir", str(runs_dir), "--no-plots"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: structura run {toml.name} exited {p.returncode}\n{p.stdout}\n{p.stderr}")


def available_kinds():
    """The experiment kinds this build has (`structura list` prints each name unindented)."""
    listing = subprocess.run([STRUCTURA, "list"], check=True, capture_output=True, text=True).stdout
    return {line.strip() for line in listing.splitlines() if line and not line[0].isspace()}


def finish(tmp, name, checked):
    """Reports the failures gathered by check(); removes `tmp` when there are none."""
    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        print(f"{len(failures)} check(s) failed; runs kept in {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{name}: every documented object present with its shape, dtype and unit; nothing undocumented; "
          f"values agree with independent recomputations ({checked})")
    return 0


def run_checks(name, body):
    """Runs body(tmp) in a fresh directory, keeping it when anything fails."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"structura-{name}-"))
    try:
        body(tmp)
    except Exception:
        print(f"runs kept in {tmp}", file=sys.stderr)
        raise
    return finish(tmp, name, name)
