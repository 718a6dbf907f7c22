#!/usr/bin/env python3
"""pullback_layout: runs tests/pullback/layout.toml (two small `pullback`
runs: the banana with all four methods in float64, the sinusoid K = 1 in
N = 3 with two methods in float32, block-less conditioners and d_eps < D) on
2 ranks and checks each against the tables of
pipeline/experiments/pullback/layout.md, and then, recomputed in numpy from
what is stored:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the split sizes floor(0.8 n), floor(0.1 n), the rest, /data's attributes;
  t = linspace(0, 1, T); the pairs are distinct test rows;
- banana: the true geodesics from the closed form phi(x) = (x1 - x2^2/9, x2),
  gamma(t) = phi^-1((1 - t) phi(x0) + t phi(x1)) for the stored pairs, the
  grid (linspace(-extent, extent, R) about the training rows' mean) and the
  truth's log-density on it (a = (1/4, 4)), each stored pair's geodesic
  error from the stored geodesics, the true barycentre;
- /metrics from the per-pair errors (means, sample stds), d_eps and the
  achieved epsilon from the stored variances, rae_error = the curve at d_eps;
- variances = exp(psi.log_variances) of /models (1 for a fixed psi),
  sorted_variances sorted decreasing;
- the flow itself, re-implemented here from the stored parameters
  (residual MLP conditioners, sigmoid scales, alternating masks): the test
  NLL, the learned log-density on the grid, the learned geodesics and every
  pair's geodesic error, the learned barycentre, the RAE curves (largest and
  smallest first; the random curve is that of one permutation);
- /training: steps_per_epoch, seconds_per_step, validations every
  validate_every epochs, best_step/best_validation = their minimum, the
  isometry attributes per method; training_time = /training/<m> seconds;
  parameter_count = the stored sizes.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import itertools
import math
import pathlib
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)

LAYOUT_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"
LEARNED = ("anisotropic", "anisotropic-isometric")
REGULARISED = ("isometric", "anisotropic-isometric")
PLOTTED_GEODESICS, BARYCENTRE_POINTS = 12, 20  # evaluate.cpp's constants, documented in layout.md


def reference_samples(data):
    """The rows data.samples = 0 stands for: the reference code's count for the set."""
    if data["set"] in ("banana", "squeezed-banana", "river"):
        return 2500 if data["set"] == "banana" else 5000
    if data["set"] == "sinusoid":
        return 100000
    k, n = data["intrinsic_dimension"], data["ambient_dimension"]
    return 5000 * k * int(math.floor(max(math.sqrt(n / 5.0), 1.0)))


