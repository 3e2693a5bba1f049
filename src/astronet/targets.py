"""What ``snakemake TARGET`` may name: experiments (by name), comparisons and claims (by name, or
all claims as ``claims``), files under results/.

Experiment names become directory names, Snakemake wildcards and rule-like targets, so they may not
take the name of a rule or of the comparisons' or claims' directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from .claim_pairs import claim_experiments
from .experiment_grid import Run
from .schema import ConfigError, did_you_mean

# Directories of an experiment's own results (not runs): results/<experiment>/{figures,logs}/...
EXPERIMENT_DIRS = ("figures", "logs")
# Files across experiments: results/<section>/<name>/... for the comparisons and the claims of the
# configuration's sections of these names (no experiment may take one).
COMPARISONS_DIR = "comparisons"
CLAIMS_DIR = "claims"
ACROSS_EXPERIMENTS = (COMPARISONS_DIR, CLAIMS_DIR)


def target_parts(target: str) -> tuple[str, ...] | None:
    """A target file's path parts from results/ on (relative to the working directory), else None."""
    path = Path(target)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return None
    parts = path.parts
    return parts if parts and parts[0] == "results" else None


def target_run(target: str) -> tuple[str, str] | None:
    """(experiment, run) a target file under results/<experiment>/<run>/... belongs to, else None."""
    parts = target_parts(target)
    if parts and len(parts) >= 4 and parts[2] not in EXPERIMENT_DIRS:
        return parts[1], parts[2]
    return None


def check_target_runs(targets, runs: dict[str, list[Run]]) -> None:
    """Every target file of a run names a configured run (ConfigError otherwise)."""
    for target in targets:
        found = target_run(target)
        if found is None or found[0] not in runs:
            continue
        names = [run.name for run in runs[found[0]]]
        if found[1] not in names:
            shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
            raise ConfigError(
                f"invalid target {target!r}: experiment {found[0]!r} has no run {found[1]!r} with this configuration "
                f"(its runs: {shown}).{did_you_mean(found[1], names)}"
            )


# Experiment names become directory names and Snakemake wildcards.
EXPERIMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

# Names of the workflow's rules: `snakemake <experiment>` is a rule of that name, so an experiment may
# not take one (tests/test_bad_config.py checks this list against the workflow).
RULE_NAMES = frozenset(
    {
        "all",
        "run_parameters",
        "simulate",
        "simulate_mpi",
        "aggregate",
        "aggregate_connections",
        "metrics",
        "provenance",
        "experiment_summary",
        "sweep_figures",
        "figures",
        "scaling",
        "comparison",
        "comparisons",
        "claim",
        "claims",
        "publish",
        "connectivity",
        "export_nwb",
        "nwb",
    }
)


def check_experiment_name(name) -> None:
    if not isinstance(name, str):
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}': YAML reads it as the {type(name).__name__} {name!r}, not "
            f"a name; quote it in the file (e.g. '{name}': ...), as experiment names are strings"
        )
    if not EXPERIMENT_NAME.fullmatch(name):
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}' (letters, digits, '.', '_' and '-', starting with a "
            "letter or digit: it names a directory under results/)"
        )
    if name in ACROSS_EXPERIMENTS:
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}': results/{name}/ holds the {name}' figures and tables; "
            "choose another name"
        )
    if name in RULE_NAMES:
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}': {name!r} is the name of one of the workflow's rules "
            f"({', '.join(sorted(RULE_NAMES))}), and `snakemake <experiment>` builds an experiment; choose another name"
        )


def comparison_experiments(config: dict, name: str) -> set:
    """The experiments whose runs the comparison ``name`` shows (its runs are experiment/run or experiment)."""
    return {ref.split("/")[0] for ref in config["comparisons"][name]["runs"].values()}


def _selected(config: dict, section: str, targets) -> set:
    """The entries of ``config[section]`` (comparisons or claims) that these targets make: by name,
    all of them by the section's name, or by a file under results/<section>/<name>/."""
    chosen = set()
    for target in targets:
        parts = target_parts(target)
        if target in config[section]:
            chosen.add(target)
        elif target == section:
            chosen.update(config[section])
        elif parts and len(parts) >= 3 and parts[1] == section and parts[2] in config[section]:
            chosen.add(parts[2])
    return chosen


def selected_comparisons(config: dict, targets) -> set:
    """The comparisons a Snakemake invocation with these targets draws: by rule name or by a file
    under results/comparisons/<name>/."""
    return _selected(config, COMPARISONS_DIR, targets)


def selected_claims(config: dict, targets) -> set:
    """The claims a Snakemake invocation with these targets checks: by rule name, all by ``claims``,
    or by a file under results/claims/<name>/."""
    return _selected(config, CLAIMS_DIR, targets)


def selected_experiments(config: dict, targets) -> set:
    """The experiments a Snakemake invocation with these targets builds (after validate_global):
    those of ``config['targets']`` for no target or ``all``, an experiment for its own rule name,
    the experiment of each target file under results/, and those shown by the comparisons drawn."""
    chosen = set()
    for name in selected_comparisons(config, targets):
        chosen.update(comparison_experiments(config, name))
    for name in selected_claims(config, targets):
        chosen.update(claim_experiments(config["claims"][name]))
    for target in targets:
        parts = target_parts(target)
        if target == "all":
            chosen.update(config["targets"])
        elif target in config["experiments"]:
            chosen.add(target)
        elif parts and len(parts) >= 2 and parts[1] in ACROSS_EXPERIMENTS:
            continue  # a comparison's or claim's files: its experiments are chosen above
        elif parts and len(parts) >= 2:
            if parts[1] not in config["experiments"]:
                raise ConfigError(
                    f"invalid target {target!r}: no experiment {parts[1]!r} is configured (experiments: "
                    f"{', '.join(map(str, config['experiments']))})."
                    f"{did_you_mean(parts[1], map(str, config['experiments']))}"
                )
            chosen.add(parts[1])
    return chosen if targets else set(config["targets"])
