"""Figures of one run, drawn from the aggregated tables only (no simulation needed).

Tables are passed as mappings of column name to array (``read_columns`` reads them from Parquet with
PyArrow, checked against their checksums). Figures are made with matplotlib's object API,
without pyplot and its backend machinery, and are drawn once: margins are fixed per figure (an
automatic layout measures every text first, ``bbox_inches="tight"`` even draws everything twice),
and units and indices are Unicode characters rather than mathtext, whose parser costs ~0.2 s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from astronet.analysis.metrics import per_neuron_rates, population_rate_histogram
from astronet.config.models import ASTROCYTE_MODEL
from astronet.config.run_quantities import recorded_neuron_ids
from astronet.data.integrity import read_table

COLORS = {"E": "tab:red", "I": "tab:blue", "IP3": "tab:blue", "Ca_astro": "tab:green", "I_SIC": "tab:purple"}

Columns = Mapping[str, np.ndarray]


def read_columns(path, columns=None, meta: dict | None = None) -> dict[str, np.ndarray]:
    """A Parquet table of a run as ``{column: NumPy array}`` (all columns, or those named).

    The table is checked against its checksums (:func:`astronet.data.integrity.read_table`).

    Parameters
    ----------
    path : str or pathlib.Path
        The Parquet file.
    columns : list of str, optional
        The columns to read; all by default.
    meta : dict, optional
        The run's metadata, whose SHA-256 of the file is checked; without it only the page checksums.

    Returns
    -------
    dict of str to numpy.ndarray
        Column name -> its values.

    Raises
    ------
    astronet.data.integrity.DamagedFileError
        If a check fails or the file cannot be decoded.
    """
    table = read_table(path, meta, columns=columns)
    return {name: table.column(name).to_numpy() for name in table.column_names}


def mean_sd_over_time(table: Columns, column: str, t_start: float) -> dict[str, np.ndarray]:
    """Mean, s.d. (ddof 1; 0 for a single node) and count across nodes at each sampled time.

    Parameters
    ----------
    table : mapping of str to numpy.ndarray
        A sampled table, with columns ``time`` (ms) and ``column``.
    column : str
        The quantity: ``IP3`` or ``Ca_astro`` (µM), ``I_SIC`` (pA).
    t_start : float
        First time to include, in ms.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"time", "mean", "std", "count"}``, one entry per sampled time from ``t_start`` on, in time
        order: the time in ms, mean and s.d. in the column's unit, and the number of nodes.
    """
    t = np.asarray(table["time"])
    keep = t >= t_start
    t, v = t[keep], np.asarray(table[column], dtype=float)[keep]
    if len(t) > 1 and np.all(t[1:] >= t[:-1]):  # aggregated tables are sorted by time: O(n)
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        times = t[starts]
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(t)]))
    else:
        times, group = np.unique(t, return_inverse=True)
    count = np.bincount(group, minlength=len(times))
    mean = np.bincount(group, weights=v, minlength=len(times)) / np.maximum(count, 1)
    ss = np.bincount(group, weights=(v - mean[group]) ** 2, minlength=len(times))
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.where(count > 1, np.sqrt(ss / (count - 1)), 0.0)
    return {"time": times, "mean": mean, "std": std, "count": count}


def count_bin_edges(low: float, high: float, resolution: float = 1.0, max_bins: int = 40) -> np.ndarray:
    """Histogram edges for values that can only be whole multiples of ``resolution``.

    Such values are counts (``resolution`` 1) or rates of counts over one window (``resolution`` =
    1 / window, e.g. 2.5 spikes/s over 400 ms). Every bin spans the same number k of possible values
    (k = 1 up to ``max_bins`` values, else the smallest k that needs at most ``max_bins`` bins), with its
    edges half a step between two possible values; so no bin is empty merely because no value can fall
    into it, and none holds more possible values than another.

    Parameters
    ----------
    low, high : float
        The range of the values, in the unit of ``resolution``.
    resolution : float
        The step between possible values (1 for counts; spikes/s of one spike for rates).
    max_bins : int
        Most bins.

    Returns
    -------
    numpy.ndarray of float
        The edges, covering every multiple of ``resolution`` in [``low``, ``high``], in the unit of
        ``resolution``.
    """
    first = math.floor(low / resolution + 1e-9)
    last = max(first, math.ceil(high / resolution - 1e-9))
    values = last - first + 1
    per_bin = max(1, math.ceil(values / max_bins))
    n_bins = math.ceil(values / per_bin)
    return (first + per_bin * np.arange(n_bins + 1) - 0.5) * resolution


def _figure(figsize, **margins) -> Figure:
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(**margins)
    return fig


def _finish(fig: Figure, path, dpi) -> None:
    fig.savefig(path, dpi=dpi)


def raster(spikes: Columns, meta: dict, settings: dict, path) -> None:
    """Raster of the first neurons of each population, in proportion to its size.

    The population rate histogram (spikes/s) is drawn below it.

    Parameters
    ----------
    spikes : mapping of str to numpy.ndarray
        The spike table, columns ``sender`` and ``time`` (ms).
    meta : dict
        The run's aggregated metadata.
    settings : dict
        The configuration's ``figures`` with the plotted window: ``t_start`` and ``t_stop`` (ms of
        NEST's time), ``dpi``, ``raster_neurons`` (count) and ``rate_bin_ms`` (ms).
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    """
    p = meta["parameters"]
    t0, t1 = settings["t_start"], settings["t_stop"]
    rec = recorded_neuron_ids(meta)
    n_rec = sum(len(v) for v in rec.values())
    n_show = min(settings["raster_neurons"], n_rec)
    shown = {name: np.asarray(ids)[: max(1, round(n_show * len(ids) / n_rec))] for name, ids in rec.items() if len(ids)}
    rows = np.sort(np.concatenate(list(shown.values())))  # one raster row per shown neuron, E below I
    times = np.asarray(spikes["time"])
    window = (times >= t0) & (times < t1)
    w_times, w_senders = times[window], np.asarray(spikes["sender"])[window]
    fig = _figure((8, 6), left=0.1, right=0.97, bottom=0.09, top=0.94, hspace=0.2)
    ax_r, ax_h = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for name, ids in shown.items():
        sel = np.isin(w_senders, ids)
        y = np.searchsorted(rows, w_senders[sel])
        ax_r.scatter(w_times[sel], y, s=4, color=COLORS[name], marker=".", linewidths=0, rasterized=True)
    ax_r.set_ylabel("Neuron (row)")
    ax_r.set_ylim(-1, len(rows))
    shown_txt = " + ".join(f"{len(ids)} {name} ({COLORS[name].removeprefix('tab:')})" for name, ids in shown.items())
    ax_r.set_title(
        f"Spikes of {shown_txt} of {n_rec} recorded neurons; N = {p['N_ex'] * p['scale']:.0f} E + "
        f"{p['N_in'] * p['scale']:.0f} I",
        fontsize=10,
    )
    bin_ms = settings["rate_bin_ms"]
    rate, edges = population_rate_histogram(w_times, n_rec, t0, t1, bin_ms)
    ax_h.stairs(rate, edges, fill=True, color="0.3")  # one patch, not one per bin: ~0.1 s less
    ax_h.set_ylabel("Rate (spikes/s)")
    ax_h.set_xlabel("Time (ms)")
    ax_h.set_title(f"Population rate, {bin_ms:g} ms bins, n = {n_rec} neurons", fontsize=9)
    ax_h.set_xlim(t0, t1)
    _finish(fig, path, settings["dpi"])


def band(ax, stats, color, label):
    """Mean (line) ± s.d. (shaded) of :func:`mean_sd_over_time` on ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    stats : dict of str to numpy.ndarray
        What :func:`mean_sd_over_time` returns.
    color : str
        A matplotlib colour.
    label : str
        The legend label of the line.
    """
    t, mean, std = stats["time"], stats["mean"], stats["std"]
    ax.fill_between(t, mean - std, mean + std, alpha=0.3, linewidth=0, color=color)
    ax.plot(t, mean, lw=1.5, color=color, label=label)


def ca_threshold_line(ax, meta: dict) -> None:
    """A dashed line at the astrocytes' SIC_th (µM, from the run's model parameters).

    Ca_astro above it makes a slow inward current.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes of Ca_astro in µM.
    meta : dict
        The run's aggregated metadata, with ``model_parameters``.
    """
    sic_th = meta["model_parameters"][ASTROCYTE_MODEL]["SIC_th"]
    ax.axhline(sic_th, color=COLORS["Ca_astro"], ls="--", lw=0.8)
    ax.annotate(
        "SIC_th",
        (1.0, sic_th),
        xycoords=("axes fraction", "data"),
        xytext=(-2, 2),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=7,
        color=COLORS["Ca_astro"],
    )


def dynamics(astro: Columns, neurons: Columns, meta: dict, settings: dict, path) -> None:
    """IP3 and Ca_astro of astrocytes (twin axes) and I_SIC of neurons: mean ± s.d. over time.

    Parameters
    ----------
    astro : mapping of str to numpy.ndarray
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM).
    neurons : mapping of str to numpy.ndarray
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA).
    meta : dict
        The run's aggregated metadata.
    settings : dict
        The configuration's ``figures`` with the plotted window: ``t_start`` and ``t_stop`` (ms of
        NEST's time), ``dpi``.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    """
    t0 = settings["t_start"]
    fig = _figure((8, 6), left=0.12, right=0.88, bottom=0.09, top=0.94, hspace=0.2)
    ax_a, ax_n = fig.subplots(2, 1, sharex=True)
    n_astro = len(np.unique(astro["sender"]))
    band(ax_a, mean_sd_over_time(astro, "IP3", t0), COLORS["IP3"], "IP3")
    ax_a.set_ylabel("IP₃ (µM)", color=COLORS["IP3"])
    ax_a.tick_params(axis="y", labelcolor=COLORS["IP3"])
    ax_c = ax_a.twinx()
    band(ax_c, mean_sd_over_time(astro, "Ca_astro", t0), COLORS["Ca_astro"], "Ca")
    ca_threshold_line(ax_c, meta)
    ax_c.set_ylabel("Ca²⁺ (µM)", color=COLORS["Ca_astro"])
    ax_c.tick_params(axis="y", labelcolor=COLORS["Ca_astro"])
    ax_a.set_title(f"IP₃ and Ca²⁺ in astrocytes, mean ± s.d. (n = {n_astro})")
    band(ax_n, mean_sd_over_time(neurons, "I_SIC", t0), COLORS["I_SIC"], "SIC")
    ax_n.set_ylabel("I_SIC (pA)")
    ax_n.set_xlabel("Time (ms)")
    ax_n.set_title(f"Slow inward current in neurons, mean ± s.d. (n = {len(np.unique(neurons['sender']))})")
    ax_n.set_xlim(t0, settings["t_stop"])
    _finish(fig, path, settings["dpi"])


