#!/usr/bin/env bash
# Stop the local one-node Slurm cluster started by tools/start_slurm.sh:
# cancels the jobs still queued or running, then stops slurmd, slurmctld and munged
# (by their pid files). Idempotent; needs root. Config and state stay in place, so
# tools/start_slurm.sh brings the cluster back.
#
#   sudo tools/stop_slurm.sh
#
# Environment: SLURM_KEEP_MUNGE=1 leaves munged running (other users of munge).
set -uo pipefail

log() { echo "stop_slurm: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "stop_slurm: ERROR: must run as root" >&2; exit 1; }

run_dir=/run/slurm

stop_pidfile() { # name pidfile
  local pid
  [ -f "$2" ] || return 0
  pid=$(cat "$2" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$1 did not stop within 15 s, killing it"
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -f "$2"
}

# jobs first, so no job steps are left behind without a slurmd
if command -v scontrol >/dev/null 2>&1 && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; then
  if [ -n "$(squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null)" ]; then
    log "cancelling queued and running jobs"
    scancel --full --state=PENDING 2>/dev/null
    scancel --full --state=RUNNING 2>/dev/null
    for _ in $(seq 20); do
      [ -z "$(squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
fi

stop_pidfile slurmd "$run_dir/slurmd.pid"
stop_pidfile slurmctld "$run_dir/slurmctld.pid"
if [ "${SLURM_KEEP_MUNGE:-0}" != 1 ]; then
  stop_pidfile munged /run/munge/munged.pid
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
fi
log "stopped"
