"""Merge the per-rank recordings of one run into sorted tables and a run summary.

Every rank file is checked against the metadata its rank wrote (rank count, file presence, row
counts, readability); anything missing, truncated or corrupt stops the aggregation with a message
naming the run and the file, so a partial table is never produced.

The work is (close to) linear in the number of rows: NEST hands each thread's multimeter samples
over in (time, sender) order, so the rows of a run form a few sorted runs (chunks x threads x
ranks); a stable sort of one integer key per row (Timsort) detects and merges them in
O(n log runs), and a table already in order is only checked, O(n). Reads and writes of the three
tables overlap in threads (Arrow releases the GIL). Only NumPy and PyArrow are used: no pandas
import and no DataFrame round trip.
"""

from __future__ import annotations

import csv
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .recording import TABLES, metadata_file, write_json_atomic


class RecordingError(RuntimeError):
    """A run's per-rank recordings are incomplete or damaged."""


def _fail(raw: Path, file: str, why: str) -> None:
    raise RecordingError(f"run {raw.parent}: {raw / file}: {why}; rerun the simulation of this run")


def read_rank_metadata(raw: Path) -> list[dict]:
    raw = Path(raw)
    first = raw / metadata_file(0)
    if not first.exists():
        _fail(raw, metadata_file(0), "missing")
    metas = []
    n_ranks = None
    for rank in range(10**6):
        path = raw / metadata_file(rank)
        if n_ranks is not None and rank >= n_ranks:
            break
        try:
            meta = json.loads(path.read_text())
        except FileNotFoundError:
            _fail(raw, path.name, f"missing (the run had {n_ranks} ranks)")
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            _fail(raw, path.name, f"corrupt metadata ({err})")
        n_ranks = meta["n_ranks"] if n_ranks is None else n_ranks
        metas.append(meta)
    return metas


def _read_table(raw: Path, kind: str, metas: list[dict]) -> pa.Table:
    parts = []
    for meta in metas:
        name = meta["files"][kind]
        try:
            table = pq.read_table(raw / name)
        except FileNotFoundError:
            _fail(raw, name, "missing")
        except (pa.ArrowException, OSError) as err:
            _fail(raw, name, f"unreadable, truncated or corrupt ({err})")
        if table.num_rows != meta["rows"][kind]:
            _fail(raw, name, f"has {table.num_rows} rows, rank {meta['rank']} wrote {meta['rows'][kind]}")
        parts.append(table)
    return pa.concat_tables(parts)


def is_sorted(time: np.ndarray, sender: np.ndarray) -> bool:
    """Whether rows are in (time, sender) order; O(n) with only boolean temporaries."""
    if len(time) < 2:
        return True
    t0, t1, s0, s1 = time[:-1], time[1:], sender[:-1], sender[1:]
    return bool(np.all(t1 >= t0) and np.all((s1 >= s0) | (t1 > t0)))


def sort_order(time: np.ndarray, sender: np.ndarray, dt: float) -> np.ndarray | None:
    """Permutation that puts rows in (time, sender) order; ``None`` if they already are.

    Times are on the ``dt`` grid, so ``round(time / dt) * (max sender + 1) + sender`` is one key with
    the same order (exact in float64 below 2**53); its stable sort (Timsort) finds the sorted runs
    and merges them. Should a time lie off the grid, the result fails the check and a two-key sort
    is used instead.
    """
    if is_sorted(time, sender):
        return None
    span = float(sender.max()) + 1.0
    key = np.rint(time / dt)
    if key.min() >= 0 and sender.min() >= 0 and key.max() * span + span < 2.0**53:
        key *= span
        key += sender
        order = np.argsort(key, kind="stable")
        del key
        ordered = time[order]
        if np.all(ordered[1:] >= ordered[:-1]):
            return order
    return np.lexsort((sender, time))


def _sorted(table: pa.Table, dt: float) -> pa.Table:
    if table.num_rows < 2:
        return table
    order = sort_order(table.column("time").to_numpy(), table.column("sender").to_numpy(), dt)
    return table if order is None else table.take(order)


def population_of(senders: np.ndarray, populations: dict[str, list[int]]) -> pa.DictionaryArray:
    """Population label of each neuron id, from the contiguous id ranges in the metadata."""
    names = [n for n in ("E", "I") if n in populations]
    lo = np.array([populations[n][0] for n in names])
    idx = np.searchsorted(lo, senders, side="right") - 1
    return pa.DictionaryArray.from_arrays(pa.array(idx, type=pa.int8()), pa.array(names))


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def merged_metadata(metas: list[dict]) -> dict:
    """One run's metadata: shared facts once, per-rank timers and memory, summed connection counts."""
    first = metas[0]
    shared = {k: first[k] for k in ("n_ranks", "threads", "n_vp", "nest_version", "build_info", "parameters", "model_parameters", "populations")}
    connections = {k: sum(m["connections_local"][k] for m in metas) for k in first["connections_local"]}
    recorded = {k: first["recorded_nodes"][k] for k in first["recorded_nodes"]}
    per_rank = [
        {"rank": m["rank"], "timers_s": m["timers_s"], "nest_timers_s": m["nest_timers_s"], "peak_memory_mib": m["peak_memory_mib"], "rows": m["rows"]}
        for m in metas
    ]
    timers = {k: max(m["timers_s"][k] for m in metas) for k in first["timers_s"]}
    return {
        **shared,
        "connections": connections,
        "recorded_nodes": recorded,
        "timers_s": timers,
        "real_time_factor": max(m["real_time_factor"] for m in metas),
        "peak_memory_mib": {"max_per_rank": max(m["peak_memory_mib"] for m in metas), "total": sum(m["peak_memory_mib"] for m in metas)},
        "ranks": per_rank,
    }


