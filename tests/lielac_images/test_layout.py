#!/usr/bin/env python3
"""lielac_images_layout: runs tests/lielac_images/layout.toml (two small
`lielac.images` runs: digits at 16 x 16 with both classifiers and affine
maps; native 8 x 8 with the plain classifier, homographies and
canonicalisation over homographies) on 2 ranks and checks each against the
tables of pipeline/experiments/lielac_images/layout.md, plus provenance,
/stages and /config (tests/pipeline/h5_layout.py) and parameter_count.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import sys
import tomllib

import h5py

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403

LAYOUT_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"


def images_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    tr, model, data, canon, ev = cfg["training"], cfg["model"], cfg["data"], cfg["canonicalisation"], cfg["evaluation"]
    variants = [v for v in ["plain", "augmented"] if v in tr["variants"]]
    stages = ["data"] + [f"train/{v}" for v in variants] + ["evaluate", "canonicalise", "metrics"]
    nc = canon["images"] or data["test"]
    m = min(ev["plot_samples"], nc)
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "variants": variants,
           "dtypes": {"training.dtype": tr["dtype"]}}
    run["names"] = {"<v>": variants, "<stage>": stages, "<s>": ["train", "test", "moved"],
                    "<m>": ["model"] + [v for v in variants if v != "plain"]}
    run["conditions"] = {"always": True, "plots": m > 0}
    run["stage_groups"] = {s: "prepare" if s == "data" else "train" if s.startswith("train/") else "evaluate"
                           for s in stages}
    side = (data["size"] or 8) + 2 * data["pad"]

    def sizes(binding):
        s = {"S": side, "C": model["channels"], "K": model["hidden"], "Nc": nc, "m": m, "N_test": data["test"],
             "E_s": tr["epochs"] * math.ceil(data["train"] / tr["batch"])}
        if "<s>" in binding:
            s["N_s"] = data["train"] if binding["<s>"] == "train" else data["test"]
        return s

    run["sizes"] = sizes
    return run


def check_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5") if "data-sets" not in d.parts)
    check(len(run_dirs) == 2, f"expected 2 lielac.images runs, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = images_run(run_dir)
            check_layout(f, run, "lielac.images")
            check_common(f, run, run_dir, "lielac.images", "layout-lielac-images", LAYOUT_TOML.name)
            for v in run["variants"]:
                p = f[f"models/{v}/parameters"]
                check(int(f[f"models/{v}"].attrs["parameter_count"]) == sum(p[k].size for k in p),
                      f"{run['id']}: {v} parameter_count")


if __name__ == "__main__":
    sys.exit(run_checks("lielac_images_layout", check_runs))
