#!/usr/bin/env python3
"""Integration tests of the `lielac.pde` experiment kind through the CLI.

Usage: test_lielac_pde_cli.py CASE   (the executable comes from $STRUCTURA)

Truths: the same run on another number of ranks (data and canonical frames
bit for bit, trained parameters to rounding), an uninterrupted training,
Burgers' conservation of the mean under the conservative differences (the
data), the transforms that made the OOD inputs (a boost lambda1 shifts the
zero-mean field's mean to lambda1, and canonicalisation must undo it), and
the per-sample errors recomputed from the stored fields.
"""
import pathlib
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from structura_cli import run  # noqa: E402

SMALL = HERE / "small.toml"


def result_file(runs_dir):
    files = [p for p in pathlib.Path(runs_dir).rglob("result.h5") if "data-sets" not in p.parts]
    assert len(files) == 1, files
    return files[0]


def parameters(f):
    return {v: {k: d[()] for k, d in g["parameters"].items()} for v, g in f["models"].items()}


def case_ranks():
    """1 and 2 ranks: identical data and canonical frames, parameters to 1e-9 (float64 Adam), metrics to 1e-7."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        for ranks, d in ((1, d1), (2, d2)):
            run("run", SMALL, "--ranks", ranks, f"experiment.runs_dir={d}")
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            for split in ("train", "test", "ood", "fine_tune"):
                for name in a[f"data/{split}"]:
                    assert np.array_equal(a[f"data/{split}/{name}"][()], b[f"data/{split}/{name}"][()]), (split, name)
            for split in ("ood", "test"):
                for name in ("transform", "energy", "identity_energy"):
                    path = f"canonicalisation/{split}/{name}"
                    assert np.array_equal(a[path][()], b[path][()]), path
            pa, pb = parameters(a), parameters(b)
            worst = max(float(np.max(np.abs(pa[v][k] - pb[v][k]))) / max(1.0, float(np.max(np.abs(pa[v][k]))))
                        for v in pa for k in pa[v])
            assert worst < 1e-9, f"parameters differ by {worst:.2e}"
            for m, g in a["metrics"].items():
                for name, ds in g.items():
                    if name == "seconds_per_input":
                        continue
                    x, y = float(ds[0]), float(b[f"metrics/{m}/{name}"][0])
                    assert abs(x - y) <= 1e-7 * max(abs(x), 1e-3), f"metrics/{m}/{name}: {x} vs {y}"
    print(f"ranks: data and canonical frames bit for bit, parameters to {worst:.1e}, metrics to rounding")


def case_resume():
    """A training interrupted by a signal and resumed ends at the parameters of an uninterrupted one."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}", "training.variants=[\"plain\"]")
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", "training.variants=[\"plain\"]",
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "40"}, expect=3)
        assert "checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", "training.variants=[\"plain\"]")
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            pa, pb = parameters(a), parameters(b)
            for v in pa:
                for k in pa[v]:
                    assert np.array_equal(pa[v][k], pb[v][k]), (v, k)
            assert np.array_equal(a["training/plain/loss"][()], b["training/plain/loss"][()])
    print("resume: parameters and loss history identical bit for bit")


