#!/usr/bin/env python3
"""SciPy peer of the Burgers data benchmark (issue 11 section 7), as in the
Lie point symmetry data augmentation code (LPSDA, Brandstetter et al.):
the method of lines with pseudo-spectral derivatives by FFT and
scipy.integrate.solve_ivp, u_t = -u u_x + nu u_xx, nu = 0.01, periodic on
[0, 1), snapshots at t_eval = 101 times on [0, 1] (solve_ivp's dense
output), stored at 101 points (every M/100-th of the M grid points and the
periodic end), the layout of bench_pde_data.cpp.

Runs under Debian 12's /usr/bin/python3 with python3-numpy and
python3-scipy (the versions are printed); FFTs by scipy.fft, one worker.

  bench_pde_data.py solve --ic IC.bin --points M --samples S --method RK45 --rtol R --out OUT.bin
  bench_pde_data.py compare --ref REF.bin --samples S FILE...   (mean relative L2 error of each)
"""
import argparse
import sys
import time

import numpy as np
import scipy
from scipy import fft
from scipy.integrate import solve_ivp

NU = 0.01
TIMES = np.linspace(0.0, 1.0, 101)


def solve(u0, method, rtol, atol):
    m = u0.size
    k = 2 * np.pi * fft.rfftfreq(m, d=1.0 / m)

    def rhs(_t, u):
        uh = fft.rfft(u)
        ux = fft.irfft(1j * k * uh, n=m)
        uxx = fft.irfft(-(k * k) * uh, n=m)
        return -u * ux + NU * uxx

    r = solve_ivp(rhs, (0.0, 1.0), u0, method=method, t_eval=TIMES, rtol=rtol, atol=atol)
    if not r.success:
        raise RuntimeError(f"solve_ivp failed: {r.message}")
    u = r.y.T[:, :: m // 100]  # 101 x 100
    return np.concatenate([u, u[:, :1]], axis=1), r.nfev


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("solve")
    s.add_argument("--ic", required=True)
    s.add_argument("--points", type=int, required=True)
    s.add_argument("--samples", type=int, required=True)
    s.add_argument("--method", default="RK45")
    s.add_argument("--rtol", type=float, default=1e-6)
    s.add_argument("--atol", type=float, default=None)
    s.add_argument("--out")
    c = sub.add_parser("compare")
    c.add_argument("--ref", required=True)
    c.add_argument("--samples", type=int, required=True)
    c.add_argument("files", nargs="+")
    a = p.parse_args()
    if a.cmd == "solve":
        ic = np.fromfile(a.ic).reshape(a.samples, a.points)
        atol = a.atol if a.atol is not None else a.rtol * 1e-2
        out, nfev = [], 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for u0 in ic:
            u, n = solve(u0, a.method, a.rtol, atol)
            out.append(u)
            nfev += n
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if a.out:
            np.asarray(out).tofile(a.out)
        print(f"scipy points={a.points} method={a.method} rtol={a.rtol} samples={a.samples} cpu_s={cpu:.4f} "
              f"wall_s={wall:.4f} cpu_per_sample_s={cpu / a.samples:.5f} rhs_evals={nfev} "
              f"(numpy {np.__version__}, scipy {scipy.__version__})")
    else:
        ref = np.fromfile(a.ref).reshape(a.samples, -1)
        for f in a.files:
            u = np.fromfile(f).reshape(a.samples, -1)
            e = np.linalg.norm(u - ref, axis=1) / np.linalg.norm(ref, axis=1)
            print(f"{f} mean_rel_l2={e.mean():.3e} max_rel_l2={e.max():.3e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
