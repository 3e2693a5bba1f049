#!/usr/bin/env bash
# Build (or reuse) NEST 3.10 with MPI and OpenMP: tools/build_nest.sh --mpi, which says more.
#
#   tools/build_nest_mpi.sh            # build (or reuse) and print the install prefix
exec "$(dirname "${BASH_SOURCE[0]}")/build_nest.sh" --mpi
