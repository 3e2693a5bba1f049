"""A claim's figure: every seed of every network beside its control, one panel per metric.

Each pair (regime, scheme) takes two positions on the x axis, network and control; each seed is a
pair of points joined by a line (the paired difference), the mean of each arm a short bar. Above a
claimed metric's pair stands its verdict (:mod:`astronet.analysis.claim_tables`).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astronet.analysis.claim_tables import paired_arms

ARM_COLORS = {"network": "tab:green", "control": "0.45"}


def claim_figure(claim: dict, runs: pd.DataFrame, table: pd.DataFrame, path, dpi: int) -> None:
    """Draw the claim ``claim`` from its runs and claims tables.

    Parameters
    ----------
    claim : dict
        The claim's settings, with ``pairs``, ``metrics``, ``confidence`` (a fraction) and
        ``description``.
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
    pairs = claim["pairs"]
    fig = Figure(figsize=(max(6.0, 1.5 * len(pairs) + 2.0), 2.9 * len(metrics) + 0.8))
    axes = fig.subplots(len(metrics), 1, squeeze=False)[:, 0]
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9, hspace=0.5)
    for ax, metric in zip(axes, metrics, strict=True):
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
        ax.set_ylabel(metric, fontsize=8)
        ax.set_xticks(
            [3 * i + k for i in range(len(pairs)) for k in (0, 1)],
            [f"{p['regime']}\n{p['scheme']}" if k == 0 else "No-Trip." for p in pairs for k in (0, 1)],
            fontsize=6.5,
        )
        ax.set_xlim(-0.7, 3 * len(pairs) - 1.3)
        ax.tick_params(axis="y", labelsize=7)
    handles = [
        axes[0].plot([], [], "o", color=ARM_COLORS[arm], label=label)[0]
        for arm, label in (("network", "tripartite"), ("control", "No-Tripartite"))
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    level = round(claim["confidence"] * 100)
    width_chars = int(fig.get_figwidth() * 14)  # characters of 8 pt text across the figure
    note = f"Each seed's runs joined by a line; bars: means; verdicts from the {level} % CI of the paired difference"
    fig.suptitle(textwrap.fill(f"{claim.get('description', '')}. {note}", width_chars), fontsize=8)
    fig.savefig(path, dpi=dpi)


def _draw_pair(ax, x0: float, runs: pd.DataFrame, pair: dict, metric: str) -> None:
    net, ctl = (arm[metric] for arm in paired_arms(runs, pair))
    for seed in net.index:
        ax.plot([x0, x0 + 1], [net[seed], ctl[seed]], "-", color="0.75", lw=0.8, zorder=1)
    for dx, (arm, values) in enumerate((("network", net), ("control", ctl))):
        ax.scatter(np.full(len(values), x0 + dx), values, s=14, color=ARM_COLORS[arm], zorder=2)
        ax.hlines(np.nanmean(values), x0 + dx - 0.25, x0 + dx + 0.25, color=ARM_COLORS[arm], lw=2, zorder=3)
