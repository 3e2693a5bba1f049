"""profiles/slurm before anything reaches Slurm: unset partition or account variables stop the
workflow, naming them, and a dry run through the profile evaluates no resource from input sizes.
Needs no Slurm cluster: everything here happens before a job would be submitted."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from astronet.config.cluster_profile import ProfileError, check_profile_environment, unset_variables
from mpi_support import REPO, snakemake

PROFILE = REPO / "profiles" / "slurm"
VARIABLES = ("ASTRONET_SLURM_PARTITION", "ASTRONET_SLURM_ACCOUNT")


def test_unset_variables_are_found_set_and_empty_ones_are_not():
    args = ["mem_mb=2000", "slurm_partition=$PART", "slurm_account=${ACC}", "runtime=30"]
    assert unset_variables(args, {}) == [("slurm_partition", "PART"), ("slurm_account", "ACC")]
    assert unset_variables(args, {"PART": "p", "ACC": ""}) == []
    with pytest.raises(ProfileError, match=r"PART \(resource slurm_partition\).*export PART=<partition>"):
        check_profile_environment(args, {"ACC": "a"})
    check_profile_environment(None, {})  # no default resources: nothing to check


def dry_run(tmp_path, **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return snakemake(
        tmp_path, "--workflow-profile", str(PROFILE), "--dry-run", env={**env, **variables}, warnings="default"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "variables, missing",
    [
        ({}, VARIABLES),
        ({"ASTRONET_SLURM_ACCOUNT": "lab"}, ("ASTRONET_SLURM_PARTITION",)),
        ({"ASTRONET_SLURM_PARTITION": "batch"}, ("ASTRONET_SLURM_ACCOUNT",)),
    ],
    ids=["none", "no-partition", "no-account"],
)
def test_unset_variables_stop_the_slurm_profile_before_any_job(tmp_path, variables, missing):
    proc = dry_run(tmp_path, **variables)
    assert proc.returncode != 0
    assert "Stopped before any job" in proc.stderr and "Nothing was submitted" in proc.stderr, proc.stderr[-2000:]
    for name in VARIABLES:
        assert (name in proc.stderr) == (name in missing), name
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_dry_run_through_the_profile_leaves_no_coroutine_unawaited(tmp_path):
    """With the variables set (the account empty, as on clusters without accounts) the dry run plans
    every job with the profile's resources; disk_mb is the profile's, not Snakemake's default from
    input sizes, whose evaluation drops an unawaited coroutine (snakemake issue 4280)."""
    proc = dry_run(tmp_path, ASTRONET_SLURM_PARTITION="batch", ASTRONET_SLURM_ACCOUNT="")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    resources = re.findall(r"^\s*resources: (.*)$", out, flags=re.M)
    assert len(resources) >= 7, out[-3000:]  # run_parameters, simulate, aggregate, metrics, ...
    for line in resources:
        assert "disk_mb=1000," in line and "slurm_partition=batch," in line and "slurm_account=," in line, line
    assert "<TBD>" not in out and "never awaited" not in out
