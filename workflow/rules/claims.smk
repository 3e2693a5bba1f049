# Claims: networks beside their controls (No-Tripartite or Surrogate), paired by seed (config `claims`), with a
# verdict per claimed metric. The logic lives in astronet.config.claim_pairs, claim_tables and claim_figures.
from astronet.config.claim_pairs import claim_specs

# Every claim is checked here; one that cannot be checked is refused only when a target needs it.
CLAIM_PROBLEMS = {}
CLAIMS = claim_specs(
    config, RUNS, reserved=RULE_NAMES | set(config["comparisons"]), required=set(), problems=CLAIM_PROBLEMS
)
if workflow.is_main_process:
    for _name, _err in CLAIM_PROBLEMS.items():
        print(
            f"Warning: claim {_name!r} cannot be checked with this configuration (refused if a target needs it): {_err}",
            file=sys.stderr,
        )


rule claim:
    input:
        unpack(claim_input),
    output:
        table="results/claims/{claim}/claims.csv",
        runs="results/claims/{claim}/runs.csv",
        figure=report(
            f"results/claims/{{claim}}/claims.{config['figures']['format']}",
            caption="../report/claims.rst",
            category="claims",
            subcategory="{claim}",
        ),
    log:
        "results/claims/logs/{claim}.log",
    wildcard_constraints:
        claim="|".join(map(re.escape, config["claims"])) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        claim=lambda wildcards: json.dumps(claim_settings(wildcards.claim)),
        dpi=config["figures"]["dpi"],
    shell:
        step(
            "claims",
            "--claim {params.claim:q} --metrics {input.metrics:q} --metadata {input.metadata:q} --dpi {params.dpi} "
            "--table {output.table:q} --runs-table {output.runs:q} --figure {output.figure:q}",
        )


# `snakemake claims` checks every claim, `snakemake <claim>` one (and runs what it needs); one that
# cannot be checked with this configuration says why.
rule claims:
    input:
        [claim_outputs(name) for name in config["claims"]],
        lambda wildcards: [path for name in config["claims"] for path in claim_records(name)],
    localrule: True


for _name in config["claims"]:
    if _name.isidentifier() and _name not in {r.name for r in workflow.rules}:

        rule:
            name:
                _name
            input:
                claim_outputs(_name),
                # its settings records as targets too (see settings_records in common.smk)
                lambda wildcards, name=_name: claim_records(name),
            localrule: True
