#!/usr/bin/env bash
# Build NEST 3.10 with MPI + OpenMP from the PyPI sdist into a cache outside the
# repository, and reuse it when it is already there. The PyPI wheel has no MPI.
#
#   tools/build_nest_mpi.sh            # build (or reuse) and print the install prefix
#
# Environment: NEST_MPI_PREFIX (install prefix, default ~/.cache/astronet/nest-3.10.0-mpi),
#              PYTHON (interpreter PyNEST is built for, default .venv/bin/python).
set -euo pipefail
# shellcheck source=nest_mpi_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/nest_mpi_paths.sh"

have_mpi() {
  PYTHONPATH="$site" "$python" - <<'PY' 2>/dev/null
import nest, sys
sys.exit(0 if nest.build_info["have_mpi"] else 1)
PY
}

if [ -f "$prefix/.complete" ] && have_mpi; then
  echo "$prefix"
  exit 0
fi

if ! command -v mpicc >/dev/null || ! [ -f /usr/include/gsl/gsl_errno.h ] || ! [ -f /usr/include/ltdl.h ] \
   || ! [ -d /usr/include/boost ]; then
  echo "build_nest_mpi: installing OpenMPI, GSL, Boost and libltdl from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin libgsl-dev \
    libboost-dev libltdl-dev >/dev/null
fi
"$python" -m pip install -q "cython>=3,<4" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "build_nest_mpi: building NEST $version with MPI into $prefix (about 12 minutes on 2 cores)" >&2
"$python" -m pip download -q --no-deps --no-binary :all: "nest-simulator==$version" -d "$work" >&2
tar xzf "$work/nest_simulator-$version.tar.gz" -C "$work"
rm -rf "$prefix"
mkdir -p "$work/build"
cmake -S "$work/nest_simulator-$version" -B "$work/build" \
  -DCMAKE_INSTALL_PREFIX="$prefix" -Dwith-mpi=ON -Dwith-openmp=ON -Dwith-gsl=ON \
  -Dwith-boost=ON -Dwith-ltdl=ON -Dwith-python=ON -DPython_EXECUTABLE="$python" \
  -Dwith-optimize="-O2" >"$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
cmake --install "$work/build" >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
if ! have_mpi; then
  echo "build_nest_mpi: the build at $prefix does not report have_mpi" >&2
  exit 1
fi
touch "$prefix/.complete"
echo "$prefix"
