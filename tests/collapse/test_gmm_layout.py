#!/usr/bin/env python3
"""collapse_gmm_layout: runs tests/collapse/gmm_layout.toml on 2 ranks and
checks result.h5 against the tables of pipeline/experiments/collapse_gmm/layout.md,
and then, recomputed in numpy from what is stored:
- provenance, /stages and /config (tests/pipeline/h5_layout.py);
- the L2 distance of every generation to generation 0 from the stored
  mixtures, by the closed form sum_ij w_i w_j N(mu_i; mu_j, S_i + S_j)
  written out here;
- component_std = sqrt(diag covariances), the spread its mean, /recursion
  equal to the generations' attributes, /metrics equal to /recursion;
- each stored generation's mean log-likelihood under its fit, from the
  stored rows and mixture (within 10 tol: the stored value is that of the
  last E-step, before the final M-step);
- real_rows = n, then round(keep_fraction n); the real rows of later
  generations are rows of generation 0; generation 0's rows have mean 0 and
  covariance std^2 I within 5 standard errors; weights sum to 1 and the
  covariances are symmetric positive definite.

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

LAYOUT_TOML = pathlib.Path(__file__).resolve().parent / "gmm_layout.toml"


def gmm_run(run_dir):
    cfg = tomllib.loads((run_dir / "config.toml").read_text())
    last = cfg["recursion"]["generations"]
    width = len(str(last))
    labels = [f"{g:0{width}d}" for g in range(last + 1)]
    stored = sorted({g for g in cfg["output"]["data_generations"] if g <= last} | {last})
    n, d, k = cfg["data"]["samples"], cfg["data"]["dimension"], cfg["mixture"]["components"]
    stages = [f"generation/{label}" for label in labels] + ["metrics"]
    run = {"id": run_dir.name, "config": cfg, "deflate": 0, "labels": labels, "stored": stored,
           "n": n, "d": d, "k": k}
    run["names"] = {"<g>": labels, "<s>": [labels[g] for g in stored], "<stage>": stages}
    run["conditions"] = {"always": True}
    run["stage_groups"] = {s: "generations" for s in stages}
    sizes = {"n": n, "d": d, "K": k, "G": last + 1, "Kd": k * d, "Kdd": k * d * d}
    run["sizes"] = lambda binding: sizes
    return run


def mixture(g):
    k, d = int(g.attrs["components"]), int(g.attrs["dimension"])
    return (g.attrs["weights"], g.attrs["means"].reshape(k, d), g.attrs["covariances"].reshape(k, d, d))


def gaussian(x, mean, cov):
    d = len(mean)
    diff = x - mean
    return math.exp(-0.5 * diff @ np.linalg.solve(cov, diff)) / math.sqrt((2 * math.pi) ** d * np.linalg.det(cov))


def cross(p, q):
    """Integral of p q for two mixtures: sum_ij w_i v_j N(mu_i; nu_j, S_i + T_j)."""
    return sum(w * v * gaussian(m, nu, s + t) for w, m, s in zip(*p) for v, nu, t in zip(*q))


def l2(p, q):
    return math.sqrt(max(cross(p, p) + cross(q, q) - 2 * cross(p, q), 0.0))


def log_likelihood(x, p):
    w, means, covs = p
    dens = np.zeros(len(x))
    for wk, mk, ck in zip(w, means, covs):
        diff = x - mk
        inv = np.linalg.inv(ck)
        quad = np.einsum("ij,jk,ik->i", diff, inv, diff)
        dens += wk * np.exp(-0.5 * quad) / math.sqrt((2 * math.pi) ** len(mk) * np.linalg.det(ck))
    return float(np.mean(np.log(dens)))


def check_values(f, run):
    rid, cfg, n = run["id"], run["config"], run["n"]
    gens = [f[f"generations/{label}"] for label in run["labels"]]
    first = mixture(gens[0])
    kept = round(cfg["recursion"]["keep_fraction"] * n)
    rec = f["recursion"]
    real = {tuple(r) for r in gens[0]["data"][()]}
    for g, grp in enumerate(gens):
        w, means, covs = mixture(grp)
        check(abs(w.sum() - 1) < 1e-12 and np.all(w >= 0), f"{rid}: generation {g} weights {w}")
        check(all(np.allclose(c, c.T, atol=0) and np.all(np.linalg.eigvalsh(c) > 0) for c in covs),
              f"{rid}: generation {g} covariances not SPD")
        check(int(grp.attrs["generation"]) == g, f"{rid}: generation {g} attribute")
        ours = float(grp.attrs["l2_distance"])
        truth = l2(first, (w, means, covs))
        check(abs(ours - truth) <= 1e-10 * max(truth, 1e-3), f"{rid}: generation {g} l2 {ours} != {truth}")
        std = np.sqrt(np.array([np.diag(c) for c in covs]))
        check(np.array_equal(grp.attrs["component_std"], std.reshape(-1)), f"{rid}: generation {g} component_std")
        check(int(grp.attrs["real_rows"]) == (n if g == 0 else kept), f"{rid}: generation {g} real_rows")
        check(np.array_equal(rec["component_std"][g], std), f"{rid}: /recursion/component_std[{g}]")
        check(rec["spread"][g] == np.mean(std) or abs(rec["spread"][g] - np.mean(std)) < 1e-15,
              f"{rid}: /recursion/spread[{g}]")
        for name, attr in (("l2_distance", "l2_distance"), ("log_likelihood", "log_likelihood"),
                           ("em_iterations", "em_iterations"), ("em_converged", "em_converged")):
            check(rec[name][g] == grp.attrs[attr], f"{rid}: /recursion/{name}[{g}]")
        check(np.array_equal(rec["weights"][g], w) and np.array_equal(rec["means"][g], means),
              f"{rid}: /recursion weights/means [{g}]")
        check(rec["generation"][g] == g, f"{rid}: /recursion/generation[{g}]")
        if "data" in grp:
            x = grp["data"][()]
            ll = log_likelihood(x, (w, means, covs))
            tol = cfg["em"]["tolerance"]
            check(abs(ll - grp.attrs["log_likelihood"]) <= 10 * tol,
                  f"{rid}: generation {g} log-likelihood {grp.attrs['log_likelihood']} != {ll}")
            if g > 0:
                rows = [tuple(r) for r in x]
                check(all(r in real for r in rows[:kept]) and not any(r in real for r in rows[kept:]),
                      f"{rid}: generation {g}: the first {kept} rows are not the real ones")
    x0 = gens[0]["data"][()]
    s2 = cfg["data"]["std"] ** 2
    check(np.all(np.abs(x0.mean(axis=0)) < 5 * math.sqrt(s2 / n)), f"{rid}: generation 0 mean {x0.mean(axis=0)}")
    cov0 = np.cov(x0.T)
    check(np.all(np.abs(np.diag(cov0) - s2) < 5 * s2 * math.sqrt(2 / n)), f"{rid}: generation 0 variances")
    m = f["metrics/gmm"]
    spread = rec["spread"][()]
    l2s = rec["l2_distance"][()]
    its = rec["em_iterations"][()]
    for name, value in (("final_l2_distance", l2s[-1]), ("max_l2_distance", l2s.max()),
                        ("first_spread", spread[0]), ("final_spread", spread[-1]),
                        ("spread_ratio", spread[-1] / spread[0]), ("generations", len(l2s) - 1),
                        ("unconverged_generations", np.sum(rec["em_converged"][()] == 0)),
                        ("mean_em_iterations", its.mean())):
        check(abs(m[name][0] - value) <= 1e-14 * max(abs(value), 1), f"{rid}: /metrics/gmm/{name} {m[name][0]} != {value}")
    check(m["final_l2_distance"].attrs["unit"] == f"x^-{run['d']}", f"{rid}: l2 unit")


def check_runs(tmp):
    run_toml(LAYOUT_TOML, tmp)
    run_dirs = sorted(d.parent for d in tmp.rglob("result.h5"))
    check(len(run_dirs) == 1, f"expected 1 collapse.gmm run, found {run_dirs}")
    for run_dir in run_dirs:
        with h5py.File(run_dir / "result.h5", "r") as f:
            run = gmm_run(run_dir)
            check_layout(f, run, "collapse.gmm")
            check_common(f, run, run_dir, "collapse.gmm", "layout-collapse-gmm", LAYOUT_TOML.name)
            check_values(f, run)


if __name__ == "__main__":
    sys.exit(run_checks("collapse_gmm_layout", check_runs))
