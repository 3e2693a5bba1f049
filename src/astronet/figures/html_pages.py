"""Self-contained HTML pages for the report: a run's provenance, an experiment's summary table."""

from __future__ import annotations

import html
import string

import numpy as np
import pandas as pd

from astronet.config.labels import format_value


def _flatten(prefix: str, value, out: list) -> None:
    if isinstance(value, dict):
        for k in sorted(value):
            _flatten(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    else:
        out.append((prefix, value))


def provenance_rows(meta: dict, record: dict) -> list[tuple[str, str, object]]:
    """The rows of a run's provenance table, section by section.

    The sections: run, warnings, metrics, analysis, provenance, software, execution, connections,
    populations, recorded_nodes, parameters, model_parameters. Nested entries get dotted keys.

    Parameters
    ----------
    meta : dict
        The run's metadata.json (astronet.data.aggregate.merged_metadata): build, timers (s), peak
        memory (MiB), connections, populations, parameters.
    record : dict
        The run's metrics.json (astronet.analysis.run_records.run_metrics_record): experiment, run,
        point, warnings, metrics, ``window_ms`` (ms), settings, ``n_recorded``.

    Returns
    -------
    list of tuple
        ``(section, key, value)`` rows, values as stored (units as in the files).
    """
    rows: list[tuple[str, str, object]] = []

    def add(section, mapping):
        flat: list = []
        _flatten("", mapping, flat)
        rows.extend((section, k, v) for k, v in flat)

    add(
        "run",
        {
            "experiment": record["experiment"],
            "run": record["run"],
            **{f"point.{k}": v for k, v in record["point"].items()},
        },
    )
    add("warnings", {str(i + 1): message for i, message in enumerate(record.get("warnings", []))})
    add("metrics", record["metrics"])
    add(
        "analysis",
        {
            "window_ms": f"[{record['window_ms'][0]:g}, {record['window_ms'][1]:g})",
            **record["settings"],
            **record["n_recorded"],
        },
    )
    bi = meta.get("build_info", {})
    add("provenance", meta.get("provenance") or {})
    add(
        "software",
        {
            "nest_version": meta.get("nest_version"),
            **{
                f"nest_build.{k}": bi.get(k)
                for k in ("built", "have_mpi", "have_gsl", "have_threads", "threads_model", "ndebug", "host")
            },
        },
    )
    add(
        "execution",
        {
            "mpi_ranks": meta.get("n_ranks"),
            "threads_per_rank": meta.get("threads"),
            "n_vp": meta.get("n_vp"),
            "timers_s": meta.get("timers_s"),
            "real_time_factor": meta.get("real_time_factor"),
            "peak_memory_mib": meta.get("peak_memory_mib"),
        },
    )
    add("connections", meta.get("connections", {}))
    add("populations", {k: f"node ids {lo}–{hi}" for k, (lo, hi) in meta.get("populations", {}).items()})
    add("recorded_nodes", meta.get("recorded_nodes", {}))
    add("parameters", meta.get("parameters", {}))
    add("model_parameters", meta.get("model_parameters", {}))
    return rows


PAGE = string.Template(
    """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>$title</title>
<style>body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}th.sec{background:#eee}</style></head>
<body><h3>$title</h3><p>$intro</p>
$table
</body></html>
"""
)


def page(title: str, intro: str, table_html: str) -> str:
    """A self-contained HTML page: a title, a paragraph and a table (already HTML).

    Parameters
    ----------
    title : str
        The page's title and heading, as text (escaped here).
    intro : str
        The paragraph below the heading, as text (escaped here).
    table_html : str
        The table, as HTML (inserted as it is).

    Returns
    -------
    str
        The HTML document.
    """
    return PAGE.substitute(title=html.escape(title), intro=html.escape(intro), table=table_html)


def _shown(value) -> str:
    return "" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))


def provenance_html(meta: dict, record: dict) -> str:
    """A page with the provenance table of one run, one section per kind of entry.

    Parameters
    ----------
    meta : dict
        The run's metadata.json (see :func:`provenance_rows`).
    record : dict
        The run's metrics.json (see :func:`provenance_rows`).

    Returns
    -------
    str
        The HTML page; floats to 6 significant digits, rates in spikes/s, Ca and IP3 in µM, I_SIC in
        pA, times in ms as the page says.
    """
    body = []
    section = None
    for sec, key, value in provenance_rows(meta, record):
        if sec != section:
            body.append(f'<tr><th colspan="2" class="sec">{html.escape(sec)}</th></tr>')
            section = sec
        body.append(f"<tr><td>{html.escape(key)}</td><td>{html.escape(_shown(value))}</td></tr>")
    return page(
        f"Provenance of run {record['run']} of experiment {record['experiment']}",
        "From metadata.json (written by every MPI rank during the simulation) and metrics.json. Metrics: rates in "
        "spikes/s, Ca and IP3 in µM, I_SIC in pA, times in ms; empty = undefined.",
        "<table>\n" + "\n".join(body) + "\n</table>",
    )


def _mean_ci(mean: float, half: float, n: int, n_seeds: int) -> str:
    if not np.isfinite(mean):
        return ""
    text = f"{mean:.4g} ± {half:.2g}" if np.isfinite(half) else f"{mean:.4g}"
    return text + (f" ({n})" if n != n_seeds else "")


def summary_html(summary: pd.DataFrame, grid_keys: list[str], title: str) -> str:
    """A page with the summary table: mean ± 95 % CI half-width (n) per metric and grid point.

    Parameters
    ----------
    summary : pandas.DataFrame
        The experiment's summary table (astronet.analysis.sweep_tables): the grid keys, ``n_seeds``,
        and ``<metric>_mean``, ``<metric>_ci95`` (half-width) and ``<metric>_n`` for each metric.
    grid_keys : list of str
        The experiment's swept parameters.
    title : str
        The page's title.

    Returns
    -------
    str
        The HTML page, a column per grid point; the number of seeds is shown after a metric only
        where it is defined in fewer than ``n_seeds`` runs. Units as the page says: rates spikes/s,
        Ca and IP3 µM, SIC pA, ``ca_first_crossing`` ms, wall times s, memory MiB.
    """
    cols = [c[: -len("_mean")] for c in summary.columns if c.endswith("_mean")]
    table = pd.DataFrame({k: summary[k].map(format_value) for k in grid_keys})
    table["n_seeds"] = summary["n_seeds"]
    for c in cols:
        table[c] = list(
            map(_mean_ci, summary[f"{c}_mean"], summary[f"{c}_ci95"], summary[f"{c}_n"], summary["n_seeds"])
        )
    return page(
        title,
        "Mean ± half-width of the 95 % confidence interval across seeds (Student's t); (k) = seeds where the metric "
        "is defined, if fewer than n_seeds. Units: rate spikes/s, ca/ip3 µM, sic pA, ca_first_crossing ms, "
        "simulate_s / total_s s, peak_memory_mib MiB.",
        table.T.to_html(header=False, escape=True),
    )
