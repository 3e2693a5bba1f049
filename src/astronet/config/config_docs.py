"""Write config/README.md from the configuration schema, the one place keys, units and defaults live.

python -m astronet.config.config_docs > config/README.md
"""

from __future__ import annotations

import json

from astronet.config.schema import allowed_in_words, load_schema

HEADER = """# Configuration

`config/config.yaml` is read by the workflow; any key left out takes its default below. Override
single values on the command line, e.g.

    snakemake --cores all --config params='{sim_time: 200, scale: 0.5}'
    snakemake --cores all --config targets='[coupling]'

or pass a file of your own with `--configfile my.yaml` (it is merged over `config/config.yaml`).
Name targets before these options (`snakemake coupling --configfile my.yaml`): `--config` and
`--configfile` take every word after them, so a target placed after them is read as a setting or a
second configuration file.
The configuration is validated before any rule runs: a wrong type, range, unknown key or a
combination NEST cannot build stops the workflow with the key, the value and the rule.
`config/test.yaml` is the small network used by the test suite.

This page is generated from `src/astronet/config/config.schema.yaml`
(`python -m astronet.config.config_docs > config/README.md`); units are in brackets.
"""


def _default(spec: dict, required: bool = False) -> str:
    """The default column: the schema's default, ``required`` for a key the schema requires, else
    ``optional`` (a key without a default that may be left out)."""
    if "default" in spec:
        return f"`{json.dumps(spec['default'], ensure_ascii=False)}`"
    return "required" if required else "optional"


def _allowed(spec: dict) -> str:
    if "enum" in spec:
        return ", ".join(f"`{v}`" for v in spec["enum"])
    if "oneOf" in spec:
        return " or ".join(_allowed(s) or f"`{s.get('const', '')}`" for s in spec["oneOf"])
    return allowed_in_words(spec)


def _table(spec: dict, prefix: str = "") -> list[str]:
    """The keys of an object's schema ``spec`` as a Markdown table."""
    rows = ["| key | description [unit] | allowed | default |", "|---|---|---|---|"]
    required = set(spec.get("required", ()))
    for name, item in spec["properties"].items():
        desc = " ".join(item.get("description", "").split())
        rows.append(f"| `{prefix}{name}` | {desc} | {_allowed(item)} | {_default(item, name in required)} |")
    return rows


def render(schema: dict | None = None) -> str:
    """config/README.md: the header, then a section per top-level key of the schema.

    Parameters
    ----------
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).

    Returns
    -------
    str
        The Markdown page, a table of keys, descriptions [units], allowed values and defaults per
        section, ending with a newline.
    """
    schema = schema or load_schema()
    out = [HEADER]
    for section, spec in schema["properties"].items():
        out.append(f"## `{section}`\n")
        out.append(" ".join(spec.get("description", "").split()) + "\n" if spec.get("description") else "")
        if "properties" in spec:
            out.extend(_table(spec, ""))
        elif section == "experiments":
            out.append("Each entry `experiments.<name>` has:\n")
            out.extend(_table(spec["additionalProperties"], "<name>."))
        else:
            out.append(f"{_allowed(spec)}; default {_default(spec, section in schema.get('required', ()))}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
