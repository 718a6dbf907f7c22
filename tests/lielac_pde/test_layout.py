#!/usr/bin/env python3
"""lielac_pde_layout: runs tests/lielac_pde/layout.toml (two small
`lielac.pde` runs: Burgers with every variant in float64, heat with the
plain model alone in float32) on 2 ranks and checks each against the tables
of pipeline/experiments/lielac_pde/layout.md, and then:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the grid x = i / P; the per-sample errors of /evaluation recomputed from
  nothing stored by the stage but the pairs and the models' /metrics means;
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


def lielac_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    tr, model, data, pde, ev = cfg["training"], cfg["model"], cfg["data"], cfg["pde"], cfg["evaluation"]
    variants = [v for v in ["plain", "augmented", "fine-tuned"] if v in tr["variants"]]
    stages = ["data"] + [f"train/{v}" for v in variants] + ["evaluate", "canonicalise", "metrics"]
    methods = ["model", "lielac"] + [v for v in variants if v != "plain"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "variants": variants,
           "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<v>": variants, "<stage>": stages, "<k>": list(range(model["layers"])),
                    "<s>": ["train", "test", "ood", "fine_tune"], "<t>": ["ood", "fine_tune"], "<c>": ["ood", "test"],
                    "<m>": methods}
    run["conditions"] = {"always": True, "plots": ev["plot_samples"] > 0}
    run["stage_groups"] = {s: "prepare" if s == "data" else "train" if s.startswith("train/") else "evaluate"
                           for s in stages}
    counts = {"train": data["train"], "test": data["test"], "ood": data["ood"], "fine_tune": data["fine_tune"]}
    batch = tr["batch"]

    def sizes(binding):
        s = {"P": pde["points"] // pde["stride"], "W": model["width"], "M": model["modes"], "J": model["projection"],
             "I": 2 if model["grid"] else 1, "m": ev["plot_samples"], "LP": ev["landscape_points"],
             "N_train": counts["train"], "N_test": counts["test"], "N_ood": counts["ood"],
             "N_fine_tune": counts["fine_tune"]}
        for key in ("<s>", "<t>", "<c>"):
            if key in binding:
                s["N_" + key.strip("<>")] = counts[binding[key]]
        v = binding.get("<v>")
        if v is not None:
            epochs, n = (cfg["fine_tune"]["epochs"], counts["fine_tune"]) if v == "fine-tuned" else (tr["epochs"],
                                                                                                        counts["train"])
            s["S_v"] = epochs * math.ceil(n / batch)
        return s

    run["sizes"] = sizes
    return run


def check_values(f, run):
    rid, cfg = run["id"], run["config"]
    P = cfg["pde"]["points"] // cfg["pde"]["stride"]
    check(close(f["data/x"][()], np.arange(P) / P, 0, 1e-15), f"{rid}: /data/x is not i / P")
    for v in run["variants"]:
        params = f[f"models/{v}/parameters"]
        check(int(f[f"models/{v}"].attrs["parameter_count"]) == sum(params[k].size for k in params),
              f"{rid}: {v} parameter_count")
    sources = {"model": "evaluation/plain/{}_error", "lielac": "canonicalisation/{}/error"}
    for v in run["variants"]:
        if v != "plain":
            sources[v] = "evaluation/" + v + "/{}_error"
    for m, pattern in sources.items():
        test = f[pattern.format("test")][()]
        ood = f[pattern.format("ood")][()]
        check(close(f[f"metrics/{m}/in_distribution_error"][()], [np.mean(test)], 1e-14, 1e-16),
              f"{rid}: metrics/{m}/in_distribution_error")
        check(close(f[f"metrics/{m}/ood_error"][()], [np.mean(ood)], 1e-14, 1e-16), f"{rid}: metrics/{m}/ood_error")
        check(close(f[f"metrics/{m}/ood_error_std"][()], [np.std(ood, ddof=1)], 1e-12, 1e-16),
              f"{rid}: metrics/{m}/ood_error_std")
    check(close(f["metrics/lielac/ood_error_reduction"][()],
                [np.mean(f["evaluation/plain/ood_error"][()]) / np.mean(f["canonicalisation/ood/error"][()])],
                1e-13), f"{rid}: ood_error_reduction")


def check_lielac_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5") if "data-sets" not in d.parts)
    check(len(run_dirs) == 2, f"expected 2 lielac.pde runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = lielac_run(run_dir)
            check_layout(f, run, "lielac.pde")
            check_common(f, run, run_dir, "lielac.pde", "layout-lielac-pde", LAYOUT_TOML.name)
            check_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("lielac_pde_layout", check_lielac_runs))
