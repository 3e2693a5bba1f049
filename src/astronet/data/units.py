"""Units of the columns of a run's tables, stored in the Parquet files themselves.

Each column of ``spikes.parquet``, ``astrocytes.parquet`` and ``neurons.parquet`` carries its unit
as field metadata (``unit``), and the file's schema metadata holds all of them as JSON under
``astronet.data.units``, so that any Parquet reader (PyArrow, Polars, R's arrow) can find them.
Unit strings are those of the ``quantities`` package (Neo, Elephant): ``ms``, ``uM``, ``pA``;
``""`` for identifiers and labels.
"""

from __future__ import annotations

import json

import pyarrow as pa

UNITS = {"sender": "", "time": "ms", "population": "", "IP3": "uM", "Ca_astro": "uM", "I_SIC": "pA"}
SCHEMA_KEY = b"astronet.data.units"


def with_units(table: pa.Table) -> pa.Table:
    """``table`` with the unit of each known column in its field and schema metadata.

    Parameters
    ----------
    table : pyarrow.Table
        A run's table; columns known to ``UNITS`` (``sender``, ``time``, ``population``, ``IP3``,
        ``Ca_astro``, ``I_SIC``) get their unit, others are left as they are.

    Returns
    -------
    pyarrow.Table
        The same columns (no copy of the data) with the units in the metadata.
    """
    fields = [
        field.with_metadata({**(field.metadata or {}), b"unit": UNITS[field.name].encode()})
        if field.name in UNITS
        else field
        for field in table.schema
    ]
    units = {f.name: UNITS[f.name] for f in table.schema if f.name in UNITS}
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}), SCHEMA_KEY: json.dumps(units).encode()})
    return pa.Table.from_arrays(table.columns, schema=schema)  # no copy of the data


def units_of(schema: pa.Schema) -> dict[str, str]:
    """Column -> unit, as stored by :func:`with_units`.

    Parameters
    ----------
    schema : pyarrow.Schema
        The schema of a Parquet file or table.

    Returns
    -------
    dict of str to str
        Column -> unit string of the ``quantities`` package (``ms``, ``uM``, ``pA``, ``""``); empty for
        files written without units.
    """
    raw = (schema.metadata or {}).get(SCHEMA_KEY)
    return json.loads(raw) if raw else {}
