#!/usr/bin/env python
"""Aggregation of full recordings: its time against the simulation's, and its growth with the data.

    .venv/bin/python benchmarks/aggregation.py                  # simulate full recordings, then measure
    .venv/bin/python benchmarks/aggregation.py --reuse          # reuse benchmarks/out/aggregation/raw

1. Simulates the reference network (full scale, 1000 ms, n_vp 2) recording everything: the spikes of
   all 10 000 neurons and, every 1 ms, I_SIC of all 10 000 neurons and IP3 / Ca_astro of all
   10 000 astrocytes (``N_rec_spk: all``, ``N_rec_mm: all``): 20 million sampled rows.
2. Aggregates these rank files exactly as the workflow's job does (``python -m astronet aggregate``
   in a fresh Python process, imports included), best of ``--repeat``, and compares
   the time with NEST's simulate time of the same run.
3. Repeats the aggregation on sub-sampled rank files (every k-th node of each table, the row groups
   kept as written) to show the growth with the data: time per row at each size, and a straight line
   ``time = startup + rows x per-row`` fitted through them.

Writes ``benchmarks/results/aggregation.csv``; with ``--record docs/performance/aggregation.csv``
also the CSV the table of docs/performance.md is generated from (:func:`record_rows`).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import bench
from astronet.config.parameters import validate_params
from astronet.config.schema import param_defaults
from astronet.data.layout import TABLES

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "out" / "aggregation"
RESULTS = REPO / "benchmarks" / "results" / "aggregation.csv"


def simulate_full_recordings(args) -> bench.Measurement:
    params = validate_params(
        {**param_defaults(), "sim_time": args.sim_time, "n_vp": args.n_vp, "N_rec_spk": "all", "N_rec_mm": "all"}
    )
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    (WORK / "parameters.json").write_text(json.dumps(params))
    if not args.no_wait:
        bench.wait_for_quiet(args.max_load, args.wait_s)
    with open(WORK / "simulate.log", "w") as log:
        m = bench.measure(
            [
                sys.executable,
                "-m",
                "astronet",
                "simulate",
                "--parameters",
                str(WORK / "parameters.json"),
                "--output",
                str(WORK / "raw"),
            ],
            stdout=log,
            stderr=log,
        )
    if m.returncode:
        sys.exit(f"simulation failed, see {WORK / 'simulate.log'}")
    print(f"[aggregation] simulated in {m.wall_s:.1f} s, peak RSS {m.peak_rss_mib:.0f} MiB", flush=True)
    return m


def subsample(raw: Path, out: Path, k: int) -> None:
    """Rank files with every k-th recorded node of each table (row groups kept as written)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for meta_path in sorted(raw.glob("metadata-rank*.json")):
        meta = json.loads(meta_path.read_text())
        for kind in TABLES:
            name = meta["files"][kind]
            src = pq.ParquetFile(raw / name)
            schema = src.schema_arrow
            senders = np.unique(src.read(columns=["sender"]).column("sender").to_numpy())
            keep = pa.array(senders[::k])
            rows = 0
            with pq.ParquetWriter(out / name, schema, compression="zstd", write_page_checksum=True) as w:
                for i in range(src.num_row_groups):
                    group = src.read_row_group(i)
                    group = group.filter(pc.is_in(group.column("sender"), value_set=keep))
                    w.write_table(group)
                    rows += group.num_rows
            meta["rows"][kind] = rows
        (out / meta_path.name).write_text(json.dumps(meta))


def rows_of(raw: Path) -> dict[str, int]:
    meta = json.loads((raw / "metadata-rank0000.json").read_text())
    return meta["rows"]


def time_aggregation(raw: Path, args) -> float:
    out = raw.parent / f"{raw.name}-aggregated"
    best = float("inf")
    for _ in range(args.repeat):
        shutil.rmtree(out, ignore_errors=True)
        if not args.no_wait:
            bench.wait_for_quiet(args.max_load, args.wait_s)
        m = bench.measure(
            [sys.executable, "-m", "astronet", "aggregate", "--raw", str(raw), "--out-dir", str(out)]
        )  # as the aggregate rule
        if m.returncode:
            sys.exit(f"aggregation of {raw} failed")
        best = min(best, m.wall_s)
    shutil.rmtree(out, ignore_errors=True)
    return best


