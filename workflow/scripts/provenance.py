"""Write the provenance page of one run (versions, build, parameters, connections, timers, metrics)."""

import json
import sys
from pathlib import Path

from astronet.sweeps import provenance_html

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp = snakemake.input  # noqa: F821
meta = json.loads(Path(inp.metadata).read_text())
record = json.loads(Path(inp.metrics).read_text())
Path(snakemake.output[0]).write_text(provenance_html(meta, record))  # noqa: F821
