#!/usr/bin/env python
"""The table of the scaling experiments in docs/cluster.md, from their scaling.csv (astronet.analysis.scaling):

    .venv/bin/snakemake strong_scaling weak_scaling --cores 2       # with eval "$(tools/nest_mpi_env.sh)"
    .venv/bin/python benchmarks/scaling_table.py strong=results/strong_scaling/scaling.csv \\
        weak=results/weak_scaling/scaling.csv

prints one Markdown row per run: kind, virtual processes, ranks × threads, cells, connections,
create / connect / simulate time (s, slowest rank), real-time factor, peak memory per rank (MiB,
largest) and efficiency. tests/test_scaling.py checks that the page's table describes the networks
config/config.yaml builds.
"""

from __future__ import annotations

import sys

import pandas as pd

HEADER = (
    "| scaling | n_vp | ranks × threads | cells | connections | create (s) | connect (s) | simulate (s) "
    "| real-time factor | memory per rank (MiB) | efficiency |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def markdown(tables: dict[str, pd.DataFrame]) -> str:
    """The rows of every scaling table (``kind -> scaling.csv as a DataFrame``) under :data:`HEADER`."""
    rows = [HEADER]
    for kind, df in tables.items():
        for r in df.itertuples():
            rows.append(
                f"| {kind} | {r.n_vp} | {r.mpi_ranks} × {r.threads_per_rank} | {r.n_cells:,} | {r.n_connections:,} "
                f"| {r.create_s:.2f} | {r.connect_s:.2f} | {r.simulate_s:.2f} | {r.real_time_factor:.1f} "
                f"| {r.memory_per_rank_max_mib:.0f} | {r.efficiency:.2f} |"
            )
    return "\n".join(rows)


def main(argv: list[str]) -> None:
    if not argv or not all("=" in arg for arg in argv):
        sys.exit(__doc__)
    print(markdown({kind: pd.read_csv(path) for kind, path in (arg.split("=", 1) for arg in argv)}))


if __name__ == "__main__":
    main(sys.argv[1:])
