"""The steps of the workflow, one function each: what ``python -m astronet <step>`` runs.

Each function takes the parsed options of its step (:mod:`astronet.__main__` parses them) and calls
the library; none holds logic of its own beyond reading its inputs and writing its outputs. Every
import is made inside the step that needs it: a simulation must not import pandas or matplotlib
(astronet.runtime.optional_imports), and each job imports only what its step uses.
"""

from __future__ import annotations

from pathlib import Path


def _run_frames(spikes, astrocytes, neurons, meta: dict) -> tuple:
    """A run's three tables as pandas DataFrames, checked against the checksums in its metadata."""
    from astronet.data.integrity import read_table

    return tuple(read_table(path, meta).to_pandas() for path in (spikes, astrocytes, neurons))


def simulate(parameters: Path, output: Path | None, check_mpi: bool = False, params_id: str | None = None) -> None:
    """Simulate one run (astronet.simulation.simulate); the process ends with the one that started it.

    pandas and matplotlib are kept out of the process (astronet.runtime.optional_imports).

    Parameters
    ----------
    parameters : pathlib.Path
        JSON file with the run's complete parameters.
    output : pathlib.Path or None
        Directory that will hold the per-rank recordings, ``results/<experiment>/<run>/raw``; None
        only with ``check_mpi``.
    check_mpi : bool
        Only check, in this single process, that NEST has MPI if the run asks for ranks.
    params_id : str, optional
        The run's identity as the workflow configured it (astronet.config.rundir.params_id): the run
        stops if the parameters file holds another parameter set.
    """
    from astronet.runtime.guard import die_with_parent
    from astronet.runtime.optional_imports import skip_imports
    from astronet.simulation.simulate import MODULES_A_SIMULATION_NEVER_USES, run_file

    die_with_parent()
    skip_imports(*MODULES_A_SIMULATION_NEVER_USES, reason="a simulation uses neither")
    run_file(parameters, output, check_mpi=check_mpi, expected_id=params_id)


def aggregate(raw: Path, out_dir: Path) -> None:
    """Merge the per-rank recordings of one run into tables, a summary and metadata.

    Parameters
    ----------
    raw : pathlib.Path
        The run's raw/ directory (per-rank recordings).
    out_dir : pathlib.Path
        Directory of the run's tables: spikes, astrocytes and neurons .parquet, summary.csv and
        metadata.json.
    """
    from astronet.data.aggregate import aggregate as aggregate_run

    aggregate_run(raw, out_dir)


def aggregate_connections(raw: Path, output: Path) -> None:
    """Merge the per-rank connection tables of one run (params.record_connections: true).

    Parameters
    ----------
    raw : pathlib.Path
        The run's raw/ directory, recorded with ``record_connections: true``.
    output : pathlib.Path
        connections.parquet to write.
    """
    from astronet.data.aggregate import aggregate_connections as merge

    merge(raw, output)


def metrics(
    spikes, astrocytes, neurons, metadata, settings: dict, experiment: str, run: str, point: dict, output
) -> None:
    """The metrics of one run (rates, CV, Fano, synchrony, astrocyte and SIC) into metrics.json.

    The warnings about them (astronet.analysis.advice) go into the record too, and to the console;
    the metrics are also printed, one per line.

    Parameters
    ----------
    spikes : pathlib.Path
        spikes.parquet of the run (``time`` in ms), checked against the checksum in its metadata, as
        are the other tables.
    astrocytes : pathlib.Path
        astrocytes.parquet of the run (``time`` in ms, ``IP3`` and ``Ca_astro`` in µM).
    neurons : pathlib.Path
        neurons.parquet of the run (``time`` in ms, ``I_SIC`` in pA).
    metadata : pathlib.Path
        metadata.json of the run.
    settings : dict
        The experiment's analysis settings (config ``analysis``: ``t_start``, ``bin_ms``,
        ``fano_bin_ms`` in ms, ``ca_threshold`` in µM, ...).
    experiment : str
        Name of the run's experiment.
    run : str
        Name of the run.
    point : dict
        The run's swept values, ``{key: value}``.
    output : pathlib.Path
        metrics.json to write.
    """
    from astronet.analysis import advice
    from astronet.analysis.run_records import run_metrics_record
    from astronet.data.integrity import load_metadata
    from astronet.runtime.atomic_files import write_json_atomic

    meta = load_metadata(metadata)
    record = run_metrics_record(
        *_run_frames(spikes, astrocytes, neurons, meta),
        meta,
        settings,
        experiment=experiment,
        run=run,
        point=point,
    )
    record["warnings"] = [m for m in (advice.implausible_rate(f"{experiment}/{run}", record),) if m]
    write_json_atomic(output, record)
    advice.report(*record["warnings"])
    for name, value in record["metrics"].items():
        print(f"{name:30s} {value}")


