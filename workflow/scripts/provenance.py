"""Write the provenance page of one run (versions, build, parameters, connections, timers, metrics)."""

import json
from pathlib import Path

from astronet.html_pages import provenance_html
from astronet.joblog import log_to

log_to(snakemake.log[0], "provenance")  # noqa: F821
inp = snakemake.input  # noqa: F821
meta = json.loads(Path(inp.metadata).read_text())
record = json.loads(Path(inp.metrics).read_text())
Path(snakemake.output[0]).write_text(provenance_html(meta, record))  # noqa: F821
