#!/usr/bin/env python3
"""Integration tests of `structura run` through its command line.

Usage: test_cli.py CASE   (the executable comes from $STRUCTURA)

Each case checks the CLI against an independent truth: a run on another
number of ranks, an uninterrupted run, files hashed before and after.
"""
import hashlib
import os
import pathlib
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from structura_cli import run  # noqa: E402

SMALL = HERE / "small.toml"
TIMING = {"throughput", "kernel_seconds"}  # metrics that measure the machine, not the result


def only_run_dir(runs_dir):
    dirs = [p.parent for p in pathlib.Path(runs_dir).rglob("config.toml")]
    assert len(dirs) == 1, dirs
    return dirs[0]


def datasets(path, skip_timing=True):
    """All numeric datasets of a result file, by path."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu":
                if skip_timing and name.split("/")[-1] in TIMING:
                    return
                if name.startswith("checkpoint"):
                    return
                out[name] = obj[()]
        f.visititems(visit)
    return out


def is_reduction(name):
    """Statistics over the ensemble (sums over ranks): equal up to rounding."""
    return name.startswith("metrics/") or "/relative_energy_error/" in name or "/state_error/" in name


def assert_identical(a, b, what, reductions_exact=False):
    """Trajectories, energies and inputs bit for bit; ensemble statistics bit
    for bit when reductions_exact, else to 1e-12 relative (sum order)."""
    da, db = datasets(a), datasets(b)
    assert sorted(da) == sorted(db), f"{what}: different datasets {sorted(set(da) ^ set(db))}"
    exact = 0
    for name in da:
        assert da[name].shape == db[name].shape, f"{what}: {name} shapes differ"
        if is_reduction(name) and not reductions_exact:
            assert np.allclose(da[name], db[name], rtol=1e-12, atol=0), f"{what}: {name} differs beyond rounding"
            continue
        if not np.array_equal(da[name], db[name]):
            diff = np.max(np.abs(da[name].astype(float) - db[name].astype(float)))
            raise AssertionError(f"{what}: {name} differs (max abs difference {diff})")
        exact += 1
    print(f"{what}: {exact} datasets identical bit for bit, {len(da) - exact} equal to rounding")


def tree_fingerprint(root):
    """Path -> (sha256, mtime) of every file under root."""
    fp = {}
    for p in sorted(pathlib.Path(root).rglob("*")):
        if p.is_file():
            fp[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return fp


def case_ranks(tmp):
    """1 rank and 2 ranks give identical trajectories and metrics."""
    run("run", SMALL, "--ranks", 1, "--runs-dir", tmp / "one", "--no-plots")
    run("run", SMALL, "--ranks", 2, "--runs-dir", tmp / "two", "--no-plots")
    a, b = only_run_dir(tmp / "one"), only_run_dir(tmp / "two")
    assert a.name == b.name, "the run id must not depend on the rank count"
    assert_identical(a / "result.h5", b / "result.h5", "1 rank vs 2 ranks")
    with h5py.File(a / "result.h5") as f1, h5py.File(b / "result.h5") as f2:
        assert f1.attrs["mpi_size"] == 1 and f2.attrs["mpi_size"] == 2


def case_interrupt(tmp):
    """A run interrupted by a signal and resumed equals an uninterrupted one,
    also when it resumes on a different number of ranks."""
    run("run", SMALL, "--ranks", 2, "--runs-dir", tmp / "straight", "--no-plots")
    # The reference stage polls once per frame (20 / 0.05 / 4 = 100 frames);
    # 150 polls lands in the middle of integrate/verlet.
    p = run("run", SMALL, "--ranks", 2, "--runs-dir", tmp / "cut", "--no-plots",
            env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "150"}, expect=3)
    d = only_run_dir(tmp / "cut")
    assert (d / "result.h5.partial").exists(), "an interrupted stage keeps its partial file"
    with h5py.File(d / "result.h5") as f:
        done = {k for k, g in f["stages"].items() if "status" in g.attrs}
        assert f["stages/initial"].attrs["status"] == "done"
        assert f["stages/reference"].attrs["status"] == "done"
        assert "verlet" not in f["stages"].get("integrate", {}), "interrupted stage must not be marked done"
        assert "timeseries/verlet" not in f, "result.h5 holds only completed stages"
    with h5py.File(d / "result.h5.partial") as f:
        assert f["checkpoint"].attrs["stage"] == "integrate/verlet"
        assert 0 < f["checkpoint"].attrs["next_frame"] < 100
    assert "interrupted" in p.stdout + p.stderr
    # Resume on one rank: the checkpoint is global, so any rank count works.
    p = run("run", SMALL, "--ranks", 1, "--runs-dir", tmp / "cut", "--no-plots")
    assert "resuming from its checkpoint" in p.stdout, p.stdout
    assert "stage initial: done already, skipped" in p.stdout
    assert not (d / "result.h5.partial").exists()
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", d / "result.h5", "interrupted+resumed vs straight")
    # Interrupted and resumed on the same number of ranks: everything, the
    # ensemble statistics included, is bit for bit the same.
    run("run", SMALL, "--ranks", 2, "--runs-dir", tmp / "cut2", "--no-plots",
        env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": "220"}, expect=3)
    run("run", SMALL, "--ranks", 2, "--runs-dir", tmp / "cut2", "--no-plots")
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", only_run_dir(tmp / "cut2") / "result.h5",
                     "interrupted+resumed on 2 ranks vs straight", reductions_exact=True)


def case_config_errors(tmp):
    """Bad input exits with status 2, names the key, and changes nothing in an
    existing run directory."""
    runs = tmp / "runs"
    run("run", SMALL, "--runs-dir", runs, "--no-plots")
    before = tree_fingerprint(runs)
    text = SMALL.read_text()
    cases = {
        "unknown key": (text.replace("trajectories = 101", "trajectoires = 101"), [], "ensemble.trajectoires"),
        "wrong type": (text.replace("dt = 0.05", "dt = \"small\""), [], "integration.dt"),
        "out of range": (text.replace("trajectories = 101", "trajectories = -5"), [], "ensemble.trajectories"),
        "bad override": (text, ["integration.dt=fast"], "integration.dt"),
        "unknown override": (text, ["integration.stepsize=0.1"], "integration.stepsize"),
    }
    for label, (content, overrides, key) in cases.items():
        bad = tmp / "small.toml"  # same name as the good file: same experiment directory
        bad.write_text(content)
        for ranks in ([], ["--ranks", "2"]):
            p = run("run", bad, *overrides, *ranks, "--runs-dir", runs, "--no-plots", expect=2)
            assert key in p.stderr, f"{label}: message does not name {key}: {p.stderr}"
            assert "Traceback" not in p.stderr and "terminate called" not in p.stderr
    p = run("run", tmp / "missing.toml", "--runs-dir", runs, expect=2)
    assert "missing.toml" in p.stderr and "no such experiment file" in p.stderr, p.stderr
    p = run("run", SMALL, "--ranks", "zero", expect=2)
    assert "--ranks" in p.stderr, p.stderr
    (tmp / "small.toml").write_text(cases["unknown key"][0])
    p = run("validate", tmp / "small.toml", expect=2)
    assert "ensemble.trajectoires" in p.stderr
    assert tree_fingerprint(runs) == before, "an existing run directory was modified"
    print(f"{len(cases) * 2 + 2} bad inputs rejected with status 2; run directory unchanged")


def case_numerical_failure(tmp):
    """A diverging integration stops the stage with a message naming the
    quantity; nothing that looks like a result is written for it."""
    runs = tmp / "runs"
    # Verlet is unstable for omega*dt > 2: here omega*dt = 1000 * 0.1 = 100.
    p = run("run", SMALL, "system.name=harmonic-oscillator", "system.stiffness=1e6", "integration.dt=0.1",
            "integration.t_end=100", "integration.output_every=10", "ensemble.sampling=box",
            "integration.methods=[\"verlet\"]", "reference.method=none",
            "ensemble.energy=0.1", "--ranks", 2, "--runs-dir", runs, "--no-plots", expect=1)
    assert "integrate/verlet" in p.stderr and "no longer finite" in p.stderr, p.stderr
    d = only_run_dir(runs)
    assert not (d / "result.h5.partial").exists()
    with h5py.File(d / "result.h5") as f:
        assert "timeseries/verlet" not in f and "metrics" not in f
        assert f["stages/initial"].attrs["status"] == "done"


def case_skip_and_force(tmp):
    """Done stages are skipped on a second run; --force redoes them."""
    runs = tmp / "runs"
    run("run", SMALL, "--runs-dir", runs, "--no-plots")
    p = run("run", SMALL, "--runs-dir", runs, "--no-plots")
    for stage in ("initial", "reference", "integrate/verlet", "integrate/triple-jump4", "metrics"):
        assert f"stage {stage}: done already, skipped" in p.stdout, p.stdout
    first = datasets(only_run_dir(runs) / "result.h5")
    p = run("run", SMALL, "--runs-dir", runs, "--no-plots", "--force")
    assert "skipped" not in p.stdout
    second = datasets(only_run_dir(runs) / "result.h5")
    assert all(np.array_equal(first[k], second[k]) for k in first)


def case_list_validate(tmp):
    """`list` documents every parameter; `validate` expands sweeps."""
    p = run("list")
    for key in ("system.name", "ensemble.trajectories", "integration.dt", "integration.output_every",
                "reference.rtol", "slurm.partition"):
        assert key in p.stdout, key
    sweep = tmp / "sweep.toml"
    sweep.write_text(SMALL.read_text() + '\n[sweep]\n"experiment.seed" = [1, 2, 3]\n')
    p = run("validate", sweep)
    assert "3 run(s)" in p.stdout, p.stdout
    assert len({line.split()[1] for line in p.stdout.splitlines() if line.strip().startswith("[")}) == 3
    assert "structura" in run("--version").stdout


def case_hostile_inputs(tmp):
    """Inputs that once crashed, hung or failed mid-run (issue 9): the real
    binary refuses them with exit 2 naming the key; messages name real keys."""
    text = SMALL.read_text()
    cases = [
        (["experiment.kind=nonsense"], "experiment.kind"),
        (["experiment.kind=ct.classical"], "unknown key"),
        (["ensemble.trajectories=9223372036854775807"], "ensemble.trajectories"),
        (["integration.t_end=1e19", "integration.output_every=1"], "integration.t_end"),
        (["ensemble.q_min=-inf"], "ensemble.q_min"),
        (["experiment.name=../../x"], "experiment.name"),
        (["experiment.name=" + "n" * 300], "experiment.name"),
    ]
    deep = tmp / "deep.toml"
    deep.write_text(text + "\n" + "a." * 40000 + "a = 1\n")
    sweep = tmp / "sweep.toml"
    sweep.write_text(text + "\n[sweep]\n" + "".join(
        f'"{key}" = [{", ".join(str(i + 1) for i in range(n))}]\n'
        for key, n in (("experiment.seed", 50), ("ensemble.q_max", 20), ("ensemble.p_max", 20),
                       ("ensemble.trajectories", 20), ("system.lambda", 30), ("ensemble.energy", 2))))
    for overrides, key in cases:
        p = run("validate", SMALL, *overrides, expect=2)
        assert key in p.stderr, f"{overrides}: {p.stderr}"
        assert "internal" not in p.stderr and "terminate called" not in p.stderr, p.stderr
    p = run("validate", deep, expect=2)
    assert "deep.toml:" in p.stderr and "nesting" in p.stderr, p.stderr
    p = run("validate", sweep, expect=2)
    assert "10000 runs" in p.stderr, p.stderr
    # `list` shows exclusive bounds as validation applies them.
    p = run("list", "ct.classical")
    line = next(l for l in p.stdout.splitlines() if "sirt.relaxation" in l)
    assert "(values in (0, 2))" in line, line
    # A non-converging implicit midpoint names the key that sets its step.
    damped = tmp / "damped.toml"
    damped.write_text("""[experiment]
kind = "hamiltonian.ensemble"
[system]
name = "damped-oscillator"
[ensemble]
trajectories = 4
[integration]
methods = ["implicit-midpoint"]
dt = 5.0
t_end = 50.0
output_every = 1
[reference]
method = "none"
""")
    p = run("run", damped, "--runs-dir", tmp / "runs", "--no-plots", expect=1)
    assert "integration.dt" in p.stderr and "time.dt" not in p.stderr, p.stderr
    print(f"{len(cases) + 1} hostile inputs refused; list and the implicit-midpoint message checked")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CASES)}}}")
    with tempfile.TemporaryDirectory(prefix="structura-cli-") as d:
        os.chdir(d)
        CASES[sys.argv[1]](pathlib.Path(d))
    print("PASS")
