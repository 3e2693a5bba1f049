import json
import os
import shlex
import sys

from astronet.config.analysis_settings import analysis_window, check_figure_window, experiment_analysis
from astronet.runtime.atomic_files import replaced_atomically
from astronet.config.validate import validate_config, validate_global
from astronet.config.labels import format_value
from astronet.config.resources import check_memory, estimate_runtime_min, request_memory_mib
from astronet.config.rundir import RunDirectoryError, check_run_dir, parameters_json, params_id
from astronet.config.schema import ConfigError, check_config_file, retype_cli_overrides
from astronet.config.settings_records import record_path, settings_digest, settings_text
from astronet.config.targets import RULE_NAMES, absolute_target, unknown_experiment, unknown_run

# Reading the workflow only reads: nothing under results/ is written or removed here (`-n`, `--lint`,
# `--summary`, an invocation refused by Snakemake's lock). Snakemake tells which files an invocation
# builds only while it builds its graph of jobs, so everything that depends on them is checked then,
# in the rules' input functions: a target that cannot be built stops the workflow there, before any job.

# The whole configuration (defaults filled in, --config overrides included) is validated here; a bad
# top-level value stops the workflow with the key, the value and the rule. Each experiment is checked
# completely too, but refused only when a target needs it (DAG-time, below); what is wrong with the
# others is printed as a warning.
try:
    for _file in workflow.configfiles:
        check_config_file(_file)
    retype_cli_overrides(config, workflow.config_settings.config)
    validate_global(config)
    PROBLEMS = {}
    # Experiments whose entry is right but whose runs cannot be built with this configuration's
    # top-level parameters (a quick run at a smaller scale): refused when built, not warned about.
    UNWARNED = set()
    RUNS = validate_config(config, required=set(), problems=PROBLEMS, unwarned=UNWARNED)
    ANALYSIS = {}
    for _exp in list(RUNS):
        try:
            ANALYSIS[_exp] = experiment_analysis(config, _exp, RUNS[_exp])
            check_figure_window(config, _exp, RUNS[_exp], ANALYSIS[_exp])
        except ConfigError as err:
            PROBLEMS[_exp] = err
            del RUNS[_exp]
except ConfigError as err:
    sys.exit(f"Invalid configuration: {err}")
if workflow.is_main_process:
    for _exp, _err in PROBLEMS.items():
        if _exp in UNWARNED:
            continue
        print(
            f"Warning: experiment {_exp!r} cannot be built with this configuration (refused if a target needs it): {_err}",
            file=sys.stderr,
        )

RUN_BY_PATH = {run.path: run for runs in RUNS.values() for run in runs}
FIGURES = ["raster", "dynamics", "rate_distribution"]


wildcard_constraints:
    experiment=r"[^/]+",
    run=r"[^/]+",
    fmt=r"png|pdf|svg",


def step(name, options):
    """The shell command of a rule that runs one step of the package, `python -m astronet <name>`,
    its output into the rule's log and its errors also to Snakemake's stderr (fd 3), seen even when
    the log cannot be written."""
    return f"ASTRONET_ERRORS_FD=3 python -m astronet {name} {options} 3>&2 > {{log:q}} 2>&1"


def refuse(err):
    """Stop the workflow while Snakemake builds its graph of jobs: nothing has run or been written."""
    prefix = "Stopped before any job" if isinstance(err, RunDirectoryError) else "Invalid configuration"
    sys.exit(f"{prefix}: {err}")


def experiment_runs(experiment):
    """The runs of a configured experiment that a target needs; stops the workflow if it has none."""
    if experiment in RUNS:
        return RUNS[experiment]
    refuse(PROBLEMS.get(experiment) or unknown_experiment(experiment, config))


# What the start-up check found in each run's directory (astronet.config.rundir.RunState), by run path.
RUN_STATES = {}
# parameters.json files to write again before any job starts (onstart, below): path -> content.
REWRITE_PARAMETERS = {}


def run_state(run):
    """A run's directory checked against its configuration (astronet.config.rundir), once per invocation,
    when a target needs the run: another parameter set's results or damaged files stop the workflow
    before any job; a parameters.json to mend is planned (rule restore_parameters, onstart)."""
    if run.path not in RUN_STATES:
        try:
            state = check_run_dir(run_dir(run), run.params)
        except RunDirectoryError as err:
            refuse(err)
        if state.parameters:
            path = f"{run_dir(run)}/parameters.json"
            when = (
                "by the next run of its experiment (nothing is simulated)"
                if state.simulated
                else "before the run is simulated"
            )
            print(
                f"astronet: {path}: {state.parameters}; it is written again from the configuration {when}",
                file=sys.stderr,
            )
            if not state.simulated:
                REWRITE_PARAMETERS[path] = parameters_json(run.params)
        RUN_STATES[run.path] = state
    return RUN_STATES[run.path]


