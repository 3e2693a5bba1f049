import json
import os
import shlex
import sys

from astronet.config import ConfigError, retype_cli_overrides, validate_config
from astronet.experiments import analysis_window
from astronet.resources import check_memory, estimate_runtime_min, request_memory_mib


# Validate the whole configuration (defaults filled in, --config overrides included) before any
# rule runs; a bad value stops the workflow here with the key, the value and the rule.
try:
    retype_cli_overrides(config, workflow.config_settings.config)
    RUNS = validate_config(config)
    # Memory is checked where the workflow is started, not again inside each (cluster) job.
    if workflow.is_main_process:
        for _runs in RUNS.values():
            for _run in _runs:
                check_memory(_run, config["resources"]["max_mem_mb"])
except ConfigError as err:
    sys.exit(f"Invalid configuration: {err}")

RUN_BY_PATH = {run.path: run for runs in RUNS.values() for run in runs}
FIGURES = ["raster", "dynamics", "rate_distribution"]


wildcard_constraints:
    experiment=r"[^/]+",
    run=r"[^/]+",


def run_of(wildcards):
    """The configured run that a job's {experiment}/{run} wildcards name."""
    return RUN_BY_PATH[f"{wildcards.experiment}/{wildcards.run}"]


def run_dir(run):
    return f"results/{run.path}"


def run_figures(run):
    fmt = config["figures"]["format"]
    return [f"{run_dir(run)}/figures/{name}.{fmt}" for name in FIGURES]


def sweep_figures(experiment):
    """Sweep figures of an experiment (SWEEP_FIGURES comes from analysis.smk)."""
    fmt = config["figures"]["format"]
    return [f"results/{experiment}/figures/{group}.{fmt}" for group in SWEEP_FIGURES]


def scaling_targets(experiment):
    """Table and figure of a scaling experiment (rule scaling in scaling.smk); none for others."""
    if not config["experiments"][experiment].get("scaling"):
        return []
    fmt = config["figures"]["format"]
    return [f"results/{experiment}/scaling.csv", f"results/{experiment}/figures/scaling.{fmt}"]


def connectivity_targets(experiment):
    """Connectivity table and figure (rule connectivity in comparisons.smk) of an experiment whose
    runs all record their connections; none for others."""
    if not all(run.params["record_connections"] for run in RUNS[experiment]):
        return []
    fmt = config["figures"]["format"]
    return [f"results/{experiment}/connectivity.csv", f"results/{experiment}/figures/connectivity.{fmt}"]


def experiment_targets(experiment):
    """Everything of one experiment: its summary tables and sweep figures, its scaling table and
    figure if it is a scaling experiment, its connectivity if it records connections, and per run
    the figures and the provenance page."""
    tables = [f"results/{experiment}/{name}" for name in ("summary.parquet", "summary.csv", "summary.html", "runs.parquet", "runs.csv")]
    per_run = [f for run in RUNS[experiment] for f in [*run_figures(run), f"{run_dir(run)}/provenance.html"]]
    return tables + sweep_figures(experiment) + scaling_targets(experiment) + connectivity_targets(experiment) + per_run


def default_targets():
    """Every target of the experiments listed under `targets` (see experiment_targets)."""
    return [f for exp in config["targets"] for f in experiment_targets(exp)]


def figure_settings(wildcards):
    """The figure settings of a run, with its plotted window: [figures.t_start or the start of the
    experiment's analysis window, the end of the recording) in NEST's times (ms).
    ANALYSIS comes from analysis.smk."""
    run = run_of(wildcards)
    t_start, t_stop = analysis_window(ANALYSIS[run.experiment], run.params)
    chosen = config["figures"]["t_start"]
    return {**config["figures"], "t_start": t_start if chosen is None else chosen, "t_stop": t_stop}


def run_params(wildcards):
    return run_of(wildcards).params


def threads_per_rank(wildcards):
    p = run_params(wildcards)
    return p["n_vp"] // p["mpi_ranks"]


def single_rank_input(wildcards):
    """Input of the simulate rule: the run's parameters if it has one MPI rank, else a file no rule makes."""
    ranks = run_params(wildcards)["mpi_ranks"]
    return f"{run_dir(run_of(wildcards))}/parameters.json" if ranks == 1 else "<runs with mpi_ranks > 1: rule simulate_mpi>"


def mpi_input(wildcards):
    """Input of the simulate_mpi rule: the run's parameters if it has several MPI ranks, else a file no rule makes."""
    ranks = run_params(wildcards)["mpi_ranks"]
    return f"{run_dir(run_of(wildcards))}/parameters.json" if ranks > 1 else "<runs with mpi_ranks = 1: rule simulate>"


def mpi_launcher(wildcards, resources):
    """Command that starts the ranks of an MPI run: Snakemake's `mpi` resource and -n ranks.

    srun also gets --cpus-per-task: since Slurm 22.05 it no longer takes it from the job.
    """
    launcher = f"{resources.mpi} -n {run_params(wildcards)['mpi_ranks']}"
    if os.path.basename(shlex.split(resources.mpi)[0]) == "srun":
        launcher += f" --cpus-per-task={threads_per_rank(wildcards)}"
    return launcher


def simulate_mem_mb(wildcards):
    return request_memory_mib(run_params(wildcards))


def simulate_runtime_min(wildcards):
    return estimate_runtime_min(run_params(wildcards))
