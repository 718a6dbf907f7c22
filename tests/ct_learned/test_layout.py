#!/usr/bin/env python3
"""ct_learned_layout: runs tests/ct_learned/layout.toml (two small `ct.learned`
runs, float64 and float32 training, sharing one data set) on 2 ranks and
checks each against the tables of pipeline/experiments/ct_learned/layout.md,
then against independent truths:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- geometry attributes from the config (angles k range / A, spacing e / U) and
  the splits' disjoint phantom indices;
- the pairs: truths in [0, 1], no image in two splits; every angle of a
  parallel-beam sinogram integrates to the phantom's mass (to the noise);
- the FBP the data stage stored equals the fbp method's reconstruction;
- training histories of E = epochs x ceil(train / batch) steps at the
  configured rate; the ACR's and the IWCNN's hidden and output weights
  non-negative (the projection after every step); the IWCNN's rho >= 0;
- awcr-pd: finite ergodic residuals, the running means of their own
  per-step residuals (non-negative terms: differences of (k+1) x mean >= 0);
- /metrics: PSNR recomputed from the stored images, means and sample
  standard deviations;
- the dtype sweep: both runs hold the same pairs bit for bit.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import check, check_common, check_layout, close, run_checks, run_toml  # noqa: E402

TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"
AR_OUT = [16, 32, 32, 64, 64, 128]
AR_IN = [1, 16, 32, 32, 64, 64]
LEARNING_RATE = {"ar": 1e-4, "acr": 2e-5, "iwcnn": 2e-5, "cnc": 2e-5}  # the reference defaults (kind.cpp)


def learned_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    d, tr = cfg["data"], cfg["training"]
    regs, methods = tr["regularisers"], cfg["reconstruction"]["methods"]
    n, acr, iw, cnc = cfg["image"]["size"], cfg["acr"], cfg["iwcnn"], cfg["cnc"]
    split_sizes = {"train": d["train"], "validation": d["validation"], "test": d["test"]}
    stages = ["data"] + [f"train/{g}" for g in regs] + [f"reconstruct/{m}" for m in methods] + ["metrics"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0,
           "dtypes": {"training.dtype": tr["dtype"]},
           "names": {"<s>": list(split_sizes), "<g>": regs, "<r>": methods, "<stage>": stages,
                     "<l>": [m for m in methods if m in ("ar", "acr", "iwcnn", "cnc")],
                     "<c>": list(range(6)), "<k>": list(range(acr["layers"] + 1)), "<j>": list(range(acr["layers"])),
                     "<b>": list(range(acr["banks"])), "<t>": list(range(iw["smooth_layers"])),
                     "<p>": list(range(iw["layers"] + 1)), "<q>": list(range(iw["layers"])),
                     "<u>": list(range(cnc["layers"] + 1)), "<v>": list(range(cnc["layers"])),
                     "<e>": list(range(cnc["banks"])), "<w>": list(range(cnc["smooth_layers"]))},
           "conditions": {"always": True, "ar": "ar" in regs, "acr": "acr" in regs, "iwcnn": "iwcnn" in regs, "cnc": "cnc" in regs,
                          "awcr-pd": "awcr-pd" in methods},
           "stage_groups": {s: ("prepare" if s == "data" else "evaluate" if s == "metrics" else s.split("/")[0])
                            for s in stages}}
    E = tr["epochs"] * math.ceil(d["train"] / tr["batch"])

    def sizes(binding):
        out = {"n": n, "A": cfg["beam"]["angles"], "U": cfg["beam"]["detectors"] or n, "T": d["test"], "E": E,
               "Dn": cfg["ar"]["dense"], "F": 128 * (n // 16) ** 2, "C": acr["channels"], "K": acr["kernel"],
               "Fi": acr["filters"], "Cs": iw["smooth_channels"], "Ks": iw["smooth_kernel"], "Ci": iw["channels"],
               "Ki": iw["kernel"], "Q": cfg["awcr_pd"]["iterations"], "Cc": cnc["channels"], "Kc": cnc["kernel"],
               "Fc": cnc["filters"], "Cw": cnc["smooth_channels"], "Kw": cnc["smooth_kernel"]}
        if "<s>" in binding:
            out["N"] = split_sizes[binding["<s>"]]
        if "<l>" in binding:
            out["I"] = cfg[binding["<l>"]]["iterations"] + 1
        if "<t>" in binding:
            out["It"] = 1 if binding["<t>"] == "0" else iw["smooth_channels"]
        if "<w>" in binding:
            out["Iw"] = 1 if binding["<w>"] == "0" else cnc["smooth_channels"]
        if "<c>" in binding:
            c = int(binding["<c>"])
            out["Oc"], out["Ic"] = AR_OUT[c], AR_IN[c]
        return out

    run["sizes"] = sizes
    run["E"] = E
    return run


def check_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    check_common(f, run, run_dir, "ct.learned", "layout-ct-learned", TOML.name)
    n, A = cfg["image"]["size"], cfg["beam"]["angles"]
    U = cfg["beam"]["detectors"] or n
    e = cfg["image"]["extent"]
    d = cfg["data"]
    span = math.radians(cfg["beam"].get("range_degrees", 180.0))
    check(close(f["data/angles"][()], np.arange(A) * span / A, 0, 1e-15), f"{rid}: /data/angles != k range / A")
    check(close([f["data"].attrs["detector_spacing"]], [e / U], 1e-15), f"{rid}: detector_spacing")
    firsts = {"train": 0, "validation": d["train"], "test": d["train"] + d["validation"]}
    for s, first in firsts.items():
        check(f[f"data/{s}"].attrs["first_phantom"] == first, f"{rid}: /data/{s} first_phantom")

    # The pairs.
    truths = {s: f[f"data/{s}/truth"][()] for s in firsts}
    for s, t in truths.items():
        check(np.all(t >= -1e-12) and np.all(t <= 1 + 1e-12) and np.all(t.max(axis=(1, 2)) > 0),
              f"{rid}: {s} truths outside [0, 1] or blank")
    flat = np.concatenate([t.reshape(t.shape[0], -1) for t in truths.values()])
    check(len({row.tobytes() for row in flat}) == flat.shape[0], f"{rid}: an image occurs twice in the splits")
    # Parallel beam: every angle's line integrals over the detector add up to
    # the mass sum(x) h^2 (the detector covers the image's extent; the noise
    # of each angle's sum has standard deviation sigma sqrt(U) spacing).
    h, spacing = e / n, e / U
    level = cfg["noise"]["level"]
    for s in firsts:
        y, x = f[f"data/{s}/sinogram"][()], truths[s]
        mass = x.sum(axis=(1, 2)) * h * h
        per_angle = y.sum(axis=2) * spacing
        sigma = level * np.abs(y).mean(axis=(1, 2))  # ~ the noise's sigma (level x mean |clean|)
        tolerance = 6 * sigma * math.sqrt(U) * spacing + 0.02 * mass  # noise + the Joseph kernel's rounding at the edge
        worst = np.abs(per_angle - mass[:, None]).max(axis=1)
        check(np.all(worst <= tolerance), f"{rid}: {s} sinogram mass per angle off by {worst} (allowed {tolerance})")
    lam = f["data/lambda_heuristic"][0]
    check(np.isfinite(lam) and lam > 0, f"{rid}: lambda heuristic {lam}")

    # The fbp method recomputes the data stage's FBP of the test pairs.
    if "fbp" in run["names"]["<r>"]:
        check(close(f["reconstructions/fbp/images"][()], f["data/test/fbp"][()], 0, 1e-12),
              f"{rid}: the fbp method differs from /data/test/fbp")

    # Training.
    for g in run["names"]["<g>"]:
        t = f[f"training/{g}"]
        loss, lr = t["loss"][()], t["learning_rate"][()]
        check(loss.size == run["E"] and np.all(np.isfinite(loss)), f"{rid}: {g} loss {loss}")
        check(np.all(lr == LEARNING_RATE[g]), f"{rid}: {g} learning rates {lr}")
        check(t.attrs["steps_per_epoch"] == math.ceil(d["train"] / cfg["training"]["batch"]), f"{rid}: {g} steps")
    for g in ("acr", "iwcnn"):
        if g not in run["names"]["<g>"]:
            continue
        p = f[f"models/{g}/parameters"]
        constrained = [k for k in p if k.startswith("icnn.wz") or k == "icnn.out.weight"]
        check(len(constrained) == cfg[g]["layers"] + 1, f"{rid}: constrained {g} weights {constrained}")
        for k in constrained:
            check(np.all(p[k][()] >= 0), f"{rid}: {g} {k} has negative entries {p[k][()].min()}")
    if "cnc" in run["names"]["<g>"]:
        p, a = f["models/cnc/parameters"], f["models/cnc"].attrs
        for part in ("convex", "weak"):
            constrained = [k for k in p if k.startswith(f"{part}.icnn.wz") or k == f"{part}.icnn.out.weight"]
            check(len(constrained) == cfg["cnc"]["layers"] + 1, f"{rid}: constrained cnc {part} weights {constrained}")
            for k in constrained:
                check(np.all(p[k][()] >= 0), f"{rid}: cnc {k} has negative entries {p[k][()].min()}")
        # t = min(1, (kappa + sigma) / rho_W), sigma = 2 softplus(q_C): recomputed from the stored parameters.
        sigma = 2 * np.log1p(np.exp(float(p["convex.l2_weight"][0])))
        budget = a["data_curvature"] + sigma
        t = min(1.0, budget / a["weak_convexity_modulus"]) if a["weak_convexity_modulus"] > 0 else 1.0
        check(close([a["weak_scale"]], [t], 1e-6), f"{rid}: cnc weak_scale {a['weak_scale']} != {t}")
        check(a["convexity_margin"] >= -1e-12 * budget, f"{rid}: cnc convexity margin {a['convexity_margin']}")
    if "iwcnn" in run["names"]["<g>"]:
        rho = f["models/iwcnn"].attrs["weak_convexity_modulus"]
        check(np.isfinite(rho) and rho >= 0, f"{rid}: iwcnn rho {rho}")
    if "awcr-pd" in run["names"]["<r>"]:
        g = f["reconstructions/awcr-pd"]
        ergodic = g["ergodic_residual"][()]
        check(np.all(np.isfinite(ergodic)), f"{rid}: awcr-pd ergodic residual {ergodic}")
        sums = ergodic * np.arange(1, ergodic.shape[1] + 1)  # running sums of r_k >= 0
        check(np.all(np.diff(sums, axis=1) >= -1e-12 * sums[:, 1:]), f"{rid}: awcr-pd residual sums decrease")
        check(np.all(g["tau"][()] > 0) and np.all(g["regulariser_lipschitz"][()] > 0), f"{rid}: awcr-pd tau / L_R")
        check(g.attrs["weak_convexity_modulus"] == f["models/iwcnn"].attrs["weak_convexity_modulus"],
              f"{rid}: awcr-pd rho differs from /models/iwcnn")

    # Metrics.
    truth = truths["test"]
    for m in run["names"]["<r>"]:
        x, mg = f[f"reconstructions/{m}/images"][()], f[f"metrics/{m}"]
        psnr = [10 * np.log10((t.max() - t.min()) ** 2 / np.mean((t - r) ** 2)) for t, r in zip(truth, x)]
        check(close(mg["psnr"][()], psnr, 1e-9), f"{rid}: {m} psnr {mg['psnr'][()]} != recomputed {psnr}")
        ssim = mg["ssim"][()]
        check(np.all(np.isfinite(ssim)) and np.all(np.abs(ssim) <= 1), f"{rid}: {m} ssim {ssim}")
        for name, values in (("psnr", mg["psnr"][()]), ("ssim", ssim)):
            check(close(mg[f"{name}_mean"][()], [values.mean()], 1e-12), f"{rid}: {m} {name}_mean")
            check(close(mg[f"{name}_std"][()], [values.std(ddof=1)], 1e-10), f"{rid}: {m} {name}_std")
        check(mg["seconds_per_image"][0] > 0, f"{rid}: {m} seconds_per_image")
    # Gradient descent with Armijo steps never increases the energy; it
    # starts at the FBP with the lambda the data stage estimated.
    for m in run["names"]["<l>"]:
        g = f[f"reconstructions/{m}"]
        energy = g["energy"][()]
        check(np.all(np.isfinite(energy[:, 0])), f"{rid}: {m} energy at the FBP {energy[:, 0]}")
        for row in energy:
            e = row[np.isfinite(row)]
            check(np.all(np.diff(e) <= 1e-12 * np.abs(e[:-1])), f"{rid}: {m} energy increases: {e}")
        if g.attrs["lambda_source"] == "heuristic":
            check(g.attrs["lambda"] == lam, f"{rid}: {m} lambda {g.attrs['lambda']} != heuristic {lam}")


def check_runs(tmp):
    run_toml(TOML, tmp)
    run_dirs = sorted(p.parent for p in tmp.rglob("result.h5"))
    check(len(run_dirs) == 2, f"expected 2 ct.learned runs, found {run_dirs}")
    pairs = []
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = learned_run(run_dir)
            check_layout(f, run, "ct.learned")
            check_values(f, run, run_dir)
            pairs.append({f"{s}/{k}": f[f"data/{s}/{k}"][()] for s in ("train", "test") for k in ("truth", "sinogram")})
    if len(pairs) == 2:
        for k in pairs[0]:
            check(np.array_equal(pairs[0][k], pairs[1][k]), f"dtype sweep: data {k} differs between the runs")


if __name__ == "__main__":
    sys.exit(run_checks("ct_learned_layout", check_runs))
