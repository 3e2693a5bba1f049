"""Scaling table (scaling.csv) and figure of one scaling experiment."""


from astronet.scaling import write
from astronet.joblog import log_to

log_to(snakemake.log[0], "scaling")  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
df = write(dict(zip(params.runs, inp)), params.kind, snakemake.wildcards.experiment, out.table, out.figure, params.dpi)  # noqa: F821
print(df.to_string(index=False))
