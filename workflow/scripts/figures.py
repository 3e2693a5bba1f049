"""Draw the figures of one run from its aggregated tables."""

import json
import sys

import pandas as pd

from astronet import plotting

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp, out, settings = snakemake.input, snakemake.output, snakemake.params.settings  # noqa: F821
meta = json.loads(open(inp.metadata).read())
spikes = pd.read_parquet(inp.spikes)
plotting.raster(spikes, meta, settings, out.raster)
plotting.dynamics(pd.read_parquet(inp.astrocytes), pd.read_parquet(inp.neurons), meta, settings, out.dynamics)
plotting.rate_distribution(spikes, meta, settings, out.rate_distribution)
