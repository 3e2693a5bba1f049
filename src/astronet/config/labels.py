"""Text about parameters and experiments: units, axis labels, values as written, report captions."""

from __future__ import annotations

import re

from astronet.config.analysis_settings import analysis_window
from astronet.config.run_quantities import n_spike_recorded, population_sizes
from astronet.config.schema import load_schema


def param_unit(name: str, schema: dict | None = None) -> str:
    """The unit a parameter's schema description ends with, in brackets, e.g. 'ms'.

    Parameters
    ----------
    name : str
        A parameter of ``params``; a dotted name (``neuron_params.X``) has no unit here.
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).

    Returns
    -------
    str
        The text in the last parentheses of the description, e.g. ``ms`` or ``spikes/s``; ``''`` if
        there are none, or for an unknown or dotted name.
    """
    schema = schema or load_schema()
    spec = schema["properties"]["params"]["properties"].get(name.split(".")[0], {})
    if "." in name:
        return ""
    m = re.search(r"\(([^()]*)\)\s*$", " ".join(spec.get("description", "").split()))
    return m.group(1) if m else ""


def param_label(name: str, schema: dict | None = None) -> str:
    """An axis label for a parameter: its name and unit, e.g. ``w_e (nS)``.

    Parameters
    ----------
    name : str
        A parameter of ``params``.
    schema : dict, optional
        The configuration schema; by default the package's (:func:`astronet.config.schema.load_schema`).

    Returns
    -------
    str
        ``NAME (UNIT)``, or only the name if it has no unit (:func:`param_unit`).
    """
    unit = param_unit(name, schema)
    return f"{name} ({unit})" if unit else name


def format_value(value) -> str:
    """A value as written in run names, captions and tables: floats in %g form.

    Parameters
    ----------
    value : object
        A parameter value.

    Returns
    -------
    str
        ``f"{value:g}"`` for a float, else ``str(value)``.
    """
    return f"{value:g}" if isinstance(value, float) else str(value)


def experiment_caption(name: str, experiment: dict, runs: list, settings: dict) -> str:
    """reStructuredText paragraph on an experiment: what varies, what is fixed, n, window, network.

    Parameters
    ----------
    name : str
        The experiment's name.
    experiment : dict
        Its configuration (``description``, ``grid``, ``params``, ``seeds``).
    runs : list of astronet.config.experiment_grid.Run
        Its runs; the first one's parameters describe the network.
    settings : dict
        Its analysis settings (:func:`astronet.config.analysis_settings.analysis_settings`):
        ``t_start`` and ``bin_ms``, ``fano_bin_ms`` (ms), ``sync_sample_size``, ``sync_seed``,
        ``ca_threshold`` (µM).

    Returns
    -------
    str
        One paragraph: the swept and the fixed parameters with their units, the network's size, model
        time (ms) and recording, the seeds, the analysis window (ms) and settings.
    """
    schema = load_schema()
    grid = experiment.get("grid", {})
    seeds = experiment.get("seeds") or sorted({r.params["rng_seed"] for r in runs})
    p = runs[0].params
    window = analysis_window(settings, p)
    sizes = population_sizes(p)
    description = experiment.get("description", "").strip().rstrip(".")
    parts = [f"Experiment ``{name}``: {description}."]
    if grid:
        swept = "; ".join(
            f"``{k}`` [{param_unit(k, schema) or '-'}] = {', '.join(format_value(v) for v in vals)}"
            for k, vals in grid.items()
        )
        parts.append(f"Swept: {swept} ({len(runs) // len(seeds)} grid points).")
    else:
        parts.append("No swept parameter: one point.")
    overrides = experiment.get("params", {})
    if overrides:
        fixed = []
        for k, v in overrides.items():
            v = v if isinstance(v, dict) or k in grid else p.get(k, v)  # as run (n_vp: paper_n_vp)
            unit = param_unit(k, schema) if not isinstance(v, dict) else ""
            fixed.append(f"``{k}`` = {format_value(v)}" + (f" [{unit}]" if unit else ""))
        parts.append("Set for this experiment: " + ", ".join(fixed) + ".")
    shown = {
        "pool_size": f"pool_size {p['pool_size']}",
        "pool_type": f"pool_type {p['pool_type']}",
        "primary_rule": f"primary_rule {p['primary_rule']}",
        "p_primary": f"p_primary {p['p_primary']:g}",
        "w_a2n": f"w_a2n {p['w_a2n']:g}",
        "poisson_rate": f"Poisson drive {p['poisson_rate']:g} spikes/s",
    }
    n_spk = n_spike_recorded(p)
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
