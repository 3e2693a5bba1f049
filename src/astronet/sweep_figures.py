"""Sweep figures: each metric of an experiment against its swept parameter (mean ± 95 % CI, single runs as dots)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .advice import MIN_SEEDS_FOR_CI
from .labels import format_value, param_label
from .sweep_panels import FIGURES


_COLORS = ["tab:red", "tab:blue", "0.2", "tab:green", "tab:purple"]
_LINESTYLES = ["-", "--", ":", "-."]


def _is_numeric(values) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


def sweep_figure(
    group: str, summary: pd.DataFrame, runs: pd.DataFrame, grid: dict, experiment: str, settings: dict, path
) -> None:
    """One figure of a group of :data:`FIGURES`: each metric (mean ± 95 % CI, single runs as dots)
    against the first swept parameter; further swept parameters as line styles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = FIGURES[group]
    keys = list(grid)
    x_key = keys[0] if keys else None
    others = keys[1:]
    order = list(grid[x_key]) if x_key else [experiment]
    numeric = x_key is not None and _is_numeric(order)
    log_x = numeric and min(order) > 0 and max(order) / min(order) >= 50
    positions = {v: i for i, v in enumerate(order)}

    def xpos(values, offset=0.0):
        if numeric:
            return np.asarray(values, dtype=float)
        if x_key is None:
            return np.zeros(len(values)) + offset
        return np.array([positions[v] for v in values], dtype=float) + offset

    combos = [()] if not others else list(dict.fromkeys(map(tuple, summary[others].itertuples(index=False, name=None))))
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    n_seeds = sorted(set(summary["n_seeds"]))
    for ax, panel in zip(axes.flat, panels):
        n_series = len(panel.series) * len(combos)
        for si, (col, label) in enumerate(panel.series):
            for ci, combo in enumerate(combos):
                sel_s = np.ones(len(summary), bool)
                sel_r = np.ones(len(runs), bool)
                for k, v in zip(others, combo):
                    sel_s &= (summary[k] == v).to_numpy()
                    sel_r &= (runs[k] == v).to_numpy()
                s, r = summary[sel_s], runs[sel_r]
                k = si * len(combos) + ci
                offset = 0.0 if numeric else (k - (n_series - 1) / 2) * min(0.12, 0.6 / max(n_series, 1))
                name = label + ("" if not others else ", " + ", ".join(f"{o}={format_value(v)}" for o, v in zip(others, combo)))
                color, ls = _COLORS[si % len(_COLORS)], _LINESTYLES[ci % len(_LINESTYLES)]
                xs = xpos(s[x_key] if x_key else [experiment] * len(s), offset)
                if numeric:
                    idx = np.argsort(xs)
                else:
                    idx = np.arange(len(xs))
                ax.errorbar(
                    xs[idx], s[f"{col}_mean"].to_numpy()[idx], yerr=np.where(s[f"{col}_n"] >= MIN_SEEDS_FOR_CI, s[f"{col}_ci95"], np.nan)[idx],
                    color=color, ls=ls if len(xs) > 1 else "none", marker="o", ms=4, capsize=3, lw=1.3, label=name,
                )
                if col in r:
                    ax.plot(xpos(r[x_key] if x_key else [experiment] * len(r), offset), r[col], ".", color=color, alpha=0.35, ms=4)
        if not any(np.isfinite(summary[f"{col}_mean"]).any() for col, _ in panel.series if f"{col}_mean" in summary):
            ax.text(0.5, 0.5, "undefined in every run", transform=ax.transAxes, ha="center", va="center", color="0.4")
            if numeric:
                ax.set_xlim(min(order) / 1.5 if log_x else min(order), max(order) * 1.5 if log_x else max(order))
        if panel.ylim:
            ax.set_ylim(*panel.ylim)
        ax.set_title(panel.title, fontsize=10)
        ax.set_ylabel(panel.unit if panel.unit != "-" else "(dimensionless)")
        if log_x:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(order)))
            ax.set_xticklabels([format_value(v) for v in order], rotation=20 if max(len(format_value(v)) for v in order) > 8 else 0, ha="right" if max(len(format_value(v)) for v in order) > 8 else "center", fontsize=8)
            ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_xlabel(param_label(x_key) if x_key else "experiment")
        ax.grid(alpha=0.3)
        if n_series > 1:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    n_text = f"n = {n_seeds[0]}" if len(n_seeds) == 1 else f"n = {min(n_seeds)}–{max(n_seeds)}"
    if min(n_seeds) < MIN_SEEDS_FOR_CI:
        n_text += f"; no CI where n < {MIN_SEEDS_FOR_CI}"
    fig.suptitle(f"{experiment}: {group} — mean ± 95 % CI across seeds ({n_text} per point; dots: single runs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=settings.get("dpi", 150), bbox_inches="tight")
    plt.close(fig)
