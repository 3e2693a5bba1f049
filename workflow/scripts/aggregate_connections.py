"""Merge the per-rank connection tables of one run (params.record_connections: true)."""

import sys

from astronet.aggregate import aggregate_connections

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
aggregate_connections(snakemake.input[0], snakemake.output[0])  # noqa: F821