def record_rows(results: list[dict], startup_s: float, per_row_s: float, r2: float, context: dict) -> list[dict]:
    """The record: a row per size (a row of ``results``: nodes kept, rows, aggregation time (s) and
    µs per row, the straight line's time there (s), NEST's simulate time (s) and the aggregation's
    share of it (%)), each starting with ``context`` (:func:`bench.record_context`) and ending with
    the straight line: ``fit_startup_s`` (s), ``fit_us_per_row`` (µs) and ``fit_r2``."""
    fit = {"fit_startup_s": round(startup_s, 3), "fit_us_per_row": round(1e6 * per_row_s, 4), "fit_r2": round(r2, 4)}
    return [{**context, **r, **fit} for r in results]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the recordings of an earlier run")
    parser.add_argument("--sim-time", type=float, default=1000.0)
    parser.add_argument("--n-vp", type=int, default=2)
    parser.add_argument("--fractions", type=int, nargs="*", default=[16, 8, 4, 2, 1], help="keep every k-th node")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-wait", action="store_true")
    parser.add_argument("--max-load", type=float, default=0.7)
    parser.add_argument("--wait-s", type=float, default=600.0)
    parser.add_argument(
        "--record", type=Path, help="also write the results as a CSV for the docs (docs/performance/aggregation.csv)"
    )
    args = parser.parse_args(argv)
    context = bench.record_context("aggregation.py", sys.argv[1:] if argv is None else argv)

    raw = WORK / "raw"
    if not args.reuse or not raw.exists():
        simulate_full_recordings(args)
    meta = json.loads((raw / "metadata-rank0000.json").read_text())
    simulate_s = meta["timers_s"]["simulate"]
    flush_s = meta["timers_s"]["flush_recordings"]

    results = []
    for k in args.fractions:
        d = raw if k == 1 else WORK / f"raw-every{k}"
        if k != 1:
            subsample(raw, d, k)
        rows = rows_of(d)
        t = time_aggregation(d, args)
        total = sum(rows.values())
        results.append(
            {
                "every_kth_node": k,
                **{f"rows_{kind}": n for kind, n in rows.items()},
                "rows": total,
                "aggregate_s": round(t, 3),
                "us_per_row": round(1e6 * t / total, 4),
            }
        )
        print(
            f"[aggregation] every {k:2d}th node: {total:>10,d} rows in {t:.2f} s ({1e6 * t / total:.3f} µs/row)",
            flush=True,
        )
        if k != 1:
            shutil.rmtree(d, ignore_errors=True)

    n = np.array([r["rows"] for r in results], dtype=float)
    t = np.array([r["aggregate_s"] for r in results])
    slope, intercept = np.polyfit(n, t, 1)
    fit = intercept + slope * n
    r2 = 1.0 - ((t - fit) ** 2).sum() / ((t - t.mean()) ** 2).sum()
    for r, f in zip(results, fit, strict=True):
        r["linear_fit_s"] = round(f, 3)
        r["fit_error_pct"] = round(100 * (r["aggregate_s"] / f - 1), 1)
        r["simulate_s"] = round(simulate_s, 2)
        r["share_of_simulate_pct"] = round(100 * r["aggregate_s"] / simulate_s, 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(results[0]))
        w.writeheader()
        w.writerows(results)

    full = next(r for r in results if r["every_kth_node"] == 1) if 1 in args.fractions else results[-1]
    print()
    print(
        f"full recordings: {full['rows']:,d} rows ({full['rows_spikes']:,d} spikes, "
        f"{full['rows_neurons']:,d} I_SIC samples, {full['rows_astrocytes']:,d} astrocyte samples)"
    )
    print(
        f"aggregation {full['aggregate_s']:.2f} s = {full['share_of_simulate_pct']:.1f} % of NEST's simulate time "
        f"({simulate_s:.1f} s; the simulation also spent {flush_s:.1f} s writing these recordings)"
    )
    print(
        f"linear fit: {intercept:.2f} s + {1e6 * slope:.3f} µs/row x rows, R^2 = {r2:.4f}; "
        f"largest deviation from the line {max(abs(r['fit_error_pct']) for r in results):.1f} %"
    )
    print(f"wrote {RESULTS}")
    if args.record:
        bench.write_record(args.record, record_rows(results, intercept, slope, r2, context))


if __name__ == "__main__":
    main()
