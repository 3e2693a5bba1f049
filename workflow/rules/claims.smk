# Claims: networks beside their No-Tripartite controls, paired by seed (config `claims`), with a
# verdict per claimed metric. The logic lives in astronet.claim_pairs, claim_tables and claim_figures.
from astronet.claim_pairs import claim_specs
from astronet.targets import selected_claims

try:
    _PROBLEMS = {}
    CLAIMS = claim_specs(
        config,
        RUNS,
        reserved=RULE_NAMES | set(COMPARISONS),
        required=selected_claims(config, TARGETS),
        problems=_PROBLEMS,
    )
except ConfigError as err:
    sys.exit(f"Invalid configuration: {err}")
if workflow.is_main_process:
    for _name, _err in _PROBLEMS.items():
        print(
            f"Warning: claim {_name!r} is not checked by this invocation, and would be refused: {_err}",
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
        claim="|".join(map(re.escape, CLAIMS)) or "(?!)",
    conda:
        "../../envs/astronet.yaml"
    params:
        claim=lambda wildcards: json.dumps(claim_settings(wildcards.claim)),
        dpi=config["figures"]["dpi"],
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet claims --claim {params.claim:q} --metrics {input.metrics:q} "
        "--metadata {input.metadata:q} --dpi {params.dpi} --table {output.table:q} --runs-table {output.runs:q} "
        "--figure {output.figure:q} 3>&2 > {log:q} 2>&1"


# `snakemake claims` checks every claim; `snakemake <claim>` one (and runs what it needs).
rule claims:
    input:
        [claim_outputs(name) for name in CLAIMS],
    localrule: True


for _name in CLAIMS:
    if _name.isidentifier():

        rule:
            name:
                _name
            input:
                claim_outputs(_name),
            localrule: True
