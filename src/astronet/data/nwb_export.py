"""A run as an NWB file (Neurodata Without Borders, through pynwb): ``write_nwb(run, path)``.

* ``units``: one row per recorded neuron, its ``id`` the NEST node id, spike times in s (NWB's
  unit, ``resolution`` dt), column ``population`` (E / I); silent neurons have an empty spike train.
* ``acquisition``: TimeSeries ``IP3`` and ``Ca_astro`` (one column per sampled astrocyte, stored in
  µM, unit "M" with ``conversion`` 1e-6) and ``I_SIC`` (one column per sampled neuron, stored in pA,
  ``conversion`` 1e-12 to amperes), sampled regularly: ``starting_time`` (s) and ``rate`` (Hz, 1 /
  ``rec_interval``), as NWB stores regular series.
* ``processing["network"]``: the tables ``sampled_astrocytes`` and ``sampled_neurons`` (column
  ``node_id``, and ``population`` for neurons): row i is column i of the series of that kind.
* ``processing["simulation"]``: the tables ``parameters`` (one row per parameter: ``key``,
  ``value`` as JSON, ``unit``), ``nest_build_info`` and ``provenance`` (``key``, ``value`` as JSON);
  nested entries as dotted keys (``neuron_params.C_m``, ``git.commit``), read back with
  :func:`key_value_table`;
  the NEST and astronet versions are also in ``was_generated_by``; ``session_start_time`` is the
  simulation's start.

Times are NEST's model times (t = 0 at the start of the presimulation).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from astronet.config.labels import param_unit
from astronet.data.neo_export import sampled_signals
from astronet.runtime.atomic_files import replaced_atomically

# column -> (NWB unit, conversion of the stored values to it)
NWB_UNITS = {"IP3": ("M", 1e-6), "Ca_astro": ("M", 1e-6), "I_SIC": ("amperes", 1e-12)}
# the table of the sampled nodes of each kind of sampled_signals
NODE_TABLES = {"astrocytes": "sampled_astrocytes", "neurons": "sampled_neurons"}


def _start_time(meta: dict) -> datetime:
    started = (meta.get("provenance") or {}).get("start_time")
    return datetime.fromisoformat(started) if started else datetime.now(timezone.utc)


def flatten(values: dict, prefix: str = "") -> dict:
    """Nested mappings as one level of dotted keys (``{"git": {"commit": c}}`` -> ``{"git.commit": c}``).

    An empty mapping leaves no key.

    Parameters
    ----------
    values : dict
        The nested mapping.
    prefix : str
        Put before every key (``"git."`` for the entries of ``git``).

    Returns
    -------
    dict
        Dotted key -> value.
    """
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def unflatten(flat: dict) -> dict:
    """The inverse of :func:`flatten` (empty mappings excepted).

    Parameters
    ----------
    flat : dict
        Dotted key -> value.

    Returns
    -------
    dict
        The nested mapping.
    """
    values: dict = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = values
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    return values


def _key_value_table(name: str, description: str, values: dict, units: dict | None = None):
    """A DynamicTable of one row per entry of ``values`` (nested ones as dotted keys): ``key``,
    ``value`` (JSON) and, with ``units``, ``unit``."""
    from hdmf.common import DynamicTable

    table = DynamicTable(name=name, description=description)
    table.add_column(name="key", description="the entry's name; nested entries as parent.child")
    table.add_column(name="value", description="its value, as JSON")
    if units is not None:
        table.add_column(name="unit", description="unit of the value ('' for counts, names and dimensionless values)")
    for key, value in sorted(flatten(values).items()):
        row = {"key": key, "value": json.dumps(value, sort_keys=True, default=str)}
        if units is not None:
            row["unit"] = units.get(key.split(".")[0], "")
        table.add_row(**row)
    return table


def _node_table(kind: str, ids: np.ndarray, populations: dict[str, np.ndarray]):
    """The sampled nodes of ``kind``, one row per column of its series: ``node_id``, and for neurons
    ``population``."""
    from hdmf.common import DynamicTable

    table = DynamicTable(
        name=NODE_TABLES[kind],
        description=f"NEST node ids of the sampled {kind}; row i is column i of the series of the {kind}",
    )
    table.add_column(name="node_id", description="NEST node id")
    if kind == "neurons":
        table.add_column(name="population", description="E (excitatory) or I (inhibitory)")
    for node in ids:
        row = {"node_id": int(node)}
        if kind == "neurons":
            row["population"] = next(pop for pop, members in populations.items() if node in members)
        table.add_row(**row)
    return table


def _neuron_populations(meta: dict) -> dict[str, range]:
    return {pop: range(lo, hi + 1) for pop, (lo, hi) in meta["populations"].items() if pop in ("E", "I")}


def nwb_file(run):
    """The run as a ``pynwb.NWBFile``, as the module describes it.

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).

    Returns
    -------
    pynwb.NWBFile
        Spike times in s, ``IP3`` and ``Ca_astro`` stored in µM (``conversion`` 1e-6 to M), ``I_SIC``
        stored in pA (``conversion`` 1e-12 to amperes), parameters and provenance.

    Raises
    ------
    ValueError
        If a sampled quantity is not sampled every ``rec_interval`` ms (NWB stores regular series).
    """
    from pynwb import NWBFile, TimeSeries
    from pynwb.misc import Units

    meta, params = run.metadata, run.parameters
    prov = meta.get("provenance") or {}
    git = prov.get("git") or {}
    nwb = NWBFile(
        session_description=f"astronet run {run.experiment}/{run.name}: NEST simulation of a neuron–astrocyte network",
        identifier=f"astronet/{run.experiment}/{run.name}/{prov.get('start_time', '')}",
        session_start_time=_start_time(meta),
        experiment_description=f"experiment {run.experiment}, point {json.dumps(run.point, sort_keys=True)}",
        source_script=f"astronet {prov.get('astronet_version', '')} commit {git.get('commit', 'unknown')}"
        + (" (dirty)" if git.get("dirty") else ""),
        source_script_file_name="astronet",
        was_generated_by=[["NEST", meta["nest_version"]], ["astronet", prov.get("astronet_version", "unknown")]],
        keywords=["simulation", "NEST", "spiking neural network", "astrocytes", "tripartite synapse"],
        notes=f"NEST {meta['nest_version']}; model times in s from the start of the presimulation; "
        "recording window ({:g}, {:g}] ms.".format(*run.recording_window),
    )
    # spike times lie on NEST's grid of dt ms
    nwb.units = Units(name="units", description="recorded neurons", resolution=float(params["dt"]) / 1000.0)
    nwb.add_unit_column(name="population", description="E (excitatory) or I (inhibitory)")
    spikes = run.spikes
    senders, times = spikes["sender"].to_numpy(), spikes["time"].to_numpy()
    order = np.argsort(senders, kind="stable")
    senders, times = senders[order], times[order] / 1000.0
    for population, ids in run.recorded_neurons.items():
        lo, hi = np.searchsorted(senders, ids, side="left"), np.searchsorted(senders, ids, side="right")
        for node, a, b in zip(ids, lo, hi, strict=True):
            nwb.add_unit(id=int(node), spike_times=times[a:b], population=population)
    network = nwb.create_processing_module("network", "the sampled nodes: NEST node ids of the series' columns")
    interval_ms = float(params["rec_interval"])
    for kind, column, t, ids, values in sampled_signals(run):
        if NODE_TABLES[kind] not in network.data_interfaces:
            network.add(_node_table(kind, ids, _neuron_populations(meta)))
        unit, conversion = NWB_UNITS[column]
        if len(t) > 1 and not np.allclose(np.diff(t), interval_ms):
            raise ValueError(
                f"{run.experiment}/{run.name}: {column} is not sampled every rec_interval = {interval_ms} ms"
            )
        nwb.add_acquisition(
            TimeSeries(
                name=column,
                data=values,
                unit=unit,
                conversion=conversion,
                starting_time=float(t[0]) / 1000.0,
                rate=1000.0 / interval_ms,
                description=f"{column} of the sampled {kind} ({run.units.get(column, '')} as stored); column i is "
                f"the node in row i of processing/network/{NODE_TABLES[kind]}",
            )
        )
    simulation = nwb.create_processing_module("simulation", "how the run was simulated: parameters, NEST, provenance")
    simulation.add(
        _key_value_table(
            "parameters",
            "the run's complete parameter set (astronet's params, defaults filled in)",
            params,
            {key: param_unit(key) for key in params},
        )
    )
    simulation.add(_key_value_table("nest_build_info", "NEST's build_info", meta.get("build_info", {})))
    simulation.add(
        _key_value_table("provenance", "astronet's provenance record: versions, commit, host, start and end", prov)
    )
    return nwb


def key_value_table(table) -> dict:
    """A table of :func:`nwb_file`'s ``simulation`` module back as a nested ``{key: value}``.

    Parameters
    ----------
    table : hdmf.common.DynamicTable
        ``parameters``, ``nest_build_info`` or ``provenance``, with columns ``key`` and ``value``
        (JSON), as read from the file.

    Returns
    -------
    dict
        The entries, nested again (:func:`unflatten`), values decoded from JSON.
    """
    return unflatten({key: json.loads(value) for key, value in zip(table["key"][:], table["value"][:], strict=True)})


def write_nwb(run, path) -> None:
    """Write the run as an NWB file at ``path`` (written next to it, then renamed).

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).
    path : str or pathlib.Path
        The NWB file (HDF5) to write.

    Raises
    ------
    ValueError
        If a sampled quantity is not sampled every ``rec_interval`` ms (:func:`nwb_file`).
    """
    from pynwb import NWBHDF5IO

    with replaced_atomically(path) as tmp, NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb_file(run))
