#!/usr/bin/env python3
"""regulariser_toy_layout: runs tests/regulariser_toy/layout.toml (two small
`regulariser.toy` runs: the circle with all three critics in float64, the
spiral with two critics in float32 and one-layer networks) on 2 ranks and
checks each against the tables of pipeline/experiments/regulariser_toy/layout.md,
and then:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the grid and the distance: x = y = linspace(-extent, extent, G); the
  circle's distance | |x| - 1 | in closed form, the spiral's as the minimum
  over 200 000 points of r = 0.2 + 0.5 theta / pi (within 1e-4);
- /metrics recomputed from the stored grids (error, correlation, band);
- training_time = /training/<r> seconds; parameter_count = the stored
  parameters' sizes; the convex critic's hidden and output weights >= 0.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import pathlib
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)

TOY_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"


def toy_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    tr, model, ev = cfg["training"], cfg["model"], cfg["evaluation"]
    critics = tr["regularisers"]
    L, SL = model["layers"], model["smooth_layers"]
    stages = [f"train/{r}" for r in critics] + ["evaluate"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "critics": critics,
           "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<r>": critics, "<stage>": stages, "<k>": list(range(L + 1)), "<j>": list(range(L)),
                    "<h>": [2 * i for i in range(1, L)], "<o>": [2 * L], "<s>": [2 * i for i in range(1, SL)]}
    run["conditions"] = {"always": True, "convex": "convex" in critics, "plain": "plain" in critics,
                         "weakly": "weakly-convex" in critics, "deep": "plain" in critics and L > 1,
                         "smooth": "weakly-convex" in critics and SL > 1}
    run["stage_groups"] = {s: "evaluate" if s == "evaluate" else "train" for s in stages}
    sizes = {"G": ev["resolution"], "E": tr["epochs"], "L": L, "W": model["width"], "SL": SL,
             "SW": model["smooth_width"]}
    run["sizes"] = lambda binding: sizes
    return run


def distance(curve, x, y):
    px, py = np.meshgrid(x, y)  # px[i, j] = x[j], py[i, j] = y[i]
    if curve == "circle":
        return np.abs(np.hypot(px, py) - 1)
    theta = np.linspace(0, 3 * np.pi, 200000)
    r = 0.2 + 0.5 * theta / np.pi
    cx, cy = r * np.cos(theta), r * np.sin(theta)
    p = np.stack([px.ravel(), py.ravel()], 1)
    d = np.array([np.min(np.hypot(cx - a, cy - b)) for a, b in p])
    return d.reshape(px.shape)


def match(v, d):
    vc, dc = v - v.mean(), d - d.mean()
    return np.linalg.norm(vc - dc) / np.linalg.norm(dc), float(vc @ dc / (np.linalg.norm(vc) * np.linalg.norm(dc)))


def check_toy_values(f, run):
    rid, cfg = run["id"], run["config"]
    ev, data = cfg["evaluation"], cfg["data"]
    x, y = f["evaluation/x"][()], f["evaluation/y"][()]
    grid = np.linspace(-ev["extent"], ev["extent"], ev["resolution"])
    check(close(x, grid, 1e-14, 1e-14) and close(y, grid, 1e-14, 1e-14), f"{rid}: grid is not linspace")
    d = f["evaluation/distance"][()]
    exact = distance(data["curve"], x, y)
    check(close(d, exact, 0, 1e-4), f"{rid}: distance off by {np.max(np.abs(d - exact)):.2e}")
    band = d <= ev["band"] * data["noise"]
    for r in run["critics"]:
        v = f[f"evaluation/{r}/values"][()]
        m = f[f"metrics/{r}"]
        err, corr = match(v.ravel(), d.ravel())
        err_b, corr_b = match(v[band], d[band])
        for name, value in (("distance_error", err), ("correlation", corr), ("distance_error_band", err_b),
                            ("correlation_band", corr_b)):
            check(close(m[name][()], [value], 1e-9, 1e-12), f"{rid}: metrics/{r}/{name} {m[name][0]} != {value}")
        check(m["training_time"][0] == f[f"training/{r}"].attrs["seconds"], f"{rid}: {r} training_time")
        check(m["needed_modulus"][0] >= 0 and m["convexity_violations"][0] >= 0, f"{rid}: {r} convexity figures")
        params = f[f"models/{r}/parameters"]
        count = sum(params[k].size for k in params)
        check(int(f[f"models/{r}"].attrs["parameter_count"]) == count, f"{rid}: {r} parameter_count")
    if "convex" in run["critics"]:
        p = f["models/convex/parameters"]
        constrained = [k for k in p if k.startswith("wz") or k == "out.weight"]
        check(all(np.min(p[k][()]) >= 0 for k in constrained), f"{rid}: convex critic has negative hidden weights")
        check(f["metrics/convex/convexity_violations"][0] == 0, f"{rid}: the convex critic fails the convexity check")


def check_toy_runs(tmp):
    run_toml(TOY_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 2, f"expected 2 regulariser.toy runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = toy_run(run_dir)
            check_layout(f, run, "regulariser.toy")
            check_common(f, run, run_dir, "regulariser.toy", "layout-regulariser-toy", TOY_TOML.name)
            check_toy_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("regulariser_toy_layout", check_toy_runs))
