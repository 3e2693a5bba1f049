"""Named points at which a run can be made to stop, so that a test can kill it exactly there.

The code calls ``reached(NAME)`` at each point of ``POINTS``. Nothing happens unless the
environment names that point::

    ASTRONET_PAUSE_AT=build ASTRONET_PAUSE_MARKER=/tmp/paused snakemake ...

Then the first process that reaches it writes its pid to the marker file (atomically: the file is
complete once it exists) and sleeps until it is killed, or until the marker file is removed, which
releases it: the run then goes on as if nothing had happened. Every process of the run sees the same
environment, but only the one that reaches the named point stops (Snakemake itself reaches none),
and only once: the first process claims the point (a file ``.<marker>.claimed`` beside the marker,
created exclusively), so that the other ranks reaching a point every rank reaches go on (and wait
for the paused one in NEST's next collective call), and so does a retry of the killed job run with
the same environment. tests/test_interrupted.py kills runs at each point, tests/test_slurm_nodes.py
takes a node or a rank away from a run paused in the middle of its simulation.

A name in ASTRONET_PAUSE_AT that is not in ``POINTS`` is an error at the first ``reached()`` of any
point (ValueError), so a test naming a point that was renamed or removed fails loudly instead of
never pausing. ``reached()`` of a name not in ``POINTS`` is an error too, with or without the
environment.

The points, in the order a run reaches them, and the state of the run there:

``build``
    astronet.simulation.network.Network.connect, on entry (every rank of ``python -m astronet.simulation.simulate``):
    the kernel is set up and the nodes are created, nothing is connected yet; the staging
    directory raw.partial/ exists and is empty; there is no raw/.
``simulating``
    astronet.simulation.network.Network.simulate, after each chunk (every rank): the chunk's
    recordings are flushed into raw.partial/; the simulation has not ended.
``before_publish``
    astronet.simulation.recording.publish, before the rename (rank 0): every rank has closed its recordings
    and written its metadata into raw.partial/; raw/ does not exist yet.
``after_publish``
    astronet.simulation.recording.publish, after the rename (rank 0): raw/ is complete and raw.partial/ is
    gone, but the simulate process has not ended, so Snakemake has not recorded the job as done.
``moving_outputs``
    astronet.data.aggregate, while moving the outputs from the staging directory .aggregate.tmpPID/
    into the run directory: spikes.parquet and astrocytes.parquet are in place; neurons.parquet,
    summary.csv and metadata.json (always last) are not.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

POINTS = ("build", "simulating", "before_publish", "after_publish", "moving_outputs")

PAUSE_AT = "ASTRONET_PAUSE_AT"
PAUSE_MARKER = "ASTRONET_PAUSE_MARKER"


def requested() -> str | None:
    """The point named by the environment (None if none); ValueError for a name not in ``POINTS``."""
    name = os.environ.get(PAUSE_AT)
    if not name:
        return None
    if name not in POINTS:
        raise ValueError(f"{PAUSE_AT}={name!r} names no pause point; the points are {', '.join(POINTS)}")
    return name


def reached(name: str) -> None:
    """Mark that the run has reached point ``name``, and pause there if the environment asks to.

    If ``ASTRONET_PAUSE_AT`` names this point and no process has paused there yet, write this
    process's pid to the marker file and sleep until killed or until the marker is removed;
    otherwise return at once.

    Parameters
    ----------
    name : str
        One of ``POINTS``.

    Raises
    ------
    ValueError
        If ``name`` or ``ASTRONET_PAUSE_AT`` is not in ``POINTS``, or the environment names this
        point without ``ASTRONET_PAUSE_MARKER``.
    """
    if name not in POINTS:
        raise ValueError(f"reached({name!r}): not a pause point of astronet.runtime.pause_points.POINTS")
    if requested() != name:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if not marker:
        raise ValueError(f"{PAUSE_AT}={name} needs {PAUSE_MARKER}, the file to receive the paused process's pid")
    marker = Path(marker)
    try:
        os.close(os.open(marker.with_name(f".{marker.name}.claimed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:  # another process paused here already
        return
    tmp = marker.with_name(f".{marker.name}.tmp{os.getpid()}")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, marker)
    while marker.exists():  # until a signal ends the process, or the test releases it
        time.sleep(0.1)
