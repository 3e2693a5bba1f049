"""The documentation's tables of published evidence, generated from the files that `snakemake publish`
copies into docs/ (claims.csv, runs.csv, a comparison's metrics.csv, an experiment's summary.csv) and
from the records of the benchmarks (``docs/performance/*.csv``, written by
``benchmarks/<script>.py --record``), so that no number is typed by hand.

A table stands in a Markdown page between ``<!-- table: PATH -->`` and ``<!-- end table -->``, PATH a
CSV file relative to the page (``jiang2025/jiang2025_claims/claims.csv`` in ``docs/jiang2025.md``),
optionally followed by ``column=value`` pairs that keep only the rows holding those values.
``python -m astronet.figures.evidence_markdown`` rewrites every such block of README.md and of the
pages under docs/ from its file (``python -m astronet.figures.evidence_markdown PAGE.md``: of one page),
and the tests check that every page is up to date.
"""

from __future__ import annotations

import math
import re
import sys
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from astronet.config.claim_pairs import COMPARED

REPO = Path(__file__).resolve().parents[3]
BLOCK = re.compile(r"(<!-- table: (?P<path>\S+)(?P<rows>(?: \w+=\S+)*) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


def _g(value, digits: int = 3) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}g}"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows) -> str:
    return "\n".join([_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]) + "\n"


def claims_markdown(df: pd.DataFrame) -> str:
    """A claims.csv (:mod:`astronet.analysis.claim_tables`) as a Markdown table.

    One row per pair and metric: regime, scheme, metric, pairs (seeds), the mean of each arm, the
    mean paired difference with its confidence interval, the effect and the verdict. Numbers are
    shown to 3 significant digits, in the metric's unit.

    Parameters
    ----------
    df : pandas.DataFrame
        The claims table as read from claims.csv; its ``ci<level>_low`` and ``ci<level>_high``
        columns give the interval and its level (%).

    Returns
    -------
    str
        The Markdown table, ending with a newline.
    """
    low = next(c for c in df.columns if c.endswith("_low"))
    high = low.removesuffix("_low") + "_high"
    level = low.removeprefix("ci").removesuffix("_low")
    rows = [
        [
            r["regime"],
            r["scheme"],
            f"`{r['metric']}`",
            f"{r['n_pairs']} ({r['seeds']})",
            _g(r["network_mean"]),
            _g(r["control_mean"]),
            _g(r["difference_mean"]) + (f" [{_g(r[low])}, {_g(r[high])}]" if not pd.isna(r[low]) else ""),
            r["effect"],
            "" if pd.isna(r["verdict"]) else r["verdict"],
        ]
        for _, r in df.iterrows()
    ]
    (compared,) = df["compared"].unique()
    header = ["regime", "scheme", "metric", "pairs (seeds)", *COMPARED[compared].labels]
    return _table([*header, f"difference [{level} % CI]", "effect", "verdict"], rows)


def runs_markdown(df: pd.DataFrame) -> str:
    """A claim's runs.csv as a Markdown table: each run's metrics, where and how long it ran.

    Parameters
    ----------
    df : pandas.DataFrame
        The runs table as read from runs.csv (:func:`astronet.analysis.claim_tables.runs_table`):
        the metric columns (``rate_*``, ``sync_*``, ``ca_*``, ``sic_*``, ``ip3_*``), ``t_start_ms``
        and ``t_stop_ms`` (ms), ``commit``, ``dirty``, ``nest_version``, ``n_vp``, ``host`` and
        ``simulate_s`` (s).

    Returns
    -------
    str
        The Markdown table, one row per run, the analysis window in ms and the simulation's wall time in
        minutes; ending with a newline.
    """
    metrics = [c for c in df.columns if c.startswith(("rate_", "sync_", "ca_", "sic_", "ip3_"))]
    rows = [
        [
            r["experiment"],
            r["rng_seed"],
            *(_g(r[m]) for m in metrics),
            f"{r['t_start_ms']:g}-{r['t_stop_ms']:g}",
            str(r["commit"])[:7] + (" (dirty)" if r["dirty"] is True else ""),
            r["nest_version"],
            r["n_vp"],
            r["host"],
            f"{r['simulate_s'] / 60:.0f}",
        ]
        for _, r in df.iterrows()
    ]
    header = ["experiment", "seed", *(f"`{m}`" for m in metrics), "window (ms)", "commit", "NEST", "n_vp", "host"]
    return _table([*header, "simulate (min)"], rows)


