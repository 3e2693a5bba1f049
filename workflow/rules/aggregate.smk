rule aggregate:
    input:
        raw_input,
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
        step("aggregate", "--raw {input:q} --out-dir {params.out_dir:q}")


rule aggregate_connections:
    input:
        raw_input,
    output:
        "results/{experiment}/{run}/connections.parquet",
    log:
        "results/{experiment}/{run}/logs/aggregate_connections.log",
    conda:
        "../../envs/astronet.yaml"
    shell:
        step("aggregate-connections", "--raw {input:q} --output {output:q}")
