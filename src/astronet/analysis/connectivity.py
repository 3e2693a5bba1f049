"""Degree distributions of a run's recorded connections (``params.record_connections``), as in
Jiang et al. 2025's Fig. 8, and a table of them with the run's cost across an experiment's runs.

A connection table has NEST's columns ``source``, ``target`` (node ids) and ``synapse_model``;
node id ranges per population come from the run's metadata (``populations``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from astronet.config.models import A2N_MODEL
from astronet.data.integrity import read_table

#: Degree name -> what it counts, per node of which population.
DEGREES = {
    "a2n_per_neuron": "astrocyte→neuron connections per neuron",
    "astrocytes_per_neuron": "distinct astrocytes connected to a neuron",
    "a2n_per_astrocyte": "astrocyte→neuron connections per astrocyte",
    "neurons_per_astrocyte": "distinct neurons an astrocyte connects to",
    "n2a_per_astrocyte": "excitatory neuron→astrocyte connections per astrocyte",
}


def _ids(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).to_numpy().astype(np.int64, copy=False)


def _per_node(ids: np.ndarray, first: int, n: int) -> np.ndarray:
    """Occurrences of each node id ``first .. first + n - 1`` in ``ids`` (count per node)."""
    return np.bincount(ids - first, minlength=n)[:n]


def degrees(connections: pa.Table, populations: dict) -> dict[str, np.ndarray]:
    """Every degree of :data:`DEGREES`, one count per node of its population (nodes without any
    connection count 0), from one run's connection table and its metadata's ``populations``."""
    (e_lo, _), (_, i_hi), (a_lo, a_hi) = populations["E"], populations["I"], populations["astrocytes"]
    n_neurons, n_astro = i_hi - e_lo + 1, a_hi - a_lo + 1
    a2n = connections.filter(pc.equal(connections.column("synapse_model"), A2N_MODEL))
    src, tgt = _ids(a2n, "source"), _ids(a2n, "target")
    # A pair (astrocyte, neuron) may be connected more than once (a pool member drawn twice).
    pairs = np.unique((src - a_lo) * n_neurons + (tgt - e_lo))
    pair_astro, pair_neuron = np.divmod(pairs, n_neurons)
    to_astro = connections.filter(pc.greater_equal(connections.column("target"), a_lo))
    return {
        "a2n_per_neuron": _per_node(tgt, e_lo, n_neurons),
        "astrocytes_per_neuron": np.bincount(pair_neuron, minlength=n_neurons),
        "a2n_per_astrocyte": _per_node(src, a_lo, n_astro),
        "neurons_per_astrocyte": np.bincount(pair_astro, minlength=n_astro),
        "n2a_per_astrocyte": _per_node(_ids(to_astro, "target"), a_lo, n_astro),
    }


def read_degrees(path, populations: dict) -> dict[str, np.ndarray]:
    """:func:`degrees` of an aggregated ``connections.parquet`` (its page checksums verified)."""
    return degrees(read_table(path, columns=["source", "target", "synapse_model"]), populations)


def degree_summary(degs: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean, s.d. (ddof 0), min and max of each degree (count): ``<degree>_mean`` etc."""
    out = {}
    for name, values in degs.items():
        v = np.asarray(values, dtype=float)
        out.update({f"{name}_mean": v.mean(), f"{name}_sd": v.std(), f"{name}_min": v.min(), f"{name}_max": v.max()})
    return out


def run_cost(meta: dict) -> dict[str, float]:
    """A run's cost from its metadata: build (create + connect) and simulate time (s, slowest rank),
    peak memory (MiB, largest rank) and connections (count)."""
    timers = meta["timers_s"]
    return {
        "build_s": timers["create"] + timers["connect"],
        "simulate_s": timers["simulate"],
        "peak_memory_mib": meta["peak_memory_mib"]["max_per_rank"],
        "connections": sum(meta["connections"].values()),
    }
