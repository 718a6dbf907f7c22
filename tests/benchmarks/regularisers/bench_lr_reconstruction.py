#!/usr/bin/python3
"""Gradient-descent reconstruction with a learned regulariser in PyTorch: the
peer of structura_bench_lr_reconstruction. The same iteration
    x <- x - tau * (A^T (A x - y) + lambda * grad R(x))
with A the Joseph operator as torch sparse CSR matrices: the matrix and its
transpose that the C++ benchmark exported from CsrProjector (--export), so
both sides apply the identical operator. A PyTorch user at their best: the
data term's gradient in closed form through two CSR products on the
(pixels, batch) matrix of images (no autograd through the sparse product,
the transpose stored as CSR rather than taken per iteration), grad R by
torch.autograd.grad, float32, the C++ side's threads.

Loads the file, checks its result after --iterations iterations from 0
against the C++ one (relative max difference <= --rtol: float32, different
summation order), then times --reps repetitions of --iterations iterations
(median per iteration, wall and CPU time). Set-up = building the two sparse tensors from the
arrays read from the file (the file reading itself is not counted).
"""

import argparse
import resource
import statistics
import sys
import time

import h5py
import torch

sys.dont_write_bytecode = True
import regularisers_torch as rt  # noqa: E402



def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", required=True, help="HDF5 file of structura_bench_lr_reconstruction --export")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"bench_lr_reconstruction.py: Python {sys.version.split()[0]}, PyTorch {torch.__version__}, "
          f"{torch.get_num_threads()} intra-op thread(s)")

    with h5py.File(args.export, "r") as f:
        arrays = {k: {n: f[k][n][...] for n in ("crow_indices", "col_indices", "values")} for k in
                  ("matrix", "transposed")}
        shapes = {k: (int(f[k].attrs["rows"]), int(f[k].attrs["cols"])) for k in ("matrix", "transposed")}
        y = torch.from_numpy(f["y"][...])
        expected = torch.from_numpy(f["result"][...])
        name = f.attrs["regulariser"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        size, tau, lam = int(f.attrs["size"]), float(f.attrs["tau"]), float(f.attrs["lambda"])
        cpp_iterations = int(f.attrs["iterations"])
        model = None
        if name != "none":
            model = rt.make(name, size)
            rt.load_parameters(model, f["regulariser/parameters"])
    t0 = time.perf_counter()
    a, at = (torch.sparse_csr_tensor(torch.from_numpy(arrays[k]["crow_indices"]),
                                     torch.from_numpy(arrays[k]["col_indices"]),
                                     torch.from_numpy(arrays[k]["values"]), shapes[k]) for k in ("matrix", "transposed"))
    setup = time.perf_counter() - t0
    n = y.shape[0]
    image_shape = (n, 1, size, size)
    y_cols = y.reshape(n, -1).t().contiguous()
    times = {"data": 0.0, "reg": 0.0}

    def iterate(x):
        t0 = time.process_time()
        cols = x.reshape(n, -1).t().contiguous()
        data = (at @ (a @ cols - y_cols)).t().reshape(image_shape)
        t1 = time.process_time()
        step = data
        if model is not None:
            xg = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(model(xg).sum(), xg)
            step = data + lam * g
        times["reg"] += time.process_time() - t1
        times["data"] += t1 - t0
        return (x - tau * step).detach()

    x0 = torch.zeros(image_shape)
    x = x0
    for _ in range(cpp_iterations):
        x = iterate(x)
    diff = ((x - expected).abs().max() / expected.abs().max()).item()
    ok = diff <= args.rtol
    print(f"check: result after {cpp_iterations} iterations vs C++: relative max difference {diff:.2e} "
          f"{'ok' if ok else 'FAILED'}")
    print(f"RESULT part=check what=reconstruction regulariser={name} ok={int(ok)} rel_diff={diff:.3g}")
    if not ok:
        return 1

    times = {"data": 0.0, "reg": 0.0}
    per_iteration, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        x = x0
        for _ in range(args.iterations):
            x = iterate(x)
        per_iteration.append((time.perf_counter() - t0) / args.iterations)
        cpu.append((time.process_time() - c0) / args.iterations)
    its = args.reps * args.iterations
    s = statistics.median(per_iteration)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"{name} {size}² batch {n}: {s:.4f} s per iteration ({1 / s:.2f} it/s; CPU {statistics.median(cpu):.4f} s; A^T(Ax - y) "
          f"{times['data'] / its:.4f} s, grad R {times['reg'] / its:.4f} s); set-up {1e3 * setup:.2f} ms; "
          f"nnz {a.values().numel()}; peak RSS {rss:.1f} MiB")
    print(f"RESULT part=reconstruction impl=python regulariser={name} size={size} batch={n} "
          f"seconds_per_iteration={s:.6g} cpu_s={statistics.median(cpu):.6g} data_s={times['data'] / its:.4g} reg_s={times['reg'] / its:.4g} "
          f"setup_s={setup:.4g} rss_mib={rss:.1f} torch={torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
