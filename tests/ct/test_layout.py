#!/usr/bin/env python3
"""ct_classical_layout: runs tests/ct/layout.toml (three small `ct.classical` runs:
parallel beam with Gaussian noise, FBP, Tikhonov and TV, at two Tikhonov
weights; fan beam with Poisson noise, SIRT and LSQR on Shepp–Logan) on 2
ranks and checks each against the tables of pipeline/experiments/ct_classical/layout.md
(<r>, <i>, <p> expand to every method, iterative method and phantom; the
history lengths I, R come from each history's `iterations`), and then:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- attributes against the config and the geometry's conventions (angles
  k · range / A, detector spacing, fan distances);
- sinograms: non-negative, mass conserved per angle (parallel beam), the
  noise norm and Gaussian sigma recomputed, Poisson data = −log(whole
  counts / photons);
- histories: iteration limits and stop reasons, residual[0] = ‖y‖ from
  x = 0, the discrepancy principle stopping at the first iterate below
  τ δ, Tikhonov-CG's relative tolerance, TV's objective = ½ r² + λ TV(x)
  recomputed from the stored image and a non-negative gap;
- /metrics: PSNR recomputed from the stored images, the means;
- truth.xdmf: every HDF item names a dataset of the result.h5 beside it
  with its dimensions, one hyperslab (p, :, :) per phantom, cell
  boundaries spanning the image with row 0 at the top;
- the sweep of tikhonov.alpha: data, FBP and TV equal bit for bit, the
  Tikhonov solution's norm smaller at the larger weight.

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import math
import pathlib
import re
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
from h5_layout import *  # noqa: E402,F401,F403  (check, check_layout, check_common, run_toml, ...)
import h5_layout  # noqa: E402

CT_TOML = pathlib.Path(__file__).resolve().parent / "layout.toml"

# The iteration limit of each iterative method, by its key.
CT_LIMIT_KEY = {"sirt": "sirt.iterations", "lsqr": "lsqr.max_iterations", "tikhonov": "tikhonov.iterations",
                "tv": "tv.iterations"}
CT_HISTORY = re.compile(r"/reconstructions/([^/]+)/history/(\d+)/")


def key(cfg, dotted):
    section, name = dotted.split(".")
    return cfg[section][name]


def ct_run(run_dir, f):
    """What the layout of a ct.classical run should be, from its config.toml
    (and, for the lengths of the histories, the `iterations` attributes)."""
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    methods = cfg["reconstruction"]["methods"]
    iterative = [m for m in methods if m != "fbp"]
    P, n = cfg["phantoms"]["count"], cfg["image"]["size"]
    U = cfg["beam"]["detectors"] or n
    stages = ["phantoms", "sinograms"] + [f"reconstruct/{m}" for m in methods] + ["metrics"]
    iterations = {}
    for m in iterative:
        for p in range(P):
            g = f.get(f"reconstructions/{m}/history/{p}")
            if g is not None and "iterations" in g.attrs:
                iterations[(m, p)] = int(g.attrs["iterations"])
    run = {
        "id": run_dir.name, "config": cfg, "methods": methods, "iterative": iterative, "P": P, "n": n, "U": U,
        "A": cfg["beam"]["angles"], "deflate": 0, "iterations": iterations,
        "fan": cfg["beam"]["kind"] == "fan", "noise": cfg["noise"]["kind"],
    }
    run["names"] = {"<r>": methods, "<i>": iterative, "<p>": list(range(P)), "<stage>": stages}
    run["conditions"] = {"always": True, "gaussian": run["noise"] == "gaussian", "tv": "tv" in methods}
    run["stage_groups"] = {s: {"phantoms": "prepare", "sinograms": "prepare", "metrics": "evaluate"}.get(s, "reconstruct")
                           for s in stages}

    def sizes(binding):
        out = {"P": P, "n": n, "A": run["A"], "U": U}
        method, p = binding.get("<i>"), binding.get("<p>")
        if method is None and p is not None:
            method = "tv"  # the rows /reconstructions/tv/history/<p>/... name the method literally
        if method is not None and p is not None:
            i = iterations.get((method, int(p)))  # None (any length) when the attribute is missing: reported there
            out["I"] = i
            out["R"] = None if i is None else i + (0 if method == "tv" else 1)
        return out

    run["sizes"] = sizes
    return run


def total_variation(x, h):
    """Isotropic TV as tv_pdhg.hpp defines it: forward differences / h, zero in the last column and row."""
    gx, gy = np.zeros_like(x), np.zeros_like(x)
    gx[:, :-1] = (x[:, 1:] - x[:, :-1]) / h
    gy[:-1, :] = (x[1:, :] - x[:-1, :]) / h
    return float(np.sqrt(gx ** 2 + gy ** 2).sum())


def check_ct_xdmf(run, run_dir, f):
    """truth.xdmf: one grid per phantom whose HDF items name datasets of the
    result.h5 beside it with their real dimensions, hyperslab (p, :, :), and
    cell boundaries spanning the image with row 0 at the top."""
    import xml.etree.ElementTree as ET
    rid, P, n = run["id"], run["P"], run["n"]
    extent = run["config"]["image"]["extent"]
    path = run_dir / "truth.xdmf"
    if not check(path.is_file(), f"{rid}: no truth.xdmf beside result.h5"):
        return
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        check(False, f"{rid}: truth.xdmf is not well-formed XML: {e}")
        return
    check(root.tag == "Xdmf" and root.get("Version", "").startswith("3"), f"{rid}: truth.xdmf root {root.tag}")
    collection = root.findall("./Domain/Grid")
    check(len(collection) == 1 and collection[0].get("GridType") == "Collection"
          and collection[0].get("CollectionType") == "Temporal", f"{rid}: truth.xdmf has no temporal collection")
    grids = root.findall("./Domain/Grid/Grid")
    check(len(grids) == P, f"{rid}: truth.xdmf has {len(grids)} grids for {P} phantoms")
    # Every HDF item anywhere: file beside it, dataset present, dimensions equal.
    for item in root.iter("DataItem"):
        if item.get("Format") != "HDF":
            continue
        file_name, _, dataset = item.text.strip().partition(":")
        if not check((run_dir / file_name).resolve() == (run_dir / "result.h5").resolve(),
                     f"{rid}: truth.xdmf refers to {file_name}, not the result.h5 beside it"):
            continue
        d = f.get(dataset)
        if not check(isinstance(d, h5py.Dataset), f"{rid}: truth.xdmf refers to {dataset}, not a dataset of result.h5"):
            continue
        dims = tuple(int(v) for v in item.get("Dimensions", "").split())
        check(dims == d.shape, f"{rid}: truth.xdmf gives {dataset} dimensions {dims}, the file has {d.shape}")
        check(item.get("NumberType") == "Float" and item.get("Precision") == "8" and d.dtype == np.dtype("<f8"),
              f"{rid}: truth.xdmf number type of {dataset}")
    h = extent / 2
    for p, g in enumerate(grids):
        check(g.get("Name") == f"phantom {p}" and g.find("Time") is not None
              and float(g.find("Time").get("Value")) == p, f"{rid}: truth.xdmf grid {p} name/time")
        topo = g.find("Topology")
        check(topo is not None and topo.get("TopologyType") == "2DRectMesh"
              and topo.get("Dimensions") == f"{n + 1} {n + 1}", f"{rid}: truth.xdmf grid {p} topology")
        geo = g.findall("./Geometry/DataItem")
        if check(len(geo) == 2 and g.find("Geometry").get("GeometryType") == "VXVY", f"{rid}: grid {p} geometry"):
            xs, ys = (np.array(d.text.split(), float) for d in geo)
            check(close(xs, np.linspace(-h, h, n + 1), 0, 1e-14 * extent), f"{rid}: grid {p} x boundaries")
            check(close(ys, np.linspace(h, -h, n + 1), 0, 1e-14 * extent), f"{rid}: grid {p} y boundaries (top first)")
        attrs = g.findall("Attribute")
        if not check(len(attrs) == 1 and attrs[0].get("Name") == "truth" and attrs[0].get("Center") == "Cell",
                     f"{rid}: grid {p} attribute"):
            continue
        slab = attrs[0].find("DataItem")
        check(slab is not None and slab.get("ItemType") == "HyperSlab" and slab.get("Dimensions") == f"{n} {n}",
              f"{rid}: grid {p} is not an n x n hyperslab")
        parts = slab.findall("DataItem") if slab is not None else []
        if check(len(parts) == 2 and parts[1].get("Format") == "HDF"
                 and parts[1].text.strip().endswith(":/fields/truth"), f"{rid}: grid {p} hyperslab items"):
            sel = np.array(parts[0].text.split(), int)
            check(parts[0].get("Dimensions") == "3 3" and sel.tolist() == [p, 0, 0, 1, 1, 1, 1, n, n],
                  f"{rid}: grid {p} hyperslab {sel.tolist()}, expected start ({p}, 0, 0) count (1, {n}, {n})")


def check_ct_values(f, run, run_dir):
    rid, cfg = run["id"], run["config"]
    check_common(f, run, run_dir, "ct.classical", "layout-ct", CT_TOML.name)
    P, n, A, U = run["P"], run["n"], run["A"], run["U"]
    extent = cfg["image"]["extent"]
    h = extent / n

    # The phantoms.
    truth = f["fields/truth"][()]
    a = f["fields/truth"].attrs
    check(a["extent"] == extent and a["kind"] == cfg["phantoms"]["kind"], f"{rid}: /fields/truth attributes")
    # In [0, 1] up to the rounding of sums of intensities (Shepp-Logan: 1 - 0.8 - 0.2).
    check(np.all(truth >= -1e-12) and np.all(truth <= 1 + 1e-12) and np.all(truth.max(axis=(1, 2)) > 0),
          f"{rid}: truth outside [0, 1] or a blank phantom")
    same = all(np.array_equal(truth[0], t) for t in truth[1:])
    check(same if cfg["phantoms"]["kind"] == "shepp-logan" else not same,
          f"{rid}: {cfg['phantoms']['kind']} phantoms {'differ' if same is False else 'are all equal'}")

    # The geometry, from the config and the conventions of geometry.hpp.
    s = f["sinograms"].attrs
    span = 2 * math.pi if run["fan"] else math.pi
    angles = f["sinograms/angles"][()]
    check(close(angles, np.arange(A) * span / A, 0, 1e-15), f"{rid}: /sinograms/angles != k * {span:g} / A")
    check(s["beam"] == cfg["beam"]["kind"] and s["noise"] == run["noise"], f"{rid}: /sinograms beam/noise")
    if run["fan"]:
        so = cfg["beam"]["source_origin"] or 2 * extent
        od = cfg["beam"]["origin_detector"]
        r = extent / math.sqrt(2)  # the tangent rays to the bounding circle reach the detector's ends
        half = (so + od) * r / math.sqrt(so * so - r * r)
        check(s["source_origin"] == so and s["origin_detector"] == od, f"{rid}: fan distances {dict(s)}")
        check(close(s["detector_spacing"] * U / 2, half, 1e-12), f"{rid}: fan detector_spacing {s['detector_spacing']}")
    else:
        check(s["source_origin"] == 0 and s["origin_detector"] == 0, f"{rid}: parallel beam with fan distances")
        check(close(s["detector_spacing"], extent / U, 1e-15), f"{rid}: detector_spacing {s['detector_spacing']}")

    # Sinograms: non-negative line integrals; for a parallel beam every
    # angle's integral over the detector is the phantom's mass (the
    # phantoms lie inside the disc every ray set covers), up to the
    # detector's sampling.
    clean, noisy = f["sinograms/clean"][()], f["sinograms/noisy"][()]
    check(np.all(np.isfinite(clean)) and np.all(clean >= 0) and np.all(np.isfinite(noisy)),
          f"{rid}: sinograms negative or not finite")
    if not run["fan"]:
        mass = truth.sum(axis=(1, 2)) * h * h
        ratio = clean.sum(axis=2) * s["detector_spacing"] / mass[:, None]
        check(np.all(np.abs(ratio - 1) < 0.03), f"{rid}: projections do not conserve the phantoms' mass: "
                                                 f"ratios {ratio.min():.4f} .. {ratio.max():.4f}")
    noise = noisy - clean
    delta = np.sqrt((noise ** 2).sum(axis=(1, 2)))
    check(close(f["sinograms/noise_norm"][()], delta, 1e-12), f"{rid}: noise_norm != ||noisy - clean||")
    if run["noise"] == "gaussian":
        sigma = f["sinograms/sigma"][()]
        check(close(sigma, cfg["noise"]["level"] * np.abs(clean).mean(axis=(1, 2)), 1e-12),
              f"{rid}: sigma != noise.level * mean |clean|")
        std = noise.std(axis=(1, 2))
        check(np.all(np.abs(std / sigma - 1) < 0.2), f"{rid}: noise std {std} for sigma {sigma}")
    elif run["noise"] == "poisson":
        counts = cfg["noise"]["photons"] * np.exp(-noisy)  # noisy = -log(max(counts, 1) / I0)
        check(np.all(np.abs(counts - np.round(counts)) < 1e-6 * np.maximum(counts, 1)) and np.all(counts > 0.5),
              f"{rid}: Poisson data are not -log(counts / photons) of whole counts >= 1")
        check(np.any(noise != 0), f"{rid}: Poisson data equal the clean sinogram")

    # Reconstructions and their histories.
    tau = cfg["discrepancy"]["tau"]
    for m in run["methods"]:
        g = f[f"reconstructions/{m}"]
        images = g["images"][()]
        check(np.isfinite(g.attrs["seconds"]) and g.attrs["seconds"] >= 0, f"{rid}: {m} seconds")
        check(g["images"].attrs["extent"] == extent, f"{rid}: {m} images extent")
        check(np.all(np.isfinite(images)), f"{rid}: {m} images not finite")
        if m == "fbp":
            check(g.attrs["filter"] == cfg["fbp"]["filter"], f"{rid}: fbp filter {g.attrs['filter']}")
            continue
        if m == "tv" or (m == "sirt" and cfg["sirt"]["nonnegative"]):
            check(np.all(images >= 0), f"{rid}: {m} images negative despite the constraint")
        if m == "tv":
            check(np.isfinite(g.attrs["operator_norm"]) and g.attrs["operator_norm"] > 0, f"{rid}: tv operator_norm")
        limit = key(cfg, CT_LIMIT_KEY[m])
        for p in range(P):
            hg = g[f"history/{p}"]
            it, reason, reached = int(hg.attrs["iterations"]), hg.attrs["stop_reason"], int(hg.attrs["discrepancy_reached"])
            res = hg["residual"][()]
            where = f"{rid}: {m} phantom {p}"
            check(1 <= it <= limit, f"{where}: {it} iterations, limit {limit}")
            check(reached in (0, 1) and (reached == 1) == (reason == "discrepancy"),
                  f"{where}: discrepancy_reached {reached} with stop_reason {reason!r}")
            check(np.all(np.isfinite(res)) and np.all(res >= 0), f"{where}: residual negative or not finite")
            if reason == "iterations":
                check(it == limit, f"{where}: stopped for iterations after {it} of {limit}")
            if m in ("sirt", "lsqr"):  # from x = 0: the first residual is ||y||
                check(close(res[0], np.linalg.norm(noisy[p]), 1e-12), f"{where}: residual[0] != ||noisy||")
            if reached:
                threshold = tau * delta[p]
                check(res[-1] <= threshold and np.all(res[:-1] > threshold),
                      f"{where}: stopped by the discrepancy principle but not at the first iterate below tau delta")
            if m == "tikhonov":
                check(reason in ("CONVERGED_RTOL", "iterations"), f"{where}: stop_reason {reason!r}")
                if reason == "CONVERGED_RTOL":  # KSP's default rtol of tikhonov(): 1e-10 of ||A^T y|| = residual[0]
                    check(res[-1] <= 1e-10 * res[0] * (1 + 1e-9), f"{where}: converged at {res[-1] / res[0]:.2e}")
            if m == "tv":
                obj, gap = hg["objective"][()], hg["gap"][()]
                check(it == limit and reason == "iterations" and not reached, f"{where}: tv runs all its iterations")
                check(np.all(obj >= 0.5 * res ** 2 * (1 - 1e-12)), f"{where}: objective below 1/2 ||Ax - y||^2")
                want = 0.5 * res[-1] ** 2 + cfg["tv"]["lambda"] * total_variation(images[p], h)
                check(close(obj[-1], want, 1e-9), f"{where}: objective {obj[-1]} != 1/2 r^2 + lambda TV(x) = {want}")
                check(np.all(np.isfinite(gap)) and np.all(gap >= -1e-12 * np.abs(obj)), f"{where}: gap negative")

    # Metrics recomputed from the stored images.
    check(f["metrics"].attrs["data_range"] == "max - min of each truth image", f"{rid}: /metrics data_range")
    for m in run["methods"]:
        images, mg = f[f"reconstructions/{m}/images"][()], f[f"metrics/{m}"]
        psnr = [10 * np.log10((t.max() - t.min()) ** 2 / np.mean((t - x) ** 2)) for t, x in zip(truth, images)]
        check(close(mg["psnr"][()], psnr, 1e-9), f"{rid}: {m} psnr {mg['psnr'][()]} != recomputed {psnr}")
        ssim = mg["ssim"][()]
        check(np.all(np.isfinite(ssim)) and np.all(np.abs(ssim) <= 1), f"{rid}: {m} ssim {ssim}")
        check(close(mg["psnr_mean"][()], [np.mean(mg["psnr"][()])], 1e-12)
              and close(mg["ssim_mean"][()], [np.mean(ssim)], 1e-12), f"{rid}: {m} psnr_mean / ssim_mean != means")

    check_ct_xdmf(run, run_dir, f)


def check_ct_runs(tmp):
    run_toml(CT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 3, f"expected 3 ct.classical runs, found {run_dirs}")
    by_case = {}
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = ct_run(run_dir, f)
            cfg = run["config"]
            case = (cfg["beam"]["kind"], run["noise"], cfg["tikhonov"]["alpha"], tuple(run["methods"]))
            by_case[case] = run_dir
            check_layout(f, run, "ct.classical")
            check_ct_values(f, run, run_dir)
    low, high = ("parallel", "gaussian", 0.01, ("fbp", "tikhonov", "tv")), ("parallel", "gaussian", 0.1, ("fbp", "tikhonov", "tv"))
    check(set(by_case) == {low, high, ("fan", "poisson", 0.01, ("sirt", "lsqr"))},
          f"unexpected set of ct.classical runs {sorted(by_case)}")
    if low in by_case and high in by_case:
        # The sweep of the Tikhonov weight: the data and the other methods are
        # the same bit for bit; the solution's norm decreases as alpha grows.
        with h5py.File(by_case[low] / "result.h5", "r") as a, h5py.File(by_case[high] / "result.h5", "r") as b:
            for name in ("fields/truth", "sinograms/clean", "sinograms/noisy", "reconstructions/fbp/images",
                         "reconstructions/tv/images"):
                check(np.array_equal(a[name][()], b[name][()]), f"tikhonov.alpha sweep: {name} differs between the runs")
            xa, xb = a["reconstructions/tikhonov/images"][()], b["reconstructions/tikhonov/images"][()]
            na, nb = np.linalg.norm(xa, axis=(1, 2)), np.linalg.norm(xb, axis=(1, 2))
            check(np.all(nb < na), f"tikhonov.alpha sweep: ||x|| {nb} at alpha 0.1 not below {na} at 0.01")


if __name__ == "__main__":
    sys.exit(run_checks("ct_classical_layout", check_ct_runs))
