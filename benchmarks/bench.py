"""Measuring tools for the benchmarks in ``benchmarks/``: wall time, peak memory, machine quietness.

Every measurement runs a command as a child process and records

* its wall time,
* the peak resident memory of its largest process (``ru_maxrss`` of ``os.wait4``: the kernel's
  exact maximum over the child and every descendant it waited for). Linux carries a process's
  maximum across fork and exec, so the child starts from the peak of the measuring process (and
  of its ancestors): measure from a small process, as the benchmark scripts started from a shell
  are; ``launcher_peak_mib`` (the measuring process's own peak) bounds that floor from above,
* the peak of the summed resident memory of the whole process tree (sampled, since the kernel keeps
  no such maximum), which counts e.g. Snakemake itself next to a job it runs,
* the CPU time that *other* processes used meanwhile (from ``/proc/stat`` minus the tree's own CPU
  time): a busy neighbour makes a timing worthless, and this says by how much.

Nothing here asserts a duration; the tests check the bookkeeping, not the speed.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import resource
import shlex
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

MIB = 2**20
REPO = Path(__file__).resolve().parents[1]


def snakemake_command(workdir, configfiles, *args) -> list[str]:
    """``python -m snakemake`` on this repository's workflow, run in ``workdir`` with further arguments
    (options, targets) and then ``configfiles`` (merged in order; last, as ``--configfile`` takes
    every value up to the next option)."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += map(str, args)
    if configfiles:
        command += ["--configfile", *map(str, configfiles)]
    return command


def machine() -> dict:
    """Where and when a measurement runs: ``date`` (ISO), ``host`` (name), ``cpu`` (model, from
    /proc/cpuinfo; empty if it names none) and ``cores`` (logical CPUs)."""
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    return {
        "date": datetime.date.today().isoformat(),
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
    }


def record_context(script: str, argv: list[str], date: str | None = None) -> dict:
    """The columns every record of a benchmark starts with: ``source``, the command and its date
    (``benchmarks/compare_example.py --repeat 4, 2026-12-01``; ``--record`` left out), then
    :func:`machine`'s; or, with ``date`` (ISO) for measurements made elsewhere, only ``source`` and
    ``date``."""
    args, skip = [], False
    for arg in argv:
        if not skip and not arg.startswith("--record"):
            args.append(arg)
        skip = arg == "--record"
    where = machine() if date is None else {"date": date}
    return {"source": f"{' '.join(['benchmarks/' + script, *args])}, {where['date']}", **where}


def write_record(path: Path, rows: list[dict]) -> None:
    """Write a benchmark's record, one row per dict, as a CSV (the docs' tables are generated from
    it: astronet.figures.evidence_markdown); columns in the order of their first appearance."""
    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=list(dict.fromkeys(k for r in rows for k in r))).to_csv(path, index=False)
    print(f"wrote {path}")


def loadavg() -> tuple[float, float, float]:
    with open("/proc/loadavg") as fh:
        one, five, fifteen = fh.read().split()[:3]
    return float(one), float(five), float(fifteen)


def uptime() -> str:
    """What ``uptime`` says: time, up time, users and the 1/5/15-min load averages."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def exported_environment(script: list[str], base: dict | None = None) -> dict:
    """The environment after ``eval "$(SCRIPT)"`` in bash, from ``base`` (default os.environ): the
    way a user takes up the lines of tools/nest_env.sh. RuntimeError with the script's message if it
    fails."""
    proc = subprocess.run(script, capture_output=True, text=True, env=base)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(script)}: {proc.stderr.strip()}")
    show = "import json, os; print(json.dumps(dict(os.environ)))"
    dump = f"{proc.stdout}\nexec {shlex.quote(sys.executable)} -c {shlex.quote(show)}"
    return json.loads(subprocess.run(["bash", "-c", dump], capture_output=True, text=True, env=base, check=True).stdout)


def wait_for_quiet(threshold: float = 0.7, timeout_s: float = 600.0, poll_s: float = 10.0, say=print) -> bool:
    """Wait until the 1-min load average is below ``threshold``; False if it never was within ``timeout_s``."""
    t_end = time.monotonic() + timeout_s
    while True:
        load = loadavg()[0]
        if load < threshold:
            return True
        if time.monotonic() >= t_end:
            say(f"[bench] load {load:.2f} still >= {threshold} after {timeout_s:.0f} s; measuring anyway (flagged)")
            return False
        say(f"[bench] waiting for a quiet machine: 1-min load {load:.2f} >= {threshold}")
        time.sleep(poll_s)


def busy_cpu_seconds() -> float:
    """CPU time all processes of the machine have used since boot (s), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = fh.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def tree_rss_bytes(pid: int) -> int:
    """Summed resident memory of a process and all its descendants (bytes); 0 if it is gone."""
    import psutil  # a Snakemake dependency

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # a process that has just ended
            total += proc.memory_info().rss
    return total


