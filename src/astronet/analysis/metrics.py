"""Scalar activity metrics for neuron–astrocyte network simulations.

All functions work on the tidy tables written by the aggregation step
(column names as in NEST's recorders):

* ``spikes``     – ``sender`` (int node id), ``time`` (ms), ``population``
* ``astrocytes`` – ``sender``, ``time`` (ms), ``IP3`` (µM), ``Ca_astro`` (µM)
* ``neurons``    – ``sender``, ``time`` (ms), ``I_SIC`` (pA)

Population membership is never inferred from the ``population`` column of
``spikes``: it is passed explicitly as ``{name: array of node ids}`` so that
neurons which never fired are counted (they contribute rate 0).

Conventions used throughout
---------------------------
* Analysis window: half-open ``[t_start, t_stop)`` in ms, for spikes and for
  sampled traces alike.
* Time bins: ``[t_start + k*b, t_start + (k+1)*b)`` for
  ``k = 0 .. floor((t_stop - t_start)/b) - 1``; a trailing partial bin is
  dropped.  A spike is put into bin ``floor((t - t_start)/b)``, except that a
  spike within 1e-8 bin widths below an edge is moved into the following
  bin to undo floating-point error (the same rule and tolerance as
  ``elephant.conversion.BinnedSpikeTrain``).
* Variances are population variances (``ddof=0``), as in Elephant
  (``elephant.statistics.cv`` is ``scipy.stats.variation``;
  ``elephant.statistics.fanofactor`` uses ``np.var``).  For the Fano factor
  this means that with ``n`` counting windows a Poisson process gives
  ``E[F] ≈ (n - 1)/n`` rather than 1.
* Metrics that are undefined (no spikes, too few neurons, zero variance)
  are ``NaN`` rather than errors; only invalid arguments raise (an empty or
  reversed window, a non-positive bin width, duplicate node ids, unknown
  settings keys).

Synchrony (Jiang et al. 2025)
-----------------------------
Jiang et al. (2025), PLoS Comput Biol 21(9): e1013503.  The search tool held
only the abstract (PMC12494295, whose abstract matches: a NEST framework for
neuron–astrocyte networks in which astrocytes induce local synchronization),
not the methods text.  The synchrony definitions were
checked against the analysis code of the NEST astrocyte benchmark models that
accompany that work (functions ``calc_synchrony`` and ``get_corr``, found with
the code search tool; its repository name could not be resolved there).  That
code:

* keeps spikes in ``[start, end)``, draws ``N_analysis = 100`` neurons at
  random *among neurons that spiked* (``random.sample`` of the senders),
* histograms each neuron's spikes with ``binwidth = 10`` ms bins,
* **local synchrony** = mean over all pairs of the Pearson correlation
  coefficient (``np.corrcoef``) of the two spike-count histograms, pairs with an
  all-zero histogram being skipped,
* **global synchrony** = ``var(mean histogram) / mean(var(individual
  histograms))`` — Golomb's χ² measure (Golomb 2007, Scholarpedia 2(1):1347),
  whose value is 1 for identical trains and ≈ 1/N for N independent ones.

Fast synchrony
--------------
A rate that all neurons share and that changes over seconds (e.g. driven by the slow inward
current of astrocytes whose calcium rises and falls) raises the correlation of spike counts in
10 ms bins, just as spikes that coincide within milliseconds do.  The ``*_fast`` measures keep
only the second kind:
from each neuron's counts the mean count of its enclosing block of ``jitter_ms`` is subtracted
(the count expected when every spike is moved at random within its block, i.e. interval jitter:
Amarasingham et al. 2012, J Neurophysiol 107(2):517-531), and the two measures are taken of these
residuals.  Co-variation slower than ``jitter_ms`` is removed; what is left is synchrony on
time scales shorter than it.

This module follows that definition, vectorised: silent neurons are excluded
before sampling; pairs whose correlation is undefined (a histogram with zero
variance, e.g. a neuron firing exactly once in every bin) are excluded from
the mean; with fewer than 2 sampled neurons both measures are NaN.
Sampling uses ``numpy.random.default_rng(seed)``, a fresh generator per call,
so results do not depend on the order in which populations are evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from astronet.config.analysis_settings import jitter_block_bins

if TYPE_CHECKING:  # pandas is imported where it is used: figures need only NumPy (spike tables
    import pandas as pd  # may be DataFrames or mappings of column name to array)

__all__ = [
    "DEFAULT_SETTINGS",
    "SynchronyResult",
    "spike_counts",
    "per_neuron_rates",
    "population_rate",
    "binned_spike_counts",
    "cv_isi",
    "fano_factor",
    "pairwise_correlations",
    "local_synchrony",
    "local_synchrony_sd",
    "global_synchrony",
    "jitter_residuals",
    "synchrony",
    "ca_first_crossing",
    "sd_across_nodes",
    "astrocyte_metrics",
    "sic_metrics",
    "run_metrics",
]


def _schema_defaults() -> dict:
    """Defaults of the ``analysis`` section of the configuration schema, the one place they live.

    ``t_start`` is the analysis window, an argument of :func:`run_metrics`, not a setting.
    """
    from astronet.config.schema import load_schema

    props = load_schema()["properties"]["analysis"]["properties"]
    return {name: spec["default"] for name, spec in props.items() if name != "t_start"}


#: Defaults for :func:`run_metrics`'s ``settings``, read from the configuration schema
#: (``src/astronet/config/config.schema.yaml``, section ``analysis``, units there):
#: ``bin_ms`` [ms] (Jiang et al. 2025: 10 ms), ``fano_bin_ms`` [ms], ``sync_sample_size`` [-]
#: (Jiang et al.: 100), ``sync_seed`` [-], ``jitter_ms`` [ms], ``ca_threshold`` [µM] (astrocyte_lr_1994's SIC_th,
#: the calcium level above which an astrocyte emits a slow inward current), ``cv_min_spikes`` [-].
DEFAULT_SETTINGS: dict = _schema_defaults()

# Tolerance (in units of one bin) for moving spikes that sit just below a bin
# edge into the next bin -- Elephant's BinnedSpikeTrain default.
_BIN_TOLERANCE = 1e-8


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _check_window(t_start: float, t_stop: float) -> tuple[float, float]:
    t_start, t_stop = float(t_start), float(t_stop)
    if not np.isfinite(t_start) or not np.isfinite(t_stop) or t_stop <= t_start:
        raise ValueError(f"need finite t_start < t_stop, got [{t_start}, {t_stop})")
    return t_start, t_stop


def _as_ids(node_ids) -> np.ndarray:
    ids = np.asarray(node_ids, dtype=np.int64).ravel()
    if np.unique(ids).size != ids.size:
        raise ValueError("node ids of a population must be unique")
    return ids


def _select_spikes(spikes: pd.DataFrame | None, ids: np.ndarray, t_start: float, t_stop: float):
    """Row index into ``ids`` and time of each spike of these neurons in the window.

    Returns ``(rows, times)``, both 1-D arrays of equal length.
    """
    if spikes is None or len(spikes) == 0 or ids.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=float)
    senders = np.asarray(spikes["sender"], dtype=np.int64)
    times = np.asarray(spikes["time"], dtype=float)
    in_window = (times >= t_start) & (times < t_stop)
    senders, times = senders[in_window], times[in_window]
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.searchsorted(sorted_ids, senders)
    pos_clipped = np.minimum(pos, sorted_ids.size - 1)
    member = sorted_ids[pos_clipped] == senders
    return order[pos_clipped[member]], times[member]


def _n_bins(t_start: float, t_stop: float, bin_ms: float) -> int:
    if not bin_ms > 0:
        raise ValueError(f"bin width must be > 0 ms, got {bin_ms}")
    n = (t_stop - t_start) / bin_ms
    # same rounding-error correction as for the spikes
    return int(np.floor(n + _BIN_TOLERANCE))


def _bin_index(times: np.ndarray, t_start: float, bin_ms: float) -> np.ndarray:
    return np.floor((times - t_start) / bin_ms + _BIN_TOLERANCE).astype(np.int64)


def _binned_rows_cols(spikes, ids, t_start, t_stop, bin_ms, n_bins):
    """Row (index into ids) and bin index of every spike falling into a full bin."""
    rows, times = _select_spikes(spikes, ids, t_start, t_stop)
    cols = _bin_index(times, t_start, bin_ms)
    keep = (cols >= 0) & (cols < n_bins)
    return rows[keep], cols[keep]


def _nanmean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")


# --------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------


def spike_counts(spikes: pd.DataFrame | None, node_ids, t_start: float, t_stop: float) -> np.ndarray:
    """Number of spikes of each neuron in ``[t_start, t_stop)``.

    Spikes of senders not in ``node_ids`` are ignored.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.

    Returns
    -------
    numpy.ndarray of int
        Spike count of each neuron, aligned with ``node_ids`` (silent neurons give 0).

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite, or ``node_ids`` has duplicates.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    ids = _as_ids(node_ids)
    rows, _ = _select_spikes(spikes, ids, t_start, t_stop)
    return np.bincount(rows, minlength=ids.size)


