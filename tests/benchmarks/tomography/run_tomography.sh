#!/usr/bin/env bash
# Runs the CT projector benchmark and its scikit-image peer in the same run
# and prints the ratios as a Markdown table.
#
#   tests/benchmarks/tomography/run_tomography.sh BUILD_DIR [--sizes 256,512] [--clock wall|cpu]
#
# --clock cpu times both sides by their process CPU time, for a machine that
# other work shares (the README figures are wall-clock on a quiet machine).
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,9s/^# \{0,1\}//p' "$0"
  exit 2
fi
build=$(cd "$1" && pwd)
shift
sizes=256,512
clock=wall
while [ $# -ge 2 ]; do
  case $1 in
    --sizes) sizes=$2 ;;
    --clock) clock=$2 ;;
    *) echo "run_tomography.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${STRUCTURA_PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/tests/benchmarks/tomography/structura_bench_projector" --sizes "$sizes" --clock "$clock" | tee -a "$out"
"$python" "$here/skimage_peer.py" --sizes "$sizes" --clock "$clock" | tee -a "$out"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| n² × n angles | beam | precision | forward [s] | 10⁹ pixel·angle/s | radon [s] | radon / forward | adjoint [s] | backprojection [s] | backprojection / adjoint | FBP [s] | iradon [s] | iradon / FBP |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
get() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
while read -r line; do
  n=$(get "$line" n)
  peer=$(grep "^RESULT part=skimage n=$n " "$out" || true)
  radon_s=$(get "$peer" radon_s)
  f=$(get "$line" forward_s)
  iradon_s=$(get "$peer" iradon_s)
  fbp_s=$(get "$line" fbp_s)
  back_s=$(get "$peer" backprojection_s)
  adj=$(get "$line" adjoint_s)
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == 0) print "-"; else printf "%.1f×", a / b }'; }
  echo "| ${n}² × $n | $(get "$line" beam) | $(get "$line" precision) | $f | $(get "$line" forward_gups) | ${radon_s:--} | $(ratio "$radon_s" "$f") | $adj | ${back_s:--} | $(ratio "$back_s" "$adj") | $fbp_s | ${iradon_s:--} | $(ratio "$iradon_s" "$fbp_s") |"
done < <(grep '^RESULT part=projector ' "$out")
