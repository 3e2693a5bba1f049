"""A run's identity and the state of its directory, checked when the workflow starts.

A run's identity is its complete parameter set (config defaults filled in, whole-number floats as
integers): ``params_id`` is the first 12 hex digits of the SHA-256 of its canonical JSON, recorded
in each rank's metadata and in ``metadata.json``. The directory ``results/<experiment>/<run>/`` holds
the run of exactly one parameter set: the one in its ``parameters.json``, which the recordings'
metadata repeat. Before any job starts, every run that will be built is compared with what its
directory holds, by content (neither Snakemake's metadata in ``.snakemake/`` nor file times):

* stored parameters that differ from the configured ones stop the workflow, naming the keys: the
  directory is never reused for, nor overwritten by, another parameter set;
* a damaged directory (recordings or tables missing, truncated, unreadable; results made from
  tables that are gone) stops the workflow with the files and how to rebuild.

Only the standard library: Snakemake runs this at every start.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .schema import ConfigError


class RunDirectoryError(ConfigError):
    """A run's directory holds another parameter set's results, or is damaged."""


PARQUET_MAGIC = b"PAR1"
TABLES = ("spikes", "astrocytes", "neurons")
# Outputs of a run made from its aggregated tables (rules metrics, figures, provenance).
DERIVED = ("metrics.json", "provenance.html", "figures")


def canonical_json(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), allow_nan=False)


def params_id(params: dict) -> str:
    """Short hash of a complete parameter set: the run's identity."""
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()[:12]


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
        f"(e.g. --config {example!r} 'targets=[variant]'; see README, 'Run identity')"
    )


def _example_override(configured: dict, stored: dict) -> str:
    changed = {k: v for k, v in configured.items() if stored.get(k) != v and not isinstance(v, dict)}
    inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in list(changed.items())[:3])
    return f"experiments={{variant: {{params: {{{inner}}}}}}}"


def check_run_dir(run_dir, params: dict) -> list[Path]:
    """Compare a run's directory with its configured parameters (ConfigError if they differ or the
    directory is damaged). Returns stale files to remove: a parameters.json of other parameters
    where nothing was made from it yet."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    raw = run_dir / "raw"
    sources = [
        ("parameters.json", run_dir / "parameters.json", lambda d: d),
        (
            "raw/metadata-rank0000.json",
            raw / "metadata-rank0000.json",
            lambda d: d.get("parameters") if isinstance(d, dict) else None,
        ),
        ("metadata.json", run_dir / "metadata.json", lambda d: d.get("parameters") if isinstance(d, dict) else None),
    ]
    results_exist = raw.exists() or any(
        (run_dir / name).exists() for name in ("metadata.json", *(f"{t}.parquet" for t in TABLES))
    )
    stale = []
    for label, path, get in sources:
        if not path.exists():
            continue
        content, why = _read_json(path)
        stored = get(content) if why is None else None
        if stored is None:
            why = why or "no parameters in it"
            raise RunDirectoryError(
                f"{path} is damaged ({why}): the parameters of run {run_dir} cannot be checked against the "
                f"configuration. Move the run directory away (mv {run_dir} {run_dir}.old) or delete it, then run again"
            )
        diffs = _differences(stored, params)
        if not diffs:
            continue
        if label == "parameters.json" and not results_exist:
            stale.append(path)  # nothing was simulated from it: rewritten from the configuration
            continue
        raise _other_parameters(run_dir, f"its {label}", diffs, _example_override(params, stored))
    _check_damage(run_dir)
    return stale


def _rebuild_run(run_dir: Path, what: str) -> RunDirectoryError:
    return RunDirectoryError(
        f"run {run_dir} is damaged: {what}. Its recordings cannot be used; delete the run directory "
        f"(rm -rf {run_dir}) and run again: it is simulated anew (see README, 'Damaged runs')"
    )


def _check_damage(run_dir: Path) -> None:
    raw = run_dir / "raw"
    raw_ok = True
    if raw.is_dir():
        meta, why = _read_json(raw / "metadata-rank0000.json")
        if why is not None:
            raise _rebuild_run(run_dir, f"raw/metadata-rank0000.json {why}")
        n_ranks = meta.get("n_ranks") if isinstance(meta, dict) else None
        if not isinstance(n_ranks, int) or n_ranks < 1:
            raise _rebuild_run(run_dir, "raw/metadata-rank0000.json has no rank count")
        for rank in range(n_ranks):
            rank_meta = meta if rank == 0 else _read_json(raw / f"metadata-rank{rank:04d}.json")[0]
            if not isinstance(rank_meta, dict) or not isinstance(rank_meta.get("files"), dict):
                raise _rebuild_run(run_dir, f"raw/metadata-rank{rank:04d}.json is missing or damaged")
            for name in rank_meta["files"].values():
                damage = _parquet_damage(raw / name)
                if damage:
                    raise _rebuild_run(run_dir, f"raw/{name} is {damage}")
    elif raw.exists():
        raise _rebuild_run(run_dir, "raw is not a directory")
    else:
        raw_ok = False  # deleted after aggregation (to save space), or not simulated yet
    tables = [run_dir / f"{t}.parquet" for t in TABLES]
    made = [run_dir / name for name in ("metadata.json", "summary.csv") if (run_dir / name).exists()]
    made += [t for t in tables if t.exists()]
    derived = [run_dir / name for name in DERIVED if (run_dir / name).exists()]
    if not made and not derived:
        return
    # Present but damaged tables are never used. Missing ones matter once something was made from
    # them: Snakemake then calls the run up to date; before that (an interrupted aggregation) it
    # redoes the aggregation itself.
    problems = [f"{t.name} is {d}" for t in tables if t.exists() and (d := _parquet_damage(t))]
    if derived:
        problems += [f"{t.name} is missing" for t in tables if not t.exists()]
        problems += [f"{name} is missing" for name in ("summary.csv", "metadata.json") if not (run_dir / name).exists()]
    if not problems:
        return
    remake = " ".join(str(p) for p in [*made, *derived])
    if not raw_ok:
        raise _rebuild_run(run_dir, ", ".join(problems) + ", and raw/ is gone")
    raise RunDirectoryError(
        f"run {run_dir} is incomplete: {', '.join(problems)}"
        + (f", while {', '.join(p.name for p in derived)} made from them remain" if derived else "")
        + f". Its recordings in raw/ are intact: remove what was made from them (rm -rf {remake}) and run again "
        "to remake the tables, metrics and figures (see README, 'Damaged runs')"
    )
