"""How much model time passes between two flushes of the recordings to disk (``chunk_ms``), and how
many connections a rank fetches from NEST at once when it records them.

Every flush costs NEST a Cleanup and a Prepare (~0.1 s at full scale), and everything recorded in
between is held in NEST's memory: ``auto`` takes the longest chunk that keeps it bounded.
"""

from __future__ import annotations

import math

from astronet.config.run_quantities import is_multiple, n_sampled_nodes, n_spike_recorded

# chunk_ms: auto holds at most this many recorded rows in NEST's memory between two flushes.
AUTO_CHUNK_ROWS = 2_000_000
# Spikes per recorded neuron and ms assumed for that bound (50 spikes/s, far above the network's rates).
AUTO_CHUNK_SPIKES_PER_MS = 0.05


def recorded_rows_per_ms(params: dict) -> float:
    """Rows the recorders collect per ms of model time: multimeter samples, and spikes at 50/s.

    Parameters
    ----------
    params : dict
        A complete parameter set (``rec_interval`` in ms, and what sets the recorded nodes).

    Returns
    -------
    float
        Rows per ms: sampled nodes / ``rec_interval`` plus the recorded neurons times
        ``AUTO_CHUNK_SPIKES_PER_MS`` (0.05 spikes per ms, 50 spikes/s).
    """
    return n_sampled_nodes(params) / params["rec_interval"] + n_spike_recorded(params) * AUTO_CHUNK_SPIKES_PER_MS


def chunk_ms(params: dict) -> float:
    """Model time between two flushes of the recordings (ms).

    Parameters
    ----------
    params : dict
        A complete parameter set (``chunk_ms``, ``sim_time``, ``dt``, ``rec_interval``, all ms).

    Returns
    -------
    float
        ``chunk_ms`` in ms, or for ``auto`` the longest that keeps the rows held below
        AUTO_CHUNK_ROWS (at most ``sim_time``; a multiple of 10 ms, or of ``dt`` below 10 ms; at least
        ``dt``).
    """
    if params["chunk_ms"] != "auto":
        return float(params["chunk_ms"])
    dt = params["dt"]
    rows_per_ms = recorded_rows_per_ms(params)
    longest = params["sim_time"] if rows_per_ms <= 0 else min(params["sim_time"], AUTO_CHUNK_ROWS / rows_per_ms)
    step = 10.0 if longest >= 10.0 and is_multiple(10.0, dt) else dt
    return max(dt, round(math.floor(longest / step + 1e-9) * step, 9))


# Expected connections fetched from NEST per GetConnections call when params.record_connections
# (astronet.simulation.recording.RankWriter.write_connections). PyNEST returns every property of each connection
# as a Python dict, ~3.5 KB each (measured: 182 297 connections fetched at once took 636 MiB); in
# batches of sources a rank holds ~85 MiB at most, whatever the network's size
# (astronet.config.resources.MEMORY_COST, benchmarks/connection_memory.py).
CONNECTIONS_PER_FETCH = 20_000
