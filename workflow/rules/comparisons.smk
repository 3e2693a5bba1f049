# Figures across runs in the layouts of Jiang et al. 2025: runs side by side as in its Fig. 3
# (config `comparisons`), and the connectivity of experiments whose runs record their connections
# as in its Fig. 8. The logic lives in astronet.paper_figures and astronet.connectivity.
import re

from astronet.targets import RULE_NAMES, selected_comparisons
from astronet.comparisons import comparison_runs

try:
    _PROBLEMS = {}
    COMPARISONS = comparison_runs(
        config,
        RUNS,
        reserved=RULE_NAMES,
        required=selected_comparisons(config, TARGETS),
        problems=_PROBLEMS,
    )
except ConfigError as err:
    sys.exit(f"Invalid configuration: {err}")
if workflow.is_main_process:
    for _name, _err in _PROBLEMS.items():
        print(
            f"Warning: comparison {_name!r} is not drawn by this invocation, and would be refused: {_err}",
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
        comparison="|".join(map(re.escape, COMPARISONS)) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        labels=lambda wildcards: json.dumps(list(COMPARISONS[wildcards.comparison]["runs"])),
        settings=lambda wildcards: json.dumps(
            {
                "dpi": config["figures"]["dpi"],
                "raster_neurons": COMPARISONS[wildcards.comparison]["raster_neurons"],
                "rate_bin_ms": COMPARISONS[wildcards.comparison]["rate_bin_ms"],
                "t_start": COMPARISONS[wildcards.comparison]["t_start"],
                "t_stop": COMPARISONS[wildcards.comparison]["t_stop"],
            }
        ),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet comparison --labels {params.labels:q} --spikes {input.spikes:q} "
        "--astrocytes {input.astrocytes:q} --neurons {input.neurons:q} --metadata {input.metadata:q} "
        "--metrics {input.metrics:q} --settings {params.settings:q} --figure {output.figure:q} --table {output.table:q} "
        "3>&2 > {log:q} 2>&1"


rule connectivity:
    input:
        connections=lambda wildcards: [f"{run_dir(run)}/connections.parquet" for run in RUNS[wildcards.experiment]],
        metadata=lambda wildcards: [f"{run_dir(run)}/metadata.json" for run in RUNS[wildcards.experiment]],
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
        labels=lambda wildcards: json.dumps([run_label(run) for run in RUNS[wildcards.experiment]]),
        dpi=config["figures"]["dpi"],
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet connectivity --labels {params.labels:q} "
        "--connections {input.connections:q} --metadata {input.metadata:q} --experiment {wildcards.experiment:q} "
        "--dpi {params.dpi} --table {output.table:q} --figure {output.figure:q} 3>&2 > {log:q} 2>&1"


# `snakemake comparisons` draws every comparison, `snakemake <comparison>` one (and runs what it needs).
rule comparisons:
    input:
        [comparison_outputs(name) for name in COMPARISONS],
    localrule: True


for _name in COMPARISONS:
    if _name.isidentifier():

        rule:
            name:
                _name
            input:
                comparison_outputs(_name),
            localrule: True
