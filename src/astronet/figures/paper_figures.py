"""Figures across runs in the layouts of Jiang et al. 2025 (PLoS Comput Biol 21(9) e1013503).

* :func:`fig3` — runs side by side, one column each (the paper: Sparse | Synchronous): A raster of
  the first recorded neurons, B population rate over all recorded neurons, C IP3 and Ca_astro
  (twin axes), D I_SIC, both mean ± s.d. across the sampled nodes at each sample.
* :func:`fig8` — the connectivity of runs that recorded their connections (the paper: pool sizes
  10 to 10 000): distributions of :data:`astronet.analysis.connectivity.DEGREES` and the cost per run.

Drawn from the aggregated tables with matplotlib's object API, as :mod:`astronet.figures.plotting`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from astronet.analysis.connectivity import DEGREES
from astronet.analysis.metrics import population_rate_histogram
from astronet.config.run_quantities import recorded_neuron_ids
from astronet.figures.plotting import COLORS, band, ca_threshold_line, count_bin_edges, mean_sd_over_time

RUN_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


def plotted_window(settings: dict, analysis_window) -> tuple[float, float]:
    """A comparison's plotted window (ms, NEST's times).

    Its ``t_start`` and ``t_stop``, each defaulting to the run's analysis window.

    Parameters
    ----------
    settings : dict
        The comparison's settings; ``t_start`` and ``t_stop`` (ms, or None) are used.
    analysis_window : tuple of float
        The run's analysis window ``(t_start, t_stop)`` in ms.

    Returns
    -------
    tuple of float
        ``(t_start, t_stop)`` in ms.
    """
    t0, t1 = (float(t) for t in analysis_window)
    start, stop = settings.get("t_start"), settings.get("t_stop")
    return (t0 if start is None else float(start)), (t1 if stop is None else float(stop))


def _window_spikes(run: dict) -> tuple[np.ndarray, np.ndarray]:
    """Times and senders of a run's spikes in its plotted ``window`` [t0, t1)."""
    t0, t1 = run["window"]
    times = np.asarray(run["spikes"]["time"])
    senders = np.asarray(run["spikes"]["sender"])
    keep = (times >= t0) & (times < t1)
    return times[keep], senders[keep]


