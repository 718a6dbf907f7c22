#!/usr/bin/env bash
# Runs the CT projector benchmark and its peers, ASTRA Toolbox's CPU
# projectors and scikit-image, in the same run and prints the ratios as
# Markdown tables. The peers are installed from PyPI into BUILD_DIR/ct-peers-venv.
#
#   tests/benchmarks/tomography/run_tomography.sh BUILD_DIR [--sizes 256,512] [--clock wall|cpu]
#
# --clock cpu times both sides by their process CPU time, for a machine that
# other work shares.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,10s/^# \{0,1\}//p' "$0"
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
# The peers come from PyPI (astra-toolbox) into a venv made here, on top of
# Debian's Python with its scikit-image (--system-site-packages).
venv=$build/ct-peers-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import astra' 2>/dev/null; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'astra-toolbox>=2.5'
fi
python=$venv/bin/python
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "astra-toolbox $("$python" -c 'import astra; print(astra.__version__)')"
"$build/tests/benchmarks/tomography/structura_bench_projector" --sizes "$sizes" --clock "$clock" | tee -a "$out"
"$python" "$here/astra_peer.py" --sizes "$sizes" --clock "$clock" | tee -a "$out"
"$python" "$here/skimage_peer.py" --sizes "$sizes" --clock "$clock" | tee -a "$out"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
get() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.1f×", a / b }'; }
once() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { if (a == "" || c == "") print "-"; else printf "%.1f×", (a + b) / (c + d) }'; }
ms() { awk -v a="$1" 'BEGIN { if (a == "") print "-"; else printf "%.2f", 1000 * a }'; }
echo
echo "Against ASTRA's CPU projectors (linear = Joseph for parallel beam, line_fanflat for fan beam; ASTRA is float32):"
echo "\"repeated\": per product once set up; \"once\": set-up + one product, as a single product costs."
echo
echo "| n² × n angles | beam | precision | set-up [ms] | forward [s] | adjoint [s] | ASTRA set-up [ms] | ASTRA FP [s] | ASTRA BP [s] | FP / forward, repeated | once | BP / adjoint, repeated | once |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
while read -r line; do
  n=$(get "$line" n)
  beam=$(get "$line" beam)
  [ "$beam" = parallel ] && kind=linear || kind=line_fanflat
  peer=$(grep "^RESULT part=astra n=$n beam=$beam projector=$kind " "$out" || true)
  su=$(get "$line" setup_s) f=$(get "$line" forward_s) adj=$(get "$line" adjoint_s)
  psu=$(get "$peer" setup_s) pf=$(get "$peer" forward_s) pb=$(get "$peer" adjoint_s)
  echo "| ${n}² × $n | $beam | $(get "$line" precision) | $(ms "$su") | $f | $adj | $(ms "$psu") | ${pf:--} | ${pb:--} | $(ratio "$pf" "$f") | $(once "$psu" "$pf" "$su" "$f") | $(ratio "$pb" "$adj") | $(once "$psu" "$pb" "$su" "$adj") |"
done < <(grep '^RESULT part=projector ' "$out")
echo
echo "ASTRA's CPU projectors, float32:"
echo
echo "| n² × n angles | beam | projector | set-up [ms] | FP [s] | BP [s] |"
echo "|---|---|---|---:|---:|---:|"
while read -r line; do
  echo "| $(get "$line" n)² × $(get "$line" n) | $(get "$line" beam) | $(get "$line" projector) | $(ms "$(get "$line" setup_s)") | $(get "$line" forward_s) | $(get "$line" adjoint_s) |"
done < <(grep '^RESULT part=astra ' "$out")
echo
echo "Against scikit-image (radon; iradon unfiltered = its backprojection, not the adjoint; iradon = FBP):"
echo
echo "| n² × n angles | beam | precision | forward [s] | 10⁹ pixel·angle/s | radon [s] | radon / forward | adjoint [s] | backprojection [s] | backprojection / adjoint | FBP set-up [ms] | FBP [s] | iradon [s] | iradon / FBP, repeated | once |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
while read -r line; do
  n=$(get "$line" n)
  peer=$(grep "^RESULT part=skimage n=$n " "$out" || true)
  radon_s=$(get "$peer" radon_s) iradon_s=$(get "$peer" iradon_s) back_s=$(get "$peer" backprojection_s)
  f=$(get "$line" forward_s) adj=$(get "$line" adjoint_s) fbp_s=$(get "$line" fbp_s) fsu=$(get "$line" fbp_setup_s)
  echo "| ${n}² × $n | $(get "$line" beam) | $(get "$line" precision) | $f | $(get "$line" forward_gups) | ${radon_s:--} | $(ratio "$radon_s" "$f") | $adj | ${back_s:--} | $(ratio "$back_s" "$adj") | $(ms "$fsu") | $fbp_s | ${iradon_s:--} | $(ratio "$iradon_s" "$fbp_s") | $(once "$iradon_s" 0 "$fsu" "$fbp_s") |"
done < <(grep '^RESULT part=projector ' "$out")
