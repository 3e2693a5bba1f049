# Metrics of every run, tables and sweep figures across the runs of an experiment, run provenance.
# The logic lives in astronet.analysis_settings, astronet.sweep_panels (read at start-up), astronet.run_records,
# astronet.sweep_tables and astronet.sweep_figures; the rules only wire files.
from astronet.sweep_panels import FIGURES as SWEEP_FIGURES
from astronet.labels import experiment_caption

# ANALYSIS (common.smk): the analysis settings of each experiment, checked against every run.


rule metrics:
    input:
        spikes="results/{experiment}/{run}/spikes.parquet",
        astrocytes="results/{experiment}/{run}/astrocytes.parquet",
        neurons="results/{experiment}/{run}/neurons.parquet",
        metadata="results/{experiment}/{run}/metadata.json",
    output:
        "results/{experiment}/{run}/metrics.json",
    log:
        "results/{experiment}/{run}/logs/metrics.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        settings=lambda wildcards: json.dumps(ANALYSIS[wildcards.experiment]),
        point=lambda wildcards: json.dumps(run_of(wildcards).point),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet metrics --spikes {input.spikes:q} --astrocytes {input.astrocytes:q} "
        "--neurons {input.neurons:q} --metadata {input.metadata:q} --settings {params.settings:q} "
        "--experiment {wildcards.experiment:q} --run {wildcards.run:q} --point {params.point:q} --output {output:q} "
        "3>&2 > {log:q} 2>&1"


rule provenance:
    input:
        metadata="results/{experiment}/{run}/metadata.json",
        metrics="results/{experiment}/{run}/metrics.json",
    output:
        report(
            "results/{experiment}/{run}/provenance.html",
            caption="../report/provenance.rst",
            category="{experiment}",
            subcategory="{run}",
        ),
    log:
        "results/{experiment}/{run}/logs/provenance.log",
    conda:
        "../../envs/astronet.yaml"
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet provenance --metadata {input.metadata:q} --metrics {input.metrics:q} "
        "--output {output:q} 3>&2 > {log:q} 2>&1"


rule experiment_summary:
    input:
        lambda wildcards: [f"{run_dir(run)}/metrics.json" for run in RUNS[wildcards.experiment]],
    output:
        runs_parquet="results/{experiment}/runs.parquet",
        runs_csv=report(
            "results/{experiment}/runs.csv",
            caption="../report/runs_table.rst",
            category="{experiment}",
            subcategory="across runs",
        ),
        summary_parquet="results/{experiment}/summary.parquet",
        summary_csv=report(
            "results/{experiment}/summary.csv",
            caption="../report/summary_table.rst",
            category="{experiment}",
            subcategory="across runs",
        ),
        summary_html=report(
            "results/{experiment}/summary.html",
            caption="../report/summary_table.rst",
            category="{experiment}",
            subcategory="across runs",
        ),
    log:
        "results/{experiment}/logs/experiment_summary.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        grid_keys=lambda wildcards: list(config["experiments"][wildcards.experiment].get("grid", {})),
        scaling=lambda wildcards: (
            f"--scaling {kind}" if (kind := config["experiments"][wildcards.experiment].get("scaling")) else ""
        ),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet experiment-summary --metrics {input:q} --grid-keys {params.grid_keys:q} "
        "--experiment {wildcards.experiment:q} {params.scaling} --runs-parquet {output.runs_parquet:q} --runs-csv {output.runs_csv:q} "
        "--summary-parquet {output.summary_parquet:q} --summary-csv {output.summary_csv:q} "
        "--summary-html {output.summary_html:q} 3>&2 > {log:q} 2>&1"


rule sweep_figures:
    input:
        summary="results/{experiment}/summary.parquet",
        runs="results/{experiment}/runs.parquet",
    output:
        **{
            group: report(
                f"results/{{experiment}}/figures/{group}.{{fmt}}",
                caption=f"../report/sweep_{group}.rst",
                category="{experiment}",
                subcategory="across runs",
            )
            for group in SWEEP_FIGURES
        },
    log:
        "results/{experiment}/logs/sweep_figures.{fmt}.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        grid=lambda wildcards: json.dumps(config["experiments"][wildcards.experiment].get("grid", {})),
        # only the settings the sweep figures use: another raster_neurons or rate_bin_ms redraws
        # the runs' figures, not these (the format is in the file names)
        settings=json.dumps({"dpi": config["figures"]["dpi"]}),
        # for the figures' captions in the report (workflow/report/sweep_*.rst)
        caption=lambda wildcards: experiment_caption(
            wildcards.experiment,
            config["experiments"][wildcards.experiment],
            RUNS[wildcards.experiment],
            ANALYSIS[wildcards.experiment],
        ),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet sweep-figures --summary {input.summary:q} --runs {input.runs:q} "
        "--grid {params.grid:q} --experiment {wildcards.experiment:q} --settings {params.settings:q} "
        "--figures {output:q} 3>&2 > {log:q} 2>&1"


# `snakemake <experiment>` builds one experiment (same files as `--config targets=[<experiment>]`).
for _exp in RUNS:
    if _exp.isidentifier() and _exp not in {"all"} | {r.name for r in workflow.rules}:

        rule:
            name:
                _exp
            input:
                experiment_targets(_exp),
            localrule: True
