#!/usr/bin/env bash
# Start an emulated Slurm cluster of several nodes on this one machine, for tests and CI: each node
# is a slurmd in network, UTS and mount namespaces of its own (its own host name and address on a
# private bridge, its own /tmp and /dev/shm), one slurmctld serves them all, munge is shared
# (tools/start_slurm.sh's), and every other directory — the checkout, results/, ~/.cache — is seen
# by all nodes, as a cluster's shared file system is. Idempotent: run it again and it only checks,
# or restarts what is down (a killed slurmd, a node left DOWN). Needs root. Debian/Ubuntu only.
#
#   sudo tools/start_slurm_nodes.sh                 # start (or check) the cluster, print its status
#   export SLURM_CONF=/etc/slurm-nodes/slurm.conf   # then sbatch, srun, squeue and snakemake's
#                                                   # Slurm profile use this cluster
#   sudo tools/stop_slurm_nodes.sh                  # stop it and remove its namespaces
#
# It is a Slurm cluster of its own, next to tools/start_slurm.sh's one-node cluster (which keeps
# /etc/slurm and port 6817): cluster `emulated`, configuration /etc/slurm-nodes/slurm.conf,
# slurmctld on this host at port 6827 and on the bridge address, partition `nodes` (Default=YES)
# of nodes node1..nodeN. Each node offers nproc CPUs (the nodes share the machine's cores) and a
# share of its memory, and runs its jobs in its namespaces: the ranks of an MPI job on two nodes
# talk TCP over the bridge, and each sees its own node's host name. A node's own /tmp is
# /var/lib/slurm-nodes/<node>/tmp: work on the shared file system, not in /tmp, as on a cluster.
# On a node, /etc/slurm is this cluster's configuration directory (/etc/slurm-nodes).
#
# Scheduling is that of tools/start_slurm.sh (select/cons_tres, CR_Core_Memory, MpiDefault=pmix,
# memory enforced by jobacct_gather, no accounting: use `--slurm-status-command squeue`), with
# SlurmdTimeout=10: a node whose slurmd stops answering is set DOWN, and its jobs fail
# (NODE_FAIL), within about 10-20 s. Jobs are not requeued by Slurm (JobRequeue=0): a failed
# job is for its submitter to retry (snakemake: `retries` in profiles/slurm).
#
# Environment (all optional):
#   SLURM_NODES         number of nodes (default 3: two for a job across nodes and one spare)
#   SLURM_NODES_NET     first three octets of the bridge's /24 (default 10.213.87; .1 is this host)
#   SLURM_MIN_JOB_AGE   seconds finished jobs stay visible to squeue (default 86400)
#   SLURM_WAIT          seconds to wait for the nodes to become idle (default 60)
#   SLURM_SKIP_MPI_TEST=1  skip the final check (by default, with mpicc, a C MPI program must run as
#                       2 ranks on 2 nodes of one MPI_COMM_WORLD via srun)
set -euo pipefail
me=start_slurm_nodes
# shellcheck source=slurm_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_lib.sh"
# shellcheck source=slurm_nodes_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_nodes_paths.sh"
require_root

wait_s=${SLURM_WAIT:-60}
min_job_age=${SLURM_MIN_JOB_AGE:-86400}
[[ "$n_nodes" =~ ^[1-9][0-9]?$ ]] || die "SLURM_NODES must be a number of nodes from 1 to 99, not '$n_nodes'"

extra_packages=(ip:iproute2 nsenter:util-linux unshare:util-linux)
install_slurm_packages
start_munge

# ---------------------------------------------------------------- network
# A bridge on this host (address $net.1, the controller's) and per node a network namespace with
# one end of a veth pair (address $net.<10 + i>) whose other end is on the bridge.
if ! ip link show "$bridge" >/dev/null 2>&1; then
  log "creating bridge $bridge ($net.1/24)"
  ip link add "$bridge" type bridge
