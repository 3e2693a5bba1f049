"""A run as Neo objects, for Elephant and the other tools of the Neo ecosystem.

``to_neo(run)`` gives one ``neo.Block`` with one ``Segment`` spanning the recording window:

* one ``SpikeTrain`` per recorded neuron (silent ones included: an empty train), in ms, over the
  recording window (``t_presim`` to ``t_presim + sim_time``; from 0 with ``record_presim``),
  annotated with ``node_id`` and ``population``; the block's groups ``E`` and ``I`` hold the trains of each population;
* ``AnalogSignal`` ``IP3`` and ``Ca_astro`` (µM; one channel per sampled astrocyte) and ``I_SIC``
  (pA; one channel per sampled neuron), sampled every ``rec_interval`` ms, with the node ids as
  the array annotation ``node_id``.

Units come from the Parquet files' schema (:mod:`astronet.data.units`).
"""

from __future__ import annotations

import numpy as np

#: The sampled quantities of each table that become AnalogSignals.
SIGNALS = {"astrocytes": ("IP3", "Ca_astro"), "neurons": ("I_SIC",)}


def sample_matrix(df, column: str):
    """The samples of one quantity of a sampled table as a matrix, time by node.

    Parameters
    ----------
    df : pandas.DataFrame
        A sampled table (astrocytes or neurons), columns ``time`` (ms), ``sender`` and ``column``.
    column : str
        The quantity: ``IP3`` or ``Ca_astro`` (µM), ``I_SIC`` (pA).

    Returns
    -------
    times : numpy.ndarray of float
        The distinct sample times, sorted, in ms.
    node_ids : numpy.ndarray of int
        The distinct senders, sorted.
    values : numpy.ndarray of float, shape (len(times), len(node_ids))
        ``values[time, node]`` in the column's unit, NaN where a node has no sample.
    """
    times, t_idx = np.unique(df["time"].to_numpy(), return_inverse=True)
    ids, n_idx = np.unique(df["sender"].to_numpy(), return_inverse=True)
    values = np.full((len(times), len(ids)), np.nan)
    values[t_idx, n_idx] = df[column].to_numpy(dtype=float)
    return times, ids, values


def sampled_signals(run):
    """Each sampled quantity of a run (:data:`SIGNALS`) as a matrix (:func:`sample_matrix`).

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).

    Yields
    ------
    tuple
        ``(kind, column, times, node_ids, values[time, node])``: the table (``astrocytes`` or
        ``neurons``), the quantity, times in ms, node ids and values in the column's unit (µM, pA);
        none for an empty table.
    """
    for kind, columns in SIGNALS.items():
        df = run.table(kind)
        if not len(df):
            continue
        for column in columns:
            yield (kind, column, *sample_matrix(df, column))


def spike_trains(run) -> dict[str, list]:
    """Neo SpikeTrains of every recorded neuron, per population.

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).

    Returns
    -------
    dict of str to list of neo.SpikeTrain
        Population (``E``, ``I``) -> one train per recorded neuron in node id order, silent ones
        included (empty), in the spike table's time unit (ms) over the recording window, annotated with
        ``node_id`` and ``population``.
    """
    import neo
    import quantities as pq

    t_start, t_stop = run.recording_window
    spikes = run.spikes
    unit = pq.Quantity(1.0, run.units.get("time", "ms"))
    senders = spikes["sender"].to_numpy()
    times = spikes["time"].to_numpy()
    order = np.argsort(senders, kind="stable")  # each neuron's spikes stay in time order
    senders, times = senders[order], times[order]
    trains = {}
    for population, ids in run.recorded_neurons.items():
        lo = np.searchsorted(senders, ids, side="left")
        hi = np.searchsorted(senders, ids, side="right")
        trains[population] = [
            neo.SpikeTrain(
                times[a:b] * unit,
                t_start=t_start * unit,
                t_stop=t_stop * unit,
                name=f"{population} {node}",
                node_id=int(node),
                population=population,
            )
            for node, a, b in zip(ids, lo, hi, strict=True)
        ]
    return trains


def analog_signals(run) -> list:
    """Neo AnalogSignals of IP3, Ca_astro (astrocytes) and I_SIC (neurons).

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).

    Returns
    -------
    list of neo.AnalogSignal
        One signal per quantity, one channel per sampled node (array annotation ``node_id``), in the
        unit the Parquet file records (µM, pA), sampled every ``rec_interval`` ms; none for an empty
        table.
    """
    import neo
    import quantities as pq

    units = run.units
    period = float(run.parameters["rec_interval"]) * pq.ms
    return [
        neo.AnalogSignal(
            values,
            units=units.get(column, ""),
            sampling_period=period,
            t_start=times[0] * pq.ms,
            name=column,
            array_annotations={"node_id": ids.astype(np.int64)},
            source_table=kind,
        )
        for kind, column, times, ids, values in sampled_signals(run)
    ]


def to_neo(run):
    """The run as a ``neo.Block``, as the module describes it.

    Parameters
    ----------
    run : astronet.data.results.RunResults
        The run (:func:`astronet.data.results.load_run`).

    Returns
    -------
    neo.Block
        One ``Segment`` with the spike trains (:func:`spike_trains`) and the sampled signals
        (:func:`analog_signals`), and a group per population (``E``, ``I``) of its trains.
    """
    import neo

    block = neo.Block(
        name=f"{run.experiment}/{run.name}",
        nest_version=run.metadata["nest_version"],
        rng_seed=int(run.parameters["rng_seed"]),
    )
    segment = neo.Segment(name="recording")
    trains = spike_trains(run)
    for population, items in trains.items():
        segment.spiketrains.extend(items)
        block.groups.append(neo.Group(items, name=population))
    segment.analogsignals.extend(analog_signals(run))
    block.segments.append(segment)
    block.check_relationships()
    return block
