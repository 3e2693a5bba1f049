"""Merge the per-rank recordings of one run into tables, a summary and metadata.

    python workflow/scripts/aggregate.py RAW_DIR OUT_DIR

The aggregate rule runs this as a shell command rather than through `script:`, whose preamble
imports Snakemake into the job (~0.1 s) for nothing that this step needs.
"""

import sys
from pathlib import Path

from astronet.joblog import report_errors
from astronet.aggregate import aggregate

report_errors("aggregate")

if len(sys.argv) != 3:
    sys.exit(__doc__)
aggregate(Path(sys.argv[1]), Path(sys.argv[2]))
