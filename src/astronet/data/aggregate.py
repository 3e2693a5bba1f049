"""Merge the per-rank recordings of one run into sorted tables and a run summary.

Every rank file is checked against the metadata its rank wrote (rank count, file presence, row
counts, readability); anything missing, truncated or corrupt stops the aggregation with a message
naming the run and the file, so a partial table is never produced. The outputs appear together:
they are written into a staging directory, then moved in place with metadata.json last. Their
Parquet files carry page checksums, and metadata.json records the SHA-256 of every output and of
its own content (:mod:`astronet.data.integrity`), so damage on disk is found wherever they are read.

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
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from astronet.config.analysis_settings import analysis_window
from astronet.config.run_quantities import recorded_neuron_ids, recording_window
from astronet.config.rundir import params_id
from astronet.data.integrity import sealed
from astronet.data.layout import METADATA, SUMMARY, TABLES, arrow_schema, metadata_file, table_file
from astronet.data.units import with_units
from astronet.runtime import pause_points
from astronet.runtime.atomic_files import json_default, replaced_atomically, write_json_atomic


class RecordingError(RuntimeError):
    """A run's per-rank recordings are incomplete or damaged."""


def _fail(raw: Path, file: str, why: str) -> None:
    raise RecordingError(f"run {raw.parent}: {raw / file}: {why}; rerun the simulation of this run")


# Keys every rank writes into its metadata file (see astronet.simulation.simulate.run and RankWriter.close);
# "provenance" too, except in recordings of astronet 0.1 before it was recorded (then null).
METADATA_KEYS = (
    "rank",
    "n_ranks",
    "threads",
    "n_vp",
    "nest_version",
    "build_info",
    "parameters",
    "model_parameters",
    "populations",
    "recorded_nodes",
    "connections_local",
    "timers_s",
    "nest_timers_s",
    "real_time_factor",
    "peak_memory_mib",
    "rows",
    "files",
)
RANK_FILE = re.compile(r".+-rank(\d+)\.(parquet|json)")


def _load_metadata(raw: Path, rank: int, n_ranks: int | None) -> dict:
    name = metadata_file(rank)
    try:
        meta = json.loads((raw / name).read_text())
    except FileNotFoundError:
        _fail(raw, name, f"missing (rank 0 says the run had {n_ranks} ranks)" if n_ranks else "missing")
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        _fail(raw, name, f"corrupt metadata ({err})")
    if not isinstance(meta, dict):
        _fail(raw, name, "corrupt metadata (not a JSON object)")
    missing = [key for key in METADATA_KEYS if key not in meta]
    if missing:
        _fail(raw, name, f"incomplete metadata, without {', '.join(missing)}")
    if meta["rank"] != rank:
        _fail(raw, name, f"says it is rank {meta['rank']!r}")
    if not isinstance(meta["n_ranks"], int) or meta["n_ranks"] < 1:
        _fail(raw, name, f"corrupt metadata (n_ranks = {meta['n_ranks']!r})")
    if n_ranks is not None and meta["n_ranks"] != n_ranks:
        _fail(raw, name, f"says the run had {meta['n_ranks']} ranks, rank 0 says {n_ranks}")
    files, rows = meta["files"], meta["rows"]
    for kind in TABLES:
        if not isinstance(files, dict) or not isinstance(rows, dict) or kind not in files or kind not in rows:
            _fail(raw, name, f"incomplete metadata, no file or row count of the {kind} table")
    return meta


