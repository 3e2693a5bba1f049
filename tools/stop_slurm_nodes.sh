#!/usr/bin/env bash
# Stop the emulated cluster of tools/start_slurm_nodes.sh: cancels its queued and running jobs,
# stops every node's slurmd and the slurmctld, ends what still runs in the nodes' namespaces,
# and removes the namespaces and the bridge. munged keeps running while tools/start_slurm.sh's
# cluster runs (they share it). Idempotent; needs root. Config and state stay, so
# tools/start_slurm_nodes.sh brings the cluster back.
#
#   sudo tools/stop_slurm_nodes.sh
#
# Environment: SLURM_KEEP_MUNGE=1 leaves munged running in any case.
set -uo pipefail
me=stop_slurm_nodes
# shellcheck source=slurm_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_lib.sh"
# shellcheck source=slurm_nodes_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_nodes_paths.sh"
require_root

export SLURM_CONF=$conf
[ -f "$conf" ] && cancel_all_jobs
for pidfile in "$run_dir"/slurmd-*.pid; do stop_pidfile "slurmd $(basename "$pidfile" .pid)" "$pidfile" 60; done
stop_pidfile slurmctld "$run_dir/slurmctld.pid" 60
for ns_path in /run/netns/"$(node_netns node)"*; do
  [ -e "$ns_path" ] || continue
  ns=$(basename "$ns_path")
  # whatever a node still runs (job steps whose slurmd was killed) ends with it
  pids=$(ip netns pids "$ns" 2>/dev/null)
  if [ -n "$pids" ]; then
    log "ending the processes left in $ns: $(echo "$pids" | paste -sd' ' -)"
    # shellcheck disable=SC2086  # a list of pids
    kill -9 $pids 2>/dev/null
  fi
  ip netns del "$ns"
done
ip link del "$bridge" 2>/dev/null && log "removed bridge $bridge"
if [ "${SLURM_KEEP_MUNGE:-0}" != 1 ] && ! pid_alive /run/slurm/slurmctld.pid; then
  stop_pidfile munged /run/munge/munged.pid 60
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
fi
log "stopped"
