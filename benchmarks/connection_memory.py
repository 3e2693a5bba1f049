#!/usr/bin/env python
"""What recording a run's connections (``params.record_connections``) adds to its peak memory.

    .venv/bin/python benchmarks/connection_memory.py            # networks of 2 000 and 6 000 cells

Each network is simulated for 10 ms with ``python -m astronet simulate`` (one rank, one thread),
once without and once with its connections recorded; the peak memory is the one the simulation
records in its metadata (VmHWM). The connections are fetched from NEST in batches of about
``CONNECTIONS_PER_FETCH`` (astronet.config.recording_chunks), so what they add should not grow with the
network; the difference divided by the batch size is ``MEMORY_COST["per_fetched_connection_bytes"]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from astronet.config.parameters import validate_params
from astronet.config.recording_chunks import CONNECTIONS_PER_FETCH
from astronet.config.resources import MEMORY_COST, estimate_memory_mib, expected_connections
from astronet.config.schema import param_defaults


def peak_mib(params: dict) -> tuple[float, int]:
    """(peak memory in MiB, connections written) of one simulation of ``params``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parameters.json"
        path.write_text(json.dumps(params))
        command = [sys.executable, "-m", "astronet", "simulate", "--parameters", str(path), "--output", f"{tmp}/raw"]
        subprocess.run(command, check=True, capture_output=True)
        meta = json.loads((Path(tmp) / "raw" / "metadata-rank0000.json").read_text())
    return meta["peak_memory_mib"], meta["rows"].get("connections", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.3], help="of the full network's size")
    args = parser.parse_args()
    print("cells  connections  peak without (MiB)  peak with (MiB)  added (MiB)  bytes per fetched connection  model")
    for fraction in args.fractions:
        sizes = {"N_ex": int(8000 * fraction), "N_in": int(2000 * fraction), "N_astro": int(10000 * fraction)}
        base = validate_params({**param_defaults(), **sizes, "n_vp": 1, "sim_time": 10.0})
        without, _ = peak_mib(base)
        recorded = {**base, "record_connections": True}
        with_, rows = peak_mib(recorded)
        fetched = min(CONNECTIONS_PER_FETCH, sum(expected_connections(base).values()))
        added = with_ - without
        model = estimate_memory_mib(recorded) - estimate_memory_mib(base)
        print(
            f"{sum(sizes.values()):5d}  {rows:11d}  {without:18.0f}  {with_:15.0f}  {added:11.0f}  "
            f"{added * 2**20 / fetched:28.0f}  {model:5d}"
        )
    print(f"in use: per_fetched_connection_bytes = {MEMORY_COST['per_fetched_connection_bytes']}")


if __name__ == "__main__":
    main()
