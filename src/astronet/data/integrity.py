"""Checksums of a run's aggregated files, written by the aggregation and verified wherever they are read.

The aggregation records in ``metadata.json`` the SHA-256 of each file it writes (``checksums``:
``spikes.parquet``, ``astrocytes.parquet``, ``neurons.parquet``, ``summary.csv``) and of the
metadata's own content (``content_sha256``, over its canonical JSON without that key); its Parquet
files also carry page checksums. A flipped bit anywhere in these files is therefore found: by the
workflow's start-up check (:mod:`astronet.config.rundir`), by every step that reads the tables (metrics,
figures, comparisons, exports) and by the results API (:mod:`astronet.data.results`), each naming the file
and how to rebuild it. Files written before checksums were recorded are read without the SHA-256
check.

Only the standard library at import: the workflow runs the start-up check at every start.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# Keys every run's metadata.json holds (astronet.data.aggregate.merged_metadata) that its readers use.
METADATA_KEYS = ("parameters", "params_id", "populations", "recorded_nodes", "nest_version", "timers_s", "n_vp")
# Keys of a run's metrics.json (astronet.analysis.run_records.run_metrics_record) that its readers use.
METRICS_KEYS = ("experiment", "run", "point", "window_ms", "settings", "metrics", "cost")
# How a damaged aggregated file is rebuilt (docs/configuration.md, "Damaged runs").
REBUILD = (
    "run the workflow again: its start-up check names what to remove, and the tables, metrics and figures "
    "are then remade from raw/ without simulating (or the run is simulated anew if raw/ is gone); see "
    "docs/configuration.md, 'Damaged runs'"
)


class DamagedFileError(RuntimeError):
    """A run's file does not match its checksum, or cannot be read."""


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB blocks.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    str
        The digest, 64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(data: dict) -> str:
    """SHA-256 (hex) of a JSON object's canonical form (sorted keys, no spaces), ``content_sha256`` left out.

    Parameters
    ----------
    data : dict
        The object, as it reads back from JSON.

    Returns
    -------
    str
        The digest, 64 hex digits.
    """
    body = {k: v for k, v in data.items() if k != "content_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def sealed(meta: dict, files: dict[str, Path]) -> dict:
    """``meta`` with the SHA-256 of each of ``files`` and of its own content.

    Parameters
    ----------
    meta : dict
        A run's metadata. It must be as it reads back from JSON (no NumPy values), so that the content
        checksum holds for the file written from it. Not changed.
    files : dict of str to pathlib.Path
        File name (as ``checksums`` lists it) -> path of the file.

    Returns
    -------
    dict
        ``meta`` with ``checksums`` (name -> SHA-256) and ``content_sha256``.
    """
    out = {**meta, "checksums": {name: file_sha256(path) for name, path in files.items()}}
    out["content_sha256"] = content_sha256(out)
    return out


def metadata_problem(meta) -> str | None:
    """Why a run's metadata.json content is unusable (not an object, keys missing, checksum), or None.

    Parameters
    ----------
    meta : object
        The file's content, as decoded from JSON.

    Returns
    -------
    str or None
        The problem, in words; None if there is none.
    """
    if not isinstance(meta, dict):
        return "not a JSON object"
    missing = [key for key in METADATA_KEYS if key not in meta]
    if missing:
        return f"without {', '.join(missing)}"
    if not isinstance(meta["parameters"], dict):
        return "no parameters in it"
    recorded = meta.get("content_sha256")
    if recorded is None and "checksums" in meta:
        return "the SHA-256 of its content, recorded with the file checksums, is missing"
    if recorded is not None and recorded != content_sha256(meta):
        return "its content does not match the SHA-256 recorded in it (changed or damaged on disk)"
    return None


def file_problem(path: Path, meta: dict) -> str | None:
    """Why a file of the aggregation does not match the SHA-256 that ``meta`` records for it, or None.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; ``meta`` is looked up by its name.
    meta : dict
        The run's metadata, with ``checksums``.

    Returns
    -------
    str or None
        The problem as a predicate (``"does not match ..."``, ``"is unreadable ..."``), or None (also
        when ``meta`` records none: files aggregated before checksums were recorded).
    """
    expected = (meta.get("checksums") or {}).get(Path(path).name)
    if expected is None:
        return None
    try:
        actual = file_sha256(path)
    except OSError as err:
        return f"is unreadable ({err})"
    if actual != expected:
        return "does not match the SHA-256 recorded in metadata.json (changed or damaged on disk)"
    return None


def _load_checked(path, problem_of) -> dict:
    """A JSON file whose content ``problem_of`` finds no fault with; DamagedFileError naming the file otherwise."""
    try:
        content = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise DamagedFileError(f"{path} is damaged ({type(err).__name__}: {err}); {REBUILD}") from None
    problem = problem_of(content)
    if problem:
        raise DamagedFileError(f"{path} is damaged ({problem}); {REBUILD}")
    return content


def load_metadata(path) -> dict:
    """A run's metadata.json, checked (keys, content checksum).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    dict
        Its content.

    Raises
    ------
    DamagedFileError
        Naming the file, if it cannot be decoded or its content is unusable (:func:`metadata_problem`).
    FileNotFoundError
        If there is no such file.
    """
    return _load_checked(path, metadata_problem)


def metrics_problem(record) -> str | None:
    """Why a run's metrics.json content is unusable, or None.

    Parameters
    ----------
    record : object
        The file's content, as decoded from JSON.

    Returns
    -------
    str or None
        The problem (not an object, keys missing), in words; None if there is none.
    """
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [key for key in METRICS_KEYS if key not in record]
    return f"without {', '.join(missing)}" if missing else None


def load_metrics(path) -> dict:
    """A run's metrics.json, checked.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    dict
        Its content (:func:`astronet.analysis.run_records.run_metrics_record`).

    Raises
    ------
    DamagedFileError
        Naming the file, if it cannot be decoded or its content is unusable (:func:`metrics_problem`).
    FileNotFoundError
        If there is no such file.
    """
    return _load_checked(path, metrics_problem)


def read_table(path, meta: dict | None = None, columns=None):
    """A Parquet table of a run, its bytes and its pages checked.

    The bytes are checked against the SHA-256 in ``meta`` (the run's metadata), the pages against
    their checksums.

    Parameters
    ----------
    path : str or pathlib.Path
        The Parquet file.
    meta : dict, optional
        The run's metadata; without it only the page checksums are checked.
    columns : list of str, optional
        The columns to read; all by default.

    Returns
    -------
    pyarrow.Table
        The table.

    Raises
    ------
    DamagedFileError
        Naming the file, if either check fails or the file cannot be decoded.
    FileNotFoundError
        If there is no such file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    problem = file_problem(path, meta) if meta is not None else None
    if problem:
        raise DamagedFileError(f"{path} {problem}; {REBUILD}")
    try:
        with pq.ParquetFile(path, page_checksum_verification=True) as parquet:
            return parquet.read(columns=columns)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError, ValueError, EOFError) as err:
        raise DamagedFileError(f"{path} is damaged ({type(err).__name__}: {err}); {REBUILD}") from None