def provenance(metadata, metrics, output) -> None:
    """The provenance page of one run: versions, build, parameters, connections, timers, metrics.

    Parameters
    ----------
    metadata : pathlib.Path
        metadata.json of the run.
    metrics : pathlib.Path
        metrics.json of the run.
    output : pathlib.Path
        HTML page to write.
    """
    from astronet.data.integrity import load_metadata, load_metrics
    from astronet.figures.html_pages import provenance_html

    Path(output).write_text(provenance_html(load_metadata(metadata), load_metrics(metrics)))


def figures(spikes, astrocytes, neurons, metadata, settings: dict, raster, dynamics, rate_distribution) -> None:
    """The figures of one run (raster, dynamics, rate distribution) from its aggregated tables.

    Parameters
    ----------
    spikes : pathlib.Path
        spikes.parquet of the run (``time`` in ms), checked against the checksum in its metadata, as
        are the other tables.
    astrocytes : pathlib.Path
        astrocytes.parquet of the run (``time`` in ms, ``IP3`` and ``Ca_astro`` in µM).
    neurons : pathlib.Path
        neurons.parquet of the run (``time`` in ms, ``I_SIC`` in pA).
    metadata : pathlib.Path
        metadata.json of the run.
    settings : dict
        Figure settings (config ``figures``) with the plotted window ``t_start``, ``t_stop`` (ms):
        ``dpi``, ``raster_neurons``, ``rate_bin_ms`` (ms).
    raster : pathlib.Path
        Raster figure to write.
    dynamics : pathlib.Path
        Astrocyte and neuron dynamics figure to write.
    rate_distribution : pathlib.Path
        Firing-rate distribution figure to write.
    """
    from astronet.data.integrity import load_metadata
    from astronet.figures import plotting

    meta = load_metadata(metadata)
    plotting.draw_all(
        plotting.read_columns(spikes, ["sender", "time"], meta),
        plotting.read_columns(astrocytes, meta=meta),
        plotting.read_columns(neurons, meta=meta),
        meta,
        settings,
        {"raster": raster, "dynamics": dynamics, "rate_distribution": rate_distribution},
    )


