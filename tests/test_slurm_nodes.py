"""MPI runs across nodes on the emulated Slurm cluster of tools/start_slurm_nodes.sh, through
profiles/slurm: ranks on two nodes give the tables of one rank with as many threads, and a node
or a rank lost during a run fails its job, which is retried or reported, with no rank left running
and nothing half-written taken as done.

The cluster (three nodes, each a slurmd in namespaces of its own) is started by the test, or
checked when it runs already; the MPI build of NEST comes from tools/nest_mpi_env.sh. The runs work
on the shared file system (a directory of the checkout), as on a cluster: a node's /tmp is its own.
Without root, Slurm or the MPI build the tests are skipped; under CI=true they fail.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from astronet.analysis import bennch
from astronet.config.validate import validate_config
from astronet.runtime import pause_points
from mpi_support import REPO, SMALL, assert_identical, mpi_env, nontrivial, run_params, simulate
from slurm_support import (
    cancel_leftovers,
    default_partition,
    has_accounting,
    job_ids_after,
    job_info,
    profile_command,
    sh,
    start_cluster,
)

pytestmark = [pytest.mark.slurm, pytest.mark.mpi, pytest.mark.slow]

NODES_CONF = "/etc/slurm-nodes/slurm.conf"
RUN_DIR = "rng_seed-143202461"
# A run of three chunks that the faults catch in the middle, whatever the machine's speed: one rank
# pauses after its first chunk (pause point "simulating"), the others wait for it in NEST's next
# spike exchange, until the test has taken a node or a rank away (Slurm's 10 s SlurmdTimeout must
# pass before a lost node fails its job). The retry, run with the same environment, does not pause.
MIDRUN = dict(SMALL, sim_time=300.0, chunk_ms=100.0, N_rec_mm=10, record_connections=False)


@pytest.fixture(scope="module")
def nodes() -> dict:
    """The emulated cluster, started or checked (and so back to full strength after a test took a
    node down); the environment of its users (SLURM_CONF, the MPI build of NEST)."""
    env = {**mpi_env(), "SLURM_CONF": NODES_CONF, "PYTHONWARNINGS": "ignore"}
    start_cluster("start_slurm_nodes.sh", env)
    env.update(ASTRONET_SLURM_PARTITION=default_partition(env), ASTRONET_SLURM_ACCOUNT="")
    return {"env": env, "accounting": has_accounting(env)}


@pytest.fixture
def shared_dir():
    """A working directory on the file system every node sees (not /tmp, which is per node)."""
    base = REPO / ".shared-test-runs"
    base.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=base))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write_config(workdir: Path, experiment: str, params: dict) -> Path:
    """One experiment of one run; MPI runs get 2 ranks per node (resources.ranks_per_node)."""
    cfg = workdir / "nodes.yaml"
    config = {"params": params, "experiments": {experiment: {}}, "targets": [experiment]}
    cfg.write_text(yaml.safe_dump({**config, "resources": {"ranks_per_node": 2}}))
    validate_config(yaml.safe_load(cfg.read_text()))
    return cfg


def run_profile(
    workdir: Path, cfg: Path, nodes: dict, *args, pause_marker: Path | None = None, timeout_s: int = 900
) -> subprocess.Popen:
    """snakemake through profiles/slurm, started in the background in a session of its own (see stop);
    with ``pause_marker``, the first rank to finish a chunk pauses (astronet.runtime.pause_points)."""
    cmd = profile_command(workdir, cfg, *args, accounting=nodes["accounting"], timeout_s=timeout_s)
    env = dict(nodes["env"])
    if pause_marker is not None:
        env.update({pause_points.PAUSE_AT: "simulating", pause_points.PAUSE_MARKER: str(pause_marker)})
    return subprocess.Popen(
        cmd,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen, first: int, env: dict) -> None:
    """End a snakemake that a failed test left running (it ignores SIGTERM), and its jobs."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    cancel_leftovers(first, env)


def simulate_jobs(first: int, env: dict) -> list[dict]:
    """Slurm's records of the simulate_mpi jobs submitted after job ``first``, oldest first."""
    infos = [job_info(j, env) for j in job_ids_after(first, env)]
    return [i for i in infos if i.get("Comment", "").startswith("rule_simulate_mpi_")]


def job_nodes(info: dict, env: dict) -> list[str]:
    return sh("scontrol", "show", "hostnames", info["NodeList"], env=env, check=True).stdout.split()


