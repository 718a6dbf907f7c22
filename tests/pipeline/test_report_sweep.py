#!/usr/bin/env python3
"""report_sweep: `structura run` of the step-size sweep jobs/examples/sweep-dt.toml
on 2 ranks (with its per-run plots), then `structura report` over it.

Checks report.md and report.csv (one row per run and method, the swept keys
as columns, every metric with its unit), the convergence orders measured
from the CSV against the classical orders (final error ~ dt^2 for Verlet,
dt^4 for the triple jump and RK4), that every plot is a valid PNG, and the
behaviour without a usable Python: `run` warns and succeeds, `report`
fails with exit status 1 and says what is missing.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import csv
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib

import numpy as np

STRUCTURA = os.environ["STRUCTURA"]
SOURCE = pathlib.Path(os.environ.get("STRUCTURA_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
SWEEP = SOURCE / "jobs" / "examples" / "sweep-dt.toml"
ORDERS = {"verlet": 2.0, "triple-jump4": 4.0, "rk4": 4.0}  # classical orders: the independent truth
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def structura(*args, env=None, expect=0):
    full = dict(os.environ)
    full.update(env or {})
    p = subprocess.run([STRUCTURA, *map(str, args)], capture_output=True, text=True, env=full)
    if expect is not None and p.returncode != expect:
        sys.exit(f"FAIL: structura {' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                 f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p


def png_ok(path):
    """A real PNG: signature, IHDR with a sensible size, more than a few bytes."""
    data = pathlib.Path(path).read_bytes()
    if len(data) < 5000 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return width >= 200 and height >= 150


def md_table(text):
    lines = [l for l in text.splitlines() if l.startswith("|")]
    cells = lambda l: [c.strip() for c in re.split(r"(?<!\\)\|", l.strip()[1:-1])]  # noqa: E731
    assert len(lines) >= 2 and re.fullmatch(r"\|[-|: ]+\|", lines[1].strip()), "report.md has no table"
    return cells(lines[0]), [cells(l) for l in lines[2:]]


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="structura-report-sweep-"))
    try:
        rc = run_checks(tmp)
    except BaseException:
        print(f"files kept in {tmp}", file=sys.stderr)
        raise
    if rc == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"files kept in {tmp}", file=sys.stderr)
    return rc


def run_checks(tmp):
    sweep = tomllib.loads(SWEEP.read_text())
    dts = sweep["sweep"]["zip"]["integration.dt"]
    methods = sweep["integration"]["methods"]

    # The run draws each run's plots into <run>/plots/ and lists them.
    p = structura("run", SWEEP, "--ranks", 2, "--runs-dir", tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == len(dts), f"expected {len(dts)} runs, found {len(run_dirs)}")
    listed = re.findall(r"^\s*plot:\s+(\S+)$", p.stdout, re.M)
    for d in run_dirs:
        pngs = sorted((d / "plots").glob("*.png"))
        names = {x.name for x in pngs}
        check({"energy_error.png", "state_error.png", "phase_space.png"} <= names, f"{d}/plots has {names}")
        for png in pngs:
            check(png_ok(png), f"{png} is not a valid PNG")
            check(str(png) in listed, f"{png} not listed in the run summary")

    # The report, default output directory <first dir>/report.
    p = structura("report", tmp)
    out = tmp / "report"
    md, csv_path = out / "report.md", out / "report.csv"
    check(md.is_file() and csv_path.is_file(), "report.md or report.csv missing")
    printed = re.findall(r"^wrote (\S+)$", p.stdout, re.M)
    check(str(md) in printed and str(csv_path) in printed, f"report did not print its files: {p.stdout}")

    header, rows = md_table(md.read_text())
    with open(csv_path, newline="") as f:
        table = list(csv.reader(f))
    csv_header, csv_rows = table[0], table[1:]
    check(header == csv_header, f"report.md and report.csv headers differ:\n{header}\n{csv_header}")
    for col in ["experiment", "run id", "integration.dt", "integration.output_every", "method",
                "final_error_max [1]", "final_error_mean [1]", "relative_energy_error_max [1]",
                "energy_drift_slope [1/time]", "throughput [trajectory-steps/s]", "kernel_seconds [s]"]:
        check(col in csv_header, f"column {col!r} missing from the report: {csv_header}")
    # Keys that do not vary between the runs are not columns.
    for col in ["integration.t_end", "system.name", "integration.methods"]:
        check(col not in csv_header, f"column {col!r} does not vary but is in the report")
    expected_pairs = {(d.name, m) for d in run_dirs for m in methods}
    col = {name: i for i, name in enumerate(csv_header)}
    csv_pairs = [(r[col["run id"]], r[col["method"]]) for r in csv_rows]
    md_pairs = [(r[col["run id"]], r[col["method"]]) for r in rows]
    check(len(csv_rows) == len(expected_pairs) and set(csv_pairs) == expected_pairs,
          f"report.csv rows {csv_pairs}, expected one per run and method {sorted(expected_pairs)}")
    check(sorted(md_pairs) == sorted(csv_pairs), "report.md and report.csv rows differ")
    for r_md, r_csv in zip(rows, csv_rows):
        for name in ("final_error_max [1]", "integration.dt"):
            a, b = float(r_md[col[name]]), float(r_csv[col[name]])
            check(abs(a - b) <= 1e-3 * abs(b), f"report.md {name} {a} != report.csv {b}")
    for r in csv_rows:
        check(r[col["experiment"]] == "sweep-dt", f"experiment {r[col['experiment']]}")
        check(float(r[col["dt [time]"]]) == float(r[col["integration.dt"]]), "metric dt != swept integration.dt")
        # The zipped keys keep one frame every 0.2 time units.
        check(abs(float(r[col["integration.dt"]]) * int(r[col["integration.output_every"]]) - 0.2) < 1e-12,
              "integration.dt * output_every != 0.2")

    # Convergence orders from the CSV: slope of log(final error) against log(dt).
    slopes = {}
    for m in methods:
        pts = sorted((float(r[col["integration.dt"]]), float(r[col["final_error_max [1]"]]))
                     for r in csv_rows if r[col["method"]] == m)
        check(len(pts) == len(dts), f"{m}: {len(pts)} points")
        x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
        slopes[m] = float(np.polyfit(x, y, 1)[0])
        check(abs(slopes[m] - ORDERS[m]) <= 0.3, f"{m}: measured order {slopes[m]:.3f}, expected {ORDERS[m]} ± 0.3")
    print("measured orders (final_error_max vs dt): " + ", ".join(f"{m} {s:.3f}" for m, s in slopes.items()))
    check("final_error_max against integration.dt" in md.read_text(), "report.md lacks the sweep slopes")

    # Plots of every run and the sweep plots, valid PNGs, linked from report.md.
    for d in run_dirs:
        for name in ("energy_error.png", "state_error.png", "phase_space.png"):
            check((out / d.name / name).is_file() and png_ok(out / d.name / name), f"{out / d.name / name} invalid")
    sweep_png = out / "sweep" / "sweep-dt_final_error_max_vs_integration.dt.png"
    check(sweep_png.is_file() and png_ok(sweep_png), f"{sweep_png} missing or invalid")
    for link in re.findall(r"\]\(([^)]+\.png)\)", md.read_text()):
        check((out / link).is_file(), f"report.md links {link}, which does not exist")
    for path in printed:
        if path.endswith(".png"):
            check(png_ok(path), f"{path} is not a valid PNG")

    # Without a usable Python: plots are skipped with a warning, the run succeeds...
    no_python = {"STRUCTURA_PYTHON": str(tmp / "no-such-python3")}
    p = structura("run", SWEEP, "--runs-dir", tmp, env=no_python, expect=0)
    check("warning" in p.stderr and "no plots" in p.stderr, f"run without Python: no warning\n{p.stderr}")
    check("plot:" not in p.stdout, "run without Python listed plots")
    # ... and the report fails, saying why.
    p = structura("report", tmp, "--out", tmp / "report2", env=no_python, expect=1)
    check("h5py" in p.stderr and "STRUCTURA_PYTHON" in p.stderr, f"report without Python: unclear message\n{p.stderr}")
    check(not (tmp / "report2" / "report.md").exists(), "report without Python wrote report.md")
    p = structura("report", tmp / "no-such-dir", expect=2)
    check("no such directory" in p.stderr, f"report of a missing directory: {p.stderr}")

    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        return 1
    print(f"report_sweep: {len(csv_rows)} rows, orders {slopes}, all PNGs valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
