"""A job's log, and its errors where the user sees them even when the log cannot be written.

Each step (``python -m astronet <step>``) writes its output into its log under
``results/.../logs/``. On a full disk that log can stay empty, and Snakemake's "check log file(s)"
then points at nothing: so an uncaught error is also written, as its last line, to Snakemake's own
error stream, the file descriptor named by ``ASTRONET_ERRORS_FD``, which the rule points at
Snakemake's stderr (``ASTRONET_ERRORS_FD=3 python -m astronet <step> ... 3>&2 > LOG 2>&1``).
:func:`console` is that stream too, for messages the user should see (astronet.analysis.advice's warnings).
Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback

ERRORS_FD = "ASTRONET_ERRORS_FD"

_console = None  # Snakemake's stderr in a job (report_errors), a text stream on ASTRONET_ERRORS_FD


def _summary(exc_type, exc) -> str:
    return "".join(traceback.format_exception_only(exc_type, exc)).strip()


def _install(write_summary, job: str) -> None:
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        with contextlib.suppress(Exception):  # the log itself may fail, e.g. on a full disk
            previous(exc_type, exc, tb)  # the traceback, into the log
        if issubclass(exc_type, KeyboardInterrupt):
            return
        with contextlib.suppress(Exception):
            write_summary(f"[{job}] failed: {_summary(exc_type, exc)}\n")

    sys.excepthook = hook


def report_errors(job: str) -> None:
    """Send uncaught errors also to the descriptor in ASTRONET_ERRORS_FD, if set.

    The variable is removed from the environment and the descriptor is not inherited by child
    processes. An uncaught error's traceback still goes to the log (the previous ``sys.excepthook``);
    its last line, ``[JOB] failed: ...``, then goes to the descriptor, except for Ctrl-C.
    :func:`console` writes there too from then on. Without the variable (or with one that is not a
    descriptor number, or a descriptor that is not open), nothing changes.

    Parameters
    ----------
    job : str
        The job's name in the error line, e.g. the step of ``python -m astronet <step>``.
    """
    global _console
    fd = os.environ.pop(ERRORS_FD, None)
    if fd is None or not fd.isdigit():
        return
    fd = int(fd)
    try:
        os.set_inheritable(fd, False)  # not handed on to MPI ranks or other children
    except OSError:
        return
    _console = open(fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (open for the job's lifetime)
    _install(lambda text: os.write(fd, text.encode()), job)


def console():
    """Where the user sees a job's messages although its stdout and stderr go to its log: Snakemake's
    stderr (the descriptor that report_errors took over); outside a job, the process's stderr."""
    return _console if _console is not None else sys.__stderr__
