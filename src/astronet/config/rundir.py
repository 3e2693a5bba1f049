"""A run's identity and the state of its directory, checked when the workflow starts.

A run's identity is its complete parameter set (config defaults filled in, whole-number floats as
integers): ``params_id`` is the first 12 hex digits of the SHA-256 of its canonical JSON, recorded
in each rank's metadata and in ``metadata.json``. The directory ``results/<experiment>/<run>/`` holds
the run of exactly one parameter set: the one in its ``parameters.json``, which the recordings'
metadata repeat. Before any job starts, every run that will be built is compared with what its
directory holds, by content (neither Snakemake's metadata in ``.snakemake/`` nor file times):

* stored parameters that differ from the configured ones stop the workflow, naming the keys: the
  directory is never reused for, nor overwritten by, another parameter set;
* a ``parameters.json`` that is missing, unreadable or empty while the recordings or tables hold the
  configured parameters, or that holds other parameters while nothing was simulated from it, is
  written again from the configuration (:class:`RunState`); nothing is simulated for it;
* a damaged directory (recordings, tables, ``metadata.json`` or ``metrics.json`` missing, truncated,
  unreadable or not matching their checksums, :mod:`astronet.data.integrity`; results made from tables
  that are gone) stops the workflow with the files and how to rebuild: from ``raw/`` without
  simulating while it is intact, else by simulating the run anew.

Nothing here writes: the checks only read. Only the standard library: Snakemake runs this at every start.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from astronet.config.schema import ConfigError
from astronet.data.integrity import file_problem, metadata_problem, metrics_problem
from astronet.data.layout import CHECKED_FILES, METADATA


class RunDirectoryError(ConfigError):
    """A run's directory holds another parameter set's results, or is damaged."""


PARQUET_MAGIC = b"PAR1"
# Outputs of a run made from its aggregated tables (rules metrics, figures, provenance).
DERIVED = ("metrics.json", "provenance.html", "figures")


def canonical_json(params: dict) -> str:
    """A parameter set as canonical JSON, the text its identity is the hash of.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    str
        Compact JSON with sorted keys.

    Raises
    ------
    ValueError
        If a value is NaN or infinite.
    """
    return json.dumps(params, sort_keys=True, separators=(",", ":"), allow_nan=False)


def params_id(params: dict) -> str:
    """Short hash of a complete parameter set: the run's identity.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    str
        The first 12 hex digits of the SHA-256 of :func:`canonical_json`.
    """
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()[:12]


def parameters_json(params: dict) -> str:
    """The content of a run's parameters.json, one key per line and sorted.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    str
        JSON indented by one space, keys sorted, without a final newline (the file adds one).
    """
    return json.dumps(params, indent=1, sort_keys=True)


def _differences(stored, configured, prefix: str = "") -> list[str]:
    if isinstance(stored, dict) and isinstance(configured, dict):
        out = []
        for key in sorted(set(stored) | set(configured), key=str):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in stored:
                out.append(f"{name}: not stored, configured {configured[key]!r}")
            elif key not in configured:
                out.append(f"{name}: stored {stored[key]!r}, not configured")
            else:
                out += _differences(stored[key], configured[key], name)
        return out
    if stored == configured and type(stored) is type(configured):
        return []
    return [f"{prefix}: stored {stored!r}, configured {configured!r}"]


def _read_json(path: Path):
    """(content, None), or (None, why) if the file cannot be read as JSON."""
    try:
        return json.loads(path.read_text()), None
    except (OSError, ValueError) as err:
        return None, f"{type(err).__name__}: {err}"


def _parquet_damage(path: Path) -> str | None:
    """Why a Parquet file is unusable (missing, empty, truncated), or None. Reads 8 bytes."""
    try:
        size = path.stat().st_size
        if size < 12:
            return f"{size} bytes, not a Parquet file"
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(-4, 2)
            tail = fh.read(4)
    except FileNotFoundError:
        return "missing"
    except OSError as err:
        return f"unreadable ({err})"
    if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
        return "truncated or not a Parquet file (no Parquet header and footer)"
    return None


def _other_parameters(run_dir: Path, stored_in: str, diffs: list[str], example: str) -> RunDirectoryError:
    shown = "; ".join(diffs[:6]) + ("; ..." if len(diffs) > 6 else "")
    return RunDirectoryError(
        f"{run_dir} holds a run of other parameters than the configured ones ({stored_in}: {shown}). A run's "
        "directory belongs to one parameter set and is never reused or overwritten for another: move it away "
        f"(mv {run_dir} {run_dir}.old) or delete it, or give the new parameters an experiment of their own "
        f"(e.g. --config {example!r} 'targets=[variant]'; see docs/configuration.md, 'Run identity')"
    )


def _example_override(configured: dict, stored: dict) -> str:
    changed = {k: v for k, v in configured.items() if stored.get(k) != v and not isinstance(v, dict)}
    inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in list(changed.items())[:3])
    return f"experiments={{variant: {{params: {{{inner}}}}}}}"


@dataclass(frozen=True)
class RunState:
    """What the start-up check found in a run's directory that the workflow mends by itself.

    ``parameters``: why ``parameters.json`` is written again from the configuration (missing,
    unreadable, or of other parameters while nothing was simulated from it), or None. ``simulated``:
    the run's recordings or tables exist (it needs no simulation)."""

    parameters: str | None = None
    simulated: bool = False