def per_neuron_rates(spikes: pd.DataFrame | None, node_ids, t_start: float, t_stop: float) -> np.ndarray:
    """Firing rate of each neuron [spikes/s] over ``[t_start, t_stop)`` (ms).

    This is the input for the rate-distribution figure.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.

    Returns
    -------
    numpy.ndarray of float
        Rate of each neuron in spikes/s, aligned with ``node_ids``; silent neurons have rate 0.

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite, or ``node_ids`` has duplicates.
    """
    counts = spike_counts(spikes, node_ids, t_start, t_stop)
    return counts / ((float(t_stop) - float(t_start)) / 1000.0)


def population_rate_histogram(spike_times, n_neurons: int, t_start: float, t_stop: float, bin_ms: float):
    """Population rate (spikes/s per neuron) in bins of ``bin_ms`` from ``t_start`` on.

    The rate is over ``n_neurons`` neurons, silent ones included. Whole bins only: a last bin that
    ``t_stop`` would cut short is left out (its rate would read too low).

    Parameters
    ----------
    spike_times : array_like of float
        Times of the spikes of the population, in ms.
    n_neurons : int
        Number of neurons of the population, silent ones included (at least 1 is used).
    t_start, t_stop : float
        The window in ms; the bins start at ``t_start``.
    bin_ms : float
        Bin width in ms.

    Returns
    -------
    rate : numpy.ndarray of float
        Rate in each bin, in spikes/s per neuron.
    edges : numpy.ndarray of float
        The bin edges in ms, one more than bins.
    """
    edges = np.arange(t_start, t_stop + bin_ms / 2, bin_ms)
    counts, _ = np.histogram(spike_times, bins=edges)
    return counts / max(n_neurons, 1) / (bin_ms / 1000.0), edges


