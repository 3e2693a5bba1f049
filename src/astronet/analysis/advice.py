"""Warnings where a result is likely not what the user meant.

They are Python warnings of category :class:`ResultWarning` (filter them as usual). In the
workflow's jobs, whose stderr goes to the rule's log, each is also written to the console
(Snakemake's stderr, astronet.runtime.joblog.console), so that it shows among Snakemake's messages.
"""

from __future__ import annotations

import math
import sys
import warnings

from astronet.runtime.joblog import console

#: Fewest seeds per point from which a 95 % confidence interval of the mean is drawn.
MIN_SEEDS_FOR_CI = 3
#: Mean rate over all neurons (spikes/s) above which a run of these cortical networks, whose
#: balanced state fires at ~5-20 spikes/s, is taken for a runaway: a parameter likely off by orders.
MAX_PLAUSIBLE_RATE = 100.0


class ResultWarning(UserWarning):
    """A result that is valid but probably not what was intended."""


_show = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if not issubclass(category, ResultWarning):
        return _show(message, category, filename, lineno, file, line)
    text = f"astronet warning: {message}\n"
    for stream in dict.fromkeys(s for s in (file or sys.stderr, console()) if s is not None):
        stream.write(text)
        stream.flush()


warnings.showwarning = _showwarning


def few_seeds(experiment: str, n_seeds) -> str | None:
    """Message if some point of the experiment has fewer than MIN_SEEDS_FOR_CI seeds.

    Only for an experiment of more than one run: a single run has no sweep figures, and asked for no
    statistics across seeds.

    Parameters
    ----------
    experiment : str
        The experiment's name.
    n_seeds : iterable of int
        The number of seeds of each grid point.

    Returns
    -------
    str or None
        The message, or None if every point has enough seeds or there is a single run.
    """
    counts = [int(k) for k in n_seeds]
    n = min(counts)
    if n >= MIN_SEEDS_FOR_CI or sum(counts) < 2:
        return None
    what = (
        "no statistics across seeds at all"
        if n == 1
        else f"a 95 % interval from n = {n} would rest on {n - 1} degree of freedom"
    )
    return (
        f"experiment {experiment}: {n} seed(s) per point ({what}); the sweep figures draw no confidence "
        f"intervals below n = {MIN_SEEDS_FOR_CI}. List at least {MIN_SEEDS_FOR_CI} seeds under the experiment's "
        "`seeds`."
    )


def no_sic(experiment: str, records: list[dict], grid_keys=()) -> str | None:
    """Message if in every run Ca_astro stays below the SIC threshold throughout the analysis window.

    The astrocytes then inject no slow inward current, and the coupling w_a2n has no effect.

    Parameters
    ----------
    experiment : str
        The experiment's name.
    records : list of dict
        The runs' metrics.json records: ``metrics.ca_peak`` (µM), ``settings.ca_threshold`` (µM),
        ``window_ms`` (ms).
    grid_keys : collection of str
        The experiment's swept parameters (the message says whether ``w_a2n`` is one).

    Returns
    -------
    str or None
        The message, or None if there are no records, a run's peak is missing or not finite, or some
        peak exceeds the lowest threshold.
    """
    peaks = [r["metrics"].get("ca_peak") for r in records]
    thresholds = {r["settings"]["ca_threshold"] for r in records}
    if not records or any(p is None or not math.isfinite(p) for p in peaks) or any(p > min(thresholds) for p in peaks):
        return None
    windows = sorted({tuple(r["window_ms"]) for r in records})
    window = ", ".join(f"[{a:g}, {b:g})" for a, b in windows)
    effect = "every w_a2n gives the same result" if "w_a2n" in grid_keys else "w_a2n has no effect"
    return (
        f"experiment {experiment}: Ca_astro never exceeds the SIC threshold ({min(thresholds):g} µM; highest peak "
        f"{max(peaks):.4g} µM) in the analysis window {window} ms of any of its {len(records)} run(s): the astrocytes "
        f"inject no slow inward current there, so {effect}. Simulate longer (sim_time: in the laptop-sized "
        "network of config/config.yaml, Ca crosses after about 670 ms)."
    )


def implausible_rate(run: str, record: dict) -> str | None:
    """Message if a run's mean rate over all neurons exceeds :data:`MAX_PLAUSIBLE_RATE`.

    Parameters
    ----------
    run : str
        The run, as named in the message (``experiment/run``).
    record : dict
        The run's metrics.json record: ``metrics.rate_all`` (spikes/s) and ``window_ms`` (ms).

    Returns
    -------
    str or None
        The message, or None if the rate is missing or at most :data:`MAX_PLAUSIBLE_RATE` spikes/s.
    """
    rate = record["metrics"].get("rate_all")
    if rate is None or rate <= MAX_PLAUSIBLE_RATE:
        return None
    t0, t1 = record["window_ms"]
    return (
        f"run {run}: the neurons fire at {rate:.1f} spikes/s on average over [{t0:g}, {t1:g}) ms, above "
        f"{MAX_PLAUSIBLE_RATE:g} spikes/s: a runaway rather than a balanced state (Jiang et al.'s networks fire at "
        "5-20 spikes/s); check weights (w_e, w_i, w_a2n) and the drive (poisson_rate)."
    )


def no_fano(experiment: str, records: list[dict]) -> str | None:
    """Message if the Fano factor's counting window fits fewer than twice into a run's analysis window.

    The factor compares counts across windows, so it is undefined (null) there.

    Parameters
    ----------
    experiment : str
        The experiment's name.
    records : list of dict
        The runs' metrics.json records: ``window_ms`` and ``settings.fano_bin_ms`` (ms).

    Returns
    -------
    str or None
        The message (naming the first such run's window and how many runs are affected), or None.
    """
    short = [r for r in records if (r["window_ms"][1] - r["window_ms"][0]) < 2 * r["settings"]["fano_bin_ms"]]
    if not short:
        return None
    r = short[0]
    return (
        f"experiment {experiment}: analysis.fano_bin_ms = {r['settings']['fano_bin_ms']:g} ms fits fewer than twice "
        f"into the analysis window [{r['window_ms'][0]:g}, {r['window_ms'][1]:g}) ms of {len(short)} run(s): their "
        "Fano factor is undefined (null). Use a fano_bin_ms of at most half the window, or simulate longer."
    )


def report(*messages: str | None) -> None:
    """Issue every message that is not None, as a :class:`ResultWarning`.

    Parameters
    ----------
    *messages : str or None
        The messages; None and empty ones are skipped.
    """
    for message in messages:
        if message:
            warnings.warn(message, ResultWarning, stacklevel=2)
