#!/bin/bash
# A run longer than its 1-minute Slurm time limit: the job gets SIGUSR1 from
# --signal=B:USR1@10, the script forwards it through mpirun, the run writes a
# checkpoint and exits 3, the script requeues the job, and the next start
# resumes; perhaps several times. The result must equal, bit for bit, that
# of an uninterrupted local run of the same file on the same 2 ranks.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
require_cluster
python=$(python_h5py)

work=${STRUCTURA_SLURM_WORK:-$(mktemp -d)}/requeue
rm -rf "$work"
mkdir -p "$work"
cd "$work"
runs=$work/runs
file=$here/requeue.toml
trap 'dump_on_failure "$runs"' EXIT

echo "== uninterrupted local run (2 ranks)"
start=$SECONDS
"$STRUCTURA" run "$file" --ranks 2 --runs-dir "$work/local" --no-plots >"$work/local.log" 2>&1 ||
  fail "local run failed: $(tail -n 20 "$work/local.log")"
echo "took $((SECONDS - start)) s"

echo "== submit"
start=$SECONDS
"$STRUCTURA" submit "$file" --runs-dir "$runs"
JOB_IDS=$("$python" - "$runs/requeue/slurm/submission.toml" <<'PY'
import sys, tomllib
s = tomllib.load(open(sys.argv[1], "rb"))["submission"][-1]
print(" ".join(j["job_id"] for j in s["job"]))
PY
)
read -r prepare integrate report <<<"$JOB_IDS"
wait_for_jobs 480 $JOB_IDS
echo "all jobs left the queue after $((SECONDS - start)) s"

for id in $JOB_IDS; do
  echo "job $id: $(job_field "$id" JobState), restarts $(job_field "$id" Restarts)"
  [ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
done
restarts=$(job_field "$integrate" Restarts)
[ "${restarts:-0}" -ge 1 ] || fail "the integrate job was never requeued (Restarts=$restarts)"
run_dir=$(dirname "$(ls "$runs"/requeue/*/config.toml)")
grep -q "stage integrate/verlet: resuming from its checkpoint" "$run_dir/log.txt" ||
  fail "log.txt does not show a resume"
grep -c "checkpoint written; requeueing job" "$runs"/requeue/slurm/*integrate*.out

"$python" "$here/check_results.py" requeue "$run_dir/result.h5" "$work/local/requeue/$(basename "$run_dir")/result.h5"

status=$("$STRUCTURA" status "$run_dir")
echo "$status"
grep -qE 'integrate +[0-9]+ +COMPLETED, requeued [0-9]+x' <<<"$status" || fail "status does not show the requeued job"
grep -q "1 run(s), 1 with every stage done" <<<"$status" || fail "status summary"
rm -f "$run_dir/result.h5" "$work"/local/requeue/*/result.h5  # 2 x ~190 MB, kept only when the test fails
echo "PASS"