@dataclass
class Measurement:
    """One measured command."""

    cmd: list[str]
    returncode: int
    wall_s: float
    peak_rss_mib: float  # largest single process of the tree (kernel's exact maximum)
    peak_tree_rss_mib: float  # summed over the tree, sampled every poll_s
    cpu_s: float  # user + system CPU time of the tree
    foreign_cpu_s: float  # CPU time other processes of the machine used meanwhile
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    start_epoch: float = 0.0  # time.time() at launch, to place the child's own records on a timeline
    launcher_peak_mib: float = 0.0  # the measuring process's own peak at launch: bounds the floor of peak_rss_mib
    extra: dict = field(default_factory=dict)

    @property
    def foreign_cores(self) -> float:
        """Average number of cores other processes kept busy during the measurement."""
        return self.foreign_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "foreign_cores": self.foreign_cores}


def measure(cmd: list[str], *, cwd=None, env=None, stdout=None, stderr=None, poll_s: float = 0.5) -> Measurement:
    """Run ``cmd`` to completion and measure it (see the module docstring)."""
    load_before = loadavg()
    busy0 = busy_cpu_seconds()
    epoch = time.time()
    launcher_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    peak_tree = 0
    done = threading.Event()

    def sample():
        nonlocal peak_tree
        while not done.wait(poll_s):
            peak_tree = max(peak_tree, tree_rss_bytes(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    busy = busy_cpu_seconds() - busy0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss * 1024
    return Measurement(
        cmd=[str(c) for c in cmd],
        returncode=proc.returncode,
        wall_s=wall,
        peak_rss_mib=peak / MIB,
        peak_tree_rss_mib=max(peak_tree, peak) / MIB,
        cpu_s=cpu,
        foreign_cpu_s=max(0.0, busy - cpu),
        load_before=load_before,
        load_after=loadavg(),
        start_epoch=epoch,
        launcher_peak_mib=launcher_peak / MIB,
    )


# --- comparison of the example and the workflow ----------------------------------------------


def _sorted_events(senders, times, *values) -> list[np.ndarray]:
    senders, times = np.asarray(senders), np.asarray(times)
    order = np.lexsort((senders, times))
    return [np.asarray(a)[order] for a in (senders, times, *values)]


def identical_events(a: tuple, b: tuple) -> bool:
    """Whether two recordings (senders, times, values...) hold the same events, bit for bit."""
    sa, sb = _sorted_events(*a), _sorted_events(*b)
    return len(sa) == len(sb) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(sa, sb, strict=True))


def compare_with_example(example_npz: Path, run_dir: Path) -> dict:
    """Do the workflow's tables hold exactly the example's recorded spikes and samples?"""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    ex = np.load(example_npz)
    spikes = pq.read_table(Path(run_dir) / "spikes.parquet", columns=["sender", "time"])
    mask = pc.is_in(spikes.column("sender"), value_set=__import__("pyarrow").array(ex["spike_recorded"]))
    spikes = spikes.filter(mask)
    neurons = pq.read_table(Path(run_dir) / "neurons.parquet")
    astro = pq.read_table(Path(run_dir) / "astrocytes.parquet")
    col = lambda t, c: t.column(c).to_numpy()  # noqa: E731
    return {
        "example_spikes": int(len(ex["spike_times"])),
        "workflow_spikes_of_those_neurons": spikes.num_rows,
        "spikes_identical": identical_events(
            (ex["spike_senders"], ex["spike_times"]), (col(spikes, "sender"), col(spikes, "time"))
        ),
        "sic_identical": identical_events(
            (ex["sic_senders"], ex["sic_times"], ex["I_SIC"]),
            (col(neurons, "sender"), col(neurons, "time"), col(neurons, "I_SIC")),
        ),
        "astrocytes_identical": identical_events(
            (ex["astro_senders"], ex["astro_times"], ex["IP3"], ex["Ca_astro"]),
            (col(astro, "sender"), col(astro, "time"), col(astro, "IP3"), col(astro, "Ca_astro")),
        ),
    }


KERNEL_TIMERS = ("create", "connect", "connect_recorders", "simulate")


def workflow_kernel_s(metadata: dict) -> float:
    """NEST's own time in the workflow's simulate job: create + connect + recorders + simulate (s)."""
    return sum(metadata["timers_s"][k] for k in KERNEL_TIMERS)


def example_kernel_s(timers: dict) -> float:
    """NEST's own create + connect + simulate time of the example (its kernel timers, s)."""
    return timers["time_construction_create"] + timers["time_construction_connect"] + timers["time_simulate"]


def overhead(wall_s: float, kernel_s: float) -> tuple[float, float]:
    """Everything that is not NEST's own work: seconds and percent of the kernel time."""
    extra = wall_s - kernel_s
    return extra, 100.0 * extra / kernel_s


def snakemake_job_times(workdir: Path) -> dict[str, tuple[float, float]]:
    """(start, end) epoch seconds of each rule that ran, from Snakemake's metadata records."""
    times: dict[str, tuple[float, float]] = {}
    for path in (Path(workdir) / ".snakemake" / "metadata").glob("*"):
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        rule, start, end = rec.get("rule"), rec.get("starttime"), rec.get("endtime")
        if rule and start and end:
            s, e = times.get(rule, (start, end))
            times[rule] = (min(s, start), max(e, end))
    return times


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")
