"""The neuron–astrocyte network of NEST's example ``astrocyte_brunel_bernoulli.py``.

The order of kernel set-up, node creation, connection and recorder set-up is the example's, so
that with the same parameters, ``rng_seed`` and virtual processes NEST builds the same network
and produces the same spikes. Parameter names and units are the example's (see
``config/README.md``).

Each MPI rank writes its own recordings (see :mod:`astronet.simulation.recording`); nothing is gathered.
"""

from __future__ import annotations

import math
import os
import random
import time

from astronet.config.models import A2N_MODEL, ASTROCYTE_MODEL, DRIVE_SYNAPSE, NEURON_MODEL, POISSON_MODEL
from astronet.config.recording_chunks import chunk_ms
from astronet.config.resources import expected_connections, simulate_core_s_per_ms
from astronet.config.run_quantities import frozen_astrocyte, n_spike_recorded, population_sizes, total_sim_time
from astronet.runtime import pause_points
from astronet.simulation import recording
from astronet.simulation.nest_timers import KernelTimers


def _nest():
    os.environ.setdefault("PYNEST_QUIET", "1")  # one banner per rank floods MPI logs
    # Snakemake sets OMP_NUM_THREADS to a job's threads; NEST takes its threads from
    # local_num_threads only, and says so in a warning at every kernel (re)set when the variable is
    # set above 1. Unset before NEST starts: the warning told the user nothing they can act on.
    os.environ.pop("OMP_NUM_THREADS", None)
    import nest  # imported lazily: the rest of the package works without NEST

    return nest


def check_nest_has_mpi(mpi_ranks: int) -> None:
    """Refuse ranks with a NEST that cannot talk MPI.

    Such a NEST would simulate N copies of the network or, started by an MPI launcher, exit at import
    with a message of its own: so check in a process of its own first.

    Parameters
    ----------
    mpi_ranks : int
        The run's number of MPI processes (``params.mpi_ranks``).

    Raises
    ------
    RuntimeError
        If ``mpi_ranks`` is above 1 and the NEST at hand was built without MPI.
    """
    nest = _nest()
    if mpi_ranks > 1 and not nest.build_info["have_mpi"]:
        raise RuntimeError(
            f"params.mpi_ranks = {mpi_ranks} needs NEST built with MPI, but the NEST at hand "
            f"({nest.__path__[0]}) has have_mpi = False. Build one with tools/build_nest_mpi.sh and "
            'use it with eval "$(tools/nest_mpi_env.sh)", use the container containers/astronet.def '
            "or a NEST module of your site, or set mpi_ranks: 1."
        )


def check_mpi(mpi_ranks: int) -> None:
    """Check that NEST has MPI if ranks are asked for, and runs in as many processes as asked for.

    Parameters
    ----------
    mpi_ranks : int
        The run's number of MPI processes (``params.mpi_ranks``).

    Raises
    ------
    RuntimeError
        If NEST lacks MPI for ``mpi_ranks`` above 1 (:func:`check_nest_has_mpi`), or runs in another
        number of processes.
    """
    nest = _nest()
    check_nest_has_mpi(mpi_ranks)
    if nest.NumProcesses() != mpi_ranks:
        raise RuntimeError(
            f"params.mpi_ranks = {mpi_ranks} but NEST runs in {nest.NumProcesses()} MPI process(es); "
            "launch the simulation through the workflow's simulate rule"
        )


def _parts(nodes, size: int) -> list:
    """A node collection in consecutive parts of at most ``size`` (at least 1) nodes."""
    size = max(1, size)
    return [nodes[i : min(i + size, len(nodes))] for i in range(0, len(nodes), size)]


