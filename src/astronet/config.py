"""Configuration: schema defaults, validation with clear messages, expansion of experiments into runs.

Everything here runs before any rule, without NEST: a bad configuration is refused before any
expensive work starts and before anything is written under ``results/``.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value breaks a rule; the message names the key, the value and the rule."""


_SCHEMAS: dict = {}


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    """The schema as a fresh dict; parsed once per process (with libyaml when available), since
    every Snakemake start and every job validates with it several times."""
    key = str(path)
    if key not in _SCHEMAS:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(path) as fh:
            _SCHEMAS[key] = yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader)
    return copy.deepcopy(_SCHEMAS[key])


def _params_schema(schema: dict) -> dict:
    return schema["properties"]["params"]


def param_defaults(schema: dict | None = None) -> dict:
    """Default value of every entry of ``params``, as the schema states it."""
    schema = schema or load_schema()
    props = _params_schema(schema)["properties"]
    return {name: copy.deepcopy(spec["default"]) for name, spec in props.items()}


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def _check_known_keys(mapping: dict, schema: dict, where: str) -> None:
    """Reject unknown keys with a did-you-mean suggestion, recursing into fixed sub-objects."""
    if not isinstance(mapping, dict):
        return
    props = schema.get("properties")
    names = schema.get("propertyNames", {}).get("enum")
    allowed = names if names is not None else (props if schema.get("additionalProperties") is False else None)
    for key, value in mapping.items():
        path = f"{where}.{key}" if where else str(key)
        if allowed is not None and key not in allowed:
            raise ConfigError(f"unknown key '{path}' (value {value!r}).{did_you_mean(str(key), allowed)}")
        if props and key in props:
            _check_known_keys(value, props[key], path)
        elif isinstance(schema.get("additionalProperties"), dict):  # e.g. experiments.<name>
            _check_known_keys(value, schema["additionalProperties"], path)


