"""Killed runs: nothing a later step would take for a result is left, and a rerun completes the run.

Real simulations of a tiny network are started through `snakemake` (and once directly with
`python -m astronet simulate`) and killed with SIGTERM or SIGKILL: the simulate process alone, or
Snakemake's whole process group. The moment is either found by polling (the simulate log reports
progress, so chunks have been flushed into raw.partial/) or made exact by a pause point of
astronet.runtime.pause_points, where the process stops until it is killed (building the network,
after a chunk, just before or just after the rename that publishes raw/, between two renames of the
aggregation's outputs).

After the kill, results/ may hold only complete parameters.json files, logs and *.partial or
staging leftovers, unless Snakemake itself was killed after an output appeared, in which case
Snakemake's incomplete marker keeps it from being used. Then the workflow is rerun and its tables
must equal, value for value, those of an uninterrupted run.

What a rerun needs (all asserted below):
  * simulate or aggregate process killed: plain `snakemake` (Snakemake removed the failed job's outputs);
  * Snakemake killed with SIGTERM: plain `snakemake`;
  * Snakemake killed with SIGKILL: `snakemake --unlock` first (Snakemake's lock of the directory),
    and `--rerun-incomplete` if an output of the killed job already existed (Snakemake refuses
    until then, naming the files).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
import yaml

from astronet.config.validate import validate_config
from astronet.data.aggregate import aggregate
from astronet.runtime import pause_points
from workflow_support import simulate_command, simulate_step, snakemake_args

pytestmark = pytest.mark.slow

SIM_TIME = 1000.0
# ~1-2 s of simulation in 200 chunks: kills during the simulation land between flushed chunks.
TINY = {
    "params": {"sim_time": SIM_TIME, "chunk_ms": 5.0, "n_vp": 1, "N_ex": 80, "N_in": 20, "N_astro": 100, "N_rec_mm": 5},
    "experiments": {"reference": {"description": "tiny network for kill tests"}},
    "targets": ["reference"],
}
RUN = "results/reference/rng_seed-143202461"
TARGET = f"{RUN}/metadata.json"  # the aggregated run: parameters, simulate, aggregate
TABLES = ("spikes", "astrocytes", "neurons")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The tables of an uninterrupted run of the same parameters (NEST is deterministic)."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    config = json.loads(json.dumps(TINY))
    params = validate_config(config)["reference"][0].params
    simulate_step(tmp, params)
    aggregate(tmp / "raw", tmp)
    return {name: pq.read_table(tmp / f"{name}.parquet") for name in TABLES}


# --- helpers ------------------------------------------------------------------------------------


def _env(pause: str | None, marker: Path | None) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for name in (pause_points.PAUSE_AT, pause_points.PAUSE_MARKER):
        env.pop(name, None)
    if pause:
        env[pause_points.PAUSE_AT] = pause
        env[pause_points.PAUSE_MARKER] = str(marker)
    return env


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    return snakemake_args(workdir, *args, configfiles=[workdir / "tiny.yaml"], cores=1)


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        snakemake_cmd(workdir, *args), capture_output=True, text=True, env=_env(None, None), timeout=600
    )


def wait_for(condition, proc: subprocess.Popen, log: Path, what: str, timeout: float = 300.0) -> None:
    """Poll every 10 ms until ``condition()`` holds; fail if the process ends or time runs out first."""
    end = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the process ended (exit {proc.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def progress_percent(log: Path) -> int:
    """Last progress report of the simulate log (0 if none yet)."""
    try:
        found = re.findall(r"^\[simulate [^]]+\] +(\d+) %  ", log.read_text(), flags=re.M)
    except FileNotFoundError:
        return 0
    return int(found[-1]) if found else 0


def flushed_chunks(run: Path) -> bool:
    """Some chunks were written into the staging directory (beyond Parquet's 4-byte header)."""
    spikes = run / "raw.partial" / "spikes-rank0000.parquet"
    return spikes.exists() and spikes.stat().st_size > 1000


def process_running(parent: int, step: str) -> psutil.Process | None:
    """The live descendant running ``python -m astronet STEP`` (not the job's shell, whose ``-c``
    string names the step too: a signal to the shell would leave the simulation running)."""
    try:
        children = psutil.Process(parent).children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            if child.cmdline()[1:4] == ["-m", "astronet", step] and child.status() != psutil.STATUS_ZOMBIE:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def assert_nothing_looks_like_a_result(workdir: Path, raw_may_exist: bool = False) -> None:
    """Only complete parameters, logs and staging leftovers; no recordings dir, no table, no metadata."""
    run = workdir / RUN
    if not raw_may_exist:
        assert not (run / "raw").exists(), "a raw/ directory that looks complete"
    for name in (*(f"{t}.parquet" for t in TABLES), "summary.csv", "metadata.json"):
        assert not (run / name).exists(), f"{name} exists"
    for rel in files_under(workdir / "results"):
        rel = str(Path("results") / rel)
        parts = Path(rel).parts
        inside_run = parts[:3] == Path(RUN).parts
        assert inside_run, rel
        name = parts[3:]
        ok = (
            name == ("parameters.json",)
            or name == ("parameters.json.tmp",)  # killed between printf and mv
            or name[0] == "logs"
            or name[0] == "raw.partial"
            or name[0].startswith(".aggregate.tmp")
            or (raw_may_exist and name[0] == "raw")
        )
        assert ok, f"unexpected file after the kill: {rel}"
    params = run / "parameters.json"
    if params.exists():  # written atomically: complete or absent
        assert json.loads(params.read_text())["sim_time"] == SIM_TIME


def assert_complete(workdir: Path, reference: dict) -> None:
    run = workdir / RUN
    assert not (run / "raw.partial").exists()
    meta = json.loads((run / "metadata.json").read_text())
    assert meta["parameters"]["sim_time"] == SIM_TIME
    for name in TABLES:
        table = pq.read_table(run / f"{name}.parquet")
        assert table.num_rows > 0
        assert table.select(reference[name].column_names).equals(reference[name]), (
            f"{name} differs from the uninterrupted run"
        )
    # The last sample (every rec_interval = 1 ms, NEST records at t < sim_time): the whole simulation.
    assert max(pq.read_table(run / "astrocytes.parquet").column("time").to_pylist()) == SIM_TIME - 1.0


# --- scenarios ------------------------------------------------------------------------------------


@dataclass
class Kill:
    id: str
    victim: str  # "simulate" / "aggregate": that process only; "snakemake": Snakemake's whole process group;
    # "snakemake-alone": Snakemake's own process only
    sig: int
    moment: str  # "mid-simulation" (polled), or a pause point of astronet.runtime.pause_points.POINTS
    leaves_incomplete_output: bool = False  # an output of the killed job existed when Snakemake died


KILLS = [
    Kill("simulate-SIGKILL-building", "simulate", signal.SIGKILL, "build"),
    Kill("simulate-SIGTERM-mid-simulation", "simulate", signal.SIGTERM, "mid-simulation"),
    Kill("simulate-SIGKILL-mid-simulation", "simulate", signal.SIGKILL, "mid-simulation"),
    Kill("simulate-SIGKILL-between-chunks", "simulate", signal.SIGKILL, "simulating"),
    Kill("simulate-SIGTERM-before-publish", "simulate", signal.SIGTERM, "before_publish"),
    Kill("simulate-SIGKILL-after-publish", "simulate", signal.SIGKILL, "after_publish"),
    Kill("snakemake-SIGTERM-mid-simulation", "snakemake", signal.SIGTERM, "mid-simulation"),
    Kill("snakemake-SIGKILL-mid-simulation", "snakemake", signal.SIGKILL, "mid-simulation"),
    # Snakemake's own process alone, not its process group: the simulation must not outlive it. (With
    # SIGTERM alone Snakemake waits for its running jobs to end: that is Snakemake's way of stopping.)
    Kill("snakemake-alone-SIGKILL-between-chunks", "snakemake-alone", signal.SIGKILL, "simulating"),
    Kill(
        "snakemake-SIGKILL-after-publish", "snakemake", signal.SIGKILL, "after_publish", leaves_incomplete_output=True
    ),
    Kill("aggregate-SIGKILL-moving-outputs", "aggregate", signal.SIGKILL, "moving_outputs"),
    Kill(
        "snakemake-SIGKILL-moving-outputs", "snakemake", signal.SIGKILL, "moving_outputs", leaves_incomplete_output=True
    ),
]


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.id)
def test_killed_workflow_leaves_no_result_and_reruns(kill, tmp_path, reference):
    workdir = tmp_path
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    run = workdir / RUN
    sim_log = run / "logs" / "simulate.log"
    marker = tmp_path / "paused"
    pause = None if kill.moment == "mid-simulation" else kill.moment
    out = tmp_path / "snakemake.out"
    with open(out, "w") as fh:
        proc = subprocess.Popen(
            snakemake_cmd(workdir, TARGET),
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=_env(pause, marker),
            start_new_session=True,
        )
    try:
        if pause:
            wait_for(lambda: marker.exists() and marker.read_text(), proc, out, f"the pause at {kill.moment}")
        else:
            wait_for(
                lambda: 20 <= progress_percent(sim_log) <= 80 and flushed_chunks(run),
                proc,
                out,
                "chunks flushed mid-simulation",
            )
        if kill.moment == "build":
            assert (run / "raw.partial").is_dir() and not list((run / "raw.partial").iterdir())
        if kill.moment == "simulating":
            assert (run / "raw.partial" / "spikes-rank0000.parquet").exists() and not (run / "raw").exists()
        if kill.moment == "before_publish":
            assert (run / "raw.partial" / "metadata-rank0000.json").exists() and not (run / "raw").exists()
        if kill.moment == "after_publish":
            assert (run / "raw" / "metadata-rank0000.json").exists()
        if kill.moment == "moving_outputs":
            assert (run / "astrocytes.parquet").exists() and not (run / "metadata.json").exists()

        if kill.victim == "snakemake":
            kill_group(proc.pid, kill.sig)
        elif kill.victim == "snakemake-alone":
            paused = psutil.Process(int(marker.read_text()))
            os.kill(proc.pid, kill.sig)
            proc.wait(timeout=120)
            try:  # the simulation ends with Snakemake (SIGTERM from the kernel, astronet.runtime.guard)
                paused.wait(timeout=60)
            except psutil.TimeoutExpired:
                pytest.fail(f"the simulation (pid {paused.pid}) outlived Snakemake: {paused.cmdline()}")
        else:
            # The paused process wrote its pid; else the simulation found among Snakemake's children.
            victim = psutil.Process(int(marker.read_text())) if pause else process_running(proc.pid, "simulate")
            assert victim is not None and victim.pid != proc.pid
            assert victim.cmdline()[1:4] == ["-m", "astronet", kill.victim], victim.cmdline()
            victim.send_signal(kill.sig)
        proc.wait(timeout=120)
    finally:
        kill_group(proc.pid, signal.SIGKILL)  # nothing of this test outlives it
        proc.wait()
    log = out.read_text()
    assert proc.returncode != 0, log

    # Nothing that a later step would take for a result.
    if kill.leaves_incomplete_output:
        assert (run / "raw").exists()  # complete, but Snakemake never recorded it as finished
    else:
        assert_nothing_looks_like_a_result(workdir, raw_may_exist=kill.moment == "moving_outputs")

    # Rerun.
    if kill.leaves_incomplete_output:  # Snakemake refuses to build on the output it did not finish
        refused = snakemake(workdir, TARGET)
        text = refused.stdout + refused.stderr
        assert refused.returncode != 0 and "IncompleteFilesException" in text and "--rerun-incomplete" in text, text[
            -3000:
        ]
        assert not (run / "metadata.json").exists()
    if kill.victim in ("snakemake", "snakemake-alone") and kill.sig == signal.SIGKILL:
        if kill.id == "snakemake-SIGKILL-mid-simulation":  # the lock of the killed Snakemake stays
            locked = snakemake(workdir, TARGET)
            assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
        assert snakemake(workdir, "--unlock").returncode == 0
    done = snakemake(workdir, TARGET, *(["--rerun-incomplete"] if kill.leaves_incomplete_output else []))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert_complete(workdir, reference)
    assert not list(run.glob(".aggregate.tmp*"))


