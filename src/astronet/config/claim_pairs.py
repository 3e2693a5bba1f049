"""Claims: networks and their controls, paired seed by seed, from ``config["claims"]``.

A claim names pairs of experiments: a network with the astrocytes (``tripartite: true``, their own
Ca-dependent SIC) and its control, the same network but for the one parameter the claim compares
(``compared``): its No-Tripartite control (``tripartite: false``) or its Surrogate control (a
constant ``surrogate_sic``). Their runs are paired by ``rng_seed``, so that each difference compares
two networks built from the same random numbers but for that parameter
(:mod:`astronet.analysis.claim_tables` computes the statistics). Snakemake reads this while it
parses the workflow, at every start: standard library only.
"""

from __future__ import annotations

from typing import NamedTuple

from astronet.config.schema import ConfigError, did_you_mean, load_schema


class Comparison(NamedTuple):
    """What a claim that compares one parameter asks of its arms, and how they are labelled."""

    network: str  # what the network has, as config text
    control: str  # what its control has
    labels: tuple[str, str]  # the arms' labels in tables and figures: network, control


#: The parameters a claim may compare.
COMPARED = {
    "tripartite": Comparison("tripartite: true", "tripartite: false", ("tripartite", "No-Tripartite")),
    "surrogate_sic": Comparison("surrogate_sic: null", "a surrogate_sic", ("Ca-dependent SIC", "Surrogate")),
}
#: Parameters in which they may differ too, since they change what is recorded, not the network.
RECORDING_ONLY = ("record_presim",)


def claim_specs(
    config: dict, runs: dict[str, list], reserved=(), required=None, problems: dict | None = None
) -> dict[str, dict]:
    """Each claim of ``config["claims"]`` with the schema's defaults filled in and each pair's runs.

    Each pair gets ``"runs": [(rng_seed, network Run, control Run), ...]`` in seed order (only the
    pair's ``seeds``, or else the claim's, if it lists them).

    Parameters
    ----------
    config : dict
        The workflow's configuration (``claims``).
    runs : dict of str to list
        Experiment name -> its runs (astronet.config.experiment_grid.Run), for the experiments that
        are configured and valid.
    reserved : collection of str
        Other names a claim may not take (rules, comparisons).
    required : collection of str, optional
        The claims that must be valid (None: all); another one that is not is left out and its
        ConfigError put into ``problems``, as for experiments that are not being built.
    problems : dict, optional
        Receives claim name -> ConfigError for the claims left out; without it every invalid claim
        raises.

    Returns
    -------
    dict of str to dict
        Claim name -> its settings, defaults filled in, ``pairs`` with their ``runs``.

    Raises
    ------
    astronet.config.schema.ConfigError
        For a required claim with an experiment that is not configured (or not valid), one with
        several runs per seed, a control that differs from its network in more than the compared
        parameter (and what it records), seeds that do not pair up, or a name that is already an experiment's
        or in ``reserved``.
    """
    spec = load_schema()["properties"]["claims"]["additionalProperties"]["properties"]
    defaults = {k: s["default"] for k, s in spec.items() if "default" in s}
    out = {}
    for name, claim in config.get("claims", {}).items():
        try:
            if name in runs or name in reserved:
                raise ConfigError(
                    f"invalid claim name 'claims.{name}' (already the name of an experiment, a comparison or a rule)"
                )
            settings = {**defaults, **claim}
            pairs = [
                {
                    **pair,
                    "runs": _paired_runs(
                        f"claims.{name}.pairs[{i}]",
                        pair,
                        runs,
                        pair.get("seeds", settings.get("seeds")),
                        settings["compared"],
                    ),
                }
                for i, pair in enumerate(claim["pairs"])
            ]
            out[name] = {**settings, "pairs": pairs}
        except ConfigError as err:
            if required is None or name in required or problems is None:
                raise
            problems[name] = err
    return out


def _runs_by_seed(where: str, role: str, experiment: str, runs: dict, seeds) -> dict:
    if experiment not in runs:
        raise ConfigError(
            f"invalid value for '{where}.{role}': {experiment!r} (not a configured experiment, or one that is "
            f"refused: see the warnings above).{did_you_mean(experiment, runs)}"
        )
    by_seed = {}
    for run in runs[experiment]:
        seed = run.params["rng_seed"]
        if seeds is not None and seed not in seeds:
            continue
        if seed in by_seed:
            raise ConfigError(
                f"invalid value for '{where}.{role}': {experiment!r} has several runs with rng_seed {seed} (a grid): "
                "a claim pairs one run per seed; compare experiments without a grid"
            )
        by_seed[seed] = run
    return by_seed


def _arms_as_compared(compared: str, network: dict, control: dict) -> bool:
    """Whether a network's and its control's parameters have the values the compared parameter asks."""
    if compared == "tripartite":
        return network["tripartite"] is True and control["tripartite"] is False
    return network.get(compared) is None and control.get(compared) is not None


def _model(params: dict, compared: str) -> dict:
    return {k: v for k, v in params.items() if k != compared and k not in RECORDING_ONLY}


def _paired_runs(where: str, pair: dict, runs: dict, seeds, compared: str) -> list:
    network = _runs_by_seed(where, "network", pair["network"], runs, seeds)
    control = _runs_by_seed(where, "control", pair["control"], runs, seeds)
    if not network:
        raise ConfigError(f"invalid value for '{where}': {pair['network']!r} has no run with the claim's seeds {seeds}")
    if set(network) != set(control):
        raise ConfigError(
            f"invalid value for '{where}': {pair['network']!r} has rng_seed {sorted(network)} and "
            f"{pair['control']!r} has {sorted(control)}: every seed of the network needs its control's"
        )
    wants = COMPARED[compared]
    out = []
    for seed in sorted(network):
        net, ctl = network[seed], control[seed]
        if not _arms_as_compared(compared, net.params, ctl.params):
            raise ConfigError(
                f"invalid value for '{where}': the network ({pair['network']!r}) needs {wants.network} and its "
                f"control ({pair['control']!r}) {wants.control} (the claim compares {compared}); they have "
                f"{compared} {net.params.get(compared)!r} and {ctl.params.get(compared)!r}"
            )
        a, b = _model(net.params, compared), _model(ctl.params, compared)
        differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if differ:
            shown = ", ".join(f"{k} ({a.get(k)!r} vs {b.get(k)!r})" for k in differ)
            raise ConfigError(
                f"invalid value for '{where}': {pair['network']!r} and {pair['control']!r} differ in {shown} besides "
                f"{compared}: a {wants.labels[1]} control must be the same network but {wants.control}"
            )
        out.append((seed, net, ctl))
    return out
