"""Sweep figures: each metric of an experiment against its swept parameter (mean ± 95 % CI, single runs as dots)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from astronet.analysis.advice import MIN_SEEDS_FOR_CI
from astronet.config.labels import format_value, param_label
from astronet.figures.sweep_panels import FIGURES, Panel

_COLORS = ["tab:red", "tab:blue", "0.2", "tab:green", "tab:purple"]
_LINESTYLES = ["-", "--", ":", "-."]


def _is_numeric(values) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


@dataclass
class XAxis:
    """The x axis of a sweep figure: the first swept parameter (numeric, log-scaled over >= 50x, or
    categorical), or the experiment itself when nothing is swept."""

    key: str | None
    order: list
    numeric: bool
    log: bool
    in_step: list = field(default_factory=list)  # keys of a zipped grid that change with the x axis

    @classmethod
    def of(cls, grid: dict, experiment: str, zipped: bool = False) -> XAxis:
        """The x axis of an experiment's sweep figures.

        Parameters
        ----------
        grid : dict
            The experiment's grid, ``{key: [values]}``; its first key is the x axis.
        experiment : str
            The experiment's name, the one category of an experiment without a grid.
        zipped : bool
            Whether the grid's lists are read in step (``zip: true``): its other keys change with
            the first, and the axis's label names them.

        Returns
        -------
        XAxis
            Numeric if every value of the first key is a number (log-scaled if they are positive and
            span at least a factor of 50), else categorical in the grid's order.
        """
        key = next(iter(grid), None)
        order = list(grid[key]) if key else [experiment]
        numeric = key is not None and _is_numeric(order)
        log = numeric and min(order) > 0 and max(order) / min(order) >= 50
        return cls(key, order, numeric, log, list(grid)[1:] if zipped else [])

    def positions(self, table: pd.DataFrame, offset: float = 0.0) -> np.ndarray:
        """x of each row of ``table``.

        Parameters
        ----------
        table : pandas.DataFrame
            Rows of the summary or runs table, with the x axis's key as a column.
        offset : float
            Shift of a categorical axis's positions (not of a numeric axis's), in category widths.

        Returns
        -------
        numpy.ndarray of float
            The parameter's value (numeric axis, in its unit), or the category's index (0, 1, ...) plus
            ``offset``; ``offset`` alone without a swept parameter.
        """
        if self.key is None:
            return np.zeros(len(table)) + offset
        if self.numeric:
            return table[self.key].to_numpy(dtype=float)
        index = {v: i for i, v in enumerate(self.order)}
        return np.array([index[v] for v in table[self.key]], dtype=float) + offset

    def decorate(self, ax) -> None:
        """Give ``ax`` this axis's scale, ticks and label.

        Parameters
        ----------
        ax : matplotlib.axes.Axes
            The panel; a log scale for a log axis, a tick per category for a categorical one, and
            the parameter's name and unit (:func:`astronet.config.labels.param_label`) as the label,
            with the keys that change in step with it.
        """
        if self.log:
            ax.set_xscale("log")
        if not self.numeric:
            labels = [format_value(v) for v in self.order]
            long = max(map(len, labels)) > 8
            ax.set_xticks(range(len(self.order)))
            ax.set_xticklabels(labels, rotation=20 if long else 0, ha="right" if long else "center", fontsize=8)
            ax.set_xlim(-0.6, len(self.order) - 0.4)
        label = param_label(self.key) if self.key else "experiment"
        ax.set_xlabel(label + (f"\n(with {', '.join(self.in_step)} in step)" if self.in_step else ""))


def _rows(table: pd.DataFrame, keys: list[str], values: tuple) -> pd.DataFrame:
    """The rows of ``table`` where each of ``keys`` has the corresponding value."""
    selected = np.ones(len(table), bool)
    for k, v in zip(keys, values, strict=True):
        selected &= (table[k] == v).to_numpy()
    return table[selected]


def _draw_panel(ax, panel: Panel, summary: pd.DataFrame, runs: pd.DataFrame, x: XAxis, others: list[str]) -> None:
    """One metric family: a line per metric and per combination of the further swept parameters."""
    combos = [()] if not others else list(dict.fromkeys(summary[others].itertuples(index=False, name=None)))
    n_series = len(panel.series) * len(combos)
    for si, (col, label) in enumerate(panel.series):
        for ci, combo in enumerate(combos):
            s, r = _rows(summary, others, combo), _rows(runs, others, combo)
            k = si * len(combos) + ci
            # categories: series side by side around each category's position
            offset = 0.0 if x.numeric else (k - (n_series - 1) / 2) * min(0.12, 0.6 / max(n_series, 1))
            name = label + "".join(f", {o}={format_value(v)}" for o, v in zip(others, combo, strict=True))
            color, ls = _COLORS[si % len(_COLORS)], _LINESTYLES[ci % len(_LINESTYLES)]
            xs = x.positions(s, offset)
            idx = np.argsort(xs) if x.numeric else np.arange(len(xs))
            ci95 = np.where(s[f"{col}_n"] >= MIN_SEEDS_FOR_CI, s[f"{col}_ci95"], np.nan)
            ax.errorbar(
                xs[idx],
                s[f"{col}_mean"].to_numpy()[idx],
                yerr=ci95[idx],
                color=color,
                ls=ls if len(xs) > 1 else "none",
                marker="o",
                ms=4,
                capsize=3,
                lw=1.3,
                label=name,
            )
            if col in r:
                ax.plot(x.positions(r, offset), r[col], ".", color=color, alpha=0.35, ms=4)
    if not any(np.isfinite(summary[f"{col}_mean"]).any() for col, _ in panel.series if f"{col}_mean" in summary):
        ax.text(0.5, 0.5, "undefined in every run", transform=ax.transAxes, ha="center", va="center", color="0.4")
        if x.numeric:
            lo, hi = min(x.order), max(x.order)
            ax.set_xlim(lo / 1.5 if x.log else lo, hi * 1.5 if x.log else hi)
    if panel.ylim:
        ax.set_ylim(*panel.ylim)
    ax.set_title(panel.title, fontsize=10)
    ax.set_ylabel(panel.unit if panel.unit != "-" else "(dimensionless)")
    x.decorate(ax)
    ax.grid(alpha=0.3)
    if n_series > 1:
        ax.legend(fontsize=7)


def sweep_figure(
    group: str,
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    grid: dict,
    experiment: str,
    settings: dict,
    path,
    zipped: bool = False,
) -> None:
    """One figure of a group of :data:`astronet.figures.sweep_panels.FIGURES`.

    Each metric (mean ± 95 % CI, single runs as dots) against the first swept parameter; further swept
    parameters as line styles, unless the grid is zipped (they then change with the first).

    Parameters
    ----------
    group : str
        The group, a key of :data:`astronet.figures.sweep_panels.FIGURES`.
    summary : pandas.DataFrame
        The experiment's summary table (:func:`astronet.analysis.sweep_tables.summary_table`).
    runs : pandas.DataFrame
        Its runs table (:func:`astronet.analysis.sweep_tables.runs_table`).
    grid : dict
        The experiment's grid, swept parameter -> its values, in order.
    experiment : str
        The experiment's name, for the title (and the x axis when nothing is swept).
    settings : dict
        The figure settings; ``dpi`` (150 if missing) is used.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    zipped : bool
        Whether the grid's lists are read in step (the experiment's ``zip``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = FIGURES[group]
    x = XAxis.of(grid, experiment, zipped)
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        _draw_panel(ax, panel, summary, runs, x, [] if zipped else list(grid)[1:])
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    n_seeds = sorted(set(summary["n_seeds"]))
    n_text = f"n = {n_seeds[0]}" if len(n_seeds) == 1 else f"n = {min(n_seeds)}–{max(n_seeds)}"
    if min(n_seeds) < MIN_SEEDS_FOR_CI:
        n_text += f"; no CI where n < {MIN_SEEDS_FOR_CI}"
    fig.suptitle(
        f"{experiment}: {group} — mean ± 95 % CI across seeds ({n_text} per point; dots: single runs)", fontsize=11
    )
    fig.tight_layout()
    fig.savefig(path, dpi=settings.get("dpi", 150), bbox_inches="tight")
    plt.close(fig)
