#!/usr/bin/env bash
# Print the shell lines that make the workflow use the MPI build of NEST that
# tools/build_nest_mpi.sh left in its cache; the PyPI wheel in .venv stays the default otherwise.
#
#   eval "$(tools/nest_mpi_env.sh)"        # in the shell that runs snakemake (or pytest)
#   .venv/bin/snakemake --cores 2 --config params='{n_vp: 2, mpi_ranks: 2}'
#
# Printed: PYTHONPATH with the build's site-packages first (it shadows the wheel's `nest`), and,
# for local runs with Open MPI's mpiexec, what it needs on a small machine: as root
# OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) (mpiexec refuses root otherwise) and always
# OMPI_MCA_rmaps_base_oversubscribe=1 (more ranks than cores, e.g. 4 ranks on 2 cores).
# Both only concern mpiexec; srun (Slurm) ignores them. Jobs submitted by
# snakemake-executor-plugin-slurm inherit these variables (sbatch --export=ALL).
#
# Exit status 1, with the reason on stderr, when there is no complete build; nothing is built here.
# Environment: NEST_MPI_PREFIX and PYTHON as for tools/build_nest_mpi.sh.
set -euo pipefail
# shellcheck source=nest_mpi_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/nest_mpi_paths.sh"

if ! [ -f "$prefix/.complete" ] || ! [ -d "$site/nest" ]; then
  echo "nest_mpi_env: no MPI build of NEST $version for Python $pyver at $prefix; run tools/build_nest_mpi.sh" >&2
  exit 1
fi

# shellcheck disable=SC2016  # ${PYTHONPATH...} is expanded by the shell that evals the output
printf 'export PYTHONPATH=%q${PYTHONPATH:+:$PYTHONPATH}\n' "$site"
if [ "$(id -u)" = 0 ]; then
  echo 'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1'
fi
echo 'export OMPI_MCA_rmaps_base_oversubscribe=1'