def experiment_summary(
    metrics: list,
    metadata: list,
    grid_keys: list,
    experiment: str,
    runs_parquet,
    runs_csv,
    summary_parquet,
    summary_csv,
    summary_html,
    scaling: str | None = None,
) -> None:
    """Tables of one experiment: one row per run (runs.*), mean / 95 % CI / n per grid point (summary.*).

    Warnings about the results follow (astronet.analysis.advice), except for a scaling experiment,
    which measures the cost of its runs and asks nothing about their activity or statistics across
    seeds.

    Parameters
    ----------
    metrics : list of pathlib.Path
        metrics.json of each run.
    metadata : list of pathlib.Path
        metadata.json of each run, in the same order: their provenance in the runs table.
    grid_keys : list of str
        The experiment's swept parameters (empty: no grid).
    experiment : str
        Name of the experiment.
    runs_parquet : pathlib.Path
        runs.parquet to write: the runs table, one row per run.
    runs_csv : pathlib.Path
        runs.csv to write: the same table.
    summary_parquet : pathlib.Path
        summary.parquet to write: the summary table, one row per grid point.
    summary_csv : pathlib.Path
        summary.csv to write: the same table.
    summary_html : pathlib.Path
        The summary page to write (astronet.figures.html_pages.summary_html).
    scaling : str, optional
        ``strong`` or ``weak`` for a scaling experiment (no warnings); None otherwise.
    """
    from astronet.analysis import advice
    from astronet.analysis.sweep_tables import write_tables
    from astronet.data.integrity import load_metadata, load_metrics
    from astronet.figures.html_pages import summary_html as html_page

    records = [load_metrics(path) for path in metrics]
    out = {
        "runs_parquet": runs_parquet,
        "runs_csv": runs_csv,
        "summary_parquet": summary_parquet,
        "summary_csv": summary_csv,
    }
    runs, summary = write_tables(records, grid_keys, out, [load_metadata(path) for path in metadata])
    Path(summary_html).write_text(
        html_page(summary, grid_keys, f"Experiment {experiment}: mean ± 95 % CI across seeds")
    )
    print(f"{len(runs)} runs, {len(summary)} grid points")
    if scaling is None:
        advice.report(
            advice.few_seeds(experiment, summary["n_seeds"]),
            advice.no_sic(experiment, records, grid_keys),
            advice.no_fano(experiment, records),
        )


def sweep_figures(
    summary, runs, grid: dict, experiment: str, settings: dict, figures: list, zip_grid: bool = False
) -> None:
    """Sweep figures of one experiment: each metric against the swept parameter, mean ± 95 % CI across seeds.

    Each file is named after its group of astronet.figures.sweep_panels.FIGURES (GROUP.FORMAT).

    Parameters
    ----------
    summary : pathlib.Path
        summary.parquet of the experiment.
    runs : pathlib.Path
        runs.parquet of the experiment.
    grid : dict
        The experiment's grid, ``{key: [values]}``.
    experiment : str
        Name of the experiment.
    settings : dict
        Figure settings (config ``figures``); ``dpi`` is used.
    figures : list of pathlib.Path
        Figures to write, each named after its group: activity, synchrony or astrocytes (e.g.
        ``figures/activity.png``).
    zip_grid : bool
        Whether the grid's lists are read in step (the experiment's ``zip``).

    Raises
    ------
    SystemExit
        If a file is not named after a figure group.
    """
    import pandas as pd

    from astronet.figures.sweep_figures import sweep_figure
    from astronet.figures.sweep_panels import FIGURES

    unknown = [str(path) for path in figures if Path(path).stem not in FIGURES]
    if unknown:
        raise SystemExit(f"sweep-figures: {', '.join(unknown)}: not named after a figure group ({', '.join(FIGURES)})")
    summary_df, runs_df = pd.read_parquet(summary), pd.read_parquet(runs)
    for path in figures:
        sweep_figure(Path(path).stem, summary_df, runs_df, grid, experiment, settings, path, zip_grid)


