"""What a simulation reports while it runs: one line per report, named for its run.

Two reporters write the same line, ``[simulate EXP/RUN]  40 %  480.0 / 1200.0 ms  real-time factor
12.3  ETA 1 min 05 s``: :class:`LogProgress` every 5 % of model time, into the job's log (stdout),
and :class:`ConsoleProgress` at the first report, then at most every ``CONSOLE_INTERVAL_S`` seconds
of wall-clock time, and at the end, onto the console (Snakemake's terminal, or the Slurm log of the
job), each line written in one call so that several jobs at once stay readable. :class:`Reports`
sends each report into the log once: the simulate rules copy the job's stderr into the log too, so
where the console is that stderr (MPI ranks, which reach Snakemake's stderr only through it) a
report shown on the console is not written to the log again.
"""

from __future__ import annotations

import sys
from pathlib import Path

CONSOLE_INTERVAL_S = 10.0


def rate_and_eta(t_model: float, t_wall: float, total: float) -> tuple[float, float]:
    """Real-time factor and the wall-clock time still to go of a simulation under way.

    Parameters
    ----------
    t_model : float
        Model time simulated so far, in ms (positive).
    t_wall : float
        Wall-clock time it took, in s.
    total : float
        Model time of the whole simulation, in ms.

    Returns
    -------
    rtf : float
        Real-time factor: wall-clock s per model s.
    eta : float
        Wall-clock seconds still to go at that factor.
    """
    rtf = t_wall / (t_model / 1000.0)
    return rtf, (total - t_model) / 1000.0 * rtf


def run_label(output: Path) -> str:
    """``experiment/run`` of a run's ``results/<experiment>/<run>/raw`` directory.

    Parameters
    ----------
    output : pathlib.Path
        The run's directory of per-rank recordings, ``results/<experiment>/<run>/raw``.

    Returns
    -------
    str
        The names of its grandparent and parent directories, ``<experiment>/<run>``.
    """
    run_dir = Path(output).resolve().parent
    return f"{run_dir.parent.name}/{run_dir.name}"


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes} min {s:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def progress_line(label: str, t_model: float, t_wall: float, total: float) -> str:
    """One progress report as a line of text.

    ``[simulate EXP/RUN]  40 %  480.0 / 1200.0 ms  real-time factor 12.31  ETA 9 s``, or ``done in
    ...`` instead of the ETA at the end.

    Parameters
    ----------
    label : str
        The run, ``experiment/run`` (:func:`run_label`).
    t_model : float
        Model time simulated so far, in ms (positive).
    t_wall : float
        Wall-clock time it took, in s.
    total : float
        Model time of the whole simulation, in ms.

    Returns
    -------
    str
        The line, newline included.
    """
    done = t_model >= total - 1e-9
    rtf, eta = rate_and_eta(t_model, t_wall, total)
    tail = f"done in {_duration(t_wall)}" if done else f"ETA {_duration(eta)}"
    return (
        f"[simulate {label}] {100 * t_model / total:3.0f} %  {t_model:.1f} / {total:.1f} ms  "
        f"real-time factor {rtf:.2f}  {tail}\n"
    )


def _write(stream, line: str) -> None:
    stream.write(line)  # one write per line: lines of parallel jobs do not mix
    stream.flush()


class LogProgress:
    """Progress lines for the log: every 1 / ``reports`` of the model time (5 %) and at the end."""

    def __init__(self, label: str, total: float, enabled: bool, stream=None, reports: int = 20):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream
        self.step = total / reports
        self.next = self.step

    def due(self, t_model: float) -> bool:
        """Whether a report at ``t_model`` is one of the log's (and if so, move on to the next one).

        Parameters
        ----------
        t_model : float
            Model time simulated so far, in ms.

        Returns
        -------
        bool
            True if ``t_model`` has reached the next 1 / ``reports`` of the model time or the end
            (and reporting is enabled).
        """
        if not self.enabled or (t_model < self.next - 1e-9 and t_model < self.total - 1e-9):
            return False
        while self.next <= t_model + 1e-9:
            self.next += self.step
        return True

    def __call__(self, t_model: float, t_wall: float) -> None:
        if self.due(t_model):
            _write(
                sys.stdout if self.stream is None else self.stream,
                progress_line(self.label, t_model, t_wall, self.total),
            )


class ConsoleProgress:
    """Progress lines for the console: the first report, then at most every ``interval_s`` seconds
    of wall-clock time, and the end. Calling it returns whether it wrote a line."""

    def __init__(self, label: str, total: float, enabled: bool, stream=None, interval_s: float = CONSOLE_INTERVAL_S):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream
        self.interval_s = interval_s
        self.last_wall: float | None = None

    def __call__(self, t_model: float, t_wall: float) -> bool:
        done = t_model >= self.total - 1e-9
        if not self.enabled or t_model <= 0:
            return False
        if not done and self.last_wall is not None and t_wall - self.last_wall < self.interval_s:
            return False
        self.last_wall = t_wall
        _write(
            sys.stderr if self.stream is None else self.stream, progress_line(self.label, t_model, t_wall, self.total)
        )
        return True


class Reports:
    """The log's and the console's progress as the one callback ``network.simulate`` takes, each
    report reaching the log once: with ``console_in_log`` (the console stream is also copied into
    the log), a report the console showed is not written by ``log`` as well."""

    def __init__(self, log: LogProgress, console: ConsoleProgress, console_in_log: bool):
        self.log, self.console, self.console_in_log = log, console, console_in_log

    def __call__(self, t_model: float, t_wall: float) -> None:
        shown = self.console(t_model, t_wall)
        if shown and self.console_in_log:
            self.log.due(t_model)  # in the log already, through the console's stream
        else:
            self.log(t_model, t_wall)
