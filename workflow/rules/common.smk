import json
import os
import shlex
import sys

from astronet.analysis_settings import analysis_window, check_figure_window, experiment_analysis
from astronet.config import validate_config, validate_global
from astronet.labels import format_value
from astronet.resources import check_memory, estimate_runtime_min, request_memory_mib
from astronet.rundir import RunDirectoryError, check_run_dir, params_id
from astronet.schema import ConfigError, check_config_file, retype_cli_overrides
from astronet.targets import check_target_runs, selected_experiments, target_run


def command_line_targets():
    """The targets given to this `snakemake` command (Snakemake sets its DAG settings only after
    reading the workflow, so they are read from the command line with Snakemake's own parser)."""
    argv0 = os.path.normpath(sys.argv[0]) if sys.argv else ""
    if os.path.basename(argv0) != "snakemake" and not argv0.endswith(os.path.join("snakemake", "__main__.py")):
        return []
    from snakemake.cli import get_argument_parser

    try:
        args, _ = get_argument_parser().parse_known_args(sys.argv[1:])
    except SystemExit:
        return []
    return list(args.targets or [])


# Validate the whole configuration (defaults filled in, --config overrides included) before any
# rule runs; a bad value stops the workflow here with the key, the value and the rule. Experiments
# that this invocation does not build are checked too, but only warned about.
try:
    for _file in workflow.configfiles:
        check_config_file(_file)
    retype_cli_overrides(config, workflow.config_settings.config)
    validate_global(config)
    # Jobs that read the workflow again (cluster, group jobs) need only their own, valid runs.
    TARGETS = command_line_targets() if workflow.is_main_process else []
    SELECTED = selected_experiments(config, TARGETS) if workflow.is_main_process else set()
    PROBLEMS = {}
    RUNS = validate_config(config, required=SELECTED, problems=PROBLEMS)
    ANALYSIS = {}
    for _exp in list(RUNS):
        try:
            ANALYSIS[_exp] = experiment_analysis(config, _exp, RUNS[_exp])
            check_figure_window(config, _exp, RUNS[_exp], ANALYSIS[_exp])
            # Memory is checked where the workflow is started, not again inside each (cluster) job.
            if workflow.is_main_process:
                for _run in RUNS[_exp]:
                    check_memory(_run, config["resources"]["max_mem_mb"])
        except ConfigError:
            if _exp in SELECTED:
                raise
            del RUNS[_exp]  # refused with this reason when it is built
    check_target_runs(TARGETS, RUNS)
    if workflow.is_main_process:
        for _exp, _err in PROBLEMS.items():
            print(
                f"Warning: experiment {_exp!r} is not built by this invocation, and would be refused: {_err}",
                file=sys.stderr,
            )
        # A run's directory holds the run of one parameter set (astronet.rundir): compare what each
        # run to be built holds with its configuration, by content, before any job starts.
        _run_targets = set(filter(None, map(target_run, TARGETS)))
        _whole = (
            {e for t in TARGETS if target_run(t) is None for e in selected_experiments(config, [t])}
            if TARGETS
            else SELECTED
        )
        for _exp in sorted(SELECTED & set(RUNS)):
            for _run in RUNS[_exp]:
                if _exp in _whole or (_exp, _run.name) in _run_targets:
                    for _stale in check_run_dir(f"results/{_run.path}", _run.params):
                        if not workflow.dryrun:
                            _stale.unlink()
except RunDirectoryError as err:
    sys.exit(f"Stopped before any job: {err}")
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
    """Sweep figures of an experiment of more than one run (SWEEP_FIGURES comes from analysis.smk);
    none for a single run, which has nothing to show across runs (its tables still have one row), nor
    for a scaling experiment, whose figure across runs is its scaling figure."""
    if len(RUNS[experiment]) < 2 or config["experiments"][experiment].get("scaling"):
        return []
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
    tables = [
        f"results/{experiment}/{name}"
        for name in ("summary.parquet", "summary.csv", "summary.html", "runs.parquet", "runs.csv")
    ]
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
    return (
        f"{run_dir(run_of(wildcards))}/parameters.json"
        if ranks == 1
        else "<runs with mpi_ranks > 1: rule simulate_mpi>"
    )


def mpi_input(wildcards):
    """Input of the simulate_mpi rule: the run's parameters if it has several MPI ranks, else a file no rule makes."""
    ranks = run_params(wildcards)["mpi_ranks"]
    return f"{run_dir(run_of(wildcards))}/parameters.json" if ranks > 1 else "<runs with mpi_ranks = 1: rule simulate>"


