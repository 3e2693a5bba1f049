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
    """Every degree of :data:`DEGREES`, one count per node of its population.

    Nodes without any connection count 0.

    Parameters
    ----------
    connections : pyarrow.Table
        One run's connection table, columns ``source``, ``target`` (node ids) and ``synapse_model``.
    populations : dict
        The metadata's ``populations``: population name (``E``, ``I``, ``astrocytes``) -> ``[first,
        last]`` node id, inclusive.

    Returns
    -------
    dict of str to numpy.ndarray
        Degree name -> count (int) per node: per neuron (E then I, in node id order) for
        ``*_per_neuron``, per astrocyte for ``*_per_astrocyte``.
    """
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
    """:func:`degrees` of an aggregated ``connections.parquet`` (its page checksums verified).

    Parameters
    ----------
    path : str or pathlib.Path
        The run's ``connections.parquet``.
    populations : dict
        The metadata's ``populations``: population name (``E``, ``I``, ``astrocytes``) -> ``[first,
        last]`` node id, inclusive.

    Returns
    -------
    dict of str to numpy.ndarray
        As :func:`degrees`.

    Raises
    ------
    astronet.data.integrity.DamagedFileError
        If a page does not match its checksum or the file cannot be decoded.
    """
    return degrees(read_table(path, columns=["source", "target", "synapse_model"]), populations)


def degree_summary(degs: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean, s.d. (ddof 0), min and max of each degree (count).

    Parameters
    ----------
    degs : dict of str to array_like
        Degree name -> count per node, as :func:`degrees` returns.

    Returns
    -------
    dict of str to float
        ``<degree>_mean``, ``<degree>_sd``, ``<degree>_min`` and ``<degree>_max`` of each degree, in
        connections (or nodes) per node.
    """
    out = {}
    for name, values in degs.items():
        v = np.asarray(values, dtype=float)
        out.update({f"{name}_mean": v.mean(), f"{name}_sd": v.std(), f"{name}_min": v.min(), f"{name}_max": v.max()})
    return out


def run_cost(meta: dict) -> dict[str, float]:
    """A run's cost from its metadata.

    Parameters
    ----------
    meta : dict
        The run's aggregated metadata (``metadata.json``): ``timers_s``, ``peak_memory_mib`` and
        ``connections`` (count per kind).

    Returns
    -------
    dict of str to float
        ``build_s`` (create + connect) and ``simulate_s``: time in s, slowest rank;
        ``peak_memory_mib``: peak memory in MiB, largest rank; ``connections``: count.
    """
    timers = meta["timers_s"]
    return {
        "build_s": timers["create"] + timers["connect"],
        "simulate_s": timers["simulate"],
        "peak_memory_mib": meta["peak_memory_mib"]["max_per_rank"],
        "connections": sum(meta["connections"].values()),
    }
