#!/usr/bin/env python3
"""Integration tests of the `pullback` experiment kind through the CLI.

Usage: test_pullback_cli.py CASE   (the executable comes from $STRUCTURA)

Truths: the same training on another number of ranks, an uninterrupted
training, and the banana's known latent structure: its density is a
Gaussian with variances (1/4, 4) pulled back through a shear, so a learned
ψ must single out one dominant direction (d_eps = 1 = the manifold's
dimension), while a fixed ψ (a = 1) cannot discard anything (d_eps = 2).
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
MACHINE_DEPENDENT = ("training_time",)


def result_file(runs_dir):
    files = [p for p in pathlib.Path(runs_dir).rglob("result.h5") if "data-sets" not in p.parts]
    assert len(files) == 1, files
    return files[0]


def parameters(path):
    with h5py.File(path, "r") as f:
        return {m: {k: d[()] for k, d in g["parameters"].items()} for m, g in f["models"].items()}


def largest_difference(a, b, what):
    pa, pb = parameters(a), parameters(b)
    assert sorted(pa) == sorted(pb), f"{what}: different methods"
    worst = 0.0
    for m in pa:
        assert sorted(pa[m]) == sorted(pb[m]), f"{what}: {m} has other tensors"
        for k in pa[m]:
            scale = max(1.0, float(np.max(np.abs(pa[m][k]))))
            worst = max(worst, float(np.max(np.abs(pa[m][k] - pb[m][k]))) / scale)
    return worst


def case_ranks():
    """Data-parallel training on 1 and 2 ranks ends at the same parameters
    (float64, Adam, EMA) and the same metrics to rounding. The ranks differ
    only in the order of the gradient sums (~1e-17 relative); Adam divides
    each entry by the root of its second moment, so a nearly cancelling
    entry turns that into ~1e-9 of a step of size lr = 5e-4: 1e-10 allowed."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        for ranks, d in ((1, d1), (2, d2)):
            run("run", SMALL, "--ranks", ranks, f"experiment.runs_dir={d}")
        a, b = result_file(d1), result_file(d2)
        worst = largest_difference(a, b, "1 vs 2 ranks")
        assert worst <= 1e-10, f"1 vs 2 ranks: parameters differ by {worst:.3e} (allowed 1e-10)"
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            assert np.array_equal(fa["data/train"][()], fb["data/train"][()]), "the data differ"
            for m, g in fa["metrics"].items():
                for name, ds in g.items():
                    if name in MACHINE_DEPENDENT:
                        continue
                    x, y = ds[0], fb[f"metrics/{m}/{name}"][0]
                    assert abs(x - y) <= 1e-8 * max(abs(x), 1.0), f"metrics/{m}/{name}: {x} vs {y}"
    print(f"ranks: parameters agree to {worst:.1e}; data identical; metrics to rounding")


def case_resume():
    """A training interrupted by a signal and resumed ends at exactly the
    parameters and loss history of an uninterrupted one (EMA included: the
    saved models are the averaged weights)."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}")
        # The hook raises a signal at the 50th checkpoint poll: inside train/standard.
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}",
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "50"}, expect=3)
        assert "checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        worst = largest_difference(result_file(d1), result_file(d2), "resumed vs uninterrupted")
        assert worst == 0.0, f"resumed training differs by {worst:.3e}"
        with h5py.File(result_file(d1), "r") as fa, h5py.File(result_file(d2), "r") as fb:
            for m in fa["training"]:
                assert np.array_equal(fa[f"training/{m}/loss"][()], fb[f"training/{m}/loss"][()]), m
    print("resume: parameters and loss histories identical bit for bit")


def case_dimension():
    """On the banana (manifold dimension 1) the paper's method learns one
    dominant latent variance: d_eps = 1 with the discarded share <= eps, and
    keeping that coordinate reconstructs the test set better than keeping
    the other; the standard flow's fixed a = 1 keeps both (d_eps = 2)."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "data.samples=2500", "flow.hidden=64",
            "flow.blocks=2", "training.methods=[\"standard\", \"anisotropic-isometric\"]", "training.epochs=100",
            "training.batch=64", "training.learning_rate=2e-3", "training.warmup=5", "training.dtype=float32")
        with h5py.File(result_file(d), "r") as f:
            ours = {k: float(v[0]) for k, v in f["metrics/anisotropic-isometric"].items()}
            standard = {k: float(v[0]) for k, v in f["metrics/standard"].items()}
            a = f["evaluation/anisotropic-isometric/sorted_variances"][()]
            largest = f["evaluation/anisotropic-isometric/rae_errors_largest"][()]
            smallest = f["evaluation/anisotropic-isometric/rae_errors_smallest"][()]
            k = int(f["metrics"].attrs["intrinsic_dimension"])
    print(f"  learned a {a}, d_eps {ours['latent_dimension']:.0f}, achieved eps {ours['achieved_epsilon']:.3f}, "
          f"RAE error largest-first {largest[0]:.3f} vs smallest-first {smallest[0]:.3f}")
    assert k == 1
    assert ours["latent_dimension"] == k, ours
    assert a[1] / a.sum() <= 0.1 and ours["achieved_epsilon"] <= 0.1, (a, ours)
    assert largest[0] < 0.5 * smallest[0], (largest, smallest)
    assert standard["latent_dimension"] == 2, standard
    print("dimension: the paper's method finds d_eps = 1 on the banana; the fixed psi keeps 2")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("data.set=spiral", "data.set"),
                              ("data.set=sinusoid data.intrinsic_dimension=3 data.ambient_dimension=3",
                               "data.intrinsic_dimension"),
                              ("data.set=hemisphere data.intrinsic_dimension=5 data.ambient_dimension=4",
                               "data.intrinsic_dimension"),
                              ("evaluation.epsilon=0", "evaluation.epsilon"),
                              ("evaluation.epsilon=1", "evaluation.epsilon"),
                              ("evaluation.epsilon=1.5", "evaluation.epsilon"),
                              ("flow.layers=0", "flow.layers"),
                              ("flow.hidden=0", "flow.hidden"),
                              ("training.methods=[\"ours\"]", "training.methods"),
                              ("training.methods=[\"standard\", \"standard\"]", "training.methods"),
                              ("training.methods=[]", "training.methods"),
                              ("loss.isometry=orthogonal", "loss.isometry"),
                              ("loss.isometry_weight=-1", "loss.isometry_weight"),
                              ("data.samples=3", "data.samples"),
                              ("training.batch=1000", "training.batch"),
                              ("data.train_fraction=0.9", "data.")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", *override.split(" "), expect=2)
            assert key in p.stderr, f"{override}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
    print("config_errors: each error names its key; nothing written")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