def case_truths():
    """The data obey the conservation law and the transforms; LieLAC undoes the boost and the OOD error falls."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "training.epochs=60", "data.train=192",
            "canonicalisation.steps=150")
        with h5py.File(result_file(d), "r") as f:
            for split in ("train", "test", "ood", "fine_tune"):
                u0, uT = f[f"data/{split}/u0"][()], f[f"data/{split}/uT"][()]
                # Stored at every 2nd point of the solve: the mean of the kept points is the mean of the
                # solve's even points; conservation holds for the full grid, so compare with a tolerance
                # set by the field's smoothness (its modes die off as (4 pi^2 k^2 + 25)^-2).
                drift = np.max(np.abs(u0.mean(1) - uT.mean(1)))
                assert drift < 1e-3, f"{split}: the mean moved by {drift:.2e}"
            g = f["data/ood/transform"][()]
            mean0 = f["data/ood/u0"][()].mean(1)
            assert np.max(np.abs(mean0 - g[:, 1])) < 1e-6, "an OOD input's mean is not its boost"
            assert np.all(np.abs(g[:, 1]) >= 0.5 - 1e-12) and np.all(np.abs(g[:, 1]) <= 1.5 + 1e-12)
            k = f["canonicalisation/ood/transform"][()]
            assert np.max(np.abs(k[:, 1] + g[:, 1])) < 1e-3, \
                f"canonicalisation missed the boost by {np.max(np.abs(k[:, 1] + g[:, 1])):.2e}"
            kt = f["canonicalisation/test/transform"][()]
            assert np.max(np.abs(kt[:, 1])) < 1e-3, "an in-distribution input was boosted"
            # The errors from the stored fields of the plotted samples.
            s, uT = f["canonicalisation/samples"], f["data/ood/uT"][()]
            for i in range(s["prediction"].shape[0]):
                e = np.linalg.norm(s["prediction"][i] - uT[i]) / np.linalg.norm(uT[i])
                assert abs(e - f["canonicalisation/ood/error"][i]) < 1e-12 * max(1, e), i
            m = {name: {key: float(v[0]) for key, v in grp.items()} for name, grp in f["metrics"].items()}
            for name in ("model", "lielac", "augmented", "fine-tuned"):
                src = {"model": "evaluation/plain/ood_error", "lielac": "canonicalisation/ood/error",
                       "augmented": "evaluation/augmented/ood_error",
                       "fine-tuned": "evaluation/fine-tuned/ood_error"}[name]
                assert abs(np.mean(f[src][()]) - m[name]["ood_error"]) < 1e-14, name
    for name, v in m.items():
        print(f"  {name:11s} in {v.get('in_distribution_error', float('nan')):.4f} "
              f"ood {v.get('ood_error', float('nan')):.4f}")
    assert m["model"]["ood_error"] > 5 * m["model"]["in_distribution_error"], "the OOD inputs are not out of distribution"
    assert m["lielac"]["ood_error"] < m["model"]["ood_error"] / 5, "canonicalisation did not help"
    assert abs(m["lielac"]["in_distribution_error"] - m["model"]["in_distribution_error"]) < \
        0.05 * m["model"]["in_distribution_error"], "canonicalisation changed in-distribution predictions"
    print("truths: conservation, transforms undone, OOD error down, in-distribution unchanged")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("pde.equation=kdv", "pde.equation"),
                              ("pde.stride=3", "pde.stride"),
                              ("pde.order=3", "pde.order"),
                              ("pde.discretisation=chebyshev", "pde.discretisation"),
                              ("pde.dt=1", "pde.dt"),
                              ("pde.petsc_options=[\"-ts_type bdf\"]", "pde.petsc_options"),
                              ("model.modes=40", "model.modes"),
                              ("canonicalisation.generators=[3]", "canonicalisation.generators"),
                              ("canonicalisation.generators=[2, 2]", "canonicalisation.generators"),
                              ("canonicalisation.energy=likelihood", "canonicalisation.energy"),
                              ("training.variants=[\"augmented\"]", "training.variants"),
                              ("ood.boost_max=0.1", "ood.boost_max"),
                              ("data.train=4", "data.train"),
                              ("evaluation.plot_samples=100", "evaluation.plot_samples")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", override, expect=2)
            assert key in p.stderr, f"{override}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
        # An unstable step is found by the solver: a NumericalError naming pde.dt, no result that looks valid.
        p = run("run", SMALL, f"experiment.runs_dir={d}", "pde.dt=0.02", expect=1)
        assert "pde.dt" in p.stderr, p.stderr
    print("config_errors: each error names its key; nothing written; an unstable dt stops the data stage")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
