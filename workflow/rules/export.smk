# Optional exports of a run for other tools (not built by default):
#   snakemake --cores all results/<experiment>/<run>/run.nwb    one run as NWB
#   snakemake --cores all nwb                                    every run of the `targets` experiments


rule export_nwb:
    input:
        spikes="results/{experiment}/{run}/spikes.parquet",
        astrocytes="results/{experiment}/{run}/astrocytes.parquet",
        neurons="results/{experiment}/{run}/neurons.parquet",
        metadata="results/{experiment}/{run}/metadata.json",
    output:
        "results/{experiment}/{run}/run.nwb",
    log:
        "results/{experiment}/{run}/logs/export_nwb.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        run_dir=lambda wildcards, input: os.path.dirname(input.metadata),
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet export-nwb --run-dir {params.run_dir:q} --output {output:q} 3>&2 > {log:q} 2>&1"


rule nwb:
    input:
        [f"{run_dir(run)}/run.nwb" for exp in config["targets"] for run in RUNS[exp]],
    localrule: True
