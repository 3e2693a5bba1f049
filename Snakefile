# Neuron–astrocyte networks on NEST: simulate, aggregate, analyse and plot.
# Configuration: config/config.yaml (keys and units in config/README.md).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/scaling.smk"
include: "workflow/rules/comparisons.smk"


rule all:
    input:
        default_targets(),
    default_target: True
