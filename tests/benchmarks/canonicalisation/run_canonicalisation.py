#!/usr/bin/env python3
"""Canonicalisation throughput: structura against the same algorithm in
PyTorch, in the same run, on the same inputs (issue 11 §7; the README
section "Canonicalisation throughput" is this script's output).

  tests/benchmarks/canonicalisation/run_canonicalisation.py [BUILD_DIR] [--no-pypi]

For each case (64 and 1024 inputs; the boost alone, translations and the
boost), structura_bench_canonicalisation canonicalises the inputs (one
rank, one thread) and writes them; lielac_torch_peer.py then canonicalises
the same inputs with the same restarts, steps, rate and energy, batched
over all inputs (its best), with Debian's PyTorch and with a current one
from PyPI (installed once into BUILD_DIR/sympflow-peers-venv, the venv the
SympFlow benchmark makes; --no-pypi skips it). Both energies of the peer
are run: `generic` (the group acts on the data, then the energy: TIED's
way) and `closed-form` (the product's own evaluation, the strongest peer).
The ratio is against the fastest peer row. Peak RSS from each process.
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    pypi = "--no-pypi" not in sys.argv
    build = pathlib.Path(args[0] if args else HERE.parents[2] / "build" / "release").resolve()
    bench = build / "tests" / "benchmarks" / "canonicalisation" / "structura_bench_canonicalisation"
    if not bench.exists():
        sys.exit(f"{bench} not found; build it with: cmake --build {build} --target structura_bench_canonicalisation")
    pythons = [("/usr/bin/python3", "Debian")]
    venv = build / "sympflow-peers-venv"
    if pypi:
        py = venv / "bin" / "python"
        check = "import sys, torch, h5py; sys.exit(int(torch.__version__.split('.')[0]) < 2)"
        if not py.exists() or subprocess.run([str(py), "-c", check]).returncode != 0:
            print(f"installing torch>=2 from PyPI into {venv} (once; several GiB)", file=sys.stderr)
            subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                            "torch>=2"], check=True)
        pythons.append((str(py), "PyPI"))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rate = re.compile(r"([\d.]+) inputs/s")
    rss = re.compile(r"peak RSS (\d+) MiB")
    print("| inputs | generators | structura (inputs/s, RSS) | peer | peer inputs/s (RSS) | ratio |")
    print("|---:|---|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for inputs in (64, 1024):
            for generators in ("boost", "shift+boost"):
                out = pathlib.Path(tmp) / "bench.h5"
                p = subprocess.run([str(bench), "--inputs", str(inputs), "--generators", generators, "--out", str(out)],
                                   capture_output=True, text=True, env=env, check=True)
                ours = float(rate.search(p.stdout).group(1))
                ours_rss = rss.search(p.stdout).group(1)
                print(p.stdout.strip(), file=sys.stderr)
                rows = []
                for python, origin in pythons:
                    for energy in ("generic", "closed-form"):
                        q = subprocess.run([python, str(HERE / "lielac_torch_peer.py"), str(out), "--energy", energy],
                                           capture_output=True, text=True, env=env, check=True)
                        line = q.stdout.splitlines()[0]
                        print(line, file=sys.stderr)
                        version = line.split()[1]
                        rows.append((float(rate.search(line).group(1)), f"PyTorch {version} ({origin}), {energy}",
                                     rss.search(line).group(1)))
                best = max(r[0] for r in rows)
                for peer_rate, name, peer_rss in rows:
                    mark = " (fastest peer)" if peer_rate == best else ""
                    print(f"| {inputs} | {generators} | {ours:.0f} ({ours_rss} MiB) | {name}{mark} | "
                          f"{peer_rate:.0f} ({peer_rss} MiB) | {ours / peer_rate:.1f}x |")


if __name__ == "__main__":
    main()
