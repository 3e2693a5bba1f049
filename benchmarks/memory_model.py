#!/usr/bin/env python
"""Peak memory of the simulation from the network: measure, fit, check; cost versus scale.

    .venv/bin/python benchmarks/memory_model.py                 # measure all points, fit, check, plot
    .venv/bin/python benchmarks/memory_model.py --reuse         # fit and plot the stored measurements

Each point runs ``python -m astronet simulate`` (one rank) as a child process and takes its peak
resident memory from the kernel (``ru_maxrss`` of ``os.wait4``), with create / connect / simulate
times and connection counts from its metadata. Memory is dominated by the build, so the model time
is short (100 ms).

Points: the reference network at scales 0.5, 1, 2, 5 and 10, and at scale 1 variations that move
one term of the model at a time: the example's tsodyks_synapse, twice the
astrocyte pairing (more sic_connections), half the connection probability (connections without
nodes), spikes of 100 instead of all neurons, every node sampled by the multimeters, 4 threads.
HPC synapses address at most 65 535 nodes per virtual process, so scale 10 runs with n_vp = 4.

The model (``astronet.config.resources.estimate_memory_mib``) is linear in: one per rank, threads, nodes,
connections of each synapse model, neurons recorded by the spike recorder, multimeter samples held
per chunk. Its coefficients are fitted by non-negative least squares on the points up to scale 2
and the variations; the check is that every scale's prediction, 5 and 10 out of sample, lies within +-15 % of
its measurement, both
for the fitted coefficients and for ``MEMORY_COST`` as the workflow uses it. Writes
``benchmarks/results/memory_model.csv`` (measurements, predictions), ``.../memory_model_fit.json``
(coefficients) and ``docs/cost_vs_scale.png`` (time and memory per connection versus scale); with
``--record docs/performance/memory_model.csv`` also the CSV the table of docs/performance.md is
generated from (:func:`record_rows`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

import bench
from astronet.config.nest_limits import HPC_MAX_NODES_PER_VP
from astronet.config.parameters import validate_params
from astronet.config.resources import MEMORY_COST, available_memory_mib, estimate_memory_mib, memory_features
from astronet.config.run_quantities import population_sizes
from astronet.config.schema import param_defaults

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FIGURE = REPO / "docs" / "cost_vs_scale.png"
SIM_TIME = 100.0

SCALES = [0.5, 1.0, 2.0, 5.0, 10.0]
FIT_MAX_SCALE = 2.0
VARIATIONS = {
    "tsodyks_synapse": {"synapse_model": "tsodyks_synapse"},
    "p_third_1": {"p_third_if_primary": 1.0},
    "p_primary_0.05": {"p_primary": 0.05},
    "N_rec_spk_100": {"N_rec_spk": 100},
    "N_rec_mm_all": {"N_rec_mm": "all"},
    "n_vp_4": {"n_vp": 4},
}


def point_params(label: str, n_vp: int) -> dict:
    base = {**param_defaults(), "sim_time": SIM_TIME, "n_vp": n_vp}
    if label.startswith("scale_"):
        scale = float(label.split("_")[1])
        base.update(scale=scale)
        # as few virtual processes as NEST's HPC synapses allow (the config's own suggestion)
        nodes = sum(population_sizes({**base, "scale": scale}).values())
        base["n_vp"] = max(n_vp, math.ceil(nodes / (HPC_MAX_NODES_PER_VP - 1)))
    else:
        base.update(VARIATIONS[label])
    return validate_params(base)


def measure_point(label: str, params: dict, tmp: Path, args) -> dict:
    d = tmp / label
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    (d / "parameters.json").write_text(json.dumps(params))
    need = estimate_memory_mib(params)
    free = available_memory_mib()
    if need > 0.9 * free:
        print(f"[memory] {label}: estimated {need} MiB > 90 % of the {free} MiB available; skipped", flush=True)
        return {}
    if not args.no_wait:
        bench.wait_for_quiet(args.max_load, args.wait_s)
    with open(d / "simulate.log", "w") as log:
        m = bench.measure(
            [
                sys.executable,
                "-m",
                "astronet",
                "simulate",
                "--parameters",
                str(d / "parameters.json"),
                "--output",
                str(d / "raw"),
            ],
            stdout=log,
            stderr=log,
            poll_s=2.0,
        )
    if m.returncode:
        sys.exit(f"[memory] {label} failed, see {d / 'simulate.log'}")
    meta = json.loads((d / "raw" / "metadata-rank0000.json").read_text())
    shutil.rmtree(d / "raw")
    t = meta["timers_s"]
    row = {
        "label": label,
        "scale": params["scale"],
        "n_vp": params["n_vp"],
        "synapse_model": params["synapse_model"],
        "p_primary": params["p_primary"],
        "p_third_if_primary": params["p_third_if_primary"],
        "N_rec_spk": params["N_rec_spk"],
        "N_rec_mm": params["N_rec_mm"],
        "nodes": sum(population_sizes(params).values()),
        **{f"conn_{k}": v for k, v in meta["connections_local"].items()},
        "connections": sum(meta["connections_local"].values()),
        "peak_rss_mib": round(m.peak_rss_mib, 1),
        "wall_s": round(m.wall_s, 2),
        "create_s": round(t["create"], 3),
        "connect_s": round(t["connect"] + t["connect_recorders"], 3),
        "simulate_s": round(t["simulate"], 3),
        "sim_time_ms": params["sim_time"],
        "load_before": m.load_before[0],
        "foreign_cores": round(m.foreign_cores, 3),
        **bench.machine(),
    }
    print(
        f"[memory] {label}: {row['peak_rss_mib']:.0f} MiB, {row['connections'] / 1e6:.1f} M connections, "
        f"build {row['create_s'] + row['connect_s']:.1f} s, simulate {row['simulate_s']:.1f} s, "
        f"load {m.load_before[0]:.2f}, other processes {m.foreign_cores:.2f} cores",
        flush=True,
    )
    return row


def params_of_row(row: dict) -> dict:
    p = {
        **param_defaults(),
        "sim_time": float(row["sim_time_ms"]),
        "n_vp": int(row["n_vp"]),
        "scale": float(row["scale"]),
    }
    p.update(
        synapse_model=row["synapse_model"],
        p_primary=float(row["p_primary"]),
        p_third_if_primary=float(row["p_third_if_primary"]),
    )
    for key in ("N_rec_spk", "N_rec_mm"):
        p[key] = row[key] if row[key] == "all" else int(row[key])
    return validate_params(p)


# Not identifiable from the measurements: there is one Poisson connection per neuron and one
# astrocyte per neuron in every point, so these columns are proportional to the node count. Fixed at
# their size in NEST (bytes) instead of fitted; the node term takes the rest.
# The batch of connections held while they are recorded is measured by benchmarks/connection_memory.py
# (no point here records connections).
FIXED = {"conn_static_synapse": 64.0, "fetched_connection": MEMORY_COST["per_fetched_connection_bytes"]}


def fit(rows: list[dict]) -> dict:
    """Non-negative least squares of peak memory on the model's features (bytes)."""
    from scipy.optimize import nnls

    names = list(memory_features(params_of_row(rows[0])))
    X = np.array([[memory_features(params_of_row(r))[n] for n in names] for r in rows], dtype=float)
    y = np.array([float(r["peak_rss_mib"]) * 2**20 for r in rows])
    fixed = np.array([FIXED.get(n, 0.0) for n in names])
    y = y - X @ fixed
    free = np.array([n not in FIXED for n in names])
    X = X[:, free]
    # Relative errors matter: weight each point by 1 / its memory.
    w = 1.0 / y
    scale = np.where(X.max(axis=0) > 0, X.max(axis=0), 1.0)
    coef, _ = nnls(X * w[:, None] / scale, y * w)
    fitted = iter(coef / scale)
    return {n: FIXED[n] if n in FIXED else next(fitted) for n in names}


