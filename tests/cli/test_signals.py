#!/usr/bin/env python3
"""Real signals sent to real runs: Ctrl-C (SIGINT) and `kill PID` (SIGTERM).

Usage: test_signals.py CASE   (the executable comes from $STRUCTURA)

launcher:      SIGINT, then SIGTERM, to `structura run --ranks 2` (which
               supervises mpirun) in the middle of a checkpointed stage: exit
               status 3 both times, a checkpoint, and the reruns resume to a
               result identical bit for bit to an uninterrupted run.
mpirun_direct: the same under a bare `mpirun -n 2 structura run`: SIGUSR1
               to mpirun (forwarded) gives exit 3 and a checkpoint; SIGINT
               to mpirun gives a checkpoint when mpirun leaves the ranks the
               time (odls_base_sigkill_timeout); the rerun resumes.
ct_stop:       ct.classical's SIRT, LSQR and TV keep no checkpoint: a long
               reconstruction stops within seconds of SIGTERM/SIGINT, exits
               3, keeps the stages done before it and nothing of its own.
sympflow_stop: sympflow's evaluate stage stops on SIGTERM the same way.
"""
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import h5py

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from structura_cli import STRUCTURA, run  # noqa: E402
from test_cli import assert_identical  # noqa: E402

SMALL = HERE / "small.toml"
CT_SMALL = HERE.parent / "ct" / "small.toml"
SYMPFLOW_SMALL = HERE.parent / "sympflow" / "small.toml"

# A hamiltonian.ensemble run of several seconds whose integrate/verlet stage
# polls once a frame (80 frames of 1e5 steps of 4000 trajectories: 0.1 s at
# 4e9 trajectory-steps/s on 2 ranks, 0.04 s at 1e10; 12 MB).
LONG = ["ensemble.trajectories=4000", "integration.t_end=400000.0", "integration.output_every=100000",
        'integration.methods=["verlet"]', "reference.method=none"]
STAGE = "integrate/verlet"
# The same run four times as long (80 frames of 4e5 steps), for bare mpirun's
# SIGINT: mpirun waits odls_base_sigkill_timeout (2 s) before it passes SIGTERM
# on, so the stage must still be running more than 3 s after the signal. LONG
# ends within 3 s of its resumption on a machine doing 1e10 trajectory-steps/s.
LONG_DIRECT = [*LONG[:1], "integration.t_end=1600000.0", "integration.output_every=400000", *LONG[3:]]


