"""A run's ``metrics.json``: its metrics, analysis window and settings, sample sizes and cost.

Undefined metrics (NaN) are written as ``null``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astronet.analysis import bennch, metrics
from astronet.config.analysis_settings import analysis_window
from astronet.config.run_quantities import recorded_neuron_ids


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
    """Everything ``metrics.json`` holds for one run.

    Metrics, window, settings, sample sizes, cost (astronet's timers, memory, and NEST's timers under
    beNNch's names, :mod:`astronet.analysis.bennch`). Undefined metrics (NaN) and timers NEST did not
    measure are written as ``null``.

    Parameters
    ----------
    spikes : pandas.DataFrame
        The run's spike table, columns ``sender`` and ``time`` (ms).
    astrocytes : pandas.DataFrame
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM).
    neurons : pandas.DataFrame
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA).
    meta : dict
        The run's aggregated metadata (``metadata.json``).
    settings : dict
        The analysis settings: ``t_start`` (ms) and the metric settings of
        :func:`astronet.analysis.metrics.run_metrics`.
    experiment, run : str, optional
        Names of the experiment and the run, written as they are.
    point : dict, optional
        The run's swept values and ``rng_seed``.

    Returns
    -------
    dict
        Keys ``experiment``, ``run``, ``point``, ``window_ms`` (``[start, end]`` in ms),
        ``settings``, ``n_recorded`` (neurons, astrocytes and I_SIC neurons recorded), ``metrics``
        (:func:`astronet.analysis.metrics.run_metrics`) and ``cost`` (``simulate_s``, ``total_s`` in s,
        ``real_time_factor``, ``peak_memory_mib`` in MiB, ``n_vp``, ``mpi_ranks`` and NEST's timers in
        s with ``sim_factor``).
    """
    t0, t1 = analysis_window(settings, meta["parameters"])
    pops = recorded_neuron_ids(meta)
    metric_settings = {k: v for k, v in settings.items() if k != "t_start"}
    values = metrics.run_metrics(spikes, astrocytes, neurons, pops, t0, t1, metric_settings)
    nest_timers = bennch.quantities(meta) if "ranks" in meta else {}
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
            **{k: _finite_or_none(nest_timers.get(k)) for k in bennch.RUN_TABLE_COLUMNS},
        },
    }
