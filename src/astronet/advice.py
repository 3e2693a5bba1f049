"""Warnings where a result is likely not what the user meant.

They are Python warnings of category :class:`ResultWarning` (filter them as usual). In the
workflow's jobs, whose stderr goes to the rule's log, each is also written to the console
(Snakemake's stderr, astronet.joblog.console), so that it shows among Snakemake's messages.
"""

from __future__ import annotations

import math
import sys
import warnings

from .joblog import console

#: Fewest seeds per point from which a 95 % confidence interval of the mean is drawn.
MIN_SEEDS_FOR_CI = 3


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
    """Message if some point of the experiment has fewer than MIN_SEEDS_FOR_CI seeds."""
    n = min(int(k) for k in n_seeds)
    if n >= MIN_SEEDS_FOR_CI:
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


def single_point(experiment: str, n_points: int) -> str | None:
    """Message if an experiment's sweep figures would show a single point."""
    if n_points != 1:
        return None
    return (
        f"experiment {experiment} has a single point (no `grid`): its sweep figures show one value per metric, "
        "not a dependence on a parameter; sweep a parameter with the experiment's `grid`."
    )


def no_sic(experiment: str, records: list[dict], grid_keys=()) -> str | None:
    """Message if in every run Ca_astro stays below the SIC threshold throughout the analysis
    window: the astrocytes then inject no slow inward current, and the coupling w_a2n has no effect."""
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


def no_fano(experiment: str, records: list[dict]) -> str | None:
    """Message if the Fano factor's counting window fits fewer than twice into a run's analysis
    window: the factor compares counts across windows, so it is undefined (null) there."""
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
    """Issue every message that is not None."""
    for message in messages:
        if message:
            warnings.warn(message, ResultWarning, stacklevel=2)
