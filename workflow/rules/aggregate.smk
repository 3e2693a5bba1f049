rule aggregate:
    input:
        "results/{experiment}/{run}/raw",
    output:
        spikes="results/{experiment}/{run}/spikes.parquet",
        astrocytes="results/{experiment}/{run}/astrocytes.parquet",
        neurons="results/{experiment}/{run}/neurons.parquet",
        summary="results/{experiment}/{run}/summary.csv",
        metadata="results/{experiment}/{run}/metadata.json",
    log:
        "results/{experiment}/{run}/logs/aggregate.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.summary),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet aggregate --raw {input:q} --out-dir {params.out_dir:q} 3>&2 > {log:q} 2>&1"


rule aggregate_connections:
    input:
        "results/{experiment}/{run}/raw",
    output:
        "results/{experiment}/{run}/connections.parquet",
    log:
        "results/{experiment}/{run}/logs/aggregate_connections.log",
    conda:
        "../../envs/astronet.yaml"
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet aggregate-connections --raw {input:q} --output {output:q} 3>&2 > {log:q} 2>&1"
