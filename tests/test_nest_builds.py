"""tools/build_nest.sh and tools/nest_env.sh: which build of NEST is selected, and when one is refused.

The MPI build itself is used by the MPI tests (found with tools/nest_mpi_env.sh); here its record
and the timers it was built with are checked. A native build takes as long as any build; its CPU
check is tested on a build directory that claims another CPU, as a build copied to another machine
would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mpi_support import REPO, mpi_env


def nest_env(*options: str, **environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO / "tools" / "nest_env.sh"), *options],
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
    )


def test_a_build_must_be_named():
    proc = nest_env()
    assert proc.returncode == 2 and "--mpi, --native or both" in proc.stderr and proc.stdout == ""
    assert nest_env("--fast").returncode == 2


def test_a_missing_build_is_refused_with_the_command_that_makes_it(tmp_path):
    proc = nest_env("--native", "--mpi", NEST_BUILD_CACHE=str(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "no mpi-native build of NEST 3.10.0" in proc.stderr
    assert "run tools/build_nest.sh --mpi --native" in proc.stderr


def test_a_native_build_for_another_cpu_is_refused(tmp_path):
    """A build whose record names another CPU (or other options) is not used: it could stop with
    'illegal instruction'."""
    pyver = f"{sys.version_info[0]}.{sys.version_info[1]}"
    prefix = tmp_path / "nest-3.10.0-native"
    (prefix / f"lib/python{pyver}/site-packages/nest").mkdir(parents=True)
    record = nest_env("--native", NEST_BUILD_CACHE=str(tmp_path))  # no record yet: what it would need
    assert record.returncode == 1 and "no native build" in record.stderr
    (prefix / ".complete").write_text("nest 3.10.0\ncpu i486 0000000000000000\n")
    proc = nest_env("--native", NEST_BUILD_CACHE=str(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "was made for another configuration; run tools/build_nest.sh --native" in proc.stderr
    assert "built:  cpu i486" in proc.stderr
    wanted_cpu = [line for line in proc.stderr.splitlines() if line.startswith("  wanted: cpu ")]
    assert wanted_cpu and "i486" not in wanted_cpu[0]


@pytest.mark.mpi
def test_the_mpi_build_is_a_release_build_with_detailed_timers():
    env = mpi_env()
    site = Path(env["PYTHONPATH"].split(os.pathsep)[0])
    prefix = site.parents[2]
    record = (prefix / ".complete").read_text()
    assert "-DCMAKE_BUILD_TYPE=Release" in record and "-Dwith-detailed-timers=ON" in record
    flags = subprocess.run([str(prefix / "bin" / "nest-config"), "--cflags"], capture_output=True, text=True).stdout
    assert "-DNDEBUG" in flags and "-O3" in flags
    code = "import nest; print(nest.build_info['have_mpi'], 'time_update' in nest.GetKernelStatus())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["True", "True"]
