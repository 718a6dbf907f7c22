#!/usr/bin/python3
"""The PyTorch peer of structura_bench_pullback: the same affine coupling
flow (alternating masks, residual-MLP conditioners, scale sigmoid(raw + 2) +
1e-3), psi = 1/2 z^T diag(a)^-1 z and loss, written as a PyTorch user writes
them (Debian's torch 1.13 with functorch):
  full   the per-point Jacobian by functorch.vmap(functorch.jacrev(...)), as
         the reference code (GBATZOLIS/Score-Based-Pullback-Riemannian-Geometry)
         computes its orthogonal-Jacobian term; ||J^T J - I||_F^2;
  pairs  Jv for the 2K Rademacher directions by one forward-mode
         functorch.jvp over the batch repeated 2K times;
then backward, clip_grad_norm_(1.0), Adam(lr 4e-4, betas (0.9, 0.99),
weight_decay 1e-5). geodesic: phi of both ends, the latent lines, phi^-1,
under no_grad. Float32, torch.set_num_threads(1), a fixed batch, --warmup
untimed steps, median of --reps.

--check-file: loads the C++ float64 parameters, batch and directions and
exits 1 unless the loss terms agree with the C++ values to 1e-10.
"""
import argparse
import resource
import statistics
import sys
import time

import h5py
import numpy as np
import torch
from functorch import jacrev, jvp, vmap
from torch import nn


class Conditioner(nn.Module):
    def __init__(self, inputs, outputs, hidden, blocks):
        super().__init__()
        self.input = nn.Linear(inputs, hidden)
        self.first = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(blocks))
        self.second = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(blocks))
        for layer in self.second:
            nn.init.uniform_(layer.weight, -1e-3, 1e-3)
            nn.init.uniform_(layer.bias, -1e-3, 1e-3)
        self.output = nn.Linear(hidden, outputs)

    def forward(self, x):
        h = self.input(x)
        for f, s in zip(self.first, self.second):
            h = h + s(torch.relu(f(torch.relu(h))))
        return self.output(h)


class Flow(nn.Module):
    def __init__(self, d, layers, hidden, blocks):
        super().__init__()
        self.splits, self.couplings = [], nn.ModuleList()
        for l in range(layers):
            moved = [i for i in range(d) if i % 2 == l % 2]
            kept = [i for i in range(d) if i % 2 != l % 2]
            self.splits.append((torch.tensor(kept), torch.tensor(moved), torch.argsort(torch.tensor(kept + moved))))
            self.couplings.append(Conditioner(len(kept), 2 * len(moved), hidden, blocks))

    def forward(self, x):
        logdet = torch.zeros(x.shape[:-1], dtype=x.dtype)
        for (kept, moved, order), net in zip(self.splits, self.couplings):
            xk, xm = x[..., kept], x[..., moved]
            out = net(xk)
            w = moved.numel()
            scale = torch.sigmoid(out[..., w:] + 2) + 1e-3
            x = torch.cat([xk, scale * xm + out[..., :w]], -1)[..., order]
            logdet = logdet + scale.log().sum(-1)
        return x, logdet

    def inverse(self, z):
        for (kept, moved, order), net in reversed(list(zip(self.splits, self.couplings))):
            zk, zm = z[..., kept], z[..., moved]
            out = net(zk)
            w = moved.numel()
            scale = torch.sigmoid(out[..., w:] + 2) + 1e-3
            z = torch.cat([zk, (zm - out[..., :w]) / scale], -1)[..., order]
        return z


class Model(nn.Module):
    def __init__(self, d, layers, hidden, blocks):
        super().__init__()
        self.flow = Flow(d, layers, hidden, blocks)
        self.log_variances = nn.Parameter(torch.zeros(d))


def loss_terms(model, x, isometry, directions):
    z, logdet = model.flow(x)
    a = model.log_variances.exp()
    d = x.shape[1]
    log_n = -0.5 * (z ** 2 / a).sum(-1) - 0.5 * model.log_variances.sum() - 0.5 * d * np.log(2 * np.pi)
    nll = -(log_n + logdet).sum()
    f = lambda p: model.flow(p)[0]  # noqa: E731
    if isometry == "full":
        jac = vmap(jacrev(lambda p: f(p[None])[0]))(x)  # [B, D, D]
        gram = jac.transpose(1, 2) @ jac
        iso = ((gram - torch.eye(d, dtype=x.dtype)) ** 2).sum()
    else:
        b, k2 = directions.shape[0], directions.shape[1]
        k = k2 // 2
        rep = x[:, None, :].expand(b, k2, d).reshape(-1, d)
        _, jv = jvp(f, (rep,), (directions.reshape(-1, d),))
        jv = jv.reshape(b, k2, d)
        prod = (jv[:, :k] * jv[:, k:]).sum(-1) - (directions[:, :k] * directions[:, k:]).sum(-1)
        iso = (prod ** 2).mean(1).sum()
    return nll, iso, nll + iso


