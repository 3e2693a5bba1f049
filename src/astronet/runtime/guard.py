"""Run a command that ends with the process that started it: ``python -m astronet.runtime.guard CMD ...``.

Snakemake starts each job's shell; a job's shell that is gone (Snakemake killed, or quitting after a
second Ctrl-C) must not leave a simulation running that later writes into a run directory. On
Linux the kernel sends the process SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``, kept
across ``exec``), so the guard sets it and then becomes the command (an MPI launcher, which ends
its ranks on SIGTERM). Elsewhere it only runs the command.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel for ``sig`` when the parent of this process exits (Linux).

    If the parent is gone already, the process sends itself ``sig`` now. Elsewhere than on Linux,
    and if ``prctl`` fails, nothing is done.

    Parameters
    ----------
    sig : int
        The signal number to receive; SIGTERM by default.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def main(argv=None) -> None:
    """Become the command ``argv`` after asking for SIGTERM when this process's parent exits.

    ``ASTRONET_ERRORS_FD`` is removed from the environment first, so that the command's children do
    not write to Snakemake's stderr (astronet.runtime.joblog).

    Parameters
    ----------
    argv : list of str, optional
        The command and its arguments; None: ``sys.argv[1:]``. Without a command, the process exits
        with this module's usage text.
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.exit(__doc__)
    os.environ.pop("ASTRONET_ERRORS_FD", None)  # for this process only, not for the command's children
    die_with_parent()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
