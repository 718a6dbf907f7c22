# Sourced by the Slurm test drivers: prerequisites, waiting for jobs, job
# fields, and a dump of the evidence when a test fails.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Skips (ctest SKIP_RETURN_CODE 77) where there is no cluster to submit to.
require_cluster() {
  : "${STRUCTURA:?set STRUCTURA to the structura executable}"
  if [ -z "${SLURM_CONF:-}" ] || [ ! -f "$SLURM_CONF" ] || ! command -v sbatch >/dev/null; then
    echo "SKIP: no Slurm cluster (SLURM_CONF=${SLURM_CONF:-unset}; see tests/slurm/slurm-fixture.sh)"
    exit 77
  fi
}

# A Python 3 with h5py and numpy: Debian's, even when another python3 comes first on PATH.
python_h5py() {
  local p
  for p in /usr/bin/python3 python3; do
    if "$p" -c 'import h5py, numpy, tomllib' 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  fail "no python3 with h5py and numpy (Debian: python3-h5py)"
}

# wait_for_jobs TIMEOUT_S ID...: until squeue lists none of the jobs (finished
# jobs drop out of squeue's default view; requeued ones stay, pending).
wait_for_jobs() {
  local timeout=$1
  shift
  local ids left start=$SECONDS
  ids=$(IFS=,; echo "$*")
  while :; do
    left=$(squeue -h -j "$ids" -o '%i %T %r' 2>&1) || left="squeue failed: $left"
    [ -z "$left" ] && return 0
    if ((SECONDS - start > timeout)); then
      echo "still in the queue after ${timeout} s:" >&2
      echo "$left" >&2
      return 1
    fi
    sleep 2
  done
}

# job_field ID FIELD: one field of `scontrol show job` (e.g. JobState, Restarts).
job_field() {
  scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# On a failing exit: the jobs' output, their records and the controller's log.
dump_on_failure() {
  local rc=$? runs=$1 f
  [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] && return 0
  echo "==== test failed (status $rc); evidence follows" >&2
  for f in "$runs"/*/slurm/*.out "$runs"/*/*/log.txt; do
    [ -f "$f" ] || continue
    echo "---- $f" >&2
    tail -n 40 "$f" >&2
  done
  squeue >&2 || true
  if [ -n "${JOB_IDS:-}" ]; then
    for f in $JOB_IDS; do scontrol show job "$f" >&2 || true; done
    scancel $JOB_IDS 2>/dev/null || true
  fi
  f=$(dirname "$SLURM_CONF")/log/slurmctld.log
  [ -f "$f" ] && { echo "---- $f" >&2; tail -n 40 "$f" >&2; }
  return 0
}