class BoundedSteps:
    """Advance NEST in calls of at most about MAX_STEP_WALL_S of wall time each.

    NEST holds off signals while it simulates (Python sees a Ctrl-C only when ``nest.Run`` returns),
    so a long call would make a stop request wait for minutes. The number of time steps per call
    adapts to the measured speed; each call ends on a multiple of the network's minimum delay (as
    NEST's own slices do) or at the caller's boundary, so the results do not depend on the split.
    """

    MAX_STEP_WALL_S = 1.0

    def __init__(self, nest, slice_steps: int, dt: float, fixed_steps: int | None = None):
        """``fixed_steps``: time steps per call, for MPI runs, whose ranks must all make the same
        calls (each rank's own clock would split them differently); None: adapt to the clock."""
        self.nest, self.slice, self.dt = nest, max(1, slice_steps), dt
        self.fixed = fixed_steps is not None
        self.run_wall_s = 0.0  # wall time spent in nest.Run (s)
        self.per_call = max(self.slice, fixed_steps // self.slice * self.slice) if self.fixed else self.slice

    def run_until(self, end: int, done: int) -> int:
        """Simulate from time step ``done`` to ``end``, within one Prepare/Cleanup cycle.

        Parameters
        ----------
        end : int
            The time step to stop at, in steps of ``dt`` from the start of the simulation.
        done : int
            The time step simulated up to so far.

        Returns
        -------
        int
            ``end`` (``done`` if it was not below ``end``).
        """
        while done < end:
            aligned = (done + self.per_call) // self.slice * self.slice
            stop = min(end, aligned if aligned > done else done + self.slice)
            t0 = time.perf_counter()
            self.nest.Run((stop - done) * self.dt)
            wall = time.perf_counter() - t0
            self.run_wall_s += wall
            full = stop - done >= self.per_call
            if self.fixed:
                pass
            elif wall > self.MAX_STEP_WALL_S:
                self.per_call = max(self.slice, self.per_call // 2)
            elif wall < self.MAX_STEP_WALL_S / 4 and full:
                self.per_call *= 2
            done = stop
        return done


class Network:
    """Create, connect, record and simulate one neuron–astrocyte network.

    ``params`` is a complete, validated parameter set (:func:`astronet.config.parameters.validate_params`).
    """

    def __init__(self, params: dict):
        self.p = params
        self.timers: dict[str, float] = {}
        self.connections: dict[str, int] = {}
        self.nest = _nest()

    # --- kernel --------------------------------------------------------------------------
    def setup_kernel(self) -> None:
        nest, p = self.nest, self.p
        nest.ResetKernel()
        nest.verbosity = nest.VerbosityLevel.WARNING
        nest.resolution = p["dt"]
        nest.total_num_virtual_procs = p["n_vp"]
        nest.rng_seed = p["rng_seed"]
        nest.print_time = False
        # The example samples recorded nodes with Python's random module.
        random.seed(p["seed"])

    # --- nodes ---------------------------------------------------------------------------
    def neuron_params(self) -> dict:
        return {**self.p["neuron_params"], "tau_syn_ex": self.p["tau_syn_ex"], "tau_syn_in": self.p["tau_syn_in"]}

    def astrocyte_params(self) -> dict:
        params = {**self.p["astrocyte_params"], "IP3": self.p["IP3"]}
        if self.p.get("surrogate_sic") is not None:
            defaults = self.nest.GetDefaults(ASTROCYTE_MODEL)
            sic_th, sic_scale = (params.get(k, defaults[k]) for k in ("SIC_th", "SIC_scale"))
            params.update(frozen_astrocyte(self.p["surrogate_sic"], sic_th, sic_scale))
        return params

    def create(self) -> None:
        nest, p = self.nest, self.p
        t0 = time.perf_counter()
        sizes = population_sizes(p)
        self.exc = nest.Create(NEURON_MODEL, sizes["E"], params=self.neuron_params())
        self.inh = nest.Create(NEURON_MODEL, sizes["I"], params=self.neuron_params())
        self.astro = nest.Create(ASTROCYTE_MODEL, sizes["astrocytes"], params=self.astrocyte_params())
        self.noise = nest.Create(POISSON_MODEL, params={"rate": p["poisson_rate"]})
        self.neurons = self.exc + self.inh
        self.timers["create"] = time.perf_counter() - t0

    # --- connections ---------------------------------------------------------------------
    def primary_conn_spec(self, n_sources: int, n_targets: int) -> dict:
        """Connection rule of the neuron–neuron connections (``params.primary_rule``).

        The probability is ``p_primary / scale``; the fixed rules draw the count that
        pairwise_bernoulli would give on average, rounded.

        Parameters
        ----------
        n_sources : int
            Number of source neurons.
        n_targets : int
            Number of target neurons.

        Returns
        -------
        dict
            NEST's ``conn_spec``: ``rule`` with ``p`` (pairwise_bernoulli), ``indegree``
            (fixed_indegree), ``outdegree`` (fixed_outdegree) or ``N`` (fixed_total_number).
        """
        rule = self.p["primary_rule"]
        prob = self.p["p_primary"] / self.p["scale"]
        if rule == "pairwise_bernoulli":
            return {"rule": rule, "p": prob}
        if rule == "fixed_indegree":
            return {"rule": rule, "indegree": round(prob * n_sources)}
        if rule == "fixed_outdegree":
            return {"rule": rule, "outdegree": round(prob * n_targets)}
        return {"rule": rule, "N": round(prob * n_sources * n_targets)}

    def _synapse(self, weight: float, tau_psc: float, delay: float) -> dict:
        return {"synapse_model": self.p["synapse_model"], "weight": weight, "tau_psc": tau_psc, "delay": delay}

    def _count(self, model: str) -> int:
        return self.nest.GetDefaults(model, "num_connections")

    def connect(self) -> None:
        pause_points.reached("build")
        nest, p = self.nest, self.p
        t0 = time.perf_counter()
        syn = p["synapse_model"]
        nest.Connect(self.noise, self.neurons, syn_spec={"weight": p["w_e"]})
        self.connections["poisson"] = self._count(DRIVE_SYNAPSE)

        if p["tripartite"]:
            self._connect_tripartite()
        else:
            self._connect_no_tripartite()
        after_excitatory = self._count(syn)
        nest.Connect(
            self.inh,
            self.neurons,
            self.primary_conn_spec(len(self.inh), len(self.neurons)),
            self._synapse(p["w_i"], p["tau_syn_in"], p["d_i"]),
        )
        self.connections["I_to_neurons"] = self._count(syn) - after_excitatory
        self.timers["connect"] = time.perf_counter() - t0

    def _n2a_synapse(self) -> dict:
        """Excitatory neuron -> astrocyte synapse: the excitatory one, with weight w_n2a (default w_e)."""
        p = self.p
        weight = p["w_e"] if p["w_n2a"] is None else p["w_n2a"]
        return self._synapse(weight, p["tau_syn_ex"], p["d_e"])

    def _connect_tripartite(self) -> None:
        """Excitatory connections, each paired with probability p_third_if_primary with an astrocyte
        of the target's pool, which then also connects back to the target (sic_connection)."""
        p = self.p
        third_factor = {
            "rule": "third_factor_bernoulli_with_pool",
            "p": p["p_third_if_primary"],  # scales with p_primary already
            "pool_size": p["pool_size"],
            "pool_type": p["pool_type"],
        }
        self.nest.TripartiteConnect(
            self.exc,
            self.neurons,
            self.astro,
            conn_spec=self.primary_conn_spec(len(self.exc), len(self.neurons)),
            third_factor_conn_spec=third_factor,
            syn_specs={
                "primary": self._synapse(p["w_e"], p["tau_syn_ex"], p["d_e"]),
                "third_in": self._n2a_synapse(),
                "third_out": {"synapse_model": A2N_MODEL, "weight": p["w_a2n"], "delay": p["d_a2n"]},
            },
        )
        # Every astrocyte->neuron connection has one neuron->astrocyte twin (same model as primary).
        n_a2n = self._count(A2N_MODEL)
        self.connections.update(
            {
                "E_to_neurons": self._count(p["synapse_model"]) - n_a2n,
                "E_to_astrocytes": n_a2n,
                "astrocytes_to_neurons": n_a2n,
            }
        )

    def _connect_no_tripartite(self) -> None:
        """Jiang et al. 2025's No-Tripartite control: the same excitatory neuron-neuron rule, and
        excitatory neuron -> astrocyte connections drawn independently with pairwise_bernoulli at
        the probability that gives the tripartite rule's expected count,
        p_primary * p_third_if_primary / scale; astrocytes connect to no neuron."""
        nest, p = self.nest, self.p
        nest.Connect(
            self.exc,
            self.neurons,
            self.primary_conn_spec(len(self.exc), len(self.neurons)),
            self._synapse(p["w_e"], p["tau_syn_ex"], p["d_e"]),
        )
        n_e2n = self._count(p["synapse_model"])
        n2a_prob = p["p_primary"] * p["p_third_if_primary"] / p["scale"]
        nest.Connect(self.exc, self.astro, {"rule": "pairwise_bernoulli", "p": n2a_prob}, self._n2a_synapse())
        self.connections.update(
            {
                "E_to_neurons": n_e2n,
                "E_to_astrocytes": self._count(p["synapse_model"]) - n_e2n,
                "astrocytes_to_neurons": 0,
            }
        )

    # --- recording and simulation --------------------------------------------------------
    def record(self) -> None:
        t0 = time.perf_counter()
        self.recorders = recording.Recorders(self.nest, self.p, self.neurons, self.astro)
        self.timers["connect_recorders"] = time.perf_counter() - t0

    def simulate(self, writer: recording.RankWriter, progress=None, reports: int = 20) -> None:
        """Simulate ``t_presim + sim_time`` ms, flushing this rank's recordings to disk after each chunk.

        The recorders start after ``t_presim``, or at 0 with ``record_presim``; the simulation goes one
        min_delay further when the multimeters' last samples need it
        (astronet.config.run_quantities.delivery_steps). NEST runs one Prepare/Cleanup cycle per
        chunk (:func:`astronet.config.recording_chunks.chunk_ms`), after which this rank's recordings
        are flushed to disk. Within a chunk NEST runs in steps of ``1 / reports`` of the whole for
        progress reports, each made of NEST calls of bounded wall time (:class:`BoundedSteps`). NEST
        lets recorders be emptied only outside Prepare/Cleanup, and each cycle costs ~0.1 s at full
        scale: the fewer chunks, the better. NEST's own timers of the cycles are added up in
        ``self.kernel_timers`` (:class:`astronet.simulation.nest_timers.KernelTimers`); the wall
        times of simulating and flushing (s) go into ``self.timers``.

        Parameters
        ----------
        writer : astronet.simulation.recording.RankWriter
            This rank's writer of the recordings.
        progress : callable, optional
            Called after each step as ``progress(t_model, t_wall)``: the model time simulated in ms
            (at most ``t_presim + sim_time``) and the wall-clock time since the start in s. None: no
            reports.
        reports : int
            Number of progress steps over the whole simulation.
        """
        nest, p = self.nest, self.p
        self.kernel_timers = KernelTimers(nest)
        dt = p["dt"]
        t0 = time.perf_counter()
        chunk_steps = max(1, round(chunk_ms(p) / dt))
        window_steps = round(total_sim_time(p) / dt)
        # and the steps past the window that deliver the multimeters' last samples (Recorders.extra_steps)
        total_steps = window_steps + self.recorders.extra_steps
        report_steps = max(1, math.ceil(total_steps / reports))
        done = 0
        in_nest = flushing = 0.0
        fixed = None
        if nest.NumProcesses() > 1:  # the same calls on every rank: from the expected speed
            fixed = max(1, round(BoundedSteps.MAX_STEP_WALL_S * p["n_vp"] / simulate_core_s_per_ms(p) / dt))
        steps = BoundedSteps(nest, round(nest.min_delay / dt), dt, fixed)
        while done < total_steps:
            end = min(done + chunk_steps, total_steps)
            t1 = time.perf_counter()
            nest.Prepare()
            while done < end:
                report_end = min(done + report_steps - done % report_steps, end)
                done = steps.run_until(report_end, done)
                if progress:
                    progress(min(done, window_steps) * dt, time.perf_counter() - t0)
            nest.Cleanup()
            t2 = time.perf_counter()
            self.recorders.flush(writer)
            pause_points.reached("simulating")
            in_nest += t2 - t1
            flushing += time.perf_counter() - t2
            self.kernel_timers.cycle_done()
        self.timers["simulate"] = in_nest  # NEST's own simulation time, Prepare and Cleanup included
        self.timers["run_calls"] = steps.run_wall_s  # of which in nest.Run
        self.timers["flush_recordings"] = flushing

    def connection_batches(self, per_fetch: int) -> list[tuple]:
        """Node collections ``(sources, targets)`` that together name every connection of the network.

        Each batch has at most about ``per_fetch`` expected connections. Neurons and astrocytes come
        in runs of sources sized by their expected out-degree (to neurons, astrocytes and the spike
        recorder); each device (the Poisson generator, the multimeters), which connects to up to every
        node, with runs of its targets.

        Parameters
        ----------
        per_fetch : int
            Connections to fetch from NEST at a time, about.

        Returns
        -------
        list of tuple
            ``(sources, targets)`` NEST node collections, in the order E, I, astrocytes, then the
            devices; ``targets`` None means any target.
        """
        p = self.p
        sizes = population_sizes(p)
        conns = expected_connections(p)
        recorded = n_spike_recorded(p) / max(1, sizes["E"] + sizes["I"])
        out_degree = {
            "E": (conns["E_to_neurons"] + conns["E_to_astrocytes"]) / max(1, sizes["E"]) + recorded,
            "I": conns["I_to_neurons"] / max(1, sizes["I"]) + recorded,
            "astrocytes": conns["astrocytes_to_neurons"] / max(1, sizes["astrocytes"]),
        }
        batches = []
        for name, nodes in (("E", self.exc), ("I", self.inh), ("astrocytes", self.astro)):
            batches += [(part, None) for part in _parts(nodes, int(per_fetch // max(1.0, out_degree[name])))]
        for device in (self.noise, self.recorders.devices["neurons"], self.recorders.devices["astrocytes"]):
            batches += [(device, part) for part in _parts(self.neurons + self.astro, per_fetch)]
        return batches

    def node_ranges(self) -> dict[str, list[int]]:
        """First and last node id of each population (NEST creates them contiguously)."""
        pops = {"E": self.exc, "I": self.inh, "astrocytes": self.astro}
        return {name: [pop[0].global_id, pop[-1].global_id] for name, pop in pops.items()}

    def model_parameters(self) -> dict:
        """Every parameter NEST simulated, defaults included, per model (NEST defaults change)."""
        nest, p = self.nest, self.p
        keep = lambda d: {k: v for k, v in d.items() if isinstance(v, (int, float, str, bool))}  # noqa: E731
        models = {
            NEURON_MODEL: {**keep(nest.GetDefaults(NEURON_MODEL)), **self.neuron_params()},
            ASTROCYTE_MODEL: {**keep(nest.GetDefaults(ASTROCYTE_MODEL)), **self.astrocyte_params()},
            POISSON_MODEL: {**keep(nest.GetDefaults(POISSON_MODEL)), "rate": p["poisson_rate"]},
        }
        for role, weight, tau, delay in (
            ("E", p["w_e"], p["tau_syn_ex"], p["d_e"]),
            ("I", p["w_i"], p["tau_syn_in"], p["d_i"]),
        ):
            models[f"{p['synapse_model']} ({role})"] = {
                **keep(nest.GetDefaults(p["synapse_model"])),
                **self._synapse(weight, tau, delay),
            }
        models[A2N_MODEL] = {**keep(nest.GetDefaults(A2N_MODEL)), "weight": p["w_a2n"], "delay": p["d_a2n"]}
        models[f"{DRIVE_SYNAPSE} (Poisson)"] = {**keep(nest.GetDefaults(DRIVE_SYNAPSE)), "weight": p["w_e"]}
        for d in models.values():
            for k in (
                "num_connections",
                "instantiations",
                "global_id",
                "thread",
                "vp",
                "local",
                "sizeof",
                "synapse_modelid",
                "model_id",
            ):
                d.pop(k, None)
        return models
