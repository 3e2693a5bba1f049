"""Every stop is clean: Ctrl-C takes effect at once, no process of a run outlives Snakemake, no run
touches another's staging directory, and a full disk leaves an error message and no temporary file.

Real simulations of a tiny network run through `snakemake` (started in a session of its own, as a
terminal would, so that a signal to its process group is a Ctrl-C). The network is simulated for
long enough that, in steps of 1/20 of the whole as before, a single NEST call lasted about 20 s,
during which NEST holds off signals; now NEST's calls last about a second each.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import yaml

from astronet.config.validate import validate_config
from astronet.runtime.atomic_files import write_json_atomic
from mpi_support import mpi_env, mpiexec_env
from workflow_support import simulate_command, snakemake_args

pytestmark = pytest.mark.slow

RUN = "results/reference/rng_seed-143202461"
LONG = {
    "params": {"sim_time": 200000.0, "n_vp": 1, "N_ex": 80, "N_in": 20, "N_astro": 100, "N_rec_mm": 5},
    "experiments": {"reference": {"description": "tiny network, simulated for long"}},
    "targets": ["reference"],
}
# Bound on the time from the stop request until every process of the run is gone (s): well below
# one of the old NEST calls (~20 s here), well above the new ones (~1 s) and Snakemake's own exit.
STOP_WITHIN_S = 12.0


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    return snakemake_args(workdir, *args, configfiles=[workdir / "config.yaml"], cores=1)


def start(workdir: Path, *args: str, ranks: int = 1) -> subprocess.Popen:
    """Snakemake on the long run; with ranks > 1 an MPI run (NEST's MPI build, mpiexec)."""
    config = json.loads(json.dumps(LONG))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if ranks > 1:
        config["params"].update(n_vp=ranks, mpi_ranks=ranks)
        env = {**mpiexec_env(mpi_env()), "PYTHONWARNINGS": "ignore"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    log = open(workdir / "snakemake.out", "w")  # noqa: SIM115 (the running Snakemake writes to it)
    return subprocess.Popen(
        snakemake_cmd(workdir, *args),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
        preexec_fn=terminal_signals,
    )


def terminal_signals() -> None:
    """Ctrl-C as in a terminal's foreground job, also when the tests themselves run in the background
    (`nohup make test &` starts them with SIGINT ignored, which every child would inherit)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children(recursive=True)


def simulation_of(proc: subprocess.Popen, timeout: float = 120.0) -> psutil.Process:
    """The running simulation (`python -m astronet simulate`), once NEST simulates."""
    log = Path(proc.args[proc.args.index("--directory") + 1]) / RUN / "logs" / "simulate.log"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "snakemake ended early"
        if log.exists() and "built in" in log.read_text():
            for child in psutil.Process(proc.pid).children(recursive=True):
                try:
                    if child.cmdline()[1:4] == ["-m", "astronet", "simulate"]:
                        time.sleep(1.0)  # inside the simulation loop
                        return child
                except psutil.NoSuchProcess:
                    pass
        time.sleep(0.05)
    pytest.fail("the simulation did not start")


def running(process: psutil.Process) -> bool:
    """Still running: neither gone nor a zombie (ended, waiting only for its parent to collect it)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(processes, timeout: float) -> float:
    """Seconds until none of the processes runs any more (fails after timeout)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        alive = [p for p in processes if running(p)]
        if not alive:
            return time.monotonic() - t0
        time.sleep(0.05)
    pytest.fail(f"still running {timeout} s after the stop request: {[describe(p) for p in alive]}")


def describe(process: psutil.Process) -> str:
    """A process's command line, state and signal masks (blocked, ignored, caught), for a failure."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
        masks = " ".join(
            line for line in status.splitlines() if line.startswith(("State", "SigBlk", "SigIgn", "SigCgt"))
        )
        return f"{' '.join(process.cmdline())} [{masks}]"
    except (OSError, psutil.Error) as err:
        return f"pid {process.pid}: {err}"


def cleanup(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize(
    "presses,ranks", [(1, 1), (2, 1), pytest.param(1, 2, marks=pytest.mark.mpi)], ids=["once", "twice", "mpi"]
)
def test_ctrl_c_stops_the_run_at_once(tmp_path, presses, ranks):
    proc = start(tmp_path, ranks=ranks)
    try:
        sim = simulation_of(proc)
        everything = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        for _ in range(presses):
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
            time.sleep(0.3)
        try:
            wait_gone(everything, STOP_WITHIN_S)
        except pytest.fail.Exception as failed:
            logs = [tmp_path / "snakemake.out", tmp_path / RUN / "logs" / "simulate.log"]
            tails = "\n".join(f"--- {log.name}:\n{log.read_text()[-1500:]}" for log in logs if log.exists())
            pytest.fail(f"{failed}\n{tails}")
        assert not running(sim)
        proc.wait(timeout=10)
    finally:
        cleanup(proc)
    assert proc.returncode != 0
    run = tmp_path / RUN
    assert not (run / "raw").exists()
    if presses == 1 and ranks == 1:
        assert "stopped by Ctrl-C" in (run / "logs" / "simulate.log").read_text()
    # Snakemake released its lock; the next run starts (a dry run here) without --unlock.
    again = subprocess.run(snakemake_cmd(tmp_path, "--dry-run"), capture_output=True, text=True)
    assert again.returncode == 0 and "rule simulate" in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("ranks", [1, pytest.param(2, marks=pytest.mark.mpi)], ids=["threads", "mpi"])
def test_simulation_ends_with_snakemake(tmp_path, ranks):
    """Snakemake killed on its own (not its process group): no process of its run runs on (with
    MPI: neither the launcher nor a rank)."""
    proc = start(tmp_path, ranks=ranks)
    run_processes = []
    try:
        simulation_of(proc)
        run_processes = descendants(proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_gone(run_processes, STOP_WITHIN_S)
    finally:
        cleanup(proc)
        for child in run_processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    assert not (tmp_path / RUN / "raw").exists()


def test_no_run_takes_over_a_running_runs_staging_directory(tmp_path):
    """A second simulation of a run that is still simulating refuses, and leaves its staging directory alone."""
    params = validate_config(json.loads(json.dumps(LONG)))["reference"][0].params
    (tmp_path / "parameters.json").write_text(json.dumps(params))
    cmd = simulate_command(tmp_path / "parameters.json", tmp_path / "raw")
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        staging = tmp_path / "raw.partial"
        end = time.monotonic() + 60
        while not (staging / "spikes-rank0000.parquet").exists():
            assert first.poll() is None and time.monotonic() < end, "the first simulation did not start"
            time.sleep(0.05)
        inode = staging.stat().st_ino
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert second.returncode != 0
        assert "belongs to another simulation of this run that is still running" in second.stderr
        assert staging.stat().st_ino == inode and (staging / "spikes-rank0000.parquet").exists()
        assert first.poll() is None
    finally:
        first.kill()
        first.wait()
    # Its owner gone, the staging directory is a leftover the next simulation clears.
    params["sim_time"] = 50.0
    (tmp_path / "parameters.json").write_text(json.dumps(params))
    subprocess.run(cmd, check=True, capture_output=True)
    assert (tmp_path / "raw" / "metadata-rank0000.json").exists() and not staging.exists()


# --- a full disk ---------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB file system (tmpfs) at tmp_path/disk; needs root."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the full-disk tests need root (mount -t tmpfs)")
        pytest.skip("the full-disk tests need root (mount -t tmpfs)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, name: str = "filler") -> None:
    """No data block left, yet room for new (empty) files and directories, as on a full disk."""
    reserved = [disk / f".reserved{i}" for i in range(200)]
    for path in reserved:  # tmpfs charges inodes to its size: keep some for later files
        path.touch()
    with open(disk / name, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    for path in reserved:
        path.unlink()


def leftovers(path: Path) -> list[str]:
    return sorted(str(p) for p in path.rglob("*") if ".tmp" in p.name or p.name.startswith(".aggregate"))


@pytest.mark.root
def test_atomic_json_on_a_full_disk(small_disk):
    fill(small_disk)
    with pytest.raises(OSError):
        write_json_atomic(small_disk / "metrics.json", {"x": list(range(100000))})
    assert not leftovers(small_disk) and not (small_disk / "metrics.json").exists()


@pytest.mark.root
def test_full_disk_jobs_report_their_error_and_leave_no_temporary_file(tmp_path, small_disk):
    """results/ on a disk that fills up: each failing step says why on Snakemake's own output, even
    where its log stays empty, and leaves no temporary file."""
    wd = tmp_path / "wd"
    wd.mkdir()
    (wd / "results").symlink_to(small_disk)
    (wd / "config.yaml").write_text(yaml.safe_dump({**LONG, "params": {**LONG["params"], "sim_time": 100.0}}))
    # the tables, and the settings record the metrics depend on (astronet.config.settings_records)
    built = subprocess.run(
        snakemake_cmd(wd, f"{RUN}/metrics.json", "--until", "settings_record", "aggregate"),
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    run = small_disk / RUN.removeprefix("results/")
    steps = [
        ("metrics", (f"{RUN}/metrics.json",), "[metrics] failed: OSError: [Errno 28] No space left on device"),
        (
            "settings_record",
            (f"{RUN}/metrics.json", "--config", "analysis={bin_ms: 5.0}"),
            f"writing {RUN}/.settings/metrics-",
        ),
        ("aggregate", (f"{RUN}/metadata.json",), "[aggregate] failed: OSError:"),
        (
            "run_parameters",
            (
                "results/variant/rng_seed-143202461/parameters.json",
                "--config",
                "experiments={variant: {params: {sim_time: 50.0}}}",
                "targets=[variant]",
            ),
            "writing results/variant/rng_seed-143202461/parameters.json failed",
        ),
    ]
    for i, (name, args, message) in enumerate(steps):
        if name == "aggregate":  # its outputs are remade: remove them, then fill the space they took
            for table in ("spikes", "astrocytes", "neurons"):
                (run / f"{table}.parquet").unlink()
            (run / "metadata.json").unlink()
        fill(small_disk, f"filler{i}")
        proc = subprocess.run(snakemake_cmd(wd, *args), capture_output=True, text=True)
        assert proc.returncode != 0, name
        assert message in proc.stderr, f"{name}: {message!r} not in\n{proc.stderr[-3000:]}"
        assert "No space left on device" in proc.stderr, name
        assert not leftovers(small_disk), f"{name} left {leftovers(small_disk)}"
