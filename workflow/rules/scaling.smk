import re

# Scaling experiments (`scaling: strong|weak` in an experiment): beNNch-style table and figure over
# the experiment's runs. The logic lives in astronet.scaling.
SCALING = {exp: config["experiments"][exp]["scaling"] for exp in RUNS if config["experiments"][exp].get("scaling")}


rule scaling:
    input:
        lambda wildcards: [f"{run_dir(run)}/metadata.json" for run in RUNS[wildcards.experiment]],
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
        runs=lambda wildcards: [run.name for run in RUNS[wildcards.experiment]],
        dpi=config["figures"]["dpi"],
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet scaling --kind {params.kind} --runs {params.runs:q} --metadata {input:q} "
        "--experiment {wildcards.experiment:q} --dpi {params.dpi} --table {output.table:q} --figure {output.figure:q} "
        "3>&2 > {log:q} 2>&1"
