#!/usr/bin/env bash
# Strong scaling of the matrix-free CT reconstructions (issue 4: a 2-rank
# speed-up of at least 1.7× at 1024², peak RSS per rank within a few GiB):
# runs structura_bench_ct_scaling on 1 rank and on 2 ranks with the same
# problem and prints a Markdown table with the speed-ups, the peak RSS per
# rank and the agreement of the two results.
#
#   tests/benchmarks/tomography/run_ct_scaling.sh BUILD_DIR [--sizes 1024] [--iterations 10]
#       [--reps 3] [--precision float32|float64] [--bind core|none] [--rounds 1]
#
# --rounds K alternates K runs on 1 rank and K on 2 ranks and reports the
# median times (and their range), for a machine whose speed drifts.
#
# Wall-clock time only (see bench_ct_scaling.cpp: CPU time is not
# meaningful across ranks that busy-poll in MPI), so run it on an idle
# machine with at least 2 free cores; the busy column (CPU / wall time of
# the least busy rank) falls below ~0.95 when other work took the cores
# (it does not show other work's use of the shared cache and memory bandwidth,
# which slows the runs too). Takes ~2 minutes at 1024² on 2 idle cores.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,19s/^# \{0,1\}//p' "$0"
  exit 2
fi
build=$(cd "$1" && pwd)
shift
sizes=1024
iterations=10
reps=3
precision=float32
bind=core
rounds=1
while [ $# -ge 2 ]; do
  case $1 in
    --sizes) sizes=$2 ;;
    --iterations) iterations=$2 ;;
    --reps) reps=$2 ;;
    --precision) precision=$2 ;;
    --bind) bind=$2 ;;
    --rounds) rounds=$2 ;;
    *) echo "run_ct_scaling.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
if [ $# -ne 0 ]; then
  echo "run_ct_scaling.sh: option $1 needs a value" >&2
  exit 2
fi
bench=$build/tests/benchmarks/tomography/structura_bench_ct_scaling
if [ ! -x "$bench" ]; then
  echo "run_ct_scaling.sh: $bench not found (cmake --build $build --target structura_bench_ct_scaling)" >&2
  exit 2
fi
echo "cores: $(nproc --all), mpirun --bind-to $bind, $rounds round(s)"
# One thread per rank: the ranks are the parallelism being measured.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/np1" "$work/np2"
: >"$work/np1.out"
: >"$work/np2.out"
args=(--sizes "$sizes" --iterations "$iterations" --reps "$reps" --precision "$precision" --steps forward+adjoint,sirt,tv)
# 1 and 2 ranks alternate, so that a change of the machine's state (other
# work, clock) over the rounds affects both alike; the table takes medians.
for round in $(seq 1 "$rounds"); do
  echo "round $round, load before 1 rank: $(cut -d' ' -f1-3 /proc/loadavg)"
  mpirun -n 1 --bind-to "$bind" "$bench" "${args[@]}" --dump "$work/np1" | tee -a "$work/np1.out"
  echo "round $round, load before 2 ranks: $(cut -d' ' -f1-3 /proc/loadavg)"
  mpirun -n 2 --bind-to "$bind" "$bench" "${args[@]}" --dump "$work/np2" --reference "$work/np1" | tee -a "$work/np2.out"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
get() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# All values of key $2 on the RESULT lines of file $1 that match $3, one a line.
values() { grep "$3" "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.4g\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1) printf " (%.4g–%.4g)", lo, hi }'; }
echo "| n² × n angles | what | precision | 1 rank [s] | 2 ranks [s] | speedup | peak RSS per rank, 1 rank [MiB] | peak RSS per rank, 2 ranks [MiB] | agreement 1 vs 2 ranks | busy (1 / 2 ranks) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---|---|"
for n in ${sizes//,/ }; do
  for what in forward+adjoint sirt tv; do
    pattern="^RESULT ranks=[12] n=$n what=$what "
    one=$(grep -m1 "$pattern" "$work/np1.out" || true)
    two=$(grep -m1 "$pattern" "$work/np2.out" || true)
    [ -n "$one" ] && [ -n "$two" ] || continue
    t1=$(values "$work/np1.out" seconds "$pattern" | median)
    t2=$(values "$work/np2.out" seconds "$pattern" | median)
    s1=$(values "$work/np1.out" seconds "$pattern" | spread)
    s2=$(values "$work/np2.out" seconds "$pattern" | spread)
    speedup=$(awk -v a="$t1" -v b="$t2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f×", a / b }')
    # The worst agreement over the rounds (every round compares with its own 1-rank run).
    agree="max rel. diff $(values "$work/np2.out" rel_diff "$pattern" | sort -g | tail -1)"
    if [ -n "$(get "$one" psnr_db)" ]; then
      agree="$agree; PSNR $(get "$one" psnr_db) / $(get "$two" psnr_db) dB"
    fi
    busy1=$(values "$work/np1.out" busy_min "$pattern" | sort -g | head -1)
    busy2=$(values "$work/np2.out" busy_min "$pattern" | sort -g | head -1)
    extra=""
    if [ "$what" = sirt ] || [ "$what" = tv ]; then extra=" ($(get "$one" iterations) it.)"; fi
    echo "| ${n}² × $n | $what$extra | $(get "$one" precision) | $t1$s1 | $t2$s2 | **$speedup** | $(get "$one" peak_rss_mib_per_rank) | $(get "$two" peak_rss_mib_per_rank) | $agree | $busy1 / $busy2 |"
  done
done
echo
for f in np1 np2; do
  line=$(grep -m1 "^RESULT ranks=[0-9]* what=process " "$work/$f.out")
  echo "whole process, $(get "$line" ranks) rank(s): peak RSS per rank $(get "$line" peak_rss_mib_per_rank) MiB (max $(get "$line" peak_rss_mib_max) MiB)"
done
for n in ${sizes//,/ }; do
  # The parts of forward+adjoint, from the first round.
  one=$(grep -m1 "^RESULT ranks=1 n=$n what=forward+adjoint " "$work/np1.out" || true)
  two=$(grep -m1 "^RESULT ranks=2 n=$n what=forward+adjoint " "$work/np2.out" || true)
  if [ -n "$one" ] && [ -n "$two" ]; then
    echo "n = $n, $(get "$one" precision): forward $(get "$one" forward_s) s on 1 rank, $(get "$two" forward_s) s on 2 ranks" \
      "(each rank's share alone: $(get "$two" forward_local_s_per_rank) s);" \
      "adjoint $(get "$one" adjoint_s) s on 1 rank, $(get "$two" adjoint_s) s on 2 ranks" \
      "(local backprojection per rank: $(get "$two" adjoint_local_s_per_rank) s; the n² MPI_Allreduce alone: $(get "$two" allreduce_s) s)"
  fi
  if [ "$n" = 1024 ]; then
    verdict=""
    for what in forward+adjoint sirt tv; do
      pattern="^RESULT ranks=[12] n=$n what=$what "
      t1=$(values "$work/np1.out" seconds "$pattern" | median)
      t2=$(values "$work/np2.out" seconds "$pattern" | median)
      [ -n "$t1" ] && [ -n "$t2" ] || continue
      verdict="$verdict $what $(awk -v a="$t1" -v b="$t2" 'BEGIN { print (b > 0 && a / b >= 1.7) ? "met" : "not met" }'),"
    done
    echo "issue 4 target, 2-rank speed-up >= 1.7× at 1024²:${verdict%,}"
  fi
done
