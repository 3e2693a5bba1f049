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
    script:
        "../scripts/aggregate.py"


rule aggregate_connections:
    input:
        "results/{experiment}/{run}/raw",
    output:
        "results/{experiment}/{run}/connections.parquet",
    log:
        "results/{experiment}/{run}/logs/aggregate_connections.log",
    conda:
        "../../envs/astronet.yaml"
    script:
        "../scripts/aggregate_connections.py"
