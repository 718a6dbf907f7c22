#!/usr/bin/env bash
# Output overhead of a real run: `structura run` of pipeline-output.toml
# (Hénon–Heiles, 10^5 trajectories x 10^4 steps, positions, momenta and
# energies written every integration.output_every steps: the default, and
# every 100 steps), and the same with output.states = false (energies only). For each integrator
# stage, overhead = 1 - kernel_seconds / wall_time_s of the stage, both
# recorded in result.h5: everything that is not integration (writing,
# snapshots, energies, checks, checkpoint polls, opening and renaming the
# file) as a fraction of the stage's run time.
#
#   tests/benchmarks/run_pipeline_output.sh BUILD_DIR [RANKS]
set -euo pipefail
build=$(cd "$1" && pwd)
ranks=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
exe=$build/pipeline/structura
python=${STRUCTURA_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "| method | ranks | states written | output every | kernel [s] | stage wall [s] | overhead | file [MiB] |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
for every in default 100; do
for states in true false; do
  cadence=()
  [ "$every" = default ] || cadence=(integration.output_every=$every)
  out=$work/$every-$states
  "$exe" run "$here/pipeline-output.toml" output.states=$states "${cadence[@]}" --ranks "$ranks" --runs-dir "$out" \
    --no-plots >"$out.log" 2>&1 || { tail -n 20 "$out.log"; exit 1; }
  "$python" - "$out" "$states" "$ranks" <<'PY'
import glob, os, sys, h5py
path = glob.glob(os.path.join(sys.argv[1], "*", "*", "result.h5"))[0]
with h5py.File(path) as f:
    for m in ("verlet", "triple-jump4"):
        wall = f[f"stages/integrate/{m}"].attrs["wall_time_s"]
        kernel = f[f"metrics/{m}/kernel_seconds"][0]
        size = os.path.getsize(path) / 2**20
        print(f"| {m} | {sys.argv[3]} | {sys.argv[2]} | {f['timeseries/' + m].attrs['output_every']} | {kernel:.3f} | {wall:.3f} "
              f"| {100 * (1 - kernel / wall):.1f}% | {size:.0f} |")
PY
  rm -rf "$out"
done
done
