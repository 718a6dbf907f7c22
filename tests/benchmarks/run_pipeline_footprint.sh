#!/usr/bin/env bash
# What a run pays for what it does not use: start-up time and peak RSS of
# `structura list / validate / status` (no kind's stage plugin is loaded),
# and per-rank peak RSS of a ct.classical run on 2 ranks (its plugin maps
# PETSc and FFTW, never libtorch). Targets (issue 9): start < 0.1 s;
# ct.classical at 1024² on 2 ranks <= 150 MiB per rank (--ct-1024, minutes).
#
#   tests/benchmarks/run_pipeline_footprint.sh BUILD_DIR [--ct-1024]
set -euo pipefail
build=$(cd "$1" && pwd)
big=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
exe=$build/pipeline/structura
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Best of 5 wall times (the machine's noise only adds), and the peak RSS.
measure() {
  local label=$1; shift
  local best=999 rss=0
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r s kib <"$work/t"
    best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
    rss=$kib
  done
  printf '| %s | %s | %.1f |\n' "$label" "$best" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

echo "| command | wall [s], best of 5 | peak RSS [MiB] |"
echo "|---|---:|---:|"
measure "structura list" "$exe" list
measure "structura validate (ct)" "$exe" validate "$root/jobs/examples/ct-sparse-view.toml"
measure "structura validate (sympflow)" "$exe" validate "$root/jobs/examples/sympflow-sho.toml"
measure "structura status" "$exe" status "$work"
echo
echo "libraries mapped by structura list (libtorch, PETSc, FFTW must not be among them):"
LD_DEBUG=files "$exe" list 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u | grep -ciE 'torch|petsc|fftw' || true

# ct.classical on 2 ranks: one /usr/bin/time per rank.
ct_run() {
  local label=$1; shift
  W=$work mpirun --oversubscribe -n 2 -x W sh -c '/usr/bin/time -f %M -o "$W/rss.$OMPI_COMM_WORLD_RANK" "$@"' sh \
    "$exe" run "$@" --runs-dir "$work/runs-$label" --no-plots >"$work/$label.log" 2>&1 ||
    { tail -n 20 "$work/$label.log"; exit 1; }
  printf '| ct.classical %s, 2 ranks | %s | %s |\n' "$label" \
    "$(awk '{ printf "%.0f", $1 / 1024 }' "$work/rss.0")" "$(awk '{ printf "%.0f", $1 / 1024 }' "$work/rss.1")"
}
echo
echo "| run | rank 0 peak RSS [MiB] | rank 1 peak RSS [MiB] |"
echo "|---|---:|---:|"
ct_run 256 "$root/jobs/examples/ct-sparse-view.toml" image.size=256 beam.angles=64
if [ "$big" = --ct-1024 ]; then
  ct_run 1024 "$root/jobs/paper/ct-scale-1024.toml"
fi
