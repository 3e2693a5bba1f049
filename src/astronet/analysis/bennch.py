"""A run's benchmark quantities under the names beNNch uses, from its metadata.

beNNch (Albers et al. 2022, github.com/INM-6/beNNch; HanjiaJiang/beNNch ran Jiang et al. 2025's
benchmarks) logs NEST's kernel timers on every MPI rank, takes per-thread timers from thread 0
(beNNch-models), averages each timer over the ranks (``helpers/collect_timer_data.py``) and derives
the quantities its figures show (``analysis/bennchplot.py``). The same here, from the per-rank
records of ``metadata.json`` (:mod:`astronet.simulation.nest_timers`):

* ``num_nvp``, ``num_nodes`` (distinct hosts of the ranks, as each rank saw its host name),
  ``tasks_per_node`` (most ranks on one host), ``threads_per_task``;
* ``model_time_sim``: simulated model time (ms), presimulation included, as NEST's timers cover it;
* ``py_time_create``, ``py_time_connect``: astronet's own timers of ``nest.Create`` and the
  ``nest.Connect`` calls of the network (s);
* the NEST timers of :data:`TIMERS` under their own names (s);
* ``sim_factor`` = ``time_simulate`` / model time (the real-time factor), and for each phase of
  :data:`PHASES` ``<phase>_factor`` = phase / model time and ``<phase>_frac`` = 100 x phase /
  ``time_simulate`` (%); ``spike_ccd_*`` (collocate + communicate + deliver spikes),
  ``secondary_gd_*`` (gather + deliver secondary events) and ``others_*`` (``time_simulate`` minus
  every phase).

The phases need NEST's detailed timers (``tools/build_nest.sh``); with the PyPI wheel they are NaN.
"""

from __future__ import annotations

import math

from astronet.config.run_quantities import total_sim_time
from astronet.simulation.nest_timers import CYCLE_TIMERS, master_thread

#: NEST's timers of beNNch's tables (helpers/collect_timer_data.py), in seconds.
TIMERS = (
    "time_construction_create",
    "time_construction_connect",
    "time_communicate_prepare",
    "time_gather_target_data",
    "time_communicate_target_data",
    "time_simulate",
    *CYCLE_TIMERS,
)
#: The phases of a simulation cycle that beNNch's figures stack (analysis/bennchplot.py), in order.
PHASES = (
    "time_update",
    "time_collocate_spike_data",
    "time_communicate_spike_data",
    "time_deliver_spike_data",
    "time_gather_secondary_data",
    "time_deliver_secondary_data",
)
GROUPS = {
    "spike_ccd": ("time_collocate_spike_data", "time_communicate_spike_data", "time_deliver_spike_data"),
    "secondary_gd": ("time_gather_secondary_data", "time_deliver_secondary_data"),
}
DERIVED = (
    "sim_factor",
    *(f"{p}_{kind}" for p in (*PHASES, *GROUPS, "others") for kind in ("factor", "frac")),
)
#: The timers and the real-time factor, the columns of an experiment's runs table (astronet.analysis.sweep_tables).
RUN_TABLE_COLUMNS = (*TIMERS, "sim_factor")
#: The columns of a scaling table (astronet.analysis.scaling), in beNNch's names.
COLUMNS = (
    "num_nvp",
    "num_nodes",
    "tasks_per_node",
    "threads_per_task",
    "model_time_sim",
    "py_time_create",
    "py_time_connect",
    *TIMERS,
    *DERIVED,
)


def _mean(values) -> float:
    """Mean over the ranks; NaN if a rank lacks the value."""
    if not values or any(v is None for v in values):
        return math.nan
    return sum(values) / len(values)


def hosts(meta: dict) -> list:
    """The host of each rank, in rank order.

    Parameters
    ----------
    meta : dict
        A run's aggregated metadata, with its per-rank records ``ranks``.

    Returns
    -------
    list
        The host name of each rank (None where a rank did not record it).
    """
    return [rank.get("host") for rank in meta["ranks"]]


def quantities(meta: dict) -> dict:
    """beNNch's quantities of one run (:data:`COLUMNS`).

    Parameters
    ----------
    meta : dict
        The run's aggregated metadata (astronet.data.aggregate.merged_metadata), with its per-rank
        records ``ranks``.

    Returns
    -------
    dict
        The quantities of :data:`COLUMNS` by name, units as the module describes (times in s, model
        time in ms, ``*_factor`` [-], ``*_frac`` in %); NaN where NEST did not measure a timer.
    """
    ranks = meta["ranks"]
    per_host: dict = {}
    for host in hosts(meta):
        per_host[host] = per_host.get(host, 0) + 1
    model_ms = total_sim_time(meta["parameters"])
    row = {
        "num_nvp": meta["n_vp"],
        "num_nodes": len(per_host),
        "tasks_per_node": max(per_host.values()),
        "threads_per_task": meta["threads"],
        "model_time_sim": model_ms,
        "py_time_create": _mean([r["timers_s"].get("create") for r in ranks]),
        "py_time_connect": _mean([r["timers_s"].get("connect") for r in ranks]),
    }
    for name in TIMERS:
        row[name] = _mean([master_thread((r.get("nest_timers_s") or {}).get(name)) for r in ranks])
    model_s = model_ms / 1000.0
    simulate = row["time_simulate"]
    row["sim_factor"] = simulate / model_s
    parts = {p: row[p] for p in PHASES}
    parts.update({group: sum(row[p] for p in members) for group, members in GROUPS.items()})
    parts["others"] = simulate - sum(row[p] for p in PHASES)
    for name, seconds in parts.items():
        row[f"{name}_factor"] = seconds / model_s
        row[f"{name}_frac"] = 100.0 * seconds / simulate if simulate else math.nan
    return {k: row[k] for k in COLUMNS}