def run_named(experiment, name):
    """The configured run results/<experiment>/<name> that a target needs, its directory checked
    (main process only: jobs that read the workflow again, on a cluster, need no second check)."""
    run = RUN_BY_PATH.get(f"{experiment}/{name}")
    if run is None:
        refuse(unknown_run(experiment, name, experiment_runs(experiment)))
    if workflow.is_main_process:
        run_state(run)
    return run


def run_of(wildcards):
    """The configured run that a job's {experiment}/{run} wildcards name (see run_named)."""
    return run_named(wildcards.experiment, wildcards.run)


def rewrite_parameters():
    """Write again each parameters.json from which nothing was simulated yet but which holds other
    parameters or cannot be read, before the simulation that reads it (the Snakefile's onstart: only
    when jobs run, never while the workflow is only read, nor when Snakemake's lock refuses the
    invocation)."""
    for path, text in REWRITE_PARAMETERS.items():
        with replaced_atomically(path) as tmp:
            tmp.write_text(f"{text}\n")


def run_dir(run):
    return f"results/{run.path}"


def restore_marker(run):
    """For the targets of whole experiments: a run whose recordings or tables hold its configured
    parameters but whose parameters.json is missing or damaged gets it back (rule restore_parameters),
    which leaves a note named by the time of the damage (of the file, or of the directory for a
    deleted one): a later damage is mended again."""
    state = run_state(run) if workflow.is_main_process else None
    if not (state and state.parameters and state.simulated):
        return []
    path = f"{run_dir(run)}/parameters.json"
    stamp = os.stat(path if os.path.exists(path) else run_dir(run)).st_mtime_ns
    return [f"{run_dir(run)}/logs/parameters_restored.{stamp}"]


def metrics_settings(run):
    """What a run's metrics.json is made with: the experiment's analysis settings and the run's names."""
    return {"experiment": run.experiment, "run": run.name, "point": run.point, "analysis": ANALYSIS[run.experiment]}


def figure_settings(run):
    """The figure settings of a run, with its plotted window: [figures.t_start or the start of the
    experiment's analysis window, the end of the recording) in NEST's times (ms)."""
    t_start, t_stop = analysis_window(ANALYSIS[run.experiment], run.params)
    chosen = config["figures"]["t_start"]
    return {**config["figures"], "t_start": t_start if chosen is None else chosen, "t_stop": t_stop}


def experiment_settings(experiment):
    """What an experiment's tables are made from: its runs, in order, and its swept keys."""
    grid = config["experiments"][experiment].get("grid", {})
    return {"experiment": experiment, "runs": [r.name for r in experiment_runs(experiment)], "grid_keys": list(grid)}


def sweep_settings(experiment):
    """What an experiment's sweep figures are made with: the figures' resolution (they use no other
    figure setting), its grid and whether the grid is zipped."""
    exp = config["experiments"][experiment]
    return {"dpi": config["figures"]["dpi"], "grid": exp.get("grid", {}), "zip": exp.get("zip", False)}


def settings_of(scope, step_name):
    """The settings of a step for a scope (<experiment>/<run>, <experiment>, comparisons/<name> or
    claims/<name>), as
    the step's settings record holds them."""
    parts = scope.split("/")
    base = step_name.split(".")[0]
    if parts[0] == "comparisons" and len(parts) == 2:
        return comparison_settings(parts[1])
    if parts[0] == "claims" and len(parts) == 2:
        return claim_settings(parts[1])
    if len(parts) == 2:
        run = run_named(*parts)
        return metrics_settings(run) if base == "metrics" else figure_settings(run)
    return {
        "experiment_summary": experiment_settings,
        "sweep_figures": sweep_settings,
        "scaling": scaling_settings,
        "connectivity": connectivity_settings,
    }[base](parts[0])


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


def metrics_record(run):
    """The settings record of a run's metrics.json (astronet.config.settings_records)."""
    return record_path(run.path, "metrics", metrics_settings(run))