def population_rate(spikes: pd.DataFrame | None, node_ids, t_start: float, t_stop: float) -> float:
    """Mean firing rate [spikes/s] over *all* neurons of ``node_ids``, silent ones included.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.

    Returns
    -------
    float
        Mean rate in spikes/s; NaN for an empty population.

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite, or ``node_ids`` has duplicates.
    """
    rates = per_neuron_rates(spikes, node_ids, t_start, t_stop)
    return float(rates.mean()) if rates.size else float("nan")


# --------------------------------------------------------------------------
# binned counts, CV, Fano
# --------------------------------------------------------------------------


def binned_spike_counts(
    spikes: pd.DataFrame | None, node_ids, t_start: float, t_stop: float, bin_ms: float
) -> np.ndarray:
    """Spike-count histograms, shape ``(len(node_ids), n_bins)``.

    Bins as described in the module docstring (full bins only).

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    bin_ms : float
        Bin width in ms.

    Returns
    -------
    numpy.ndarray of int
        Spike count of each neuron (row, aligned with ``node_ids``) in each bin (column).

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite, ``bin_ms`` is not positive, or ``node_ids`` has
        duplicates.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    ids = _as_ids(node_ids)
    n_bins = _n_bins(t_start, t_stop, bin_ms)
    rows, cols = _binned_rows_cols(spikes, ids, t_start, t_stop, bin_ms, n_bins)
    flat = rows * n_bins + cols
    counts = np.bincount(flat, minlength=ids.size * n_bins)
    return counts.reshape(ids.size, n_bins)


def cv_isi(
    spikes: pd.DataFrame | None,
    node_ids,
    t_start: float,
    t_stop: float,
    min_spikes: int = DEFAULT_SETTINGS["cv_min_spikes"],
) -> tuple[float, np.ndarray]:
    """Coefficient of variation of inter-spike intervals.

    For each neuron with at least ``min_spikes`` spikes in ``[t_start, t_stop)`` (default 3, i.e.
    >= 2 intervals): ``CV = std(ISI) / mean(ISI)`` with the population std (``ddof=0``, as
    ``elephant.statistics.cv``). Neurons with fewer spikes get NaN.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    min_spikes : int
        Fewest spikes in the window for a neuron to have a CV; at least 2.

    Returns
    -------
    mean : float
        Mean CV [-] over neurons with a defined CV; NaN if no neuron qualifies.
    per_neuron : numpy.ndarray of float
        CV [-] of each neuron, aligned with ``node_ids``.

    Raises
    ------
    ValueError
        If ``min_spikes < 2``, the window is empty, reversed or not finite, or ``node_ids`` has
        duplicates.
    """
    if min_spikes < 2:
        raise ValueError("min_spikes must be >= 2 (at least one interval)")
    t_start, t_stop = _check_window(t_start, t_stop)
    ids = _as_ids(node_ids)
    rows, times = _select_spikes(spikes, ids, t_start, t_stop)
    cv = np.full(ids.size, np.nan)
    if rows.size == 0:
        return float("nan"), cv
    order = np.lexsort((times, rows))
    rows, times = rows[order], times[order]
    same = rows[1:] == rows[:-1]
    isi = np.diff(times)[same]
    isi_rows = rows[1:][same]
    n_isi = np.bincount(isi_rows, minlength=ids.size)
    ok = n_isi >= (min_spikes - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(isi_rows, weights=isi, minlength=ids.size) / n_isi
        # two-pass variance: exact 0 for perfectly regular trains
        dev2 = (isi - mean[isi_rows]) ** 2
        var = np.bincount(isi_rows, weights=dev2, minlength=ids.size) / n_isi
        values = np.sqrt(var) / mean
    ok &= mean > 0
    cv[ok] = values[ok]
    return _nanmean(cv), cv


def fano_factor(
    spikes: pd.DataFrame | None,
    node_ids,
    t_start: float,
    t_stop: float,
    bin_ms: float = DEFAULT_SETTINGS["fano_bin_ms"],
) -> tuple[float, np.ndarray]:
    """Fano factor of spike counts in consecutive windows of ``bin_ms`` [ms].

    Per neuron: counts in the ``n = floor((t_stop - t_start)/bin_ms)`` full windows;
    ``F = var(counts) / mean(counts)`` (``ddof=0``, as ``elephant.statistics.fanofactor`` applied to
    the windows as trials). NaN for neurons without spikes in those windows, and for all neurons if
    ``n < 2``.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    bin_ms : float
        Width of the counting windows in ms.

    Returns
    -------
    mean : float
        Mean F [-] over neurons with a defined F.
    per_neuron : numpy.ndarray of float
        F [-] of each neuron, aligned with ``node_ids``.

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite, ``bin_ms`` is not positive, or ``node_ids`` has
        duplicates.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    ids = _as_ids(node_ids)
    n_win = _n_bins(t_start, t_stop, bin_ms)
    fano = np.full(ids.size, np.nan)
    if n_win < 2:
        return float("nan"), fano
    rows, cols = _binned_rows_cols(spikes, ids, t_start, t_stop, bin_ms, n_win)
    # sparse per-(neuron, window) counts; empty windows contribute 0 to both sums
    cells, c = np.unique(rows * n_win + cols, return_counts=True)
    s1 = np.bincount(cells // n_win, weights=c, minlength=ids.size).astype(np.int64)
    s2 = np.bincount(cells // n_win, weights=c.astype(np.int64) ** 2, minlength=ids.size).astype(np.int64)
    active = s1 > 0
    # var/mean = (n*S2 - S1^2) / (n*S1), numerator exact in integers
    fano[active] = (n_win * s2[active] - s1[active] ** 2) / (n_win * s1[active])
    return _nanmean(fano), fano


# --------------------------------------------------------------------------
# synchrony
# --------------------------------------------------------------------------


def pairwise_correlations(hists: np.ndarray) -> np.ndarray:
    """Pearson correlation of every pair of rows of ``hists`` (neurons x bins).

    Parameters
    ----------
    hists : array_like, shape (n_neurons, n_bins)
        Spike-count histograms, one row per neuron (:func:`binned_spike_counts`).

    Returns
    -------
    numpy.ndarray of float
        The correlations [-] of the upper triangle in row-major order, with NaN for pairs where a row
        has zero variance; empty with fewer than 2 rows or 2 bins.
    """
    h = np.asarray(hists, dtype=float)
    if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] < 2:
        return np.empty(0)
    centred = h - h.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = centred / norm[:, None]
    corr = z @ z.T
    return corr[np.triu_indices(h.shape[0], k=1)]


def local_synchrony(hists: np.ndarray) -> float:
    """Mean pairwise Pearson correlation of the rows of ``hists`` (neurons x bins).

    Pairs whose correlation is undefined (a row with zero variance) are excluded.

    Parameters
    ----------
    hists : array_like, shape (n_neurons, n_bins)
        Spike-count histograms, one row per neuron (:func:`binned_spike_counts`).

    Returns
    -------
    float
        The mean correlation [-]; NaN with fewer than 2 rows or no defined pair.
    """
    return _nanmean(pairwise_correlations(hists))


def local_synchrony_sd(hists: np.ndarray) -> float:
    """S.d. of the defined pairwise correlations of :func:`local_synchrony`.

    The s.d. is with ddof 0, as ``np.std`` in Jiang et al.'s code.

    Parameters
    ----------
    hists : array_like, shape (n_neurons, n_bins)
        Spike-count histograms, one row per neuron (:func:`binned_spike_counts`).

    Returns
    -------
    float
        The s.d. [-]; NaN with no defined pair.
    """
    corr = pairwise_correlations(hists)
    corr = corr[np.isfinite(corr)]
    return float(corr.std()) if corr.size else float("nan")


def global_synchrony(hists: np.ndarray) -> float:
    """Golomb's χ²: ``var(mean over rows) / mean(var of each row)`` (``ddof=0``).

    Parameters
    ----------
    hists : array_like, shape (n_neurons, n_bins)
        Spike-count histograms, one row per neuron (:func:`binned_spike_counts`).

    Returns
    -------
    float
        χ² [-]; NaN with fewer than 2 rows or if all rows are constant.
    """
    h = np.asarray(hists, dtype=float)
    if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] < 2:
        return float("nan")
    denom = h.var(axis=1).mean()
    if not denom > 0:
        return float("nan")
    return float(h.mean(axis=0).var() / denom)


