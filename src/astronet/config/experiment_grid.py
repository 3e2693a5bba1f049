"""An experiment's runs: every point of its parameter grid times its seeds, each validated and named."""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field

from astronet.config.labels import format_value
from astronet.config.parameters import validate_params
from astronet.config.schema import ConfigError, did_you_mean, params_schema, rule_in_words, validator


@dataclass(frozen=True)
class Run:
    """One simulation: an experiment, a readable name and its complete parameter set."""

    experiment: str
    name: str
    params: dict = field(hash=False)
    point: dict = field(hash=False)  # swept values and seed, for tables and figures

    @property
    def path(self) -> str:
        return f"{self.experiment}/{self.name}"


def _set_param(params: dict, key: str, value, where: str) -> None:
    group, _, name = key.partition(".")
    if name:
        if group not in ("neuron_params", "astrocyte_params"):
            raise ConfigError(f"unknown key '{where}': only neuron_params.X and astrocyte_params.X may be dotted")
        params[group] = {**params[group], name: value}
    else:
        params[key] = value


# Run names become directory names and Snakemake wildcards.
RUN_NAME = re.compile(r"[A-Za-z0-9_.+-]+")


# An experiment's `n_vp: paper_n_vp` takes the configuration's top-level paper_n_vp.
PAPER_N_VP = "paper_n_vp"


def expand_experiment(
    name: str, experiment: dict, base_params: dict, schema: dict, paper_n_vp: int | None = None
) -> list[Run]:
    """Every grid point × seed of an experiment, validated; run names are unique and readable.

    The grid points are every combination of the grid's values, or with ``zip: true`` the lists read
    in step (run i takes the i-th value of every list), e.g. for weak scaling.

    Parameters
    ----------
    name : str
        The experiment's name (key of ``experiments``).
    experiment : dict
        Its configuration: ``params``, ``grid``, ``zip`` and ``seeds``.
    base_params : dict
        The configuration's top-level ``params``, which the experiment's own override.
    schema : dict
        The configuration schema (:func:`astronet.config.schema.load_schema`).
    paper_n_vp : int, optional
        The virtual processes of an experiment whose params say ``n_vp: paper_n_vp`` (the
        configuration's top-level key of that name; its schema default if None).

    Returns
    -------
    list of Run
        One run per grid point and seed, in grid order, each seed within its point.

    Raises
    ------
    astronet.config.schema.ConfigError
        For an invalid parameter or grid value, an unknown grid key, grid values or seeds that are not
        distinct, zipped lists of different lengths, or run names that are not valid or not unique.
    """
    params = copy.deepcopy(base_params)
    where = f"experiments.{name}"
    for key, value in experiment.get("params", {}).items():
        if isinstance(value, dict) and isinstance(params.get(key), dict):
            value = {**params[key], **value}
        if key == "n_vp" and isinstance(value, str):
            if value != PAPER_N_VP:
                raise ConfigError(
                    f"invalid value for '{where}.params.n_vp': {value!r} (a count of virtual processes, or "
                    f"{PAPER_N_VP} for the top-level {PAPER_N_VP}).{did_you_mean(value, [PAPER_N_VP])}"
                )
            value = schema["properties"][PAPER_N_VP]["default"] if paper_n_vp is None else paper_n_vp
        params[key] = value
    params = validate_params(params, f"{where}.params", schema)
    grid = experiment.get("grid", {})
    zipped = experiment.get("zip", False)
    known = params_schema(schema)["properties"]
    for key, values in grid.items():
        top, _, sub = key.partition(".")
        if top not in known:
            raise ConfigError(f"unknown key '{where}.grid.{key}'.{did_you_mean(top, known)}")
        if sub and top in ("neuron_params", "astrocyte_params"):
            names = known[top]["propertyNames"]["enum"]
            if sub not in names:
                raise ConfigError(
                    f"unknown key '{where}.grid.{key}'.{did_you_mean(key, [f'{top}.{n}' for n in names])}"
                )
        if key in ("rng_seed",):
            raise ConfigError(f"invalid key '{where}.grid.{key}': replicate seeds go in '{where}.seeds'")
        for value in values:
            if isinstance(value, (dict, list)) or value is None:
                raise ConfigError(
                    f"invalid value for '{where}.grid.{key}': {value!r} (grid values must be numbers, strings or "
                    "booleans; sweep a nested parameter as neuron_params.NAME or astrocyte_params.NAME)"
                )
        spec = known[top]
        if sub:
            spec = spec.get("properties", {}).get(sub, spec.get("additionalProperties", {}))
        for value in values:
            errors = list(validator(spec).iter_errors(value))
            if errors:
                raise ConfigError(f"invalid value for '{where}.grid.{key}': {value!r} ({rule_in_words(errors[0])})")
        if not zipped and len(set(map(repr, values))) != len(values):
            raise ConfigError(f"invalid value for '{where}.grid.{key}': {values!r} (grid values must be distinct)")
    if zipped:
        lengths = {key: len(values) for key, values in grid.items()}
        if len(set(lengths.values())) > 1:
            raise ConfigError(
                f"invalid value for '{where}.grid': lists of lengths {lengths} (with zip: true the i-th values of "
                "all lists form run i, so every list needs the same length)"
            )
        points = list(zip(*grid.values(), strict=True)) if grid else [()]  # no grid: one point, as without zip
        if len(set(map(repr, points))) != len(points):
            raise ConfigError(
                f"invalid value for '{where}.grid': {grid!r} (with zip: true, the runs' values must be distinct)"
            )
    else:
        points = list(itertools.product(*grid.values()))
    seeds = experiment.get("seeds") or [params["rng_seed"]]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"invalid value for '{where}.seeds': {seeds!r} (seeds must be distinct)")
    runs = []
    for values in points:
        for seed in seeds:
            run_params = copy.deepcopy(params)
            point = {}
            for key, value in zip(grid, values, strict=True):
                _set_param(run_params, key, value, f"{where}.grid.{key}")
                point[key] = value
            run_params["rng_seed"] = seed
            point["rng_seed"] = seed
            label = "__".join(f"{k.split('.')[-1]}-{format_value(v)}" for k, v in point.items())
            run_params = validate_params(run_params, f"{where} run {label}", schema)
            point.update({k: run_params[k] for k in point if k in run_params})  # counts as integers
            if not RUN_NAME.fullmatch(label):
                raise ConfigError(
                    f"invalid value for '{where}.grid': run name {label!r} (string grid values may only use letters, "
                    "digits, '.', '_' and '-', as they name the run's directory)"
                )
            if any(run.name == label for run in runs):
                raise ConfigError(
                    f"invalid value for '{where}.grid': two runs would share the name {label!r} (grid values must "
                    "differ in their first 6 significant digits)"
                )
            runs.append(Run(name, label, run_params, point))
    return runs