def rank_processes(job_id: int, node: str | None = None) -> list[int]:
    """Pids of the processes of a Slurm job that still run (on ``node``, or anywhere: the nodes
    share one pid space): those whose environment holds its SLURM_JOB_ID, not the slurmstepd that
    serves them."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"SLURM_JOB_ID={job_id}".encode() not in environ or b"slurmstepd" in cmdline:
            continue
        if node is None or f"SLURMD_NODENAME={node}".encode() in environ:
            pids.append(int(proc.name))
    return pids


def sinfo_state(node: str, env: dict) -> str:
    return sh("sinfo", "-h", "-n", node, "-o", "%T", env=env, check=True).stdout.strip()


def wait_until(condition, timeout_s: float, what: str, poll_s: float = 1.0):
    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        value = condition()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"not within {timeout_s:.0f} s: {what}")


def simulating_ranks(job_id: int, run: Path, marker: Path) -> list[int]:
    """Pids of the job's 4 ranks once they simulate (rank 0 has logged model time) and one of them
    has paused after its first chunk (its pid in ``marker``), in rank order."""
    log = run / "logs" / "simulate.log"
    if not log.exists() or not re.search(r"\[simulate [^\]]+\] +\d+ %  [\d.]+ / [\d.]+ ms", log.read_text()):
        return []
    if not (marker.exists() and marker.read_text()):
        return []
    ranks = {}
    for pid in rank_processes(job_id):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:  # just ended
            continue
        argv = cmdline.split(b"\0")
        # a rank: python -m astronet simulate ... --output (not the launcher, nor the MPI check)
        python = argv[0].split(b"/")[-1].startswith(b"python")
        if python and argv[1:4] == [b"-m", b"astronet", b"simulate"] and b"--output" in argv:
            rank = next(v for v in environ if v.startswith(b"SLURM_PROCID="))
            ranks[int(rank.split(b"=")[1])] = pid
    return [ranks[r] for r in sorted(ranks)] if len(ranks) == 4 else []


def finish(proc: subprocess.Popen, first: int, env: dict) -> str:
    try:
        out, _ = proc.communicate(timeout=900)
    finally:
        cancel_leftovers(first, env)
    return out


def test_ranks_on_two_nodes_give_the_tables_of_one_rank_with_four_threads(shared_dir, nodes):
    """4 ranks placed 2 + 2 on two nodes by Slurm (its records and each rank's own host name say
    so): the connections and the spikes, IP3, Ca_astro and I_SIC tables are those of 1 rank x 4
    threads, bit for bit; every rank records NEST's phase timers."""
    env = nodes["env"]
    params = dict(SMALL, n_vp=4, mpi_ranks=4)
    cfg = write_config(shared_dir, "across_nodes", params)
    first = max(job_ids_after(0, env), default=0)
    run = shared_dir / "results" / "across_nodes" / RUN_DIR
    targets = [f"results/across_nodes/{RUN_DIR}/{name}" for name in ("metadata.json", "connections.parquet")]
    proc = run_profile(shared_dir, cfg, nodes, *targets)
    try:
        out = finish(proc, first, env)
    finally:
        stop(proc, first, env)
    assert proc.returncode == 0, out[-5000:]

    # Placement, from Slurm's records and from the ranks themselves.
    (job,) = simulate_jobs(first, env)
    assert job["JobState"] == "COMPLETED" and int(job["NumNodes"]) == 2 and int(job["NumTasks"]) == 4
    meta = json.loads((run / "metadata.json").read_text())
    hosts = [rank["host"] for rank in meta["ranks"]]
    assert sorted(set(hosts)) == sorted(job_nodes(job, env))
    assert sorted(collections.Counter(hosts).values()) == [2, 2] and hosts[0] == hosts[1] != hosts[2] == hosts[3]
    for rank in meta["ranks"]:
        assert rank["slurm"]["node"] == rank["host"] and rank["slurm"]["job_id"] == job["JobId"]
        assert rank["slurm"]["task"] == str(rank["rank"])
    q = bennch.quantities(meta)
    assert (q["num_nodes"], q["tasks_per_node"], q["threads_per_task"], q["num_nvp"]) == (2, 2, 1, 4)
    for rank in meta["ranks"]:
        timers = rank["nest_timers_s"]
        assert timers["time_simulate"] > 0 and all(timers[p] is not None for p in bennch.PHASES)

    # The same network and activity as one rank with four threads.
    reference = simulate(shared_dir / "1x4", run_params(**dict(params, mpi_ranks=1)), env)
    nontrivial(reference)
    assert_identical(reference, run)