def jitter_residuals(hists: np.ndarray, block_bins: int) -> np.ndarray:
    """Spike counts minus each neuron's mean count over the enclosing block of ``block_bins`` bins.

    The mean is the count a bin expects when every spike is moved at random within its block
    (interval jitter); the residuals keep co-variation faster than a block and lose the slower.

    Parameters
    ----------
    hists : array_like, shape (n_neurons, n_bins)
        Spike-count histograms, one row per neuron (:func:`binned_spike_counts`).
    block_bins : int
        Bins per block, at least 1; a trailing partial block is a block of its own.

    Returns
    -------
    numpy.ndarray of float, shape (n_neurons, n_bins)
        The residual counts [spikes per bin].

    Raises
    ------
    ValueError
        If ``block_bins < 1``.
    """
    if block_bins < 1:
        raise ValueError(f"block_bins must be >= 1, got {block_bins}")
    h = np.asarray(hists, dtype=float)
    starts = np.arange(0, h.shape[-1], block_bins)
    sizes = np.diff(np.append(starts, h.shape[-1]))
    means = np.add.reduceat(h, starts, axis=-1) / sizes if h.shape[-1] else h
    return h - np.repeat(means, sizes, axis=-1)


@dataclass(frozen=True)
class SynchronyResult:
    """Local and global synchrony of one neuron sample."""

    local: float  #: mean pairwise spike-count correlation [-]
    local_sd: float  #: s.d. of the pairwise correlations [-]
    global_: float  #: Golomb's χ² [-]
    local_fast: float  #: ``local`` of the counts minus their means over jitter blocks [-]
    global_fast: float  #: ``global_`` of the same residuals [-]
    n_neurons: int  #: number of (spiking) neurons in the sample
    node_ids: np.ndarray  #: sorted node ids of the sample


