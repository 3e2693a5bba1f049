"""The configuration schema: loading it, its defaults, and messages that name the key, value and rule.

The schema (``config.schema.yaml``) ships with the package; Snakemake's ``validate`` and the docs
read the same file (:data:`SCHEMA_PATH`). Nothing here imports NEST.
"""

from __future__ import annotations

import copy
import difflib
import math
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import jsonschema

#: The schema file, shipped with the package.
SCHEMA_PATH = Path(str(resources.files("astronet.config") / "config.schema.yaml"))


class ConfigError(ValueError):
    """A configuration value breaks a rule; the message names the key, the value and the rule."""


_SCHEMAS: dict = {}


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    """The schema as a fresh dict, parsed once per process.

    It is parsed with libyaml when available, and once per process, since every Snakemake start and
    every job validates with it several times.

    Parameters
    ----------
    path : pathlib.Path
        The schema file; by default the package's, :data:`SCHEMA_PATH`.

    Returns
    -------
    dict
        A deep copy of the parsed schema, which the caller may change.
    """
    key = str(path)
    if key not in _SCHEMAS:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(path) as fh:
            _SCHEMAS[key] = yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader)
    return copy.deepcopy(_SCHEMAS[key])


def params_schema(schema: dict) -> dict:
    """The schema of one run's parameters, the ``params`` entry of the configuration schema.

    Parameters
    ----------
    schema : dict
        The configuration schema (:func:`load_schema`).

    Returns
    -------
    dict
        Its ``properties.params`` (the same object, not a copy).
    """
    return schema["properties"]["params"]


def param_defaults(schema: dict | None = None) -> dict:
    """Default value of every entry of ``params``, as the schema states it.

    Parameters
    ----------
    schema : dict, optional
        The configuration schema; by default the package's (:func:`load_schema`).

    Returns
    -------
    dict
        Parameter name -> its default (a copy), in the units of ``config/README.md``.
    """
    schema = schema or load_schema()
    props = params_schema(schema)["properties"]
    return {name: copy.deepcopy(spec["default"]) for name, spec in props.items()}


def did_you_mean(word: str, choices) -> str:
    """A suggestion for a misspelt name, for the end of an error message.

    Parameters
    ----------
    word : str
        The name given.
    choices : iterable of str
        The names that exist.

    Returns
    -------
    str
        ``" Did you mean 'NAME'?"`` with the closest choice (``difflib``, similarity at least 0.6), or
        an empty string if none is close.
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_known_keys(mapping: dict, schema: dict, where: str) -> None:
    """Reject unknown keys with a did-you-mean suggestion, recursing into fixed sub-objects.

    A key is unknown where the schema lists the allowed names (``propertyNames.enum``) or forbids
    other properties (``additionalProperties: false``). Values that are not dicts are not checked.

    Parameters
    ----------
    mapping : dict
        The configuration (or part of it) to check.
    schema : dict
        The schema of ``mapping``.
    where : str
        The key path of ``mapping``, for the messages (empty at the top).

    Raises
    ------
    ConfigError
        At the first unknown key.
    """
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
            check_known_keys(value, props[key], path)
        elif isinstance(schema.get("additionalProperties"), dict):  # e.g. experiments.<name>
            check_known_keys(value, schema["additionalProperties"], path)


def check_finite(value, where: str) -> None:
    """Reject NaN and infinities anywhere (YAML's .nan/.inf, JSON's NaN): no range rule catches them.

    Parameters
    ----------
    value : object
        A value of the configuration; dicts and lists are searched recursively.
    where : str
        The key path of ``value``, for the message.

    Raises
    ------
    ConfigError
        At the first float that is not finite.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"invalid value for '{where}': {value!r} (must be a finite number)")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_finite(item, f"{where}.{i}")


def retype_cli_overrides(config: dict, overrides: dict, schema: dict | None = None) -> None:
    """Give nested ``--config`` values their YAML types in ``config``.

    Snakemake parses nested values of ``--config key={a: 1}`` with YAML's BaseLoader, so every leaf
    arrives as a string (quotes already removed); re-read each such leaf as YAML so it is validated
    like a config file value. A leaf stays the string it is where the schema takes only strings
    (``description: "test: small network"``), and a leaf is never re-read into a mapping or list:
    Snakemake has already parsed the structure.

    Parameters
    ----------
    config : dict
        The configuration as Snakemake holds it, ``--config`` values merged in; changed in place.
    overrides : dict
        The ``--config`` values as Snakemake parsed them; only the leaves that ``config`` still
        holds unchanged are re-read.
    schema : dict, optional
        The schema of ``config``; by default the package's (:func:`load_schema`).
    """
    schema = schema if schema is not None else load_schema()
    for key, value in overrides.items():
        spec = child_schema(schema, key)
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            retype_cli_overrides(config[key], value, spec)
        elif isinstance(value, str) and config.get(key) == value:
            config[key] = _retyped(value, spec)
        elif isinstance(value, list) and config.get(key) == value:
            item = spec.get("items", {})
            config[key] = [_retyped(v, item) if isinstance(v, str) else v for v in value]


def child_schema(schema: dict, key) -> dict:
    """The schema of entry ``key`` of an object with schema ``schema``.

    Parameters
    ----------
    schema : dict
        The object's schema.
    key : str or int
        The entry.

    Returns
    -------
    dict
        Its ``properties[key]``, else its ``additionalProperties`` if that is a schema, else ``{}``
        (unconstrained).
    """
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


def _number_only(spec: dict) -> bool:
    """The schema takes any number (a quantity, not a count), alone and not as one choice of a oneOf."""
    return spec.get("type") == "number"


