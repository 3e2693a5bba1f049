# Shell rules on purpose: Snakemake starts a `run:` block in a second Snakemake process, which
# parses the whole workflow again (seconds); printf costs milliseconds.
rule run_parameters:
    output:
        "results/{experiment}/{run}/parameters.json",
    log:
        "results/{experiment}/{run}/logs/run_parameters.log",
    localrule: True
    conda:
        "../../envs/astronet.yaml"
    params:
        json=lambda wildcards: parameters_json(run_params(wildcards)),
    shell:
        write_json("{output}")


# A finished run whose parameters.json is missing or damaged gets it back from the configuration,
# which its recordings or tables hold (astronet.config.rundir): a target of whole experiments only, since
# nothing else reads it again, and not an input of the simulation (nothing is simulated again). Its
# note (the output) replaces the run's earlier ones.
rule restore_parameters:
    output:
        "results/{experiment}/{run}/logs/parameters_restored.{stamp}",
    log:
        "results/{experiment}/{run}/logs/restore_parameters.{stamp}.log",
    wildcard_constraints:
        stamp=r"\d+",
    localrule: True
    params:
        json=lambda wildcards: parameters_json(run_params(wildcards)),
        path=lambda wildcards: f"{run_dir(run_of(wildcards))}/parameters.json",
        note=lambda wildcards: f"parameters.json: {run_state(run_of(wildcards)).parameters}; written again",
        logs=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        write_json("{params.path}") + " && printf '%s\\n' {params.note:q} > {output:q} && find {params.logs:q} "
        "-maxdepth 1 \\( -name 'parameters_restored.*' -o -name 'restore_parameters.*.log' \\) "
        "! -name 'parameters_restored.{wildcards.stamp}' ! -name 'restore_parameters.{wildcards.stamp}.log' -delete"


# Two rules make a run's raw/ directory, and for each run exactly one applies (the other one's input
# cannot be made): `simulate` for one MPI rank, a threaded job; `simulate_mpi` for mpi_ranks > 1, an
# MPI job in Snakemake's sense, whose `mpi` resource (mpiexec; srun in profiles/slurm) starts the
# ranks. snakemake-executor-plugin-slurm refuses MPI jobs of one task, hence the split.
rule simulate:
    input:
        # ancient: a run's identity is the content of its parameters (checked against the
        # configuration by astronet.config.rundir at start-up), not the file's time.
        ancient(lambda wildcards: simulation_input(wildcards, mpi=False)),
    output:
        directory("results/{experiment}/{run}/raw"),
    log:
        "results/{experiment}/{run}/logs/simulate.log",
    conda:
        "../../envs/astronet.yaml"
    threads: threads_per_rank
    resources:
        tasks=1,
        cpus_per_task=threads_per_rank,
        mem_mb=simulate_mem_mb,
        runtime=simulate_runtime_min,
    params:
        params_id=lambda wildcards: params_id(run_params(wildcards)),
    # stdout (detailed progress) goes to the log; stderr (a short progress line now and then, errors)
    # to the log and the console (tee -i: a Ctrl-C stops the simulation, which still logs why, not
    # tee); errors also to Snakemake's stderr (fd 3), seen even when the log cannot be written. exec: the simulation is Snakemake's own child and ends with it. Every job
    # runs the `python` of its environment (astronet.runtime.deployment).
    shell:
        ": > {log} && exec env ASTRONET_ERRORS_FD=3 python -m astronet simulate --params-id {params.params_id} "
        "--parameters {input} --output {output} 3>&2 >> {log} 2> >(tee -i -a {log} >&2)"


rule simulate_mpi:
    input:
        ancient(lambda wildcards: simulation_input(wildcards, mpi=True)),
    output:
        directory("results/{experiment}/{run}/raw"),
    log:
        "results/{experiment}/{run}/logs/simulate.log",
    conda:
        "../../envs/astronet.yaml"
    # Cores the run occupies on this machine (all ranks); Slurm gets tasks x cpus_per_task.
    threads: lambda wildcards: run_params(wildcards)["n_vp"]
    resources:
        tasks=lambda wildcards: run_params(wildcards)["mpi_ranks"],
        cpus_per_task=threads_per_rank,
        nodes=simulate_nodes,
        mem_mb=simulate_mem_mb,
        runtime=simulate_runtime_min,
        mpi="mpiexec",
    params:
        launcher=mpi_launcher,
        params_id=lambda wildcards: params_id(run_params(wildcards)),
    shell:
        # The launcher runs under astronet.runtime.guard: it (and with it its ranks) ends with Snakemake.
        ": > {log} && ASTRONET_ERRORS_FD=3 python -m astronet simulate --params-id {params.params_id} --check-mpi --parameters {input} "
        "3>&2 >> {log} 2> >(tee -i -a {log} >&2) && "
        "exec env ASTRONET_ERRORS_FD=3 python -m astronet.runtime.guard {params.launcher} python -m astronet simulate "
        "--params-id {params.params_id} --parameters {input} --output {output} 3>&2 >> {log} 2> >(tee -i -a {log} >&2)"
