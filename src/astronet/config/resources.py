"""Expected network size, peak memory and run time of a run, from its parameters alone.

Used to size Slurm requests (``mem_mb``, ``runtime``) and to refuse, before anything starts, a run
that cannot fit in memory. The per-item costs are measured on NEST 3.10 (see
``benchmarks/memory_model.py``, which re-fits and checks them).
"""

from __future__ import annotations

import math

from astronet.config.models import A2N_MODEL, DRIVE_SYNAPSE
from astronet.config.nest_limits import SPIKE_RECORDER_SYNAPSES, spike_recorder_synapse
from astronet.config.recording_chunks import CONNECTIONS_PER_FETCH, chunk_ms
from astronet.config.run_quantities import (
    n_sampled_nodes,
    n_spike_recorded,
    nodes_per_vp,
    population_sizes,
    total_sim_time,
)
from astronet.config.schema import ConfigError

# Measured costs on NEST 3.10 (x86_64, GCC 12), see benchmarks/memory_model.py.
MEMORY_COST = {
    "base_mib": 114.6,  # Python, NumPy, PyArrow and an empty NEST kernel, per rank
    "per_thread_mib": 1.15,  # per-thread kernel buffers
    "per_node_bytes": 6138.0,  # neuron or astrocyte with its share of the connection infrastructure
    "per_connection_bytes": {
        "tsodyks_synapse": 100.4,
        "tsodyks_synapse_hpc": 84.4,
        A2N_MODEL: 60.9,
        DRIVE_SYNAPSE: 64.0,
    },
    "per_spike_recorded_neuron_bytes": 7233.3,  # its connector to the spike recorder (1024 x 8 bytes)
    "per_sample_bytes": 108.2,  # one recorded row held in memory until the chunk is flushed
    # params.record_connections: one connection of a batch fetched from NEST (its status dict and
    # table row); measured +85 MiB for batches of 20 000 at 181 k and +79 MiB at 1.6 M connections
    # (benchmarks/connection_memory.py), against +636 MiB for 182 k fetched at once.
    "per_fetched_connection_bytes": 4456.0,
}
# Fitted by benchmarks/memory_model.py on this machine (NEST 3.10 wheel, scales 0.5-2 and variations
# at scale 1); it predicts the measured peak at scales 5 and 10 within 0.1 %. Slurm jobs ask for
# resources.mem_margin (default 1.10) times the estimate: other builds and allocators differ a
# little, and a job killed for memory is worse than a slightly larger request.
# Below scale 0.5 the fitted base per rank is too small: the interpreter, NumPy, PyArrow and NEST
# alone take ~150-240 MiB in a Slurm job (measured peaks 159 and 239 MiB for estimates of 131 and
# 212 MiB), so no request is based on less than MIN_REQUEST_MIB per rank.
MIN_REQUEST_MIB = 384
# Work estimate for Slurm's runtime request, in core-seconds, from the reference network on 2 cores
# (connect ~14 core-s for 18 M connections; simulate ~176 core-s for 10 000 neurons x 1 s with their
# astrocytes), then tripled: a job killed for time is worse than a wait.
RUNTIME_COST = {"per_connection_s": 1e-6, "per_neuron_second_s": 0.02, "minimum_min": 10}


def expected_connections(p: dict) -> dict[str, float]:
    """Expected number of connections of each type (the fixed rules draw the same means).

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    dict of str to float
        ``poisson``, ``E_to_neurons``, ``E_to_astrocytes``, ``astrocytes_to_neurons`` and
        ``I_to_neurons`` -> expected count.
    """
    sizes = population_sizes(p)
    n_neurons = sizes["E"] + sizes["I"]
    prob = p["p_primary"] / p["scale"]
    e_to_neurons = prob * sizes["E"] * n_neurons
    a2n = p["p_third_if_primary"] * e_to_neurons
    return {
        "poisson": float(n_neurons),
        "E_to_neurons": e_to_neurons,
        "E_to_astrocytes": a2n,
        "astrocytes_to_neurons": a2n,
        "I_to_neurons": prob * sizes["I"] * n_neurons,
    }


