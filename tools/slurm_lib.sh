# shellcheck shell=bash
# Sourced by tools/start_slurm.sh, tools/stop_slurm.sh and the emulated cluster's
# tools/start_slurm_nodes.sh / tools/stop_slurm_nodes.sh: what every local Slurm cluster needs.
me=${me:-$(basename "$0" .sh)}  # the name in messages: the sourcing script's

log() { echo "$me: $*" >&2; }
die() { echo "$me: ERROR: $*" >&2; exit 1; }
require_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts system daemons)"; }

# Debian packages: Slurm's controller, node daemon and client, and munge; plus those of the array
# extra_packages, as COMMAND:PACKAGE (e.g. ip:iproute2). The packages' post-install scripts must
# not start the services (they fail without a slurm.conf, or without an init system, and fail the
# install).
extra_packages=()
install_slurm_packages() {
  local need=() bin_pkg
  for bin_pkg in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client srun:slurm-client \
                 squeue:slurm-client sinfo:slurm-client munged:munge munge:munge "${extra_packages[@]}"; do
    command -v "${bin_pkg%%:*}" >/dev/null 2>&1 || need+=("${bin_pkg#*:}")
  done
  [ ${#need[@]} -gt 0 ] || return 0
  log "installing slurm-wlm and munge from apt (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  local remove_policy=0 extra=()
  for bin_pkg in "${extra_packages[@]}"; do extra+=("${bin_pkg#*:}"); done
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    remove_policy=1
  fi
  # Only refresh the package lists when apt does not know the packages (fresh images ship without
  # lists) or the install fails with outdated lists. Waits for another apt to finish.
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  if ! apt-cache show slurm-wlm munge >/dev/null 2>&1 \
     || ! "${apt[@]}" install -y -qq --no-install-recommends slurm-wlm munge "${extra[@]}" >/dev/null; then
    "${apt[@]}" update -qq
    "${apt[@]}" install -y -qq --no-install-recommends slurm-wlm munge "${extra[@]}" >/dev/null \
      || { [ "$remove_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d; die "apt-get install slurm-wlm munge ${extra[*]} failed"; }
  fi
  [ "$remove_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
  local b
  for b in slurmctld slurmd sbatch srun squeue sinfo scontrol munged munge unmunge; do
    command -v "$b" >/dev/null 2>&1 || die "$b not found after installing slurm-wlm/munge"
  done
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

# munged with /etc/munge/munge.key (created once): one munge for every local cluster.
start_munge() {
  munge_ok && return 0
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  # a stale pid file/socket of a dead munged keeps a new one from starting
  if [ -f /run/munge/munged.pid ] && ! kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; then
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  fi
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force \
    || die "munged failed to start (see /var/log/munge/munged.log)"
  for _ in $(seq 20); do munge_ok && break; sleep 0.5; done
  munge_ok || die "munge does not work: 'munge -n | unmunge' fails (see /var/log/munge/munged.log)"
}

# Memory a node offers (MB): 90 % of the available memory divided by $1 nodes, rounded down to a
# multiple of 512 MB. A value from an earlier config ($2, may be empty) is kept while it fits the
# machine's memory divided by the nodes: a rewritten config restarts the daemons, which ends the
# jobs running on the cluster, so free memory that moved is no reason to rewrite it.
node_memory_mb() {
  local nodes=$1 old=$2 avail total mem
  avail=$(awk '/^MemAvailable:/{print int($2/1024)}' /proc/meminfo)
  total=$(awk '/^MemTotal:/{print int($2/1024)}' /proc/meminfo)
  mem=$(( avail * 9 / 10 / nodes / 512 * 512 ))
  [ "$mem" -ge 512 ] || mem=$(( avail * 9 / 10 / nodes ))
  if [ -n "$old" ] && [ "$old" -le $(( total / nodes )) ]; then mem=$old; fi
  echo "$mem"
}

# Slurm's MPI plugin for Open MPI: SLURM_MPI_DEFAULT, else pmix when Slurm has it (Debian 12:
# pmix_v4, which Debian's Open MPI 4.1 speaks), else pmi2, else none.
mpi_default_plugin() {
  local plugin_dir
  plugin_dir=$(dirname "$(find /usr/lib /usr/lib64 -name 'mpi_none.so' -path '*slurm*' 2>/dev/null | head -n1)" 2>/dev/null || true)
  if [ -n "${SLURM_MPI_DEFAULT:-}" ]; then
    echo "$SLURM_MPI_DEFAULT"
  elif [ -n "$plugin_dir" ] && ls "$plugin_dir"/mpi_pmix*.so >/dev/null 2>&1; then
    echo pmix
  elif [ -n "$plugin_dir" ] && [ -f "$plugin_dir/mpi_pmi2.so" ]; then
    echo pmi2
  else
    echo none
  fi
}

# The part of slurm.conf every local cluster shares: logging, no cgroups, memory enforcement,
# scheduling, timeouts. $1 DefMemPerCPU (MB), $2 MpiDefault, $3 MinJobAge (s), $4 SlurmdTimeout (s).
scheduling_conf() {
  cat <<EOT
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups: containers rarely delegate cgroup v2 controllers
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# memory is enforced without cgroups: slurmd samples each job's processes every second and kills
# a job step that uses more than its --mem (as a cluster does), so that requests are tested
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$1
MpiDefault=$2
ReturnToService=2
# finished jobs stay visible to squeue this long (snakemake --slurm-status-command squeue)
MinJobAge=$3
SlurmctldTimeout=30
SlurmdTimeout=$4
InactiveLimit=0
KillWait=10
Waittime=0
EOT
}

# Install $1 as $2 (mode 0644), backing up a file there that no script of ours wrote ($3: the marker
# of the first line). Returns 0 if the file changed.
install_config() {
  local new=$1 conf=$2 marker=$3
  cmp -s "$new" "$conf" && return 1
  if [ -f "$conf" ] && ! head -n1 "$conf" | grep -qF "$marker"; then
    local backup
    backup=$conf.bak.$(date +%Y%m%d%H%M%S)
    log "backing up existing $conf to $backup"
    cp -p "$conf" "$backup"
  fi
  install -m 0644 "$new" "$conf"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the daemon of a pid file (name pidfile [grace in quarter seconds, default 40]): SIGTERM, then
# SIGKILL after the grace time.
stop_pidfile() {
  local pid
  [ -f "$2" ] || return 0
  pid=$(cat "$2" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq "${3:-40}"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$1 did not stop in time, killing it"
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -f "$2"
}

# Cancel every queued or running job of the cluster (its SLURM_CONF), so that no job step is left
# behind without its slurmd.
cancel_all_jobs() {
  command -v scontrol >/dev/null 2>&1 && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP' || return 0
  [ -n "$(squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null)" ] || return 0
  log "cancelling queued and running jobs"
  scancel --full --state=PENDING 2>/dev/null
  scancel --full --state=RUNNING 2>/dev/null
  for _ in $(seq 20); do
    [ -z "$(squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null)" ] && break
    sleep 0.5
  done
}

# Wait up to $1 s until every node named after it is idle (or busy with, or planned for, jobs), resuming nodes left
# DOWN or DRAINED by an earlier run; dies with the nodes' states, reasons and $log_hint otherwise.
wait_nodes_up() {
  local wait_s=$1 i node state all_up
  shift
  for i in $(seq "$wait_s"); do
    all_up=1
    for node in "$@"; do
      state=$(sinfo -h -n "$node" -o '%T' 2>/dev/null | head -n1)
      case "$state" in
        idle|mixed|allocated|completing|planned) ;;
        down*|drain*|fail*)
          all_up=0
          if [ $((i % 5)) = 1 ]; then scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true; fi ;;
        *) all_up=0 ;;
      esac
    done
    [ "$all_up" = 1 ] && return 0
    sleep 1
  done
  die "not every node is idle after ${wait_s}s:
$(for node in "$@"; do scontrol show node "$node" 2>&1 | grep -E 'NodeName|State|Reason'; done)
${log_hint:-}"
}

# Build the MPI check program into directory $1 (it must be visible on every node): each rank
# prints its rank, the size of MPI_COMM_WORLD, the sum of all ranks and its host name.
build_mpi_hello() {
  cat >"$1/hello.c" <<'CEOF'
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int rank, size, sum = 0;
  char host[256] = "";
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  gethostname(host, sizeof host - 1);
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  printf("rank %d size %d sum %d host %s\n", rank, size, sum, host);
  MPI_Finalize();
  return 0;
}
CEOF
  mpicc -o "$1/hello" "$1/hello.c" || die "mpicc failed to build the MPI test program"
}
