"""Burgers data generation: structura (bench_burgers_data.cpp: PETSc TS, order-4
differences, RK4) against SciPy's solve_ivp with pseudo-spectral derivatives
(burgers_spectral_peer.py), the same initial conditions (the GRF's Fourier
series, exact on every grid), the same accuracy, one core each.

Accuracy: the relative L2 error over all snapshots and samples against a
reference (structura at 1024 points, dt 2e-5; cross-checked here against the
peer at 512 points, rtol 1e-11). Each side's fastest configuration that
meets --target is reported (structura: grid points x time step; the peer:
grid points x solve_ivp method x rtol), and the ratio of their CPU times
per sample, for --target and the targets 1e-3 ... 1e-6.

    python3 tests/benchmarks/pde/run_burgers_data.py BUILD_DIR [--samples 32] [--target 1e-4]

The per-sample times include each side's set-up spread over the samples
(structura: one Periodic1dSolver, ~5 ms the first time in a process; the
peer: its FFT plans and solve_ivp's start-up per sample), so use at least
~30 samples - a data set has thousands.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burgers_spectral_peer as peer  # noqa: E402

SNAPSHOTS, COMPARE, IC_POINTS, MODES = 101, 64, 2048, 32


def run_ours(bench, samples, points, dt, out, extra=()):
    cmd = [bench, "--samples", str(samples), "--points", str(points), "--dt", str(dt), "--snapshots",
           str(SNAPSHOTS), "--modes", str(MODES), "--compare-points", str(COMPARE), "--out", out, *extra]
    line = [l for l in subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
            if l.startswith("RESULT")][0]
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    data = np.fromfile(out).reshape(samples, SNAPSHOTS, COMPARE)
    return float(fields["seconds_per_sample"]), data


def rel_error(a, ref):
    return float(np.sqrt(np.sum((a - ref) ** 2) / np.sum(ref ** 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--target", type=float, default=1e-4)
    args = ap.parse_args()
    bench = os.path.join(args.build, "tests/benchmarks/pde/structura_bench_burgers_data")
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
                      OPENBLAS_NUM_THREADS="1")
    tmp = tempfile.mkdtemp()
    ics_file = os.path.join(tmp, "ics.f64")
    _, ref = run_ours(bench, args.samples, 1024, 2e-5, os.path.join(tmp, "ref.f64"),
                      ("--write-ics", ics_file, "--ic-points", str(IC_POINTS)))
    ics = np.fromfile(ics_file).reshape(args.samples, IC_POINTS)
    times = np.linspace(0.0, 1.0, SNAPSHOTS)

    def run_peer(points, method, rtol):
        stride = IC_POINTS // points
        t0 = time.process_time()
        out = [peer.solve(ics[i, ::stride].copy(), method, rtol, times) for i in range(args.samples)]
        seconds = (time.process_time() - t0) / args.samples
        return seconds, np.stack([o[:, :: points // COMPARE] for o in out])

    _, check = run_peer(512, "DOP853", 1e-11)
    print(f"reference (structura, 1024 points, dt 2e-5) vs the peer at 512 points, DOP853, rtol 1e-11: "
          f"{rel_error(check, ref):.1e}")
    print(f"target: relative L2 error <= {args.target:g} over {args.samples} samples x {SNAPSHOTS} snapshots\n")

    rows = []
    ours = {64: (1e-2, 5e-3), 128: (2.5e-3, 1.25e-3), 256: (5e-4, 2.5e-4), 512: (1.25e-4,)}
    for points, steps in ours.items():
        for dt in steps:
            try:
                s, d = run_ours(bench, args.samples, points, dt, os.path.join(tmp, "ours.f64"))
            except subprocess.CalledProcessError:
                continue  # beyond the explicit stability limit: the solver stops with an error
            rows.append(("structura", f"{points} points, order 4, RK4 dt {dt:g}", s, rel_error(d, ref)))
    for points in (64, 128, 256):
        for method in ("RK45", "DOP853", "Radau", "BDF", "LSODA"):
            for rtol in (1e-3, 1e-4, 1e-5, 1e-6, 1e-8):
                if method in ("Radau", "BDF") and points > 128:
                    continue  # dense finite-difference Jacobians: far slower than the explicit methods here
                try:
                    s, d = run_peer(points, method, rtol)
                except Exception:  # noqa: BLE001 - a failed solve is just not a candidate
                    continue
                rows.append(("scipy", f"{points} points, {method} rtol {rtol:g}", s, rel_error(d, ref)))

    print("| solver | configuration | seconds per sample | rel. L2 error | meets target |")
    print("|---|---|---|---|---|")
    for who, cfg, s, e in rows:
        print(f"| {who} | {cfg} | {s:.4f} | {e:.1e} | {'yes' if e <= args.target else ''} |")
    targets = sorted({args.target, 1e-3, 1e-4, 1e-5, 1e-6}, reverse=True)
    print("\n| target error | structura (fastest meeting it) | s/sample | SciPy (fastest meeting it) | s/sample | ratio |")
    print("|---|---|---|---|---|---|")
    for target in targets:
        best = {}
        for who, cfg, s, e in rows:
            if e <= target and (who not in best or s < best[who][1]):
                best[who] = (cfg, s, e)
        if len(best) < 2:
            print(f"| {target:g} | {best.get('structura', ('none',))[0]} | | {best.get('scipy', ('none',))[0]} | | |")
            continue
        (c1, s1, e1), (c2, s2, e2) = best["structura"], best["scipy"]
        print(f"| {target:g} | {c1} (error {e1:.1e}) | {s1:.5f} | {c2} (error {e2:.1e}) | {s2:.5f} | {s2 / s1:.1f}x |")

if __name__ == "__main__":
    main()