def synchrony(
    spikes: pd.DataFrame | None,
    node_ids,
    t_start: float,
    t_stop: float,
    bin_ms: float = DEFAULT_SETTINGS["bin_ms"],
    sample_size: int = DEFAULT_SETTINGS["sync_sample_size"],
    seed: int = DEFAULT_SETTINGS["sync_seed"],
    jitter_ms: float = DEFAULT_SETTINGS["jitter_ms"],
) -> SynchronyResult:
    """Local and global synchrony after Jiang et al. (2025), see module docstring.

    Neurons of ``node_ids`` with at least one spike in the binned part of the window are candidates;
    ``min(sample_size, n_candidates)`` of them are drawn without replacement with
    ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms); a mapping of column name to
        array does as well. Other columns are not read. None or an empty table: no spikes.
    node_ids : array_like of int
        Node ids of the neurons, unique.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    bin_ms : float
        Bin width of the spike-count histograms in ms.
    sample_size : int
        Most neurons in the sample; at least 1.
    seed : int
        Seed of the generator that draws the sample.
    jitter_ms : float
        Length of the blocks whose mean counts the fast measures subtract [ms]
        (:func:`jitter_residuals`): a whole number, at least 2, of ``bin_ms``.

    Returns
    -------
    SynchronyResult
        Local synchrony and its s.d., global synchrony, both again of the counts without their
        co-variation slower than ``jitter_ms``, and the sample's size and node ids.

    Raises
    ------
    ValueError
        If ``sample_size < 1``, the window is empty, reversed or not finite, ``bin_ms`` is not
        positive, ``jitter_ms`` is not a whole number of bins, or ``node_ids`` has duplicates.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    if sample_size < 1:
        raise ValueError("sample_size must be >= 1")
    ids = _as_ids(node_ids)
    n_bins = _n_bins(t_start, t_stop, bin_ms)
    block_bins = jitter_block_bins(bin_ms, jitter_ms)  # ValueError unless whole bins
    rows, _ = _binned_rows_cols(spikes, ids, t_start, t_stop, bin_ms, n_bins)
    candidates = np.sort(ids[np.bincount(rows, minlength=ids.size) > 0])
    n = min(int(sample_size), candidates.size)
    if n < candidates.size:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(candidates, size=n, replace=False))
    else:
        sample = candidates
    # only the sample is binned densely (n x n_bins)
    h = binned_spike_counts(spikes, sample, t_start, t_stop, bin_ms)
    fast = jitter_residuals(h, block_bins)
    return SynchronyResult(
        local_synchrony(h),
        local_synchrony_sd(h),
        global_synchrony(h),
        local_synchrony(fast),
        global_synchrony(fast),
        int(n),
        sample,
    )


# --------------------------------------------------------------------------
# astrocytes and SIC
# --------------------------------------------------------------------------


def _window_rows(df: pd.DataFrame | None, t_start: float, t_stop: float, columns) -> pd.DataFrame | None:
    if df is None or len(df) == 0:
        return None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"missing columns {missing}")
    t = df["time"].to_numpy(dtype=float)
    sub = df.loc[(t >= t_start) & (t < t_stop), list(columns)]
    return sub if len(sub) else None


def ca_first_crossing(astrocytes: pd.DataFrame | None, threshold: float, t_start: float, t_stop: float) -> pd.Series:
    """First sample time [ms, simulation time] at which ``Ca_astro > threshold`` [µM].

    An astrocyte already above threshold at its first sample gets that sample's time.

    Parameters
    ----------
    astrocytes : pandas.DataFrame or None
        The astrocyte table, columns ``sender``, ``time`` (ms) and ``Ca_astro`` (µM). None or an empty
        table: no astrocytes.
    threshold : float
        Calcium level in µM.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.

    Returns
    -------
    pandas.Series
        One entry per astrocyte recorded in ``[t_start, t_stop)`` (index = ``sender``), the time in
        ms, NaN for astrocytes that never exceed the threshold; named ``ca_first_crossing_ms``.

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite.
    KeyError
        If the table lacks one of those columns.
    """
    import pandas as pd

    t_start, t_stop = _check_window(t_start, t_stop)
    sub = _window_rows(astrocytes, t_start, t_stop, ["sender", "time", "Ca_astro"])
    if sub is None:
        return pd.Series(dtype=float, name="ca_first_crossing_ms")
    senders = np.unique(sub["sender"].to_numpy(dtype=np.int64))
    above = sub[sub["Ca_astro"].to_numpy(dtype=float) > threshold]
    first = above.groupby(above["sender"].to_numpy(dtype=np.int64))["time"].min()
    out = pd.Series(np.nan, index=pd.Index(senders, name="sender"), name="ca_first_crossing_ms")
    out.loc[first.index.to_numpy()] = first.to_numpy(dtype=float)
    return out


def astrocyte_metrics(
    astrocytes: pd.DataFrame | None,
    t_start: float,
    t_stop: float,
    ca_threshold: float = DEFAULT_SETTINGS["ca_threshold"],
) -> dict[str, float]:
    """Calcium/IP3 summary over all samples in ``[t_start, t_stop)``.

    Parameters
    ----------
    astrocytes : pandas.DataFrame or None
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM). None or
        an empty table: every value is NaN.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    ca_threshold : float
        Calcium level in µM for the first crossings and ``ca_fraction_above``.

    Returns
    -------
    dict of str to float
        Keys: ``ca_mean``, ``ca_peak``, ``ip3_mean``, ``ip3_peak`` [µM]; ``ca_sd``, ``ip3_sd`` [µM]
        (:func:`sd_across_nodes`); ``ca_first_crossing_ms`` (earliest first crossing over
        astrocytes), ``ca_first_crossing_median_ms`` (median over astrocytes that cross) [ms,
        simulation time]; ``ca_fraction_above`` [-] (astrocytes whose Ca_astro ever exceeds
        ``ca_threshold`` / astrocytes recorded). NaN where undefined (no data, no crossing).

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite.
    KeyError
        If the table lacks one of those columns.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    out = dict.fromkeys(
        [
            "ca_mean",
            "ca_sd",
            "ca_peak",
            "ip3_mean",
            "ip3_sd",
            "ip3_peak",
            "ca_first_crossing_ms",
            "ca_first_crossing_median_ms",
            "ca_fraction_above",
        ],
        float("nan"),
    )
    sub = _window_rows(astrocytes, t_start, t_stop, ["sender", "time", "IP3", "Ca_astro"])
    if sub is None:
        return out
    ca = sub["Ca_astro"].to_numpy(dtype=float)
    ip3 = sub["IP3"].to_numpy(dtype=float)
    out["ca_mean"], out["ca_peak"] = float(ca.mean()), float(ca.max())
    out["ip3_mean"], out["ip3_peak"] = float(ip3.mean()), float(ip3.max())
    out["ca_sd"], out["ip3_sd"] = sd_across_nodes(sub, "Ca_astro"), sd_across_nodes(sub, "IP3")
    first = ca_first_crossing(sub, ca_threshold, t_start, t_stop).to_numpy(dtype=float)
    crossed = first[~np.isnan(first)]
    out["ca_fraction_above"] = crossed.size / first.size
    if crossed.size:
        out["ca_first_crossing_ms"] = float(crossed.min())
        out["ca_first_crossing_median_ms"] = float(np.median(crossed))
    return out


