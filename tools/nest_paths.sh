# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file
# Sourced, with their options, by tools/build_nest.sh and tools/nest_env.sh: which build of NEST
# and where it lives.
#
#   --mpi      with MPI (Debian's Open MPI) and OpenMP; the PyPI wheel has no MPI
#   --native   for this machine's CPU: -march=native (GCC then uses every instruction it has)
#
# At least one of them. Every build is a CMake Release build, as the PyPI wheel is (-O3 -DNDEBUG:
# NEST's assertions off), and has NEST's detailed timers (-Dwith-detailed-timers=ON), so
# that the kernel reports the phases of each simulation step (time_update, time_deliver_spike_data,
# ...; astronet.simulation.nest_timers). Sets here (the repository), version, variant (mpi, native or
# mpi-native), with_mpi (ON or OFF), cmake_options, prefix, python, pyver, site (the build's
# site-packages for that interpreter), stamp (the build's record, $prefix/.complete) and
# want_stamp (what that record must say for the build to be reused: NEST version, Python,
# CMake options, and for native builds the CPU).
#
# Environment: NEST_BUILD_CACHE (directory of the builds, default ~/.cache/astronet),
# NEST_MPI_PREFIX (prefix of the MPI build, default $NEST_BUILD_CACHE/nest-3.10.0-mpi), PYTHON
# (the interpreter PyNEST is built for, default .venv/bin/python), CXX (the compiler, default c++).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=3.10.0
with_mpi=OFF
native=0
for arg in "$@"; do
  case $arg in
    --mpi) with_mpi=ON ;;
    --native) native=1 ;;
    *) echo "$(basename "$0"): unknown option '$arg'; use --mpi and/or --native" >&2; exit 2 ;;
  esac
done
if [ "$with_mpi" = OFF ] && [ "$native" = 0 ]; then
  echo "$(basename "$0"): say which build: --mpi, --native or both (without them it is the PyPI wheel in .venv)" >&2
  exit 2
fi
variant=""
[ "$with_mpi" = OFF ] || variant=mpi
[ "$native" = 0 ] || variant=${variant:+$variant-}native
optimize="-O3"
[ "$native" = 0 ] || optimize="-O3;-march=native"
cmake_options="-DCMAKE_BUILD_TYPE=Release -Dwith-mpi=$with_mpi -Dwith-openmp=ON -Dwith-gsl=ON -Dwith-boost=ON \
-Dwith-ltdl=ON -Dwith-python=ON -Dwith-optimize=$optimize -Dwith-detailed-timers=ON"
cache=${NEST_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/astronet}
prefix=$cache/nest-$version-$variant
[ "$variant" != mpi ] || prefix=${NEST_MPI_PREFIX:-$prefix}
python=${PYTHON:-$here/.venv/bin/python}
pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
site="$prefix/lib/python$pyver/site-packages"
stamp=$prefix/.complete

# The CPU a native build is for: GCC's name for it and a digest of every instruction-set option
# -march=native turns on (two machines of the same name can differ in them, e.g. AVX-512).
cpu_target() {
  local cxx=${CXX:-c++} opts
  opts=$("$cxx" -march=native -Q --help=target 2>/dev/null) || { echo unknown; return; }
  printf '%s %s\n' "$(awk '$1 == "-march=" {print $2}' <<<"$opts")" \
    "$(grep -F '[enabled]' <<<"$opts" | awk '{print $1}' | sha256sum | cut -c1-16)"
}

want_stamp="nest $version
python $pyver
cmake $cmake_options"
if [ "$native" = 1 ]; then
  want_stamp="$want_stamp
cpu $(cpu_target)"
fi
