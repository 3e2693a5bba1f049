"""Write config/README.md from the configuration schema, the one place keys, units and defaults live.

python -m astronet.config_docs > config/README.md
"""

from __future__ import annotations

import json

from .schema import allowed_in_words, load_schema

HEADER = """# Configuration

`config/config.yaml` is read by the workflow; any key left out takes its default below. Override
single values on the command line, e.g.

    snakemake --cores all --config params='{sim_time: 200, scale: 0.5}'
    snakemake --cores all --config targets='[coupling]'

or pass a file of your own with `--configfile my.yaml` (it is merged over `config/config.yaml`).
The configuration is validated before any rule runs: a wrong type, range, unknown key or a
combination NEST cannot build stops the workflow with the key, the value and the rule.
`config/test.yaml` is the small network used by the test suite.

This page is generated from `src/astronet/config.schema.yaml`
(`python -m astronet.config_docs > config/README.md`); units are in brackets.
"""


def _default(spec: dict) -> str:
    if "default" not in spec:
        return "required"
    return f"`{json.dumps(spec['default'], ensure_ascii=False)}`"


def _allowed(spec: dict) -> str:
    if "enum" in spec:
        return ", ".join(f"`{v}`" for v in spec["enum"])
    if "oneOf" in spec:
        return " or ".join(_allowed(s) or f"`{s.get('const', '')}`" for s in spec["oneOf"])
    return allowed_in_words(spec)


def _table(props: dict, prefix: str = "") -> list[str]:
    rows = ["| key | description [unit] | allowed | default |", "|---|---|---|---|"]
    for name, spec in props.items():
        desc = " ".join(spec.get("description", "").split())
        rows.append(f"| `{prefix}{name}` | {desc} | {_allowed(spec)} | {_default(spec)} |")
    return rows


def render(schema: dict | None = None) -> str:
    schema = schema or load_schema()
    out = [HEADER]
    for section, spec in schema["properties"].items():
        out.append(f"## `{section}`\n")
        out.append(" ".join(spec.get("description", "").split()) + "\n" if spec.get("description") else "")
        if "properties" in spec:
            out.extend(_table(spec["properties"], ""))
        elif section == "experiments":
            out.append("Each entry `experiments.<name>` has:\n")
            out.extend(_table(spec["additionalProperties"]["properties"], "<name>."))
        else:
            out.append(f"{_allowed(spec)}; default {_default(spec)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
