"""An experiment's configuration as the workflow needs it when it starts: its analysis settings
(checked against each run), its report caption and the sweep figures it draws.

Snakemake imports this module while it parses the workflow, at every start, so it needs nothing
beyond the configuration itself: no NumPy, no pandas (see :mod:`astronet.sweeps` for the tables
and figures across runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .config import ConfigError, did_you_mean, load_schema, population_sizes, recording_window

# --------------------------------------------------------------------------------------------
# analysis settings
# --------------------------------------------------------------------------------------------


def analysis_settings(config: dict, experiment: str) -> dict:
    """The complete analysis settings of an experiment: top-level ``analysis``, then its overrides."""
    schema = load_schema()["properties"]["analysis"]["properties"]
    base = {name: spec["default"] for name, spec in schema.items()}
    return {**base, **config.get("analysis", {}), **config["experiments"][experiment].get("analysis", {})}


def analysis_window(settings: dict, params: dict) -> tuple[float, float]:
    """A run's analysis window ``[t_start, t_presim + sim_time)`` in NEST's times (ms); ``t_start``
    null means the end of the presimulation."""
    t_presim, t_end = recording_window(params)
    t_start = settings.get("t_start")
    return (t_presim if t_start is None else float(t_start)), t_end


def check_analysis(settings: dict, params: dict, where: str) -> None:
    """The analysis window lies within the recording and holds at least one synchrony bin."""
    t0, t1 = analysis_window(settings, params)
    t_presim = params["t_presim"]
    if t0 < t_presim:
        raise ConfigError(
            f"invalid value for '{where}.t_start': {t0!r} (before the end of the presimulation, t_presim = "
            f"{t_presim:g} ms: nothing is recorded there; leave t_start out to start at t_presim)"
        )
    if t1 - t0 < settings["bin_ms"]:
        raise ConfigError(
            f"invalid value for '{where}.t_start': {t0!r} (the analysis window [t_start, t_presim + sim_time) = "
            f"[{t0:g}, {t1:g}) ms must be at least bin_ms = {settings['bin_ms']:g} ms long)"
        )


def experiment_analysis(config: dict, experiment: str, runs: list) -> dict:
    """An experiment's analysis settings, checked against each of its runs (ConfigError if invalid)."""
    settings = analysis_settings(config, experiment)
    overrides = config["experiments"][experiment].get("analysis", {})
    where = f"experiments.{experiment}.analysis" if "t_start" in overrides or "bin_ms" in overrides else "analysis"
    for run in runs:
        check_analysis(settings, run.params, where)
    return settings


def check_figure_window(config: dict, experiment: str, runs: list, settings: dict) -> None:
    """figures.t_start, if set, lies within each run's recording, at least one rate bin before its end."""
    figures = config["figures"]
    t_start = figures.get("t_start")
    if t_start is None:
        return
    for run in runs:
        t0, t1 = recording_window(run.params)
        if not t0 <= t_start <= t1 - figures["rate_bin_ms"]:
            raise ConfigError(
                f"invalid value for 'figures.t_start': {t_start!r} (the plotted window [t_start, t_presim + sim_time) "
                f"must start within run {run.path}'s recording [{t0:g}, {t1:g}) ms, at least rate_bin_ms = "
                f"{figures['rate_bin_ms']:g} ms before its end; leave t_start out to start with the analysis window)"
            )


# --------------------------------------------------------------------------------------------
# comparisons: runs side by side (Jiang et al. 2025's Fig. 3)
# --------------------------------------------------------------------------------------------


def comparison_runs(config: dict, runs: dict[str, list], reserved=(), required=None, problems: dict | None = None) -> dict[str, dict]:
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
            out[name] = {**defaults, **comparison, "runs": _comparison_columns(name, comparison, runs, by_path, reserved)}
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


# --------------------------------------------------------------------------------------------
# text: parameter units and the experiment's caption
# --------------------------------------------------------------------------------------------


def param_unit(name: str, schema: dict | None = None) -> str:
    """The unit a parameter's schema description ends with, in brackets, e.g. 'ms'; '' if none."""
    schema = schema or load_schema()
    spec = schema["properties"]["params"]["properties"].get(name.split(".")[0], {})
    if "." in name:
        return ""
    m = re.search(r"\(([^()]*)\)\s*$", " ".join(spec.get("description", "").split()))
    return m.group(1) if m else ""


def param_label(name: str, schema: dict | None = None) -> str:
    unit = param_unit(name, schema)
    return f"{name} ({unit})" if unit else name


