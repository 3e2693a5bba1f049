# Metrics of every run, tables and sweep figures across the runs of an experiment, run provenance.
# The logic lives in astronet.config.analysis_settings, astronet.figures.sweep_panels (read at start-up), astronet.analysis.run_records,
# astronet.analysis.sweep_tables and astronet.figures.sweep_figures; the rules only wire files.
from astronet.figures.sweep_panels import FIGURES as SWEEP_FIGURES
from astronet.config.labels import experiment_caption

# ANALYSIS (common.smk): the analysis settings of each experiment, checked against every run.


rule metrics:
    input:
        unpack(metrics_input),
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
        step(
            "metrics",
            "--spikes {input.spikes:q} --astrocytes {input.astrocytes:q} --neurons {input.neurons:q} "
            "--metadata {input.metadata:q} --settings {params.settings:q} --experiment {wildcards.experiment:q} "
            "--run {wildcards.run:q} --point {params.point:q} --output {output:q}",
        )


rule provenance:
    input:
        metadata=lambda wildcards: f"{run_dir(run_of(wildcards))}/metadata.json",
        metrics=lambda wildcards: f"{run_dir(run_of(wildcards))}/metrics.json",
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
        step("provenance", "--metadata {input.metadata:q} --metrics {input.metrics:q} --output {output:q}")


rule experiment_summary:
    input:
        unpack(experiment_summary_input),
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
        step(
            "experiment-summary",
            "--metrics {input.metrics:q} --metadata {input.metadata:q} --grid-keys {params.grid_keys:q} --experiment {wildcards.experiment:q} "
            "{params.scaling} --runs-parquet {output.runs_parquet:q} --runs-csv {output.runs_csv:q} "
            "--summary-parquet {output.summary_parquet:q} --summary-csv {output.summary_csv:q} "
            "--summary-html {output.summary_html:q}",
        )


rule sweep_figures:
    input:
        unpack(sweep_figures_input),
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
        zip_grid=lambda wildcards: "--zip-grid" if config["experiments"][wildcards.experiment].get("zip") else "",
        # only the settings the sweep figures use: another raster_neurons or rate_bin_ms redraws
        # the runs' figures, not these (the format is in the file names)
        settings=json.dumps({"dpi": config["figures"]["dpi"]}),
        # for the figures' captions in the report (workflow/report/sweep_*.rst)
        caption=lambda wildcards: experiment_caption(
            wildcards.experiment,
            config["experiments"][wildcards.experiment],
            experiment_runs(wildcards.experiment),
            ANALYSIS[wildcards.experiment],
        ),
    shell:
        step(
            "sweep-figures",
            "--summary {input.summary:q} --runs {input.runs:q} --grid {params.grid:q} {params.zip_grid} "
            "--experiment {wildcards.experiment:q} --settings {params.settings:q} --figures {output:q}",
        )


# The settings record of a step (astronet.config.settings_records): written when the step's settings change,
# which makes the step run again; the step's records of other settings are removed.
rule settings_record:
    output:
        "results/{scope}/.settings/{step}-{digest}.json",
    log:
        "results/{scope}/.settings/{step}-{digest}.log",
    wildcard_constraints:
        scope=r"[^/]+(/[^/]+)?",
        step=r"[a-z_]+(\.(png|pdf|svg))?",
        digest=r"[0-9a-f]{12}",
    localrule: True
    params:
        json=settings_record_json,
        records=lambda wildcards, output: os.path.dirname(output[0]),
        others=lambda wildcards: f"{wildcards.step}-*",
        name=lambda wildcards: f"{wildcards.step}-{wildcards.digest}.*",
    shell:
        write_json("{output}") + " && find {params.records:q} -maxdepth 1 -name {params.others:q} "
        "! -name {params.name:q} -delete 2>> {log:q}"


# `snakemake <experiment>` builds one experiment (same files as `--config targets=[<experiment>]`);
# one that cannot be built with this configuration says why.
for _exp in config["experiments"]:
    if isinstance(_exp, str) and _exp.isidentifier() and _exp not in RULE_NAMES | {r.name for r in workflow.rules}:

        rule:
            name:
                _exp
            input:
                lambda wildcards, exp=_exp: experiment_targets(exp),
            localrule: True
