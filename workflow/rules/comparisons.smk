# Figures across runs in the layouts of Jiang et al. 2025: runs side by side as in its Fig. 3
# (config `comparisons`), and the connectivity of experiments whose runs record their connections
# as in its Fig. 8. The logic lives in astronet.figures.paper_figures and astronet.analysis.connectivity.
import re

from astronet.config.targets import RULE_NAMES
from astronet.config.comparisons import comparison_runs

# Every comparison is checked here; one that cannot be drawn is refused only when a target needs it.
COMPARISON_PROBLEMS = {}
COMPARISONS = comparison_runs(config, RUNS, reserved=RULE_NAMES, required=set(), problems=COMPARISON_PROBLEMS)
if workflow.is_main_process:
    for _name, _err in COMPARISON_PROBLEMS.items():
        print(
            f"Warning: comparison {_name!r} cannot be drawn with this configuration (refused if a target needs it): {_err}",
            file=sys.stderr,
        )

# Experiments all of whose runs record their connections.
CONNECTIVITY = [exp for exp, runs in RUNS.items() if all(r.params["record_connections"] for r in runs)]


rule comparison:
    input:
        unpack(comparison_input),
    output:
        figure=report(
            f"results/comparisons/{{comparison}}/fig3.{config['figures']['format']}",
            caption="../report/comparison.rst",
            category="comparisons",
            subcategory="{comparison}",
        ),
        table="results/comparisons/{comparison}/metrics.csv",
    log:
        "results/comparisons/logs/{comparison}.log",
    wildcard_constraints:
        comparison="|".join(map(re.escape, config["comparisons"])) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        labels=lambda wildcards: json.dumps(list(comparison_of(wildcards.comparison)["runs"])),
        settings=lambda wildcards: json.dumps(
            {
                "dpi": config["figures"]["dpi"],
                "raster_neurons": comparison_of(wildcards.comparison)["raster_neurons"],
                "rate_bin_ms": comparison_of(wildcards.comparison)["rate_bin_ms"],
                "t_start": comparison_of(wildcards.comparison)["t_start"],
                "t_stop": comparison_of(wildcards.comparison)["t_stop"],
            }
        ),
    shell:
        step(
            "comparison",
            "--labels {params.labels:q} --spikes {input.spikes:q} --astrocytes {input.astrocytes:q} "
            "--neurons {input.neurons:q} --metadata {input.metadata:q} --metrics {input.metrics:q} "
            "--settings {params.settings:q} --figure {output.figure:q} --table {output.table:q}",
        )


rule connectivity:
    input:
        unpack(connectivity_input),
    output:
        table="results/{experiment}/connectivity.csv",
        figure=report(
            f"results/{{experiment}}/figures/connectivity.{config['figures']['format']}",
            caption="../report/connectivity.rst",
            category="{experiment}",
            subcategory="connectivity",
        ),
    log:
        "results/{experiment}/logs/connectivity.log",
    wildcard_constraints:
        experiment="|".join(map(re.escape, CONNECTIVITY)) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        labels=lambda wildcards: json.dumps([run_label(run) for run in experiment_runs(wildcards.experiment)]),
        dpi=config["figures"]["dpi"],
    shell:
        step(
            "connectivity",
            "--labels {params.labels:q} --connections {input.connections:q} --metadata {input.metadata:q} "
            "--experiment {wildcards.experiment:q} --dpi {params.dpi} --table {output.table:q} --figure {output.figure:q}",
        )


# `snakemake comparisons` draws every comparison, `snakemake <comparison>` one (and runs what it
# needs); one that cannot be drawn with this configuration says why.
rule comparisons:
    input:
        [comparison_outputs(name) for name in config["comparisons"]],
        lambda wildcards: [path for name in config["comparisons"] for path in comparison_records(name)],
    localrule: True


for _name in config["comparisons"]:
    if _name.isidentifier() and _name not in {r.name for r in workflow.rules}:

        rule:
            name:
                _name
            input:
                comparison_outputs(_name),
                # its settings records as targets too (see settings_records in common.smk)
                lambda wildcards, name=_name: comparison_records(name),
            localrule: True
