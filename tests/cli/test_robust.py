#!/usr/bin/env python3
"""Robustness of `structura run` against a hostile environment (issue 9 §3).

Usage: test_robust.py CASE   (the executable comes from $STRUCTURA)

Every command runs under a timeout: a multi-rank run that hangs fails the
test instead of blocking it. The truths are independent of the code under
test: the run of an untouched directory, the kernel's own errno text, the
process that holds the directory.
"""
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_cli import SMALL, assert_identical, only_run_dir  # noqa: E402

STRUCTURA = os.environ["STRUCTURA"]
TIMEOUT = 120  # seconds; the small run takes about 2 s on 2 ranks


def run(*args, expect=0, timeout=TIMEOUT):
    cmd = [STRUCTURA, *map(str, args)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        sys.exit(f"FAIL: structura {' '.join(map(str, args))} hung (no exit within {timeout} s)\n"
                 f"--- stdout\n{e.stdout}\n--- stderr\n{e.stderr}")
    if expect is not None and p.returncode != expect:
        sys.exit(f"FAIL: structura {' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                 f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p


def small(runs, *extra, expect=0):
    return run("run", SMALL, *extra, "--ranks", 2, "--runs-dir", runs, "--no-plots", expect=expect)


def both_ranks_say(p, text):
    """Every rank stopped with the failing rank's message."""
    for r in (0, 1):
        assert any(line.startswith(f"[r{r}] error:") and text in line for line in p.stderr.splitlines()), \
            f"rank {r} does not report {text!r}:\n{p.stderr}"


def moved_aside(d, reason):
    return sorted(p.name for p in d.iterdir() if p.name.startswith(f"result.h5") and f".{reason}-" in p.name)


def largest_dataset_offset(path):
    """File offset of the stored bytes of the largest dataset (chunked or not)."""
    with h5py.File(path, "r") as f:
        found = []
        f.visititems(lambda n, o: found.append((o.id.get_storage_size(), n)) if isinstance(o, h5py.Dataset) else None)
        size, name = max(found)
        ds = f[name]
        offset = ds.id.get_chunk_info(0).byte_offset if ds.chunks else ds.id.get_offset()
        return name, offset, size


def scribble(path, offset, size):
    """Random bytes in the middle of a stored dataset."""
    rng = np.random.default_rng(7)
    with open(path, "r+b") as f:
        f.seek(offset + size // 4)
        f.write(rng.integers(0, 256, min(64, size // 2), dtype=np.uint8).tobytes())


class Tmpfs:
    """A small tmpfs of our own (root only); None when mounting is not allowed."""

    def __init__(self, where, size):
        self.where = where
        where.mkdir()
        self.ok = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                                 capture_output=True).returncode == 0

    def remount_read_only(self):
        subprocess.run(["mount", "-o", "remount,ro", str(self.where)], check=True)

    def __enter__(self):
        return self if self.ok else None

    def __exit__(self, *exc):
        if self.ok:
            subprocess.run(["umount", str(self.where)], check=True)


def case_rank0_failures(tmp):
    """Failures only rank 0 sees, outside any stage, end both ranks with its message."""
    runs = tmp / "runs"
    # A 300-byte name: refused by validation (exit 2, naming the key) before
    # any rank starts, so it cannot hang.
    p = small(runs, "experiment.name=" + "n" * 300, expect=2)
    assert "experiment.name" in p.stderr and "300 bytes" in p.stderr, p.stderr
    # A run directory rank 0 cannot make (a file where the experiment's
    # directory goes): both ranks stop with its message.
    blocked = tmp / "blocked"
    blocked.mkdir()
    (blocked / "small").write_text("in the way")
    p = small(blocked, expect=1)
    both_ranks_say(p, "cannot create the run directory")
    # A finished result.h5, truncated: moved aside and redone, not a hang.
    small(tmp / "straight")
    small(runs)
    d = only_run_dir(runs)
    os.truncate(d / "result.h5", (d / "result.h5").stat().st_size // 2)
    p = small(runs)
    assert moved_aside(d, "corrupt"), list(d.iterdir())
    assert "moved it to" in p.stderr and "corrupt" in p.stderr, p.stderr
    assert "moved it to" in (d / "log.txt").read_text()
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", d / "result.h5", "redone after truncation")
    # --force with a file HDF5 cannot open at all.
    (d / "result.h5").write_bytes(b"not an HDF5 file")
    small(runs, "--force")
    assert len(moved_aside(d, "corrupt")) == 2
    print("300-byte name, truncated and unreadable result.h5: no hang, both ranks informed")


def case_corrupt_data(tmp):
    """Random bytes inside a dataset of a finished result.h5 are detected (Fletcher32), not served."""
    runs = tmp / "runs"
    small(tmp / "straight")
    small(runs)
    d = only_run_dir(runs)
    name, offset, size = largest_dataset_offset(d / "result.h5")
    scribble(d / "result.h5", offset, size)
    p = small(runs)
    assert "done already" not in p.stdout, f"served a corrupt file:\n{p.stdout}"
    assert moved_aside(d, "corrupt") and name in p.stderr, p.stderr
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", d / "result.h5", "redone after corruption")
    print(f"scribbled on {name}: detected, moved aside, redone")


def case_foreign_file(tmp):
    """Another run's result.h5 copied into this run's directory is not served as this run's."""
    small(tmp / "straight")
    small(tmp / "other", "experiment.seed=12")
    small(tmp / "runs")
    d = only_run_dir(tmp / "runs")
    (d / "result.h5").write_bytes((only_run_dir(tmp / "other") / "result.h5").read_bytes())
    p = small(tmp / "runs")
    assert "done already" not in p.stdout, f"served another run's file:\n{p.stdout}"
    assert moved_aside(d, "foreign") and "belongs to another run" in p.stderr, p.stderr
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", d / "result.h5", "redone after a foreign file")
    print("foreign result.h5: detected, moved aside, redone")


def case_corrupt_checkpoint(tmp):
    """A checkpoint with random bytes in it is not resumed from; the stage starts afresh."""
    small(tmp / "straight")
    runs = tmp / "cut"
    env = dict(os.environ, STRUCTURA_TEST_SIGNAL_AFTER_POLLS="150")
    p = subprocess.run([STRUCTURA, "run", str(SMALL), "--ranks", "2", "--runs-dir", str(runs), "--no-plots"],
                       capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert p.returncode == 3, p.stderr
    d = only_run_dir(runs)
    partial = d / "result.h5.partial"
    with h5py.File(partial, "r") as f:
        found = []
        f["checkpoint"].visititems(lambda n, o: found.append((o.id.get_storage_size(), n))
                                   if isinstance(o, h5py.Dataset) else None)
        name = "checkpoint/" + max(found)[1]
        ds = f[name]
        offset = ds.id.get_chunk_info(0).byte_offset if ds.chunks else ds.id.get_offset()
        size = ds.id.get_storage_size()
    scribble(partial, offset, size)
    p = small(runs)
    assert "resuming from its checkpoint" not in p.stdout, f"resumed from a corrupt checkpoint:\n{p.stdout}"
    assert moved_aside(d, "corrupt") and name in p.stderr, p.stderr
    assert_identical(only_run_dir(tmp / "straight") / "result.h5", d / "result.h5", "redone after a bad checkpoint")
    print(f"scribbled on {name}: not resumed from, stage redone")


def case_read_only(tmp):
    """A read-only runs directory: a finished run still answers; a new one stops on both ranks."""
    with Tmpfs(tmp / "ro", "8m") as fs:
        if fs is None:
            print("SKIP: mount not permitted (needs root)")
            return
        small(fs.where)
        fs.remount_read_only()
        p = small(fs.where)
        assert p.stdout.count("done already") == 5, p.stdout
        p = small(fs.where, "experiment.seed=99", expect=1)
        both_ranks_say(p, "Read-only file system")
    print("read-only runs directory: no hang, both ranks informed")


def case_full_disk(tmp):
    """A full runs directory: the error says "No space left on device" and no rank hangs."""
    with Tmpfs(tmp / "full", "256k") as fs:
        if fs is None:
            print("SKIP: mount not permitted (needs root)")
            return
        p = small(fs.where, expect=1)
        assert any(line.startswith("[r") and "error:" in line and "No space left on device" in line
                   for line in p.stderr.splitlines()), p.stderr
        # Nearly full before the run starts: rank 0 fails alone, outside a stage.
        for f in fs.where.rglob("result.h5*"):
            f.unlink()
        filler = fs.where / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        os.close(fd)
        p = small(fs.where, "experiment.seed=5", expect=None)
        assert p.returncode in (1, 2), p.returncode
        assert "No space left on device" in p.stderr, p.stderr
    print("full disk: no hang, errno's message reported")


def case_lock(tmp):
    """Two runs of one command in one run directory: the second stops at once and names the first."""
    runs = tmp / "runs"
    args = [STRUCTURA, "run", str(SMALL), "integration.t_end=4000", "--ranks", "2", "--runs-dir", str(runs),
            "--no-plots"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + TIMEOUT
        while not list(runs.rglob("log.txt")) or "stage" not in list(runs.rglob("log.txt"))[0].read_text():
            assert time.time() < deadline and first.poll() is None, "the first run did not start"
            time.sleep(0.05)
        second = run(*args[1:], expect=1)
        assert first.poll() is None, "the first run ended before the second was refused; make it longer"
        assert "in use by another structura run" in second.stderr, second.stderr
        assert f"host {socket.gethostname()}" in second.stderr, second.stderr
        pid = int(second.stderr.split("pid ")[1].split(",")[0])
        assert "structura" in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        out, err = first.communicate(timeout=TIMEOUT)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
    with h5py.File(only_run_dir(runs) / "result.h5", "r") as f:
        assert f["stages/metrics"].attrs["status"] == "done"
    print("second run refused with the holder's host and pid; the first finished")


def case_unknown_group(tmp):
    """--group with a name no stage has is a usage error (2), on 1 and 2 ranks, and writes nothing."""
    for ranks in ([], ["--ranks", "2"]):
        p = run("run", SMALL, "--group", "nosuchgroup", *ranks, "--runs-dir", tmp / "runs", "--no-plots", expect=2)
        assert "--group nosuchgroup" in p.stderr and "integrate" in p.stderr, p.stderr
    assert not (tmp / "runs").exists()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CASES)}}}")
    with tempfile.TemporaryDirectory(prefix="structura-robust-") as d:
        os.chdir(d)
        CASES[sys.argv[1]](pathlib.Path(d))
    print("PASS")
