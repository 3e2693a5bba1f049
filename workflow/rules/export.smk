# Optional exports of a run for other tools (not built by default):
#   snakemake --cores all results/<experiment>/<run>/run.nwb    one run as NWB
#   snakemake --cores all nwb                                    every run of the `targets` experiments


rule export_nwb:
    input:
        unpack(run_tables),
    output:
        "results/{experiment}/{run}/run.nwb",
    log:
        "results/{experiment}/{run}/logs/export_nwb.log",
    conda:
        "../../envs/astronet.yaml"
    params:
        run_dir=lambda wildcards, input: os.path.dirname(input.metadata),
    shell:
        step("export-nwb", "--run-dir {params.run_dir:q} --output {output:q}")


rule nwb:
    input:
        lambda wildcards: [f"{run_dir(run)}/run.nwb" for exp in config["targets"] for run in experiment_runs(exp)],
    localrule: True
