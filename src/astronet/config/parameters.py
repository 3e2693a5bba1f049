"""One run's parameters: validated against the schema and NEST's limits, defaults filled in."""

from __future__ import annotations

import copy

from astronet.config.nest_limits import check_cross_field
from astronet.config.schema import (
    check_finite,
    check_known_keys,
    coerce_integers,
    drop_unset_defaults,
    fill_defaults,
    load_schema,
    params_schema,
    schema_error,
    validator,
)


def validate_params(params: dict, where: str = "params", schema: dict | None = None) -> dict:
    """Validate one run's parameters (types, ranges and cross-field rules) and return them complete.

    Keys left out take the schema's defaults, so a partial dict such as ``{"w_a2n": 2.0}`` is
    checked as the run it describes. Keys marked ``x-stored-when-set`` in the schema (``record_presim``)
    appear only when they differ from their default.

    Parameters
    ----------
    params : dict
        The parameters, complete or partial; not changed.
    where : str
        The key path that messages name (``params``, ``experiments.<name>.params``).
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).

    Returns
    -------
    dict
        The complete parameter set, counts as integers.

    Raises
    ------
    astronet.config.schema.ConfigError
        At the first value that breaks a rule, naming the key, the value and the rule.
    """
    schema = schema or load_schema()
    pschema = params_schema(schema)
    check_known_keys(params, pschema, where)
    params = copy.deepcopy(params)
    fill_defaults(params, pschema)
    check_finite(params, where)
    coerce_integers(params, pschema)
    errors = sorted(validator(pschema).iter_errors(params), key=lambda e: list(e.path))
    if errors:
        raise schema_error(errors[0], where)
    check_cross_field(params, where)
    drop_unset_defaults(params, pschema)
    return params