def coerce_integers(value, spec: dict):
    """``value`` with its numbers typed as ``spec`` asks: whole-number floats made ints wherever it
    asks for an integer, ints made floats wherever it asks for any number.

    JSON schema calls 2.0 an integer, and YAML writes 1.0e+1 as a float; NEST and Python's range()
    do not take floats for counts. So 2.0 means 2 everywhere (also in run names and the run's
    identity); 2.5 stays a float and is refused by the schema. A quantity written without a decimal
    point (``sim_time: 100``) is the same run as ``sim_time: 100.0``: one identity for both.

    Parameters
    ----------
    value : object
        A value of the configuration; dicts and lists are changed in place, recursively.
    spec : dict
        The schema of ``value``.

    Returns
    -------
    object
        ``value`` with its numbers retyped (the same dict or list object).
    """
    if isinstance(value, float) and value.is_integer() and _integer_only(spec):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and _number_only(spec):
        return float(value)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = coerce_integers(value[key], child_schema(spec, key))
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
    """Refuse a configuration file with a key given twice in one mapping.

    A file YAML cannot parse is let through: Snakemake itself reports it.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML configuration file.

    Raises
    ------
    ConfigError
        If a key is given twice in one mapping (``<<`` merge keys aside), naming the file and lines.
    """
    with open(path) as fh:
        try:
            yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError:
            pass  # Snakemake itself reports files it cannot parse
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None


def validator(schema: dict):
    """A JSON-schema validator (draft 2020-12) for ``schema``.

    jsonschema (~0.04 s to import) is loaded by the processes that validate, not by the aggregation
    and figure jobs, which use only this module's constants.

    Parameters
    ----------
    schema : dict
        The schema to validate against.

    Returns
    -------
    jsonschema.Draft202012Validator
        The validator.
    """
    import jsonschema

    return jsonschema.Draft202012Validator(schema)


def schema_error(error: jsonschema.ValidationError, prefix: str = "") -> ConfigError:
    """A validation error as a ConfigError that names the key, the value and the rule.

    Parameters
    ----------
    error : jsonschema.ValidationError
        The error.
    prefix : str
        The key path of the validated instance (``params``, ``experiments.<name>.params``), put
        before the error's own path.

    Returns
    -------
    ConfigError
        ``invalid value for 'KEY': VALUE (RULE)``, the rule as :func:`rule_in_words` gives it; the key
        is ``<config>`` if neither prefix nor path is given.
    """
    key = ".".join(str(p) for p in error.absolute_path)
    key = ".".join(filter(None, (prefix, key))) or "<config>"
    return ConfigError(f"invalid value for '{key}': {error.instance!r} ({rule_in_words(error)})")


def rule_in_words(error: jsonschema.ValidationError) -> str:
    """The broken schema rule, in words.

    A quoted number where a number is due gets a hint on how to write it; a ``oneOf`` is spelt out
    as its choices.

    Parameters
    ----------
    error : jsonschema.ValidationError
        The error.

    Returns
    -------
    str
        The rule, e.g. ``must be integer >= 0 or all``.
    """
    rule = error.message
    if (
        error.validator == "type"
        and error.validator_value == "integer"
        and isinstance(error.instance, str)
        and _looks_numeric(error.instance)
    ):
        rule += "; a quoted number is read by YAML as a string: write it unquoted, as a whole number, e.g. 10"
    elif error.validator == "type" and isinstance(error.instance, str) and _looks_numeric(error.instance):
        rule += (
            "; a quoted number, or an exponent without a dot such as 1e3, is read by YAML as a string: "
            "write it unquoted with a dot, e.g. 1000.0 or 1.0e+3"
        )
    if error.validator == "oneOf":
        rule = "must be " + " or ".join(
            str(s["const"]) if "const" in s else allowed_in_words(s) for s in error.validator_value
        )
    return rule


def allowed_in_words(spec: dict) -> str:
    """A schema's type and bounds in words, e.g. ``number >= 0, <= 10000.0``.

    Parameters
    ----------
    spec : dict
        The schema (``type``, ``minimum``, ``exclusiveMinimum``, ``maximum``, ``exclusiveMaximum``).

    Returns
    -------
    str
        The type followed by its bounds.
    """
    parts = []
    for key, sym in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
        if key in spec:
            parts.append(f"{sym} {spec[key]}")
    return f"{spec.get('type', '')} {', '.join(parts)}".strip()


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def fill_defaults(instance: dict, schema: dict) -> None:
    """Fill in the defaults of keys left out, except those marked ``x-stored-when-set``.

    Sub-objects are filled in recursively. The keys marked ``x-stored-when-set`` are stored only when
    set (see :func:`drop_unset_defaults`).

    Parameters
    ----------
    instance : dict
        The configuration (or part of it); changed in place.
    schema : dict
        The schema of ``instance``.
    """
    for name, spec in schema.get("properties", {}).items():
        if "default" in spec and name not in instance and not spec.get("x-stored-when-set"):
            instance[name] = copy.deepcopy(spec["default"])
        if isinstance(instance.get(name), dict) and spec.get("type") == "object":
            fill_defaults(instance[name], spec)


def drop_unset_defaults(instance: dict, schema: dict) -> None:
    """Remove the keys marked ``x-stored-when-set`` that hold their default.

    These are keys added to the parameters after runs were made, which leave those runs unchanged at
    their default, so that a complete parameter set (and with it a run's identity) is the same with
    or without them.

    Parameters
    ----------
    instance : dict
        A complete parameter set (or other part of the configuration); changed in place.
    schema : dict
        The schema of ``instance`` (top-level keys only are looked at).
    """
    for name, spec in schema.get("properties", {}).items():
        if spec.get("x-stored-when-set") and instance.get(name, object()) == spec["default"]:
            del instance[name]