def settings_records(experiment):
    """The settings records of an experiment's steps (astronet.config.settings_records). They are targets
    too, not only inputs: Snakemake runs a step whose input is missing only when something it
    builds needs the input, so a record that changed settings name is built as a target, and the
    step that depends on it runs again."""
    fmt = config["figures"]["format"]
    run_figures = [record_path(run.path, f"figures.{fmt}", figure_settings(run)) for run in experiment_runs(experiment)]
    return across_runs_records(experiment) + run_figures


def across_runs_records(experiment):
    """The settings records of an experiment's runs' metrics and of its outputs across runs: tables,
    sweep figures, scaling and connectivity (those it has)."""
    fmt = config["figures"]["format"]
    records = [metrics_record(run) for run in experiment_runs(experiment)]
    records += [
        record_path(experiment, "experiment_summary", experiment_settings(experiment)),
        record_path(experiment, f"sweep_figures.{fmt}", sweep_settings(experiment)),
    ]
    if scaling_targets(experiment):
        records.append(record_path(experiment, "scaling", scaling_settings(experiment)))
    if connectivity_targets(experiment):
        records.append(record_path(experiment, "connectivity", connectivity_settings(experiment)))
    return records


def across_runs_outputs(experiment):
    """The small outputs of an experiment across its runs, as `snakemake publish` copies them: its
    tables as CSV, its sweep figures and its scaling or connectivity table and figure."""
    tables = [f"results/{experiment}/summary.csv", f"results/{experiment}/runs.csv"]
    return tables + sweep_figures(experiment) + scaling_targets(experiment) + connectivity_targets(experiment)


def experiment_targets(experiment):
    """Everything of one experiment: its summary tables and sweep figures, its scaling table and
    figure if it is a scaling experiment, its connectivity if it records connections, and per run
    the figures and the provenance page; with the settings records of these steps and a
    parameters.json to restore (restore_marker)."""
    runs = experiment_runs(experiment)
    tables = [f"results/{experiment}/{name}" for name in ("summary.parquet", "summary.html", "runs.parquet")]
    per_run = [f for run in runs for f in [*run_figures(run), f"{run_dir(run)}/provenance.html", *restore_marker(run)]]
    return tables + across_runs_outputs(experiment) + per_run + settings_records(experiment)


def default_targets(wildcards):
    """Every target of the experiments listed under `targets` (see experiment_targets)."""
    return [f for exp in config["targets"] for f in experiment_targets(exp)]


def run_params(wildcards):
    return run_of(wildcards).params


def threads_per_rank(wildcards):
    p = run_params(wildcards)
    return p["n_vp"] // p["mpi_ranks"]


def simulation_input(wildcards, mpi):
    """Input of the rules simulate (mpi False) and simulate_mpi (mpi True): the run's parameters if
    the rule fits its MPI ranks, else a file no rule makes. A run still to be simulated must fit in
    memory (resources.max_mem_mb, or what this machine has available): checked here, before any job."""
    run = run_of(wildcards)
    if (run.params["mpi_ranks"] > 1) != mpi:
        return (
            "<runs with mpi_ranks > 1: rule simulate_mpi>"
            if mpi is False
            else "<runs with mpi_ranks = 1: rule simulate>"
        )
    if workflow.is_main_process and not run_state(run).simulated:
        try:
            check_memory(run, config["resources"]["max_mem_mb"])
        except ConfigError as err:
            refuse(err)
    return f"{run_dir(run)}/parameters.json"


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


def claim_of(name):
    """A claim a target needs, each run's directory checked; stops the workflow with the reason if
    it cannot be checked (CLAIMS and CLAIM_PROBLEMS come from claims.smk)."""
    if name in CLAIMS:
        for pair in CLAIMS[name]["pairs"]:
            for _, *both in pair["runs"]:
                for run in both:
                    run_named(run.experiment, run.name)
        return CLAIMS[name]
    for pair in config["claims"][name]["pairs"]:
        for role in ("network", "control"):
            if pair[role] in PROBLEMS:
                refuse(PROBLEMS[pair[role]])
    refuse(CLAIM_PROBLEMS[name])


def claim_runs(name):
    """Every run of a claim, network then control for each seed of each pair."""
    return [run for pair in claim_of(name)["pairs"] for _, *both in pair["runs"] for run in both]


def claim_input(wildcards):
    """metrics.json and metadata.json of every run of a claim, network then control for each seed,
    and its settings record."""
    runs = claim_runs(wildcards.claim)
    files = {kind: [f"{run_dir(run)}/{kind}.json" for run in runs] for kind in ("metrics", "metadata")}
    return {**files, "settings": claim_record(wildcards.claim)}