def _check_finite(value, where: str) -> None:
    """Reject NaN and infinities anywhere (YAML's .nan/.inf, JSON's NaN): no range rule catches them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"invalid value for '{where}': {value!r} (must be a finite number)")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(item, f"{where}.{i}")


def retype_cli_overrides(config: dict, overrides: dict, schema: dict | None = None) -> None:
    """Give nested ``--config`` values their YAML types in ``config``.

    Snakemake parses nested values of ``--config key={a: 1}`` with YAML's BaseLoader, so every leaf
    arrives as a string (quotes already removed); re-read each such leaf as YAML so it is validated
    like a config file value. A leaf stays the string it is where the schema takes only strings
    (``description: "test: small network"``), and a leaf is never re-read into a mapping or list:
    Snakemake has already parsed the structure.
    """
    schema = schema if schema is not None else load_schema()
    for key, value in overrides.items():
        spec = _child_schema(schema, key)
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            retype_cli_overrides(config[key], value, spec)
        elif isinstance(value, str) and config.get(key) == value:
            config[key] = _retyped(value, spec)
        elif isinstance(value, list) and config.get(key) == value:
            item = spec.get("items", {})
            config[key] = [_retyped(v, item) if isinstance(v, str) else v for v in value]


def _child_schema(schema: dict, key) -> dict:
    """The schema of entry ``key`` of an object with schema ``schema`` ({} if unconstrained)."""
    props = schema.get("properties", {})
    if key in props:
        return props[key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def _retyped(text: str, spec: dict):
    if spec.get("type") == "string":
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, (dict, list)) else value


def _integer_only(spec: dict) -> bool:
    """The schema takes integers but not other numbers (alone or as one choice of a oneOf)."""
    if spec.get("type") == "integer":
        return True
    return any(choice.get("type") == "integer" for choice in spec.get("oneOf", ()))


def coerce_integers(value, spec: dict):
    """``value`` with whole-number floats made ints wherever ``spec`` asks for an integer.

    JSON schema calls 2.0 an integer, and YAML writes 1.0e+1 as a float; NEST and Python's range()
    do not take floats for counts. So 2.0 means 2 everywhere (also in run names and the run's
    identity); 2.5 stays a float and is refused by the schema.
    """
    if isinstance(value, float) and value.is_integer() and _integer_only(spec):
        return int(value)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = coerce_integers(value[key], _child_schema(spec, key))
    elif isinstance(value, list) and isinstance(spec.get("items"), dict):
        value[:] = [coerce_integers(item, spec["items"]) for item in value]
    return value


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe YAML loader that refuses a key given twice in one mapping (YAML keeps the last)."""


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`: merged, overridable keys
            continue
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ConfigError(
                f"duplicate key {key!r} on line {key_node.start_mark.line + 1} (first given on line {seen[key] + 1}): "
                "YAML would silently keep only the last value; give each key once"
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def check_config_file(path) -> None:
    """Refuse a configuration file with a key given twice in one mapping (ConfigError)."""
    with open(path) as fh:
        try:
            yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError:
            pass  # Snakemake itself reports files it cannot parse
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None


def _validator(schema: dict):
    """A JSON-schema validator. jsonschema (~0.04 s to import) is loaded by the processes that
    validate, not by the aggregation and figure jobs, which use only this module's constants."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema)


def _schema_error(error: jsonschema.ValidationError, prefix: str = "") -> ConfigError:
    key = ".".join(str(p) for p in error.absolute_path)
    key = ".".join(filter(None, (prefix, key))) or "<config>"
    return ConfigError(f"invalid value for '{key}': {error.instance!r} ({_rule(error)})")


def _rule(error: jsonschema.ValidationError) -> str:
    """The broken schema rule, in words."""
    rule = error.message
    if error.validator == "type" and error.validator_value == "integer" and isinstance(error.instance, str) and _looks_numeric(error.instance):
        rule += "; a quoted number is read by YAML as a string: write it unquoted, as a whole number, e.g. 10"
    elif error.validator == "type" and isinstance(error.instance, str) and _looks_numeric(error.instance):
        rule += (
            "; a quoted number, or an exponent without a dot such as 1e3, is read by YAML as a string: "
            "write it unquoted with a dot, e.g. 1000.0 or 1.0e+3"
        )
    if error.validator == "oneOf":
        rule = "must be " + " or ".join(
            str(s.get("const", s.get("type")))
            + (f" >= {s['minimum']}" if "minimum" in s else "")
            + (f" > {s['exclusiveMinimum']}" if "exclusiveMinimum" in s else "")
            for s in error.validator_value
        )
    return rule


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fill_defaults(instance: dict, schema: dict) -> None:
    for name, spec in schema.get("properties", {}).items():
        if "default" in spec and name not in instance:
            instance[name] = copy.deepcopy(spec["default"])
        if isinstance(instance.get(name), dict) and spec.get("type") == "object":
            _fill_defaults(instance[name], spec)


def validate_params(params: dict, where: str = "params", schema: dict | None = None) -> dict:
    """Validate one run's parameters (types, ranges and cross-field rules) and return them complete:
    keys left out take the schema's defaults, so a partial dict such as ``{"w_a2n": 2.0}`` is
    checked as the run it describes. ``params`` itself is not changed."""
    schema = schema or load_schema()
    pschema = _params_schema(schema)
    _check_known_keys(params, pschema, where)
    params = copy.deepcopy(params)
    _fill_defaults(params, pschema)
    _check_finite(params, where)
    coerce_integers(params, pschema)
    errors = sorted(_validator(pschema).iter_errors(params), key=lambda e: list(e.path))
    if errors:
        raise _schema_error(errors[0], where)
    check_cross_field(params, where)
    return params


def _is_multiple(value: float, step: float) -> bool:
    """``value`` is a positive whole multiple of ``step`` (1 x, 2 x, ...; 0 x is not)."""
    ratio = value / step
    return round(ratio) >= 1 and math.isclose(ratio, round(ratio), rel_tol=0, abs_tol=1e-9)


# NEST's time base: with its default tics_per_ms = 1000, the resolution must be a multiple of 1 µs.
NEST_TIC_MS = 0.001
# NEST's *_hpc synapses store the thread-local index of the target in 16 bits (measured limit: 65535
# nodes on a thread, the Poisson generator included).
HPC_MAX_NODES_PER_VP = 65535
# NEST keeps a neuron's connections to a recorder in a connector of its own, pre-allocated for 1024
# connections: 32 KiB per neuron with static_synapse (32 bytes each), 8 KiB with
# static_synapse_hom_w_hpc (8 bytes; a recorder needs no weight and no target pointer). Recording the
# spikes of all 10 000 neurons thus takes ~80 MiB instead of ~320 MiB; the recorded spikes are the same.
# Beyond the HPC node limit (devices count as nodes on every thread), static_synapse_hom_w (24 KiB per neuron).
SPIKE_RECORDER_SYNAPSES = ("static_synapse_hom_w_hpc", "static_synapse_hom_w")


def spike_recorder_synapse(nodes_per_vp: int) -> str:
    """Synapse model for neuron -> spike recorder connections, with ``nodes_per_vp`` nodes per thread."""
    return SPIKE_RECORDER_SYNAPSES[0] if nodes_per_vp < HPC_MAX_NODES_PER_VP - 1 else SPIKE_RECORDER_SYNAPSES[1]


# NEST 3.10 defaults of the aeif_cond_alpha_astro parameters that its cross-parameter checks use.
AEIF_DEFAULTS = {"V_reset": -60.0, "V_peak": 0.0, "V_th": -50.4, "Delta_T": 2.0}
# aeif models refuse (V_peak - V_th) / Delta_T >= log(DBL_MAX / 1e20): exp() would overflow.
AEIF_MAX_EXP_ARG = math.log(1.7976931348623157e308 / 1e20)


def population_sizes(params: dict) -> dict[str, int]:
    """Node counts at the configured scale, rounded down as NEST's example does."""
    s = params["scale"]
    return {
        "E": int(params["N_ex"] * s),
        "I": int(params["N_in"] * s),
        "astrocytes": int(params["N_astro"] * s),
    }


def recording_window(params: dict) -> tuple[float, float]:
    """Model time a run records, in NEST's times (ms): ``(t_presim, t_presim + sim_time)``."""
    return float(params["t_presim"]), float(params["t_presim"] + params["sim_time"])


def total_sim_time(params: dict) -> float:
    """Model time NEST simulates, presimulation included (ms)."""
    return recording_window(params)[1]


def samples_per_node(params: dict) -> int:
    """Multimeter samples of each sampled node: NEST samples at the multiples of rec_interval strictly
    inside the recording window (t_presim, t_presim + sim_time)."""
    dt = params["dt"]
    interval = round(params["rec_interval"] / dt)
    first, end = (round(t / dt) for t in recording_window(params))
    return (end - 1) // interval - first // interval


# chunk_ms: auto holds at most this many recorded rows in NEST's memory between two flushes.
AUTO_CHUNK_ROWS = 2_000_000
# Spikes per recorded neuron and ms assumed for that bound (50 spikes/s, far above the network's rates).
AUTO_CHUNK_SPIKES_PER_MS = 0.05


def recorded_rows_per_ms(params: dict) -> float:
    """Rows the recorders collect per ms of model time: multimeter samples, and spikes at 50/s."""
    sizes = population_sizes(params)
    n_neurons = sizes["E"] + sizes["I"]
    n_mm = params["N_rec_mm"]
    sampled = (n_neurons + sizes["astrocytes"]) if n_mm == "all" else 2 * n_mm
    n_spk = n_neurons if params["N_rec_spk"] == "all" else params["N_rec_spk"]
    return sampled / params["rec_interval"] + n_spk * AUTO_CHUNK_SPIKES_PER_MS


def chunk_ms(params: dict) -> float:
    """Model time between two flushes of the recordings (ms): ``chunk_ms``, or for ``auto`` the longest
    that keeps the rows held below AUTO_CHUNK_ROWS (at most sim_time; a multiple of 10 ms, or of dt
    below 10 ms)."""
    if params["chunk_ms"] != "auto":
        return float(params["chunk_ms"])
    dt = params["dt"]
    rows_per_ms = recorded_rows_per_ms(params)
    longest = params["sim_time"] if rows_per_ms <= 0 else min(params["sim_time"], AUTO_CHUNK_ROWS / rows_per_ms)
    step = 10.0 if longest >= 10.0 and _is_multiple(10.0, dt) else dt
    return max(dt, round(math.floor(longest / step + 1e-9) * step, 9))


def check_cross_field(p: dict, where: str = "params") -> None:
    """Rules that involve more than one key; each message names key, value and rule."""

    def fail(key: str, rule: str) -> None:
        raise ConfigError(f"invalid value for '{where}.{key}': {p[key]!r} ({rule})")

    dt = p["dt"]
    if not _is_multiple(dt, NEST_TIC_MS):
        fail("dt", f"NEST's resolution must be a multiple of its tic, {NEST_TIC_MS} ms")
    for key in ("d_e", "d_i", "d_a2n"):
        if p[key] < dt:
            fail(key, f"a delay must be >= dt = {dt} ms")
    for key in ("sim_time", "t_presim", "d_e", "d_i", "d_a2n", "rec_interval", "chunk_ms"):
        if (key == "chunk_ms" and p[key] == "auto") or (key == "t_presim" and p[key] == 0):
            continue
        if not _is_multiple(p[key], dt):
            fail(key, f"must be a multiple of dt = {dt} ms")
    if p["n_vp"] % p["mpi_ranks"]:
        fail("n_vp", f"virtual processes = mpi_ranks x threads: n_vp must be a multiple of mpi_ranks = {p['mpi_ranks']}")
    threads = p["n_vp"] // p["mpi_ranks"]
    if p["mpi_ranks"] > 1 and threads > 1 and not p["allow_hybrid_split"]:
        # NEST delivers the spikes of a time step in the order (sending rank, sending thread): virtual
        # process order only when ranks or threads are 1 (EventDeliveryManager::deliver_events_).
        fail(
            "mpi_ranks",
            f"{p['mpi_ranks']} ranks x {threads} threads: with more than one rank and more than one thread per "
            "rank, NEST adds up the synaptic input of each time step in another order than with mpi_ranks = 1 or "
            f"mpi_ranks = n_vp, so the results would differ in the last bits from the other splits of n_vp = "
            f"{p['n_vp']} (and can diverge later); use mpi_ranks: 1 or mpi_ranks: {p['n_vp']}, which give "
            "identical results, or set allow_hybrid_split: true to accept this",
        )
    sizes = population_sizes(p)
    for key, pop in (("N_ex", "E"), ("N_in", "I"), ("N_astro", "astrocytes")):
        if sizes[pop] < 1:
            fail(key, f"{key} x scale = {p[key] * p['scale']:g} leaves no {pop} node")
    p_scaled = p["p_primary"] / p["scale"]
    if p_scaled > 1:
        fail(
            "p_primary",
            f"p_primary / scale = {p_scaled:g} exceeds 1; in-degrees cannot be preserved at scale {p['scale']}: "
            f"use scale >= {p['p_primary']:g} or lower p_primary",
        )
    n_targets = sizes["E"] + sizes["I"]
    n_astro = sizes["astrocytes"]
    if p["pool_size"] > n_astro:
        fail("pool_size", f"must be <= the number of astrocytes, N_astro x scale = {n_astro}")
    if p["pool_type"] == "block":
        fits = n_targets * p["pool_size"] == n_astro or (p["pool_size"] == 1 and n_targets % n_astro == 0)
        if not fits:
            fail(
                "pool_size",
                "block pools need (N_ex + N_in) x pool_size == N_astro, or pool_size == 1 with N_ex + N_in a "
                f"multiple of N_astro; here {n_targets} neurons and {n_astro} astrocytes (after scale)",
            )
        if p["mpi_ranks"] > 1:
            # ThirdBernoulliWithPoolBuilder (nestkernel/conn_builder.cpp) numbers the targets by their index
            # among the targets of the rank, not of the whole population (tests/test_mpi.py shows it).
            fail(
                "pool_type",
                f"with mpi_ranks = {p['mpi_ranks']}, block pools differ between MPI splits: NEST 3.10 gives each "
                "target the block of astrocytes of its index among the targets on its own MPI rank, not in the "
                "whole population; use mpi_ranks: 1 (any number of threads builds the correct block pools) or "
                "pool_type: random",
            )
    if p["synapse_model"].endswith("_hpc"):
        # Node ids on each thread are 16 bit; the Poisson generator has one instance per thread.
        per_vp = math.ceil(sum(sizes.values()) / p["n_vp"]) + 1
        if per_vp > HPC_MAX_NODES_PER_VP:
            fail(
                "synapse_model",
                f"NEST's HPC synapses address at most {HPC_MAX_NODES_PER_VP} nodes per virtual process; here "
                f"{per_vp} (all nodes after scale / n_vp, + 1 generator): use n_vp >= "
                f"{math.ceil(sum(sizes.values()) / (HPC_MAX_NODES_PER_VP - 1))} or synapse_model: tsodyks_synapse",
            )
    if p["N_rec_mm"] != 0 and samples_per_node(p) < 1:
        fail(
            "rec_interval",
            f"NEST samples at the multiples of rec_interval inside the recording window ({p['t_presim']:g}, "
            f"{p['t_presim'] + p['sim_time']:g}) ms, and there is none: no IP3, Ca_astro or I_SIC would be recorded; "
            "use a shorter rec_interval, a longer sim_time, or N_rec_mm: 0",
        )
    _check_neuron_params(p, where)
    n_neurons = n_targets
    for key, limit, what in (("N_rec_spk", n_neurons, "neurons"), ("N_rec_mm", min(n_neurons, n_astro), "neurons or astrocytes")):
        if p[key] != "all" and p[key] > limit:
            fail(key, f"cannot sample more than the {limit} {what} of the network; use 'all' to record every node")


def _check_neuron_params(p: dict, where: str) -> None:
    """aeif_cond_alpha_astro's own cross-parameter rules, so NEST never has to refuse them."""
    v = {**AEIF_DEFAULTS, **{k: p["neuron_params"][k] for k in AEIF_DEFAULTS if k in p["neuron_params"]}}

    def fail(key: str, rule: str) -> None:
        value = p["neuron_params"].get(key, f"{v[key]} (NEST default)")
        raise ConfigError(f"invalid value for '{where}.neuron_params.{key}': {value!r} ({rule})")

    if v["V_reset"] >= v["V_peak"]:
        fail("V_reset", f"NEST requires V_reset < V_peak = {v['V_peak']} mV")
    if v["V_peak"] < v["V_th"]:
        fail("V_peak", f"NEST requires V_peak >= V_th = {v['V_th']} mV")
    if v["Delta_T"] > 0 and (v["V_peak"] - v["V_th"]) / v["Delta_T"] >= AEIF_MAX_EXP_ARG:
        fail("V_peak", f"(V_peak - V_th) / Delta_T must be < {AEIF_MAX_EXP_ARG:.1f}, else NEST's exponential overflows")


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


def _format_value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _set_param(params: dict, key: str, value, where: str) -> None:
    group, _, name = key.partition(".")
    if name:
        if group not in ("neuron_params", "astrocyte_params"):
            raise ConfigError(f"unknown key '{where}': only neuron_params.X and astrocyte_params.X may be dotted")
        params[group] = {**params[group], name: value}
    else:
        params[key] = value


# Experiment and run names become directory names and Snakemake wildcards.
RUN_NAME = re.compile(r"[A-Za-z0-9_.+-]+")
EXPERIMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def expand_experiment(name: str, experiment: dict, base_params: dict, schema: dict) -> list[Run]:
    """Every grid point × seed of an experiment, validated; run names are unique and readable.

    The grid points are every combination of the grid's values, or with ``zip: true`` the lists read
    in step (run i takes the i-th value of every list), e.g. for weak scaling.
    """
    params = copy.deepcopy(base_params)
    for key, value in experiment.get("params", {}).items():
        if isinstance(value, dict) and isinstance(params.get(key), dict):
            value = {**params[key], **value}
        params[key] = value
    where = f"experiments.{name}"
    params = validate_params(params, f"{where}.params", schema)
    grid = experiment.get("grid", {})
    zipped = experiment.get("zip", False)
    known = _params_schema(schema)["properties"]
    for key, values in grid.items():
        top, _, sub = key.partition(".")
        if top not in known:
            raise ConfigError(f"unknown key '{where}.grid.{key}'.{did_you_mean(top, known)}")
        if sub and top in ("neuron_params", "astrocyte_params"):
            names = known[top]["propertyNames"]["enum"]
            if sub not in names:
                raise ConfigError(f"unknown key '{where}.grid.{key}'.{did_you_mean(key, [f'{top}.{n}' for n in names])}")
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
            errors = list(_validator(spec).iter_errors(value))
            if errors:
                raise ConfigError(f"invalid value for '{where}.grid.{key}': {value!r} ({_rule(errors[0])})")
        if not zipped and len(set(map(repr, values))) != len(values):
            raise ConfigError(f"invalid value for '{where}.grid.{key}': {values!r} (grid values must be distinct)")
    if zipped:
        lengths = {key: len(values) for key, values in grid.items()}
        if len(set(lengths.values())) > 1:
            raise ConfigError(
                f"invalid value for '{where}.grid': lists of lengths {lengths} (with zip: true the i-th values of "
                "all lists form run i, so every list needs the same length)"
            )
        points = list(zip(*grid.values())) if grid else [()]  # no grid: one point, as without zip
        if len(set(map(repr, points))) != len(points):
            raise ConfigError(f"invalid value for '{where}.grid': {grid!r} (with zip: true, the runs' values must be distinct)")
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
            for key, value in zip(grid, values):
                _set_param(run_params, key, value, f"{where}.grid.{key}")
                point[key] = value
            run_params["rng_seed"] = seed
            point["rng_seed"] = seed
            label = "__".join(f"{k.split('.')[-1]}-{_format_value(v)}" for k, v in point.items())
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


# Names of the workflow's rules: `snakemake <experiment>` is a rule of that name, so an experiment may
# not take one (tests/test_bad_config.py checks this list against the workflow).
RULE_NAMES = frozenset({
    "all", "run_parameters", "simulate", "simulate_mpi", "aggregate", "aggregate_connections", "metrics",
    "provenance", "experiment_summary", "sweep_figures", "figures", "scaling", "comparison", "connectivity",
    "export_nwb", "nwb",
})


def _check_experiment_name(name) -> None:
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
    if name == COMPARISONS_DIR:
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}': results/{COMPARISONS_DIR}/ holds the comparisons' figures; "
            "choose another name"
        )
    if name in RULE_NAMES:
        raise ConfigError(
            f"invalid experiment name 'experiments.{name}': {name!r} is the name of one of the workflow's rules "
            f"({', '.join(sorted(RULE_NAMES))}), and `snakemake <experiment>` builds an experiment; choose another name"
        )


def _global_schema(schema: dict) -> dict:
    """The configuration's schema with each experiment's contents left to _validate_experiment."""
    top = copy.deepcopy(schema)
    top["properties"]["experiments"] = {k: v for k, v in top["properties"]["experiments"].items() if k != "additionalProperties"}
    return top


def validate_global(config: dict, schema: dict | None = None) -> None:
    """Validate everything but the experiments' contents, in place (defaults filled)."""
    schema = schema or load_schema()
    top = _global_schema(schema)
    _check_known_keys(config, top, "")
    _check_finite({k: v for k, v in config.items() if k != "experiments"}, "")
    coerce_integers(config, top)
    _fill_defaults(config, top)
    errors = sorted(_validator(top).iter_errors(config), key=lambda e: list(e.path))
    if errors:
        raise _schema_error(errors[0])
    for target in config["targets"]:
        for name in config["experiments"]:
            if not isinstance(name, str) and str(name).lower() == str(target).lower():
                _check_experiment_name(name)  # the target names it: its ConfigError says why it does not match
        if target not in config["experiments"]:
            raise ConfigError(
                f"invalid value for 'targets': {target!r} (not an experiment).{did_you_mean(target, map(str, config['experiments']))}"
            )
    config["params"] = validate_params(config["params"], "params", schema)


def _validate_experiment(name, experiment, config: dict, schema: dict) -> list[Run]:
    """One experiment: its name, keys, types and ranges, then every run it expands into."""
    _check_experiment_name(name)
    spec = schema["properties"]["experiments"]["additionalProperties"]
    where = f"experiments.{name}"
    _check_known_keys(experiment, spec, where)
    _check_finite(experiment, where)
    coerce_integers(experiment, spec)
    errors = sorted(_validator(spec).iter_errors(experiment), key=lambda e: list(e.path))
    if errors:
        raise _schema_error(errors[0], where)
    # No defaults filled in here: an experiment's analysis holds only its overrides of the top level.
    return expand_experiment(name, experiment, config["params"], schema)


def comparison_experiments(config: dict, name: str) -> set:
    """The experiments whose runs the comparison ``name`` shows (its runs are experiment/run or experiment)."""
    return {ref.split("/")[0] for ref in config["comparisons"][name]["runs"].values()}


def selected_comparisons(config: dict, targets) -> set:
    """The comparisons a Snakemake invocation with these targets draws: by rule name or by a file
    under results/comparisons/<name>/."""
    chosen = set()
    for target in targets:
        parts = target_parts(target)
        if target in config["comparisons"]:
            chosen.add(target)
        elif parts and len(parts) >= 3 and parts[1] == COMPARISONS_DIR and parts[2] in config["comparisons"]:
            chosen.add(parts[2])
    return chosen


def selected_experiments(config: dict, targets) -> set:
    """The experiments a Snakemake invocation with these targets builds (after validate_global):
    those of ``config['targets']`` for no target or ``all``, an experiment for its own rule name,
    the experiment of each target file under results/, and those shown by the comparisons drawn."""
    chosen = set()
    for name in selected_comparisons(config, targets):
        chosen.update(comparison_experiments(config, name))
    for target in targets:
        parts = target_parts(target)
        if target == "all":
            chosen.update(config["targets"])
        elif target in config["experiments"]:
            chosen.add(target)
        elif parts and len(parts) >= 2 and parts[1] == COMPARISONS_DIR:
            continue  # a comparison's files: its experiments are chosen above
        elif parts and len(parts) >= 2:
            if parts[1] not in config["experiments"]:
                raise ConfigError(
                    f"invalid target {target!r}: no experiment {parts[1]!r} is configured (experiments: "
                    f"{', '.join(map(str, config['experiments']))}).{did_you_mean(parts[1], map(str, config['experiments']))}"
                )
            chosen.add(parts[1])
    return chosen if targets else set(config["targets"])


# Directories of an experiment's own results (not runs): results/<experiment>/{figures,logs}/...
EXPERIMENT_DIRS = ("figures", "logs")
# The comparisons' files: results/comparisons/<name>/... (no experiment may take this name).
COMPARISONS_DIR = "comparisons"


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


def validate_config(config: dict, schema: dict | None = None, required=None, problems: dict | None = None) -> dict[str, list[Run]]:
    """Validate a whole configuration in place (filling defaults); return the runs of each experiment.

    ``required``: names of the experiments that must be valid (None: all). An experiment outside it
    that is invalid is left out of the result and its ConfigError put into ``problems``: a run is not
    refused because of an experiment that is not being built.
    """
    schema = schema or load_schema()
    validate_global(config, schema)
    runs = {}
    for name, experiment in config["experiments"].items():
        try:
            runs[name] = _validate_experiment(name, experiment, config, schema)
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
    return runs
