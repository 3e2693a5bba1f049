"""Sweep figures of one experiment: each metric against the swept parameter, mean ± 95 % CI across seeds."""


import pandas as pd

from astronet import advice
from astronet.sweep_panels import FIGURES
from astronet.sweep_figures import sweep_figure
from astronet.joblog import log_to

log_to(snakemake.log[0], "sweep_figures")  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
summary, runs = pd.read_parquet(inp.summary), pd.read_parquet(inp.runs)
advice.report(advice.single_point(snakemake.wildcards.experiment, len(summary)))  # noqa: F821
for group in FIGURES:
    sweep_figure(group, summary, runs, dict(params.grid), snakemake.wildcards.experiment, params.settings, out[group])  # noqa: F821
