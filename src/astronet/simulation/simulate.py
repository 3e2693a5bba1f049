"""Simulate one run: ``python -m astronet simulate --parameters PARAMETERS.json --output OUTPUT_DIR``.

Launched once per MPI rank (``mpirun -n R`` / ``srun``) or as a single process with threads.
Only rank 0 prints. Each rank writes its recordings and metadata under ``OUTPUT_DIR.partial/``;
rank 0 renames it to ``OUTPUT_DIR`` when all ranks are done, and holds a lock on the staging
directory while it runs, so that no other simulation of the same run can take it over.

A stop request takes effect within about a second: Ctrl-C (SIGINT) ends the run with exit status 130
and SIGTERM at once, leaving only the staging directory, which the next simulation of the run
clears. The process also ends when the process that started it does (astronet.runtime.guard).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from astronet.config.parameters import validate_params
from astronet.config.recording_chunks import CONNECTIONS_PER_FETCH
from astronet.config.run_quantities import total_sim_time
from astronet.config.rundir import params_id
from astronet.runtime.joblog import console
from astronet.simulation import provenance, recording
from astronet.simulation.console import ConsoleProgress, LogProgress, Reports, run_label

# 55 MiB (3.1 %) of a full-scale simulation's peak memory: see astronet.runtime.optional_imports.
MODULES_A_SIMULATION_NEVER_USES = ("pandas", "matplotlib")


def peak_memory_mib() -> float:
    """Peak resident memory of this process (MiB): Linux's VmHWM, which starts afresh at exec;
    ru_maxrss elsewhere (on Linux it carries the launcher's peak over fork and exec, so a small
    run started by a large process would report the launcher's peak)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(params: dict, out: Path) -> dict:
    """Build, simulate and record one run on this MPI rank, and publish it (rank 0).

    Rank 0 prepares the staging directory and, when every rank has written its recordings and
    metadata there, renames it to ``out``; only rank 0 prints.

    Parameters
    ----------
    params : dict
        A complete, validated parameter set (:func:`astronet.config.parameters.validate_params`).
    out : pathlib.Path
        The run's directory of per-rank recordings, ``results/<experiment>/<run>/raw``.

    Returns
    -------
    dict
        This rank's metadata as written into its metadata file: NEST's version and build, the
        parameters and ``params_id``, populations, recorded nodes, this rank's connection counts, the
        wall times ``timers_s`` and NEST's ``nest_timers_s`` (s), the real-time factor (wall-clock s
        spent in NEST per model s), ``peak_memory_mib`` (MiB) and the provenance.

    Raises
    ------
    RuntimeError
        If NEST's MPI does not match ``params.mpi_ranks`` (astronet.simulation.network.check_mpi).
    astronet.simulation.recording.StagingBusy
        If another simulation of the same run is still running.
    """
    from astronet.simulation.network import Network, check_mpi

    t_start = time.perf_counter()
    record = provenance.Record()
    net = Network(params)
    nest = net.nest
    check_mpi(params["mpi_ranks"])
    rank = nest.Rank()
    say = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)

    if rank == 0:
        recording.prepare_staging(out)  # refuses if another simulation of this run still runs
    nest.SyncProcesses()
    staging = recording.staging_dir(out)

    net.setup_kernel()
    say(f"[simulate] NEST {nest.__version__}, {nest.NumProcesses()} rank(s) x {nest.local_num_threads} thread(s)")
    net.create()
    net.connect()
    net.record()
    say(f"[simulate] built in {net.timers['create'] + net.timers['connect']:.1f} s: {net.connections}")
    writer = recording.RankWriter(staging, rank)
    if params["record_connections"]:
        writer.write_connections(nest, net.connection_batches(CONNECTIONS_PER_FETCH))
    total = total_sim_time(params)
    label = run_label(out)
    # In a single-process job the console is Snakemake's stderr; under an MPI launcher only this
    # rank's stderr, which the rule also copies into the log (astronet.simulation.console).
    screen = console()
    progress = Reports(
        LogProgress(label, total, rank == 0),
        ConsoleProgress(label, total, rank == 0, stream=screen),
        console_in_log=screen is sys.__stderr__,
    )
    net.simulate(writer, progress)
    wall = time.perf_counter() - t_start
    metadata = {
        "rank": rank,
        "n_ranks": nest.NumProcesses(),
        "threads": nest.local_num_threads,
        "n_vp": nest.total_num_virtual_procs,
        "nest_version": nest.__version__,
        "build_info": nest.build_info,
        "parameters": params,
        "params_id": params_id(params),
        "model_parameters": net.model_parameters(),
        "populations": net.node_ranges(),
        "recorded_nodes": net.recorders.recorded,
        "connections_local": net.connections,
        "timers_s": {**net.timers, "total": wall},
        "nest_timers_s": net.kernel_timers.totals(),
        "real_time_factor": net.timers["simulate"] / (total_sim_time(params) / 1000.0),
        "peak_memory_mib": peak_memory_mib(),
        "provenance": record.finish(),
    }
    writer.close(metadata)
    nest.SyncProcesses()
    if rank == 0:
        recording.publish(out)
    say(f"[simulate] done in {wall:.1f} s, peak memory {metadata['peak_memory_mib']:.0f} MiB (rank 0)")
    return metadata


