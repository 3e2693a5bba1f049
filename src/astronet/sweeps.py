"""Experiments: the metrics of each run, tables across runs, mean and 95 % CI across seeds, sweep figures.

An experiment is a grid of parameter points times a list of seeds (:func:`astronet.config.expand_experiment`);
each run's metrics go to ``results/<experiment>/<run>/metrics.json`` (:func:`run_metrics_record`). Across
runs:

* ``runs`` table — one row per run: the swept values, ``rng_seed``, every metric and the run's cost;
* ``summary`` table — one row per grid point: ``n_seeds`` and, for every metric ``m``, ``m_mean``,
  ``m_ci95`` (half-width of the 95 % confidence interval of the mean across seeds, Student's t with
  n - 1 degrees of freedom) and ``m_n`` (seeds where ``m`` is defined);
* sweep figures — each metric against the swept parameter (:data:`FIGURES`).

The Snakemake rules only call the functions here.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import metrics
from .advice import MIN_SEEDS_FOR_CI
from .experiments import FIGURES, analysis_window, fmt_value, param_label

# --------------------------------------------------------------------------------------------
# metrics of one run
# --------------------------------------------------------------------------------------------


def recorded_populations(meta: dict) -> dict[str, np.ndarray]:
    """Node ids of the neurons whose spikes were recorded, per population (E, I)."""
    from .plotting import recorded_neurons

    return recorded_neurons(meta)


def _finite_or_none(value):
    return float(value) if value is not None and np.isfinite(value) else None


def run_metrics_record(
    spikes: pd.DataFrame,
    astrocytes: pd.DataFrame,
    neurons: pd.DataFrame,
    meta: dict,
    settings: dict,
    experiment: str | None = None,
    run: str | None = None,
    point: dict | None = None,
) -> dict:
    """Everything ``metrics.json`` holds for one run: metrics, window, settings, sample sizes, cost.

    Undefined metrics (NaN) are written as ``null``.
    """
    t0, t1 = analysis_window(settings, meta["parameters"])
    pops = recorded_populations(meta)
    metric_settings = {k: v for k, v in settings.items() if k != "t_start"}
    values = metrics.run_metrics(spikes, astrocytes, neurons, pops, t0, t1, metric_settings)
    return {
        "experiment": experiment,
        "run": run,
        "point": dict(point or {}),
        "window_ms": [t0, t1],
        "settings": dict(settings),
        "n_recorded": {
            **{f"spikes_{name}": int(len(ids)) for name, ids in pops.items()},
            "astrocytes": int(astrocytes["sender"].nunique()) if len(astrocytes) else 0,
            "neurons_I_SIC": int(neurons["sender"].nunique()) if len(neurons) else 0,
        },
        "metrics": {k: _finite_or_none(v) for k, v in values.items()},
        "cost": {
            "simulate_s": meta["timers_s"].get("simulate"),
            "total_s": meta["timers_s"].get("total"),
            "real_time_factor": meta.get("real_time_factor"),
            "peak_memory_mib": meta.get("peak_memory_mib", {}).get("max_per_rank"),
            "n_vp": meta.get("n_vp"),
            "mpi_ranks": meta.get("n_ranks"),
        },
    }


# --------------------------------------------------------------------------------------------
# tables across runs
# --------------------------------------------------------------------------------------------

COST_COLUMNS = ["simulate_s", "total_s", "real_time_factor", "peak_memory_mib"]
#: Names of the metrics of a run with populations E and I (run_metrics evaluated on no data).
METRIC_NAMES = tuple(metrics.run_metrics(None, None, None, {"E": [1], "I": [2]}, 0.0, 1000.0))


def runs_table(records: list[dict], grid_keys: list[str] = ()) -> pd.DataFrame:
    """One row per run, in the given order: experiment, run, the swept values (grid order), rng_seed,
    the metrics (in :data:`METRIC_NAMES` order, then any others) and the cost columns."""
    rows = []
    for rec in records:
        point = rec["point"]
        row = {"experiment": rec["experiment"], "run": rec["run"]}
        row.update({k: point[k] for k in grid_keys})
        row.update({k: v for k, v in point.items() if k not in row})
        names = [m for m in METRIC_NAMES if m in rec["metrics"]] + sorted(set(rec["metrics"]) - set(METRIC_NAMES))
        row.update({k: (np.nan if rec["metrics"][k] is None else rec["metrics"][k]) for k in names})
        row.update({k: rec["cost"].get(k) for k in COST_COLUMNS})
        rows.append(row)
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col in METRIC_NAMES or col in COST_COLUMNS or (records and col in records[0]["metrics"]):
            df[col] = df[col].astype(float)
    return df


def ci95_halfwidth(values) -> tuple[float, float, int]:
    """Mean, half-width of the 95 % confidence interval of the mean (Student's t), n of finite values.

    The half-width is ``t_{0.975, n-1} * s / sqrt(n)`` with the sample s.d. ``s`` (ddof = 1); NaN for
    n < 2. NaN values (undefined metrics) are left out and not counted.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return float("nan"), float("nan"), 0
    mean = float(x.mean())
    if n < 2:
        return mean, float("nan"), 1
    from scipy import stats  # here, not at the top: this module is imported by every Snakemake start (~1 s)

    half = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, half, n


def metric_columns(df: pd.DataFrame) -> list[str]:
    """The metric columns of a runs table, in run_metrics' order."""
    return [c for c in df.columns if c in METRIC_NAMES or c in COST_COLUMNS]


def summary_table(runs: pd.DataFrame, grid_keys: list[str]) -> pd.DataFrame:
    """One row per grid point (in the order of the runs): n_seeds and mean, ci95, n of every metric."""
    values = metric_columns(runs)
    if grid_keys:
        groups = runs.groupby(grid_keys, sort=False, dropna=False)
    else:
        groups = [((), runs)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = {"experiment": sub["experiment"].iloc[0], **dict(zip(grid_keys, key)), "n_seeds": len(sub)}
        row["seeds"] = " ".join(str(s) for s in sub["rng_seed"])
        for col in values:
            mean, half, n = ci95_halfwidth(sub[col].to_numpy())
            row[f"{col}_mean"], row[f"{col}_ci95"], row[f"{col}_n"] = mean, half, n
        rows.append(row)
    return pd.DataFrame(rows)


def write_tables(records: list[dict], grid_keys: list[str], out: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the runs and summary tables as Parquet and CSV (``out``: runs_parquet, runs_csv, ...)."""
    runs = runs_table(records, grid_keys)
    summary = summary_table(runs, grid_keys)
    for df, name in ((runs, "runs"), (summary, "summary")):
        df.to_parquet(out[f"{name}_parquet"], index=False)
        df.to_csv(out[f"{name}_csv"], index=False)
    return runs, summary


# --------------------------------------------------------------------------------------------
# provenance and summary pages
# --------------------------------------------------------------------------------------------


def _flatten(prefix: str, value, out: list) -> None:
    if isinstance(value, dict):
        for k in sorted(value):
            _flatten(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    else:
        out.append((prefix, value))


def provenance_rows(meta: dict, record: dict) -> list[tuple[str, str, object]]:
    """(section, key, value) rows: run, metrics, software, execution, connections, parameters."""
    rows: list[tuple[str, str, object]] = []

    def add(section, mapping):
        flat: list = []
        _flatten("", mapping, flat)
        rows.extend((section, k, v) for k, v in flat)

    add("run", {"experiment": record["experiment"], "run": record["run"], **{f"point.{k}": v for k, v in record["point"].items()}})
    add("metrics", record["metrics"])
    add("analysis", {"window_ms": f"[{record['window_ms'][0]:g}, {record['window_ms'][1]:g})", **record["settings"], **record["n_recorded"]})
    bi = meta.get("build_info", {})
    add("provenance", meta.get("provenance") or {})
    add("software", {"nest_version": meta.get("nest_version"), **{f"nest_build.{k}": bi.get(k) for k in ("built", "have_mpi", "have_gsl", "have_threads", "threads_model", "ndebug", "host")}})
    add("execution", {"mpi_ranks": meta.get("n_ranks"), "threads_per_rank": meta.get("threads"), "n_vp": meta.get("n_vp"),
                      "timers_s": meta.get("timers_s"), "real_time_factor": meta.get("real_time_factor"), "peak_memory_mib": meta.get("peak_memory_mib")})
    add("connections", meta.get("connections", {}))
    add("populations", {k: f"node ids {lo}–{hi}" for k, (lo, hi) in meta.get("populations", {}).items()})
    add("recorded_nodes", meta.get("recorded_nodes", {}))
    add("parameters", meta.get("parameters", {}))
    add("model_parameters", meta.get("model_parameters", {}))
    return rows


def provenance_html(meta: dict, record: dict) -> str:
    """A self-contained HTML page with the provenance table of one run."""
    rows = provenance_rows(meta, record)
    body = []
    section = None
    for sec, key, value in rows:
        if sec != section:
            body.append(f'<tr><th colspan="2" class="sec">{html.escape(sec)}</th></tr>')
            section = sec
        shown = "" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))
        body.append(f"<tr><td>{html.escape(key)}</td><td>{html.escape(shown)}</td></tr>")
    title = f"Provenance of run {record['run']} of experiment {record['experiment']}"
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}th.sec{background:#eee}</style></head><body>"
        + f"<h3>{html.escape(title)}</h3><p>From metadata.json (written by every MPI rank during the simulation) "
        "and metrics.json. Metrics: rates in spikes/s, Ca and IP3 in µM, I_SIC in pA, times in ms; "
        "empty = undefined.</p><table>"
        + "\n".join(body)
        + "</table></body></html>\n"
    )


def summary_html(summary: pd.DataFrame, grid_keys: list[str], title: str) -> str:
    """The summary table as HTML: mean ± 95 % CI half-width (n) per metric and grid point."""
    cols = [c[: -len("_mean")] for c in summary.columns if c.endswith("_mean")]
    table = pd.DataFrame({k: summary[k].map(fmt_value) for k in grid_keys})
    table["n_seeds"] = summary["n_seeds"]
    for c in cols:
        mean, half, n = summary[f"{c}_mean"], summary[f"{c}_ci95"], summary[f"{c}_n"]
        table[c] = [
            "" if not np.isfinite(m) else (f"{m:.4g} ± {h:.2g}" if np.isfinite(h) else f"{m:.4g}") + (f" ({k})" if k != ns else "")
            for m, h, k, ns in zip(mean, half, n, summary["n_seeds"])
        ]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title>"
        "<style>body{font-family:sans-serif;font-size:12px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>"
        f"<h3>{html.escape(title)}</h3><p>Mean ± half-width of the 95 % confidence interval across seeds "
        "(Student's t); (k) = seeds where the metric is defined, if fewer than n_seeds. Units: rate spikes/s, "
        "ca/ip3 µM, sic pA, ca_first_crossing ms, simulate_s / total_s s, peak_memory_mib MiB.</p>"
        + table.T.to_html(header=False, escape=True)
        + "</body></html>\n"
    )


# --------------------------------------------------------------------------------------------
# sweep figures
# --------------------------------------------------------------------------------------------


_COLORS = ["tab:red", "tab:blue", "0.2", "tab:green", "tab:purple"]
_LINESTYLES = ["-", "--", ":", "-."]


def _is_numeric(values) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


def sweep_figure(
    group: str, summary: pd.DataFrame, runs: pd.DataFrame, grid: dict, experiment: str, settings: dict, path
) -> None:
    """One figure of a group of :data:`FIGURES`: each metric (mean ± 95 % CI, single runs as dots)
    against the first swept parameter; further swept parameters as line styles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = FIGURES[group]
    keys = list(grid)
    x_key = keys[0] if keys else None
    others = keys[1:]
    order = list(grid[x_key]) if x_key else [experiment]
    numeric = x_key is not None and _is_numeric(order)
    log_x = numeric and min(order) > 0 and max(order) / min(order) >= 50
    positions = {v: i for i, v in enumerate(order)}

    def xpos(values, offset=0.0):
        if numeric:
            return np.asarray(values, dtype=float)
        if x_key is None:
            return np.zeros(len(values)) + offset
        return np.array([positions[v] for v in values], dtype=float) + offset

    combos = [()] if not others else list(dict.fromkeys(map(tuple, summary[others].itertuples(index=False, name=None))))
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    n_seeds = sorted(set(summary["n_seeds"]))
    for ax, panel in zip(axes.flat, panels):
        n_series = len(panel.series) * len(combos)
        for si, (col, label) in enumerate(panel.series):
            for ci, combo in enumerate(combos):
                sel_s = np.ones(len(summary), bool)
                sel_r = np.ones(len(runs), bool)
                for k, v in zip(others, combo):
                    sel_s &= (summary[k] == v).to_numpy()
                    sel_r &= (runs[k] == v).to_numpy()
                s, r = summary[sel_s], runs[sel_r]
                k = si * len(combos) + ci
                offset = 0.0 if numeric else (k - (n_series - 1) / 2) * min(0.12, 0.6 / max(n_series, 1))
                name = label + ("" if not others else ", " + ", ".join(f"{o}={fmt_value(v)}" for o, v in zip(others, combo)))
                color, ls = _COLORS[si % len(_COLORS)], _LINESTYLES[ci % len(_LINESTYLES)]
                xs = xpos(s[x_key] if x_key else [experiment] * len(s), offset)
                if numeric:
                    idx = np.argsort(xs)
                else:
                    idx = np.arange(len(xs))
                ax.errorbar(
                    xs[idx], s[f"{col}_mean"].to_numpy()[idx], yerr=np.where(s[f"{col}_n"] >= MIN_SEEDS_FOR_CI, s[f"{col}_ci95"], np.nan)[idx],
                    color=color, ls=ls if len(xs) > 1 else "none", marker="o", ms=4, capsize=3, lw=1.3, label=name,
                )
                if col in r:
                    ax.plot(xpos(r[x_key] if x_key else [experiment] * len(r), offset), r[col], ".", color=color, alpha=0.35, ms=4)
        if not any(np.isfinite(summary[f"{col}_mean"]).any() for col, _ in panel.series if f"{col}_mean" in summary):
            ax.text(0.5, 0.5, "undefined in every run", transform=ax.transAxes, ha="center", va="center", color="0.4")
            if numeric:
                ax.set_xlim(min(order) / 1.5 if log_x else min(order), max(order) * 1.5 if log_x else max(order))
        if panel.ylim:
            ax.set_ylim(*panel.ylim)
        ax.set_title(panel.title, fontsize=10)
        ax.set_ylabel(panel.unit if panel.unit != "-" else "(dimensionless)")
        if log_x:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(order)))
            ax.set_xticklabels([fmt_value(v) for v in order], rotation=20 if max(len(fmt_value(v)) for v in order) > 8 else 0, ha="right" if max(len(fmt_value(v)) for v in order) > 8 else "center", fontsize=8)
            ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_xlabel(param_label(x_key) if x_key else "experiment")
        ax.grid(alpha=0.3)
        if n_series > 1:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    n_text = f"n = {n_seeds[0]}" if len(n_seeds) == 1 else f"n = {min(n_seeds)}–{max(n_seeds)}"
    if min(n_seeds) < MIN_SEEDS_FOR_CI:
        n_text += f"; no CI where n < {MIN_SEEDS_FOR_CI}"
    fig.suptitle(f"{experiment}: {group} — mean ± 95 % CI across seeds ({n_text} per point; dots: single runs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=settings.get("dpi", 150), bbox_inches="tight")
    plt.close(fig)


def load_records(paths) -> list[dict]:
    return [json.loads(Path(p).read_text()) for p in paths]