def cost_dict(coef: dict) -> dict:
    """The fitted coefficients in MEMORY_COST's form and units."""
    per_conn = {k.removeprefix("conn_"): round(v, 1) for k, v in coef.items() if k.startswith("conn_")}
    return {
        "base_mib": round(coef["rank"] / 2**20, 1),
        "per_thread_mib": round(coef["thread"] / 2**20, 2),
        "per_node_bytes": round(coef["node"], 1),
        "per_connection_bytes": per_conn,
        "per_spike_recorded_neuron_bytes": round(coef["spike_recorded_neuron"], 1),
        "per_sample_bytes": round(coef["sample_in_chunk"], 1),
        "per_fetched_connection_bytes": round(coef["fetched_connection"], 1),
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    pts = sorted((r for r in rows if r["label"].startswith("scale_")), key=lambda r: float(r["scale"]))
    scale = np.array([float(r["scale"]) for r in pts])
    conns = np.array([float(r["connections"]) for r in pts])
    build = np.array([float(r["create_s"]) + float(r["connect_s"]) for r in pts])
    sim = np.array([float(r["simulate_s"]) for r in pts]) / (np.array([float(r["sim_time_ms"]) for r in pts]) / 1000.0)
    mem = np.array([float(r["peak_rss_mib"]) for r in pts]) * 2**20
    nvp = [int(r["n_vp"]) for r in pts]
    fig = Figure(figsize=(9, 3.4), layout="tight")
    ax_t, ax_m = fig.subplots(1, 2)
    ax_t.plot(scale, build / conns * 1e6, "o-", label="build (create + connect)")
    ax_t.plot(scale, sim / conns * 1e6, "s-", label="simulate, per s of model time")
    ax_t.set_xscale("log")
    ax_t.set_xlabel("scale (1 = 20 000 cells)")
    ax_t.set_ylabel("µs per connection")
    ax_t.set_title("Time per connection (2 cores)")
    ax_t.legend(fontsize=8)
    ax_m.plot(scale, mem / conns, "o-", color="tab:green", label="peak RSS / connections")
    for s, m, c, v in zip(scale, mem, conns, nvp, strict=True):
        ax_m.annotate(
            f"{m / 2**30:.1f} GiB" + (f", n_vp {v}" if v != nvp[0] else ""),
            (s, m / c),
            fontsize=7,
            textcoords="offset points",
            xytext=(3, 5),
        )
    ax_m.set_xscale("log")
    ax_m.set_xlabel("scale (1 = 20 000 cells)")
    ax_m.set_ylabel("bytes per connection")
    ax_m.set_title("Peak memory per connection")
    ax_m.set_ylim(0, (mem / conns).max() * 1.25)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def record_rows(rows: list[dict], context: dict) -> list[dict]:
    """The record: a row per point (a row of the measurements with the models' predictions), with
    ``context``'s source, the point's own date, host and CPU, its network (scale, virtual processes,
    cells, connections in millions), its peak memory, the fitted model's and the model in use's
    prediction (MiB) and error (%), whether it was in the fit, and its build (create + connect) and
    simulate times (s) over ``sim_time_ms``."""
    return [
        {
            "source": context["source"],
            **{key: r.get(key, "") for key in ("date", "host", "cpu", "cores")},
            "point": r["label"],
            "scale": float(r["scale"]),
            "n_vp": int(r["n_vp"]),
            "cells": int(r["nodes"]),
            "connections_millions": float(r["connections"]) / 1e6,
            "peak_memory_mib": float(r["peak_rss_mib"]),
            "fitted_mib": float(r["predicted_mib"]),
            "fitted_error_pct": float(r["error_pct"]),
            "in_use_mib": float(r["in_use_mib"]),
            "in_use_error_pct": float(r["in_use_error_pct"]),
            "in_fit": float(r["scale"]) <= FIT_MAX_SCALE,
            "build_s": float(r["create_s"]) + float(r["connect_s"]),
            "simulate_s": float(r["simulate_s"]),
            "sim_time_ms": float(r["sim_time_ms"]),
        }
        for r in rows
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="*", default=SCALES)
    parser.add_argument("--variations", nargs="*", default=list(VARIATIONS))
    parser.add_argument("--n-vp", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="fit and plot the stored measurements, measure nothing")
    parser.add_argument("--only-missing", action="store_true", help="measure only points not yet in the CSV")
    parser.add_argument(
        "--no-wait", action="store_true", help="do not wait for a quiet machine (times are then unreliable)"
    )
    parser.add_argument("--max-load", type=float, default=0.7)
    parser.add_argument("--wait-s", type=float, default=600.0)
    parser.add_argument("--csv", type=Path, default=RESULTS / "memory_model.csv")
    parser.add_argument(
        "--record", type=Path, help="also write the points as a CSV for the docs (docs/performance/memory_model.csv)"
    )
    args = parser.parse_args(argv)

    stored = []
    if args.csv.exists():
        with open(args.csv) as fh:
            stored = list(csv.DictReader(fh))
    rows = {r["label"]: r for r in stored}
    if not args.reuse:
        labels = [f"scale_{s:g}" for s in args.scales] + list(args.variations)
        tmp = Path(tempfile.mkdtemp(prefix="astronet-memory-"))
        try:
            for label in labels:
                if args.only_missing and label in rows:
                    continue
                row = measure_point(label, point_params(label, args.n_vp), tmp, args)
                if row:
                    rows[label] = row
                    write_csv(args.csv, list(rows.values()))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    rows = list(rows.values())
    # Fitted on the small networks only (scale <= FIT_MAX_SCALE and the variations at scale 1): the
    # larger scales check the model out of sample.
    coef = fit([r for r in rows if float(r["scale"]) <= FIT_MAX_SCALE])
    costs = cost_dict(coef)
    for r in rows:
        p = params_of_row(r)
        r["predicted_mib"] = round(estimate_memory_mib(p, costs), 1)
        r["error_pct"] = round(100.0 * (float(r["predicted_mib"]) / float(r["peak_rss_mib"]) - 1.0), 1)
        r["in_use_mib"] = estimate_memory_mib(p)  # astronet.config.resources.MEMORY_COST, what the workflow checks
        r["in_use_error_pct"] = round(100.0 * (r["in_use_mib"] / float(r["peak_rss_mib"]) - 1.0), 1)
    write_csv(args.csv, rows)
    (args.csv.with_name("memory_model_fit.json")).write_text(json.dumps(costs, indent=1) + "\n")
    print("\nfitted MEMORY_COST:", json.dumps(costs, indent=1))
    print(f"(in use: {json.dumps(MEMORY_COST)})\n")
    print(
        f"{'point':18s}{'scale':>6s}{'n_vp':>5s}{'conn (M)':>10s}{'peak MiB':>10s}{'fitted':>8s}{'error':>8s}"
        f"{'in use':>8s}{'error':>8s}{'build s':>9s}{'sim s':>8s}"
    )
    for r in rows:
        print(
            f"{r['label']:18s}{float(r['scale']):6g}{int(r['n_vp']):5d}{float(r['connections']) / 1e6:10.2f}"
            f"{float(r['peak_rss_mib']):10.0f}"
            f"{float(r['predicted_mib']):8.0f}{float(r['error_pct']):+7.1f}%{r['in_use_mib']:8.0f}{r['in_use_error_pct']:+7.1f}%"
            f"{float(r['create_s']) + float(r['connect_s']):9.1f}{float(r['simulate_s']):8.1f}"
        )
    scales = [r for r in rows if r["label"].startswith("scale_")]
    for name, key in (("fitted", "error_pct"), ("in use", "in_use_error_pct")):
        worst = max(abs(float(r[key])) for r in scales)
        print(
            f"largest error of the {name} model over the scales: {worst:.1f} % "
            f"({'within' if worst <= 15 else 'OUTSIDE'} +-15 %)"
        )
    plot(rows, FIGURE)
    print(f"wrote {args.csv}, {args.csv.with_name('memory_model_fit.json')} and {FIGURE}")
    if args.record:
        context = bench.record_context("memory_model.py", sys.argv[1:] if argv is None else argv)
        bench.write_record(args.record, record_rows(rows, context))


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
