"""How the tests run the workflow, as a user runs it from a checkout: ``python -m snakemake`` on this
repository's Snakefile in a work directory of the test's own (:func:`run_snakemake`), or one run's
simulate step by hand (:func:`simulate_step`, with the command of the simulate rules: :func:`simulate_command`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from astronet.config import rundir
from bench import snakemake_command

REPO = Path(__file__).resolve().parents[1]
#: The small network of the README's quick checks (2 000 cells, 200 ms, n_vp 2).
TEST_CONFIG = REPO / "config" / "test.yaml"
#: A tiny network (200 cells, 100 ms, one virtual process) whose astrocytes send a SIC from the
#: start (SIC_th below the resting Ca), differently to E and I neurons.
TINY_CONFIG = {
    "params": {
        "sim_time": 100.0,
        "n_vp": 1,
        "N_ex": 80,
        "N_in": 20,
        "N_astro": 100,
        "N_rec_mm": 60,
        "pool_size": 5,
        "astrocyte_params": {"SIC_th": 0.05},
        "w_a2n": 1.0,
    },
    "experiments": {"reference": {"description": "tiny network shared by the tests"}},
    "targets": ["reference"],
}
#: The run directory of TINY_CONFIG's one run, relative to the work directory.
TINY_RUN = "results/reference/rng_seed-143202461"


def snakemake_args(workdir: Path, *args, configfiles=(), cores: int = 2, script: bool = False) -> list[str]:
    """The command line: options and targets ``args``, then ``configfiles`` (last, since
    ``--configfile`` takes every value up to the next option). ``script``: the environment's
    ``snakemake`` script instead of ``python -m snakemake``."""
    command = snakemake_command(workdir, configfiles, "--cores", cores, *args)
    if script:
        command[:3] = [str(Path(sys.executable).with_name("snakemake"))]
    return command


def run_snakemake(
    workdir: Path,
    *args,
    configfiles=(),
    cores: int = 2,
    env: dict | None = None,
    check: bool = False,
    timeout: float | None = 900,
    script: bool = False,
    warnings: str = "ignore",
) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` (see :func:`snakemake_args`) in ``env`` (default: this process's)
    with Python's warnings filter ``warnings``. ``check``: a failure raises AssertionError with the
    end of its output."""
    env = {**(os.environ if env is None else env), "PYTHONWARNINGS": warnings}
    command = snakemake_args(workdir, *args, configfiles=configfiles, cores=cores, script=script)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode:
        raise AssertionError(
            f"snakemake failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def simulate_command(
    parameters: Path, output: Path, *, params_id: str | None = None, launcher: Sequence[str] = ()
) -> list[str]:
    """The command with which the workflow's simulate rules (workflow/rules/simulate.smk) simulate a
    run: ``python -m astronet simulate --params-id ID --parameters FILE --output DIR`` (without
    ``--params-id`` if ``params_id`` is None), in this Python. With an MPI ``launcher`` (e.g.
    ``["mpiexec", "-n", "4"]``, rule simulate_mpi's ``{params.launcher}``) the launcher starts it,
    under astronet.runtime.guard as in rule simulate_mpi; without one it runs alone, as in rule simulate."""
    command = [sys.executable, "-m", "astronet", "simulate"]
    if params_id is not None:
        command += ["--params-id", params_id]
    command += ["--parameters", str(parameters), "--output", str(output)]
    if launcher:
        command = [sys.executable, "-m", "astronet.runtime.guard", *launcher, *command]
    return command


def simulate_step(
    workdir: Path,
    params: dict,
    *,
    launcher: Sequence[str] = (),
    check: bool = True,
    env: dict | None = None,
    timeout: float | None = 600,
) -> subprocess.CompletedProcess:
    """One run's simulate step by hand: ``params`` (a complete, validated parameter set, whose
    identity goes to ``--params-id``) written to ``workdir/parameters.json`` as rule run_parameters
    writes it, then :func:`simulate_command` into ``workdir/raw``, started by ``launcher`` if any.
    ``check``: a failure raises AssertionError with the end of its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    parameters = workdir / "parameters.json"
    parameters.write_text(rundir.parameters_json(params) + "\n")
    command = simulate_command(parameters, workdir / "raw", params_id=rundir.params_id(params), launcher=launcher)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode:
        raise AssertionError(f"simulate failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc
