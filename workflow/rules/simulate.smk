# A shell rule on purpose: Snakemake starts a `run:` block in a second Snakemake process, which
# parses the whole workflow again (seconds); printf costs milliseconds.
rule run_parameters:
    output:
        "results/{experiment}/{run}/parameters.json",
    params:
        json=lambda wildcards: json.dumps(run_params(wildcards), indent=1, sort_keys=True),
    log:
        "results/{experiment}/{run}/logs/run_parameters.log",
    localrule: True
    conda:
        "../../envs/astronet.yaml"
    shell:
        # Written next to the output and renamed: a killed job never leaves a truncated file.
        "printf '%s\\n' {params.json:q} > {output}.tmp 2> {log} && mv {output}.tmp {output}"


rule simulate:
    input:
        "results/{experiment}/{run}/parameters.json",
    output:
        directory("results/{experiment}/{run}/raw"),
    params:
        launcher=mpi_launcher,
        python=sys.executable,
    log:
        "results/{experiment}/{run}/logs/simulate.log",
    threads: threads_per_rank
    resources:
        tasks=lambda wildcards: run_params(wildcards)["mpi_ranks"],
        cpus_per_task=threads_per_rank,
        mem_mb=simulate_mem_mb,
        runtime=simulate_runtime_min,
        mpi="mpiexec",
    conda:
        "../../envs/astronet.yaml"
    shell:
        "{params.launcher} {params.python} -m astronet.simulate {input} {output} > {log} 2>&1"
