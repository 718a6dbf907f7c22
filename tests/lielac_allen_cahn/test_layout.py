#!/usr/bin/env python3
"""lielac_allen_cahn_layout: runs tests/lielac_allen_cahn/layout.toml (two
small `lielac.allen_cahn` runs: float64 with plotted samples and grid
channels, float32 without either) on 2 ranks and checks each against the
tables of pipeline/experiments/lielac_allen_cahn/layout.md, and then:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the droplets of the OOD split = the test droplets moved by the stored
  transforms (centre rotated about (1/2, 1/2) and translated, axis turned);
- /metrics recomputed from the per-sample errors; parameter_count = the
  stored parameters' sizes.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)

LAYOUT_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"
KIND = "lielac.allen_cahn"


def lielac_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    tr, model, data, pde, ev = cfg["training"], cfg["model"], cfg["data"], cfg["pde"], cfg["evaluation"]
    stages = ["data", "train", "evaluate", "canonicalise", "metrics"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<stage>": stages, "<k>": list(range(model["layers"])), "<s>": ["train", "test", "ood"],
                    "<c>": ["ood", "test"], "<m>": ["model", "lielac"]}
    run["conditions"] = {"always": True, "plots": ev["plot_samples"] > 0}
    run["stage_groups"] = {s: "prepare" if s == "data" else "train" if s == "train" else "evaluate" for s in stages}
    counts = {"train": data["train"], "test": data["test"], "ood": data["ood"]}

    def sizes(binding):
        s = {"M": pde["points"] // pde["stride"], "W": model["width"], "K": model["modes"], "J": model["projection"],
             "I": 3 if model["grid"] else 1, "m": ev["plot_samples"], "N_train": counts["train"],
             "N_test": counts["test"], "N_ood": counts["ood"],
             "S": tr["epochs"] * math.ceil(counts["train"] / tr["batch"])}
        for key in ("<s>", "<c>"):
            if key in binding:
                s["N_" + key.strip("<>")] = counts[binding[key]]
        return s

    run["sizes"] = sizes
    return run


def check_values(f, run):
    rid = run["id"]
    params = f["model/parameters"]
    check(int(f["model"].attrs["parameter_count"]) == sum(params[k].size for k in params), f"{rid}: parameter_count")
    n = f["data/ood/transform"].shape[0]
    g, test, ood = f["data/ood/transform"][()], f["data/test/droplet"][:n], f["data/ood/droplet"][()]
    c, s = np.cos(g[:, 0]), np.sin(g[:, 0])
    dx, dy = test[:, 3] - 0.5, test[:, 4] - 0.5
    check(close(ood[:, 3], 0.5 + c * dx - s * dy + g[:, 1], 0, 1e-14), f"{rid}: OOD centres x")
    check(close(ood[:, 4], 0.5 + s * dx + c * dy + g[:, 2], 0, 1e-14), f"{rid}: OOD centres y")
    check(close(ood[:, 2], test[:, 2] + g[:, 0], 0, 1e-14), f"{rid}: OOD axes")
    check(close(ood[:, :2], test[:, :2], 0, 0), f"{rid}: OOD semi-axes")
    sources = {"model": "evaluation/{}_error", "lielac": "canonicalisation/{}/error"}
    for m, pattern in sources.items():
        test_e, ood_e = f[pattern.format("test")][()], f[pattern.format("ood")][()]
        check(close(f[f"metrics/{m}/in_distribution_error"][()], [np.mean(test_e)], 1e-14, 1e-16),
              f"{rid}: metrics/{m}/in_distribution_error")
        check(close(f[f"metrics/{m}/ood_error"][()], [np.mean(ood_e)], 1e-14, 1e-16), f"{rid}: metrics/{m}/ood_error")
        check(close(f[f"metrics/{m}/ood_error_std"][()], [np.std(ood_e, ddof=1)], 1e-12, 1e-16),
              f"{rid}: metrics/{m}/ood_error_std")
    check(close(f["metrics/lielac/ood_error_reduction"][()],
                [np.mean(f["evaluation/ood_error"][()]) / np.mean(f["canonicalisation/ood/error"][()])], 1e-13),
          f"{rid}: ood_error_reduction")


def check_lielac_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5") if "data-sets" not in d.parts)
    check(len(run_dirs) == 2, f"expected 2 {KIND} runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = lielac_run(run_dir)
            check_layout(f, run, KIND)
            check_common(f, run, run_dir, KIND, "layout-lielac-allen-cahn", LAYOUT_TOML.name)
            check_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("lielac_allen_cahn_layout", check_lielac_runs))
