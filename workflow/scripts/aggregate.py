"""Merge the per-rank recordings of one run into tables, a summary and metadata."""

import sys
from pathlib import Path

from astronet.aggregate import aggregate

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
aggregate(Path(snakemake.input[0]), Path(snakemake.output.summary).parent)  # noqa: F821
