#!/usr/bin/env python3
"""Integration tests of the `lielac.allen_cahn` experiment kind through the CLI.

Usage: test_lielac_allen_cahn_cli.py CASE   (the executable comes from $STRUCTURA)

Truths: the same run on another number of ranks (data and canonical frames
bit for bit, trained parameters to rounding); an uninterrupted training; the
discrete rotation symmetry of the solver (OOD inputs made by quarter turns
of the test inputs, without noise or translation, are the test inputs turned
on the lattice, and their PETSc solutions the test solutions turned); the
transforms that made the OOD inputs (canonicalisation must undo each
rotation mod pi and bring the droplet back to the centre); the OOD error of
LieLAC well below the model's; the per-sample errors recomputed from the
stored fields.
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
    return {k: d[()] for k, d in f["model/parameters"].items()}


def wrap_half_turn(a):
    return a - np.pi * np.round(a / np.pi)


def case_ranks():
    """1 and 2 ranks: identical data and canonical frames, parameters to 1e-9 (float64 Adam), metrics to 1e-7."""
    quick = ["training.epochs=4", "data.train=48", "canonicalisation.steps=30", "pde.points=48", "model.modes=6"]
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        for ranks, d in ((1, d1), (2, d2)):
            run("run", SMALL, "--ranks", ranks, f"experiment.runs_dir={d}", *quick)
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            for split in ("train", "test", "ood"):
                for name in a[f"data/{split}"]:
                    assert np.array_equal(a[f"data/{split}/{name}"][()], b[f"data/{split}/{name}"][()]), (split, name)
            for split in ("ood", "test"):
                for name in ("transform", "energy", "identity_energy"):
                    path = f"canonicalisation/{split}/{name}"
                    assert np.array_equal(a[path][()], b[path][()]), path
            pa, pb = parameters(a), parameters(b)
            worst = max(float(np.max(np.abs(pa[k] - pb[k]))) / max(1.0, float(np.max(np.abs(pa[k])))) for k in pa)
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
    quick = ["training.epochs=8", "data.train=32", "data.test=4", "data.ood=4", "canonicalisation.steps=5",
             "pde.points=32", "model.modes=6", "evaluation.plot_samples=0"]
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}", *quick)
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", *quick,
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "12"}, expect=3)
        assert "checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", *quick)
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            pa, pb = parameters(a), parameters(b)
            for k in pa:
                assert np.array_equal(pa[k], pb[k]), k
            assert np.array_equal(a["training/loss"][()], b["training/loss"][()])
    print("resume: parameters and loss history identical bit for bit")


def quarter_turn(a, sign):
    """g . a for the rotation by sign * 90 degrees about the centre (N even): a lattice permutation of (.., y, x)."""
    n = a.shape[-1]
    i = np.arange(n)
    # target (j', i') takes the source x = c + R(-theta)(x' - c): +90: (i, j) = (j', N - i'); -90: (N - j', i')
    jj, ii = np.meshgrid(i, i, indexing="ij")
    if sign > 0:
        src_i, src_j = jj, (n - ii) % n
    else:
        src_i, src_j = (n - jj) % n, ii
    return a[..., src_j, src_i]


def case_truths():
    """Quarter turns of the data; LieLAC undoes the rotations and translations and the OOD error falls."""
    with tempfile.TemporaryDirectory() as d:
        # The solver's discrete symmetry: OOD inputs = the test inputs turned by +-90 degrees, no noise or shift.
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "ood.angle_min=90", "ood.angle_max=90",
            "ood.shift=0", "front.noise=0", "training.epochs=1", "data.train=16", "canonicalisation.steps=5")
        with h5py.File(result_file(d), "r") as f:
            g = f["data/ood/transform"][()]
            assert np.allclose(np.abs(g[:, 0]), np.pi / 2, atol=1e-15, rtol=0) and np.all(g[:, 1:] == 0)
            n = g.shape[0]
            worst_u0 = worst_uT = 0.0
            for i in range(n):
                s = np.sign(g[i, 0])
                for name in ("u0", "uT"):
                    turned = quarter_turn(f[f"data/test/{name}"][i], s)
                    e = float(np.max(np.abs(f[f"data/ood/{name}"][i] - turned)))
                    if name == "u0":
                        worst_u0 = max(worst_u0, e)
                    else:
                        worst_uT = max(worst_uT, e)
            assert worst_u0 < 1e-11, f"a quarter-turned input differs from the turned test input by {worst_u0:.1e}"
            assert worst_uT < 1e-12, f"the solve of a quarter-turned input differs from the turned solution by {worst_uT:.1e}"
            assert np.max(np.abs(f["data/ood/uT"][()] - f["data/test/uT"][:n])) > 0.5  # the turn is not the identity
    print(f"truths: quarter turns: inputs to {worst_u0:.1e}, PETSc solutions to {worst_uT:.1e}")
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}")
        with h5py.File(result_file(d), "r") as f:
            g, k = f["data/ood/transform"][()], f["canonicalisation/ood/transform"][()]
            n = g.shape[0]
            test_drop, ood_drop = f["data/test/droplet"][:n], f["data/ood/droplet"][()]
            assert np.all(np.abs(np.abs(g[:, 0]) - np.pi / 3) <= np.pi / 6 + 1e-12), "OOD angles outside [30, 90] deg"
            assert np.allclose(wrap_half_turn(ood_drop[:, 2] - test_drop[:, 2] - g[:, 0]), 0, atol=1e-12)
            # h* after g after the test droplet: the axis at the band's centre (0) mod pi, the centre at (0.5, 0.5).
            residual = wrap_half_turn(k[:, 0] + ood_drop[:, 2])
            angle_error = float(np.max(np.abs(residual)))
            c = 0.5
            cos, sin = np.cos(k[:, 0]), np.sin(k[:, 0])
            dx, dy = ood_drop[:, 3] - c, ood_drop[:, 4] - c
            x, y = c + cos * dx - sin * dy + k[:, 1], c + sin * dx + cos * dy + k[:, 2]
            position_error = float(np.max(np.hypot(x - c, y - c)))
            print(f"  canonical frames: axis to {np.degrees(angle_error):.2f} deg, centre to {position_error:.4f}")
            assert angle_error < np.radians(3), f"canonicalisation missed the rotation by {np.degrees(angle_error):.2f} deg"
            assert position_error < 0.01, f"canonicalisation missed the centre by {position_error:.4f}"
            # The errors from the stored fields of the plotted samples.
            s, uT = f["canonicalisation/samples"], f["data/ood/uT"][()]
            for i in range(s["prediction"].shape[0]):
                e = np.linalg.norm(s["prediction"][i] - uT[i]) / np.linalg.norm(uT[i])
                assert abs(e - f["canonicalisation/ood/error"][i]) < 1e-12 * max(1, e), i
                e = np.linalg.norm(s["raw_prediction"][i] - uT[i]) / np.linalg.norm(uT[i])
                assert abs(e - f["evaluation/ood_error"][i]) < 1e-12 * max(1, e), i
            m = {name: {key: float(v[0]) for key, v in grp.items()} for name, grp in f["metrics"].items()}
            assert abs(np.mean(f["evaluation/ood_error"][()]) - m["model"]["ood_error"]) < 1e-14
            assert abs(np.mean(f["canonicalisation/ood/error"][()]) - m["lielac"]["ood_error"]) < 1e-14
    for name, v in m.items():
        print(f"  {name:7s} in {v['in_distribution_error']:.4f} ood {v['ood_error']:.4f}")
    assert m["model"]["ood_error"] > 2 * m["model"]["in_distribution_error"], "the OOD inputs are not out of distribution"
    assert m["lielac"]["ood_error"] < m["model"]["ood_error"] / 2.5, "canonicalisation did not help"
    assert m["lielac"]["ood_error"] < 1.5 * m["lielac"]["in_distribution_error"], "LieLAC is not back in distribution"
    assert m["lielac"]["in_distribution_error"] < 1.1 * m["model"]["in_distribution_error"], \
        "canonicalisation made in-distribution predictions worse"
    print("truths: transforms undone, OOD error down to the in-distribution level")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("pde.stride=3", "pde.stride"),
                              ("pde.dt=5", "pde.dt"),
                              ("pde.petsc_options=[\"-ts_type bdf\"]", "pde.petsc_options"),
                              ("front.semi_major_max=0.1", "front.semi_major_max"),
                              ("front.semi_minor_max=0.15", "front.semi_minor_max"),
                              ("front.semi_major_max=0.25", "front.semi_major_max"),
                              ("ood.shift=0.2", "ood.shift"),
                              ("ood.angle_max=10", "ood.angle_max"),
                              ("data.ood=20", "data.ood"),
                              ("model.modes=20", "model.modes"),
                              ("canonicalisation.generators=[2]", "canonicalisation.generators"),
                              ("canonicalisation.generators=[3, 3]", "canonicalisation.generators"),
                              ("canonicalisation.evaluation=exact", "canonicalisation.evaluation"),
                              ("data.train=4", "data.train"),
                              ("evaluation.plot_samples=100", "evaluation.plot_samples")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", override, expect=2)
            assert key in p.stderr, f"{override}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
        # An unstable step is found by the solver: a NumericalError naming pde.dt.
        p = run("run", SMALL, f"experiment.runs_dir={d}", "pde.t_end=4", "pde.dt=2", expect=1)
        assert "pde.dt" in p.stderr, p.stderr
    print("config_errors: each error names its key; nothing written; an unstable dt stops the data stage")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
