# shellcheck shell=bash
# Sourced by tools/build_nest_mpi.sh and tools/nest_mpi_env.sh: where the MPI build of NEST lives.
# Sets here (the repository), version, prefix (NEST_MPI_PREFIX, default
# ~/.cache/astronet/nest-3.10.0-mpi), python (PYTHON, default .venv/bin/python), pyver and site
# (the build's site-packages for that interpreter).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=3.10.0
prefix=${NEST_MPI_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/astronet/nest-$version-mpi}
python=${PYTHON:-$here/.venv/bin/python}
pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
# shellcheck disable=SC2034  # used by the scripts that source this file
site="$prefix/lib/python$pyver/site-packages"
