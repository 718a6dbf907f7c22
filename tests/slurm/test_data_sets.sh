#!/bin/bash
# A 2-run ct.classical sweep over tikhonov.alpha submitted to the private
# Slurm: the shared data set (phantoms, sinograms) is one job (a one-task
# array: both runs share one data set), the stage-group arrays wait for it
# with afterok, and both runs copy it. Checks the dry run, the jobs' end
# states and order, one data set made once, and the runs' data bit for bit.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
require_cluster
python=$(python_h5py)

work=${STRUCTURA_SLURM_WORK:-$(mktemp -d)}/data-sets
rm -rf "$work"
mkdir -p "$work"
cd "$work"
runs=$work/runs
file=$here/ct-sweep.toml
trap 'dump_on_failure "$runs"' EXIT

echo "== dry run"
dry=$("$STRUCTURA" submit "$file" --dry-run --runs-dir "$runs")
echo "$dry" | head -n 30
for want in "structura-ct-sweep-data-sets" "#SBATCH --array=0" "--data-sets" "--dependency=afterok:<job 1>"; do
  grep -qF -- "$want" <<<"$dry" || fail "dry run lacks: $want"
done

echo "== submit"
"$STRUCTURA" submit "$file" --runs-dir "$runs"
JOB_IDS=$("$python" - "$runs/ct-sweep/slurm/submission.toml" <<'PY'
import sys, tomllib
s = tomllib.load(open(sys.argv[1], "rb"))["submission"][-1]
print(" ".join(j["job_id"] for j in s["job"]))
PY
)
read -r data first rest <<<"$JOB_IDS"
grep -qx "dependency = \"afterok:$data\"" "$runs/ct-sweep/slurm/submission.toml" ||
  fail "submission.toml does not record the first group job after the data-sets job"
wait_for_jobs 240 $JOB_IDS
state=$(job_field "${data}_0" JobState)
[ "$state" = COMPLETED ] || fail "data-sets job ${data}_0 ended $state"

echo "== results"
"$python" - "$runs/ct-sweep" <<'PY'
import pathlib, sys
import h5py, numpy as np
root = pathlib.Path(sys.argv[1])
runs = sorted(root.glob("*/result.h5"))
sets = sorted(root.glob("data-sets/*/data.h5"))
assert len(runs) == 2 and len(sets) == 1, (runs, sets)
log = (sets[0].parent / "log.txt").read_text()
assert log.count("stage sinograms: starting") == 1, "the data set was made more than once"
data = []
for r in runs:
    with h5py.File(r, "r") as f:
        assert f["stages/metrics"].attrs["status"] == "done", r
        assert (r.parent / f["stages/sinograms"].attrs["data_set"] / "data.h5").resolve() == sets[0].resolve()
        data.append(f["sinograms/noisy"][()])
assert np.array_equal(data[0], data[1]), "the runs' copies of the data set differ"
print("2 runs, 1 data set made once by its own job, copied bit for bit")
PY
[ $? -eq 0 ] || fail "results"
echo "PASS"
