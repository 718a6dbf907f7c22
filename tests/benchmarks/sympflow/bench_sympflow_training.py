#!/usr/bin/python3
"""Training time per epoch of SympFlow in PyTorch: the peer of
structura_bench_sympflow_training (same model, loss, batch, optimizer,
dtype and threads; sympflow_torch.py has the model in three flavours:
autograd, torch.autograd.grad with create_graph, the way a PyTorch user
writes it; functorch, the reference code's vmap/jacrev/jacfwd; closed-form,
the C++ code's algorithm).

One epoch = sample a fresh batch (x0 uniform in the system's box, t uniform
in [-0.1, 1]), forward, loss (residual + Hamiltonian matching, mean over the
batch), backward, gradient-norm clip, Adam step, loss.item().

With --check-file (written by the C++ benchmark): loads the C++ initial
float64 weights and fixed batch of each system, recomputes the loss, one
epoch on that batch and the loss after it with every flavour, and exits 1
unless they equal the C++ values to --rtol. The C++ seconds per epoch in the
same file give the ratios python / C++.

Prints a table and RESULT lines (key=value) for run_sympflow.sh.
"""

import argparse
import resource
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from sympflow_torch import FLAVOURS, SYSTEMS, unsupervised_loss  # noqa: E402

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak_rss():
    """Lowers the RSS high-water mark to the current RSS (as bench_util.hpp does)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def make_model(flavour, system, args):
    return FLAVOURS[flavour](system.dof, args.layers, args.width, args.depth, args.activation)


def sample(system, batch, dtype):
    x0 = torch.rand(batch, 2 * system.dof, dtype=dtype) * (2 * system.box) - system.box
    t = torch.rand(batch, 1, dtype=dtype) * 1.1 - 0.1
    return x0, t


def epoch(model, adam, system, x0, t, clip, phases=None):
    """One epoch on (x0, t); adds the seconds of loss, backward, update to phases."""
    t0 = time.perf_counter()
    adam.zero_grad()
    loss, _, _ = unsupervised_loss(model, system, x0, t)
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    adam.step()
    if phases is not None:
        phases["loss"] += t1 - t0
        phases["backward"] += t2 - t1
        phases["update"] += time.perf_counter() - t2
    return loss.item(), float(norm)


def train_epoch(model, adam, system, batch, dtype, clip, phases=None):
    """A fresh batch, then an epoch on it; returns the loss."""
    t0 = time.perf_counter()
    x0, t = sample(system, batch, dtype)
    if phases is not None:
        phases["sample"] += time.perf_counter() - t0
    return epoch(model, adam, system, x0, t, clip, phases)[0]


def check(args):
    """Every flavour against the C++ numbers; returns the list of failures."""
    import h5py  # only the check needs it

    failures = []
    with h5py.File(args.check_file, "r") as f:
        for name in args.systems:
            if name not in f:
                failures.append(f"{name}: not in {args.check_file} (run the C++ benchmark with the same --system)")
                continue
            g = f[name]
            system = SYSTEMS[name]
            x0 = torch.from_numpy(g["x0"][...])
            t = torch.from_numpy(g["t"][...])
            state = {k: torch.from_numpy(v[...]).reshape(-1) for k, v in g["parameters"].items()}
            for flavour in args.flavours:
                model = make_model(flavour, system, args).double()
                params = dict(model.named_parameters())
                if set(params) != set(state):
                    failures.append(f"{name} {flavour}: parameter names differ from the C++ model's")
                    continue
                with torch.no_grad():
                    for k, p in params.items():
                        p.copy_(state[k].view_as(p))
                adam = torch.optim.Adam(model.parameters(), lr=args.lr)
                loss0, norm0 = epoch(model, adam, system, x0, t, args.clip)
                loss1 = unsupervised_loss(model, system, x0, t)[0].item()
                for what, ours, theirs in (("loss", loss0, g.attrs["loss0"]),
                                           ("gradient norm", norm0, g.attrs["grad_norm0"]),
                                           ("loss after one epoch", loss1, g.attrs["loss1"])):
                    rel = abs(ours - theirs) / abs(theirs)
                    ok = rel <= args.rtol
                    print(f"check {name} {flavour}: {what} {ours:.17g} vs C++ {theirs:.17g}, "
                          f"relative difference {rel:.2e} {'ok' if ok else 'FAILED'}")
                    print(f"RESULT part=check system={name} flavour={flavour} quantity={what.replace(' ', '_')} "
                          f"rel_diff={rel:.3g} ok={int(ok)}")
                    if not ok:
                        failures.append(f"{name} {flavour}: {what} differs by {rel:.2e} (relative)")
    return failures


def cpp_seconds(args):
    """The C++ seconds per epoch of the same run, from the check file, by (system, dtype)."""
    if not args.check_file:
        return {}
    import h5py

    out = {}
    with h5py.File(args.check_file, "r") as f:
        for name in f:
            for key, value in f[name].attrs.items():
                if key.startswith("cpp_seconds_per_epoch_"):
                    out[(name, key[len("cpp_seconds_per_epoch_"):])] = float(value)
    return out


def time_training(args, flavour, name, dtype_name):
    system, dtype = SYSTEMS[name], DTYPES[dtype_name]
    torch.manual_seed(args.seed)
    model = make_model(flavour, system, args).to(dtype)
    adam = torch.optim.Adam(model.parameters(), lr=args.lr)
    for _ in range(args.warmup):
        train_epoch(model, adam, system, args.batch, dtype, args.clip)
    per_epoch, losses, rss = [], [], 0.0
    phases = dict.fromkeys(("sample", "loss", "backward", "update"), 0.0)
    for _ in range(args.reps):
        reset_peak_rss()
        loss_sum = 0.0
        start = time.perf_counter()
        for _ in range(args.epochs):
            loss_sum += train_epoch(model, adam, system, args.batch, dtype, args.clip, phases)
        per_epoch.append((time.perf_counter() - start) / args.epochs)
        rss = max(rss, peak_rss_mib())
        losses.append(loss_sum / args.epochs)
    phases = {k: v / (args.reps * args.epochs) for k, v in phases.items()}
    return statistics.median(per_epoch), min(per_epoch), max(per_epoch), rss, losses[0], losses[-1], phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flavour", dest="flavours", default="autograd,functorch,closed-form",
                        help="autograd, functorch, closed-form, comma separated (default: all)")
    parser.add_argument("--system", dest="systems", default="sho,henon-heiles")
    parser.add_argument("--dtype", dest="dtypes", default="float64,float32")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--batch", type=int, default=700)
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timed repetition")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--width", type=int, default=10)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--activation", default="tanh", choices=["tanh", "swish", "sin"])
    parser.add_argument("--check-file", help="HDF5 file written by structura_bench_sympflow_training --check-file")
    parser.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance of the check (float64)")
    parser.add_argument("--check-only", action="store_true", help="run the check, no timing")
    args = parser.parse_args()
    for attr, allowed in (("flavours", FLAVOURS), ("systems", SYSTEMS), ("dtypes", DTYPES)):
        values = [v for v in getattr(args, attr).split(",") if v]
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            parser.error(f"--{attr.rstrip('s')}: {bad or 'empty'} not in {sorted(allowed)}")
        setattr(args, attr, values)

    torch.set_num_threads(args.threads)
    print(f"bench_sympflow_training.py: Python {sys.version.split()[0]}, PyTorch {torch.__version__}, "
          f"{torch.get_num_threads()} intra-op thread(s)")

    if args.check_file:
        failures = check(args)
        if failures:
            print("CHECK FAILED:\n  " + "\n  ".join(failures))
            return 1
        print(f"check: every flavour equals the C++ loss, gradient norm and post-step loss to {args.rtol:g} "
              f"(relative, float64)")
    if args.check_only:
        return 0

    reference = cpp_seconds(args)
    print(f"\n== training time per epoch (PyTorch) ==\nbatch {args.batch}, {args.layers} layers, MLP width "
          f"{args.width} depth {args.depth}, {args.activation}, Adam lr {args.lr}, clip {args.clip}; "
          f"{args.warmup} warm-up epochs, median of {args.reps} x {args.epochs} epochs\n")
    print(f"{'flavour':<12} {'system':<13} {'dtype':<8} {'median ms':>10} {'min ms':>9} {'max ms':>9} "
          f"{'sample':>9} {'loss':>9} {'backward':>9} {'update':>9} {'RSS MiB':>8} {'python/C++':>11} "
          f"{'loss first':>10} {'loss last':>10}")
    for flavour in args.flavours:
        for name in args.systems:
            for dtype_name in args.dtypes:
                med, lo, hi, rss, first, last, ph = time_training(args, flavour, name, dtype_name)
                cpp = reference.get((name, dtype_name))
                ratio = f"{med / cpp:.2f}" if cpp else "-"
                print(f"{flavour:<12} {name:<13} {dtype_name:<8} {1e3 * med:>10.3f} {1e3 * lo:>9.3f} "
                      f"{1e3 * hi:>9.3f} {1e3 * ph['sample']:>9.3f} {1e3 * ph['loss']:>9.3f} "
                      f"{1e3 * ph['backward']:>9.3f} {1e3 * ph['update']:>9.3f} {rss:>8.1f} {ratio:>11} "
                      f"{first:>10.4g} {last:>10.4g}")
                print(f"RESULT part=training impl=python-{flavour} system={name} dtype={dtype_name} "
                      f"seconds_per_epoch={med:.6g} min_s={lo:.6g} max_s={hi:.6g} rss_mib={rss:.1f} "
                      f"sample_s={ph['sample']:.4g} loss_s={ph['loss']:.4g} backward_s={ph['backward']:.4g} "
                      f"update_s={ph['update']:.4g}" + (f" vs_cpp={med / cpp:.4f}" if cpp else ""))
                sys.stdout.flush()
    print("sample, loss, backward, update = mean ms per epoch in each part (loss includes the forward pass; "
          "update = clip + Adam step).")
    print(f"python/C++ = seconds per epoch of this flavour / the C++ benchmark's (same run, from the check file).\n"
          f"peak RSS per configuration: high-water mark reset before each repetition; process peak RSS "
          f"(getrusage ru_maxrss, whole run) {peak_rss_mib():.1f} MiB")
    print(f"RESULT part=process impl=python-{'+'.join(args.flavours)} rss_mib={peak_rss_mib():.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
