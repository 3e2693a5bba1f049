"""A whole configuration, validated before any rule: its top level, every experiment and every run.

Everything here runs without NEST: a bad configuration is refused before any expensive work starts
and before anything is written under ``results/``. The parts: :mod:`astronet.config.schema` (schema,
defaults, messages), :mod:`astronet.config.parameters` (one run), :mod:`astronet.config.nest_limits`,
:mod:`astronet.config.experiment_grid` (experiments into runs) and :mod:`astronet.config.targets`.
"""

from __future__ import annotations

import copy

from astronet.config.experiment_grid import Run, expand_experiment
from astronet.config.parameters import validate_params
from astronet.config.schema import (
    ConfigError,
    check_finite,
    check_known_keys,
    coerce_integers,
    did_you_mean,
    fill_defaults,
    load_schema,
    schema_error,
    validator,
)
from astronet.config.targets import check_experiment_name


def _global_schema(schema: dict) -> dict:
    """The configuration's schema with each experiment's contents left to _check_experiment_entry."""
    top = copy.deepcopy(schema)
    top["properties"]["experiments"] = {
        k: v for k, v in top["properties"]["experiments"].items() if k != "additionalProperties"
    }
    return top


def validate_global(config: dict, schema: dict | None = None) -> None:
    """Validate everything but the experiments' contents, in place (defaults filled).

    The top-level ``params`` are replaced by the complete, validated parameter set.

    Parameters
    ----------
    config : dict
        The workflow's configuration; changed in place.
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).

    Raises
    ------
    astronet.config.schema.ConfigError
        For an unknown key, a value that breaks the schema or is not finite, a target that is not an
        experiment, or invalid ``params``.
    """
    schema = schema or load_schema()
    top = _global_schema(schema)
    check_known_keys(config, top, "")
    check_finite({k: v for k, v in config.items() if k != "experiments"}, "")
    coerce_integers(config, top)
    fill_defaults(config, top)
    errors = sorted(validator(top).iter_errors(config), key=lambda e: list(e.path))
    if errors:
        raise schema_error(errors[0])
    for target in config["targets"]:
        for name in config["experiments"]:
            if not isinstance(name, str) and str(name).lower() == str(target).lower():
                check_experiment_name(name)  # the target names it: its ConfigError says why it does not match
        if target not in config["experiments"]:
            raise ConfigError(
                f"invalid value for 'targets': {target!r} (not an "
                f"experiment).{did_you_mean(target, map(str, config['experiments']))}"
            )
    config["params"] = validate_params(config["params"], "params", schema)


def _check_experiment_entry(name, experiment, schema: dict) -> None:
    """One experiment's entry as written: its name, keys, types and ranges."""
    check_experiment_name(name)
    spec = schema["properties"]["experiments"]["additionalProperties"]
    where = f"experiments.{name}"
    check_known_keys(experiment, spec, where)
    check_finite(experiment, where)
    coerce_integers(experiment, spec)
    errors = sorted(validator(spec).iter_errors(experiment), key=lambda e: list(e.path))
    if errors:
        raise schema_error(errors[0], where)


def validate_config(
    config: dict, schema: dict | None = None, required=None, problems: dict | None = None, unwarned: set | None = None
) -> dict[str, list[Run]]:
    """Validate a whole configuration in place (filling defaults); return the runs of each experiment.

    ``required``: names of the experiments that must be valid (None: all). An experiment outside it
    that is invalid is left out of the result: a run is not refused because of an experiment that is
    not being built; its ConfigError goes into ``problems``, and it is refused with it when it is
    built. Only a wrong entry (an unknown key, a wrong type: a mistake in what was written) is worth a
    warning before that: an entry that is right but whose runs cannot be built with the current
    top-level parameters (e.g. a pool of 10 000 astrocytes in a quick run at a smaller scale) also
    goes into ``unwarned``.

    Parameters
    ----------
    config : dict
        The workflow's configuration; changed in place (:func:`validate_global`).
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).
    required : collection of str, optional
        Names of the experiments that must be valid; None: all.
    problems : dict, optional
        Receives experiment name -> ConfigError for the experiments left out; without it every
        invalid experiment raises.
    unwarned : set, optional
        Receives the names of experiments left out whose entry is right but whose runs cannot be
        built with the current top-level parameters.

    Returns
    -------
    dict of str to list of astronet.config.experiment_grid.Run
        Experiment name -> its runs (:func:`astronet.config.experiment_grid.expand_experiment`), for the
        experiments that are valid.

    Raises
    ------
    astronet.config.schema.ConfigError
        For an invalid top level, or an invalid experiment that is required.
    """
    schema = schema or load_schema()
    validate_global(config, schema)
    runs = {}
    for name, experiment in config["experiments"].items():
        try:
            _check_experiment_entry(name, experiment, schema)
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
            continue
        try:
            # No defaults filled in here: an experiment's analysis holds only its overrides of the top level.
            runs[name] = expand_experiment(name, experiment, config["params"], schema, config["paper_n_vp"])
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
            if unwarned is not None:
                unwarned.add(name)
    return runs
