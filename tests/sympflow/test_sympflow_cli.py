#!/usr/bin/env python3
"""Integration tests of the `sympflow` experiment kind through the CLI.

Usage: test_sympflow_cli.py CASE   (the executable comes from $STRUCTURA)

Each case checks against an independent truth: the same training on another
number of ranks, an uninterrupted training, the analytic oscillator flow,
the energy shell of the Henon-Heiles orbits.
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
    files = list(pathlib.Path(runs_dir).rglob("result.h5"))
    assert len(files) == 1, files
    return files[0]


def parameters(path):
    """variant -> {parameter name: array} of every trained model."""
    out = {}
    with h5py.File(path, "r") as f:
        for variant, g in f["models"].items():
            out[variant] = {k: d[()] for k, d in g["parameters"].items()}
    return out


def compare_parameters(a, b, what, rtol):
    pa, pb = parameters(a), parameters(b)
    assert sorted(pa) == sorted(pb), f"{what}: different variants"
    worst = 0.0
    for v in pa:
        for k in pa[v]:
            x, y = pa[v][k], pb[v][k]
            scale = max(1.0, float(np.max(np.abs(x))))
            d = float(np.max(np.abs(x - y))) / scale
            worst = max(worst, d)
            assert d <= rtol, f"{what}: {v}/{k} differs by {d:.3e} (allowed {rtol:.0e})"
    print(f"{what}: {sum(len(p) for p in pa.values())} parameter tensors agree, largest difference {worst:.2e}")
    return worst


def case_ranks():
    """Data-parallel training on 1 and 2 ranks ends at the same parameters
    (float64, to 1e-12: only the order of the gradient sums differs)."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 1, f"experiment.runs_dir={d1}")
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        a, b = result_file(d1), result_file(d2)
        compare_parameters(a, b, "1 vs 2 ranks", 1e-12)
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for which in ("training", "validation"):  # per-trajectory data: bit for bit
                for name in ("initial", "states", "times"):
                    assert np.array_equal(fa[f"data/{which}/{name}"][()], fb[f"data/{which}/{name}"][()]), name
            for method, g in fa["metrics"].items():
                for name, ds in g.items():
                    if name in ("inference_time", "training_time_per_epoch"):
                        continue  # they measure the machine
                    x, y = ds[()][0], fb[f"metrics/{method}/{name}"][()][0]
                    assert abs(x - y) <= 1e-8 * max(abs(x), 1e-300), f"metrics/{method}/{name}: {x} vs {y}"
        print("ranks: data bit for bit, metrics equal to rounding")


def case_resume():
    """A training interrupted by a signal and resumed ends at exactly the
    parameters of an uninterrupted training (same rank count)."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d1}")
        # The hook raises a signal at the 12th checkpoint poll: inside train/residual+matching.
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}",
                env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "12"}, expect=3)
        assert "checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        worst = compare_parameters(result_file(d1), result_file(d2), "interrupted+resumed vs uninterrupted", 0.0)
        assert worst == 0.0
        with h5py.File(result_file(d1), "r") as fa, h5py.File(result_file(d2), "r") as fb:
            for v in fa["training"]:
                for name in ("loss", "validation", "learning_rate"):
                    assert np.array_equal(fa[f"training/{v}/{name}"][()], fb[f"training/{v}/{name}"][()],
                                          equal_nan=True), f"training/{v}/{name}"
        print("resume: parameters and loss histories identical bit for bit")


def case_supervised_data():
    """The supervised training data are the analytic oscillator flow
    (noise 0), and with noise eps the residual has standard deviation eps."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "training.variants=[\"supervised\"]",
            "training.epochs=2", "data.trajectories=50")
        with h5py.File(result_file(d), "r") as f:
            x0, t, y = f["data/training/initial"][()], f["data/training/times"][()], f["data/training/states"][()]
        q0, p0 = x0[:, :1], x0[:, 1:]
        exact_q = q0 * np.cos(t)[None, :] + p0 * np.sin(t)[None, :]
        exact_p = -q0 * np.sin(t)[None, :] + p0 * np.cos(t)[None, :]
        err = max(np.max(np.abs(y[:, :, 0] - exact_q)), np.max(np.abs(y[:, :, 1] - exact_p)))
        assert err < 1e-12, f"data differ from the analytic flow by {err}"
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "training.variants=[\"supervised\"]",
            "training.epochs=2", "data.trajectories=200", "data.noise=0.05")
        with h5py.File(result_file(d), "r") as f:
            x0, t, y = f["data/training/initial"][()], f["data/training/times"][()], f["data/training/states"][()]
        q0, p0 = x0[:, :1], x0[:, 1:]
        noise = np.concatenate([(y[:, :, 0] - (q0 * np.cos(t) + p0 * np.sin(t))).ravel(),
                                (y[:, :, 1] - (-q0 * np.sin(t) + p0 * np.cos(t))).ravel()])
        std = float(np.std(noise))
        assert abs(std - 0.05) < 0.05 * 0.05, f"noise standard deviation {std}, expected 0.05"
        assert abs(float(np.mean(noise))) < 0.05 * 4 / np.sqrt(noise.size), "noise is biased"
    print(f"supervised_data: analytic flow to {err:.1e}; noise std {std:.4f} (expected 0.05)")