def load_check(path, a):
    torch.set_default_dtype(torch.float64)
    model = Model(a.dimension, a.layers, a.hidden, a.blocks)
    with h5py.File(path, "r") as f:
        p = f["model/parameters"]
        with torch.no_grad():
            model.log_variances.copy_(torch.from_numpy(p["psi.log_variances"][()]))
            for l, net in enumerate(model.flow.couplings):
                def put(layer, name):
                    layer.weight.copy_(torch.from_numpy(p[f"flow.coupling{l}.{name}.weight"][()]))
                    layer.bias.copy_(torch.from_numpy(p[f"flow.coupling{l}.{name}.bias"][()]))
                put(net.input, "input")
                put(net.output, "output")
                for j in range(a.blocks):
                    put(net.first[j], f"block{j}_first")
                    put(net.second[j], f"block{j}_second")
        x = torch.from_numpy(f["x"][()])
        directions = torch.from_numpy(f["directions"][()]) if "directions" in f else None
        expected = {k: float(f[k][0]) for k in ("nll", "isometry", "total")}
    got = dict(zip(("nll", "isometry", "total"), (float(t) for t in loss_terms(model, x, a.isometry, directions))))
    for k in expected:
        if abs(got[k] - expected[k]) > 1e-10 * max(1.0, abs(expected[k])):
            sys.exit(f"check: {k} {got[k]!r} (PyTorch) against {expected[k]!r} (structura)")
    print(f"check: loss terms agree with structura to 1e-10 ({a.isometry}, N = {a.dimension})")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="train", choices=["train", "geodesic"])
    ap.add_argument("--isometry", default="full", choices=["full", "pairs"])
    for name, default in (("dimension", 20), ("layers", 12), ("hidden", 64), ("blocks", 2), ("batch", 128),
                          ("directions", 4), ("pairs", 256), ("points", 100), ("reps", 20), ("warmup", 3)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--check-file")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    if a.check_file:
        return load_check(a.check_file, a)
    torch.manual_seed(1)
    model = Model(a.dimension, a.layers, a.hidden, a.blocks)
    times = []
    if a.mode == "train":
        adam = torch.optim.Adam(model.parameters(), lr=4e-4, betas=(0.9, 0.99), weight_decay=1e-5)
        x = torch.randn(a.batch, a.dimension)
        directions = None
        if a.isometry == "pairs":
            directions = torch.randint(0, 2, (a.batch, 2 * a.directions, a.dimension)).float() * 2 - 1
        for r in range(a.warmup + a.reps):
            t0 = time.perf_counter()
            adam.zero_grad()
            total = loss_terms(model, x, a.isometry, directions)[2]
            (total / a.batch).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            adam.step()
            if r >= a.warmup:
                times.append(time.perf_counter() - t0)
        figure, unit = statistics.median(times) * 1e3, "ms per step"
    else:
        x, y = torch.randn(a.pairs, a.dimension), torch.randn(a.pairs, a.dimension)
        t = torch.linspace(0, 1, a.points)
        with torch.no_grad():
            for r in range(a.warmup + a.reps):
                t0 = time.perf_counter()
                zx, zy = model.flow(x)[0], model.flow(y)[0]
                lines = (1 - t)[None, :, None] * zx[:, None, :] + t[None, :, None] * zy[:, None, :]
                g = model.flow.inverse(lines.reshape(-1, a.dimension)).reshape(a.pairs, a.points, a.dimension)
                if r >= a.warmup:
                    times.append(time.perf_counter() - t0)
        assert g.shape[1] == a.points
        figure, unit = a.pairs * a.points / statistics.median(times), "points/s"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"PyTorch {torch.__version__} {a.mode} N = {a.dimension}: {figure:.4g} {unit}, peak RSS {rss:.0f} MiB")
    print(f"RESULT torch figure={figure:.6g} rss_mib={rss:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