def comparison_markdown(df: pd.DataFrame) -> str:
    """A comparison's metrics.csv as a Markdown table.

    One row per run: its metrics over its analysis window and its population-rate trace over the
    plotted window.

    Parameters
    ----------
    df : pandas.DataFrame
        The metrics table as read from metrics.csv (astronet.cli.comparison): ``label``,
        ``rate_all`` (spikes/s), the synchrony metrics, ``t_start_ms`` and ``t_stop_ms`` (ms), the
        trace's ``rate_trace_peak`` and ``rate_trace_p99`` (spikes/s), ``rate_bin_ms``,
        ``plot_t_start_ms`` and ``plot_t_stop_ms`` (ms), ``sic_mean`` (pA) and ``ca_mean`` (µM).

    Returns
    -------
    str
        The Markdown table, units in its header, ending with a newline.
    """
    rows = [
        [
            r["label"],
            _g(r["rate_all"]),
            f"{_g(r['sync_local_all'])} ± {_g(r['sync_local_sd_all'])}",
            _g(r["sync_local_fast_all"]),
            _g(r["sync_global_all"]),
            f"{r['t_start_ms']:g}-{r['t_stop_ms']:g}",
            _g(r["rate_trace_peak"]),
            _g(r["rate_trace_p99"]),
            f"{r['rate_bin_ms']:g} ms, {r['plot_t_start_ms']:g}-{r['plot_t_stop_ms']:g}",
            _g(r["sic_mean"]),
            _g(r["ca_mean"]),
        ]
        for _, r in df.iterrows()
    ]
    header = ["run", "`rate_all`", "`sync_local_all` ± s.d.", "`sync_local_fast_all`", "`sync_global_all`"]
    header.append("analysis window (ms)")
    trace = ["trace peak (spikes/s)", "trace 99th perc.", "trace bins, window (ms)", "`sic_mean` (pA)"]
    return _table([*header, *trace, "`ca_mean` (µM)"], rows)


#: The metrics an experiment's summary table shows on a page, in this order.
SUMMARY_METRICS = (
    "rate_all",
    "sync_local_all",
    "sync_local_fast_all",
    "sync_global_all",
    "sync_global_fast_all",
    "ca_mean",
    "sic_mean",
)


def summary_markdown(df: pd.DataFrame) -> str:
    """An experiment's summary.csv as a Markdown table: one row per grid point.

    Parameters
    ----------
    df : pandas.DataFrame
        The summary table as read from summary.csv (:func:`astronet.analysis.sweep_tables.summary_table`):
        ``experiment``, the swept parameters, ``n_seeds``, ``seeds`` and, for every metric ``m``,
        ``m_mean`` and ``m_ci95`` in the metric's unit.

    Returns
    -------
    str
        The Markdown table: the swept values, the seeds, then ``rate_all`` (spikes/s), the synchrony
        measures, ``ca_mean`` (µM) and ``sic_mean`` (pA) of :data:`SUMMARY_METRICS` that the table
        has, each as its mean, with ``± half-width of the 95 % CI`` where more than one seed defines
        it; ending with a newline.
    """
    columns = list(df.columns)
    grid = columns[columns.index("experiment") + 1 : columns.index("n_seeds")]
    shown = [m for m in SUMMARY_METRICS if f"{m}_mean" in df.columns]

    def cell(r, m):
        half = r[f"{m}_ci95"]
        return _g(r[f"{m}_mean"]) + ("" if pd.isna(half) else f" ± {_g(half)}")

    rows = [[*(f"{r[k]:g}" for k in grid), r["seeds"], *(cell(r, m) for m in shown)] for _, r in df.iterrows()]
    return _table([*(f"`{k}`" for k in grid), "seeds", *(f"`{m}`" for m in shown)], rows)