def test_killed_direct_simulation_is_redone(tmp_path, reference):
    """`python -m astronet simulate` killed mid-simulation leaves only raw.partial/; run again, it completes."""
    config = json.loads(json.dumps(TINY))
    params = validate_config(config)["reference"][0].params
    (tmp_path / "parameters.json").write_text(json.dumps(params))
    raw = tmp_path / "raw"
    log = tmp_path / "simulate.log"
    cmd = simulate_command(tmp_path / "parameters.json", raw)
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(
            lambda: 20 <= progress_percent(log) <= 80 and flushed_chunks(tmp_path),
            proc,
            log,
            "chunks flushed mid-simulation",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        kill_group(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not raw.exists()
    assert sorted(p.name for p in (tmp_path / "raw.partial").iterdir()) == [
        f"{t}-rank0000.parquet" for t in ("astrocytes", "neurons", "spikes")
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    assert not (tmp_path / "raw.partial").exists()
    aggregate(raw, tmp_path)
    for name in TABLES:
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(reference[name])


def test_every_pause_point_is_killed_at():
    assert {k.moment for k in KILLS} - {"mid-simulation"} == set(pause_points.POINTS)


def test_unknown_pause_point_fails_the_run(tmp_path):
    """A kill test naming a point that no longer exists fails at once instead of never pausing."""
    config = json.loads(json.dumps(TINY))
    params = validate_config(config)["reference"][0].params
    (tmp_path / "parameters.json").write_text(json.dumps(params))
    cmd = simulate_command(tmp_path / "parameters.json", tmp_path / "raw")
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env("building", tmp_path / "paused"), timeout=300)
    assert done.returncode != 0
    assert "ASTRONET_PAUSE_AT='building' names no pause point" in done.stderr, done.stderr[-3000:]
    assert not (tmp_path / "paused").exists() and not (tmp_path / "raw").exists()
