#!/usr/bin/env python3
"""deblur_learned_layout: runs tests/deblur_learned/layout.toml (two small
`deblur.learned` runs, float64 and float32 training, sharing one data set) on
2 ranks and checks each against the tables of
pipeline/experiments/deblur_learned/layout.md, then against independent truths:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the splits' disjoint patch indices; truths in [0, 1]; no test patch among
  the training or validation patches;
- the observations: y - K x with K scipy.ndimage.gaussian_filter (zero
  padding, truncate 4) has the mean 0 and standard deviation noise.sigma of
  Gaussian noise (to 5 standard errors);
- the lambda heuristic recomputed with scipy: 2 mean ||K^T(K x - y)|| (K is
  its own transpose: a symmetric kernel, zero padding);
- the observation method returns the observation; Armijo gradient descent
  never increases the energy; lambda is the heuristic;
- training histories of E = epochs x ceil(train / batch) steps; the ACR's
  constrained weights non-negative;
- /metrics: PSNR recomputed from the stored images with data range 1,
  means and sample standard deviations;
- the dtype sweep: the pairs made once, both runs hold them bit for bit.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import sys
import tomllib

import h5py
import numpy as np
from scipy import ndimage

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import check, check_common, check_layout, close, run_checks, run_toml  # noqa: E402

TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"
AR_OUT = [16, 32, 32, 64, 64, 128]
AR_IN = [1, 16, 32, 32, 64, 64]


def blur(images, sigma):
    return np.stack([ndimage.gaussian_filter(x, sigma, mode="constant", cval=0.0, truncate=4.0) for x in images])


def learned_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    d, tr = cfg["data"], cfg["training"]
    regs, methods = tr["regularisers"], cfg["reconstruction"]["methods"]
    n, acr = cfg["image"]["size"], cfg["acr"]
    split_sizes = {"train": d["train"], "validation": d["validation"], "test": d["test"]}
    stages = ["data"] + [f"train/{g}" for g in regs] + [f"reconstruct/{m}" for m in methods] + ["metrics"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0,
           "dtypes": {"training.dtype": tr["dtype"]},
           "names": {"<s>": list(split_sizes), "<g>": regs, "<r>": methods, "<stage>": stages,
                     "<i>": [m for m in methods if m in ("tv", "ar", "acr")],
                     "<l>": [m for m in methods if m in ("ar", "acr")],
                     "<c>": list(range(6)), "<k>": list(range(acr["layers"] + 1)), "<j>": list(range(acr["layers"])),
                     "<b>": list(range(acr["banks"]))},
           "conditions": {"always": True, "ar": "ar" in regs, "acr": "acr" in regs},
           "stage_groups": {s: ("prepare" if s == "data" else "evaluate" if s == "metrics" else s.split("/")[0])
                            for s in stages}}
    E = tr["epochs"] * math.ceil(d["train"] / tr["batch"])

    def sizes(binding):
        out = {"n": n, "T": d["test"], "E": E, "Dn": cfg["ar"]["dense"], "F": 128 * (n // 16) ** 2,
               "C": acr["channels"], "K": acr["kernel"], "Fi": acr["filters"]}
        if "<s>" in binding:
            out["N"] = split_sizes[binding["<s>"]]
        if "<i>" in binding:
            out["I"] = cfg[binding["<i>"]]["iterations"] + 1
        if "<c>" in binding:
            c = int(binding["<c>"])
            out["Oc"], out["Ic"] = AR_OUT[c], AR_IN[c]
        return out

    run["sizes"] = sizes
    run["E"] = E
    return run


def check_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    check_common(f, run, run_dir, "deblur.learned", "layout-deblur-learned", TOML.name)
    d, sigma_blur, sigma = cfg["data"], cfg["blur"]["sigma"], cfg["noise"]["sigma"]
    firsts = {"train": 0, "validation": d["train"], "test": d["train"] + d["validation"]}
    for s, first in firsts.items():
        check(f[f"data/{s}"].attrs["first_patch"] == first, f"{rid}: /data/{s} first_patch")
    check(f["data"].attrs["blur_radius"] == int(4 * sigma_blur + 0.5), f"{rid}: blur_radius")

    truths = {s: f[f"data/{s}/truth"][()] for s in firsts}
    observed = {s: f[f"data/{s}/observation"][()] for s in firsts}
    for s, t in truths.items():
        check(np.all(t >= 0) and np.all(t <= 1), f"{rid}: {s} truths outside [0, 1]")
    seen = {x.tobytes() for s in ("train", "validation") for x in truths[s]}
    check(not any(x.tobytes() in seen for x in truths["test"]), f"{rid}: a test patch is also a training patch")
    # The noise: y - K x, pooled over every pixel of every split.
    noise = np.concatenate([(observed[s] - blur(truths[s], sigma_blur)).ravel() for s in firsts])
    se = sigma / math.sqrt(noise.size)
    check(abs(noise.mean()) < 5 * se, f"{rid}: noise mean {noise.mean()} (standard error {se})")
    check(abs(noise.std() - sigma) < 5 * sigma / math.sqrt(2 * noise.size),
          f"{rid}: noise standard deviation {noise.std()} != noise.sigma {sigma}")
    lam = 2 * np.mean([np.linalg.norm(r) for r in blur(blur(truths["train"], sigma_blur) - observed["train"],
                                                          sigma_blur)])
    check(close(f["data/lambda_heuristic"][()], [lam], 1e-10), f"{rid}: lambda heuristic {f['data/lambda_heuristic'][0]} "
          f"!= recomputed {lam}")

    if "observation" in run["names"]["<r>"]:
        check(np.array_equal(f["reconstructions/observation/images"][()], observed["test"]),
              f"{rid}: the observation method differs from /data/test/observation")
    for g in run["names"]["<g>"]:
        t = f[f"training/{g}"]
        loss = t["loss"][()]
        check(loss.size == run["E"] and np.all(np.isfinite(loss)), f"{rid}: {g} loss {loss}")
        check(t.attrs["steps_per_epoch"] == math.ceil(d["train"] / cfg["training"]["batch"]), f"{rid}: {g} steps")
    if "acr" in run["names"]["<g>"]:
        p = f["models/acr/parameters"]
        constrained = [k for k in p if k.startswith("icnn.wz") or k == "icnn.out.weight"]
        check(len(constrained) == cfg["acr"]["layers"] + 1, f"{rid}: constrained acr weights {constrained}")
        for k in constrained:
            check(np.all(p[k][()] >= 0), f"{rid}: acr {k} has negative entries {p[k][()].min()}")

    truth = truths["test"]
    for m in run["names"]["<r>"]:
        x, mg = f[f"reconstructions/{m}/images"][()], f[f"metrics/{m}"]
        psnr = [10 * np.log10(1.0 / np.mean((t - r) ** 2)) for t, r in zip(truth, x)]
        check(close(mg["psnr"][()], psnr, 1e-9), f"{rid}: {m} psnr {mg['psnr'][()]} != recomputed {psnr}")
        ssim = mg["ssim"][()]
        check(np.all(np.isfinite(ssim)) and np.all(np.abs(ssim) <= 1), f"{rid}: {m} ssim {ssim}")
        for name, values in (("psnr", mg["psnr"][()]), ("ssim", ssim)):
            check(close(mg[f"{name}_mean"][()], [values.mean()], 1e-12), f"{rid}: {m} {name}_mean")
            check(close(mg[f"{name}_std"][()], [values.std(ddof=1)], 1e-10), f"{rid}: {m} {name}_std")
    for m in run["names"]["<i>"]:
        g = f[f"reconstructions/{m}"]
        energy = g["energy"][()]
        for row in energy:
            e = row[np.isfinite(row)]
            check(np.all(np.diff(e) <= 1e-12 * np.abs(e[:-1])), f"{rid}: {m} energy increases: {e}")
        if m != "tv" and g.attrs["lambda_source"] == "heuristic":
            check(g.attrs["lambda"] == f["data/lambda_heuristic"][0], f"{rid}: {m} lambda is not the heuristic")


def check_runs(tmp):
    run_toml(TOML, tmp)
    run_dirs = sorted(p.parent for p in tmp.rglob("result.h5"))
    check(len(run_dirs) == 2, f"expected 2 deblur.learned runs, found {run_dirs}")
    pairs = []
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = learned_run(run_dir)
            check_layout(f, run, "deblur.learned")
            check_values(f, run, run_dir)
            pairs.append({f"{s}/{k}": f[f"data/{s}/{k}"][()] for s in ("train", "test") for k in ("truth", "observation")})
    made = sum(p.read_text().count("stage data: starting") for p in tmp.rglob("log.txt"))
    check(made == 1, f"dtype sweep: the pairs were made {made} times, expected once (a shared data set)")
    if len(pairs) == 2:
        for k in pairs[0]:
            check(np.array_equal(pairs[0][k], pairs[1][k]), f"dtype sweep: data {k} differs between the runs")


if __name__ == "__main__":
    sys.exit(run_checks("deblur_learned_layout", check_runs))
