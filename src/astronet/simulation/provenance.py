"""Where and with what a run was made: astronet's version and git commit, the versions of the
Python packages, the host, the Slurm job and node, and when the simulation started and ended.
Rank 0's record goes into the run's metadata.json under ``provenance`` (each rank's host and Slurm
placement under ``ranks``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

from astronet import __version__

#: Distributions the workflow's jobs and the Python API import (requirements.txt's names).
PACKAGES = (
    "nest-simulator",
    "numpy",
    "pyarrow",
    "pandas",
    "scipy",
    "matplotlib",
    "jsonschema",
    "PyYAML",
    "snakemake",
    "snakemake-executor-plugin-slurm",
    "neo",
    "quantities",
    "elephant",
    "pynwb",
    "hdmf",
    "h5py",
)
SOURCE_DIR = Path(__file__).resolve().parents[1]  # src/astronet
#: What Slurm tells a task about where it runs (srun, sbatch), under shorter names.
SLURM_VARIABLES = {
    "job_id": "SLURM_JOB_ID",
    "step_id": "SLURM_STEP_ID",
    "task": "SLURM_PROCID",
    "node": "SLURMD_NODENAME",
    "job_nodes": "SLURM_JOB_NODELIST",
    "cluster": "SLURM_CLUSTER_NAME",
}


def now() -> str:
    """The current time, UTC, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def package_versions(names=PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution in this process's environment.

    Parameters
    ----------
    names : iterable of str
        Distribution names (as pip knows them); by default :data:`PACKAGES`.

    Returns
    -------
    dict of str to str or None
        Name -> version; None for a distribution that is not installed.
    """
    versions = {}
    for name in names:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(SOURCE_DIR), *args], capture_output=True, text=True, timeout=20, check=True
    ).stdout.strip()


def git_state() -> dict | None:
    """``{"commit", "dirty"}`` of the checkout astronet runs from (``dirty``: tracked files differ
    from the commit); None if astronet is not imported from a git checkout's ``src/`` or git fails."""
    if SOURCE_DIR.parent.name != "src" or not (SOURCE_DIR.parents[1] / "pyproject.toml").is_file():
        return None  # an installed copy, not a checkout
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def slurm_placement(environ=None) -> dict | None:
    """The Slurm job, step, task and node this process runs as, from the variables Slurm sets.

    Parameters
    ----------
    environ : dict of str to str, optional
        The environment to read; None: ``os.environ``.

    Returns
    -------
    dict of str to str or None
        Each key of :data:`SLURM_VARIABLES` -> the value of its variable (None if unset); None outside a
        Slurm job (no ``SLURM_JOB_ID``).
    """
    environ = os.environ if environ is None else environ
    if "SLURM_JOB_ID" not in environ:
        return None
    return {key: environ.get(variable) for key, variable in SLURM_VARIABLES.items()}


def environment() -> dict:
    """astronet's version and commit, Python and package versions, the host and the Slurm placement."""
    return {
        "astronet_version": __version__,
        "git": git_state(),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "host": socket.gethostname(),
        "slurm": slurm_placement(),
    }


class Record:
    """Started when a simulation starts: the :func:`environment` then; :meth:`finish` adds the start
    and end times."""

    def __init__(self):
        self.start_time = now()
        self._environment = environment()

    def finish(self) -> dict:
        """The environment with the simulation's start and end times."""
        return {**self._environment, "start_time": self.start_time, "end_time": now()}


def provenance_columns(meta: dict) -> dict:
    """Where and with what a run was made, from its metadata.json, as the columns of a table row.

    Parameters
    ----------
    meta : dict
        The run's aggregated metadata.

    Returns
    -------
    dict
        ``params_id``, ``commit``, ``dirty``, ``astronet_version``, ``nest_version``, ``n_vp``,
        ``mpi_ranks``, ``host``, ``start_time`` and ``end_time`` (of the simulation, UTC, ISO 8601) and
        ``simulate_s`` (s, slowest rank); None for what the metadata does not hold.
    """
    prov = meta.get("provenance") or {}
    git = prov.get("git") or {}
    return {
        "params_id": meta.get("params_id"),
        "commit": git.get("commit"),
        "dirty": git.get("dirty"),
        "astronet_version": prov.get("astronet_version"),
        "nest_version": meta.get("nest_version"),
        "n_vp": meta.get("n_vp"),
        "mpi_ranks": meta.get("n_ranks"),
        "host": prov.get("host"),
        "start_time": prov.get("start_time"),
        "end_time": prov.get("end_time"),
        "simulate_s": (meta.get("timers_s") or {}).get("simulate"),
    }
