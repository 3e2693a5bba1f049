"""End to end on a real Slurm cluster through profiles/slurm: a two-point sweep and one run with
2 MPI tasks are submitted, aggregated and drawn, and sbatch gets the resources derived from each
run's configuration.

The cluster is the local one-node cluster of tools/start_slurm.sh (the test starts it, or checks it
when it runs already); the MPI build of NEST comes from tools/nest_mpi_env.sh, and the jobs inherit
that environment. Without root, Slurm or the MPI build the test is skipped, under CI=true it fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest
import yaml

from astronet.config.resources import estimate_runtime_min, request_memory_mib
from astronet.config.validate import validate_config
from mpi_support import mpi_env
from slurm_support import (
    cancel_leftovers,
    default_partition,
    has_accounting,
    job_ids_after,
    job_info,
    profile_command,
    start_cluster,
)

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

CONFIG = {
    "params": {"sim_time": 100.0, "N_ex": 400, "N_in": 100, "N_astro": 500, "N_rec_mm": 10, "n_vp": 1},
    "experiments": {
        "slurm_sweep": {"grid": {"w_a2n": [0.05, 1.0]}},
        "slurm_mpi": {"params": {"n_vp": 2, "mpi_ranks": 2}},
    },
    "targets": ["slurm_sweep", "slurm_mpi"],
}
FIGURES = ("raster", "dynamics", "rate_distribution")


@pytest.fixture(scope="module")
def cluster() -> dict:
    """The local cluster, started (idempotent); its default partition and whether it has accounting."""
    start_cluster("start_slurm.sh")
    return {"partition": default_partition(), "accounting": has_accounting()}


def mebibytes(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?)", value).groups()
    return float(number) * {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[unit]


def minutes(limit: str) -> float:
    days, _, clock = limit.rpartition("-")
    h, m, s = (int(x) for x in clock.split(":"))
    return (int(days) if days else 0) * 1440 + h * 60 + m + s / 60


def test_sweep_and_mpi_run_through_the_slurm_profile(tmp_path, cluster):
    env = mpi_env()  # the jobs get this environment (sbatch --export=ALL), MPI NEST included
    env.update(
        ASTRONET_SLURM_PARTITION=cluster["partition"], ASTRONET_SLURM_ACCOUNT="astronet", PYTHONWARNINGS="ignore"
    )
    cfg = tmp_path / "slurm.yaml"
    cfg.write_text(yaml.safe_dump(CONFIG))
    runs = validate_config(yaml.safe_load(cfg.read_text()))
    first_job = max(job_ids_after(0), default=0)
    cmd = profile_command(tmp_path, cfg, accounting=cluster["accounting"])
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    finally:
        stuck = cancel_leftovers(first_job)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"snakemake on Slurm failed after {time.monotonic() - t0:.0f} s; jobs left (state, reason, request): "
        f"{stuck}\n{log[-5000:]}"
    )

    # Every run simulated, aggregated and drawn; every experiment's tables; sweep figures for the
    # sweep, none for the experiment of one run.
    for experiment, exp_runs in runs.items():
        assert (tmp_path / f"results/{experiment}/summary.csv").exists()
        activity = tmp_path / f"results/{experiment}/figures/activity.png"
        assert activity.exists() == (len(exp_runs) > 1), activity
        for run in exp_runs:
            for fig in FIGURES:
                assert (tmp_path / f"results/{run.path}/figures/{fig}.png").stat().st_size > 0
    assert len(runs["slurm_sweep"]) == 2
    mpi_run = tmp_path / f"results/{runs['slurm_mpi'][0].path}"
    meta = json.loads((mpi_run / "metadata.json").read_text())
    assert meta["n_ranks"] == 2 and meta["build_info"]["have_mpi"]
    assert "2 rank(s) x 1 thread(s)" in (mpi_run / "logs/simulate.log").read_text()
    assert re.search(r"srun -n 2 --cpus-per-task=1 --kill-on-bad-exit=1 \S+ -m astronet simulate", log)

    # sbatch got each simulate job's resources from its run's configuration.
    jobs = {}
    for job_id in job_ids_after(first_job):
        info = job_info(job_id)
        match = re.fullmatch(r"rule_(simulate(?:_mpi)?)_wildcards_(.+)", info.get("Comment", ""))
        if match and match.group(2).startswith("slurm_"):
            jobs[match.group(2)] = (match.group(1), info)
    simulated = [run for exp_runs in runs.values() for run in exp_runs]
    assert len(jobs) == len(simulated), f"simulate jobs: {sorted(jobs)}"
    for run in simulated:
        p = run.params
        rule, info = jobs[f"{run.experiment}_{run.name}"]
        assert rule == ("simulate_mpi" if p["mpi_ranks"] > 1 else "simulate")
        assert info["JobState"] == "COMPLETED" and info["Partition"] == cluster["partition"]
        assert info["Account"] == "astronet"
        assert int(info["NumTasks"]) == p["mpi_ranks"]
        assert int(info["CPUs/Task"]) == p["n_vp"] // p["mpi_ranks"]
        assert mebibytes(info["MinMemoryNode"]) == request_memory_mib(p)
        assert minutes(info["TimeLimit"]) == estimate_runtime_min(p)


def test_memory_requests_cover_small_runs_and_grow_on_retry(tmp_path, cluster):
    """The local cluster kills a job step that uses more than its --mem (start_slurm.sh:
    OverMemoryKill). A small run asks for enough at once; a run whose request is too small
    (resources.mem_margin: 0.5, below what Snakemake and NEST take in the job) is killed, retried by
    the profile with twice the memory, and completes. The run lasts a few seconds: slurmd samples memory every
    second."""
    env = {
        **os.environ,
        "ASTRONET_SLURM_PARTITION": cluster["partition"],
        "ASTRONET_SLURM_ACCOUNT": "astronet",
        "PYTHONWARNINGS": "ignore",
    }
    small = {"sim_time": 2000.0, "N_ex": 80, "N_in": 20, "N_astro": 100, "N_rec_mm": 5, "n_vp": 1}
    config = {"params": small, "experiments": {"mem_small": {"description": "x"}}, "targets": ["mem_small"]}
    results = {}
    for name, margin in (("mem_small", 1.1), ("mem_retry", 0.5)):
        wd = tmp_path / name
        wd.mkdir()
        cfg = {
            **config,
            "experiments": {name: {"description": "x"}},
            "targets": [name],
            "resources": {"mem_margin": margin},
        }
        (wd / "mem.yaml").write_text(yaml.safe_dump(cfg))
        first_job = max(job_ids_after(0), default=0)
        target = f"results/{name}/rng_seed-143202461/raw"
        cmd = profile_command(wd, wd / "mem.yaml", target, accounting=cluster["accounting"], timeout_s=400)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=wd)
        ours = job_ids_after(first_job)
        cancel_leftovers(first_job)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        jobs = [job_info(j) for j in ours if job_info(j).get("Comment", "").startswith("rule_simulate_")]
        results[name] = (
            jobs,
            json.loads((wd / f"results/{name}/rng_seed-143202461/raw/metadata-rank0000.json").read_text()),
        )
    params = {**validate_config(json.loads(json.dumps(config)))["mem_small"][0].params}
    jobs, meta = results["mem_small"]
    assert [j["JobState"] for j in jobs] == ["COMPLETED"]
    assert mebibytes(jobs[0]["MinMemoryNode"]) == request_memory_mib(params) >= 384 > meta["peak_memory_mib"]
    jobs, meta = results["mem_retry"]
    assert len(jobs) == 2, [(j["JobState"], j.get("Reason")) for j in jobs]
    assert jobs[0]["JobState"] in ("OUT_OF_MEMORY", "FAILED", "CANCELLED") and jobs[1]["JobState"] == "COMPLETED"
    assert [mebibytes(j["MinMemoryNode"]) for j in jobs] == [
        request_memory_mib(params, 0.5, 1),
        request_memory_mib(params, 0.5, 2),
    ]
