"""Recorders and per-rank output.

Every MPI rank keeps its own recordings in NEST's memory backend, flushes them to its own Parquet
files after each chunk of model time, and finally writes its own metadata file; nothing is
gathered into one process. A run's files are written into ``<raw>.partial/`` and the directory is
renamed to ``<raw>/`` only once every rank has finished, so an interrupted run never leaves a
directory that looks complete.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from astronet.config.nest_limits import spike_recorder_synapse
from astronet.config.run_quantities import delivery_steps, n_spike_recorded, nodes_per_vp, recording_window
from astronet.data.layout import CONNECTIONS, TABLES, arrow_schema, metadata_file, rank_file
from astronet.runtime import pause_points
from astronet.runtime.atomic_files import write_json_atomic


class Recorders:
    """Spike recorder and multimeters connected as in NEST's example."""

    def __init__(self, nest, p: dict, neurons, astrocytes):
        self.nest = nest
        interval = p["rec_interval"]
        # NEST's devices record (start, stop]: from the end of the presimulation unless record_presim.
        start = recording_window(p)[0]
        window = {"start": start} if start else {}
        spike_rec = nest.Create("spike_recorder", params=window)
        mm_neurons = nest.Create("multimeter", params={"record_from": ["I_SIC"], "interval": interval, **window})
        mm_astro = nest.Create(
            "multimeter", params={"record_from": ["IP3", "Ca_astro"], "interval": interval, **window}
        )
        # Sampling order and calls to Python's random module are the example's.
        n_spk = n_spike_recorded(p)
        n_mm = p["N_rec_mm"]
        if n_mm == "all":
            neurons_mm, astro_mm = neurons, astrocytes
        else:
            neurons_mm = sorted(random.sample(neurons.tolist(), n_mm))
            astro_mm = sorted(random.sample(astrocytes.tolist(), n_mm))
        if n_spk:
            synapse = spike_recorder_synapse(nodes_per_vp(p))
            nest.Connect(neurons[:n_spk], spike_rec, syn_spec={"synapse_model": synapse})
        if len(neurons_mm):
            nest.Connect(mm_neurons, neurons_mm)
        if len(astro_mm):
            nest.Connect(mm_astro, astro_mm)
        self.devices = {"spikes": spike_rec, "neurons": mm_neurons, "astrocytes": mm_astro}
        self.recorded = {"spikes": n_spk, "neurons": len(neurons_mm), "astrocytes": len(astro_mm)}
        # Steps to simulate past the window for the multimeters' last samples (run_quantities.delivery_steps);
        # the devices then stop at the window's end, so spikes and samples stay within it.
        self.extra_steps = delivery_steps(p, nest.min_delay)
        if self.extra_steps:
            t_end = recording_window(p)[1]
            spike_rec.stop = t_end
            for device in (mm_neurons, mm_astro):
                device.stop = t_end - p["dt"]

    def flush(self, writer: RankWriter) -> None:
        """Hand this rank's events since the last flush to the writer and free NEST's buffers.

        Parameters
        ----------
        writer : RankWriter
            This rank's writer; each recorder with events gives it one batch of rows (times in ms,
            ``I_SIC`` in pA, ``IP3`` and ``Ca_astro`` in µM).
        """
        for kind, device in self.devices.items():
            events = device.get("events")
            if len(events["times"]):
                columns = {"sender": events["senders"], "time": events["times"]}
                columns.update({name: events[name] for name in TABLES[kind] if name not in columns})
                writer.write(kind, columns)
            _reset_events(device)


def _reset_events(device) -> None:
    """Empty a recorder's memory (NEST keeps every event until ``n_events`` is set to 0)."""
    device.n_events = 0