def _stored_parameters(path: Path, get) -> tuple[dict | None, str | None]:
    """(parameters, None) from a JSON file, or (None, why) if it cannot be read or holds none."""
    content, why = _read_json(path)
    stored = get(content) if why is None else None
    if why is None and not isinstance(stored, dict):
        why = "no parameters in it"
    return (stored, None) if why is None else (None, why)


def check_run_dir(run_dir, params: dict) -> RunState:
    """Compare a run's directory with its configured parameters and say what the workflow mends by itself.

    Nothing is changed: the check only reads.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run's directory, ``results/<experiment>/<run>``; it need not exist.
    params : dict
        The run's configured, complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    RunState
        Whether ``parameters.json`` is to be written again, and whether the run was simulated (an
        empty state for a directory that does not exist).

    Raises
    ------
    RunDirectoryError
        If the directory's ``parameters.json``, recordings or tables hold other parameters, or the
        directory is damaged; the message says how to rebuild.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return RunState()
    raw = run_dir / "raw"
    results_exist = raw.exists() or any((run_dir / name).exists() for name in (METADATA, *CHECKED_FILES))
    path = run_dir / "parameters.json"
    stored, why = _stored_parameters(path, lambda d: d) if path.exists() else (None, None)
    diffs = _differences(stored, params) if stored is not None else []
    if diffs and results_exist:
        raise _other_parameters(run_dir, "its parameters.json", diffs, _example_override(params, stored))
    confirmed = False  # the recordings or tables hold the configured parameters
    for label, source in (
        ("raw/metadata-rank0000.json", raw / "metadata-rank0000.json"),
        (METADATA, run_dir / METADATA),
    ):
        if not source.exists():
            continue
        held, _ = _stored_parameters(source, lambda d: d.get("parameters") if isinstance(d, dict) else None)
        if held is None:
            continue  # damaged: _check_damage says what to do
        other = _differences(held, params)
        if other:
            raise _other_parameters(run_dir, f"its {label}", other, _example_override(params, held))
        confirmed = True
    mend = None
    if diffs:
        mend = "it holds other parameters, and nothing was simulated from it"
    elif path.exists() and stored is None:
        if results_exist and not confirmed:
            raise RunDirectoryError(
                f"{path} is damaged ({why}), and neither raw/ nor metadata.json of run {run_dir} can be read to "
                f"check the run against the configuration: {_SIMULATE_ANEW.format(run_dir=run_dir)}"
            )
        mend = f"it is damaged ({why})"
    elif not path.exists() and confirmed:
        mend = "it is missing"
    _check_damage(run_dir)
    return RunState(parameters=mend, simulated=results_exist)


_SIMULATE_ANEW = (
    "delete the run directory (rm -rf {run_dir}) and run again: it is simulated anew "
    "(see docs/configuration.md, 'Damaged runs')"
)


def _rebuild_run(run_dir: Path, what: str) -> RunDirectoryError:
    return RunDirectoryError(
        f"run {run_dir} is damaged: {what}. Its recordings cannot be used; {_SIMULATE_ANEW.format(run_dir=run_dir)}"
    )


def _raw_damage(raw: Path) -> str | None:
    """Why a run's recordings under raw/ cannot be used, or None."""
    meta, why = _read_json(raw / "metadata-rank0000.json")
    if why is not None:
        return f"raw/metadata-rank0000.json {why}"
    n_ranks = meta.get("n_ranks") if isinstance(meta, dict) else None
    if not isinstance(n_ranks, int) or n_ranks < 1:
        return "raw/metadata-rank0000.json has no rank count"
    for rank in range(n_ranks):
        rank_meta = meta if rank == 0 else _read_json(raw / f"metadata-rank{rank:04d}.json")[0]
        if not isinstance(rank_meta, dict) or not isinstance(rank_meta.get("files"), dict):
            return f"raw/metadata-rank{rank:04d}.json is missing or damaged"
        if not isinstance(rank_meta.get("parameters"), dict):
            return f"raw/metadata-rank{rank:04d}.json has no parameters"
        for name in rank_meta["files"].values():
            damage = _parquet_damage(raw / name)
            if damage:
                return f"raw/{name} is {damage}"
    return None


