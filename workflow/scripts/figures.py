"""Draw the figures of one run from its aggregated tables.

    python workflow/scripts/figures.py SETTINGS_JSON JOBS SPIKES ASTROCYTES NEURONS METADATA RASTER DYNAMICS RATE_DISTRIBUTION

The figures rule runs this as a shell command rather than through `script:`, whose preamble imports
Snakemake into the job (~0.1 s) for nothing that this step needs. With JOBS > 1 the dynamics figure
is drawn in a forked process while this one draws the other two.
"""

import json
import sys

from astronet.joblog import report_errors
from astronet import plotting

report_errors("figures")

if len(sys.argv) != 10:
    sys.exit(__doc__)
settings = json.loads(sys.argv[1])
spikes_path, astro_path, neurons_path, meta_path, *paths = sys.argv[3:]
with open(meta_path) as fh:
    meta = json.load(fh)
spikes = plotting.read_columns(spikes_path, ["sender", "time"])
astro, neurons = plotting.read_columns(astro_path), plotting.read_columns(neurons_path)
plotting.draw_all(spikes, astro, neurons, meta, settings, dict(zip(("raster", "dynamics", "rate_distribution"), paths)))
