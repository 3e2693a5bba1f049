"""Helpers of the Slurm tests: the local clusters started by tools/, Slurm's own records of jobs, and
snakemake through profiles/slurm."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bench import snakemake_command
from mpi_support import REPO, missing


def sh(*cmd, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


def start_cluster(script: str, env=None) -> None:
    """Start (or check) a local cluster with ``tools/<script>``; without root or Slurm the test is
    skipped, under CI=true it fails."""
    if os.geteuid() != 0:
        missing(f"tools/{script} needs root")
    proc = sh(str(REPO / "tools" / script), env=env, timeout=600)
    if proc.returncode:
        missing(f"no local Slurm cluster: tools/{script} said {proc.stderr.strip()[-1500:]}")


def default_partition(env=None) -> str:
    partitions = sh("sinfo", "-h", "-o", "%P", env=env, check=True).stdout.split()
    return next(p.rstrip("*") for p in partitions if p.endswith("*"))


def has_accounting(env=None) -> bool:
    return "accounting_storage/none" not in sh("scontrol", "show", "config", env=env, check=True).stdout


def job_ids_after(first: int, env=None) -> list[int]:
    """Ids of the cluster's jobs after job ``first`` (squeue keeps finished ones for MinJobAge)."""
    ids = sh("squeue", "--states=all", "-h", "-o", "%i", env=env, check=True).stdout.split()
    return sorted(int(i) for i in ids if i.isdigit() and int(i) > first)


def job_info(job_id: int, env=None) -> dict:
    """``scontrol show job``'s fields of a job."""
    fields = sh("scontrol", "show", "job", "-o", str(job_id), env=env, check=True).stdout.split()
    return dict(f.split("=", 1) for f in fields if "=" in f)


def cancel_leftovers(first: int, env=None) -> dict:
    """Cancel the jobs after ``first`` still pending or running; their (state, reason, request)."""
    infos = {j: job_info(j, env) for j in job_ids_after(first, env)}
    stuck = {
        j: (i["JobState"], i.get("Reason"), i.get("TRES"))
        for j, i in infos.items()
        if i.get("JobState") in ("PENDING", "RUNNING")
    }
    if stuck:
        sh("scancel", *map(str, stuck), env=env)
    return stuck


def profile_command(workdir: Path, configfile: Path, *args, accounting: bool, timeout_s: int = 480) -> list[str]:
    """snakemake through profiles/slurm in ``workdir``, killed after ``timeout_s`` (the plugin
    ignores SIGTERM); squeue for job states on clusters without accounting (see the profile)."""
    profile = ["--workflow-profile", REPO / "profiles" / "slurm", "--slurm-init-seconds-before-status-checks", 5]
    cmd = ["timeout", "-s", "KILL", str(timeout_s), *snakemake_command(workdir, [configfile], *profile, *args)]
    if not accounting:
        cmd += ["--slurm-status-command", "squeue"]
    return cmd