def claim_settings(name):
    """What a claim's tables and figure are made with: its settings, each pair with its seeds instead
    of its runs, and the figures' resolution (dpi)."""
    claim = claim_of(name)
    pairs = [
        {**{k: v for k, v in pair.items() if k != "runs"}, "seeds": [seed for seed, *_ in pair["runs"]]}
        for pair in claim["pairs"]
    ]
    return {**claim, "pairs": pairs, "dpi": config["figures"]["dpi"]}


def claim_record(name):
    """The settings record of a claim's tables and figure (astronet.config.settings_records)."""
    return record_path(f"claims/{name}", "claim", claim_settings(name))


def claim_records(name):
    """The settings records of a claim and of its runs' metrics: targets of `snakemake <claim>`,
    so that changed settings remake what they change (see settings_records)."""
    return [claim_record(name), *(metrics_record(run) for run in claim_runs(name))]


def publish_entries():
    """(directory, section, name) of every entry of config `publish` (section: comparisons, claims or
    experiments)."""
    return [(d, *os.path.split(entry)) for d, entries in config["publish"].items() for entry in entries]


def publish_pairs():
    """(source under results/, copy) of every file that config `publish` names, for the entries that
    name a configured comparison, claim or experiment (the others: publish_input)."""
    outputs = {"comparisons": comparison_outputs, "claims": claim_outputs, "experiments": across_runs_outputs}
    return [
        (src, os.path.join(directory, name, os.path.basename(src)))
        for directory, section, name in publish_entries()
        if name in config[section]
        for src in outputs[section](name)
    ]


def publish_input(wildcards):
    """The files that `snakemake publish` copies; stops the workflow if an entry of config `publish`
    names no configured comparison, claim or experiment, or one that cannot be made."""
    checks = {"comparisons": comparison_of, "claims": claim_of, "experiments": experiment_runs}
    for directory, section, name in publish_entries():
        if name not in config[section]:
            refuse(
                ConfigError(
                    f"invalid value for 'publish.{directory}': {os.path.join(section, name)!r} (no {section[:-1]} "
                    f"{name!r} is configured; {section}: {', '.join(config[section]) or 'none'})"
                )
            )
        checks[section](name)
    return [src for src, _ in publish_pairs()]


def publish_records(wildcards):
    """The settings records of what `snakemake publish` copies: targets too (see settings_records)."""
    publish_input(wildcards)  # each entry checked
    records = {"comparisons": comparison_records, "claims": claim_records, "experiments": across_runs_records}
    return [path for _, section, name in publish_entries() for path in records[section](name)]


def comparison_input(wildcards):
    """Tables, metadata and metrics of a comparison's runs, and its settings record (COMPARISONS
    comes from comparisons.smk)."""
    runs = comparison_of(wildcards.comparison)["runs"].values()
    files = {
        kind: [f"{run_dir(run)}/{kind}.{ext}" for run in runs]
        for kind, ext in (
            ("spikes", "parquet"),
            ("astrocytes", "parquet"),
            ("neurons", "parquet"),
            ("metadata", "json"),
            ("metrics", "json"),
        )
    }
    return {**files, "settings": comparison_record(wildcards.comparison)}


def relative_target(wildcards):
    """Input of the absolute_target rule: an absolute path is refused, naming the relative one."""
    refuse(absolute_target(os.path.join(os.sep, wildcards.path), os.getcwd()))


def write_json(path):
    """Shell command that writes params.json into the file `path` (a placeholder of the rule's
    shell command): written next to it and renamed, so a killed job never leaves a truncated file,
    and a failed one (a full disk) no temporary file; its error goes to Snakemake's stderr."""
    return (
        f"printf '%s\\n' {{params.json:q}} > {path}.tmp && mv {path}.tmp {path} 2> {{log}} "
        f"|| {{{{ rc=$?; rm -f {path}.tmp; echo 'writing {path} failed' >&2; exit $rc; }}}}"
    )


def raw_input(wildcards):
    """A run's recordings (its directory checked first: run_of)."""
    return f"{run_dir(run_of(wildcards))}/raw"


def run_tables(wildcards):
    """A run's aggregated tables and metadata (its directory checked first: run_of)."""
    base = run_dir(run_of(wildcards))
    tables = {kind: f"{base}/{kind}.parquet" for kind in ("spikes", "astrocytes", "neurons")}
    return {**tables, "metadata": f"{base}/metadata.json"}