def population_rate_trace(run: dict, bin_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Population rate (spikes/s per neuron) over every recorded neuron, in bins over the plotted window.

    Silent neurons are included. Jiang et al.'s Fig. 3 uses 0.5 ms bins over all 10 000 neurons.

    Parameters
    ----------
    run : dict
        A run as :func:`fig3` takes it; ``spikes``, ``meta`` and ``window`` are used.
    bin_ms : float
        Bin width in ms.

    Returns
    -------
    rate : numpy.ndarray of float
        Rate in each bin, in spikes/s per neuron.
    edges : numpy.ndarray of float
        The bin edges in ms.
    """
    rec = recorded_neuron_ids(run["meta"])
    times, _ = _window_spikes(run)
    return population_rate_histogram(times, len(rec["E"]) + len(rec["I"]), *run["window"], bin_ms)


def trace_summary(run: dict, bin_ms: float) -> dict:
    """The plotted window and the peak and 99th percentile of a run's population-rate trace.

    For the comparison's table.

    Parameters
    ----------
    run : dict
        A run as :func:`fig3` takes it, with ``window`` and ``rate`` (:func:`population_rate_trace`).
    bin_ms : float
        The bin width of the trace in ms.

    Returns
    -------
    dict
        ``plot_t_start_ms`` and ``plot_t_stop_ms`` (ms), ``rate_bin_ms`` (ms), ``rate_trace_peak`` and
        ``rate_trace_p99`` (spikes/s).
    """
    rate = run["rate"][0]
    t0, t1 = run["window"]
    return {
        "plot_t_start_ms": t0,
        "plot_t_stop_ms": t1,
        "rate_bin_ms": bin_ms,
        "rate_trace_peak": float(rate.max()),
        "rate_trace_p99": float(np.percentile(rate, 99)),
    }


def fig3(runs: Mapping[str, dict], settings: dict, path) -> None:
    """Jiang et al.'s Fig. 3 for the runs ``{label: run}``.

    Parameters
    ----------
    runs : mapping of str to dict
        Label -> run; each run is a dict with ``spikes``, ``astrocytes``, ``neurons`` (column
        mappings: times in ms, IP3 and Ca_astro in µM, I_SIC in pA), ``meta`` (metadata.json),
        ``window`` ((t_start, t_stop) plotted, in ms, NEST's times: :func:`plotted_window`), ``rate``
        (:func:`population_rate_trace`) and ``metrics`` (metrics.json's ``metrics``, over the analysis
        window).
    settings : dict
        ``raster_neurons`` (count), ``rate_bin_ms`` (ms), ``dpi``.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    """
    n = len(runs)
    fig = Figure(figsize=(4.2 * n + 0.8, 9.5))
    fig.subplots_adjust(
        left=0.09 if n > 1 else 0.16, right=0.9 if n > 1 else 0.84, bottom=0.06, top=0.93, hspace=0.45, wspace=0.45
    )
    axes = fig.subplots(4, n, squeeze=False, sharex="col", gridspec_kw={"height_ratios": [2.2, 1, 1.2, 1]})
    bin_ms = settings["rate_bin_ms"]
    for col, (label, run) in enumerate(runs.items()):
        ax_r, ax_h, ax_a, ax_s = axes[:, col]
        t0, t1 = run["window"]
        rec = recorded_neuron_ids(run["meta"])
        ids = np.concatenate([rec["E"], rec["I"]])
        shown = ids[: settings["raster_neurons"]]
        times, senders = _window_spikes(run)
        sel = np.isin(senders, shown)
        colors = np.where(np.isin(senders[sel], rec["E"]), COLORS["E"], COLORS["I"])
        ax_r.scatter(
            times[sel], np.searchsorted(shown, senders[sel]), s=2, c=colors, marker=".", linewidths=0, rasterized=True
        )
        ax_r.set_ylim(-1, len(shown))
        m = run["metrics"]
        ax_r.set_title(
            f"{label}\n{m['rate_all']:.2f} spikes/s, local sync. {m['sync_local_all']:.3f} ± "
            f"{m['sync_local_sd_all']:.3f} (fast {m['sync_local_fast_all']:.3f}), "
            f"χ² {m['sync_global_all']:.3f}",
            fontsize=9,
        )
        rate, edges = run["rate"]
        ax_h.stairs(rate, edges, fill=True, color="0.3")
        trace = trace_summary(run, bin_ms)
        ax_h.set_title(
            f"Population rate, {bin_ms:g} ms bins, n = {len(ids)}\npeak {trace['rate_trace_peak']:.1f}, "
            f"99th perc. {trace['rate_trace_p99']:.1f} spikes/s",
            fontsize=8,
        )
        astro, neurons = run["astrocytes"], run["neurons"]
        band(ax_a, mean_sd_over_time(astro, "IP3", t0), COLORS["IP3"], "IP₃")
        ax_c = ax_a.twinx()
        band(ax_c, mean_sd_over_time(astro, "Ca_astro", t0), COLORS["Ca_astro"], "Ca²⁺")
        ca_threshold_line(ax_c, run["meta"])
        ax_a.tick_params(axis="y", labelcolor=COLORS["IP3"])
        ax_c.tick_params(axis="y", labelcolor=COLORS["Ca_astro"])
        ax_a.set_title(f"IP₃ and Ca²⁺, mean ± s.d. (n = {len(np.unique(astro['sender']))} astrocytes)", fontsize=8)
        band(ax_s, mean_sd_over_time(neurons, "I_SIC", t0), COLORS["I_SIC"], "SIC")
        ax_s.set_title(f"I_SIC, mean ± s.d. (n = {len(np.unique(neurons['sender']))} neurons)", fontsize=8)
        ax_s.set_xlim(t0, t1)
        ax_s.set_xlabel("Time (ms)")
        if col == 0:
            ax_r.set_ylabel("Neuron")
            ax_h.set_ylabel("Rate (spikes/s)")
            ax_a.set_ylabel("IP₃ (µM)", color=COLORS["IP3"])
            ax_s.set_ylabel("I_SIC (pA)")
        if col == n - 1:
            ax_c.set_ylabel("Ca²⁺ (µM)", color=COLORS["Ca_astro"])
    for row, letter in enumerate("ABCD"):  # panel letters at the figure's left edge
        fig.text(0.01, axes[row, 0].get_position().y1 + 0.005, letter, fontsize=12, fontweight="bold", va="bottom")
    fig.savefig(path, dpi=settings["dpi"])


def fig8(runs: Mapping[str, dict], settings: dict, path) -> None:
    """Jiang et al.'s Fig. 8 for the runs ``{label: run}``.

    One histogram per run and degree, then build / simulate time and peak memory per run.

    Parameters
    ----------
    runs : mapping of str to dict
        Label -> run; each run is a dict with ``degrees``
        (:func:`astronet.analysis.connectivity.degrees`) and ``cost``
        (:func:`astronet.analysis.connectivity.run_cost`: times in s, memory in MiB).
    settings : dict
        ``dpi`` and optionally ``title``.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    """
    fig = Figure(figsize=(13, 7.5))
    fig.subplots_adjust(left=0.06, right=0.94, bottom=0.08, top=0.93, hspace=0.45, wspace=0.32)
    axes = fig.subplots(2, 3).ravel()
    for ax, (name, what) in zip(axes, DEGREES.items(), strict=False):
        low = min(int(run["degrees"][name].min()) for run in runs.values())
        top = max(int(run["degrees"][name].max()) for run in runs.values())
        bins = count_bin_edges(low, top, max_bins=80)  # whole counts per bin, as many in each
        for color, (label, run) in zip(RUN_COLORS * 4, runs.items(), strict=False):
            values = run["degrees"][name]
            ax.hist(
                values,
                bins=bins,
                histtype="step",
                lw=1.3,
                color=color,
                label=f"{label}: {values.mean():.1f} ± {values.std():.1f}",
            )
        ax.set_title(what, fontsize=9)
        ax.set_xlabel("count")
        ax.set_ylabel("nodes")
        ax.legend(fontsize=7)
    ax_cost = axes[-1]
    labels = list(runs)
    x = np.arange(len(labels))
    build = [run["cost"]["build_s"] for run in runs.values()]
    simulate = [run["cost"]["simulate_s"] for run in runs.values()]
    ax_cost.bar(x - 0.2, build, 0.4, label="build (create + connect)", color="0.5")
    ax_cost.bar(x + 0.2, simulate, 0.4, label="simulate", color="0.2")
    ax_cost.set_xticks(x, labels, fontsize=8)
    ax_cost.set_ylabel("time (s)")
    ax_mem = ax_cost.twinx()
    ax_mem.plot(
        x, [run["cost"]["peak_memory_mib"] for run in runs.values()], "o-", color="tab:red", label="peak memory"
    )
    ax_mem.set_ylabel("peak memory per rank (MiB)", color="tab:red")
    ax_mem.set_ylim(bottom=0)
    ax_cost.set_title("cost per run", fontsize=9)
    ax_cost.legend(fontsize=7, loc="upper left")
    fig.suptitle(settings.get("title", "Astrocyte→neuron connectivity"), fontsize=11)
    fig.savefig(path, dpi=settings["dpi"])
