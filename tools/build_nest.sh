#!/usr/bin/env bash
# Build NEST 3.10 from the PyPI sdist into a cache outside the repository, and reuse it when it is
# already there (same NEST, Python, options and, for --native, CPU). Prints the install prefix.
#
#   tools/build_nest.sh --mpi            # MPI + OpenMP            -> ~/.cache/astronet/nest-3.10.0-mpi
#   tools/build_nest.sh --native         # OpenMP, -march=native   -> ~/.cache/astronet/nest-3.10.0-native
#   tools/build_nest.sh --mpi --native   # both                    -> ~/.cache/astronet/nest-3.10.0-mpi-native
#
# All are Release builds (-O3 -DNDEBUG, as the PyPI wheel) with NEST's detailed timers.
#
# About 12 minutes on 2 cores. Use a build with `eval "$(tools/nest_env.sh --native)"` (the same
# options), or `make run NEST=native`. A native build uses every instruction of the CPU it was built
# on: build it on (a node like) the machines that run it; tools/nest_env.sh refuses it on another CPU.
# Builds of the same variant wait for each other (a lock next to the prefix), and a finished build
# replaces the previous one in one rename, so that runs using it are not left with half a build.
#
# Environment: see tools/nest_paths.sh (NEST_BUILD_CACHE, NEST_MPI_PREFIX, PYTHON, CXX).
set -euo pipefail
# shellcheck source=nest_paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/nest_paths.sh"
me=build_nest

usable() { # the build at $prefix is complete, for this configuration, and imports with(out) MPI
  [ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ] || return 1
  PYTHONPATH="$site" PYNEST_QUIET=1 "$python" - "$with_mpi" <<'PY' 2>/dev/null
import sys, nest
sys.exit(0 if nest.build_info["have_mpi"] == (sys.argv[1] == "ON") else 1)
PY
}

mkdir -p "$(dirname "$prefix")"
exec 9>"$prefix.lock"
flock 9
if usable; then
  echo "$prefix"
  exit 0
fi

packages=(cmake g++ libgsl-dev libboost-dev libltdl-dev)
[ "$with_mpi" = OFF ] || packages+=(libopenmpi-dev openmpi-bin)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "$me: installing ${missing[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
"$python" -m pip install -q "cython>=3,<4" >&2

work=$(mktemp -d)
stage=$(mktemp -d "$(dirname "$prefix")/.stage-XXXXXX")  # on the prefix's file system, for the rename
trap 'rm -rf "$work" "$stage"' EXIT
echo "$me: building NEST $version ($variant: $cmake_options) into $prefix (about 12 minutes on 2 cores)" >&2
# Only NEST from source: its build dependencies (Cython, ...) come as wheels.
"$python" -m pip download -q --no-deps --no-binary nest-simulator "nest-simulator==$version" -d "$work" >&2
tar xzf "$work/nest_simulator-$version.tar.gz" -C "$work"
mkdir -p "$work/build"
# shellcheck disable=SC2086  # cmake_options is a list of words
cmake -S "$work/nest_simulator-$version" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" $cmake_options \
  -DPython_EXECUTABLE="$python" >"$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
# Installed under the stage with the final paths compiled in, then moved into place.
DESTDIR=$stage cmake --install "$work/build" >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
printf '%s\n' "$want_stamp" >"$stage$prefix/.complete"
old=$(dirname "$prefix")/.old-$$
[ ! -e "$prefix" ] || mv "$prefix" "$old"
mv "$stage$prefix" "$prefix"
rm -rf "$old"
if ! usable; then
  rm -f "$stamp"
  echo "$me: the build at $prefix does not import, or does not report have_mpi = $with_mpi" >&2
  exit 1
fi
echo "$prefix"
