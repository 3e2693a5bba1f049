"""Fixtures that many test modules share. Helpers that tests import live beside this file:
``workflow_support`` (snakemake and the simulate step, the repository root), ``mpi_support`` (NEST's
MPI build, comparisons of runs) and ``slurm_support`` (the local Slurm clusters)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from workflow_support import TINY_CONFIG, run_snakemake


@pytest.fixture(scope="session")
def tiny_finished(tmp_path_factory) -> Path:
    """A work directory (``tiny.yaml`` = TINY_CONFIG) whose run the workflow has finished, built once
    per session. Only read it; a test that changes files takes :func:`tiny_workdir`."""
    workdir = tmp_path_factory.mktemp("tiny_finished")
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY_CONFIG))
    run_snakemake(workdir, configfiles=[workdir / "tiny.yaml"], check=True, timeout=600)
    return workdir


@pytest.fixture
def tiny_workdir(tiny_finished, tmp_path) -> Path:
    """A copy of :func:`tiny_finished` of the test's own."""
    workdir = tmp_path / "wd"
    shutil.copytree(tiny_finished, workdir, symlinks=True)
    return workdir
