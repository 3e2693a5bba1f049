"""What a simulation shows on the console while it runs: one line per report, named for its run.

The simulate rules send the job's stderr both to the console (Snakemake's terminal, or the Slurm
log of the job) and to ``logs/simulate.log``; the detailed progress (every 5 % of model time) goes
to stdout, the log only. The console gets a short line at the first report, then at most every
``CONSOLE_INTERVAL_S`` seconds of wall-clock time, and at the end, each written in one call and
prefixed with the run's ``experiment/run``, so that several jobs at once stay readable.
"""

from __future__ import annotations

import sys
from pathlib import Path

CONSOLE_INTERVAL_S = 10.0


def rate_and_eta(t_model: float, t_wall: float, total: float) -> tuple[float, float]:
    """Real-time factor (wall-clock s per model s) and the wall-clock seconds still to go, after
    ``t_model`` of ``total`` ms of model time took ``t_wall`` s."""
    rtf = t_wall / (t_model / 1000.0)
    return rtf, (total - t_model) / 1000.0 * rtf


def run_label(output: Path) -> str:
    """``experiment/run`` of a run's ``results/<experiment>/<run>/raw`` directory."""
    run_dir = Path(output).resolve().parent
    return f"{run_dir.parent.name}/{run_dir.name}"


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes} min {s:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class ConsoleProgress:
    """Progress lines for the console: ``[simulate EXP/RUN]  40 %  480.0 / 1200.0 ms  real-time
    factor 12.3  ETA 1 min 05 s``."""

    def __init__(self, label: str, total: float, enabled: bool, stream=None, interval_s: float = CONSOLE_INTERVAL_S):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream
        self.interval_s = interval_s
        self.last_wall: float | None = None

    def __call__(self, t_model: float, t_wall: float) -> None:
        done = t_model >= self.total - 1e-9
        if not self.enabled or t_model <= 0:
            return
        if not done and self.last_wall is not None and t_wall - self.last_wall < self.interval_s:
            return
        self.last_wall = t_wall
        rtf, eta = rate_and_eta(t_model, t_wall, self.total)
        tail = f"done in {_duration(t_wall)}" if done else f"ETA {_duration(eta)}"
        line = (
            f"[simulate {self.label}] {100 * t_model / self.total:3.0f} %  {t_model:.1f} / {self.total:.1f} ms  "
            f"real-time factor {rtf:.2f}  {tail}\n"
        )
        stream = sys.stderr if self.stream is None else self.stream
        stream.write(line)  # one write per line: lines of parallel jobs do not mix
        stream.flush()


class Reports:
    """Several progress callbacks called as one (``network.simulate`` takes one)."""

    def __init__(self, *callbacks):
        self.callbacks = callbacks

    def __call__(self, t_model: float, t_wall: float) -> None:
        for callback in self.callbacks:
            callback(t_model, t_wall)
