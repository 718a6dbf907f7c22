#!/usr/bin/env python3
"""Integration tests of the `collapse.gmm` experiment kind through the CLI.

Usage: test_collapse_gmm_cli.py CASE   (the executable comes from $STRUCTURA)

Truths: the same recursion on another number of ranks and an uninterrupted
one (bit for bit: every fit sums over fixed row blocks); scikit-learn's EM
on each stored generation's data from its stored start; the law of the
one-component recursion in one dimension, where generation g + 1 fits
M samples of N(mu_g, sigma_g^2) exactly: the standardised mean steps
(mu_{g+1} - mu_g) / (sigma_g / sqrt M) are i.i.d. N(0, 1) and the log
variance steps log((sigma^2_{g+1} - floor) / sigma^2_g) are i.i.d.
log(chi^2_{M-1} / M), of mean psi((M-1)/2) + log(2/M) and variance
psi'((M-1)/2); and the kept real rows, which are rows of the real data.
"""
import math
import pathlib
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from structura_cli import run  # noqa: E402

SMALL = HERE / "gmm_small.toml"


def result_file(runs_dir):
    files = list(pathlib.Path(runs_dir).rglob("result.h5"))
    assert len(files) == 1, files
    return files[0]


def generations(path):
    """Every attribute and dataset under /generations and /recursion, as arrays."""
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["generations"].items():
            for key, value in g.attrs.items():
                out[f"{name}@{key}"] = np.asarray(value)
            for key, d in g.items():
                if isinstance(d, h5py.Dataset):
                    out[f"{name}/{key}"] = d[()]
                else:
                    for a, v in d.attrs.items():
                        out[f"{name}/{key}@{a}"] = np.asarray(v)
        for key, d in f["recursion"].items():
            out[f"recursion/{key}"] = d[()]
    return out


def assert_identical(a, b, what):
    assert sorted(a) == sorted(b), f"{what}: other entries {set(a) ^ set(b)}"
    for key in a:
        assert a[key].shape == b[key].shape and np.array_equal(a[key], b[key]), f"{what}: {key} differs"


def case_ranks():
    """1 and 2 ranks give the same recursion bit for bit."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 1, f"experiment.runs_dir={d1}")
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        a, b = generations(result_file(d1)), generations(result_file(d2))
        assert_identical(a, b, "1 vs 2 ranks")
    print(f"ranks: {len(a)} entries identical on 1 and 2 ranks")


def case_resume():
    """A recursion stopped by a signal between generations and run again
    equals an uninterrupted one bit for bit."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}")
        # The hook raises a signal at the 12th poll: generation 11 stops before its fit.
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}",
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "12"}, expect=3)
        log = p.stdout + p.stderr
        assert "generation/11: stopped by signal" in log, log
        with h5py.File(result_file(d2), "r") as f:
            done = sorted(f["generations"].keys())
        assert done == [f"{g:02d}" for g in range(11)], done
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        assert "generation/10: done already" in p.stdout + p.stderr
        assert_identical(generations(result_file(d1)), generations(result_file(d2)), "resumed vs uninterrupted")
    print("resume: generations 0-10 kept, 11-30 redone; identical to the uninterrupted run")


def case_sklearn():
    """Each stored generation's mixture is scikit-learn's EM fit of its stored
    data from its stored start (same tol, reg_covar, max_iter)."""
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError:
        print("sklearn: scikit-learn missing, skipped")
        return
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}")
        with h5py.File(result_file(d), "r") as f:
            checked = 0
            for name, g in f["generations"].items():
                if "data" not in g:
                    continue
                x, start = g["data"][()], g["initial"].attrs
                k, dim = int(g.attrs["components"]), int(g.attrs["dimension"])
                cov0 = start["covariances"].reshape(k, dim, dim)
                gm = GaussianMixture(n_components=k, covariance_type="full", tol=1e-5, reg_covar=1e-6,
                                     max_iter=2000, weights_init=start["weights"],
                                     means_init=start["means"].reshape(k, dim),
                                     precisions_init=np.linalg.inv(cov0)).fit(x)
                ours = {"weights": g.attrs["weights"], "means": g.attrs["means"].reshape(k, dim),
                        "covariances": g.attrs["covariances"].reshape(k, dim, dim)}
                theirs = {"weights": gm.weights_, "means": gm.means_, "covariances": gm.covariances_}
                for key in ours:
                    worst = float(np.max(np.abs(ours[key] - theirs[key])))
                    assert worst < 1e-9, f"generation {name}: {key} differ from sklearn by {worst:.2e}"
                assert int(g.attrs["em_iterations"]) == gm.n_iter_, (name, int(g.attrs["em_iterations"]), gm.n_iter_)
                checked += 1
        assert checked == 3, checked  # generations 0, 10 and the last
    print(f"sklearn: {checked} stored generations equal scikit-learn's fits")


