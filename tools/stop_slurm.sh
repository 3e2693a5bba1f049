#!/usr/bin/env bash
# Stop the local one-node Slurm cluster started by tools/start_slurm.sh:
# cancels the jobs still queued or running, then stops slurmd, slurmctld and munged
# (by their pid files). Idempotent; needs root. Config and state stay in place, so
# tools/start_slurm.sh brings the cluster back.
#
#   sudo tools/stop_slurm.sh
#
# munged keeps running while the emulated cluster of tools/start_slurm_nodes.sh runs (it shares it).
# Environment: SLURM_KEEP_MUNGE=1 leaves munged running in any case (other users of munge).
set -uo pipefail
me=stop_slurm
# shellcheck source=slurm_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_lib.sh"
require_root

run_dir=/run/slurm
cancel_all_jobs  # first, so no job steps are left behind without a slurmd
stop_pidfile slurmd "$run_dir/slurmd.pid" 60
stop_pidfile slurmctld "$run_dir/slurmctld.pid" 60
if [ "${SLURM_KEEP_MUNGE:-0}" != 1 ] && ! pid_alive /run/slurm-nodes/slurmctld.pid; then
  stop_pidfile munged /run/munge/munged.pid 60
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
fi
log "stopped"
