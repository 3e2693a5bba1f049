"""Connectivity of an experiment's runs (Jiang et al. 2025's Fig. 8): degree table and figure."""

import json
import sys

import pandas as pd

from astronet import connectivity, paper_figures

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
runs, rows = {}, []
for label, conn_path, meta_path in zip(params.labels, inp.connections, inp.metadata):
    with open(meta_path) as fh:
        meta = json.load(fh)
    degrees = connectivity.read_degrees(conn_path, meta["populations"])
    cost = connectivity.run_cost(meta)
    runs[label] = {"degrees": degrees, "cost": cost}
    rows.append({"run": label, **cost, **connectivity.degree_summary(degrees)})
table = pd.DataFrame(rows)
table.to_csv(out.table, index=False)
paper_figures.fig8(runs, {"dpi": params.dpi, "title": f"Experiment {snakemake.wildcards.experiment}: astrocyte→neuron connectivity and cost"}, out.figure)  # noqa: F821
print(table.T.to_string())