fi
ip -4 addr show dev "$bridge" | grep -qF " $net.1/24" || ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
for i in $(seq "$n_nodes"); do
  ns=$(node_netns "node$i") veth=$(node_veth "node$i")
  [ -e "/run/netns/$ns" ] || { log "creating network namespace $ns"; ip netns add "$ns"; }
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "$veth" 2>/dev/null || true
    ip link add "$veth" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$veth" master "$bridge" up
  ip -n "$ns" -4 addr show dev eth0 | grep -qF " $(node_addr "$i")/24" || ip -n "$ns" addr add "$(node_addr "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

# ---------------------------------------------------------------- slurm.conf
ncpu=$(nproc)
old_mem=""
if [ -f "$conf" ] && head -n1 "$conf" | grep -qF "$marker"; then
  old_mem=$(sed -n 's/^NodeName=.* RealMemory=\([0-9]*\).*/\1/p' "$conf" | head -n1)
fi
# kept while it fits the machine (see node_memory_mb)
real_mem=$(node_memory_mb "$n_nodes" "$old_mem")
def_mem=$(( real_mem / ncpu ))
[ "$def_mem" -le 1024 ] || def_mem=1024
mpi_default=$(mpi_default_plugin)
nodes="node[1-$n_nodes]"
[ "$n_nodes" != 1 ] || nodes=node1

