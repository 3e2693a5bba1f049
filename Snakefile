# Neuron–astrocyte networks on NEST: simulate, aggregate, analyse and plot.
# Configuration: config/config.yaml (keys and units in config/README.md).
import os
import sys

from snakemake.utils import min_version

from astronet.cluster_profile import ProfileError, check_profile_environment
from astronet.deployment import prepare_job_environment

min_version("9.0")
# Every rule runs one step of the package as a shell command, `python -m astronet <step> --option
# VALUE ...` (src/astronet/__main__.py; --help lists a step's options), its output into the rule's log.
# Jobs run the `python` on their PATH: the rule's conda environment or container, or else the
# environment Snakemake runs from (put on PATH here if it is not active).
prepare_job_environment(workflow.basedir)
# A profile's resources that name unset environment variables (profiles/slurm: the partition and
# account) stop the workflow here, before any job is submitted.
if workflow.is_main_process:
    try:
        check_profile_environment(getattr(workflow.resource_settings.default_resources, "args", None))
    except ProfileError as err:
        sys.exit(f"Stopped before any job: {err}")


# Used only with --software-deployment-method apptainer: the image of containers/astronet.def.
container: os.environ.get("ASTRONET_CONTAINER", os.path.join(workflow.basedir, "containers", "astronet.sif"))


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/export.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/scaling.smk"
include: "workflow/rules/comparisons.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/publish.smk"


rule all:
    default_target: True
    input:
        default_targets(),
