"""Scaling table (scaling.csv) and figure of one scaling experiment."""

import sys

from astronet.scaling import write

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
df = write(dict(zip(params.runs, inp)), params.kind, snakemake.wildcards.experiment, out.table, out.figure, params.dpi)  # noqa: F821
print(df.to_string(index=False))