def recorded_rows_per_chunk(p: dict) -> float:
    """Multimeter samples held in NEST's memory until the recordings are flushed.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    float
        Samples (rows) of one chunk of ``chunk_ms`` ms (:func:`astronet.config.recording_chunks.chunk_ms`).
    """
    return n_sampled_nodes(p) * chunk_ms(p) / p["rec_interval"]


SYNAPSE_MODELS = ("tsodyks_synapse", "tsodyks_synapse_hpc", A2N_MODEL, DRIVE_SYNAPSE)
# NEST pre-allocates 1024 connections per neuron connected to the spike recorder; with
# static_synapse_hom_w_hpc (8 bytes) or, beyond the HPC synapses' node limit, static_synapse_hom_w
# (24 bytes, 3 times as much): astronet.config.nest_limits.spike_recorder_synapse.


def memory_features(p: dict) -> dict[str, float]:
    """What the peak memory of a run is linear in (summed over ranks): see ``MEMORY_COST``.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    dict of str to float
        ``rank`` and ``thread`` (counts), ``node``, ``conn_<synapse model>`` (expected connections of
        each model), ``spike_recorded_neuron`` (weighted by the size of its recorder connection: 1, or
        3 beyond the HPC synapses' node limit), ``sample_in_chunk`` (:func:`recorded_rows_per_chunk`)
        and ``fetched_connection`` (:func:`fetched_connections`).
    """
    conns = expected_connections(p)
    sizes = population_sizes(p)
    nodes = sum(sizes.values())
    by_model = dict.fromkeys(SYNAPSE_MODELS, 0.0)
    by_model[p["synapse_model"]] += conns["E_to_neurons"] + conns["E_to_astrocytes"] + conns["I_to_neurons"]
    by_model[A2N_MODEL] += conns["astrocytes_to_neurons"]
    by_model[DRIVE_SYNAPSE] += conns["poisson"]
    n_spk = n_spike_recorded(p)
    recorder_factor = 1.0 if spike_recorder_synapse(nodes_per_vp(p)) == SPIKE_RECORDER_SYNAPSES[0] else 3.0
    return {
        "rank": float(p["mpi_ranks"]),
        "thread": float(p["n_vp"]),
        "node": float(nodes),
        **{f"conn_{model}": n for model, n in by_model.items()},
        "spike_recorded_neuron": n_spk * recorder_factor,
        "sample_in_chunk": recorded_rows_per_chunk(p),
        "fetched_connection": fetched_connections(p),
    }


def fetched_connections(p: dict) -> float:
    """Connections all ranks hold at once while they write them (params.record_connections).

    One batch each (astronet.config.recording_chunks.CONNECTIONS_PER_FETCH), or the whole network if smaller.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    float
        Number of connections; 0 without ``record_connections``.
    """
    if not p["record_connections"]:
        return 0.0
    return p["mpi_ranks"] * min(float(CONNECTIONS_PER_FETCH), sum(expected_connections(p).values()))


def estimate_memory_mib(p: dict, costs: dict | None = None) -> int:
    """Peak resident memory of the whole run, summed over ranks (MiB).

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
    costs : dict, optional
        Per-item costs with the keys of ``MEMORY_COST`` (base and per thread in MiB, the others in
        bytes); ``MEMORY_COST`` by default.

    Returns
    -------
    int
        The estimate in MiB, rounded up.
    """
    c = costs or MEMORY_COST
    f = memory_features(p)
    per_conn = c["per_connection_bytes"]
    variable = (
        sum(f[f"conn_{model}"] * per_conn[model] for model in SYNAPSE_MODELS)
        + f["node"] * c["per_node_bytes"]
        + f["spike_recorded_neuron"] * c["per_spike_recorded_neuron_bytes"]
        + f["sample_in_chunk"] * c["per_sample_bytes"]
        + f["fetched_connection"] * c.get("per_fetched_connection_bytes", 0.0)
    )
    fixed = f["rank"] * c["base_mib"] + f["thread"] * c["per_thread_mib"]
    return math.ceil(fixed + variable / 2**20)