def rate_distribution(spikes: Columns, meta: dict, settings: dict, path) -> Figure:
    """Histogram of per-neuron firing rates of E and I, silent neurons included; returns the figure.

    A rate over the window [t_start, t_stop) is a spike count divided by the window, so it takes only
    multiples of 1 / window (2.5 spikes/s over 400 ms): the bins are whole multiples of that step
    (:func:`count_bin_edges`), centred on the possible rates.

    Parameters
    ----------
    spikes : mapping of str to numpy.ndarray
        The spike table, columns ``sender`` and ``time`` (ms).
    meta : dict
        The run's aggregated metadata.
    settings : dict
        The configuration's ``figures`` with the plotted window: ``t_start`` and ``t_stop`` (ms of
        NEST's time), ``dpi``.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, already written to ``path``.
    """
    t0, t1 = settings["t_start"], settings["t_stop"]
    fig = _figure((6, 4), left=0.12, right=0.97, bottom=0.14, top=0.91)
    ax = fig.subplots()
    rates = {name: per_neuron_rates(spikes, ids, t0, t1) for name, ids in recorded_neuron_ids(meta).items()}
    top = max((r.max() for r in rates.values() if len(r)), default=0.0)
    step = 1000.0 / (t1 - t0)  # spikes/s of one spike in the window
    bins = count_bin_edges(0.0, top, step)
    for name, r in rates.items():
        if len(r):
            ax.hist(
                r,
                bins=bins,
                histtype="step",
                lw=1.5,
                color=COLORS[name],
                density=True,
                label=f"{name}: n = {len(r)}, mean {r.mean():.2f} spikes/s",
            )
    ax.set_xlabel(f"Firing rate (spikes/s; bins of {bins[1] - bins[0]:.4g}, one spike = {step:.4g})")
    ax.set_ylabel("Probability density (s)")
    ax.set_title(f"Firing-rate distribution, {t0:g}–{t1:g} ms")
    ax.legend(fontsize=8)
    _finish(fig, path, settings["dpi"])
    return fig


def draw_all(spikes: Columns, astro: Columns, neurons: Columns, meta: dict, settings: dict, paths: dict) -> None:
    """The three figures of a run: raster, dynamics and rate distribution, to ``paths[name]``.

    Parameters
    ----------
    spikes : mapping of str to numpy.ndarray
        The spike table, columns ``sender`` and ``time`` (ms).
    astro : mapping of str to numpy.ndarray
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM).
    neurons : mapping of str to numpy.ndarray
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA).
    meta : dict
        The run's aggregated metadata.
    settings : dict
        The configuration's ``figures`` with the plotted window: ``t_start`` and ``t_stop`` (ms of
        NEST's time), ``dpi``, ``raster_neurons`` (count) and ``rate_bin_ms`` (ms).
    paths : dict
        ``raster``, ``dynamics`` and ``rate_distribution`` -> where to write that figure.
    """
    raster(spikes, meta, settings, paths["raster"])
    dynamics(astro, neurons, meta, settings, paths["dynamics"])
    rate_distribution(spikes, meta, settings, paths["rate_distribution"])
