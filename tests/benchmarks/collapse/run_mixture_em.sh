#!/bin/bash
# EM for Gaussian mixtures against scikit-learn (issue 13 §7), and strong
# scaling of the distributed fit. Usage (from the repository root, after
# `cmake --build --preset release --target structura_bench_mixture_em`):
#   bash tests/benchmarks/collapse/run_mixture_em.sh [build-dir]
# 1. K = 10 full-covariance components, 10^6 2-D points, one core each:
#    structura (1 rank) against sklearn's GaussianMixture from the same
#    initialisation; the two fits' mean log-likelihoods after the same
#    iterations must agree to 1e-9 (relative), or the script fails.
# 2. 10^7 points on 1 and 2 ranks: the speed-up.
# Prints the README's table.
set -euo pipefail
build=${1:-build/release}
bench=$build/tests/benchmarks/collapse/structura_bench_mixture_em
here=$(cd "$(dirname "$0")" && pwd)
peer=$(mktemp -d)
trap 'rm -rf "$peer"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
mpirun=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" = 0 ] && mpirun+=(--allow-run-as-root)
field() { sed -n "s/.*RESULT $1 .*$2=\([^ ]*\).*/\1/p"; }

ours=$("${mpirun[@]}" -np 1 "$bench" --points 1000000 --components 10 --iterations 10 --reps 3 --peer-dir "$peer")
echo "$ours" | grep -v RESULT
theirs=$(/usr/bin/python3 "$here/bench_mixture_em.py" --peer-dir "$peer" --iterations 10 --reps 3)
echo "$theirs" | grep -v RESULT
python3 - "$(echo "$ours" | field structura log_likelihood)" "$(echo "$theirs" | field sklearn log_likelihood)" <<'PY'
import sys
a, b = map(float, sys.argv[1:])
assert abs(a - b) <= 1e-9 * abs(b), f"the fits disagree: log-likelihood {a} against sklearn's {b}"
print(f"agreement: mean log-likelihood {a:.12f} against sklearn's {b:.12f}")
PY
t1=$("${mpirun[@]}" -np 1 "$bench" --points 10000000 --components 10 --iterations 5 --reps 3)
t2=$("${mpirun[@]}" -np 2 "$bench" --points 10000000 --components 10 --iterations 5 --reps 3)
echo "$t1" | grep -v RESULT
echo "$t2" | grep -v RESULT
python3 - "$ours" "$theirs" "$t1" "$t2" <<'PY'
import re, sys
def get(text, who, key):
    return float(re.search(rf"RESULT {who} .*\b{key}=(\S+)", text).group(1))
ours, theirs, t1, t2 = sys.argv[1:]
s, k = get(ours, "structura", "seconds_per_iteration"), get(theirs, "sklearn", "seconds_per_iteration")
print()
print("| case | structura | scikit-learn | ratio | peak RSS (structura / sklearn) |")
print("|---|---:|---:|---:|---:|")
print(f"| EM iteration, K = 10 full, 10^6 2-D points, 1 core | {s * 1e3:.1f} ms | {k * 1e3:.1f} ms | "
      f"{k / s:.1f}x | {get(ours, 'structura', 'rss_mib'):.0f} / {get(theirs, 'sklearn', 'rss_mib'):.0f} MiB |")
a, b = get(t1, "structura", "seconds_per_iteration"), get(t2, "structura", "seconds_per_iteration")
print(f"| EM iteration, 10^7 points: 1 rank / 2 ranks | {a * 1e3:.0f} ms / {b * 1e3:.0f} ms | | "
      f"{a / b:.2f}x speed-up | {get(t1, 'structura', 'rss_mib'):.0f} / {get(t2, 'structura', 'rss_mib'):.0f} MiB per rank |")
PY
