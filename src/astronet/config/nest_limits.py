"""NEST 3.10's limits and cross-parameter rules, checked before NEST ever sees a run.

Each rule that NEST would enforce only after minutes of building (or not at all, building something
else) is checked here on the parameters alone, with a message that names key, value and rule.
"""

from __future__ import annotations

import math

from astronet.config.run_quantities import (
    frozen_astrocyte,
    is_multiple,
    nodes_per_vp,
    population_sizes,
    recording_window,
    samples_per_node,
)
from astronet.config.schema import ConfigError

# NEST's time base: with its default tics_per_ms = 1000, the resolution must be a multiple of 1 µs.
NEST_TIC_MS = 0.001
# NEST's *_hpc synapses store the thread-local index of the target in 16 bits (measured limit: 65535
# nodes on a thread, the Poisson generator included).
HPC_MAX_NODES_PER_VP = 65535
# NEST keeps a neuron's connections to a recorder in a connector of its own, pre-allocated for 1024
# connections: 32 KiB per neuron with static_synapse (32 bytes each), 8 KiB with
# static_synapse_hom_w_hpc (8 bytes; a recorder needs no weight and no target pointer). Recording the
# spikes of all 10 000 neurons thus takes ~80 MiB instead of ~320 MiB; the recorded spikes are the same.
# Beyond the HPC node limit (devices count as nodes on every thread), static_synapse_hom_w (24 KiB per neuron).
SPIKE_RECORDER_SYNAPSES = ("static_synapse_hom_w_hpc", "static_synapse_hom_w")


def spike_recorder_synapse(nodes_per_vp: int) -> str:
    """Synapse model for neuron -> spike recorder connections.

    Parameters
    ----------
    nodes_per_vp : int
        Nodes per thread (:func:`astronet.config.run_quantities.nodes_per_vp`).

    Returns
    -------
    str
        ``static_synapse_hom_w_hpc`` below the HPC synapses' node limit, else ``static_synapse_hom_w``.
    """
    return SPIKE_RECORDER_SYNAPSES[0] if nodes_per_vp < HPC_MAX_NODES_PER_VP - 1 else SPIKE_RECORDER_SYNAPSES[1]


# NEST 3.10 defaults of the aeif_cond_alpha_astro parameters that its cross-parameter checks use.
AEIF_DEFAULTS = {"V_reset": -60.0, "V_peak": 0.0, "V_th": -50.4, "Delta_T": 2.0}
# aeif models refuse (V_peak - V_th) / Delta_T >= log(DBL_MAX / 1e20): exp() would overflow.
AEIF_MAX_EXP_ARG = math.log(1.7976931348623157e308 / 1e20)


# astrocyte_lr_1994 parameters that the surrogate astrocyte (params.surrogate_sic) sets.
SURROGATE_SETS = tuple(frozen_astrocyte(1.0, 0.0, 1.0))


# A sim_time below this is taken for seconds written as ms (0.5 meant as 0.5 s): shorter than one
# 10 ms synchrony bin, and thousands of times shorter than the astrocytes' dynamics.
IMPLAUSIBLE_SIM_TIME_MS = 10.0


def seconds_hint(p: dict) -> str:
    """A reminder that sim_time is in ms, for messages about a run whose sim_time is implausibly short.

    Parameters
    ----------
    p : dict
        The run's parameters; ``sim_time`` (ms) is used.

    Returns
    -------
    str
        The reminder if sim_time is below ``IMPLAUSIBLE_SIM_TIME_MS`` (10 ms), else ''.
    """
    sim_time = p["sim_time"]
    if sim_time >= IMPLAUSIBLE_SIM_TIME_MS:
        return ""
    return f"; sim_time is in ms: {sim_time:g} ms of model time; for {sim_time:g} s write sim_time: {sim_time * 1000:g}"


