#!/usr/bin/env bash
# Strong scaling of one 2-D Allen-Cahn solve (issue 11 §7: 1024^2, 1 -> 2
# ranks >= 1.7x): runs structura_bench_allen_cahn_scaling on 1 and on 2
# ranks with the same problem and prints a Markdown table: median wall
# time, speed-up, KSP iterations, peak RSS per rank, and whether the two
# final states agree (checksums to 1e-9 relative).
#
#   tests/benchmarks/pde/run_allen_cahn_scaling.sh BUILD_DIR [--points 1024] [--steps 10]
#       [--reps 3] [--petsc "pc_type=jacobi"] [--bind core|none]
#
# Wall-clock time: run it on an idle machine with 2 free cores. Takes about
# a minute at 1024^2 with the defaults.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,13s/^# \{0,1\}//p' "$0"
  exit 2
fi
build=$(cd "$1" && pwd)
shift
points=1024
steps=10
reps=3
petsc=""
bind=core
while [ $# -ge 2 ]; do
  case $1 in
    --points) points=$2 ;;
    --steps) steps=$2 ;;
    --reps) reps=$2 ;;
    --petsc) petsc=$2 ;;
    --bind) bind=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
bench="$build/tests/benchmarks/pde/structura_bench_allen_cahn_scaling"
[ -x "$bench" ] || { echo "build it first: cmake --build $build --target structura_bench_allen_cahn_scaling" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
args=(--points "$points" --steps "$steps" --reps "$reps")
[ -n "$petsc" ] && args+=(--petsc "$petsc")
run() { mpirun --bind-to "$bind" -np "$1" "$bench" "${args[@]}" | grep '^RESULT'; }
one=$(run 1)
two=$(run 2)
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
python3 - "$one" "$two" "$petsc" <<'PY'
import sys
def parse(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])
a, b, petsc = parse(sys.argv[1]), parse(sys.argv[2]), sys.argv[3]
ca = [float(v) for v in a["checksum"].split(",")]
cb = [float(v) for v in b["checksum"].split(",")]
agree = max(abs(x - y) / max(abs(x), 1e-300) for x, y in zip(ca, cb))
print(f"2-D Allen-Cahn {a['points']}^2, {a['steps']} steps of {a['ts']}, PETSc options: {petsc or '(defaults)'}")
print("| ranks | median wall time (s) | speed-up | KSP iterations | peak RSS per rank (MiB) |")
print("|---|---|---|---|---|")
for r in (a, b):
    print(f"| {r['ranks']} | {float(r['seconds']):.3f} | {float(a['seconds']) / float(r['seconds']):.2f}x "
          f"| {r['ksp_iterations']} | {r['peak_rss_mib']} |")
print(f"final states agree to {agree:.1e} (relative, checksums)")
PY