def mpirun_prefix():
    cmd = ["mpirun", "-n", "2"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    if (os.cpu_count() or 1) < 2:
        cmd.append("--oversubscribe")
    return cmd


class Started:
    """A command started in the background, its output collected in files."""

    def __init__(self, cmd, workdir, env=None):
        self.cmd = [str(c) for c in cmd]
        self.out = open(workdir / f"out-{time.monotonic_ns()}.txt", "w+")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(self.cmd, stdout=self.out, stderr=subprocess.STDOUT, env=full_env)

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError(f"{' '.join(self.cmd)} still running {timeout} s after the signal:\n{self.text()}")
        return rc

    def text(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read()


def log_sizes(runs_dir):
    return {log: log.stat().st_size for log in pathlib.Path(runs_dir).rglob("log.txt")}


def wait_for_log(runs_dir, text, proc, since=None, timeout=300):
    """Until the run's log.txt holds `text` (the stage has started) after the
    `since` offsets (log.txt is appended to by every run)."""
    since = since or {}
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        for log in pathlib.Path(runs_dir).rglob("log.txt"):
            with open(log, "rb") as f:
                f.seek(since.get(log, 0))
                if text.encode() in f.read():
                    return log.parent
        if proc.p.poll() is not None:
            raise AssertionError(f"the run ended ({proc.p.returncode}) before '{text}':\n{proc.text()}")
        time.sleep(0.05)
    raise AssertionError(f"no '{text}' in log.txt after {timeout} s:\n{proc.text()}")


def interrupt(cmd, runs_dir, sig, tmp, after="stage %s: starting" % STAGE, delay=1.0, timeout=60, env=None,
              target=None):
    """Starts cmd, waits for `after` in the log and `delay` s more, sends `sig`
    (to the process, or to the process `target(proc)` names); returns
    (exit status, output, run dir, seconds from the signal to the exit)."""
    since = log_sizes(runs_dir)
    proc = Started(cmd, tmp, env)
    run_dir = wait_for_log(runs_dir, after, proc, since)
    time.sleep(delay)
    assert proc.p.poll() is None, f"the run ended before the signal:\n{proc.text()}"
    pid = target(proc) if target else proc.p.pid
    sent = time.monotonic()
    os.kill(pid, sig)
    rc = proc.wait(timeout)
    return rc, proc.text(), run_dir, time.monotonic() - sent


def checkpoint_frame(run_dir):
    with h5py.File(run_dir / "result.h5.partial", "r") as f:
        assert f["checkpoint"].attrs["stage"] == STAGE, dict(f["checkpoint"].attrs)
        return int(f["checkpoint"].attrs["next_frame"])


def stage_done(run_dir, stage):
    path = run_dir / "result.h5"
    if not path.exists():
        return False
    with h5py.File(path, "r") as f:
        return f"stages/{stage}" in f and f[f"stages/{stage}"].attrs.get("status") == "done"


def case_launcher(tmp):
    runs = tmp / "cut"
    cmd = [STRUCTURA, "run", SMALL, *LONG, "--ranks", 2, "--runs-dir", runs, "--no-plots"]
    # Ctrl-C: on a terminal SIGINT goes to the launcher's process group; mpirun
    # and its ranks have their own groups, so the launcher alone gets it.
    rc, out, d, secs = interrupt(cmd, runs, signal.SIGINT, tmp)
    assert rc == 3, f"SIGINT: exit status {rc}, expected 3:\n{out}"
    assert "asking the 2 ranks to write a checkpoint" in out, out
    first = checkpoint_frame(d)
    assert 0 < first < 80, first
    assert not stage_done(d, STAGE)
    print(f"SIGINT: exit 3 {secs:.2f} s after the signal, checkpoint at frame {first}")

    # kill PID (SIGTERM) of the rerun: it resumes, and stops again with a later checkpoint.
    rc, out, d, secs = interrupt(cmd, runs, signal.SIGTERM, tmp, after="resuming from its checkpoint")
    assert rc == 3, f"SIGTERM: exit status {rc}, expected 3:\n{out}"
    second = checkpoint_frame(d)
    assert first < second < 80, (first, second)
    print(f"SIGTERM: exit 3 {secs:.2f} s after the signal, checkpoint at frame {second}")

    p = run("run", SMALL, *LONG, "--ranks", 2, "--runs-dir", runs, "--no-plots")
    assert f"stage {STAGE}: resuming from its checkpoint" in p.stdout, p.stdout
    assert stage_done(d, STAGE) and not (d / "result.h5.partial").exists()
    run("run", SMALL, *LONG, "--ranks", 2, "--runs-dir", tmp / "straight", "--no-plots")
    straight = next((tmp / "straight").rglob("result.h5"))
    assert_identical(straight, d / "result.h5", "interrupted twice (SIGINT, SIGTERM) + resumed vs straight",
                     reductions_exact=True)

    # Ctrl-C twice: the second stops the ranks at once, without a checkpoint.
    runs = tmp / "twice"
    # Frames of 4e5 steps (~0.4 s): the first signal cannot end the run before the second comes.
    proc = Started([STRUCTURA, "run", SMALL, *LONG, "integration.output_every=400000", "--ranks", 2, "--runs-dir", runs,
                    "--no-plots"], tmp)
    wait_for_log(runs, f"stage {STAGE}: starting", proc)
    os.kill(proc.p.pid, signal.SIGINT)
    time.sleep(0.05)  # two pending SIGINTs would be one
    os.kill(proc.p.pid, signal.SIGINT)
    rc = proc.wait(30)
    assert rc not in (0, 3), f"Ctrl-C twice: exit status {rc}:\n{proc.text()}"
    assert "SIGINT again: stopping the ranks now" in proc.text(), proc.text()
    print(f"Ctrl-C twice: exit status {rc}, no checkpoint promised")


def case_mpirun_direct(tmp):
    runs = tmp / "cut"
    cmd = [*mpirun_prefix(), STRUCTURA, "run", SMALL, *LONG_DIRECT, "--runs-dir", runs, "--no-plots"]
    # mpirun forwards SIGUSR1 to the ranks: they checkpoint and mpirun exits 3.
    rc, out, d, secs = interrupt(cmd, runs, signal.SIGUSR1, tmp)
    assert rc == 3, f"SIGUSR1 to mpirun: exit status {rc}, expected 3:\n{out}"
    first = checkpoint_frame(d)
    print(f"SIGUSR1 to mpirun: exit 3 after {secs:.2f} s, checkpoint at frame {first}")

    # SIGINT/SIGTERM to mpirun: mpirun itself sends the ranks SIGTERM after
    # odls_base_sigkill_timeout s and SIGKILL as long again later, and exits
    # 1 whatever they do. Given 2 s, the ranks' SIGTERM handler checkpoints.
    slow_kill = [*mpirun_prefix()[:1], "--mca", "odls_base_sigkill_timeout", "2", *mpirun_prefix()[1:]]
    cmd = [*slow_kill, STRUCTURA, "run", SMALL, *LONG_DIRECT, "--runs-dir", runs, "--no-plots"]
    rc, out, d, secs = interrupt(cmd, runs, signal.SIGINT, tmp, after="resuming from its checkpoint")
    assert rc != 0, out
    assert not stage_done(d, STAGE), \
        f"the stage ended before mpirun passed SIGTERM on ({secs:.1f} s); LONG_DIRECT is too short here:\n{out}"
    second = checkpoint_frame(d)
    assert first < second < 80, (first, second)
    print(f"SIGINT to mpirun: exit {rc} (mpirun's) after {secs:.2f} s, checkpoint at frame {second}")

    p = subprocess.run([*mpirun_prefix(), STRUCTURA, "run", SMALL, *LONG_DIRECT, "--runs-dir", runs, "--no-plots"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"stage {STAGE}: resuming from its checkpoint" in p.stdout, p.stdout
    assert stage_done(d, STAGE) and not (d / "result.h5.partial").exists()


def ct_case(tmp, label, method, overrides, ranks, sig):
    """A reconstruction that would run for minutes stops within seconds."""
    runs = tmp / label
    ranks_args = ["--ranks", ranks] if ranks > 1 else []
    cmd = [STRUCTURA, "run", CT_SMALL, f'reconstruction.methods=["{method}"]', "noise.kind=none", *overrides,
           *ranks_args, "--runs-dir", runs, "--no-plots"]
    rc, out, d, secs = interrupt(cmd, runs, sig, tmp, after=f"stage reconstruct/{method}: starting", delay=1.5)
    assert rc == 3, f"{label}: exit status {rc}, expected 3:\n{out}"
    assert secs < 5, f"{label}: stopped {secs:.1f} s after the signal"
    assert f"stage reconstruct/{method}: stopped by signal before it finished" in out, out
    assert "nothing of it was kept" in out, out
    assert not (d / "result.h5.partial").exists(), "a stage without a checkpoint leaves no partial file"
    assert stage_done(d, "sinograms"), "the stages done before it are kept"
    with h5py.File(d / "result.h5", "r") as f:
        assert f"reconstructions/{method}" not in f, "an unfinished reconstruction must not look like a result"
        assert "reconstruct" not in f["stages"], list(f["stages"])
    print(f"{label}: exit 3 {secs:.2f} s after {signal.Signals(sig).name}")
    return out


def case_ct_stop(tmp):
    # Without noise the discrepancy principle never stops SIRT: 10^6 iterations.
    ct_case(tmp, "sirt-launcher", "sirt", ["sirt.iterations=1000000"], 2, signal.SIGTERM)
    ct_case(tmp, "sirt-one-process", "sirt", ["sirt.iterations=1000000"], 1, signal.SIGINT)
    ct_case(tmp, "tv", "tv", ["tv.iterations=1000000"], 2, signal.SIGINT)
    # LSQR at 128^2 (16384 unknowns) runs its 10^5 iterations unless stopped.
    ct_case(tmp, "lsqr", "lsqr", ["lsqr.max_iterations=100000", "image.size=128", "beam.angles=180"], 2,
            signal.SIGTERM)
    # The rerun keeps the stages done and starts the stopped one again (and is stopped again).
    out = ct_case(tmp, "sirt-one-process", "sirt", ["sirt.iterations=1000000"], 1, signal.SIGTERM)
    # (The phantoms and sinograms come from the run's shared data set, made once.)
    kept = "stage sinograms: done already, skipped" in out or "data set sinograms:" in out
    assert kept and "stage reconstruct/sirt: starting" in out, out


def case_sympflow_stop(tmp):
    runs = tmp / "runs"
    # 10^6 frames of evaluation: minutes, unless stopped.
    cmd = [STRUCTURA, "run", SYMPFLOW_SMALL, "evaluation.times=[1.0, 1000000.0]", "--ranks", 2, "--runs-dir", runs,
           "--no-plots"]
    rc, out, d, secs = interrupt(cmd, runs, signal.SIGTERM, tmp, after="stage evaluate: starting", delay=1.5)
    assert rc == 3, f"exit status {rc}, expected 3:\n{out}"
    assert secs < 5, f"stopped {secs:.1f} s after the signal"
    assert "stage evaluate: stopped by signal before it finished" in out, out
    assert not (d / "result.h5.partial").exists()
    with h5py.File(d / "result.h5", "r") as f:
        assert "evaluation" not in f and "evaluate" not in f["stages"], list(f)
    print(f"evaluate: exit 3 {secs:.2f} s after SIGTERM; training kept")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CASES)}}}")
    with tempfile.TemporaryDirectory(prefix="structura-signals-") as d:
        os.chdir(d)
        CASES[sys.argv[1]](pathlib.Path(d))
    print("PASS")
