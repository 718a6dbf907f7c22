#!/usr/bin/env bash
# Runs the Hamiltonian ensemble benchmark the way its README figures were
# made, and prints a summary plus one Markdown block to paste into the README.
#
#   tests/benchmarks/run_hamiltonian.sh BUILD_DIR [benchmark options...]
#
# BUILD_DIR is a Release build with the target structura_bench_hamiltonian:
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build-bench structura_bench_hamiltonian
# Extra options go to every run (see structura_bench_hamiltonian --help),
# e.g. --reps 9 on a noisy machine.
#
# Runs: 1 rank  (throughput against the peers: the chunked plain loop at the
#               same steps, Odeint's steppers at matched energy error;
#               scaling reference, output cost)
#       2 ranks (scaling with the 1-rank time as reference, output cost)
# Scaling runs bind each rank to a core; they need at least 2 idle cores.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,17s/^# \{0,1\}//p' "$0"
  exit 2
fi
build=$(cd "$1" && pwd)
shift
bin="$build/tests/benchmarks/structura_bench_hamiltonian"
if [ ! -x "$bin" ]; then
  echo "run_hamiltonian.sh: $bin not found; build it with: ninja -C $build structura_bench_hamiltonian" >&2
  exit 2
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [ "$build_type" != "Release" ]; then
  echo "run_hamiltonian.sh: warning: $build is a '${build_type:-unknown}' build, not Release" >&2
fi

cores=$(nproc)  # before OMP_NUM_THREADS is set: GNU nproc honours it
# OpenMPI refuses to run as root unless told (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
mpirun=(mpirun --bind-to core)
if [ "$cores" -lt 2 ]; then
  echo "run_hamiltonian.sh: warning: fewer than 2 cores; the 2-rank run shares one core (efficiency meaningless)" >&2
  mpirun=(mpirun --oversubscribe --bind-to none)
fi

h5file="$build/structura_bench_hamiltonian.h5"
out1=$(mktemp)
out2=$(mktemp)
trap 'rm -f "$out1" "$out2"' EXIT

echo "### mpirun -n 1 (throughput, scaling reference, trajectory output)"
"${mpirun[@]}" -n 1 "$bin" --part throughput,scaling,io --io-variants --output "$h5file" "$@" | tee "$out1"

t1=$(sed -n 's/^RESULT part=scaling ranks=1 seconds=\([^ ]*\).*/\1/p' "$out1")
rss1=$(sed -n 's/^RESULT part=scaling ranks=1 .*rss_rank_mib=\([^ ]*\).*/\1/p' "$out1")
if [ -z "$t1" ]; then
  echo "run_hamiltonian.sh: the 1-rank run printed no scaling time" >&2
  exit 1
fi

echo
echo "### mpirun -n 2 (scaling, trajectory output)"
"${mpirun[@]}" -n 2 "$bin" --part scaling,io --reference-seconds "$t1" --reference-rss-mib "$rss1" \
  --output "$h5file" "$@" | tee "$out2"

# ---- summary against the targets of the benchmark's issue ---------------------------
field() {  # field FILE PATTERN KEY: value of KEY on the RESULT line matching PATTERN
  grep "^RESULT .*$2" "$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
check() {  # check VALUE OP LIMIT
  if awk -v v="$1" -v l="$3" "BEGIN { exit !(v $2 l) }"; then echo "met"; else echo "MISSED"; fi
}
vv_plain=$(field "$out1" "method=verlet " vs_plain)
tj_plain=$(field "$out1" "method=triple-jump4 " vs_plain)
vv_odeint=$(field "$out1" "method=verlet " vs_odeint)
tj_odeint=$(field "$out1" "method=triple-jump4 " vs_odeint)
eff=$(field "$out2" "part=scaling ranks=2" efficiency)
io1=$(field "$out1" "part=io ranks=1 method=verlet " overhead)
io2=$(field "$out2" "part=io ranks=2 method=verlet " overhead)
every=$(field "$out1" "part=io ranks=1 method=verlet " every)

echo
echo "### summary (targets: >= 1.0x the chunked plain loop, scaling >= 85%, output overhead <= 10%)"
printf '%-44s %8s  %s\n' "Verlet: structura / chunked plain loop" "${vv_plain}x" "$(check "$vv_plain" '>=' 1.0)"
printf '%-44s %8s  %s\n' "triple jump: structura / chunked plain loop" "${tj_plain}x" "$(check "$tj_plain" '>=' 1.0)"
printf '%-44s %8s  %s\n' "Verlet: structura / best Odeint, same error" "${vv_odeint}x" "(time to solution)"
printf '%-44s %8s  %s\n' "triple jump: structura / best Odeint, same error" "${tj_odeint}x" "(time to solution)"
printf '%-44s %8s  %s\n' "strong scaling efficiency, 2 ranks" \
  "$(awk -v e="$eff" 'BEGIN { printf "%.1f%%", 100 * e }')" "$(check "$eff" '>=' 0.85)"
printf '%-44s %8s  %s\n' "raw HDF5 output (no overlap), 1 rank, every ${every} steps" \
  "$(awk -v e="$io1" 'BEGIN { printf "%.1f%%", 100 * e }')" "$(check "$io1" '<=' 0.10)"
printf '%-44s %8s  %s\n' "raw HDF5 output (no overlap), 2 ranks, every ${every} steps" \
  "$(awk -v e="$io2" 'BEGIN { printf "%.1f%%", 100 * e }')" "$(check "$io2" '<=' 0.10)"
grep -h "process peak RSS" "$out1" "$out2" | sed 's/^/  /'
echo "  (the output overhead of a real run, with frames written while the next is computed:"
echo "   tests/benchmarks/run_pipeline_output.sh $build)"

# ---- README block -------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "### README block"
echo
echo "Hamiltonian ensemble benchmark, measured $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($cores cores),"
echo "$(sed -n 's/^compiler: //p' "$out1" | head -n 1), Kokkos $(sed -n 's/.*Kokkos \([A-Za-z]*\),.*/\1/p' "$out1" | head -n 1)."
echo "Reproduce with:"
echo
echo '```sh'
echo 'cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release'
echo 'ninja -C build-bench structura_bench_hamiltonian'
echo "tests/benchmarks/run_hamiltonian.sh build-bench${*:+ $*}"
echo '```'
echo
section() {  # section FILE PART: the Markdown section PART printed by a run
  awk -v part="$2" '$0 == "<!-- bench:begin " part " -->" { on = 1; next } /^<!-- bench:end -->$/ { on = 0 } on' "$1"
}
section "$out1" throughput
section "$out2" scaling  # holds the 1-rank reference row too
section "$out1" io
section "$out2" io
echo "Strong-scaling efficiency = T(1 rank) / (2 T(2 ranks)); ranks bound to cores (mpirun --bind-to core)."
