"""Runs side by side in the layout of Jiang et al. 2025's Fig. 3, and their metrics as one table."""

import json
import sys

from astronet import paper_figures
from astronet.plotting import read_columns
from astronet.sweep_tables import runs_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
runs, records = {}, []
for i, label in enumerate(params.labels):
    with open(inp.metadata[i]) as fh:
        meta = json.load(fh)
    with open(inp.metrics[i]) as fh:
        record = json.load(fh)
    records.append(record)
    runs[label] = {
        "spikes": read_columns(inp.spikes[i], ["sender", "time"]),
        "astrocytes": read_columns(inp.astrocytes[i]),
        "neurons": read_columns(inp.neurons[i]),
        "meta": meta,
        "window": tuple(record["window_ms"]),
        "metrics": record["metrics"],
    }
paper_figures.fig3(runs, dict(params.settings), out.figure)
table = runs_table(records)
table.insert(0, "label", list(params.labels))
table.insert(3, "t_start_ms", [r["window_ms"][0] for r in records])
table.insert(4, "t_stop_ms", [r["window_ms"][1] for r in records])
table.to_csv(out.table, index=False)
print(table.T.to_string())