class RankWriter:
    """Writes one rank's recordings and metadata into the run's staging directory."""

    def __init__(self, staging: Path, rank: int):
        self.staging = Path(staging)
        self.rank = rank
        self.rows = {kind: 0 for kind in TABLES}
        schemas = {kind: arrow_schema(cols) for kind, cols in TABLES.items()}
        # Every table is opened up front so that a rank with no events still writes a valid file.
        self.writers = {
            kind: pq.ParquetWriter(
                self.staging / rank_file(kind, rank),
                schemas[kind],
                compression="zstd",
                write_page_checksum=True,
                # No dictionary encoding: its hash tables over sample values took ~180 bytes per row
                # while a chunk was written (peak memory of the simulation), for no smaller files.
                use_dictionary=False,
            )
            for kind in TABLES
        }
        self.schemas = schemas
        self.extra_files: dict[str, str] = {}

    def write(self, kind: str, columns: dict) -> None:
        """Append rows to this rank's table ``kind``.

        Parameters
        ----------
        kind : str
            A table of :data:`astronet.data.layout.TABLES`: ``spikes``, ``astrocytes`` or ``neurons``.
        columns : dict of str to array_like
            Column name -> values, every column of the table (``sender``, ``time`` in ms, ``IP3`` and
            ``Ca_astro`` in µM, ``I_SIC`` in pA), all of one length; other keys are ignored.
        """
        schema = self.schemas[kind]
        arrays = [pa.array(np.asarray(columns[field.name]), type=field.type) for field in schema]
        self.writers[kind].write_table(pa.Table.from_arrays(arrays, schema=self.schemas[kind]))
        self.rows[kind] += len(arrays[0])

    def write_connections(self, nest, batches) -> None:
        """Write every connection whose target lives on this rank (NEST stores them there).

        They are fetched from NEST batch by batch, each written as it comes, so that memory does not
        grow with the whole connectivity; the file is ``connections-rankNNNN.parquet``, columns
        :data:`astronet.data.layout.CONNECTIONS`.

        Parameters
        ----------
        nest : module
            The ``nest`` module.
        batches : iterable of tuple
            ``(sources, targets)`` node collections, ``targets`` None for any target
            (:meth:`astronet.simulation.network.Network.connection_batches`).
        """
        name = rank_file("connections", self.rank)
        schema = arrow_schema(CONNECTIONS)
        rows = 0
        with pq.ParquetWriter(self.staging / name, schema, compression="zstd", write_page_checksum=True) as out:
            for sources, targets in batches:
                conns = nest.GetConnections(source=sources, target=targets)
                if not len(conns):
                    continue
                data = conns.get(["source", "target", "synapse_model"])
                columns = [pa.array(np.atleast_1d(data[field.name]), type=field.type) for field in schema]
                del conns, data
                out.write_table(pa.Table.from_arrays(columns, schema=schema))
                rows += len(columns[0])
        self.rows["connections"] = rows
        self.extra_files["connections"] = name

    def close(self, metadata: dict) -> None:
        """Close this rank's tables and write its metadata file (atomically).

        Parameters
        ----------
        metadata : dict
            The rank's metadata (astronet.simulation.simulate.run); the row count (``rows``) and file
            name (``files``) of each table written are added to it.
        """
        for w in self.writers.values():
            w.close()
        files = {**{k: rank_file(k, self.rank) for k in TABLES}, **self.extra_files}
        metadata = {**metadata, "rows": self.rows, "files": files}
        write_json_atomic(self.staging / metadata_file(self.rank), metadata)


def staging_dir(final: Path) -> Path:
    """The staging directory a run's recordings are written into before they are published.

    Parameters
    ----------
    final : pathlib.Path
        The run's directory of per-rank recordings, ``raw/``.

    Returns
    -------
    pathlib.Path
        Its sibling ``raw.partial/``.
    """
    final = Path(final)
    return final.with_name(final.name + ".partial")


class StagingBusy(RuntimeError):
    """Another simulation of the same run is still running."""


_STAGING_LOCKS: list[int] = []  # open descriptors: the locks last as long as this process


def _lock(directory: Path) -> int | None:
    """A descriptor holding an exclusive lock on ``directory``, or None if another process has it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def prepare_staging(final: Path) -> Path:
    """Remove leftovers of an interrupted run and create an empty staging directory (rank 0).

    The new directory is locked (``flock``) for as long as this process lives.

    Parameters
    ----------
    final : pathlib.Path
        The run's directory of per-rank recordings, ``raw/``.

    Returns
    -------
    pathlib.Path
        The staging directory, :func:`staging_dir` of ``final``.

    Raises
    ------
    StagingBusy
        If a live simulation holds the lock on the old staging directory, or takes the new one first.
    """
    staging = staging_dir(final)
    if staging.exists():
        fd = _lock(staging)
        if fd is None:
            raise StagingBusy(
                f"{staging} belongs to another simulation of this run that is still running; stop it (or wait for "
                "it) before starting this run again"
            )
        shutil.rmtree(staging)
        os.close(fd)
    staging.mkdir(parents=True)
    fd = _lock(staging)
    if fd is None:
        raise StagingBusy(f"{staging} was taken by another simulation of this run while this one started")
    _STAGING_LOCKS.append(fd)
    return staging


def discard_staging(final: Path) -> None:
    """Remove the staging directory of a simulation that failed: a failed run leaves nothing behind.

    Only the process that holds the staging directory's lock (rank 0, :func:`prepare_staging`)
    removes it. An interrupted run keeps it for the next run to clear.

    Parameters
    ----------
    final : pathlib.Path
        The run's directory of per-rank recordings, ``raw/``.
    """
    if _STAGING_LOCKS:
        shutil.rmtree(staging_dir(final), ignore_errors=True)


def publish(final: Path) -> None:
    """Make the complete run visible in one rename (rank 0, after every rank has closed).

    Parameters
    ----------
    final : pathlib.Path
        The run's directory of per-rank recordings, ``raw/``, which its staging directory becomes.
    """
    pause_points.reached("before_publish")
    os.replace(staging_dir(final), final)
    pause_points.reached("after_publish")
