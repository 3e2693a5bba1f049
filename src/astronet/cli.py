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
    """Simulate one run (astronet.simulation.simulate); the process ends with the one that started it."""
    from astronet.runtime.guard import die_with_parent
    from astronet.runtime.optional_imports import skip_imports
    from astronet.simulation.simulate import MODULES_A_SIMULATION_NEVER_USES, run_file

    die_with_parent()
    skip_imports(*MODULES_A_SIMULATION_NEVER_USES, reason="a simulation uses neither")
    run_file(parameters, output, check_mpi=check_mpi, expected_id=params_id)


def aggregate(raw: Path, out_dir: Path) -> None:
    """Merge the per-rank recordings of one run into tables, a summary and metadata."""
    from astronet.data.aggregate import aggregate as aggregate_run

    aggregate_run(raw, out_dir)


def aggregate_connections(raw: Path, output: Path) -> None:
    """Merge the per-rank connection tables of one run (params.record_connections: true)."""
    from astronet.data.aggregate import aggregate_connections as merge

    merge(raw, output)


def metrics(
    spikes, astrocytes, neurons, metadata, settings: dict, experiment: str, run: str, point: dict, output
) -> None:
    """The metrics of one run (rates, CV, Fano, synchrony, astrocyte and SIC) into metrics.json, with
    the warnings about them (astronet.analysis.advice), which also go to the console."""
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
    """The provenance page of one run: versions, build, parameters, connections, timers, metrics."""
    from astronet.data.integrity import load_metadata, load_metrics
    from astronet.figures.html_pages import provenance_html

    Path(output).write_text(provenance_html(load_metadata(metadata), load_metrics(metrics)))


def figures(spikes, astrocytes, neurons, metadata, settings: dict, raster, dynamics, rate_distribution) -> None:
    """The figures of one run (raster, dynamics, rate distribution) from its aggregated tables."""
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
    grid_keys: list,
    experiment: str,
    runs_parquet,
    runs_csv,
    summary_parquet,
    summary_csv,
    summary_html,
    scaling: str | None = None,
) -> None:
    """Tables of one experiment: one row per run (runs.*), mean / 95 % CI / n per grid point (summary.*);
    warnings about the results (astronet.analysis.advice), except for a scaling experiment, which measures the
    cost of its runs and asks nothing about their activity or statistics across seeds."""
    from astronet.analysis import advice
    from astronet.analysis.sweep_tables import write_tables
    from astronet.data.integrity import load_metrics
    from astronet.figures.html_pages import summary_html as html_page

    records = [load_metrics(path) for path in metrics]
    out = {
        "runs_parquet": runs_parquet,
        "runs_csv": runs_csv,
        "summary_parquet": summary_parquet,
        "summary_csv": summary_csv,
    }
    runs, summary = write_tables(records, grid_keys, out)
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


def sweep_figures(summary, runs, grid: dict, experiment: str, settings: dict, figures: list) -> None:
    """Sweep figures of one experiment: each metric against the swept parameter, mean ± 95 % CI
    across seeds. Each file is named after its group of astronet.experiments.FIGURES (GROUP.FORMAT)."""
    import pandas as pd

    from astronet.figures.sweep_figures import sweep_figure
    from astronet.figures.sweep_panels import FIGURES

    unknown = [str(path) for path in figures if Path(path).stem not in FIGURES]
    if unknown:
        raise SystemExit(f"sweep-figures: {', '.join(unknown)}: not named after a figure group ({', '.join(FIGURES)})")
    summary_df, runs_df = pd.read_parquet(summary), pd.read_parquet(runs)
    for path in figures:
        sweep_figure(Path(path).stem, summary_df, runs_df, grid, experiment, settings, path)


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
    """Runs side by side in the layout of Jiang et al. 2025's Fig. 3, and their metrics as one table
    with the plotted window and the peak and 99th percentile of each population-rate trace."""
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
    """Connectivity of an experiment's runs (Jiang et al. 2025's Fig. 8): degree table and figure."""
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
    """A claim's runs table (with provenance), its claims table and its figure (astronet.analysis.claim_tables)."""
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
    """Copy each source file to its copy (config `publish`), directories made as needed."""
    import shutil

    _same_length(sources=sources, copies=copies)
    for source, copy in zip(sources, copies, strict=True):
        Path(copy).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        print(f"{source} -> {copy}")


def scaling(kind: str, runs: list, metadata: list, experiment: str, dpi: int, table, figure) -> None:
    """Scaling table (scaling.csv) and figure of one scaling experiment."""
    from astronet.analysis.scaling import write

    _same_length(runs=runs, metadata=metadata)
    df = write(dict(zip(runs, metadata, strict=True)), kind, experiment, table, figure, dpi)
    print(df.to_string(index=False))


def export_nwb(run_dir, output) -> None:
    """One run as an NWB file."""
    from astronet.data.nwb_export import write_nwb
    from astronet.data.results import load_run

    write_nwb(load_run(run_dir), output)
    print(f"wrote {output}")


def _same_length(**lists) -> None:
    """Options that list one value per run must list as many."""
    if len({len(values) for values in lists.values()}) > 1:
        counts = ", ".join(f"--{name.replace('_', '-')} {len(values)}" for name, values in lists.items())
        raise SystemExit(f"one value per run for each option: {counts}")
