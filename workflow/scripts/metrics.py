"""Compute the metrics of one run (rates, CV, Fano, synchrony, astrocyte and SIC) into metrics.json."""

import json

import pandas as pd

from astronet.recording import write_json_atomic
from astronet.run_records import run_metrics_record
from astronet.joblog import log_to

log_to(snakemake.log[0], "metrics")  # noqa: F821
inp, params = snakemake.input, snakemake.params  # noqa: F821
meta = json.loads(open(inp.metadata).read())
record = run_metrics_record(
    pd.read_parquet(inp.spikes),
    pd.read_parquet(inp.astrocytes),
    pd.read_parquet(inp.neurons),
    meta,
    dict(params.settings),
    experiment=snakemake.wildcards.experiment,  # noqa: F821
    run=snakemake.wildcards.run,  # noqa: F821
    point=dict(params.point),
)
write_json_atomic(snakemake.output[0], record)  # noqa: F821
for name, value in record["metrics"].items():
    print(f"{name:30s} {value}")