def read_rank_metadata(raw: Path) -> list[dict]:
    """Every rank's metadata, checked: present, readable, complete and consistent between ranks.

    Parameters
    ----------
    raw : str or pathlib.Path
        The run's per-rank recordings, ``results/<experiment>/<run>/raw``.

    Returns
    -------
    list of dict
        The metadata each rank wrote, in rank order.

    Raises
    ------
    RecordingError
        If the directory or a rank's metadata is missing, unreadable or incomplete, the ranks disagree
        (rank count, parameters), or a file belongs to a rank the run did not have.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise RecordingError(f"run {raw.parent}: {raw}: missing recordings directory; rerun the simulation of this run")
    metas = [_load_metadata(raw, 0, None)]
    n_ranks = metas[0]["n_ranks"]
    metas += [_load_metadata(raw, rank, n_ranks) for rank in range(1, n_ranks)]
    for meta in metas[1:]:
        if meta["parameters"] != metas[0]["parameters"]:
            _fail(
                raw, metadata_file(meta["rank"]), "parameters differ from rank 0's: files of different runs are mixed"
            )
    # Files of ranks the run did not have are left-overs of another run, not part of this one.
    for path in sorted(raw.iterdir()):
        match = RANK_FILE.fullmatch(path.name)
        if match and int(match.group(1)) >= n_ranks:
            _fail(raw, path.name, f"unexpected: the run had {n_ranks} rank(s)")
    return metas


def _read_table(raw: Path, kind: str, metas: list[dict]) -> pa.Table:
    """One table of every rank, each file checked against what its rank wrote."""
    parts = []
    for meta in metas:
        name = meta["files"][kind]
        try:
            # Page checksums (written by RankWriter) catch flipped bytes that would decode to wrong values.
            # ParquetFile, not read_table: no pyarrow.dataset import.
            with pq.ParquetFile(raw / name, page_checksum_verification=True) as parquet:
                table = parquet.read()
        except FileNotFoundError:
            _fail(raw, name, "missing")
        except (pa.ArrowException, OSError, ValueError, EOFError) as err:
            _fail(raw, name, f"unreadable, truncated or corrupt ({type(err).__name__}: {err})")
        if table.num_rows != meta["rows"][kind]:
            _fail(raw, name, f"has {table.num_rows} rows, rank {meta['rank']} wrote {meta['rows'][kind]}")
        if kind in TABLES:
            _check_values(raw, name, kind, table, meta)
        parts.append(table)
    return pa.concat_tables(parts)


def _check_values(raw: Path, name: str, kind: str, table: pa.Table, meta: dict) -> None:
    """Columns, node ids and times that the run can have produced."""
    expected = arrow_schema(TABLES[kind])
    if not table.schema.remove_metadata().equals(expected):
        _fail(raw, name, f"has columns {table.schema.names} of types {table.schema.types}, expected {expected.names}")
    if not table.num_rows:
        return
    pops = meta["populations"]
    lo, hi = pops["astrocytes"] if kind == "astrocytes" else (pops["E"][0], pops["I"][1])
    senders = pc.min_max(table.column("sender")).as_py()
    if senders["min"] < lo or senders["max"] > hi:
        _fail(raw, name, f"sender ids {senders['min']}..{senders['max']} outside the recorded population's {lo}..{hi}")
    times = table.column("time")
    t_begin, t_end = recording_window(meta["parameters"])
    t = pc.min_max(times).as_py()
    if pc.any(pc.is_nan(times)).as_py() or t["min"] <= t_begin - 1e-9 or t["max"] > t_end + 1e-9:
        _fail(raw, name, f"times {t['min']}..{t['max']} ms outside the recorded ({t_begin:g}, {t_end:g}] ms")


def is_sorted(time: np.ndarray, sender: np.ndarray) -> bool:
    """Whether rows are in (time, sender) order; O(n) with only boolean temporaries.

    Parameters
    ----------
    time : numpy.ndarray of float
        Time of each row (ms).
    sender : numpy.ndarray of int
        Node id of each row.

    Returns
    -------
    bool
        True if the rows are ordered by time, then sender.
    """
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

    Parameters
    ----------
    time : numpy.ndarray of float
        Time of each row (ms).
    sender : numpy.ndarray of int
        Node id of each row (non-negative for the one-key sort).
    dt : float
        NEST's resolution (ms), the grid of the times.

    Returns
    -------
    numpy.ndarray of int or None
        Row indices in (time, sender) order, or None if the rows are in order.
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
    """Population label of each neuron id, from the contiguous id ranges in the metadata.

    Parameters
    ----------
    senders : numpy.ndarray of int
        Node ids of neurons.
    populations : dict of str to list of int
        The metadata's ``populations``: name -> ``[first, last]`` node id, inclusive; ``E`` and ``I``
        are used.

    Returns
    -------
    pyarrow.DictionaryArray
        ``E`` or ``I`` for each sender (int8 indices into the population names).
    """
    names = [n for n in ("E", "I") if n in populations]
    lo = np.array([populations[n][0] for n in names])
    idx = np.searchsorted(lo, senders, side="right") - 1
    return pa.DictionaryArray.from_arrays(pa.array(idx, type=pa.int8()), pa.array(names))


def write_parquet(table: pa.Table, path: Path) -> None:
    """A table as zstd-compressed Parquet with page checksums.

    The checksums are verified by astronet.data.integrity.read_table.

    Parameters
    ----------
    table : pyarrow.Table
        The table to write.
    path : str or pathlib.Path
        The Parquet file.
    """
    pq.write_table(table, path, compression="zstd", write_page_checksum=True)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """A table as :func:`write_parquet` writes it, into a temporary file that then replaces ``path``.

    Parameters
    ----------
    table : pyarrow.Table
        The table to write.
    path : str or pathlib.Path
        The Parquet file; left as it was if the writing fails.
    """
    with replaced_atomically(path) as tmp:
        write_parquet(table, tmp)


def merged_metadata(metas: list[dict]) -> dict:
    """One run's metadata: shared facts once, per-rank timers and memory, summed connection counts.

    Parameters
    ----------
    metas : list of dict
        The metadata of every rank, in rank order (:func:`read_rank_metadata`).

    Returns
    -------
    dict
        Rank 0's shared facts (``parameters``, ``populations``, ``nest_version``, ...), ``params_id``,
        ``connections`` (count per kind, summed over ranks), ``recorded_nodes``, ``timers_s`` (s, the
        maximum over ranks), ``real_time_factor`` (the maximum), ``peak_memory_mib`` (MiB:
        ``max_per_rank`` and ``total``) and ``ranks`` (each rank's timers, memory, rows, host and
        Slurm placement).
    """
    first = metas[0]
    shared = {
        k: first[k]
        for k in (
            "n_ranks",
            "threads",
            "n_vp",
            "nest_version",
            "build_info",
            "parameters",
            "model_parameters",
            "populations",
        )
    }
    shared["provenance"] = first.get("provenance")
    connections = {k: sum(m["connections_local"][k] for m in metas) for k in first["connections_local"]}
    recorded = {k: first["recorded_nodes"][k] for k in first["recorded_nodes"]}
    per_rank = [
        {
            "rank": m["rank"],
            "timers_s": m["timers_s"],
            "nest_timers_s": m["nest_timers_s"],
            "peak_memory_mib": m["peak_memory_mib"],
            "rows": m["rows"],
            "host": (m.get("provenance") or {}).get("host"),
            "slurm": (m.get("provenance") or {}).get("slurm"),
        }
        for m in metas
    ]
    timers = {k: max(m["timers_s"][k] for m in metas) for k in first["timers_s"]}
    return {
        **shared,
        "params_id": params_id(first["parameters"]),
        "connections": connections,
        "recorded_nodes": recorded,
        "timers_s": timers,
        "real_time_factor": max(m["real_time_factor"] for m in metas),
        "peak_memory_mib": {
            "max_per_rank": max(m["peak_memory_mib"] for m in metas),
            "total": sum(m["peak_memory_mib"] for m in metas),
        },
        "ranks": per_rank,
    }


SUMMARY_COLUMNS = [
    "population",
    "n_nodes",
    "n_recorded",
    "n_spikes",
    "mean_rate_hz",
    "Ca_astro_mean_uM",
    "IP3_mean_uM",
    "I_SIC_mean_pA",
]


def _mean(table: pa.Table, column: str) -> float:
    return pc.mean(table.column(column)).as_py() if table.num_rows else math.nan


def mean_by_population(table: pa.Table, column: str, populations: dict[str, list[int]]) -> dict[str, float]:
    """Mean of ``column`` over the rows of each neuron population (E, I), by sender id.

    Parameters
    ----------
    table : pyarrow.Table
        A sampled table of neurons, with columns ``sender`` and ``column``.
    column : str
        The quantity, such as ``I_SIC`` (pA).
    populations : dict of str to list of int
        The metadata's ``populations``: name -> ``[first, last]`` node id, inclusive; ``E`` and ``I``
        are used.

    Returns
    -------
    dict of str to float
        Population -> mean in the column's unit, NaN for a population without rows; empty for a table
        without rows.
    """
    if not table.num_rows:
        return {}
    labels = population_of(table.column("sender").to_numpy(), populations)
    values = table.column(column).to_numpy()
    index = labels.indices.to_numpy()
    names = labels.dictionary.to_pylist()
    return {name: float(values[index == i].mean()) if np.any(index == i) else math.nan for i, name in enumerate(names)}


def _in_window(table: pa.Table, t_start: float, t_stop: float) -> pa.Table:
    """The rows of a recorded table whose ``time`` (ms) lies in [t_start, t_stop)."""
    if not table.num_rows:
        return table
    time = table.column("time")
    return table.filter(pc.and_(pc.greater_equal(time, t_start), pc.less(time, t_stop)))


def summary_table(spikes: pa.Table, astro: pa.Table, neurons: pa.Table, meta: dict) -> list[dict]:
    """Per-population counts, recorded nodes and mean rates (spikes/s over recorded neurons).

    Spikes are counted, and Ca_astro, IP3 and I_SIC averaged, in the window [t_presim, t_presim +
    sim_time) ms, the half-open default analysis window of the metrics (astronet.analysis.metrics,
    metrics.json, runs.csv), so that with the default analysis window both give the same rates: a
    run that records the presimulation too (``record_presim``) leaves it out here as there, and a
    spike at exactly the end is left out, as it would belong to the next window of that length
    (NEST records spikes in (start, t_presim + sim_time]).

    Parameters
    ----------
    spikes : pyarrow.Table
        The run's spike table, columns ``sender``, ``time`` (ms) and ``population``.
    astro : pyarrow.Table
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM).
    neurons : pyarrow.Table
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA).
    meta : dict
        The run's merged metadata (:func:`merged_metadata`).

    Returns
    -------
    list of dict
        One dict per row (E, I, astrocytes) with the keys of ``SUMMARY_COLUMNS``: ``population``,
        ``n_nodes``, ``n_recorded``, ``n_spikes``, ``mean_rate_hz`` (spikes/s), ``Ca_astro_mean_uM``
        and ``IP3_mean_uM`` (µM), ``I_SIC_mean_pA`` (pA); NaN where a value does not apply.
    """
    p = meta["parameters"]
    pops = meta["populations"]
    t_sim_s = p["sim_time"] / 1000.0
    t_start, t_stop = analysis_window({"t_start": None}, p)
    spikes, astro, neurons = (_in_window(table, t_start, t_stop) for table in (spikes, astro, neurons))
    population = spikes.column("population").combine_chunks() if spikes.num_rows else None
    names = population.dictionary.to_pylist() if population is not None else []
    counts = np.bincount(population.indices.to_numpy(), minlength=len(names)) if population is not None else []
    pop_counts = dict(zip(names, (int(c) for c in counts), strict=True))
    sic = mean_by_population(neurons, "I_SIC", pops)
    rows = []
    recorded_ids = recorded_neuron_ids(meta)
    for name in ("E", "I"):
        lo, hi = pops[name]
        n = hi - lo + 1
        recorded = len(recorded_ids[name])
        n_spk = pop_counts.get(name, 0)
        rate = n_spk / recorded / t_sim_s if recorded else math.nan
        rows.append(
            dict(
                zip(
                    SUMMARY_COLUMNS,
                    [name, n, recorded, n_spk, rate, math.nan, math.nan, sic.get(name, math.nan)],
                    strict=True,
                )
            )
        )
    lo, hi = pops["astrocytes"]
    astro_row = [
        "astrocytes",
        hi - lo + 1,
        meta["recorded_nodes"]["astrocytes"],
        0,
        math.nan,
        _mean(astro, "Ca_astro"),
        _mean(astro, "IP3"),
        math.nan,
    ]
    rows.append(dict(zip(SUMMARY_COLUMNS, astro_row, strict=True)))
    return rows


def _csv_value(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def write_summary_csv(rows: list[dict], path: Path) -> None:
    """CSV as pandas writes it (empty field for NaN, shortest round-trip floats), atomically.

    Parameters
    ----------
    rows : list of dict
        The rows of :func:`summary_table`.
    path : str or pathlib.Path
        The CSV file (``summary.csv``).
    """
    with replaced_atomically(path) as tmp, open(tmp, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(SUMMARY_COLUMNS)
        out.writerows([_csv_value(row[c]) for c in SUMMARY_COLUMNS] for row in rows)


def aggregate(raw: Path, out_dir: Path) -> dict:
    """Write spikes/astrocytes/neurons Parquet tables, summary.csv and metadata.json for one run.

    Parameters
    ----------
    raw : str or pathlib.Path
        The run's per-rank recordings, ``results/<experiment>/<run>/raw``.
    out_dir : str or pathlib.Path
        Where the aggregated run goes, the run's directory.

    Returns
    -------
    dict
        The run's merged metadata (:func:`merged_metadata`), without the checksums that
        ``metadata.json`` adds.

    Raises
    ------
    RecordingError
        If a rank's recordings are missing, incomplete or damaged, or hold node ids or times the run
        cannot have produced; nothing is written then.
    """
    raw, out_dir = Path(raw), Path(out_dir)
    metas = read_rank_metadata(raw)
    meta = merged_metadata(metas)
    dt = meta["parameters"]["dt"]
    # Read, check and sort everything before writing anything.
    tables = {kind: _sorted(_read_table(raw, kind, metas), dt) for kind in TABLES}
    spikes = tables["spikes"]
    tables["spikes"] = spikes.append_column(
        "population", population_of(spikes.column("sender").to_numpy(), meta["populations"])
    )
    summary = summary_table(tables["spikes"], tables["astrocytes"], tables["neurons"], meta)
    _publish_outputs(out_dir, tables, summary, meta)
    return meta


STAGING_PREFIX = ".aggregate.tmp"


def _publish_outputs(out_dir: Path, tables: dict[str, pa.Table], summary: list[dict], meta: dict) -> None:
    """Write every output into a staging directory, then move them in place, metadata.json last.

    A failure while writing leaves no output and no temporary file; metadata.json exists only once
    every other output is in place, also when an earlier complete set is being replaced.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{STAGING_PREFIX}*"):  # left behind by a killed aggregation
        shutil.rmtree(old, ignore_errors=True)
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir()
    try:
        for kind, table in tables.items():
            write_parquet(with_units(table), staging / table_file(kind))
        write_summary_csv(summary, staging / SUMMARY)
        files = {name: staging / name for name in [*(table_file(kind) for kind in tables), SUMMARY]}
        # As it reads back from JSON (NumPy values made plain), so that its content checksum holds.
        plain = json.loads(json.dumps(meta, default=json_default))
        write_json_atomic(staging / METADATA, sealed(plain, files))
        (out_dir / METADATA).unlink(missing_ok=True)
        moved = []
        try:
            for name in [*files, METADATA]:
                os.replace(staging / name, out_dir / name)
                moved.append(name)
                if name == table_file("astrocytes"):
                    pause_points.reached("moving_outputs")
        except BaseException:
            for name in moved:  # no partial set of outputs
                (out_dir / name).unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def aggregate_connections(raw: Path, out: Path) -> None:
    """Merge the per-rank connection tables (params.record_connections) into one sorted table.

    Parameters
    ----------
    raw : str or pathlib.Path
        The run's per-rank recordings, ``results/<experiment>/<run>/raw``.
    out : str or pathlib.Path
        The table to write (``connections.parquet``), sorted by source, target and synapse model.

    Raises
    ------
    RecordingError
        If no connections were recorded, or a rank's recordings are missing, incomplete or damaged.
    """
    raw = Path(raw)
    metas = read_rank_metadata(raw)
    if "connections" not in metas[0]["files"]:
        raise RecordingError(f"run {raw.parent}: no connections were recorded; set params.record_connections: true")
    table = _read_table(raw, "connections", metas)
    table = table.sort_by([("source", "ascending"), ("target", "ascending"), ("synapse_model", "ascending")])
    write_parquet_atomic(table, out)