def run_file(
    parameters: Path, output: Path | None, check_mpi: bool = False, expected_id: str | None = None
) -> dict | None:
    """Simulate the run of a parameters file into ``output`` (``python -m astronet simulate``).

    The process exits with a message (``SystemExit``) if the parameters are not the expected ones,
    NEST lacks MPI, another simulation of the run still runs, or NEST finds the integration
    numerically unstable; with status 130 on Ctrl-C.

    Parameters
    ----------
    parameters : pathlib.Path
        JSON file with the run's complete parameters.
    output : pathlib.Path or None
        The run's directory of per-rank recordings, ``results/<experiment>/<run>/raw``; may be None
        only with ``check_mpi``.
    check_mpi : bool
        Only check, in this single process, that NEST has MPI if the run asks for ranks (before an
        MPI launcher starts them: NEST without MPI exits at import under a launcher).
    expected_id : str, optional
        The run's identity as the workflow configured it (astronet.config.rundir.params_id); the run
        stops if the file holds another parameter set.

    Returns
    -------
    dict or None
        This rank's metadata (:func:`run`); None with ``check_mpi``.

    Raises
    ------
    ValueError
        If ``output`` is None without ``check_mpi``.
    astronet.config.schema.ConfigError
        If the parameters are invalid (:func:`astronet.config.parameters.validate_params`).
    """
    params = validate_params(json.loads(Path(parameters).read_text()))
    if expected_id is not None and params_id(params) != expected_id:
        sys.exit(
            f"[simulate] {parameters} holds parameters {params_id(params)}, but the workflow configured this run "
            f"as {expected_id}: the file was changed after the workflow checked it. Nothing was simulated; run "
            "the workflow again (it compares the run directory with the configuration)"
        )
    if check_mpi:
        from astronet.simulation.network import check_nest_has_mpi

        try:
            check_nest_has_mpi(params["mpi_ranks"])
        except RuntimeError as err:
            sys.exit(f"[simulate] {err}")
        return None
    if output is None:
        raise ValueError("the output directory is required")
    try:
        return run(params, Path(output))
    except KeyboardInterrupt:
        print("[simulate] stopped by Ctrl-C (SIGINT); nothing was published", file=sys.stderr, flush=True)
        sys.exit(130)
    except recording.StagingBusy as err:
        sys.exit(f"[simulate] {err}")
    except Exception as err:  # NEST refused the build or stopped the simulation
        recording.discard_staging(Path(output))
        if type(err).__name__ == "NumericalInstability":
            sys.exit(
                f"[simulate] NEST stopped the simulation: the integration of a neuron became numerically unstable "
                f"({err}). Its input is likely far too strong for aeif_cond_alpha_astro: w_e = {params['w_e']} nS, "
                f"w_i = {params['w_i']} nS, w_n2a = {params['w_n2a']}, poisson_rate = {params['poisson_rate']} "
                f"spikes/s, neuron_params = {params['neuron_params']}. Nothing was kept ({Path(output)}.partial "
                "removed)"
            )
        raise