def figures_input(wildcards):
    """A run's tables and the settings record of its figures in this format."""
    run = run_of(wildcards)
    record = record_path(run.path, f"figures.{wildcards.fmt}", figure_settings(run))
    return {**run_tables(wildcards), "settings": record}


def metrics_input(wildcards):
    """A run's tables and the settings record of its metrics (analysis settings, names)."""
    return {**run_tables(wildcards), "settings": metrics_record(run_of(wildcards))}


def experiment_summary_input(wildcards):
    """The metrics and metadata of an experiment's runs, and the settings record of its tables (its runs,
    in order)."""
    exp = wildcards.experiment
    dirs = [run_dir(run) for run in experiment_runs(exp)]
    return {
        "metrics": [f"{d}/metrics.json" for d in dirs],
        "metadata": [f"{d}/metadata.json" for d in dirs],
        "settings": record_path(exp, "experiment_summary", experiment_settings(exp)),
    }


def sweep_figures_input(wildcards):
    exp = wildcards.experiment
    return {
        "summary": f"results/{exp}/summary.parquet",
        "runs": f"results/{exp}/runs.parquet",
        "settings": record_path(exp, f"sweep_figures.{wildcards.fmt}", sweep_settings(exp)),
    }


def settings_record_json(wildcards):
    """The settings a record file holds (settings_of), checked against the digest in its name."""
    settings = settings_of(wildcards.scope, wildcards.step)
    if settings_digest(settings) != wildcards.digest:
        refuse(
            ConfigError(
                f"invalid target results/{wildcards.scope}/.settings/{wildcards.step}-{wildcards.digest}.json: no "
                "step depends on a settings record of this name with this configuration"
            )
        )
    return settings_text(settings)


def scaling_settings(experiment):
    """What a scaling table and figure are made with: the kind, the runs in order, the resolution."""
    runs = [run.name for run in experiment_runs(experiment)]
    return {"kind": SCALING[experiment], "runs": runs, "dpi": config["figures"]["dpi"]}


def scaling_input(wildcards):
    exp = wildcards.experiment
    return {
        "metadata": [f"{run_dir(run)}/metadata.json" for run in experiment_runs(exp)],
        "settings": record_path(exp, "scaling", scaling_settings(exp)),
    }


def comparison_of(name):
    """A comparison a target needs; stops the workflow with the reason if it cannot be drawn."""
    if name in COMPARISONS:
        for run in COMPARISONS[name]["runs"].values():
            run_named(run.experiment, run.name)  # each run's directory checked
        return COMPARISONS[name]
    for ref in config["comparisons"][name]["runs"].values():
        if ref.split("/")[0] in PROBLEMS:
            refuse(PROBLEMS[ref.split("/")[0]])
    refuse(COMPARISON_PROBLEMS[name])


def comparison_settings(name):
    """What a comparison's figure and table are made with: its runs, their labels, its settings."""
    comparison = comparison_of(name)
    return {
        "runs": {label: run.path for label, run in comparison["runs"].items()},
        "settings": {k: v for k, v in comparison.items() if k != "runs"},
        "dpi": config["figures"]["dpi"],
    }


def comparison_record(name):
    """The settings record of a comparison's figure and table (astronet.config.settings_records)."""
    return record_path(f"comparisons/{name}", "comparison", comparison_settings(name))


def comparison_records(name):
    """The settings records of a comparison and of its runs' metrics: targets of
    `snakemake <comparison>` (see settings_records)."""
    runs = comparison_of(name)["runs"].values()
    return [comparison_record(name), *(metrics_record(run) for run in runs)]


def connectivity_settings(experiment):
    """What an experiment's connectivity table and figure are made with: its runs, labels, resolution."""
    runs = experiment_runs(experiment)
    return {
        "runs": [run.name for run in runs],
        "labels": [run_label(run) for run in runs],
        "dpi": config["figures"]["dpi"],
    }


def connectivity_input(wildcards):
    runs = experiment_runs(wildcards.experiment)
    return {
        "connections": [f"{run_dir(run)}/connections.parquet" for run in runs],
        "metadata": [f"{run_dir(run)}/metadata.json" for run in runs],
        "settings": record_path(wildcards.experiment, "connectivity", connectivity_settings(wildcards.experiment)),
    }
