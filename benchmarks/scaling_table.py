#!/usr/bin/env python
"""The table of the scaling experiments in docs/cluster.md, from their scaling.csv (astronet.analysis.scaling):

    .venv/bin/snakemake strong_scaling weak_scaling --cores 2       # with eval "$(tools/nest_mpi_env.sh)"
    .venv/bin/python benchmarks/scaling_table.py strong=results/strong_scaling/scaling.csv \\
        weak=results/weak_scaling/scaling.csv

prints one Markdown row per run: kind, virtual processes, ranks × threads, cells, connections,
create / connect / simulate time (s, slowest rank), real-time factor, peak memory per rank (MiB,
largest) and efficiency. ``--record docs/performance/scaling_table.csv`` (or ``scaling_phases.csv``)
writes the runs as the CSV the page's table of times and memory (or of NEST's phases) is generated
from (:func:`record_rows`). tests/test_scaling.py checks that these tables describe the networks
config/config.yaml builds.
"""

from __future__ import annotations

import argparse
import datetime
import math
import sys
from pathlib import Path

import pandas as pd

import bench
from astronet.figures.evidence_markdown import scaling_table_markdown

# The record's columns and the columns of scaling.csv they come from.
RECORD_COLUMNS = {
    "n_vp": "n_vp",
    "mpi_ranks": "mpi_ranks",
    "threads_per_rank": "threads_per_rank",
    "cells": "n_cells",
    "connections": "n_connections",
    "sim_time_ms": "sim_time_ms",
    "create_s": "create_s",
    "connect_s": "connect_s",
    "simulate_s": "simulate_s",
    "real_time_factor": "real_time_factor",
    "memory_per_rank_max_mib": "memory_per_rank_max_mib",
    "memory_per_rank_mean_mib": "memory_per_rank_mean_mib",
    "efficiency": "efficiency",
    "time_simulate_s": "time_simulate",
    "sim_factor": "sim_factor",
    "update_pct": "time_update_frac",
    "spike_ccd_pct": "spike_ccd_frac",
    "secondary_gd_pct": "secondary_gd_frac",
    "others_pct": "others_frac",
}


def record_rows(tables: dict[str, pd.DataFrame], context: dict) -> list[dict]:
    """The record: a row per run of every scaling table (``kind -> scaling.csv as a DataFrame``),
    starting with ``context`` (:func:`bench.record_context`) and the kind, then the columns of
    :data:`RECORD_COLUMNS` (times in s, model time in ms, memory in MiB, NEST's phases in % of its
    ``time_simulate``; empty where scaling.csv has no such column)."""
    return [
        {**context, "scaling": kind, **{name: r.get(column, math.nan) for name, column in RECORD_COLUMNS.items()}}
        for kind, df in tables.items()
        for r in df.to_dict("records")
    ]


def markdown(tables: dict[str, pd.DataFrame]) -> str:
    """The rows of every scaling table (``kind -> scaling.csv as a DataFrame``) as the page shows them."""
    return scaling_table_markdown(pd.DataFrame(record_rows(tables, {})))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+", metavar="KIND=PATH", help="a scaling.csv, e.g. strong=results/...")
    parser.add_argument("--record", type=Path, help="also write the runs as a CSV for the docs")
    args = parser.parse_args(argv)
    if not all("=" in arg for arg in args.tables):
        sys.exit(__doc__)
    paths = dict(arg.split("=", 1) for arg in args.tables)
    tables = {kind: pd.read_csv(path) for kind, path in paths.items()}
    print(markdown(tables), end="")
    if args.record:
        # the runs' date: when their scaling.csv was written
        date = max(datetime.date.fromtimestamp(Path(p).stat().st_mtime) for p in paths.values()).isoformat()
        context = bench.record_context("scaling_table.py", sys.argv[1:] if argv is None else argv, date)
        bench.write_record(args.record, record_rows(tables, context))


if __name__ == "__main__":
    main()
