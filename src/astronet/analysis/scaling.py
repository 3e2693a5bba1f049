"""Strong and weak scaling: beNNch-style metrics of the runs of a scaling experiment, a table and a figure.

A scaling experiment (``scaling: strong`` or ``scaling: weak`` in its configuration) varies the
virtual processes of its runs — ``n_vp`` and ``mpi_ranks`` in a grid, usually with ``zip: true`` —
with a fixed network (strong) or a network that grows with them (weak, e.g. ``scale`` in the same
zipped grid). For every run, from its ``metadata.json``:

* the phases of beNNch: ``create_s``, ``connect_s`` (neurons, astrocytes and their connections) and
  ``simulate_s`` (NEST's own time in ``Simulate``), each the maximum over the MPI ranks, the slowest
  rank setting the pace;
* ``real_time_factor`` = ``simulate_s`` / model time;
* memory per rank: ``memory_per_rank_max_mib`` and ``memory_per_rank_mean_mib`` (peak resident
  memory of each rank process);
* ``efficiency``, against the mean of the runs with the fewest virtual processes: strong,
  ``T_ref × n_ref / (T × n)``; weak, ``T_ref / T`` (1 is ideal), with ``T`` = ``simulate_s``;
* beNNch's own quantities under its names (:mod:`astronet.analysis.bennch`): NEST's timers (mean over the
  ranks), among them the phases of the simulation cycle, the real-time factor ``sim_factor`` and
  each phase's share of it (``<phase>_factor``) and of ``time_simulate`` (``<phase>_frac``, %).

The figure shows the phases of the whole run and of NEST's simulation cycle (update, spike
collocation, communication and delivery, secondary events, other), the real-time factor and the
memory per rank against the virtual processes. Phases need NEST's detailed timers
(``tools/build_nest.sh``); with the PyPI wheel their panels say so. Timings measured on a shared
machine are only as good as its quietness.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from astronet.analysis import bennch
from astronet.config.run_quantities import total_sim_time
from astronet.data import integrity

KINDS = ("strong", "weak")
PHASES = ("create_s", "connect_s", "simulate_s")
COLUMNS = [
    "run",
    "rng_seed",
    "n_vp",
    "mpi_ranks",
    "threads_per_rank",
    "n_cells",
    "n_connections",
    "sim_time_ms",
    "create_s",
    "connect_s",
    "simulate_s",
    "total_s",
    "real_time_factor",
    "memory_per_rank_max_mib",
    "memory_per_rank_mean_mib",
    "memory_total_mib",
    "efficiency",
    *bennch.COLUMNS,
]


def run_row(meta: dict, run: str) -> dict:
    """The scaling metrics of one run.

    Parameters
    ----------
    meta : dict
        The run's aggregated metadata (astronet.data.aggregate.merged_metadata), with its per-rank
        records ``ranks``.
    run : str
        The run's name.

    Returns
    -------
    dict
        The columns of ``COLUMNS`` but ``efficiency``, as the module describes them: ``create_s``,
        ``connect_s``, ``simulate_s`` and ``total_s`` in s (the slowest rank), ``sim_time_ms`` in ms,
        ``real_time_factor`` [-], memory in MiB, counts, and beNNch's quantities
        (:func:`astronet.analysis.bennch.quantities`).
    """
    p = meta["parameters"]
    ranks = meta["ranks"]
    memory = [r["peak_memory_mib"] for r in ranks]
    timer = lambda key: max(r["timers_s"][key] for r in ranks)  # noqa: E731
    simulate_s = timer("simulate")
    return {
        "run": run,
        "rng_seed": p["rng_seed"],
        "n_vp": meta["n_vp"],
        "mpi_ranks": meta["n_ranks"],
        "threads_per_rank": meta["threads"],
        "n_cells": sum(hi - lo + 1 for lo, hi in meta["populations"].values()),
        "n_connections": int(sum(meta["connections"].values())),
        "sim_time_ms": p["sim_time"],
        "create_s": timer("create"),
        "connect_s": timer("connect"),
        "simulate_s": simulate_s,
        "total_s": timer("total"),
        "real_time_factor": simulate_s / (total_sim_time(p) / 1000.0),
        "memory_per_rank_max_mib": max(memory),
        "memory_per_rank_mean_mib": float(np.mean(memory)),
        "memory_total_mib": float(np.sum(memory)),
        **bennch.quantities(meta),
    }


def scaling_table(metas: dict[str, dict], kind: str) -> pd.DataFrame:
    """One row per run, sorted by virtual processes, with efficiency.

    Parameters
    ----------
    metas : dict of str to dict
        Run name -> the run's aggregated metadata.
    kind : str
        ``strong`` or ``weak``: how ``efficiency`` is computed.

    Returns
    -------
    pandas.DataFrame
        The columns of ``COLUMNS``, one row per run (:func:`run_row`), ``efficiency`` [-] against the
        mean ``simulate_s`` of the runs with the fewest virtual processes.

    Raises
    ------
    ValueError
        For a ``kind`` other than ``strong`` or ``weak``.
    """
    if kind not in KINDS:
        raise ValueError(f"scaling kind must be one of {KINDS}, not {kind!r}")
    df = pd.DataFrame([run_row(meta, run) for run, meta in metas.items()])
    df = df.sort_values(["n_vp", "mpi_ranks", "rng_seed"], kind="stable").reset_index(drop=True)
    ref = df[df["n_vp"] == df["n_vp"].min()]
    t_ref, n_ref = ref["simulate_s"].mean(), ref["n_vp"].iloc[0]
    if kind == "strong":
        df["efficiency"] = t_ref * n_ref / (df["simulate_s"] * df["n_vp"])
    else:
        df["efficiency"] = t_ref / df["simulate_s"]
    return df[COLUMNS]


def load_metadata(paths: dict[str, str | Path]) -> dict[str, dict]:
    """Each run's metadata.json, checked (astronet.data.integrity.load_metadata).

    Parameters
    ----------
    paths : dict of str to str or pathlib.Path
        Run name -> its ``metadata.json``.

    Returns
    -------
    dict of str to dict
        Run name -> its metadata.

    Raises
    ------
    astronet.data.integrity.DamagedFileError
        If a file is damaged (unreadable, keys missing, content checksum).
    """
    return {run: integrity.load_metadata(path) for run, path in paths.items()}


def split_label(row) -> str:
    """How a run splits its virtual processes: MPI ranks × threads per rank.

    Parameters
    ----------
    row : namedtuple
        A row of the scaling table (:func:`scaling_table`, ``DataFrame.itertuples``).

    Returns
    -------
    str
        ``<mpi_ranks>×<threads_per_rank>``, e.g. ``4×2``.
    """
    return f"{row.mpi_ranks}×{row.threads_per_rank}"


PHASE_COLORS = ("tab:blue", "tab:orange", "gold", "tab:green", "tab:purple", "tab:pink", "lightgray")
PHASE_LABELS = (
    "update",
    "collocate spikes",
    "communicate spikes",
    "deliver spikes",
    "gather secondary",
    "deliver secondary",
    "other",
)


def _phase_bars(ax, df: pd.DataFrame, x, kind: str) -> bool:
    """NEST's simulation cycle by phase, stacked per run: ``kind`` factor (s per s of model time) or
    frac (% of time_simulate). False, with a note on the panel, if NEST measured no phases."""
    columns = [f"{p}_{kind}" for p in (*bennch.PHASES, "others")]
    if df[columns].isna().all(axis=None):
        ax.text(
            0.5,
            0.5,
            "no phases measured: NEST without detailed timers\n(build one with tools/build_nest.sh)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=8,
        )
        return False
    bottom = np.zeros(len(df))
    for column, color, label in zip(columns, PHASE_COLORS, PHASE_LABELS, strict=True):
        values = df[column].fillna(0.0).to_numpy()
        ax.bar(x, values, bottom=bottom, color=color, label=label)
        bottom += values
    return True


def scaling_figure(df: pd.DataFrame, kind: str, experiment: str, path, dpi: int = 150) -> None:
    """Draw the scaling figure of one experiment.

    Top: phases of the whole run (stacked), real-time factor and memory per rank against n_vp.
    Bottom: NEST's simulation cycle by phase, as real-time factor and as share of time_simulate.

    Parameters
    ----------
    df : pandas.DataFrame
        The scaling table (:func:`scaling_table`).
    kind : str
        ``strong`` or ``weak``: the ideal line of the real-time factor and the title.
    experiment : str
        The experiment's name, for the title.
    path : str or pathlib.Path
        Where to write the figure; its suffix sets the format.
    dpi : int
        Resolution of the figure in dots per inch.
    """
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.6), constrained_layout=True)
    labels = [f"{r.n_vp} VP\n{split_label(r)}" for r in df.itertuples()]
    x = np.arange(len(df))
    bottom = np.zeros(len(df))
    top = axes[0]
    for phase, color in zip(PHASES, ("tab:gray", "tab:orange", "tab:blue"), strict=True):
        top[0].bar(x, df[phase], bottom=bottom, color=color, label=phase.removesuffix("_s"))
        bottom += df[phase].to_numpy()
    top[0].set_ylabel("wall time (s), slowest rank")
    top[0].set_title("phases of the run")
    top[0].legend(frameon=False, fontsize=8)

    # One series per number of threads per rank (beNNch: fixed threads per rank, more ranks).
    n = np.array(sorted(df["n_vp"].unique()))
    for threads, group in df.groupby("threads_per_rank"):
        g = group.groupby("n_vp").agg(
            rtf=("real_time_factor", "mean"),
            mem_max=("memory_per_rank_max_mib", "max"),
            mem_mean=("memory_per_rank_mean_mib", "mean"),
        )
        (line,) = top[1].plot(g.index, g["rtf"], "o-", label=f"{threads} thread(s) per rank")
        top[2].plot(g.index, g["mem_max"], "o-", color=line.get_color(), label=f"{threads} thread(s) per rank, max")
        top[2].plot(g.index, g["mem_mean"], "s--", mfc="none", color=line.get_color(), label="mean over ranks")
    ref = df[df["n_vp"] == n[0]]["real_time_factor"].mean()
    ideal = ref * (n[0] / n if kind == "strong" else np.ones_like(n, dtype=float))
    top[1].plot(n, ideal, "k:", lw=1, label="ideal")
    top[1].set_xlabel("virtual processes")
    top[1].set_ylabel("real-time factor")
    top[1].set_title(f"{kind} scaling")
    top[1].legend(frameon=False, fontsize=8)
    top[2].set_xlabel("virtual processes")
    top[2].set_ylabel("peak memory per rank (MiB)")
    top[2].set_title("memory per rank")
    top[2].legend(frameon=False, fontsize=8)
    for ax in top[1:]:
        ax.set_xticks(n, [str(v) for v in n])
        ax.margins(x=0.1, y=0.1)
        ax.set_ylim(bottom=0)

    bottom_row = axes[1]
    if _phase_bars(bottom_row[0], df, x, "factor"):
        bottom_row[0].legend(frameon=False, fontsize=7)
    bottom_row[0].set_ylabel("real-time factor by phase")
    bottom_row[0].set_title("NEST's simulation cycle (mean over ranks)")
    _phase_bars(bottom_row[1], df, x, "frac")
    bottom_row[1].set_ylabel("share of time_simulate (%)")
    bottom_row[1].set_title("phases, relative")
    nodes = df["num_nodes"].to_numpy()
    bottom_row[2].bar(x, nodes, color="tab:gray")
    bottom_row[2].set_ylabel("nodes (hosts of the ranks)")
    bottom_row[2].set_title("placement")
    bottom_row[2].set_yticks(range(0, int(nodes.max()) + 1))
    for ax in (top[0], *bottom_row):
        ax.set_xticks(x, labels)
    cells = ", ".join(sorted({f"{c:,}" for c in df["n_cells"]}, key=lambda s: int(s.replace(",", ""))))
    fig.suptitle(f"{experiment}: {kind} scaling, {cells} cells, {df['sim_time_ms'].iloc[0]:g} ms")
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def write(
    metadata_paths: dict[str, str | Path], kind: str, experiment: str, table_path, figure_path, dpi: int = 150
) -> pd.DataFrame:
    """scaling.csv and the scaling figure of one experiment.

    Parameters
    ----------
    metadata_paths : dict of str to str or pathlib.Path
        Run name -> its ``metadata.json``.
    kind : str
        ``strong`` or ``weak``.
    experiment : str
        The experiment's name, for the figure's title.
    table_path : str or pathlib.Path
        Where to write the table (CSV).
    figure_path : str or pathlib.Path
        Where to write the figure (:func:`scaling_figure`).
    dpi : int
        Resolution of the figure in dots per inch.

    Returns
    -------
    pandas.DataFrame
        The scaling table (:func:`scaling_table`).

    Raises
    ------
    ValueError
        For a ``kind`` other than ``strong`` or ``weak``.
    astronet.data.integrity.DamagedFileError
        If a run's metadata.json is damaged.
    """
    df = scaling_table(load_metadata(metadata_paths), kind)
    df.to_csv(table_path, index=False, float_format="%.6g")
    scaling_figure(df, kind, experiment, figure_path, dpi)
    return df
