#!/usr/bin/env bash
# Burgers data generation (issue 11 §7): structura::pde::solve_solution_set
# (PETSc TS, RK4 at a fixed step, central differences of order 4) against
# the SciPy pseudo-spectral peer bench_pde_data.py (FFT derivatives,
# scipy.integrate.solve_ivp RK45, as in the LPSDA code) under Debian 12's
# /usr/bin/python3 (python3-numpy 1.24, python3-scipy 1.10), on the same GRF
# initial conditions (32 modes: the same function on every grid), one core
# each, CPU time. Accuracy: the relative L2 error of the whole 101 x 101
# sample against a fine reference (structura, N = 800, dt = 2e-5), itself
# checked against SciPy DOP853 at rtol 1e-12 on 800 points; each row pairs
# the cheapest settings of each found (by hand, see the README) to reach the
# same error level.
#
#   tests/benchmarks/pde/run_pde_data.sh BUILD_DIR [SAMPLES]     (default 16)
#
# BUILD_DIR: a Release build with the target structura_bench_pde_data.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,16s/^# \{0,1\}//p' "$0"
  exit 2
fi
build=$1
samples=${2:-16}
here=$(cd "$(dirname "$0")" && pwd)
bench=$build/tests/benchmarks/pde/structura_bench_pde_data
py="/usr/bin/python3 $here/bench_pde_data.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; $samples samples"
for m in 100 800; do  # initial conditions for the peer; dt 1 makes the solve fail at once, after they are written
  "$bench" --samples "$samples" --points 100 --dt 1 --ic-out "$work/ic$m.bin" --ic-points $m >/dev/null 2>&1 || true
done
"$bench" --samples "$samples" --points 800 --dt 2e-5 --out "$work/ref.bin" | sed 's/^/reference: /'
$py solve --ic "$work/ic800.bin" --points 800 --samples "$samples" --method DOP853 --rtol 1e-12 --atol 1e-14 \
  --out "$work/ref_scipy.bin" | sed 's/^/reference check: /'
$py compare --ref "$work/ref.bin" --samples "$samples" "$work/ref_scipy.bin" | sed 's/^.*ref_scipy.bin/reference vs DOP853:/'

cpu_of() { sed -n 's/.*cpu_per_sample_s=\([0-9.e-]*\).*/\1/p'; }
err_of() { $py compare --ref "$work/ref.bin" --samples "$samples" "$1" | sed -n 's/.*mean_rel_l2=\([0-9.e+-]*\).*/\1/p'; }
echo
echo "| structura (N, order, dt) | error | CPU s/sample | SciPy (M, RK45 rtol) | error | CPU s/sample | ratio |"
echo "|---|---|---|---|---|---|---|"
while read -r n order dt m rtol; do
  c=$("$bench" --samples "$samples" --points "$n" --order "$order" --dt "$dt" --out "$work/c.bin" | cpu_of)
  p=$($py solve --ic "$work/ic$m.bin" --points "$m" --samples "$samples" --rtol "$rtol" --out "$work/p.bin" | cpu_of)
  ec=$(err_of "$work/c.bin")
  ep=$(err_of "$work/p.bin")
  ratio=$(/usr/bin/python3 -c "print(f'{$p / $c:.1f}x')")
  echo "| $n, $order, $dt | $ec | $c | $m, $rtol | $ep | $p | $ratio |"
done <<'ROWS'
100 4 5e-3 100 1e-4
200 4 1.25e-3 100 1e-5
300 4 5e-4 100 1e-6
400 4 3.125e-4 100 1e-6
ROWS
