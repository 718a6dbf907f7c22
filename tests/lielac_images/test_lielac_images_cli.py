#!/usr/bin/env python3
"""Integration tests of the `lielac.images` experiment kind through the CLI.

Usage: test_lielac_images_cli.py CASE   (the executable comes from $STRUCTURA)

Truths: the same run on another number of ranks (data bit for bit, the
trained classifiers to rounding (float64)), an uninterrupted training,
scikit-learn's own digits (load_digits) resized and padded by PyTorch's
interpolate in Python, the accuracies recomputed from the stored
predictions, and the descent's promise: no canonical image has a higher
energy than the moved image itself.
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
    """1 and 2 ranks: the data bit for bit, the classifiers to rounding (float64)."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        for ranks, d in ((1, d1), (2, d2)):
            run("run", SMALL, "--ranks", ranks, f"experiment.runs_dir={d}")
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            for split in ("train", "test", "moved"):
                for name in a[f"data/{split}"]:
                    assert np.array_equal(a[f"data/{split}/{name}"][()], b[f"data/{split}/{name}"][()]), (split, name)
            pa, pb = parameters(a), parameters(b)
            worst = max(float(np.max(np.abs(pa[v][k] - pb[v][k]))) / max(1.0, float(np.max(np.abs(pa[v][k]))))
                        for v in pa for k in pa[v])
            assert worst < 1e-8, f"parameters differ by {worst:.2e}"
    print(f"ranks: data bit for bit, parameters to {worst:.1e}")


def case_resume():
    """A training interrupted by a signal and resumed ends at the parameters of an uninterrupted one."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        args = ["training.variants=[\"plain\"]"]
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}", *args)
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", *args,
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "20"}, expect=3)
        assert "checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}", *args)
        with h5py.File(result_file(d1), "r") as a, h5py.File(result_file(d2), "r") as b:
            pa, pb = parameters(a), parameters(b)
            for v in pa:
                for k in pa[v]:
                    assert np.array_equal(pa[v][k], pb[v][k]), (v, k)
            assert np.array_equal(a["training/plain/loss"][()], b["training/plain/loss"][()])
    print("resume: parameters and loss history identical bit for bit")


def case_truths():
    """The images are scikit-learn's digits resized and padded; accuracies and energies hold up."""
    import torch
    from sklearn.datasets import load_digits
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}")
        with h5py.File(result_file(d), "r") as f:
            digits = load_digits()
            x = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]
            x = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
            x = torch.nn.functional.pad(x[:, 0], (2, 2, 2, 2)).numpy()
            train, test = f["data/train/images"][()], f["data/test/images"][()]
            assert np.max(np.abs(train - x[:600])) < 1e-6, np.max(np.abs(train - x[:600]))
            assert np.max(np.abs(test - x[600:660])) < 1e-6
            assert np.array_equal(f["data/train/labels"][()], digits.target[:600])
            assert np.array_equal(f["data/test/labels"][()], digits.target[600:660])
            maps = f["data/moved/maps"][()].reshape(-1, 3, 3)
            assert np.allclose(maps[:, 2], [0, 0, 1]), "an affine map with a projective row"
            det = np.linalg.det(maps[:, :2, :2])
            assert np.all(det > 0.75 ** 2 - 1e-9) and np.all(det < 1.25 ** 2 + 1e-9), det
            labels = f["data/test/labels"][()]
            for v in ("plain", "augmented"):
                for kind in ("test", "moved"):
                    acc = np.mean(f[f"evaluation/{v}/{kind}_predicted"][()] == labels)
                    name = "model" if v == "plain" else v
                    assert abs(acc - f[f"metrics/{name}/{kind}_accuracy"][0]) < 1e-15, (v, kind)
            n = int(f["canonicalisation"].attrs["images"])
            for key, path in (("moved_accuracy", "predicted"), ("model_moved_accuracy", "raw_predicted"),
                              ("oracle_moved_accuracy", "oracle_predicted")):
                acc = np.mean(f[f"canonicalisation/{path}"][()] == labels[:n])
                assert abs(acc - f[f"metrics/lielac/{key}"][0]) < 1e-15, key
            e, e0 = f["canonicalisation/energy"][()], f["canonicalisation/identity_energy"][()]
            assert np.all(e <= e0), "a canonical image has a higher energy than the moved image"
            assert np.array_equal(f["canonicalisation/raw_predicted"][()], f["evaluation/plain/moved_predicted"][:n])
            m = {g: {k: float(v[0]) for k, v in grp.items()} for g, grp in f["metrics"].items()}
    print("  ", m)
    assert m["model"]["test_accuracy"] > m["model"]["moved_accuracy"] + 0.15, "the moved test set is not harder"
    print("truths: digits as sklearn's, accuracies recomputed, energies never raised")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("data.dataset=mnist", "data.dataset"),
                              ("data.test=1300", "data.test"),
                              ("transforms.scale_max=0.5", "transforms.scale_max"),
                              ("training.variants=[\"augmented\"]", "training.variants"),
                              ("training.batch=1000", "training.batch"),
                              ("canonicalisation.group=rotation", "canonicalisation.group"),
                              ("canonicalisation.images=100", "canonicalisation.images"),
                              ("canonicalisation.region=everywhere", "canonicalisation.region"),
                              ("training.contrast_weight=-1", "training.contrast_weight")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", override, expect=2)
            assert key in p.stderr, f"{override}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
    print("config_errors: each error names its key; nothing written")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