def test_a_lost_node_fails_the_job_and_the_profile_retries_it(shared_dir, nodes):
    """The slurmd of one of the two nodes of a running simulation is killed: Slurm sets the node
    DOWN and fails the job (NODE_FAIL) and ends its ranks on the other node; the ranks on the lost
    node, which only lost its slurmd, are ended when it comes back; the profile's retry simulates
    the run again, and the run published is the retry's."""
    env = nodes["env"]
    cfg = write_config(shared_dir, "lost_node", dict(MIDRUN, n_vp=4, mpi_ranks=4))
    marker = shared_dir / "paused"
    first = max(job_ids_after(0, env), default=0)
    run = shared_dir / "results" / "lost_node" / RUN_DIR
    proc = run_profile(shared_dir, cfg, nodes, f"results/lost_node/{RUN_DIR}/raw", pause_marker=marker)
    try:
        job_id = int(wait_until(lambda: simulate_jobs(first, env), 300, "the simulate job is submitted")[0]["JobId"])
        wait_until(lambda: simulating_ranks(job_id, run, marker), 300, "the 4 ranks simulate")
        kept, lost = job_nodes(job_info(job_id, env), env)
        os.kill(int(Path(f"/run/slurm-nodes/slurmd-{lost}.pid").read_text()), signal.SIGKILL)
        failed = wait_until(
            lambda: (info := job_info(job_id, env))["JobState"] not in ("RUNNING", "COMPLETING") and info,
            120,
            "Slurm ends the job",
        )
        assert failed["JobState"] == "NODE_FAIL", (failed["JobState"], failed.get("Reason"))
        assert sinfo_state(lost, env).startswith("down")
        wait_until(lambda: not rank_processes(job_id, kept), 60, f"no process of job {job_id} runs on {kept}")
        start_cluster("start_slurm_nodes.sh", env)  # the lost node comes back (ReturnToService=2)
        wait_until(lambda: not rank_processes(job_id), 60, f"no process of job {job_id} runs on {lost}")
        out = finish(proc, first, env)
    finally:
        stop(proc, first, env)
        start_cluster("start_slurm_nodes.sh", env)
    assert proc.returncode == 0, out[-5000:]
    jobs = simulate_jobs(first, env)
    assert [j["JobState"] for j in jobs] == ["NODE_FAIL", "COMPLETED"], [(j["JobState"], j.get("Reason")) for j in jobs]
    meta = json.loads((run / "raw" / "metadata-rank0000.json").read_text())
    assert meta["provenance"]["slurm"]["job_id"] == jobs[1]["JobId"]
    assert not (run / "raw.partial").exists()


def test_a_killed_rank_fails_the_job_which_is_reported_and_nothing_is_published(shared_dir, nodes):
    """One rank of a simulation on two nodes is killed: srun ends the other ranks at once
    (--kill-on-bad-exit), the job fails, snakemake (no retries) reports it and publishes nothing;
    the next snakemake simulates the run afresh."""
    env = nodes["env"]
    cfg = write_config(shared_dir, "lost_rank", dict(MIDRUN, n_vp=4, mpi_ranks=4))
    marker = shared_dir / "paused"
    first = max(job_ids_after(0, env), default=0)
    run = shared_dir / "results" / "lost_rank" / RUN_DIR
    proc = run_profile(
        shared_dir, cfg, nodes, "--retries", "0", f"results/lost_rank/{RUN_DIR}/raw", pause_marker=marker
    )
    try:
        job = wait_until(lambda: simulate_jobs(first, env), 300, "the simulate job is submitted")[0]
        job_id = int(job["JobId"])
        victim = wait_until(lambda: simulating_ranks(job_id, run, marker), 300, "the 4 ranks simulate")[3]
        os.kill(victim, signal.SIGKILL)
        out = finish(proc, first, env)
    finally:
        stop(proc, first, env)
    assert proc.returncode != 0
    assert re.search(r"Error in rule simulate_mpi", out), out[-5000:]
    (job,) = simulate_jobs(first, env)
    assert job["JobState"] == "FAILED", (job["JobState"], job.get("Reason"))
    wait_until(lambda: not rank_processes(job_id), 60, f"no process of the failed job {job_id} runs")
    assert not (run / "raw").exists()  # nothing published: only the staging directory may remain

    again = run_profile(shared_dir, cfg, nodes, f"results/lost_rank/{RUN_DIR}/raw")
    try:
        out = finish(again, first, env)
    finally:
        stop(again, first, env)
    assert again.returncode == 0, out[-5000:]
    meta = json.loads((run / "raw" / "metadata-rank0000.json").read_text())
    assert meta["provenance"]["slurm"]["job_id"] == simulate_jobs(first, env)[-1]["JobId"]
    assert sorted(p.name for p in (run / "raw").glob("spikes-rank*")) == [
        f"spikes-rank{r:04d}.parquet" for r in range(4)
    ]