def sd_across_nodes(samples: pd.DataFrame, column: str) -> float:
    """S.d. (ddof 0) across nodes of each node's mean of ``column`` over its samples.

    It says how much the sampled nodes differ (the "± SD over 100 astrocytes" of Jiang et al. 2025).

    Parameters
    ----------
    samples : pandas.DataFrame
        Sampled traces, with a column ``sender`` and the column ``column``.
    column : str
        The quantity, such as ``Ca_astro`` or ``IP3`` (µM) or ``I_SIC`` (pA).

    Returns
    -------
    float
        The s.d., in the column's unit.
    """
    senders = samples["sender"].to_numpy(dtype=np.int64)
    _, node = np.unique(senders, return_inverse=True)
    values = samples[column].to_numpy(dtype=float)
    per_node = np.bincount(node, weights=values) / np.bincount(node)
    return float(per_node.std())


def sic_metrics(neurons: pd.DataFrame | None, t_start: float, t_stop: float) -> dict[str, float]:
    """Slow inward current summary over all samples in ``[t_start, t_stop)``.

    Parameters
    ----------
    neurons : pandas.DataFrame or None
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA). None or an empty table:
        every value is NaN.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.

    Returns
    -------
    dict of str to float
        ``sic_mean`` and ``sic_peak`` [pA] of ``I_SIC`` over all samples in the window, and ``sic_sd``
        [pA] across the sampled neurons (:func:`sd_across_nodes`).

    Raises
    ------
    ValueError
        If the window is empty, reversed or not finite.
    KeyError
        If the table lacks one of those columns.
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    sub = _window_rows(neurons, t_start, t_stop, ["sender", "time", "I_SIC"])
    if sub is None:
        return dict.fromkeys(["sic_mean", "sic_sd", "sic_peak"], float("nan"))
    sic = sub["I_SIC"].to_numpy(dtype=float)
    return {"sic_mean": float(sic.mean()), "sic_sd": sd_across_nodes(sub, "I_SIC"), "sic_peak": float(sic.max())}


# --------------------------------------------------------------------------
# everything
# --------------------------------------------------------------------------


def _settings(settings: Mapping | None) -> dict:
    merged = dict(DEFAULT_SETTINGS)
    if settings:
        unknown = set(settings) - set(DEFAULT_SETTINGS)
        if unknown:
            raise KeyError(f"unknown metric settings {sorted(unknown)}; known: {sorted(DEFAULT_SETTINGS)}")
        merged.update(settings)
    return merged


def run_metrics(
    spikes: pd.DataFrame | None,
    astrocytes: pd.DataFrame | None,
    neurons: pd.DataFrame | None,
    populations: Mapping[str, np.ndarray],
    t_start: float,
    t_stop: float,
    settings: Mapping | None = None,
) -> dict[str, float]:
    """All scalar metrics as one flat ``{name: float}`` dict.

    Parameters
    ----------
    spikes : pandas.DataFrame or None
        The spike table, columns ``sender`` (node id) and ``time`` (ms).
    astrocytes : pandas.DataFrame or None
        The astrocyte table, columns ``sender``, ``time`` (ms), ``IP3`` and ``Ca_astro`` (µM).
    neurons : pandas.DataFrame or None
        The neuron table, columns ``sender``, ``time`` (ms) and ``I_SIC`` (pA).
    populations : mapping of str to array_like of int
        Maps a name (e.g. ``"E"``, ``"I"``) to the node ids of all its neurons; ``"all"`` (their
        union) is added.
    t_start, t_stop : float
        The analysis window ``[t_start, t_stop)`` in ms of simulation time.
    settings : mapping, optional
        Keys ``bin_ms`` [ms], ``fano_bin_ms`` [ms], ``sync_sample_size`` [-], ``sync_seed`` [-],
        ``jitter_ms`` [ms], ``ca_threshold`` [µM], ``cv_min_spikes`` [-]; keys left out take the values of
        :data:`DEFAULT_SETTINGS`.

    Returns
    -------
    dict of str to float
        Keys, for each population ``P`` and ``"all"``:

        * ``rate_P`` – mean firing rate over all neurons incl. silent [spikes/s]
        * ``cv_isi_P`` – mean ISI CV over neurons with >= cv_min_spikes spikes [-]
        * ``fano_P`` – mean Fano factor (fano_bin_ms windows) over spiking neurons [-]
        * ``sync_local_P`` – mean pairwise spike-count correlation (bin_ms) [-]
        * ``sync_local_sd_P`` – s.d. of those pairwise correlations [-]
        * ``sync_global_P`` – Golomb's χ² (bin_ms) [-]
        * ``sync_local_fast_P``, ``sync_global_fast_P`` – both of the counts minus their means over
          blocks of jitter_ms (:func:`jitter_residuals`): synchrony faster than jitter_ms [-]
        * ``sync_n_P`` – neurons in the synchrony sample (at most sync_sample_size) [count]

        and ``ca_mean``, ``ca_sd``, ``ca_peak``, ``ip3_mean``, ``ip3_sd``, ``ip3_peak`` [µM],
        ``ca_first_crossing_ms``, ``ca_first_crossing_median_ms`` [ms, simulation time],
        ``ca_fraction_above`` [-], ``sic_mean``, ``sic_sd``, ``sic_peak`` [pA].

    Raises
    ------
    KeyError
        For an unknown ``settings`` key, or a table that lacks a column it needs.
    ValueError
        If ``populations`` has a population named ``"all"``, the window is empty, reversed or not
        finite, a population's node ids have duplicates, or a setting is out of range (a bin width
        not positive, ``sync_sample_size < 1``, ``cv_min_spikes < 2``).
    """
    t_start, t_stop = _check_window(t_start, t_stop)
    s = _settings(settings)
    if "all" in populations:
        raise ValueError("'all' is reserved for the union of the populations")
    pops = {name: _as_ids(ids) for name, ids in populations.items()}
    pops["all"] = np.unique(np.concatenate(list(pops.values()))) if pops else np.empty(0, np.int64)

    out: dict[str, float] = {}
    for name, ids in pops.items():
        out[f"rate_{name}"] = population_rate(spikes, ids, t_start, t_stop)
        out[f"cv_isi_{name}"] = cv_isi(spikes, ids, t_start, t_stop, int(s["cv_min_spikes"]))[0]
        out[f"fano_{name}"] = fano_factor(spikes, ids, t_start, t_stop, float(s["fano_bin_ms"]))[0]
        sync = synchrony(
            spikes,
            ids,
            t_start,
            t_stop,
            bin_ms=float(s["bin_ms"]),
            sample_size=int(s["sync_sample_size"]),
            seed=int(s["sync_seed"]),
            jitter_ms=float(s["jitter_ms"]),
        )
        out[f"sync_local_{name}"] = sync.local
        out[f"sync_local_sd_{name}"] = sync.local_sd
        out[f"sync_global_{name}"] = sync.global_
        out[f"sync_local_fast_{name}"] = sync.local_fast
        out[f"sync_global_fast_{name}"] = sync.global_fast
        out[f"sync_n_{name}"] = sync.n_neurons
    out.update(astrocyte_metrics(astrocytes, t_start, t_stop, float(s["ca_threshold"])))
    out.update(sic_metrics(neurons, t_start, t_stop))
    return {k: float(v) for k, v in out.items()}
