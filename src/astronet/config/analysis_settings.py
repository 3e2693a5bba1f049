"""An experiment's analysis settings: the top-level ``analysis`` with its overrides, checked against each run.

Snakemake reads these while it parses the workflow, at every start: no NumPy, no pandas here.
"""

from __future__ import annotations

from astronet.config.nest_limits import seconds_hint
from astronet.config.run_quantities import recording_window
from astronet.config.schema import ConfigError, load_schema


def analysis_settings(config: dict, experiment: str) -> dict:
    """The complete analysis settings of an experiment: top-level ``analysis``, then its overrides.

    Parameters
    ----------
    config : dict
        The workflow's configuration (``analysis``, ``experiments``).
    experiment : str
        The experiment's name.

    Returns
    -------
    dict
        Every setting of the schema's ``analysis`` section, its default overridden by the top-level
        ``analysis``, then by the experiment's: ``t_start``, ``bin_ms``, ``fano_bin_ms`` (ms),
        ``ca_threshold`` (µM), ``sync_sample_size``, ``sync_seed``, ``cv_min_spikes``.
    """
    schema = load_schema()["properties"]["analysis"]["properties"]
    base = {name: spec["default"] for name, spec in schema.items()}
    return {**base, **config.get("analysis", {}), **config["experiments"][experiment].get("analysis", {})}


def analysis_window(settings: dict, params: dict) -> tuple[float, float]:
    """A run's analysis window ``[t_start, t_presim + sim_time)`` in NEST's times (ms).

    Parameters
    ----------
    settings : dict
        The analysis settings (:func:`analysis_settings`); ``t_start`` (ms) is used, None meaning the
        end of the presimulation.
    params : dict
        The run's complete parameter set (``t_presim``, ``sim_time``, ms).

    Returns
    -------
    tuple of float
        ``(t_start, t_presim + sim_time)`` in ms.
    """
    t_end = recording_window(params)[1]
    t_start = settings.get("t_start")
    return float(params["t_presim"] if t_start is None else t_start), t_end


def jitter_block_bins(bin_ms: float, jitter_ms: float) -> int:
    """Bins of ``bin_ms`` in a block of ``jitter_ms``, the block of the fast synchrony measures
    (astronet.analysis.metrics.jitter_residuals).

    Parameters
    ----------
    bin_ms : float
        Bin width of the spike-count histograms [ms].
    jitter_ms : float
        Length of a block [ms]: a whole number of bins, at least two.

    Returns
    -------
    int
        The number of bins per block.

    Raises
    ------
    ValueError
        If ``jitter_ms`` is not a whole number (at least 2) of ``bin_ms``.
    """
    blocks = round(jitter_ms / bin_ms)
    if blocks < 2 or abs(blocks * bin_ms - jitter_ms) > 1e-9 * jitter_ms:
        raise ValueError(f"it must be a whole number, at least 2, of synchrony bins: bin_ms = {bin_ms:g} ms")
    return blocks


def check_analysis(settings: dict, params: dict, where: str) -> None:
    """Check a run's analysis window and bins against its recording and time step.

    The analysis window lies within the recording and holds at least one synchrony bin; neither a
    synchrony bin nor a Fano factor counting window is narrower than NEST's time step dt, on whose
    grid spikes lie. A Fano window longer than the analysis window is valid (the factor is then
    undefined).

    Parameters
    ----------
    settings : dict
        The analysis settings (:func:`analysis_settings`): ``t_start``, ``bin_ms`` and
        ``fano_bin_ms`` (ms).
    params : dict
        The run's complete parameter set (``t_presim``, ``sim_time``, ``dt``, ms; ``record_presim``).
    where : str
        The key path that messages name (``analysis`` or ``experiments.<name>.analysis``).

    Raises
    ------
    astronet.config.schema.ConfigError
        If the window starts before the recording, is shorter than ``bin_ms``, or ``bin_ms`` or
        ``fano_bin_ms`` is below ``dt``.
    """
    t0, t1 = analysis_window(settings, params)
    t_presim, dt = params["t_presim"], params["dt"]
    if t0 < recording_window(params)[0]:
        raise ConfigError(
            f"invalid value for '{where}.t_start': {t0!r} (before the end of the presimulation, t_presim = "
            f"{t_presim:g} ms: nothing is recorded there unless record_presim is true; leave t_start out to "
            "start at t_presim)"
        )
    if t1 - t0 < settings["bin_ms"]:
        raise ConfigError(
            f"invalid value for '{where}.t_start': {t0!r} (the analysis window [t_start, t_presim + sim_time) = "
            f"[{t0:g}, {t1:g}) ms must be at least bin_ms = {settings['bin_ms']:g} ms long{seconds_hint(params)})"
        )
    # A Fano window longer than the analysis window is valid (the factor is then undefined, and the
    # experiment's summary warns, astronet.analysis.advice.no_fano): the default 100 ms meets runs shorter than it.
    for key, what in (("bin_ms", "synchrony bin"), ("fano_bin_ms", "Fano factor counting window")):
        value = settings.get(key)
        if value is not None and value < dt:
            raise ConfigError(
                f"invalid value for '{where}.{key}': {value!r} (a {what} must be at least NEST's time step "
                f"dt = {dt:g} ms: spike times lie on its grid)"
            )
    try:
        if settings.get("jitter_ms") is not None:
            jitter_block_bins(settings["bin_ms"], settings["jitter_ms"])
    except ValueError as err:
        raise ConfigError(
            f"invalid value for '{where}.jitter_ms': {settings['jitter_ms']!r} (the block of the fast synchrony "
            f"measures: {err})"
        ) from None


def experiment_analysis(config: dict, experiment: str, runs: list) -> dict:
    """An experiment's analysis settings, checked against each of its runs.

    Parameters
    ----------
    config : dict
        The workflow's configuration (``analysis``, ``experiments``).
    experiment : str
        The experiment's name.
    runs : list of astronet.config.experiment_grid.Run
        The experiment's runs.

    Returns
    -------
    dict
        The complete analysis settings (:func:`analysis_settings`); times in ms, ``ca_threshold`` in µM.

    Raises
    ------
    astronet.config.schema.ConfigError
        If they do not fit a run (:func:`check_analysis`); the message names the experiment's
        ``analysis`` if it overrides ``t_start``, ``bin_ms`` or ``fano_bin_ms``, else the top-level one.
    """
    settings = analysis_settings(config, experiment)
    overrides = config["experiments"][experiment].get("analysis", {})
    overridden = {"t_start", "bin_ms", "fano_bin_ms", "jitter_ms"} & set(overrides)
    where = f"experiments.{experiment}.analysis" if overridden else "analysis"
    for run in runs:
        check_analysis(settings, run.params, where)
    return settings


def check_figure_window(config: dict, experiment: str, runs: list, settings: dict) -> None:
    """Check that ``figures.t_start``, if set, lies within each run's recording, a rate bin before its end.

    Parameters
    ----------
    config : dict
        The workflow's configuration; its ``figures`` (``t_start``, ``rate_bin_ms``, ms) is checked.
    experiment : str
        The experiment's name (not used in the check).
    runs : list of astronet.config.experiment_grid.Run
        The experiment's runs.
    settings : dict
        The experiment's analysis settings (not used in the check).

    Raises
    ------
    astronet.config.schema.ConfigError
        If ``t_start`` lies outside a run's recording or less than ``rate_bin_ms`` before its end.
    """
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
