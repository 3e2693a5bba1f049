"""Tables across an experiment's runs: one row per run, and mean and 95 % CI across seeds per grid point.

* ``runs`` table — one row per run: the swept values, ``rng_seed``, every metric, the run's cost and
  NEST's timers under beNNch's names (:data:`astronet.analysis.bennch.RUN_TABLE_COLUMNS`, NaN where NEST did
  not measure them);
* ``summary`` table — one row per grid point: ``n_seeds`` and, for every metric ``m``, ``m_mean``,
  ``m_ci95`` (half-width of the 95 % confidence interval of the mean across seeds, Student's t with
  n - 1 degrees of freedom) and ``m_n`` (seeds where ``m`` is defined).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from astronet.analysis import bennch, metrics
from astronet.simulation.provenance import provenance_columns

COST_COLUMNS = ["simulate_s", "total_s", "real_time_factor", "peak_memory_mib"]
#: Names of the metrics of a run with populations E and I (run_metrics evaluated on no data).
METRIC_NAMES = tuple(metrics.run_metrics(None, None, None, {"E": [1], "I": [2]}, 0.0, 1000.0))


def runs_table(records: list[dict], grid_keys: list[str] = (), metadata: list[dict] | None = None) -> pd.DataFrame:
    """One row per run, in the given order.

    Parameters
    ----------
    records : list of dict
        The runs' ``metrics.json`` records (:func:`astronet.analysis.run_records.run_metrics_record`).
    grid_keys : list of str
        The swept parameters, in grid order.
    metadata : list of dict, optional
        The same runs' ``metadata.json``, in the same order: where and with what each was made.

    Returns
    -------
    pandas.DataFrame
        Columns: experiment, run, the swept values (grid order), rng_seed, the metrics (in
        :data:`METRIC_NAMES` order, then any others; undefined ones NaN), the cost columns
        (``COST_COLUMNS``: ``simulate_s`` and ``total_s`` in s, ``real_time_factor`` [-],
        ``peak_memory_mib`` in MiB) and NEST's timers (s) and ``sim_factor``
        (:data:`astronet.analysis.bennch.RUN_TABLE_COLUMNS`); with ``metadata``, then the run's
        provenance (:func:`astronet.simulation.provenance.provenance_columns`: commit, NEST version,
        ``n_vp``, host, start and end of the simulation, ...).
    """
    rows = []
    for rec, meta in zip(records, [None] * len(records) if metadata is None else metadata, strict=True):
        point = rec["point"]
        row = {"experiment": rec["experiment"], "run": rec["run"]}
        row.update({k: point[k] for k in grid_keys})
        row.update({k: v for k, v in point.items() if k not in row})
        names = [m for m in METRIC_NAMES if m in rec["metrics"]] + sorted(set(rec["metrics"]) - set(METRIC_NAMES))
        row.update({k: (np.nan if rec["metrics"][k] is None else rec["metrics"][k]) for k in names})
        row.update({k: rec["cost"].get(k) for k in (*COST_COLUMNS, *bennch.RUN_TABLE_COLUMNS)})
        if meta is not None:
            row.update({k: v for k, v in provenance_columns(meta).items() if k not in row})
        rows.append(row)
    df = pd.DataFrame(rows)
    numeric = {*METRIC_NAMES, *COST_COLUMNS, *bennch.RUN_TABLE_COLUMNS}
    for col in df.columns:
        if col in numeric or (records and col in records[0]["metrics"]):
            df[col] = df[col].astype(float)
    return df


def ci95_halfwidth(values, confidence: float = 0.95) -> tuple[float, float, int]:
    """Mean, half-width of the confidence interval of the mean, n of finite values.

    The half-width is ``t_{(1 + confidence) / 2, n-1} * s / sqrt(n)`` (Student's t) with the sample s.d.
    ``s`` (ddof = 1). NaN values (undefined metrics) are left out and not counted.

    Parameters
    ----------
    values : array_like of float
        The values, one per seed, in any unit.
    confidence : float
        Confidence level of the interval, 0.95 for 95 %.

    Returns
    -------
    mean : float
        Mean of the finite values (NaN if there are none), in their unit.
    half_width : float
        Half-width in their unit; NaN for n < 2.
    n : int
        Number of finite values.
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

    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, half, n


def metric_columns(df: pd.DataFrame) -> list[str]:
    """The metric columns of a runs table, in run_metrics' order.

    Parameters
    ----------
    df : pandas.DataFrame
        A runs table (:func:`runs_table`).

    Returns
    -------
    list of str
        Its columns that are metrics (:data:`METRIC_NAMES`) or cost (``COST_COLUMNS``), in the
        table's order.
    """
    return [c for c in df.columns if c in METRIC_NAMES or c in COST_COLUMNS]


def summary_table(runs: pd.DataFrame, grid_keys: list[str]) -> pd.DataFrame:
    """One row per grid point (in the order of the runs): n_seeds and mean, ci95, n of every metric.

    Parameters
    ----------
    runs : pandas.DataFrame
        A runs table (:func:`runs_table`).
    grid_keys : list of str
        The swept parameters; the runs with equal values of them form one grid point.

    Returns
    -------
    pandas.DataFrame
        Columns: experiment, the swept values, ``n_seeds``, ``seeds`` (the rng_seeds, space-separated)
        and for every metric column ``m`` (:func:`metric_columns`) ``m_mean``, ``m_ci95`` (both in the
        metric's unit, :func:`ci95_halfwidth`) and ``m_n``.
    """
    values = metric_columns(runs)
    groups = runs.groupby(grid_keys, sort=False, dropna=False) if grid_keys else [((), runs)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = {"experiment": sub["experiment"].iloc[0], **dict(zip(grid_keys, key, strict=True)), "n_seeds": len(sub)}
        row["seeds"] = " ".join(str(s) for s in sub["rng_seed"])
        for col in values:
            mean, half, n = ci95_halfwidth(sub[col].to_numpy())
            row[f"{col}_mean"], row[f"{col}_ci95"], row[f"{col}_n"] = mean, half, n
        rows.append(row)
    return pd.DataFrame(rows)


def write_tables(
    records: list[dict], grid_keys: list[str], out: dict, metadata: list[dict] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the runs and summary tables as Parquet and CSV.

    Parameters
    ----------
    records : list of dict
        The runs' ``metrics.json`` records (:func:`runs_table`).
    grid_keys : list of str
        The swept parameters, in grid order.
    out : dict of str to path
        Where to write: keys ``runs_parquet``, ``runs_csv``, ``summary_parquet``, ``summary_csv``.
    metadata : list of dict, optional
        The runs' ``metadata.json``, in the order of ``records``: their provenance in the runs table.

    Returns
    -------
    runs : pandas.DataFrame
        The runs table (:func:`runs_table`).
    summary : pandas.DataFrame
        The summary table (:func:`summary_table`).
    """
    runs = runs_table(records, grid_keys, metadata)
    summary = summary_table(runs, grid_keys)
    for df, name in ((runs, "runs"), (summary, "summary")):
        df.to_parquet(out[f"{name}_parquet"], index=False)
        df.to_csv(out[f"{name}_csv"], index=False)
    return runs, summary