def comparison(
    labels: list,
    spikes: list,
    astrocytes: list,
    neurons: list,
    metadata: list,
    metrics: list,
    settings: dict,
    figure,
    table,
) -> None:
    """Runs side by side in the layout of Jiang et al. 2025's Fig. 3, and their metrics as one table.

    The table also holds each run's analysis window, its plotted window and the peak and 99th
    percentile of its population-rate trace; it is printed too.

    Parameters
    ----------
    labels : list of str
        Column label of each run.
    spikes : list of pathlib.Path
        spikes.parquet of each run (``time`` in ms).
    astrocytes : list of pathlib.Path
        astrocytes.parquet of each run (``time`` in ms, ``IP3`` and ``Ca_astro`` in µM).
    neurons : list of pathlib.Path
        neurons.parquet of each run (``time`` in ms, ``I_SIC`` in pA).
    metadata : list of pathlib.Path
        metadata.json of each run.
    metrics : list of pathlib.Path
        metrics.json of each run.
    settings : dict
        ``dpi``, ``raster_neurons``, ``rate_bin_ms`` (ms), ``t_start`` and ``t_stop`` (ms, or None:
        the run's analysis window).
    figure : pathlib.Path
        Figure to write.
    table : pathlib.Path
        Metrics table (CSV) to write: rates in spikes/s, times in ms, ``sic_mean`` in pA, ``ca_mean``
        in µM.

    Raises
    ------
    SystemExit
        If the lists are not all of one length.
    """
    from astronet.analysis.sweep_tables import runs_table
    from astronet.data.integrity import load_metadata, load_metrics
    from astronet.figures import paper_figures
    from astronet.figures.plotting import read_columns

    _same_length(
        labels=labels, spikes=spikes, astrocytes=astrocytes, neurons=neurons, metadata=metadata, metrics=metrics
    )
    records = [load_metrics(path) for path in metrics]
    metas = [load_metadata(path) for path in metadata]
    runs = {}
    for i, label in enumerate(labels):
        run = {
            "spikes": read_columns(spikes[i], ["sender", "time"], metas[i]),
            "astrocytes": read_columns(astrocytes[i], meta=metas[i]),
            "neurons": read_columns(neurons[i], meta=metas[i]),
            "meta": metas[i],
            "window": paper_figures.plotted_window(settings, records[i]["window_ms"]),
            "metrics": records[i]["metrics"],
        }
        run["rate"] = paper_figures.population_rate_trace(run, settings["rate_bin_ms"])
        runs[label] = run
    paper_figures.fig3(runs, settings, figure)
    df = runs_table(records)
    df.insert(0, "label", list(labels))
    df.insert(3, "t_start_ms", [r["window_ms"][0] for r in records])
    df.insert(4, "t_stop_ms", [r["window_ms"][1] for r in records])
    traces = [paper_figures.trace_summary(run, settings["rate_bin_ms"]) for run in runs.values()]
    for col, name in enumerate(traces[0]):
        df.insert(5 + col, name, [trace[name] for trace in traces])
    df.to_csv(table, index=False)
    print(df.T.to_string())


def connectivity(labels: list, connections: list, metadata: list, experiment: str, dpi: int, table, figure) -> None:
    """Connectivity of an experiment's runs (Jiang et al. 2025's Fig. 8): degree table and figure.

    The table is printed too.

    Parameters
    ----------
    labels : list of str
        Label of each run.
    connections : list of pathlib.Path
        connections.parquet of each run.
    metadata : list of pathlib.Path
        metadata.json of each run.
    experiment : str
        Name of the experiment, for the figure's title.
    dpi : int
        Resolution of the figure in dots per inch.
    table : pathlib.Path
        Degree table (CSV) to write: per run its cost (times in s, memory in MiB) and degree summary.
    figure : pathlib.Path
        Figure to write.

    Raises
    ------
    SystemExit
        If the lists are not all of one length.
    """
    import pandas as pd

    from astronet.analysis import connectivity as conn
    from astronet.data.integrity import load_metadata
    from astronet.figures import paper_figures

    _same_length(labels=labels, connections=connections, metadata=metadata)
    runs, rows = {}, []
    for label, conn_path, meta_path in zip(labels, connections, metadata, strict=True):
        meta = load_metadata(meta_path)
        degrees, cost = conn.read_degrees(conn_path, meta["populations"]), conn.run_cost(meta)
        runs[label] = {"degrees": degrees, "cost": cost}
        rows.append({"run": label, **cost, **conn.degree_summary(degrees)})
    df = pd.DataFrame(rows)
    df.to_csv(table, index=False)
    title = f"Experiment {experiment}: astrocyte→neuron connectivity and cost"
    paper_figures.fig8(runs, {"dpi": dpi, "title": title}, figure)
    print(df.T.to_string())


