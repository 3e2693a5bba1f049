#!/usr/bin/env bash
# The shell lines that select the MPI build of NEST: tools/nest_env.sh --mpi, which says more.
#
#   eval "$(tools/nest_mpi_env.sh)"        # in the shell that runs snakemake (or pytest)
exec "$(dirname "${BASH_SOURCE[0]}")/nest_env.sh" --mpi
