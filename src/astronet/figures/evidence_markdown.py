"""The documentation's tables of published evidence, generated from the files that `snakemake publish`
copies into docs/ (claims.csv, runs.csv, a comparison's metrics.csv), so that no number is typed by hand.

A table stands in a Markdown page between ``<!-- table: PATH -->`` and ``<!-- end table -->``, PATH a
CSV file relative to the page (``jiang2025/jiang2025_claims/claims.csv`` in ``docs/jiang2025.md``).
``python -m astronet.figures.evidence_markdown`` rewrites every such block of README.md and of the
pages under docs/ from its file (``python -m astronet.figures.evidence_markdown PAGE.md``: of one page),
and the tests check that every page is up to date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[3]
BLOCK = re.compile(r"(<!-- table: (?P<path>\S+) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


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
    header = ["regime", "scheme", "metric", "pairs (seeds)", "tripartite", "No-Tripartite"]
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


def render(path: Path) -> str:
    """The Markdown table of one published CSV, by its kind (its file name).

    Parameters
    ----------
    path : pathlib.Path
        A ``claims.csv`` (:func:`claims_markdown`), ``runs.csv`` (:func:`runs_markdown`) or
        ``metrics.csv`` (:func:`comparison_markdown`).

    Returns
    -------
    str
        The Markdown table.

    Raises
    ------
    KeyError
        For a file of another name.
    """
    df = pd.read_csv(path)
    kinds = {"claims.csv": claims_markdown, "runs.csv": runs_markdown, "metrics.csv": comparison_markdown}
    return kinds[path.name](df)


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
        by :func:`render` of its file.
    """
    return BLOCK.sub(lambda m: m.group(1) + render(root / m.group("path")) + m.group(4), text)


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
