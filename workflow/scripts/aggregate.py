"""Merge the per-rank recordings of one run into tables, a summary and metadata."""

import sys
from pathlib import Path

from astronet.lean import hide_modules

hide_modules("pandas", "matplotlib", reason="the aggregation uses PyArrow and NumPy only")
from astronet.aggregate import aggregate  # noqa: E402

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
aggregate(Path(snakemake.input[0]), Path(snakemake.output.summary).parent)  # noqa: F821
