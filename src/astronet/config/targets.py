"""What ``snakemake TARGET`` may name: experiments (by name), comparisons and claims (by name, or all
of them as ``comparisons`` and ``claims``), files under results/.

Experiment names become directory names, Snakemake wildcards and rule-like targets, so they may not
take the name of a rule or of the comparisons' or claims' directory. The workflow learns which targets an
invocation builds only while Snakemake builds its graph of jobs (from the rules' input functions),
so a target it cannot build is refused there, with the errors made here.
"""

from __future__ import annotations

import os
import re

from astronet.config.experiment_grid import Run
from astronet.config.schema import ConfigError, did_you_mean

# Files across experiments: results/<section>/<name>/... for the comparisons and the claims of the
# configuration's sections of these names (no experiment may take one).
COMPARISONS_DIR = "comparisons"
CLAIMS_DIR = "claims"
ACROSS_EXPERIMENTS = (COMPARISONS_DIR, CLAIMS_DIR)


def unknown_experiment(experiment: str, config: dict) -> ConfigError:
    """The error for a target file under results/<experiment>/ of an experiment that is not configured.

    Parameters
    ----------
    experiment : str
        The directory name under results/ that the target names.
    config : dict
        The workflow's configuration (``experiments``).

    Returns
    -------
    astronet.config.schema.ConfigError
        The error, listing the configured experiments and the closest name.
    """
    names = list(map(str, config["experiments"]))
    return ConfigError(
        f"invalid target under results/{experiment}/: no experiment {experiment!r} is configured (experiments: "
        f"{', '.join(names)}).{did_you_mean(experiment, names)}"
    )


def unknown_run(experiment: str, run: str, runs: list[Run]) -> ConfigError:
    """The error for a target file under results/<experiment>/<run>/ of a run the experiment does not have.

    Parameters
    ----------
    experiment : str
        The experiment's name.
    run : str
        The run's name that the target gives.
    runs : list of astronet.config.experiment_grid.Run
        The experiment's runs.

    Returns
    -------
    astronet.config.schema.ConfigError
        The error, listing up to 10 of the experiment's runs and the closest name.
    """
    names = [r.name for r in runs]
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return ConfigError(
        f"invalid target under results/{experiment}/{run}/: experiment {experiment!r} has no run {run!r} with this "
        f"configuration (its runs: {shown}).{did_you_mean(run, names)}"
    )


def absolute_target(path: str, workdir) -> ConfigError:
    """The error for a target given as an absolute path.

    Snakemake matches targets by their path relative to the working directory, so it would find no
    rule for it.

    Parameters
    ----------
    path : str
        The target as given.
    workdir : str or os.PathLike
        The workflow's working directory, where results/ is.

    Returns
    -------
    astronet.config.schema.ConfigError
        The error, with the path relative to ``workdir``, or saying that it lies outside.
    """
    relative = os.path.relpath(path, workdir)
    if relative.startswith(os.pardir):
        hint = f"it lies outside the working directory {workdir}, where results/ is"
    else:
        hint = f"give it relative to the working directory: {relative}"
    return ConfigError(
        f"invalid target {path!r}: Snakemake matches targets by their path relative to the working directory "
        f"({workdir}); {hint}"
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
        "publish_copies",
        "connectivity",
        "export_nwb",
        "nwb",
        "restore_parameters",
        "settings_record",
        "absolute_target",
    }
)


def check_experiment_name(name) -> None:
    """Refuse an experiment name that cannot name a directory, a wildcard and a target.

    Parameters
    ----------
    name : object
        A key of ``experiments`` as YAML read it.

    Raises
    ------
    astronet.config.schema.ConfigError
        If it is not a string (YAML read a number, say), has characters other than letters, digits,
        ``.``, ``_`` and ``-`` or starts with neither a letter nor a digit, is ``comparisons`` or
        ``claims`` (directories under results/), or is the name of a rule (:data:`RULE_NAMES`).
    """
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