# --- the records of the benchmarks (benchmarks/*.py --record) ---------------------------------------
# Their rows are measured runs, and, where a script summarises several, rows of a ``statistic``
# (``median``, ``min``, ``max``) over them: the tables show the runs' values and the summaries' ratios.


def _f(value, spec: str) -> str:
    """``value`` formatted by ``spec``; empty for a missing value."""
    return "" if pd.isna(value) else format(value, spec)


def _mib(value) -> str:
    """Memory (MiB) as the pages write it: ``1 875``."""
    return _f(value, ",.0f").replace(",", " ")


def _runs(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of measured runs (no ``statistic``)."""
    return df[df["statistic"].isna()] if "statistic" in df else df


def _statistic(df: pd.DataFrame, statistic: str, column: str) -> float:
    """``column`` in the row of ``statistic``; without such a row, the value of the only run (NaN if
    there are several)."""
    rows = df.loc[df["statistic"] == statistic, column] if "statistic" in df else df.iloc[:0][column]
    if len(rows):
        return rows.iloc[0]
    runs = _runs(df)[column]
    return runs.iloc[0] if len(runs) == 1 else math.nan


def _each(df: pd.DataFrame, column: str, fmt) -> str:
    """Every run's ``column`` (``123.7 / 118.0``), or the median row's where a run lacks it."""
    values = _runs(df)[column]
    if len(values) and values.notna().all():
        return " / ".join(fmt(v) for v in values)
    return fmt(_statistic(df, "median", column))


def _range(df: pd.DataFrame, column: str, spec: str) -> str:
    """``min–max`` of ``column`` over the runs (their ``min`` and ``max`` rows); one value if they agree."""
    low, high = (_f(_statistic(df, s, column), spec) for s in ("min", "max"))
    return low if low == high else f"{low}–{high}"


def _identity(df: pd.DataFrame) -> str:
    """Whether the workflow recorded what the example did, over the runs."""
    runs = _runs(df)
    parts = {"spikes": "spikes_identical", "I_SIC": "sic_identical", "IP3 and Ca_astro": "astrocytes_identical"}
    differ = [f"{name} in {n} of {len(runs)}" for name, c in parts.items() if (n := (~runs[c].eq(True)).sum())]
    return "differ: " + ", ".join(differ) if differ else "identical, bit for bit"


def _one_model(df: pd.DataFrame) -> str:
    """The comparison with one synapse model over several pairs: per-run values and median ratios."""
    s1 = lambda v: _f(v, ".1f")  # noqa: E731
    ratio = lambda column: _f(_statistic(df, "median", column), ".3f")  # noqa: E731
    rows = [
        ["wall time (s)", _each(df, "example_wall_s", s1), _each(df, "workflow_wall_s", s1)],
        ["peak memory, largest process (MiB)", _each(df, "example_peak_rss_mib", _mib)],
        ["peak memory, all processes incl. Snakemake's own (MiB)", _each(df, "example_peak_tree_rss_mib", _mib)],
        ["NEST create + connect (s)", _each(df, "example_create_connect_s", s1)],
        ["NEST simulate (s)", _each(df, "example_simulate_s", s1)],
    ]
    rows[0].append(f"{ratio('wall_ratio')} ({_range(df, 'wall_ratio', '.3f')})")
    rows[1] += [_each(df, "workflow_peak_rss_mib", _mib), ratio("peak_rss_ratio")]
    rows[2] += [_each(df, "workflow_peak_tree_rss_mib", _mib), ratio("peak_tree_rss_ratio")]
    rows[3] += [_each(df, "workflow_create_connect_s", s1), ""]
    rows[4] += [_each(df, "workflow_simulate_s", s1), ""]
    rows.append(["spikes of the example's recorded neurons, I_SIC, IP3, Ca_astro", "", "", _identity(df)])
    overhead = [f"{_range(df, 'overhead_s', '.1f')} s", f"{_range(df, 'overhead_pct', '.1f')} % of the kernel time"]
    rows.append(["workflow overhead: wall − NEST kernel time", "", *overhead])
    return _table(["", "example", "workflow", f"ratio (median of {len(_runs(df))}; range)"], rows)


def _several_models(df: pd.DataFrame, models: list) -> str:
    """The comparison with several synapse models: a column per model, ratios to the example's beside."""
    of = {m: df[df["synapse_model"] == m] for m in models}
    s1 = lambda v: _f(v, ".1f")  # noqa: E731

    def cells(column, fmt, ratio=None):
        out = []
        for sub in of.values():
            r = _statistic(sub, "median", ratio) if ratio else math.nan
            out.append(_each(sub, f"workflow_{column}", fmt) + ("" if pd.isna(r) else f" ({r:.3f}×)"))
        return [_each(of[models[0]], f"example_{column}", fmt), *out]

    def cost(sub):
        s, pct = (_f(_statistic(sub, "median", c), ".2f") for c in ("overhead_s", "overhead_pct"))
        return f"{s} = {pct} % of the kernel"

    rows = [
        ["wall time (s)", *cells("wall_s", s1, "wall_ratio")],
        ["NEST kernel: create + connect + simulate (s)", *cells("kernel_s", s1, "kernel_ratio")],
        ["NEST simulate (s)", *cells("simulate_s", s1)],
        ["workflow's own cost: wall − kernel (s)", "", *(cost(sub) for sub in of.values())],
        ["peak memory, largest process (MiB)", *cells("peak_rss_mib", _mib, "peak_rss_ratio")],
        ["peak memory, all processes incl. Snakemake (MiB)", *cells("peak_tree_rss_mib", _mib, "peak_tree_rss_ratio")],
        ["recorded spikes, I_SIC, IP3, Ca_astro", "", *(_identity(sub) for sub in of.values())],
    ]
    from astronet.config.schema import param_defaults

    default = param_defaults()["synapse_model"]
    header = [f"workflow, `{m}`" + (" (default)" if m == default else "") for m in models]
    return _table(["", "example (`tsodyks_synapse`)", *header], rows)


def compare_example_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/compare_example.py`` (NEST's example against the workflow) as a
    Markdown table.

    With one synapse model, a row per quantity: each pair's example and workflow values and the
    median ratio (the range for wall time) over the pairs; with several, a column per model, each
    value beside the median ratio to the example's.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``compare_example*.csv`` (``compare_example.record_rows``): per pair
        and model ``example_*`` and ``workflow_*`` wall, create + connect, simulate and kernel times
        (s) and peak memory (MiB), ratios, ``overhead_s`` (s) and ``overhead_pct`` (%), and whether
        the recordings are identical; rows of a ``statistic`` (median, min, max) over the pairs.

    Returns
    -------
    str
        The Markdown table, ending with a newline.
    """
    models = list(dict.fromkeys(df["synapse_model"]))
    return _one_model(df) if len(models) == 1 else _several_models(df, models)


def tuned_build_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/tuned_build.py`` (NEST's wheel against the build for the machine) as
    a Markdown table: a row per pair, then the median ratios.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``tuned_build*.csv`` (``tuned_build.record_rows``): per pair its
        ``seed``, the build run ``first``, ``wheel_*`` and ``tuned_*`` wall, simulate and create +
        connect times (s) and other processes' load (cores), and the tuned/wheel ``*_ratio``; a
        ``median`` row of the ratios.

    Returns
    -------
    str
        The Markdown table, ending with a newline.
    """

    def both(r, quantity, spec):
        return f"{_f(r['wheel_' + quantity], spec)} / {_f(r['tuned_' + quantity], spec)}"

    rows = [
        [
            f"{r['seed']:.0f}",
            r["first"],
            both(r, "wall_s", ".1f"),
            both(r, "simulate_s", ".1f"),
            _f(r["simulate_ratio"], ".3f"),
            both(r, "create_connect_s", ".1f"),
            both(r, "other_cores", ".2f"),
        ]
        for _, r in _runs(df).iterrows()
    ]
    median = {c: _f(_statistic(df, "median", c), ".3f") for c in df.columns if c.endswith("_ratio")}
    if "median" in set(df["statistic"]):
        nest = f" (NEST's `time_simulate`: {median['time_simulate_ratio']})" if median["time_simulate_ratio"] else ""
        simulate = f"**{median['simulate_ratio']}**{nest}"
        rows.append(
            ["**median**", "", f"**{median['wall_ratio']}**", simulate, "", f"**{median['create_connect_ratio']}**", ""]
        )
    header = ["seed", "first", "wall, wheel / tuned (s)", "NEST simulate, wheel / tuned (s)", "ratio"]
    return _table([*header, "create + connect, wheel / tuned (s)", "other processes, wheel / tuned (cores)"], rows)


def _ordinal(k: int) -> str:
    return f"{k}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10 if k % 100 not in (11, 12, 13) else 0, 'th') }"


def aggregation_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/aggregation.py`` (aggregation time against the recorded rows) as a
    Markdown table, a row per size, and a line with the straight line through them.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``aggregation*.csv`` (``aggregation.record_rows``): per size
        ``every_kth_node``, ``rows``, ``aggregate_s`` (s), ``us_per_row`` (µs), ``linear_fit_s`` (s),
        ``simulate_s`` (s, NEST's simulate time of the run) and ``share_of_simulate_pct`` (%); the
        straight line's ``fit_startup_s`` (s), ``fit_us_per_row`` (µs) and ``fit_r2``.

    Returns
    -------
    str
        The table and the line, ending with a newline.
    """
    rows = [
        [
            "all" if r["every_kth_node"] == 1 else f"every {_ordinal(int(r['every_kth_node']))}",
            _f(r["rows"], ",.0f"),
            _f(r["aggregate_s"], ".2f"),
            _f(r["us_per_row"], ".3f"),
            _f(r["linear_fit_s"], ".2f"),
            f"{_f(r['share_of_simulate_pct'], '.2f')} %",
        ]
        for _, r in df.iterrows()
    ]
    header = [
        "nodes kept",
        "rows",
        "aggregation (s)",
        "µs per row",
        "straight line (s)",
        "share of NEST's simulate time",
    ]
    fit = df.iloc[0]
    line = (
        f"Straight line: {_f(fit['fit_startup_s'], '.2f')} s start-up + {_f(fit['fit_us_per_row'], '.3f')} µs per "
        f"row (R² = {_f(fit['fit_r2'], '.2f')}); NEST's simulate time of the run: {_f(fit['simulate_s'], '.0f')} s.\n"
    )
    return _table(header, rows) + "\n" + line


def memory_model_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/memory_model.py`` (peak memory against the memory model) as a
    Markdown table, a row per point, and a line with the largest error over the scales.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``memory_model*.csv`` (``memory_model.record_rows``): per point its
        ``point``, ``scale``, ``n_vp``, ``cells``, ``connections_millions``, ``peak_memory_mib``, the
        fitted model's ``fitted_mib`` (MiB) and ``fitted_error_pct`` (%), ``in_fit``, ``build_s``
        and ``simulate_s`` (s) over ``sim_time_ms`` (ms).

    Returns
    -------
    str
        The table and the line, ending with a newline.
    """
    rows = [
        [
            r["point"],
            _f(r["scale"], "g"),
            _f(r["n_vp"], ".0f"),
            _f(r["cells"], ",.0f"),
            _f(r["connections_millions"], ".1f"),
            _f(r["peak_memory_mib"], ",.0f"),
            _f(r["fitted_mib"], ",.0f"),
            f"{_f(r['fitted_error_pct'], '+.1f')} %",
            _f(r["build_s"], ".1f"),
            _f(r["simulate_s"], ".1f"),
        ]
        for _, r in df.iterrows()
    ]
    times = set(df["sim_time_ms"])
    simulate = f"simulate {times.pop():g} ms (s)" if len(times) == 1 else "simulate (s)"
    header = ["point", "scale", "n_vp", "cells", "connections (M)", "peak memory (MiB)", "model (MiB)", "error"]
    scales = df[df["point"].str.startswith("scale_")]
    worst = scales["fitted_error_pct"].abs().max()
    outside = [f"{s:g}" for s in scales.loc[~scales["in_fit"].eq(True), "scale"]]
    line = f"Largest error over the scales: {worst:.1f} % (target ±15 %)"
    if outside:
        scales, were = ("scales", "were") if len(outside) > 1 else ("scale", "was")
        line += f"; {scales} {' and '.join(outside)} {were} not used in the fit"
    return _table([*header, "build (s)", simulate], rows) + "\n" + line + ".\n"


def _scaling_run(r) -> list[str]:
    """The cells that name a run of a scaling experiment: its kind, virtual processes, ranks × threads
    and cells."""
    split = f"{r['mpi_ranks']:.0f} × {r['threads_per_rank']:.0f}"
    return [r["scaling"], _f(r["n_vp"], ".0f"), split, _f(r["cells"], ",.0f")]


def scaling_table_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/scaling_table.py`` (the runs of the scaling experiments) as a
    Markdown table of their times, memory and efficiency.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``scaling_table*.csv`` (``scaling_table.record_rows``): per run
        ``scaling`` (strong, weak), ``n_vp``, ``mpi_ranks``, ``threads_per_rank``, ``cells``,
        ``connections``, ``create_s``, ``connect_s`` and ``simulate_s`` (s, slowest rank),
        ``real_time_factor``, ``memory_per_rank_max_mib`` (MiB) and ``efficiency``.

    Returns
    -------
    str
        The Markdown table, ending with a newline.
    """
    rows = [
        [
            *_scaling_run(r),
            _f(r["connections"], ",.0f"),
            *(_f(r[c], ".2f") for c in ("create_s", "connect_s", "simulate_s")),
            _f(r["real_time_factor"], ".1f"),
            _f(r["memory_per_rank_max_mib"], ".0f"),
            _f(r["efficiency"], ".2f"),
        ]
        for _, r in df.iterrows()
    ]
    header = ["scaling", "n_vp", "ranks × threads", "cells", "connections", "create (s)", "connect (s)"]
    return _table([*header, "simulate (s)", "real-time factor", "memory per rank (MiB)", "efficiency"], rows)


def scaling_phases_markdown(df: pd.DataFrame) -> str:
    """The record of ``benchmarks/scaling_table.py`` as a Markdown table of NEST's simulation phases.

    Parameters
    ----------
    df : pandas.DataFrame
        The record as read from ``scaling_phases*.csv`` (``scaling_table.record_rows``): per run
        ``scaling``, ``n_vp``, ``mpi_ranks``, ``threads_per_rank``, ``cells``, NEST's
        ``time_simulate_s`` (s), ``sim_factor`` and the shares of ``time_simulate`` (%):
        ``update_pct``, ``spike_ccd_pct``, ``secondary_gd_pct`` and ``others_pct``.

    Returns
    -------
    str
        The Markdown table, ending with a newline.
    """
    phases = ("update_pct", "spike_ccd_pct", "secondary_gd_pct", "others_pct")
    rows = [
        [
            *_scaling_run(r),
            _f(r["time_simulate_s"], ".2f"),
            _f(r["sim_factor"], ".1f"),
            *(f"{_f(r[c], '.1f')} %" for c in phases),
        ]
        for _, r in df.iterrows()
    ]
    header = ["scaling", "n_vp", "ranks × threads", "cells", "NEST simulate (s)", "`sim_factor`", "update"]
    spikes, secondary = "spikes: collocate + communicate + deliver", "secondary events: gather + deliver"
    return _table([*header, spikes, secondary, "other"], rows)


#: The renderer of each kind of CSV, by the pattern of its file name (the first that matches).
KINDS = {
    "claims.csv": claims_markdown,
    "runs.csv": runs_markdown,
    "metrics.csv": comparison_markdown,
    "summary.csv": summary_markdown,
    "compare_example*.csv": compare_example_markdown,
    "tuned_build*.csv": tuned_build_markdown,
    "aggregation*.csv": aggregation_markdown,
    "memory_model*.csv": memory_model_markdown,
    "scaling_table*.csv": scaling_table_markdown,
    "scaling_phases*.csv": scaling_phases_markdown,
}


def render(path: Path, rows: dict[str, str] | None = None) -> str:
    """The Markdown table of one published CSV or benchmark record, by its kind (its file name).

    Parameters
    ----------
    path : pathlib.Path
        A file whose name matches a pattern of :data:`KINDS`: ``claims.csv`` (:func:`claims_markdown`),
        ``runs.csv`` (:func:`runs_markdown`), ``metrics.csv`` (:func:`comparison_markdown`),
        ``summary.csv`` (:func:`summary_markdown`), or a
        benchmark's record under docs/performance/ (``compare_example*.csv``, ``tuned_build*.csv``,
        ``aggregation*.csv``, ``memory_model*.csv``, ``scaling_table*.csv``, ``scaling_phases*.csv``).
    rows : dict of str to str, optional
        Only the rows whose ``column`` holds ``value``, for each ``{column: value}`` (compared as
        text); all rows without it.

    Returns
    -------
    str
        The Markdown table.

    Raises
    ------
    KeyError
        For a file of another name.
    ValueError
        If ``rows`` leaves no row.
    """
    kind = next((f for pattern, f in KINDS.items() if fnmatch(path.name, pattern)), None)
    if kind is None:
        raise KeyError(path.name)
    df = pd.read_csv(path)
    for column, value in (rows or {}).items():
        df = df[df[column].astype(str) == value]
    if df.empty:
        raise ValueError(f"{path}: no row with {rows}")
    return kind(df)


def update(text: str, root: Path = REPO) -> str:
    """``text`` with every table block regenerated from its file.

    Parameters
    ----------
    text : str
        A Markdown page.
    root : pathlib.Path
        The directory the blocks' paths are relative to (the page's); by default the repository.

    Returns
    -------
    str
        The page, each block between ``<!-- table: PATH -->`` and ``<!-- end table -->`` replaced
        by :func:`render` of its file; ``<!-- table: PATH column=value ... -->`` keeps only the rows
        whose ``column`` holds ``value``.
    """

    def block(m: re.Match) -> str:
        rows = dict(item.split("=", 1) for item in m.group("rows").split())
        return m.group(1) + render(root / m.group("path"), rows) + m.group(5)

    return BLOCK.sub(block, text)


def pages(repo: Path = REPO) -> list[Path]:
    """The Markdown pages that may hold table blocks: README.md and the pages under docs/.

    Parameters
    ----------
    repo : pathlib.Path
        The repository; by default the one this module lies in.

    Returns
    -------
    list of pathlib.Path
        README.md, then ``docs/*.md`` in sorted order (not those in subdirectories).
    """
    return [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]


if __name__ == "__main__":
    for page in [Path(arg) for arg in sys.argv[1:]] or pages():
        text = page.read_text()
        if BLOCK.search(text):
            page.write_text(update(text, page.parent))
