"""A job's log, and its errors where the user sees them even when the log cannot be written.

Each step writes its output into its log under ``results/.../logs/``. On a full disk that log can
stay empty, and Snakemake's "check log file(s)" then points at nothing: so an uncaught error is
also written, as its last line, to Snakemake's own error stream (for shell rules the file
descriptor named by ``ASTRONET_ERRORS_FD``, which the rule points at Snakemake's stderr; for
``script:`` rules the process's original stderr). Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback

ERRORS_FD = "ASTRONET_ERRORS_FD"


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
    """Shell-rule entry points: errors also go to the descriptor in ASTRONET_ERRORS_FD, if set."""
    fd = os.environ.pop(ERRORS_FD, None)
    if fd is None or not fd.isdigit():
        return
    fd = int(fd)
    try:
        os.set_inheritable(fd, False)  # not handed on to MPI ranks or other children
    except OSError:
        return
    _install(lambda text: os.write(fd, text.encode()), job)


def log_to(path, job: str) -> None:
    """``script:`` rules: stdout and stderr into the log; errors also to the original stderr."""
    original = sys.__stderr__
    sys.stderr = sys.stdout = open(path, "w")  # noqa: SIM115 (open for the job's lifetime)

    def write(text: str) -> None:
        original.write(text)
        original.flush()

    _install(write, job)
