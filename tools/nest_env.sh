#!/usr/bin/env bash
# Print the shell lines that make the workflow use a build of NEST that tools/build_nest.sh left in
# its cache (the same options select it); the PyPI wheel in .venv stays the default otherwise.
#
#   eval "$(tools/nest_env.sh --mpi)"       # in the shell that runs snakemake (or pytest)
#   eval "$(tools/nest_env.sh --native)"    # the build tuned for this machine's CPU
#   .venv/bin/snakemake --cores 2 --config params='{n_vp: 2, mpi_ranks: 2}'
#
# `make run NEST=native` (or mpi, mpi-native) builds and selects one in one go.
#
# Printed: PYTHONPATH with the build's site-packages first (it shadows the wheel's `nest`), and,
# for builds with MPI, what Open MPI's mpiexec needs on a small machine: as root
# OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) (mpiexec refuses root otherwise) and always
# OMPI_MCA_rmaps_base_oversubscribe=1 (more ranks than cores, e.g. 4 ranks on 2 cores).
# Both only concern mpiexec; srun (Slurm) ignores them. Jobs submitted by
# snakemake-executor-plugin-slurm inherit these variables (sbatch --export=ALL).
#
# Exit status 1, with the reason on stderr, when there is no complete build for these options (for
# --native: one built for this CPU); nothing is built here.
# Environment: see tools/nest_paths.sh.
set -euo pipefail
# shellcheck source=nest_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/nest_paths.sh"
me=nest_env
options=""
[ "$with_mpi" = OFF ] || options="--mpi"
[ "$native" = 0 ] || options="${options:+$options }--native"

if ! [ -f "$stamp" ] || ! [ -d "$site/nest" ]; then
  echo "$me: no $variant build of NEST $version for Python $pyver at $prefix; run tools/build_nest.sh $options" >&2
  exit 1
fi
if [ "$(cat "$stamp")" != "$want_stamp" ]; then
  echo "$me: the build at $prefix was made for another configuration; run tools/build_nest.sh $options to rebuild it." >&2
  diff <(echo "$want_stamp") "$stamp" | sed -n 's/^</  wanted:/p; s/^>/  built: /p' >&2
  exit 1
fi

# shellcheck disable=SC2016  # ${PYTHONPATH...} is expanded by the shell that evals the output
printf 'export PYTHONPATH=%q${PYTHONPATH:+:$PYTHONPATH}\n' "$site"
if [ "$with_mpi" = ON ]; then
  if [ "$(id -u)" = 0 ]; then
    echo 'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1'
  fi
  echo 'export OMPI_MCA_rmaps_base_oversubscribe=1'
fi
