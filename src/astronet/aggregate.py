"""Merge the per-rank recordings of one run into sorted tables and a run summary.

Every rank file is checked against the metadata its rank wrote (rank count, file presence, row
counts, readability); anything missing, truncated or corrupt stops the aggregation with a message
naming the run and the file, so a partial table is never produced.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
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


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([("time", "ascending"), ("sender", "ascending")])


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


def summary_table(spikes: pa.Table, astro: pa.Table, neurons: pa.Table, meta: dict) -> pd.DataFrame:
    """Per-population counts, recorded nodes and mean rates (spikes/s over recorded neurons)."""
    p = meta["parameters"]
    pops = meta["populations"]
    t_sim_s = p["sim_time"] / 1000.0
    n_rec_spk = meta["recorded_nodes"]["spikes"]
    pop_counts = pd.Series(np.asarray(spikes.column("population").to_pandas())).value_counts()
    rows = []
    first_neuron = pops["E"][0]
    for name in ("E", "I"):
        lo, hi = pops[name]
        n = hi - lo + 1
        # The first N_rec_spk neurons are recorded (E first), as in NEST's example.
        recorded = int(np.clip(first_neuron + n_rec_spk - lo, 0, n))
        n_spk = int(pop_counts.get(name, 0))
        rows.append({"population": name, "n_nodes": n, "n_recorded": recorded, "n_spikes": n_spk, "mean_rate_hz": n_spk / recorded / t_sim_s if recorded else np.nan})
    lo, hi = pops["astrocytes"]
    rows.append({"population": "astrocytes", "n_nodes": hi - lo + 1, "n_recorded": meta["recorded_nodes"]["astrocytes"], "n_spikes": 0, "mean_rate_hz": np.nan})
    df = pd.DataFrame(rows)
    df["Ca_astro_mean_uM"] = [np.nan, np.nan, pc.mean(astro.column("Ca_astro")).as_py() if astro.num_rows else np.nan]
    df["IP3_mean_uM"] = [np.nan, np.nan, pc.mean(astro.column("IP3")).as_py() if astro.num_rows else np.nan]
    sic = pc.mean(neurons.column("I_SIC")).as_py() if neurons.num_rows else np.nan
    df["I_SIC_mean_pA"] = [sic, sic, np.nan]
    return df


def aggregate(raw: Path, out_dir: Path) -> dict:
    """Write spikes/astrocytes/neurons Parquet tables, summary.csv and metadata.json for one run."""
    raw, out_dir = Path(raw), Path(out_dir)
    metas = read_rank_metadata(raw)
    # Read and check everything before writing anything.
    tables = {kind: _sorted(_read_table(raw, kind, metas)) for kind in TABLES}
    meta = merged_metadata(metas)
    spikes = tables["spikes"]
    tables["spikes"] = spikes.append_column("population", population_of(spikes.column("sender").to_numpy(), meta["populations"]))
    summary = summary_table(tables["spikes"], tables["astrocytes"], tables["neurons"], meta)
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, table in tables.items():
        write_parquet_atomic(table, out_dir / f"{kind}.parquet")
    tmp = out_dir / f".summary.csv.tmp{os.getpid()}"
    summary.to_csv(tmp, index=False)
    os.replace(tmp, out_dir / "summary.csv")
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