def case_shared_data_set():
    """A sweep over a training setting (training.learning_rate) makes the
    supervised data once, in data-sets/, and every run copies them; a sweep
    over a key the data depend on (data.noise) makes one data set per value.
    A run alone elsewhere, with other training and evaluation settings, makes
    the same bytes; and a data set whose other keys at their defaults would
    not make a valid run (training.t_max = 0.3 against the default
    evaluation.times) is made all the same."""
    supervised = "training.variants=[\"supervised\"]"
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as alone:
        sweep = pathlib.Path(d) / "sweep.toml"
        sweep.write_text(SMALL.read_text() + '\n[sweep]\n"training.learning_rate" = [0.005, 0.02]\n'
                         '"data.noise" = [0.0, 0.05]\n')
        run("run", sweep, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}/runs", supervised,
            "training.epochs=2")
        runs = sorted(pathlib.Path(d, "runs").rglob("result.h5"))
        sets = sorted(pathlib.Path(d, "runs").rglob("data.h5"))
        assert len(runs) == 4 and len(sets) == 2, (runs, sets)
        assert all(s.parent.name.startswith("training-data-") for s in sets), sets
        made = sum(p.read_text().count("stage data: starting") for p in pathlib.Path(d, "runs").rglob("log.txt"))
        assert made == 2, f"the data were made {made} times, expected once per data set"
        by_set = {}
        for r in runs:
            with h5py.File(r, "r") as f:
                link = f["stages/data"].attrs["data_set"]
                assert (r.parent / link / "data.h5").exists(), link
                data = {f"{w}/{n}": f[f"data/{w}/{n}"][()] for w in ("training", "validation")
                        for n in ("initial", "states", "times")}
                weights = np.concatenate([v[()].ravel() for v in f["models/supervised/parameters"].values()])
                by_set.setdefault(link, []).append((data, weights, float(f["data/training"].attrs["noise"])))
        assert len(by_set) == 2, list(by_set)
        states = {}
        for link, entries in by_set.items():
            assert len(entries) == 2, (link, len(entries))
            (a, wa, na), (b, wb, nb) = entries
            assert na == nb and all(np.array_equal(a[k], b[k]) for k in a), f"{link}: runs differ in their shared data"
            assert not np.array_equal(wa, wb), f"{link}: both learning rates trained the same model"
            states[na] = a
        assert sorted(states) == [0.0, 0.05], sorted(states)
        # Noise 0: the analytic oscillator flow, as the run's own data stage makes it.
        x0, t, y = states[0.0]["training/initial"], states[0.0]["training/times"], states[0.0]["training/states"]
        exact_q = x0[:, :1] * np.cos(t)[None, :] + x0[:, 1:] * np.sin(t)[None, :]
        assert np.max(np.abs(y[:, :, 0] - exact_q)) < 1e-12, "the shared data are not the oscillator flow"
        # A run alone elsewhere, other training and evaluation settings, one rank: the same bytes.
        run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={alone}", supervised,
            "training.epochs=1", "training.learning_rate=0.001", "evaluation.trajectories=10", "data.noise=0.05")
        with h5py.File(result_file(alone), "r") as f:
            assert all(np.array_equal(f[f"data/{k}"][()], v) for k, v in states[0.05].items()), \
                "a run alone made other data than the sweep's data set"
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}", supervised, "training.epochs=1",
            "training.t_max=0.3", "evaluation.times=[0.3, 0.6]")
        with h5py.File(result_file(d), "r") as f:
            assert np.allclose(f["data/training/times"][()], np.arange(8) * 0.3 / 8, rtol=0, atol=1e-15)
    print("shared_data_set: 4 runs, 2 data sets made once each, copied bit for bit; a run alone agrees; "
          "t_max 0.3 makes its data set")


