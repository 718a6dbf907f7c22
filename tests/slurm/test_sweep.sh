#!/bin/bash
# A 2-run sweep submitted to the private Slurm: two job arrays (prepare,
# integrate) chained task by task with aftercorr, then the report job. Each
# run uses 2 MPI ranks through srun (--mpi from the cluster's MpiDefault).
# Checks the dry run, the jobs' end states, the HDF5 results (against orders
# of convergence and a local 1-rank run) and `structura status`.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
require_cluster
python=$(python_h5py)

work=${STRUCTURA_SLURM_WORK:-$(mktemp -d)}/sweep
rm -rf "$work"
mkdir -p "$work"
cd "$work"
runs=$work/runs
file=$here/oscillator-sweep.toml
trap 'dump_on_failure "$runs"' EXIT

echo "== dry run"
dry=$("$STRUCTURA" submit "$file" --dry-run --runs-dir "$runs")
echo "$dry" | head -n 40
[ ! -e "$runs" ] || fail "--dry-run wrote $runs"
for want in "#SBATCH --array=0-1%4" "--dependency=aftercorr:<job 1>" "--dependency=afterok:<job 2>" \
  '--sweep-index "$SLURM_ARRAY_TASK_ID"' "#SBATCH --ntasks=2" "launcher=srun" "#SBATCH --requeue" \
  "structura report $runs/oscillator-sweep"; do
  grep -qF -- "$want" <<<"$dry" || fail "dry run lacks: $want"
done

echo "== submit"
start=$SECONDS
"$STRUCTURA" submit "$file" --runs-dir "$runs"
JOB_IDS=$("$python" - "$runs/oscillator-sweep/slurm/submission.toml" <<'PY'
import sys, tomllib
s = tomllib.load(open(sys.argv[1], "rb"))["submission"][-1]
print(" ".join(j["job_id"] for j in s["job"]))
PY
)
read -r prepare integrate report <<<"$JOB_IDS"
echo "jobs: prepare $prepare, integrate $integrate, report $report"
grep -qx "dependency = \"aftercorr:$prepare\"" "$runs/oscillator-sweep/slurm/submission.toml" ||
  fail "submission.toml does not record integrate after prepare with aftercorr"

wait_for_jobs 240 $JOB_IDS
echo "all jobs left the queue after $((SECONDS - start)) s"

echo "== job states (scontrol)"
for id in "${prepare}_0" "${prepare}_1" "${integrate}_0" "${integrate}_1" "$report"; do
  state=$(job_field "$id" JobState)
  echo "$id $state"
  [ "$state" = COMPLETED ] || fail "job $id ended $state"
done

echo "== results"
"$STRUCTURA" run "$file" --ranks 1 --runs-dir "$work/local" --no-plots >"$work/local.log" 2>&1 ||
  fail "local run failed: $(tail -n 20 "$work/local.log")"
"$python" "$here/check_results.py" sweep "$runs" "$work/local"

echo "== structura status"
status=$("$STRUCTURA" status "$runs")
echo "$status"
[ "$(grep -c '^run ' <<<"$status")" = 2 ] || fail "status does not list 2 runs"
grep -qE '^ +(initial|reference|integrate/|metrics).* (pending|partial)' <<<"$status" && fail "status shows unfinished stages"
[ "$(grep -cE '^ +(prepare|integrate|report) +[0-9_]+ +COMPLETED$' <<<"$status")" = 6 ] ||
  fail "status does not show 6 COMPLETED jobs (3 per run)"
grep -q "2 run(s), 2 with every stage done" <<<"$status" || fail "status summary"
echo "PASS"
