#!/usr/bin/python3
"""One critic training step of the learned regularisers in PyTorch: the peer of
structura_bench_critic_training (same model, loss, optimisers, batch, dtype
and threads; the models are in regularisers_torch.py):
  ar:  mean R(truth) - mean R(generated) + 20 * mean(max(|grad R(xhat)| - 1, 0)^2),
       RMSprop lr 1e-4;
  acr: the same with 5 * mean((|grad ICNN(xhat)| - 1)^2) on the ICNN only,
       Adam(lr 2e-5, betas (0.5, 0.99)) on the ICNN, Adam(..., weight_decay 1)
       on the filter bank and the L2 weight, then the ICNN's weights clamped.
The penalty's input gradient is torch.autograd.grad(create_graph=True), so
backward() is a double backward, as PyTorch users write WGAN-GP.

With --check-file (written by the C++ benchmark): loads its float64 initial
weights, batch and interpolation weights, takes one step and exits 1 unless
the loss terms, every gradient and the weights after the step agree with
the C++ values to --rtol.

Timing: --warmup untimed steps, then --reps timed steps on a fixed batch;
median wall and CPU (process) time. Prints RESULT lines for the driver.
"""

import argparse
import resource
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import regularisers_torch as rt  # noqa: E402

PENALTY = {"ar": (20.0, True), "acr": (5.0, False)}


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def optimisers(model, name):
    if name == "ar":
        return [torch.optim.RMSprop(model.parameters(), lr=1e-4)]
    return [torch.optim.Adam(model.icnn.parameters(), lr=2e-5, betas=(0.5, 0.99)),
            torch.optim.Adam(model.other_parameters(), lr=2e-5, betas=(0.5, 0.99), weight_decay=1.0)]


def step(model, name, opts, truth, generated, eps, phases=None):
    weight, one_sided = PENALTY[name]
    penalised = model if name == "ar" else model.icnn
    t0 = time.perf_counter()
    for o in opts:
        o.zero_grad()
    wasserstein = model(truth).mean() - model(generated).mean()
    e = eps.view(-1, 1, 1, 1)
    xhat = (e * generated + (1 - e) * truth).requires_grad_(True)
    (g,) = torch.autograd.grad(penalised(xhat).sum(), xhat, create_graph=True)
    s = g.flatten(1).norm(dim=1) - 1
    penalty = (s.clamp(min=0) ** 2).mean() if one_sided else (s ** 2).mean()
    loss = wasserstein + weight * penalty
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    for o in opts:
        o.step()
    model.project_weights()
    if phases is not None:
        phases["loss"] += t1 - t0
        phases["backward"] += t2 - t1
        phases["update"] += time.perf_counter() - t2
    return loss.item(), wasserstein.item(), penalty.item()


def rel(a, b):
    d = (a - b).norm().item()
    n = b.norm().item()
    return d / n if n > 0 else d


def check(args):
    import h5py

    failures = []
    with h5py.File(args.check_file, "r") as f:
        g = f[args.model]
        model = rt.make(args.model, int(g.attrs["size"])).double()
        rt.load_parameters(model, g["initial/parameters"])
        truth, generated, eps = (torch.from_numpy(g[k][...]) for k in ("truth", "generated", "eps"))
        opts = optimisers(model, args.model)
        loss, w, p = step(model, args.model, opts, truth, generated, eps)
        rows = [("loss", abs(loss - g.attrs["loss"]) / abs(g.attrs["loss"])),
                ("wasserstein", abs(w - g.attrs["wasserstein"]) / abs(g.attrs["wasserstein"])),
                ("penalty", abs(p - g.attrs["penalty"]) / max(abs(g.attrs["penalty"]), 1e-300))]
        if g.attrs["penalty"] == 0:
            failures.append("the C++ penalty is 0: the check would not test the double backward")
        grads = g["grad"]
        after = g["after/parameters"]
        worst_grad = max((rel(p.grad, torch.from_numpy(grads[n][...]).view_as(p)), n)
                         for n, p in model.named_parameters())
        worst_after = max((rel(p.detach(), torch.from_numpy(after[n][...]).view_as(p)), n)
                          for n, p in model.named_parameters())
        rows += [(f"gradient (worst: {worst_grad[1]})", worst_grad[0]),
                 (f"weights after the step (worst: {worst_after[1]})", worst_after[0])]
        for what, r in rows:
            ok = r <= args.rtol
            print(f"check {args.model}: {what}: relative difference {r:.2e} {'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append(f"{what} differs by {r:.2e}")
        print(f"RESULT part=check model={args.model} ok={int(not failures)} loss_rel={rows[0][1]:.3g} "
              f"grad_rel={worst_grad[0]:.3g} after_rel={worst_after[0]:.3g}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=["ar", "acr"], default="ar")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check-file")
    parser.add_argument("--check-batch", type=int, default=2, help="ignored (the file says)")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance of the float64 check")
    parser.add_argument("--check-only", action="store_true", help="the check, no timing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"bench_critic_training.py: Python {sys.version.split()[0]}, PyTorch {torch.__version__}, "
          f"{torch.get_num_threads()} intra-op thread(s)")
    if args.check_file:
        failures = check(args)
        if failures:
            print("CHECK FAILED:\n  " + "\n  ".join(failures))
            return 1
    if args.check_only:
        return 0

    torch.manual_seed(args.seed)
    model = rt.make(args.model, args.size)
    opts = optimisers(model, args.model)
    truth = torch.rand(args.batch, 1, args.size, args.size)
    generated = truth + 0.1 * torch.randn_like(truth)
    reset_peak_rss()
    rss_before = peak_rss_mib()
    for _ in range(args.warmup):
        step(model, args.model, opts, truth, generated, torch.rand(args.batch))
    wall, cpu, losses = [], [], []
    phases = dict.fromkeys(("loss", "backward", "update"), 0.0)
    for _ in range(args.reps):
        eps = torch.rand(args.batch)
        c0, t0 = time.process_time(), time.perf_counter()
        losses.append(step(model, args.model, opts, truth, generated, eps, phases)[0])
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    ph = {k: v / args.reps for k, v in phases.items()}
    rss = peak_rss_mib()
    print(f"{args.model} {args.size}² batch {args.batch} float32: median of {args.reps} steps: wall "
          f"{statistics.median(wall):.4f} s, CPU {statistics.median(cpu):.4f} s; loss {ph['loss']:.3f} / backward "
          f"{ph['backward']:.3f} / update {ph['update']:.4f} s; loss first {losses[0]:.6g} last {losses[-1]:.6g}; "
          f"peak RSS {rss:.1f} MiB ({rss_before:.1f} before the first step)")
    print(f"RESULT part=training impl=python model={args.model} size={args.size} batch={args.batch} "
          f"wall_s={statistics.median(wall):.6g} cpu_s={statistics.median(cpu):.6g} min_s={min(wall):.6g} "
          f"max_s={max(wall):.6g} loss_s={ph['loss']:.4g} backward_s={ph['backward']:.4g} "
          f"update_s={ph['update']:.4g} rss_mib={rss:.1f} rss_before_mib={rss_before:.1f} "
          f"torch={torch.__version__} threads={torch.get_num_threads()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