def simulate_core_s_per_ms(p: dict) -> float:
    """Expected work of simulating 1 ms of model time (core-seconds), from ``RUNTIME_COST``.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    float
        Core-seconds per ms of model time.
    """
    sizes = population_sizes(p)
    return (sizes["E"] + sizes["I"]) / 1000.0 * RUNTIME_COST["per_neuron_second_s"]


def estimate_runtime_min(p: dict) -> int:
    """Generous wall-time request for the simulate job (minutes).

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    int
        Minutes: three times the expected work per virtual process, at least ``RUNTIME_COST``'s
        ``minimum_min``.
    """
    c = RUNTIME_COST
    n_conn = sum(expected_connections(p).values())
    work = n_conn * c["per_connection_s"] + total_sim_time(p) * simulate_core_s_per_ms(p)
    per_vp = work / p["n_vp"]
    return max(c["minimum_min"], math.ceil(3 * per_vp / 60))


def available_memory_mib() -> int:
    """Memory this machine can give a new process now (MiB), from /proc/meminfo.

    Returns
    -------
    int
        ``MemAvailable`` (``MemTotal`` if the kernel does not report it), in MiB.
    """
    with open("/proc/meminfo") as fh:
        info = {line.split(":")[0]: int(line.split()[1]) for line in fh}
    return info.get("MemAvailable", info["MemTotal"]) // 1024


def request_memory_mib(p: dict, margin: float = 1.10, attempt: int = 1) -> int:
    """Memory a Slurm job of this run asks for (MiB).

    The estimate, at least ``MIN_REQUEST_MIB`` per rank, times ``margin`` (resources.mem_margin), times
    ``attempt``: a job that Snakemake retries (after Slurm killed it for exceeding its memory, say)
    asks for twice as much, then three times.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).
    margin : float
        Factor on the estimate (resources.mem_margin).
    attempt : int
        Snakemake's attempt of the job, 1 for the first.

    Returns
    -------
    int
        The request in MiB, rounded up.
    """
    base = max(estimate_memory_mib(p), MIN_REQUEST_MIB * p["mpi_ranks"])
    return math.ceil(base * margin * attempt)


def check_memory(run, limit_mib: int | None = None) -> None:
    """Refuse a run whose estimated peak memory exceeds the limit.

    Parameters
    ----------
    run : astronet.config.experiment_grid.Run
        The run, with its complete parameters.
    limit_mib : int, optional
        The configuration's ``resources.max_mem_mb`` (MiB); ``None`` means what this machine has
        available now.

    Raises
    ------
    astronet.config.schema.ConfigError
        If :func:`estimate_memory_mib` exceeds the limit; the message says what would lower it
        (:func:`memory_advice`).
    """
    p = run.params
    need = estimate_memory_mib(p)
    if limit_mib is None:
        limit, source = available_memory_mib(), "this machine has available (MemAvailable)"
    else:
        limit, source = limit_mib, "resources.max_mem_mb allows"
    if need > limit:
        raise ConfigError(
            f"run {run.path}: estimated peak memory {need} MiB exceeds the {limit} MiB {source} "
            f"(scale = {p['scale']}, synapse_model = {p['synapse_model']}, N_rec_mm = {p['N_rec_mm']}, "
            f"chunk_ms = {p['chunk_ms']}, record_connections = {str(p['record_connections']).lower()}). "
            f"{memory_advice(p)}; or run on a larger machine and, for Slurm, set resources.max_mem_mb to the "
            "memory of its nodes"
        )


def memory_advice(p: dict) -> str:
    """What lowers a run's peak memory, among what its parameters still allow.

    Parameters
    ----------
    p : dict
        A complete parameter set (:func:`astronet.config.parameters.validate_params`).

    Returns
    -------
    str
        The advice, as one sentence of comma-separated clauses.
    """
    advice = ["Lower params.scale (memory grows about linearly with it)"]
    if not p["synapse_model"].endswith("_hpc"):
        advice.append("use synapse_model: tsodyks_synapse_hpc (11 % less at full scale)")
    if p["N_rec_mm"] == "all" or p["N_rec_mm"] > 0:
        advice.append("record fewer nodes (N_rec_mm)")
    if p["chunk_ms"] == "auto" or p["chunk_ms"] > p["dt"]:
        advice.append("use a shorter chunk_ms")
    return ", ".join(advice)
