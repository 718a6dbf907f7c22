#!/bin/bash
# A private one-node Slurm cluster on localhost for the `slurm` tests.
#
#   slurm-fixture.sh start DIR   write DIR/slurm.conf, start munged (unless one
#                                already answers), slurmctld and slurmd, wait
#                                until the node is idle
#   slurm-fixture.sh stop DIR    cancel the cluster's jobs and stop exactly the
#                                daemons this script started (their pid files)
#
# Clients and daemons find the cluster through SLURM_CONF=DIR/slurm.conf. Its
# ports are SLURM_FIXTURE_PORT and SLURM_FIXTURE_PORT+1 (default 16817) so that
# it never answers for, or collides with, a site's own Slurm on 6817/6818.
# Needs root (slurmd runs jobs as their owners) and Debian's slurm-wlm + munge.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
conf=$dir/slurm.conf
export SLURM_CONF=$conf
port=${SLURM_FIXTURE_PORT:-16817}

log() { echo "slurm-fixture: $*"; }
fail() {
  echo "slurm-fixture: error: $*" >&2
  exit 1
}

# The pid in pid file $1 if that process is alive and runs program $2.
live_pid() {
  local file=$1 program=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$program" || return 1
  echo "$pid"
}

# Stops the daemon of pid file $1 (program $2): TERM, then KILL after 20 s.
stop_daemon() {
  local file=$1 program=$2 pid i
  if pid=$(live_pid "$file" "$program"); then
    log "stopping $program (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then
      log "$program (pid $pid) ignored TERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

dump_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 30 "$f" >&2
  done
}

# Exit status 77 (ctest: skipped) where this machine cannot run the cluster.
skip() {
  echo "slurm-fixture: SKIP: $*"
  exit 77
}

start() {
  rm -f "$conf"  # the tests skip without it
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null ||
    skip "slurmctld, slurmd and munged are needed (Debian packages slurm-wlm and munge)"
  [ "$(id -u)" = 0 ] || skip "a private Slurm needs root (slurmd starts jobs as their owners)"
  if live_pid "$dir/slurmctld.pid" slurmctld >/dev/null || live_pid "$dir/slurmd.pid" slurmd >/dev/null; then
    log "already running in $dir; stopping it first"
    stop
  fi
  mkdir -p "$dir"/{state,spool,log,munge}
  rm -rf "$dir"/state/* "$dir"/spool/*

  # munge: reuse a munged that already answers on the standard socket (it is
  # not ours to stop); otherwise start a private one with its own key,
  # socket and pid file.
  local auth_info=""  # munge socket, when ours
  if command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "reusing the running munged on the default socket"
  else
    local socket=$dir/munge/munge.socket
    [ ${#socket} -lt 100 ] || fail "path of the munge socket is too long: $socket"
    if ! live_pid "$dir/munge/munged.pid" munged >/dev/null; then
      if [ ! -s "$dir/munge/munge.key" ]; then
        dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
      fi
      chmod 700 "$dir/munge"
      chmod 400 "$dir/munge/munge.key"
      munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed" ||
        fail "munged did not start; see $dir/log/munged.log"
      log "started munged (pid $(cat "$dir/munge/munged.pid"))"
    fi
    auth_info="socket=$socket,"
  fi

  local cpus mem_kib mem_mib
  cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) # nproc obeys OMP_NUM_THREADS, which tests set to 1
  mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  mem_mib=$((mem_kib / 1024 * 9 / 10)) # leave headroom: slurmd drains a node that reports less than configured
  cat >"$conf" <<EOF
# Written by tests/slurm/slurm-fixture.sh: a private one-node cluster.
ClusterName=structura-test
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# A requeued job may start again only after cred_expire (default 120 s).
AuthInfo=${auth_info}cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=600
JobRequeue=1
KillWait=5
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=localhost CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

  slurmctld -c || {
    dump_logs
    fail "slurmctld did not start"
  }
  slurmd -c -N localhost || {
    dump_logs
    fail "slurmd did not start"
  }

  local i state=""
  for i in $(seq 1 120); do
    state=$(sinfo -h -N -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && [ -s "$dir/slurmd.pid" ] && break
    sleep 0.5
  done
  log "started slurmctld (pid $(cat "$dir/slurmctld.pid" 2>/dev/null)) and slurmd (pid $(cat "$dir/slurmd.pid" 2>/dev/null))"
  if [ "$state" != idle ]; then
    dump_logs
    fail "node localhost is '${state:-unknown}', not idle, 60 s after start"
  fi
  log "node localhost idle ($cpus CPUs, ${mem_mib} MiB); SLURM_CONF=$conf"
}

stop() {
  if live_pid "$dir/slurmctld.pid" slurmctld >/dev/null; then
    # Jobs of this private cluster are ours: end them before the daemons so
    # that no job step outlives slurmd.
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
    [ -z "${jobs// /}" ] || scancel $jobs 2>/dev/null || true
    local i
    for i in $(seq 1 40); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_daemon "$dir/slurmd.pid" slurmd
  stop_daemon "$dir/slurmctld.pid" slurmctld
  stop_daemon "$dir/munge/munged.pid" munged
  log "stopped"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
