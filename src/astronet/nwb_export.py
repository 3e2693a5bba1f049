"""A run as an NWB file (Neurodata Without Borders, through pynwb): ``write_nwb(run, path)``.

* ``units``: one row per recorded neuron (``id`` = NEST node id), spike times in s (NWB's unit),
  column ``population`` (E / I); silent neurons have an empty spike train.
* ``acquisition``: TimeSeries ``IP3`` and ``Ca_astro`` (one column per sampled astrocyte, stored in
  µM, unit "M" with ``conversion`` 1e-6) and ``I_SIC`` (one column per
  sampled neuron, stored in pA, ``conversion`` 1e-12 to amperes), timestamps in s; the node id of
  each column is in the series' ``comments`` as JSON ``{"node_id": [...]}``.
* metadata: the run's complete parameters (JSON, ``scratch/parameters``) and NEST build, the NEST
  and astronet versions in ``was_generated_by``, the provenance record of metadata.json in
  ``scratch/provenance``; ``session_start_time`` is the simulation's start.

Times are NEST's model times (t = 0 at the start of the presimulation).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from .atomic_files import replaced_atomically
from .neo_export import sampled_signals

# column -> (NWB unit, conversion of the stored values to it)
NWB_UNITS = {"IP3": ("M", 1e-6), "Ca_astro": ("M", 1e-6), "I_SIC": ("amperes", 1e-12)}


def _start_time(meta: dict) -> datetime:
    started = (meta.get("provenance") or {}).get("start_time")
    return datetime.fromisoformat(started) if started else datetime.now(timezone.utc)


def nwb_file(run):
    """The run (:class:`astronet.results.RunResults`) as a ``pynwb.NWBFile``."""
    from pynwb import NWBFile, TimeSeries

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
        notes=f"NEST {meta['nest_version']}; model times in s from the start of the presimulation; "
        "recording window ({:g}, {:g}] ms.".format(*run.recording_window),
    )
    nwb.add_unit_column(name="population", description="E (excitatory) or I (inhibitory)")
    spikes = run.spikes
    senders, times = spikes["sender"].to_numpy(), spikes["time"].to_numpy()
    order = np.argsort(senders, kind="stable")
    senders, times = senders[order], times[order] / 1000.0
    for population, ids in run.recorded_neurons.items():
        lo, hi = np.searchsorted(senders, ids, side="left"), np.searchsorted(senders, ids, side="right")
        for node, a, b in zip(ids, lo, hi, strict=True):
            nwb.add_unit(id=int(node), spike_times=times[a:b], population=population)
    for kind, column, t, ids, values in sampled_signals(run):
        unit, conversion = NWB_UNITS[column]
        nwb.add_acquisition(
            TimeSeries(
                name=column,
                data=values,
                unit=unit,
                conversion=conversion,
                timestamps=t / 1000.0,
                description=f"{column} of the sampled {kind} ({run.units.get(column, '')} as stored)",
                comments=json.dumps({"node_id": ids.tolist()}),
            )
        )
    nwb.add_scratch(
        json.dumps(params, sort_keys=True), name="parameters", description="the run's complete parameters (JSON)"
    )
    nwb.add_scratch(
        json.dumps(meta.get("build_info", {}), sort_keys=True, default=str),
        name="nest_build_info",
        description="NEST's build_info (JSON)",
    )
    nwb.add_scratch(
        json.dumps(prov, sort_keys=True),
        name="provenance",
        description="astronet's provenance record: versions, commit, host, start and end (JSON)",
    )
    return nwb


def write_nwb(run, path) -> None:
    """Write the run as an NWB file at ``path`` (written next to it, then renamed)."""
    from pynwb import NWBHDF5IO

    with replaced_atomically(path) as tmp, NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb_file(run))