def case_bounded_energy():
    """After a short training on the oscillator, SympFlow's energy error on
    held-out initial conditions stays bounded over t in [0, 100] (growth slope
    near 0) while the MLP baseline's grows."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}",
            "training.variants=[\"residual+matching\", \"baseline\"]", "training.epochs=600", "training.batch=700",
            "training.validation_points=500", "evaluation.trajectories=200", "evaluation.times=[1.0, 10.0, 100.0]")
        with h5py.File(result_file(d), "r") as f:
            m = lambda v, k: float(f[f"metrics/{v}/{k}"][()][0])  # noqa: E731
            sf_slope, bl_slope = m("residual+matching", "energy_error_slope"), m("baseline", "energy_error_slope")
            sf_e100, bl_e100 = m("residual+matching", "energy_error_t100"), m("baseline", "energy_error_t100")
            sf_e10 = m("residual+matching", "energy_error_t10")
            # The evaluation set is held out: its generator key differs from the training points'.
            assert f["evaluation"].attrs["trajectories"] == 200
        print(f"bounded_energy: slope SympFlow {sf_slope:.3f}, baseline {bl_slope:.3f}; "
              f"|dH| at t=100: SympFlow {sf_e100:.2e}, baseline {bl_e100:.2e}")
        assert abs(sf_slope) < 0.25, f"SympFlow energy error grows (slope {sf_slope})"
        assert bl_slope > 0.5, f"the baseline's energy error does not grow (slope {bl_slope})"
        assert sf_e100 < 3 * sf_e10, "SympFlow's energy error at t=100 is not bounded by its t=10 level"
        assert bl_e100 > sf_e100, "the baseline conserves energy better than SympFlow"


def case_henon_heiles():
    """Henon-Heiles with a Poincare section: the reference's crossings lie on
    the energy shell (p1^2 = 2(E - V(0, q2)) - p2^2 >= 0), every method has a
    section, and the run ends with the summary table."""
    with tempfile.TemporaryDirectory() as d:
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}", "system.name=henon-heiles",
                "training.variants=[\"residual+matching\"]", "training.epochs=10", "training.q_min=-1",
                "training.q_max=1", "training.p_min=-1", "training.p_max=1", "evaluation.poincare_orbits=3",
                "evaluation.poincare_t_end=200")
        assert "|dH| t=10" in p.stdout and "verlet" in p.stdout, p.stdout
        with h5py.File(result_file(d), "r") as f:
            pc = f["evaluation/poincare"]
            assert set(pc) >= {"reference", "residual+matching", "verlet"}, list(pc)
            ref = pc["reference"][()]
            assert ref.shape[0] >= 3 * 10, f"only {ref.shape[0]} crossings in t = 200"
            E = pc.attrs["energy"]
            q2, p2 = ref[:, 1], ref[:, 2]
            p1_squared = 2 * (E - (0.5 * q2**2 - q2**3 / 3)) - p2**2
            assert np.min(p1_squared) > -1e-6, f"a reference crossing is off the energy shell ({np.min(p1_squared)})"
            print(f"henon_heiles: {ref.shape[0]} reference crossings on the shell (min p1^2 {np.min(p1_squared):.2e})")


def case_config_errors():
    """Bad input names the key; nothing is created."""
    with tempfile.TemporaryDirectory() as d:
        for override, key in [("training.variants=[\"residual\", \"nonsense\"]", "training.variants"),
                              ("evaluation.times=[1.0, 2.5]", "evaluation.times"),
                              ("model.width=1000", "model.width"),
                              ("training.dtype=float16", "training.dtype"),
                              ("system.lambda=2.0", "system.lambda")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", override, expect=2)
            assert key in p.stderr, f"{override}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
    print("config_errors: each error names its key; nothing written")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