def check_cross_field(p: dict, where: str = "params") -> None:
    """Rules that involve more than one key; each message names key, value and rule.

    Parameters
    ----------
    p : dict
        A complete parameter set, each value already checked on its own against the schema.
    where : str
        The key path that messages name (``params``, ``experiments.<name>.params``).

    Raises
    ------
    astronet.config.schema.ConfigError
        At the first rule broken (times and delays not on NEST's grid of ``dt`` ms, an MPI split, the
        network's size at this scale, astrocyte pools, the HPC synapses' node limit, recording, the
        neuron model's own rules).
    """

    def fail(key: str, rule: str) -> None:
        hint = seconds_hint(p) if key == "sim_time" else ""
        raise ConfigError(f"invalid value for '{where}.{key}': {p[key]!r} ({rule}{hint})")

    dt = p["dt"]
    if not is_multiple(dt, NEST_TIC_MS):
        fail("dt", f"NEST's resolution must be a multiple of its tic, {NEST_TIC_MS} ms")
    for key in ("d_e", "d_i", "d_a2n"):
        if p[key] < dt:
            fail(key, f"a delay must be >= dt = {dt} ms")
    for key in ("sim_time", "t_presim", "d_e", "d_i", "d_a2n", "rec_interval", "chunk_ms"):
        if (key == "chunk_ms" and p[key] == "auto") or (key == "t_presim" and p[key] == 0):
            continue
        if not is_multiple(p[key], dt):
            fail(key, f"must be a multiple of dt = {dt} ms")
    frozen = sorted(set(p["astrocyte_params"]) & set(SURROGATE_SETS))
    if p.get("surrogate_sic") is not None and frozen:
        fail(
            "surrogate_sic",
            f"the surrogate astrocyte sets {', '.join(SURROGATE_SETS)} itself; leave astrocyte_params.{frozen[0]} out",
        )
    if not p["tripartite"] and p.get("surrogate_sic") is not None:
        fail("surrogate_sic", "a surrogate astrocyte acts through astrocyte->neuron connections: tripartite: true")
    if p["n_vp"] % p["mpi_ranks"]:
        fail(
            "n_vp", f"virtual processes = mpi_ranks x threads: n_vp must be a multiple of mpi_ranks = {p['mpi_ranks']}"
        )
    threads = p["n_vp"] // p["mpi_ranks"]
    if p["mpi_ranks"] > 1 and threads > 1 and not p["allow_hybrid_split"]:
        # NEST delivers the spikes of a time step in the order (sending rank, sending thread): virtual
        # process order only when ranks or threads are 1 (EventDeliveryManager::deliver_events_).
        fail(
            "mpi_ranks",
            f"{p['mpi_ranks']} ranks x {threads} threads: with more than one rank and more than one thread per "
            "rank, NEST adds up the synaptic input of each time step in another order than with mpi_ranks = 1 or "
            f"mpi_ranks = n_vp, so the results would differ in the last bits from the other splits of n_vp = "
            f"{p['n_vp']} (and can diverge later); use mpi_ranks: 1 or mpi_ranks: {p['n_vp']}, which give "
            "identical results, or set allow_hybrid_split: true to accept this",
        )
    sizes = population_sizes(p)
    for key, pop in (("N_ex", "E"), ("N_in", "I"), ("N_astro", "astrocytes")):
        if sizes[pop] < 1:
            fail(key, f"{key} x scale = {p[key] * p['scale']:g} leaves no {pop} node")
    p_scaled = p["p_primary"] / p["scale"]
    if p_scaled > 1:
        fail(
            "p_primary",
            f"p_primary / scale = {p_scaled:g} exceeds 1; in-degrees cannot be preserved at scale {p['scale']}: "
            f"use scale >= {p['p_primary']:g} or lower p_primary",
        )
    n_targets = sizes["E"] + sizes["I"]
    n_astro = sizes["astrocytes"]
    if p["pool_size"] > n_astro:
        fail("pool_size", f"must be <= the number of astrocytes, N_astro x scale = {n_astro}")
    if p["pool_type"] == "block":
        fits = n_targets * p["pool_size"] == n_astro or (p["pool_size"] == 1 and n_targets % n_astro == 0)
        if not fits:
            fail(
                "pool_size",
                "block pools need (N_ex + N_in) x pool_size == N_astro, or pool_size == 1 with N_ex + N_in a "
                f"multiple of N_astro; here {n_targets} neurons and {n_astro} astrocytes (after scale)",
            )
        if p["mpi_ranks"] > 1:
            # ThirdBernoulliWithPoolBuilder (nestkernel/conn_builder.cpp) numbers the targets by their index
            # among the targets of the rank, not of the whole population (tests/test_mpi.py shows it).
            fail(
                "pool_type",
                f"with mpi_ranks = {p['mpi_ranks']}, block pools differ between MPI splits: NEST 3.10 gives each "
                "target the block of astrocytes of its index among the targets on its own MPI rank, not in the "
                "whole population; use mpi_ranks: 1 (any number of threads builds the correct block pools) or "
                "pool_type: random",
            )
    if p["synapse_model"].endswith("_hpc"):
        # Node ids on each thread are 16 bit; the Poisson generator has one instance per thread.
        # Only the Poisson generator exists while these synapses are made; the recorders come later.
        per_vp = nodes_per_vp(p, n_devices=1)
        if per_vp > HPC_MAX_NODES_PER_VP:
            fail(
                "synapse_model",
                f"NEST's HPC synapses address at most {HPC_MAX_NODES_PER_VP} nodes per virtual process; here "
                f"{per_vp} (all nodes after scale / n_vp, + 1 generator): use n_vp >= "
                f"{math.ceil(sum(sizes.values()) / (HPC_MAX_NODES_PER_VP - 1))} or synapse_model: tsodyks_synapse",
            )
    if p["N_rec_mm"] != 0 and samples_per_node(p) < 1:
        t_begin, t_end = recording_window(p)
        if seconds_hint(p):
            fail(
                "sim_time",
                f"records no sample of IP3, Ca_astro or I_SIC: NEST samples them every rec_interval = "
                f"{p['rec_interval']:g} ms",
            )
        fail(
            "rec_interval",
            f"NEST samples at the multiples of rec_interval inside the recording window ({t_begin:g}, {t_end:g}) ms, "
            "and there is none: no IP3, Ca_astro or I_SIC would be recorded; "
            "use a shorter rec_interval, a longer sim_time, or N_rec_mm: 0",
        )
    _check_neuron_params(p, where)
    n_neurons = n_targets
    for key, limit, what in (
        ("N_rec_spk", n_neurons, "neurons"),
        ("N_rec_mm", min(n_neurons, n_astro), "neurons or astrocytes"),
    ):
        if p[key] != "all" and p[key] > limit:
            fail(key, f"cannot sample more than the {limit} {what} of the network; use 'all' to record every node")


def _check_neuron_params(p: dict, where: str) -> None:
    """aeif_cond_alpha_astro's own cross-parameter rules, so NEST never has to refuse them."""
    v = {**AEIF_DEFAULTS, **{k: p["neuron_params"][k] for k in AEIF_DEFAULTS if k in p["neuron_params"]}}

    def fail(key: str, rule: str) -> None:
        value = p["neuron_params"].get(key, f"{v[key]} (NEST default)")
        raise ConfigError(f"invalid value for '{where}.neuron_params.{key}': {value!r} ({rule})")

    if v["V_reset"] >= v["V_peak"]:
        fail("V_reset", f"NEST requires V_reset < V_peak = {v['V_peak']} mV")
    if v["V_peak"] < v["V_th"]:
        fail("V_peak", f"NEST requires V_peak >= V_th = {v['V_th']} mV")
    if v["Delta_T"] > 0 and (v["V_peak"] - v["V_th"]) / v["Delta_T"] >= AEIF_MAX_EXP_ARG:
        fail("V_peak", f"(V_peak - V_th) / Delta_T must be < {AEIF_MAX_EXP_ARG:.1f}, else NEST's exponential overflows")