def claims(claim: dict, metrics: list, metadata: list, dpi: int, table, runs_table, figure) -> None:
    """A claim's runs table (with provenance), its claims table and its figure (astronet.analysis.claim_tables).

    The claims table is printed too.

    Parameters
    ----------
    claim : dict
        The claim's settings (config ``claims.<name>``), each pair with its ``seeds``.
    metrics : list of pathlib.Path
        metrics.json of each run of the pairs.
    metadata : list of pathlib.Path
        metadata.json of the same runs, in the same order.
    dpi : int
        Resolution of the figure in dots per inch.
    table : pathlib.Path
        Claims table (CSV) to write.
    runs_table : pathlib.Path
        Runs table with provenance (CSV) to write.
    figure : pathlib.Path
        Figure to write.

    Raises
    ------
    SystemExit
        If the lists are not of one length.
    """
    from astronet.analysis.claim_tables import claims_table
    from astronet.analysis.claim_tables import runs_table as claim_runs
    from astronet.data.integrity import load_metadata, load_metrics
    from astronet.figures.claim_figures import claim_figure

    _same_length(metrics=metrics, metadata=metadata)
    records, metas = {}, {}
    for metrics_path, meta_path in zip(metrics, metadata, strict=True):
        record = load_metrics(metrics_path)
        key = (record["experiment"], record["point"]["rng_seed"])
        records[key], metas[key] = record, load_metadata(meta_path)
    runs = claim_runs(claim, records, metas)
    result = claims_table(claim, runs)
    runs.to_csv(runs_table, index=False)
    result.to_csv(table, index=False)
    claim_figure(claim, runs, result, figure, dpi)
    print(result.to_string(index=False))


def publish(sources: list, copies: list) -> None:
    """Copy each source file to its copy (config `publish`), directories made as needed.

    Parameters
    ----------
    sources : list of pathlib.Path
        Files under results/ to copy.
    copies : list of pathlib.Path
        Where each copy goes, in the same order.

    Raises
    ------
    SystemExit
        If the lists are not of one length.
    """
    import shutil

    _same_length(sources=sources, copies=copies)
    for source, copy in zip(sources, copies, strict=True):
        Path(copy).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        print(f"{source} -> {copy}")


def scaling(kind: str, runs: list, metadata: list, experiment: str, dpi: int, table, figure) -> None:
    """Scaling table (scaling.csv) and figure of one scaling experiment.

    The table is printed too.

    Parameters
    ----------
    kind : str
        ``strong`` or ``weak`` scaling.
    runs : list of str
        Name of each run.
    metadata : list of pathlib.Path
        metadata.json of each run, in the same order.
    experiment : str
        Name of the experiment.
    dpi : int
        Resolution of the figure in dots per inch.
    table : pathlib.Path
        scaling.csv to write.
    figure : pathlib.Path
        Figure to write.

    Raises
    ------
    SystemExit
        If the lists are not of one length.
    """
    from astronet.analysis.scaling import write

    _same_length(runs=runs, metadata=metadata)
    df = write(dict(zip(runs, metadata, strict=True)), kind, experiment, table, figure, dpi)
    print(df.to_string(index=False))


def export_nwb(run_dir, output) -> None:
    """One run as an NWB file.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run's directory, ``results/<experiment>/<run>``.
    output : pathlib.Path
        NWB file to write.
    """
    from astronet.data.nwb_export import write_nwb
    from astronet.data.results import load_run

    write_nwb(load_run(run_dir), output)
    print(f"wrote {output}")


def _same_length(**lists) -> None:
    """Options that list one value per run must list as many."""
    if len({len(values) for values in lists.values()}) > 1:
        counts = ", ".join(f"--{name.replace('_', '-')} {len(values)}" for name, values in lists.items())
        raise SystemExit(f"one value per run for each option: {counts}")
