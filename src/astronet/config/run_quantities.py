"""Quantities derived from a run's parameters, each computed in one place.

``params`` is a complete parameter set (:func:`astronet.config.parameters.validate_params`); times are in
ms of NEST's model time, counts are numbers of nodes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def population_sizes(params: dict) -> dict[str, int]:
    """Node counts at the configured scale, rounded down as NEST's example does.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
        ``N_ex``, ``N_in``, ``N_astro`` and ``scale`` are used.

    Returns
    -------
    dict of str to int
        ``E``, ``I`` and ``astrocytes`` -> number of nodes.
    """
    s = params["scale"]
    return {
        "E": int(params["N_ex"] * s),
        "I": int(params["N_in"] * s),
        "astrocytes": int(params["N_astro"] * s),
    }


def recording_window(params: dict) -> tuple[float, float]:
    """Model time a run records, in NEST's times (ms).

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
        ``t_presim``, ``sim_time`` (ms) and ``record_presim`` are used.

    Returns
    -------
    tuple of float
        ``(t_presim, t_presim + sim_time)`` ms, or ``(0, t_presim + sim_time)`` if it records the
        presimulation too (``record_presim``).
    """
    start = 0.0 if params.get("record_presim") else float(params["t_presim"])
    return start, float(params["t_presim"] + params["sim_time"])


def total_sim_time(params: dict) -> float:
    """Model time NEST simulates, presimulation included (ms).

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    float
        ``t_presim + sim_time`` in ms.
    """
    return recording_window(params)[1]


def n_spike_recorded(params: dict) -> int:
    """Neurons whose spikes are recorded: ``N_rec_spk``, or every neuron for ``all``.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    int
        Number of neurons.
    """
    sizes = population_sizes(params)
    return sizes["E"] + sizes["I"] if params["N_rec_spk"] == "all" else params["N_rec_spk"]


def recorded_neuron_ids(meta: dict) -> dict[str, np.ndarray]:
    """Ids of the neurons whose spikes a run recorded, per population (E, I).

    They are the first :func:`n_spike_recorded` neurons, E before I, as NEST's example records them.

    Parameters
    ----------
    meta : dict
        The run's metadata (``populations``: name -> [first id, last id]; ``recorded_nodes.spikes``:
        the count).

    Returns
    -------
    dict of str to numpy.ndarray
        ``E`` and ``I`` -> their recorded node ids, in order (empty for a population none of whose
        neurons is recorded).
    """
    import numpy as np  # here, not at the top: the workflow imports this module at every start

    populations = meta["populations"]
    last = populations["E"][0] + meta["recorded_nodes"]["spikes"] - 1
    return {name: np.arange(lo, min(hi, last) + 1) for name, (lo, hi) in ((n, populations[n]) for n in ("E", "I"))}


def n_sampled_nodes(params: dict) -> int:
    """Nodes the multimeters sample (neurons for I_SIC and astrocytes for IP3 / Ca_astro together).

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    int
        ``N_rec_mm`` of each kind, so twice ``N_rec_mm``, or every neuron and astrocyte for ``all``.
    """
    sizes = population_sizes(params)
    return sum(sizes.values()) if params["N_rec_mm"] == "all" else 2 * params["N_rec_mm"]


def samples_per_node(params: dict) -> int:
    """Multimeter samples of each sampled node.

    NEST samples at the multiples of rec_interval strictly inside the recording window
    (:func:`recording_window`).

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
        ``dt`` and ``rec_interval`` (ms) and the recording window are used.

    Returns
    -------
    int
        Number of samples per node.
    """
    dt = params["dt"]
    interval = round(params["rec_interval"] / dt)
    first, end = (round(t / dt) for t in recording_window(params))
    return (end - 1) // interval - first // interval


def delivery_steps(params: dict, min_delay: float) -> int:
    """Time steps NEST has to simulate beyond the recording window to record every sample.

    Every multimeter sample strictly inside the window is then recorded. NEST hands a multimeter the
    samples of one ``min_delay`` slice during the next slice, so samples taken in the last slice of a
    simulation never arrive (measured: rec_interval 0.3 ms, 100 ms, min_delay 1 ms records up to
    99.0 ms, not 99.9 ms; 99.5 ms records nothing). Slices start at the multiples of ``min_delay``; if
    the last sample lies in the last slice, one more slice delivers it.

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
    min_delay : float
        NEST's minimum delay of the network (ms), the length of a slice.

    Returns
    -------
    int
        Number of steps of ``dt`` ms: one slice, or 0 if none is needed (also when no node is sampled).
    """
    dt = params["dt"]
    interval = round(params["rec_interval"] / dt)
    slice_steps = max(1, round(min_delay / dt))
    end = round(recording_window(params)[1] / dt)
    last_sample = (end - 1) // interval * interval
    last_slice_start = (end - 1) // slice_steps * slice_steps
    return slice_steps if params["N_rec_mm"] != 0 and last_sample > last_slice_start else 0


# Devices of a run: the Poisson generator, the spike recorder and the two multimeters.
N_DEVICES = 4


def nodes_per_vp(params: dict, n_devices: int = N_DEVICES) -> int:
    """Nodes NEST keeps on one virtual process (thread).

    Its share of the neurons and astrocytes, rounded up, plus one instance of each of ``n_devices``
    devices (every thread holds its own).

    Parameters
    ----------
    params : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
        ``n_vp`` and the population sizes are used.
    n_devices : int
        Devices of a run (the Poisson generator, the spike recorder and the two multimeters).

    Returns
    -------
    int
        Number of nodes.
    """
    return -(-sum(population_sizes(params).values()) // params["n_vp"]) + n_devices


def frozen_astrocyte(sic: float, sic_th: float, sic_scale: float) -> dict:
    """astrocyte_lr_1994 parameters that make it send the constant SIC ``sic`` (pA at weight 1).

    The model's SIC is ``SIC_scale * ln((Ca_astro - SIC_th) / 1 nM)`` where that logarithm is
    positive, else 0. With ``rate_IP3R``, ``rate_L`` and ``rate_SERCA`` 0, Ca_astro's derivative is 0
    (no current is injected into an astrocyte), so Ca_astro keeps its initial value
    ``SIC_th + exp(sic / SIC_scale) nM`` (µM) and the SIC is constant from the first step on; IP3 still
    follows its input but no longer acts on Ca.

    Parameters
    ----------
    sic : float
        The SIC to send, in pA at weight 1.
    sic_th : float
        The model's ``SIC_th`` in µM.
    sic_scale : float
        The model's ``SIC_scale`` (dimensionless).

    Returns
    -------
    dict
        ``rate_IP3R``, ``rate_L``, ``rate_SERCA`` (0) and the initial ``Ca_astro`` (µM).
    """
    return {
        "rate_IP3R": 0.0,
        "rate_L": 0.0,
        "rate_SERCA": 0.0,
        "Ca_astro": sic_th + math.exp(sic / sic_scale) / 1000.0,
    }


def is_multiple(value: float, step: float) -> bool:
    """``value`` is a positive whole multiple of ``step`` (1 x, 2 x, ...; 0 x is not).

    Parameters
    ----------
    value, step : float
        Two quantities in the same unit (such as ms); the ratio is compared with an absolute
        tolerance of 1e-9.

    Returns
    -------
    bool
        True if ``value / step`` is a whole number of at least 1.
    """
    ratio = value / step
    return round(ratio) >= 1 and math.isclose(ratio, round(ratio), rel_tol=0, abs_tol=1e-9)