def digamma(x):
    s = 0.0
    while x < 20:
        s -= 1 / x
        x += 1
    return s + math.log(x) - 1 / (2 * x) - 1 / (12 * x**2) + 1 / (120 * x**4) - 1 / (252 * x**6)


def trigamma(x):
    s = 0.0
    while x < 20:
        s += 1 / x**2
        x += 1
    return s + 1 / x + 1 / (2 * x**2) + 1 / (6 * x**3) - 1 / (30 * x**5) + 1 / (42 * x**7)


def case_law():
    """The one-component recursion in 1-D follows the single-Gaussian law."""
    m, gens, floor = 50, 300, 1e-6
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "data.dimension=1", f"data.samples={m}",
            "mixture.components=1", f"recursion.generations={gens}")
        with h5py.File(result_file(d), "r") as f:
            mu = f["recursion/means"][()].reshape(-1)
            var = f["recursion/component_std"][()].reshape(-1) ** 2
    z = (mu[1:] - mu[:-1]) / np.sqrt(var[:-1] / m)
    steps = np.log((var[1:] - floor) / var[:-1])
    n = steps.size
    drift, spread = digamma((m - 1) / 2) + math.log(2 / m), trigamma((m - 1) / 2)
    print(f"law: mean step z {z.mean():+.3f} (0 +- {1 / math.sqrt(n):.3f}), var {z.var(ddof=1):.3f} (1), "
          f"log-variance step {steps.mean():+.4f} (theory {drift:+.4f} +- {math.sqrt(spread / n):.4f}), "
          f"its variance {steps.var(ddof=1):.4f} (theory {spread:.4f})")
    assert abs(z.mean()) < 4 / math.sqrt(n)
    assert abs(z.var(ddof=1) - 1) < 4 * math.sqrt(2 / (n - 1))
    assert abs(steps.mean() - drift) < 4 * math.sqrt(spread / n)
    assert abs(steps.var(ddof=1) / spread - 1) < 0.35
    assert var[-1] < var[0] * math.exp(drift * n / 2), "no collapse"


def case_keep():
    """keep_fraction = 1 refits the real data every generation: no drift at
    all with one component; with 0.5 the first half of a generation's rows
    are distinct real rows, another subset in every generation."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "mixture.components=1",
            "recursion.keep_fraction=1")
        with h5py.File(result_file(d), "r") as f:
            l2 = f["recursion/l2_distance"][()]
            means = f["recursion/means"][()]
        assert np.all(l2 == 0) and np.all(means == means[0]), (l2.max(), means.std(axis=0))
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "recursion.keep_fraction=0.5")
        with h5py.File(result_file(d), "r") as f:
            real = {tuple(r) for r in f["generations/00/data"][()]}
            kept = []
            for name in ("10", "30"):
                g = f[f"generations/{name}"]
                n_real = int(g.attrs["real_rows"])
                assert n_real == 300, n_real
                rows = [tuple(r) for r in g["data"][()]]
                assert all(r in real for r in rows[:n_real]), name
                assert len(set(rows[:n_real])) == n_real, name
                assert not any(r in real for r in rows[n_real:]), name
                kept.append(set(rows[:n_real]))
        assert kept[0] != kept[1], "the same real rows in two generations"
    print("keep: fraction 1 never moves; fraction 0.5 keeps distinct real rows, a new subset each generation")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("mixture.components=0", "mixture.components"),
                              ("data.samples=1", "data.samples"),
                              ("data.samples=3 mixture.components=4", "data.samples"),
                              ("recursion.keep_fraction=1.5", "recursion.keep_fraction"),
                              ("recursion.keep_fraction=-0.1", "recursion.keep_fraction"),
                              ("recursion.keep_fraction=0.999", "recursion.keep_fraction"),
                              ("recursion.generations=0", "recursion.generations"),
                              ("data.std=0", "data.std")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", *override.split(), expect=2)
            assert key in p.stderr, (override, p.stderr)
        assert not any(pathlib.Path(d).iterdir()), "a refused run created files"
    print("config errors: every bad key named, nothing written")


if __name__ == "__main__":
    globals()["case_" + sys.argv[1]]()