def pullback_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    data, flow, tr, ev = cfg["data"], cfg["flow"], cfg["training"], cfg["evaluation"]
    methods = tr["methods"]
    planar = data["set"] in ("banana", "squeezed-banana", "river")
    d = 2 if planar else data["ambient_dimension"]
    n = data["samples"] or reference_samples(data)
    ntr, nva = math.floor(data["train_fraction"] * n), math.floor(data["validation_fraction"] * n)  # 0.8, 0.1
    stages = ["data"] + [f"train/{m}" for m in methods] + ["evaluate"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "methods": methods, "planar": planar, "d": d,
           "split": (ntr, nva, n - ntr - nva), "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<m>": methods, "<ml>": [m for m in methods if m in LEARNED],
                    "<mf>": [m for m in methods if m not in LEARNED], "<stage>": stages,
                    "<l>": list(range(flow["layers"])), "<j>": list(range(flow["blocks"]))}
    run["conditions"] = {"always": True, "planar": planar, "blocks": flow["blocks"] > 0,
                         "learned": bool(run["names"]["<ml>"]), "fixed": bool(run["names"]["<mf>"])}
    run["stage_groups"] = {s: s.split("/")[0] for s in stages}
    run["steps_per_epoch"] = -(-ntr // tr["batch"])
    steps = tr["epochs"] * run["steps_per_epoch"]
    base = {"Ntr": ntr, "Nva": nva, "Nte": n - ntr - nva, "D": d, "H": flow["hidden"], "P": ev["pairs"],
            "T": ev["points"], "R": ev["resolution"], "G": min(PLOTTED_GEODESICS, ev["pairs"]), "E": steps}

    def sizes(binding):
        s = dict(base)
        if "<l>" in binding:
            even = int(binding["<l>"]) % 2 == 0
            s["Tl"], s["Pl"] = ((d + 1) // 2, d // 2) if even else (d // 2, (d + 1) // 2)
        return s

    run["sizes"] = sizes
    return run


# ---- the flow, from its stored parameters -----------------------------------------------------

class Flow:
    """phi of one method re-implemented from layout.md: coupling layer l
    transforms the coordinates i with i = l (mod 2) by x' = s x + b, where
    (b, raw) = its conditioner on the other coordinates and s =
    sigmoid(raw + 2) + 1e-3; the conditioner is input, then each residual
    block h += second(relu(first(relu h))), then output (all affine)."""

    def __init__(self, group):
        a = group.attrs
        self.layers, self.blocks, self.d = int(a["layers"]), int(a["blocks"]), int(a["dimension"])
        self.p = {k: v[()].astype(np.float64) for k, v in group["parameters"].items()}
        lv = (group["parameters"] if "psi.log_variances" in group["parameters"] else group["buffers"])
        self.log_variances = lv["psi.log_variances"][()].astype(np.float64)

    def _affine(self, l, y):
        p = lambda name: self.p[f"flow.coupling{l}.{name}"]  # noqa: E731
        moved = [i for i in range(self.d) if i % 2 == l % 2]
        passed = [i for i in range(self.d) if i % 2 != l % 2]
        h = y[:, passed] @ p("input.weight").T + p("input.bias")
        for j in range(self.blocks):
            b = np.maximum(np.maximum(h, 0) @ p(f"block{j}_first.weight").T + p(f"block{j}_first.bias"), 0)
            h = h + b @ p(f"block{j}_second.weight").T + p(f"block{j}_second.bias")
        out = h @ p("output.weight").T + p("output.bias")
        w = len(moved)
        return moved, out[:, :w], 1 / (1 + np.exp(-(out[:, w:] + 2))) + 1e-3

    def forward(self, x):
        y, log_det = np.array(x, np.float64), np.zeros(len(x))
        for l in range(self.layers):
            moved, shift, scale = self._affine(l, y)
            y[:, moved] = scale * y[:, moved] + shift
            log_det += np.log(scale).sum(1)
        return y, log_det

    def inverse(self, z):
        x = np.array(z, np.float64)
        for l in reversed(range(self.layers)):
            moved, shift, scale = self._affine(l, x)
            x[:, moved] = (x[:, moved] - shift) / scale
        return x

    def log_density(self, x):
        z, log_det = self.forward(x)
        r = self.log_variances
        return -0.5 * (z ** 2 / np.exp(r)).sum(1) - 0.5 * r.sum() - 0.5 * self.d * np.log(2 * np.pi) + log_det

    def geodesics(self, x0, x1, t):
        z0, z1 = self.forward(x0)[0], self.forward(x1)[0]
        line = (1 - t[None, :, None]) * z0[:, None, :] + t[None, :, None] * z1[:, None, :]
        return self.inverse(line.reshape(-1, self.d)).reshape(line.shape)

    def rae_errors(self, x, order):
        z = self.forward(x)[0]
        keep, out = np.zeros(self.d), []
        for i in order:
            keep[i] = 1
            out.append(np.mean((x - self.inverse(z * keep)) ** 2))
        return np.array(out)


# ---- the banana's own geometry ----------------------------------------------------------------

def banana_phi(x):
    return np.stack([x[..., 0] - x[..., 1] ** 2 / 9, x[..., 1]], -1)


def banana_phi_inverse(z):
    return np.stack([z[..., 0] + z[..., 1] ** 2 / 9, z[..., 1]], -1)


def banana_geodesics(x0, x1, t):
    z = (1 - t[None, :, None]) * banana_phi(x0)[:, None, :] + t[None, :, None] * banana_phi(x1)[:, None, :]
    return banana_phi_inverse(z)


def d_eps(a, eps):
    s = np.sort(a)[::-1]
    for d in range(1, a.size):
        if s[d:].sum() <= eps * s.sum():
            return d, s[d:].sum() / s.sum()
    return a.size, 0.0


def check_data(f, run):
    rid, cfg = run["id"], run["config"]
    ntr, nva, nte = run["split"]
    check(f["data/train"].shape[0] == ntr and f["data/validation"].shape[0] == nva and
          f["data/test"].shape[0] == nte, f"{rid}: split sizes")
    a = f["data"].attrs
    check(a["set"] == cfg["data"]["set"] and a["samples"] == ntr + nva + nte and a["ambient_dimension"] == run["d"]
          and a["seed"] == cfg["experiment"]["seed"], f"{rid}: /data attributes {dict(a)}")
    check(a["intrinsic_dimension"] == (1 if run["planar"] else cfg["data"]["intrinsic_dimension"]) ==
          f["metrics"].attrs["intrinsic_dimension"] and f["metrics"].attrs["ambient_dimension"] == run["d"],
          f"{rid}: intrinsic/ambient dimension attributes")
    check([f[f"data/{s}"].attrs["first_row"] for s in ("train", "validation", "test")] == [0, ntr, ntr + nva],
          f"{rid}: first_row attributes")
    check(all(np.all(np.isfinite(f[f"data/{s}"][()])) for s in ("train", "validation", "test")), f"{rid}: data")


def check_training(f, run):
    rid, tr = run["id"], run["config"]["training"]
    loss = run["config"]["loss"]
    spe = run["steps_per_epoch"]
    for m in run["methods"]:
        g = f[f"training/{m}"]
        a = g.attrs
        steps = tr["epochs"] * spe
        check(a["steps_per_epoch"] == spe, f"{rid}: {m} steps_per_epoch {a['steps_per_epoch']} != {spe}")
        check(close([a["seconds_per_step"]], [a["seconds"] / steps], 1e-12), f"{rid}: {m} seconds_per_step")
        check(a["ranks"] == 2, f"{rid}: {m} ranks")
        v = g["validation"][()]
        every = tr["validate_every"] * spe
        validated = np.where(~np.isnan(v))[0]
        check(np.array_equal(validated, np.arange(every - 1, steps, every)), f"{rid}: {m} validated at {validated}")
        check(a["best_step"] == validated[np.argmin(v[validated])] and a["best_validation"] == np.nanmin(v),
              f"{rid}: {m} best_step {a['best_step']} / best_validation {a['best_validation']}")
        check(np.all(np.isfinite(g["loss"][()])) and np.all(g["gradient_norm"][()] >= 0) and
              np.all(g["learning_rate"][()] > 0), f"{rid}: {m} training history")
        if m in REGULARISED:
            check(a["isometry"] == loss["isometry"] and a["isometry_weight"] == loss["isometry_weight"] and
                  a["volume_weight"] == loss["volume_weight"], f"{rid}: {m} loss attributes {dict(a)}")
        else:
            check(a["isometry"] == "none" and a["isometry_weight"] == 0 and a["volume_weight"] == 0,
                  f"{rid}: {m} is not regularised but has loss attributes {dict(a)}")


def check_values(f, run):
    rid, cfg = run["id"], run["config"]
    ev = cfg["evaluation"]
    ntr, nva, nte = run["split"]
    # The stage evaluates in float64 from the stored parameters (exactly, whatever training.dtype),
    # so every run is recomputed to rounding.
    tol = 1e-10
    t = f["evaluation/t"][()]
    check(close(t, np.linspace(0, 1, ev["points"]), 1e-15, 1e-15), f"{rid}: t is not linspace(0, 1, T)")
    check(f["evaluation"].attrs["epsilon"] == ev["epsilon"] and
          f["evaluation"].attrs["variation_noise"] == ev["variation_noise"], f"{rid}: /evaluation attributes")
    pairs_stored = f["evaluation/pairs"][()]
    pairs = pairs_stored.astype(int)
    test = f["data/test"][()]
    check(np.array_equal(pairs, pairs_stored) and np.all(pairs[:, 0] != pairs[:, 1]) and pairs.min() >= 0 and
          pairs.max() < nte, f"{rid}: pairs are not distinct test rows")
    x0, x1 = test[pairs[:, 0]], test[pairs[:, 1]]
    g = min(PLOTTED_GEODESICS, ev["pairs"])
    first = test[:min(BARYCENTRE_POINTS, nte)]
    if run["planar"]:
        truth = banana_geodesics(x0, x1, t)
        stored = f["evaluation/truth/geodesics"][()]
        check(close(stored, truth[:g], 1e-12, 1e-12),
              f"{rid}: true geodesics off by {np.abs(stored - truth[:g]).max():.2e}")
        centre = f["data/train"][()].mean(0)
        x, y = f["evaluation/truth/x"][()], f["evaluation/truth/y"][()]
        axis = np.linspace(-ev["extent"], ev["extent"], ev["resolution"])
        check(close(x, axis + centre[0], 1e-13, 1e-13) and close(y, axis + centre[1], 1e-13, 1e-13),
              f"{rid}: the grid is not linspace(-extent, extent, R) about the training mean")
        px, py = np.meshgrid(x, y)  # px[i, j] = x[j], py[i, j] = y[i]
        grid = np.stack([px.ravel(), py.ravel()], 1)
        a1, a2 = 0.25, 4.0
        check(np.array_equal(f["evaluation/truth/variances"][()], [a1, a2]), f"{rid}: truth variances")
        log_p = -0.5 * ((px - py ** 2 / 9) ** 2 / a1 + py ** 2 / a2) - np.log(2 * np.pi * np.sqrt(a1 * a2))
        check(close(f["evaluation/truth/log_density"][()], log_p, 1e-12, 1e-12), f"{rid}: true log density")
        true_bary = banana_phi_inverse(banana_phi(first).mean(0))
    for m in run["methods"]:
        e, fig = f[f"evaluation/{m}"], f[f"metrics/{m}"]
        value = lambda name: fig[name][0]  # noqa: E731
        flow = Flow(f[f"models/{m}"])
        check(f[f"models/{m}"].attrs["learned_variances"] == int(m in LEARNED), f"{rid}: {m} learned_variances")
        if run["planar"]:
            errors = e["geodesic_errors"][()]
            mine = np.linalg.norm(e["geodesics"][()] - truth[:g], axis=-1).mean(1)
            check(close(errors[:g], mine, 1e-9, 1e-12), f"{rid}: {m} per-pair errors of the stored geodesics")
            learned = flow.geodesics(x0, x1, t)
            check(close(e["geodesics"][()], learned[:g], tol, tol), f"{rid}: {m} learned geodesics off by "
                  f"{np.abs(e['geodesics'][()] - learned[:g]).max():.2e}")
            all_errors = np.linalg.norm(learned - truth, axis=-1).mean(1)
            check(close(errors, all_errors, tol, tol), f"{rid}: {m} geodesic_errors (all pairs)")
            check(close([value("geodesic_error")], [errors.mean()], 1e-12), f"{rid}: {m} geodesic_error")
            check(close([value("geodesic_error_std")], [errors.std(ddof=1)], 1e-9), f"{rid}: {m} geodesic_error_std")
            density = flow.log_density(grid).reshape(px.shape)
            check(close(e["log_density"][()], density, tol, tol), f"{rid}: {m} learned log density off by "
                  f"{np.abs(e['log_density'][()] - density).max():.2e}")
            bary = flow.inverse(flow.forward(first)[0].mean(0, keepdims=True))[0]
            check(close(e["barycentre"][()], bary, tol, tol), f"{rid}: {m} barycentre")
            check(close(e["true_barycentre"][()], true_bary, 1e-12, 1e-12), f"{rid}: {m} true barycentre")
        var = e["variation_errors"][()]
        check(np.all(var >= 0), f"{rid}: {m} negative variation errors")
        check(close([value("variation_error")], [var.mean()], 1e-12), f"{rid}: {m} variation_error")
        check(close([value("variation_error_std")], [var.std(ddof=1)], 1e-9), f"{rid}: {m} variation_error_std")
        a = np.exp(flow.log_variances)
        check(close(e["variances"][()], a, 1e-6, 1e-12), f"{rid}: {m} variances are not exp(log_variances)")
        check(np.array_equal(e["sorted_variances"][()], np.sort(e["variances"][()])[::-1]), f"{rid}: {m} sorted")
        if m not in LEARNED:
            check(np.all(a == 1.0), f"{rid}: {m} has a fixed psi but a != 1")
        k, achieved = d_eps(e["variances"][()], ev["epsilon"])
        check(value("latent_dimension") == k, f"{rid}: {m} latent_dimension {value('latent_dimension')} != {k}")
        check(close([value("achieved_epsilon")], [achieved], 1e-12, 1e-15), f"{rid}: {m} achieved_epsilon")
        check(value("rae_error") == e["rae_errors_largest"][k - 1], f"{rid}: {m} rae_error")
        # RAE curves: largest a first (ties by index), its reverse, and a keyed permutation.
        scale = float(np.mean(test ** 2))
        largest = np.argsort(-e["variances"][()], kind="stable")
        for name, order in (("largest", largest), ("smallest", largest[::-1])):
            curve = flow.rae_errors(test, order)
            check(close(e[f"rae_errors_{name}"][()], curve, tol, tol * scale),
                  f"{rid}: {m} rae_errors_{name} {e[f'rae_errors_{name}'][()]} != {curve}")
        random = e["rae_errors_random"][()]
        check(any(close(random, flow.rae_errors(test, order), tol, tol * scale)
                  for order in itertools.permutations(range(run["d"]))),
              f"{rid}: {m} rae_errors_random is the curve of no coordinate order")
        nll = -flow.log_density(test).mean()
        check(close([value("test_nll")], [nll], tol), f"{rid}: {m} test_nll {value('test_nll')} != {nll}")
        check(value("training_time") == f[f"training/{m}"].attrs["seconds"], f"{rid}: {m} training_time")
        params = f[f"models/{m}/parameters"]
        count = sum(params[p].size for p in params)
        check(int(f[f"models/{m}"].attrs["parameter_count"]) == count, f"{rid}: {m} parameter_count")


def check_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5") if "data-sets" not in d.parts)
    check(len(run_dirs) == 2, f"expected 2 pullback runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = pullback_run(run_dir)
            check_layout(f, run, "pullback")
            check_common(f, run, run_dir, "pullback", "layout-pullback", LAYOUT_TOML.name)
            check_data(f, run)
            check_training(f, run)
            check_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("pullback_layout", check_runs))
