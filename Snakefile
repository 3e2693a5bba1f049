# Neuron–astrocyte networks on NEST: simulate, aggregate, analyse and plot.
# Configuration: config/config.yaml (keys and units in config/README.md).
import os
import sys

from snakemake.utils import min_version

from astronet.config.cluster_profile import ProfileError, check_profile_environment
from astronet.runtime.deployment import container_image, prepare_job_environment

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


# Used only with --software-deployment-method apptainer: the image of containers/astronet.def
# (astronet.runtime.deployment.container_image; none otherwise, so a checkout in a path with a space works).
container: lambda wildcards: container_image(workflow.basedir, workflow.deployment_settings.deployment_method)


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


onstart:
    rewrite_parameters()


rule all:
    default_target: True
    input:
        default_targets,


# Snakemake matches targets by their path relative to the working directory: an absolute path is
# refused here with the relative one to give instead, not left to "No rule to produce".
rule absolute_target:
    input:
        relative_target,
    output:
        os.path.join(os.sep, "{path}"),
    log:
        "results/logs/absolute_target/{path}.log",
    wildcard_constraints:
        path=".+",
    localrule: True
    shell:
        ":"