def _table_problems(run_dir: Path, derived: list[Path]) -> list[str]:
    """What is wrong with a run's aggregated files: damaged (truncated, not matching their checksums)
    or, once something was made from them, missing."""
    metadata = run_dir / METADATA
    meta = None
    problems = []
    if metadata.exists():
        meta, why = _read_json(metadata)
        why = why or metadata_problem(meta)
        if why:
            problems.append(f"metadata.json is damaged ({why})")
            meta = None
    elif derived:
        problems.append("metadata.json is missing")
    for name in CHECKED_FILES:
        path = run_dir / name
        if not path.exists():
            if derived:
                problems.append(f"{name} is missing")
            continue
        damage = _parquet_damage(path) if name.endswith(".parquet") else None
        problem = f"is {damage}" if damage else (file_problem(path, meta) if meta is not None else None)
        if problem:
            problems.append(f"{name} {problem}")
    return problems


def _metrics_problem(run_dir: Path) -> str | None:
    path = run_dir / "metrics.json"
    if not path.exists():
        return None
    record, why = _read_json(path)
    why = why or metrics_problem(record)
    return f"metrics.json is damaged ({why})" if why else None


def _check_damage(run_dir: Path) -> None:
    raw = run_dir / "raw"
    if raw.is_dir():
        damage = _raw_damage(raw)
        if damage:
            raise _rebuild_run(run_dir, damage)
    elif raw.exists():
        raise _rebuild_run(run_dir, "raw is not a directory")
    raw_ok = raw.is_dir()  # else deleted after aggregation (to save space), or not simulated yet
    derived = [run_dir / name for name in DERIVED if (run_dir / name).exists()]
    # Present but damaged files are never used. Missing tables matter once something was made from
    # them: Snakemake then calls the run up to date; before that (an interrupted aggregation) it
    # redoes the aggregation itself.
    problems = _table_problems(run_dir, derived)
    if problems:
        made = [run_dir / n for n in (METADATA, *CHECKED_FILES) if (run_dir / n).exists()]
        remake = " ".join(dict.fromkeys(str(p) for p in [*made, *derived]))
        if not raw_ok:
            raise _rebuild_run(run_dir, ", ".join(problems) + ", and raw/ is gone")
        raise RunDirectoryError(
            f"run {run_dir} is incomplete or damaged: {', '.join(problems)}"
            + (f", while {', '.join(p.name for p in derived)} made from them remain" if derived else "")
            + f". Its recordings in raw/ are intact: remove what was made from them (rm -rf {remake}) and run again "
            "to remake the tables, metrics and figures from raw/ without simulating "
            "(see docs/configuration.md, 'Damaged runs')"
        )
    problem = _metrics_problem(run_dir)
    if problem:
        remove = " ".join(str(run_dir / n) for n in ("metrics.json", "provenance.html") if (run_dir / n).exists())
        raise RunDirectoryError(
            f"run {run_dir} is damaged: {problem}. Its tables are intact: remove it and what was made from it "
            f"(rm -f {remove}) and run again to compute the metrics again, without simulating (see "
            "docs/configuration.md, 'Damaged runs')"
        )
