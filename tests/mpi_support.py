"""Helpers of the MPI and Slurm tests: the MPI build of NEST found as users find it, direct runs, comparisons."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from astronet.config.parameters import validate_params
from astronet.config.schema import param_defaults
from astronet.data.aggregate import aggregate, aggregate_connections
from bench import exported_environment
from workflow_support import REPO, TEST_CONFIG, run_snakemake, simulate_step

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TABLES = ("spikes", "astrocytes", "neurons")

# 500 neurons, 500 astrocytes (block pools of size 1 fit), every node sampled; SIC_th below the
# resting Ca so that I_SIC flows from the start and the SIC feeds back onto the spikes.
SMALL = dict(
    sim_time=100.0,
    chunk_ms=50.0,
    N_ex=400,
    N_in=100,
    N_astro=500,
    N_rec_mm="all",
    w_a2n=1.0,
    astrocyte_params={"SIC_th": 0.05},
    record_connections=True,
)


def missing(reason: str):
    """A prerequisite is missing: locally the test is skipped, in CI (CI=true) it fails."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the test set-up, `make test`, must provide it)")
    pytest.skip(reason)


def mpi_env() -> dict:
    """os.environ plus what `eval "$(tools/nest_mpi_env.sh)"` exports: the users' way to the MPI build."""
    try:
        env = exported_environment([str(REPO / "tools" / "nest_mpi_env.sh")])
    except RuntimeError as err:
        missing(f"no MPI build of NEST: {err}")
    env["PYNEST_QUIET"] = "1"
    return env


def mpiexec_env(env: dict | None = None) -> dict:
    """Environment for Open MPI's mpiexec on a small machine, as root too (see tools/nest_mpi_env.sh)."""
    env = dict(os.environ if env is None else env)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    return env


def wheel_env() -> dict:
    """The default environment: the PyPI wheel of NEST (no MPI build on PYTHONPATH)."""
    env = mpiexec_env()
    env.pop("PYTHONPATH", None)
    return env


def run_params(**overrides) -> dict:
    p = copy.deepcopy(param_defaults())
    for key, value in overrides.items():
        p[key] = {**p[key], **value} if isinstance(value, dict) and isinstance(p.get(key), dict) else value
    return p


def mpi_launcher(ranks: int) -> list[str]:
    """The MPI launcher of a run of ``ranks`` ranks, as the workflow builds it from its `mpi` resource
    (mpiexec): ``mpiexec -n R``; none for one rank (rule simulate, no launcher)."""
    return ["mpiexec", "-n", str(ranks)] if ranks > 1 else []


def simulate(workdir: Path, params: dict, env: dict, validate: bool = True, timeout: float = 600) -> Path:
    """Simulate ``params`` in ``workdir`` as the workflow's simulate rules do (workflow_support.simulate_step,
    by :func:`mpi_launcher`), then aggregate; ``validate=False`` calls astronet.simulation.simulate.run
    directly instead, past the configuration checks. The output goes to ``workdir/simulate.log``."""
    launcher = mpi_launcher(params["mpi_ranks"])
    if validate:
        params = validate_params(copy.deepcopy(params))
        proc = simulate_step(workdir, params, launcher=launcher, check=False, env=env, timeout=timeout)
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "parameters.json").write_text(json.dumps(params))
        code = (
            "import json, pathlib, astronet.simulation.simulate as s; "
            "s.run(json.loads(pathlib.Path('parameters.json').read_text()), pathlib.Path('raw'))"
        )
        cmd = [*launcher, sys.executable, "-c", code]
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    (workdir / "simulate.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"{' '.join(proc.args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    aggregate(workdir / "raw", workdir)
    if params["record_connections"]:
        aggregate_connections(workdir / "raw", workdir / "connections.parquet")
    return workdir


def read(run: Path, kind: str) -> pd.DataFrame:
    return pd.read_parquet(run / f"{kind}.parquet")


def connections(run: Path) -> pd.DataFrame:
    """Every connection as (source, target, synapse_model), sorted: multapses kept, order of creation not."""
    df = read(run, "connections")
    return df.sort_values(["source", "target", "synapse_model"], kind="stable").reset_index(drop=True)


def assert_identical(a: Path, b: Path, what=("connections", *TABLES)) -> None:
    """The aggregated tables of two runs are identical, bit for bit."""
    for kind in what:
        x, y = (connections(r) if kind == "connections" else read(r, kind) for r in (a, b))
        assert len(x) == len(y), f"{kind}: {len(x)} rows in {a.name}, {len(y)} in {b.name}"
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f"{kind} of {a.name} vs {b.name}")


def snakemake(
    workdir: Path, *args, env: dict, configfiles=(), timeout: float = 900, warnings: str = "ignore"
) -> subprocess.CompletedProcess:
    """`snakemake --cores 2` on config/test.yaml (and ``configfiles``) in ``workdir``; Python's
    warnings filter ``warnings`` (PYTHONWARNINGS)."""
    configfiles = [TEST_CONFIG, *configfiles]
    return run_snakemake(workdir, *args, configfiles=configfiles, env=env, timeout=timeout, warnings=warnings)


def nontrivial(run) -> None:
    """The compared tables hold something: spikes, astrocyte dynamics, a flowing SIC, every connection type."""
    assert len(read(run, "spikes")) > 100
    assert read(run, "astrocytes")["IP3"].nunique() > 100
    assert (read(run, "neurons")["I_SIC"] != 0).mean() > 0.5
    models = set(connections(run)["synapse_model"])
    assert {"tsodyks_synapse_hpc", "sic_connection", "static_synapse"} <= models
