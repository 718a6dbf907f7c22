#!/bin/bash
# The pullback-geometry library against PyTorch (issue 12 §5). Usage (from
# the repository root, after
# `cmake --build --preset release --target structura_bench_pullback`):
#   bash tests/benchmarks/geometry/run_pullback.sh [build-dir]
# First the float64 equivalence check (the loss terms of both at the same
# parameters, batch and directions, `full` and `pairs`; the script fails
# unless they agree to 1e-10), then each timing in a process of its own
# (so that its peak RSS is its own): float32, one thread, the same batch.
# Prints the README's table.
set -euo pipefail
build=${1:-build/release}
bench=$build/tests/benchmarks/geometry/structura_bench_pullback
peer="/usr/bin/python3 $(cd "$(dirname "$0")" && pwd)/bench_pullback.py"
check=$(mktemp --suffix=.h5)
trap 'rm -f "$check"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for iso in full pairs; do
  "$bench" --check-file "$check" --dimension 5 --layers 3 --hidden 8 --isometry "$iso"
  $peer --check-file "$check" --dimension 5 --layers 3 --hidden 8 --isometry "$iso"
done
cases=("train|--mode train --isometry full --dimension 20 --layers 12 --batch 128|training step, N = 20, full isometry term, 12 layers, batch 128|ms"
       "train|--mode train --isometry pairs --dimension 100 --layers 16 --batch 64|training step, N = 100, pairs estimator (K = 4), 16 layers, batch 64|ms"
       "geodesic|--mode geodesic --dimension 2 --layers 2 --pairs 256|geodesics, N = 2, 2 layers, 256 pairs x 100 points|pts"
       "geodesic|--mode geodesic --dimension 20 --layers 12 --pairs 256|geodesics, N = 20, 12 layers, 256 pairs x 100 points|pts")
rows=()
for c in "${cases[@]}"; do
  IFS='|' read -r mode args label kind <<<"$c"
  ours=$("$bench" $args)
  theirs=$($peer $args)
  echo "$ours" | grep -v RESULT
  echo "$theirs" | grep -v RESULT
  rows+=("$label|$kind|$(echo "$ours" | sed -n 's/RESULT structura figure=\([^ ]*\) rss_mib=\(.*\)/\1 \2/p')|$(echo "$theirs" | sed -n 's/RESULT torch figure=\([^ ]*\) rss_mib=\(.*\)/\1 \2/p')")
done
echo
echo "| case | structura | PyTorch | ratio | peak RSS (structura / PyTorch) |"
echo "|---|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
  IFS='|' read -r label kind ours theirs <<<"$r"
  python3 - "$label" "$kind" $ours $theirs <<'PY'
import sys
label, kind, s, srss, t, trss = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
if kind == "ms":
    print(f"| {label} | {s:.1f} ms | {t:.1f} ms | {t / s:.2f}x | {srss:.0f} / {trss:.0f} MiB |")
else:
    print(f"| {label} | {s:.3g} points/s | {t:.3g} points/s | {s / t:.2f}x | {srss:.0f} / {trss:.0f} MiB |")
PY
done
