#!/usr/bin/env python
"""The PyPI wheel of NEST against the build for this machine (tools/build_nest.sh --native), in
alternating pairs of workflow runs on the full-scale reference network.

    .venv/bin/python benchmarks/tuned_build.py --pairs 3                          # 1 s, n_vp 2 (~25 min)
    .venv/bin/python benchmarks/tuned_build.py --protocol jiang2025 --pairs 1     # 1 s + 10 s (~30 min)

Pair i simulates NEST rng_seed ``--first-seed`` + i (default 1 + i) twice, once with each NEST,
in alternating order (wheel first in even pairs): ``snakemake --cores N`` on the reference
configuration in a fresh working directory, asked for the run's metrics.json (simulate,
aggregate, metrics). The tuned build is built first if needed (about 12 minutes) and selected as
users select it, with the lines of ``tools/nest_env.sh --native``; each run's metadata says which
NEST ran.

Measured per run: wall time of the workflow, NEST's simulation time (astronet's ``simulate``
timer and NEST's own ``time_simulate``), peak resident memory (of the simulation, from its
metadata, and of the largest process, from the kernel), and the load: the 1-min load average
before and after, and the cores other processes used meanwhile. The machine may be shared: the
pairs alternate so that a drift in its load reaches both sides alike. Nothing waits for quiet.

Reported: the medians of the tuned/wheel ratios of wall time, simulation time, build (create +
connect) time and peak memory; for each statistic (rates, CV, synchrony, Ca, IP3 and I_SIC means)
the wheel's and the tuned build's means, the wheel's s.d. and range across seeds (pairs), and the
largest difference between the two builds at the same seed, which must lie within the
seed-to-seed range (it is flagged otherwise: the build would change a result more than the seed
does); whether the spikes of a pair are the same, and if not from which time on they differ.

    .venv/bin/python benchmarks/tuned_build.py --report a.json b.json   # pairs of several --json runs

``--record docs/performance/tuned_build.csv`` (with runs or with ``--report``) writes the pairs as
the CSV the table of docs/performance.md is generated from (:func:`record_rows`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml

import bench

REPO = Path(__file__).resolve().parents[1]
PROTOCOLS = {"reference": {"t_presim": 0.0, "sim_time": 1000.0}, "jiang2025": {"t_presim": 1000.0, "sim_time": 10000.0}}
STATISTICS = (
    "rate_E",
    "rate_I",
    "rate_all",
    "cv_isi_all",
    "sync_local_all",
    "sync_global_all",
    "ca_mean",
    "ip3_mean",
    "sic_mean",
)
BUILDS = ("wheel", "tuned")


def write_config(path: Path, protocol: dict, n_vp: int, rng_seed: int) -> str:
    """The reference configuration with the protocol's times, n_vp and seed; returns the run's path."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["params"].update({**protocol, "n_vp": n_vp, "rng_seed": rng_seed, "seed": 100, "scale": 1.0})
    config["targets"] = ["reference"]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return f"results/reference/rng_seed-{rng_seed}"


def first_difference_ms(a: Path, b: Path) -> float | None:
    """Time of the first spike (ms) at which two runs' spike tables differ; None if they are identical."""
    spikes = []
    for run in (a, b):
        t = pq.read_table(run / "spikes.parquet", columns=["time", "sender"])
        spikes.append((t.column("time").to_numpy(), t.column("sender").to_numpy()))
    (ta, sa), (tb, sb) = spikes
    n = min(len(ta), len(tb))
    differs = np.flatnonzero((ta[:n] != tb[:n]) | (sa[:n] != sb[:n]))
    if differs.size:
        return float(min(ta[differs[0]], tb[differs[0]]))
    if len(ta) != len(tb):
        return float((ta if len(ta) > n else tb)[n])
    return None


