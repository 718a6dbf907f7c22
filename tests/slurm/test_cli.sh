#!/bin/bash
# `structura submit` and `structura status` where no cluster is needed: the
# dry run of the example (every script valid bash), configuration errors, a
# machine without sbatch, and `status` of a run interrupted locally. Real
# submissions go to a real Slurm in tests slurm_sweep and slurm_requeue.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
: "${STRUCTURA:?set STRUCTURA to the structura executable}"
source_dir=${STRUCTURA_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
work=${STRUCTURA_SLURM_WORK:-$(mktemp -d)}/cli
rm -rf "$work"
mkdir -p "$work"
cd "$work"
unset SLURM_CONF

echo "== dry run of the example"
runs=$work/runs
dry=$("$STRUCTURA" submit --dry-run "$source_dir/jobs/examples/henon-heiles.toml" --runs-dir "$runs")
echo "$dry" | head -n 45
[ ! -e "$runs" ] || fail "--dry-run wrote $runs"
[ "$(grep -c '^==> .*\.sbatch <==$' <<<"$dry")" = 3 ] || fail "expected 3 scripts (prepare, integrate, report)"
for want in "#SBATCH --signal=B:USR1@300" "#SBATCH --requeue" "--dependency=afterok:<job 1>" \
  "--dependency=afterok:<job 2>" "--group integrate --sweep-index 0 --no-plots --runs-dir $runs" \
  "structura report $runs/henon-heiles" "#SBATCH --time=01:00:00" "launcher=srun"; do
  grep -qF -- "$want" <<<"$dry" || fail "dry run lacks: $want"
done
grep -q -- "--array" <<<"$dry" && fail "a single run must not be a job array"
# Every rendered script is valid bash.
awk -v dir="$work" '/^==> .* <==$/ {f = dir "/script" ++n ".sh"; next} /^--dry-run:/ {f = ""} f {print > f}' <<<"$dry"
for s in "$work"/script*.sh; do bash -n "$s" || fail "$s: not valid bash"; done

echo "== configuration errors exit 2"
expect_status() {
  local want=$1 pattern=$2 out rc=0
  shift 2
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $out"
  grep -q -- "$pattern" <<<"$out" || fail "$*: message lacks '$pattern': $out"
  echo "ok ($rc): $(head -n 1 <<<"$out")"
}
file=$here/oscillator-sweep.toml
expect_status 2 "no site profile" "$STRUCTURA" submit "$file" slurm.site=nosuch --dry-run
expect_status 2 "slurm.signal_seconds" "$STRUCTURA" submit "$file" 'slurm.time="00:01:00"' slurm.signal_seconds=60 --dry-run
expect_status 2 "slurm.launcher" "$STRUCTURA" submit "$file" slurm.launcher=aprun --dry-run
expect_status 2 "slurm.time" "$STRUCTURA" submit "$file" slurm.time=soon --dry-run
echo '
[sweep]
"run.checkpoint_interval" = [10.0, 20.0]' | cat "$file" - >"$work/same-run.toml"
expect_status 2 "same run" "$STRUCTURA" submit "$work/same-run.toml" --dry-run

echo "== values that would leave their #SBATCH line or the runs directory exit 2"
# A line break used to end the directives: the rest ran as a command and
# the #SBATCH lines after it (the time limit) were ignored.
for key in slurm.account slurm.partition experiment.name; do
  expect_status 2 "$key" "$STRUCTURA" submit "$file" "$key=\"x\\ntouch $work/pwned\"" --dry-run
  expect_status 2 "$key" "$STRUCTURA" validate "$file" "$key=\"x\\ntouch $work/pwned\""
done
expect_status 2 "slurm.account" "$STRUCTURA" validate "$file" 'slurm.account="a;b"'
expect_status 2 "experiment.name" "$STRUCTURA" submit "$file" 'experiment.name="x$(id)"' --dry-run
expect_status 2 "slurm.extra" "$STRUCTURA" validate "$file" 'slurm.extra=["--qos=a\rb"]'
for name in ../../x /tmp/x '""' ..; do
  expect_status 2 "experiment.name" "$STRUCTURA" validate "$file" "experiment.name=$name"
  expect_status 2 "experiment.name" "$STRUCTURA" run "$file" "experiment.name=$name" --runs-dir "$runs"
done
expect_status 2 "slurm.time" "$STRUCTURA" validate "$file" slurm.time=99999999999999999999
expect_status 2 "slurm.time" "$STRUCTURA" validate "$file" slurm.time=soon
[ ! -e "$work/pwned" ] || fail "a value was executed"
[ ! -e "$runs" ] && [ ! -e "$work/x" ] || fail "a refused run wrote a directory"
# A name with blanks and '+' renders scripts whose #SBATCH lines all come
# before the first command (sbatch reads no further) and quote it.
dry=$("$STRUCTURA" submit --dry-run "$file" 'experiment.name="odd name+1"' --runs-dir "$runs")
rm -f "$work"/script*.sh
awk -v dir="$work" '/^==> .* <==$/ {f = dir "/script" ++n ".sh"; next} /^--dry-run:/ {f = ""} f {print > f}' <<<"$dry"
for s in "$work"/script*.sh; do
  bash -n "$s" || fail "$s: not valid bash"
  first_command=$(grep -nvE '^(#|$)' "$s" | head -n 1 | cut -d: -f1)
  last_directive=$(grep -n '^#SBATCH' "$s" | tail -n 1 | cut -d: -f1)
  [ "$last_directive" -lt "$first_command" ] || fail "$s: an #SBATCH line after the first command"
  grep -qF '#SBATCH --job-name="structura-odd name+1-' "$s" || fail "$s: job name not quoted"
  grep -qE '^#SBATCH --time=00:05:00$' "$s" || fail "$s: no time limit"
done
echo "ok: 'odd name+1' renders $(ls "$work"/script*.sh | wc -l) scripts, directives first"
echo "== validate shows the resolved [slurm]"
grep -q 'slurm (site "localhost"): .*time 00:05:00, 1 node(s), 2 task(s)' <<<"$("$STRUCTURA" validate "$file")" ||
  fail "validate does not show the resolved [slurm]"

echo "== no sbatch on PATH"
mkdir -p "$work/empty-bin"
expect_status 1 "sbatch is not on PATH" env PATH="$work/empty-bin" "$STRUCTURA" submit "$file" --runs-dir "$runs"
[ ! -e "$runs" ] || fail "a submission without sbatch wrote $runs"

echo "== status of a run interrupted locally (no Slurm needed)"
# Interrupt the first run in its reference stage (the test hook raises
# SIGUSR1 after 3 checkpoint polls): status shows its checkpoint.
rc=0
STRUCTURA_TEST_SIGNAL_AFTER_POLLS=3 "$STRUCTURA" run "$file" integration.t_end=5.0 --sweep-index 0 \
  --runs-dir "$runs" --no-plots >"$work/interrupted.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "the interrupted run exited $rc, expected 3: $(tail "$work/interrupted.log")"
status=$("$STRUCTURA" status "$runs/oscillator-sweep")
echo "$status"
grep -qE '^ +initial +done$' <<<"$status" || fail "initial not done"
grep -qE '^ +reference +partial \(checkpoint: .*next_frame = [0-9]+' <<<"$status" || fail "no partial reference"
grep -q "1 run(s), 0 with every stage done" <<<"$status" || fail "status summary"
expect_status 2 "no such directory" "$STRUCTURA" status "$work/nosuch"
echo "PASS"