def fmt_value(value) -> str:
    """A value as written in captions and tables: floats in %g form."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def experiment_caption(name: str, experiment: dict, runs: list, settings: dict) -> str:
    """reStructuredText paragraph on an experiment: what varies, what is fixed, n, window, network."""
    schema = load_schema()
    grid = experiment.get("grid", {})
    seeds = experiment.get("seeds") or sorted({r.params["rng_seed"] for r in runs})
    p = runs[0].params
    window = analysis_window(settings, p)
    sizes = population_sizes(p)
    description = experiment.get("description", "").strip().rstrip(".")
    parts = [f"Experiment ``{name}``: {description}."]
    if grid:
        swept = "; ".join(f"``{k}`` [{param_unit(k, schema) or '-'}] = {', '.join(fmt_value(v) for v in vals)}" for k, vals in grid.items())
        parts.append(f"Swept: {swept} ({len(runs) // len(seeds)} grid points).")
    else:
        parts.append("No swept parameter: one point.")
    overrides = experiment.get("params", {})
    if overrides:
        fixed = []
        for k, v in overrides.items():
            unit = param_unit(k, schema) if not isinstance(v, dict) else ""
            fixed.append(f"``{k}`` = {fmt_value(v)}" + (f" [{unit}]" if unit else ""))
        parts.append("Set for this experiment: " + ", ".join(fixed) + ".")
    shown = {
        "pool_size": f"pool_size {p['pool_size']}",
        "pool_type": f"pool_type {p['pool_type']}",
        "primary_rule": f"primary_rule {p['primary_rule']}",
        "p_primary": f"p_primary {p['p_primary']:g}",
        "w_a2n": f"w_a2n {p['w_a2n']:g}",
        "poisson_rate": f"Poisson drive {p['poisson_rate']:g} spikes/s",
    }
    n_spk = sizes["E"] + sizes["I"] if p["N_rec_spk"] == "all" else p["N_rec_spk"]
    n_mm = "all" if p["N_rec_mm"] == "all" else p["N_rec_mm"]
    parts.append(
        f"Network: {sizes['E']} E + {sizes['I']} I neurons, {sizes['astrocytes']} astrocytes "
        f"(scale {p['scale']:g}), {p['sim_time']:g} ms of model time at dt = {p['dt']:g} ms, "
        + ", ".join(v for k, v in shown.items() if k not in grid)
        + f"; spikes recorded from {n_spk} neurons, I_SIC / Ca_astro / IP3 sampled from {n_mm} neurons and "
        f"astrocytes every {p['rec_interval']:g} ms."
    )
    parts.append(
        f"n = {len(seeds)} seeds (NEST rng_seed {', '.join(str(s) for s in seeds)}) per point; points are the mean "
        "across seeds, error bars the 95 % confidence interval of that mean (Student's t, n - 1 d.o.f.), "
        "small dots the single runs."
    )
    parts.append(
        f"Analysis window [{window[0]:g}, {window[1]:g}) ms; synchrony from "
        f"{settings['bin_ms']:g} ms spike-count histograms of up to {settings['sync_sample_size']} spiking "
        f"neurons per population (sample seed {settings['sync_seed']}); Fano factor in {settings['fano_bin_ms']:g} ms "
        f"windows; Ca threshold {settings['ca_threshold']:g} µM. Per-run values: ``runs.csv``; mean, CI and n per "
        "point: ``summary.csv`` (both in this experiment's results directory)."
    )
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# sweep figures: one file per group, one panel per metric family
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    series: tuple[tuple[str, str], ...]  # (metric column, legend label)
    ylim: tuple[float, float] | None = None


FIGURES: dict[str, tuple[Panel, ...]] = {
    "activity": (
        Panel("Mean firing rate", "spikes/s", (("rate_E", "E"), ("rate_I", "I"))),
        Panel("CV of inter-spike intervals", "-", (("cv_isi_E", "E"), ("cv_isi_I", "I"))),
        Panel("Fano factor of spike counts", "-", (("fano_E", "E"), ("fano_I", "I"))),
    ),
    "synchrony": (
        Panel("Local synchrony (mean pairwise corr.)", "-", (("sync_local_E", "E"), ("sync_local_I", "I"), ("sync_local_all", "E+I"))),
        Panel("Global synchrony (Golomb's χ²)", "-", (("sync_global_E", "E"), ("sync_global_I", "I"), ("sync_global_all", "E+I"))),
        Panel("S.d. of the pairwise correlations", "-", (("sync_local_sd_E", "E"), ("sync_local_sd_I", "I"), ("sync_local_sd_all", "E+I"))),
        Panel("Neurons in the synchrony sample", "count", (("sync_n_E", "E"), ("sync_n_I", "I"), ("sync_n_all", "E+I"))),
    ),
    "astrocytes": (
        Panel("Ca_astro", "µM", (("ca_mean", "mean"), ("ca_sd", "s.d. across astrocytes"), ("ca_peak", "peak"))),
        Panel("IP3", "µM", (("ip3_mean", "mean"), ("ip3_sd", "s.d. across astrocytes"), ("ip3_peak", "peak"))),
        Panel("Astrocytes whose Ca crosses the threshold", "fraction", (("ca_fraction_above", "fraction"),), (-0.05, 1.05)),
        Panel("First Ca threshold crossing", "ms", (("ca_first_crossing_ms", "earliest"), ("ca_first_crossing_median_ms", "median"))),
        Panel("Slow inward current I_SIC", "pA", (("sic_mean", "mean"), ("sic_sd", "s.d. across neurons"), ("sic_peak", "peak"))),
    ),
}