SUMMARY_COLUMNS = ["population", "n_nodes", "n_recorded", "n_spikes", "mean_rate_hz", "Ca_astro_mean_uM", "IP3_mean_uM", "I_SIC_mean_pA"]


def _mean(table: pa.Table, column: str) -> float:
    return pc.mean(table.column(column)).as_py() if table.num_rows else math.nan


def summary_table(spikes: pa.Table, astro: pa.Table, neurons: pa.Table, meta: dict) -> list[dict]:
    """Per-population counts, recorded nodes and mean rates (spikes/s over recorded neurons); one dict per row."""
    p = meta["parameters"]
    pops = meta["populations"]
    t_sim_s = p["sim_time"] / 1000.0
    n_rec_spk = meta["recorded_nodes"]["spikes"]
    population = spikes.column("population").combine_chunks() if spikes.num_rows else None
    names = population.dictionary.to_pylist() if population is not None else []
    counts = np.bincount(population.indices.to_numpy(), minlength=len(names)) if population is not None else []
    pop_counts = dict(zip(names, (int(c) for c in counts)))
    sic = _mean(neurons, "I_SIC")
    rows = []
    first_neuron = pops["E"][0]
    for name in ("E", "I"):
        lo, hi = pops[name]
        n = hi - lo + 1
        # The first N_rec_spk neurons are recorded (E first), as in NEST's example.
        recorded = int(np.clip(first_neuron + n_rec_spk - lo, 0, n))
        n_spk = pop_counts.get(name, 0)
        rate = n_spk / recorded / t_sim_s if recorded else math.nan
        rows.append(dict(zip(SUMMARY_COLUMNS, [name, n, recorded, n_spk, rate, math.nan, math.nan, sic])))
    lo, hi = pops["astrocytes"]
    astro_row = ["astrocytes", hi - lo + 1, meta["recorded_nodes"]["astrocytes"], 0, math.nan, _mean(astro, "Ca_astro"), _mean(astro, "IP3"), math.nan]
    rows.append(dict(zip(SUMMARY_COLUMNS, astro_row)))
    return rows


def _csv_value(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def write_summary_csv(rows: list[dict], path: Path) -> None:
    """CSV as pandas writes it (empty field for NaN, shortest round-trip floats), atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(SUMMARY_COLUMNS)
        out.writerows([_csv_value(row[c]) for c in SUMMARY_COLUMNS] for row in rows)
    os.replace(tmp, path)


def aggregate(raw: Path, out_dir: Path) -> dict:
    """Write spikes/astrocytes/neurons Parquet tables, summary.csv and metadata.json for one run."""
    raw, out_dir = Path(raw), Path(out_dir)
    metas = read_rank_metadata(raw)
    meta = merged_metadata(metas)
    dt = meta["parameters"]["dt"]
    # Read, check and sort everything before writing anything.
    with ThreadPoolExecutor(max_workers=len(TABLES)) as pool:
        futures = {kind: pool.submit(lambda k: _sorted(_read_table(raw, k, metas), dt), kind) for kind in TABLES}
        tables = {kind: f.result() for kind, f in futures.items()}
    spikes = tables["spikes"]
    tables["spikes"] = spikes.append_column("population", population_of(spikes.column("sender").to_numpy(), meta["populations"]))
    summary = summary_table(tables["spikes"], tables["astrocytes"], tables["neurons"], meta)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(tables)) as pool:
        for f in [pool.submit(write_parquet_atomic, table, out_dir / f"{kind}.parquet") for kind, table in tables.items()]:
            f.result()
    write_summary_csv(summary, out_dir / "summary.csv")
    write_json_atomic(out_dir / "metadata.json", meta)
    return meta


def aggregate_connections(raw: Path, out: Path) -> None:
    """Merge the per-rank connection tables (params.record_connections) into one sorted table."""
    raw = Path(raw)
    metas = read_rank_metadata(raw)
    if "connections" not in metas[0]["files"]:
        raise RecordingError(f"run {raw.parent}: no connections were recorded; set params.record_connections: true")
    table = _read_table(raw, "connections", metas)
    table = table.sort_by([("source", "ascending"), ("target", "ascending"), ("synapse_model", "ascending")])
    write_parquet_atomic(table, out)
