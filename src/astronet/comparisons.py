"""Comparisons: chosen runs side by side in one figure (Jiang et al. 2025's Fig. 3), from ``config["comparisons"]``."""

from __future__ import annotations

from .schema import ConfigError, did_you_mean, load_schema


def comparison_runs(
    config: dict, runs: dict[str, list], reserved=(), required=None, problems: dict | None = None
) -> dict[str, dict]:
    """Each comparison of ``config["comparisons"]`` as ``{"runs": {label: Run}, **settings}``, with
    the schema's defaults filled in; ConfigError for a run or experiment that is not configured,
    or a name that is already an experiment or in ``reserved`` (rule names).

    ``required``: the comparisons that must be valid (None: all); another one that is not is left
    out and its ConfigError put into ``problems``, as for experiments that are not being built."""
    spec = load_schema()["properties"]["comparisons"]["additionalProperties"]["properties"]
    defaults = {k: s["default"] for k, s in spec.items() if "default" in s}
    by_path = {run.path: run for exp_runs in runs.values() for run in exp_runs}
    out = {}
    for name, comparison in config.get("comparisons", {}).items():
        try:
            out[name] = {
                **defaults,
                **comparison,
                "runs": _comparison_columns(name, comparison, runs, by_path, reserved),
            }
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
    return out


def _comparison_columns(name: str, comparison: dict, runs: dict, by_path: dict, reserved) -> dict:
    where = f"comparisons.{name}"
    if name in runs or name in reserved:
        raise ConfigError(f"invalid comparison name '{where}' (already the name of an experiment or a rule)")
    chosen = {}
    for label, target in comparison["runs"].items():
        if target in by_path:
            chosen[label] = by_path[target]
        elif target in runs:
            chosen.update({f"{label} {run.name}": run for run in runs[target]})
        else:
            raise ConfigError(
                f"invalid value for '{where}.runs.{label}': {target!r} (neither a configured run, "
                f"experiment/run, nor an experiment).{did_you_mean(target, [*by_path, *runs])}"
            )
    return chosen