new_conf=$(mktemp)
trap 'rm -f "$new_conf"' EXIT
{
  cat <<EOT
$marker -- emulated $n_nodes-node test cluster, do not use in production
ClusterName=emulated
SlurmctldHost=$(hostname -s)($net.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=$ctld_port
SlurmdPort=6818
StateSaveLocation=$state_dir/slurmctld
SlurmdSpoolDir=$state_dir/%n/spool
SlurmctldPidFile=$run_dir/slurmctld.pid
SlurmdPidFile=$run_dir/slurmd-%n.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd-%n.log
$(scheduling_conf "$def_mem" "$mpi_default" "$min_job_age" 10)
JobRequeue=0
EOT
  for i in $(seq "$n_nodes"); do
    echo "NodeName=node$i NodeAddr=$(node_addr "$i") CPUs=$ncpu RealMemory=$real_mem State=UNKNOWN"
  done
  echo "PartitionName=nodes Nodes=$nodes Default=YES MaxTime=INFINITE State=UP"
} >"$new_conf"

install -d -m 0755 "$conf_dir" "$run_dir" "$log_dir" "$state_dir/slurmctld"
changed=0
if install_config "$new_conf" "$conf" "$marker"; then
  changed=1
  log "wrote $conf ($n_nodes nodes: CPUs=$ncpu RealMemory=${real_mem}MB each, MpiDefault=$mpi_default)"
fi
printf '%s\nCgroupPlugin=autodetect\nConstrainCores=no\nConstrainRAMSpace=no\nConstrainDevices=no\n' \
  "$marker" >"$conf_dir/cgroup.conf"
export SLURM_CONF=$conf

# ---------------------------------------------------------------- daemons
if [ "$changed" = 1 ]; then
  for pidfile in "$run_dir"/slurmd-*.pid; do stop_pidfile "slurmd $pidfile" "$pidfile"; done
  stop_pidfile slurmctld "$run_dir/slurmctld.pid"
fi
if ! pid_alive "$run_dir/slurmctld.pid"; then
  log "starting slurmctld (port $ctld_port)"
  slurmctld -i -f "$conf" || die "slurmctld failed to start; see $log_dir/slurmctld.log:
$(tail -n 20 "$log_dir/slurmctld.log" 2>/dev/null)"
fi
for _ in $(seq "$wait_s"); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 1; done
scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld does not answer (scontrol ping); see $log_dir/slurmctld.log:
$(tail -n 20 "$log_dir/slurmctld.log" 2>/dev/null)"
for i in $(seq "$n_nodes"); do
  node=node$i
  pid_alive "$run_dir/slurmd-$node.pid" && continue
  install -d -m 0755 "$state_dir/$node/spool"
  install -d -m 1777 "$state_dir/$node/tmp"
  log "starting slurmd of $node ($(node_addr "$i"))"
  # The namespaces: the node's network; its host name; its mounts, which still receive the
  # machine's (shared file system), with a /tmp and /dev/shm of its own and this cluster's
  # configuration as /etc/slurm, as a cluster's nodes have theirs: commands in jobs find it without
  # SLURM_CONF (snakemake-executor-plugin-slurm-jobstep 0.6 removes SLURM_CONF from the
  # environment of the srun it starts). slurmd daemonizes and its jobs inherit them.
  install -d -m 0755 /etc/slurm
  # shellcheck disable=SC2016  # the inner shell expands its arguments
  nsenter --net="/run/netns/$(node_netns "$node")" unshare --uts --mount --propagation slave -- \
    sh -c 'hostname "$1" && mount --bind "$2" /tmp && mount -t tmpfs -o mode=1777 tmpfs /dev/shm \
      && mount --bind "$3" /etc/slurm && exec slurmd -N "$1"' \
    sh "$node" "$state_dir/$node/tmp" "$conf_dir" \
    || die "slurmd of $node failed to start; see $log_dir/slurmd-$node.log:
$(tail -n 20 "$log_dir/slurmd-$node.log" 2>/dev/null)"
done

# ---------------------------------------------------------------- wait for the nodes
mapfile -t node_names < <(for i in $(seq "$n_nodes"); do echo "node$i"; done)
log_hint="--- see $log_dir/slurmd-<node>.log"
wait_nodes_up "$wait_s" "${node_names[@]}"

# The test jobs need every node; nodes busy with jobs were checked when their jobs started.
busy=$(sinfo -h -o '%T %N' | awk '$1 != "idle" {print $2}' | paste -sd' ' -)
out="(skipped: nodes busy with jobs: $busy)"
if [ -z "$busy" ]; then
  # Every node runs a job as itself: its own host name.
  out=$(timeout 60 srun -N "$n_nodes" -n "$n_nodes" -t 1 hostname 2>&1) \
    || die "test job 'srun -N $n_nodes hostname' failed: $out"
  [ "$(sort -u <<<"$out" | wc -l)" = "$n_nodes" ] || die "srun -N $n_nodes hostname gave $out, not $n_nodes host names"
fi

# ---------------------------------------------------------------- MPI check
mpi_note="MPI check skipped (SLURM_SKIP_MPI_TEST=1, no mpicc, one node or nodes busy)"
if [ "${SLURM_SKIP_MPI_TEST:-0}" != 1 ] && command -v mpicc >/dev/null 2>&1 && [ "$n_nodes" -ge 2 ] \
   && [ -z "$busy" ]; then
  mpi_dir=$(mktemp -d "$state_dir/mpi-check-XXXXXX")  # on the shared file system, not in /tmp
  trap 'rm -f "$new_conf"; rm -rf "$mpi_dir"' EXIT
  build_mpi_hello "$mpi_dir"
  mpi_out=$(cd "$mpi_dir" && timeout 120 srun -N 2 -n 2 -t 2 ./hello 2>&1) \
    || die "MPI test 'srun -N 2 -n 2 ./hello' (MpiDefault=$mpi_default) failed:
$mpi_out"
  [ "$(grep -c 'size 2 sum 1 host ' <<<"$mpi_out")" = 2 ] \
    && [ "$(awk '/size 2 sum 1 host /{print $NF}' <<<"$mpi_out" | sort -u | wc -l)" = 2 ] \
    || die "MPI test 'srun -N 2 -n 2' did not give 2 ranks of one MPI_COMM_WORLD on 2 hosts (MpiDefault=$mpi_default):
$mpi_out"
  mpi_note="srun -N 2 -n 2 MPI check: 2 ranks on $(awk '/host /{print $NF}' <<<"$mpi_out" | sort | paste -sd+ -) in one MPI_COMM_WORLD (MpiDefault=$mpi_default)"
fi
for _ in $(seq 10); do sinfo -h -o '%T' | grep -q completing || break; sleep 0.5; done

echo "Slurm is up: cluster emulated ($conf), partition nodes, nodes $nodes (CPUs=$ncpu, RealMemory=${real_mem}MB each), MpiDefault=$mpi_default"
echo "Use it with: export SLURM_CONF=$conf"
sinfo
echo "srun -N $n_nodes hostname -> $(paste -sd' ' - <<<"$out")"
echo "$mpi_note"
