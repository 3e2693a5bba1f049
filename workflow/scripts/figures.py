"""Draw the figures of one run from its aggregated tables."""

import json
import sys

from astronet.lean import hide_modules

hide_modules("pandas", reason="the figures use NumPy and matplotlib only")
from astronet import plotting  # noqa: E402

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp, out, settings = snakemake.input, snakemake.output, snakemake.params.settings  # noqa: F821
meta = json.loads(open(inp.metadata).read())
spikes = plotting.read_columns(inp.spikes, ["sender", "time"])
plotting.raster(spikes, meta, settings, out.raster)
plotting.dynamics(plotting.read_columns(inp.astrocytes), plotting.read_columns(inp.neurons), meta, settings, out.dynamics)
plotting.rate_distribution(spikes, meta, settings, out.rate_distribution)
