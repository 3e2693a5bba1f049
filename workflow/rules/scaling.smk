import re

# Scaling experiments (`scaling: strong|weak` in an experiment): beNNch-style table and figure over
# the experiment's runs. The logic lives in astronet.analysis.scaling.
SCALING = {exp: config["experiments"][exp]["scaling"] for exp in RUNS if config["experiments"][exp].get("scaling")}


rule scaling:
    input:
        unpack(scaling_input),
    output:
        table=report(
            "results/{experiment}/scaling.csv",
            caption="../report/scaling.rst",
            category="{experiment}",
            subcategory="scaling",
        ),
        figure=report(
            f"results/{{experiment}}/figures/scaling.{config['figures']['format']}",
            caption="../report/scaling.rst",
            category="{experiment}",
            subcategory="scaling",
        ),
    log:
        "results/{experiment}/logs/scaling.log",
    wildcard_constraints:
        # only the scaling experiments; a pattern that never matches if there are none
        experiment="|".join(map(re.escape, SCALING)) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        kind=lambda wildcards: SCALING[wildcards.experiment],
        runs=lambda wildcards: [run.name for run in experiment_runs(wildcards.experiment)],
        dpi=config["figures"]["dpi"],
    shell:
        step(
            "scaling",
            "--kind {params.kind} --runs {params.runs:q} --metadata {input.metadata:q} "
            "--experiment {wildcards.experiment:q} --dpi {params.dpi} --table {output.table:q} --figure {output.figure:q}",
        )
