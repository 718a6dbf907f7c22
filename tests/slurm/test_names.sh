#!/bin/bash
# Hostile values against a real Slurm. A line break in experiment.name,
# slurm.account or slurm.partition used to end the #SBATCH block of the
# rendered script: the rest of the line ran as a shell command in the job,
# and sbatch ignored the #SBATCH lines after it (the job lost its time
# limit). They are refused now (exit 2, naming the key, nothing submitted),
# while a name with blanks and '+' is submitted, runs, and its jobs carry
# their time limit and their name.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
require_cluster

work=${STRUCTURA_SLURM_WORK:-$(mktemp -d)}/names
rm -rf "$work"
mkdir -p "$work"
cd "$work"
runs=$work/runs
trap 'dump_on_failure "$runs"' EXIT
file=$work/tiny.toml
cat >"$file" <<'TOML'
[experiment]
kind = "hamiltonian.ensemble"
seed = 3
[system]
name = "harmonic-oscillator"
[ensemble]
trajectories = 16
[integration]
methods = ["verlet"]
dt = 0.05
t_end = 1.0
output_every = 5
[reference]
method = "exact"
[slurm]
site = "localhost"
ntasks = 1
time = "00:03:00"
TOML

echo "== line breaks in values that go into #SBATCH lines: refused, nothing submitted"
before=$(squeue -h | wc -l)
for key in experiment.name slurm.account slurm.partition; do
  rc=0
  out=$("$STRUCTURA" submit "$file" "$key=\"x\\ntouch $work/pwned-$key\"" --runs-dir "$runs" 2>&1) || rc=$?
  [ "$rc" = 2 ] || fail "$key with a line break: exit status $rc, expected 2: $out"
  grep -qF "$key" <<<"$out" || fail "the message does not name $key: $out"
  echo "ok: $(head -n 1 <<<"$out")"
done
sleep 3  # what a submitted job would have run by now
[ "$(squeue -h | wc -l)" = "$before" ] || fail "a refused submission queued a job: $(squeue)"
ls "$work"/pwned-* 2>/dev/null && fail "a value was executed as a command"
[ ! -e "$runs" ] || fail "a refused submission wrote $runs"

echo "== a name with blanks and '+' is submitted, and its jobs keep their time limit"
name="odd name+1"
"$STRUCTURA" submit "$file" "experiment.name=\"$name\"" --runs-dir "$runs"
mapfile -t jobs < <(/usr/bin/python3 - "$runs/$name/slurm/submission.toml" <<'PY'
import sys, tomllib
for j in tomllib.load(open(sys.argv[1], "rb"))["submission"][-1]["job"]:
    print(j["job_id"], j["name"])
PY
)
ids=()
for line in "${jobs[@]}"; do ids+=("${line%% *}"); done
JOB_IDS="${ids[*]}"
wait_for_jobs 180 "${ids[@]}"
for id in "${ids[@]}"; do
  state=$(job_field "$id" JobState)
  limit=$(job_field "$id" TimeLimit)
  echo "job $id: $state, time limit $limit"
  [ "$state" = COMPLETED ] || fail "job $id ended $state"
  [ "$limit" = 00:03:00 ] || fail "job $id has time limit $limit, expected 00:03:00 (slurm.time)"
  scontrol -o show job "$id" | grep -qF "JobName=structura-$name-" || fail "job $id: not named after \"$name\""
done
ls "$runs/$name"/*/result.h5 >/dev/null || fail "no result.h5 under $runs/$name"
status=$("$STRUCTURA" status "$runs/$name")
grep -q "1 run(s), 1 with every stage done" <<<"$status" || fail "status: $status"
echo "PASS"
