#!/usr/bin/env python3
"""pullback_layout: runs tests/pullback/layout.toml (two small `pullback`
runs: the banana with all four methods in float64, the sinusoid K = 1 in
N = 3 with two methods in float32 and block-less conditioners) on 2 ranks and
checks each against the tables of pipeline/experiments/pullback/layout.md,
and then, recomputed in numpy from what is stored:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the split sizes floor(0.8 n), floor(0.1 n), the rest; t = linspace(0, 1, T);
- banana: the true geodesics from the closed form phi(x) = (x1 - x2^2/9, x2),
  gamma(t) = phi^-1((1 - t) phi(x0) + t phi(x1)) for the stored pairs, the
  truth's log-density on the grid (a = (1/4, 4)), each stored pair's
  geodesic error from the stored geodesics;
- /metrics from the per-pair errors (means, sample stds), d_eps and the
  achieved epsilon from the stored variances, rae_error = the curve at d_eps;
- variances = exp(psi.log_variances) of /models, sorted_variances sorted;
- training_time = /training/<m> seconds; parameter_count = the stored sizes.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import pathlib
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)

LAYOUT_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"
LEARNED = ("anisotropic", "anisotropic-isometric")


def pullback_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    data, flow, tr, ev = cfg["data"], cfg["flow"], cfg["training"], cfg["evaluation"]
    methods = tr["methods"]
    planar = data["set"] in ("banana", "squeezed-banana", "river")
    d = 2 if planar else data["ambient_dimension"]
    n = data["samples"]
    ntr, nva = int(0.8 * n), int(0.1 * n)
    stages = ["data"] + [f"train/{m}" for m in methods] + ["evaluate"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "methods": methods, "planar": planar, "d": d,
           "split": (ntr, nva, n - ntr - nva), "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<m>": methods, "<ml>": [m for m in methods if m in LEARNED],
                    "<mf>": [m for m in methods if m not in LEARNED], "<stage>": stages,
                    "<l>": list(range(flow["layers"])), "<j>": list(range(flow["blocks"]))}
    run["conditions"] = {"always": True, "planar": planar, "blocks": flow["blocks"] > 0,
                         "learned": bool(run["names"]["<ml>"]), "fixed": bool(run["names"]["<mf>"])}
    run["stage_groups"] = {s: s.split("/")[0] for s in stages}
    steps = tr["epochs"] * -(-ntr // tr["batch"])
    base = {"Ntr": ntr, "Nva": nva, "Nte": n - ntr - nva, "D": d, "H": flow["hidden"], "P": ev["pairs"],
            "T": ev["points"], "R": ev["resolution"], "G": min(12, ev["pairs"]), "E": steps}

    def sizes(binding):
        s = dict(base)
        if "<l>" in binding:
            even = int(binding["<l>"]) % 2 == 0
            s["Tl"], s["Pl"] = ((d + 1) // 2, d // 2) if even else (d // 2, (d + 1) // 2)
        return s

    run["sizes"] = sizes
    return run


def banana_geodesics(x0, x1, t):
    phi = lambda x: np.stack([x[..., 0] - x[..., 1] ** 2 / 9, x[..., 1]], -1)  # noqa: E731
    inverse = lambda z: np.stack([z[..., 0] + z[..., 1] ** 2 / 9, z[..., 1]], -1)  # noqa: E731
    z = (1 - t[None, :, None]) * phi(x0)[:, None, :] + t[None, :, None] * phi(x1)[:, None, :]
    return inverse(z)


def d_eps(a, eps):
    s = np.sort(a)[::-1]
    for d in range(1, a.size):
        if s[d:].sum() <= eps * s.sum():
            return d, s[d:].sum() / s.sum()
    return a.size, 0.0


def check_values(f, run):
    rid, cfg = run["id"], run["config"]
    ev = cfg["evaluation"]
    ntr, nva, nte = run["split"]
    check(f["data/train"].shape[0] == ntr and f["data/validation"].shape[0] == nva and
          f["data/test"].shape[0] == nte, f"{rid}: split sizes")
    t = f["evaluation/t"][()]
    check(close(t, np.linspace(0, 1, ev["points"]), 1e-15, 1e-15), f"{rid}: t is not linspace(0, 1, T)")
    pairs = f["evaluation/pairs"][()].astype(int)
    test = f["data/test"][()]
    check(np.all(pairs[:, 0] != pairs[:, 1]) and pairs.min() >= 0 and pairs.max() < nte, f"{rid}: pairs")
    g = min(12, ev["pairs"])
    if run["planar"]:
        truth = banana_geodesics(test[pairs[:, 0]], test[pairs[:, 1]], t)
        stored = f["evaluation/truth/geodesics"][()]
        check(close(stored, truth[:g], 1e-12, 1e-12), f"{rid}: true geodesics off by {np.abs(stored - truth[:g]).max():.2e}")
        x, y = f["evaluation/truth/x"][()], f["evaluation/truth/y"][()]
        px, py = np.meshgrid(x, y)
        a1, a2 = 0.25, 4.0
        log_p = -0.5 * ((px - py ** 2 / 9) ** 2 / a1 + py ** 2 / a2) - np.log(2 * np.pi * np.sqrt(a1 * a2))
        check(close(f["evaluation/truth/log_density"][()], log_p, 1e-12, 1e-12), f"{rid}: true log density")
    for m in run["methods"]:
        e, fig = f[f"evaluation/{m}"], f[f"metrics/{m}"]
        value = lambda name: fig[name][0]  # noqa: E731
        if run["planar"]:
            errors = e["geodesic_errors"][()]
            mine = np.linalg.norm(e["geodesics"][()] - truth[:g], axis=-1).mean(1)
            check(close(errors[:g], mine, 1e-9, 1e-12), f"{rid}: {m} per-pair geodesic errors")
            check(close([value("geodesic_error")], [errors.mean()], 1e-12), f"{rid}: {m} geodesic_error")
            check(close([value("geodesic_error_std")], [errors.std(ddof=1)], 1e-9), f"{rid}: {m} geodesic_error_std")
        var = e["variation_errors"][()]
        check(close([value("variation_error")], [var.mean()], 1e-12), f"{rid}: {m} variation_error")
        check(close([value("variation_error_std")], [var.std(ddof=1)], 1e-9), f"{rid}: {m} variation_error_std")
        group = "parameters" if m in LEARNED else "buffers"
        a = np.exp(f[f"models/{m}/{group}/psi.log_variances"][()].astype(np.float64))
        check(close(e["variances"][()], a, 1e-6, 1e-12), f"{rid}: {m} variances are not exp(log_variances)")
        check(np.array_equal(e["sorted_variances"][()], np.sort(e["variances"][()])[::-1]), f"{rid}: {m} sorted")
        if m not in LEARNED:
            check(np.all(a == 1.0), f"{rid}: {m} has a fixed psi but a != 1")
        k, achieved = d_eps(e["variances"][()], ev.get("epsilon", 0.1))
        check(value("latent_dimension") == k, f"{rid}: {m} latent_dimension {value('latent_dimension')} != {k}")
        check(close([value("achieved_epsilon")], [achieved], 1e-12, 1e-15), f"{rid}: {m} achieved_epsilon")
        check(value("rae_error") == e["rae_errors_largest"][k - 1], f"{rid}: {m} rae_error")
        check(value("training_time") == f[f"training/{m}"].attrs["seconds"], f"{rid}: {m} training_time")
        params = f[f"models/{m}/parameters"]
        count = sum(params[p].size for p in params)
        check(int(f[f"models/{m}"].attrs["parameter_count"]) == count, f"{rid}: {m} parameter_count")
        check(np.isfinite(value("test_nll")), f"{rid}: {m} test_nll")


def check_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5") if "data-sets" not in d.parts)
    check(len(run_dirs) == 2, f"expected 2 pullback runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = pullback_run(run_dir)
            check_layout(f, run, "pullback")
            check_common(f, run, run_dir, "pullback", "layout-pullback", LAYOUT_TOML.name)
            check_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("pullback_layout", check_runs))
