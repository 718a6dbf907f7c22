#!/usr/bin/env python3
"""HDF5 checks of the Slurm tests (h5py, numpy).

  check_results.py sweep RUNS_DIR LOCAL_RUNS_DIR
      the 2-run oscillator sweep run by Slurm: every stage done on 2 ranks,
      /metrics, the Slurm job recorded; Verlet and the triple jump converge
      with orders 2 and 4 between the two step sizes; /timeseries equal to a
      local 1-rank run of the same file (bit for bit per trajectory, to
      1e-12 for reductions over the ensemble).
  check_results.py requeue SLURM_RESULT LOCAL_RESULT
      the run that was interrupted and requeued: done on 2 ranks after at
      least one restart, /timeseries and /data equal bit for bit to an
      uninterrupted local run.
"""
import glob
import os
import sys
import tomllib

import h5py
import numpy as np


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def stages_of(f):
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and "status" in obj.attrs:
            found[name] = obj

    f["stages"].visititems(visit)
    return found


def slurm_environment(f):
    env = {}
    for line in text(f.attrs.get("slurm_environment", "")).splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


def check_run(path, ranks, expected_stages):
    """Every stage done on `ranks` ranks, /metrics, a Slurm job recorded."""
    with h5py.File(path, "r") as f:
        stages = stages_of(f)
        if sorted(stages) != sorted(expected_stages):
            fail(f"{path}: stages {sorted(stages)}, expected {sorted(expected_stages)}")
        for name, g in stages.items():
            if text(g.attrs["status"]) != "done":
                fail(f"{path}: stage {name} has status {text(g.attrs['status'])}")
            if int(g.attrs["ranks"]) != ranks:
                fail(f"{path}: stage {name} ran on {int(g.attrs['ranks'])} ranks, expected {ranks}")
        if "metrics" not in f:
            fail(f"{path}: no /metrics")
        if int(f.attrs["mpi_size"]) != ranks:
            fail(f"{path}: mpi_size {int(f.attrs['mpi_size'])}, expected {ranks}")
        env = slurm_environment(f)
        if not env.get("SLURM_JOB_ID"):
            fail(f"{path}: no SLURM_JOB_ID in slurm_environment: {env}")
        return env


def datasets(f, roots):
    out = {}
    for root in roots:
        if root not in f:
            continue

        def visit(name, obj, root=root):
            if isinstance(obj, h5py.Dataset):
                out[f"{root}/{name}"] = obj

        f[root].visititems(visit)
    return out


def compare(a_path, b_path, roots, reductions_rtol=0.0):
    """Datasets under `roots` equal bit for bit. With reductions_rtol > 0,
    those without a trajectory axis (means and maxima over the ensemble,
    whose summation order depends on the ranks) need only agree that well."""
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        da, db = datasets(a, roots), datasets(b, roots)
        trajectories = a["data/initial/position"].shape[0]
        if not da:
            fail(f"{a_path}: nothing under {roots}")
        if sorted(da) != sorted(db):
            fail(f"datasets differ: {sorted(set(da) ^ set(db))}")
        exact = 0
        for name in sorted(da):
            x, y = da[name][()], db[name][()]
            if x.shape != y.shape or x.dtype != y.dtype:
                fail(f"{name}: {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
            if np.array_equal(x, y):
                exact += 1
                continue
            per_trajectory = trajectories in x.shape[1:2]
            if reductions_rtol > 0 and not per_trajectory and np.allclose(x, y, rtol=reductions_rtol, atol=0):
                continue
            diff = np.max(np.abs(x.astype(float) - y.astype(float)))
            fail(f"{name}: not equal bit for bit ({a_path} vs {b_path}; max |difference| {diff:g})")
        print(f"{len(da)} datasets under {', '.join(roots)}: {exact} equal bit for bit"
              + (f", {len(da) - exact} ensemble reductions within rtol {reductions_rtol:g}" if exact < len(da) else ""))


def run_dirs(experiment_dir):
    return sorted(os.path.dirname(p) for p in glob.glob(os.path.join(experiment_dir, "*", "config.toml")))


def sweep(runs_dir, local_runs_dir):
    expected = ["initial", "reference", "integrate/verlet", "integrate/triple-jump4", "metrics"]
    dirs = run_dirs(os.path.join(runs_dir, "oscillator-sweep"))
    if len(dirs) != 2:
        fail(f"{runs_dir}: {len(dirs)} runs, expected 2")
    errors = {}
    for d in dirs:
        with open(os.path.join(d, "slurm_jobs.toml"), "rb") as fh:
            jobs = tomllib.load(fh)
        env = check_run(os.path.join(d, "result.h5"), 2, expected)
        task = str(jobs["sweep_index"])
        if env.get("SLURM_ARRAY_TASK_ID") != task:
            fail(f"{d}: ran as array task {env.get('SLURM_ARRAY_TASK_ID')}, expected {task}")
        recorded = {j["group"]: j for j in jobs["job"]}
        if env.get("SLURM_ARRAY_JOB_ID") != recorded["integrate"]["job_id"]:
            fail(f"{d}: last stage ran in array job {env.get('SLURM_ARRAY_JOB_ID')}, "
                 f"slurm_jobs.toml says {recorded['integrate']['job_id']}")
        with h5py.File(os.path.join(d, "result.h5"), "r") as f:
            dt = float(f["metrics/verlet/dt"][0])
            errors[dt] = {m: float(f[f"metrics/{m}/final_error_max"][0]) for m in ("verlet", "triple-jump4")}
        local = os.path.join(local_runs_dir, "oscillator-sweep", os.path.basename(d), "result.h5")
        compare(os.path.join(d, "result.h5"), local, ["timeseries", "data"], reductions_rtol=1e-12)
    if sorted(errors) != [0.01, 0.02]:
        fail(f"step sizes {sorted(errors)}, expected [0.01, 0.02]")
    # Halving dt divides the error of an order-p method by 2^p.
    for method, order in (("verlet", 2), ("triple-jump4", 4)):
        ratio = errors[0.02][method] / errors[0.01][method]
        if not 0.9 * 2**order < ratio < 1.1 * 2**order:
            fail(f"{method}: error ratio {ratio:.3f} between dt = 0.02 and 0.01, expected about {2**order}")
        print(f"{method}: error ratio {ratio:.3f} for dt halved (order {order}: {2**order})")


def requeue(slurm_result, local_result):
    expected = ["initial", "integrate/verlet", "metrics"]
    env = check_run(slurm_result, 2, expected)
    restarts = int(env.get("SLURM_RESTART_COUNT", "0") or 0)
    if restarts < 1:
        fail(f"{slurm_result}: SLURM_RESTART_COUNT {restarts}: the job was never requeued")
    print(f"finished after {restarts} restart(s) of job {env['SLURM_JOB_ID']}")
    compare(slurm_result, local_result, ["timeseries", "data"])


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("sweep", "requeue"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"sweep": sweep, "requeue": requeue}[sys.argv[1]](sys.argv[2], sys.argv[3])
