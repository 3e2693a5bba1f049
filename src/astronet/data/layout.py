"""The on-disk format of a run, in one place for the recording, the aggregation, the start-up checks
and the results API. Pure Python (no PyArrow), so that the workflow's start-up may read it.

A run directory ``results/<experiment>/<run>/`` holds:

* ``raw/``, one set of files per MPI rank, written while the run simulates:
  :func:`rank_file` (``spikes-rank0000.parquet``, ...) for each of :data:`TABLES`, and
  :func:`metadata_file` (``metadata-rank0000.json``); with ``record_connections`` also
  ``connections-rank0000.parquet`` (columns :data:`CONNECTIONS`);
* the aggregated run, written by the aggregation: :func:`table_file` for each table,
  :data:`SUMMARY` and, last, :data:`METADATA` (which records the others' checksums);
  :data:`CONNECTIONS_FILE` with ``record_connections``.

Column types are Arrow type names (``pyarrow.type_for_alias``).
"""

from __future__ import annotations

#: Recorded quantity -> its columns and their Arrow types; the names are NEST's.
TABLES = {
    "spikes": {"sender": "int64", "time": "float64"},
    "astrocytes": {"sender": "int64", "time": "float64", "IP3": "float64", "Ca_astro": "float64"},
    "neurons": {"sender": "int64", "time": "float64", "I_SIC": "float64"},
}
#: The network's connections (only with ``params.record_connections``), for checks across runs.
CONNECTIONS = {"source": "int64", "target": "int64", "synapse_model": "string"}
#: The aggregated run's metadata: parameters, populations, provenance, checksums of the other files.
METADATA = "metadata.json"
#: The aggregated run's one-row summary.
SUMMARY = "summary.csv"
#: The aggregated connections (``params.record_connections``).
CONNECTIONS_FILE = "connections.parquet"


def arrow_schema(columns: dict):
    """The ``pyarrow.Schema`` of a table's columns; PyArrow is imported here, on use.

    Parameters
    ----------
    columns : dict of str to str
        Column name -> Arrow type name: :data:`TABLES` ``[kind]`` or :data:`CONNECTIONS`.

    Returns
    -------
    pyarrow.Schema
        The columns in the given order.
    """
    import pyarrow as pa

    return pa.schema([(name, pa.type_for_alias(type_name)) for name, type_name in columns.items()])


def rank_file(kind: str, rank: int) -> str:
    """The file of one MPI rank's table ``kind`` in ``raw/``.

    Parameters
    ----------
    kind : str
        A table of :data:`TABLES`, or ``connections``.
    rank : int
        The MPI rank.

    Returns
    -------
    str
        The file name, e.g. ``spikes-rank0000.parquet``.
    """
    return f"{kind}-rank{rank:04d}.parquet"


def metadata_file(rank: int) -> str:
    """The file of one MPI rank's metadata in ``raw/``.

    Parameters
    ----------
    rank : int
        The MPI rank.

    Returns
    -------
    str
        The file name, e.g. ``metadata-rank0000.json``.
    """
    return f"metadata-rank{rank:04d}.json"


def table_file(kind: str) -> str:
    """The aggregated table ``kind`` in the run directory.

    Parameters
    ----------
    kind : str
        A table of :data:`TABLES`.

    Returns
    -------
    str
        The file name, e.g. ``spikes.parquet``.
    """
    return f"{kind}.parquet"


#: The aggregated files whose SHA-256 :data:`METADATA` records, in the order they are written.
CHECKED_FILES = (*(table_file(kind) for kind in TABLES), SUMMARY)