def run_workflow(build: str, env: dict, workdir: Path, args, rng_seed: int) -> dict:
    """One measured workflow run with one NEST; its measurements, metadata and metrics."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    run = write_config(workdir / "bench.yaml", PROTOCOLS[args.protocol], args.n_vp, rng_seed)
    cmd = bench.snakemake_command(workdir, [workdir / "bench.yaml"], "--cores", args.cores, f"{run}/metrics.json")
    with open(workdir / "snakemake.log", "w") as log:
        m = bench.measure(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, poll_s=2.0)
    if m.returncode:
        sys.exit(f"[tuned] the {build} run failed (exit code {m.returncode}); see {workdir / 'snakemake.log'}")
    meta = json.loads((workdir / run / "metadata.json").read_text())
    metrics = json.loads((workdir / run / "metrics.json").read_text())["metrics"]
    result = {
        "build": build,
        "rng_seed": rng_seed,
        "nest_prefix": meta["build_info"]["prefix"],
        "wall_s": m.wall_s,
        "simulate_s": meta["timers_s"]["simulate"],
        "time_simulate_s": max(r["nest_timers_s"]["time_simulate"] for r in meta["ranks"]),
        "build_s": meta["timers_s"]["create"] + meta["timers_s"]["connect"],
        "peak_memory_mib": meta["peak_memory_mib"]["max_per_rank"],
        "peak_rss_mib": m.peak_rss_mib,
        "load_before": m.load_before[0],
        "load_after": m.load_after[0],
        "foreign_cores": m.foreign_cores,
        "statistics": {k: metrics.get(k) for k in STATISTICS},
        "run_dir": str(workdir / run),
    }
    print(
        f"[tuned] seed {rng_seed} {build:5s}: wall {m.wall_s:7.1f} s, simulate {result['simulate_s']:7.1f} s "
        f"(NEST time_simulate {result['time_simulate_s']:.1f} s), peak {result['peak_memory_mib']:.0f} MiB; "
        f"load {m.load_before[0]:.2f} -> {m.load_after[0]:.2f}, other processes {m.foreign_cores:.2f} cores",
        flush=True,
    )
    return result


def report(pairs: list[dict]) -> str:
    """Medians of the tuned/wheel ratios; per statistic the seed-to-seed spread of the wheel (s.d.
    and range over the seeds) against the largest difference between the builds at one seed; per
    seed whether the spikes are the same."""

    def median_ratio(key):
        return statistics.median(p["tuned"][key] / p["wheel"][key] for p in pairs)

    lines = [
        "",
        f"{len(pairs)} pairs (tuned / wheel, median): wall {median_ratio('wall_s'):.3f}, "
        f"simulate {median_ratio('simulate_s'):.3f}, NEST time_simulate {median_ratio('time_simulate_s'):.3f}, "
        f"build {median_ratio('build_s'):.3f}, peak memory {median_ratio('peak_memory_mib'):.3f}",
        f"{'':18s}{'wheel mean':>12s}{'tuned mean':>12s}{'sd (seeds)':>12s}{'range':>12s}{'max |diff|':>12s}  agrees",
    ]
    for stat in STATISTICS:
        values = {b: np.array([p[b]["statistics"][stat] for p in pairs], dtype=float) for b in BUILDS}
        if any(np.isnan(v).any() for v in values.values()):
            lines.append(f"{stat:18s} undefined in some run")
            continue
        wheel, tuned = values["wheel"], values["tuned"]
        sd = float(np.std(wheel, ddof=1)) if len(pairs) > 1 else math.nan
        spread = float(wheel.max() - wheel.min())
        diff = float(np.abs(tuned - wheel).max())
        agrees = "n/a (1 seed)" if len(pairs) < 2 else ("yes" if diff <= spread else "NO")
        lines.append(
            f"{stat:18s}{wheel.mean():12.5g}{tuned.mean():12.5g}{sd:12.3g}{spread:12.3g}{diff:12.3g}  {agrees}"
        )
    for p in pairs:
        first = p["spikes_differ_from_ms"]
        same = "identical spikes" if first is None else f"spikes differ from {first:.1f} ms on"
        lines.append(f"seed {p['wheel']['rng_seed']}: {same}")
    return "\n".join(lines)


def record_rows(pairs: list[dict], context: dict) -> list[dict]:
    """The record of the pairs: a row per pair, then their ``median`` (column ``statistic``; empty in
    the rows of the pairs).

    A pair's row starts with the pair's own ``context`` (:func:`bench.record_context` and the
    protocol, stored with the pair; ``context`` for pairs without one), then its seed, the build that
    ran first, and per build wall, simulate (astronet's timer), NEST's ``time_simulate`` and create +
    connect times (s), peak memory of the simulation (MiB) and the cores other processes used, with
    the tuned/wheel ratios, and the time from which the spikes differ (ms; empty if identical). The
    median row (in ``context``) holds the median of each ratio over the pairs.
    """
    quantities = {
        "wall_s": "wall_s",
        "simulate_s": "simulate_s",
        "time_simulate_s": "time_simulate_s",
        "create_connect_s": "build_s",
        "peak_memory_mib": "peak_memory_mib",
    }
    rows = []
    for pair in pairs:
        row = {**pair.get("context", {"source": context["source"]}), "statistic": ""}
        row.update(seed=pair["wheel"]["rng_seed"], first=next(k for k in pair if k in BUILDS))  # in the order run
        for name, key in quantities.items():
            row.update({f"{b}_{name}": pair[b][key] for b in BUILDS})
            row[f"{name.rsplit('_', 1)[0]}_ratio"] = pair["tuned"][key] / pair["wheel"][key]
        row.update({f"{b}_other_cores": pair[b]["foreign_cores"] for b in BUILDS})
        row["spikes_differ_from_ms"] = pair["spikes_differ_from_ms"]
        rows.append(row)
    ratios = [k for k in (rows[0] if rows else {}) if k.endswith("_ratio")]
    median = {k: statistics.median(r[k] for r in rows) for k in ratios}
    return [*rows, {**context, "statistic": "median", **median}] if rows else []


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs, default 3")
    parser.add_argument("--first-seed", type=int, default=1, help="rng_seed of the first pair (then +1), default 1")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="reference", help="reference: 1 s")
    parser.add_argument("--n-vp", type=int, default=2, help="virtual processes, default 2")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="snakemake --cores (default: all)")
    parser.add_argument("--keep", type=Path, help="keep the working directories here")
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    parser.add_argument(
        "--report", type=Path, nargs="+", help="only report the pairs of these --json files together (no runs)"
    )
    parser.add_argument(
        "--record", type=Path, help="also write the pairs as a CSV for the docs (docs/performance/tuned_build.csv)"
    )
    args = parser.parse_args(argv)
    context = bench.record_context("tuned_build.py", sys.argv[1:] if argv is None else argv)
    if args.report:
        pairs = [pair for path in args.report for pair in json.loads(path.read_text())["pairs"]]
        print(report(pairs))
        if args.record:
            bench.write_record(args.record, record_rows(pairs, context))
        return
    protocol = PROTOCOLS[args.protocol]
    context.update(t_presim_ms=protocol["t_presim"], sim_time_ms=protocol["sim_time"], n_vp=args.n_vp)

    built = subprocess.run([str(REPO / "tools" / "build_nest.sh"), "--native"], stdout=subprocess.PIPE, text=True)
    if built.returncode:
        sys.exit("[tuned] tools/build_nest.sh --native failed")
    envs = {
        "wheel": {k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "tuned": bench.exported_environment([str(REPO / "tools" / "nest_env.sh"), "--native"]),
    }
    print(f"[tuned] uptime at the start: {bench.uptime()}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="astronet-tuned-", dir=args.keep))
    pairs = []
    try:
        for i in range(args.pairs):
            seed = args.first_seed + i
            order = BUILDS if i % 2 == 0 else BUILDS[::-1]
            pair = {b: run_workflow(b, envs[b], tmp / f"{seed}-{b}", args, seed) for b in order}
            if pair["tuned"]["nest_prefix"] == pair["wheel"]["nest_prefix"]:
                sys.exit(f"[tuned] both runs used the NEST at {pair['wheel']['nest_prefix']}")
            pair["spikes_differ_from_ms"] = first_difference_ms(
                Path(pair["wheel"]["run_dir"]), Path(pair["tuned"]["run_dir"])
            )
            pair["context"] = context
            pairs.append(pair)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"[tuned] uptime at the end: {bench.uptime()}")
    print(report(pairs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "pairs": pairs}, indent=1))
    if args.record:
        bench.write_record(args.record, record_rows(pairs, context))


if __name__ == "__main__":
    main()