def mpi_launcher(wildcards, resources):
    """Command that starts the ranks of an MPI run: Snakemake's `mpi` resource and -n ranks.

    srun also gets --cpus-per-task (since Slurm 22.05 it no longer takes it from the job) and
    --kill-on-bad-exit=1: a rank that fails or is killed ends the others at once, wherever they run,
    instead of leaving them waiting for it (mpiexec does so by itself).
    """
    launcher = f"{resources.mpi} -n {run_params(wildcards)['mpi_ranks']}"
    if os.path.basename(shlex.split(resources.mpi)[0]) == "srun":
        launcher += f" --cpus-per-task={threads_per_rank(wildcards)} --kill-on-bad-exit=1"
    return launcher


def simulate_nodes(wildcards):
    """Slurm's --nodes of an MPI run: mpi_ranks / resources.ranks_per_node, rounded up; None (unset:
    Slurm places the ranks) without ranks_per_node."""
    per_node = config["resources"]["ranks_per_node"]
    return None if per_node is None else -(-run_params(wildcards)["mpi_ranks"] // per_node)


def simulate_mem_mb(wildcards, attempt):
    """Slurm's --mem of a simulation; grows with Snakemake's attempt (retries in profiles/slurm)."""
    return request_memory_mib(run_params(wildcards), config["resources"]["mem_margin"], attempt)


def simulate_runtime_min(wildcards):
    return estimate_runtime_min(run_params(wildcards))


def run_label(run):
    """A run's label in figures across runs: its swept values, e.g. 'pool_size 10'; the seed only
    where nothing else is swept."""
    swept = {k: v for k, v in run.point.items() if k != "rng_seed"} or run.point
    return ", ".join(f"{k} {format_value(v)}" for k, v in swept.items())


def comparison_outputs(name):
    """The figure and table of the comparison ``name``."""
    return [f"results/comparisons/{name}/fig3.{config['figures']['format']}", f"results/comparisons/{name}/metrics.csv"]


def claim_outputs(name):
    """The tables and figure of the claim ``name`` (rule claim in claims.smk)."""
    return [
        f"results/claims/{name}/{file}" for file in ("claims.csv", "runs.csv", f"claims.{config['figures']['format']}")
    ]


def claim_runs(name):
    """The runs of a claim's pairs, network then control for each seed (CLAIMS comes from claims.smk)."""
    return [run for pair in CLAIMS[name]["pairs"] for _, *both in pair["runs"] for run in both]


def claim_input(wildcards):
    """metrics.json and metadata.json of every run of a claim."""
    runs = claim_runs(wildcards.claim)
    return {kind: [f"{run_dir(run)}/{kind}.json" for run in runs] for kind in ("metrics", "metadata")}


def claim_settings(name):
    """A claim's settings for its step: each pair with its seeds instead of its runs."""
    claim = CLAIMS[name]
    pairs = [
        {**{k: v for k, v in pair.items() if k != "runs"}, "seeds": [s for s, *_ in pair["runs"]]}
        for pair in claim["pairs"]
    ]
    return {**claim, "pairs": pairs}


def publish_pairs():
    """(source under results/, copy) of every file that config `publish` names (COMPARISONS and
    CLAIMS come from comparisons.smk and claims.smk)."""
    outputs = {"comparisons": (COMPARISONS, comparison_outputs), "claims": (CLAIMS, claim_outputs)}
    pairs = []
    for directory, entries in config["publish"].items():
        for entry in entries:
            section, name = entry.split("/")
            configured, files = outputs[section]
            if name not in configured:
                sys.exit(
                    f"Invalid configuration: invalid value for 'publish.{directory}': {entry!r} (no {section[:-1]} "
                    f"{name!r} is configured; {section}: {', '.join(configured) or 'none'})"
                )
            pairs += [(src, f"{directory}/{name}/{os.path.basename(src)}") for src in files(name)]
    return pairs


def comparison_input(wildcards):
    """Tables, metadata and metrics of a comparison's runs (COMPARISONS comes from comparisons.smk)."""
    runs = COMPARISONS[wildcards.comparison]["runs"].values()
    return {
        kind: [f"{run_dir(run)}/{kind}.{ext}" for run in runs]
        for kind, ext in (
            ("spikes", "parquet"),
            ("astrocytes", "parquet"),
            ("neurons", "parquet"),
            ("metadata", "json"),
            ("metrics", "json"),
        )
    }
