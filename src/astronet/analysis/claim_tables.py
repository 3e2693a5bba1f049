"""A claim's tables: every run with its provenance, and the paired differences with their verdicts.

* ``runs`` table — one row per run: its pair (regime, scheme), arm (``network`` or ``control``),
  rng_seed, analysis window (ms, NEST's times), the claim's metrics and where and with what it was
  made (commit, NEST version, virtual processes, host, start and end of the simulation).
* ``claims`` table — one row per pair and metric: the mean of each arm, the mean paired difference
  network - control with its confidence interval (Student's t with n - 1 degrees of freedom over
  the n seeds' differences: the paired t-test's interval), each seed's difference, and

  - ``effect``: ``network higher`` / ``network lower`` when the interval excludes 0, else
    ``not resolved`` (``n < 2``: no interval);
  - ``verdict`` for a claimed metric: ``holds`` when the interval lies on the claimed side of 0,
    ``does not hold`` when it lies on the other side, ``undecided`` otherwise; empty for a metric
    without a claim.

With 3 seeds the interval is wide (t = 4.30 for 95 %): it resolves only effects that are large and
consistent compared with their seed-to-seed spread, and it assumes normally distributed
differences, which 3 values cannot check. ``undecided`` is therefore not evidence of no effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astronet.analysis.sweep_tables import ci95_halfwidth
from astronet.simulation.provenance import provenance_columns

ARMS = ("network", "control")


def runs_table(claim: dict, records: dict, metadata: dict) -> pd.DataFrame:
    """One row per run of the claim's pairs, in pair, seed and arm order.

    Parameters
    ----------
    claim : dict
        The claim's settings (``config["claims"][name]`` with the schema's defaults): ``pairs`` (each
        with regime, scheme, network, control and ``seeds``), ``metrics``, ``claimed`` (metric ->
        ``increase`` or ``decrease``) and ``confidence`` (level, a fraction).
    records : dict
        ``{(experiment, rng_seed): metrics.json}`` of every run of the pairs.
    metadata : dict
        ``{(experiment, rng_seed): metadata.json}`` of the same runs.

    Returns
    -------
    pandas.DataFrame
        Columns ``regime``, ``scheme``, ``arm`` (``network`` or ``control``), ``experiment``, ``run``,
        ``rng_seed``, ``t_start_ms`` and ``t_stop_ms`` (the analysis window, ms of NEST's time), the
        claim's metrics (NaN where undefined) and the columns of
        :func:`astronet.simulation.provenance.provenance_columns`.
    """
    rows = []
    for pair in claim["pairs"]:
        for seed in pair["seeds"]:
            for arm in ARMS:
                key = (pair[arm], seed)
                rec = records[key]
                t0, t1 = rec["window_ms"]
                row = {"regime": pair["regime"], "scheme": pair["scheme"], "arm": arm, "experiment": pair[arm]}
                row.update({"run": rec["run"], "rng_seed": seed, "t_start_ms": t0, "t_stop_ms": t1})
                row.update({m: _value(rec["metrics"].get(m)) for m in claim["metrics"]})
                row.update(provenance_columns(metadata[key]))
                rows.append(row)
    return pd.DataFrame(rows)


def _value(v) -> float:
    return float("nan") if v is None else float(v)


def paired_interval(differences, confidence: float) -> tuple[float, float, float, int]:
    """Mean of the finite paired differences and its two-sided confidence interval.

    The interval is Student's t with n - 1 degrees of freedom: the paired t-test's interval.

    Parameters
    ----------
    differences : array_like of float
        Network - control of each seed, in the metric's unit; NaN values are left out.
    confidence : float
        Level of the interval, a fraction (0.95 for 95 %).

    Returns
    -------
    mean, low, high : float
        The mean difference and the bounds of its interval, in the metric's unit; the bounds are NaN
        for n < 2.
    n : int
        Number of finite differences.
    """
    mean, half, n = ci95_halfwidth(differences, confidence)
    return mean, mean - half, mean + half, n


def effect(low: float, high: float) -> str:
    """What the interval of network - control resolves.

    Parameters
    ----------
    low, high : float
        Bounds of the interval of the mean paired difference (:func:`paired_interval`).

    Returns
    -------
    str
        ``network higher`` / ``network lower`` when the interval excludes 0, else ``not resolved``;
        ``no interval (n < 2)`` if a bound is not finite.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval (n < 2)"
    if low > 0:
        return "network higher"
    if high < 0:
        return "network lower"
    return "not resolved"


def verdict(claimed: str | None, low: float, high: float) -> str:
    """Whether a claimed ``increase`` or ``decrease`` of network - control holds.

    Parameters
    ----------
    claimed : str or None
        ``increase`` or ``decrease``; None or empty for a metric without a claim.
    low, high : float
        Bounds of the interval of the mean paired difference (:func:`paired_interval`).

    Returns
    -------
    str
        ``holds`` / ``does not hold`` / ``undecided``; empty without a claim.
    """
    if not claimed:
        return ""
    found = effect(low, high)
    expected = "network higher" if claimed == "increase" else "network lower"
    if found == expected:
        return "holds"
    if found in ("network higher", "network lower"):
        return "does not hold"
    return "undecided"


def paired_arms(runs: pd.DataFrame, pair: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A pair's network and control rows of the :func:`runs_table`.

    Parameters
    ----------
    runs : pandas.DataFrame
        The claim's runs table (:func:`runs_table`).
    pair : dict
        One of the claim's pairs, with ``regime`` and ``scheme``.

    Returns
    -------
    network, control : pandas.DataFrame
        The rows of each arm, each indexed by rng_seed, in the same seed order.
    """
    sub = runs[(runs["regime"] == pair["regime"]) & (runs["scheme"] == pair["scheme"])]
    net = sub[sub["arm"] == "network"].set_index("rng_seed")
    return net, sub[sub["arm"] == "control"].set_index("rng_seed").loc[net.index]


def claims_table(claim: dict, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per pair and metric (see the module's description) from the :func:`runs_table`.

    Parameters
    ----------
    claim : dict
        The claim's settings (``config["claims"][name]`` with the schema's defaults): ``pairs`` (each
        with regime, scheme, network, control and ``seeds``), ``compared``, ``metrics``, ``claimed``
        (metric -> ``increase`` or ``decrease``) and ``confidence`` (level, a fraction).
    runs : pandas.DataFrame
        The claim's runs table (:func:`runs_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``regime``, ``scheme``, ``network``, ``control``, ``compared`` (the parameter in which
        they differ), ``metric``, ``n_pairs``, ``seeds``,
        ``window_ms`` (``t_start-t_stop`` in ms), ``network_mean``, ``control_mean``,
        ``difference_mean``, ``ci<level>_low`` and ``ci<level>_high`` (``ci95_*`` for 95 %; means and
        bounds in the metric's unit), ``differences`` (each seed's), ``test``, ``effect``, ``claimed``
        and ``verdict``.
    """
    rows = []
    level = claim["confidence"]
    for pair in claim["pairs"]:
        net, ctl = paired_arms(runs, pair)
        for metric in claim["metrics"]:
            diffs = net[metric].to_numpy() - ctl[metric].to_numpy()
            mean, low, high, n = paired_interval(diffs, level)
            claimed = claim["claimed"].get(metric)
            rows.append(
                {
                    "regime": pair["regime"],
                    "scheme": pair["scheme"],
                    "network": pair["network"],
                    "control": pair["control"],
                    "compared": claim["compared"],
                    "metric": metric,
                    "n_pairs": n,
                    "seeds": " ".join(str(s) for s in net.index),
                    "window_ms": _window(pd.concat([net, ctl])),
                    "network_mean": float(np.nanmean(net[metric])) if n else float("nan"),
                    "control_mean": float(np.nanmean(ctl[metric])) if n else float("nan"),
                    "difference_mean": mean,
                    f"ci{round(level * 100):d}_low": low,
                    f"ci{round(level * 100):d}_high": high,
                    "differences": " ".join(f"{d:.6g}" for d in diffs),
                    "test": f"paired t ({n - 1} dof)" if n >= 2 else "",
                    "effect": effect(low, high),
                    "claimed": claimed or "",
                    "verdict": verdict(claimed, low, high),
                }
            )
    return pd.DataFrame(rows)


def _window(runs: pd.DataFrame) -> str:
    """The analysis window of a pair's runs, ``t_start-t_stop`` (ms), or each distinct one."""
    windows = sorted({(float(a), float(b)) for a, b in zip(runs["t_start_ms"], runs["t_stop_ms"], strict=True)})
    return " ".join(f"{a:g}-{b:g}" for a, b in windows)
