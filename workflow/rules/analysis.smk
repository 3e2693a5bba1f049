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
        settings=lambda wildcards: ANALYSIS[wildcards.experiment],
        point=lambda wildcards: run_of(wildcards).point,
    script:
        "../scripts/metrics.py"


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
    script:
        "../scripts/provenance.py"


rule experiment_summary:
    input:
        lambda wildcards: [
            f"{run_dir(run)}/metrics.json" for run in RUNS[wildcards.experiment]
        ],
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
        grid_keys=lambda wildcards: list(
            config["experiments"][wildcards.experiment].get("grid", {})
        ),
    script:
        "../scripts/experiment_summary.py"


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
        grid=lambda wildcards: config["experiments"][wildcards.experiment].get(
            "grid", {}
        ),
        settings=config["figures"],
        caption=lambda wildcards: experiment_caption(
            wildcards.experiment,
            config["experiments"][wildcards.experiment],
            RUNS[wildcards.experiment],
            ANALYSIS[wildcards.experiment],
        ),
    script:
        "../scripts/sweep_figures.py"


# `snakemake <experiment>` builds one experiment (same files as `--config targets=[<experiment>]`).
for _exp in RUNS:
    if _exp.isidentifier() and _exp not in {"all"} | {r.name for r in workflow.rules}:

        rule:
            name:
                _exp
            input:
                experiment_targets(_exp),
            localrule: True
