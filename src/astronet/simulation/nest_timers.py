"""NEST's own timers over a whole simulation, per MPI rank: the ``time_*`` entries of the kernel status.

NEST 3.10 always reports where construction and simulation time went in its basic timers
(``time_construction_create``, ``time_construction_connect``, ``time_communicate_prepare``,
``time_simulate``). Built with ``-Dwith-detailed-timers=ON`` (every build of ``tools/build_nest.sh``;
not the PyPI wheel) it also reports the phases of each simulation cycle: ``time_update`` (neuron
update), ``time_gather_spike_data`` (the whole spike exchange) and its parts
``time_collocate_spike_data``, ``time_communicate_spike_data`` and ``time_deliver_spike_data``, the
same for secondary events (``time_gather_secondary_data``, ``time_deliver_secondary_data``: the
astrocytes' slow inward current), ``time_gather_target_data`` and ``time_communicate_target_data``
(building the presynaptic connection structures, part of ``time_communicate_prepare``) and the
synchronisation timers ``time_omp_synchronization_*`` and ``time_mpi_synchronization``. Every timer
has a ``_cpu`` twin with the CPU time. All are in seconds.

Timers of multi-threaded sections are measured per thread (NEST >= 3.9, ``-Dwith-threaded-timers``,
on by default): the kernel reports them as one value per thread of the rank, and so does
:class:`KernelTimers`.

NEST resets the timers of the simulation dynamics (:data:`RESET_AT_PREPARE`) at every
``nest.Prepare()``. :meth:`astronet.simulation.network.Network.simulate` runs one Prepare/Cleanup cycle per
recording chunk, so :class:`KernelTimers` reads them after each cycle and sums them; the others
accumulate in NEST itself and are read as they are at the end.
"""

from __future__ import annotations

#: The detailed timers of the phases of a simulation cycle.
CYCLE_TIMERS = (
    "time_update",
    "time_gather_spike_data",
    "time_collocate_spike_data",
    "time_communicate_spike_data",
    "time_deliver_spike_data",
    "time_gather_secondary_data",
    "time_deliver_secondary_data",
)
#: Timers NEST resets at every Prepare (``SimulationManager`` and ``EventDeliveryManager``
#: ``::reset_timers_for_dynamics``, ``KernelManager::prepare``), without their ``_cpu`` twins.
RESET_AT_PREPARE = (
    "time_simulate",
    *CYCLE_TIMERS,
    "time_omp_synchronization_simulation",
    "time_mpi_synchronization",
)


def _resets_at_prepare(name: str) -> bool:
    return name.removesuffix("_cpu") in RESET_AT_PREPARE


def _add(a, b):
    """Sum of two timer values: numbers, or per-thread lists of the same length."""
    if isinstance(a, list):
        return [x + y for x, y in zip(a, b, strict=True)]
    return a + b


def _plain(value):
    """A timer value as JSON takes it: a float, or a list of floats (one per thread; NEST hands
    these over as NumPy arrays)."""
    if isinstance(value, (int, float)):
        return float(value)
    return [float(v) for v in value]


class KernelTimers:
    """Every ``time_*`` timer of the NEST kernel, accumulated over Prepare/Cleanup cycles (s).

    Create it after the network is built; call :meth:`cycle_done` after each cycle's last
    ``nest.Run`` (before the next ``nest.Prepare``) and :meth:`totals` at the end. Every MPI rank
    calls them at the same points, as NEST's status may involve communication.
    """

    def __init__(self, nest):
        self.nest = nest
        self.names = sorted(k for k in nest.GetKernelStatus() if k.startswith("time_"))
        self.summed: dict = {}

    def _read(self) -> dict:
        status = self.nest.GetKernelStatus(self.names)
        return {name: _plain(value) for name, value in zip(self.names, status, strict=True)}

    def cycle_done(self) -> None:
        """Add the dynamics timers of the cycle that has just been simulated."""
        for name, value in self._read().items():
            if _resets_at_prepare(name):
                self.summed[name] = _add(self.summed[name], value) if name in self.summed else value

    def totals(self) -> dict:
        """Each timer over the whole run: the summed dynamics timers, the others as NEST holds them."""
        return {**self._read(), **self.summed}


def master_thread(value) -> float | None:
    """One number per rank for a timer (s): the value of thread 0 for per-thread timers.

    beNNch takes thread 0's value too (the thread that also runs the serial parts).

    Parameters
    ----------
    value : float or list of float or None
        A timer of one rank as :meth:`KernelTimers.totals` gives it, in s: one number, or one per
        thread; None if the rank did not report it.

    Returns
    -------
    float or None
        The timer in s (thread 0's for a per-thread timer); None for a missing timer or an empty
        list.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return float(value[0]) if value else None
    return float(value)
