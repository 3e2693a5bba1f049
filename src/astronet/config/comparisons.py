"""Comparisons: chosen runs side by side in one figure (Jiang et al. 2025's Fig. 3), from ``config["comparisons"]``."""

from __future__ import annotations

from astronet.config.run_quantities import recording_window
from astronet.config.schema import ConfigError, did_you_mean, load_schema


def comparison_runs(
    config: dict, runs: dict[str, list], reserved=(), required=None, problems: dict | None = None
) -> dict[str, dict]:
    """Each comparison of ``config["comparisons"]`` with its runs, the schema's defaults filled in.

    A column that names a whole experiment becomes one column per run, labelled ``LABEL RUN``.

    Parameters
    ----------
    config : dict
        The workflow's configuration (``comparisons``).
    runs : dict of str to list
        Experiment name -> its runs (astronet.config.experiment_grid.Run), for the experiments that
        are configured and valid.
    reserved : collection of str
        Other names a comparison may not take (rule names).
    required : collection of str, optional
        The comparisons that must be valid (None: all); another one that is not is left out and its
        ConfigError put into ``problems``, as for experiments that are not being built.
    problems : dict, optional
        Receives comparison name -> ConfigError for the comparisons left out; without it every
        invalid comparison raises.

    Returns
    -------
    dict of str to dict
        Comparison name -> ``{"runs": {label: Run}, **settings}`` (``t_start``, ``t_stop``,
        ``rate_bin_ms`` in ms).

    Raises
    ------
    astronet.config.schema.ConfigError
        For a required comparison with a run or experiment that is not configured, a plotted window
        outside a run's recording or shorter than ``rate_bin_ms``, or a name that is already an
        experiment's or in ``reserved``.
    """
    spec = load_schema()["properties"]["comparisons"]["additionalProperties"]["properties"]
    defaults = {k: s["default"] for k, s in spec.items() if "default" in s}
    by_path = {run.path: run for exp_runs in runs.values() for run in exp_runs}
    out = {}
    for name, comparison in config.get("comparisons", {}).items():
        try:
            checked = {
                **defaults,
                **comparison,
                "runs": _comparison_columns(name, comparison, runs, by_path, reserved),
            }
            _check_window(name, checked)
            out[name] = checked
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
    return out


def _check_window(name: str, comparison: dict) -> None:
    """The plotted window [t_start, t_stop) lies within each run's recording and holds a rate bin."""
    for label, run in comparison["runs"].items():
        rec_start, rec_end = recording_window(run.params)
        t0 = rec_start if comparison["t_start"] is None else comparison["t_start"]
        t1 = rec_end if comparison["t_stop"] is None else comparison["t_stop"]
        for key, value in (("t_start", t0), ("t_stop", t1)):
            if not rec_start <= value <= rec_end:
                presim = "" if run.params.get("record_presim") else "; record_presim: true records the presimulation"
                raise ConfigError(
                    f"invalid value for 'comparisons.{name}.{key}': {value!r} (outside the recording of column "
                    f"{label!r}, run {run.path}: [{rec_start:g}, {rec_end:g}] ms{presim})"
                )
        if t1 - t0 < comparison["rate_bin_ms"]:
            raise ConfigError(
                f"invalid value for 'comparisons.{name}.t_stop': {t1!r} (the window [{t0:g}, {t1:g}) ms must hold at "
                f"least one rate bin of rate_bin_ms = {comparison['rate_bin_ms']:g} ms)"
            )


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
