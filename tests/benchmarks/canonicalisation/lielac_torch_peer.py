#!/usr/bin/env python3
"""The PyTorch peer of bench_canonicalisation.cpp: LieLAC's global
retraction as TIED's LieLACOptimizerPDE writes it (restarts as one tensor of
algebra coordinates, Adam on them through autograd, the lowest energy seen
over all steps and restarts kept), on the same inputs, with the same
restarts, steps, rate, initial scale and energy (the GRF typicality energy:
1/2 log(|z|^2 / 2M)^2 + 1/2 (mean / s_1)^2 of the whitened coefficients of
modes 1..M of the transformed input), read from the benchmark's file.

At its best, as a PyTorch user would write it: all inputs in one batch
(n, R, k) (Adam is elementwise, so every input's path is the one it would
have alone), float64, one thread. Two energies:
  generic      the group acts on the data (u + lambda1, shifted by lambda0
               through the FFT), then the energy of the transformed field:
               what TIED does;
  closed-form  the coefficients of the input once, the action on them in
               closed form (the product's own evaluation).
Usage: lielac_torch_peer.py FILE [--energy generic|closed-form] [--per-input]
"""
import argparse
import math
import resource
import time

import h5py
import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--energy", choices=["generic", "closed-form"], default="generic")
    ap.add_argument("--per-input", action="store_true", help="one input at a time (TIED's loop)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with h5py.File(args.file, "r") as f:
        u = torch.tensor(f["inputs"][()], dtype=torch.float64)
        applied = f["boost_applied"][()]
        a = {k: f.attrs[k] for k in f.attrs}
    generators = a["generators"].decode() if isinstance(a["generators"], bytes) else str(a["generators"])
    R, S, lr, init, M = int(a["restarts"]), int(a["steps"]), float(a["learning_rate"]), float(a["init_scale"]), int(a["modes"])
    n, P = u.shape
    kdim = 1 if generators == "boost" else 2
    k = torch.arange(1, M + 1, dtype=torch.float64)
    s = float(a["sigma"]) * (4 * math.pi ** 2 * k ** 2 + float(a["tau"]) ** 2) ** (-float(a["gamma"]) / 2)
    s1 = float(s[0])
    wave = torch.arange(P // 2 + 1, dtype=torch.float64)

    def score(mean, norm):
        return 0.5 * torch.log(norm / (2 * M)) ** 2 + 0.5 * (mean / s1) ** 2

    def make_energy(batch):
        if args.energy == "closed-form":
            C = torch.fft.rfft(batch) / P
            norm0 = (2 * C[:, 1:M + 1].abs() ** 2 / s ** 2).sum(-1)
            mean0 = C[:, 0].real

            def energy(c):
                return score(mean0[:, None] + c[..., -1], norm0[:, None].expand(-1, c.shape[1]))
            return energy

        def energy(c):
            v = batch[:, None, :] + c[..., -1:]  # the boost at t = 0: u + lambda1
            V = torch.fft.rfft(v)
            if kdim == 2:  # the translation by lambda0 (period 1): a phase per mode
                V = V * torch.exp(-2j * math.pi * wave * c[..., :1])
            field = torch.fft.irfft(V, n=P)
            C = torch.fft.rfft(field) / P
            return score(C[..., 0].real, (2 * C[..., 1:M + 1].abs() ** 2 / s ** 2).sum(-1))
        return energy

    def canonicalise(batch, generator):
        m = batch.shape[0]
        c = torch.zeros(m, R, kdim, dtype=torch.float64)
        c[:, 1:] = init * torch.randn(m, R - 1, kdim, dtype=torch.float64, generator=generator)
        c.requires_grad_(True)
        opt = torch.optim.Adam([c], lr=lr)
        energy = make_energy(batch)
        best = torch.full((m,), math.inf, dtype=torch.float64)
        best_c = torch.zeros(m, kdim, dtype=torch.float64)
        for step in range(S + 1):
            E = energy(c)
            with torch.no_grad():
                e, r = torch.nan_to_num(E, nan=math.inf).min(1)
                better = e < best
                best = torch.where(better, e, best)
                best_c[better] = c[better, r[better]]
            if step < S:
                opt.zero_grad()
                E.sum().backward()
                opt.step()
        return best_c, best

    times, found = [], None
    for _ in range(args.repeats):
        g = torch.Generator().manual_seed(0)
        t0 = time.perf_counter()
        if args.per_input:
            parts = [canonicalise(u[i:i + 1], g) for i in range(n)]
            found = torch.cat([p[0] for p in parts])
        else:
            found, _ = canonicalise(u, g)
        times.append(time.perf_counter() - t0)
    best = min(times)
    worst = float(np.max(np.abs(found[:, -1].numpy() + applied)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mode = "per input" if args.per_input else "all inputs batched"
    print(f"pytorch {torch.__version__} ({args.energy}, {mode}): {n} inputs x {R} restarts x {S} steps ({generators}, "
          f"{P} points): {best:.4f} s (best of {args.repeats}), {n / best:.1f} inputs/s, worst |boost found + boost "
          f"applied| {worst:.2e}, peak RSS {rss:.0f} MiB")
    print(f"seconds={best}")


if __name__ == "__main__":
    main()
