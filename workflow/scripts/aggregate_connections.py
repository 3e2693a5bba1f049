"""Merge the per-rank connection tables of one run (params.record_connections: true)."""


from astronet.aggregate import aggregate_connections
from astronet.joblog import log_to

log_to(snakemake.log[0], "aggregate_connections")  # noqa: F821
aggregate_connections(snakemake.input[0], snakemake.output[0])  # noqa: F821
