"""A claim's figure: every seed of every network beside its control, one row of panels per metric
and one column per regime (each with its own y scale).

Each pair (regime, scheme) takes two positions on the x axis, network and control (their colours in
the legend), under one tick naming its scheme; each seed is a
pair of points joined by a line (the paired difference), the mean of each arm a short bar. Above a
claimed metric's pair stands its verdict (:mod:`astronet.analysis.claim_tables`).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astronet.analysis.claim_tables import paired_arms
from astronet.config.claim_pairs import COMPARED

ARM_COLORS = {"network": "tab:green", "control": "0.45"}


def claim_figure(claim: dict, runs: pd.DataFrame, table: pd.DataFrame, path, dpi: int) -> None:
    """Draw the claim ``claim`` from its runs and claims tables.

    Parameters
    ----------
    claim : dict
        The claim's settings, with ``pairs``, ``compared``, ``metrics``, ``confidence`` (a fraction)
        and ``description``.
    runs : pandas.DataFrame
        Its runs table (:func:`astronet.analysis.claim_tables.runs_table`).
    table : pandas.DataFrame
        Its claims table (:func:`~astronet.analysis.claim_tables.claims_table`).
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    dpi : int
        Resolution in dots per inch.
    """
    metrics = claim["metrics"]
    labels = COMPARED[claim["compared"]].labels
    regimes = list(dict.fromkeys(pair["regime"] for pair in claim["pairs"]))
    by_regime = [[p for p in claim["pairs"] if p["regime"] == regime] for regime in regimes]
    # one column per regime, each with its own y scale: regimes differ in synchrony by an order of magnitude
    widths = [max(1, len(pairs)) for pairs in by_regime]
    width = max(6.0, 1.6 * sum(widths) + 1.5 * len(regimes))  # inches
    fig = Figure(figsize=(width, 2.4 * len(metrics) + 1.0))
    axes = fig.subplots(len(metrics), len(regimes), squeeze=False, gridspec_kw={"width_ratios": widths})
    # 0.9 inch on the left for the longest metric name and the tick labels
    fig.subplots_adjust(left=0.9 / width, right=0.97, bottom=0.07, top=0.9, hspace=0.6, wspace=0.35)
    for row_axes, metric in zip(axes, metrics, strict=True):
        for ax, pairs in zip(row_axes, by_regime, strict=True):
            _draw_regime(ax, runs, table, pairs, metric)
        row_axes[0].set_ylabel(metric, fontsize=8)
    for ax, regime in zip(axes[0], regimes, strict=True):
        ax.set_title(regime, fontsize=9, pad=12)
    handles = [
        axes[0, 0].plot([], [], "o", color=ARM_COLORS[arm], label=label)[0]
        for arm, label in zip(("network", "control"), labels, strict=True)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    level = round(claim["confidence"] * 100)
    width_chars = int(fig.get_figwidth() * 14)  # characters of 8 pt text across the figure
    note = f"Each seed's runs joined by a line; bars: means; verdicts from the {level} % CI of the paired difference"
    fig.suptitle(textwrap.fill(f"{claim.get('description', '')}. {note}", width_chars), fontsize=8)
    fig.savefig(path, dpi=dpi)


def _draw_regime(ax, runs: pd.DataFrame, table: pd.DataFrame, pairs: list, metric: str) -> None:
    """One panel: the pairs of one regime for one metric, each with its verdict above it."""
    for i, pair in enumerate(pairs):
        _draw_pair(ax, 3 * i, runs, pair, metric)
        row = table[(table["regime"] == pair["regime"]) & (table["scheme"] == pair["scheme"])]
        row = row[row["metric"] == metric].iloc[0]
        if row["verdict"]:
            ax.text(
                3 * i + 0.5,
                1.0,
                row["verdict"],
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    # one tick per pair, between its two arms (the colours tell them apart): arm labels beside
    # scheme names overlap once a regime has several schemes
    ax.set_xticks([3 * i + 0.5 for i in range(len(pairs))], [p["scheme"] for p in pairs], fontsize=6.5)
    ax.set_xlim(-0.7, 3 * len(pairs) - 1.3)
    ax.tick_params(axis="y", labelsize=7)


def _draw_pair(ax, x0: float, runs: pd.DataFrame, pair: dict, metric: str) -> None:
    net, ctl = (arm[metric] for arm in paired_arms(runs, pair))
    for seed in net.index:
        ax.plot([x0, x0 + 1], [net[seed], ctl[seed]], "-", color="0.75", lw=0.8, zorder=1)
    for dx, (arm, values) in enumerate((("network", net), ("control", ctl))):
        ax.scatter(np.full(len(values), x0 + dx), values, s=14, color=ARM_COLORS[arm], zorder=2)
        ax.hlines(np.nanmean(values), x0 + dx - 0.25, x0 + dx + 0.25, color=ARM_COLORS[arm], lw=2, zorder=3)
